"""All-reduce on a real node topology: algorithm vs bus bandwidth, the node's links, and the network rails.

Definitions (NVIDIA nccl-tests ``doc/PERFORMANCE.md``): for an all-reduce of ``S`` bytes over ``n`` ranks in
``t`` seconds the *algorithm bandwidth* is ``algbw = S / t`` and the *bus bandwidth* ``busbw = algbw · 2(n−1)/n``
— the rate at which each rank's links carry data in a ring, comparable to a link's speed. So
``t = S · 2(n−1)/n / busbw``.

Node topologies (the ``gpus`` table's ``interconnect``; per-direction bandwidths):

- **NVSwitch** (``nvlink3/4/5``, SXM boards): every GPU reaches every other at its full NVLink rate ``B`` (half
  of ``nvlink_gbps``). Ring: ``busbw = B · e_ring``, e_ring = 370/450 (NCCL maintainer: 450 GB/s line rate,
  ~20 % protocol overhead, 370 GB/s as busBw with ``NCCL_ALGO=RING``). NVLink SHARP (**NVLS**, NVSwitch gen 3+:
  ``nvlink4``/``nvlink5``) reduces in the switch: ``algbw = B · e_nvls``, e_nvls = 275/450 (same source: "peak
  busBw of ~480GB/s (algbw ~275GB/s)" on 8 H100); ``auto`` takes the faster of the two.
- **Infinity Fabric** (``infinity-fabric``, MI300X): fully connected point-to-point xGMI links, 7 per GPU
  (``nvlink_gbps`` / 2 / 7 = 64 GB/s each), about 48 of 64 GB/s usable (AMD ROCm blog). ``n`` GPUs use the
  ``n − 1`` links between them: ``busbw = (n − 1) · 64 · 48/64`` — 2 GPUs see **one** link (48 GB/s), 8 see 7.
- **PCIe** (``pcie`` cards): through the host, ``busbw = PCIe x16 rate · e_host``, e_host fitted to the
  nccl-tests rows of the benchmarks table (the maintainer: "determined by the bandwidth your CPU and memory can
  deliver"); a pair of cards joined by an **NVLink bridge** (``nvlink_gbps`` on a ``pcie`` card) uses the bridge
  for n = 2: ``busbw = nvlink_gbps / 2 · e_bridge`` (fitted the same way).
- **Between nodes**: one NIC ("rail") per local rank — 8 per node, as on DGX/HGX systems (stas00: 3200 Gb/s =
  8 × 400 per node; MosaicML: 1600 Gb/s = 8 × 200). NCCL runs one ring per rail, so the inter-node part limits
  ``busbw`` to ``rails · NIC · e_net`` (e_net fitted to a published 3-node run); ``busbw = min(intra-node,
  inter-node)``. NIC per GPU: 25 GB/s (200 Gb/s HDR) for A100-era and PCIe nodes, 50 GB/s (400 Gb/s NDR) for
  H100 and later, unless given. SHARP in-network reduction is not modelled (no measurement in the data).

The model is the bandwidth term only: it is meant for large messages (gradient buckets of tens of MB and up), where
nccl-tests reach their peak; small all-reduces are latency-bound and faster here than in reality.
:func:`compare_measured` sets it against every published all-reduce measurement in the benchmarks table.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from gpuplan import assumptions, data
from gpuplan.errors import InputError
from gpuplan.validators import check_choice, check_count, check_positive

#: per-GPU NIC bandwidth, GB/s per direction, by the GPU's interconnect generation (gpuplan.assumptions 'nic_gbps')
NIC_GBPS = assumptions.value("nic_gbps")
#: xGMI links per MI300X (each GPU "connected to its seven peer GPUs", AMD ROCm blog; gpuplan.assumptions)
XGMI_LINKS = assumptions.value("xgmi_links_per_gpu")
ALGORITHMS = ("auto", "ring", "nvls")
MAX_RANKS = 1 << 20
MAX_BYTES = 1e15
#: PCIe transfer rate per lane, GT/s, by generation (PCI-SIG; 128b/130b encoding from Gen3 on)
PCIE_GTPS = {3: 8.0, 4: 16.0, 5: 32.0}
_NICS_RE = re.compile(r"(\d+)\s*(HDR|NDR)?\s*NICs? per node", re.IGNORECASE)
_NIC_RATE = {"hdr": 25.0, "ndr": 50.0}


def pcie_gbps(gen: int) -> float:
    """Per-direction bandwidth of a PCIe x16 link, GB/s: GT/s × 16 lanes × 128/130 / 8 (Gen3-5)."""
    check_choice("pcie_gen", gen, PCIE_GTPS)
    return PCIE_GTPS[gen] * 16 * 128 / 130 / 8


# ------------------------------------------------------------------------------------------------ topology
def node_topology(gpu_id: str) -> dict:
    """The node a GPU sits in: gpu_id, kind ('nvswitch', 'xgmi-mesh', 'pcie'), link_gbps (per direction: the
    GPU's NVLink rate, one xGMI link, or its PCIe x16), nvls (NVLink SHARP available), bridge_gbps (NVLink bridge
    of a PCIe card, per direction, else None), nic_gbps (default per-GPU NIC)."""
    gpu = data.gpu(data.resolve_gpu(gpu_id))
    interconnect = gpu.get("interconnect") or "pcie"
    nvlink = gpu.get("nvlink_gbps")
    nvlink = float(nvlink) / 2 if nvlink is not None and pd.notna(nvlink) else None
    gen = gpu.get("pcie_gen")
    pcie = pcie_gbps(int(gen)) if gen is not None and pd.notna(gen) else None
    out = {"gpu_id": gpu["gpu_id"], "nvls": False, "bridge_gbps": None,
           "nic_gbps": NIC_GBPS.get(interconnect, NIC_GBPS["pcie"])}
    if interconnect.startswith("nvlink") and nvlink:
        return {**out, "kind": "nvswitch", "link_gbps": nvlink, "nvls": interconnect in ("nvlink4", "nvlink5")}
    if interconnect == "infinity-fabric" and nvlink:
        return {**out, "kind": "xgmi-mesh", "link_gbps": nvlink / XGMI_LINKS}
    if pcie is None:
        raise InputError("gpu", f"{gpu['gpu_id']} has neither NVLink nor a PCIe generation in the gpus table")
    return {**out, "kind": "pcie", "link_gbps": pcie, "bridge_gbps": nvlink}


# ------------------------------------------------------------------------------------ measurements, fits
def measured_allreduce() -> pd.DataFrame:
    """The published all-reduce / xGMI rows of the benchmarks table (suites nccl-tests and rccl): benchmark_id,
    gpu_id, gpu_count, scenario, measured_gbps (bus bandwidth), source_id, notes; ordered by benchmark_id."""
    bench = data.benchmarks()
    rows = bench[bench["suite"].fillna("").str.contains(r"nccl-tests|rccl", case=False, regex=True)
                 & (bench["task_type"] == "microbenchmark")]
    return (rows.rename(columns={"value": "measured_gbps"})
            [["benchmark_id", "gpu_id", "gpu_count", "scenario", "measured_gbps", "source_id", "notes"]]
            .sort_values("benchmark_id", kind="stable").reset_index(drop=True))


def _setup(row) -> dict:
    """How a measured row was run: path ('host', 'bridge', 'network', 'nvls', 'ring', 'mesh'), ranks, and
    for the network rows rails and NIC rate, read from its scenario text."""
    text = str(row["scenario"]).lower()
    n = int(row["gpu_count"])
    if "nodes" in text:
        nics = _NICS_RE.search(str(row["scenario"]))
        rails = int(nics.group(1)) if nics else None
        rate = _NIC_RATE.get((nics.group(2) or "").lower()) if nics else None
        return {"path": "network", "n": n, "rails": rails, "nic_gbps": rate}
    for key, path in (("through the host", "host"), ("nvlink bridge", "bridge"), ("nvls", "nvls"),
                      ("ring", "ring"), ("link", "mesh")):
        if key in text:
            return {"path": path, "n": n}
    return {"path": "auto", "n": n}


def _fitted(path: str, rows: pd.DataFrame) -> float | None:
    """Median measured / spec over the rows of one fitted path (host, bridge, network); None if none."""
    ratios = []
    for row in rows.to_dict(orient="records"):
        setup = _setup(row)
        if setup["path"] != path:
            continue
        topo = node_topology(row["gpu_id"])
        if path == "host":
            spec = topo["link_gbps"]
        elif path == "bridge":
            spec = topo["bridge_gbps"]
        else:
            spec = (setup["rails"] or 8) * (setup["nic_gbps"] or topo["nic_gbps"])
        if spec:
            ratios.append(row["measured_gbps"] / spec)
    return float(pd.Series(ratios).median()) if ratios else None


def efficiencies(rows: pd.DataFrame | None = None) -> dict:
    """Link efficiencies: ring, nvls, xgmi from :mod:`gpuplan.assumptions` (each a published statement), host,
    bridge and network fitted (median measured / spec) to the nccl-tests rows of ``rows`` (default: all)."""
    rows = measured_allreduce() if rows is None else rows
    return {"ring": assumptions.value("nvlink_ring_efficiency"), "nvls": assumptions.value("nvls_algbw_efficiency"),
            "xgmi": assumptions.value("xgmi_link_efficiency"), "host": _fitted("host", rows),
            "bridge": _fitted("bridge", rows), "network": _fitted("network", rows)}


# ------------------------------------------------------------------------------------------- the model
def _ring_factor(n: int) -> float:
    return 2 * (n - 1) / n


def bus_bandwidth(gpu_id: str, n: int, *, gpus_per_node: int = 8, algorithm: str = "auto",
                  nic_gbps: float | None = None, rails: int | None = None, eff: dict | None = None) -> dict:
    """Bus and algorithm bandwidth (GB/s) of an all-reduce over ``n`` >= 2 GPUs of ``gpu_id``, ``gpus_per_node``
    per node (rank ``i`` on node ``i // gpus_per_node``). ``rails`` NICs per node (default one per local rank),
    ``nic_gbps`` each (default by GPU generation). ``algorithm``: auto, ring or nvls (NVLink SHARP; only on
    NVSwitch gen 3+). Returns bus_bandwidth_gbps, algorithm_bandwidth_gbps, algorithm, topology, limited_by
    ('node' or 'network'), nodes."""
    n = check_count("gpus", n, low=2, high=MAX_RANKS)
    gpus_per_node = check_count("gpus_per_node", gpus_per_node, high=4096)
    check_choice("algorithm", algorithm, ALGORITHMS)
    topo = node_topology(gpu_id)
    eff = efficiencies() if eff is None else eff
    local = min(n, gpus_per_node)
    nodes = math.ceil(n / gpus_per_node)
    kind = topo["kind"]
    if algorithm == "nvls" and not (topo["nvls"] and nodes == 1):
        raise InputError("algorithm", f"nvls needs NVSwitch gen 3+ (H100/H200/B200) inside one node; "
                                      f"{topo['gpu_id']} over {nodes} node(s) has none")
    # inside a node
    if kind == "nvswitch":
        options = {"ring": topo["link_gbps"] * eff["ring"]}
        if topo["nvls"] and nodes == 1 and local > 1:
            options["nvls"] = topo["link_gbps"] * eff["nvls"] * _ring_factor(local)
        if algorithm != "auto":
            options = {algorithm: options[algorithm]}
        name, intra = max(options.items(), key=lambda kv: (kv[1], kv[0]))
    elif kind == "xgmi-mesh":
        name, intra = "mesh", (local - 1) * topo["link_gbps"] * eff["xgmi"] if local > 1 else math.inf
    elif topo["bridge_gbps"] and local == 2 and nodes == 1 and eff.get("bridge"):
        name, intra = "bridge", topo["bridge_gbps"] * eff["bridge"]
    else:
        if eff.get("host") is None:
            raise InputError("gpu", "no measured PCIe all-reduce in the benchmarks table to set its efficiency")
        name, intra = "host", topo["link_gbps"] * eff["host"] if local > 1 else math.inf
    limited_by, bus = "node", intra
    if nodes > 1:
        rails = local if rails is None else check_count("rails", rails, high=4096)
        nic = topo["nic_gbps"] if nic_gbps is None else check_positive("nic_gbps", nic_gbps, high=1e5)
        if eff.get("network") is None:
            raise InputError("gpus", "no measured multi-node all-reduce in the benchmarks table to set its efficiency")
        inter = rails * nic * eff["network"]
        if inter < bus:
            bus, limited_by = inter, "network"
        name = f"{name}+network"
    return {"bus_bandwidth_gbps": bus, "algorithm_bandwidth_gbps": bus / _ring_factor(n), "algorithm": name,
            "topology": kind, "limited_by": limited_by, "nodes": nodes}


def allreduce(gpu_id: str, n: int, nbytes: float, **options) -> dict:
    """:func:`bus_bandwidth` plus ``seconds`` = nbytes / algorithm bandwidth for an all-reduce of ``nbytes``
    (the bytes each rank contributes, e.g. its gradients) over ``n`` GPUs; also gpu_id, gpus, bytes."""
    nbytes = check_positive("bytes", nbytes, high=MAX_BYTES)
    bw = bus_bandwidth(gpu_id, n, **options)
    seconds = nbytes / (bw["algorithm_bandwidth_gbps"] * 1e9)
    return {"gpu_id": data.resolve_gpu(gpu_id), "gpus": n, "bytes": nbytes, **bw, "seconds": seconds}


def allreduce_seconds(gpu_id: str, n: int, nbytes: float, **options) -> float:
    """Seconds of an all-reduce of ``nbytes`` over ``n`` GPUs; 0 for one GPU (nothing to reduce)."""
    if isinstance(n, int) and not isinstance(n, bool) and n == 1:
        check_positive("bytes", nbytes, high=MAX_BYTES)
        return 0.0
    return allreduce(gpu_id, n, nbytes, **options)["seconds"]


# ------------------------------------------------------------------------------------------- validation
def compare_measured() -> pd.DataFrame:
    """Every published all-reduce measurement against the model: benchmark_id, gpu_id, gpus, scenario,
    measured_gbps, predicted_gbps (bus bandwidth for the row's setup), error (= predicted / measured − 1),
    naive_gbps (the former single-bandwidth ring: NVLink or PCIe spec × the nvbandwidth efficiency, NIC beyond
    a node), naive_error, basis: 'held out' (no efficiency was taken from this row), 'leave-one-out' (its
    efficiency fitted without it), or 'in-sample' (the row itself set the efficiency: the only one of its kind)."""
    from gpuplan import scaling  # noqa: PLC0415 (gpuplan.scaling imports this module)

    rows = measured_allreduce()
    nvb = scaling.link_efficiency()["efficiency"]
    own = {1919: "nvls", 1920: "ring", 1926: "xgmi"}  # rows whose number is the published efficiency itself
    out = []
    for row in rows.to_dict(orient="records"):
        setup = _setup(row)
        others = rows[rows["benchmark_id"] != row["benchmark_id"]]
        loo = efficiencies(others)
        same_kind = [r for r in others.to_dict(orient="records") if _setup(r)["path"] == setup["path"]]
        if setup["path"] in ("host", "bridge", "network"):
            eff, basis = (loo, "leave-one-out") if same_kind else (efficiencies(rows), "in-sample")
        else:
            eff, basis = efficiencies(rows), "in-sample" if row["benchmark_id"] in own else "held out"
        algorithm = setup["path"] if setup["path"] in ("ring", "nvls") else "auto"
        gpn = 8 if setup["path"] == "network" else max(setup["n"], 1)
        pred = bus_bandwidth(row["gpu_id"], setup["n"], gpus_per_node=gpn, algorithm=algorithm, eff=eff,
                             rails=setup.get("rails"), nic_gbps=setup.get("nic_gbps"))["bus_bandwidth_gbps"]
        topo = node_topology(row["gpu_id"])
        naive = (topo["link_gbps"] if topo["kind"] != "xgmi-mesh" else topo["link_gbps"] * XGMI_LINKS)
        if setup["path"] == "network":
            naive = min(naive, setup.get("nic_gbps") or topo["nic_gbps"])
        naive *= nvb
        out.append({"benchmark_id": row["benchmark_id"], "gpu_id": row["gpu_id"], "gpus": setup["n"],
                    "scenario": row["scenario"], "measured_gbps": row["measured_gbps"], "predicted_gbps": pred,
                    "error": pred / row["measured_gbps"] - 1, "naive_gbps": naive,
                    "naive_error": naive / row["measured_gbps"] - 1, "basis": basis, "source_id": row["source_id"]})
    return pd.DataFrame(out)
