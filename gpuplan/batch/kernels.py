"""Warm kernels: one started Jupyter kernel per worker, reused run after run, and the task a worker runs.

A cold papermill run pays a kernel start and the notebook's imports (about a second) before any work; a
worker here keeps ONE started kernel for all its runs. Papermill still does the parameter injection, the
metadata and the error handling (``papermill.execute_notebook``), through a registered papermill engine
(``gpuplan-warm``) that hands nbclient the worker's running kernel instead of starting one. Between runs the
kernel's namespace is cleared with IPython's ``%reset -f`` (modules stay in ``sys.modules``, so re-imports
are dictionary look-ups) and the working directory is restored. Module-level state that a notebook mutates
(e.g. pandas options) is *not* reset; the book's notebooks set none.

Where the kernel lives:
- embedded executor (gpuplan.batch.local.LocalExecutor): :func:`init_local_worker` starts it when the
  worker process starts; a SIGTERM or the death of the batch process kills it.
- Dask workers: the worker plugin gpuplan.batch.cluster.WarmKernels keeps one kernel per worker thread (one
  per worker with ``--nthreads 1``), warms it up when the plugin is registered and kills it in ``teardown``
  (the worker closing). A kernel whose worker is SIGKILLed exits by itself: ipykernel polls its parent process.

:func:`execute_run` is the task: it runs one :class:`RunTask` and returns the executed notebook (text) and its
`runs` row to the batch, which writes both (workers never write results, so a cluster needs no shared disk).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing.util
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.exceptions import PapermillExecutionError
from papermill.log import logger as papermill_logger

from gpuplan.batch.results import failed_notebook, record_from_notebook

ENGINE_NAME = "gpuplan-warm"
PLUGIN_NAME = "gpuplan-warm-kernels"
START_TIMEOUT_S = 60
_RESET_CODE = ("%reset -f\nimport os as _os\nif _os.path.isdir({cwd!r}):\n    _os.chdir({cwd!r})\ndel _os\n"
               "get_ipython().execution_count = 1")


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs for one run (picklable; the notebook travels with it, so a worker on another
    machine needs gpuplan installed but not the grid's files)."""

    run_id: str
    notebook: nbformat.NotebookNode  # the notebook's cells, outputs cleared
    notebook_path: str  # where the batch read it (recorded in the row)
    parameters: dict[str, Any]
    timeout_s: int | None  # per cell; None: no limit
    version: str  # the notebook's fingerprint
    kernel_name: str = "python3"
    cwd: str = "."  # the notebook's folder (the kernel changes there if it exists on the worker)


class WarmKernel:
    """One started kernel, driven synchronously (jupyter_core's run_sync, as nbclient does) by one thread."""

    def __init__(self) -> None:
        self.km: AsyncKernelManager | None = None
        self.kc = None
        self.kernel_name: str | None = None
        self.pid: int | None = None
        self.nb: nbformat.NotebookNode | None = None  # the notebook in flight (kept when papermill raises)

    def start(self, kernel_name: str) -> None:
        """Start the kernel with the async manager/client nbclient itself uses (its cell timeouts and output
        polling rely on them)."""
        km = AsyncKernelManager(kernel_name=kernel_name)
        # in-memory history, as nbclient does: parallel kernels must not contend for one sqlite history file;
        # stderr: ipykernel's start-up warnings would scribble over the progress bar (outputs come via iopub)
        run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"], stderr=subprocess.DEVNULL)
        self.km, self.kc, self.kernel_name = km, km.client(), kernel_name
        self.pid = km.provisioner.pid if km.provisioner is not None else None
        try:
            self.kc.start_channels()
            run_sync(self.kc.wait_for_ready)(timeout=START_TIMEOUT_S)
        except BaseException:
            self.stop()  # never leave a half-started kernel behind
            raise
        self.kc.allow_stdin = False

    def ensure(self, kernel_name: str) -> None:
        """A live kernel of `kernel_name`: the running one, or a fresh one if it died or is another kernel."""
        if self.km is None or self.kernel_name != kernel_name or not run_sync(self.km.is_alive)():
            self.stop()
            self.start(kernel_name)

    def stop(self) -> None:
        """Shut the kernel down (from the thread that drives it)."""
        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
        if self.km is not None:
            with contextlib.suppress(Exception):
                run_sync(self.km.shutdown_kernel)(now=True)
        self.km = self.kc = self.pid = None

    def kill(self) -> None:
        """Kill the kernel's process: safe from any thread and from a signal handler (no jupyter_client call)."""
        if self.pid:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
        self.pid = None

    def run(self, task: RunTask) -> tuple[nbformat.NotebookNode | None, str | None]:
        """Execute `task` with papermill in this kernel: (executed notebook, None) or (notebook so far, error)."""
        self.nb = None
        error = None
        try:
            nb = papermill.execute_notebook(
                task.notebook, None, parameters=task.parameters, engine_name=ENGINE_NAME,
                kernel_name=task.kernel_name, progress_bar=False, execution_timeout=task.timeout_s,
                warm_kernel=self, run_cwd=task.cwd, input_label=task.notebook_path,
            )  # fmt: skip
        except PapermillExecutionError as err:
            nb, error = self.nb, " ".join(f"{err.ename}: {err.evalue}".split())
        except Exception as err:  # timeout, dead kernel, ...: record it, start a fresh kernel for the next run
            first_line = (str(err).strip().splitlines() or [""])[0]
            nb, error = self.nb, " ".join(f"{type(err).__name__}: {first_line}".split())
            self.stop()
        return nb, error


