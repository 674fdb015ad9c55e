"""gpuplan.breakeven. Expected values are hand calculations written here."""

import math

import numpy as np
import pytest

from gpuplan.breakeven import breakeven_price_b, breakeven_speedup, cost_difference, rent_vs_buy, sensitivity, verdict
from gpuplan.errors import InputError


def test_breakeven_speedup_is_price_ratio():
    # HappyHorse 2026-04 prices: $3.50 / $1.50 = 2.333…
    assert breakeven_speedup(1.50, 3.50) == pytest.approx(3.5 / 1.5)


def test_breakeven_speedup_adjusted_for_utilization_and_reruns():
    # A at 50% utilization pays 1.50/0.5 = $3.00 per useful hour; B at 100% pays $3.50 -> 3.5/3 = 1.1667
    assert breakeven_speedup(1.50, 3.50, utilization_a=0.5) == pytest.approx(3.5 / 3.0)
    # A reruns 10 per 100: 1.5 × 1.1 = 1.65; B 0.8 util + 4 reruns: 3.5 / 0.8 × 1.04 = 4.55 -> 4.55 / 1.65
    assert breakeven_speedup(1.50, 3.50, utilization_b=0.8, reruns_a=10, reruns_b=4) == pytest.approx(4.55 / 1.65)


def test_breakeven_price_b():
    # the 8 h -> 3 h job (speedup 8/3) ties when 3 h × p_B = $12  ->  p_B = $4.00
    assert breakeven_price_b(1.50, 8 / 3) == pytest.approx(4.00)
    # with B at 75% utilization: 3 / 0.75 × p_B = 12 -> p_B = $3.00
    assert breakeven_price_b(1.50, 8 / 3, utilization_b=0.75) == pytest.approx(3.00)


def test_vectorised():
    np.testing.assert_allclose(breakeven_speedup(np.array([1.5, 2.0]), 3.0), [2.0, 1.5])


def test_verdict_text():
    assert verdict(2.33, 2.5, 2.7, 3.2, "a100", "h100").startswith("h100 is cheaper per job across the whole observed band")
    assert verdict(2.33, 1.2, 1.5, 1.9, "a100", "h100").startswith("a100 is cheaper per job across the whole observed band")
    assert verdict(1.9, 1.5, 2.0, 3.2).startswith("depends: break-even 1.90x falls inside observed 1.50x-3.20x")
    assert verdict(2.0, None, None, None).startswith("no observed speedup")


def test_cost_difference_reproduces_article():
    # $10.50 − $12.00 = −$1.50: the H100 is cheaper per job
    assert cost_difference(hours_a=8, speedup=8 / 3, price_a=1.5, price_b=3.5) == pytest.approx(-1.5)
    # queue: A waits 10 h for the cheap GPU at $1/h of waiting -> A costs $22, B $10.50
    assert cost_difference(hours_a=8, speedup=8 / 3, price_a=1.5, price_b=3.5, queue_hours_a=10,
                           value_per_hour_usd=1) == pytest.approx(-11.5)


def test_rent_vs_buy_by_hand():
    # $30,000 GPU, 700 W, PUE 1.5, $0.10/kWh, $100/month hosting, 3 years, 50% busy, cloud $2.50/h.
    # busy hours/month = 8760/12 × 0.5 = 365; power = 0.7 kW × 1.5 × 0.10 × 365 = $38.325;
    # running cost = 138.325; cloud = 2.5 × 365 = 912.5; payback = 30000 / (912.5 − 138.325) = 38.7509 months
    # (> 36: renting wins over the 3-year life); capex 30000/36 = 833.333/month; owned per busy hour
    # (833.333 + 138.325) / 365 = 2.66208
    r = rent_vs_buy(30000, 700, 1.5, 0.10, 100, 3, 0.5, 2.5)
    assert r["busy_hours_per_month"] == pytest.approx(365.0)
    assert r["power_usd_per_month"] == pytest.approx(38.325)
    assert r["months_to_breakeven"] == pytest.approx(30000 / 774.175)
    assert r["owned_usd_per_hour"] == pytest.approx((30000 / 36 + 138.325) / 365)
    assert r["buy_is_cheaper"] is False
    # at full utilization: busy 730 h; power 76.65; running 176.65; cloud 1825; 30000 / 1648.35 = 18.2 months
    r = rent_vs_buy(30000, 700, 1.5, 0.10, 100, 3, 1.0, 2.5)
    assert r["months_to_breakeven"] == pytest.approx(30000 / 1648.35)
    assert r["buy_is_cheaper"] is True


