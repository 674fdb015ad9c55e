"""Runtime: formulas pinned to hand calculations and public worked numbers, MFU fit vs MosaicML's own MFU,
speedup bands built from named benchmark rows. Expected values are computed by hand in each test."""

import math

import pytest

from gpuplan import data, runtime
from gpuplan.errors import InputError

A100 = "a100-sxm4-80gb"
H100 = "h100-sxm5-80gb"


# ------------------------------------------------------------------------------------------- formulas
def test_training_flops_is_6pd():
    # Transformer Math 101: C = 6·P·D. 7e9 params × 1e9 tokens × 6 = 4.2e19 FLOPs
    assert runtime.training_flops(7e9, 1e9) == pytest.approx(4.2e19)


def test_training_flops_attention_term():
    # llm-foundry: + 3 × attn_flops_per_seq / seq = 3 × 4·L·d·s per token.
    # L=32, d=4096, s=2048: 12·32·4096·2048 = 3,221,225,472 per token; + 6·7e9 = 42e9
    expected = 1e9 * (42e9 + 3_221_225_472)
    assert runtime.training_flops(7e9, 1e9, layers=32, hidden_size=4096, seq=2048) == pytest.approx(expected)


def test_prefill_is_one_third_of_training():
    # 2·P per token: 2 × 7e9 × 1000 tokens = 1.4e13
    assert runtime.prefill_flops(7e9, 1000) == pytest.approx(1.4e13)


def test_decode_is_memory_bound():
    # 16e9 weight bytes (≈ Llama-3.1-8B in bf16, stas00) + 1e9 KV bytes over 3350 GB/s = 17e9/3.35e12 s
    assert runtime.decode_seconds_per_token(16e9, 1e9, 3350) == pytest.approx(17e9 / 3.35e12)


def test_articles_runtime_examples():
    # [V] "a 40 hour A100 finetune ... 2x speedup ... about 20 hours. At 3x ... around 13 hours"
    assert runtime.hours_at_speedup(40, 2) == pytest.approx(20.0)
    assert runtime.hours_at_speedup(40, 3) == pytest.approx(13.333, abs=1e-3)


@pytest.mark.parametrize("bad", [0, -1, float("nan"), "2"])
def test_bad_speedup_is_input_error(bad):
    with pytest.raises(InputError, match="speedup"):
        runtime.hours_at_speedup(40, bad)


# -------------------------------------------------------------------------------------------- MFU fit
def test_mfu_reproduces_mosaicml_mpt7b_a100():
    """MosaicML's table (llm-foundry scripts/train/benchmarking/README.md, A100 80GB, MPT-7b, seq 2048,
    8 GPUs): 4641 tokens/s/GPU and MFU 64.23%, computed by them as
    (3·2·P·s + 3·L·4·d·s²)·seq_per_s / (n_gpu · 312 TFLOPS) with P = NumParams = 6,658,859,008.

    Hand check: per token 6·6,658,859,008 + 12·32·4096·2048 = 43,174,379,520 FLOPs;
    × 4641 / 312e12 = 0.64222. Tolerance 0.02 percentage points: the stored tokens/s/GPU is rounded to an
    integer (±0.5/4641 → ±0.007 pp) and the published MFU to two decimals (±0.005 pp).
    """
    obs = runtime.mfu_observations()
    row = obs[(obs["gpu_id"] == A100) & (obs["model"].str.lower() == "mpt-7b")].iloc[0]
    assert row["mfu"] == pytest.approx(43_174_379_520 * 4641 / 312e12, rel=1e-6)
    assert row["mfu"] == pytest.approx(0.6423, abs=2e-4)


def test_mfu_every_mosaicml_row_within_rounding_of_published():
    # each row's published MFU (in its notes, from the MosaicML table) vs ours; the only slack allowed is the
    # integer tokens/s/GPU column (truncated, not rounded: MPT-70b on A100 80GB is 26274 / 64 = 410.53 in
    # total but 410 per GPU → relative 1/value) plus 0.005 pp for the printed MFU
    obs = runtime.mfu_observations().dropna(subset=["published_mfu"])
    assert len(obs) >= 10
    slack = obs["mfu"] * 1.0 / obs["tokens_per_s_per_gpu"] + 5e-5 + 1e-6
    assert ((obs["mfu"] - obs["published_mfu"]).abs() <= slack).all()


