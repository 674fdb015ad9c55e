"""Vectorized sweeps: cost per job and break-even for every point of a large grid (10^4-10^6 scenarios).

A notebook per point is far too slow for a fine break-even heat map; this evaluates the same formulas —
gpuplan.cost.cost_per_job for GPU A (the baseline, e.g. the A100) and GPU B (e.g. the H100), and
gpuplan.breakeven.breakeven_speedup / breakeven_price_b — once, on numpy arrays over the cartesian product of
the axes (pandas.MultiIndex.from_product), and writes a `runs`-style table (run_id, status, inputs, results)
to ``OUT/runs.duckdb`` and ``OUT/runs.csv``. ``python -m gpuplan sweep GRID.yaml [--out DIR]``.

Grid file (see scenarios/sweep-example.yaml)::

    axes:
      hours_a: 8                                  # a single value
      speedup: [1.5, 2.0, 2.5, 3.0]               # a list
      price_a: {start: 1.0, stop: 2.5, num: 16}   # numpy.linspace (stop included)
      price_b: {start: 2.0, stop: 5.0, step: 0.25}  # start, start+step, ... up to stop (included)

Inputs (names of gpuplan.breakeven.cost_difference): hours_a (job hours on A at full utilization), speedup
(of B over A), price_a, price_b (USD per GPU-hour), and optionally gpus, utilization_a, utilization_b,
reruns_a, reruns_b (per 100 jobs), queue_hours_a, queue_hours_b, value_per_hour_usd.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from gpuplan.breakeven import (
    SENSITIVITY_DEFAULTS,
    SENSITIVITY_INPUTS,
    SENSITIVITY_REQUIRED,
    breakeven_price_b,
    breakeven_speedup,
)
from gpuplan.cost import cost_per_job
from gpuplan.errors import InputError
from gpuplan.params import read_yaml

INPUTS = SENSITIVITY_INPUTS  # the inputs of breakeven.cost_difference, required ones first
REQUIRED = SENSITIVITY_REQUIRED
DEFAULTS = SENSITIVITY_DEFAULTS
RESULTS = ["cost_per_job_usd_a", "cost_per_job_usd_b", "difference_usd", "cheaper", "breakeven_speedup",
           "breakeven_price_b"]  # fmt: skip
MAX_POINTS = 10_000_000  # 18 float64 columns × 10^7 rows ≈ 1.4 GB (+ temporaries): beyond that, split the grid


def axis_values(name: str, spec: Any) -> np.ndarray:
    """One axis: a number, a list of numbers, {start, stop, num} (linspace) or {start, stop, step}."""
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - {"start", "stop", "num", "step"})
        if unknown or not {"start", "stop"} <= set(spec) or ("num" in spec) == ("step" in spec):
            raise InputError(f"axes: {name}", "a range needs start, stop and exactly one of num or step")
        try:
            start, stop = float(spec["start"]), float(spec["stop"])
            if "num" in spec:
                num = int(spec["num"])
                if num < 1 or num != spec["num"]:
                    raise ValueError
            else:
                step = float(spec["step"])
                if not step > 0 or stop < start:
                    raise ValueError
                num = int((stop - start) / step + 0.5) + 1
            if not (np.isfinite(start) and np.isfinite(stop)):
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            raise InputError(f"axes: {name}",
                             f"bad range {spec!r} (finite start and stop; num: whole number >= 1; step > 0; "
                             "stop >= start)") from None
        if num > MAX_POINTS:
            raise InputError(f"axes: {name}", f"{num:,} values is more than {MAX_POINTS:,}")
        if "num" in spec:
            return np.linspace(start, stop, num)
        # half a step of slack so that stop itself is included despite floating-point steps
        return np.arange(start, stop + step / 2, step)
    values = spec if isinstance(spec, list) else [spec]
    if not values or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values):
        raise InputError(f"axes: {name}", f"must be a number, a list of numbers or a range (got {spec!r})")
    array = np.asarray(values, dtype=float)
    if not np.isfinite(array).all():
        raise InputError(f"axes: {name}", f"must be finite numbers (got {spec!r})")
    return array


def grid_frame(axes: dict[str, Any]) -> pd.DataFrame:
    """The cartesian product of the axes, one row per scenario (defaults filled in for missing inputs)."""
    if not isinstance(axes, dict) or not axes:
        raise InputError("axes", "must be a mapping of input name -> values")
    unknown = [n for n in axes if n not in INPUTS]
    if unknown:
        raise InputError(f"axes: {unknown[0]}", f"not a sweep input; allowed: {', '.join(INPUTS)}")
    missing = [n for n in REQUIRED if n not in axes]
    if missing:
        raise InputError(f"axes: {missing[0]}", f"required (inputs {', '.join(REQUIRED)} must be given)")
    values = {name: axis_values(name, spec) for name, spec in axes.items()}
    points = int(np.prod([len(v) for v in values.values()], dtype=float))
    if points > MAX_POINTS:
        raise InputError("axes", f"{points:,} scenarios is more than {MAX_POINTS:,}; split the grid")
    frame = pd.MultiIndex.from_product(list(values.values()), names=list(values)).to_frame(index=False)
    for name, default in DEFAULTS.items():
        if name not in frame:
            frame[name] = float(default)
    return frame[list(INPUTS)]


def evaluate(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the results (in place) to a frame of inputs, by gpuplan.cost / gpuplan.breakeven on whole columns.

    cost_per_job_usd_a/b: cost per finished job on A (hours_a) and on B (hours_a / speedup);
    difference_usd = B - A (negative: B is cheaper); cheaper: 'a', 'b' or 'tie';
    breakeven_speedup: B's speedup at which both cost the same; breakeven_price_b: B's price at which B ties
    with A at this speedup. Bad values raise InputError naming the input (e.g. utilization_b outside (0, 1]).
    """
    c = {name: frame[name].to_numpy(dtype=float) for name in INPUTS}
    pair = (c["utilization_a"], c["utilization_b"], c["reruns_a"], c["reruns_b"])
    price_tie = breakeven_price_b(c["price_a"], c["speedup"], *pair)  # checks speedup > 0 first
    speedup_tie = breakeven_speedup(c["price_a"], c["price_b"], *pair)
    common = dict(gpus=c["gpus"], value_per_hour_usd=c["value_per_hour_usd"])
    a = cost_per_job(runtime_hours=c["hours_a"], usd_per_gpu_hour=c["price_a"], utilization=c["utilization_a"],
                     reruns_per_100=c["reruns_a"], queue_hours=c["queue_hours_a"], **common).cost_per_job_usd
    b = cost_per_job(runtime_hours=c["hours_a"] / c["speedup"], usd_per_gpu_hour=c["price_b"],
                     utilization=c["utilization_b"], reruns_per_100=c["reruns_b"], queue_hours=c["queue_hours_b"],
                     **common).cost_per_job_usd  # fmt: skip
    difference = b - a
    out = frame  # columns added in place: no copy of a 10^6-row frame
    out["cost_per_job_usd_a"] = a
    out["cost_per_job_usd_b"] = b
    out["difference_usd"] = difference
    out["cheaper"] = np.select([difference < 0, difference > 0], ["b", "a"], default="tie")
    out["breakeven_speedup"] = speedup_tie
    out["breakeven_price_b"] = price_tie
    return out


