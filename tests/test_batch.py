"""gpuplan.batch: grids, validation before any run, warm-kernel execution, the runs table, resume, report.

Runs execute tests/fixtures/batch_tiny.ipynb, whose glued result is cost_usd = price × hours / utilization
(expected values below are that product worked by hand), `leaked` (True only if a name from an earlier run in
the same kernel survived) and `kernel_pid` (the kernel's process id).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import nbformat
import pandas as pd
import pytest

from gpuplan import batch
from gpuplan.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "batch_tiny.ipynb"


def write_grid(tmp_path: Path, body: str, name: str = "grid.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"notebook: {FIXTURE}\n{body}", encoding="utf-8")
    return path


def rows(out: Path) -> pd.DataFrame:
    with duckdb.connect(str(out / "runs.duckdb"), read_only=True) as con:
        return con.execute("SELECT * FROM runs").df()


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gpuplan", *args], capture_output=True, text=True, cwd=ROOT, **kw)


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


def _wait_for(predicate, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_sigkill_then_restart_completes_without_redoing_or_duplicating(tmp_path):
    path = write_grid(tmp_path, "fixed: {sleep_seconds: 0.4}\naxes:\n  hours: [1, 2, 3, 4, 5, 6]\n")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "gpuplan", "batch", str(path), "--out", str(out), "-j", "1",
                             "--no-progress"], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        _wait_for(lambda: len(list(out.glob("*.ipynb"))) >= 2)
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # the batch's main process only, as the OOM killer would
        proc.wait()

    def group_gone() -> bool:  # its worker notices (parent pid watch), kills its kernel, exits
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return True
        return False

    try:
        _wait_for(group_gone, timeout_s=20)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.ipynb")}
    assert 2 <= len(before) < 6
    result = batch.run_batch(path, out, jobs=2, progress=False)
    assert result.skipped + result.recovered == len(before)
    assert result.ok == 6 - len(before)
    table = rows(out)
    assert len(table) == 6 and table["run_id"].is_unique and set(table["status"]) == {"ok"}
    assert sorted(table["cost_usd"]) == [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]
    after = {p.name: p.stat().st_mtime_ns for p in out.glob("*.ipynb")}
    assert {name: after[name] for name in before} == before  # finished runs not redone
    assert len(after) == 6


def test_ctrl_c_stops_cleanly_keeps_finished_runs_and_exits_130(tmp_path):
    path = write_grid(tmp_path, "fixed: {sleep_seconds: 0.4}\naxes:\n  hours: [1, 2, 3, 4, 5, 6, 7, 8]\n")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "gpuplan", "batch", str(path), "--out", str(out), "-j", "2",
                             "--no-progress"], cwd=ROOT, start_new_session=True, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            # a shell's background jobs inherit SIGINT ignored; a terminal's batch does not
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
    _wait_for(lambda: (out / "runs.csv").exists() and len(pd.read_csv(out / "runs.csv")) >= 1)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends to the foreground process group on Ctrl-C
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert stderr.strip().startswith("interrupted:") and stderr.strip().count("\n") == 0
    done = rows(out)
    assert 1 <= len(done) < 8 and set(done["status"]) == {"ok"}
    result = batch.run_batch(path, out, jobs=2, progress=False)
    assert result.ok + result.skipped + result.recovered == 8 and len(rows(out)) == 8


def test_report_html_has_an_inline_svg_chart_and_the_table(tmp_path):
    path = write_grid(tmp_path, "axes:\n  price_usd_per_hour: [1, 2]\n  utilization: [0.5, 1.0]\n")
    out = tmp_path / "out"
    batch.run_batch(path, out, jobs=2, progress=False)
    proc = cli("batch", "report", str(out))
    assert proc.returncode == 0, proc.stderr
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" in page and "<script" not in page  # static chart: renders offline
    assert "cost_usd" in page and all(rid in page for rid in rows(out)["run_id"])
    assert "4 runs, 4 ok, 0 failed" in page


def test_report_of_a_folder_without_runs_is_one_line(tmp_path):
    proc = cli("batch", "report", str(tmp_path))
    assert proc.returncode == 2 and "no runs.duckdb" in proc.stderr and "Traceback" not in proc.stderr


def test_example_grid_is_valid_and_has_at_least_12_runs():
    example = ROOT / "scenarios" / "grid-example.yaml"
    notebook = ROOT / "notebooks" / "03_cost_per_task.ipynb"
    if not notebook.exists():
        pytest.skip("notebooks/03_cost_per_task.ipynb not written yet")
    grid = batch.load_grid(example)
    assert len(grid.runs) >= 12


def test_a_cell_over_the_time_limit_fails_that_run_and_the_next_gets_a_fresh_kernel(tmp_path):
    path = write_grid(tmp_path, "runs:\n  - {sleep_seconds: 60}\n  - {hours: 2}\n")
    out = tmp_path / "out"
    result = batch.run_batch(path, out, jobs=1, timeout_s=1, progress=False)
    assert (result.ok, result.failed) == (1, 1)
    table = rows(out).set_index("status")
    assert table.loc["failed", "error"].startswith("CellTimeoutError: A cell timed out")
    assert table.loc["failed", "duration_seconds"] < 30  # stopped at the limit, not after the 60 s sleep
    assert table.loc["ok", "cost_usd"] == 4.0


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
