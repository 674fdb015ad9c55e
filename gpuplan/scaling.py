"""Scaling: data-parallel step time, efficiency from 1 to 1024 GPUs, the data-loading bound, the cost vs
time-to-train frontier, and a check against MLPerf Training results at several scales.

Model and sources:

- Ring all-reduce moves ``2(N−1)/N × S`` bytes through every GPU's link (stas00 ml-engineering
  network/README.md "the 2x comms volume for all-reduce is really 2*(n-1)/n"; NCCL's bus-bandwidth
  convention), so ``t = 2(N−1)/N · S / (B · e)`` with B the per-direction link bandwidth and e an
  efficiency factor.
- Link bandwidth per direction (stas00 network/README.md "Effective payload rate" tables): NVLink 3 300 GB/s
  (A100; 600 bidirectional), NVLink 4 450 (H100/H200; 900), NVLink 5 900 (B200; 1800): half of the
  ``gpus.nvlink_gbps`` column, which is bidirectional. PCIe x16 per direction from the line rate with
  128b/130b encoding: Gen3 15.75, Gen4 31.5, Gen5 63.0 GB/s (stas00 lists 31 / 63).
- Between nodes a ring runs at the slowest link: one NIC per GPU. Assumed NIC rates: 200 Gb/s = 25 GB/s per
  GPU for A100-era / PCIe nodes (MosaicML's A100 benchmark clusters: "1600 Gbps node-node interconnect",
  8 GPUs per node, llm-foundry benchmarking README), 400 Gb/s NDR = 50 GB/s per GPU for H100 and later
  (stas00: "3200Gbps per node for inter-node networking" as typical top speed). Pass ``inter_node_gbps``
  for your own cluster.
- The efficiency e is fitted to the nvbandwidth measurements in the benchmarks table (measured / spec,
  median; ≈ 0.88, cf. stas00's "88% of 450 GBps spec") by :func:`link_efficiency` and applied to every link,
  including InfiniBand (an assumption: no IB measurement in the table).
- Step time = compute / N + the all-reduce not hidden behind compute. PyTorch DDP all-reduces gradient
  buckets during the backward pass (stas00 "Comms and compute overlap"); the backward pass is 4PD of 6PD =
  2/3 of the compute (Transformer Math 101). ``overlap`` (default 2/3) is the fraction of a step's
  compute time that can hide communication: exposed = max(0, comm − overlap · compute/N).
  A stated assumption; ``overlap=0`` gives the no-overlap bound.
- Strong scaling at a fixed global batch (default 2²² = 4,194,304 tokens, MosaicML's MPT-70b
  "GlobalBatchSize (T)"), pure data parallelism unless ``model_parallel`` > 1 (then each GPU all-reduces
  P / model_parallel gradients among N / model_parallel replicas; the tensor/pipeline traffic itself is
  not modelled). With ``pipeline_stages`` p > 1 the compute carries the pipeline bubble (p − 1) / m, m =
  micro-batches per replica and step (Narayanan et al. 2021, "Efficient Large-Scale Language Model Training
  on GPU Clusters Using Megatron-LM", arXiv 2104.04473, §2.2.1): at a fixed global batch, m shrinks as
  replicas are added, which is why large-scale runs fall short of linear scaling.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from gpuplan import data, runtime
from gpuplan.errors import InputError

DEFAULT_COUNTS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
DEFAULT_OVERLAP = 2 / 3
DEFAULT_GLOBAL_BATCH_TOKENS = 4_194_304
DEFAULT_GPUS_PER_NODE = 8
#: assumed per-GPU NIC bandwidth (GB/s, one direction) by the GPU's interconnect generation (see module doc)
INTER_NODE_GBPS = {"nvlink3": 25.0, "pcie": 25.0, "nvlink4": 50.0, "nvlink5": 50.0, "infinity-fabric": 50.0}
#: PCIe transfer rate per lane, GT/s, by generation (PCI-SIG; 128b/130b encoding from Gen3 on)
PCIE_GTPS = {3: 8.0, 4: 16.0, 5: 32.0}


def _positive(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or not math.isfinite(value):
        raise InputError(name, f"must be a finite number > 0 (got {value!r})")
    return float(value)


def _count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(name, f"must be a whole number >= 1 (got {value!r})")
    return value


def _fraction(name: str, value, *, allow_zero: bool = False) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and (
        0 <= value <= 1 if allow_zero else 0 < value <= 1)
    if not ok:
        raise InputError(name, f"must be in {'[0, 1]' if allow_zero else '(0, 1]'} (got {value!r})")
    return float(value)


# ------------------------------------------------------------------------------------------ bandwidths
def pcie_gbps(gen: int) -> float:
    """Per-direction bandwidth of a PCIe x16 link, GB/s: GT/s × 16 lanes × 128/130 / 8 (Gen3-5)."""
    if gen not in PCIE_GTPS:
        raise InputError("pcie_gen", f"must be one of {', '.join(map(str, PCIE_GTPS))} (got {gen!r})")
    return PCIE_GTPS[gen] * 16 * 128 / 130 / 8


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
    fits in one node, else min(intra-node, per-GPU NIC)."""
    intra = intra_node_gbps(gpu_id)
    if n_gpus <= gpus_per_node:
        return intra
    if inter_node_gbps is None:
        interconnect = data.gpu(data.resolve_gpu(gpu_id)).get("interconnect") or "pcie"
        inter_node_gbps = INTER_NODE_GBPS.get(interconnect, INTER_NODE_GBPS["pcie"])
    return min(intra, _positive("inter_node_gbps", inter_node_gbps))