def test_fit_mfu_reports_fit_and_error():
    fits = runtime.fit_mfu()
    a100 = fits[(fits["gpu_id"] == A100) & (fits["precision"] == "bf16")].iloc[0]
    # MosaicML A100 80GB rows (llm-foundry scripts/train/benchmarking/README.md, seq 2048), MFU / HFU /
    # activation checkpointing: MPT-7b 64.23 / 64.23 / False, -13b 59.57 / 59.57 / False, -30b 55.3 / 73.74 /
    # True, -70b 53.33 / 71.1 / True. The fit is on the executed FLOPs (HFU): median (64.23 + 71.1) / 2 = 67.67 %
    # (the MFU median (59.57 + 55.3) / 2 = 57.4 % mixed runs that did 6·P and 8·P of work).
    assert a100["method"] == "fit" and a100["n_points"] == 4
    # (tolerance 1e-3: the 70b row's tokens/s/GPU is stored truncated, 410 for 410.5)
    assert a100["mfu"] == pytest.approx((0.6423 + 0.711) / 2, abs=1e-3)
    assert a100["mfu_low"] == pytest.approx(0.5957, abs=5e-4) and a100["mfu_high"] == pytest.approx(0.7374, abs=5e-4)
    assert 0 < a100["rel_error"] < 0.15
    h100 = fits[(fits["gpu_id"] == H100) & (fits["precision"] == "bf16")].iloc[0]
    # H100 rows: 46.44 / 46.44, 39.79 / 39.79, 38.11 / 50.82 (ckpt), 42.57 / 56.76 (ckpt) → (46.44 + 50.82) / 2
    assert h100["mfu"] == pytest.approx((0.4644 + 0.5082) / 2, abs=5e-4)
    # every default says where it came from
    assert fits["basis"].str.len().gt(10).all()
    assert set(fits["method"]) <= {"fit", "mamf", "mlperf", "pooled"}
    assert fits[["mfu", "mfu_low", "mfu_high"]].le(1).all().all()


def test_observations_carry_hfu_from_the_checkpointing_flag():
    # llm-foundry: "hfu = (4 * flops_per_seq + 4 * attn_flops_per_seq) * ..." for checkpointed runs; the
    # published HFU column of those runs is MFU × 4/3 (A100 80GB MPT-70b: 53.33 → 71.1; H100 MPT-30b 38.11 → 50.82)
    obs = runtime.mfu_observations().set_index(["gpu_id", "model"])
    row = obs.loc[(A100, "MPT-70b")]
    # (70b: tokens/s/GPU is stored truncated, 410 of 410.5 → our MFU 53.26 %, HFU 71.01 %: slack 1/410)
    assert bool(row["activation_checkpointing"]) and row["hfu"] == pytest.approx(0.711, rel=1 / 410 + 1e-4)
    assert obs.loc[(H100, "MPT-30b"), "hfu"] == pytest.approx(0.5082, abs=3e-4)
    plain = obs.loc[(A100, "MPT-7b")]
    assert not bool(plain["activation_checkpointing"]) and plain["hfu"] == plain["mfu"]


def test_mamf_fallback_uses_achievable_matmul_ratio():
    # A100 PCIe has no MPT row but a MAMF row (252.9 of 312 = 81.06 %); the A100 SXM reference has
    # MAMF 271.2/312 = 86.92 % and a fitted MFU: default = 0.8106 × (mfu_sxm / 0.8692)
    fits = runtime.fit_mfu().set_index(["gpu_id", "precision"])
    pcie = fits.loc[("a100-pcie-80gb", "bf16")]
    assert pcie["method"] == "mamf"
    assert pcie["mfu"] == pytest.approx(fits.loc[(A100, "bf16"), "mfu"] * (252.9 / 312) / (271.2 / 312), rel=1e-6)


def test_default_mfu_precision_errors():
    with pytest.raises(InputError, match=r"^precision: .*a100-sxm4-80gb has no dense fp8"):
        runtime.default_mfu(A100, "fp8")
    with pytest.raises(InputError, match="precision"):
        runtime.default_mfu(A100, "fp64")


