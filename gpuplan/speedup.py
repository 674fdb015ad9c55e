"""Speedup of GPU B over GPU A: the observed band from the benchmarks table (:func:`speedup_band`, re-exported by
:mod:`gpuplan.runtime`) and the roofline speedup of a given workload (:func:`workload_speedup`), with the
per-workload comparison of the two on MLPerf (:func:`mlperf_workload_speedups`).
"""

from __future__ import annotations

import re

import pandas as pd

from gpuplan import assumptions, data, runtime
from gpuplan.errors import InputError
from gpuplan.validators import check_choice

#: the task classes of the benchmarks table
TASK_TYPES = ("training", "finetune", "inference", "microbenchmark")


def _round_order(value) -> float:
    """Sortable number for a round label: 'v3.1' -> 3.01, '2023-10-19' -> 2023.8; NaN when unknown."""
    if not isinstance(value, str):
        return float("nan")
    version = re.search(r"v?(\d+)\.(\d+)", value)
    if version and not re.match(r"\d{4}-", value):
        return int(version.group(1)) + int(version.group(2)) / 100
    date = pd.to_datetime(value, errors="coerce")
    return float("nan") if pd.isna(date) else date.year + date.dayofyear / 366


def speedup_band(gpu_a: str, gpu_b: str, task_type: str | None = None) -> dict:
    """How many times faster ``gpu_b`` is than ``gpu_a`` in the benchmarks table, as a band, never one number.

    Pairs are rows that agree on suite, workload, scenario, model, gpu_count, metric and precision family
    (e.g. 'bf16 (pure)' ~ 'bf16 (amp_bf16)'), in the same round — or, where a comparison exists only across
    rounds, the closest round (|Δround| smallest; shown as round_a/round_b). Per GPU and comparison the best
    result is used (the fastest submission, as MLPerf reports it), except that rows whose notes say
    "compare within submitter only" pair only with the same submitter's rows. Ratio = value_b / value_a when higher is better,
    value_a / value_b otherwise (times). Microbenchmarks count only when asked for with
    ``task_type='microbenchmark'``.

    Returns ``{low, q25, median, q75, high, n, pairs}``: low/high are the min/max ratio, q25/q75 the
    quartiles; ``pairs`` names every row used (benchmark ids). With no pairs, n = 0 and the numbers are None.
    """
    gpu_a, gpu_b = data.resolve_gpu(gpu_a), data.resolve_gpu(gpu_b)
    bench = data.benchmarks()
    if task_type is not None:
        check_choice("task_type", task_type, TASK_TYPES)
        bench = bench[bench["task_type"] == task_type]
    else:
        bench = bench[bench["task_type"] != "microbenchmark"]
    bench = bench.assign(precision_family=bench["precision"].map(runtime.normalize_precision).fillna(bench["precision"]))
    # rows whose notes say "compare within submitter only" (e.g. Juniper's DeepSpeed LoRA runs) pair only
    # with the same submitter's rows: their pool is the submitter; all other rows share one pool
    within = bench["notes"].fillna("").str.contains("within submitter", case=False)
    bench = bench.assign(pool=bench["submitter"].fillna("?").where(within, ""))
    keys = ["suite", "workload", "scenario", "model", "gpu_count", "metric", "precision_family", "task_type", "pool"]
    bench = bench.assign(**{k: bench[k].fillna("") for k in keys if k != "gpu_count"},
                         round=bench["round"].fillna(""))
    # best result per GPU, comparison and round
    bench = bench.assign(score=bench["value"].where(bench["higher_is_better"], -bench["value"]))
    # ties in score go to the lowest benchmark_id, so the pick does not depend on row order
    best = (bench.sort_values(["score", "benchmark_id"], ascending=[False, True], kind="stable")
            .drop_duplicates(keys + ["round", "gpu_id"]))
    cols = keys + ["round", "value", "higher_is_better", "benchmark_id", "unit", "submitter"]
    a = best[best["gpu_id"] == gpu_a][cols]
    b = best[best["gpu_id"] == gpu_b][cols]
    pairs = a.merge(b, on=keys, suffixes=("_a", "_b"))
    if not pairs.empty:
        pairs["round_gap"] = (pairs["round_a"].map(_round_order) - pairs["round_b"].map(_round_order)).abs()
        pairs.loc[pairs["round_a"] == pairs["round_b"], "round_gap"] = 0.0
        pairs = pairs.dropna(subset=["round_gap"])
        # keep, per comparison and round of A, the closest round of B; then per comparison the closest pairs
        pairs = pairs[pairs["round_gap"] == pairs.groupby(keys)["round_gap"].transform("min")]
        pairs = (pairs.sort_values(["round_gap", "round_b", "benchmark_id_a", "benchmark_id_b"], kind="stable")
                 .drop_duplicates(keys + ["round_a"]))
        pairs["speedup"] = (pairs["value_b"] / pairs["value_a"]).where(
            pairs["higher_is_better_a"], pairs["value_a"] / pairs["value_b"])
    result = {"low": None, "q25": None, "median": None, "q75": None, "high": None, "n": int(len(pairs))}
    if len(pairs):
        s = pairs["speedup"]
        result.update(low=float(s.min()), q25=float(s.quantile(0.25)), median=float(s.median()),
                      q75=float(s.quantile(0.75)), high=float(s.max()))
    keep = ["suite", "round_a", "round_b", "workload", "scenario", "model", "task_type", "gpu_count", "metric",
            "value_a", "value_b", "unit_a", "submitter_a", "submitter_b", "benchmark_id_a", "benchmark_id_b", "speedup"]
    # a total order: equal speedups (e.g. 3d-unet-99 and 3d-unet-99.9) are ordered by their benchmark ids
    result["pairs"] = (pairs[keep].rename(columns={"unit_a": "unit"})
                       .sort_values(["speedup", "benchmark_id_a", "benchmark_id_b"], kind="stable")
                       .reset_index(drop=True)
                       if len(pairs) else pd.DataFrame(columns=keep))
    return result



