"""The scaling model against MLPerf Training at several scales: :func:`compare_mlperf` (time-to-train ratios
between GPU counts, with the global batch growing with the scale and the tokens to converge read from MLPerf's
reference convergence points, :mod:`gpuplan.assumptions`). Built on the step-time model of
:mod:`gpuplan.scaling`."""

from __future__ import annotations

import re

import pandas as pd

from gpuplan import assumptions, data
from gpuplan.scaling import DEFAULT_OVERLAP, scaling_curve
from gpuplan.validators import check_count, check_positive

# ------------------------------------------------------------------------------------ MLPerf check
_BILLIONS_RE = re.compile(r"(\d+(?:\.\d+)?)\s*B\b")


#: NVIDIA's MLPerf Training v3.0 GPT-3 175B configs (mlcommons/training_results_v3.0,
#: NVIDIA/benchmarks/gpt3/implementations/pytorch/config_DGXH100_96x8x128x4x8_mbs1.sh and ..._192x8x64x4x8_mbs1.sh):
#: TENSOR_MODEL_PARALLEL=4, PIPELINE_MODEL_PARALLEL=8, MICRO_BATCH_SIZE=1; MINIBS 128 × 24 replicas (768 GPUs) =
#: 64 × 48 replicas (1536 GPUs) = 3072 sequences of 2048 tokens per step (gpuplan.assumptions 'mlperf_gpt3_layout').
MLPERF_GPT3_LAYOUT = assumptions.value("mlperf_gpt3_layout")


#: global batch (sequences) of the MLPerf LLM benchmarks at the GPU count its source states, the sequence length
#: and the reference convergence points: GPT-3: 3072 sequences at 768 and 1536 GPUs (NVIDIA's v3.0 configs,
#: :data:`MLPERF_GPT3_LAYOUT`), 2048 tokens; Llama 3.1 405B: the reference runs' BS 1152 on 288 DGX H100 (2304
#: GPUs), 8192 tokens; Llama 3.1 8B: BS 32 on 4 DGX B200 (32 GPUs), 8192 tokens (mlcommons/logging RCP files).
MLPERF_BATCH = {"gpt3": (3072, 1536, 2048, "rcp_gpt3"), "llama31_405b": (1152, 2304, 8192, "rcp_llama31_405b"),
                "llama31_8b": (32, 32, 8192, "rcp_llama31_8b")}
#: parallel layout per MLPerf LLM workload: NVIDIA's GPT-3 configs (TP 4 × PP 8) for the two large models (an
#: assumption for Llama 3.1 405B), plain data parallelism for the 8B (it fits one GPU; an assumption)
MLPERF_LAYOUT = {"gpt3": "MLPERF_GPT3_LAYOUT", "llama31_405b": "MLPERF_GPT3_LAYOUT",
                 "llama31_8b": {"model_parallel": 1, "pipeline_stages": 1}}
#: the workloads whose layout and batch above are read from the submitter's own configs, not assumed
READ_LAYOUT = frozenset({"gpt3"})


