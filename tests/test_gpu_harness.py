"""The GPU calibration harness (bench/gpu/harness.py) on the CPU with the tiny config.

`make test` has no GPU: this exercises the harness's code path (model build, inference, training with and
without activation checkpointing, LoRA, the CSV and its environment sidecar) and checks that every prediction
in the CSV is what gpuplan's own functions return for the same inputs. Nothing here is a GPU number, and
nothing is timed (throughput is only checked to be a positive number).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

if not os.environ.get("CI"):  # CI must have torch (Makefile stamp .venv/.gpu-harness): fail there, never skip
    pytest.importorskip("torch", reason="torch not installed: run `make test` (installs bench/gpu/requirements-cpu.txt)")
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HARNESS = ROOT / "bench" / "gpu" / "harness.py"
sys.path.insert(0, str(HARNESS.parent))
import harness  # noqa: E402

from gpuplan.errors import InputError  # noqa: E402
from gpuplan.memory import Architecture, memory_estimate  # noqa: E402

# The tiny config (harness.SIZES["tiny"]): hidden 64, 4 heads of 16, 2 KV heads, FFN 128, 2 layers, vocab 256,
# untied embeddings (LlamaConfig's default). Parameter count by hand:
#   embeddings 256·64 = 16,384; per layer q 64·64 + k 64·32 + v 64·32 + o 64·64 = 12,288,
#   MLP 3·64·128 = 24,576, two RMSNorms 2·64 = 128 -> 36,992; 2 layers = 73,984; final norm 64;
#   lm_head 256·64 = 16,384.  Total 16,384 + 73,984 + 64 + 16,384 = 106,816.
TINY_PARAMS = 106_816
TINY_ARCH = Architecture(params_total=TINY_PARAMS, params_active=TINY_PARAMS, layers=2, hidden_size=64,
                         attention_heads=4, kv_heads=2, head_dim=16, vocab_size=256, ffn_size=128)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """One CPU run of the script, as a user would start it (a tmp dir: never data/measured/)."""
    out = tmp_path_factory.mktemp("harness") / "results.csv"
    proc = subprocess.run([sys.executable, str(HARNESS), "--out", str(out), "--device", "cpu", "--tiny"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "wrote" in proc.stdout
    return out.parent


@pytest.fixture(scope="module")
def rows(run_dir) -> pd.DataFrame:
    frame = pd.read_csv(run_dir / "results.csv")
    frame["inputs"] = frame["inputs"].map(json.loads)
    return frame


def test_columns_and_cases(rows):
    assert list(rows.columns) == harness.COLUMNS
    # 2 matmul (bf16, fp8) + 1 copy + 2 inference shapes x (memory, prefill, decode) + full fine-tune with and
    # without checkpointing x (memory, tokens/s) + LoRA x 2 + QLoRA (skipped) + fp8 inference (skipped) = 17
    assert len(rows) == 17
    counts = rows["case"].value_counts().to_dict()
    assert counts == {"matmul": 2, "copy": 1, "infer": 2, "infer-prefill": 2, "infer-decode": 2,
                      "train-full": 4, "train-lora": 2, "train-qlora": 1, "infer-fp8": 1}
    assert set(rows["device"]) == {"cpu"}


def test_memory_predictions_equal_gpuplan_for_the_same_inputs(rows):
    memory = rows[rows["quantity"] == "peak_allocated_bytes"].dropna(subset=["predicted"])
    assert len(memory) == 2 + 2 + 1  # inference x2, full x2 (checkpointing off/on), LoRA
    for row in memory.itertuples():
        inputs = row.inputs
        assert inputs["params"] == TINY_PARAMS
        if row.case == "infer":
            kwargs = dict(mode="inference", precision="bf16", batch=inputs["batch"], seq=inputs["context"],
                          kv_dtype="bf16",
                          context=inputs["context"] + inputs["new_tokens"])
        else:
            kwargs = dict(mode=inputs["mode"], precision="bf16", optimizer="adamw", batch=inputs["batch"],
                          seq=inputs["seq"], checkpointing=inputs["checkpointing"])
            if inputs["mode"] == "lora":
                assert inputs["lora_rank"] == 16 and inputs["lora_targets"] == ["q", "k", "v", "o"]
                kwargs.update(lora_rank=16, lora_targets=("q", "k", "v", "o"))
        est = memory_estimate(TINY_ARCH, **kwargs)
        overhead = int(est.components.get("overhead", 0))
        assert row.predicted == int(est.per_gpu_bytes) - overhead
        assert inputs["predicted_per_gpu_bytes"] == int(est.per_gpu_bytes)
        assert inputs["predicted_components"] == {k: int(v) for k, v in est.components.items()}


def test_cpu_memory_is_not_measured_and_has_no_error(rows):
    memory = rows[rows["quantity"] == "peak_allocated_bytes"]
    assert memory["measured"].isna().all() and memory["error"].isna().all()
    measurable = memory[memory["case"] != "train-qlora"]
    assert measurable["status"].str.startswith("not measured: no peak_allocated_bytes counter on cpu").all()


def test_cpu_throughput_is_measured_without_a_gpu_prediction(rows):
    speed = rows[rows["quantity"] == "tokens_per_s"].dropna(subset=["measured"])
    assert set(speed["case"]) == {"infer-prefill", "infer-decode", "train-full", "train-lora"}
    assert (speed["measured"] > 0).all()
    assert speed["predicted"].isna().all() and speed["error"].isna().all()  # gpuplan has no CPU peak
    assert (speed["status"] == "measured").all()


def test_gpu_only_cases_are_skipped_with_a_reason(rows):
    skipped = rows[rows["status"].str.startswith("skipped")]
    assert set(skipped["case"]) == {"matmul", "copy", "train-qlora", "infer-fp8"}
    assert skipped["measured"].isna().all()
    qlora = skipped[skipped["case"] == "train-qlora"]["status"].item()
    assert "cuda" in qlora


def test_environment_sidecar(run_dir):
    env = json.loads((run_dir / "results.csv.env.json").read_text())
    for key in ("date_utc", "gpu_name", "driver", "cuda", "torch", "transformers", "peft", "bitsandbytes"):
        assert key in env
    assert env["device"] == "cpu" and env["gpu_name"] is None and env["gpu_id"] is None
    assert env["torch"] == torch.__version__
    assert env["sizes"] == ["tiny"]


def test_relative_error_is_signed_predicted_over_measured():
    assert harness.relative_error(110.0, 100.0) == pytest.approx(0.10)  # over-prediction by 10 %
    assert harness.relative_error(75.0, 100.0) == pytest.approx(-0.25)
    assert harness.relative_error(None, 100.0) is None and harness.relative_error(1.0, None) is None


def test_gemm_kernels_compute_the_product():
    """The matmul case's kernels (timed only on cuda) give a @ b; checked here on the CPU at n = 64."""
    torch.manual_seed(0)
    a, b = torch.randn(64, 64, dtype=torch.bfloat16), torch.randn(64, 64, dtype=torch.bfloat16)
    assert torch.equal(harness.gemm(a, b, "bf16")(), a @ b)
    out = harness.gemm(a, b, "fp8")()
    # reference: the fp8-rounded inputs multiplied in fp32, then rounded to bf16 (8 significant bits)
    ref = a.to(torch.float8_e4m3fn).float() @ b.to(torch.float8_e4m3fn).float()
    assert out.dtype == torch.bfloat16 and out.shape == (64, 64)
    assert torch.allclose(out.float(), ref, rtol=2**-7, atol=1e-2)


