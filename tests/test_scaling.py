"""Scaling: ring all-reduce and link bandwidths by hand, link efficiency vs the nvbandwidth rows, step time,
the articles' data-loading figures, the frontier's pareto flag and the MLPerf scale check."""

import pytest

from gpuplan import scaling
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
    # no overlap: 8 GPUs in one node pay the full NVLink all-reduce of 14e9 bytes at 300 GB/s × efficiency
    eff = scaling.link_efficiency()["efficiency"]
    eight = scaling.scaling_curve(7e9, A100, [8], tokens=1e9, mfu=0.5, overlap=0).iloc[0]
    assert eight["comm_seconds"] == pytest.approx(1.75 * 14e9 / (300e9 * eff))


def test_scaling_efficiency_h100_vs_a100_at_1024():
    # both lose efficiency at 1024 GPUs with a 4M-token global batch; the curve is defined for both
    a100 = scaling.scaling_curve(7e9, A100, tokens=1e11).set_index("n")
    h100 = scaling.scaling_curve(7e9, H100, tokens=1e11).set_index("n")
    assert a100.loc[1024, "efficiency"] < 1 and h100.loc[1024, "efficiency"] < 1
    assert h100.loc[1024, "hours"] < a100.loc[1024, "hours"]


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
    cmp = scaling.compare_mlperf()
    assert len(cmp) >= 5
    # MLPerf Training v3.0 GPT-3 175B on H100: 64.26 min at 512 GPUs, 10.94 min at 3584 (NVIDIA published
    # "10.9 min") → observed ratio 10.94 / 64.264 = 0.1702
    row = cmp[(cmp["round"] == "v3.0") & (cmp["n_ref"] == 512) & (cmp["n"] == 3584)].iloc[0]
    assert row["observed_ratio"] == pytest.approx(10.94 / 64.264, rel=2e-3)
    assert row["ideal_ratio"] == pytest.approx(512 / 3584)
    assert row["error"] == pytest.approx(row["predicted_ratio"] / row["observed_ratio"] - 1)
    assert cmp.attrs["median_abs_error"] == pytest.approx(cmp["error"].abs().median())
    # the model, with NVIDIA's layout and the pipeline bubble, beats "linear scaling" on these rows
    assert cmp.attrs["median_abs_error"] < cmp.attrs["ideal_median_abs_error"]
    # and pure data parallelism over 50 GB/s NICs cannot be how a 175B model is trained at this scale
    pure = scaling.compare_mlperf(model_parallel=1, pipeline_stages=1,
                                  global_batch_tokens=scaling.DEFAULT_GLOBAL_BATCH_TOKENS)
    assert pure.attrs["median_abs_error"] > 1