# -------------------------------------------------------------------------------------- speedup bands
def test_speedup_band_a100_h100_training_is_a_band_from_named_rows():
    band = runtime.speedup_band(A100, H100, task_type="training")
    assert band["n"] == len(band["pairs"]) >= 10
    assert band["low"] <= band["q25"] <= band["median"] <= band["q75"] <= band["high"]
    assert band["low"] < band["high"]  # never one number
    # every pair is two real rows of the benchmarks table, one per GPU
    bench = data.benchmarks().set_index("benchmark_id")
    pairs = band["pairs"]
    assert (bench.loc[pairs["benchmark_id_a"], "gpu_id"] == A100).all()
    assert (bench.loc[pairs["benchmark_id_b"], "gpu_id"] == H100).all()
    # MLPerf Training v3.0 BERT-large on 8 GPUs: A100 15.752 min vs H100 5.349 min (reference benchmarks.csv,
    # fastest results of the round) → 15.752 / 5.349 = 2.945
    assert (pairs["speedup"] - 15.752 / 5.349).abs().min() < 2e-3
    # MosaicML MPT-7b: 10643 / 4641 tokens/s/GPU = 2.293
    assert (pairs["speedup"] - 10643 / 4641).abs().min() < 1e-6


def test_speedup_band_is_symmetric():
    ab = runtime.speedup_band(A100, H100, task_type="inference")
    ba = runtime.speedup_band(H100, A100, task_type="inference")
    assert ab["n"] == ba["n"] > 0
    assert ba["low"] == pytest.approx(1 / ab["high"])
    assert ba["high"] == pytest.approx(1 / ab["low"])


def test_within_submitter_rows_pair_only_with_same_submitter():
    # Juniper's DeepSpeed LoRA rows carry "compare within submitter only"; no Juniper H100 run at 64 GPUs
    # exists, so their A100 64-GPU row must not be paired with another submitter's H100 run
    pairs = runtime.speedup_band(A100, H100, task_type="finetune")["pairs"]
    juniper = (pairs["submitter_a"] == "JuniperNetworks") | (pairs["submitter_b"] == "JuniperNetworks")
    assert (pairs.loc[juniper, "submitter_a"] == pairs.loc[juniper, "submitter_b"]).all()


def test_speedup_band_bad_task_type():
    with pytest.raises(InputError, match="task_type"):
        runtime.speedup_band(A100, H100, task_type="pretrain")


# ------------------------------------------------------------------------------------ runtime estimate
def test_runtime_estimate_hand_calculation():
    # 6 · 7e9 · 1e9 = 4.2e19 FLOPs on 8 × 312 TFLOPS at MFU 0.5 = 1.248e15 FLOP/s → 33,653.8 s = 9.348 h
    est = runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id=A100, gpus=8, mfu=0.5, goodput=1)
    assert est.hours == pytest.approx(4.2e19 / 1.248e15 / 3600)
    assert est.gpu_hours == pytest.approx(8 * est.hours)
    assert est.hours_low == est.hours == est.hours_high
    assert est.to_dict()["mfu_method"] == "given"


def test_checkpointing_counts_the_recomputed_forward():
    # llm-foundry HFU: 4 instead of 3 network passes → 8·P·D: 8 · 7e9 · 1e9 = 5.6e19 FLOPs on 8 × 312 TFLOPS
    # at 0.5 = 1.248e15 FLOP/s → 44,871.8 s = 12.46 h (4/3 of the 9.348 h without)
    est = runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id=A100, gpus=8, mfu=0.5, checkpointing=True,
                                   goodput=1)
    assert est.flops == pytest.approx(5.6e19) and est.checkpointing
    assert est.hours == pytest.approx(5.6e19 / 1.248e15 / 3600)
    # with the attention term: (8 · 7e9 + 16 · 32 · 4096 · 2048) per token
    per_token = runtime.training_flops_per_token(7e9, layers=32, hidden_size=4096, seq=2048, checkpointing=True)
    assert per_token == pytest.approx(56e9 + 16 * 32 * 4096 * 2048)
    with pytest.raises(InputError, match="checkpointing"):
        runtime.runtime_estimate(params=7e9, tokens=1e6, gpu_id=H100, task="inference", checkpointing=True)


