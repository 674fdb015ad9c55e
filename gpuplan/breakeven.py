"""Break-even between two GPUs, rent vs buy, and the sensitivity of the verdict to each input.

GPU A is the baseline (usually the A100), GPU B the faster, dearer one (usually the H100). With the cost per
finished job of gpuplan.cost.cost_per_job, a job taking t hours on A and t / s hours on B (speedup s) costs

    A: t     × p_A / u_A × (1 + r_A / 100)
    B: t / s × p_B / u_B × (1 + r_B / 100)

so B is cheaper per job exactly when s exceeds the break-even speedup

    s* = (p_B / u_B × (1 + r_B / 100)) / (p_A / u_A × (1 + r_A / 100))

— the price ratio, adjusted for utilization and reruns (HappyHorse 2026-04's break-even worksheet; with
$1.50 and $3.50 at full utilization s* = 2.33×, and their 8 h → 3 h job (2.67×) is cheaper on the H100).
All functions broadcast over numpy arrays / pandas Series.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gpuplan.cost import _out, cost_per_job, price_info, usd_per_useful_gpu_hour
from gpuplan.validators import PLAUSIBLE, check_range as _check
from gpuplan.errors import InputError

HOURS_PER_MONTH = 365.0 * 24.0 / 12.0  # 730 h: average month (8760 h a year / 12)
#: Assumption: data-centre PUE. Uptime Institute's annual Global Data Center Surveys report industry-average
#: PUE between about 1.55 and 1.59 for 2020-2023; 1.5 is a round figure for a reasonably efficient facility.
DEFAULT_PUE = 1.5
#: Assumption, not a sourced price: electricity at $0.10/kWh. Give your own tariff.
DEFAULT_USD_PER_KWH = 0.10
#: Assumption: hardware amortized over 3 years (a common straight-line depreciation period for servers).
DEFAULT_YEARS = 3.0


_rate = usd_per_useful_gpu_hour  # the one cost rule (gpuplan.cost)


def _validate_pair(price_a, price_b, utilization_a, utilization_b, reruns_a, reruns_b) -> None:
    _check("price_a", price_a, low_open=True, high=PLAUSIBLE["usd_per_gpu_hour"])
    _check("price_b", price_b, low_open=True, high=PLAUSIBLE["usd_per_gpu_hour"])
    _check("utilization_a", utilization_a, low_open=True, high=1.0)
    _check("utilization_b", utilization_b, low_open=True, high=1.0)
    _check("reruns_a", reruns_a, high=PLAUSIBLE["per_100"])
    _check("reruns_b", reruns_b, high=PLAUSIBLE["per_100"])


def breakeven_speedup(
    price_a: Any, price_b: Any, utilization_a: Any = 1.0, utilization_b: Any = 1.0, reruns_a: Any = 0, reruns_b: Any = 0
) -> Any:
    """Speedup of B over A at which their costs per finished job are equal (s* in the module docstring).

    Prices in USD per GPU-hour, utilization in (0, 1], reruns per 100 jobs. Same GPU count on both sides.
    """
    _validate_pair(price_a, price_b, utilization_a, utilization_b, reruns_a, reruns_b)
    return _out(_rate(price_b, utilization_b, reruns_b) / _rate(price_a, utilization_a, reruns_a))


def breakeven_price_b(
    price_a: Any, speedup: Any, utilization_a: Any = 1.0, utilization_b: Any = 1.0, reruns_a: Any = 0, reruns_b: Any = 0
) -> Any:
    """Hourly price of B (USD per GPU-hour) at which B ties with A, given B's speedup over A.

    Solves s* = speedup for p_B: p_B = speedup × p_A / u_A × (1 + r_A/100) × u_B / (1 + r_B/100).
    E.g. A100 at $1.50 and a 8 h → 3 h job (2.67×): the H100 ties at $4.00/h.
    """
    _validate_pair(price_a, 1.0, utilization_a, utilization_b, reruns_a, reruns_b)
    _check("speedup", speedup, low_open=True, high=1e6)
    return _out(speedup * _rate(price_a, utilization_a, reruns_a) * utilization_b / (1.0 + reruns_b / 100.0))


def verdict(breakeven: float, low: float | None, median: float | None, high: float | None, a: str = "A", b: str = "B") -> str:
    """One sentence setting the break-even speedup against the observed band [low, high]."""
    if low is None or high is None or np.isnan(low) or np.isnan(high):
        return f"no observed speedup of {b} over {a} for this task: {b} is cheaper per job above {breakeven:.2f}x"
    band = f"{low:.2f}x-{high:.2f}x"
    if low > breakeven:
        return f"{b} is cheaper per job across the whole observed band ({band} > break-even {breakeven:.2f}x)"
    if high < breakeven:
        return f"{a} is cheaper per job across the whole observed band ({band} < break-even {breakeven:.2f}x)"
    return f"depends: break-even {breakeven:.2f}x falls inside observed {band} (median {median:.2f}x)"


def common_provider(gpu_a: str, gpu_b: str, kind: str = "on-demand") -> str | None:
    """The provider that prices both GPUs (latest_prices view) most recently: the one whose older observation of
    the pair is the newest, then the newer one, then by name. None when no provider prices both."""
    from gpuplan import data

    rows = data.query(
        """SELECT a.provider FROM latest_prices a JOIN latest_prices b
               ON lower(a.provider) = lower(b.provider) AND a.kind = b.kind
           WHERE a.gpu_id = ? AND b.gpu_id = ? AND a.kind = ?
             AND a.usd_per_gpu_hour IS NOT NULL AND b.usd_per_gpu_hour IS NOT NULL
           ORDER BY least(a.date_observed, b.date_observed) DESC NULLS LAST,
                    greatest(a.date_observed, b.date_observed) DESC NULLS LAST, a.provider
           LIMIT 1""",
        [gpu_a, gpu_b, kind],
    )
    return None if rows.empty else str(rows["provider"].iloc[0])


def breakeven(
    a: str,
    b: str,
    price_a: float | None = None,
    price_b: float | None = None,
    task: str | None = None,
    *,
    provider: str | None = None,
    kind: str = "on-demand",
    catalog: str | None = None,
    utilization_a: float = 1.0,
    utilization_b: float = 1.0,
    reruns_a: float = 0,
    reruns_b: float = 0,
    workload: dict | None = None,
) -> dict:
    """Break-even speedup of GPU `b` over GPU `a`, set against the observed speedup band for `task`.

    Prices default to gpuplan.prices.resolve: the latest price of `kind` from `provider` when named, else the
    market median of each GPU (the same statistic for both; see price_a_source/price_b_source['basis']). The band
    comes from gpuplan.runtime.speedup_band (min / median / max of observed benchmark ratios of b over a) for
    `task` (a benchmarks task_type: training, finetune, inference, microbenchmark; 'pretrain' means training;
    None: all but microbenchmarks). Returns dict(a, b, task, price_a, price_b, price_a_source, price_b_source,
    breakeven_speedup, observed_speedup={low, median, high} or None when no benchmark pairs, observed_pairs
    (count), breakeven_price_b (B's tying price at the median observed speedup, or None), verdict, pairs
    (DataFrame of the benchmark pairs used)). With `workload` (keyword arguments of
    gpuplan.speedup.workload_speedup, e.g. {"params": 7e9, "task": "pretrain", "precision": "fp8"}) also
    workload_speedup (that workload's roofline speedup) and workload_verdict (the break-even against it); the
    observed band stays beside it as evidence.
    """
    from gpuplan import data, runtime

    gpu_a, gpu_b = data.resolve_gpu(a), data.resolve_gpu(b)
    info_a = price_info(gpu_a, price_a, provider=provider, kind=kind, catalog=catalog)
    info_b = price_info(gpu_b, price_b, provider=provider, kind=kind, catalog=catalog)
    pa, pb = float(info_a["usd_per_gpu_hour"]), float(info_b["usd_per_gpu_hour"])
    s_star = breakeven_speedup(pa, pb, utilization_a, utilization_b, reruns_a, reruns_b)
    task_type = {"pretrain": "training"}.get(task, task)
    try:
        band = runtime.speedup_band(gpu_a, gpu_b, task_type=task_type)
    except InputError as err:
        raise InputError("task", f"{task!r}: use training (or pretrain), finetune, inference or microbenchmark") from err
    observed = {k: band[k] for k in ("low", "median", "high")} if band["n"] else None
    low, median, high = (None, None, None) if observed is None else observed.values()
    return {
        "a": gpu_a,
        "b": gpu_b,
        "task": task,
        "price_a": pa,
        "price_b": pb,
        "price_a_source": info_a,
        "price_b_source": info_b,
        "utilization_a": utilization_a,
        "utilization_b": utilization_b,
        "reruns_a": reruns_a,
        "reruns_b": reruns_b,
        "breakeven_speedup": s_star,
        "observed_speedup": observed,
        "observed_pairs": band["n"],
        "breakeven_price_b": None
        if median is None
        else breakeven_price_b(pa, median, utilization_a, utilization_b, reruns_a, reruns_b),
        "verdict": verdict(s_star, low, median, high, a=gpu_a, b=gpu_b),
        "pairs": band["pairs"],
        **_workload_part(gpu_a, gpu_b, workload, s_star),
    }


def _workload_part(gpu_a: str, gpu_b: str, workload: dict | None, s_star: float) -> dict:
    """workload_speedup / workload_verdict of a `breakeven` result (empty without a workload)."""
    if workload is None:
        return {}
    from gpuplan.speedup import workload_speedup

    speed = workload_speedup(gpu_a, gpu_b, **workload)["speedup"]
    cheaper, sign = (gpu_b, ">") if speed > s_star else (gpu_a, "<") if speed < s_star else ("neither", "=")
    return {"workload_speedup": speed,
            "workload_verdict": f"{cheaper} is cheaper per job for this workload (roofline speedup {speed:.2f}x "
                                f"{sign} break-even {s_star:.2f}x)"}


def rent_vs_buy(
    purchase_usd: Any,
    tdp_w: Any,
    pue: Any,
    usd_per_kwh: Any,
    hosting_usd_per_month: Any,
    years: Any,
    utilization: Any,
    cloud_usd_per_hour: Any,
) -> dict:
    """Own one GPU or rent it by the hour? Per GPU; a month is 730 h (8760 / 12).

    Owning: the purchase amortized straight-line over `years`, plus power at TDP × PUE × $/kWh for the hours
    the GPU is busy (hours_per_month × utilization; idle power and the host's CPUs/RAM are not counted unless
    folded into `hosting_usd_per_month`), plus hosting. Renting: cloud_usd_per_hour for the same busy hours.
    `owned_usd_per_hour` is the owned cost per *busy* hour, comparable to the cloud rate.
    `months_to_breakeven` = purchase / (cloud cost per month − owned running cost per month): when the purchase
    has paid for itself out of the avoided cloud bill; inf when renting is always cheaper to run.
    `buy_is_cheaper`: months_to_breakeven ≤ 12 × years (the purchase pays back within its amortization life).
    PUE (power usage effectiveness) = facility power / IT power (The Green Grid, White Paper #49, 2012).
    """
    _check("purchase_usd", purchase_usd, high=1e7)
    _check("tdp_w", tdp_w, high=1e5)
    _check("pue", pue, low=1.0, high=5.0)  # PUE 1 = no overhead; 5 is far past any data centre
    _check("usd_per_kwh", usd_per_kwh, high=10.0)
    _check("hosting_usd_per_month", hosting_usd_per_month, high=PLAUSIBLE["usd"])
    _check("years", years, low_open=True, high=100.0)
    _check("utilization", utilization, low_open=True, high=1.0)
    _check("cloud_usd_per_hour", cloud_usd_per_hour, high=PLAUSIBLE["usd_per_gpu_hour"])
    busy_hours = HOURS_PER_MONTH * utilization
    capex = purchase_usd / (12.0 * years)
    power = tdp_w / 1000.0 * pue * usd_per_kwh * busy_hours
    opex = power + hosting_usd_per_month
    cloud = cloud_usd_per_hour * busy_hours
    saving = cloud - opex
    with np.errstate(divide="ignore", invalid="ignore"):
        months = np.where(np.asarray(saving) > 0, purchase_usd / np.where(np.asarray(saving) > 0, saving, 1.0), np.inf)
    return {
        "owned_usd_per_hour": _out((capex + opex) / busy_hours),
        "cloud_usd_per_hour": _out(cloud_usd_per_hour * 1.0),
        "capex_usd_per_month": _out(capex),
        "power_usd_per_month": _out(power),
        "hosting_usd_per_month": _out(hosting_usd_per_month * 1.0),
        "owned_usd_per_month": _out(capex + opex),
        "cloud_usd_per_month": _out(cloud),
        "busy_hours_per_month": _out(busy_hours),
        "months_to_breakeven": _out(months),
        "buy_is_cheaper": bool(months <= 12.0 * years) if np.ndim(months) == 0 else months <= 12.0 * np.asarray(years),
    }


SENSITIVITY_REQUIRED = ("hours_a", "speedup", "price_a", "price_b")
SENSITIVITY_DEFAULTS = {
    "gpus": 1, "utilization_a": 1.0, "utilization_b": 1.0, "reruns_a": 0, "reruns_b": 0,
    "queue_hours_a": 0, "queue_hours_b": 0, "value_per_hour_usd": 0,
}  # fmt: skip
SENSITIVITY_INPUTS = SENSITIVITY_REQUIRED + tuple(SENSITIVITY_DEFAULTS)


def cost_difference(
    *,
    hours_a: Any,
    speedup: Any,
    price_a: Any,
    price_b: Any,
    gpus: Any = 1,
    utilization_a: Any = 1.0,
    utilization_b: Any = 1.0,
    reruns_a: Any = 0,
    reruns_b: Any = 0,
    queue_hours_a: Any = 0,
    queue_hours_b: Any = 0,
    value_per_hour_usd: Any = 0,
) -> Any:
    """Cost per finished job on B minus on A (USD; negative: B is cheaper), via gpuplan.cost.cost_per_job.

    The job takes `hours_a` on A and hours_a / speedup on B, on `gpus` GPUs either way; queue waits are priced
    at `value_per_hour_usd`.
    """
    _check("speedup", speedup, low_open=True, high=1e6)
    a = cost_per_job(runtime_hours=hours_a, usd_per_gpu_hour=price_a, gpus=gpus, utilization=utilization_a,
                     reruns_per_100=reruns_a, queue_hours=queue_hours_a, value_per_hour_usd=value_per_hour_usd)  # fmt: skip
    b = cost_per_job(runtime_hours=hours_a / speedup, usd_per_gpu_hour=price_b, gpus=gpus, utilization=utilization_b,
                     reruns_per_100=reruns_b, queue_hours=queue_hours_b, value_per_hour_usd=value_per_hour_usd)  # fmt: skip
    return _out(b.cost_per_job_usd - a.cost_per_job_usd)


def default_ranges(base: dict, spread: float = 0.25) -> dict[str, tuple[float, float]]:
    """±`spread` (default ±25%) around every non-zero base input; utilizations capped at 1.

    An assumption for a first tornado chart, not a fact: give real ranges (e.g. the observed speedup band, the
    spread of prices in the data) where you have them.
    """
    ranges = {}
    for name, value in base.items():
        if value:
            high = value * (1 + spread)
            ranges[name] = (value * (1 - spread), min(high, 1.0) if name.startswith("utilization") else high)
    return ranges


def sensitivity(base: dict, ranges: dict[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """Tornado table: how the cost difference B − A moves when each input alone goes to its low / high value.

    `base` holds keyword arguments of `cost_difference` (hours_a, speedup, price_a, price_b required); `ranges`
    maps some of them to (low, high) — default_ranges(base) when None. Returns one row per varied input, sorted
    by swing: input, base_value, low, high, base_difference_usd, difference_low_usd, difference_high_usd,
    swing_usd, flips (True when an end of the range changes which GPU is cheaper per job).
    """
    unknown = sorted(set(base) - set(SENSITIVITY_INPUTS))
    if unknown:
        raise InputError(unknown[0], f"not an input of the cost comparison; allowed: {', '.join(SENSITIVITY_INPUTS)}")
    ranges = default_ranges(base) if ranges is None else ranges
    unknown = sorted(set(ranges) - set(SENSITIVITY_INPUTS))
    if unknown:
        raise InputError(unknown[0], f"not an input of the cost comparison; allowed: {', '.join(SENSITIVITY_INPUTS)}")
    missing = [n for n in SENSITIVITY_REQUIRED if n not in base]
    if missing:
        raise InputError(missing[0], "required in the base inputs of the sensitivity analysis")
    base = {**SENSITIVITY_DEFAULTS, **base}
    names = list(ranges)
    # one vectorised evaluation: row 0 = base, then (low, high) for each input in turn
    grid = pd.DataFrame([base] * (1 + 2 * len(names)))
    for i, name in enumerate(names):
        grid.loc[1 + 2 * i, name], grid.loc[2 + 2 * i, name] = ranges[name]
    diff = np.asarray(cost_difference(**{k: grid[k].to_numpy(dtype=float) for k in grid.columns}))
    base_diff = float(diff[0])
    low, high = diff[1::2], diff[2::2]
    table = pd.DataFrame(
        {
            "input": names,
            "base_value": [base[n] for n in names],
            "low": [ranges[n][0] for n in names],
            "high": [ranges[n][1] for n in names],
            "base_difference_usd": base_diff,
            "difference_low_usd": low,
            "difference_high_usd": high,
            "swing_usd": np.abs(high - low),
            "flips": (np.sign(low) != np.sign(base_diff)) | (np.sign(high) != np.sign(base_diff)),
        }
    )
    return table.sort_values(["swing_usd", "input"], ascending=[False, True], kind="stable", ignore_index=True)


def rent_vs_buy_gpu(
    gpu: str,
    *,
    purchase_usd: float | None = None,
    cloud_usd_per_hour: float | None = None,
    provider: str | None = None,
    kind: str = "on-demand",
    tdp_w: float | None = None,
    pue: float = DEFAULT_PUE,
    usd_per_kwh: float = DEFAULT_USD_PER_KWH,
    hosting_usd_per_month: float = 0.0,
    years: float = DEFAULT_YEARS,
    utilization: float = 1.0,
) -> dict:
    """rent_vs_buy for one GPU of the table: what is not given comes from the data — the purchase price from the
    latest `purchase` row of `prices`, the cloud rate from the latest `kind` price (of `provider` if named), the
    power from `gpus.tdp_w`. Returns rent_vs_buy's dict plus gpu, tdp_w, purchase_source and cloud_source."""
    from gpuplan import data

    gpu_id = data.resolve_gpu(gpu)
    purchase_source: dict = {"provider": "given"}
    if purchase_usd is None:
        try:
            row = data.latest_price(gpu_id, kind="purchase")
        except InputError:
            raise InputError("purchase_usd", f"no purchase price for {gpu_id} in data/prices.csv; give one") from None
        purchase_usd = row["purchase_usd"]
        purchase_source = {k: row[k] for k in ("purchase_usd", "date_observed", "term", "source_id")}
    cloud = price_info(gpu_id, cloud_usd_per_hour, provider=provider, kind=kind)
    if tdp_w is None:
        tdp_w = data.gpu(gpu_id).get("tdp_w")
        if tdp_w is None or not np.isfinite(tdp_w):
            raise InputError("tdp_w", f"{gpu_id} has no tdp_w in the gpus table; give one")
    result = rent_vs_buy(purchase_usd, tdp_w, pue, usd_per_kwh, hosting_usd_per_month, years, utilization,
                         cloud["usd_per_gpu_hour"])  # fmt: skip
    return {"gpu": gpu_id, "purchase_usd": float(purchase_usd), "tdp_w": float(tdp_w), **result,
            "purchase_source": purchase_source, "cloud_source": cloud}


def verdict_sensitivity(result: dict, hours_a: float = 1.0, spread: float = 0.25) -> pd.DataFrame:
    """Tornado table (see `sensitivity`) around a `breakeven` result: the speedup spans the observed band (low to
    high; ±`spread` around the break-even when there is none), every other non-zero input ±`spread` (default
    ±25%, an assumption). The base job takes `hours_a` hours on A (the sign of the difference does not depend on
    it, only its size)."""
    observed = result["observed_speedup"]
    base = {"hours_a": hours_a, "speedup": observed["median"] if observed else result["breakeven_speedup"],
            **{k: result[k] for k in ("price_a", "price_b", "utilization_a", "utilization_b", "reruns_a", "reruns_b")}}
    ranges = default_ranges(base, spread)
    if observed:
        ranges["speedup"] = (observed["low"], observed["high"])
    return sensitivity(base, ranges)


# ---- tables for the break-even notebook (04): one function per table, shared with the CLI and tests
def short_name(gpu_id: str) -> str:
    """The GPU's table name without the vendor prefix ("NVIDIA H100 80GB SXM5" -> "H100 80GB SXM5")."""
    from gpuplan import data

    return data.short_name(data.gpu(gpu_id)["name"])


def summary_table(result: dict, source_a: str | None = None, source_b: str | None = None) -> pd.DataFrame:
    """The break-even summary of a `breakeven` result as a two-column (label, value) table for display.

    `source_a` / `source_b` are the price source ids shown next to the prices (default: the result's own).
    Numbers are formatted for reading (2 decimals); the verdict is the result's own sentence.
    """
    observed = result["observed_speedup"] or {}
    source_a = source_a or result["price_a_source"].get("source_id", "")
    source_b = source_b or result["price_b_source"].get("source_id", "")

    def num(value):
        return "no benchmark pairs" if value is None else f"{value:.2f}"

    rows = [("baseline (gpu_a)", f"{short_name(result['a'])} ({result['a']})"),
            ("challenger (gpu_b)", f"{short_name(result['b'])} ({result['b']})"),
            ("price of gpu_a ($/GPU-hour)", f"{result['price_a']:.2f} [{source_a}]"),
            ("price of gpu_b ($/GPU-hour)", f"{result['price_b']:.2f} [{source_b}]"),
            ("break-even speedup (×)", num(result["breakeven_speedup"])),
            ("observed speedup (median ×)", num(observed.get("median"))),
            ("gpu_b's break-even price ($/GPU-hour)", num(result["breakeven_price_b"])),
            ("verdict", result["verdict"])]
    return pd.DataFrame(rows, columns=["", "value"])


def headline(result: dict) -> dict[str, Any]:
    """The glue names of a `breakeven` result (numbers and the verdict) that the book prose and batch read."""
    observed = result["observed_speedup"] or {}
    values = {"breakeven_speedup": result["breakeven_speedup"], "usd_per_gpu_hour_h100": result["price_b"],
              "observed_speedup_median": observed.get("median"), "observed_speedup_low": observed.get("low"),
              "observed_speedup_high": observed.get("high"), "breakeven_price_h100_usd_per_hour": result["breakeven_price_b"]}
    out: dict[str, Any] = {k: float("nan") if v is None else float(v) for k, v in values.items()}
    out["breakeven_verdict"] = result["verdict"]
    return out


def plane_points(pairs: pd.DataFrame) -> pd.DataFrame:
    """The matched benchmark pairs of a `breakeven` result with a readable `comparison` label (suite · workload ·
    GPU count) and a `source_id` naming both benchmark rows, for charts.breakeven_plane."""
    return pairs.assign(
        comparison=pairs["suite"] + " · " + pairs["workload"] + " · " + pairs["gpu_count"].astype(str) + " GPU",
        source_id="benchmark " + pairs["benchmark_id_a"].astype(str) + " vs " + pairs["benchmark_id_b"].astype(str))


def median_purchase_usd(gpu: str) -> tuple[float, int]:
    """(median purchase_usd, number of purchase rows) of `gpu` in the prices table; no row -> InputError."""
    from gpuplan import data

    gpu_id = data.resolve_gpu(gpu)
    rows = data.query("SELECT purchase_usd FROM prices WHERE gpu_id = ? AND kind = 'purchase' "
                      "AND purchase_usd IS NOT NULL ORDER BY date_observed NULLS FIRST, price_id", [gpu_id])
    if rows.empty:
        raise InputError("purchase_usd", f"no purchase price for {gpu_id} in data/prices.csv; give one")
    return float(rows["purchase_usd"].median()), len(rows)


def rent_vs_buy_median(gpu: str, cloud_usd_per_hour: float, *, purchase_usd: float | None = None, **kwargs) -> dict:
    """`rent_vs_buy_gpu` with the purchase price given or, when None, the *median* of the GPU's purchase rows
    (`median_purchase_usd`: one dealer's latest quote is a noisy single point). Adds `purchase_note`, a caption
    saying where the purchase price came from. Keyword arguments (pue, usd_per_kwh, hosting_usd_per_month,
    years, utilization, tdp_w) go to rent_vs_buy_gpu."""
    if purchase_usd is None:
        purchase_usd, count = median_purchase_usd(gpu)
        note = f"median of {count} purchase prices in the data"
    else:
        note = "given"
    own = rent_vs_buy_gpu(gpu, purchase_usd=purchase_usd, cloud_usd_per_hour=cloud_usd_per_hour, **kwargs)
    return own | {"purchase_note": f"{own['gpu']}: purchase ${own['purchase_usd']:,.0f} ({note})"}


#: readable labels of rent_vs_buy's numbers, in display order
RENT_VS_BUY_LABELS = {
    "owned_usd_per_hour": "owned: cost per busy hour (USD)",
    "cloud_usd_per_hour": "rented: price per hour (USD)",
    "capex_usd_per_month": "owned: purchase spread per month (USD)",
    "power_usd_per_month": "owned: power per month (USD)",
    "hosting_usd_per_month": "owned: hosting per month (USD)",
    "owned_usd_per_month": "owned: total per month (USD)",
    "cloud_usd_per_month": "rented: same busy hours per month (USD)",
    "busy_hours_per_month": "busy hours per month",
    "months_to_breakeven": "months until buying pays off",
}


def rent_vs_buy_table(own: dict) -> pd.DataFrame:
    """A `rent_vs_buy[_gpu]` result as a (quantity, value) table with readable labels (RENT_VS_BUY_LABELS);
    months_to_breakeven is inf when renting is always cheaper to run."""
    return pd.DataFrame([(label, float(own[key])) for key, label in RENT_VS_BUY_LABELS.items()],
                        columns=["quantity", "value"])


def price_spread(gpu: str, kind: str = "on-demand") -> tuple[float, float]:
    """(lowest, highest) latest `kind` price per GPU-hour of `gpu` across providers (view latest_prices)."""
    from gpuplan import data

    row = data.query("SELECT min(usd_per_gpu_hour) AS low, max(usd_per_gpu_hour) AS high FROM latest_prices "
                     "WHERE gpu_id = ? AND kind = ?", [data.resolve_gpu(gpu), kind]).iloc[0]
    if pd.isna(row["low"]):
        raise InputError("gpu", f"no {kind} price for {gpu} in data/prices.csv")
    return float(row["low"]), float(row["high"])


def decision_sensitivity(result: dict, hours_a: float, spread: float = 0.25) -> pd.DataFrame:
    """Tornado table around a `breakeven` result with ranges from the data where it has them: the speedup over the
    observed band, each price over the spread of latest on-demand prices across providers (`price_spread`;
    ±`spread` when a GPU has no price in the data), every other non-zero input ±`spread` (an assumption)."""
    table_ranges = {}
    for key, gpu in (("price_a", result["a"]), ("price_b", result["b"])):
        try:
            table_ranges[key] = price_spread(gpu)
        except InputError:
            pass
    observed = result["observed_speedup"]
    base = {"hours_a": hours_a, "speedup": observed["median"] if observed else result["breakeven_speedup"],
            **{k: result[k] for k in ("price_a", "price_b", "utilization_a", "utilization_b", "reruns_a", "reruns_b")}}
    ranges = default_ranges(base, spread) | table_ranges
    if observed:
        ranges["speedup"] = (observed["low"], observed["high"])
    return sensitivity(base, ranges)