# ------------------------------------------------------------------------------------- roofline speedups
_TASK_TYPE = {"pretrain": "training", "finetune": "finetune", "lora": "finetune", "inference": "inference"}


def native_precision(gpu_id: str, precision: str) -> str:
    """``precision`` if ``gpu_id`` has a dense peak for it (native support), else bf16 — FP8 (or INT8) only
    where the tensor cores run it; an A100 asked for FP8 runs BF16."""
    try:
        runtime.peak_flops(gpu_id, precision)
        return precision
    except InputError as err:
        if err.field != "precision" or precision not in runtime.PEAK_COLUMN:
            raise
        return "bf16"


def workload_speedup(gpu_a: str, gpu_b: str, *, params: float, task: str = "pretrain", precision: str = "bf16",
                     tokens: float = 1e9, gpus: int = 1, batch: int = 1, layers: int | None = None,
                     hidden_size: int | None = None, seq: int | None = None, context: int | None = None,
                     kv_bytes_per_token: float | None = None) -> dict:
    """How many times faster ``gpu_b`` runs *this* workload than ``gpu_a``, from the roofline of the workload: each
    GPU's :func:`gpuplan.runtime.runtime_estimate` (compute-bound phases at dense peak × fitted MFU of the
    precision it runs natively — :func:`native_precision`; memory-bound decode at its memory bandwidth, with the
    KV cache when ``context`` is given), so FP8, model size and batch move the answer; goodput cancels.

    Returns speedup (= hours_a / hours_b), hours_a, hours_b, bound_a, bound_b, precision_a, precision_b, and
    ``observed``: the benchmark band for the task class (:func:`speedup_band`: low, median, high, n) as evidence
    beside it."""
    gpu_a, gpu_b = data.resolve_gpu(gpu_a), data.resolve_gpu(gpu_b)
    check_choice("task", task, _TASK_TYPE)
    out = {}
    for key, gpu in (("a", gpu_a), ("b", gpu_b)):
        p = native_precision(gpu, check_choice("precision", precision, runtime.PEAK_COLUMN))
        est = runtime.runtime_estimate(params=params, tokens=tokens, gpu_id=gpu, gpus=gpus, precision=p, task=task,
                                       layers=layers, hidden_size=hidden_size, seq=seq, batch=batch, context=context,
                                       kv_bytes_per_token=kv_bytes_per_token, goodput=1.0)
        out[key] = (est, p)
    (ea, pa), (eb, pb) = out["a"], out["b"]
    band = speedup_band(gpu_a, gpu_b, task_type=_TASK_TYPE[task])
    return {"gpu_a": gpu_a, "gpu_b": gpu_b, "task": task, "speedup": ea.hours / eb.hours, "hours_a": ea.hours,
            "hours_b": eb.hours, "bound_a": ea.bound, "bound_b": eb.bound, "precision_a": pa, "precision_b": pb,
            "observed": {k: band[k] for k in ("low", "median", "high", "n")}}


