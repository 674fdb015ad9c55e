"""Bytes per parameter and per activation: weights at each storage precision, training states (mixed precision,
optimizers, ZeRO), one transformer layer's saved activations, the activation parts of a step, and ZeRO-3 /
ZeRO-Offload. Formulas and sources: the :mod:`gpuplan.memory` docstring; the cited constants
(optimizer states, the fp32 master copy, the 16/18-byte AdamW convention) live in :mod:`gpuplan.assumptions`."""

from __future__ import annotations

import math

from gpuplan import assumptions
from gpuplan.errors import InputError
from gpuplan.memory.architecture import MAX_GPUS_SEARCH, PAYLOAD_BYTES, PRECISIONS, Architecture
from gpuplan.validators import check_choice, check_count

OPTIMIZERS = ("adamw", "adamw-8bit", "sgd-momentum", "adafactor")
ADAM_BYTES = (16, 18)
#: the mixed-precision AdamW convention used unless told otherwise (:mod:`gpuplan.assumptions` 'adam_bytes')
DEFAULT_ADAM_BYTES = assumptions.value("adam_bytes")

#: NF4 + double quantization (QLoRA paper §3): 4 bits + 8/64 + 32/(64*256) bits of constants, in bytes.
NF4_DQ_BYTES = (4 + 8 / 64 + 32 / (64 * 256)) / 8

#: Optimizer state bytes per trainable parameter (stas00 training/performance/README.md; gpuplan.assumptions).
OPTIMIZER_STATE_BYTES = assumptions.value("optimizer_state_bytes")

#: fp32 master copy kept by mixed-precision optimizers (ZeRO paper §3.1; gpuplan.assumptions).
MASTER_COPY_BYTES = assumptions.value("master_copy_bytes")


def weight_bytes_per_param(precision: str, hidden_size: int | None = None) -> float:
    """Storage bytes per parameter including the quantization constants of real formats (module docstring):
    fp32 4, bf16/fp16 2, fp8 1, int8 1 + 4/hidden (LLM.int8 fp32 row scales), int4 NF4 + double quant 0.5159."""
    precision = check_choice("precision", precision, PRECISIONS, casefold=True)
    if precision == "int8":
        return 1.0 + (4.0 / hidden_size if hidden_size else 0.0)
    if precision == "int4":
        return NF4_DQ_BYTES
    return PAYLOAD_BYTES[precision]


def training_bytes_per_param(precision: str = "bf16", optimizer: str = "adamw",
                             adam_bytes: int = DEFAULT_ADAM_BYTES) -> dict[str, float]:
    """Bytes per trainable parameter: ``weights``, ``gradients``, ``optimizer`` (master copy + states).
    bf16 AdamW: 2 + 2 + 12 = 16 (``adam_bytes=16``, ZeRO paper) or 2 + 4 + 12 = 18 (stas00, cookbook);
    fp32 AdamW: 4 + 4 + 8 = 16."""
    precision = check_choice("precision", precision, PRECISIONS, casefold=True)
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS, casefold=True)
    adam_bytes = check_choice("adam_bytes", adam_bytes, ADAM_BYTES, casefold=True)
    if precision in ("int8", "int4"):
        raise InputError("precision", f"training needs fp32, bf16, fp16 or fp8 weights, got {precision}"
                                      " (use mode=qlora for a quantized frozen base)")
    states = OPTIMIZER_STATE_BYTES[optimizer]
    if precision == "fp32":
        return {"weights": 4.0, "gradients": 4.0, "optimizer": float(states)}
    return {"weights": 2.0, "gradients": 2.0 if adam_bytes == 16 else 4.0,
            "optimizer": float(MASTER_COPY_BYTES + states)}


def model_weight_bytes(arch: Architecture, precision: str) -> float:
    """All parameters at ``precision``; for fp8/int8/int4 the embedding + output head stay at 2 bytes."""
    per_param = weight_bytes_per_param(precision, arch.hidden_size)
    if precision in ("fp32", "bf16", "fp16"):
        return arch.params_total * per_param
    kept = min(arch.embedding_params, arch.params_total)
    return (arch.params_total - kept) * per_param + kept * PAYLOAD_BYTES["bf16"]


def model_state_bytes(trainable_params: float, *, precision: str = "bf16", optimizer: str = "adamw",
                      adam_bytes: int = DEFAULT_ADAM_BYTES, gpus: int = 1, zero_stage: int = 0,
                      frozen_weight_bytes: float = 0.0) -> dict[str, float]:
    """Weights, gradients and optimizer bytes per GPU for ``trainable_params`` (plus frozen weights, e.g. a
    LoRA base) with ZeRO over ``gpus`` data-parallel ranks: stage >= 1 divides the optimizer states, >= 2 also
    the gradients, 3 also the weights (Rajbhandari et al. 2019, arXiv 1910.02054, Figure 1)."""
    gpus = check_count("gpus", gpus, low=1, high=MAX_GPUS_SEARCH)
    zero_stage = check_count("zero_stage", zero_stage, low=0, high=3)
    per = training_bytes_per_param(precision, optimizer, adam_bytes)
    return {"weights": (frozen_weight_bytes + trainable_params * per["weights"]) / (gpus if zero_stage >= 3 else 1),
            "gradients": trainable_params * per["gradients"] / (gpus if zero_stage >= 2 else 1),
            "optimizer": trainable_params * per["optimizer"] / (gpus if zero_stage >= 1 else 1)}


