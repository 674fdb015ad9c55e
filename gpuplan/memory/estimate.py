"""The memory estimate of one workload: :func:`memory_estimate` (bytes per component per GPU, with the assumptions
it made, in words) and :class:`MemoryEstimate`. Formulas and sources: the :mod:`gpuplan.memory` docstring."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from gpuplan import assumptions as _assumptions
from gpuplan.errors import InputError
from gpuplan.memory.accounting import (
    ADAM_BYTES,
    DEFAULT_ADAM_BYTES,
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
    MAX_BATCH_SEARCH,
    MAX_CONTEXT_SEARCH,
    MAX_GPUS_SEARCH,
    PRECISIONS,
    Architecture,
    _lora_targets,
    bytes_to_gb,
    bytes_to_gib,
    latent_tokens,
)
from gpuplan.validators import check_choice, check_count, check_finite_result, check_number

MODES = ("inference", "lora", "qlora", "full")
COMPONENTS = ("weights", "gradients", "optimizer", "activations", "kv_cache", "overhead")

#: Default per-mode storage precision when ``precision`` is not given.
DEFAULT_PRECISION = {"inference": "bf16", "lora": "bf16", "qlora": "int4", "full": "bf16"}

#: CUDA context + kernels, stas00 ml-engineering training/performance/README.md: PyTorch 2.1.1, A100 80GB,
#: CUDA_MODULE_LOADING=EAGER "used=0.92GB" (printed as bytes / 2**30, hence GiB); gpuplan.assumptions.
CUDA_CONTEXT_BYTES = _assumptions.value("cuda_context_bytes")

_WEIGHT_SOURCE = {"fp32": "stas00 inference/README.md", "bf16": "stas00 inference/README.md",
                  "fp16": "stas00 inference/README.md", "fp8": "stas00 inference/README.md",
                  "int8": "LLM.int8 row-wise fp32 scales, Dettmers et al. arXiv 2208.07339",
                  "int4": "NF4 + double quantization, QLoRA, Dettmers et al. arXiv 2305.14314"}
_STATE_SOURCE = "16: ZeRO, arXiv 1910.02054; 18: stas00 and the EleutherAI cookbook"

#: ZeRO-Offload / ZeRO-Infinity choices of ``memory_estimate(offload=...)`` (DeepSpeed ``offload_optimizer`` and
#: ``offload_param`` to the CPU)
OFFLOADS = ("optimizer", "optimizer+params")


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


def memory_estimate(arch: Architecture | str, *, mode: str = "inference", precision: str | None = None,
                    optimizer: str = "adamw", batch: int = 1, seq: int = 2048, checkpointing: bool = False,
                    gpus: int = 1, zero_stage: int = 0, lora_rank: int = 16,
                    lora_targets: Iterable[str] | str = ("q", "k", "v", "o"), kv_dtype: str | None = None,
                    context: int | None = None, frames: int | None = None, height: int | None = None,
                    width: int | None = None, adam_bytes: int = DEFAULT_ADAM_BYTES, flash_attention: bool = True,
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
    mode = check_choice("mode", mode, MODES, casefold=True)
    precision = check_choice("precision", precision or DEFAULT_PRECISION[mode], PRECISIONS, casefold=True)
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS, casefold=True)
    adam_bytes = check_choice("adam_bytes", adam_bytes, ADAM_BYTES, casefold=True)
    batch = check_count("batch", batch, low=1, high=MAX_BATCH_SEARCH)
    seq = check_count("seq", seq, low=1, high=MAX_CONTEXT_SEARCH)
    gpus = check_count("gpus", gpus, low=1, high=MAX_GPUS_SEARCH)
    gpus_per_node = check_count("gpus_per_node", gpus_per_node, low=1, high=4096)
    if offload is not None:
        offload = check_choice("offload", offload, OFFLOADS, casefold=True)
    if cpu_buffer_factor is None:
        cpu_buffer_factor = float(_assumptions.value("deepspeed_buffer_factor"))
    else:
        cpu_buffer_factor = check_number("cpu_buffer_factor", cpu_buffer_factor, low=1.0, high=10.0)
    zero_stage = check_count("zero_stage", zero_stage, low=0, high=3)
    lora_rank = check_count("lora_rank", lora_rank)
    overhead = CUDA_CONTEXT_BYTES if overhead_bytes is None else check_count("overhead_bytes", overhead_bytes,
                                                                              low=0)
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
        kv_dtype = check_choice("kv_dtype", kv_dtype, PRECISIONS, casefold=True)
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
        context = seq if context is None else check_count("context", context)
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
    check_finite_result("batch", [*components.values(), cpu_bytes])
    return MemoryEstimate(components={k: math.ceil(v) for k, v in components.items()}, gpus=gpus, inputs=inputs,
                          assumptions=assumptions, trainable_params=trainable, tokens=tokens,
                          cpu_bytes_per_node=math.ceil(cpu_bytes))