def load_sweep(path: str | Path) -> dict[str, Any]:
    """The axes of a sweep grid file (InputError naming the file when it is missing or malformed)."""
    path = Path(path)
    spec = read_yaml(path, "grid")
    if not isinstance(spec, dict) or "axes" not in spec:
        raise InputError("axes", f"{path}: a sweep grid needs 'axes' (input name -> values)")
    unknown = sorted(set(spec) - {"axes", "description"})
    if unknown:
        raise InputError(unknown[0], f"{path}: unknown key; allowed: axes, description")
    return spec["axes"]


def sweep(axes: dict[str, Any]) -> pd.DataFrame:
    """Inputs and results for every scenario of the grid (see evaluate)."""
    return evaluate(grid_frame(axes))


def write(frame: pd.DataFrame, out_dir: str | Path, csv: bool = False) -> Path:
    """Write the runs-style table ``OUT/runs.duckdb`` (table `runs`), and ``OUT/runs.csv`` when `csv` (off by
    default: 10^6 scenarios make ~190 MB of CSV), each built in a temporary file and renamed.
    run_id = 12 hex digits of pandas.util.hash_pandas_object over the inputs (deterministic, vectorized);
    status is 'ok' for every row (bad inputs stop the sweep before anything is written)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    db, csv_path = out / "runs.duckdb", out / "runs.csv"
    tmp_db, tmp_csv = out / f".runs.duckdb.{os.getpid()}.tmp", out / f".runs.csv.{os.getpid()}.tmp"
    key = pd.util.hash_pandas_object(frame[list(INPUTS)], index=False).to_numpy()
    try:
        with duckdb.connect(str(tmp_db)) as con:
            con.execute("SET enable_progress_bar = false")
            con.register("sweep_frame", frame)
            con.register("sweep_key", pd.DataFrame({"key": key}))
            con.execute(  # positional join: row i of the key with row i of the frame
                "CREATE TABLE runs AS SELECT printf('%012x', key >> 16) AS run_id, 'ok' AS status, sweep_frame.*"
                " FROM sweep_key POSITIONAL JOIN sweep_frame"
            )
            if csv:
                con.table("runs").write_csv(str(tmp_csv), header=True)  # DuckDB's writer; no path in SQL
        os.replace(tmp_db, db)
        if csv:
            os.replace(tmp_csv, csv_path)
        else:  # a runs.csv of an earlier sweep into this folder would no longer match runs.duckdb
            csv_path.unlink(missing_ok=True)
    finally:
        for tmp in (tmp_db, tmp_csv, Path(f"{tmp_db}.wal")):
            tmp.unlink(missing_ok=True)
    return db


def run_sweep(grid: str | Path, out_dir: str | Path | None = None, csv: bool = False) -> dict[str, Any]:
    """Load, evaluate and write a sweep grid (default folder ``_build/sweep/<grid name>``).

    Returns dict(points, seconds, out_dir, share_b_cheaper)."""
    started = time.perf_counter()
    frame = sweep(load_sweep(grid))
    out = Path(out_dir) if out_dir is not None else Path("_build", "sweep", Path(grid).stem)
    write(frame, out, csv=csv)
    return {
        "points": len(frame),
        "seconds": round(time.perf_counter() - started, 3),
        "out_dir": str(out),
        "share_b_cheaper": float((frame["cheaper"] == "b").mean()),
    }
