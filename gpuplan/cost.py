"""Cost per completed job: the articles' break-even worksheet, made exact.

Source of the worksheet: HappyHorse, "H100 vs A100 for AI Video Generation" (2026-04, section "How to estimate
your own break-even point"): runtime on each GPU × hourly price, adjusted for utilization, reruns per 100 jobs
and queue delay before execution. Its worked example (A100 8 h × $1.50 = $12.00; H100 3 h × $3.50 = $10.50) is
reproduced exactly by `cost_per_job` (seed claim 21; see tests/test_cost.py).

The formula is written once and works on Python floats, numpy arrays and pandas Series alike (broadcasting),
so the sweep runner and the charts call the same code as the command line.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from gpuplan import prices
from gpuplan.errors import InputError
from gpuplan.validators import PLAUSIBLE, check_finite_result, check_range

HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class CostBreakdown:
    """The parts of the cost of one finished job (USD) and what follows from them.

    Each field is a float for scalar inputs, or an array/Series of the broadcast shape for array inputs.
    `wall_hours` is the time the GPUs are held per finished job (reruns and lost work included, queue not);
    `turnaround_hours` adds the queue wait; `jobs_per_day` is 24 / wall_hours for the GPUs held.
    """

    compute_usd: Any
    rerun_usd: Any
    failure_usd: Any
    queue_usd: Any
    storage_usd: Any
    egress_usd: Any
    cost_per_job_usd: Any
    wall_hours: Any
    turnaround_hours: Any
    jobs_per_day: Any
    usd_per_million_tokens: Any
    usd_per_clip: Any

    def to_dict(self) -> dict[str, Any]:
        """Field name -> value (floats stay floats, None stays None): ready for JSON or a DataFrame row."""
        return asdict(self)

    def to_frame(self) -> pd.DataFrame:
        """One row per element of the broadcast inputs (one row for scalar inputs)."""
        values = {k: (np.nan if v is None else v) for k, v in self.to_dict().items()}
        if all(np.ndim(v) == 0 for v in values.values()):
            return pd.DataFrame([values])
        return pd.DataFrame(values)


def scalar_or_array(x: Any) -> Any:
    """A 0-d result as a Python float (JSON-friendly); arrays and Series unchanged."""
    return float(x) if np.ndim(x) == 0 else x


def usd_per_useful_gpu_hour(usd_per_gpu_hour: Any, utilization: Any, reruns_per_100: Any) -> Any:
    """The one cost rule: what an hour of *useful* GPU time costs, price / utilization × (1 + reruns/100).
    cost_per_job's compute + reruns equal runtime_hours × gpus × this rate; breakeven compares the two GPUs'
    rates; charts.cost_expression is this function evaluated on Vega expression terms. Written with plain
    arithmetic only, so it works on floats, arrays, Series and :class:`gpuplan.charts.VegaTerm` alike."""
    return usd_per_gpu_hour / utilization * (1.0 + reruns_per_100 / 100.0)


def cost_per_job(
    *,
    runtime_hours: Any,
    usd_per_gpu_hour: Any,
    gpus: Any = 1,
    utilization: Any = 1.0,
    reruns_per_100: Any = 0,
    failure_rate_per_hour: Any = None,
    checkpoint_interval_hours: Any = None,
    queue_hours: Any = 0,
    value_per_hour_usd: Any = 0,
    storage_usd: Any = 0,
    egress_usd: Any = 0,
    tokens: Any = None,
    clips: Any = None,
) -> CostBreakdown:
    """Cost of one *finished* job, with its parts.

    - compute = runtime_hours × gpus × usd_per_gpu_hour / utilization. `runtime_hours` is the job's runtime
      at full utilization; at utilization u the GPUs are held runtime/u hours (the worksheet's "average GPU
      utilization during the job"; the "40% utilization problem" of Lyceum 2026-02 is u = 0.4).
    - reruns = compute × reruns_per_100 / 100: failed attempts that are rerun from scratch (worksheet's
      "reruns or failed attempts per 100 jobs").
    - failures (optional, additive to reruns: it models a different loss — crashes with checkpoint restart):
      with `failure_rate_per_hour` λ (failures per wall-clock hour of the whole job, i.e. N × the per-GPU
      rate for N GPUs) and checkpoint interval c, each failure loses on average c/2 hours of work (first-order
      model of Young 1974, "A first order approximation to the optimum checkpoint interval", CACM 17(9)).
      Expected failures = λ × runtime/u, so lost hours = λ × runtime/u × c/2, billed at gpus × price.
      Restart time and the cost of writing checkpoints are not modelled.
    - queue = queue_hours × value_per_hour_usd: the worksheet's "queue delay before execution" priced at
      the value of an hour of waiting (the articles' "value of faster delivery").
    - storage_usd and egress_usd are added as given (per job).

    cost_per_job_usd is their sum; usd_per_million_tokens = cost / tokens × 1e6 and usd_per_clip = cost / clips
    when tokens / clips (per job) are given. All arguments broadcast (floats, numpy arrays, pandas Series).
    Bad values raise InputError naming the argument.
    """
    check_range("usd_per_gpu_hour", usd_per_gpu_hour, high=PLAUSIBLE["usd_per_gpu_hour"])
    check_range("runtime_hours", runtime_hours, low_open=True, high=PLAUSIBLE["hours"])
    check_range("gpus", gpus, low_open=True, high=PLAUSIBLE["gpus"])
    check_range("utilization", utilization, low_open=True, high=1.0)
    check_range("reruns_per_100", reruns_per_100, high=PLAUSIBLE["per_100"])
    check_range("queue_hours", queue_hours, high=PLAUSIBLE["hours"])
    check_range("value_per_hour_usd", value_per_hour_usd, high=PLAUSIBLE["usd"])
    check_range("storage_usd", storage_usd, high=PLAUSIBLE["usd"])
    check_range("egress_usd", egress_usd, high=PLAUSIBLE["usd"])
    if (failure_rate_per_hour is None) != (checkpoint_interval_hours is None):
        raise InputError("failure_rate_per_hour", "give it together with checkpoint_interval_hours (or neither)")
    if failure_rate_per_hour is None:
        failure_rate_per_hour, checkpoint_interval_hours = 0.0, 0.0
    check_range("failure_rate_per_hour", failure_rate_per_hour, high=PLAUSIBLE["hours"])
    check_range("checkpoint_interval_hours", checkpoint_interval_hours, high=PLAUSIBLE["hours"])
    if tokens is not None:
        check_range("tokens", tokens, low_open=True, high=PLAUSIBLE["tokens"])
    if clips is not None:
        check_range("clips", clips, low_open=True, high=PLAUSIBLE["tokens"])

    held_hours = runtime_hours / utilization
    gpu_usd_per_hour = gpus * usd_per_gpu_hour
    compute = held_hours * gpu_usd_per_hour
    rerun = compute * reruns_per_100 / 100.0
    lost_hours = failure_rate_per_hour * held_hours * checkpoint_interval_hours / 2.0
    failure = lost_hours * gpu_usd_per_hour
    queue = queue_hours * value_per_hour_usd
    total = compute + rerun + failure + queue + storage_usd + egress_usd
    wall = held_hours * (1.0 + reruns_per_100 / 100.0) + lost_hours
    check_finite_result("runtime_hours", total)
    jobs_per_day = HOURS_PER_DAY / wall  # wall > 0: runtime > 0 and utilization > 0 are enforced above
    return CostBreakdown(
        compute_usd=scalar_or_array(compute),
        rerun_usd=scalar_or_array(rerun),
        failure_usd=scalar_or_array(failure),
        queue_usd=scalar_or_array(queue),
        storage_usd=scalar_or_array(storage_usd),
        egress_usd=scalar_or_array(egress_usd),
        cost_per_job_usd=scalar_or_array(total),
        wall_hours=scalar_or_array(wall),
        turnaround_hours=scalar_or_array(wall + queue_hours),
        jobs_per_day=scalar_or_array(jobs_per_day),
        usd_per_million_tokens=None if tokens is None else scalar_or_array(total / tokens * 1e6),
        usd_per_clip=None if clips is None else scalar_or_array(total / clips),
    )


def price_info(gpu: str, price: float | None = None, provider: str | None = None, kind: str = "on-demand",
               catalog: str | None = None) -> dict:
    """The hourly price to use for `gpu`, with where it came from: gpuplan.prices.resolve (the one price
    resolver: given > catalog > provider's latest > market median, each with its ``basis``)."""
    if kind == "purchase":
        raise InputError("kind", "purchase prices are not hourly: use on-demand, spot or reserved (or rent_vs_buy)")
    return prices.resolve(gpu, price, provider=provider, kind=kind, catalog=catalog)


def price_for(gpu: str, price: float | None = None, provider: str | None = None, kind: str = "on-demand") -> float:
    """USD per GPU-hour for `gpu` (see price_info)."""
    return float(price_info(gpu, price=price, provider=provider, kind=kind)["usd_per_gpu_hour"])


def validation_cases() -> pd.DataFrame:
    """cost_per_job against the articles' worked numbers: case, source, reference, model, unit, error_pct."""
    source = "HappyHorse, 'H100 vs A100 for AI Video Generation' (2026-04), seed claim 21"
    cases = [("A100 job: 8 h × $1.50/h", 12.00, cost_per_job(runtime_hours=8, usd_per_gpu_hour=1.50)),
             ("H100 job: 3 h × $3.50/h", 10.50, cost_per_job(runtime_hours=3, usd_per_gpu_hour=3.50))]  # fmt: skip
    return pd.DataFrame(
        [{"case": case, "source": source, "reference": ref, "model": c.cost_per_job_usd, "unit": "USD",
          "error_pct": (c.cost_per_job_usd - ref) / ref * 100} for case, ref, c in cases]  # fmt: skip
    )
