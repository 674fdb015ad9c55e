"""The efficiency η of :mod:`gpuplan.serving`, fitted to MLPerf Inference only, with its error and band coverage.

Data: every row of the ``benchmarks`` table whose suite is MLPerf Inference and whose workload is one of
:data:`WORKLOADS` (llama2-70b, mixtral-8x7b, llama3.1-405b, llama3.1-8b; the -99/-99.9 accuracy variants and
the interactive variants included), Offline, Server and Interactive scenarios, every round in the table: a new
round added to ``data/benchmarks.csv`` is fitted and cross-validated without a code change. Duplicate results
(the same system and number under -99 and -99.9) count once.

Per result r the model predicts the system's generated tokens/s per GPU as a function of η (a grid of
:data:`ETA_GRID`), for the best tensor-parallel layout of the system's GPUs (submitters tune theirs):

- Offline: concurrency = the most sequences that fit (``serving.max_concurrency`` at I + O tokens);
- Server / Interactive: the largest throughput whose TPOT and TTFT meet the benchmark's limits (MLPerf's p99
  limits applied to the mean request: the model has no latency distribution; mlcommons/inference
  loadgen/mlperf.conf, source ``mlperf-loadgen-conf``).

Inputs: I = the dataset's mean prompt length, O = the run's own generated tokens per sample (tokens/s ÷
samples/s in the row's notes) or the dataset's reference output length (source ``mlperf-dataset-lengths``,
``mlperf-llama2-70b-readme``). Precision (an assumption: the table says "submitter-chosen"): fp8 weights and fp8
KV cache on GPUs with native fp8 (the v4.1 Hopper, Ada, Blackwell and MI300X submissions ran FP8), else bf16.

η_r is where the predicted curve meets the published value (η = 1 when the published value is above the model
at full efficiency: flagged). Per GPU: η = median η_r, band = [min, max] of η_r. A GPU with no MLPerf result
takes the pooled fit: the median of the per-GPU values, band = [lowest low, highest high]. The same η is
applied to compute (prefill and decode) and to memory bandwidth: MLPerf's Offline and Server runs are
compute-bound at their hundreds of concurrent sequences and cannot separate the two (a stated assumption;
Interactive-scenario rows of later rounds test it).

Honesty: :func:`cross_validate` holds out one round (or one GPU, or one workload) at a time, refits on the
rest and predicts the held-out results; :func:`band_coverage` says how often published values fall inside the
predicted low..high band, in sample and held out.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from gpuplan import data, serving
from gpuplan.errors import InputError
from gpuplan.validators import check_choice

#: MLPerf LLM workloads: model row, mean prompt tokens, reference generated tokens per sample (None: only runs
#: that report samples/s are used), Server and Interactive (TTFT ms, TPOT ms) limits.
WORKLOADS: dict[str, dict] = {
    "llama2-70b": {"model": "llama-2-70b", "input_tokens": 222.33, "output_tokens": 294.45,
                   "server": (2000, 200), "interactive": (450, 40)},
    "mixtral-8x7b": {"model": "mixtral-8x7b", "input_tokens": 427.39, "output_tokens": 144.84,
                     "server": (2000, 200), "interactive": None},
    "llama3.1-405b": {"model": "llama-3.1-405b", "input_tokens": 9428.64, "output_tokens": 684.68,
                      "server": (6000, 175), "interactive": (4500, 80)},
    "llama3.1-8b": {"model": "llama-3.1-8b", "input_tokens": 870.73, "output_tokens": None,
                    "server": (2000, 100), "interactive": (500, 30)},
}
#: MLPerf workloads shown as validation only (never fitted): DeepSeek-R1 (MLA MoE), mean prompt 803.79 and
#: reference output 4043.45 tokens (deepseek-r1.csv of source mlperf-dataset-lengths), limits from mlperf.conf
VALIDATION_WORKLOADS: dict[str, dict] = {
    "deepseek-r1": {"model": "deepseek-r1", "input_tokens": 803.79, "output_tokens": 4043.45,
                    "server": (2000, 80), "interactive": (1500, 15)},
}
ETA_GRID = np.geomspace(0.01, 1.0, 120)
CONCURRENCY_POINTS = 96
_SAMPLES_RE = re.compile(r"samples/s\s+([\d.]+)")
_KEYS = ["round", "key", "scenario", "gpu_id", "gpu_count", "system", "submitter", "value"]


def workload_key(name, workloads: dict | None = None) -> str | None:
    """'llama2-70b-99.9' -> 'llama2-70b'; 'llama3_1-405b' -> 'llama3.1-405b'; None when not a fitted workload."""
    text = str(name).lower().replace("_", ".").replace(" ", "")
    return next((key for key in (workloads or WORKLOADS) if text.startswith(key)), None)


def mlperf_rows(workloads: dict | None = None) -> pd.DataFrame:
    """The MLPerf Inference results the fit uses (or those of ``workloads``), one per distinct result, with the
    inputs of the model."""
    workloads = workloads or WORKLOADS
    bench = data.benchmarks()
    bench = bench[bench["suite"].str.contains("MLPerf Inference", case=False, na=False)]
    out = []
    for row in bench.sort_values("benchmark_id", kind="stable").itertuples(index=False):
        key = workload_key(row.workload, workloads)
        if key is None or row.unit != "tokens/s":
            continue
        spec = workloads[key]
        interactive = "interactive" in f"{row.workload} {row.scenario}".lower()
        scenario = "Interactive" if interactive else str(row.scenario)
        limits = None if scenario == "Offline" else spec["interactive" if interactive else "server"]
        if scenario not in ("Offline", "Server", "Interactive") or (scenario != "Offline" and limits is None):
            continue
        samples = _SAMPLES_RE.search(row.notes or "") if isinstance(row.notes, str) else None
        output = float(row.value) / float(samples.group(1)) if samples else spec["output_tokens"]
        if output is None:
            continue
        out.append({"benchmark_id": int(row.benchmark_id), "round": row.round, "workload": row.workload, "key": key,
                    "scenario": scenario, "gpu_id": row.gpu_id, "gpu_count": int(row.gpu_count), "system": row.system,
                    "submitter": row.submitter, "value": float(row.value),
                    "per_gpu": float(row.value) / int(row.gpu_count), "input_tokens": spec["input_tokens"],
                    "output_tokens": output, "ttft_limit_ms": limits[0] if limits else np.nan,
                    "tpot_limit_ms": limits[1] if limits else np.nan})
    rows = pd.DataFrame(out)
    if rows.empty:
        raise InputError("benchmarks", "no MLPerf Inference LLM results (tokens/s) to fit the serving efficiency")
    return rows.drop_duplicates(_KEYS).sort_values("benchmark_id", kind="stable").reset_index(drop=True)


def _curve(row) -> np.ndarray:
    """Predicted tokens/s per GPU of one result at every η of ETA_GRID (best tensor-parallel layout)."""
    spec = serving.model_spec({**WORKLOADS, **VALIDATION_WORKLOADS}[row.key]["model"])
    hw = serving.hardware(row.gpu_id)
    precision = "fp8" if serving.native(hw["gpu"], "fp8") else "bf16"
    weights = serving.weight_bytes(spec, precision)
    inp, out = float(row.input_tokens), float(row.output_tokens)
    best = np.zeros(len(ETA_GRID))
    for tp in serving.TP_SIZES:
        if (tp > min(row.gpu_count, serving.GPUS_PER_NODE) or row.gpu_count % tp or spec.arch.attention_heads % tp
                or (tp > 1 and not hw["link_bps"] > 0)):
            continue
        limit = int(serving.max_concurrency(spec, hw, tp, precision, precision, inp + out))
        if limit < 1:
            continue
        conc = np.array([limit]) if row.scenario == "Offline" else np.unique(
            np.round(np.geomspace(1, limit, CONCURRENCY_POINTS)))
        res = serving.evaluate(spec, {
            "tp": tp, "concurrency": conc[None, :], "input_tokens": inp, "output_tokens": out,
            "eta": ETA_GRID[:, None], "bandwidth_bps": hw["bandwidth_bps"], "link_bps": hw["link_bps"],
            "peak_flops": serving.peak_flops(hw["gpu"], precision), "hop_s": hw["hop_s"],
            "always_bytes": weights["always"], "expert_bytes": weights["expert"],
            "kv_layer_bytes": serving.kv_bytes_per_token_layer(spec, precision)})
        thr = res["output_tokens_per_s_per_gpu"]
        if row.scenario != "Offline":
            thr = np.where((res["tpot_s"] * 1e3 <= row.tpot_limit_ms) & (res["ttft_s"] * 1e3 <= row.ttft_limit_ms), thr, 0)
        best = np.maximum(best, thr.max(axis=1))
    return np.maximum.accumulate(best)


@lru_cache(maxsize=2)
def _table(data_hash: str) -> tuple[pd.DataFrame, np.ndarray]:
    rows = mlperf_rows()
    curves = np.vstack([_curve(row) for row in rows.itertuples(index=False)])
    eta, capped = [], []
    for value, curve in zip(rows["per_gpu"], curves, strict=True):
        above = np.nonzero(curve >= value)[0]
        if len(above) == 0:
            eta.append(1.0)
            capped.append(True)
            continue
        i = above[0]
        if i == 0:
            eta.append(float(ETA_GRID[0]))
        else:  # linear in log η between the grid points around the published value
            frac = (value - curve[i - 1]) / (curve[i] - curve[i - 1])
            eta.append(float(np.exp(np.log(ETA_GRID[i - 1]) + frac * np.log(ETA_GRID[i] / ETA_GRID[i - 1]))))
        capped.append(False)
    return rows.assign(eta=eta, above_model=capped), curves


def implied_efficiencies() -> pd.DataFrame:
    """:func:`mlperf_rows` with ``eta`` (the efficiency at which the model meets the published value) and
    ``above_model`` (published value above the model at η = 1)."""
    return _table(data.data_hash())[0].copy()


def _fit(rows: pd.DataFrame) -> dict:
    """{'gpus': {gpu_id: (eta, low, high, n)}, 'pooled': (eta, low, high, n)} from per-result η values."""
    groups = rows.groupby("gpu_id", sort=True)["eta"]
    gpus = {g: (float(s.median()), float(s.min()), float(s.max()), int(len(s))) for g, s in groups}
    if not gpus:
        return {"gpus": {}, "pooled": None}
    values = np.array(list(gpus.values()))
    return {"gpus": gpus, "pooled": (float(np.median(values[:, 0])), float(values[:, 1].min()),
                                     float(values[:, 2].max()), 0)}


def fit_efficiency() -> pd.DataFrame:
    """η per GPU of the gpus table: gpu_id, eta, eta_low, eta_high, n_points, method ('mlperf' or 'pooled')."""
    fit = _fit(implied_efficiencies())
    out = []
    for gpu_id in data.gpus()["gpu_id"].sort_values(kind="stable"):
        own = fit["gpus"].get(gpu_id)
        eta, low, high, n = own or fit["pooled"]
        out.append({"gpu_id": gpu_id, "eta": eta, "eta_low": low, "eta_high": high, "n_points": n,
                    "method": "mlperf" if own else "pooled"})
    return pd.DataFrame(out)


def efficiency(gpu_id: str) -> dict:
    """The :func:`fit_efficiency` row of ``gpu_id`` (id or alias) as a dict."""
    fits = fit_efficiency()
    return fits[fits["gpu_id"] == data.resolve_gpu(gpu_id)].iloc[0].to_dict()


def _predict(curves: np.ndarray, etas: np.ndarray) -> np.ndarray:
    """Tokens/s per GPU of each result (row of ``curves``) at its η (log-linear interpolation on the grid)."""
    logs = np.log(ETA_GRID)
    return np.array([np.interp(np.log(e), logs, c) if np.isfinite(e) else np.nan for c, e in zip(curves, etas, strict=True)])


def _with_predictions(rows: pd.DataFrame, curves: np.ndarray, fits: list) -> pd.DataFrame:
    eta = np.array([f[0] if f else np.nan for f in fits])
    low = np.array([f[1] if f else np.nan for f in fits])
    high = np.array([f[2] if f else np.nan for f in fits])
    frame = rows.assign(eta_used=eta, predicted=_predict(curves, eta), predicted_low=_predict(curves, low),
                        predicted_high=_predict(curves, high))
    frame["error_pct"] = (frame["predicted"] - frame["per_gpu"]) / frame["per_gpu"] * 100
    frame["inside"] = (frame["per_gpu"] >= frame["predicted_low"] * (1 - 1e-9)) & (
        frame["per_gpu"] <= frame["predicted_high"] * (1 + 1e-9))
    return frame


def predictions() -> pd.DataFrame:
    """Every fitted result with the in-sample prediction (its GPU's η and band): predicted, predicted_low,
    predicted_high (tokens/s per GPU), error_pct, inside (published value within the band)."""
    rows, curves = _table(data.data_hash())
    fit = _fit(rows)
    return _with_predictions(rows, curves, [fit["gpus"].get(g) or fit["pooled"] for g in rows["gpu_id"]])


def cross_validate(by: str = "round") -> pd.DataFrame:
    """Hold out each value of ``by`` ('round', 'gpu_id' or 'key' = workload) in turn, fit on the rest, predict the
    held-out results (a GPU absent from the rest takes the pooled fit). Columns of :func:`predictions` plus
    ``held_out`` and ``method`` ('own GPU', 'pooled' or 'nothing left to fit' when the rest is empty)."""
    check_choice("by", by, ("round", "gpu_id", "key"))
    rows, curves = _table(data.data_hash())
    parts = []
    for value in sorted(rows[by].astype(str).unique()):
        test = (rows[by].astype(str) == value).to_numpy()
        fit = _fit(rows[~test])
        fits, methods = [], []
        for gpu_id in rows.loc[test, "gpu_id"]:
            own = fit["gpus"].get(gpu_id)
            fits.append(own or fit["pooled"])
            methods.append("own GPU" if own else ("pooled" if fit["pooled"] else "nothing left to fit"))
        parts.append(_with_predictions(rows[test], curves[test], fits).assign(held_out=value, method=methods))
    return pd.concat(parts).sort_values("benchmark_id", kind="stable").reset_index(drop=True)


def error_by_gpu(frame: pd.DataFrame) -> pd.DataFrame:
    """Per GPU of a :func:`predictions` / :func:`cross_validate` frame: results, predicted ones, median |error| %,
    median error % (bias) and the share of published values inside the band."""
    def summary(g: pd.DataFrame) -> pd.Series:
        ok = g["predicted"].notna()
        return pd.Series({"results": len(g), "predicted": int(ok.sum()),
                          "median_abs_error_pct": g.loc[ok, "error_pct"].abs().median(),
                          "median_error_pct": g.loc[ok, "error_pct"].median(),
                          "coverage": g.loc[ok, "inside"].mean() if ok.any() else np.nan})
    return frame.groupby("gpu_id", sort=True)[list(frame.columns)].apply(summary).reset_index()


def leave_one_round_out() -> pd.DataFrame:
    """:func:`error_by_gpu` of :func:`cross_validate` by round (rows of GPUs seen only in a held-out round
    come from the pooled fit; with a single round in the table nothing is left to fit: NaN)."""
    return error_by_gpu(cross_validate("round"))


def band_coverage() -> pd.DataFrame:
    """How often published values fall inside the predicted band, and the median |error|, per evaluation:
    in sample, leave-one-round-out, leave-one-GPU-out, leave-one-workload-out."""
    cases = {"in sample": predictions(), "leave one round out": cross_validate("round"),
             "leave one GPU out": cross_validate("gpu_id"), "leave one workload out": cross_validate("key")}
    out = []
    for name, frame in cases.items():
        ok = frame["predicted"].notna()
        out.append({"evaluation": name, "results": len(frame), "predicted": int(ok.sum()),
                    "coverage": frame.loc[ok, "inside"].mean() if ok.any() else np.nan,
                    "median_abs_error_pct": frame.loc[ok, "error_pct"].abs().median() if ok.any() else np.nan})
    return pd.DataFrame(out)


@lru_cache(maxsize=2)
def _validation(data_hash: str) -> pd.DataFrame:
    rows = mlperf_rows(VALIDATION_WORKLOADS)
    curves = np.vstack([_curve(row) for row in rows.itertuples(index=False)])
    fits = fit_efficiency().set_index("gpu_id")
    chosen = [tuple(fits.loc[g, ["eta", "eta_low", "eta_high"]]) for g in rows["gpu_id"]]
    return _with_predictions(rows, curves, chosen).assign(method=list(fits.loc[rows["gpu_id"], "method"]))


def validation() -> pd.DataFrame:
    """MLPerf results of :data:`VALIDATION_WORKLOADS` (DeepSeek-R1) predicted with the fitted η of each GPU,
    never fitted to: the columns of :func:`predictions` plus ``method`` of the η used."""
    return _validation(data.data_hash()).copy()


def compare_mlperf(key: str = "llama2-70b", scenario: str = "Offline") -> pd.DataFrame:
    """Per GPU and round with ``key`` results in ``scenario``: the best published tokens/s per GPU (MLPerf reports
    the fastest system), the in-sample model and error, and the model with that GPU held out (pooled fit)."""
    inside = predictions()
    held = cross_validate("gpu_id").set_index("benchmark_id")
    sel = inside[(inside["key"] == key) & (inside["scenario"] == scenario)]
    best = sel.sort_values(["per_gpu", "benchmark_id"], ascending=[False, True], kind="stable").drop_duplicates(
        ["gpu_id", "round"])
    out = best[["gpu_id", "round", "gpu_count", "system", "submitter", "per_gpu", "predicted", "error_pct",
                "benchmark_id"]].rename(columns={"per_gpu": "published_tokens_per_s_per_gpu",
                                                 "predicted": "model_tokens_per_s_per_gpu"})
    out["held_out_model_tokens_per_s_per_gpu"] = held.loc[out["benchmark_id"], "predicted"].to_numpy()
    out["held_out_error_pct"] = held.loc[out["benchmark_id"], "error_pct"].to_numpy()
    return out.sort_values(["gpu_id", "round"], kind="stable").reset_index(drop=True)
