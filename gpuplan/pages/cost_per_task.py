"""Tables of notebook 03 (cost per task): the same :func:`gpuplan.cost.cost_per_job` on whole columns — one row per
GPU, the job at the ends of an observed speedup band, and the job on every GPU with a price and enough benchmark
pairs (the rows of :func:`gpuplan.charts.cost_per_task`). ``cost.<name>`` still reaches every name here."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gpuplan import data, runtime
from gpuplan.cost import cost_per_job
from gpuplan.errors import InputError
from gpuplan.params import price_or_latest

#: column -> header with its unit, and header -> number format, for showing cost tables to a reader
LABELS = {"gpu": "GPU", "price_source": "price source", "usd_per_gpu_hour": "$/GPU-hour", "runtime_hours": "runtime (h)",
          "speedup": "speedup (×)", "compute_usd": "compute ($)", "rerun_usd": "reruns ($)", "queue_usd": "waiting ($)",
          "cost_per_job_usd": "cost per job ($)", "wall_hours": "GPU hours held (h)",
          "turnaround_hours": "turnaround (h)", "jobs_per_day": "jobs per day"}
FORMATS = {"$/GPU-hour": "${:.2f}", "runtime (h)": "{:.2f}", "speedup (×)": "{:.2f}", "compute ($)": "${:.2f}",
           "reruns ($)": "${:.2f}", "waiting ($)": "${:.2f}", "cost per job ($)": "${:.2f}",
           "GPU hours held (h)": "{:.2f}", "turnaround (h)": "{:.2f}", "jobs per day": "{:.2f}"}


def cost_table(*, gpu: list[str], usd_per_gpu_hour: list[float], runtime_hours: list[float],
               queue_hours: Any = 0, price_source: list[str] | None = None, **options: Any) -> pd.DataFrame:
    """One row per GPU: gpu, usd_per_gpu_hour, price_source (when given), runtime_hours and the
    :class:`CostBreakdown` columns of :func:`cost_per_job` called once on the columns (``options``: gpus,
    utilization, reruns_per_100, value_per_hour_usd, ...)."""
    frame = pd.DataFrame({"gpu": gpu, "usd_per_gpu_hour": usd_per_gpu_hour, "runtime_hours": runtime_hours,
                          "queue_hours": np.broadcast_to(queue_hours, len(gpu)).astype(float)})
    if price_source is not None:
        frame.insert(2, "price_source", price_source)
    costs = cost_per_job(runtime_hours=frame["runtime_hours"], usd_per_gpu_hour=frame["usd_per_gpu_hour"],
                         queue_hours=frame["queue_hours"], **options).to_frame()
    return pd.concat([frame.drop(columns="queue_hours"), costs], axis=1)


def band_costs(band: dict, *, runtime_hours_a: float, usd_per_gpu_hour: float, **options: Any) -> pd.DataFrame:
    """The job on GPU B at the low, median and high end of an observed speedup band
    (gpuplan.runtime.speedup_band): end, speedup, runtime_hours (= runtime_hours_a ÷ speedup) and the
    cost_per_job columns. Ends without a value (no matched benchmark) are dropped."""
    ends = [(end, band.get(end)) for end in ("low", "median", "high")]
    ends = [(end, float(s)) for end, s in ends if s is not None]
    frame = cost_table(gpu=[end for end, _ in ends], usd_per_gpu_hour=[usd_per_gpu_hour] * len(ends),
                       runtime_hours=[runtime_hours_a / s for _, s in ends], **options)
    return frame.rename(columns={"gpu": "end"}).assign(speedup=[s for _, s in ends])


def cost_on_every_gpu(gpu_a: str, *, runtime_hours_a: float, provider: str | None = None, catalog: str | None = None,
                      task_type: str | None = None, min_comparisons: int = 3, gpus_per_job: int = 1,
                      queue_hours: float = 0.0, value_per_hour_usd: float = 0.0,
                      known: dict[str, dict] | None = None) -> pd.DataFrame:
    """The job on every GPU in the data that has a price and a speedup over ``gpu_a`` resting on at least
    ``min_comparisons`` matched benchmark results — the rows of :func:`gpuplan.charts.cost_per_task`.

    Runtime on a GPU = ``runtime_hours_a`` ÷ the median of runtime.speedup_band(gpu_a, gpu) (``gpu_a`` itself:
    speedup 1). Price: the latest on-demand price of ``provider``, else the market median over providers
    (gpuplan.params.price_or_latest with any_provider); GPUs with none are left out. ``known`` maps gpu_id ->
    ``{"runtime_hours", "price": price dict, "queue_hours"}`` for GPUs whose runtime or price the caller fixed
    (the chosen pair: a measured runtime or an explicit price wins over the data). Columns: gpu, gpu_id,
    runtime_hours, gpu_count, usd_per_gpu_hour, source_id, speedup, comparisons, extra_usd (queue hours ×
    value_per_hour_usd: the cost of waiting, which does not scale with GPU time), in the data's GPU order.
    """
    known = known or {}
    rows = []
    for gid, name in data.gpus()[["gpu_id", "name"]].itertuples(index=False):
        band = runtime.speedup_band(gpu_a, gid, task_type=task_type) if gid != gpu_a else {"median": 1.0, "n": 0}
        fixed = known.get(gid, {})
        if band["median"] is None or (gid != gpu_a and band["n"] < min_comparisons and "runtime_hours" not in fixed):
            continue
        try:
            price = fixed.get("price") or price_or_latest("price", None, gid, provider=provider, any_provider=True,
                                                                catalog=catalog)
        except InputError:
            continue  # no price for this GPU in the data
        hours = fixed.get("runtime_hours", runtime_hours_a / float(band["median"]))
        rows.append({"gpu": data.short_name(name), "gpu_id": gid, "runtime_hours": hours,
                     "gpu_count": gpus_per_job, "usd_per_gpu_hour": price["usd_per_gpu_hour"],
                     "source_id": price["source_id"], "speedup": runtime_hours_a / hours, "comparisons": band["n"],
                     "extra_usd": fixed.get("queue_hours", queue_hours) * value_per_hour_usd})
    return pd.DataFrame(rows)
