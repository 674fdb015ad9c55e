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

Validation (``validation_cases()``; the test file pins every number; GB = 10^9 bytes, GiB = 2^30)
------------------------------------------------------------------------------------------------
=============================================  ============  ===========  ======  =====================
case                                           reference     model        error   before the gated fix
=============================================  ============  ===========  ======  =====================
ZeRO paper Fig. 1, 7.5B, N=64, stage 0         120 GB        120.00 GB     0.0 %
  stage 1 (P_os)                               31.4 GB       31.41 GB     +0.0 %
  stage 2 (P_os+g)                             16.6 GB       16.64 GB     +0.2 %
  stage 3 (P_os+g+p)                           1.9 GB        1.875 GB     -1.3 %
PEFT README, T0_3B full fine-tune (fp32)       47.14 GB      47.90 GB     +1.6 %  47.55 GB, +0.9 %
PEFT README, T0_3B LoRA r=8                    14.4 GB       13.73 GB     -4.7 %  13.38 GB, -7.1 %
PEFT README, mt0-xxl LoRA r=8                  56 GB         56.73 GB     +1.3 %  56.02 GB, +0.0 %
PEFT README, bloomz-7b1 LoRA r=8 (GPT block)   32 GB         33.32 GB     +4.1 %  unchanged
stas00 Llama-3.1-8B KV cache per token (bf16)  0.131 MB      0.131072 MB  +0.05 %
stas00 Llama-3.1-8B ckpt layer inputs, s=32k   8 GiB         8.00 GiB      0.0 %
stas00 Llama-3.1-8B one layer's working mem.   7 GiB         6.125 GiB   -12.5 %  4.25 GiB, -39.3 %
stas00 Llama-3.1-8B all layers, no ckpt        224 GiB       196.0 GiB   -12.5 %  136.0 GiB, -39.3 %
=============================================  ============  ===========  ======  =====================

Notes on the errors (no constant is tuned to them):

