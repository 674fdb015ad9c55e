"""gpuplan.prices: the one price resolver (given > catalog > provider > market median), catalog import, and the
CLI's --prices. Expected values are read from data/prices.csv directly or worked out by hand here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import csv_price_rows

from gpuplan import cost, data, params, prices
from gpuplan.errors import InputError

REPO = Path(__file__).resolve().parent.parent
H100, A100 = "h100-sxm5-80gb", "a100-sxm4-80gb"


def test_default_h100_price_is_the_market_median_not_one_stale_row(market_by_hand):
    """Issue 11: the default was AWS's single $12.29 row; now a stated statistic over providers."""
    answer = prices.resolve(H100)
    median, n, low, high = market_by_hand(H100)
    assert answer["source"] == "market"
    assert answer["usd_per_gpu_hour"] == pytest.approx(median)
    assert (answer["n_providers"], answer["low_usd"], answer["high_usd"]) == (n, pytest.approx(low), pytest.approx(high))
    assert answer["usd_per_gpu_hour"] < 12.29
    assert f"each of {n} providers" in answer["basis"] and "6 months" in answer["basis"]


def test_a_market_price_from_one_provider_names_it():
    """MI355X has spot rows from one provider only (data/prices.csv); a median of many names none."""
    spot = {r["provider"] for r in csv_price_rows("spot") if r["gpu_id"] == "mi355x-288gb"}
    assert len(spot) == 1
    answer = prices.resolve("mi355x-288gb", kind="spot")
    assert (answer["n_providers"], answer["provider"]) == (1, spot.pop())
    assert "the one provider observed" in answer["basis"]
    assert prices.resolve(H100)["provider"] is None


def test_as_of_comes_from_the_data_not_the_clock():
    newest = max(r["date_observed"] for r in csv_price_rows() if r["date_observed"])
    assert prices.as_of("on-demand") == newest
    assert prices.date_range("on-demand")[1] == newest


def test_given_and_provider_prices():
    given = prices.resolve(H100, 2.5)
    assert (given["usd_per_gpu_hour"], given["source"], given["basis"]) == (2.5, "given", "given")
    lambda_rows = [r for r in csv_price_rows() if r["gpu_id"] == H100 and r["provider"] == "Lambda"]
    newest = max(lambda_rows, key=lambda r: (r["date_observed"], int(r["price_id"])))
    answer = prices.resolve(H100, provider="lambda")
    assert answer["source"] == "provider" and answer["usd_per_gpu_hour"] == float(newest["usd_per_gpu_hour"])
    assert newest["date_observed"] in answer["basis"]


def test_cost_and_notebook_parameters_use_the_same_resolver():
    assert cost.price_info(H100) == prices.resolve(H100)
    assert params.price_or_latest("h100_usd_per_hour", None, H100) == prices.resolve(H100, field="h100_usd_per_hour")
    with pytest.raises(InputError, match="^h100_usd_per_hour: must be >= 0"):
        params.price_or_latest("h100_usd_per_hour", -1.0, H100)


def test_bad_price_requests():
    with pytest.raises(InputError, match="^price: 1e\\+06 is outside"):
        prices.resolve(H100, 1e6)
    with pytest.raises(InputError, match="^kind:"):
        prices.resolve(H100, kind="purchase")
    with pytest.raises(InputError, match="^provider: no on-demand price for h100-sxm5-80gb from provider 'Nobody'"):
        prices.resolve(H100, provider="Nobody")


# ------------------------------------------------------------------------------------------ catalogs
SKYPILOT = """InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,SpotPrice
cpu_4x_general,,,4.0,16.0,0.2,us-east-1,,
gpu_8x_v100,V100,8.0,92.0,448.0,4.4,us-east-1,,
gpu_1x_h100_pcie,H100,1.0,26.0,200.0,2.49,us-east-1,,
gpu_1x_h100_sxm5,H100,1.0,26.0,225.0,3.29,us-east-1,,
gpu_8x_h100_sxm5,H100,8.0,208.0,1800.0,23.92,us-east-1,,16.00
gpu_8x_a100_80gb_sxm4,A100-80GB,8.0,240.0,1800.0,14.32,us-east-1,,
"""  # rows in the shape of skypilot-catalog catalogs/v7/lambda/vms.csv (commit 11580132)


@pytest.fixture()
def catalog(tmp_path) -> Path:
    folder = tmp_path / "lambda"
    folder.mkdir()
    path = folder / "vms.csv"
    path.write_text(SKYPILOT, encoding="utf-8")
    return path


def test_skypilot_catalog_per_gpu_prices_and_mapping(catalog):
    frame = prices.load_catalog(catalog)
    h100 = frame[(frame["gpu_id"] == H100) & (frame["kind"] == "on-demand")]
    assert sorted(h100["usd_per_gpu_hour"]) == pytest.approx([23.92 / 8, 3.29])  # Price / AcceleratorCount
    pcie = frame[frame["gpu_id"] == "h100-pcie-80gb"]
    assert pcie["usd_per_gpu_hour"].tolist() == [2.49]  # the instance type names PCIe
    assert frame[frame["kind"] == "spot"]["usd_per_gpu_hour"].tolist() == [2.0]  # 16.00 / 8
    assert set(frame["provider"]) == {"lambda"}  # the cloud is the catalog's folder
    assert frame.attrs["unmapped"] == {"V100": [3]}
    answer = prices.resolve(H100, catalog=catalog)
    assert answer["source"] == "catalog"
    assert answer["usd_per_gpu_hour"] == pytest.approx((2.99 + 3.29) / 2)
    assert (answer["low_usd"], answer["high_usd"]) == (pytest.approx(2.99), pytest.approx(3.29))
    assert prices.resolve(A100, catalog=catalog)["usd_per_gpu_hour"] == pytest.approx(14.32 / 8)


