"""gpuplan.cost: cost per finished job. Expected values are the articles' worked numbers or hand calculations."""

import json

import numpy as np
import pandas as pd
import pytest

from gpuplan.cost import cost_per_job
from gpuplan.errors import InputError


def test_articles_worked_example_exact():
    # HappyHorse 2026-04 (seed claim 21): "if an A100 job takes 8 hours at $1.50 per hour, the total cost is $12.
    # If the same job on H100 takes 3 hours at $3.50 per hour, the total cost is $10.50."
    a100 = cost_per_job(runtime_hours=8, usd_per_gpu_hour=1.50)
    h100 = cost_per_job(runtime_hours=3, usd_per_gpu_hour=3.50)
    assert a100.cost_per_job_usd == 12.00
    assert h100.cost_per_job_usd == 10.50
    assert h100.cost_per_job_usd < a100.cost_per_job_usd
    # 24 h / 8 h = 3 jobs a day; 24 / 3 = 8
    assert a100.jobs_per_day == 3.0 and h100.jobs_per_day == 8.0


def test_utilization_reruns_queue_storage_by_hand():
    # 10 h × 4 GPUs × $2.00 / 0.8 = $100 compute; 5 reruns per 100 jobs: +5% = $5;
    # queue 2 h × $20/h = $40; storage $3 + egress $2 -> $150. GPUs held 10 / 0.8 × 1.05 = 13.125 h per job.
    c = cost_per_job(runtime_hours=10, usd_per_gpu_hour=2.0, gpus=4, utilization=0.8, reruns_per_100=5,
                     queue_hours=2, value_per_hour_usd=20, storage_usd=3, egress_usd=2)
    assert c.compute_usd == pytest.approx(100.0)
    assert c.rerun_usd == pytest.approx(5.0)
    assert c.queue_usd == pytest.approx(40.0)
    assert c.storage_usd == 3 and c.egress_usd == 2
    assert c.cost_per_job_usd == pytest.approx(150.0)
    assert c.wall_hours == pytest.approx(13.125)
    assert c.turnaround_hours == pytest.approx(15.125)
    assert c.jobs_per_day == pytest.approx(24 / 13.125)


def test_forty_percent_utilization_problem():
    # Lyceum 2026-02's "40% utilization problem": at u = 0.4 the 8 h × $1.50 job costs 12 / 0.4 = $30.
    assert cost_per_job(runtime_hours=8, usd_per_gpu_hour=1.5, utilization=0.4).cost_per_job_usd == pytest.approx(30.0)


def test_failures_with_checkpoints_by_hand():
    # 100 h on 8 GPUs at $2/h; 0.01 failures per job-hour -> 1 expected failure; checkpoint every 4 h loses 2 h
    # on average: 2 h × 8 × $2 = $32 on top of $1600.
    c = cost_per_job(runtime_hours=100, usd_per_gpu_hour=2.0, gpus=8,
                     failure_rate_per_hour=0.01, checkpoint_interval_hours=4)
    assert c.failure_usd == pytest.approx(32.0)
    assert c.cost_per_job_usd == pytest.approx(1632.0)
    assert c.wall_hours == pytest.approx(102.0)


def test_per_token_and_per_clip():
    # $12 for 2e9 tokens = $0.006 per million tokens; $10.50 for 42 clips = $0.25 per clip
    assert cost_per_job(runtime_hours=8, usd_per_gpu_hour=1.5, tokens=2e9).usd_per_million_tokens == pytest.approx(0.006)
    assert cost_per_job(runtime_hours=3, usd_per_gpu_hour=3.5, clips=42).usd_per_clip == pytest.approx(0.25)
    assert cost_per_job(runtime_hours=1, usd_per_gpu_hour=1).usd_per_clip is None


def test_vectorised_numpy_and_pandas():
    hours, price = np.array([8.0, 3.0]), np.array([1.5, 3.5])
    np.testing.assert_allclose(cost_per_job(runtime_hours=hours, usd_per_gpu_hour=price).cost_per_job_usd, [12.0, 10.5])
    s = cost_per_job(runtime_hours=pd.Series(hours, index=["a100", "h100"]),
                     usd_per_gpu_hour=pd.Series(price, index=["a100", "h100"]))
    assert isinstance(s.cost_per_job_usd, pd.Series)
    assert s.cost_per_job_usd["h100"] == 10.5
    frame = s.to_frame()
    assert list(frame["cost_per_job_usd"]) == [12.0, 10.5]


def test_scalar_result_is_json_ready():
    d = cost_per_job(runtime_hours=8, usd_per_gpu_hour=1.5).to_dict()
    assert json.loads(json.dumps(d))["cost_per_job_usd"] == 12.0


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(usd_per_gpu_hour=-1), "usd_per_gpu_hour"),
        (dict(utilization=0), "utilization"),
        (dict(utilization=1.2), "utilization"),
        (dict(reruns_per_100=-1), "reruns_per_100"),
        (dict(runtime_hours=float("nan")), "runtime_hours"),
        (dict(runtime_hours=float("inf")), "runtime_hours"),
        (dict(runtime_hours=0), "runtime_hours"),
        (dict(gpus=0), "gpus"),
        (dict(queue_hours=-2), "queue_hours"),
        (dict(failure_rate_per_hour=0.1), "failure_rate_per_hour"),
        (dict(usd_per_gpu_hour=np.array([1.0, -2.0])), "usd_per_gpu_hour"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    args = dict(runtime_hours=8, usd_per_gpu_hour=1.5) | kwargs
    with pytest.raises(InputError) as err:
        cost_per_job(**args)
    assert err.value.field == field
    assert "\n" not in str(err.value) and str(err.value).startswith(field)


def test_price_for_explicit_wins_else_the_market_median():
    from gpuplan import data
    from gpuplan.cost import price_for, price_info

    assert price_for("h100-sxm5-80gb", price=3.5) == 3.5
    info = price_info("H100 SXM")  # alias resolved; no provider: the market median (tests/test_prices.py checks it)
    assert info["source"] == "market" and info["low_usd"] <= info["usd_per_gpu_hour"] <= info["high_usd"]
    latest = data.latest_price("h100-sxm5-80gb", provider="lambda")["usd_per_gpu_hour"]
    assert price_for("h100-sxm5-80gb", provider="Lambda") == latest
    with pytest.raises(InputError, match="^price"):
        price_for("h100-sxm5-80gb", price=-1)
    with pytest.raises(InputError, match="^kind"):
        price_for("h100-sxm5-80gb", kind="purchase")
    with pytest.raises(InputError, match="^provider"):
        price_for("h100-sxm5-80gb", provider="no-such-cloud")


def test_validation_cases_zero_error():
    from gpuplan.cost import validation_cases

    table = validation_cases()
    assert list(table["reference"]) == [12.00, 10.50]  # the article's numbers
    assert list(table["error_pct"]) == [0.0, 0.0]
