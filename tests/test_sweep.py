"""gpuplan.sweep: the cartesian grid, the vectorized results against hand calculations, the runs table, CLI.

Anchor: HappyHorse 2026-04's worked example (seed claim 21): a job of 8 h on an A100 at $1.50/h costs $12.00,
the same job in 3 h on an H100 at $3.50/h costs $10.50.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from gpuplan import sweep
from gpuplan.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def test_happyhorse_example_and_break_even_by_hand():
    frame = sweep.sweep({"hours_a": 8, "speedup": 8 / 3, "price_a": 1.50, "price_b": 3.50})
    row = frame.iloc[0]
    assert len(frame) == 1
    assert row["cost_per_job_usd_a"] == pytest.approx(12.00)  # 8 h × $1.50
    assert row["cost_per_job_usd_b"] == pytest.approx(10.50)  # 3 h × $3.50
    assert row["difference_usd"] == pytest.approx(-1.50) and row["cheaper"] == "b"
    assert row["breakeven_speedup"] == pytest.approx(3.50 / 1.50)  # price ratio: 2.33×
    assert row["breakeven_price_b"] == pytest.approx(4.00)  # H100 ties at 8/3 × $1.50 = $4.00/h


def test_utilization_and_reruns_enter_every_row():
    # A: $2/h at 50% -> $4 per useful hour; B: $4/h at 100% with 100 reruns per 100 jobs -> $8 per useful hour
    frame = sweep.sweep({"hours_a": 10, "speedup": [1.0, 2.0, 4.0], "price_a": 2, "price_b": 4,
                         "utilization_a": 0.5, "reruns_b": 100})  # fmt: skip
    assert frame["breakeven_speedup"].tolist() == pytest.approx([2.0, 2.0, 2.0])
    assert frame["cost_per_job_usd_a"].tolist() == pytest.approx([40.0] * 3)  # 10 h / 0.5 × $2
    assert frame["cost_per_job_usd_b"].tolist() == pytest.approx([80.0, 40.0, 20.0])  # 10/s h × $4 × 2
    assert frame["cheaper"].tolist() == ["a", "tie", "b"]


def test_axes_lists_linspace_and_step_ranges_make_the_product():
    frame = sweep.grid_frame({
        "hours_a": 8,
        "speedup": {"start": 1.0, "stop": 3.0, "num": 5},  # 1.0, 1.5, 2.0, 2.5, 3.0
        "price_a": [1.5, 2.0],
        "price_b": {"start": 2.0, "stop": 3.0, "step": 0.25},  # 2.0 ... 3.0: 5 values, stop included
    })  # fmt: skip
    assert len(frame) == 1 * 5 * 2 * 5
    assert sorted(frame["speedup"].unique()) == [1.0, 1.5, 2.0, 2.5, 3.0]
    assert sorted(frame["price_b"].unique()) == [2.0, 2.25, 2.5, 2.75, 3.0]
    assert (frame["utilization_a"] == 1.0).all() and (frame["gpus"] == 1.0).all()  # defaults filled in
    assert not frame.duplicated().any()


@pytest.mark.parametrize(
    "axes, field",
    [
        ({"hours_a": 8, "speedup": 2, "price_a": 1, "price_b": 2, "colour": [1]}, "axes: colour"),
        ({"hours_a": 8, "speedup": 2, "price_a": 1}, "axes: price_b"),
        ({"hours_a": 8, "speedup": 2, "price_a": 1, "price_b": 2, "utilization_b": [0.5, 1.2]}, "utilization_b"),
        ({"hours_a": 8, "speedup": [2, 0], "price_a": 1, "price_b": 2}, "speedup"),
        ({"hours_a": 8, "speedup": "fast", "price_a": 1, "price_b": 2}, "axes: speedup"),
        ({"hours_a": 8, "speedup": {"start": 1, "stop": 2}, "price_a": 1, "price_b": 2}, "axes: speedup"),
        ({"hours_a": float("inf"), "speedup": 2, "price_a": 1, "price_b": 2}, "axes: hours_a"),
        ({"hours_a": 8, "speedup": {"start": 1, "stop": float("inf"), "step": 1}, "price_a": 1, "price_b": 2},
         "axes: speedup"),
        ({"hours_a": 8, "speedup": {"start": 0, "stop": 1, "step": 1e-9}, "price_a": 1, "price_b": 2},
         "axes: speedup"),  # 10^9 values: refused before any array is made
        ({"hours_a": 8, "speedup": {"start": 1, "stop": 4, "num": 10**4}, "price_a": 1,
          "price_b": {"start": 1, "stop": 9, "num": 10**4}}, "axes"),  # 10^8 points: too many
    ],
)  # fmt: skip
def test_bad_axes_raise_one_line_naming_the_input(axes, field):
    with pytest.raises(InputError) as err:
        sweep.sweep(axes)
    assert str(err.value).startswith(field) and "\n" not in str(err.value)


def test_runs_table_has_one_row_per_scenario_with_unique_ids(tmp_path):
    frame = sweep.sweep({"hours_a": 8, "speedup": [1.5, 2.0, 3.0], "price_a": [1.5, 2.0], "price_b": [2.5, 3.5]})
    sweep.write(frame, tmp_path, csv=True)
    with duckdb.connect(str(tmp_path / "runs.duckdb"), read_only=True) as con:
        table = con.execute("SELECT * FROM runs").df()
    assert len(table) == 3 * 2 * 2 and table["run_id"].is_unique and set(table["status"]) == {"ok"}
    assert table["run_id"].str.fullmatch(r"[0-9a-f]{12}").all()
    assert list(table.columns[:2]) == ["run_id", "status"] and set(sweep.RESULTS) <= set(table.columns)
    csv = pd.read_csv(tmp_path / "runs.csv", dtype={"run_id": str})
    assert csv["run_id"].tolist() == table["run_id"].tolist()
    np.testing.assert_allclose(csv["cost_per_job_usd_b"], table["cost_per_job_usd_b"])
    assert not list(tmp_path.glob(".*tmp*"))
    # same inputs, same ids
    sweep.write(sweep.sweep({"hours_a": 8, "speedup": [1.5, 2.0, 3.0], "price_a": [1.5, 2.0],
                             "price_b": [2.5, 3.5]}), tmp_path / "again")  # fmt: skip
    with duckdb.connect(str(tmp_path / "again" / "runs.duckdb"), read_only=True) as con:
        assert sorted(con.execute("SELECT run_id FROM runs").df()["run_id"]) == sorted(table["run_id"])


def test_cli_sweep_writes_the_table_and_bad_grids_are_one_line(tmp_path):
    grid = tmp_path / "s.yaml"
    grid.write_text("axes:\n  hours_a: 8\n  speedup: [2, 3]\n  price_a: 1.5\n  price_b: [3, 4, 5]\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "gpuplan", "sweep", str(grid), "--out", str(tmp_path / "o"),
                           "--json"], capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    import json

    summary = json.loads(proc.stdout)
    assert summary["points"] == 6
    # B cheaper when speedup > price_b / 1.5: (2, 3)? no; (3, 3) 3 > 2 yes; (3, 4) 3 > 2.67 yes; others no
    assert summary["share_b_cheaper"] == pytest.approx(2 / 6)
    grid.write_text("axes:\n  hours_a: 8\n  speedup: 2\n  price_a: 1.5\n  price_b: 3\n  utilization_a: 1.5\n",
                    encoding="utf-8")  # fmt: skip
    proc = subprocess.run([sys.executable, "-m", "gpuplan", "sweep", str(grid), "--out", str(tmp_path / "bad")],
                          capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "utilization_a" in proc.stderr
    assert not (tmp_path / "bad").exists()


def test_example_sweep_grid_loads():
    axes = sweep.load_sweep(ROOT / "scenarios" / "sweep-example.yaml")
    assert len(sweep.grid_frame(axes)) == 1 * 61 * 3 * 121 * 4 * 3  # as its comment says
