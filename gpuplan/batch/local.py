"""The embedded executor: a ``concurrent.futures.Executor`` of worker processes forked from the batch.

The default of ``gpuplan batch`` (``--jobs N``): no Dask process, no Dask import. Each worker runs an
initializer once (gpuplan.batch.kernels.init_local_worker: start a warm kernel) and then tasks one at a time.
What it adds over ``concurrent.futures.ProcessPoolExecutor``: a worker that dies (SIGKILL, the OOM killer, a
segfault) does not break the pool; it is replaced and its task is given to another worker once, as a Dask
scheduler does (see :class:`LocalExecutor`).
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import contextlib
import multiprocessing
import multiprocessing.connection
import os
import select
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class WorkerDied(RuntimeError):
    """A task's worker process died (e.g. SIGKILL by the OOM killer) on every attempt it was given."""


@dataclass
class _Item:
    future: cf.Future
    fn: Callable
    args: tuple
    kwargs: dict
    failures: int = 0
    started: bool = False


@dataclass
class _Worker:
    process: Any
    conn: Any
    item: _Item | None = None


def _watch_parent(parent_pid: int) -> None:  # pragma: no cover - runs in a worker whose batch died
    """Worker thread: once the executor's process is gone (even by SIGKILL), SIGTERM this worker (its
    initializer's handler cleans up). Waits on a pidfd (an event, no polling) where Linux has one."""
    try:
        fd = os.pidfd_open(parent_pid)
    except (AttributeError, OSError):  # not Linux >= 5.3: poll the parent pid instead
        while os.getppid() == parent_pid:
            threading.Event().wait(0.5)
    else:
        select.select([fd], [], [])
    os.kill(os.getpid(), signal.SIGTERM)