class WarmKernelEngine(NBClientEngine):
    """papermill engine that runs the notebook in an already started kernel (``warm_kernel=``)."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, start_timeout=START_TIMEOUT_S,
                                 execution_timeout=None, warm_kernel: WarmKernel | None = None, run_cwd=".",
                                 input_label="", **kwargs):  # fmt: skip
        kernel = warm_kernel
        kernel.nb = nb_man.nb
        nb_man.nb.metadata.papermill["input_path"] = input_label  # the file, not the NotebookNode it came as
        kernel.ensure(kernel_name)
        reply = run_sync(kernel.kc.execute_interactive)(
            _RESET_CODE.format(cwd=run_cwd), store_history=False, timeout=60, output_hook=lambda msg: None
        )
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"kernel reset failed: {reply['content'].get('evalue')}")
        client = PapermillNotebookClient(
            nb_man, km=kernel.km, kernel_name=kernel_name, timeout=execution_timeout,
            startup_timeout=start_timeout, log=papermill_logger, log_output=log_output,
        )  # fmt: skip
        client.kc = kernel.kc
        return client.execute()


papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
# papermill warns "Passed unknown parameter" for names its regex cannot read; errors go to the runs table
logging.getLogger("papermill").setLevel(logging.CRITICAL)


def execute_run(task: RunTask) -> dict[str, Any]:
    """The task a worker runs: `task` in this worker's warm kernel. Returns ``{"row": runs row, "notebook":
    executed notebook as text, "ok": bool}``; a failing notebook is a failed row, not an exception."""
    kernel = _kernel_here()
    started = time.perf_counter()
    nb, error = kernel.run(task)
    if nb is None:  # failed before papermill had a notebook: keep at least the parameters
        nb = failed_notebook(task.notebook_path, task.parameters)
    name = f"{task.run_id}.ipynb" if error is None else f"{task.run_id}.failed.ipynb"
    row = record_from_notebook(nb, task.run_id, name, error, task.version)
    if row["duration_seconds"] is None:
        row["duration_seconds"] = time.perf_counter() - started
    return {"row": row, "notebook": nbformat.writes(nb), "ok": error is None}


# ------------------------------------------------------------------------ embedded executor's workers

_LOCAL = WarmKernel()


def _kill_local_and_exit(signum=None, frame=None) -> None:  # pragma: no cover - runs in a dying worker
    # no jupyter_client calls here: they can deadlock when the handler interrupts them
    _LOCAL.kill()
    os._exit(1)


def init_local_worker(kernel_name: str) -> None:
    """Initializer of an embedded-executor worker process: SIGTERM (the batch stopping it, or its own process
    dying: see LocalExecutor) kills the kernel; the kernel starts now, so workers warm up in parallel. If the
    start fails, the first run retries it and records the error."""
    signal.signal(signal.SIGTERM, _kill_local_and_exit)
    multiprocessing.util.Finalize(None, _LOCAL.stop, exitpriority=10)
    with contextlib.suppress(Exception):
        _LOCAL.start(kernel_name)


def _kernel_here() -> WarmKernel:
    """The kernel of the worker this runs on: the Dask plugin's (on a Dask worker) or the process's own."""
    if "distributed" in sys.modules:  # only a Dask worker (or a client) has imported it
        from distributed import get_worker  # noqa: PLC0415 (loaded already on a Dask worker; never imported here)

        try:
            worker = get_worker()
        except ValueError:  # not inside a Dask task
            return _LOCAL
        from gpuplan.batch.cluster import WarmKernels  # noqa: PLC0415 (cluster.py imports distributed and this module)

        plugin = worker.plugins.get(PLUGIN_NAME)
        if not isinstance(plugin, WarmKernels):  # a worker that joined without the plugin: give it one
            plugin = worker.plugins[PLUGIN_NAME] = WarmKernels()
        return plugin.kernel()
    return _LOCAL