def test_checkpointed_mosaicml_row_is_predicted_from_the_hfu_fit():
    # A100 80GB MPT-30b (checkpointed, MFU 55.3 %, 916 tokens/s/GPU): predicted at the fitted utilisation u with
    # 8·P + 16·L·d·s FLOPs per token: tokens/s = 312e12 · u / (4/3 · (6·P + 12·L·d·s)). By hand with
    # P = 29,975,214,080, L = 48, d = 7168, s = 2048 and u = (0.6423 + 0.711) / 2 — within 10 % of 916.
    fit = runtime.default_mfu(A100)["mfu"]
    per_token = 8 * 29_975_214_080 + 16 * 48 * 7168 * 2048
    est = runtime.runtime_estimate(params=29_975_214_080, tokens=1e9, gpu_id=A100, layers=48, hidden_size=7168,
                                   seq=2048, checkpointing=True, goodput=1)
    assert 1e9 / (est.hours * 3600) == pytest.approx(312e12 * fit / per_token, rel=1e-9)
    assert 1e9 / (est.hours * 3600) == pytest.approx(916, rel=0.10)


def test_lora_skips_the_frozen_weight_gradients():
    # forward 2·P + backward through activations 2·P, no weight-gradient GEMMs: 4 · 7e9 · 1e9 = 2.8e19 FLOPs
    est = runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id=A100, gpus=8, mfu=0.5, task="lora", goodput=1)
    assert est.flops == pytest.approx(2.8e19) and est.task == "lora"
    assert est.hours == pytest.approx(2.8e19 / 1.248e15 / 3600)
    # the attention-score matmuls keep forward and backward (12·L·d·s);
    # checkpointing adds a forward (2·P + 4·L·d·s)
    assert runtime.training_flops_per_token(7e9, layers=32, hidden_size=4096, seq=2048, lora=True) == \
        pytest.approx(28e9 + 12 * 32 * 4096 * 2048)
    assert runtime.training_flops(7e9, 1, lora=True, checkpointing=True) == pytest.approx(42e9)
    # defaults unchanged: finetune is still 6·P·D
    assert runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id=A100, gpus=8, mfu=0.5,
                                    task="finetune").flops == pytest.approx(4.2e19)


def test_decode_reads_the_kv_cache():
    # Llama-3.1-8B-like: 8e9 params in bf16 (16e9 bytes) and 131,072 KV bytes per token (stas00), batch 8 at
    # a context of 4096: each step reads 16e9 + 131,072 · 4096 · 8 = 16e9 + 4.295e9 bytes. On one H100,
    # 1e6 generated tokens = 1e6 / 8 steps of (that / bandwidth).
    bw = data.gpu(H100)["memory_bandwidth_gbps"] * 1e9
    kv = 131_072 * 4096 * 8
    est = runtime.runtime_estimate(params=8e9, tokens=1e6, gpu_id=H100, task="inference", batch=8, context=4096,
                                   kv_bytes_per_token=131_072)
    assert est.kv_bytes_per_step == kv == 4_294_967_296 and est.bound == "memory" and est.context == 4096
    assert est.hours == pytest.approx((16e9 + kv) / bw * 1e6 / 8 / 3600)
    # no context: the earlier weights-only lower bound
    base = runtime.runtime_estimate(params=8e9, tokens=1e6, gpu_id=H100, task="inference", batch=8)
    assert base.hours == pytest.approx(16e9 / bw * 1e6 / 8 / 3600) and base.kv_bytes_per_step == 0
    assert est.hours / base.hours == pytest.approx(1 + kv / 16e9)  # +26.8 %
    with pytest.raises(InputError, match="^kv_bytes_per_token"):
        runtime.runtime_estimate(params=8e9, tokens=1e6, gpu_id=H100, task="inference", batch=8, context=4096)
    with pytest.raises(InputError, match="^context"):
        runtime.runtime_estimate(params=8e9, tokens=1e6, gpu_id=H100, task="finetune", context=4096)


