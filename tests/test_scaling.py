"""Scaling: ring all-reduce and link bandwidths by hand, link efficiency vs the nvbandwidth rows, step time,
the articles' data-loading figures, the frontier's pareto flag and the MLPerf scale check."""

import pytest
from conftest import csv_rows

from gpuplan import scaling, scaling_mlperf
from gpuplan.errors import InputError

A100 = "a100-sxm4-80gb"
H100 = "h100-sxm5-80gb"


def test_allreduce_ring_formula():
    # 7e9 bf16 gradients = 14e9 bytes on 8 GPUs over 300 GB/s: 2·7/8 · 14e9 / 300e9 = 0.081667 s
    # (stas00 network/README.md: "1.75 for n=8 since 2*(8-1)/8=1.75")
    assert scaling.allreduce_seconds(14e9, 8, 300) == pytest.approx(1.75 * 14e9 / 300e9)
    # with 88 % link efficiency the time grows by 1/0.88
    assert scaling.allreduce_seconds(14e9, 8, 300, 0.88) == pytest.approx(1.75 * 14e9 / (300e9 * 0.88))
    # one GPU: nothing to reduce; large N: factor → 2
    assert scaling.allreduce_seconds(14e9, 1, 300) == 0.0
    assert scaling.allreduce_seconds(1e9, 1024, 1) == pytest.approx(2 * 1023 / 1024)


@pytest.mark.parametrize("args, field", [((0, 8, 300), "grad_bytes"), ((1e9, 0, 300), "n_gpus"),
                                         ((1e9, 8, 0), "bus_gbps"), ((1e9, 8, 300, 0), "efficiency")])
def test_allreduce_bad_input(args, field):
    with pytest.raises(InputError) as err:
        scaling.allreduce_seconds(*args)
    assert err.value.field == field


def test_link_bandwidths_match_stas00_tables():
    # stas00 network/README.md, unidirectional: NVLink 3 (A100) 300 GBps, NVLink 4 (H100) 450, PCIe 4 31, PCIe 5 63
    assert scaling.intra_node_gbps(A100) == 300
    assert scaling.intra_node_gbps(H100) == 450
    assert scaling.pcie_gbps(4) == pytest.approx(31, rel=0.02)
    assert scaling.pcie_gbps(5) == pytest.approx(63, rel=0.01)
    # PCIe cards (NVLink bridges join pairs only): a ring runs at PCIe speed
    assert scaling.intra_node_gbps("a100-pcie-80gb") == pytest.approx(16 * 16 * 128 / 130 / 8)
    # beyond one node the ring runs at the NIC: 1600 Gbps / 8 GPUs = 25 GB/s (A100), 3200 / 8 = 50 (H100)
    assert scaling.ring_gbps(A100, 16) == 25
    assert scaling.ring_gbps(H100, 16) == 50
    assert scaling.ring_gbps(H100, 8) == 450
    with pytest.raises(InputError, match="pcie_gen"):
        scaling.pcie_gbps(2)


def test_link_efficiency_fitted_to_nvbandwidth_rows():
    # nvbandwidth on 8×H200 (stas00): 396.4 of 450 GB/s unidirectional (88.1 %), 783.73 of 900 duplex (87.1 %),
    # host-to-device 55.43 of PCIe 5 x16 63.015 GB/s (88.0 %) → median 0.8796
    fit = scaling.link_efficiency()
    assert fit["n"] == 3
    assert fit["efficiency"] == pytest.approx(55.43 / (32 * 16 * 128 / 130 / 8), rel=1e-6)
    assert fit["low"] == pytest.approx(783.73 / 900) and fit["high"] == pytest.approx(396.4 / 450)