def test_rent_vs_buy_never_pays_back():
    # cloud $0.10/h × 730 = $73/month < $100 hosting: owning never pays back
    assert math.isinf(rent_vs_buy(30000, 700, 1.5, 0.10, 100, 3, 1.0, 0.10)["months_to_breakeven"])


def test_sensitivity_tornado():
    base = dict(hours_a=8, speedup=8 / 3, price_a=1.5, price_b=3.5)
    t = sensitivity(base, {"speedup": (1.5, 3.2), "hours_a": (4, 12), "utilization_b": (0.4, 1.0)})
    rows = t.set_index("input")
    # speedup 1.5: 8/1.5 × 3.5 − 12 = 6.6667; 3.2: 2.5 × 3.5 − 12 = −3.25
    assert rows.loc["speedup", "difference_low_usd"] == pytest.approx(8 / 1.5 * 3.5 - 12)
    assert rows.loc["speedup", "difference_high_usd"] == pytest.approx(-3.25)
    assert bool(rows.loc["speedup", "flips"]) is True
    # hours 4 -> −0.75, 12 -> −2.25: H100 stays cheaper
    assert rows.loc["hours_a", "difference_low_usd"] == pytest.approx(-0.75)
    assert bool(rows.loc["hours_a", "flips"]) is False
    # B at 40% utilization: 3 / 0.4 × 3.5 − 12 = 14.25
    assert rows.loc["utilization_b", "difference_low_usd"] == pytest.approx(14.25)
    assert list(rows["base_difference_usd"]) == pytest.approx([-1.5] * 3)
    assert list(t["input"]) == ["utilization_b", "speedup", "hours_a"]  # sorted by swing 15.75 > 9.92 > 1.5


def test_bad_inputs():
    with pytest.raises(InputError, match="^price_a"):
        breakeven_speedup(-1, 3.5)
    with pytest.raises(InputError, match="^utilization_b"):
        breakeven_speedup(1.5, 3.5, utilization_b=1.5)
    with pytest.raises(InputError, match="^pue"):
        rent_vs_buy(30000, 700, 0.9, 0.10, 100, 3, 0.5, 2.5)
    with pytest.raises(InputError, match="^bogus"):
        sensitivity(dict(hours_a=8, speedup=2, price_a=1, price_b=2, bogus=1))
    with pytest.raises(InputError, match="^speedup"):
        sensitivity(dict(hours_a=8, price_a=1, price_b=2))


# ------------------------------------------------------------------------------- with the data tables
def test_breakeven_with_data_band_and_verdict():
    from gpuplan import runtime
    from gpuplan.breakeven import breakeven

    r = breakeven("A100 SXM4 80GB", "H100 SXM", price_a=1.5, price_b=3.5, task="training")
    assert (r["a"], r["b"]) == ("a100-sxm4-80gb", "h100-sxm5-80gb")
    assert r["breakeven_speedup"] == pytest.approx(3.5 / 1.5)
    # one MLPerf Training v3.0 pair read by hand from data/benchmarks.csv: BERT on 8 GPUs, fastest result per GPU,
    # A100 80GB 15.751975 min (benchmark 25) vs H100 SXM 5.349186 min (benchmark 62) -> 2.945x
    pair = 15.751975 / 5.349186
    band = r["observed_speedup"]
    assert band["low"] <= pair <= band["high"] and band["low"] < band["median"] < band["high"]
    assert r["observed_pairs"] >= 20  # training pairs of the two GPUs across rounds and workloads
    pairs = runtime.speedup_band("a100-sxm4-80gb", "h100-sxm5-80gb", task_type="training")["pairs"]
    bert = pairs[(pairs["workload"] == "bert") & (pairs["gpu_count"] == 8) & (pairs["round_a"] == "v3.0")
                 & (pairs["round_b"] == "v3.0")]
    assert bert["speedup"].tolist() == pytest.approx([pair])
    # the band straddles 2.33x (BERT alone is 2.95x, the low end is below 2): the answer depends on the workload
    assert band["low"] < 3.5 / 1.5 < band["high"]
    assert r["verdict"].startswith("depends: break-even 2.33x")
    # 'pretrain' is the benchmarks' 'training'
    assert breakeven("a100-sxm4-80gb", "h100-sxm5-80gb", 1.5, 3.5, task="pretrain")["observed_speedup"] == r["observed_speedup"]