def test_runtime_estimate_default_mfu_band():
    est = runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id="A100 80GB SXM", gpus=8)
    assert est.gpu_id == A100 and est.mfu_method == "fit"
    assert est.hours_low < est.hours < est.hours_high
    # hours scale as 1 / MFU
    assert est.hours * est.mfu == pytest.approx(est.hours_high * est.mfu_low)


def test_runtime_inference_memory_bound_at_an_explicit_batch_one():
    # batch 1 decode of a 7e9 model in bf16 on one H100: 14e9 bytes per token / (bandwidth × 1e9) per token
    bw = data.gpu(H100)["memory_bandwidth_gbps"]
    est = runtime.runtime_estimate(params=7e9, tokens=1e6, gpu_id=H100, task="inference", batch=1)
    assert est.bound == "memory"
    assert est.hours == pytest.approx(14e9 / (bw * 1e9) * 1e6 / 3600)
    # batch 64 reads the same 14e9 bytes per step for 64 tokens: 64× fewer steps while memory-bound
    # (compute per step 64 · 2 · 7e9 = 8.96e11 FLOPs ≪ the 14e9 B / 3.35e12 B/s = 4.2 ms of reading)
    wide = runtime.runtime_estimate(params=7e9, tokens=1e6, gpu_id=H100, task="inference", batch=64)
    assert wide.bound == "memory" and wide.hours == pytest.approx(est.hours / 64)


def test_runtime_inference_is_never_silently_batch_one():
    # issue 12: a server batches continuously; without a batch the estimate refuses and points to the serving model
    with pytest.raises(InputError) as err:
        runtime.runtime_estimate(params=7e9, tokens=1e6, gpu_id=H100, task="inference")
    assert err.value.field == "batch" and "gpuplan serve" in str(err.value) and "serving.serve" in str(err.value)
    assert "\n" not in str(err.value)
    # training tasks do not need one
    assert runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id=H100, mfu=0.5, goodput=1).task == "pretrain"


@pytest.mark.parametrize("kwargs, field", [
    ({"precision": "fp8", "gpu_id": A100}, "precision"),
    ({"gpu_id": "z9000"}, "gpu"),
    ({"task": "train"}, "task"),
    ({"gpus": 0}, "gpus"),
    ({"mfu": 1.5}, "mfu"),
    ({"tokens": -1}, "tokens"),
])
def test_runtime_bad_input_names_the_field(kwargs, field):
    args = {"params": 7e9, "tokens": 1e9, "gpu_id": H100, **kwargs}
    with pytest.raises(InputError) as err:
        runtime.runtime_estimate(**args)
    assert err.value.field == field
    assert "\n" not in str(err.value)


def test_fp8_on_h100_uses_fp8_peak():
    est = runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id=H100, precision="fp8", mfu=0.5, goodput=1)
    fp8_peak = data.gpu(H100)["fp8_tflops_dense"] * 1e12
    assert est.hours == pytest.approx(4.2e19 / (fp8_peak * 0.5) / 3600)
    assert math.isfinite(est.hours)


# ---------------------------------------------------------------------------------------------- goodput
def test_goodput_divides_every_hour_and_defaults_to_production():
    # 6 · 7e9 · 1e9 = 4.2e19 FLOPs on 8 × 312 TFLOPS at MFU 0.5: 9.348 h of compute; at goodput 0.5 the run
    # takes twice the wall time: 18.70 h
    half = runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id=A100, gpus=8, mfu=0.5, goodput=0.5)
    assert half.hours == pytest.approx(2 * 4.2e19 / 1.248e15 / 3600)
    assert half.goodput == 0.5 and half.goodput_method == "given"
    from gpuplan.goodput import production_goodput

    prod = runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id=A100, gpus=8, mfu=0.5)
    assert prod.goodput_method == "production" and prod.goodput == pytest.approx(production_goodput())
    assert prod.hours == pytest.approx(4.2e19 / 1.248e15 / 3600 / production_goodput())
    assert 0 < production_goodput() < 1
    # inference is not a training run: no goodput unless given
    inf = runtime.runtime_estimate(params=7e9, tokens=1e6, gpu_id=H100, task="inference", batch=1)
    assert inf.goodput == 1.0 and inf.goodput_method == "none"


