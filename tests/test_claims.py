"""gpuplan.claims: the thirty claims as data and their verdicts (expected values are hand calculations)."""

from __future__ import annotations

import pandas as pd
import pytest

from gpuplan import claims
from gpuplan.errors import InputError

A100, H100 = "a100-sxm4-80gb", "h100-sxm5-80gb"


@pytest.fixture(scope="module")
def table():
    return claims.check_all(A100, H100, 2.0, 5.0, source_a="p1", source_b="p2").set_index("#")


def test_thirty_claims_as_data():
    numbers = [c.number for c in claims.CLAIMS]
    assert numbers == list(range(1, 31))  # seed-claims.md numbers them 1-30
    assert {c.article for c in claims.CLAIMS} <= {"W", "V", "D", "F"}
    assert {c.section for c in claims.CLAIMS} == set(claims.SECTIONS)
    assert all(len(c.text) <= 120 for c in claims.CLAIMS)  # brief paraphrases, not copied prose


#: the verdict vocabulary, exactly (a new or misspelled verdict fails)
VERDICTS = {"supported", "supported (at peak)", "supported (lower bound: UNet only)", "supported (rounding)",
            "supported (the PCIe part)", "not supported", "depends on the workload", "depends on the speedup",
            "depends on the source", "depends on the prices", "depends on the scale", "depends on the parallelism",
            "depends on the model size and cluster", claims.NOT_CHECKABLE}


def test_every_claim_gets_a_verdict_from_the_vocabulary(table):
    assert len(table) == 30
    assert set(table["verdict"]) <= VERDICTS, sorted(set(table["verdict"]) - VERDICTS)
    # at these prices the checks reach every kind of answer (a check that always said one thing would fail)
    assert {"supported", "not supported", "depends on the speedup", claims.NOT_CHECKABLE} <= set(table["verdict"])
    assert table["evidence"].str.len().min() > 10


@pytest.mark.parametrize(("band", "expected"), [
    ({"n": 5, "low": 1.4, "median": 1.8, "high": 2.6}, "supported"),  # median 1.8 in [1.5, 2]
    ({"n": 5, "low": 1.9, "median": 2.4, "high": 3.0}, "depends on the workload"),  # overlaps at 1.9-2.0
    ({"n": 5, "low": 2.5, "median": 3.0, "high": 4.0}, "not supported"),  # entirely above 2
    ({"n": 0, "low": None, "median": None, "high": None}, claims.NOT_CHECKABLE),
])
def test_range_verdict(band, expected):
    assert claims.range_verdict(band, 1.5, 2.0) == expected


def test_worked_examples_reproduced(table):
    assert "$12.00 vs $10.50" in table.loc[21, "evidence"]  # 8 h x $1.50, 3 h x $3.50
    assert table.loc[21, "verdict"] == "supported"
    assert "40 / 2 = 20 h, 40 / 3 = 13.3 h" in table.loc[5, "evidence"]
    assert "2.5× its full-utilization cost" in table.loc[24, "evidence"]  # 1 / 0.4


@pytest.mark.parametrize(("price_b", "verdict"), [
    (3.0, "supported"),  # break-even 3 / 2 = 1.5x <= 2x
    (5.0, "depends on the speedup"),  # 2.5x, inside 2-3x
    (8.0, "not supported"),  # 4x > 3x
])
def test_claim_23_follows_the_breakeven_speedup(price_b, verdict):
    ctx = claims.Context(A100, H100, 2.0, price_b)
    assert claims.lower_or_equal(ctx)[0] == verdict
    assert f"{price_b / 2.0:.2f}×" in claims.lower_or_equal(ctx)[1]


def test_spec_claims(table):
    assert table.loc[17, "verdict"] == "supported"  # NVLink 4 900 / NVLink 3 600 GB/s = 1.5 (NVIDIA datasheets)
    assert "900 vs 600 GB/s = 1.50×" in table.loc[17, "evidence"]
    assert "Gen5 63.0 vs Gen4 31.5 GB/s" in table.loc[17, "evidence"]  # 32 GT/s x 16 x 128/130 / 8
    assert table.loc[28, "verdict"] == "supported (the PCIe part)"


def test_claim_14_uses_the_stable_diffusion_parameter_counts(table):
    # UNet 860M and 2.6B (models table): fp16 weights 2 bytes/param + CUDA context 0.92 GiB
    context_gb = 0.92 * 2**30 / 1e9
    assert table.loc[14, "verdict"].startswith("supported")
    assert f"{0.86 * 2 + context_gb:.1f} GB (SD 1.5)" in table.loc[14, "evidence"]
    assert f"{2.6 * 2 + context_gb:.1f} GB (SDXL)" in table.loc[14, "evidence"]
    assert f"AdamW {0.86 * 18:.1f} GB and {2.6 * 18:.1f} GB" in table.loc[14, "evidence"]  # 2 + 4 + 12 bytes/param


def test_claim_14_without_a_model_is_not_checkable():
    ctx = claims.Context(A100, H100, 2.0, 5.0)
    verdict, evidence = claims.stable_diffusion_sizes(ctx, models=("sd-0.9-missing", "sdxl"))
    assert verdict == claims.NOT_CHECKABLE and "sd-0.9-missing" in evidence


def test_cost_claims_use_the_given_prices(table):
    assert "$2.00 vs $5.00 per GPU-hour [p1, p2]" in table.loc[22, "evidence"]
    assert "price ratio 2.50" in table.loc[22, "evidence"]


def test_counts_and_sections():
    fake = pd.DataFrame({"section": ["Speed"] * 5, "kind": ["x"] * 5, "#": range(1, 6),
                         "verdict": ["supported", "supported (at peak)", "depends on the scale", "not supported",
                                     claims.NOT_CHECKABLE]})
    assert claims.counts(fake) == {"claims_total": 5, "claims_supported": 2, "claims_depends": 1,
                                   "claims_not_supported": 1, "claims_not_checkable": 1}
    assert list(claims.section(fake, "Speed").columns) == ["#", "verdict"]
    with pytest.raises(InputError, match="^section: unknown section"):
        claims.section(fake, "Speedz")
