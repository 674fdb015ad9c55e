"""Tables of notebook 02 (memory planning): the chosen workload beside the other modes, the GPU capacities drawn
on the memory chart, the fit table for a reader, the limits on one GPU and the VRAM rules of the articles. Each
function calls :mod:`gpuplan.memory` and returns a DataFrame (or the estimate) for the notebook to show."""

from __future__ import annotations

from typing import Any

import pandas as pd

from gpuplan import data
from gpuplan.memory import (
    GB,
    GIB,
    MODES,
    MemoryEstimate,
    bytes_to_gib,
    max_batch,
    max_context,
    memory_estimate,
    min_gpus,
)


def mode_comparison(model: str, mode: str, **options: Any) -> tuple[MemoryEstimate, pd.DataFrame]:
    """The chosen workload and the same model in the other :data:`MODES` (same batch, length and shape;
    ``options`` go to :func:`memory_estimate`; ``precision`` only to the chosen mode, the others take their
    own default). Returns (the chosen estimate, long components frame of all four: workload labelled
    'model · mode', the chosen one first and marked '(chosen)')."""
    chosen = memory_estimate(model, mode=mode, **options)
    others = {k: v for k, v in options.items() if k != "precision"}
    workloads = {f"{model} · {mode} (chosen)": chosen} | {
        f"{model} · {m}": memory_estimate(model, mode=m, **others) for m in MODES if m != mode}
    parts = pd.concat([est.components_frame(label) for label, est in workloads.items()], ignore_index=True)
    return chosen, parts


def capacity_groups(gpus_df: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per distinct GPU capacity (the rules drawn on the memory chart): capacity_gib (the vendor's
    label read as 10^9 bytes, in GiB), name ('n GPU(s), A, B'), gpu (the label, e.g. '80 GB')."""
    if gpus_df is None:
        gpus_df = data.gpus()
    caps = gpus_df.assign(capacity_gib=gpus_df["memory_gb"] * GB / GIB, short=data.short_name(gpus_df["name"]))
    groups = caps.groupby("capacity_gib", as_index=False)["short"].agg(lambda n: f"{len(n)} GPU(s), " + ", ".join(n))
    return groups.rename(columns={"short": "name"}).assign(
        gpu=lambda f: (f["capacity_gib"] * GIB / GB).map("{:.0f} GB".format))


def fit_summary(fits: pd.DataFrame) -> pd.DataFrame:
    """:func:`fit_table` for a reader: GPU, capacity (GB), needed (GiB), fits, headroom (GiB)."""
    return pd.DataFrame({"GPU": data.short_name(fits["name"]), "capacity (GB)": fits["memory_gb"],
                         "needed (GiB)": fits["per_gpu_bytes"] / GIB, "fits": fits["fits"],
                         "headroom (GiB)": fits["headroom_gib"]})


def limits(model: str, gpu: str, *, batch: int, seq: int, mode: str = "inference", zero_stage: int = 3,
           **options: Any) -> dict[str, Any]:
    """On one ``gpu``: max_batch (at ``seq``), max_context (at ``batch``; None unless an LLM), min_gpus (this
    workload; ZeRO ``zero_stage`` when training) and min_gpus_full (a full bf16 fine-tune at batch 1 with that
    stage) — :func:`max_batch`, :func:`max_context`, :func:`min_gpus`. ``options``: precision,
    checkpointing, frames, height, width (None values are dropped)."""
    options = {k: v for k, v in options.items() if v is not None} | {"mode": mode}
    family = data.model(model)["family"]
    training = {"zero_stage": zero_stage} if mode != "inference" else {}
    return {
        "max_batch": max_batch(model, gpu, seq=seq, **options),
        "max_context": max_context(model, gpu, batch=batch, **options) if family == "llm" else None,
        "min_gpus": min_gpus(model, gpu, batch=batch, seq=seq, **options, **training),
        "min_gpus_full": min_gpus(model, gpu, **(options | {"mode": "full", "precision": "bf16"}), batch=1,
                                  seq=seq, zero_stage=zero_stage),
    }


def limits_frame(answers: dict[str, Any], zero_stage: int) -> pd.DataFrame:
    """:func:`limits` as question/answer rows for a reader."""
    longest = answers["max_context"]
    return pd.DataFrame({
        "question": ["largest batch per GPU", "longest context (tokens)", "GPUs needed (this workload)",
                     f"GPUs needed for a full bf16 fine-tune, batch 1, ZeRO-{zero_stage}"],
        "answer": [f"{answers['max_batch']:,}", f"{longest:,}" if longest is not None else "n/a (not an LLM)",
                   answers["min_gpus"].message, answers["min_gpus_full"].message]})


#: (mode, precision) pairs checked against the HappyHorse article's VRAM rules (April 2026: >= 12 GB for basic
#: inference, 24 GB+ comfortable for training)
VRAM_RULE_CASES = (("inference", "bf16"), ("inference", "fp8"), ("lora", "bf16"), ("qlora", "int4"))


def vram_rule_check(model: str, *, frames: int, height: int, width: int) -> pd.DataFrame:
    """Memory per GPU of one clip (``frames`` ignored for non-video models) of ``model`` in each of
    :data:`VRAM_RULE_CASES`, with activation checkpointing: workload, mode, precision, per_gpu_gib."""
    shape = dict(frames=frames if data.model(model)["family"] == "video" else None, height=height, width=width)
    return pd.DataFrame([{"workload": f"{model} · {m} · {p}", "mode": m, "precision": p,
                          "per_gpu_gib": bytes_to_gib(memory_estimate(model, mode=m, precision=p, checkpointing=True,
                                                                      **shape).per_gpu_bytes)}
                         for m, p in VRAM_RULE_CASES])