def test_step_time_overlap():
    # 10 s of compute on 8 GPUs = 1.25 s each; all-reduce 0.081667 s
    comm = 1.75 * 14e9 / 300e9
    no_overlap = scaling.step_time(compute_seconds=10, n_gpus=8, grad_bytes=14e9, bus_gbps=300, overlap=0)
    assert no_overlap["step_s"] == pytest.approx(1.25 + comm)
    hidden = scaling.step_time(compute_seconds=10, n_gpus=8, grad_bytes=14e9, bus_gbps=300, overlap=2 / 3)
    assert hidden["exposed_comm_s"] == 0 and hidden["step_s"] == pytest.approx(1.25)
    # comm larger than what overlap can hide: exposed = comm − overlap · compute
    slow = scaling.step_time(compute_seconds=10, n_gpus=8, grad_bytes=14e9, bus_gbps=1, overlap=0.5)
    assert slow["exposed_comm_s"] == pytest.approx(1.75 * 14 - 0.5 * 1.25)
    with pytest.raises(InputError, match="overlap"):
        scaling.step_time(compute_seconds=10, n_gpus=8, grad_bytes=14e9, bus_gbps=300, overlap=1.5)


def test_scaling_curve_hand_calculation_and_shape():
    # one A100 at MFU 0.5: 6 · 7e9 · 1e9 = 4.2e19 FLOPs / (312e12 · 0.5) = 269,230.8 s = 74.786 h
    curve = scaling.scaling_curve(7e9, A100, tokens=1e9, mfu=0.5)
    one = curve.set_index("n").loc[1]
    assert one["hours"] == pytest.approx(4.2e19 / (312e12 * 0.5) / 3600)
    assert one["efficiency"] == pytest.approx(1.0)
    assert list(curve["n"]) == list(scaling.DEFAULT_COUNTS)
    assert curve["efficiency"].is_monotonic_decreasing
    assert list(curve["gpu_hours"]) == pytest.approx(list(curve["hours"] * curve["n"]))
    # no overlap: 8 A100s on NVSwitch all-reduce 14e9 bytes as a ring at 300 GB/s × 370/450 (the NCCL
    # maintainer's protocol efficiency, nccl-tests #212) = 246.67 GB/s bus bandwidth: 1.75 · 14e9 / 246.67e9 s
    eight = scaling.scaling_curve(7e9, A100, [8], tokens=1e9, mfu=0.5, overlap=0).iloc[0]
    assert eight["bus_gbps"] == pytest.approx(300 * 370 / 450)
    assert eight["comm_seconds"] == pytest.approx(1.75 * 14e9 / (300e9 * 370 / 450))
    assert eight["step_seconds"] == pytest.approx(4.2e19 / 1e9 * 4_194_304 / (312e12 * 0.5) / 8
                                                  + 1.75 * 14e9 / (300e9 * 370 / 450))
    # one GPU: nothing to all-reduce, bus bandwidth 0 (a number, never null)
    assert one["bus_gbps"] == 0.0 and one["comm_seconds"] == 0.0


def test_scaling_efficiency_h100_vs_a100_at_1024():
    # without overlap both lose efficiency at 1024 GPUs with a 4M-token global batch; the curve is defined for both
    a100 = scaling.scaling_curve(7e9, A100, tokens=1e11, overlap=0).set_index("n")
    h100 = scaling.scaling_curve(7e9, H100, tokens=1e11, overlap=0).set_index("n")
    assert a100.loc[1024, "efficiency"] < 1 and h100.loc[1024, "efficiency"] < 1
    assert h100.loc[1024, "hours"] < a100.loc[1024, "hours"]
    # beyond a node the ring runs over 8 rails of 25 GB/s (A100 era) × 0.96 measured network efficiency
    # (nccl-tests #119: 96 of 100 GB/s) = 192 GB/s bus bandwidth
    assert a100.loc[1024, "bus_gbps"] == pytest.approx(8 * 25 * 0.96)


