"""Library functions behind the thin notebooks 04 (break-even tables) and 05 (scaling tables).

Expected values are hand calculations written here or read independently from data/*.csv with the csv
module, never the functions' own output.
"""

from __future__ import annotations

import math
import statistics

import pandas as pd
import pytest
from conftest import csv_price_rows

from gpuplan import breakeven, data, scaling
from gpuplan.errors import InputError
from gpuplan.pages import breakeven as breakeven_page
from gpuplan.pages import scaling as scaling_page

A100, H100 = "a100-sxm4-80gb", "h100-sxm5-80gb"


def rows(gpu_id: str, kind: str) -> list[dict]:
    return [r for r in csv_price_rows(kind) if r["gpu_id"] == gpu_id]


def csv_latest_per_provider(gpu_id: str, kind: str = "on-demand") -> dict[str, tuple[str, int, float]]:
    """provider -> (date, price_id, $/GPU-hour) of its newest row, read from data/prices.csv directly (ISO dates
    compare as text; a dated row beats an undated one; ties go to the higher price_id)."""
    latest: dict[str, tuple[str, int, float]] = {}
    for r in rows(gpu_id, kind):
        key = (r["date_observed"] or "", int(r["price_id"]), float(r["usd_per_gpu_hour"]))
        if r["provider"] not in latest or key[:2] > latest[r["provider"]][:2]:
            latest[r["provider"]] = key
    return latest


def csv_price_spread(gpu_id: str) -> tuple[float, float]:
    values = [price for _, _, price in csv_latest_per_provider(gpu_id).values()]
    return min(values), max(values)


# ------------------------------------------------------------------------------------ 04 break-even
@pytest.fixture(scope="module")
def result():
    return breakeven.breakeven(A100, H100, 2.0, 5.0)


def test_summary_table_and_headline_at_given_prices(result):
    # $5.00 / $2.00 = 2.5: the challenger must be 2.5x as fast (cost per job = hours x price)
    table = breakeven_page.summary_table(result, "p1", "p2").set_index("")["value"]
    assert table["break-even speedup (×)"] == "2.50"
    # given prices carry no date; the rows name the GPUs, not the parameters
    assert table["price of the A100 80GB SXM4 ($/GPU-hour, source and date)"] == "2.00 [p1]"
    assert table["price of the H100 80GB SXM5 ($/GPU-hour, source and date)"] == "5.00 [p2]"
    assert table["challenger"] == "H100 80GB SXM5 (h100-sxm5-80gb)"
    head = breakeven_page.headline(result)
    assert head["breakeven_speedup"] == pytest.approx(2.5) and head["usd_per_gpu_hour_h100"] == 5.0
    low, median, high = (head[f"observed_speedup_{k}"] for k in ("low", "median", "high"))
    assert low <= median <= high
    # B's tying price at the median speedup: 2.00 x median
    assert head["breakeven_price_h100_usd_per_hour"] == pytest.approx(2.0 * median)
    assert isinstance(head["breakeven_verdict"], str)


def test_headline_without_benchmark_pairs_is_nan():
    fake = {"breakeven_speedup": 2.0, "price_b": 4.0, "observed_speedup": None, "breakeven_price_b": None,
            "verdict": "no data"}
    head = breakeven_page.headline(fake)
    assert math.isnan(head["observed_speedup_median"]) and math.isnan(head["breakeven_price_h100_usd_per_hour"])
    assert head["breakeven_speedup"] == 2.0


def test_plane_points_labels():
    pairs = pd.DataFrame({"suite": ["MLPerf Training"], "workload": ["bert"], "gpu_count": [8],
                          "benchmark_id_a": [3], "benchmark_id_b": [7]})
    out = breakeven_page.plane_points(pairs)
    assert out.loc[0, "comparison"] == "MLPerf Training · bert · 8 GPU"
    assert out.loc[0, "source_id"] == "benchmark 3 vs 7"


def test_rent_vs_buy_median_hand_calculation():
    # $30,000 over 3 years = 833.33/month; busy 730 h x 0.5 = 365 h; power 0.7 kW x 1.5 x $0.10 x 365 h = 38.325
    own = breakeven_page.rent_vs_buy_median(H100, 3.0, purchase_usd=30000.0, tdp_w=700.0, pue=1.5, usd_per_kwh=0.10,
                                       hosting_usd_per_month=0.0, years=3.0, utilization=0.5)
    capex, power = 30000 / 36, 0.7 * 1.5 * 0.10 * 365
    assert own["owned_usd_per_hour"] == pytest.approx((capex + power) / 365)
    assert own["months_to_breakeven"] == pytest.approx(30000 / (3.0 * 365 - power))
    assert own["purchase_note"] == "h100-sxm5-80gb: purchase $30,000 (given)"
    table = breakeven_page.rent_vs_buy_table(own).set_index("quantity")["value"]
    assert table["months until buying pays off"] == pytest.approx(30000 / (1095 - power))
    assert table["busy hours per month"] == pytest.approx(365)
    assert len(table) == len(breakeven_page.RENT_VS_BUY_LABELS)


def test_median_purchase_price_from_the_csv():
    purchases = [float(r["purchase_usd"]) for r in rows(H100, "purchase") if r["purchase_usd"]]
    assert purchases, "the data has H100 purchase prices"
    usd, count = breakeven_page.median_purchase_usd(H100)
    assert usd == pytest.approx(statistics.median(purchases)) and count == len(purchases)
    own = breakeven_page.rent_vs_buy_median(H100, 3.0, tdp_w=700.0)
    assert own["purchase_usd"] == pytest.approx(statistics.median(purchases))
    assert f"median of {len(purchases)} purchase prices" in own["purchase_note"]


