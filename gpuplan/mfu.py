"""MFU fitted to the benchmarks table: one default model-FLOPs utilisation per (GPU, precision), with its band
and where it came from (split out of :mod:`gpuplan.runtime`, which re-exports ``fit_mfu``, ``default_mfu`` and
``mfu_observations``; formulas and sources in the runtime module docstring).

MFU here is the *kernel* efficiency of a benchmark run (MosaicML's MPT throughput tables: minutes-long runs on
8-64 GPUs). A production run also loses wall time to failures, restarts, checkpoints and evaluation: that is the
goodput of :mod:`gpuplan.goodput`, applied on top by ``runtime_estimate``.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from gpuplan import assumptions, data, runtime
from gpuplan.errors import InputError

#: Activation checkpointing of the MosaicML benchmark runs, from the "Activation Checkpointing" column of the
#: same llm-foundry tables (their HFU = MFU × 4/3 exactly when it is True), keyed by
#: (model, gpu_id, gpu_count, precision, seq); runs not listed count as run without checkpointing
#: (:mod:`gpuplan.assumptions` 'mpt_activation_checkpointing').
MPT_ACTIVATION_CHECKPOINTING = assumptions.value("mpt_activation_checkpointing")
#: Executed FLOPs with full activation checkpointing relative to without: one more forward (2 of 6 parts)
CHECKPOINTING_FACTOR = runtime.CHECKPOINTING_FACTOR
#: the sequence length and the published MFU in a benchmark row's workload/scenario/notes text
_SEQ_RE = re.compile(r"seq(?:uence)?[ _-]*len(?:gth)?\D{0,3}(\d+)", re.IGNORECASE)
_MFU_NOTE_RE = re.compile(r"MFU\s*([\d.]+)\s*%")


def mfu_observations() -> pd.DataFrame:
    """One row per LLM-training throughput benchmark (unit tokens/s per GPU) whose model architecture is
    known: the MFU it implies by the llm-foundry formula, and the MFU printed in its notes (if any).

    Columns: benchmark_id, gpu_id, model, gpu_count, precision, seq, params, tokens_per_s_per_gpu,
    flops_per_token, peak_tflops, mfu, published_mfu, activation_checkpointing
    (``MPT_ACTIVATION_CHECKPOINTING``), hfu (hardware FLOPs utilisation: mfu × 4/3 with checkpointing).
    """
    bench = data.benchmarks()
    unit = bench["unit"].str.lower().str.replace(" ", "")
    rows = bench[(bench["task_type"] == "training") & unit.str.startswith("tokens/s") & unit.str.contains("gpu")]
    out = []
    for row in rows.itertuples(index=False):
        arch = runtime.model_architecture(row.model)
        precision = runtime.normalize_precision(row.precision)
        text = " ".join(str(x) for x in (row.workload, row.scenario, row.notes) if isinstance(x, str))
        seq = _SEQ_RE.search(text)
        if arch is None or precision is None or seq is None:
            continue
        params, layers, hidden = arch
        try:
            peak = runtime.peak_flops(row.gpu_id, precision)
        except InputError:
            continue
        fpt = runtime.training_flops_per_token(params, layers=layers, hidden_size=hidden, seq=int(seq.group(1)))
        published = _MFU_NOTE_RE.search(row.notes or "") if isinstance(row.notes, str) else None
        ckpt = MPT_ACTIVATION_CHECKPOINTING.get(
            (str(row.model).strip().lower(), row.gpu_id, int(row.gpu_count), precision, int(seq.group(1))), False)
        mfu = fpt * float(row.value) / peak
        out.append({
            "benchmark_id": row.benchmark_id, "gpu_id": row.gpu_id, "model": row.model,
            "gpu_count": row.gpu_count, "precision": precision, "seq": int(seq.group(1)), "params": params,
            "tokens_per_s_per_gpu": float(row.value), "flops_per_token": fpt, "peak_tflops": peak / 1e12,
            "mfu": mfu,
            "published_mfu": float(published.group(1)) / 100 if published else float("nan"),
            "activation_checkpointing": ckpt, "hfu": mfu * (CHECKPOINTING_FACTOR if ckpt else 1.0),
        })
    return pd.DataFrame(out)


def _mamf_ratios() -> pd.DataFrame:
    """Achievable matmul TFLOPS (stas00 MAMF rows) / dense peak, per (gpu_id, precision)."""
    bench = data.benchmarks()
    rows = bench[(bench["task_type"] == "microbenchmark") & bench["unit"].str.upper().eq("TFLOPS")
                 & bench["metric"].str.contains("matmul", case=False)]
    out = []
    for row in rows.itertuples(index=False):
        precision = runtime.normalize_precision(row.precision)
        try:
            peak = runtime.peak_flops(row.gpu_id, precision) / 1e12
        except InputError:
            continue
        out.append({"gpu_id": row.gpu_id, "precision": precision, "mamf_ratio": float(row.value) / peak})
    frame = pd.DataFrame(out, columns=["gpu_id", "precision", "mamf_ratio"])
    return frame.groupby(["gpu_id", "precision"], as_index=False)["mamf_ratio"].max()


@lru_cache(maxsize=4)
def _fit_mfu_cached(data_hash: str) -> pd.DataFrame:
    obs = mfu_observations()
    gpus = data.gpus()
    arch = dict(zip(gpus["gpu_id"], gpus["architecture"].fillna("").str.split().str[0], strict=True))
    peaks = gpus.set_index("gpu_id")[list(runtime.PEAK_COLUMN.values())]
    rows: dict[tuple[str, str], dict] = {}

    # 1. direct fit: median of the MPT rows' hardware utilisation (HFU: MFU × 4/3 for the runs that recomputed
    #    activations, so that every row counts the FLOPs its GPUs executed); band = min..max; error = how far
    #    the one fitted value is from each row's own (= the relative error of the tokens/s it predicts for that
    #    row when the row's checkpointing is passed to runtime_estimate)
    for (gpu_id, precision), grp in obs.groupby(["gpu_id", "precision"]):
        mfu = float(grp["hfu"].median())
        n_ckpt = int(grp["activation_checkpointing"].sum())
        rows[(gpu_id, precision)] = {
            "mfu": mfu, "mfu_low": float(grp["hfu"].min()), "mfu_high": float(grp["hfu"].max()),
            "n_points": len(grp), "rel_error": float((mfu / grp["hfu"] - 1).abs().median()),
            "method": "fit",
            "basis": f"median utilisation of {len(grp)} MosaicML MPT rows ({', '.join(grp['model'])}; "
                     f"{n_ckpt} with activation checkpointing, counted at 8·P)",
        }
    direct = dict(rows)

    # 2. MAMF transfer: mfu = (achievable/peak of this GPU) × median over references of (mfu / their
    #    achievable/peak); references of the same architecture when there are any
    mamf = _mamf_ratios()
    mamf_of = {(r.gpu_id, r.precision): r.mamf_ratio for r in mamf.itertuples()}
    for (gpu_id, precision), ratio in mamf_of.items():
        if (gpu_id, precision) in rows:
            continue
        refs = [(g, fit) for (g, p), fit in direct.items() if p == precision and (g, p) in mamf_of]
        same = [(g, fit) for g, fit in refs if arch.get(g) == arch.get(gpu_id)]
        refs = same or refs
        if not refs:
            continue
        k = pd.Series([fit["mfu"] / mamf_of[(g, precision)] for g, fit in refs])
        k_low = min(fit["mfu_low"] / mamf_of[(g, precision)] for g, fit in refs)
        k_high = max(fit["mfu_high"] / mamf_of[(g, precision)] for g, fit in refs)
        rows[(gpu_id, precision)] = {
            "mfu": ratio * float(k.median()), "mfu_low": ratio * k_low, "mfu_high": ratio * k_high,
            "n_points": len(refs), "rel_error": float("nan"), "method": "mamf",
            "basis": f"MAMF {ratio:.1%} of peak × (MFU / MAMF ratio) of {', '.join(g for g, _ in refs)}",
        }

    # 3. MLPerf transfer, within one architecture only (across architectures the benchmark mix — CNNs,
    #    recommenders — says little about LLM MFU): achieved FLOP/s of a fitted sibling × observed training
    #    speedup band / own peak
    for gpu_id in gpus["gpu_id"]:
        for precision in runtime.PEAK_COLUMN:
            if (gpu_id, precision) in rows or pd.isna(peaks.loc[gpu_id, runtime.PEAK_COLUMN[precision]]):
                continue
            best = None
            for (ref, p), fit in direct.items():
                if p != precision or ref == gpu_id or arch.get(ref) != arch.get(gpu_id):
                    continue
                band = runtime.speedup_band(ref, gpu_id, task_type="training")
                if band["n"] and (best is None or band["n"] > best[2]["n"]):
                    best = (ref, fit, band)
            if best is None:
                continue
            ref, fit, band = best
            scale = runtime.peak_flops(ref, precision) / runtime.peak_flops(gpu_id, precision)
            rows[(gpu_id, precision)] = {
                "mfu": fit["mfu"] * scale * band["median"], "mfu_low": fit["mfu_low"] * scale * band["low"],
                "mfu_high": fit["mfu_high"] * scale * band["high"], "n_points": band["n"],
                "rel_error": float("nan"), "method": "mlperf",
                "basis": f"{ref} fit × observed training speedup {band['median']:.2f} "
                         f"({band['low']:.2f}-{band['high']:.2f}, {band['n']} pairs) × peak ratio",
            }

    # 4. fp16 reuses the GPU's bf16 result where both have the same dense peak
    for (gpu_id, precision), fit in list(rows.items()):
        if (precision == "bf16" and (gpu_id, "fp16") not in rows
                and peaks.loc[gpu_id, runtime.PEAK_COLUMN["fp16"]] == peaks.loc[gpu_id, runtime.PEAK_COLUMN["bf16"]]):
            rows[(gpu_id, "fp16")] = {**fit, "basis": "bf16 result (same dense peak): " + fit["basis"]}

    # 5. no benchmark basis at all: the pooled direct fits (median, min..max) — wide on purpose
    pooled = pd.DataFrame(direct.values())
    for gpu_id in gpus["gpu_id"]:
        for precision, col in runtime.PEAK_COLUMN.items():
            if (gpu_id, precision) in rows or pd.isna(peaks.loc[gpu_id, col]) or pooled.empty:
                continue
            rows[(gpu_id, precision)] = {
                "mfu": float(pooled["mfu"].median()), "mfu_low": float(pooled["mfu_low"].min()),
                "mfu_high": float(pooled["mfu_high"].max()), "n_points": 0, "rel_error": float("nan"),
                "method": "pooled", "basis": "no benchmark for this GPU/precision: median (min-max) of all direct fits",
            }

    frame = pd.DataFrame([{"gpu_id": g, "precision": p, **v} for (g, p), v in rows.items()])
    frame[["mfu", "mfu_low", "mfu_high"]] = frame[["mfu", "mfu_low", "mfu_high"]].clip(upper=1.0)
    return frame.sort_values(["gpu_id", "precision"]).reset_index(drop=True)


def fit_mfu() -> pd.DataFrame:
    """Default MFU per (gpu_id, precision), each with where it came from.

    Columns: gpu_id, precision, mfu, mfu_low, mfu_high, n_points, rel_error, method, basis. Methods, in
    order of preference:

    - ``fit``: the median utilisation of the MosaicML MPT pretraining rows (tokens/s/GPU, seq 2048) for that
      GPU and precision, with MFU computed exactly as llm-foundry does (6·P + 12·L·d·s FLOPs per token over the
      dense peak) and converted to HFU (× 4/3) for the runs that used activation checkpointing
      (``MPT_ACTIVATION_CHECKPOINTING``): the value is the utilisation of a run without recomputation, which
      ``runtime_estimate(checkpointing=True)`` applies to 4/3 the FLOPs. ``mfu_low``/``mfu_high`` are the
      min/max over those rows and ``rel_error`` the median relative error of the tokens/s that the single
      fitted value predicts for each row (with that row's checkpointing).
    - ``mamf``: the GPU's achievable-matmul ratio (stas00 MAMF rows: measured / dense peak) times the
      MFU-per-MAMF-ratio of the fitted GPUs (same architecture when available; band = min..max over them).
      Assumes end-to-end efficiency tracks achievable matmul efficiency.
    - ``mlperf``: a fitted GPU of the same architecture (e.g. H100 SXM for H100 PCIe / H200): its achieved
      FLOP/s × the observed MLPerf/Lambda training speedup band (:func:`speedup_band`) ÷ this GPU's peak.
      Not used across architectures: there the benchmark mix (CNNs, recommenders) says little about LLM MFU.
    - fp16 takes the GPU's bf16 row wherever the two dense peaks are equal (same tensor cores).
    - ``pooled``: no benchmark basis — median (min..max) of all direct fits. Treat as a wide guess band.
    """
    return _fit_mfu_cached(data.data_hash()).copy()


def default_mfu(gpu_id: str, precision: str = "bf16") -> dict:
    """The :func:`fit_mfu` row for ``gpu_id`` (id or alias) and ``precision`` as a dict (mfu, mfu_low,
    mfu_high, n_points, rel_error, method, basis). InputError when the GPU has no peak at that precision."""
    gpu_id = data.resolve_gpu(gpu_id)
    runtime.peak_flops(gpu_id, precision)  # validates precision and that the GPU has this peak
    fits = fit_mfu()
    hit = fits[(fits["gpu_id"] == gpu_id) & (fits["precision"] == precision)]
    if hit.empty:
        raise InputError("mfu", f"no benchmark basis for a default MFU of {gpu_id} at {precision}; pass one explicitly")
    return hit.iloc[0].to_dict()

