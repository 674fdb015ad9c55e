"""Batches on a Dask cluster: ``gpuplan batch GRID.yaml --scheduler tcp://HOST:8786`` (or DASK_SCHEDULER_ADDRESS).

The batch connects a ``distributed.Client`` to the scheduler, registers the :class:`WarmKernels` worker plugin
(one warm kernel per worker thread, see gpuplan.batch.kernels) and submits its runs to
``Client.get_executor()``, a ``concurrent.futures.Executor``: the same code path as the embedded executor.
A worker killed mid-run (SIGKILL, OOM killer, a lost machine) is noticed by the scheduler and its run is
rescheduled on another worker (Dask's ``distributed.scheduler.allowed-failures``, 3 by default; after that
the run's future raises KilledWorker and the batch records it as failed). The client writes every result.

Imported only when a scheduler is named: the default path needs no Dask process and no Dask import.
Workers need gpuplan installed (the notebook itself travels with each run).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import Executor

from distributed import Client, WorkerPlugin

from gpuplan.batch.kernels import PLUGIN_NAME, WarmKernel
from gpuplan.errors import InputError

#: how long the batch waits for a scheduler to answer before it gives up with one line
SCHEDULER_TIMEOUT_S = 10


class WarmKernels(WorkerPlugin):
    """Dask worker plugin: one warm kernel per worker thread, started when the plugin is set up, killed in
    teardown (the worker closing). Idempotent: registering it again (the next batch) keeps the kernels."""

    idempotent = True
    name = PLUGIN_NAME

    def __init__(self, kernel_name: str = "python3") -> None:
        self.kernel_name = kernel_name
        self.kernels: dict[int, WarmKernel] = {}
        self.lock = threading.Lock()

    def __getstate__(self) -> dict:
        return {"kernel_name": self.kernel_name}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["kernel_name"])

    def kernel(self) -> WarmKernel:
        """This thread's kernel (created on first use: a kernel is driven by the thread that started it)."""
        with self.lock:
            return self.kernels.setdefault(threading.get_ident(), WarmKernel())

    def setup(self, worker) -> None:
        executor = getattr(worker, "executors", {}).get("default")
        if executor is not None:  # warm up in the thread that runs the tasks (with --nthreads 1, the only one)
            executor.submit(self._warm_up)

    def _warm_up(self) -> None:
        with contextlib.suppress(Exception):  # a failed start is retried, and recorded, by the first run
            self.kernel().ensure(self.kernel_name)

    def teardown(self, worker) -> None:
        with self.lock:
            for kernel in self.kernels.values():
                kernel.kill()
            self.kernels.clear()


def connect(address: str, timeout_s: float = SCHEDULER_TIMEOUT_S) -> Client:
    """A client of the scheduler at `address`; none answering within `timeout_s` -> InputError naming it."""
    try:
        return Client(address, timeout=timeout_s, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        first = " ".join((str(err).splitlines() or [""])[0].split())
        raise InputError("--scheduler", f"{address}: no Dask scheduler answered within {timeout_s:g} s ({first})") from None


@contextlib.contextmanager
def cluster_executor(address: str, kernel_name: str = "python3") -> Iterator[Executor]:
    """``Client(address).get_executor()`` with the warm-kernel plugin registered on every worker (present and
    future). On an error or Ctrl-C inside, the batch's unfinished runs are cancelled on the cluster; the
    cluster itself is left running."""
    client = connect(address)
    try:
        client.register_plugin(WarmKernels(kernel_name), name=PLUGIN_NAME)
        executor = client.get_executor(pure=False)
        try:
            yield executor
        except BaseException:
            executor.shutdown(wait=False)  # cancels this batch's futures
            raise
        executor.shutdown(wait=True)
    finally:
        client.close()
