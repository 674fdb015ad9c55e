"""Bad input refused by class (issue 10): each case exits 2 (or raises one InputError/DataError) with one line
naming the field, file or line, and leaves nothing half-written.

The classes: non-finite and absurd numbers in the CSVs, dates in the future, unit slips, a query command that
must only read, a foreign file behind GPUPLAN_DB, temp files of a killed build, duplicate YAML keys, a stale
sweep CSV, overflowing options, and notebook parameters given to papermill with a bad value or a misspelled
name. Expected messages are the contract written out here, not copied from a run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from gpuplan import data, params, sweep
from gpuplan.errors import DataError, InputError

REPO = Path(__file__).resolve().parent.parent


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _replace_line(path: Path, line_no: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line_no - 1], (old, lines[line_no - 1])
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def _gpuplan(*args: str, env: dict | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gpuplan", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=120)


def _one_line_exit_2(proc: subprocess.CompletedProcess, *needles: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-500:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# ------------------------------------------------------------------ non-finite, absurd and future values in CSVs
# gpus.csv line 2: a100-sxm4-40gb ",40,HBM2,1555,19.5,"; prices.csv line 3: price_id 2, $4.25, 2023-01-12;
# benchmarks.csv line 2: benchmark 1, 38.39859375 minutes, higher_is_better false
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()
CSV_CASES = {
    "nan memory": (("gpus.csv", 2, ",40,HBM2,", ",nan,HBM2,"),
                   "gpus.csv line 2, column memory_gb: 'nan' is not a finite number"),
    "inf bandwidth": (("gpus.csv", 2, ",1555,", ",inf,"),
                      "gpus.csv line 2, column memory_bandwidth_gbps: 'inf' is not a finite number"),
    "1e400 price": (("prices.csv", 3, ",4.25,", ",1e400,"),
                    "prices.csv line 3, column usd_per_gpu_hour: '1e400' is not a finite number"),
    "memory in MB": (("gpus.csv", 2, ",40,HBM2,", ",40960,HBM2,"),
                     "gpus.csv line 2, column memory_gb: 40960.0 is outside the plausible range 4 to 1024"),
    "bandwidth in TB/s": (("gpus.csv", 2, ",1555,", ",1.555,"),
                          "gpus.csv line 2, column memory_bandwidth_gbps: 1.555 is outside the plausible range 100"),
    "sparse-sized TFLOPS in PFLOPS": (("gpus.csv", 2, ",156,312,312,", ",156,0.312,312,"),
                                      "gpus.csv line 2, column bf16_tflops_dense: 0.312 is outside the plausible range 1"),
    "price per 8-GPU instance": (("prices.csv", 3, ",4.25,", ",98.32,"),
                                 "prices.csv line 3, column usd_per_gpu_hour: 98.32 is outside the plausible range 0.01 to 50"),
    "hours as a unit": (("benchmarks.csv", 2, ",minutes,false,", ",hours,false,"),
                        "benchmarks.csv line 2, column unit: 'hours' is not one of 'minutes'"),
    "minutes vs hours value": (("benchmarks.csv", 2, ",38.39859375,minutes,", ",2303915.625,minutes,"),
                               "benchmarks.csv line 2, column unit, value: unit='minutes', value=2303915.625 fails CHECK"),
    "a time marked higher is better": (("benchmarks.csv", 2, ",minutes,false,", ",minutes,true,"),
                                       "benchmarks.csv line 2, column unit, higher_is_better"),
    "price dated in the future": (("prices.csv", 3, ",2023-01-12,", f",{TOMORROW},"),
                                  f"prices.csv line 3, column date_observed: '{TOMORROW}' is after today"),
}


@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_bad_value_in_csv_is_one_line_and_keeps_old_db(data_copy, case):
    db = data.build()
    digest = _sha(db)
    (name, line, old, new), expected = CSV_CASES[case]
    _replace_line(data_copy / name, line, old, new)
    with pytest.raises(DataError) as err:
        data.build()
    message = str(err.value)
    assert "\n" not in message
    assert f"{data_copy}/{expected}" in message, message
    assert _sha(db) == digest
    assert sorted(p.name for p in data_copy.iterdir() if "duckdb" in p.name) == ["gpuplan.duckdb"]


def test_future_dated_price_never_becomes_the_latest(data_copy):
    """Before the guard, a price dated tomorrow silently became latest_price; now the build refuses it (CLI too)."""
    _replace_line(data_copy / "prices.csv", 3, ",2023-01-12,", f",{TOMORROW},")
    proc = _gpuplan("data", "build", env={"GPUPLAN_DATA_DIR": str(data_copy)})
    _one_line_exit_2(proc, "prices.csv line 3, column date_observed", "future")


def test_utf8_byte_order_mark_is_accepted(data_copy):
    """Excel's 'CSV UTF-8' writes a BOM; it used to be reported as a missing column 'price_id'."""
    path = data_copy / "prices.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    data.build()
    assert data.query("SELECT usd_per_gpu_hour FROM prices WHERE price_id = 2")["usd_per_gpu_hour"].iloc[0] == 4.25