def test_data_loading_articles_four_gpu_case():
    """[V]: storage loading A100 ≈1.7 / H100 ≈1.5 GiB/s on one GPU, ≈0.2 / ≈2.2 GiB/s on four GPUs.
    Case: raw 49-frame 720×480 RGB clips (49·720·480·3 = 50,803,200 bytes), 2 clips/s per GPU.
    One GPU needs 101,606,400 B/s = 0.09463 GiB/s: both storages keep up.
    Four GPUs need 406,425,600 B/s = 0.37851 GiB/s: the A100 setup's 0.2 GiB/s feeds 0.2/0.37851 = 52.8 %
    of the compute; the H100 setup's 2.2 GiB/s feeds all of it."""
    clip = 49 * 720 * 480 * 3
    for storage in (1.7, 1.5):
        one = scaling.data_loading_bound(2, clip, storage, gpus=1)
        assert one["needed_gibps"] == pytest.approx(101_606_400 / 2**30)
        assert one["fed_fraction"] == 1.0 and not one["input_bound"]
    a100 = scaling.data_loading_bound(2, clip, 0.2, gpus=4)
    assert a100["needed_gibps"] == pytest.approx(0.37851, abs=1e-5)
    assert a100["fed_fraction"] == pytest.approx(0.2 / (406_425_600 / 2**30)) and a100["input_bound"]
    h100 = scaling.data_loading_bound(2, clip, 2.2, gpus=4)
    assert h100["fed_fraction"] == 1.0 and not h100["input_bound"]
    with pytest.raises(InputError, match="gpus"):
        scaling.data_loading_bound(2, clip, 2.2, gpus=0)


def test_frontier_pareto_flag():
    prices = {A100: 1.50, H100: 3.50}  # the articles' worked-example rates, $/GPU-hour
    front = scaling.frontier(7e9, 1e11, [A100, H100], [1, 8, 64, 512], prices)
    assert len(front) == 8
    assert list(front["cost_usd"]) == pytest.approx(list(front["gpu_hours"] * front["gpu_id"].map(prices)))
    for row in front.itertuples():
        dominated = ((front["hours"] <= row.hours) & (front["cost_usd"] <= row.cost_usd)
                     & ((front["hours"] < row.hours) | (front["cost_usd"] < row.cost_usd))).any()
        assert row.pareto == (not dominated)
    with pytest.raises(InputError, match="prices"):
        scaling.frontier(7e9, 1e11, [A100, H100], [1], {A100: 1.5})


def test_pipeline_bubble():
    # TP·PP = 32 with 8 stages on 512 GPUs: 16 replicas; 3072 sequences of 2048 tokens per step, micro-batch 1
    # → m = 3072 / 16 = 192 micro-batches per replica, bubble (8 − 1) / 192 (Narayanan et al. 2021)
    flops = 6 * 175e9 * 3072 * 2048
    row = scaling.scaling_curve(175e9, H100, [512], tokens=1e12, mfu=0.4, model_parallel=32, pipeline_stages=8,
                                global_batch_tokens=3072 * 2048, micro_batch_tokens=2048).iloc[0]
    assert row["compute_seconds"] == pytest.approx(flops / (989.4e12 * 0.4) / 512 * (1 + 7 / 192))
    with pytest.raises(InputError, match="pipeline_stages"):
        scaling.scaling_curve(175e9, H100, [512], tokens=1e12, model_parallel=32, pipeline_stages=5)


