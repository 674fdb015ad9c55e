"""Scaling: data-parallel step time, efficiency from 1 to 1024 GPUs, the data-loading bound, the cost vs
time-to-train frontier, and a check against MLPerf Training results at several scales.

Model and sources:

- All-reduce time comes from :mod:`gpuplan.collectives`: the node's topology (NVSwitch with NVLink SHARP on
  Hopper and later, AMD's fully connected xGMI mesh, PCIe through the host, NVLink bridges), one network rail
  per local rank between nodes, bus vs algorithm bandwidth as nccl-tests define them, and link efficiencies
  from published nccl-tests/rccl measurements. (The single-link view of the earlier model — ``ring_gbps``,
  ``allreduce_seconds``, ``link_efficiency`` against the nvbandwidth rows — is kept for reference and for the
  calibration page's comparison.)
- Step time = compute / N (with the pipeline bubble) + the data-parallel all-reduce not hidden behind compute
  + tensor-parallel all-reduces. PyTorch DDP all-reduces gradient buckets during the backward pass (stas00
  "Comms and compute overlap"); the backward pass is 4PD of 6PD = 2/3 of the compute (Transformer Math 101).
  ``overlap`` (default 2/3) is the fraction of a step's compute time that can hide communication: exposed =
  max(0, comm − overlap · compute/N). A stated assumption; ``overlap=0`` gives the no-overlap bound.
- 3D parallelism (:func:`scaling_curve`): tensor parallel inside a node (4 all-reduces of a layer's activations
  per layer and micro-batch, Megatron-LM arXiv 1909.08053, on the critical path), pipeline stages with the
  bubble (p − 1) / m, m = micro-batches per replica and step (Narayanan et al. 2021, "Efficient Large-Scale
  Language Model Training on GPU Clusters Using Megatron-LM", arXiv 2104.04473, §2.2.1), data parallel over
  the replicas; given, or chosen per count by :func:`parallel_layout`. At a fixed global batch (default 2²² =
  4,194,304 tokens, MosaicML's MPT-70b "GlobalBatchSize (T)") m shrinks as replicas are added, which is why
  large-scale runs fall short of linear scaling. LoRA: only the adapters' gradients are all-reduced
  (``trainable_params``).
- MLPerf at scale (:func:`gpuplan.scaling_mlperf.compare_mlperf`): larger scales use larger global batches,
  which need more tokens to reach the target (MLPerf's reference convergence points, :mod:`gpuplan.assumptions`).
"""

from __future__ import annotations

import math
import re

import pandas as pd

from gpuplan import assumptions, collectives, data, runtime
from gpuplan.errors import InputError
from gpuplan.validators import (
    MAX_SHAPE,
    check_choice,
    check_count,
    check_finite_result,
    check_fraction,
    check_number,
    check_optional_count,
    check_positive,
    check_shape,
)

DEFAULT_COUNTS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
#: share of a step's compute that hides the data-parallel all-reduce (gpuplan.assumptions 'dp_overlap')
DEFAULT_OVERLAP = assumptions.value("dp_overlap")
#: global batch in tokens when none is given (gpuplan.assumptions 'global_batch_tokens': MosaicML MPT-70b)
DEFAULT_GLOBAL_BATCH_TOKENS = assumptions.value("global_batch_tokens")
#: GPUs per node (gpuplan.assumptions 'gpus_per_node': DGX/HGX boards)
DEFAULT_GPUS_PER_NODE = assumptions.value("gpus_per_node")
#: assumed per-GPU NIC bandwidth (GB/s, one direction) by the GPU's interconnect generation (gpuplan.assumptions
#: 'nic_gbps'; the same table as gpuplan.collectives.NIC_GBPS)
INTER_NODE_GBPS = collectives.NIC_GBPS
#: PCIe transfer rate per lane, GT/s, by generation (PCI-SIG; 128b/130b encoding from Gen3 on)
PCIE_GTPS = collectives.PCIE_GTPS
#: per-direction bandwidth of a PCIe x16 link (one home: gpuplan.collectives.pcie_gbps)
pcie_gbps = collectives.pcie_gbps


