"""gpuplan.serving / serving_fit / serving_search and `gpuplan serve`: hand calculations written out here, the
published MLPerf rows, and one line + exit 2 for every class of bad input."""

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import csv_rows
from typer.testing import CliRunner

from gpuplan import data, serving, serving_fit, serving_search
from gpuplan.cli import app
from gpuplan.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
H100, A100, B200 = "h100-sxm5-80gb", "a100-sxm4-80gb", "b200-sxm-180gb"
FIXED = {"eta": 0.5, "eta_low": 0.4, "eta_high": 0.6}
runner = CliRunner()


# ------------------------------------------------------------------------------------------- KV cache and weights
def test_kv_bytes_gqa_mla_and_sliding_window():
    # Llama-3.1-70B: 2 (K, V) x 80 layers x 8 KV heads x 128 x 2 bytes = 327,680 bytes per token (bf16)
    llama = serving.model_spec("llama-3.1-70b")
    assert serving.kv_bytes_per_token_layer(llama, "bf16") * 80 == 2 * 80 * 8 * 128 * 2 == 327_680
    assert serving.kv_bytes_per_token_layer(llama, "fp8") * 80 == 163_840
    # DeepSeek-V3 MLA: (kv_lora_rank 512 + qk_rope 64) values per token and layer (DeepSeek-V2 Table 1) x 61 layers
    deepseek = serving.model_spec("deepseek-v3")
    assert serving.kv_bytes_per_token_layer(deepseek, "bf16") * 61 == (512 + 64) * 2 * 61 == 70_272
    # gpt-oss-120b: 18 full layers hold 10,000 tokens, 18 windowed layers only 128; 2 x 8 x 64 x 2 bytes each
    oss = serving.model_spec("gpt-oss-120b")
    assert serving.token_layers(oss, 10_000) == 18 * 10_000 + 18 * 128
    assert serving.kv_bytes_per_token_layer(oss, "bf16") == 2 * 8 * 64 * 2
    assert serving.kv_bytes_per_token_layer(oss, "fp4") == 2 * 8 * 64 * 0.5


def test_kv_split_across_tensor_parallel_gpus():
    assert serving.kv_share_per_gpu(serving.model_spec("llama-3.1-70b"), 8) == 1 / 8    # 8 KV heads, one per GPU
    assert serving.kv_share_per_gpu(serving.model_spec("qwen3-235b-a22b"), 8) == 1 / 4  # 4 heads: replicated pairs
    assert serving.kv_share_per_gpu(serving.model_spec("deepseek-v3"), 8) == 1.0         # MLA latent on every GPU


def test_expected_experts_touched():
    # E (1 - (1 - k/E)^T): Mixtral E=8, k=2: one token touches 2, two tokens 8 (1 - 0.75^2) = 3.5, many all 8
    assert serving.expected_experts(8, 2, 1) == pytest.approx(2.0)
    assert serving.expected_experts(8, 2, 2) == pytest.approx(3.5)
    assert serving.expected_experts(8, 2, 10_000) == pytest.approx(8.0)
    assert serving.expected_experts(256, 8, 1) == pytest.approx(8.0)


def test_moe_weight_split():
    mixtral = serving.model_spec("mixtral-8x7b")
    w = serving.weight_bytes(mixtral, "bf16")
    expert = 3 * 4096 * 14336 * 2                      # gate, up, down of one SwiGLU expert, bf16
    assert w["expert"] == expert
    assert w["total"] == 47e9 * 2
    assert w["always"] == pytest.approx(47e9 * 2 - 32 * 8 * expert)
    # fp4 = MXFP4 0.53125 bytes/param, embeddings (2 x 32000 x 4096) kept at 2 bytes
    emb = 2 * 32000 * 4096
    assert serving.weight_bytes(mixtral, "fp4")["total"] == pytest.approx((47e9 - emb) * 0.53125 + emb * 2)