def test_gpu_throughput_predictions_follow_the_runtime_formulas():
    """What a cuda run would predict (the CPU run has no GPU id), checked by hand for an H100 SXM.

    Training (llm-foundry / Transformer Math 101): FLOPs per token = 6·P + 12·L·d·s; tokens/s = peak · MFU / that.
    Decode (memory-bound): one step of `batch` tokens reads all 2·P bf16 weight bytes: tokens/s = batch ·
    bandwidth / (2·P). Peak, bandwidth and MFU are inputs read from the data, not outputs of the harness.
    """
    from gpuplan import data, runtime

    gpu = data.gpu("h100-sxm5-80gb")
    mfu = runtime.default_mfu("h100-sxm5-80gb", "bf16")["mfu"]
    flops_per_token = 6 * 1e9 + 12 * 16 * 2048 * 2048  # = 6.805306368e9
    expected = gpu["bf16_tflops_dense"] * 1e12 * mfu / flops_per_token
    got = harness.predict_tokens_per_s(params=10**9, tokens=10**6, gpu_id="h100-sxm5-80gb", task="finetune",
                                       layers=16, hidden_size=2048, seq=2048)
    assert got == pytest.approx(expected, rel=1e-9)
    # decode, batch 8: memory time per step 2e9 B / (bandwidth GB/s · 1e9) ≫ compute time, so memory-bound
    decode = harness.predict_tokens_per_s(params=10**9, tokens=8 * 64, gpu_id="h100-sxm5-80gb", task="inference",
                                          layers=16, hidden_size=2048, seq=512, batch=8)
    assert decode == pytest.approx(8 * gpu["memory_bandwidth_gbps"] * 1e9 / 2e9, rel=1e-9)
    assert harness.predict_tokens_per_s(params=10**9, tokens=10**6, gpu_id=None, task="finetune", layers=16,
                                        hidden_size=2048, seq=2048) is None