# ------------------------------------------------------------------------------------------ bandwidths
def intra_node_gbps(gpu_id: str) -> float:
    """Per-direction GPU-to-GPU spec bandwidth inside a node: NVLink (half the bidirectional ``nvlink_gbps``)
    for NVLink/Infinity-Fabric parts, else PCIe of the GPU's generation. PCIe cards with NVLink bridges
    (A100 PCIe, H100 NVL) link pairs only, so a ring over more GPUs runs at PCIe speed: PCIe is used."""
    gpu = data.gpu(data.resolve_gpu(gpu_id))
    interconnect = gpu.get("interconnect") or "pcie"
    if interconnect != "pcie" and pd.notna(gpu.get("nvlink_gbps")):
        return float(gpu["nvlink_gbps"]) / 2
    gen = gpu.get("pcie_gen")
    if gen is None or pd.isna(gen):
        raise InputError("gpu", f"{gpu['gpu_id']} has neither NVLink nor a PCIe generation in the gpus table")
    return pcie_gbps(int(gen))


def link_efficiency() -> dict:
    """Measured / spec bandwidth for every nvbandwidth row of the benchmarks table.

    Spec per row: NVLink 'duplex'/'bidirectional' metrics against ``nvlink_gbps``, other NVLink metrics
    against half of it; PCIe rows against :func:`pcie_gbps` of the GPU's generation. Returns
    ``{efficiency (median), low, high, n, rows}``.
    """
    bench = data.benchmarks()
    rows = bench[(bench["task_type"] == "microbenchmark") & bench["unit"].str.replace(" ", "").str.upper().eq("GB/S")]
    out = []
    for row in rows.itertuples(index=False):
        gpu = data.gpu(row.gpu_id)
        text = f"{row.suite} {row.workload} {row.metric}".lower()
        if "nvlink" in text and pd.notna(gpu.get("nvlink_gbps")):
            spec = float(gpu["nvlink_gbps"]) * (1 if re.search("duplex|bidirectional", text) else 0.5)
        elif "pcie" in text and pd.notna(gpu.get("pcie_gen")):
            spec = pcie_gbps(int(gpu["pcie_gen"]))
        else:
            continue
        out.append({"benchmark_id": row.benchmark_id, "gpu_id": row.gpu_id, "metric": row.metric,
                    "measured_gbps": float(row.value), "spec_gbps": spec, "efficiency": float(row.value) / spec})
    frame = pd.DataFrame(out, columns=["benchmark_id", "gpu_id", "metric", "measured_gbps", "spec_gbps", "efficiency"])
    if frame.empty:
        raise InputError("benchmarks", "no nvbandwidth rows (unit GB/s) to fit the link efficiency")
    eff = frame["efficiency"]
    return {"efficiency": float(eff.median()), "low": float(eff.min()), "high": float(eff.max()),
            "n": len(frame), "rows": frame}


def ring_gbps(gpu_id: str, n_gpus: int, *, gpus_per_node: int = DEFAULT_GPUS_PER_NODE,
              inter_node_gbps: float | None = None) -> float:
    """Spec per-direction bandwidth of the slowest link on a ring of ``n_gpus``: intra-node while the ring
    fits in one node, else min(intra-node, per-GPU NIC) — the former single-link view (see the module doc)."""
    n_gpus = check_count("n_gpus", n_gpus)
    gpus_per_node = check_count("gpus_per_node", gpus_per_node)
    intra = intra_node_gbps(gpu_id)
    if n_gpus <= gpus_per_node:
        return intra
    if inter_node_gbps is None:
        interconnect = data.gpu(data.resolve_gpu(gpu_id)).get("interconnect") or "pcie"
        inter_node_gbps = INTER_NODE_GBPS.get(interconnect, INTER_NODE_GBPS["pcie"])
    return min(intra, check_positive("inter_node_gbps", inter_node_gbps))


# --------------------------------------------------------------------------------------- step time
def allreduce_seconds(grad_bytes: float, n_gpus: int, bus_gbps: float, efficiency: float = 1.0) -> float:
    """Ring all-reduce time: ``2(N−1)/N × grad_bytes / (bus_gbps · 10⁹ · efficiency)``; 0 for one GPU."""
    n_gpus = check_count("n_gpus", n_gpus)
    check_positive("grad_bytes", grad_bytes)
    if n_gpus == 1:
        return 0.0
    return 2 * (n_gpus - 1) / n_gpus * grad_bytes / (check_positive("bus_gbps", bus_gbps) * 1e9
                                                      * check_fraction("efficiency", efficiency))


