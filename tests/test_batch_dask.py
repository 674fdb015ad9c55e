"""gpuplan.batch on a real Dask cluster: a `dask scheduler` and two `dask worker` processes on 127.0.0.1,
started by the test (a free port chosen by the scheduler, no dashboard) and stopped by PID at its end.

Same fixture and handshake as tests/test_batch.py: the handshake run tells the test which worker process
(the kernel's parent) runs it, so the test kills exactly the worker holding that run, mid-run.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_batch import WAIT_S, Handshake, cli, cli_background, hours_grid, process_gone, rows, write_grid

from gpuplan import batch

distributed = pytest.importorskip("distributed")
DASK = Path(sys.executable).with_name("dask")


@dataclass
class Cluster:
    address: str
    scheduler: subprocess.Popen
    workers: list[subprocess.Popen]

    def stop_workers(self) -> None:
        """SIGTERM each `dask worker` (its nanny closes the worker: plugin teardown) and wait for it."""
        for proc in self.workers:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.workers:
            try:
                proc.wait(timeout=WAIT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _die_with_parent() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextlib.contextmanager
def dask_cluster(folder: Path, workers: int = 2) -> Iterator[Cluster]:
    scheduler_file = folder / "scheduler.json"
    # SIGTERM to each if this test process dies first (no cluster outlives an interrupted test run)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "preexec_fn": _die_with_parent}
    scheduler = subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(scheduler_file)], **quiet)  # fmt: skip
    cluster = Cluster("", scheduler, [])
    try:
        # the client waits (bounded) for the scheduler to write its file and answer
        with distributed.Client(scheduler_file=str(scheduler_file), timeout=WAIT_S) as client:
            cluster.address = client.scheduler.address
            cluster.workers = [subprocess.Popen([str(DASK), "worker", cluster.address, "--nthreads", "1",
                                                 "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{i}"],
                                                **quiet) for i in range(workers)]  # fmt: skip
            client.wait_for_workers(workers, timeout=WAIT_S)
        yield cluster
    finally:
        cluster.stop_workers()
        scheduler.terminate()
        try:
            scheduler.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            scheduler.kill()
            scheduler.wait()


def test_a_grid_on_a_dask_cluster_survives_a_killed_worker_with_warm_kernels(tmp_path):
    with dask_cluster(tmp_path) as cluster, Handshake() as handshake:
        path = hours_grid(tmp_path, [1, 2, 3, 4, 5, 6, 7, 8], handshake_at=3, port=handshake.port)
        out = tmp_path / "out"
        proc = cli_background("batch", str(path), "--out", str(out), "--scheduler", cluster.address,
                              "--no-progress")  # fmt: skip
        first = handshake.accept()  # the run with hours 3, in flight on this worker
        os.kill(first.worker_pid, signal.SIGKILL)  # the worker process (its nanny starts a new one)
        second = handshake.accept()  # the scheduler gave the run to another worker
        second.release()
        stdout, stderr = proc.communicate(timeout=WAIT_S)
        assert proc.returncode == 0, stderr
        assert second.worker_pid != first.worker_pid
        assert process_gone(first.kernel_pid), "the killed worker's kernel outlived it"
        table = rows(out)
        # every run ended ok, exactly once, with the right result: price 2.0 × hours
        assert len(table) == 8 and table["run_id"].is_unique and set(table["status"]) == {"ok"}
        assert sorted(table["cost_usd"]) == [2.0 * h for h in range(1, 9)]
        assert table.set_index("hours").loc[3.0, "kernel_pid"] == second.kernel_pid
        # warm kernels: runs share their worker's kernel (at most 3 kernels: 2 workers + the restarted one)
        # and no run sees a name an earlier run in that kernel defined
        per_kernel = table["kernel_pid"].value_counts()
        assert len(per_kernel) <= 3 and not table["leaked"].any()  # (a cold run per run: 8 kernels)
        kernels = set(table["kernel_pid"])
        cluster.stop_workers()
        assert all(process_gone(int(pid)) for pid in kernels), "kernels did not stop with their workers"


def test_a_client_killed_mid_run_then_rerun_executes_only_the_missing_runs(tmp_path, monkeypatch):
    with dask_cluster(tmp_path) as cluster, Handshake() as handshake:
        path = hours_grid(tmp_path, [1, 2, 3, 4, 5, 6], handshake_at=5, port=handshake.port)
        out = tmp_path / "out"
        proc = cli_background("batch", str(path), "--out", str(out), "--scheduler", cluster.address,
                              "--no-progress")  # fmt: skip
        in_flight = handshake.accept()
        os.kill(proc.pid, signal.SIGKILL)  # the client, mid-run
        proc.communicate(timeout=WAIT_S)
        in_flight.release()  # Dask cannot stop a running task: let it end (its result has no client now)
        before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.ipynb")}
        assert len(before) <= 5  # the run in flight left nothing behind
        handshake.release_all()
        monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.address)  # the variable names the cluster too
        result = batch.run_batch(path, out, progress=False)
        assert result.skipped + result.recovered == len(before) and result.ok == 6 - len(before)
        table = rows(out)
        assert len(table) == 6 and table["run_id"].is_unique and set(table["status"]) == {"ok"}
        assert sorted(table["cost_usd"]) == [2.0 * h for h in range(1, 7)]
        after = {p.name: p.stat().st_mtime_ns for p in out.glob("*.ipynb")}
        assert {name: after[name] for name in before} == before  # finished runs not redone


def test_an_unreachable_scheduler_is_one_line_naming_it(tmp_path):
    path = write_grid(tmp_path, "axes:\n  hours: [1]\n")
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]  # a port that was free a moment ago: nothing listens once closed
    address = f"tcp://127.0.0.1:{port}"
    proc = cli("batch", str(path), "--out", str(tmp_path / "out"), "--scheduler", address, timeout=WAIT_S)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"error: --scheduler: {address}: no Dask scheduler answered within 10 s")


def test_jobs_with_a_scheduler_is_refused_before_connecting(tmp_path):
    path = write_grid(tmp_path, "axes:\n  hours: [1]\n")
    proc = cli("batch", str(path), "--scheduler", "tcp://127.0.0.1:1", "--jobs", "2", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and proc.stderr.startswith("error: --jobs: not used with a Dask scheduler")
    assert not (tmp_path / "o").exists()

