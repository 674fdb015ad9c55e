"""A model's shape for the memory model: :class:`Architecture` (read from the ``models`` table or given), the
block type of its MLP (:func:`infer_mlp`), KV-cache values per token (:func:`kv_cache_values_per_token_layer`),
LoRA adapter sizes and the latent tokens of diffusion/video models (:func:`latent_tokens`). Formulas and sources:
the :mod:`gpuplan.memory` docstring."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

import pandas as pd

from gpuplan import data
from gpuplan.errors import InputError
from gpuplan.validators import check_choice, check_count, check_number

GIB = 2**30
GB = 10**9

PRECISIONS = ("fp32", "bf16", "fp16", "fp8", "int8", "int4")
LORA_TARGETS = ("q", "k", "v", "o", "gate", "up", "down")
FAMILIES = ("llm", "diffusion", "video")
MLP_KINDS = ("gelu", "gated")

#: Packed payload bytes per value (stas00 inference/README.md table); used for KV-cache dtypes.
PAYLOAD_BYTES = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5}

#: Upper bounds of the inverse searches.
MAX_BATCH_SEARCH = 1 << 20
MAX_CONTEXT_SEARCH = 1 << 24
MAX_GPUS_SEARCH = 1 << 16
#: largest image/video side and frame count accepted (a guard against typos and overflow)
MAX_PIXELS_SIDE = 1 << 17


def bytes_to_gib(n_bytes: float) -> float:
    """Bytes → GiB (2^30 bytes), for display."""
    return n_bytes / GIB


def bytes_to_gb(n_bytes: float) -> float:
    """Bytes → GB (10^9 bytes), for display."""
    return n_bytes / GB


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


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
            object.__setattr__(self, f, None if _missing(value) else check_count(f, value))
        if _missing(self.params_active):
            object.__setattr__(self, "params_active", self.params_total)
        else:
            check_number("params_active", self.params_active, low=0.0, low_open=True, high=self.params_total,
                         hint="params_active is at most params_total")
        object.__setattr__(self, "family", check_choice("family", self.family or "llm", FAMILIES,
                                                        casefold=True))
        if _missing(self.mlp):
            object.__setattr__(self, "mlp", infer_mlp(self.family, self.hidden_size, self.ffn_size))
        else:
            object.__setattr__(self, "mlp", check_choice("mlp", self.mlp, MLP_KINDS, casefold=True))
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
        else:
            check_number("activation_bytes_per_sample", value, low=0.0, low_open=True, high=1e15, high_open=True,
                         hint="a number of bytes")

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
        dtype = check_choice("kv_dtype", kv_dtype, PRECISIONS, casefold=True)
        return self.layers * kv_cache_values_per_token_layer(self) * PAYLOAD_BYTES[dtype]

    def lora_params(self, rank: int, targets: Iterable[str] = ("q", "k", "v", "o")) -> int:
        """Trainable LoRA parameters: layers × Σ_targets rank × (d_in + d_out) (Hu et al. 2021, §4.1)."""
        rank = check_count("lora_rank", rank)
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
    out = tuple(dict.fromkeys(check_choice("lora_targets", t.strip(), LORA_TARGETS, casefold=True)
                              for t in targets))
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
    frames = 1 if frames is None else check_count("frames", frames, low=1, high=MAX_PIXELS_SIDE)
    height = check_count("height", height, low=1, high=MAX_PIXELS_SIDE)
    width = check_count("width", width, low=1, high=MAX_PIXELS_SIDE)
    spatial_factor = check_count("vae_spatial_factor", spatial_factor)
    temporal_factor = check_count("vae_temporal_factor", temporal_factor)
    patch_size = check_count("patch_size", patch_size)
    per_side = spatial_factor * patch_size
    return math.ceil(frames / temporal_factor) * math.ceil(height / per_side) * math.ceil(width / per_side)
