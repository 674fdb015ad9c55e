"""The nbval regression suite sees drift: one changed number per data table makes at least one cell fail.

`make test` runs ``pytest --nbval notebooks/ --nbval-sanitize-with tests/sanitize.cfg`` on the committed
notebooks (their outputs, executed with default parameters, are the baseline). Here, for each table the
notebooks read, a copy of data/ gets ONE number changed, a temporary database is built from it
(GPUPLAN_DATA_DIR / GPUPLAN_DB, see gpuplan.data) and nbval runs on the notebooks against it: it must report
an output mismatch. A control run on an unchanged copy must pass, so the failures come from the number and
not from the copying. Also checked: the committed baselines carry no volatile metadata (``make notebooks``).

Determinism: every copy has the rows of every CSV shuffled (a fixed seed, header first), and nbval runs with
another DuckDB thread count, another PYTHONHASHSEED and another time zone than `make test`'s own nbval pass.
The control run must still reproduce the committed outputs byte for byte (after the one sanitizer for
Altair's random element id): no output may depend on CSV row order, scan order, threads, hashing or the clock.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from gpuplan import book

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

# table, id column, row id, column: a number the notebooks show or compute with (read in notebooks/*.ipynb)
MUTATIONS = [
    ("gpus", "gpu_id", "h100-sxm5-80gb", "memory_bandwidth_gbps"),   # data tour spec table, claims 11
    ("prices", "price_id", "54", "usd_per_gpu_hour"),                # latest RunPod Secure Cloud H100 on-demand
    ("benchmarks", "benchmark_id", "1908", "value"),                 # H100 BF16 MAMF (claims check)
    ("models", "model_id", "llama-3.1-8b", "layers"),                # memory planning's default model
]


#: what the determinism runs change with respect to `make test`'s own nbval pass
SHUFFLE_SEED = 20261202
DETERMINISM_ENV = {"GPUPLAN_DUCKDB_THREADS": "3", "PYTHONHASHSEED": "4242", "TZ": "Pacific/Kiritimati"}


def _shuffle_rows(path: Path, seed: int) -> None:
    """Rewrite a CSV with its data rows in a random (seeded) order; quoted newlines survive (csv module)."""
    with path.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    before = sorted(map(tuple, rows))
    random.Random(f"{seed}-{path.name}").shuffle(rows)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])
    assert sorted(map(tuple, rows)) == before and len(rows) > 1


def _copy_data(tmp_path: Path) -> Path:
    """A copy of data/ whose CSV rows are shuffled (same rows, other order)."""
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target, ignore=shutil.ignore_patterns("*.duckdb*", "__pycache__"))
    for path in sorted(target.glob("*.csv")):
        _shuffle_rows(path, SHUFFLE_SEED)
    return target


def _mutate(data_dir: Path, table: str, id_column: str, row_id: str, column: str) -> tuple[str, str]:
    """Change one number in data_dir/<table>.csv: +1 for a whole number, ×1.1 otherwise. Returns (old, new)."""
    path = data_dir / f"{table}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    matches = [row for row in rows if row[id_column] == row_id]
    assert len(matches) == 1, f"{table}.csv: no single row {id_column}={row_id} (update MUTATIONS)"
    old = matches[0][column]
    number = float(old)  # a ValueError here means the chosen cell is not a number: update MUTATIONS
    new = str(int(number) + 1) if number.is_integer() and "." not in old else f"{number * 1.1:.4f}"
    matches[0][column] = new
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return old, new


def _nbval(tmp_path: Path, data_dir: Path, stop_at_first: bool) -> subprocess.CompletedProcess:
    env = dict(os.environ, GPUPLAN_DATA_DIR=str(data_dir), GPUPLAN_DB=str(tmp_path / "gpuplan.duckdb"),
               **DETERMINISM_ENV)
    build = subprocess.run([sys.executable, "-m", "gpuplan", "data", "build"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    command = [sys.executable, "-m", "pytest", "--nbval", *map(str, NOTEBOOKS),
               "--nbval-sanitize-with", str(ROOT / "tests" / "sanitize.cfg"), "-q", "-p", "no:cacheprovider"]
    return subprocess.run(command + (["-x"] if stop_at_first else []), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def control(tmp_path_factory) -> subprocess.CompletedProcess:
    tmp_path = tmp_path_factory.mktemp("control")
    return _nbval(tmp_path, _copy_data(tmp_path), stop_at_first=True)


def test_notebooks_exist():
    assert [path.name[:2] for path in NOTEBOOKS] == ["00", "01", "02", "03", "04", "05", "06", "07"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_baseline_is_executed_and_normalized(path):
    """Committed with outputs and without volatile metadata (what `make notebooks` leaves)."""
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(cell.execution_count for cell in code), "not executed: run `make notebooks`"
    assert book.normalize(nbformat.read(path, as_version=4)) == nb, "volatile metadata: run `make notebooks`"


def test_shuffled_copy_of_the_data_reproduces_the_baselines(control):
    """Shuffled CSV rows, 3 DuckDB threads, another hash seed and time zone: the same outputs as committed."""
    assert control.returncode == 0, control.stdout[-3000:]


def test_shuffled_copy_differs_in_row_order_only(tmp_path):
    data_dir = _copy_data(tmp_path)
    for path in sorted((ROOT / "data").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as a, (data_dir / path.name).open(newline="", encoding="utf-8") as b:
            original, shuffled = list(csv.reader(a)), list(csv.reader(b))
        assert original[0] == shuffled[0] and sorted(original[1:]) == sorted(shuffled[1:])
        assert original[1:] != shuffled[1:], f"{path.name}: the shuffle left the rows in order"


@pytest.mark.parametrize("table, id_column, row_id, column", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_one_changed_number_fails_nbval(control, tmp_path, table, id_column, row_id, column):
    assert control.returncode == 0, "the unchanged (shuffled) copy must pass first"
    data_dir = _copy_data(tmp_path)
    old, new = _mutate(data_dir, table, id_column, row_id, column)
    assert old != new
    result = _nbval(tmp_path, data_dir, stop_at_first=True)
    assert result.returncode == 1, f"{table}.{column} {old} -> {new} went unnoticed:\n{result.stdout[-2000:]}"
    assert "Cell outputs differ" in result.stdout  # an output mismatch, not a crashing cell
    assert "1 failed" in result.stdout
