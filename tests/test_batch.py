"""gpuplan.batch: grids, validation before any run, warm-kernel execution on the embedded executor, the runs
table, resume after a kill, the report. (The same on a real Dask cluster: tests/test_batch_dask.py.)

Runs execute tests/fixtures/batch_tiny.ipynb, whose glued result is cost_usd = price × hours / utilization
(expected values below are that product worked by hand), `leaked` (True only if a name from an earlier run in
the same kernel survived) and `kernel_pid` (the kernel's process id). With the parameter handshake_port the
notebook connects to a socket of the test (:class:`Handshake`), says which worker and kernel run it, and
waits for the test's reply: the test knows a run is in flight, and where, without sleeping or polling.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import nbformat
import pandas as pd
import pytest

from gpuplan import batch
from gpuplan.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "batch_tiny.ipynb"
WAIT_S = 60  # bound of every wait on another process: a failure, never a hang


def write_grid(tmp_path: Path, body: str, name: str = "grid.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"notebook: {FIXTURE}\n{body}", encoding="utf-8")
    return path


def hours_grid(tmp_path: Path, hours: list[int], handshake_at: int | None = None, port: int = 0) -> Path:
    """A `runs:` grid of the fixture, one run per value of hours; the run with hours == handshake_at waits
    on the Handshake at `port`."""
    lines = [f"  - {{hours: {h}, handshake_port: {port}}}" if h == handshake_at else f"  - {{hours: {h}}}"
             for h in hours]  # fmt: skip
    return write_grid(tmp_path, "runs:\n" + "\n".join(lines) + "\n")


def rows(out: Path) -> pd.DataFrame:
    with duckdb.connect(str(out / "runs.duckdb"), read_only=True) as con:
        return con.execute("SELECT * FROM runs").df()


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("timeout", 300)
    return subprocess.run([sys.executable, "-m", "gpuplan", *args], capture_output=True, text=True, cwd=ROOT, **kw)


def cli_background(*args: str, **kw) -> subprocess.Popen:
    """`python -m gpuplan ARGS` started in its own session (a signal to its group reaches only the batch)."""
    return subprocess.Popen([sys.executable, "-m", "gpuplan", *args], cwd=ROOT, start_new_session=True, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)  # fmt: skip


def process_gone(pid: int, timeout_s: float = WAIT_S) -> bool:
    """Wait (an event: a pidfd turns readable when the process exits) until `pid` is gone; False on timeout."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([fd], [], [], timeout_s)[0])
    finally:
        os.close(fd)


@dataclass
class Visit:
    """One execution of a handshake run: which worker process and kernel run it; `release` lets it finish."""

    conn: socket.socket
    worker_pid: int
    kernel_pid: int

    def release(self) -> None:
        self.conn.sendall(b"g")
        self.conn.close()