def test_median_purchase_price_missing_is_one_line():
    with pytest.raises(InputError, match=r"^purchase_usd: no purchase price for .* give one$"):
        breakeven_page.median_purchase_usd(_gpu_without_purchase())


def _gpu_without_purchase() -> str:
    bought = {r["gpu_id"] for r in csv_price_rows("purchase")}
    return next(g for g in data.gpus()["gpu_id"] if g not in bought)


def test_price_spread_is_min_and_max_of_latest_provider_prices():
    assert breakeven_page.price_spread(H100) == pytest.approx(csv_price_spread(H100))


def test_decision_sensitivity_uses_observed_band_and_price_spread(result):
    tornado = breakeven_page.decision_sensitivity(result, 8.0).set_index("input")
    band = result["observed_speedup"]
    assert (tornado.loc["speedup", "low"], tornado.loc["speedup", "high"]) == pytest.approx((band["low"], band["high"]))
    assert (tornado.loc["price_b", "low"], tornado.loc["price_b", "high"]) == pytest.approx(csv_price_spread(H100))
    assert (tornado.loc["hours_a", "low"], tornado.loc["hours_a", "high"]) == pytest.approx((6.0, 10.0))  # 8 h ±25%
    assert "reruns_a" not in tornado.index  # zero inputs have no range
    # at the base: B costs 8/speedup x 5 - 8 x 2 per job
    assert tornado["base_difference_usd"].iloc[0] == pytest.approx(8 / band["median"] * 5 - 16)


# ------------------------------------------------------------------------------------ 05 scaling
def test_setup_labels():
    assert scaling_page.setup_label(H100) == "H100 80GB SXM5 · NVLink 900 GB/s"
    assert scaling_page.setup_label("a100-pcie-80gb") == "A100 80GB PCIe · PCIe Gen4"


def test_curves_include_the_quoted_count_and_at_count():
    curves = scaling_page.curves(7e9, 1e11, [A100, H100], gpu_count=48)
    assert set(curves["gpu_count"]) == set(scaling.DEFAULT_COUNTS) | {48}
    assert len(curves) == 2 * (len(scaling.DEFAULT_COUNTS) + 1)
    one = curves[(curves["gpu_count"] == 1)]
    assert one["efficiency"].tolist() == pytest.approx([1.0, 1.0])  # one GPU is linear by definition
    at = scaling_page.at_count(curves, 48)
    assert list(at.columns) == list(scaling_page.AT_COUNT_COLUMNS.values()) and len(at) == 2
    head = scaling_page.headline(curves, 48)
    assert head["gpu_count"] == 48
    assert head["hours_to_train_h100"] < head["hours_to_train_a100"]
    with pytest.raises(InputError, match="^gpu_count: 3 is not among"):
        scaling_page.at_count(curves, 3)


def test_loading_case_hand_calculation():
    # 2000 samples/s x 500 kB = 1e9 B/s = 0.9313 GiB/s per A100; an H100 at 2x needs twice that
    table = scaling_page.loading_case(2000.0, 5e5, 2.0).set_index(["gpu", "gpus"])
    per_a100 = 2000 * 5e5 / 2**30
    assert table.loc[("A100", 1), "needed (GiB/s)"] == pytest.approx(per_a100)
    assert table.loc[("A100", 1), "GPU time fed"] == 1.0  # 1.7 GiB/s > 0.93 needed
    assert table.loc[("A100", 4), "GPU time fed"] == pytest.approx(0.2 / (4 * per_a100))
    assert table.loc[("H100", 4), "GPU time fed"] == pytest.approx(2.2 / (4 * 2 * per_a100))
    assert bool(table.loc[("H100", 4), "input-bound"]) and not bool(table.loc[("A100", 1), "input-bound"])


def test_mlperf_long_form():
    comparison = pd.DataFrame({"round": ["v3.0"], "model": ["GPT-3 175B"], "gpu_id": [H100], "n": [1536],
                               "observed_ratio": [0.55], "predicted_ratio": [0.6], "ideal_ratio": [0.5]})
    long = scaling_page.mlperf_long(comparison).set_index("series")["time_ratio"]
    assert long.to_dict() == {"observed": 0.55, "predicted": 0.6, "ideal": 0.5}


def test_hourly_prices_given_wins_else_data(market_by_hand):
    prices = scaling_page.hourly_prices([A100, H100], {H100: ("h100_usd_per_hour", 4.0)}, provider=None)
    assert prices[H100] == 4.0
    assert prices[A100] == pytest.approx(market_by_hand(A100)[0])  # the market median, worked out from the CSV
    with pytest.raises(InputError, match="^h100_usd_per_hour: must be >= 0"):
        scaling_page.hourly_prices([H100], {H100: ("h100_usd_per_hour", -1.0)})


def test_frontier_table_has_setup_labels():
    front = scaling_page.frontier_table(7e9, 1e10, {A100: 2.0, H100: 5.0}, counts=[1, 8])
    assert set(front["setup"]) == {scaling_page.setup_label(A100), scaling_page.setup_label(H100)}
    price = {A100: 2.0, H100: 5.0}
    assert len(front) == 4
    for row in front.itertuples():  # cost = GPUs x wall hours x $/GPU-hour, for 1 and 8 GPUs
        assert row.cost_usd == pytest.approx(row.n * row.hours * price[row.gpu_id])