def test_killed_build_leaves_no_temp_files_behind(data_copy):
    """A build killed by SIGKILL cannot clean up; the next build removes temp files whose process is gone and
    keeps those of a live builder (this process's parent stands in for one)."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = [data_copy / f"gpuplan.duckdb.tmp{dead_pid}-0123abcd", data_copy / f"gpuplan.duckdb.tmp{dead_pid}-0123abcd.wal"]
    live = data_copy / f"gpuplan.duckdb.tmp{os.getppid()}-89abcdef"
    for path in [*stale, live]:
        path.write_bytes(b"half-written")
    data.build()
    assert not any(path.exists() for path in stale)
    assert live.exists()


# ------------------------------------------------------------------ GPUPLAN_DB and the read-only query command
def test_gpuplan_db_pointing_at_another_file_is_refused_not_overwritten(tmp_path):
    victim = tmp_path / "notes.md"
    victim.write_text("my notes\n")
    proc = _gpuplan("data", "query", "SELECT 1", env={"GPUPLAN_DB": str(victim)})
    _one_line_exit_2(proc, str(victim), "not a DuckDB database")
    assert victim.read_text() == "my notes\n"


def test_gpuplan_db_in_a_folder_that_cannot_exist(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = _gpuplan("data", "query", "SELECT 1", env={"GPUPLAN_DB": str(blocker / "sub" / "g.duckdb")})
    _one_line_exit_2(proc, "cannot create its folder")


def test_query_cannot_write_a_file(data_copy, tmp_path):
    """`data query "COPY ... TO 'data/prices.csv'"` used to overwrite a source CSV and exit 0."""
    data.build()
    target = data_copy / "prices.csv"
    before = _sha(target)
    env = {"GPUPLAN_DATA_DIR": str(data_copy)}
    copy = _gpuplan("data", "query", f"COPY (SELECT 1 AS x) TO '{target}' (HEADER)", env=env)
    _one_line_exit_2(copy, "COPY statements are not allowed")
    reader = _gpuplan("data", "query", f"SELECT * FROM read_csv('{target}')", env=env)
    _one_line_exit_2(reader, "sql:", "disabled")
    assert _sha(target) == before


@pytest.mark.parametrize("sql, needle", [
    ("", "empty query"),
    ("   ;  ", "empty query"),
    ("SELECT 1; SELECT 2", "2 statements"),
    ("ATTACH 'other.duckdb'", "ATTACH statements are not allowed"),
    ("SET threads = 1", "SET statements are not allowed"),
    ("CREATE TABLE t (x INT)", "CREATE statements are not allowed"),
    ("SELECT nope FROM gpus", "sql:"),
])
def test_query_refuses_what_does_not_only_read(sql, needle):
    with pytest.raises(InputError) as err:
        data.read_only_query(sql)
    assert err.value.field == "sql" and needle in str(err.value) and "\n" not in str(err.value)


def test_query_still_reads():
    frame = data.read_only_query("SELECT gpu_id, memory_gb FROM gpus WHERE gpu_id = 'a100-sxm4-40gb'")
    assert frame.to_dict("records") == [{"gpu_id": "a100-sxm4-40gb", "memory_gb": 40.0}]
    assert data.query("SELECT count(*) AS n FROM gpus")["n"].iloc[0] >= 12  # the normal connection works after it


# ------------------------------------------------------------------ options: overflow and absurd values
@pytest.mark.parametrize("args, needle", [
    (["cost", "--gpu", "h100-sxm5-80gb", "--hours", "1e308", "--price", "2"], "--hours: 1e+308 is outside"),
    (["cost", "--gpu", "h100-sxm5-80gb", "--hours", "3", "--price", "1e300"], "--price"),
    (["cost", "--gpu", "h100-sxm5-80gb", "--hours", "nan", "--price", "2"], "--hours"),
    (["breakeven", "--gpu-a", "a100-sxm4-80gb", "--gpu-b", "h100-sxm5-80gb", "--price-a", "1e308",
      "--price-b", "3"], "--price-a"),
])
def test_absurd_numbers_exit_2(args, needle):
    _one_line_exit_2(_gpuplan(*args), needle)


def test_sweep_with_huge_hours_is_refused_before_anything_is_written(tmp_path):
    grid = tmp_path / "g.yaml"
    grid.write_text("axes:\n  price_a: 1.89\n  price_b: 2.79\n  hours_a: [1, 1.0e+308]\n  speedup: 2\n")
    with pytest.raises(InputError) as err:
        sweep.run_sweep(grid, tmp_path / "out")
    assert "hours" in str(err.value)
    assert not (tmp_path / "out" / "runs.duckdb").exists()


def test_rerunning_a_sweep_without_csv_removes_the_old_csv(tmp_path):
    grid = tmp_path / "g.yaml"
    grid.write_text("axes:\n  price_a: 1.89\n  price_b: [2.79, 3.99]\n  hours_a: 8\n  speedup: 2\n")
    out = tmp_path / "out"
    sweep.run_sweep(grid, out, csv=True)
    assert (out / "runs.csv").exists()
    sweep.run_sweep(grid, out, csv=False)
    assert sorted(p.name for p in out.iterdir()) == ["runs.duckdb"]


# ------------------------------------------------------------------ YAML
@pytest.mark.parametrize("text, line, key", [
    ("a: 1\nb: 2\na: 3\n", 3, "a"),
    ("fixed:\n  x: 1\n  y: 2\n  x: 5\n", 4, "x"),
])
def test_duplicate_yaml_keys_are_refused_with_file_and_line(tmp_path, text, line, key):
    path = tmp_path / "edition.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        params.read_yaml(path, "params")
    assert f"{path} line {line}" in str(err.value) and f"duplicate key {key!r}" in str(err.value)


def test_duplicate_key_in_an_edition_via_cli(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("notebooks/03_cost_per_task.ipynb:\n  h100_usd_per_hour: 2.5\n  h100_usd_per_hour: 3.5\n")
    _one_line_exit_2(_gpuplan("book", "--params", str(path)), "line 3", "duplicate key 'h100_usd_per_hour'")


# ------------------------------------------------------------------ notebook parameters through papermill
def _papermill(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "papermill", str(REPO / "notebooks" / "06_claims_check.ipynb"),
                           str(tmp_path / "out.ipynb"), "--cwd", str(REPO / "notebooks"), *args],
                          capture_output=True, text=True, timeout=300)


def _error_outputs(path: Path) -> list[dict]:
    nb = nbformat.read(path, as_version=4)
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]


def test_papermill_bad_value_is_one_line_in_the_notebook(tmp_path):
    proc = _papermill(tmp_path, "-p", "h100_usd_per_hour", "-3")
    assert proc.returncode != 0
    (error,) = _error_outputs(tmp_path / "out.ipynb")
    assert error["traceback"] == ["InputError: h100_usd_per_hour: must be >= 0 USD (got -3)"]


def test_papermill_misspelled_parameter_is_refused(tmp_path):
    """papermill only warns about an unknown -p name and ran with the defaults; now the validation cell stops."""
    proc = _papermill(tmp_path, "-p", "h100_usd_per_hr", "2.5")
    assert proc.returncode != 0
    (error,) = _error_outputs(tmp_path / "out.ipynb")
    assert error["traceback"][0].startswith("InputError: h100_usd_per_hr: unknown parameter")


# ------------------------------------------------------------------ gpuplan run: papermill -p with the contract
NB06 = str(REPO / "notebooks" / "06_claims_check.ipynb")


@pytest.mark.parametrize("args, needle", [
    (["-p", "h100_usd_per_hour=-3"], "error: h100_usd_per_hour: must be >= 0 USD (got -3.0)"),
    (["-p", "h100_usd_per_hr=3"], "error: h100_usd_per_hr: unknown parameter of 06_claims_check.ipynb"),
    (["-p", "h100_usd_per_hour=abc"], "error: h100_usd_per_hour: must be float or None (got 'abc')"),
    (["-p", "gpu_b=nope"], "error: gpu_b: unknown GPU 'nope'"),
    (["-p", "novalue"], "error: -p: 'novalue': write NAME=VALUE"),
])
def test_run_refuses_bad_parameters_before_any_kernel_starts(tmp_path, args, needle):
    proc = _gpuplan("run", NB06, str(tmp_path / "out.ipynb"), *args)
    assert _one_line_exit_2(proc).startswith(needle)
    assert not (tmp_path / "out.ipynb").exists()


def test_run_reports_a_failing_cell_as_one_line(tmp_path):
    bad = tmp_path / "catalog.csv"
    bad.write_text("gpu_id,provider,kind,usd_per_gpu_hour\nh100-sxm5-80gb,X,on-demand,abc\n", encoding="utf-8")
    proc = _gpuplan("run", NB06, str(tmp_path / "out.ipynb"), "-p", f"prices={bad}")
    line = _one_line_exit_2(proc, "06_claims_check.ipynb: cell ", "InputError: prices:")
    assert f"{bad} line 2, column usd_per_gpu_hour: 'abc' is not a number" in line