def test_compare_mlperf_scales():
    cmp = scaling_mlperf.compare_mlperf()
    assert len(cmp) >= 5
    # MLPerf Training v3.0 GPT-3 175B on H100: 64.26 min at 512 GPUs, 10.94 min at 3584 (NVIDIA published
    # "10.9 min") → observed ratio 10.94 / 64.264 = 0.1702
    row = cmp[(cmp["round"] == "v3.0") & (cmp["n_ref"] == 512) & (cmp["n"] == 3584)].iloc[0]
    assert row["observed_ratio"] == pytest.approx(10.94 / 64.264, rel=2e-3)
    assert row["ideal_ratio"] == pytest.approx(512 / 3584)
    assert row["error"] == pytest.approx(row["predicted_ratio"] / row["observed_ratio"] - 1)
    assert cmp.attrs["median_abs_error"] == pytest.approx(cmp["error"].abs().median())
    # on the GPT-3 175B rows, whose layout (TP 4 x PP 8) and batch (3072) are read from NVIDIA's own v3.0
    # configs (MLPERF_GPT3_LAYOUT), the model with the pipeline bubble beats "linear scaling". Elsewhere the layout
    # and batch are assumptions and it does not: with MLPerf v6.0 complete its median error over all rows is above
    # linear scaling's (the book glues both numbers and claims neither way), so the claim is held where it is read.
    gpt3 = cmp[cmp["model"].str.startswith("GPT-3 175B")]
    assert len(gpt3) >= 10 and set(gpt3["layout"]) == {"read"}
    assert set(cmp.drop(gpt3.index)["layout"]) == {"assumed"}
    assert gpt3["error"].abs().median() < gpt3["ideal_error"].abs().median()
    assert cmp.attrs["read_median_abs_error"] == pytest.approx(gpt3["error"].abs().median())
    assert cmp.attrs["read_ideal_median_abs_error"] == pytest.approx(gpt3["ideal_error"].abs().median())
    assert cmp.attrs["ideal_median_abs_error"] == pytest.approx(cmp["ideal_error"].abs().median())
    # and pure data parallelism cannot be how a 175B model is trained: its 2.8e12 bytes of model states
    # (16 bytes/param) need >= 47 GPUs of 60 GB usable (75 % of 80 GB) per replica: tp 8 × pp 8
    assert scaling.parallel_layout(175e9, H100, 512) == {"tp": 8, "pp": 8, "dp": 8, "fits": True}
    # larger batches need more tokens: the comparison with convergence differs from the fixed-batch one
    fixed = scaling_mlperf.compare_mlperf(convergence=False)
    assert len(fixed) == len(cmp) and not (fixed["predicted_ratio"] == cmp["predicted_ratio"]).all()



def test_compare_mlperf_leaves_out_moe_workloads():
    # the v6.0 MoE benchmarks have results at several counts on one GPU (data/benchmarks.csv, read here directly),
    # but the dense step-time model cannot represent them: they are not compared, the dense LLM rows are
    rows = csv_rows("benchmarks.csv")
    counts: dict[tuple, set] = {}
    for r in rows:
        if r["suite"] == "MLPerf Training" and r["workload"] in ("gpt_oss_20b", "deepseekv3_671b"):
            counts.setdefault((r["round"], r["workload"], r["gpu_id"]), set()).add(r["gpu_count"])
    assert any(len(c) >= 2 for c in counts.values())
    cmp = scaling_mlperf.compare_mlperf()
    assert not cmp["model"].str.contains("GPT-OSS|DeepSeek").any()
    assert cmp["model"].str.contains("Llama 3.1 8B").any() and cmp["model"].str.contains("GPT-3").any()


# ---------------------------------------------------------------------------------------- 3D parallelism
def test_parallel_layout_by_hand():
    # 70B at 16 bytes/param = 1.12e12 bytes of states; 75 % of an 80 GB H100 = 60e9 holds 1/18.7 of them:
    # tp 8 inside the node is not enough (140e9 per GPU), pp 4 (35e9) is — on 64 GPUs dp = 64 / 32 = 2
    lay = scaling.parallel_layout(70e9, H100, 64)
    assert lay == {"tp": 8, "pp": 4, "dp": 2, "fits": True}
    # 7B (112e9 bytes) on 40 GB A100s (30e9 usable): tp 4 (28e9) is the smallest power of two that fits
    assert scaling.parallel_layout(7e9, "a100-sxm4-40gb", 8) == {"tp": 4, "pp": 1, "dp": 2, "fits": True}
    # too few GPUs: the largest layout, flagged
    assert scaling.parallel_layout(405e9, H100, 8)["fits"] is False


