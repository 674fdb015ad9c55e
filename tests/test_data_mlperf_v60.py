"""The MLPerf Training v6.0 rows we scored ourselves, recomputed by hand from the run times they came from.

data/import/mlperf_training_v6.0_runs.csv holds run_start/run_stop (ms), status, global batch size and the
convergence point read from each result log. MLCommons' result_summarizer scores a result as the olympic mean of
the run times in minutes (the fastest and the slowest run dropped) times the RCP factor; each row's notes give the
log count, that factor and the unnormalised mean. This file reads the CSVs directly, with no gpuplan code.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict

import pytest
from conftest import csv_rows

RUNS_CSV = "import/mlperf_training_v6.0_runs.csv"
REQUIRED_RUNS = {"llama31_405b": 3, "deepseekv3_671b": 3}  # mlperf_logging benchmark_meta; 10 for the others
# mlcommons/logging 7bbf792, mlperf_logging/rcp_checker/training_6.0.0/rcps_llama2_70b_lora.json,
# "llama2_70b_lora_ref_8": the reference runs' samples to converge at global batch size 8
LORA_RCP_BS8 = [3072, 2688, 3456, 3072, 3072, 3072, 3456, 3456, 3072, 2688,
                3456, 3072, 3072, 3072, 3840, 3456, 2688, 3072, 3456, 3456]
# Krai's v6.0 folders that repeat its v5.1 results: folder -> the v5.1 row (MLCommons' own v5.1 score)
REPEATS_OF_V51 = {
    ("Krai", "PowerEdge-XE9680-MI300X-192GB_n1_v5.0", "llama2_70b_lora"): "2075",
    ("Krai", "PowerEdge-XE9680-MI300X-192GB_n1_v5.1", "llama2_70b_lora"): "2076",
}
LOGS = re.compile(r"logs: https://github\.com/mlcommons/training_results_v6\.0/tree/main/([^/]+)/results/([^/]+)/(\w+)")


def _runs() -> dict[tuple[str, str, str], list[dict]]:
    by_folder: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for run in csv_rows(RUNS_CSV):
        by_folder[run["submitter"], run["system"], run["benchmark"]].append(run)
    return by_folder


def _scored_rows() -> list[dict]:
    return [r for r in csv_rows("benchmarks.csv")
            if r["source_id"] == "mlperf-training-v6.0" and "scored from" in r["notes"]]


def _folder(row: dict) -> tuple[str, str, str]:
    match = LOGS.search(row["notes"])
    assert match, row["benchmark_id"]
    return match.group(1), match.group(2), match.group(3)


def _note_number(row: dict, label: str) -> float:
    match = re.search(label + r" ([0-9.]+)", row["notes"])
    assert match, (row["benchmark_id"], label)
    return float(match.group(1))


def _olympic(values: list[float]) -> float:
    ordered = sorted(values)
    return statistics.fmean(ordered[1:-1])


def _minutes(runs: list[dict]) -> list[float]:
    return [(int(r["run_stop_ms"]) - int(r["run_start_ms"])) / 60000 for r in runs]


def _lora_bs8_factor(runs: list[dict]) -> float:
    """rcp_checker's factor by hand: olympic mean of the reference samples over the submission's, at least 1."""
    return max(1.0, _olympic(LORA_RCP_BS8) / _olympic([float(r["converged_at"]) for r in runs]))


SCORED = _scored_rows()


def test_the_runs_file_is_well_formed():
    seen = set()
    for line, run in enumerate(csv_rows(RUNS_CSV), start=2):
        key = (run["submitter"], run["system"], run["benchmark"], run["result"])
        assert key not in seen, f"line {line}: {key} twice"
        seen.add(key)
        assert run["status"] == "success", f"line {line}"
        assert int(run["run_stop_ms"]) > int(run["run_start_ms"]), f"line {line}"
        assert int(run["global_batch_size"]) > 0 and float(run["converged_at"]) > 0, f"line {line}"
    assert len(SCORED) >= 68


@pytest.mark.parametrize("row", SCORED, ids=lambda r: r["benchmark_id"])
def test_a_scored_row_is_the_olympic_mean_of_its_runs_times_its_rcp_factor(row):
    runs = _runs()[_folder(row)]
    required = REQUIRED_RUNS.get(row["workload"], 10)
    assert len(runs) == int(re.search(r"scored from (\d+) result logs", row["notes"]).group(1)) >= required
    olympic = _olympic(_minutes(runs))
    assert olympic == pytest.approx(_note_number(row, "unnormalised olympic mean"), rel=1e-12)
    factor = _note_number(row, "RCP factor")
    assert factor >= 1.0  # rcp_checker only ever slows a result down
    assert float(row["value"]) == pytest.approx(olympic * factor, rel=1e-12)


LORA_BS8 = [r for r in SCORED if r["workload"] == "llama2_70b_lora"
            and {run["global_batch_size"] for run in _runs()[_folder(r)]} == {"8"}]


@pytest.mark.parametrize("row", LORA_BS8, ids=lambda r: r["benchmark_id"])
def test_the_rcp_factor_of_a_lora_row_at_batch_8_by_hand(row):
    assert _note_number(row, "RCP factor") == pytest.approx(_lora_bs8_factor(_runs()[_folder(row)]), rel=1e-12)


def test_lora_rows_at_batch_8_exist():
    assert len(LORA_BS8) >= 5


@pytest.mark.parametrize("folder", sorted(REPEATS_OF_V51))
def test_scoring_by_hand_gives_mlcommons_own_v51_score_for_a_repeated_folder(folder):
    """Krai committed its v5.1 LoRA runs again in v6.0; scored as above they give the v5.1 summary's value."""
    runs = _runs()[folder]
    assert len(runs) == 10
    v51 = next(r for r in csv_rows("benchmarks.csv") if r["benchmark_id"] == REPEATS_OF_V51[folder])
    assert v51["round"] == "v5.1" and f"/{folder[1]}/{folder[2]}" in v51["notes"]
    assert _olympic(_minutes(runs)) * _lora_bs8_factor(runs) == pytest.approx(float(v51["value"]), rel=1e-12)


def test_a_folder_with_runs_but_no_row_is_one_not_fully_read():
    scored = {_folder(r) for r in SCORED}
    for folder, runs in _runs().items():
        if folder not in scored and folder not in REPEATS_OF_V51:
            assert len(runs) < REQUIRED_RUNS.get(folder[2], 10), f"{folder}: all runs read but no row"