def test_bad_input_is_one_line_and_writes_nothing(tmp_path):
    with pytest.raises(InputError, match="--sizes"):
        harness.run(tmp_path / "r.csv", "cpu", tiny=True, sizes=("huge",))
    with pytest.raises(InputError, match="--out"):
        harness.run(tmp_path / "missing" / "r.csv", "cpu", tiny=True)
    with pytest.raises(InputError, match="--device"):
        harness.run(tmp_path / "r.csv", "tpu", tiny=True)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has cuda")
def test_cuda_request_without_cuda_exits_2_with_one_line(tmp_path):
    proc = subprocess.run([sys.executable, str(HARNESS), "--out", str(tmp_path / "r.csv"), "--device", "cuda"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: --device: cuda is not available here (torch.cuda.is_available() is False); use --device cpu --tiny"]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "r.csv").exists()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (none on this machine)")
def test_cuda_run_measures_memory(tmp_path):  # pragma: no cover - runs only on a GPU machine
    frame = harness.run(tmp_path / "r.csv", "cuda", sizes=("llama-120m",))
    memory = frame[(frame["quantity"] == "peak_allocated_bytes") & (frame["status"] == "measured")]
    assert len(memory) > 0 and (memory["measured"] > 0).all()


def test_calibration_page_executes_and_says_whether_a_gpu_run_exists(tmp_path):
    """book/calibration.ipynb runs against the current data and states the number of GPU runs truthfully."""
    import nbformat
    import papermill

    out = tmp_path / "calibration.ipynb"
    papermill.execute_notebook(str(ROOT / "book" / "calibration.ipynb"), str(out), kernel_name="python3",
                               cwd=str(ROOT / "book"), progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    glued = {o.metadata["scrapbook"]["name"]: next(v for k, v in o.data.items() if k.endswith("text/plain"))
             for o in outputs if "scrapbook" in o.get("metadata", {})}
    runs = sorted((ROOT / "data" / "measured").glob("*.csv"))
    assert float(glued["n_gpu_runs"]) == len(runs)
    shown = "\n".join(str(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    if not runs:
        assert "No GPU run was available for this edition." in shown
    # the Korthikanti working-layer term is 17 copies of b·s·h at 2 bytes: (16·2 + 2) / 2 (formulas.md §3a);
    # the gated-block count for Llama-3.1-8B (h 4096, q 4096, kv 1024, f 14336) is, in bytes per token and
    # hidden unit: 2 RMSNorms × (4 + 2) + 2·(1 + 1 + 0.25 + 0.25 + 1) + 2·(1 + 4 · 3.5) = 12 + 7 + 30 = 49 → 24.5
    assert float(glued["korthikanti_k"]) == 17.0
    assert float(glued["gpuplan_k_llama"]) == (12 + 7 + 30) / 2 == 24.5
