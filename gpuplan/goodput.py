"""Production goodput: the share of a real pretraining run's wall time that its benchmark MFU accounts for,
calibrated on published GPU-hours of public runs (table ``training_runs``).

For a run with published GPU-hours ``H`` on GPUs of dense peak ``F`` (the run's precision), the utilisation it
achieved over its whole wall time is ``u = FLOPs / (H · 3600 · F)`` with FLOPs = ``D·(6·P + 12·L·d·s)`` (model
FLOPs, :func:`gpuplan.runtime.training_flops`; recomputed activations are not counted, as in an MFU). Divided by
the benchmark MFU of that GPU (:func:`gpuplan.runtime.default_mfu`, MosaicML's minutes-long throughput runs) it
is the run's **implied goodput** ``g = u / MFU``: everything a production run loses against a benchmark —
failures, restarts, checkpoint saves, evaluation, stragglers, data stalls, and the lower MFU of its own scale and
software. ``runtime_estimate`` divides the benchmark-style hours by it.

Fit (``calibration()``): the median over model families of each family's median ``g`` (so the eight Pythia sizes
count as one family, like BLOOM or StarCoder), on every run whose family is **not** Llama or MPT
(:data:`CHECK_FAMILIES`): those stay out as an independent check. Leave-one-out: each fit run is predicted with
the goodput fitted without it (:func:`leave_one_out`); the check runs with the full fit (:func:`check`).
The cited bottom-up terms (:func:`gpuplan.assumptions.goodput_terms`) are shown beside the fit: their product
(Llama 3's ">90% effective training time") explains only part of it; the rest is MFU a production run does not
reach (larger scale, older kernels) — which is why the calibrated value, not the product, is the default.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from gpuplan import assumptions, data, runtime

#: families kept out of the fit as the independent check (the issue: "keep the Llama-family and MPT runs out")
CHECK_FAMILIES = ("llama", "mpt")


def training_runs() -> pd.DataFrame:
    """The ``training_runs`` table, ordered by run_id."""
    return data.query("SELECT * FROM training_runs ORDER BY run_id")


def run_observations() -> pd.DataFrame:
    """One row per published run: run_id, name, family, role (fit/check), gpu_id, precision, gpu_count, params,
    tokens, gpu_hours (reported, or gpu_count × wall_days × 24), hours_basis, flops, peak_tflops, utilization
    (MFU·goodput over the wall time), benchmark_mfu, implied_goodput (= utilization / benchmark_mfu)."""
    rows = []
    for run in training_runs().itertuples(index=False):
        hours = float(run.gpu_hours) if pd.notna(run.gpu_hours) else float(run.gpu_count) * float(run.wall_days) * 24
        precision = runtime.normalize_precision(run.precision) or "bf16"
        shape = {k: int(v) for k, v in (("layers", run.layers), ("hidden_size", run.hidden_size),
                                         ("seq", run.seq_len)) if pd.notna(v)}
        flops = runtime.training_flops(float(run.params), float(run.tokens), **(shape if len(shape) == 3 else {}))
        peak = runtime.peak_flops(run.gpu_id, precision)
        mfu = float(runtime.default_mfu(run.gpu_id, precision)["mfu"])
        util = flops / (hours * 3600 * peak)
        rows.append({"run_id": run.run_id, "name": run.name, "family": run.family,
                     "role": "check" if run.family in CHECK_FAMILIES else "fit", "gpu_id": run.gpu_id,
                     "precision": precision, "gpu_count": run.gpu_count, "params": float(run.params),
                     "tokens": float(run.tokens), "gpu_hours": hours, "hours_basis": run.hours_basis,
                     "layers": shape.get("layers"), "hidden_size": shape.get("hidden_size"), "seq": shape.get("seq"),
                     "flops": flops, "peak_tflops": peak / 1e12, "utilization": util, "benchmark_mfu": mfu,
                     "implied_goodput": util / mfu})
    return pd.DataFrame(rows)


def fit_goodput(obs: pd.DataFrame) -> float:
    """Median over families of the family-median implied goodput of the ``fit`` rows of ``obs``."""
    fit = obs[obs["role"] == "fit"]
    if fit.empty:
        raise ValueError("no fit runs")
    return float(fit.groupby("family")["implied_goodput"].median().median())


def _predict_gpu_hours(row, goodput: float) -> float:
    """GPU-hours of a run by the runtime model at ``goodput`` (benchmark MFU of its GPU, one GPU = GPU-hours)."""
    shape = {k: int(row[k]) for k in ("layers", "hidden_size", "seq") if pd.notna(row[k])}
    est = runtime.runtime_estimate(params=row["params"], tokens=row["tokens"], gpu_id=row["gpu_id"],
                                   precision=row["precision"], task="pretrain", goodput=goodput,
                                   **(shape if len(shape) == 3 else {}))
    return est.gpu_hours


def leave_one_out(obs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each fit run predicted with the goodput fitted on the other fit runs: run_id, name, family, gpu_id,
    published_gpu_hours, goodput_without, predicted_gpu_hours, error (= predicted / published − 1)."""
    obs = run_observations() if obs is None else obs
    rows = []
    for row in obs[obs["role"] == "fit"].to_dict(orient="records"):
        g = fit_goodput(obs[obs["run_id"] != row["run_id"]])
        pred = _predict_gpu_hours(row, g)
        rows.append({"run_id": row["run_id"], "name": row["name"], "family": row["family"], "gpu_id": row["gpu_id"],
                     "published_gpu_hours": row["gpu_hours"], "goodput_without": g, "predicted_gpu_hours": pred,
                     "error": pred / row["gpu_hours"] - 1})
    return pd.DataFrame(rows)