def step_time(*, compute_seconds: float, n_gpus: int, grad_bytes: float, bus_gbps: float,
              efficiency: float = 1.0, overlap: float = DEFAULT_OVERLAP, replicas: int | None = None) -> dict:
    """One data-parallel step: ``compute_seconds`` (the whole step's compute on one GPU) / N, plus the
    all-reduce (among ``replicas`` data-parallel copies, default N) not hidden behind ``overlap`` × that
    compute. Returns compute_s, comm_s, exposed_comm_s, step_s."""
    n_gpus = check_count("n_gpus", n_gpus)
    compute = check_positive("compute_seconds", compute_seconds) / n_gpus
    comm = allreduce_seconds(grad_bytes, n_gpus if replicas is None else replicas, bus_gbps, efficiency)
    exposed = max(0.0, comm - check_fraction("overlap", overlap, allow_zero=True) * compute)
    return {"compute_s": compute, "comm_s": comm, "exposed_comm_s": exposed, "step_s": compute + exposed}


def parallel_layout(params: float, gpu_id: str, n: int, *, gpus_per_node: int = DEFAULT_GPUS_PER_NODE,
                    bytes_per_param: float = 16, headroom: float | None = None) -> dict:
    """The smallest 3D layout that holds the model states on ``n`` GPUs: tensor parallel ``tp`` (a power of two,
    inside a node) first, then pipeline stages ``pp`` (powers of two, across nodes), data parallel ``dp`` = n / (tp
    · pp) over the rest — the order of Narayanan et al. 2021 (arXiv 2104.04473, §3.3: "tensor model parallelism
    within a node, pipeline across nodes, data parallelism to scale out"). States = ``bytes_per_param`` (16: bf16
    weights and gradients + fp32 master and Adam, ZeRO paper) × params / (tp · pp), which must stay below
    ``headroom`` × the GPU's memory (:data:`gpuplan.assumptions` 'layout_memory_headroom'). Returns tp, pp, dp,
    fits (False when even tp = gpus_per_node and pp = n / tp do not fit: then the largest layout is returned)."""
    n = check_count("n", n)
    gpus_per_node = check_count("gpus_per_node", gpus_per_node)
    share = assumptions.value("layout_memory_headroom") if headroom is None else check_fraction("headroom", headroom)
    cap = float(data.gpu(data.resolve_gpu(gpu_id))["memory_gb"]) * 1e9 * share
    states = check_positive("params", params) * check_positive("bytes_per_param", bytes_per_param)
    tp_max = 1
    while tp_max * 2 <= min(gpus_per_node, n):
        tp_max *= 2
    candidates = [(tp, 1) for tp in (2**k for k in range(tp_max.bit_length())) if tp < tp_max]
    pp = 1
    while tp_max * pp <= n:
        candidates.append((tp_max, pp))
        pp *= 2
    best = (1, 1)
    for tp, pp in candidates:
        if n % (tp * pp):
            continue
        best = (tp, pp)
        if states / (tp * pp) <= cap:
            return {"tp": tp, "pp": pp, "dp": n // (tp * pp), "fits": True}
    tp, pp = best
    return {"tp": tp, "pp": pp, "dp": n // (tp * pp), "fits": False}


def scaling_curve(params: float, gpu_id: str, counts=DEFAULT_COUNTS, *, tokens: float, precision: str = "bf16",
                  overlap: float = DEFAULT_OVERLAP, global_batch_tokens: float = DEFAULT_GLOBAL_BATCH_TOKENS,
                  grad_bytes_per_param: float = 2, mfu: float | None = None, gpus_per_node: int = DEFAULT_GPUS_PER_NODE,
                  inter_node_gbps: float | None = None, efficiency: float | None = None, model_parallel: int = 1,
                  pipeline_stages: int = 1, micro_batch_tokens: float = 2048, usd_per_gpu_hour: float | None = None,
                  layers=None, hidden_size=None, seq=None, tensor_parallel: int | str | None = None,
                  trainable_params: float | None = None, task: str = "pretrain",
                  goodput: float = 1.0) -> pd.DataFrame:
    """Step time, scaling efficiency, hours and GPU-hours to train ``params`` on ``tokens`` at each GPU count.

    Layout (3D parallelism): ``model_parallel`` = tensor × pipeline GPUs per replica with ``pipeline_stages``
    of them pipeline stages (the tensor-parallel degree is model_parallel / pipeline_stages, inside a node), or
    ``tensor_parallel`` given (then model_parallel = tensor_parallel × pipeline_stages), or
    ``tensor_parallel="auto"``: :func:`parallel_layout` picks the smallest layout that holds the model states at
    each count. Data parallelism over the remaining n / model_parallel replicas.

    Per step (the global batch ``global_batch_tokens``): compute = training FLOPs / (n · peak · MFU) × (1 +
    pipeline bubble (p − 1)/m, m = micro-batches per replica, Narayanan et al. 2021 §2.2.1); the data-parallel
    all-reduce of the trainable gradients (``trainable_params``, default all: LoRA all-reduces only its adapters)
    / model_parallel × ``grad_bytes_per_param`` over the replicas, priced by :mod:`gpuplan.collectives` (the
    node's topology and the network rails: ranks of one replica group per node = gpus_per_node / model_parallel
    when a replica fits in a node, else 1), hidden behind ``overlap`` × compute; and with tensor parallelism and a
    known shape (``layers``, ``hidden_size``), its 4 all-reduces per layer and micro-batch of the layer's bf16
    activations (Megatron-LM, arXiv 1909.08053) inside the node, on the critical path. ``task``: pretrain or
    finetune (6·P per token) or lora (4·P; :func:`runtime.training_flops`). ``goodput`` (default 1: the step
    time alone) divides the hours — pass ``gpuplan.goodput.production_goodput()`` for a production run.

    Columns: gpu_id, n, tp, pp, dp, step_seconds, compute_seconds, comm_seconds (data-parallel all-reduce),
    tp_comm_seconds, exposed_comm_seconds, bus_gbps (bus bandwidth of that all-reduce; 0 with one replica),
    efficiency (= step(1) / (n · step(n)), strong scaling), hours, gpu_hours, and cost_usd when
    ``usd_per_gpu_hour`` is given. ``efficiency`` overrides every link efficiency of the collectives model.
    """
    gpu_id = data.resolve_gpu(gpu_id)
    params = check_positive("params", params)
    tokens = check_positive("tokens", tokens)
    batch = check_positive("global_batch_tokens", global_batch_tokens)
    gpus_per_node = check_count("gpus_per_node", gpus_per_node, high=4096)
    model_parallel = check_count("model_parallel", model_parallel)
    pipeline_stages = check_count("pipeline_stages", pipeline_stages)
    check_choice("task", task, ("pretrain", "finetune", "lora"))
    auto = tensor_parallel == "auto"
    if tensor_parallel is not None and not auto:
        tensor_parallel = check_count("tensor_parallel", tensor_parallel)
        model_parallel = tensor_parallel * pipeline_stages
    if model_parallel % pipeline_stages:
        raise InputError("pipeline_stages", f"must divide model_parallel={model_parallel} (got {pipeline_stages})")
    micro = check_positive("micro_batch_tokens", micro_batch_tokens)
    counts = sorted({check_count("counts", n) for n in counts})
    if mfu is None:
        mfu = runtime.default_mfu(gpu_id, precision)["mfu"]
    achieved = runtime.peak_flops(gpu_id, precision) * check_fraction("mfu", mfu)
    goodput = check_fraction("goodput", goodput)
    layers = check_optional_count("layers", layers, high=MAX_SHAPE["layers"])
    hidden_size = check_optional_count("hidden_size", hidden_size, high=MAX_SHAPE["hidden_size"])
    eff = None
    if efficiency is not None:
        e = check_fraction("efficiency", efficiency)
        eff = {k: e for k in ("ring", "nvls", "xgmi", "host", "bridge", "network")}
    shape = {"layers": layers, "hidden_size": hidden_size, "seq": seq}
    flops_step = runtime.training_flops(params, batch, lora=task == "lora",
                                        **(shape if all(v is not None for v in shape.values()) else {}))
    if seq is not None:  # a partial or bad shape with seq is refused, not silently ignored
        check_shape(layers, hidden_size, seq)
    steps = tokens / batch
    trainable = params if trainable_params is None else check_positive("trainable_params", trainable_params)
    if trainable > params:
        raise InputError("trainable_params", f"must be <= params ({params:g})")
    grad_per_param = check_positive("grad_bytes_per_param", grad_bytes_per_param)
    rows = []
    for n in counts:
        if auto:
            lay = parallel_layout(params, gpu_id, n, gpus_per_node=gpus_per_node)
            tp, pp = lay["tp"], lay["pp"]
        else:
            tp, pp = model_parallel // pipeline_stages, pipeline_stages
        mp = tp * pp
        if tp > gpus_per_node:
            raise InputError("model_parallel", f"tensor parallelism {tp} must fit in a node of {gpus_per_node} GPUs")
        replicas = max(1, n // mp)
        bubble = (pp - 1) / max(1.0, batch / (replicas * micro))
        compute = flops_step / achieved * (1 + bubble) / n
        bus, comm = 0.0, 0.0
        if replicas > 1:
            local = max(1, gpus_per_node // mp) if mp <= gpus_per_node else 1
            nbytes = trainable / mp * grad_per_param
            ar = collectives.allreduce(gpu_id, replicas, nbytes, gpus_per_node=min(local, replicas),
                                       nic_gbps=inter_node_gbps, eff=eff)
            bus, comm = ar["bus_bandwidth_gbps"], ar["seconds"]
        tp_comm = 0.0
        if tp > 1 and layers is not None and hidden_size is not None:
            act_bytes = batch / replicas * int(hidden_size) * 2  # bf16 activations of the replica's tokens
            per_layer = collectives.allreduce(gpu_id, tp, act_bytes, gpus_per_node=gpus_per_node, eff=eff)["seconds"]
            tp_comm = 4 * int(layers) / pp * per_layer
        exposed = max(0.0, comm - check_fraction("overlap", overlap, allow_zero=True) * compute)
        rows.append({"gpu_id": gpu_id, "n": n, "tp": tp, "pp": pp, "dp": replicas,
                     "step_seconds": compute + exposed + tp_comm, "compute_seconds": compute,
                     "comm_seconds": comm, "tp_comm_seconds": tp_comm, "exposed_comm_seconds": exposed,
                     "bus_gbps": bus})
    frame = pd.DataFrame(rows)
    one_gpu = flops_step / achieved  # step time on a single GPU (no communication)
    frame["efficiency"] = one_gpu / (frame["n"] * frame["step_seconds"])
    frame["hours"] = frame["step_seconds"] * steps / 3600 / goodput
    frame["gpu_hours"] = frame["hours"] * frame["n"]
    check_finite_result("tokens", frame["gpu_hours"])
    if usd_per_gpu_hour is not None:
        check_number("usd_per_gpu_hour", usd_per_gpu_hour, low=0.0)
        frame["cost_usd"] = frame["gpu_hours"] * usd_per_gpu_hour
    return frame


# ------------------------------------------------------------------------------------- data loading
def data_loading_bound(samples_per_s_per_gpu: float, bytes_per_sample: float, storage_gibps: float,
                       gpus: int = 1) -> dict:
    """Can storage feed the GPUs? Input needed = samples/s per GPU × bytes per sample × GPUs, in GiB/s
    (2³⁰ bytes), against the aggregate storage read rate ``storage_gibps`` measured for that setup.

    For token streams pass tokens/s per GPU and bytes per token (e.g. 4 for uint32 token ids).
    Returns needed_gibps, storage_gibps, fed_fraction = min(1, storage / needed) (the share of the compute
    rate the storage can keep busy) and input_bound (needed > storage). The articles' loading figures
    (A100 ≈1.7 / H100 ≈1.5 GiB/s on one GPU; ≈0.2 / ≈2.2 GiB/s on four GPUs) are such storage rates.
    """
    gpus = check_count("gpus", gpus)
    needed = (check_positive("samples_per_s_per_gpu", samples_per_s_per_gpu)
              * check_positive("bytes_per_sample", bytes_per_sample) * gpus / 2**30)
    storage = check_positive("storage_gibps", storage_gibps)
    return {"needed_gibps": needed, "storage_gibps": storage, "fed_fraction": min(1.0, storage / needed),
            "input_bound": needed > storage}


# ---------------------------------------------------------------------------------------- frontier
def frontier(params: float, tokens: float, gpu_ids, counts=DEFAULT_COUNTS, prices: dict | None = None,
             **kwargs) -> pd.DataFrame:
    """Cost vs time-to-train over (GPU type, count), with a ``pareto`` flag (no other option is both
    faster and cheaper). ``prices`` maps gpu id/alias → $/GPU-hour (pass them in; gpuplan.prices.resolve gives
    the data's default prices). Extra keyword arguments go to :func:`scaling_curve`."""
    if not prices:
        raise InputError("prices", "give a $/GPU-hour for every GPU (mapping gpu id -> price)")
    resolved = {data.resolve_gpu(g): p for g, p in prices.items()}
    frames = []
    for gpu in gpu_ids:
        gpu_id = data.resolve_gpu(gpu)
        if gpu_id not in resolved:
            raise InputError("prices", f"no price given for {gpu_id}")
        frames.append(scaling_curve(params, gpu_id, counts, tokens=tokens, usd_per_gpu_hour=resolved[gpu_id],
                                    **kwargs))
    frame = (pd.concat(frames, ignore_index=True)
             .sort_values(["hours", "cost_usd", "gpu_id", "n"], kind="stable").reset_index(drop=True))
    cheapest_faster = frame["cost_usd"].cummin().shift(fill_value=math.inf)
    frame["pareto"] = frame["cost_usd"] < cheapest_faster
    return frame
