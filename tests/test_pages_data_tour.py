"""gpuplan.pages.data_tour: the data tour's tables, checked against hand calculations and the CSVs read independently."""

from __future__ import annotations

import statistics

import pandas as pd
import pytest
from conftest import csv_rows

from gpuplan.pages import data_tour


def test_gpu_specs_and_the_h100_over_a100_ratios():
    specs = data_tour.gpu_specs(["h100-sxm5-80gb", "a100-sxm4-80gb"])
    assert list(specs["gpu_id"]) == ["a100-sxm4-80gb", "h100-sxm5-80gb"]  # by launch date: 2020 before 2022
    assert list(specs["gpu"]) == ["A100 80GB SXM4", "H100 80GB SXM5"]  # vendor prefix dropped
    # NVIDIA datasheets: 3,350 GB/s vs 2,039 GB/s; dense BF16 989.4 vs 312 TFLOPS
    assert data_tour.spec_ratio(specs, "memory_bandwidth_gbps", "h100-sxm5-80gb", "a100-sxm4-80gb") == pytest.approx(3350 / 2039)
    assert data_tour.spec_ratio(specs, "bf16_tflops_dense", "h100-sxm5-80gb", "a100-sxm4-80gb") == pytest.approx(989.4 / 312)
    assert len(data_tour.gpu_specs()) == len(csv_rows("gpus.csv"))  # None: every GPU


def test_throughput_long_drops_missing_precisions():
    specs = pd.DataFrame({"gpu": ["X", "Y"], "tf32_tflops_dense": [100.0, 200.0], "bf16_tflops_dense": [200.0, 400.0],
                          "fp8_tflops_dense": [None, 800.0]})
    long = data_tour.throughput_long(specs)
    assert len(long) == 5  # X has no FP8 figure
    assert set(long["precision"]) == {"TF32", "BF16", "FP8"}
    assert long.query("gpu == 'Y' and precision == 'FP8'")["tflops"].item() == 800.0


def test_prices_by_year_matches_the_csv():
    rows = [r for r in csv_rows("prices.csv") if r["gpu_id"] == "h100-sxm5-80gb" and r["kind"] == "on-demand"
            and r["date_observed"]]
    years = sorted({r["date_observed"][:4] for r in rows})
    by_year = data_tour.prices_by_year("h100-sxm5-80gb", "on-demand")
    assert [str(y) for y in by_year["year"]] == years
    first = [float(r["usd_per_gpu_hour"]) for r in rows if r["date_observed"].startswith(years[0])]
    assert by_year["observations"].iloc[0] == len(first)
    assert by_year["median"].iloc[0] == pytest.approx(statistics.median(first))
    assert by_year["low"].iloc[0] == min(first) and by_year["high"].iloc[0] == max(first)
    history = data_tour.price_history("on-demand", ["h100-sxm5-80gb"])
    assert len(history) == len(rows) and history["date_observed"].is_monotonic_increasing


def test_price_performance_is_price_over_dense_bf16_pflops():
    pp = data_tour.price_performance("on-demand", ["h100-sxm5-80gb"]).iloc[0]
    latest: dict[str, tuple[str, float]] = {}  # provider -> (date, price) of its latest dated on-demand price
    for r in csv_rows("prices.csv"):
        if r["gpu_id"] == "h100-sxm5-80gb" and r["kind"] == "on-demand" and r["usd_per_gpu_hour"]:
            if r["provider"] not in latest or r["date_observed"] > latest[r["provider"]][0]:
                latest[r["provider"]] = (r["date_observed"], float(r["usd_per_gpu_hour"]))
    assert pp["providers"] == len(latest)
    # $/dense PFLOP-hour = $/GPU-hour ÷ (989.4 TFLOPS / 1000) per provider; the median over providers
    assert pp["usd_per_dense_pflop_hour"] == pytest.approx(statistics.median(v / 0.9894 for _, v in latest.values()))
    assert pp["usd_per_tbps_hour"] > 0 and pp["gpu"] == "H100 80GB SXM5"
    long = data_tour.price_performance_long(pd.DataFrame({"gpu": ["X"], "usd_per_dense_pflop_hour": [2.0],
                                                     "usd_per_tbps_hour": [None]}))
    assert list(long["measure"]) == ["$ per dense BF16 PFLOP-hour"] and list(long["usd"]) == [2.0]


def test_speedup_summary_and_stats_by_hand():
    pairs = pd.DataFrame({"gpu": ["H100 80GB SXM5"] * 3 + ["H200 141GB SXM"], "suite": ["MLPerf Training"] * 4,
                          "speedup": [1.5, 2.0, 4.0, 3.0]})
    summary = data_tour.speedup_summary(pairs).set_index("gpu")
    assert summary.loc["H100 80GB SXM5", "comparisons"] == 3
    assert summary.loc["H100 80GB SXM5", ["low", "median", "high"]].tolist() == [1.5, 2.0, 4.0]
    assert data_tour.speedup_stats(pairs, "H100") == {"low": 1.5, "median": 2.0, "high": 4.0, "comparisons": 3}
    assert data_tour.speedup_stats(pairs, "B200")["median"] is None


def test_mlperf_speedups_keep_only_mlperf_against_the_baseline():
    pairs = data_tour.mlperf_speedups("a100-sxm4-80gb", ["a100-sxm4-80gb", "h100-sxm5-80gb"])
    assert set(pairs["gpu"]) == {"H100 80GB SXM5"}  # the baseline is not compared with itself
    assert pairs["suite"].str.startswith("MLPerf").all() and (pairs["speedup"] > 0).all()