def check(obs: pd.DataFrame | None = None, goodput: float | None = None) -> pd.DataFrame:
    """The independent check (Llama-family and MPT runs) with the full fit: run_id, name, gpu_id,
    published_gpu_hours, predicted_gpu_hours, error, and the benchmark-style (goodput 1) prediction and error."""
    obs = run_observations() if obs is None else obs
    g = fit_goodput(obs) if goodput is None else goodput
    rows = []
    for row in obs[obs["role"] == "check"].to_dict(orient="records"):
        pred, bench = _predict_gpu_hours(row, g), _predict_gpu_hours(row, 1.0)
        rows.append({"run_id": row["run_id"], "name": row["name"], "gpu_id": row["gpu_id"],
                     "published_gpu_hours": row["gpu_hours"], "predicted_gpu_hours": pred,
                     "error": pred / row["gpu_hours"] - 1, "benchmark_style_gpu_hours": bench,
                     "benchmark_style_error": bench / row["gpu_hours"] - 1})
    return pd.DataFrame(rows)


@lru_cache(maxsize=4)
def _calibration_cached(data_hash: str) -> dict:
    obs = run_observations()
    g = fit_goodput(obs)
    loo, chk = leave_one_out(obs), check(obs, g)
    fit = obs[obs["role"] == "fit"]
    return {"goodput": g, "low": float(fit["implied_goodput"].min()), "high": float(fit["implied_goodput"].max()),
            "n_runs": int(len(fit)), "n_families": int(fit["family"].nunique()),
            "loo_median_abs_error": float(loo["error"].abs().median()),
            "loo_max_abs_error": float(loo["error"].abs().max()),
            "check_median_abs_error": float(chk["error"].abs().median()),
            "check_benchmark_style_median_abs_error": float(chk["benchmark_style_error"].abs().median()),
            "literature_goodput": assumptions.literature_goodput(),
            "observations": obs, "leave_one_out": loo, "check": chk}


def calibration() -> dict:
    """The fit and its errors: goodput, low/high (min/max implied goodput of the fit runs), n_runs, n_families,
    loo_median_abs_error, loo_max_abs_error, check_median_abs_error (and for goodput 1), literature_goodput, and
    the frames observations, leave_one_out, check (copies)."""
    out = dict(_calibration_cached(data.data_hash()))
    return {k: (v.copy() if isinstance(v, pd.DataFrame) else v) for k, v in out.items()}


def production_goodput() -> float:
    """The default goodput of a production training run (:func:`calibration`'s ``goodput``)."""
    return float(_calibration_cached(data.data_hash())["goodput"])