def test_tensor_parallel_traffic_and_lora_data_parallel():
    # TP 8 × PP 1 on 64 H100 (8 replicas): per step each GPU all-reduces, 4 times per layer, the bf16
    # activations of its replica's tokens: 4,194,304 / 8 tokens × 8192 × 2 bytes over 8 GPUs on NVLS
    # (algbw 450 × 275/450 = 275 GB/s), 4 × 80 layers
    row = scaling.scaling_curve(70e9, H100, [64], tokens=1e12, mfu=0.4, tensor_parallel=8, layers=80,
                                hidden_size=8192, overlap=0).iloc[0]
    per = 4_194_304 / 8 * 8192 * 2 / 275e9
    assert row["tp_comm_seconds"] == pytest.approx(4 * 80 * per)
    assert (row["tp"], row["pp"], row["dp"]) == (8, 1, 8)
    # LoRA: only the adapters' gradients are all-reduced — 20M adapter params, 2 bytes, over 8 replicas on one
    # node per replica group (rails: 1 per node) — against all 7e9 params for a full fine-tune
    full = scaling.scaling_curve(7e9, H100, [64], tokens=1e9, mfu=0.4, overlap=0).iloc[0]
    lora = scaling.scaling_curve(7e9, H100, [64], tokens=1e9, mfu=0.4, overlap=0, task="lora",
                                 trainable_params=20e6).iloc[0]
    assert lora["comm_seconds"] == pytest.approx(full["comm_seconds"] * 20e6 / 7e9)
    # and its compute is 4·P instead of 6·P per token
    assert lora["compute_seconds"] == pytest.approx(full["compute_seconds"] * 4 / 6)
    with pytest.raises(InputError, match="trainable_params"):
        scaling.scaling_curve(7e9, H100, [8], tokens=1e9, trainable_params=8e9)


@pytest.mark.parametrize("kwargs, field", [
    (dict(gpus_per_node=0), "gpus_per_node"),        # used to turn every GPU into its own node
    (dict(gpus_per_node=-8), "gpus_per_node"),
    (dict(tensor_parallel=0), "tensor_parallel"),
    (dict(goodput=0), "goodput"),
    (dict(task="inference"), "task"),
    (dict(tokens=float("inf")), "tokens"),
    (dict(tokens=float("nan")), "tokens"),
    (dict(layers=32, hidden_size=4096, seq=-5), "seq"),
])
def test_scaling_bad_input(kwargs, field):
    args = dict(tokens=1e9) | kwargs
    with pytest.raises(InputError) as err:
        scaling.scaling_curve(7e9, H100, [1, 8, 64], **args)
    assert err.value.field == field


def test_goodput_divides_the_hours():
    base = scaling.scaling_curve(7e9, H100, [8], tokens=1e9, mfu=0.4).iloc[0]
    half = scaling.scaling_curve(7e9, H100, [8], tokens=1e9, mfu=0.4, goodput=0.5).iloc[0]
    assert half["hours"] == pytest.approx(2 * base["hours"]) and half["step_seconds"] == base["step_seconds"]


def test_mlperf_tokens_to_converge_from_the_rcps():
    # mlcommons/logging training_3.0.0/rcps_gpt3.json: mean "Epochs to converge" at BS 3072 =
    # (1258291200 + 5 × 1207959552) / 6 = 1216348160; at BS 4096 (1258291200 × 5 + 1308622848) / 6 = 1266679808;
    # BS 3584 lies half way
    assert scaling_mlperf.tokens_to_converge("gpt3", 3072) == pytest.approx(1216348160)
    assert scaling_mlperf.tokens_to_converge("gpt3", 3584) == pytest.approx((1216348160 + 1266679808) / 2)
    assert scaling_mlperf.tokens_to_converge("gpt3", 100) == scaling_mlperf.tokens_to_converge("gpt3", 1536)  # clamped
    # Llama 3.1 8B (training_5.1.0): the smallest batch keeps one sequence per GPU: 32 at 32 GPUs, 64 at 64,
    # capped at the largest reference batch, 128
    assert [scaling_mlperf.mlperf_batch("llama31_8b", n) for n in (8, 64, 512)] == [32, 64, 128]
    # GPT-3 on NVIDIA's TP 4 × PP 8 layout: 10752 / 32 = 336 replicas × 8 stages = 2688 < 3072 -> 3072
    assert scaling_mlperf.mlperf_batch("gpt3", 10752, 32, 8) == 3072
