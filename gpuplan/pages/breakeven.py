"""Tables of notebook 04 (break-even): the summary of a break-even result for a reader, its glued headline numbers,
the benchmark pairs labelled for the break-even plane, rent vs buy with the median purchase price, and the
decision's sensitivity with price ranges from the data. Built on :mod:`gpuplan.breakeven`; ``breakeven.<name>``
still reaches every name here."""

from __future__ import annotations

from typing import Any

import pandas as pd

from gpuplan import data
from gpuplan.breakeven import DEFAULT_SPREAD, default_ranges, rent_vs_buy_gpu, sensitivity
from gpuplan.errors import InputError


def short_name(gpu_id: str) -> str:
    """The GPU's table name without the vendor prefix ("NVIDIA H100 80GB SXM5" -> "H100 80GB SXM5")."""
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

    name_a, name_b = short_name(result["a"]), short_name(result["b"])

    def dated(price: float, info: dict, source: str) -> str:
        when = info.get("date_observed")
        return f"{price:.2f} [{source}{', ' + str(when)[:10] if when else ''}]"

    rows = [("baseline", f"{name_a} ({result['a']})"),
            ("challenger", f"{name_b} ({result['b']})"),
            (f"price of the {name_a} ($/GPU-hour, source and date)",
             dated(result["price_a"], result["price_a_source"], source_a)),
            (f"price of the {name_b} ($/GPU-hour, source and date)",
             dated(result["price_b"], result["price_b_source"], source_b)),
            ("break-even speedup (×)", num(result["breakeven_speedup"])),
            ("observed speedup (median ×)", num(observed.get("median"))),
            (f"the {name_b}'s break-even price ($/GPU-hour)", num(result["breakeven_price_b"])),
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
    row = data.query("SELECT min(usd_per_gpu_hour) AS low, max(usd_per_gpu_hour) AS high FROM latest_prices "
                     "WHERE gpu_id = ? AND kind = ?", [data.resolve_gpu(gpu), kind]).iloc[0]
    if pd.isna(row["low"]):
        raise InputError("gpu", f"no {kind} price for {gpu} in data/prices.csv")
    return float(row["low"]), float(row["high"])


def decision_sensitivity(result: dict, hours_a: float, spread: float = DEFAULT_SPREAD) -> pd.DataFrame:
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