def test_max_concurrency_by_hand():
    # Llama-3.1-8B bf16 on one H100 (80 GB): 0.9 x 80e9 - 16e9 weights - 0.92 GiB CUDA context - one 8,192-token
    # prefill chunk (8192 x 4096 x 34 bytes) = KV budget; one 2,048-token sequence holds 2,048 x 131,072 bytes
    budget = 0.9 * 80e9 - 16e9 - int(0.92 * 2**30) - 8192 * 4096 * 34
    spec, hw = serving.model_spec("llama-3.1-8b"), serving.hardware(H100)
    assert int(serving.max_concurrency(spec, hw, 1, "bf16", "bf16", 2048)) == int(budget // (2048 * 131_072)) == 200


# ------------------------------------------------------------------------------------------- the roofline
def test_decode_step_by_hand_memory_bound():
    # Llama-3.1-8B, H100 SXM (3,350 GB/s, 989.4 TFLOPS bf16), tp 1, one request of 128 + 128 tokens, eta 0.5.
    # Step: reads 16e9 weight bytes + KV of 192 tokens (128 + 128/2) x 131,072 bytes
    t_mem = (16e9 + 192 * 131_072) / (3350e9 * 0.5)
    # FLOPs: decode 2P + 4 L d ctx, plus 1/128 of a 128-token prefill at mean context 64 -> far below t_mem
    flops = (2 * 8e9 + 4 * 32 * 4096 * 192) + (128 * (2 * 8e9 + 4 * 32 * 4096 * 64)) / 128
    assert flops / (989.4e12 * 0.5) < t_mem
    prefill = max(16e9 / (3350e9 * 0.5), 128 * (2 * 8e9 + 4 * 32 * 4096 * 64) / (989.4e12 * 0.5))
    r = serving.serve("llama-3.1-8b", H100, input_tokens=128, output_tokens=128, concurrency=1, price=2.0,
                      efficiency=FIXED)
    assert r["tpot_ms"] == pytest.approx(t_mem * 1e3)
    assert r["ttft_ms"] == pytest.approx((prefill + t_mem) * 1e3)
    assert r["output_tokens_per_s_per_gpu"] == pytest.approx(1 / t_mem)
    assert r["total_tokens_per_s_per_gpu"] == pytest.approx(2 / t_mem)          # 128 in + 128 out per request
    assert r["tokens_per_s_per_user"] == pytest.approx(1 / t_mem)
    assert r["usd_per_million_output_tokens"] == pytest.approx(2.0 / (3600 / t_mem) * 1e6)
    assert r["bound"] == "memory"
    # the band: eta 0.4 is slower (low throughput, high latency), eta 0.6 faster
    assert r["tpot_ms_high"] == pytest.approx(t_mem * 0.5 / 0.4 * 1e3)
    assert r["output_tokens_per_s_per_gpu_high"] == pytest.approx(0.6 / 0.5 / t_mem)


def test_tensor_parallel_all_reduces_by_hand():
    # evaluate() on explicit inputs: 2 layers ... use Llama-3.1-70B (80 layers, hidden 8192) at tp 4, C = 1,
    # 1 + 1 tokens (T = 2 tokens per step). Each all-reduce: 3.6 us + 2 x 3 x 0.47 us + 2 x 3/4 x S / link.
    spec = serving.model_spec("llama-3.1-70b")
    link = 400e9
    size = 2 * 8192 * 2
    comm = 2 * 80 * (3.6e-6 + 2 * 3 * 0.47e-6 + 2 * 3 / 4 * size / link)
    base = {"concurrency": 1, "input_tokens": 1, "output_tokens": 1, "eta": 1.0, "bandwidth_bps": 1e30,
            "peak_flops": 1e30, "link_bps": link, "hop_s": 0.47e-6, "always_bytes": 1.0, "expert_bytes": 0.0,
            "kv_layer_bytes": 1.0}
    with_tp = serving.evaluate(spec, {**base, "tp": 4})["tpot_s"]
    alone = serving.evaluate(spec, {**base, "tp": 1})["tpot_s"]
    assert with_tp - alone == pytest.approx(comm, rel=1e-9)


def test_moe_reads_fewer_weights_at_low_concurrency():
    # at concurrency 1 DeepSeek-R1 reads ~8 of 256 routed experts per layer; at 10^4 tokens nearly all
    spec = serving.model_spec("deepseek-r1")
    w = serving.weight_bytes(spec, "fp8")
    few, many = serving._weights_read(spec, w, 2), serving._weights_read(spec, w, 10_000)
    assert few == pytest.approx(w["always"] + 58 * 256 * (1 - (1 - 8 / 256) ** 2) * w["expert"])
    assert many == pytest.approx(w["total"], rel=1e-3)


# ------------------------------------------------------------------------------------------- bad input (library)
@pytest.mark.parametrize("kwargs, field", [
    ({"model": "llama-3.1-70b", "gpu": H100, "tp": 1}, "tp"),                       # 140 GB of bf16 weights
    ({"model": "llama-3.1-70b", "gpu": H100, "tp": 16}, "tp"),                      # more than a node
    ({"model": "llama-3.1-70b", "gpu": H100, "tp": 3}, "tp"),                       # not a divisor of 64 heads
    ({"model": "llama-3.1-70b", "gpu": H100, "tp": 4, "concurrency": 10**6}, "concurrency"),
    ({"model": "llama-3.1-8b", "gpu": H100, "precision": "fp4"}, "precision"),      # Hopper has no FP4
    ({"model": "llama-3.1-8b", "gpu": A100, "precision": "fp8"}, "precision"),      # Ampere has no FP8
    ({"model": "llama-3.1-8b", "gpu": H100, "kv_dtype": "fp4"}, "kv_dtype"),
    ({"model": "no-such-model", "gpu": H100}, "model"),
    ({"model": "llama-3.1-8b", "gpu": H100, "input_tokens": 0}, "input_tokens"),
    ({"model": "sdxl", "gpu": H100}, "model"),                                      # not an LLM
])
def test_bad_input_names_the_field(kwargs, field):
    kwargs = {"efficiency": FIXED, **kwargs}
    model, gpu = kwargs.pop("model"), kwargs.pop("gpu")
    with pytest.raises(InputError) as err:
        serving.serve(model, gpu, **kwargs)
    assert err.value.field == field and "\n" not in str(err.value)


def test_native_formats():
    assert serving.serve("llama-3.1-8b", B200, precision="fp4", price=1.0, efficiency=FIXED)["kv_dtype"] == "fp8"
    # H100 NVL has no fp8 peak in the table: fp8 is native (Hopper) and computes at the bf16 peak
    nvl = data.gpu("h100-nvl-94gb")
    assert serving.native(nvl, "fp8") and serving.peak_flops(nvl, "fp8") == 835.5e12


# ------------------------------------------------------------------------------------------- MLPerf fit
def test_fit_uses_only_mlperf_inference_llm_rows_and_meets_them():
    rows = serving_fit.implied_efficiencies()
    ids = set(rows["benchmark_id"])
    published = {int(r["benchmark_id"]): r for r in csv_rows("benchmarks.csv")}
    for bid in ids:
        assert published[bid]["suite"].startswith("MLPerf Inference")
        assert serving_fit.workload_key(published[bid]["workload"]) in serving_fit.WORKLOADS
    # every llama2-70b Offline/Server row of the CSV is used (duplicates of the same result count once)
    llama = {(r["round"], r["scenario"], r["gpu_id"], r["gpu_count"], r["system"], r["value"])
             for r in published.values() if r["suite"].startswith("MLPerf Inference")
             and r["workload"].startswith("llama2-70b") and r["scenario"] in ("Offline", "Server", "Interactive")}
    used = rows[rows["key"] == "llama2-70b"]
    assert len(used) == len(llama)
    assert ((rows["eta"] > 0) & (rows["eta"] <= 1)).all()
    # in sample at each result's own eta the model reproduces the published tokens/s per GPU
    table, curves = serving_fit._table(data.data_hash())
    back = serving_fit._predict(curves, table["eta"].to_numpy())
    ok = ~table["above_model"].to_numpy()
    assert np.allclose(back[ok], table["per_gpu"].to_numpy()[ok], rtol=0.01)


def test_published_llama2_70b_h100_is_inside_the_band():
    # NVIDIA DGX H100 v4.1 Offline llama2-70b-99: 24,524.9 tokens/s on 8 GPUs (benchmark 1492)
    pred = serving_fit.predictions().set_index("benchmark_id")
    row = pred.loc[1492]
    assert row["per_gpu"] == pytest.approx(24524.9 / 8)
    assert row["predicted_low"] <= row["per_gpu"] <= row["predicted_high"]
    assert abs(row["error_pct"]) < 25  # one η per GPU for all rounds and scenarios: Offline runs sit above it


def test_leave_one_round_out_predicts_a_new_round(tmp_path, monkeypatch):
    # a copy of the data with every MLPerf llama2-70b result repeated as round v9.9 at 1.1x the tokens/s:
    # holding out v4.1, the model fitted on the 10 % faster round over-predicts v4.1 by about 10 %
    copy = tmp_path / "data"
    shutil.copytree(ROOT / "data", copy, ignore=shutil.ignore_patterns("*.duckdb*"))
    with open(copy / "benchmarks.csv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header, rows = reader.fieldnames, list(reader)
    top = max(int(r["benchmark_id"]) for r in rows)
    v41 = [r for r in rows if r["suite"].startswith("MLPerf Inference") and r["workload"].startswith("llama2-70b")
           and r["round"] == "v4.1"]
    rows = [r for r in rows if not r["suite"].startswith("MLPerf Inference")] + v41   # only v4.1 llama2-70b left
    extra = []
    for r in v41:
        top += 1
        extra.append({**r, "benchmark_id": str(top), "round": "v9.9", "value": f"{float(r['value']) * 1.1:.4f}",
                      "notes": "synthetic test row"})
    with open(copy / "benchmarks.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows + extra)
    monkeypatch.setenv("GPUPLAN_DATA_DIR", str(copy))
    monkeypatch.setenv("GPUPLAN_DB", str(tmp_path / "copy.duckdb"))
    held = serving_fit.cross_validate("round")
    v41 = held[(held["held_out"] == "v4.1") & (held["key"] == "llama2-70b")]
    assert len(v41) and (v41["method"] == "own GPU").all()
    assert 5 < v41["error_pct"].median() < 15
    assert serving_fit.leave_one_round_out()["predicted"].sum() > 0


def test_error_tables_and_coverage_are_reported():
    cov = serving_fit.band_coverage().set_index("evaluation")
    assert cov.loc["in sample", "coverage"] == 1.0      # band = min..max of the fitted results, in sample
    gpu_out = cov.loc["leave one GPU out"]
    assert gpu_out["predicted"] == gpu_out["results"] and 0 <= gpu_out["coverage"] <= 1
    rounds = serving_fit.implied_efficiencies()["round"].nunique()
    loro = serving_fit.leave_one_round_out()
    assert (loro["predicted"].sum() == 0) == (rounds == 1)   # one round: nothing left to fit on
    compare = serving_fit.compare_mlperf("llama2-70b").set_index(["gpu_id", "round"])
    assert {H100, "h200-sxm-141gb", "mi300x-192gb", B200} <= set(compare.index.get_level_values(0))
    # v4.1 Offline, best H100 SXM system per GPU: HPE Cray XD670, 24,528.3 tokens/s on 8 GPUs (benchmark 1493)
    assert compare.loc[(H100, "v4.1"), "published_tokens_per_s_per_gpu"] == pytest.approx(24528.3 / 8)


# ------------------------------------------------------------------------------------------- SLA search
def test_search_covers_many_configurations_and_ranks_cheapest_first():
    found = serving_search.sla_search("llama-3.1-70b", input_tokens=1024, output_tokens=256, tpot_ms=30)
    assert found["configurations"] >= 100_000 and found["meets"]
    ranked = found["ranked"]
    assert (ranked["tpot_ms"] <= 30).all()
    assert ranked["usd_per_million_output_tokens"].is_monotonic_increasing
    assert found["cheapest"]["usd_per_million_output_tokens"] == ranked["usd_per_million_output_tokens"].min()


def test_unmeetable_target_is_an_answer():
    found = serving_search.sla_search("llama-3.1-70b", input_tokens=1024, output_tokens=256, tpot_ms=0.1,
                                      gpus=[H100], points=16)
    assert not found["meets"] and found["cheapest"] is None
    assert found["message"].startswith("no configuration meets TPOT ≤ 0.1 ms; the fastest is")


def test_pareto_frontier_is_not_dominated():
    frame = serving_search.configurations("llama-3.1-8b", input_tokens=512, output_tokens=128, gpus=[H100, A100],
                                          points=24)
    front = serving_search.pareto(frame)
    for gpu_id, part in front.groupby("gpu_id"):
        same = frame[frame["gpu_id"] == gpu_id]
        for row in part.itertuples():
            better = same[(same["tokens_per_s_per_user"] >= row.tokens_per_s_per_user)
                          & (same["output_tokens_per_s_per_gpu"] > row.output_tokens_per_s_per_gpu)]
            assert better.empty


# ------------------------------------------------------------------------------------------- CLI
def invoke(*args):
    return runner.invoke(app, list(args))


def test_cli_json_keys():
    result = invoke("serve", "--model", "llama-3.1-70b", "--gpu", H100, "--tp", "4", "--precision", "fp8",
                    "--price", "2.5", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    keys = ["output_tokens_per_s_per_gpu", "total_tokens_per_s_per_gpu", "tokens_per_s_per_user", "ttft_ms",
            "tpot_ms", "max_concurrency", "usd_per_million_output_tokens", "usd_per_million_tokens"]
    assert set(keys) <= set(out)
    for key in keys[:5]:
        assert out[f"{key}_low"] <= out[key] <= out[f"{key}_high"]
    assert out["concurrency"] == out["max_concurrency"]
    # $ per million output tokens = price / (tokens per GPU-hour) x 10^6
    assert out["usd_per_million_output_tokens"] == pytest.approx(2.5 / (out["output_tokens_per_s_per_gpu"] * 3600) * 1e6)


@pytest.mark.parametrize("args, option", [
    (["--model", "llama-3.1-70b", "--gpu", H100], "--tp"),                                  # weights do not fit
    (["--model", "llama-3.1-70b", "--gpu", H100, "--tp", "16"], "--tp"),
    (["--model", "llama-3.1-70b", "--gpu", H100, "--tp", "4", "--concurrency", "100000"], "--concurrency"),
    (["--model", "llama-3.1-8b", "--gpu", H100, "--precision", "fp4"], "--precision"),
    (["--model", "nope", "--gpu", H100], "--model"),
    (["--model", "llama-3.1-8b", "--gpu", "Z900"], "--gpu"),
    (["--model", "llama-3.1-8b"], "--gpu"),
    (["--model", "llama-3.1-8b", "--gpu", H100, "--kv-dtype", "int3"], "--kv-dtype"),
    (["--model", "llama-3.1-8b", "--gpu", H100, "--concurrency", "lots"], "--concurrency"),
    (["--params", "8B", "--gpu", H100], "--layers"),
    (["--model", "llama-3.1-8b", "--tpot-ms", "-1"], "--tpot-ms"),
    (["--model", "llama-3.1-8b", "--tpot-ms", "20", "--price", "2"], "--price"),
])
def test_cli_bad_input_one_line(args, option):
    result = invoke("serve", *args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and option in lines[0], result.stderr
    assert "Traceback" not in result.output


def test_cli_sla_nobody_meets_is_an_answer():
    result = invoke("serve", "--model", "llama-3.1-70b", "--gpu", H100, "--tpot-ms", "0.1", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["meets"] is False and out["message"].startswith("no configuration meets")


def test_cli_runtime_inference_points_to_serve():
    result = invoke("runtime", "--model", "llama-3.1-70b", "--task", "inference", "--tokens", "1e9", "--gpu", H100)
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert line.startswith("error: --task:") and "gpuplan serve" in line and "\n" not in line
