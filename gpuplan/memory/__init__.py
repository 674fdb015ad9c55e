"""Memory planning: bytes per component per GPU, fit verdicts for every GPU, and inverse answers.

Everything is computed in **bytes**; ``bytes_to_gib`` (2^30) and ``bytes_to_gb`` (10^9) are for display only.
Formulas and their sources (see also ../shared/reference/formulas.md):

Components (``MemoryEstimate.components``, bytes **per GPU**, in this order)
---------------------------------------------------------------------------
``weights``
    params × bytes per parameter of the storage precision. fp32 4, bf16/fp16 2, fp8 1 (stas00
    ml-engineering ``inference/README.md``; EleutherAI cookbook ``calc_transformer_mem.py``).
    int8 = LLM.int8 vector-wise quantization: 1 byte + one fp32 scale per weight row, i.e. ``1 + 4/hidden``
    (Dettmers et al. 2022, arXiv 2208.07339 §3.2; bitsandbytes stores the row scales ``SCB`` in fp32).
    int4 = NF4 with double quantization as configured in QLoRA (Dettmers et al. 2023, arXiv 2305.14314 §3):
    4 bits + 8/64 + 32/(64·256) = 4.127 bits ("0.127 bits per parameter" of quantization constants), i.e.
    0.5159 bytes/param (0.5 + 4/64 = 0.5625 without double quantization).
    Assumption for quantized precisions (fp8/int8/int4): the input embedding and the output head
    (``vocab × hidden``, once if tied) stay in bf16 — bitsandbytes/transformers replace ``nn.Linear`` layers only
    and skip ``lm_head``; the formula is applied only when ``vocab_size`` and ``hidden_size`` are known.
``gradients`` / ``optimizer``
    Mixed-precision (bf16/fp16) training, per *trainable* parameter: weights 2 (half-precision copy),
    gradients 2 or 4, optimizer = fp32 master copy 4 + optimizer states. ``adam_bytes`` switches the stated
    convention: **16** (half-precision gradients; ZeRO paper, Rajbhandari et al. 2019, arXiv 1910.02054 §3.1,
    K = 12) or **18** (fp32 gradients; stas00 ``training/performance/README.md`` "18 bytes per model
    parameter" and the EleutherAI cookbook, 2 + 4 + 12). Default 18 (the conservative one). It sets the gradient
    width for every optimizer. fp32 training: weights 4, gradients 4, no master copy (16 for AdamW).
    fp8 training is accounted as bf16 (Transformer Engine keeps bf16/fp32 weights; the fp8 copies are transient).
    Optimizer states (stas00): adamw 8 (m, v in fp32), adamw-8bit 2 (bitsandbytes), sgd-momentum 4,
    adafactor 4 ("Adafactor uses some additional memory beside 4 bytes" — stas00).
    ZeRO (same paper; also the cookbook code): stage 1 divides optimizer states by the data-parallel GPU count N,
    stage 2 also gradients, stage 3 (= FSDP full shard) also weights.
    LoRA/QLoRA: the frozen base at its storage precision (QLoRA: int4 NF4, or int8) plus the adapters, which are
    trainable parameters with the accounting above. Adapter size per layer and target module:
    ``rank × (d_in + d_out)`` (Hu et al. 2021, arXiv 2106.09685 §4.1: W + BA with B ∈ R^{d×r}, A ∈ R^{r×k}).
    Targets q, k, v, o, gate, up, down use (hidden → heads·head_dim), (hidden → kv_heads·head_dim) ×2,
    (heads·head_dim → hidden), (hidden → ffn) ×2, (ffn → hidden). Experts of MoE models are not counted.
``activations``
    Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models"
    (arXiv 2205.05198, Table 2), generalised to activation width B bytes as in the EleutherAI cookbook:
    per layer ``s·b·h·(16·B + 2) + (2·B + 1)·a·s²·b``. The attention-score term (the second) is dropped when
    ``flash_attention=True`` (default): FlashAttention never materialises the s×s scores (Dao et al. 2022,
    arXiv 2205.14135: memory linear in sequence length). That per-layer term is for a GPT block (4h GeLU MLP,
    LayerNorm, dropout) and is used for ``Architecture.mlp == "gelu"``. Gated-MLP models (``mlp == "gated"``:
    Llama, Mistral, Mixtral, Qwen, Gemma, T5 v1.1 — inferred from ``ffn_size != 4·hidden``, see ``infer_mlp``)
    use the same accounting redone for their block (``layer_activation_bytes``): at B = 2,
    ``s·b·(12·h + 2·(h + 2q + 2kv) + 2·(h + 4·f))`` — 49·s·b·h for Llama-3.1-8B instead of 34·s·b·h.
    No checkpointing: L × per layer. With activation
    checkpointing (full recomputation, e.g. transformers ``gradient_checkpointing_enable()``): the input of every
    layer, ``B·s·b·h·L`` (Korthikanti §4 "2sbhL" for B = 2; stas00 ``dtype_size · L · b · s · h``), plus one
    layer's activations recomputed during its backward. Logits (training, when vocab is known, stas00):
    ``4·b·s·V`` in fp32, "in practice about 6·b·s·V" because a bf16 copy is made and upcast → we use
    6·b·s·V for bf16/fp16 and 4·b·s·V for fp32 training.
    Inference, peak of one layer (cookbook, for every block type — nothing is kept for a backward, so the
    training count of a gated block would overstate it): ``s·b·h·(16·B + 2)`` for the prefill of ``seq`` tokens,
    plus fp32
    logits of the sampled position ``4·b·V``. B = 4 for fp32, else 2 (bf16/fp16 compute; fp8/int weights compute
    in bf16). Activations are per GPU (each data-parallel rank holds its own micro-batch) and are not divided by N.
``kv_cache`` (inference only)
    bytes per token = 2 (K and V) × layers × kv_heads × head_dim × bytes of ``kv_dtype`` (stas00
    ``inference/README.md``: Llama-3.1-8B bf16 = 2 × 2 × 32 × 4096 × 8/32 = 0.131 MB per token);
    × context × batch. Multi-head latent attention (MLA: DeepSeek-V2/V3/R1, ``kv_lora_rank`` set) caches one
    compressed latent and the decoupled RoPE key per token and layer instead of per-head K and V:
    ``(kv_lora_rank + qk_rope_head_dim)`` values (DeepSeek-V2, arXiv 2405.04434 §2.1.2-3 and Table 1:
    "(d_c + d_h^R) · l" elements per token) — DeepSeek-V3 in bf16: (512 + 64) × 61 × 2 = 70,272 bytes per
    token. :func:`kv_cache_values_per_token_layer` is the one home of both formulas (gpuplan.serving uses it).
    ``kv_dtype`` defaults to the weight precision for float formats and to bf16 for int8/int4 weights.
    Payload only: int8/int4 KV scales are not counted. Diffusion/video models have no KV cache.
``overhead``
    CUDA context and preloaded kernels: 0.92 GiB by default — stas00 measured 0.47 GiB (lazy) to 0.92 GiB
    (eager kernel loading) with PyTorch 2.1.1 on an A100 80GB and states "0.5-2GB" in general. The EleutherAI
    cookbook instead adds ~5 GiB "miscellaneous" seen with Megatron-DeepSpeed; pass ``overhead_bytes`` to use it.
    Allocator fragmentation and temporary buffers are **not** modelled (see the validation notes).

Multi-GPU: ``gpus`` is the data-parallel count for training (ZeRO stage ``zero_stage``) and the
tensor-parallel degree for inference (weights and KV cache split evenly; Shoeybi et al. 2019, arXiv 1909.08053).
``total_bytes`` = ``per_gpu_bytes × gpus``.

Diffusion / video models: ``seq`` is replaced by latent tokens (``latent_tokens``):
``ceil(frames / vae_temporal_factor) × ceil(H / vae_spatial_factor / patch_size) ×
ceil(W / vae_spatial_factor / patch_size)`` — for 4k+1-frame causal video VAEs ceil(F/4) equals (F-1)/4 + 1.
Only the denoising transformer is counted (not the text encoder or the VAE); classifier-free guidance doubles
the batch — pass ``batch=2`` for it.

Fit (``fit_table``): capacity = ``memory_gb × 10^9`` bytes, the vendor label read as decimal GB. This is
conservative: an "80GB" A100 reports 79.21 GiB = 85.05e9 bytes total to PyTorch (stas00, same README).

Layout: :mod:`~gpuplan.memory.architecture` (the model's shape), :mod:`~gpuplan.memory.accounting` (bytes per
parameter and per activation, ZeRO), :mod:`~gpuplan.memory.estimate` (:func:`memory_estimate`),
:mod:`~gpuplan.memory.fit` (fit verdicts, inverse answers), :mod:`~gpuplan.memory.validation` (against public
worked numbers, with the error notes); every public name is importable from ``gpuplan.memory``. The tables of
notebook 02 live in :mod:`gpuplan.pages.memory_planning` (also reachable as ``gpuplan.memory.<name>``).
"""

