"""Running a grid: one seam, a ``concurrent.futures.Executor``, and the loop that records runs as they finish.

- Default: gpuplan.batch.local.LocalExecutor, worker processes forked from the batch, each with one warm kernel
  (gpuplan.batch.kernels); ``--jobs N`` of them. No Dask process and no Dask import.
- ``--scheduler ADDRESS`` (or ``DASK_SCHEDULER_ADDRESS``): ``distributed.Client(ADDRESS).get_executor()`` with
  warm kernels on the Dask workers (gpuplan.batch.cluster).

Either way :func:`run_batch` submits one :class:`~gpuplan.batch.kernels.RunTask` per run not yet recorded
``ok`` and, as each future completes, writes the executed notebook and the row (gpuplan.batch.results) in
this process. Nothing lost, nothing twice: a run id is a content hash, the table holds one row per run id, a
worker that dies mid-run has its run retried on another worker (then recorded as failed), and a rerun after
the batch itself was killed executes only the runs without an executed notebook.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import math
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from gpuplan.batch import kernels, results
from gpuplan.batch.grid import Grid, load_grid
from gpuplan.batch.local import LocalExecutor
from gpuplan.errors import InputError

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"


# ------------------------------------------------------------------------------------------ the batch


@dataclass
class BatchResult:
    """What a batch did: counts of runs and where the table is."""

    total: int
    skipped: int
    recovered: int
    ok: int
    failed: int
    out_dir: Path
    errors: dict[str, str] = field(default_factory=dict)  # run_id -> error of this call's failed runs

    @property
    def table(self) -> Path:
        return self.out_dir / "runs.duckdb"


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during a batch: the runs finished so far are recorded; `done` of `total`."""

    def __init__(self, done: int, total: int, out_dir: Path):
        self.done, self.total, self.out_dir = done, total, out_dir
        super().__init__(f"interrupted: {done} of {total} runs recorded in {out_dir}; run the same command again")


