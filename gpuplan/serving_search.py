"""SLA search over serving configurations: GPU × tensor parallelism × precision × KV dtype × concurrency.

Every configuration of :mod:`gpuplan.serving` is evaluated at once with numpy (one call of
``serving.evaluate`` on flat arrays, 10^5+ configurations), filtered by the latency target (TPOT ≤ X ms and/or
TTFT ≤ Y ms) and ranked by $ per million output (or total) tokens; :func:`pareto` keeps the configurations no
other beats on both tokens/s per GPU and tokens/s per user (the throughput-vs-interactivity curve). A target
nothing meets is an answer (``meets`` False and the fastest configuration), not an error. Efficiencies are the
fitted central values of :func:`gpuplan.serving_fit.fit_efficiency` (bands: :func:`gpuplan.serving.serve`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpuplan import data, serving, serving_fit
from gpuplan.errors import GpuplanError, InputError
from gpuplan.validators import check_choice, check_count, check_number

#: concurrency points per (GPU, tp, precision, KV dtype), log-spaced from 1 to the most that fit
DEFAULT_POINTS = 2048
COLUMNS = ["gpu_id", "gpu", "tp", "precision", "kv_dtype", "concurrency", "max_concurrency", "tpot_ms", "ttft_ms",
           "tokens_per_s_per_user", "output_tokens_per_s_per_gpu", "total_tokens_per_s_per_gpu", "usd_per_gpu_hour",
           "usd_per_million_output_tokens", "usd_per_million_tokens", "bound", "efficiency"]


def _combos(spec, gpus, tps, precisions, kv_dtypes, prices, inp, out, points):
    """Per (GPU, tp, precision, KV dtype) that runs natively and fits: the scalars of the roofline, and the
    concurrency points. GPUs without a price (none given, none in the data) are left out."""
    fits = serving_fit.fit_efficiency().set_index("gpu_id")
    rows, conc = [], []
    for gpu_id in gpus:
        hw = serving.hardware(gpu_id)
        gpu_id, label = hw["gpu"]["gpu_id"], data.short_name(pd.Series([hw["gpu"]["name"]]))[0]
        try:
            usd = serving._hourly_price(gpu_id, (prices or {}).get(gpu_id))
        except InputError:
            continue  # no price for this GPU in the data and none given
        for precision in precisions:
            if not serving.native(hw["gpu"], precision):
                continue
            w = serving.weight_bytes(spec, precision)
            for tp in tps:
                if tp > serving.GPUS_PER_NODE or spec.arch.attention_heads % tp or (tp > 1 and not hw["link_bps"] > 0):
                    continue
                for kv in kv_dtypes:
                    if kv == "fp4" and not serving.native(hw["gpu"], "fp4"):
                        continue
                    limit = int(serving.max_concurrency(spec, hw, tp, precision, kv, inp + out))
                    if limit < 1:
                        continue
                    points_here = np.unique(np.round(np.geomspace(1, limit, points))).astype(int)
                    conc.append(points_here)
                    rows.append({"gpu_id": gpu_id, "gpu": label,
                                 "tp": tp, "precision": precision, "kv_dtype": kv, "max_concurrency": limit,
                                 "usd_per_gpu_hour": usd, "efficiency": float(fits.loc[gpu_id, "eta"]),
                                 "bandwidth_bps": hw["bandwidth_bps"], "peak_flops": serving.peak_flops(hw["gpu"], precision),
                                 "link_bps": hw["link_bps"], "hop_s": hw["hop_s"], "always_bytes": w["always"],
                                 "expert_bytes": w["expert"], "kv_layer_bytes": serving.kv_bytes_per_token_layer(spec, kv)})
    return pd.DataFrame(rows), conc


def configurations(model, *, input_tokens: int, output_tokens: int, gpus=None, tp=None, precision=None,
                   kv_dtypes=("bf16", "fp8"), prices: dict | None = None, points: int = DEFAULT_POINTS) -> pd.DataFrame:
    """Every configuration evaluated: one row each with :data:`COLUMNS` (latencies in ms, throughputs in tokens/s,
    costs in USD per million tokens). ``gpus``/``tp``/``precision`` restrict the search (default: every GPU of
    the table, tp 1-8, every precision)."""
    spec = serving.model_spec(model)
    inp = check_count("input_tokens", input_tokens, high=10**8)
    out = check_count("output_tokens", output_tokens, high=10**8)
    points = check_count("points", points, high=10**5)
    gpus = list(data.gpus()["gpu_id"].sort_values(kind="stable")) if gpus is None else [
        data.resolve_gpu(g) for g in ([gpus] if isinstance(gpus, str) else gpus)]
    tps = serving.TP_SIZES if tp is None else (serving.check_tp(spec, tp),)
    precisions = serving.PRECISIONS if precision is None else (check_choice("precision", precision, serving.PRECISIONS),)
    combos, conc = _combos(spec, gpus, tps, precisions, tuple(kv_dtypes), prices, inp, out, points)
    if combos.empty:
        return pd.DataFrame(columns=COLUMNS)
    counts = np.array([len(c) for c in conc])
    flat = combos.loc[combos.index.repeat(counts)].reset_index(drop=True)
    flat["concurrency"] = np.concatenate(conc)
    cfg = {k: flat[k].to_numpy() for k in ("tp", "concurrency", "bandwidth_bps", "peak_flops", "link_bps", "hop_s",
                                           "always_bytes", "expert_bytes", "kv_layer_bytes")}
    res = serving.evaluate(spec, {**cfg, "input_tokens": inp, "output_tokens": out, "eta": flat["efficiency"].to_numpy()})
    flat["tpot_ms"], flat["ttft_ms"] = res["tpot_s"] * 1e3, res["ttft_s"] * 1e3
    for key in ("tokens_per_s_per_user", "output_tokens_per_s_per_gpu", "total_tokens_per_s_per_gpu", "bound"):
        flat[key] = res[key]
    flat["usd_per_million_output_tokens"] = serving._usd_per_million(flat["output_tokens_per_s_per_gpu"].to_numpy(),
                                                                     flat["usd_per_gpu_hour"].to_numpy())
    flat["usd_per_million_tokens"] = serving._usd_per_million(flat["total_tokens_per_s_per_gpu"].to_numpy(),
                                                              flat["usd_per_gpu_hour"].to_numpy())
    return flat[COLUMNS]


def _order(frame: pd.DataFrame, first: str) -> pd.DataFrame:
    """Sorted by ``first`` ascending with a total order (ties: gpu_id, tp, precision, kv_dtype, concurrency)."""
    return frame.sort_values([first, "gpu_id", "tp", "precision", "kv_dtype", "concurrency"], kind="stable")


def pareto(frame: pd.DataFrame, by: str | None = "gpu_id") -> pd.DataFrame:
    """Configurations not beaten on both tokens_per_s_per_user and output_tokens_per_s_per_gpu (per ``by`` group,
    or over all with ``by=None``), sorted by group and tokens/s per user."""
    def front(g: pd.DataFrame) -> pd.DataFrame:
        g = g.sort_values(["tokens_per_s_per_user", "output_tokens_per_s_per_gpu", "tp", "precision", "kv_dtype",
                           "concurrency"], ascending=[False, False, True, True, True, True], kind="stable")
        best = g["output_tokens_per_s_per_gpu"].cummax().shift(fill_value=-np.inf)
        return g[g["output_tokens_per_s_per_gpu"] > best]
    parts = [front(g) for _, g in (frame.groupby(by, sort=True) if by else [(None, frame)])]
    out = pd.concat(parts) if parts else frame.iloc[:0]
    return out.sort_values([by, "tokens_per_s_per_user"] if by else ["tokens_per_s_per_user"], kind="stable"
                           ).reset_index(drop=True)


def _describe(row) -> str:
    return (f"{row['gpu']} × tp {row['tp']}, {row['precision']} weights, {row['kv_dtype']} KV, "
            f"{row['concurrency']:,} concurrent: TPOT {row['tpot_ms']:.1f} ms, TTFT {row['ttft_ms']:.0f} ms, "
            f"${row['usd_per_million_output_tokens']:.3g} per million output tokens")


def sla_search(model, *, input_tokens: int, output_tokens: int, tpot_ms: float | None = None,
               ttft_ms: float | None = None, rank_by: str = "output", **options) -> dict:
    """The cheapest configuration meeting TPOT ≤ ``tpot_ms`` and/or TTFT ≤ ``ttft_ms``.

    Returns ``meets`` (bool), ``message`` (one sentence), ``cheapest`` (a row as a dict, None when nothing
    meets the target), ``fastest`` (the lowest TPOT, or TTFT when only that is targeted), ``ranked`` (the
    configurations that meet it, cheapest first), ``frontier`` (:func:`pareto` per GPU of all configurations)
    and ``configurations`` (how many were evaluated). ``options`` go to :func:`configurations`."""
    for name, value in (("tpot_ms", tpot_ms), ("ttft_ms", ttft_ms)):
        if value is not None:
            check_number(name, value, low=0.0, low_open=True, high=1e9, high_open=True, hint="a number of milliseconds")
    if tpot_ms is None and ttft_ms is None:
        raise InputError("tpot_ms", "give a TPOT and/or a TTFT target in milliseconds")
    key = {"output": "usd_per_million_output_tokens", "total": "usd_per_million_tokens"}[
        check_choice("rank_by", rank_by, ("output", "total"))]
    frame = configurations(model, input_tokens=input_tokens, output_tokens=output_tokens, **options)
    if frame.empty:
        raise GpuplanError("no configuration fits: the weights fit no GPU, tp and precision searched (or none has a price)")
    ok = pd.Series(True, index=frame.index)
    if tpot_ms is not None:
        ok &= frame["tpot_ms"] <= tpot_ms
    if ttft_ms is not None:
        ok &= frame["ttft_ms"] <= ttft_ms
    ranked = _order(frame[ok], key).reset_index(drop=True)
    fastest = _order(frame, "tpot_ms" if tpot_ms is not None else "ttft_ms").iloc[0].to_dict()
    target = " and ".join(f"{label} ≤ {v:g} ms" for label, v in (("TPOT", tpot_ms), ("TTFT", ttft_ms)) if v is not None)
    if ranked.empty:
        message = f"no configuration meets {target}; the fastest is {_describe(fastest)}"
    else:
        message = f"{len(ranked):,} of {len(frame):,} configurations meet {target}; the cheapest is {_describe(ranked.iloc[0])}"
    return {"meets": not ranked.empty, "message": message, "cheapest": None if ranked.empty else ranked.iloc[0].to_dict(),
            "fastest": fastest, "ranked": ranked, "frontier": pareto(frame), "configurations": len(frame)}


# ---- tables of notebook 07 -----------------------------------------------------------------------------------
def best_per_gpu(ranked: pd.DataFrame) -> pd.DataFrame:
    """The cheapest configuration of each GPU in a ranked (cheapest-first) frame, cheapest GPU first."""
    return ranked.drop_duplicates("gpu_id").reset_index(drop=True)


def thin(frontier: pd.DataFrame, points: int = 40) -> pd.DataFrame:
    """At most ``points`` frontier rows per GPU, log-spaced in tokens/s per user (for a chart small enough to
    embed); the slowest and fastest points of each GPU are kept."""
    parts = []
    for _, g in frontier.groupby("gpu_id", sort=True):
        g = g.sort_values("tokens_per_s_per_user", kind="stable").reset_index(drop=True)
        picks = np.unique(np.round(np.geomspace(1, len(g), min(points, len(g)))).astype(int) - 1)
        parts.append(g.iloc[picks])
    return pd.concat(parts).reset_index(drop=True) if parts else frontier


def compare_gpus(models, *, prices: dict[str, float], baseline: str, **search) -> pd.DataFrame:
    """The cheapest configuration meeting the target on each GPU of ``prices`` for each of ``models``: one row per
    (model, GPU) with the :data:`COLUMNS`, ``model`` and ``vs_baseline`` (its $ per million output tokens ÷ the
    baseline GPU's; NaN when the baseline meets nothing). GPUs that meet nothing are left out."""
    baseline = data.resolve_gpu(baseline)
    rows = []
    for model in models:
        found = sla_search(model, gpus=list(prices), prices=prices, **search)
        best = best_per_gpu(found["ranked"]).assign(model=serving.model_spec(model).name)
        base = best.loc[best["gpu_id"] == baseline, "usd_per_million_output_tokens"]
        best["vs_baseline"] = best["usd_per_million_output_tokens"] / (base.iloc[0] if len(base) else np.nan)
        rows.append(best)
    return pd.concat(rows).reset_index(drop=True)
