"""Tests for gpuplan.data: sourced CSVs -> validated, atomic, deterministic DuckDB build; lookups.

Expected values come from the sources named next to them (NVIDIA datasheet figures as quoted in the
reference dataset, ../shared/reference/gpu_specs.csv and gpu_prices.csv) or from hand calculations here.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from gpuplan import data
from gpuplan.errors import DataError, InputError

REPO = Path(__file__).resolve().parent.parent
TABLES_WITH_SOURCE = ("gpus", "spec_values", "prices", "benchmarks", "models")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----------------------------------------------------------------------------------------------- sources
@pytest.mark.parametrize("table", TABLES_WITH_SOURCE)
def test_every_row_cites_a_source_that_resolves(table):
    rows = data.query(f"SELECT count(*) AS n FROM {table}")["n"].iloc[0]
    assert rows > 0
    orphans = data.query(f"SELECT source_id FROM {table} WHERE source_id NOT IN (SELECT source_id FROM sources)")
    assert orphans.empty


def test_sources_carry_provenance():
    src = data.sources()
    assert src["source_id"].is_unique
    assert src["title"].str.len().min() > 0 and src["reliability"].str.len().min() > 0
    # the MLPerf Training v4.0 results repo is dated by its first commit (reference README: 2024-06-11)
    assert src.set_index("source_id").loc["mlperf-training-v4.0", "published_date"] == "2024-06-11"


# ----------------------------------------------------------------------------------------------- dense figures
def test_dense_columns_hold_dense_figures():
    g = data.gpus().set_index("gpu_id")
    # NVIDIA H100 SXM datasheet: 1,979 TFLOPS BF16 "with sparsity" -> dense = 1979 / 2 = 989.5 (989.4 in the table)
    assert g.loc["h100-sxm5-80gb", "bf16_tflops_dense"] == pytest.approx(1979 / 2, abs=0.5)
    assert g.loc["h100-sxm5-80gb", "fp8_tflops_dense"] == pytest.approx(3958 / 2, abs=0.5)
    # NVIDIA A100 datasheet: 312 TFLOPS BF16 dense (624 with sparsity), same on all three A100 variants
    for gid in ("a100-sxm4-40gb", "a100-sxm4-80gb", "a100-pcie-80gb"):
        assert g.loc[gid, "bf16_tflops_dense"] == 312
        assert g.loc[gid, "fp16_tflops_dense"] == 312
        assert g.loc[gid, "tf32_tflops_dense"] == 156  # 312 with sparsity / 2
    assert g.loc["h100-sxm5-80gb", "memory_bandwidth_gbps"] == 3350  # 3.35 TB/s
    # the reference's bf16_fp16 column fills both bf16 and fp16
    assert (g["bf16_tflops_dense"].dropna() == g["fp16_tflops_dense"].dropna()).all()


def test_no_fp8_on_ampere_and_prose_moved_to_notes():
    g = data.gpus().set_index("gpu_id")
    assert pd.isna(g.loc["a100-sxm4-80gb", "fp8_tflops_dense"])  # Ampere has no FP8: empty, not a guess
    assert "no FP8" in g.loc["a100-sxm4-80gb", "notes"]
    # B200: NVIDIA-derived 180 GB stored, the 192 GB disagreement recorded in notes and spec_values
    assert g.loc["b200-sxm-180gb", "memory_gb"] == 180
    assert "192" in g.loc["b200-sxm-180gb", "notes"]
    other = data.query("SELECT value FROM spec_values WHERE gpu_id = ? AND field = 'memory_gb'", ["b200-sxm-180gb"])
    assert {"180", "192"} <= set(other["value"])


def test_dense_never_exceeds_half_of_a_sparse_figure_by_much():
    """Where a source gives a 'sparse' BF16/FP16 figure, the stored dense value is about half of it.

    GeForce cards are left out: their sparse figures are quoted with FP16 accumulate, the stored dense figure
    with FP32 accumulate (half rate) -- reference README caveat 2.
    """
    df = data.query(
        "SELECT g.gpu_id, g.bf16_tflops_dense, TRY_CAST(s.value AS DOUBLE) AS sparse FROM gpus g "
        "JOIN spec_values s USING (gpu_id) WHERE s.field = 'bf16_fp16_tflops' AND s.basis = 'sparse' "
        "AND TRY_CAST(s.value AS DOUBLE) IS NOT NULL AND g.gpu_id NOT LIKE 'rtx%'"
    )
    assert len(df) >= 5
    ratio = df["sparse"] / df["bf16_tflops_dense"]
    assert ratio.between(1.9, 2.1).all(), df[~ratio.between(1.9, 2.1)]


# ----------------------------------------------------------------------------------------------- views
def test_latest_price_keeps_history_and_picks_newest():
    # reference gpu_prices.csv: Spheron RTX 5090 on-demand $0.76 (2026-03-10) then $0.86 (2026-05-03)
    hist = data.query(
        "SELECT usd_per_gpu_hour, date_observed FROM prices WHERE gpu_id = ? AND provider = 'Spheron' "
        "AND kind = 'on-demand' ORDER BY date_observed",
        ["rtx5090-32gb"],
    )
    assert list(hist["usd_per_gpu_hour"]) == [0.76, 0.86]
    latest = data.latest_price("rtx5090-32gb", provider="spheron")
    assert latest["usd_per_gpu_hour"] == 0.86 and str(latest["date_observed"]) == "2026-05-03"
    assert latest["source_id"] == "spheron-rtx5090-vs-4090"


def test_price_performance_hand_calculation():
    # Lambda 1x H100 SXM on-demand $4.29 (silybench gpu_prices.csv, checked 2026-09-25; the newest Lambda row);
    # dense BF16 989.4 TFLOPS = 0.9894 PFLOP/s; 3.35 TB/s; 80 GB
    row = data.query(
        "SELECT * FROM price_performance WHERE gpu_id = ? AND provider = 'Lambda' AND kind = 'on-demand'",
        ["h100-sxm5-80gb"],
    ).iloc[0]
    assert row["usd_per_gpu_hour"] == 4.29 and pd.Timestamp(row["date_observed"]) == pd.Timestamp("2026-09-25")
    assert row["usd_per_dense_pflop_hour"] == pytest.approx(4.29 / 0.9894)  # 4.3360
    assert row["usd_per_tbps_hour"] == pytest.approx(4.29 / 3.35)  # 1.2806
    assert row["usd_per_gb_hour"] == pytest.approx(4.29 / 80)  # 0.053625


def test_latest_price_errors():
    with pytest.raises(InputError, match="no spot price for a100-pcie-80gb"):
        data.latest_price("a100-pcie-80gb", kind="spot")
    with pytest.raises(InputError, match="kind"):
        data.latest_price("h100 sxm", kind="monthly")


def test_benchmarks_direction_and_scope():
    b = data.benchmarks()
    ttt = b[b["metric"] == "time_to_train"]
    assert len(ttt) > 0 and not ttt["higher_is_better"].any()
    assert b[b["unit"].isin(["tokens/s", "samples/s", "TFLOPS"])]["higher_is_better"].all()
    # several scales per GPU for the scaling model: GPT-3 on H100 SXM from 8-GPU-class to thousands of GPUs
    gpt3 = b[(b["workload"] == "gpt3") & (b["gpu_id"] == "h100-sxm5-80gb")]
    assert gpt3["gpu_count"].nunique() >= 5 and gpt3["gpu_count"].max() >= 3584
    # MosaicML MPT-7B on 8x H100: 10643 tokens/s/GPU (llm-foundry benchmarking README)
    mpt = b[(b["model"] == "MPT-7b") & (b["gpu_id"] == "h100-sxm5-80gb")]
    assert mpt["value"].tolist() == [10643]


def test_model_catalog_values():
    m = data.model("Llama-3.1-70B")
    assert (m["layers"], m["hidden_size"], m["attention_heads"], m["kv_heads"]) == (80, 8192, 64, 8)
    mix = data.model("mixtral-8x7b")
    assert mix["params_active"] < mix["params_total"]
    assert data.model("flux.1-dev")["latent_channels"] == 16
    with pytest.raises(InputError, match="unknown model 'gpt-9'"):
        data.model("gpt-9")


# ----------------------------------------------------------------------------------------------- resolve_gpu
@pytest.mark.parametrize(
    "name, gpu_id",
    [
        ("h100-sxm", "h100-sxm5-80gb"),
        ("h100 sxm", "h100-sxm5-80gb"),
        ("H100 SXM5", "h100-sxm5-80gb"),
        ("H100-SXM5-80GB", "h100-sxm5-80gb"),
        ("h100 pcie", "h100-pcie-80gb"),
        ("H100 NVL", "h100-nvl-94gb"),
        ("a100-80gb-sxm", "a100-sxm4-80gb"),
        ("A100 40GB SXM4", "a100-sxm4-40gb"),
        ("h200", "h200-sxm-141gb"),
        ("b200", "b200-sxm-180gb"),
        ("l40s", "l40s-48gb"),
        ("4090", "rtx4090-24gb"),
        ("rtx 4090", "rtx4090-24gb"),
        ("5090", "rtx5090-32gb"),
        ("MI300X", "mi300x-192gb"),
    ],
)
def test_resolve_gpu_aliases(name, gpu_id):
    assert data.resolve_gpu(name) == gpu_id


def test_resolve_gpu_ambiguous_and_unknown():
    with pytest.raises(InputError) as err:
        data.resolve_gpu("h100")
    assert str(err.value) == "gpu: 'h100' is ambiguous; candidates: h100-nvl-94gb, h100-pcie-80gb, h100-sxm5-80gb"
    with pytest.raises(InputError, match="candidates: a100-pcie-80gb, a100-sxm4-40gb, a100-sxm4-80gb"):
        data.resolve_gpu("a100")
    with pytest.raises(InputError, match="unknown GPU 'tpu-v5'; known: a100-pcie-80gb"):
        data.resolve_gpu("tpu-v5")
    assert data.gpu("h100 sxm")["memory_gb"] == 80


# ----------------------------------------------------------------------------------------------- build
def test_two_builds_give_identical_results(tmp_path):
    a = data.build(data.DATA_DIR, tmp_path / "a.duckdb")
    b = data.build(data.DATA_DIR, tmp_path / "b.duckdb")
    for table in ("sources", "gpus", "spec_values", "prices", "benchmarks", "models", "latest_prices", "price_performance",
                  "meta"):
        with duckdb.connect(str(a), read_only=True) as ca, duckdb.connect(str(b), read_only=True) as cb:
            da = ca.execute(f"SELECT * FROM {table}").df()
            db = cb.execute(f"SELECT * FROM {table}").df()
        sort = list(da.columns)
        assert da.sort_values(sort).reset_index(drop=True).equals(db.sort_values(sort).reset_index(drop=True)), table


def test_closing_a_connection_does_not_break_later_lookups():
    data.connect().close()  # gpuplan.book does this after forcing a build
    assert data.resolve_gpu("H100 PCIe") == "h100-pcie-80gb"
    assert data.query("SELECT count(*) AS n FROM gpus")["n"].iloc[0] == 16


def test_connect_is_read_only_and_rebuilds_when_a_csv_changes(data_copy):
    con = data.connect()
    with pytest.raises(duckdb.Error):
        con.execute("DELETE FROM prices")
    before = data.latest_price("l40s", provider="Novita AI")["usd_per_gpu_hour"]
    assert before == 0.55  # reference gpu_prices.csv row: Novita AI L40S $0.55
    prices = data_copy / "prices.csv"
    prices.write_text(prices.read_text().replace("l40s-48gb,Novita AI,on-demand,0.55,", "l40s-48gb,Novita AI,on-demand,0.57,"))
    assert data.latest_price("l40s", provider="Novita AI")["usd_per_gpu_hour"] == 0.57
    # the same after another process rebuilt the file behind our back (DuckDB's per-path instance cache)
    prices.write_text(prices.read_text().replace("l40s-48gb,Novita AI,on-demand,0.57,", "l40s-48gb,Novita AI,on-demand,0.59,"))
    env = {**os.environ, "GPUPLAN_DATA_DIR": str(data_copy)}
    subprocess.run([sys.executable, "-m", "gpuplan", "data", "build"], check=True, capture_output=True, env=env, cwd=REPO)
    assert data.latest_price("l40s", provider="Novita AI")["usd_per_gpu_hour"] == 0.59
    stored = duckdb.connect(str(data_copy / "gpuplan.duckdb"), read_only=True)
    assert stored.execute("SELECT value FROM meta WHERE key = 'data_hash'").fetchone()[0] == data.data_hash()
    stored.close()


def _replace_line(path: Path, line_no: int, old: str, new: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    assert old in lines[line_no - 1], (old, lines[line_no - 1])
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    path.write_text("".join(lines))


def _drop_column(path: Path, column: str) -> None:
    import csv

    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    idx = rows[0].index(column)
    with path.open("w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([r[:idx] + r[idx + 1 :] for r in rows])


# prices.csv line 2 is price_id 1: CoreWeave H100 SXM $4.78 (2023-01-12); line 3 is price_id 2 ($4.25 H100 PCIe)
BAD_CASES = {
    "missing column": (lambda d: _drop_column(d / "prices.csv", "usd_per_gpu_hour"),
                       "prices.csv line 1, column usd_per_gpu_hour: missing column"),
    "non-numeric": (
        lambda d: _replace_line(d / "prices.csv", 3, ",4.25,", ",4.25usd,"),
        "prices.csv line 3, column usd_per_gpu_hour: '4.25usd' is not a number",
    ),
    "bad date": (
        lambda d: _replace_line(d / "prices.csv", 3, ",2023-01-12,", ",2023-13-45,"),
        "prices.csv line 3, column date_observed: '2023-13-45' is not a date YYYY-MM-DD",
    ),
    "unknown gpu_id": (
        lambda d: _replace_line(d / "prices.csv", 3, "h100-pcie-80gb", "h100-pcie"),
        "prices.csv line 3, column gpu_id: unknown gpu_id 'h100-pcie' (not in",
    ),
    "unknown source_id": (
        lambda d: _replace_line(d / "prices.csv", 3, "coreweave-docs-2023-01", "coreweave-docs"),
        "prices.csv line 3, column source_id: unknown source_id 'coreweave-docs' (not in",
    ),
    "duplicate key": (
        lambda d: _replace_line(d / "prices.csv", 3, "2,h100-pcie-80gb", "1,h100-pcie-80gb"),
        "prices.csv line 3, column price_id: duplicate key '1' (first on line 2)",
    ),
    "negative price": (
        lambda d: _replace_line(d / "prices.csv", 3, ",4.25,", ",-2.0,"),
        "prices.csv line 3, column usd_per_gpu_hour: -2.0 is negative",
    ),
    "unknown enum": (
        lambda d: _replace_line(d / "prices.csv", 3, ",on-demand,4.25,", ",hourly,4.25,"),
        "prices.csv line 3, column kind: 'hourly' is not one of 'on-demand', 'spot', 'reserved', 'purchase'",
    ),
    "wrong cell count": (
        lambda d: _replace_line(d / "prices.csv", 3, ",4.25,", ",4.25,extra,"),
        "prices.csv line 3: 14 cells, header has 13",
    ),
    "not utf-8": (
        lambda d: (d / "models.csv").write_bytes((d / "models.csv").read_bytes() + b"x,\xff\n"),
        # the appended line comes right after the committed file's last line
        f"models.csv line {len((data.DATA_DIR / 'models.csv').read_bytes().splitlines()) + 1}: not UTF-8 text (byte 0xff)",
    ),
    "unknown gpu in benchmarks": (
        lambda d: _replace_line(d / "benchmarks.csv", 2, "a100-sxm4-40gb", "gh200"),
        "benchmarks.csv line 2, column gpu_id: unknown gpu_id 'gh200' (not in",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_malformed_csv_gives_one_line_and_keeps_old_db(data_copy, case):
    db = data.build()  # a good database first
    digest, mtime = _sha(db), db.stat().st_mtime_ns
    mutate, expected = BAD_CASES[case]
    mutate(data_copy)
    with pytest.raises(DataError) as err:
        data.build()
    message = str(err.value)
    assert "\n" not in message
    assert f"{data_copy}/{expected}" in message, message
    assert _sha(db) == digest and db.stat().st_mtime_ns == mtime  # the previous database is untouched
    assert sorted(p.name for p in data_copy.iterdir() if "duckdb" in p.name) == ["gpuplan.duckdb"]  # no temp left


def test_package_data_is_named_relative(tmp_path):
    """Messages about the package's own data/ say 'data/<file>' (as the issue's example does)."""
    assert data._display(data.DATA_DIR, "prices.csv") == "data/prices.csv"


def test_cli_data_build_bad_csv_exits_2_with_one_line(data_copy):
    _replace_line(data_copy / "prices.csv", 3, ",4.25,", ",-2.0,")
    env = {**os.environ, "GPUPLAN_DATA_DIR": str(data_copy)}
    proc = subprocess.run([sys.executable, "-m", "gpuplan", "data", "build"], capture_output=True, text=True, env=env, cwd=REPO)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith("prices.csv line 3, column usd_per_gpu_hour: -2.0 is negative")


def test_cli_data_build_and_query(data_copy):
    env = {**os.environ, "GPUPLAN_DATA_DIR": str(data_copy)}
    run = lambda *args: subprocess.run([sys.executable, "-m", "gpuplan", "data", *args], capture_output=True, text=True,
                                       env=env, cwd=REPO)
    built = run("build")
    assert built.returncode == 0 and "gpuplan.duckdb" in built.stdout
    out = run("query", "SELECT gpu_id, bf16_tflops_dense FROM gpus WHERE gpu_id = 'a100-sxm4-80gb'", "--csv")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines() == ["gpu_id,bf16_tflops_dense", "a100-sxm4-80gb,312.0"]
    bad = run("query", "SELECT nope FROM gpus")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_short_name_drops_only_the_vendor_prefix():
    import pandas as pd

    assert data.short_name("NVIDIA H100 80GB SXM5") == "H100 80GB SXM5"
    assert data.short_name("AMD Instinct MI300X 192GB") == "AMD Instinct MI300X 192GB"
    names = pd.Series(["NVIDIA A100 80GB SXM4", "AMD Instinct MI300X 192GB"])
    assert data.short_name(names).tolist() == ["A100 80GB SXM4", "AMD Instinct MI300X 192GB"]