def layer_activation_bytes(arch: Architecture, *, batch: int = 1, seq: int = 1, bytes_per_value: float = 2,
                           flash_attention: bool = True) -> float:
    """Bytes one transformer layer keeps for its backward pass (training), by the block type ``arch.mlp``.

    ``"gelu"`` — Korthikanti et al. 2022 (arXiv 2205.05198, §4.1 / Table 2) for a GPT block (4h GeLU MLP,
    LayerNorm, dropout), generalised to activation width B by the EleutherAI cookbook:
    ``s·b·h·(16·B + 2)`` (+ ``(2·B + 1)·a·s²·b`` scores without FlashAttention): 34·s·b·h = 17 copies at B = 2.

    ``"gated"`` — the same per-tensor accounting redone for a Llama-family block (SwiGLU/GeGLU MLP of width
    f = ``ffn_size``, RMSNorm, rotary embeddings, grouped-query attention, no dropout), counting what PyTorch
    autograd saves in the reference implementation (Hugging Face transformers ``LlamaDecoderLayer``, full
    fine-tune, FlashAttention/SDPA kernel), per element of each tensor:

    * 2 RMSNorms × ``(max(B, 4) + B)``: ``LlamaRMSNorm`` upcasts its input to fp32 (kept by ``pow`` for the
      variance gradient, 4 bytes) and keeps the normalised value in the activation dtype for the weight
      gradient (B). Korthikanti's fused LayerNorm keeps only its B-byte input.
    * attention ``B·(h + q + 2·kv + q)`` with q = heads·head_dim, kv = kv_heads·head_dim: the shared input of
      the q/k/v projections, the rotated Q and K and V kept by the attention kernel (K/V at kv_heads width: no
      repeat for GQA), and the attention output (input of o_proj). Korthikanti's GPT block instead counts
      Q, K, V and the input/output at h each plus a 1-byte dropout mask (11·s·b·h at B = 2).
    * MLP ``B·(h + 4·f)``: the shared input of the gate and up projections (h), the gate output (kept by the
      activation, whose gradient needs its input), the up output and the activation output (both kept by the
      product, each the other's gradient factor) and the product (input of down_proj) — 2·s·b·h + 8·s·b·f bytes
      at B = 2, against GPT's 2·s·b·h + 2·(8·s·b·h) + s·b·h dropout mask = 19·s·b·h.
    * residual additions keep nothing; the score term without FlashAttention is Korthikanti's.

    Llama-3.1-8B (q = h, kv = h/4, f = 3.5h), B = 2: 2·6 + 2·(1 + 1 + 0.5 + 1) + 2·(1 + 14) = 12 + 7 + 30
    = 49·s·b·h bytes,
    24.5 copies of the bf16 hidden state (Korthikanti: 17; stas00 measured k = 28 for "one layer's working
    memory" — a peak that also holds transient temporaries, e.g. RMSNorm's fp32 products, so it is ≥ the saved
    set). Checked against PyTorch itself: ``torch.autograd.graph.saved_tensors_hooks`` on a transformers 5.17
    LlamaDecoderLayer (h 256, f 896, 8 heads, 2 KV heads, bf16, SDPA) records 49.4 bytes per s·b·h — the 0.4
    are rstd, rotary cos/sin and the attention log-sum-exp, O(s·b) terms left out here; in fp32 90.7 vs 90.

    Not modelled (each makes the gated count low): MoE routing (Mixtral: each token passes top-2 experts, so
    the 4·f term doubles), per-head q/k RMSNorms (Qwen3), dropout (T5: rate 0.1 adds a 1-byte mask per dropped
    element), activations written as several PyTorch ops (T5's ``gelu_new`` keeps about 3 more f-wide tensors
    than a fused GeLU/SiLU). For a frozen base (LoRA) the inputs of frozen linears and norm weights are not
    kept, so the count is high there.
    """
    arch.need("layers", "hidden_size", "attention_heads")
    s, b, h, a, B = seq, batch, arch.hidden_size, arch.attention_heads, bytes_per_value
    scores = 0.0 if flash_attention else (2 * B + 1) * a * s * s * b
    if arch.mlp != "gated":
        return s * b * h * (16 * B + 2) + scores
    arch.need("ffn_size")
    q, kv, f = arch.attention_heads * arch.head_dim, arch.kv_heads * arch.head_dim, arch.ffn_size
    norms = 2 * (max(B, 4) + B) * h
    attention = B * (h + q + 2 * kv + q)
    mlp = B * (h + 4 * f)
    return s * b * (norms + attention + mlp) + scores