@pytest.mark.parametrize("bad", [0, -0.1, 1.5, float("nan"), "1", True])
def test_bad_goodput_is_one_line(bad):
    with pytest.raises(InputError) as err:
        runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id=A100, goodput=bad)
    assert err.value.field == "goodput" and "\n" not in str(err.value)


# ------------------------------------------------------------------------------------ guards (issue 10)
@pytest.mark.parametrize("shape, field", [
    (dict(layers=32, hidden_size=4096, seq=-5), "seq"),       # used to lower the FLOPs silently
    (dict(layers=32, hidden_size=4096, seq=0), "seq"),
    (dict(layers=32, hidden_size=4096, seq=2.5), "seq"),
    (dict(layers=0, hidden_size=4096, seq=2048), "layers"),
    (dict(layers=32, hidden_size=-1, seq=2048), "hidden_size"),
    (dict(layers=32, seq=2048), "hidden_size"),                 # a partial shape is not silently ignored
    (dict(layers=32, hidden_size=4096, seq=10**12), "seq"),
])
def test_bad_shape_is_refused(shape, field):
    with pytest.raises(InputError) as err:
        runtime.training_flops(7e9, 1e9, **shape)
    assert err.value.field == field
    with pytest.raises(InputError):
        runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id=A100, mfu=0.5, **shape)


def test_overflow_is_an_error_not_inf():
    # 6 · 1e300 · 1e300 overflows a float: one line naming the input, never inf / null
    with pytest.raises(InputError, match="^tokens"):
        runtime.training_flops(1e300, 1e300)
    with pytest.raises(InputError, match="^tokens"):
        runtime.runtime_estimate(params=7e9, tokens=1e307, gpu_id=A100)
    with pytest.raises(InputError, match="^gpus"):
        runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id=A100, gpus=10**12)


# ----------------------------------------------------------------------- production goodput (training_runs)
def test_run_utilization_by_hand_from_the_published_numbers():
    from gpuplan import goodput

    obs = goodput.run_observations().set_index("run_id")
    # BLOOM (arXiv 2211.05100): 176,247M params, 366B tokens, 70 layers, hidden 14336, seq 2048, 1,082,990
    # A100-80GB hours: (6·P + 12·L·d·s) · D / (hours · 3600 · 312e12)
    per_token = 6 * 176_247e6 + 12 * 70 * 14336 * 2048
    assert obs.loc["bloom-176b", "utilization"] == pytest.approx(per_token * 366e9 / (1_082_990 * 3600 * 312e12))
    # Pythia-12B (paper Table 5 + model card): 11,846,072,320 params, 299,892,736,000 tokens, 36 × 5120, 72,300 h
    per_token = 6 * 11_846_072_320 + 12 * 36 * 5120 * 2048
    assert obs.loc["pythia-12b", "utilization"] == pytest.approx(
        per_token * 299_892_736_000 / (72_300 * 3600 * 312e12))
    # SmolLM3: GPU-hours from 384 H100 × 24 days (989.4 dense BF16 TFLOPS)
    assert obs.loc["smollm3-3b", "gpu_hours"] == 384 * 24 * 24
    # implied goodput = utilization / the GPU's benchmark MFU
    row = obs.loc["bloom-176b"]
    assert row["implied_goodput"] == pytest.approx(row["utilization"] / default_mfu_of(A100))


def default_mfu_of(gpu):
    return runtime.default_mfu(gpu, "bf16")["mfu"]