from __future__ import annotations

from gpuplan.memory.accounting import (
    ADAM_BYTES,
    DEFAULT_ADAM_BYTES,
    MASTER_COPY_BYTES,
    NF4_DQ_BYTES,
    OPTIMIZER_STATE_BYTES,
    OPTIMIZERS,
    activation_parts,
    layer_activation_bytes,
    model_state_bytes,
    model_weight_bytes,
    training_bytes_per_param,
    weight_bytes_per_param,
    zero_offload_states,
)
from gpuplan.memory.architecture import (
    FAMILIES,
    GB,
    GIB,
    LORA_TARGETS,
    MAX_BATCH_SEARCH,
    MAX_CONTEXT_SEARCH,
    MAX_GPUS_SEARCH,
    MAX_PIXELS_SIDE,
    MLP_KINDS,
    PAYLOAD_BYTES,
    PRECISIONS,
    Architecture,
    _lora_targets,
    _missing,
    bytes_to_gb,
    bytes_to_gib,
    infer_mlp,
    kv_cache_values_per_token_layer,
    latent_tokens,
)
from gpuplan.memory.estimate import (
    _STATE_SOURCE,
    _WEIGHT_SOURCE,
    COMPONENTS,
    CUDA_CONTEXT_BYTES,
    DEFAULT_PRECISION,
    MODES,
    OFFLOADS,
    MemoryEstimate,
    memory_estimate,
)
from gpuplan.memory.fit import (
    GpuCountAnswer,
    _gpu_capacity,
    _largest,
    capacity_bytes,
    fit_table,
    max_batch,
    max_context,
    min_gpus,
)
from gpuplan.memory.validation import _PEFT, _STAS_ACT, _STAS_INF, _ZERO, VALIDATION_ARCHS, validation_cases