* Llama-3.1-8B activations (-12.5 %, was -39 % with Korthikanti's GPT count of 17 copies): the gated-block
  accounting (``layer_activation_bytes``) gives 24.5 copies, which is what PyTorch autograd really keeps for a
  transformers LlamaDecoderLayer (checked with ``saved_tensors_hooks``, see that function). stas00's k = 28 is
  "alive at once" while a layer runs, so it also holds transient temporaries (the fp32 RMSNorm products, the
  SiLU output before the product, …) and sits above the saved set. The same count against his other
  measurements (configs from each model's config.json): SmolLM2-360M 21.3 vs 24 (-11 %), Mistral-7B 24.5 vs 28
  (-12.5 %), gemma-1.1-2b 42.25 vs 48 (-12 %), Qwen3-4B 27.2 vs 38 (-28 %: per-head q/k RMSNorms not modelled).
  The checkpointed layer inputs (8 GiB) are exact.
* T0_3B and mt0-xxl are T5 v1.1 / mT5 (``feed_forward_proj = "gated-gelu"``, d_ff = 2.5·d_model): they are
  now counted as gated blocks (an fp32 encoder layer keeps 16 + 16 + 44 = 76 bytes per s·b·h plus the scores
  instead of 66), which moves the three T5 cases by +0.35 to +0.7 GB. A transformers T5 layer keeps still more
  (measured on the CPU with saved-tensor hooks: 140 bytes per s·b·h at a·s/h = 1, against 85 by this count):
  its ``gelu_new`` is six PyTorch ops that keep about 3 more f-wide tensors, and dropout (rate 0.1) keeps its
  masks (1 byte per element on CUDA). Activations are about 15 % of these cases, so that remainder is ≈ 2-4 %.
* PEFT measurements (within 5 %): they are ``torch.cuda.max_memory_allocated`` peaks (the CUDA context is
  excluded, so the cases use ``overhead_bytes=0``), taken with the examples' settings (fp32, batch 8,
  ``max_length = 64``, eager attention); T0_3B/mt0 are encoder-decoder T5 models, modelled as their 24-layer
  encoder at 64 tokens (the decoder sees only the 2-4 label tokens); the examples' scripts print MiB (2^20),
  so if the README's "GB" are MiB/1000 the references are 4.9 % higher. The residuals (-5 % to +4 %) are within
  what these unknowns allow: the seq2seq example pads to the longest tweet of each batch (we assume the
  causal-LM example's 64 tokens), and allocator rounding and temporary buffers are not modelled; summing the
  components is conservative for full fine-tuning (activations are freed while gradients are produced).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import pandas as pd

from gpuplan import assumptions as _assumptions
from gpuplan import data
from gpuplan.errors import InputError

GIB = 2**30
GB = 10**9

MODES = ("inference", "lora", "qlora", "full")
PRECISIONS = ("fp32", "bf16", "fp16", "fp8", "int8", "int4")
OPTIMIZERS = ("adamw", "adamw-8bit", "sgd-momentum", "adafactor")
COMPONENTS = ("weights", "gradients", "optimizer", "activations", "kv_cache", "overhead")
LORA_TARGETS = ("q", "k", "v", "o", "gate", "up", "down")
FAMILIES = ("llm", "diffusion", "video")
MLP_KINDS = ("gelu", "gated")
ADAM_BYTES = (16, 18)

#: Default per-mode storage precision when ``precision`` is not given.
DEFAULT_PRECISION = {"inference": "bf16", "lora": "bf16", "qlora": "int4", "full": "bf16"}

#: CUDA context + kernels, stas00 ml-engineering training/performance/README.md: PyTorch 2.1.1, A100 80GB,
#: CUDA_MODULE_LOADING=EAGER "used=0.92GB" (printed as bytes / 2**30, hence GiB).
CUDA_CONTEXT_BYTES = int(0.92 * GIB)

#: Packed payload bytes per value (stas00 inference/README.md table); used for KV-cache dtypes.
PAYLOAD_BYTES = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5}

#: NF4 + double quantization (QLoRA paper §3): 4 bits + 8/64 + 32/(64*256) bits of constants, in bytes.
NF4_DQ_BYTES = (4 + 8 / 64 + 32 / (64 * 256)) / 8

#: Optimizer state bytes per trainable parameter (stas00 training/performance/README.md).
OPTIMIZER_STATE_BYTES = {"adamw": 8, "adamw-8bit": 2, "sgd-momentum": 4, "adafactor": 4}

#: fp32 master copy kept by mixed-precision optimizers (ZeRO paper §3.1).
MASTER_COPY_BYTES = 4

_WEIGHT_SOURCE = {"fp32": "stas00 inference/README.md", "bf16": "stas00 inference/README.md",
                  "fp16": "stas00 inference/README.md", "fp8": "stas00 inference/README.md",
                  "int8": "LLM.int8 row-wise fp32 scales, Dettmers et al. arXiv 2208.07339",
                  "int4": "NF4 + double quantization, QLoRA, Dettmers et al. arXiv 2305.14314"}
_STATE_SOURCE = "16: ZeRO, arXiv 1910.02054; 18: stas00 and the EleutherAI cookbook"

#: Upper bounds of the inverse searches.
MAX_BATCH_SEARCH = 1 << 20
MAX_CONTEXT_SEARCH = 1 << 24
MAX_GPUS_SEARCH = 1 << 16
#: largest image/video side and frame count accepted (a guard against typos and overflow)
MAX_PIXELS_SIDE = 1 << 17

#: ZeRO-Offload / ZeRO-Infinity choices of ``memory_estimate(offload=...)`` (DeepSpeed ``offload_optimizer`` and
#: ``offload_param`` to the CPU)
OFFLOADS = ("optimizer", "optimizer+params")


def bytes_to_gib(n_bytes: float) -> float:
    """Bytes → GiB (2^30 bytes), for display."""
    return n_bytes / GIB


def bytes_to_gb(n_bytes: float) -> float:
    """Bytes → GB (10^9 bytes), for display."""
    return n_bytes / GB


# --------------------------------------------------------------------------------------------------------------
# validation helpers: one InputError line naming the parameter and its allowed range


def _whole(field_name: str, value: Any, low: int = 1, high: int | None = None) -> int:
    ok = not isinstance(value, bool) and isinstance(value, numbers.Real) and float(value).is_integer()
    if ok:
        value = int(value)
        ok = value >= low and (high is None or value <= high)
    if not ok:
        allowed = f"{low}..{high}" if high is not None else f">= {low}"
        raise InputError(field_name, f"must be a whole number {allowed}, got {value!r}")
    return value


def _choice(field_name: str, value: Any, allowed: Iterable[Any]) -> Any:
    allowed = tuple(allowed)
    key = value.lower() if isinstance(value, str) else value
    if key not in allowed:
        raise InputError(field_name, f"must be one of {', '.join(map(str, allowed))}; got {value!r}")
    return key


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


# --------------------------------------------------------------------------------------------------------------
# architecture


def infer_mlp(family: str, hidden_size: int | None, ffn_size: int | None) -> str:
    """"gated" for an LLM whose ``ffn_size`` is known and differs from ``4 × hidden_size``, else "gelu".

    Rule: GPT-style blocks (GPT-2/3, BLOOM, MPT, OPT, Falcon) use a 4h GeLU MLP; gated MLPs keep about the same
    parameter count with three matrices, so their width is not 4h (Llama-2/3 8/3·h rounded up, e.g. 11008 or
    14336 for h = 4096; Mistral/Mixtral 3.5h, Qwen2.5 5.3h, Gemma 8h; T5 v1.1 / mT5 ``feed_forward_proj =
    "gated-gelu"`` 2.5h). The rule is applied to ``family == "llm"`` only: diffusion/video transformers (DiT,
    FLUX, Wan2.1 with ffn 13824 = 2.7h) use plain GELU MLPs of any width. A gated model of exactly 4h (none in the
    models table) must be given ``mlp="gated"`` explicitly."""
    if family == "llm" and hidden_size and ffn_size and ffn_size != 4 * hidden_size:
        return "gated"
    return "gelu"


@dataclass(frozen=True)
class Architecture:
    """A model's shape. ``head_dim`` defaults to hidden/heads, ``kv_heads`` to heads, ``params_active`` to
    ``params_total``. Fields may be None when unknown; a function that needs one raises InputError naming it.
    The latent fields (``latent_channels``, ``vae_spatial_factor``, ``vae_temporal_factor``, ``patch_size``)
    describe diffusion/video models (see ``latent_tokens``). ``mlp`` is "gelu" (GPT block: 4h GeLU MLP,
    LayerNorm, dropout — Korthikanti's accounting) or "gated" (Llama-family block: SwiGLU/GeGLU MLP, RMSNorm,
    no dropout); None infers it with :func:`infer_mlp`."""

    params_total: float
    layers: int | None = None
    hidden_size: int | None = None
    attention_heads: int | None = None
    kv_heads: int | None = None
    head_dim: int | None = None
    vocab_size: int | None = None
    ffn_size: int | None = None
    params_active: float | None = None
    family: str = "llm"
    name: str = "custom"
    tied_embeddings: bool = False
    default_context: int | None = None
    latent_channels: int | None = None
    vae_spatial_factor: int | None = None
    vae_temporal_factor: int | None = None
    patch_size: int | None = None
    mlp: str | None = None
    activation_bytes_per_sample: float | None = None
    kv_lora_rank: int | None = None
    qk_rope_head_dim: int | None = None

    def __post_init__(self) -> None:
        if _missing(self.params_total) or isinstance(self.params_total, bool) or not self.params_total > 0:
            raise InputError("params_total", f"must be a number > 0 for model {self.name!r}, got "
                                             f"{self.params_total!r}")
        for f in ("layers", "hidden_size", "attention_heads", "kv_heads", "head_dim", "vocab_size", "ffn_size",
                  "default_context", "latent_channels", "vae_spatial_factor", "vae_temporal_factor", "patch_size",
                  "kv_lora_rank", "qk_rope_head_dim"):
            value = getattr(self, f)
            object.__setattr__(self, f, None if _missing(value) else _whole(f, value))
        if _missing(self.params_active):
            object.__setattr__(self, "params_active", self.params_total)
        elif not 0 < self.params_active <= self.params_total:
            raise InputError("params_active", f"must be in (0, params_total={self.params_total:g}]")
        object.__setattr__(self, "family", _choice("family", self.family or "llm", FAMILIES))
        if _missing(self.mlp):
            object.__setattr__(self, "mlp", infer_mlp(self.family, self.hidden_size, self.ffn_size))
        else:
            object.__setattr__(self, "mlp", _choice("mlp", self.mlp, MLP_KINDS))
        if self.kv_heads is None and self.attention_heads is not None:
            object.__setattr__(self, "kv_heads", self.attention_heads)
        if self.head_dim is None and self.hidden_size is not None and self.attention_heads is not None:
            if self.hidden_size % self.attention_heads:
                raise InputError("attention_heads", f"must divide hidden_size={self.hidden_size} when head_dim is not "
                                                    f"given (got {self.attention_heads}; head_dim would be "
                                                    f"{self.hidden_size / self.attention_heads:g})")
            object.__setattr__(self, "head_dim", self.hidden_size // self.attention_heads)
        if self.kv_heads is not None and self.attention_heads is not None and self.attention_heads % self.kv_heads:
            raise InputError("kv_heads", f"must divide attention_heads={self.attention_heads} (grouped-query attention "
                                         f"shares each KV head among heads/kv_heads query heads; got {self.kv_heads})")
        if self.kv_heads is not None and self.attention_heads is None:
            raise InputError("kv_heads", "needs attention_heads")
        if (self.kv_lora_rank is None) != (self.qk_rope_head_dim is None):
            given, missing = (("kv_lora_rank", "qk_rope_head_dim") if self.qk_rope_head_dim is None
                              else ("qk_rope_head_dim", "kv_lora_rank"))
            raise InputError(missing, f"multi-head latent attention needs kv_lora_rank and qk_rope_head_dim together "
                                      f"(model {self.name!r} gives only {given})")
        value = self.activation_bytes_per_sample
        if _missing(value):
            object.__setattr__(self, "activation_bytes_per_sample", None)
        elif isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1e15:
            raise InputError("activation_bytes_per_sample", f"must be a number of bytes > 0 (got {value!r})")

    @classmethod
    def from_model(cls, name_or_id: str) -> Architecture:
        """Read a row of the ``models`` table through ``gpuplan.data.model`` (unknown name → InputError)."""
        row = dict(data.model(name_or_id))
        keep = {f.name for f in fields(cls)} - {"name", "tied_embeddings"}
        values = {k: (None if _missing(v) else v) for k, v in row.items() if k in keep}
        return cls(name=row.get("model_id") or row.get("name") or name_or_id, **values)

    def need(self, *names: str) -> None:
        """Raise InputError naming the first of ``names`` that is unknown for this model."""
        for n in names:
            if getattr(self, n) is None:
                raise InputError(n, f"model {self.name!r} has no {n}; give the architecture explicitly")

    @property
    def embedding_params(self) -> float:
        """Input embedding + output head parameters (vocab × hidden, once if tied); 0 if unknown."""
        if self.vocab_size is None or self.hidden_size is None:
            return 0.0
        return float(self.vocab_size * self.hidden_size * (1 if self.tied_embeddings else 2))

    @property
    def largest_layer_params(self) -> float:
        """Parameters of the largest single module, the one ZeRO-3 gathers whole (DeepSpeed's
        ``largest_layer_params``): the embedding or output head ``vocab × hidden`` when the vocab is known, else the
        largest weight matrix of a block — an MLP matrix ``hidden × ffn`` (4·hidden when ffn is unknown) or
        ``hidden²``. Without a transformer shape: 0 (unknown)."""
        if self.hidden_size is None:
            return 0.0
        h = self.hidden_size
        return float(max(self.vocab_size * h if self.vocab_size else 0, h * (self.ffn_size or 4 * h), h * h))

    @property
    def is_mla(self) -> bool:
        """Multi-head latent attention (DeepSeek-V2/V3/R1): the KV cache holds a latent, not per-head K and V."""
        return self.kv_lora_rank is not None

    def kv_cache_bytes_per_token(self, kv_dtype: str = "bf16") -> float:
        """layers × :func:`kv_cache_values_per_token_layer` × bytes of ``kv_dtype``: 2 (K and V) × layers ×
        kv_heads × head_dim × bytes (stas00 inference/README.md), or for MLA (kv_lora_rank + qk_rope_head_dim) ×
        layers × bytes (DeepSeek-V2 Table 1)."""
        self.need("layers")
        dtype = _choice("kv_dtype", kv_dtype, PRECISIONS)
        return self.layers * kv_cache_values_per_token_layer(self) * PAYLOAD_BYTES[dtype]

    def lora_params(self, rank: int, targets: Iterable[str] = ("q", "k", "v", "o")) -> int:
        """Trainable LoRA parameters: layers × Σ_targets rank × (d_in + d_out) (Hu et al. 2021, §4.1)."""
        rank = _whole("lora_rank", rank)
        targets = _lora_targets(targets)
        self.need("layers", "hidden_size", "attention_heads")
        h, q_out, kv_out = self.hidden_size, self.attention_heads * self.head_dim, self.kv_heads * self.head_dim
        if {"gate", "up", "down"} & set(targets):
            self.need("ffn_size")
        shapes = {"q": (h, q_out), "k": (h, kv_out), "v": (h, kv_out), "o": (q_out, h),
                  "gate": (h, self.ffn_size), "up": (h, self.ffn_size), "down": (self.ffn_size, h)}
        return self.layers * sum(rank * sum(shapes[t]) for t in targets)


def kv_cache_values_per_token_layer(arch: Architecture) -> int:
    """Values one token keeps in the KV cache of one full-attention layer — the one home of the formula
    (``Architecture.kv_cache_bytes_per_token`` and gpuplan.serving call it):

    - GQA/MQA/MHA: ``2 · kv_heads · head_dim`` (K and V per KV head; stas00 ``inference/README.md``);
    - MLA (``kv_lora_rank`` set): ``kv_lora_rank + qk_rope_head_dim`` (the compressed latent c_KV and the
      decoupled RoPE key k^R shared by all heads; DeepSeek-V2, arXiv 2405.04434 §2.1.2-3, Table 1:
      "(d_c + d_h^R) · l" elements per token for l layers)."""
    if arch.is_mla:
        return arch.kv_lora_rank + arch.qk_rope_head_dim
    arch.need("kv_heads", "head_dim")
    return 2 * arch.kv_heads * arch.head_dim


def _lora_targets(targets: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(targets, str):
        targets = [t for t in targets.replace(";", ",").split(",") if t.strip()]
    out = tuple(dict.fromkeys(_choice("lora_targets", t.strip(), LORA_TARGETS) for t in targets))
    if not out:
        raise InputError("lora_targets", f"needs at least one of {', '.join(LORA_TARGETS)}")
    return out


def latent_tokens(frames: int | None, height: int, width: int, *, spatial_factor: int,
                  temporal_factor: int = 1, patch_size: int = 1) -> int:
    """Tokens a diffusion transformer sees for ``frames`` × ``height`` × ``width`` pixels:
    ``ceil(frames / temporal_factor) × ceil(height / spatial_factor / patch_size) ×
    ceil(width / spatial_factor / patch_size)``. The VAE compresses space by ``spatial_factor`` (e.g. 8) and time
    by ``temporal_factor`` (e.g. 4 for causal video VAEs, where 4k+1 frames give k+1 latent frames), then the
    transformer patchifies by ``patch_size`` (e.g. 2). Images: ``frames=None`` or 1."""
    frames = 1 if frames is None else _whole("frames", frames, 1, MAX_PIXELS_SIDE)
    height, width = _whole("height", height, 1, MAX_PIXELS_SIDE), _whole("width", width, 1, MAX_PIXELS_SIDE)
    spatial_factor = _whole("vae_spatial_factor", spatial_factor)
    temporal_factor = _whole("vae_temporal_factor", temporal_factor)
    patch_size = _whole("patch_size", patch_size)
    per_side = spatial_factor * patch_size
    return math.ceil(frames / temporal_factor) * math.ceil(height / per_side) * math.ceil(width / per_side)


# --------------------------------------------------------------------------------------------------------------
# per-parameter accounting


def weight_bytes_per_param(precision: str, hidden_size: int | None = None) -> float:
    """Storage bytes per parameter including the quantization constants of real formats (module docstring):
    fp32 4, bf16/fp16 2, fp8 1, int8 1 + 4/hidden (LLM.int8 fp32 row scales), int4 NF4 + double quant 0.5159."""
    precision = _choice("precision", precision, PRECISIONS)
    if precision == "int8":
        return 1.0 + (4.0 / hidden_size if hidden_size else 0.0)
    if precision == "int4":
        return NF4_DQ_BYTES
    return PAYLOAD_BYTES[precision]


def training_bytes_per_param(precision: str = "bf16", optimizer: str = "adamw",
                             adam_bytes: int = 18) -> dict[str, float]:
    """Bytes per trainable parameter: ``weights``, ``gradients``, ``optimizer`` (master copy + states).
    bf16 AdamW: 2 + 2 + 12 = 16 (``adam_bytes=16``, ZeRO paper) or 2 + 4 + 12 = 18 (stas00, cookbook);
    fp32 AdamW: 4 + 4 + 8 = 16."""
    precision = _choice("precision", precision, PRECISIONS)
    optimizer = _choice("optimizer", optimizer, OPTIMIZERS)
    adam_bytes = _choice("adam_bytes", adam_bytes, ADAM_BYTES)
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
                      adam_bytes: int = 18, gpus: int = 1, zero_stage: int = 0,
                      frozen_weight_bytes: float = 0.0) -> dict[str, float]:
    """Weights, gradients and optimizer bytes per GPU for ``trainable_params`` (plus frozen weights, e.g. a
    LoRA base) with ZeRO over ``gpus`` data-parallel ranks: stage >= 1 divides the optimizer states, >= 2 also
    the gradients, 3 also the weights (Rajbhandari et al. 2019, arXiv 1910.02054, Figure 1)."""
    gpus = _whole("gpus", gpus, 1, MAX_GPUS_SEARCH)
    zero_stage = _whole("zero_stage", zero_stage, 0, 3)
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


# --------------------------------------------------------------------------------------------------------------
# the estimate


@dataclass
class MemoryEstimate:
    """Bytes per component per GPU. ``per_gpu_bytes`` sums them; ``total_bytes`` = per GPU × ``gpus``."""

    components: dict[str, int]
    gpus: int
    inputs: dict[str, Any]
    assumptions: list[str] = field(default_factory=list)
    trainable_params: int = 0
    tokens: int = 0
    cpu_bytes_per_node: int = 0

    @property
    def per_gpu_bytes(self) -> int:
        return sum(self.components.values())

    @property
    def total_bytes(self) -> int:
        return self.per_gpu_bytes * self.gpus

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: components (bytes), per_gpu_bytes, total_bytes, gpus, trainable_params, tokens,
        cpu_bytes_per_node (host RAM the ZeRO offload needs per node; 0 without offload), inputs, assumptions."""
        return {"components": dict(self.components), "per_gpu_bytes": self.per_gpu_bytes,
                "total_bytes": self.total_bytes, "gpus": self.gpus, "trainable_params": self.trainable_params,
                "tokens": self.tokens, "cpu_bytes_per_node": self.cpu_bytes_per_node, "inputs": dict(self.inputs),
                "assumptions": list(self.assumptions)}

    def components_frame(self, workload: str | None = None) -> pd.DataFrame:
        """Long table for charts: workload, component, component_order, bytes, gib, gb (per GPU)."""
        label = workload or self.inputs.get("model", "model")
        rows = [{"workload": label, "component": c, "component_order": i, "bytes": v,
                 "gib": bytes_to_gib(v), "gb": bytes_to_gb(v)} for i, (c, v) in enumerate(self.components.items())]
        return pd.DataFrame(rows)


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


def memory_estimate(arch: Architecture | str, *, mode: str = "inference", precision: str | None = None,
                    optimizer: str = "adamw", batch: int = 1, seq: int = 2048, checkpointing: bool = False,
                    gpus: int = 1, zero_stage: int = 0, lora_rank: int = 16,
                    lora_targets: Iterable[str] | str = ("q", "k", "v", "o"), kv_dtype: str | None = None,
                    context: int | None = None, frames: int | None = None, height: int | None = None,
                    width: int | None = None, adam_bytes: int = 18, flash_attention: bool = True,
                    overhead_bytes: int | None = None, offload: str | None = None, gpus_per_node: int = 8,
                    cpu_buffer_factor: float | None = None) -> MemoryEstimate:
    """Bytes per component per GPU for one workload (formulas and sources in the module docstring).

    ``arch``: an Architecture or a model name/id of the ``models`` table. ``mode``: inference, lora, qlora,
    full. ``precision``: storage precision of the (base) weights — default bf16, int4 for qlora. ``batch`` is
    the micro-batch per GPU; ``seq`` the training sequence / prefill length; ``context`` the tokens held in the
    KV cache per sequence (inference; default ``seq``). ``frames``/``height``/``width`` replace ``seq`` by latent
    tokens for diffusion/video models. ``gpus``: data-parallel count (training, sharded by ``zero_stage`` 0-3)
    or tensor-parallel degree (inference). ``adam_bytes``: 16 or 18, the mixed-precision AdamW convention.
    ``overhead_bytes``: framework/CUDA constant, default ``CUDA_CONTEXT_BYTES``. ``flash_attention=False``
    (eager attention) adds the materialised attention scores, in training and at inference.
    ``offload``: None, "optimizer" (ZeRO-Offload) or "optimizer+params" (ZeRO-Infinity to CPU, needs
    ``zero_stage=3``), training only, see :func:`zero_offload_states`; ZeRO-3 adds the gathered largest layer;
    ``gpus_per_node`` sets the node count for ``cpu_bytes_per_node``; ``cpu_buffer_factor`` defaults to
    DeepSpeed's 1.5. Models without a transformer shape (CNN/UNet: no ``layers``) take their activations from
    ``Architecture.activation_bytes_per_sample`` × batch (a measured size, from the models table when it has
    one) — never from an invented transformer shape.
    """
    if isinstance(arch, str):
        arch = Architecture.from_model(arch)
    mode = _choice("mode", mode, MODES)
    precision = _choice("precision", precision or DEFAULT_PRECISION[mode], PRECISIONS)
    optimizer = _choice("optimizer", optimizer, OPTIMIZERS)
    adam_bytes = _choice("adam_bytes", adam_bytes, ADAM_BYTES)
    batch = _whole("batch", batch, 1, MAX_BATCH_SEARCH)
    seq = _whole("seq", seq, 1, MAX_CONTEXT_SEARCH)
    gpus = _whole("gpus", gpus, 1, MAX_GPUS_SEARCH)
    gpus_per_node = _whole("gpus_per_node", gpus_per_node, 1, 4096)
    if offload is not None:
        offload = _choice("offload", offload, OFFLOADS)
    if cpu_buffer_factor is None:
        cpu_buffer_factor = float(_assumptions.value("deepspeed_buffer_factor"))
    elif isinstance(cpu_buffer_factor, bool) or not isinstance(cpu_buffer_factor, numbers.Real) \
            or not 1 <= cpu_buffer_factor <= 10:
        raise InputError("cpu_buffer_factor", f"must be a number 1..10, got {cpu_buffer_factor!r}")
    zero_stage = _whole("zero_stage", zero_stage, 0, 3)
    lora_rank = _whole("lora_rank", lora_rank)
    overhead = CUDA_CONTEXT_BYTES if overhead_bytes is None else _whole("overhead_bytes", overhead_bytes, 0)
    training = mode != "inference"
    if mode == "full" and precision in ("int8", "int4"):
        raise InputError("precision", f"mode=full trains every weight: use fp32, bf16, fp16 or fp8, not {precision}"
                                      " (mode=qlora trains adapters over a quantized base)")
    if mode == "qlora" and precision not in ("int4", "int8"):
        raise InputError("precision", f"mode=qlora quantizes the frozen base: use int4 or int8, not {precision}")
    if training and (context is not None or kv_dtype is not None):
        raise InputError("context" if context is not None else "kv_dtype", "only applies to mode=inference")
    if offload is not None and not training:
        raise InputError("offload", "only applies to training (mode full, lora or qlora)")
    if offload == "optimizer+params" and zero_stage != 3:
        raise InputError("offload", f"optimizer+params offloads the weights too: it needs zero_stage 3 "
                                    f"(got {zero_stage})")
    if kv_dtype is not None:
        kv_dtype = _choice("kv_dtype", kv_dtype, PRECISIONS)
    act_bytes = 4.0 if precision == "fp32" else 2.0

    # tokens per sequence: latent tokens for diffusion/video, else seq
    if arch.family in ("diffusion", "video"):
        if height is None or width is None:
            raise InputError("height" if height is None else "width",
                             f"required for {arch.family} model {arch.name!r} (with frames for video)")
        if arch.family == "video" and frames is None:
            raise InputError("frames", f"required for video model {arch.name!r}")
        arch.need("vae_spatial_factor")
        tokens = latent_tokens(frames, height, width, spatial_factor=arch.vae_spatial_factor,
                               temporal_factor=arch.vae_temporal_factor or 1, patch_size=arch.patch_size or 1)
    else:
        if frames is not None or height is not None or width is not None:
            raise InputError("frames" if frames is not None else "height",
                             f"frames/height/width apply to diffusion/video models; {arch.name!r} is {arch.family}")
        tokens = seq

    assumptions = [f"weights at {precision}: {weight_bytes_per_param(precision, arch.hidden_size):.4g} bytes/param"
                   + (" (embedding and output head kept in bf16)" if precision in ("fp8", "int8", "int4")
                      and arch.embedding_params else "") + f" ({_WEIGHT_SOURCE[precision]})"]
    trainable = 0
    if mode == "full":
        trainable = int(arch.params_total)
        states = model_state_bytes(trainable, precision=precision, optimizer=optimizer, adam_bytes=adam_bytes,
                                   gpus=gpus, zero_stage=zero_stage)
        per = training_bytes_per_param(precision, optimizer, adam_bytes)
        assumptions.append(f"full training, {optimizer}: {per['weights']:g} + {per['gradients']:g} + "
                           f"{per['optimizer']:g} bytes per parameter ({adam_bytes}-byte convention; {_STATE_SOURCE})")
    elif mode in ("lora", "qlora"):
        trainable = arch.lora_params(lora_rank, lora_targets)
        adapter_precision = "fp32" if precision == "fp32" else "bf16"
        states = model_state_bytes(trainable, precision=adapter_precision, optimizer=optimizer,
                                   adam_bytes=adam_bytes, gpus=gpus, zero_stage=zero_stage,
                                   frozen_weight_bytes=model_weight_bytes(arch, precision))
        per = training_bytes_per_param(adapter_precision, optimizer, adam_bytes)
        assumptions.append(f"{mode}: frozen base at {precision}; {trainable:,} adapter params (rank {lora_rank}) "
                           f"at {sum(per.values()):g} bytes each ({optimizer}; LoRA, Hu et al. arXiv 2106.09685)")
    else:
        states = {"weights": model_weight_bytes(arch, precision) / gpus, "gradients": 0.0, "optimizer": 0.0}
        if gpus > 1:
            assumptions.append(f"inference split over {gpus} GPUs: weights and KV cache / {gpus} "
                               "(tensor parallel, Megatron-LM arXiv 1909.08053)")
    if training and gpus > 1:
        assumptions.append(f"ZeRO stage {zero_stage} over {gpus} data-parallel GPUs (Rajbhandari et al. "
                           "arXiv 1910.02054)")
    cpu_bytes = 0.0
    if training and (offload is not None or zero_stage == 3):
        adapter_precision = precision if mode == "full" else ("fp32" if precision == "fp32" else "bf16")
        per = training_bytes_per_param(adapter_precision, optimizer, adam_bytes)
        frozen = model_weight_bytes(arch, precision) if mode in ("lora", "qlora") else 0.0
        states, cpu_bytes = zero_offload_states(
            states, trainable=trainable, frozen_bytes=frozen, largest_layer=arch.largest_layer_params,
            weight_bytes=per["weights"], act_bytes=act_bytes, cpu_state_bytes=per["optimizer"] + 4.0, gpus=gpus,
            gpus_per_node=gpus_per_node, zero_stage=zero_stage, offload=offload, buffer_factor=cpu_buffer_factor)
        if zero_stage == 3:
            assumptions.append(f"ZeRO-3 gathers the largest layer ({arch.largest_layer_params:,.0f} params) for "
                               "weights and gradients (DeepSpeed estimate_zero3_model_states_mem_needs)")
        if offload:
            assumptions.append(f"offload {offload} to the CPU: {bytes_to_gib(cpu_bytes):.1f} GiB per node of "
                               f"{gpus_per_node} GPUs (DeepSpeed ZeRO-Offload/Infinity estimators, buffer factor "
                               f"{cpu_buffer_factor:g})")

    if arch.layers is None and arch.activation_bytes_per_sample is not None:
        parts = {"measured": arch.activation_bytes_per_sample * batch}
        assumptions.append(f"activations {bytes_to_gib(arch.activation_bytes_per_sample):.2f} GiB per sample "
                           f"(measured size of {arch.name}, not a transformer formula) × batch {batch}")
    elif arch.layers is None and arch.family != "llm":
        raise InputError("activation_bytes_per_sample", f"model {arch.name!r} has no transformer shape (e.g. a UNet) "
                                                        "and no measured activation size in the models table; "
                                                        "give Architecture(activation_bytes_per_sample=...)")
    else:
        parts = activation_parts(arch, batch=batch, seq=tokens, bytes_per_value=act_bytes,
                                 checkpointing=checkpointing and training, flash_attention=flash_attention,
                                 training=training)
        assumptions.append("activations per Korthikanti et al. 2022 (arXiv 2205.05198)"
                           + (", per-layer count redone for a gated-MLP/RMSNorm block (ffn "
                              f"{arch.ffn_size}): "
                              f"{layer_activation_bytes(arch, bytes_per_value=act_bytes) / arch.hidden_size:g}"
                              " bytes per token and hidden unit" if training and arch.mlp == "gated" else "")
                           + (", full activation checkpointing" if checkpointing and training else "")
                           + ("" if flash_attention else ", attention scores materialised (no FlashAttention)")
                           + ("; logits per stas00 training/performance/README.md" if arch.vocab_size else ""))

    kv = 0.0
    if not training and arch.family == "llm":
        context = seq if context is None else _whole("context", context)
        kv_dtype = kv_dtype or (precision if precision in ("fp32", "bf16", "fp16", "fp8") else "bf16")
        kv = arch.kv_cache_bytes_per_token(kv_dtype) * context * batch / gpus
        assumptions.append(f"KV cache in {kv_dtype}: {context} tokens × batch {batch}, "
                           + ("(kv_lora_rank + qk_rope_head_dim) × layers × bytes per token (MLA latent, DeepSeek-V2 "
                              "arXiv 2405.04434 Table 1)" if arch.is_mla else
                              "2 × layers × kv_heads × head_dim × bytes per token (stas00 inference/README.md)"))
    elif context is not None:
        raise InputError("context", f"{arch.family} models have no KV cache")
    assumptions.append(f"overhead {bytes_to_gib(overhead):.2f} GiB: CUDA context and kernels (stas00 "
                       "training/performance/README.md: 0.47-0.92 GiB measured, 0.5-2 GB in general)")

    components = {**states, "activations": sum(parts.values()),
                  "kv_cache": kv, "overhead": overhead}
    inputs = {"model": arch.name, "mode": mode, "precision": precision, "optimizer": optimizer if training else None,
              "batch": batch, "seq": seq, "context": context, "checkpointing": bool(checkpointing),
              "gpus": gpus, "zero_stage": zero_stage, "lora_rank": lora_rank if mode in ("lora", "qlora") else None,
              "lora_targets": list(_lora_targets(lora_targets)) if mode in ("lora", "qlora") else None,
              "kv_dtype": kv_dtype, "frames": frames, "height": height, "width": width, "adam_bytes": adam_bytes,
              "flash_attention": bool(flash_attention), "overhead_bytes": overhead, "offload": offload,
              "gpus_per_node": gpus_per_node}
    if not all(math.isfinite(v) for v in [*components.values(), cpu_bytes]):
        raise InputError("batch", "is too large: the memory is not a finite number")
    return MemoryEstimate(components={k: math.ceil(v) for k, v in components.items()}, gpus=gpus, inputs=inputs,
                          assumptions=assumptions, trainable_params=trainable, tokens=tokens,
                          cpu_bytes_per_node=math.ceil(cpu_bytes))


# --------------------------------------------------------------------------------------------------------------
# fit verdicts and inverse answers


def capacity_bytes(gpu: str | int | float) -> int:
    """Usable capacity in bytes: a number is taken as bytes; a GPU name/id is resolved through gpuplan.data and
    its ``memory_gb`` read as 10^9 bytes (conservative, see the module docstring)."""
    return _gpu_capacity(gpu)[1]


def _gpu_capacity(gpu: str | int | float) -> tuple[str, int]:
    """(label, capacity bytes): the resolved gpu_id, or "<n> GB GPU" for a number of bytes."""
    if isinstance(gpu, numbers.Real) and not isinstance(gpu, bool):
        if not gpu > 0:
            raise InputError("capacity_bytes", f"must be > 0, got {gpu!r}")
        return f"{bytes_to_gb(gpu):g} GB", int(gpu)
    row = data.gpu(data.resolve_gpu(gpu))
    if _missing(row.get("memory_gb")):
        raise InputError("gpu", f"{row.get('gpu_id', gpu)} has no memory_gb in the gpus table")
    return row["gpu_id"], int(round(float(row["memory_gb"]) * GB))


def fit_table(estimate: MemoryEstimate, gpus_df: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per GPU of the ``gpus`` table (or ``gpus_df``): gpu_id, name, memory_gb, capacity_bytes
    (memory_gb × 10^9), per_gpu_bytes, fits, headroom_bytes (negative when it does not fit), headroom_gib."""
    if gpus_df is None:
        gpus_df = data.gpus()
    out = gpus_df[["gpu_id", "name", "memory_gb"]].copy()
    out["capacity_bytes"] = (out["memory_gb"].astype("Float64") * GB).round().astype("Int64")
    out["per_gpu_bytes"] = estimate.per_gpu_bytes
    out["headroom_bytes"] = out["capacity_bytes"] - estimate.per_gpu_bytes
    out["fits"] = (out["headroom_bytes"] >= 0).astype("boolean")
    out["headroom_gib"] = out["headroom_bytes"].astype("Float64") / GIB
    return out[["gpu_id", "name", "memory_gb", "capacity_bytes", "per_gpu_bytes", "fits", "headroom_bytes",
                "headroom_gib"]].reset_index(drop=True)


def _largest(fits, low: int, high: int) -> int:
    """Largest n in [low, high] with fits(n), for a predicate that is true then false; low - 1 if none."""
    if not fits(low):
        return low - 1
    step = low
    while step < high and fits(min(step * 2, high)):
        step = min(step * 2, high)
    if step == high:
        return high
    lo, hi = step, min(step * 2, high)  # fits(lo), not fits(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


def max_batch(arch: Architecture | str, gpu: str | int | float, *, upper: int = MAX_BATCH_SEARCH,
              **options: Any) -> int:
    """Largest micro-batch per GPU that fits on ``gpu`` (name/id or capacity in bytes) with the other
    ``memory_estimate`` options; 0 if even batch 1 does not fit; ``upper`` means "at least upper"."""
    cap = capacity_bytes(gpu)
    options.pop("batch", None)
    return _largest(lambda n: memory_estimate(arch, batch=n, **options).per_gpu_bytes <= cap, 1, upper)


def max_context(arch: Architecture | str, gpu: str | int | float, *, upper: int = MAX_CONTEXT_SEARCH,
                **options: Any) -> int:
    """Longest context that fits: KV-cache tokens for inference (prefill chunk ``seq`` kept, capped at the
    context), the training sequence length otherwise. 0 if one token does not fit."""
    if isinstance(arch, str):
        arch = Architecture.from_model(arch)
    if arch.family != "llm":
        raise InputError("max_context", f"not defined for {arch.family} models; vary frames/height/width")
    cap = capacity_bytes(gpu)
    inference = options.get("mode", "inference") == "inference"
    seq = options.pop("seq", 2048)
    options.pop("context", None)

    def fits(n: int) -> bool:
        extra = {"context": n, "seq": min(seq, n)} if inference else {"seq": n}
        return memory_estimate(arch, **options, **extra).per_gpu_bytes <= cap

    return _largest(fits, 1, upper)


@dataclass(frozen=True)
class GpuCountAnswer:
    """``gpus``: the fewest GPUs that fit (None: no count fits); ``message``: the answer in words."""

    gpus: int | None
    gpu: str
    zero_stage: int
    per_gpu_bytes: int
    capacity_bytes: int
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def min_gpus(arch: Architecture | str, gpu: str | int | float, *, upper: int = MAX_GPUS_SEARCH,
             **options: Any) -> GpuCountAnswer:
    """Fewest GPUs of one kind that hold the workload: data-parallel with ZeRO (``zero_stage``, default 3) for
    training, tensor-parallel for inference. Too big for any count is an answer (``gpus=None`` with the reason),
    not an error: activations, KV cache per sequence and overhead do not shrink with more GPUs."""
    if isinstance(arch, str):
        arch = Architecture.from_model(arch)
    label, cap = _gpu_capacity(gpu)
    training = options.get("mode", "inference") != "inference"
    stage = options.pop("zero_stage", 3 if training else 0)
    options.pop("gpus", None)

    def estimate(n: int, z: int) -> MemoryEstimate:
        return memory_estimate(arch, gpus=n, zero_stage=z, **options)

    n = _largest(lambda k: estimate(k, stage).per_gpu_bytes > cap, 1, upper) + 1  # first count that fits
    if n > upper and training and stage < 3:
        stage = 3
        n = _largest(lambda k: estimate(k, stage).per_gpu_bytes > cap, 1, upper) + 1
    how = f"with ZeRO-{stage}" if training else "with tensor parallelism"
    if n > upper:
        floor = estimate(upper, stage)
        unshardable = floor.per_gpu_bytes - floor.components["weights"] - floor.components["gradients"] \
            - floor.components["optimizer"]
        return GpuCountAnswer(None, label, stage, floor.per_gpu_bytes, cap,
                              f"does not fit on any number of {label}: activations, KV cache and overhead alone "
                              f"need {bytes_to_gib(unshardable):.1f} GiB per GPU; lower batch/seq or enable "
                              f"checkpointing")
    est = estimate(n, stage)
    message = f"fits on 1 {label}" if n == 1 else f"needs >= {n} {label} GPUs {how}"
    return GpuCountAnswer(n, label, stage, est.per_gpu_bytes, cap, message)


# -------------------------------------------------------------- re-exports of gpuplan.memory_tables (PEP 562)
_TABLE_NAMES = ('VALIDATION_ARCHS', '_ZERO', '_PEFT', '_STAS_INF', '_STAS_ACT', 'validation_cases', 'mode_comparison',
                'capacity_groups', 'fit_summary', 'limits', 'limits_frame', 'VRAM_RULE_CASES', 'vram_rule_check')


def __getattr__(name: str):
    if name in _TABLE_NAMES:
        from gpuplan import memory_tables  # noqa: PLC0415 (memory_tables imports this module)

        return getattr(memory_tables, name)
    raise AttributeError(f"module 'gpuplan.memory' has no attribute {name!r}")