def mlperf_batch(workload: str, n: int, model_parallel: int = 1, pipeline_stages: int = 1) -> int:
    """Global batch (sequences) assumed for an MLPerf LLM result on ``n`` GPUs: the smallest batch that gives each
    of the n / model_parallel replicas one micro-batch (of one sequence) per pipeline stage — m >= p keeps the
    pipeline full (Narayanan et al. 2021, §2.2.1) — and never below the documented batch of :data:`MLPERF_BATCH`;
    capped at the largest batch with reference convergence data. Submitters run the smallest batch that keeps
    their GPUs busy, because a larger batch needs more samples to converge; the results table does not record
    each submission's batch, so this is an assumption."""
    base, _, _, rcp = MLPERF_BATCH[workload]
    top = max(bs for bs, runs in assumptions.value(rcp).items() if runs)
    replicas = max(1, check_count("n", n) // check_count("model_parallel", model_parallel))
    return int(min(max(base, replicas * check_count("pipeline_stages", pipeline_stages)), top))


def tokens_to_converge(workload: str, batch: int) -> float:
    """Mean tokens to reach the MLPerf target at global batch ``batch`` (sequences), linear between the
    reference convergence points (RCPs, :mod:`gpuplan.assumptions`), clamped to their range."""
    points = sorted((bs, sum(runs) / len(runs)) for bs, runs in assumptions.value(MLPERF_BATCH[workload][3]).items()
                    if runs)
    xs = [bs for bs, _ in points]
    b = min(max(check_positive("batch", batch), xs[0]), xs[-1])
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x0 <= b <= x1:
            return y0 + (y1 - y0) * (b - x0) / (x1 - x0)
    return points[0][1]


def compare_mlperf(*, overlap: float = DEFAULT_OVERLAP, convergence: bool = True, **kwargs) -> pd.DataFrame:
    """The model's time-to-train ratio between scales vs MLPerf Training results for the same benchmark,
    GPU and round at several GPU counts (LLM pretraining rows whose model name states its size, e.g.
    'GPT-3 175B', 'Llama 3.1 405B'; the fastest result per count). Only the dense workloads with a layout in
    :data:`MLPERF_LAYOUT` are compared: the step-time model is dense (no expert parallelism), so the MoE
    pretraining benchmarks of v6.0 (``gpt_oss_20b``, ``deepseekv3_671b``) are left out rather than modelled as
    dense 20B/671B models.

    Per row: observed_ratio = minutes(n) / minutes(n_ref) with n_ref the smallest count, predicted_ratio =
    hours(n) / hours(n_ref) from :func:`scaling_curve`, ideal_ratio = n_ref / n (linear scaling), and
    error = predicted / observed − 1, and ``layout`` ("read" for the workloads in :data:`READ_LAYOUT`, else
    "assumed"). ``attrs['median_abs_error']`` summarizes (also for the ideal model: ``ideal_median_abs_error``),
    and ``read_median_abs_error`` / ``read_ideal_median_abs_error`` do the same over the rows whose layout is read.

    The parallel layout defaults to :data:`MLPERF_GPT3_LAYOUT`, read from NVIDIA's v3.0 GPT-3 configs and
    applied to every row (an assumption for the other rounds, counts and Llama 3.1 405B); pass
    ``model_parallel=1, pipeline_stages=1, global_batch_tokens=DEFAULT_GLOBAL_BATCH_TOKENS`` to see the pure
    data-parallel defaults fail (175B of bf16 gradients all-reduced over 50 GB/s NICs every step).

    ``convergence=True`` (default): larger scales run larger global batches, and a larger batch needs more
    tokens to reach the target. Each result's batch is :func:`mlperf_batch` (an assumption, see there) and its
    tokens :func:`tokens_to_converge` at that batch (MLPerf's reference convergence points); the layout per
    workload is :data:`MLPERF_LAYOUT`; the predicted ratio
    is hours(n, batch(n), tokens(batch(n))) / the same at n_ref. ``convergence=False`` keeps one batch and one
    token count for every scale (the earlier comparison). Residual error: layouts and batches beyond the
    configs read are assumed, and tensor-parallel traffic is counted only with a known shape.
    """
    given = dict(kwargs)
    bench = data.benchmarks()
    text = bench["suite"].fillna("") + " " + bench["workload"].fillna("")
    rows = bench[text.str.contains("MLPerf Training", case=False) & (bench["task_type"] == "training")
                 & bench["unit"].str.lower().str.startswith("min")]
    rows = rows.assign(billions=rows["model"].fillna("").str.extract(_BILLIONS_RE, expand=False).astype(float))
    rows = rows.dropna(subset=["billions"])
    rows = rows[rows["workload"].isin(list(MLPERF_LAYOUT))]
    rows = rows.sort_values(["value", "benchmark_id"], kind="stable").drop_duplicates(["round", "model", "gpu_id", "gpu_count"])
    out = []
    for (round_, model, gpu_id), grp in rows.groupby(["round", "model", "gpu_id"]):
        if grp["gpu_count"].nunique() < 2:
            continue
        grp = grp.sort_values(["gpu_count", "benchmark_id"], kind="stable")
        counts = [int(c) for c in grp["gpu_count"]]
        workload = str(grp["workload"].iloc[0])
        layout = MLPERF_LAYOUT[workload]
        kwargs = {**(MLPERF_GPT3_LAYOUT if layout == "MLPERF_GPT3_LAYOUT" else layout), **given}
        if convergence and workload in MLPERF_BATCH:
            seq = MLPERF_BATCH[workload][2]
            hours = {}
            for c in counts:
                b = mlperf_batch(workload, c, kwargs.get("model_parallel", 1), kwargs.get("pipeline_stages", 1))
                opts = {**kwargs, "global_batch_tokens": b * seq, "micro_batch_tokens": seq}
                hours[c] = scaling_curve(grp["billions"].iloc[0] * 1e9, gpu_id, [c],
                                         tokens=tokens_to_converge(workload, b), overlap=overlap, **opts).iloc[0]["hours"]
            curve = pd.DataFrame({"hours": hours})
        else:
            curve = scaling_curve(grp["billions"].iloc[0] * 1e9, gpu_id, counts, tokens=1e12, overlap=overlap,
                                  **kwargs).set_index("n")
        ref = grp.iloc[0]
        for row in grp.iloc[1:].itertuples(index=False):
            observed = row.value / ref["value"]
            predicted = curve.loc[row.gpu_count, "hours"] / curve.loc[int(ref["gpu_count"]), "hours"]
            out.append({"round": round_, "model": model, "gpu_id": gpu_id, "n_ref": int(ref["gpu_count"]),
                        "n": int(row.gpu_count), "minutes_ref": float(ref["value"]), "minutes": float(row.value),
                        "observed_ratio": observed, "predicted_ratio": predicted,
                        "ideal_ratio": ref["gpu_count"] / row.gpu_count, "error": predicted / observed - 1,
                        "ideal_error": (ref["gpu_count"] / row.gpu_count) / observed - 1,
                        "layout": "read" if workload in READ_LAYOUT else "assumed"})
    frame = pd.DataFrame(out)
    if not frame.empty:
        frame.attrs["median_abs_error"] = float(frame["error"].abs().median())
        frame.attrs["ideal_median_abs_error"] = float(frame["ideal_error"].abs().median())
        read = frame[frame["layout"] == "read"]
        frame.attrs["read_median_abs_error"] = float(read["error"].abs().median()) if len(read) else None
        frame.attrs["read_ideal_median_abs_error"] = float(read["ideal_error"].abs().median()) if len(read) else None
    return frame