# --------------------------------------------------------------------------------------- step time
def allreduce_seconds(grad_bytes: float, n_gpus: int, bus_gbps: float, efficiency: float = 1.0) -> float:
    """Ring all-reduce time: ``2(N−1)/N × grad_bytes / (bus_gbps · 10⁹ · efficiency)``; 0 for one GPU."""
    n_gpus = _count("n_gpus", n_gpus)
    _positive("grad_bytes", grad_bytes)
    if n_gpus == 1:
        return 0.0
    return 2 * (n_gpus - 1) / n_gpus * grad_bytes / (_positive("bus_gbps", bus_gbps) * 1e9
                                                      * _fraction("efficiency", efficiency))


def step_time(*, compute_seconds: float, n_gpus: int, grad_bytes: float, bus_gbps: float,
              efficiency: float = 1.0, overlap: float = DEFAULT_OVERLAP, replicas: int | None = None) -> dict:
    """One data-parallel step: ``compute_seconds`` (the whole step's compute on one GPU) / N, plus the
    all-reduce (among ``replicas`` data-parallel copies, default N) not hidden behind ``overlap`` × that
    compute. Returns compute_s, comm_s, exposed_comm_s, step_s."""
    n_gpus = _count("n_gpus", n_gpus)
    compute = _positive("compute_seconds", compute_seconds) / n_gpus
    comm = allreduce_seconds(grad_bytes, n_gpus if replicas is None else replicas, bus_gbps, efficiency)
    exposed = max(0.0, comm - _fraction("overlap", overlap, allow_zero=True) * compute)
    return {"compute_s": compute, "comm_s": comm, "exposed_comm_s": exposed, "step_s": compute + exposed}