def default_jobs() -> int:
    """Worker processes by default: the CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@contextlib.contextmanager
def open_executor(scheduler: str | None, jobs: int, kernel_name: str) -> Iterator[cf.Executor]:
    """The executor of a batch: a Dask cluster's (`scheduler` given) or a LocalExecutor of `jobs` workers.
    An exception inside (Ctrl-C included) stops the runs in flight."""
    if scheduler is not None:
        from gpuplan.batch.cluster import cluster_executor  # noqa: PLC0415 (imports distributed: only for a cluster)

        with cluster_executor(scheduler, kernel_name) as executor:
            yield executor
        return
    executor = LocalExecutor(jobs, initializer=kernels.init_local_worker, initargs=(kernel_name,))
    try:
        yield executor
    except BaseException:
        executor.terminate()
        raise
    executor.shutdown(wait=True)


def _timeout(timeout_s: float | None) -> int | None:
    """--timeout in seconds -> whole seconds for nbclient (which takes an int), rounded up: 2.5 -> 3."""
    if timeout_s is None:
        return None
    if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) or not math.isfinite(timeout_s) \
            or timeout_s <= 0:  # fmt: skip
        raise InputError("--timeout", f"must be a number of seconds > 0 (got {timeout_s!r})")
    return math.ceil(timeout_s)


def _scheduler(scheduler: str | None, jobs: int | None) -> str | None:
    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if address is not None and jobs is not None:
        source = "--scheduler" if scheduler else f"${SCHEDULER_ENV}"
        raise InputError("--jobs", f"not used with a Dask scheduler ({source} {address}): the cluster's workers "
                                   "run the runs; start more workers instead")
    return address


def _resume(grid: Grid, out: Path, table: results.RunsTable) -> tuple[int, list[dict], list]:
    """(runs already ok, rows read back from finished notebooks that have none, runs still to do)."""
    skipped, found, todo = 0, [], []
    for run in grid.runs:
        done_row = table.rows.get(run.run_id)
        notebook_file = out / f"{run.run_id}.ipynb"
        if done_row is not None and done_row.get("status") == "ok" and notebook_file.exists():
            skipped += 1
        elif notebook_file.exists():  # finished, but the batch died before recording it
            found.append(results.record_from_notebook(nbformat.read(str(notebook_file), as_version=4), run.run_id,
                                                      notebook_file.name, version=grid.fingerprint))  # fmt: skip
        else:
            todo.append(run)
    return skipped, found, todo


def _inputs(grid: Grid) -> nbformat.NotebookNode:
    """The grid's notebook with outputs cleared: what travels with each run."""
    nb = nbformat.read(str(grid.notebook), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def _outcome(future: cf.Future, task: kernels.RunTask) -> dict:
    """A finished future's result; an exception (worker died every time, cancelled, ...) becomes a failed run."""
    try:
        return future.result()
    except BaseException as err:  # noqa: BLE001 - recorded as that run's error
        first = (str(err).strip().splitlines() or [""])[0]
        error = " ".join(f"{type(err).__name__}: {first}".split())
        nb = results.failed_notebook(task.notebook_path, task.parameters)
        row = results.record_from_notebook(nb, task.run_id, f"{task.run_id}.failed.ipynb", error, task.version)
        return {"row": row, "notebook": nbformat.writes(nb), "ok": False}


def run_batch(
    grid: Grid | str | Path,
    out_dir: str | Path | None = None,
    jobs: int | None = None,
    timeout_s: float | None = None,
    progress: bool = True,
    scheduler: str | None = None,
) -> BatchResult:
    """Run every run of `grid` not yet recorded ``ok`` in `out_dir` (default: ``_build/batch/<grid name>``).

    On a Dask cluster when `scheduler` (or $DASK_SCHEDULER_ADDRESS) names one, else on `jobs` local worker
    processes (default: the number of CPUs); each worker keeps one warm kernel. `timeout_s` limits each cell
    (rounded up to whole seconds; None: no limit). A failed run is recorded and the batch goes on. Ctrl-C
    stops the runs in flight and raises BatchInterrupted once the finished runs are recorded.
    """
    if not isinstance(grid, Grid):
        grid = load_grid(grid)
    address = _scheduler(scheduler, jobs)
    jobs = default_jobs() if jobs is None else jobs
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InputError("--jobs", f"must be a whole number >= 1 (got {jobs!r})")
    cell_timeout = _timeout(timeout_s)
    out = Path(out_dir) if out_dir is not None else Path("_build", "batch", grid.source.stem if grid.source else "grid")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError("--out", f"{out}: cannot create the folder ({err.strerror})") from None
    out = out.resolve()
    table = results.RunsTable(out)
    try:
        skipped, found, todo = _resume(grid, out, table)
        if found:
            table.put(found)
        result = BatchResult(len(grid.runs), skipped, len(found), 0, 0, out)
        if todo:
            _execute_all(grid, todo, address, min(jobs, len(todo)), cell_timeout, table, result, progress)
    finally:
        table.close()
    return result


def _execute_all(grid: Grid, todo: list, address: str | None, jobs: int, cell_timeout: int | None,
                 table: results.RunsTable, result: BatchResult, progress: bool) -> None:  # fmt: skip
    nb = _inputs(grid)
    tasks = [kernels.RunTask(r.run_id, nb, str(grid.notebook), r.parameters, cell_timeout, grid.fingerprint,
                             grid.kernel_name, str(grid.notebook.parent)) for r in todo]  # fmt: skip
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[failed]} failed"), TimeElapsedColumn(), TextColumn("ETA"),
               TimeRemainingColumn())  # fmt: skip
    # Ctrl-C only sets a flag, checked between results: a notebook or table write is never cut in half
    interrupted = threading.Event()
    previous = signal.getsignal(signal.SIGINT)
    catch = threading.current_thread() is threading.main_thread() and previous is not signal.SIG_IGN
    if catch:
        signal.signal(signal.SIGINT, lambda signum, frame: interrupted.set())
    try:
        with open_executor(address, jobs, grid.kernel_name) as executor, \
                Progress(*columns, console=Console(stderr=True), disable=not progress) as bar:  # fmt: skip
            bar_task = bar.add_task(grid.notebook.name, total=len(tasks), failed=0)
            futures = {executor.submit(kernels.execute_run, task): task for task in tasks}
            waiting = set(futures)

            def record(done: set[cf.Future]) -> None:
                for future in done:
                    outcome = _outcome(future, futures[future])
                    row = outcome["row"]
                    results.save_run(result.out_dir, row["run_id"], outcome["notebook"], outcome["ok"])
                    table.put([row])
                    if outcome["ok"]:
                        result.ok += 1
                    else:
                        result.failed += 1
                        result.errors[row["run_id"]] = row["error"]
                    bar.update(bar_task, advance=1, failed=result.failed)

            while waiting:
                if interrupted.is_set():  # keep what has finished, then stop the rest
                    record({f for f in waiting if f.done() and not f.cancelled()})
                    raise KeyboardInterrupt
                done, waiting = cf.wait(waiting, timeout=0.2, return_when=cf.FIRST_COMPLETED)
                record(done)
    except KeyboardInterrupt:
        table.flush()
        raise BatchInterrupted(result.skipped + result.recovered + result.ok + result.failed, result.total,
                               result.out_dir) from None  # fmt: skip
    finally:
        if catch:
            signal.signal(signal.SIGINT, previous)
