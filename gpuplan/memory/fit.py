"""Fit verdicts and inverse answers: does an estimate fit each GPU of the table (:func:`fit_table`), the largest
batch or context that fits (:func:`max_batch`, :func:`max_context`) and the fewest GPUs (:func:`min_gpus`).
Capacity = the vendor's ``memory_gb`` label read as 10^9 bytes (conservative: an "80GB" A100 reports 79.21 GiB =
85.05e9 bytes total to PyTorch, stas00 inference/README.md)."""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from gpuplan import data
from gpuplan.errors import InputError
from gpuplan.memory.architecture import (
    GB,
    GIB,
    MAX_BATCH_SEARCH,
    MAX_CONTEXT_SEARCH,
    MAX_GPUS_SEARCH,
    Architecture,
    _missing,
    bytes_to_gb,
    bytes_to_gib,
)
from gpuplan.memory.estimate import MemoryEstimate, memory_estimate
from gpuplan.validators import check_positive


def capacity_bytes(gpu: str | int | float) -> int:
    """Usable capacity in bytes: a number is taken as bytes; a GPU name/id is resolved through gpuplan.data and
    its ``memory_gb`` read as 10^9 bytes (conservative, see the module docstring)."""
    return _gpu_capacity(gpu)[1]


def _gpu_capacity(gpu: str | int | float) -> tuple[str, int]:
    """(label, capacity bytes): the resolved gpu_id, or "<n> GB GPU" for a number of bytes."""
    if isinstance(gpu, numbers.Real) and not isinstance(gpu, bool):
        check_positive("capacity_bytes", gpu)
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
