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

from gpuplan import assumptions, data, runtime
from gpuplan.cost import cost_per_job, price_info, scalar_or_array, usd_per_useful_gpu_hour
from gpuplan.errors import InputError
from gpuplan.speedup import workload_speedup
from gpuplan.validators import PLAUSIBLE, check_range

#: an average month, 8760 h a year / 12 = 730 h (gpuplan.assumptions 'hours_per_month')
HOURS_PER_MONTH = assumptions.value("hours_per_month")
#: Assumption: data-centre PUE. Uptime Institute's annual Global Data Center Surveys report industry-average
#: PUE between about 1.55 and 1.59 for 2020-2023; 1.5 is a round figure for a reasonably efficient facility.
DEFAULT_PUE = assumptions.value("pue")
#: Assumption, not a sourced price: electricity at $0.10/kWh. Give your own tariff.
DEFAULT_USD_PER_KWH = assumptions.value("usd_per_kwh")
#: Assumption: hardware amortized over 3 years (a common straight-line depreciation period for servers).
DEFAULT_YEARS = assumptions.value("amortization_years")
#: Assumption: no hosting/colocation cost unless given.
DEFAULT_HOSTING_USD_PER_MONTH = assumptions.value("hosting_usd_per_month")
#: Assumption: ± this share around a base input when the data gives no range (tornado charts).
DEFAULT_SPREAD = assumptions.value("sensitivity_spread")


_rate = usd_per_useful_gpu_hour  # the one cost rule (gpuplan.cost)


def _validate_pair(price_a, price_b, utilization_a, utilization_b, reruns_a, reruns_b) -> None:
    check_range("price_a", price_a, low_open=True, high=PLAUSIBLE["usd_per_gpu_hour"])
    check_range("price_b", price_b, low_open=True, high=PLAUSIBLE["usd_per_gpu_hour"])
    check_range("utilization_a", utilization_a, low_open=True, high=1.0)
    check_range("utilization_b", utilization_b, low_open=True, high=1.0)
    check_range("reruns_a", reruns_a, high=PLAUSIBLE["per_100"])
    check_range("reruns_b", reruns_b, high=PLAUSIBLE["per_100"])


def breakeven_speedup(
    price_a: Any, price_b: Any, utilization_a: Any = 1.0, utilization_b: Any = 1.0, reruns_a: Any = 0, reruns_b: Any = 0
) -> Any:
    """Speedup of B over A at which their costs per finished job are equal (s* in the module docstring).

    Prices in USD per GPU-hour, utilization in (0, 1], reruns per 100 jobs. Same GPU count on both sides.
    """
    _validate_pair(price_a, price_b, utilization_a, utilization_b, reruns_a, reruns_b)
    return scalar_or_array(_rate(price_b, utilization_b, reruns_b) / _rate(price_a, utilization_a, reruns_a))


def breakeven_price_b(
    price_a: Any, speedup: Any, utilization_a: Any = 1.0, utilization_b: Any = 1.0, reruns_a: Any = 0, reruns_b: Any = 0
) -> Any:
    """Hourly price of B (USD per GPU-hour) at which B ties with A, given B's speedup over A.

    Solves s* = speedup for p_B: p_B = speedup × p_A / u_A × (1 + r_A/100) × u_B / (1 + r_B/100).
    E.g. A100 at $1.50 and a 8 h → 3 h job (2.67×): the H100 ties at $4.00/h.
    """
    _validate_pair(price_a, 1.0, utilization_a, utilization_b, reruns_a, reruns_b)
    check_range("speedup", speedup, low_open=True, high=1e6)
    return scalar_or_array(speedup * _rate(price_a, utilization_a, reruns_a) * utilization_b / (1.0 + reruns_b / 100.0))


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
    check_range("purchase_usd", purchase_usd, high=1e7)
    check_range("tdp_w", tdp_w, high=1e5)
    check_range("pue", pue, low=1.0, high=5.0)  # PUE 1 = no overhead; 5 is far past any data centre
    check_range("usd_per_kwh", usd_per_kwh, high=10.0)
    check_range("hosting_usd_per_month", hosting_usd_per_month, high=PLAUSIBLE["usd"])
    check_range("years", years, low_open=True, high=100.0)
    check_range("utilization", utilization, low_open=True, high=1.0)
    check_range("cloud_usd_per_hour", cloud_usd_per_hour, high=PLAUSIBLE["usd_per_gpu_hour"])
    busy_hours = HOURS_PER_MONTH * utilization
    capex = purchase_usd / (12.0 * years)
    power = tdp_w / 1000.0 * pue * usd_per_kwh * busy_hours
    opex = power + hosting_usd_per_month
    cloud = cloud_usd_per_hour * busy_hours
    saving = cloud - opex
    with np.errstate(divide="ignore", invalid="ignore"):
        months = np.where(np.asarray(saving) > 0, purchase_usd / np.where(np.asarray(saving) > 0, saving, 1.0), np.inf)
    return {
        "owned_usd_per_hour": scalar_or_array((capex + opex) / busy_hours),
        "cloud_usd_per_hour": scalar_or_array(cloud_usd_per_hour * 1.0),
        "capex_usd_per_month": scalar_or_array(capex),
        "power_usd_per_month": scalar_or_array(power),
        "hosting_usd_per_month": scalar_or_array(hosting_usd_per_month * 1.0),
        "owned_usd_per_month": scalar_or_array(capex + opex),
        "cloud_usd_per_month": scalar_or_array(cloud),
        "busy_hours_per_month": scalar_or_array(busy_hours),
        "months_to_breakeven": scalar_or_array(months),
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
    check_range("speedup", speedup, low_open=True, high=1e6)
    a = cost_per_job(runtime_hours=hours_a, usd_per_gpu_hour=price_a, gpus=gpus, utilization=utilization_a,
                     reruns_per_100=reruns_a, queue_hours=queue_hours_a, value_per_hour_usd=value_per_hour_usd)  # fmt: skip
    b = cost_per_job(runtime_hours=hours_a / speedup, usd_per_gpu_hour=price_b, gpus=gpus, utilization=utilization_b,
                     reruns_per_100=reruns_b, queue_hours=queue_hours_b, value_per_hour_usd=value_per_hour_usd)  # fmt: skip
    return scalar_or_array(b.cost_per_job_usd - a.cost_per_job_usd)


def default_ranges(base: dict, spread: float = DEFAULT_SPREAD) -> dict[str, tuple[float, float]]:
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
    hosting_usd_per_month: float = DEFAULT_HOSTING_USD_PER_MONTH,
    years: float = DEFAULT_YEARS,
    utilization: float = 1.0,
) -> dict:
    """rent_vs_buy for one GPU of the table: what is not given comes from the data — the purchase price from the
    latest `purchase` row of `prices`, the cloud rate from the latest `kind` price (of `provider` if named), the
    power from `gpus.tdp_w`. Returns rent_vs_buy's dict plus gpu, tdp_w, purchase_source and cloud_source."""
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


def verdict_sensitivity(result: dict, hours_a: float = 1.0, spread: float = DEFAULT_SPREAD) -> pd.DataFrame:
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