def test_breakeven_default_prices_are_market_medians_of_both_gpus(market_by_hand):
    from gpuplan.breakeven import breakeven

    r = breakeven("a100-sxm4-80gb", "h100-sxm5-80gb")
    assert r["price_a_source"]["source"] == r["price_b_source"]["source"] == "market"
    assert r["price_a"] == pytest.approx(market_by_hand("a100-sxm4-80gb")[0])
    assert r["price_b"] == pytest.approx(market_by_hand("h100-sxm5-80gb")[0])
    assert r["breakeven_speedup"] == pytest.approx(r["price_b"] / r["price_a"])
    named = breakeven("a100-sxm4-80gb", "h100-sxm5-80gb", provider="RunPod Secure Cloud")
    assert named["price_a_source"]["provider"] == named["price_b_source"]["provider"] == "RunPod Secure Cloud"


def test_breakeven_ambiguous_gpu():
    from gpuplan.breakeven import breakeven

    with pytest.raises(InputError, match="ambiguous"):
        breakeven("a100-sxm4-80gb", "h100", 1.5, 3.5)


def test_rent_vs_buy_gpu_takes_missing_inputs_from_data():
    from gpuplan import data
    from gpuplan.breakeven import rent_vs_buy_gpu

    r = rent_vs_buy_gpu("H100 SXM", cloud_usd_per_hour=2.5, utilization=0.5, hosting_usd_per_month=100)
    purchase = data.latest_price("h100-sxm5-80gb", kind="purchase")["purchase_usd"]
    tdp = data.gpu("h100-sxm5-80gb")["tdp_w"]
    assert (r["purchase_usd"], r["tdp_w"]) == (purchase, tdp)
    # same hand formula as above: purchase / (2.5 × 365 − (tdp/1000 × 1.5 × 0.10 × 365 + 100))
    assert r["months_to_breakeven"] == pytest.approx(purchase / (912.5 - (tdp / 1000 * 1.5 * 0.10 * 365 + 100)))
    with pytest.raises(InputError, match="^purchase_usd"):
        rent_vs_buy_gpu("l40s-48gb")  # no purchase row in the data


def test_verdict_sensitivity_by_hand():
    from gpuplan.breakeven import verdict_sensitivity

    result = {"observed_speedup": {"low": 1.5, "median": 2.0, "high": 3.2}, "breakeven_speedup": 3.5 / 1.5,
              "price_a": 1.5, "price_b": 3.5, "utilization_a": 1.0, "utilization_b": 1.0, "reruns_a": 0, "reruns_b": 0}
    t = verdict_sensitivity(result).set_index("input")
    # per A-hour at the median 2.0x: 3.5 / 2 − 1.5 = +0.25 (A cheaper)
    assert t["base_difference_usd"].iloc[0] == pytest.approx(0.25)
    # speedup over the band: 3.5/1.5 − 1.5 = 0.8333; 3.5/3.2 − 1.5 = −0.40625 -> flips
    ends = (t.loc["speedup", "difference_low_usd"], t.loc["speedup", "difference_high_usd"])
    assert ends == pytest.approx((3.5 / 1.5 - 1.5, -0.40625))
    assert bool(t.loc["speedup", "flips"])
    # price_b −25%: 2.625 / 2 − 1.5 = −0.1875 -> flips; utilization_a 0.75: 1.75 − 2.0 = −0.25 -> flips
    assert t.loc["price_b", "difference_low_usd"] == pytest.approx(-0.1875) and bool(t.loc["price_b", "flips"])
    assert t.loc["utilization_a", "difference_low_usd"] == pytest.approx(-0.25)
    assert (t.loc["utilization_b", "low"], t.loc["utilization_b", "high"]) == (0.75, 1.0)  # capped at 1
    assert t.loc["utilization_b", "difference_low_usd"] == pytest.approx(3.5 / 2 / 0.75 - 1.5)
    assert "reruns_a" not in t.index  # zero inputs have no ±25% range