def _worker_main(conn, parent_pid: int, initializer: Callable | None, initargs: tuple) -> None:
    """A worker process: run `initializer` once, then (fn, args, kwargs) tasks from `conn` one at a time."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the batch, which stops the workers
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    if initializer is not None:
        # a failing initializer must not kill the worker (it would be re-forked forever); its tasks will say
        with contextlib.suppress(Exception):
            initializer(*initargs)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        fn, args, kwargs = message
        try:
            outcome = (True, fn(*args, **kwargs))
        except BaseException as err:  # noqa: BLE001 - handed to the task's future
            outcome = (False, err)
        try:
            conn.send(outcome)
        except Exception as err:  # noqa: BLE001 - e.g. an unpicklable result
            conn.send((False, RuntimeError(f"cannot send the result back: {type(err).__name__}: {err}")))


class LocalExecutor(cf.Executor):
    """A ``concurrent.futures.Executor`` of `max_workers` processes forked from this one, each running
    `initializer(*initargs)` once (e.g. start a kernel) and then tasks one at a time.

    Unlike ``ProcessPoolExecutor``, which marks the whole pool broken when one worker dies, this executor
    notices a dead worker at once (its process sentinel), replaces it, and gives the task it was running to
    another worker, up to `allowed_failures` times; then the task's future raises :class:`WorkerDied`. That
    is the contract of a Dask scheduler (``allowed-failures``, KilledWorker), so the batch treats both alike.
    Workers die with this process: each waits on its parent's pidfd and SIGTERMs itself when it is gone.
    """

    def __init__(self, max_workers: int, initializer: Callable | None = None, initargs: tuple = (),
                 allowed_failures: int = 1) -> None:  # fmt: skip
        if max_workers < 1:
            raise ValueError("max_workers must be >= 1")
        self._max_workers, self._initializer, self._initargs = max_workers, initializer, initargs
        self._allowed_failures = allowed_failures
        self._context = multiprocessing.get_context("fork")  # fork: workers start warm (imports done)
        self._pending: collections.deque[_Item] = collections.deque()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = multiprocessing.connection.Pipe(duplex=False)
        self._shutdown = self._terminating = False
        self._thread: threading.Thread | None = None

    # -- the Executor API
    def submit(self, fn: Callable, /, *args, **kwargs) -> cf.Future:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot submit after shutdown")
            future: cf.Future = cf.Future()
            self._pending.append(_Item(future, fn, args, kwargs))
            if self._thread is None:
                for _ in range(self._max_workers):
                    self._workers.append(self._spawn())
                self._thread = threading.Thread(target=self._manage, name="gpuplan-executor", daemon=True)
                self._thread.start()
        self._wake()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Let the workers finish what was submitted (cancel what has not started with `cancel_futures`),
        then stop them; with `wait`, return when they are gone."""
        with self._lock:
            self._shutdown = True
            if cancel_futures:
                while self._pending:
                    self._pending.popleft().future.cancel()
        self._wake()
        if wait and self._thread is not None:
            self._thread.join()

    def terminate(self) -> None:
        """Stop now: cancel what has not started, SIGTERM every worker (their runs are abandoned), wait."""
        with self._lock:
            self._shutdown = self._terminating = True
            while self._pending:
                self._pending.popleft().future.cancel()
            workers = list(self._workers)
        for worker in workers:
            with contextlib.suppress(OSError):
                worker.process.terminate()
        self._wake()
        if self._thread is not None:
            self._thread.join()

    # -- the manager thread
    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_worker_main, daemon=True, name="gpuplan-batch-worker",
                                        args=(child, os.getpid(), self._initializer, self._initargs))  # fmt: skip
        process.start()
        child.close()
        return _Worker(process, parent)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send_bytes(b"")

    def _manage(self) -> None:
        while True:
            with self._lock:
                for worker in self._workers:
                    while worker.item is None and self._pending:
                        item = self._pending.popleft()
                        if item.started or item.future.set_running_or_notify_cancel():
                            item.started, worker.item = True, item
                            try:
                                worker.conn.send((item.fn, item.args, item.kwargs))
                            except Exception as err:  # noqa: BLE001 - e.g. unpicklable arguments
                                worker.item = None
                                item.future.set_exception(err)
                done = self._shutdown and not self._pending and all(w.item is None for w in self._workers)
            if done:
                break
            sentinels = {w.process.sentinel: w for w in self._workers}
            conns = {w.conn: w for w in self._workers if w.item is not None}
            for ready in multiprocessing.connection.wait([self._wake_r, *conns, *sentinels]):
                if ready is self._wake_r:
                    with contextlib.suppress(EOFError, OSError):
                        while self._wake_r.poll():
                            self._wake_r.recv_bytes()
                elif ready in conns:
                    self._receive(conns[ready])
                else:
                    self._died(sentinels[ready])
        for worker in self._workers:  # idle and no more work: let them leave, then make sure they did
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        for worker in self._workers:
            worker.process.join(timeout=10)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join()

    def _receive(self, worker: _Worker) -> None:
        try:
            ok, value = worker.conn.recv()
        except (EOFError, OSError):  # the worker is dying: its sentinel says so next
            return
        item, worker.item = worker.item, None
        if item is not None:
            item.future.set_result(value) if ok else item.future.set_exception(value)

    def _died(self, worker: _Worker) -> None:
        with contextlib.suppress(EOFError, OSError):
            if worker.item is not None and worker.conn.poll():  # it sent its result before it died
                self._receive(worker)
        worker.process.join()
        code = worker.process.exitcode
        how = f"killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
        with self._lock:
            self._workers.remove(worker)
            worker.conn.close()
            item = worker.item
            if item is not None and self._terminating:
                item.future.set_exception(WorkerDied("stopped: the batch was interrupted"))
            elif item is not None:
                item.failures += 1
                if item.failures > self._allowed_failures:
                    item.future.set_exception(WorkerDied(
                        f"the worker process running it died ({how}) on {item.failures} attempts"))
                else:  # run it again, first in line, on another worker
                    self._pending.appendleft(item)
            if not self._terminating and (not self._shutdown or self._pending):
                self._workers.append(self._spawn())