def activation_parts(arch: Architecture, *, batch: int, seq: int, bytes_per_value: float = 2,
                     checkpointing: bool = False, flash_attention: bool = True,
                     training: bool = True) -> dict[str, float]:
    """Activation bytes per GPU in three parts (Korthikanti et al. 2022 as generalised by the EleutherAI
    cookbook; stas00 for checkpoints and logits — see the module docstring):

    ``stored_layers``  what is kept for the backward of all layers (L × per-layer, or L × B·s·b·h inputs
                       with checkpointing; 0 for inference),
    ``working_layer``  one layer's activations alive at once (recomputed layer with checkpointing; the
                       inference peak), 0 when already inside ``stored_layers``,
    ``logits``         6·b·s·V (bf16/fp16) or 4·b·s·V (fp32) for training, 4·b·V for inference;
                       0 if vocab is unknown.
    """
    arch.need("layers", "hidden_size", "attention_heads")
    s, b, h, L, B = seq, batch, arch.hidden_size, arch.layers, bytes_per_value
    per_layer = layer_activation_bytes(arch, batch=b, seq=s, bytes_per_value=B, flash_attention=flash_attention)
    vocab = arch.vocab_size or 0
    if not training:
        # eager attention at inference materialises the scores and their softmax, B bytes each (Korthikanti's
        # 2·a·s²·b + 2·a·s²·b at B = 2, without the training-only dropout mask); FlashAttention keeps neither
        scores = 0.0 if flash_attention else 2 * B * arch.attention_heads * s * s * b
        return {"stored_layers": 0.0, "working_layer": s * b * h * (16 * B + 2) + scores, "logits": 4.0 * b * vocab}
    logits = (4 + (B if B < 4 else 0)) * b * s * vocab
    if checkpointing:
        return {"stored_layers": B * s * b * h * L, "working_layer": per_layer, "logits": logits}
    return {"stored_layers": L * per_layer, "working_layer": 0.0, "logits": logits}


def zero_offload_states(states: dict[str, float], *, trainable: float, frozen_bytes: float, largest_layer: float,
                        weight_bytes: float, act_bytes: float, cpu_state_bytes: float, gpus: int, gpus_per_node: int,
                        zero_stage: int, offload: str | None, buffer_factor: float) -> tuple[dict[str, float], float]:
    """GPU model-state bytes per GPU and CPU bytes per node with ZeRO-3's gathered layer and ZeRO offload,
    following DeepSpeed's ``estimate_zero2_model_states_mem_needs`` / ``estimate_zero3_model_states_mem_needs``
    (deepspeed/runtime/zero/stage_1_and_2.py, stage3.py; docs "Memory Requirements"):

    - ZeRO-3 gathers one whole layer at a time: + ``largest_layer`` params of weights and of gradients in the
      compute dtype (``act_bytes`` each; DeepSpeed's ``4 · largest_layer_params`` in fp16).
    - ``offload="optimizer"`` (ZeRO-Offload): master weights, optimizer states and fp32 gradients live on the CPU
      (``cpu_state_bytes`` per trainable parameter: 16 for AdamW). GPU keeps the half-precision weights — all of
      them up to stage 2 (DeepSpeed ``2 · P``), its shard at stage 3 (``2 · P / N``) — and no persistent
      gradients. CPU per node: stage ≤ 2 ``P · max(4 · N, cpu_state_bytes) · buffer``; stage 3
      ``P · cpu_state_bytes / nodes · buffer`` (DeepSpeed's zero_init=1 case).
    - ``offload="optimizer+params"`` (ZeRO-Infinity to CPU, stage 3 only): the weights go too; the GPU holds only
      the gathered layer; CPU ``P · (cpu_state_bytes + weight_bytes) / nodes · buffer`` (DeepSpeed's 18).
    A frozen base (LoRA) stays on the GPU unless its parameters are offloaded. ``buffer`` = DeepSpeed's
    ``additional_buffer_factor`` (1.5)."""
    nodes = math.ceil(gpus / gpus_per_node)
    gathered = largest_layer * act_bytes if zero_stage == 3 else 0.0
    cpu = 0.0
    if offload is None:
        out = dict(states)
    elif offload == "optimizer":
        shard = gpus if zero_stage == 3 else 1
        out = {"weights": (frozen_bytes + trainable * weight_bytes) / shard, "gradients": 0.0, "optimizer": 0.0}
        cpu = trainable * (cpu_state_bytes / nodes if zero_stage == 3 else max(4 * gpus, cpu_state_bytes))
    else:
        out = {"weights": 0.0, "gradients": 0.0, "optimizer": 0.0}
        cpu = (trainable * (cpu_state_bytes + weight_bytes) + frozen_bytes) / nodes
    out["weights"] += gathered
    out["gradients"] += gathered
    return out, cpu * buffer_factor