def test_llama_and_mpt_stay_out_of_the_fit():
    from gpuplan import goodput

    obs = goodput.run_observations()
    assert set(obs.loc[obs["role"] == "check", "family"]) == {"llama", "mpt"}
    # changing a check run cannot move the fit: make every Llama run wildly efficient
    moved = obs.assign(implied_goodput=obs["implied_goodput"].where(obs["role"] == "fit", 5.0))
    assert goodput.fit_goodput(moved) == goodput.fit_goodput(obs)
    # the fit is the median over families of each family's median (Pythia's eight sizes count once)
    fit = obs[obs["role"] == "fit"]
    by_family = sorted(fit.groupby("family")["implied_goodput"].median())
    n = len(by_family)
    expected = by_family[n // 2] if n % 2 else (by_family[n // 2 - 1] + by_family[n // 2]) / 2
    assert goodput.fit_goodput(obs) == pytest.approx(expected)


def test_leave_one_out_predicts_each_run_without_it():
    from gpuplan import goodput

    obs = goodput.run_observations()
    loo = goodput.leave_one_out(obs).set_index("run_id")
    assert set(loo.index) == set(obs.loc[obs["role"] == "fit", "run_id"])
    # BLOOM without BLOOM: its GPU-hours predicted = FLOPs / (peak · MFU · goodput_without) / 3600
    row, o = loo.loc["bloom-176b"], obs.set_index("run_id").loc["bloom-176b"]
    assert row["goodput_without"] == pytest.approx(goodput.fit_goodput(obs[obs["run_id"] != "bloom-176b"]))
    expected = o["flops"] / (312e12 * default_mfu_of(A100) * row["goodput_without"]) / 3600
    assert row["predicted_gpu_hours"] == pytest.approx(expected)
    assert row["error"] == pytest.approx(expected / 1_082_990 - 1)
    cal = goodput.calibration()
    assert cal["loo_median_abs_error"] == pytest.approx(loo["error"].abs().median())
    # the independent check: Llama 2 7B's 184,320 published A100 hours against the full fit
    chk = cal["check"].set_index("run_id")
    assert chk.loc["llama2-7b", "published_gpu_hours"] == 184_320
    # the cited bottom-up product (Llama 3: >90 % effective training time) sits beside the fit
    assert cal["literature_goodput"] == pytest.approx(0.90)


# ---------------------------------------------------------------------------------- workload speedups
def test_workload_speedup_follows_the_roofline():
    from gpuplan import speedup

    # compute-bound pretraining in BF16: (989.4e12 · MFU_H100) / (312e12 · MFU_A100)
    train = speedup.workload_speedup(A100, H100, params=7e9)
    ratio = 989.4e12 * runtime.default_mfu(H100)["mfu"] / (312e12 * runtime.default_mfu(A100)["mfu"])
    assert train["speedup"] == pytest.approx(ratio) and train["bound_a"] == train["bound_b"] == "compute"
    # FP8 only with native support: the A100 runs BF16, the H100 FP8 at its fitted FP8 MFU
    fp8 = speedup.workload_speedup(A100, H100, params=7e9, precision="fp8")
    assert (fp8["precision_a"], fp8["precision_b"]) == ("bf16", "fp8")
    assert fp8["speedup"] == pytest.approx(1978.9e12 * runtime.default_mfu(H100, "fp8")["mfu"]
                                           / (312e12 * runtime.default_mfu(A100)["mfu"]))
    # batch-1 decoding is memory-bound: the bandwidth ratio 3350 / 2039 (bf16 weights on both)
    dec = speedup.workload_speedup(A100, H100, params=7e9, task="inference", tokens=1e6)
    assert dec["bound_a"] == "memory" and dec["speedup"] == pytest.approx(3350 / 2039)
    # the observed band stays beside it as evidence
    assert dec["observed"]["n"] > 0 and dec["observed"]["low"] <= dec["observed"]["high"]


def test_mlperf_workload_table_brackets_the_observed_speedups():
    from gpuplan import speedup

    table = speedup.mlperf_workload_speedups(A100, H100)
    assert {"training", "inference"} <= set(table["task_type"])
    # ceilings by hand: memory 3350 / 2039; compute at BF16 = peak ratio × MFU ratio
    assert list(table["memory_bound"]) == pytest.approx([3350 / 2039] * len(table))
    train = table[table["task_type"] == "training"]
    ratio = 989.4 * runtime.default_mfu(H100)["mfu"] / (312 * runtime.default_mfu(A100)["mfu"])
    assert list(train["compute_bound"]) == pytest.approx([ratio] * len(train))
    # MLPerf Training v3.0 BERT on 8 GPUs: 15.752 / 5.349 = 2.945 among the BERT pairs
    bert = train.set_index("workload").loc["bert"]
    assert bert["observed_low"] <= 15.752 / 5.349 <= bert["observed_high"]
    assert (table["error"] == table["compute_bound"] / table["observed_median"] - 1).all()