#: precision of the compute-bound phase of the MLPerf suites: mixed-precision BF16 training; INT8 inference (the
#: lowest precision both an A100 and later GPUs run natively; FP8 has the same dense peak as INT8 on Hopper and
#: Blackwell, so it would give the same ceiling). A stated assumption: the results table says "submitter-chosen".
MLPERF_PRECISION = assumptions.value("mlperf_precision")


def _achieved(gpu_id: str, precision: str) -> float:
    """Dense peak at ``precision`` (or BF16 without native support) × the GPU's fitted BF16 MFU: kernel efficiency
    is fitted on BF16 training only, so it is carried to the other precisions unchanged (an assumption)."""
    return runtime.peak_flops(gpu_id, native_precision(gpu_id, precision)) * runtime.default_mfu(gpu_id, "bf16")["mfu"]


def mlperf_workload_speedups(gpu_a: str, gpu_b: str) -> pd.DataFrame:
    """Per MLPerf workload (and scenario): the observed speedup of B over A (median, low, high, n of the matched
    results, :func:`speedup_band`) beside the two roofline ceilings — ``compute_bound`` (achieved FLOP/s of B over
    A at the suite's precision, :data:`MLPERF_PRECISION`) and ``memory_bound`` (memory-bandwidth ratio) — and
    ``fp8_native`` (B at FP8 against A at BF16, when only B has FP8): task_type, workload, scenario,
    compute_bound, memory_bound, fp8_native, observed_median, observed_low, observed_high, n, error (=
    compute_bound / observed_median − 1), within_roofline (the observed median lies between the lower and the
    higher ceiling). Ordered by task_type, workload, scenario."""
    gpu_a, gpu_b = data.resolve_gpu(gpu_a), data.resolve_gpu(gpu_b)
    memory = float(data.gpu(gpu_b)["memory_bandwidth_gbps"]) / float(data.gpu(gpu_a)["memory_bandwidth_gbps"])
    fp8 = _achieved(gpu_b, "fp8") / _achieved(gpu_a, "fp8")
    rows = []
    for task_type in ("training", "inference"):
        pairs = speedup_band(gpu_a, gpu_b, task_type=task_type)["pairs"]
        pairs = pairs[pairs["suite"].str.startswith("MLPerf")]
        compute = _achieved(gpu_b, MLPERF_PRECISION[task_type]) / _achieved(gpu_a, MLPERF_PRECISION[task_type])
        for (workload, scenario), grp in pairs.groupby(["workload", "scenario"], sort=True):
            obs = float(grp["speedup"].median())
            lo, hi = min(memory, compute, fp8), max(memory, compute, fp8)
            rows.append({"task_type": task_type, "workload": workload, "scenario": scenario,
                         "compute_bound": compute, "memory_bound": memory, "fp8_native": fp8,
                         "observed_median": obs, "observed_low": float(grp["speedup"].min()),
                         "observed_high": float(grp["speedup"].max()), "n": int(len(grp)),
                         "error": compute / obs - 1, "within_roofline": bool(lo <= obs <= hi)})
    return pd.DataFrame(rows)
