"""Parameterized batch execution of a notebook: parallel (on this machine or a Dask cluster), resumable, one
results table. ``python -m gpuplan batch GRID.yaml [--jobs N | --scheduler ADDRESS]`` / ``gpuplan batch
report OUT``.

A *grid* (YAML) names a notebook and the parameter sets to run it with; every run executes the notebook with
papermill into ``OUT/<run-id>.ipynb`` and its headline results (``myst_nb.glue`` values) are collected, with
the parameters, status, duration and error, into the DuckDB table ``runs`` of ``OUT/runs.duckdb`` and
``OUT/runs.csv``.

The package, by concern:
- :mod:`gpuplan.batch.grid` — the grid file, run ids, parameter checks (gpuplan.params' notebook contract);
- :mod:`gpuplan.batch.execution` — the executor seam (the embedded one or a Dask cluster's) and
  :func:`run_batch`; :mod:`gpuplan.batch.local` — the embedded executor (``--jobs N``);
  :mod:`gpuplan.batch.kernels` — warm kernels and the task a worker runs;
  :mod:`gpuplan.batch.cluster` — the Dask client and worker plugin (imported only with a scheduler);
- :mod:`gpuplan.batch.results` — executed notebooks, the runs table, the report page.

Everything public is re-exported here: ``from gpuplan import batch; batch.run_batch(...)``.
"""

from gpuplan.batch.execution import BatchInterrupted, BatchResult, default_jobs, open_executor, run_batch
from gpuplan.batch.grid import (
    MAX_RUNS,
    RUN_ID_DIGITS,
    Grid,
    Run,
    load_grid,
    notebook_fingerprint,
    read_notebook,
    run_id,
    validate_parameters,
)
from gpuplan.batch.kernels import ENGINE_NAME, PLUGIN_NAME, RunTask, WarmKernel, execute_run
from gpuplan.batch.local import LocalExecutor, WorkerDied
from gpuplan.batch.results import (
    META_COLUMNS,
    RunsTable,
    chart_svg,
    glue_values,
    load_runs,
    record_from_notebook,
    report,
    report_chart,
    write_atomic,
)
from gpuplan.batch.results import (
    _scalar as _scalar,  # tests read glued reprs with it
)
from gpuplan.params import notebook_parameters, notebook_rules

__all__ = [
    "BatchInterrupted", "BatchResult", "ENGINE_NAME", "Grid", "LocalExecutor", "MAX_RUNS", "META_COLUMNS",
    "PLUGIN_NAME", "RUN_ID_DIGITS", "Run", "RunTask", "RunsTable", "WarmKernel", "WorkerDied", "chart_svg",
    "default_jobs", "execute_run", "glue_values", "load_grid", "load_runs", "notebook_fingerprint",
    "notebook_parameters", "notebook_rules", "open_executor", "read_notebook", "record_from_notebook", "report",
    "report_chart", "run_batch", "run_id", "validate_parameters", "write_atomic",
]  # fmt: skip