__all__ = [
    "ADAM_BYTES", "COMPONENTS", "CUDA_CONTEXT_BYTES", "DEFAULT_ADAM_BYTES", "DEFAULT_PRECISION", "FAMILIES", "GB",
    "GIB", "LORA_TARGETS", "MASTER_COPY_BYTES", "MAX_BATCH_SEARCH", "MAX_CONTEXT_SEARCH", "MAX_GPUS_SEARCH",
    "MAX_PIXELS_SIDE", "MLP_KINDS", "MODES", "NF4_DQ_BYTES", "OFFLOADS", "OPTIMIZERS", "OPTIMIZER_STATE_BYTES",
    "PAYLOAD_BYTES", "PRECISIONS", "VALIDATION_ARCHS", "Architecture", "GpuCountAnswer", "MemoryEstimate",
    "_PEFT", "_STAS_ACT", "_STAS_INF", "_STATE_SOURCE", "_WEIGHT_SOURCE", "_ZERO", "_gpu_capacity", "_largest",
    "_lora_targets", "_missing", "activation_parts", "bytes_to_gb", "bytes_to_gib", "capacity_bytes", "fit_table",
    "infer_mlp", "kv_cache_values_per_token_layer", "latent_tokens", "layer_activation_bytes", "max_batch",
    "max_context", "memory_estimate", "min_gpus", "model_state_bytes", "model_weight_bytes",
    "training_bytes_per_param", "validation_cases", "weight_bytes_per_param", "zero_offload_states",
]