def test_own_format_catalog(tmp_path):
    path = tmp_path / "quotes.csv"
    path.write_text("gpu_id,provider,kind,usd_per_gpu_hour\nH100 SXM,MyCloud,on-demand,2.10\n"
                    "h100-sxm5-80gb,Other,on-demand,2.30\n", encoding="utf-8")
    answer = prices.resolve(H100, catalog=path)
    assert answer["usd_per_gpu_hour"] == pytest.approx(2.20) and answer["n_providers"] == 2
    assert prices.resolve(H100, catalog=path, provider="mycloud")["usd_per_gpu_hour"] == pytest.approx(2.10)


@pytest.mark.parametrize("text, needle", [
    ("a,b\n1,2\n", "line 1: not a price catalog"),
    ("gpu_id,provider,kind,usd_per_gpu_hour\nh100-sxm5-80gb,X,on-demand,abc\n",
     "line 2, column usd_per_gpu_hour: 'abc' is not a number"),
    ("gpu_id,provider,kind,usd_per_gpu_hour\nh100-sxm5-80gb,X,on-demand,nan\n",
     "line 2, column usd_per_gpu_hour: 'nan' must be a finite number"),
    ("gpu_id,provider,kind,usd_per_gpu_hour\nh100-sxm5-80gb,X,on-demand,98000\n", "line 2, column usd_per_gpu_hour"),
    ("gpu_id,provider,kind,usd_per_gpu_hour\nnope,X,on-demand,2\n", "line 2, column gpu_id: unknown GPU 'nope'"),
    ("gpu_id,provider,kind,usd_per_gpu_hour\nh100-sxm5-80gb,X,hourly,2\n", "line 2, column kind: 'hourly'"),
    ("gpu_id,provider,kind,usd_per_gpu_hour\nh100-sxm5-80gb,X,on-demand\n", "line 2: 3 cells, header has 4"),
    ("InstanceType,AcceleratorName,AcceleratorCount,Price,Region,SpotPrice\ngpu_1x,H100,0,3,r,\n",
     "line 2, column AcceleratorCount: '0' must be a finite number > 0"),
])
def test_bad_catalogs_name_file_line_and_column(tmp_path, text, needle):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        prices.resolve(H100, catalog=path)
    assert err.value.field == "prices" and f"{path} {needle}" in str(err.value) and "\n" not in str(err.value)


def test_cli_prices_option_never_touches_the_data(catalog):
    before = (REPO / "data" / "prices.csv").read_bytes()
    proc = subprocess.run([sys.executable, "-m", "gpuplan", "cost", "--gpu", H100, "--hours", "10",
                           "--prices", str(catalog), "--json"], capture_output=True, text=True, cwd=REPO,
                          env=dict(os.environ), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert '"source": "catalog"' in proc.stdout and '"cost_per_job_usd": 31.4' in proc.stdout  # 10 h x $3.14
    assert "skipped accelerators not in data/catalog_names.csv: V100 (line 3)" in proc.stderr
    assert (REPO / "data" / "prices.csv").read_bytes() == before


def test_every_catalog_name_maps_to_a_known_gpu_or_is_marked_unmapped():
    mapping = data.query("SELECT * FROM catalog_names ORDER BY accelerator_name, instance_type_like NULLS LAST")
    assert {"H100", "A100-80GB"} <= set(mapping["accelerator_name"])
    plain = mapping[mapping["instance_type_like"].isna()].set_index("accelerator_name")["gpu_id"]
    assert plain["H100"] == H100 and plain["A100-80GB"] == A100  # the statement of SkyPilot's names


def test_parquet_export_round_trips(tmp_path):
    written = {p.name for p in data.export(tmp_path)}
    assert {"gpus.parquet", "prices.parquet", "latest_prices.parquet", "price_performance.parquet"} <= written
    con = data.connect()
    back = con.execute("SELECT count(*) FROM read_parquet(?)", [str(tmp_path / "prices.parquet")]).fetchone()[0]
    assert back == len(csv_price_rows("on-demand")) + sum(len(csv_price_rows(k)) for k in ("spot", "reserved", "purchase"))
    first = (tmp_path / "gpus.parquet").read_bytes()
    data.export(tmp_path)
    assert (tmp_path / "gpus.parquet").read_bytes() == first  # deterministic bytes


def test_serve_takes_its_price_from_a_catalog(catalog):
    def run(*extra):
        proc = subprocess.run([sys.executable, "-m", "gpuplan", "serve", "--model", "llama-3.1-8b", "--gpu", H100,
                               "--json", *extra], capture_output=True, text=True, cwd=REPO, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)["usd_per_million_output_tokens"]

    # the catalog's H100 SXM median is (23.92 / 8 + 3.29) / 2 = $3.14 per GPU-hour
    assert run("--prices", str(catalog)) == pytest.approx(run("--price", "3.14"))


def test_grid_prices_key_is_every_runs_catalog_relative_to_the_grid(catalog, tmp_path):
    from gpuplan import batch

    grid = tmp_path / "grid.yaml"
    grid.write_text(f"notebook: {REPO / 'notebooks' / '03_cost_per_task.ipynb'}\nprices: lambda/vms.csv\n"
                    "axes:\n  runtime_hours_a: [8.0, 10.0]\n", encoding="utf-8")
    loaded = batch.load_grid(grid)
    assert [run.parameters["prices"] for run in loaded.runs] == [str(catalog.resolve())] * 2