class Handshake:
    """A listening socket on 127.0.0.1 that the fixture's handshake run connects to (see the module doc)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(WAIT_S)
        self.port = self.server.getsockname()[1]
        self.visits: list[Visit] = []

    def accept(self) -> Visit:
        """The next execution of the handshake run (it waits in its cell until released); bounded wait."""
        conn, _ = self.server.accept()
        conn.settimeout(WAIT_S)
        worker_pid, kernel_pid = (int(v) for v in conn.makefile().readline().split())
        self.visits.append(Visit(conn, worker_pid, kernel_pid))
        return self.visits[-1]

    def release_all(self) -> None:
        """From now on, let every execution of the handshake run finish at once."""
        def serve() -> None:
            while True:
                try:
                    self.accept().release()
                except OSError:  # the server was closed (or nothing came): stop serving
                    return
        threading.Thread(target=serve, daemon=True).start()

    def __enter__(self) -> Handshake:
        return self

    def __exit__(self, *exc) -> None:
        self.server.close()
        for visit in self.visits:
            visit.conn.close()


# ------------------------------------------------------------------------------------------------ grids


def test_axes_make_the_cartesian_product_with_fixed_values(tmp_path):
    grid = batch.load_grid(write_grid(tmp_path, "fixed: {hours: 4}\naxes:\n  price_usd_per_hour: [1, 2, 3]\n"
                                                "  utilization: [0.5, 1.0]\n"))  # fmt: skip
    assert len(grid.runs) == 3 * 2
    assert {(r.parameters["price_usd_per_hour"], r.parameters["utilization"]) for r in grid.runs} == {
        (p, u) for p in (1.0, 2.0, 3.0) for u in (0.5, 1.0)
    }
    assert all(r.parameters["hours"] == 4.0 for r in grid.runs)
    # ints given for float parameters are normalized, so 1 and 1.0 are one run
    assert all(isinstance(r.parameters["price_usd_per_hour"], float) for r in grid.runs)
    assert len({r.run_id for r in grid.runs}) == 6


def test_explicit_runs_and_csv_rows(tmp_path):
    grid = batch.load_grid(write_grid(tmp_path, "runs:\n  - {label: x}\n  - {label: y, hours: 2}\n  - {label: x}\n"))
    assert [r.parameters for r in grid.runs] == [{"label": "x"}, {"label": "y", "hours": 2.0}]  # duplicate dropped
    (tmp_path / "rows.csv").write_text("price_usd_per_hour,label,fail\n2.5,a,false\n3,b,true\n", encoding="utf-8")
    grid = batch.load_grid(write_grid(tmp_path, "csv: rows.csv\n", name="g2.yaml"))
    assert [r.parameters for r in grid.runs] == [
        {"price_usd_per_hour": 2.5, "label": "a", "fail": False},
        {"price_usd_per_hour": 3.0, "label": "b", "fail": True},
    ]


def test_csv_row_with_a_missing_field_names_its_line(tmp_path):
    (tmp_path / "rows.csv").write_text("hours,label\n2,a\n3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^csv: .*rows.csv line 3: number of fields differs"):
        batch.load_grid(write_grid(tmp_path, "csv: rows.csv\n"))


def test_run_id_depends_on_parameters_and_code_not_outputs():
    nb = batch.read_notebook(FIXTURE)
    fp = batch.notebook_fingerprint(nb)
    a = batch.run_id(fp, {"hours": 1.0, "label": "x"})
    assert a == batch.run_id(fp, {"label": "x", "hours": 1.0})  # key order does not matter
    assert a != batch.run_id(fp, {"hours": 2.0, "label": "x"})
    assert len(a) == batch.RUN_ID_DIGITS and int(a, 16) >= 0
    nb.cells[3].outputs = [nbformat.v4.new_output("stream", text="x")]
    assert batch.notebook_fingerprint(nb) == fp
    nb.cells[3].source += "\n# edited"
    assert batch.notebook_fingerprint(nb) != fp


@pytest.mark.parametrize(
    "body, field, words",
    [
        ("axes:\n  h100_usd_per_hour: [1, 2]\n", "h100_usd_per_hour", "not a parameter of the notebook"),
        ("axes:\n  utilization: [0.5, 1.5]\n", "utilization", "must be in (0, 1]"),  # the notebook's own rule
        ("runs:\n  - {label: 3}\n", "label", "must be str"),
        ("runs:\n  - {hours: ten}\n", "hours", "must be float"),
        ("axes: {}\nruns: []\n", "grid", "exactly one of"),
        ("axes:\n  hours: []\n", "hours", "has no values"),
        ("colour: red\naxes:\n  hours: [1]\n", "colour", "unknown key"),
        ("axes:\n" + "".join(f"  {n}: [{', '.join(str(v) for v in range(1, 21))}]\n" for n in
                              ("hours", "price_usd_per_hour", "sleep_seconds", "utilization")), "axes",
         "use `gpuplan sweep`"),  # 20^4 = 160,000 runs
    ],
)
def test_bad_grids_stop_before_any_run_with_one_line(tmp_path, body, field, words):
    path = write_grid(tmp_path, body)
    with pytest.raises(InputError) as err:
        batch.load_grid(path)
    assert field in str(err.value) and words in str(err.value)
    out = tmp_path / "out"
    proc = cli("batch", str(path), "--out", str(out))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and field in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()  # nothing ran, nothing written


def test_missing_notebook_is_one_line(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("notebook: nope.ipynb\naxes:\n  x: [1]\n", encoding="utf-8")
    with pytest.raises(InputError, match="nope.ipynb: no such file"):
        batch.load_grid(path)


def test_notebook_rules_are_read_from_validate_calls():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        'x = validate("utilization", utilization, "fraction")\n'
        'g = params.validate("gpu", gpu, rule="choice", choices=["a100", "h100"])\n'
        "%time y = 1"  # a magic: not Python, skipped
    )])  # fmt: skip
    assert batch.notebook_rules(nb) == {"utilization": ("fraction", None), "gpu": ("choice", ["a100", "h100"])}


@pytest.mark.parametrize(
    "text, value",
    [("2.5", 2.5), ("np.float64(2.5)", 2.5), ("np.int64(3)", 3), ("'abc'", "abc"), ("True", True),
     ("<Figure size 640x480>", None), ("[1, 2]", None)],
)  # fmt: skip
def test_glued_text_plain_back_to_scalars(text, value):
    assert batch._scalar(text) == value


# ---------------------------------------------------------------------------------------------- running


def test_batch_records_results_failures_and_writes_atomically(tmp_path):
    path = write_grid(tmp_path, "runs:\n  - {price_usd_per_hour: 2.0, hours: 3, utilization: 0.5}\n"
                                "  - {price_usd_per_hour: 3.5, hours: 3}\n  - {fail: true}\n"
                                "  - {price_usd_per_hour: 1.5, hours: 8, label: a100}\n")  # fmt: skip
    out = tmp_path / "out"
    result = batch.run_batch(path, out, jobs=2, progress=False)
    assert (result.total, result.ok, result.failed, result.skipped) == (4, 3, 1, 0)
    table = rows(out).set_index("label", drop=False)
    ok = table[table.status == "ok"].sort_values("cost_usd")
    # cost_usd = price × hours / utilization: 3.5×3/1 = 10.5, 1.5×8/1 = 12.0, 2.0×3/0.5 = 12.0
    assert ok["cost_usd"].tolist() == [10.5, 12.0, 12.0]
    assert set(ok["label_out"]) == {"base", "a100"}
    failed = table[table.status == "failed"].iloc[0]
    assert failed["error"] == "ValueError: planted failure"
    assert failed["fail"] == True  # noqa: E712 - the parameter column
    assert failed["notebook"] == str(FIXTURE)
    assert (out / failed["output"]).name.endswith(".failed.ipynb") and (out / failed["output"]).exists()
    assert all(d > 0 for d in table["duration_seconds"])
    assert json.loads(table.loc["a100", "parameters"]) == {"price_usd_per_hour": 1.5, "hours": 8.0, "label": "a100"}
    assert sorted(p.name for p in out.glob("*.ipynb")) == sorted(table["output"])
    assert not list(out.glob(".*tmp")), "temporary files left behind"
    csv = pd.read_csv(out / "runs.csv")
    assert sorted(csv["run_id"]) == sorted(table["run_id"])

    # again: ok runs skipped; the failed one is retried (and fails again)
    again = batch.run_batch(path, out, jobs=2, progress=False)
    assert (again.skipped, again.ok, again.failed) == (3, 0, 1)
    assert len(rows(out)) == 4


def test_one_warm_kernel_per_worker_without_leaking_names(tmp_path):
    path = write_grid(tmp_path, "axes:\n  hours: [1, 2, 3, 4]\n")
    out = tmp_path / "out"
    batch.run_batch(path, out, jobs=1, progress=False)
    table = rows(out)
    assert table["kernel_pid"].nunique() == 1  # all four runs in the same kernel process...
    assert not table["leaked"].any()  # ...and none saw the name the previous run defined
    assert sorted(table["cost_usd"]) == [2.0, 4.0, 6.0, 8.0]  # price 2.0 × hours


def test_finished_notebooks_without_rows_are_read_back_not_rerun(tmp_path):
    path = write_grid(tmp_path, "axes:\n  hours: [1, 2]\n")
    out = tmp_path / "out"
    batch.run_batch(path, out, jobs=1, progress=False)
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.ipynb")}
    (out / "runs.duckdb").unlink()  # as if the batch died between writing the notebooks and the rows
    result = batch.run_batch(path, out, jobs=1, progress=False)
    assert (result.recovered, result.ok) == (2, 0)
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.ipynb")} == mtimes
    assert sorted(rows(out)["cost_usd"]) == [2.0, 4.0]


def test_a_worker_killed_mid_run_is_replaced_and_its_run_retried_on_a_fresh_worker(tmp_path):
    with Handshake() as handshake:
        path = hours_grid(tmp_path, [1, 2, 3, 4], handshake_at=2, port=handshake.port)
        out = tmp_path / "out"
        proc = cli_background("batch", str(path), "--out", str(out), "-j", "2", "--no-progress")
        first = handshake.accept()  # the run with hours 2 is executing now, on this worker
        os.kill(first.worker_pid, signal.SIGKILL)  # as the OOM killer would
        second = handshake.accept()  # the same run again, on the worker that replaced the dead one
        second.release()
        stdout, stderr = proc.communicate(timeout=WAIT_S)
    assert proc.returncode == 0, stderr
    assert second.worker_pid != first.worker_pid and second.kernel_pid != first.kernel_pid
    table = rows(out)
    assert len(table) == 4 and table["run_id"].is_unique and set(table["status"]) == {"ok"}
    assert sorted(table["cost_usd"]) == [2.0, 4.0, 6.0, 8.0]  # price 2.0 × hours, each run once
    assert table.set_index("hours").loc[2.0, "kernel_pid"] == second.kernel_pid
    assert process_gone(first.kernel_pid), "the killed worker's kernel outlived it"


def test_a_run_whose_worker_dies_twice_is_recorded_failed_and_the_others_finish(tmp_path):
    with Handshake() as handshake:
        path = hours_grid(tmp_path, [1, 2, 3], handshake_at=1, port=handshake.port)
        out = tmp_path / "out"
        proc = cli_background("batch", str(path), "--out", str(out), "-j", "2", "--no-progress")
        killed = []
        for _ in range(2):
            killed.append(handshake.accept().worker_pid)
            os.kill(killed[-1], signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=WAIT_S)
    assert proc.returncode == 1, stderr  # a run failed; the batch finished
    assert killed[0] != killed[1]
    table = rows(out).set_index("hours")
    assert table.loc[1.0, "status"] == "failed"
    assert table.loc[1.0, "error"] == ("WorkerDied: the worker process running it died (killed by SIGKILL) "
                                       "on 2 attempts")
    assert (out / table.loc[1.0, "output"]).exists()
    assert table.loc[[2.0, 3.0], "status"].tolist() == ["ok", "ok"]
    assert table.loc[[2.0, 3.0], "cost_usd"].tolist() == [4.0, 6.0]


def test_sigkill_of_the_batch_then_restart_completes_without_redoing_or_duplicating(tmp_path):
    with Handshake() as handshake:
        # one worker: the run with hours 4 starts after runs 1-3 finished
        path = hours_grid(tmp_path, [1, 2, 3, 4, 5, 6], handshake_at=4, port=handshake.port)
        out = tmp_path / "out"
        proc = cli_background("batch", str(path), "--out", str(out), "-j", "1", "--no-progress")
        running = handshake.accept()
        os.kill(proc.pid, signal.SIGKILL)  # the batch's own process only, as the OOM killer would
        proc.communicate(timeout=WAIT_S)
        # its worker notices (a pidfd on its parent), kills its kernel and leaves
        assert process_gone(running.worker_pid) and process_gone(running.kernel_pid)
        before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.ipynb")}
        assert len(before) <= 3  # the run in flight left nothing behind
        handshake.release_all()
        result = batch.run_batch(path, out, jobs=2, progress=False)
    assert result.skipped + result.recovered == len(before)
    assert result.ok == 6 - len(before)  # only the missing runs executed
    table = rows(out)
    assert len(table) == 6 and table["run_id"].is_unique and set(table["status"]) == {"ok"}
    assert sorted(table["cost_usd"]) == [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]
    after = {p.name: p.stat().st_mtime_ns for p in out.glob("*.ipynb")}
    assert {name: after[name] for name in before} == before  # finished runs not redone
    assert len(after) == 6 and not list(out.glob(".*.tmp"))


def test_ctrl_c_stops_cleanly_keeps_finished_runs_and_exits_130(tmp_path):
    with Handshake() as handshake:
        # two workers: the run with hours 3 starts once run 1 or 2 has finished
        path = hours_grid(tmp_path, [1, 2, 3, 4, 5, 6, 7, 8], handshake_at=3, port=handshake.port)
        out = tmp_path / "out"
        proc = cli_background("batch", str(path), "--out", str(out), "-j", "2", "--no-progress",
                              # a shell's background jobs inherit SIGINT ignored; a terminal's batch does not
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
        running = handshake.accept()
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends to the foreground process group on Ctrl-C
        stdout, stderr = proc.communicate(timeout=WAIT_S)
        assert process_gone(running.kernel_pid)  # the run in flight was stopped, its kernel with it
        assert proc.returncode == 130, stderr
        assert stderr.strip().startswith("interrupted:") and stderr.strip().count("\n") == 0
        done = rows(out)
        assert 1 <= len(done) < 8 and set(done["status"]) == {"ok"} and 3.0 not in set(done["hours"])
        handshake.release_all()
        result = batch.run_batch(path, out, jobs=2, progress=False)
    assert result.skipped + result.recovered == len(done) and result.ok == 8 - len(done)
    assert len(rows(out)) == 8


def test_a_cell_over_the_time_limit_fails_that_run_and_the_next_gets_a_fresh_kernel(tmp_path):
    # an hour-long cell: were it not stopped at the limit (1.5 s, rounded up to 2 for nbclient), this
    # batch would not end within the bounded wait
    path = write_grid(tmp_path, "runs:\n  - {sleep_seconds: 3600}\n  - {hours: 2}\n")
    out = tmp_path / "out"
    proc = cli("batch", str(path), "--out", str(out), "-j", "1", "--timeout", "1.5", "--no-progress",
               timeout=WAIT_S)  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    table = rows(out).set_index("status")
    assert table.loc["failed", "error"].startswith("CellTimeoutError: A cell timed out")
    assert table.loc["ok", "cost_usd"] == 4.0  # 2.0 × 2
    stopped = int(table.loc["failed", "kernel_pid"])
    assert int(table.loc["ok", "kernel_pid"]) != stopped and process_gone(stopped)


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_a_timeout_that_is_not_a_positive_number_is_one_line(tmp_path, value):
    path = write_grid(tmp_path, "axes:\n  hours: [1]\n")
    proc = cli("batch", str(path), "--out", str(tmp_path / "out"), f"--timeout={value}")
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0
    assert proc.stderr.startswith("error: --timeout: must be a number of seconds > 0")
    assert not (tmp_path / "out").exists()


def test_a_warm_run_matches_a_fresh_papermill_run(tmp_path):
    import papermill

    path = write_grid(tmp_path, "runs:\n  - {hours: 1}\n  - {hours: 5, label: warm}\n")
    out = tmp_path / "out"
    batch.run_batch(path, out, jobs=1, progress=False)  # the second run reuses the first run's kernel
    second = rows(out).set_index("label_out").loc["warm"]
    warm = nbformat.read(str(out / second["output"]), as_version=4)
    fresh = papermill.execute_notebook(str(FIXTURE), None, parameters={"hours": 5.0, "label": "warm"},
                                       progress_bar=False, kernel_name="python3")  # fmt: skip
    assert [c.get("execution_count") for c in warm.cells] == [c.get("execution_count") for c in fresh.cells]
    assert [c.source for c in warm.cells] == [c.source for c in fresh.cells]  # same injected parameters cell
    glued = {k: v for k, v in batch.glue_values(fresh).items() if k != "kernel_pid"}
    assert glued == {k: v for k, v in batch.glue_values(warm).items() if k != "kernel_pid"}
    assert glued == {"cost_usd": 10.0, "label_out": "warm", "leaked": False}  # 2.0 × 5 / 1.0


def test_local_executor_is_a_concurrent_futures_executor():
    with batch.LocalExecutor(2) as executor:
        assert list(executor.map(pow, [2, 3, 4], [10, 2, 0])) == [1024, 9, 1]
        with pytest.raises(ZeroDivisionError):
            executor.submit(divmod, 1, 0).result(timeout=WAIT_S)


def _sigkill_self_once(marker: str) -> int:
    if not os.path.exists(marker):
        Path(marker).touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return os.getpid()


def _sigkill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_local_executor_reruns_a_task_whose_worker_died_once_then_gives_up(tmp_path):
    with batch.LocalExecutor(1) as executor:
        first = executor.submit(os.getpid).result(timeout=WAIT_S)
        again = executor.submit(_sigkill_self_once, str(tmp_path / "died")).result(timeout=WAIT_S)
        assert again != first  # the task ran again, in the worker that replaced the dead one
        with pytest.raises(batch.WorkerDied, match=r"died \(killed by SIGKILL\) on 2 attempts$"):
            executor.submit(_sigkill_self).result(timeout=WAIT_S)
        assert executor.submit(pow, 2, 3).result(timeout=WAIT_S) == 8  # and it goes on


# ---------------------------------------------------------------------------------------------- report


def test_report_html_has_an_inline_svg_chart_and_the_table(tmp_path):
    path = write_grid(tmp_path, "axes:\n  price_usd_per_hour: [1, 2]\n  utilization: [0.5, 1.0]\n")
    out = tmp_path / "out"
    batch.run_batch(path, out, jobs=2, progress=False)
    proc = cli("batch", "report", str(out))
    assert proc.returncode == 0, proc.stderr
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" in page and "<script" not in page  # static chart: renders offline
    assert "cost_usd by price_usd_per_hour" in page  # the chart: y by the first varying parameter
    assert "cost_usd" in page and all(rid in page for rid in rows(out)["run_id"])
    assert all(f'<a href="{name}">' in page for name in rows(out)["output"])
    assert "4 runs, 4 ok, 0 failed" in page and "$" not in page.split("<svg")[0]  # every placeholder filled


def test_report_escapes_what_the_notebook_wrote(tmp_path):
    path = write_grid(tmp_path, "runs:\n  - {label: '<b>x</b>', hours: 1}\n  - {label: y, hours: 2}\n")
    out = tmp_path / "out"
    batch.run_batch(path, out, jobs=1, progress=False)
    page = batch.report(out).read_text(encoding="utf-8")
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page


def test_report_of_a_folder_without_runs_is_one_line(tmp_path):
    proc = cli("batch", "report", str(tmp_path))
    assert proc.returncode == 2 and "no runs.duckdb" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("content", [b"this is not a database\n" * 100, None])
def test_report_of_a_corrupt_or_foreign_runs_duckdb_is_one_line_naming_it(tmp_path, content):
    target = tmp_path / "runs.duckdb"
    if content is None:  # a valid DuckDB file without a runs table
        duckdb.connect(str(target)).close()
    else:
        target.write_bytes(content)
    proc = cli("batch", "report", str(tmp_path))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert f"{target}: not a readable runs table" in proc.stderr


def test_example_grid_is_valid_and_has_24_runs():
    grid = batch.load_grid(ROOT / "scenarios" / "grid-example.yaml")
    assert len(grid.runs) == 4 * 3 * 2  # h100 prices × utilizations × rerun rates
