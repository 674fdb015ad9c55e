"""Topology-aware all-reduce: the nccl-tests bandwidth definitions by hand, each node topology by hand from the
published link efficiencies, and the model against the published all-reduce measurements it did not take an
efficiency from."""

import pytest

from gpuplan import collectives
from gpuplan.errors import InputError

A100 = "a100-sxm4-80gb"
H100 = "h100-sxm5-80gb"
MI300X = "mi300x-192gb"


def test_bus_vs_algorithm_bandwidth_definition():
    # nccl-tests doc/PERFORMANCE.md: busBw = algBw · 2(n-1)/n, and t = S / algBw
    out = collectives.allreduce(A100, 8, 14e9, algorithm="ring")
    assert out["algorithm_bandwidth_gbps"] == pytest.approx(out["bus_bandwidth_gbps"] * 8 / (2 * 7))
    assert out["seconds"] == pytest.approx(14e9 / (out["algorithm_bandwidth_gbps"] * 1e9))


def test_nvswitch_ring_and_nvls_from_the_maintainers_numbers():
    # NCCL maintainer (nccl-tests #212): H100 line rate 450 GB/s, ring busBw 370; NVLS on 8 GPUs busBw ~480,
    # algbw ~275. A100 (NVLink 3, 300 GB/s per direction, no NVLink SHARP) at the same protocol efficiency:
    # 300 × 370/450 = 246.67 GB/s
    assert collectives.bus_bandwidth(H100, 8, algorithm="ring")["bus_bandwidth_gbps"] == pytest.approx(370)
    nvls = collectives.bus_bandwidth(H100, 8)
    assert nvls["algorithm"] == "nvls" and nvls["algorithm_bandwidth_gbps"] == pytest.approx(275)
    assert nvls["bus_bandwidth_gbps"] == pytest.approx(275 * 2 * 7 / 8)  # 481.25, "~480"
    a100 = collectives.bus_bandwidth(A100, 8)
    assert a100["algorithm"] == "ring" and a100["bus_bandwidth_gbps"] == pytest.approx(300 * 370 / 450)
    # two H100s: NVLS (275 × 1) is slower than the ring (370), so auto takes the ring
    assert collectives.bus_bandwidth(H100, 2)["algorithm"] == "ring"
    with pytest.raises(InputError, match="^algorithm"):
        collectives.bus_bandwidth(A100, 8, algorithm="nvls")


def test_mi300x_two_gpus_see_one_xgmi_link():
    # AMD ROCm blog (2025-03-02): 64 GB/s raw per xGMI link, ~48 usable; 7 links per GPU, fully connected.
    # 896 GB/s bidirectional (gpus table) / 2 / 7 = 64 GB/s per link. 2 GPUs share one link: 48 GB/s bus
    # bandwidth — the single-bandwidth ring used 448 × 0.88, about 8 times too fast. 8 GPUs: 7 links × 48 = 336.
    assert collectives.node_topology(MI300X)["link_gbps"] == pytest.approx(64)
    assert collectives.bus_bandwidth(MI300X, 2)["bus_bandwidth_gbps"] == pytest.approx(48)
    assert collectives.bus_bandwidth(MI300X, 8)["bus_bandwidth_gbps"] == pytest.approx(7 * 48)
    # a 1 GB all-reduce on 2 MI300X: algbw = busbw (factor 2·1/2 = 1): 1e9 / 48e9 s
    assert collectives.allreduce(MI300X, 2, 1e9)["seconds"] == pytest.approx(1 / 48)


def test_network_rails_limit_multi_node():
    # beyond a node: one rail per local rank; A100-era NIC 200 Gb/s = 25 GB/s; 0.96 network efficiency from the
    # published 3-node run (nccl-tests #119: 96 of 4 × 25 = 100 GB/s). 8 rails: 8 × 25 × 0.96 = 192 < 246.67
    multi = collectives.bus_bandwidth(A100, 64)
    assert multi["limited_by"] == "network" and multi["bus_bandwidth_gbps"] == pytest.approx(192)
    # one rank per node (a data-parallel group across pipeline stages): one rail, 24 GB/s
    one = collectives.bus_bandwidth(A100, 64, gpus_per_node=1)
    assert one["bus_bandwidth_gbps"] == pytest.approx(25 * 0.96)
    # H100 (400 Gb/s = 50 GB/s NICs): 8 × 50 × 0.96 = 384 > the in-node ring 370: the node limits
    assert collectives.bus_bandwidth(H100, 16)["limited_by"] == "node"
    assert collectives.bus_bandwidth(H100, 16, rails=4)["bus_bandwidth_gbps"] == pytest.approx(4 * 50 * 0.96)


def test_pcie_and_bridge_efficiencies_are_fitted_to_the_measurements():
    eff = collectives.efficiencies()
    # 8 and 4 RTX 5090 on PCIe Gen5 (x16 = 32 GT/s × 16 × 128/130 / 8 = 63.015 GB/s): 28 and 35 GB/s busbw
    # (nccl #1639) -> median of 28/63.015 and 35/63.015
    gen5 = 32 * 16 * 128 / 130 / 8
    assert eff["host"] == pytest.approx((28 / gen5 + 35 / gen5) / 2)
    # 2 H100 PCIe over NVLink bridges (600 GB/s bidirectional -> 300 per direction): 116.26 GB/s (nccl #1161)
    assert eff["bridge"] == pytest.approx(116.26 / 300)
    assert collectives.bus_bandwidth("h100-pcie-80gb", 2)["algorithm"] == "bridge"
    assert collectives.bus_bandwidth("h100-pcie-80gb", 4)["algorithm"] == "host"  # a bridge joins pairs only


def test_against_published_measurements():
    cmp = collectives.compare_measured().set_index("benchmark_id")
    assert len(cmp) >= 8
    # held out: 8 x A100 80GB SXM4, ~200 GB/s busbw (nccl-tests #149) vs 246.67 predicted: +23 %
    a100 = cmp.loc[1921]
    assert a100["basis"] == "held out" and a100["error"] == pytest.approx(300 * 370 / 450 / 200 - 1)
    # leave-one-out on PCIe: each RTX 5090 row predicted from the other's efficiency
    assert cmp.loc[1923, "predicted_gbps"] == pytest.approx(35) and cmp.loc[1924, "predicted_gbps"] == pytest.approx(28)
    # the former single-bandwidth ring: MI300X 2 GPUs at 448 GB/s × nvbandwidth efficiency (~0.88), ~8x too fast
    assert cmp.loc[1926, "naive_error"] > 6 and abs(cmp.loc[1926, "error"]) < 1e-9
    # the topology model is closer than the naive ring on every held-out / leave-one-out row
    check = cmp[cmp["basis"] != "in-sample"]
    assert (check["error"].abs() <= check["naive_error"].abs()).all()


@pytest.mark.parametrize("args, kwargs, field", [
    ((H100, 1, 1e9), {}, "gpus"),
    ((H100, 8, 0), {}, "bytes"),
    ((H100, 8, float("inf")), {}, "bytes"),
    ((H100, 8, 1e9), {"gpus_per_node": 0}, "gpus_per_node"),
    ((H100, 8, 1e9), {"algorithm": "tree"}, "algorithm"),
    ((H100, 16, 1e9), {"nic_gbps": -1}, "nic_gbps"),
    (("z9000", 8, 1e9), {}, "gpu"),
])
def test_bad_input(args, kwargs, field):
    with pytest.raises(InputError) as err:
        collectives.allreduce(*args, **kwargs)
    assert err.value.field == field and "\n" not in str(err.value)