def scaling_curve(params: float, gpu_id: str, counts=DEFAULT_COUNTS, *, tokens: float, precision: str = "bf16",
                  overlap: float = DEFAULT_OVERLAP, global_batch_tokens: float = DEFAULT_GLOBAL_BATCH_TOKENS,
                  grad_bytes_per_param: float = 2, mfu: float | None = None, gpus_per_node: int = DEFAULT_GPUS_PER_NODE,
                  inter_node_gbps: float | None = None, efficiency: float | None = None, model_parallel: int = 1,
                  pipeline_stages: int = 1, micro_batch_tokens: float = 2048, usd_per_gpu_hour: float | None = None,
                  layers=None, hidden_size=None, seq=None) -> pd.DataFrame:
    """Step time, scaling efficiency, hours and GPU-hours to train ``params`` on ``tokens`` at each GPU count.

    Columns: gpu_id, n, step_seconds, compute_seconds, comm_seconds, exposed_comm_seconds, bus_gbps,
    efficiency (= step(1) / (n · step(n)), strong scaling), hours, gpu_hours, and cost_usd when
    ``usd_per_gpu_hour`` is given. Compute per GPU runs at dense peak × MFU (:func:`runtime.default_mfu`
    unless ``mfu`` is given); gradients are ``grad_bytes_per_param`` (2 = bf16) per parameter.
    """
    gpu_id = data.resolve_gpu(gpu_id)
    params = _positive("params", params)
    tokens = _positive("tokens", tokens)
    batch = _positive("global_batch_tokens", global_batch_tokens)
    model_parallel = _count("model_parallel", model_parallel)
    pipeline_stages = _count("pipeline_stages", pipeline_stages)
    if model_parallel % pipeline_stages:
        raise InputError("pipeline_stages", f"must divide model_parallel={model_parallel} (got {pipeline_stages})")
    micro = _positive("micro_batch_tokens", micro_batch_tokens)
    counts = sorted({_count("counts", int(n) if isinstance(n, float) and n.is_integer() else n) for n in counts})
    if mfu is None:
        mfu = runtime.default_mfu(gpu_id, precision)["mfu"]
    achieved = runtime.peak_flops(gpu_id, precision) * _fraction("mfu", mfu)
    eff = link_efficiency()["efficiency"] if efficiency is None else _fraction("efficiency", efficiency)
    flops_step = runtime.training_flops(params, batch, layers=layers, hidden_size=hidden_size, seq=seq)
    steps = tokens / batch
    grad_bytes = params / model_parallel * _positive("grad_bytes_per_param", grad_bytes_per_param)
    rows = []
    for n in counts:
        replicas = max(1, n // model_parallel)
        bubble = (pipeline_stages - 1) / max(1.0, batch / (replicas * micro))
        # one replica: nothing to all-reduce, and no link needs to be known
        bus = (ring_gbps(gpu_id, n, gpus_per_node=gpus_per_node, inter_node_gbps=inter_node_gbps)
               if replicas > 1 else float("nan"))
        step = step_time(compute_seconds=flops_step / achieved * (1 + bubble), n_gpus=n, grad_bytes=grad_bytes,
                         bus_gbps=bus, efficiency=eff, overlap=overlap, replicas=replicas)
        rows.append({"gpu_id": gpu_id, "n": n, "step_seconds": step["step_s"], "compute_seconds": step["compute_s"],
                     "comm_seconds": step["comm_s"], "exposed_comm_seconds": step["exposed_comm_s"],
                     "bus_gbps": bus})
    frame = pd.DataFrame(rows)
    one_gpu = flops_step / achieved  # step time on a single GPU (no communication)
    frame["efficiency"] = one_gpu / (frame["n"] * frame["step_seconds"])
    frame["hours"] = frame["step_seconds"] * steps / 3600
    frame["gpu_hours"] = frame["hours"] * frame["n"]
    if usd_per_gpu_hour is not None:
        if isinstance(usd_per_gpu_hour, bool) or not isinstance(usd_per_gpu_hour, (int, float)) or usd_per_gpu_hour < 0:
            raise InputError("usd_per_gpu_hour", f"must be a number >= 0 (got {usd_per_gpu_hour!r})")
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
    gpus = _count("gpus", gpus)
    needed = (_positive("samples_per_s_per_gpu", samples_per_s_per_gpu) * _positive("bytes_per_sample", bytes_per_sample)
              * gpus / 2**30)
    storage = _positive("storage_gibps", storage_gibps)
    return {"needed_gibps": needed, "storage_gibps": storage, "fed_fraction": min(1.0, storage / needed),
            "input_bound": needed > storage}


# ---------------------------------------------------------------------------------------- frontier
def frontier(params: float, tokens: float, gpu_ids, counts=DEFAULT_COUNTS, prices: dict | None = None,
             **kwargs) -> pd.DataFrame:
    """Cost vs time-to-train over (GPU type, count), with a ``pareto`` flag (no other option is both
    faster and cheaper). ``prices`` maps gpu id/alias → $/GPU-hour (pass them in; see gpuplan.cost for
    the data's latest prices). Extra keyword arguments go to :func:`scaling_curve`."""
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


# ------------------------------------------------------------------------------------ MLPerf check
_BILLIONS_RE = re.compile(r"(\d+(?:\.\d+)?)\s*B\b")


#: NVIDIA's MLPerf Training v3.0 GPT-3 175B configs (mlcommons/training_results_v3.0,
#: NVIDIA/benchmarks/gpt3/implementations/pytorch/config_DGXH100_96x8x128x4x8_mbs1.sh and ..._192x8x64x4x8_mbs1.sh):
#: TENSOR_MODEL_PARALLEL=4, PIPELINE_MODEL_PARALLEL=8, MICRO_BATCH_SIZE=1; MINIBS 128 × 24 replicas (768 GPUs) =
#: 64 × 48 replicas (1536 GPUs) = 3072 sequences of 2048 tokens per step.
MLPERF_GPT3_LAYOUT = {"model_parallel": 32, "pipeline_stages": 8, "global_batch_tokens": 3072 * 2048,
                      "micro_batch_tokens": 2048}


def compare_mlperf(*, overlap: float = DEFAULT_OVERLAP, **kwargs) -> pd.DataFrame:
    """The model's time-to-train ratio between scales vs MLPerf Training results for the same benchmark,
    GPU and round at several GPU counts (LLM pretraining rows whose model name states its size, e.g.
    'GPT-3 175B', 'Llama 3.1 405B'; the fastest result per count).

    Per row: observed_ratio = minutes(n) / minutes(n_ref) with n_ref the smallest count, predicted_ratio =
    hours(n) / hours(n_ref) from :func:`scaling_curve`, ideal_ratio = n_ref / n (linear scaling), and
    error = predicted / observed − 1. ``attrs['median_abs_error']`` summarizes (also for the ideal model).

    The parallel layout defaults to :data:`MLPERF_GPT3_LAYOUT`, read from NVIDIA's v3.0 GPT-3 configs and
    applied to every row (an assumption for the other rounds, counts and Llama 3.1 405B); pass
    ``model_parallel=1, pipeline_stages=1, global_batch_tokens=DEFAULT_GLOBAL_BATCH_TOKENS`` to see the pure
    data-parallel defaults fail (175B of bf16 gradients all-reduced over 50 GB/s NICs every step). Residual
    error: the model keeps the all-reduce hidden and counts only the pipeline bubble; real runs also lose
    time to tensor-parallel traffic and, beyond the configs read, may change batch size and layout.
    """
    kwargs = {**MLPERF_GPT3_LAYOUT, **kwargs}
    bench = data.benchmarks()
    text = bench["suite"].fillna("") + " " + bench["workload"].fillna("")
    rows = bench[text.str.contains("MLPerf Training", case=False) & (bench["task_type"] == "training")
                 & bench["unit"].str.lower().str.startswith("min")]
    rows = rows.assign(billions=rows["model"].fillna("").str.extract(_BILLIONS_RE, expand=False).astype(float))
    rows = rows.dropna(subset=["billions"])
    rows = rows.sort_values(["value", "benchmark_id"], kind="stable").drop_duplicates(["round", "model", "gpu_id", "gpu_count"])
    out = []
    for (round_, model, gpu_id), grp in rows.groupby(["round", "model", "gpu_id"]):
        if grp["gpu_count"].nunique() < 2:
            continue
        grp = grp.sort_values(["gpu_count", "benchmark_id"], kind="stable")
        counts = [int(c) for c in grp["gpu_count"]]
        curve = scaling_curve(grp["billions"].iloc[0] * 1e9, gpu_id, counts, tokens=1e12, overlap=overlap,
                              **kwargs).set_index("n")
        ref = grp.iloc[0]
        for row in grp.iloc[1:].itertuples(index=False):
            observed = row.value / ref["value"]
            predicted = curve.loc[row.gpu_count, "hours"] / curve.loc[int(ref["gpu_count"]), "hours"]
            out.append({"round": round_, "model": model, "gpu_id": gpu_id, "n_ref": int(ref["gpu_count"]),
                        "n": int(row.gpu_count), "minutes_ref": float(ref["value"]), "minutes": float(row.value),
                        "observed_ratio": observed, "predicted_ratio": predicted,
                        "ideal_ratio": ref["gpu_count"] / row.gpu_count, "error": predicted / observed - 1,
                        "ideal_error": (ref["gpu_count"] / row.gpu_count) / observed - 1})
    frame = pd.DataFrame(out)
    if not frame.empty:
        frame.attrs["median_abs_error"] = float(frame["error"].abs().median())
        frame.attrs["ideal_median_abs_error"] = float(frame["ideal_error"].abs().median())
    return frame


# ------------------------------------------------------------------ tables for the scaling notebook (05)
def setup_label(gpu_id: str) -> str:
    """"H100 80GB SXM5 · NVLink 900 GB/s" or "H100 80GB PCIe · PCIe Gen5": the GPU and its intra-node link."""
    gpu = data.gpu(data.resolve_gpu(gpu_id))
    link = f"NVLink {gpu['nvlink_gbps']:.0f} GB/s" if gpu["interconnect"] != "pcie" else f"PCIe Gen{gpu['pcie_gen']}"
    return f"{data.short_name(gpu['name'])} · {link}"


def curves(params: float, tokens: float, gpu_ids, gpu_count: int | None = None, **kwargs) -> pd.DataFrame:
    """:func:`scaling_curve` for every GPU in ``gpu_ids`` over DEFAULT_COUNTS (plus ``gpu_count`` when given, so
    the count quoted in the text is always on the curve), stacked, with ``setup`` (:func:`setup_label`) and the
    count renamed ``gpu_count`` (the charts' column). Extra keyword arguments go to scaling_curve."""
    counts = sorted(set(DEFAULT_COUNTS) | ({_count("gpu_count", gpu_count)} if gpu_count is not None else set()))
    frame = pd.concat([scaling_curve(params, data.resolve_gpu(g), counts, tokens=tokens, **kwargs) for g in gpu_ids],
                      ignore_index=True)
    return frame.assign(setup=frame["gpu_id"].map(setup_label)).rename(columns={"n": "gpu_count"})


#: display names and formats of the at-a-count table
AT_COUNT_COLUMNS = {"setup": "setup", "bus_gbps": "ring link (GB/s per direction)", "step_seconds": "step (s)",
                    "exposed_comm_seconds": "exposed all-reduce (s)", "efficiency": "efficiency",
                    "hours": "hours to train"}
AT_COUNT_FORMATS = {"ring link (GB/s per direction)": "{:.1f}", "step (s)": "{:.3f}", "exposed all-reduce (s)": "{:.3f}",
                    "efficiency": "{:.1%}", "hours to train": "{:,.1f}"}


def at_count(curves_frame: pd.DataFrame, gpu_count: int) -> pd.DataFrame:
    """The rows of :func:`curves` at ``gpu_count`` GPUs, with readable column names (:data:`AT_COUNT_COLUMNS`);
    a count not on the curves (they run over DEFAULT_COUNTS unless told otherwise) -> InputError."""
    rows = curves_frame[curves_frame["gpu_count"] == gpu_count]
    if rows.empty:
        raise InputError("gpu_count", f"{gpu_count} is not among the counts computed "
                                      f"({', '.join(map(str, sorted(curves_frame['gpu_count'].unique())))})")
    return rows[list(AT_COUNT_COLUMNS)].rename(columns=AT_COUNT_COLUMNS).reset_index(drop=True)


def headline(curves_frame: pd.DataFrame, gpu_count: int) -> dict[str, float]:
    """Glue names of the scaling notebook: scaling_efficiency_{a100,h100} and hours_to_train_{a100,h100} of the
    A100 80GB SXM and H100 80GB SXM at ``gpu_count`` (those on the curves) plus gpu_count itself."""
    at = curves_frame[curves_frame["gpu_count"] == gpu_count].set_index("gpu_id")
    out: dict[str, float] = {"gpu_count": gpu_count}
    for gpu_id, short in (("a100-sxm4-80gb", "a100"), ("h100-sxm5-80gb", "h100")):
        if gpu_id in at.index:
            out[f"scaling_efficiency_{short}"] = float(at.loc[gpu_id, "efficiency"])
            out[f"hours_to_train_{short}"] = float(at.loc[gpu_id, "hours"])
    return out


def hourly_prices(gpu_ids, given: dict[str, tuple[str, float | None]] | None = None,
                  provider: str | None = None) -> dict[str, float]:
    """gpu id -> $/GPU-hour for every GPU: the value given for it (``given`` maps gpu id -> (parameter name,
    value or None)), else ``provider``'s latest on-demand price, else the latest from any provider
    (gpuplan.params.price_or_latest with any_provider=True). No price anywhere -> InputError naming the parameter."""
    from gpuplan.params import price_or_latest

    given = given or {}
    return {gid: price_or_latest(*given.get(gid, ("price", None)), gid, provider=provider,
                                 any_provider=True)["usd_per_gpu_hour"] for gid in gpu_ids}


def frontier_table(params: float, tokens: float, prices: dict[str, float], **kwargs) -> pd.DataFrame:
    """:func:`frontier` over the GPUs priced in ``prices`` (gpu id -> $/GPU-hour), with ``setup`` labels."""
    frame = frontier(params, tokens, list(prices), prices=prices, **kwargs)
    return frame.assign(setup=frame["gpu_id"].map(setup_label))


#: storage read rates quoted by the HappyHorse article (April 2026, "H100 vs A100 for AI Video Generation"),
#: GiB/s: (GPU, GPUs in the setup) -> rate. The article's figures, not measurements in our data.
ARTICLE_STORAGE_GIBPS = {("A100", 1): 1.7, ("H100", 1): 1.5, ("A100", 4): 0.2, ("H100", 4): 2.2}


def loading_case(samples_per_s_per_gpu_a100: float, bytes_per_sample: float, h100_speedup: float,
                 storage_gibps: dict | None = None) -> pd.DataFrame:
    """:func:`data_loading_bound` for each (GPU, count) of ``storage_gibps`` (default the article's rates): an
    A100 consumes ``samples_per_s_per_gpu_a100`` samples/s, an H100 ``h100_speedup`` times as many (pass the
    median observed training speedup). Columns gpu, gpus, needed (GiB/s), storage (GiB/s), GPU time fed,
    input-bound."""
    speedup = _positive("h100_speedup", h100_speedup)
    rows = [{"gpu": gpu, "gpus": n, **data_loading_bound(samples_per_s_per_gpu_a100 * (speedup if gpu == "H100" else 1.0),
                                                         bytes_per_sample, rate, gpus=n)}
            for (gpu, n), rate in (storage_gibps or ARTICLE_STORAGE_GIBPS).items()]
    return pd.DataFrame(rows).rename(columns={"needed_gibps": "needed (GiB/s)", "storage_gibps": "storage (GiB/s)",
                                              "fed_fraction": "GPU time fed", "input_bound": "input-bound"})


def mlperf_long(comparison: pd.DataFrame) -> pd.DataFrame:
    """:func:`compare_mlperf` in long form for a chart: one row per (result, series) with series observed,
    predicted or ideal and its ``time_ratio``."""
    frame = comparison.melt(id_vars=["round", "model", "gpu_id", "n"],
                            value_vars=["observed_ratio", "predicted_ratio", "ideal_ratio"],
                            var_name="series", value_name="time_ratio")
    return frame.assign(series=frame["series"].str.removesuffix("_ratio"))
