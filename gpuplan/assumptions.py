"""Model assumptions in one place: ``ASSUMPTIONS = {name: Assumption(value, unit, source, note)}``.

Every constant that is not read from the data tables but still shapes an estimate lives here with the source it
was read from (or says that it is gpuplan's own choice); the model modules import their defaults from here
(``value(name)``), and the method page of the book shows :func:`table` (generated at build time as
``book/_generated/assumptions.html``, see :func:`html_table`). Values fitted to the data (the MFU fit, the
production goodput, the measured collective efficiencies, the serving efficiency) are computed by their modules
from ``data/`` and are *not* repeated here; this table holds what a paper, vendor, maintainer or configuration
file states, and the few round figures gpuplan chose where no source gives one (marked so).

Goodput terms (share of a training run's wall time that advances training; MFU is the kernel efficiency while it
does). The Llama 3 paper gives one measured total for its 16K-GPU run and says what it covers; it does not split
the causes, so the other terms are 1.0 *here* (folded into that total, not assumed free) — the production
goodput that :mod:`gpuplan.goodput` calibrates on published GPU-hours absorbs whatever the total misses.
"""

from __future__ import annotations

import html
from typing import Any, NamedTuple

import pandas as pd

from gpuplan.errors import InputError


class Assumption(NamedTuple):
    """One model assumption: its value, the unit it is in, where it comes from, and what it means."""

    value: Any
    unit: str
    source: str
    note: str


A = Assumption

_OWN = "gpuplan's own choice (no published source)"
_LLAMA3 = ("Llama Team, 'The Llama 3 Herd of Models', arXiv 2407.21783 (2024), §3.3.4 Reliability and "
           "Operational Challenges")
_NCCL_212 = "NVIDIA/nccl-tests issue #212, NCCL maintainer comment (sjeaugey), 2024-05-06"
_AMD_XGMI = ("AMD ROCm blog 'Understanding RCCL Bandwidth and xGMI Performance on AMD Instinct MI300X' "
             "(Kolla, Alizadeh, Lee), 2025-03-02")
_RCP = "mlcommons/logging mlperf_logging/rcp_checker/{} (MLPerf reference convergence points)"
_DS = ("DeepSpeed estimate_zero2/zero3_model_states_mem_needs (deepspeed/runtime/zero/stage_1_and_2.py, "
       "stage3.py; https://deepspeed.readthedocs.io/en/latest/memory.html)")
_STAS_PERF = "stas00/ml-engineering training/performance/README.md"
_STAS_NET = "stas00/ml-engineering network/README.md"
_FOUNDRY = "mosaicml/llm-foundry scripts/train/benchmarking/README.md"
_NCCL_TUNING = "NVIDIA/nccl src/graph/tuning.cc (ring / LL protocol)"
_HAPPYHORSE = "HappyHorse, 'H100 vs A100 for AI Video Generation' (April 2026)"
_HF_CONFIG = "https://huggingface.co/{}/blob/main/config.json"

#: name -> Assumption(value, unit, source, note)
ASSUMPTIONS: dict[str, Assumption] = {
    # --- goodput (fraction of wall time that trains) --------------------------------------------------------------
    "goodput_interruptions": A(
        0.90, "share of wall time", _LLAMA3,
        "'During a 54-day snapshot period of pre-training, we experienced a total of 466 job interruptions' "
        "(47 planned, 419 unexpected) yet 'higher than 90% effective training time' on up to 16K H100: failures, "
        "restarts, lost work since the last checkpoint and the restore, as one measured share"),
    "goodput_checkpoint_saves": A(
        1.0, "share of wall time", _LLAMA3, "not published separately: inside the 90% effective-training-time figure above"),
    "goodput_evaluation": A(
        1.0, "share of wall time", _LLAMA3, "not published separately: inside the 90% effective-training-time figure above"),
    "goodput_stragglers": A(
        1.0, "share of wall time", _LLAMA3, "not published separately: inside the 90% effective-training-time figure above"),
    "goodput_data_stalls": A(
        1.0, "share of wall time", _LLAMA3, "not published separately: inside the 90% effective-training-time figure above"),
    # --- collectives ----------------------------------------------------------------------------------------------
    "nvlink_ring_efficiency": A(
        370 / 450, "bus bandwidth / line rate", _NCCL_212,
        "'450GB/s is the line rate. With the protocol overhead (~20%) NCCL can get an effective NVLink bandwidth "
        "of 370GB/s, which you can observe as BusBw ... with NCCL_ALGO=RING' (H100 NVLink 4): busbw / line rate"),
    "nvls_algbw_efficiency": A(
        275 / 450, "algorithm bandwidth / line rate", _NCCL_212,
        "NVLink SHARP (NVLS) all-reduce: 'On 8 GPUs, you should reach a peak busBw of ~480GB/s (algbw ~275GB/s)': "
        "algorithm bandwidth / per-direction line rate; NVLS needs third-generation NVSwitch (Hopper and later)"),
    "xgmi_link_efficiency": A(
        48 / 64, "usable / rated link bandwidth", _AMD_XGMI,
        "'xGMI's raw bandwidth is rated up to 64 GB/s for each point-to-point link ... CRC bit correction and "
        "protocol overhead ... reduce the usable bandwidth to approximately 48 GB/s per link'; each MI300X is "
        "'connected to its seven peer GPUs' (fully connected)"),
    "network_rails_per_node": A(
        8, 'NICs per node', "stas00/ml-engineering network/README.md; MosaicML llm-foundry benchmarking README",
        "one NIC (rail) per GPU: '3200Gbps per node' = 8 x 400 Gb/s (H100 era), '1600 Gbps node-node "
        "interconnect' = 8 x 200 Gb/s (MosaicML A100 clusters)"),
    # --- tensor parallelism ---------------------------------------------------------------------------------------
    "tp_allreduces_per_layer": A(
        4, 'all-reduces per layer and micro-batch', "Shoeybi et al. 2019, Megatron-LM, arXiv 1909.08053, §3 (Figure 4)",
        "two all-reduces in the forward and two in the backward pass of every transformer layer (attention and "
        "MLP), each of the layer's activations b·s·h"),
    "layout_memory_headroom": A(
        0.75, 'share of GPU memory', "gpuplan's own choice (no published source)",
        "share of a GPU's memory the model states may take when scaling.parallel_layout picks a 3D layout; the "
        "rest is left for activations, buffers and fragmentation (not a sourced number: pass tensor_parallel to "
        "fix the layout)"),
    # --- MLPerf convergence: tokens to converge by global batch (sequences) ------------------------------------------
    "rcp_gpt3": A(
        {1536: (1157627904, 1157627904, 1157627904, 1258291200, 1207959552, 1258291200),
         2048: (1157627904, 1207959552, 1157627904, 1207959552, 1207959552, 1157627904),
         3072: (1258291200, 1207959552, 1207959552, 1207959552, 1207959552, 1207959552),
         4096: (1258291200, 1258291200, 1308622848, 1258291200, 1258291200, 1258291200),
         8192: (1610612736, 1660944384, 1660944384, 1610612736, 1610612736, 1610612736)},
        "RCP value per reference run, by global batch (sequences)",
        _RCP.format("training_3.0.0/rcps_gpt3.json"),
        "'Epochs to converge' of the GPT-3 175B reference runs per global batch size (BS, sequences of 2048)"),
    "rcp_llama31_405b": A(
        {1152: (2642411520,) * 6,
         2304: (3019898880, 3019898880, 3019898880, 3019898880, 3397386240, 3397386240)},
        "RCP value per reference run, by global batch (sequences)",
        _RCP.format("training_5.0.0/rcps_llama31_405b.json"),
        "reference runs on 288 x DGX-H100; BS 4608 and 9216 are listed without convergence values"),
    "rcp_llama31_8b": A(
        {32: (196608, 172032, 184320, 184320, 172032, 172032, 184320, 184320, 184320, 172032,
              172032, 172032, 184320, 184320, 184320, 172032, 172032, 172032, 184320, 184320),
         64: (233472, 208896, 208896, 233472, 233472, 233472, 233472, 233472, 208896, 233472,
              233472, 233472, 245760, 221184, 208896, 233472, 233472, 221184, 221184, 221184),
         96: (297216, 284832, 272448, 272448, 272448, 272448, 297216, 272448, 297216, 272448,
              297216, 260064, 272448, 272448, 272448, 284832, 260064, 284832, 284832, 272448),
         128: (368640, 344064, 356352, 344064, 368640, 368640, 405504, 344064, 331776, 307200,
               331776, 380928, 307200, 344064, 319488, 356352, 331776, 319488, 356352, 331776)},
        "samples per reference run, by global batch (sequences)",
        _RCP.format("training_5.1.0/rcps_llama31_8b.json"),
        "reference runs on 2-4 x DGX-B200 (BS 32 on 4 x DGX-B200 = 32 GPUs), BF16; values in samples"),
    # --- DeepSpeed offload estimator ------------------------------------------------------------------------------
    "deepspeed_buffer_factor": A(
        1.5, "multiplier", _DS, "additional_buffer_factor default of DeepSpeed's CPU-memory estimators"),
    # --- memory (gpuplan.memory) ----------------------------------------------------------------------------------
    "cuda_context_bytes": A(
        int(0.92 * 2**30), "bytes per GPU", f"{_STAS_PERF} (PyTorch 2.1.1, A100 80GB)",
        "CUDA context and preloaded kernels: CUDA_MODULE_LOADING=EAGER 'used=0.92GB' (printed as bytes / 2**30, hence "
        "GiB); 0.47 GiB with lazy loading, '0.5-2GB' in general. The EleutherAI cookbook instead adds ~5 GiB "
        "'miscellaneous' seen with Megatron-DeepSpeed (pass overhead_bytes to use it)"),
    "optimizer_state_bytes": A(
        {"adamw": 8, "adamw-8bit": 2, "sgd-momentum": 4, "adafactor": 4}, "bytes per trainable parameter", _STAS_PERF,
        "adamw: m and v in fp32; adamw-8bit: bitsandbytes; sgd-momentum: one fp32 buffer; adafactor: 'uses some "
        "additional memory beside 4 bytes' (4 counted)"),
    "master_copy_bytes": A(
        4, "bytes per trainable parameter",
        "Rajbhandari et al. 2019, ZeRO, arXiv 1910.02054 §3.1",
        "the fp32 master copy of the weights kept by mixed-precision optimizers"),
    "adam_bytes": A(
        18, "bytes per trainable parameter (bf16 AdamW)",
        f"{_STAS_PERF} ('18 bytes per model parameter'); EleutherAI cookbook",
        "the conservative mixed-precision convention, 2 + 4 + 12 (fp32 gradients); 16 = the ZeRO paper's (arXiv "
        "1910.02054 §3.1, half-precision gradients): pass adam_bytes=16"),
    "validation_archs": A(
        {"T0_3B": {"params_total": 2_849_757_184, "layers": 24, "hidden_size": 2048, "attention_heads": 32,
                   "head_dim": 64, "vocab_size": 32128, "ffn_size": 5120, "name": "bigscience/T0_3B"},
         "mt0-xxl": {"params_total": 12_921_057_280, "layers": 24, "hidden_size": 4096, "attention_heads": 64,
                     "head_dim": 64, "vocab_size": 250112, "ffn_size": 10240, "name": "bigscience/mt0-xxl"},
         "bloomz-7b1": {"params_total": 7_069_016_064, "layers": 30, "hidden_size": 4096, "attention_heads": 32,
                        "vocab_size": 250880, "ffn_size": 16384, "tied_embeddings": True,
                        "name": "bigscience/bloomz-7b1"},
         "Llama-3.1-8B": {"params_total": 8_030_261_248, "layers": 32, "hidden_size": 4096, "attention_heads": 32,
                          "kv_heads": 8, "head_dim": 128, "vocab_size": 128256, "ffn_size": 14336,
                          "name": "meta-llama/Llama-3.1-8B"}},
        "model shape (gpuplan.memory.Architecture fields)",
        ", ".join(_HF_CONFIG.format(m) for m in ("bigscience/T0_3B", "bigscience/mt0-xxl", "bigscience/bloomz-7b1",
                                                  "meta-llama/Llama-3.1-8B")),
        "shapes of the memory model's validation cases (params computed from the config; the test recomputes them). "
        "T0_3B (T5 v1.1 LM-adapted XL: d_model 2048, d_ff 5120, d_kv 64, 32 heads, 24 + 24 layers) and mt0-xxl "
        "(mT5-XXL: 4096, 10240, 64, 64 heads, 24 + 24) are modelled as their encoders; bloomz-7b1 has tied embeddings"),
    # --- MFU (gpuplan.mfu) ------------------------------------------------------------------------------------------
    "mpt_activation_checkpointing": A(
        {("mpt-7b", "h100-sxm5-80gb", 8, "bf16", 2048): False,    # MFU 46.44, HFU 46.44
         ("mpt-13b", "h100-sxm5-80gb", 8, "bf16", 2048): False,   # 39.79 / 39.79
         ("mpt-30b", "h100-sxm5-80gb", 8, "bf16", 2048): True,    # 38.11 / 50.82
         ("mpt-70b", "h100-sxm5-80gb", 64, "bf16", 2048): True,   # 42.57 / 56.76
         ("mpt-7b", "a100-sxm4-80gb", 8, "bf16", 2048): False,    # 64.23 / 64.23
         ("mpt-13b", "a100-sxm4-80gb", 8, "bf16", 2048): False,   # 59.57 / 59.57
         ("mpt-30b", "a100-sxm4-80gb", 8, "bf16", 2048): True,    # 55.3 / 73.74
         ("mpt-70b", "a100-sxm4-80gb", 64, "bf16", 2048): True,   # 53.33 / 71.1
         ("mpt-7b", "a100-sxm4-40gb", 8, "bf16", 2048): True,     # 50.92 / 67.89
         ("mpt-13b", "a100-sxm4-40gb", 8, "bf16", 2048): True,    # 43.94 / 58.58
         ("mpt-70b", "a100-sxm4-40gb", 64, "bf16", 2048): True,   # 35.87 / 47.82
         ("mpt-3b", "h100-sxm5-80gb", 8, "fp8", 2048): False},    # 27.7 / 27.7
        "true/false per (model, gpu_id, GPUs, precision, seq)", f"{_FOUNDRY}, 'Activation Checkpointing' column",
        "activation checkpointing of the MosaicML benchmark runs (their HFU = MFU × 4/3 exactly when it is true); "
        "runs not listed are taken as run without checkpointing"),
    "mfu_fallbacks": A(
        ("fit", "mamf", "mlperf", "fp16 = bf16", "pooled"), "methods, in order of preference",
        "gpuplan.mfu.fit_mfu (gpuplan's own rule)",
        "a GPU/precision without MosaicML MPT rows takes its MFU from its MAMF matmul ratio × the fitted GPUs' "
        "MFU per MAMF ratio, else from a fitted sibling of the same architecture × the observed training speedup, "
        "fp16 from bf16 where the dense peaks are equal, else the pooled median (min-max) of all direct fits; "
        "speedup.MLPERF_PRECISION carries the BF16 MFU to the other precisions unchanged"),
    # --- scaling and collectives (gpuplan.scaling, gpuplan.collectives) ----------------------------------------------
    "gpus_per_node": A(
        8, "GPUs per node", f"NVIDIA DGX/HGX 8-GPU boards ({_STAS_NET}: '3200Gbps per node' = 8 x 400 Gb/s)",
        "node size of scaling_curve, the all-reduce model and serving (tensor parallelism stays inside a node)"),
    "nic_gbps": A(
        {"nvlink3": 25.0, "pcie": 25.0, "nvlink4": 50.0, "nvlink5": 50.0, "infinity-fabric": 50.0},
        "GB/s per GPU, one direction, by the GPU's interconnect", f"{_STAS_NET}; {_FOUNDRY}",
        "one NIC (rail) per GPU: 200 Gb/s HDR (25 GB/s) in A100-era and PCIe nodes ('1600 Gbps node-node "
        "interconnect' = 8 x 200 on MosaicML's A100 clusters), 400 Gb/s NDR (50 GB/s) for H100 and later"),
    "xgmi_links_per_gpu": A(
        7, "xGMI links per MI300X", _AMD_XGMI, "each MI300X is 'connected to its seven peer GPUs' (fully connected)"),
    "dp_overlap": A(
        2 / 3, "share of a step's compute time",
        f"EleutherAI 'Transformer Math 101' (backward = 4PD of 6PD); {_STAS_PERF} 'Comms and compute overlap'",
        "share of a step's compute that can hide the data-parallel all-reduce (PyTorch DDP all-reduces gradient "
        "buckets during the backward pass); overlap=0 gives the no-overlap bound"),
    "global_batch_tokens": A(
        4_194_304, "tokens per step", f"{_FOUNDRY}, MPT-70b 'GlobalBatchSize (T)'",
        "global batch of scaling_curve when none is given (2^22 tokens)"),
    "mlperf_gpt3_layout": A(
        {"model_parallel": 32, "pipeline_stages": 8, "global_batch_tokens": 3072 * 2048, "micro_batch_tokens": 2048},
        "GPUs per replica, stages, tokens",
        "mlcommons/training_results_v3.0 NVIDIA/benchmarks/gpt3/implementations/pytorch/"
        "config_DGXH100_96x8x128x4x8_mbs1.sh and config_DGXH100_192x8x64x4x8_mbs1.sh",
        "TENSOR_MODEL_PARALLEL=4, PIPELINE_MODEL_PARALLEL=8, MICRO_BATCH_SIZE=1; MINIBS 128 x 24 replicas (768 GPUs) "
        "= 64 x 48 replicas (1536 GPUs) = 3072 sequences of 2048 tokens per step; applied to every MLPerf GPT-3 and "
        "Llama 3.1 405B result (an assumption beyond the configs read)"),
    "article_storage_gibps": A(
        {("A100", 1): 1.7, ("H100", 1): 1.5, ("A100", 4): 0.2, ("H100", 4): 2.2},
        "GiB/s, by (GPU, GPUs in the setup)", _HAPPYHORSE,
        "storage read rates the article quotes; the article's figures, not measurements in our data"),
    # --- speedup (gpuplan.speedup) ----------------------------------------------------------------------------------
    "mlperf_precision": A(
        {"training": "bf16", "inference": "int8"}, "precision of the compute-bound phase", _OWN,
        "mixed-precision BF16 training; INT8 inference (the lowest precision both an A100 and later GPUs run "
        "natively; FP8 has the same dense peak as INT8 on Hopper and Blackwell). The results table says "
        "'submitter-chosen'"),
    # --- serving (gpuplan.serving) ----------------------------------------------------------------------------------
    "gpu_memory_utilization": A(
        0.9, "share of GPU memory", "vLLM default gpu_memory_utilization (vllm-project/vllm issue #1018)",
        "the share of a GPU's memory a serving engine takes for weights, activations and the KV cache"),
    "prefill_chunk_tokens": A(
        8192, "tokens", _OWN, "activations of one prefill chunk kept free next to the KV cache"),
    "nccl_base_latency_s": A(
        3.6e-6, "seconds per all-reduce", _NCCL_TUNING, "baseLat of a ring all-reduce with the LL protocol"),
    "nccl_hop_latency_s": A(
        {"nvlink": 0.47e-6, "pcie": 1.0e-6}, "seconds per ring step", _NCCL_TUNING,
        "hwLat per NVLink / PCIe step; Infinity Fabric taken as NVLink-class"),
    # --- cost, break-even, rent vs buy (gpuplan.breakeven, gpuplan.prices) ------------------------------------------
    "pue": A(
        1.5, "facility power / IT power", "Uptime Institute, Global Data Center Survey (annual, 2020-2023 editions)",
        "industry-average PUE of about 1.55-1.59 in 2020-2023; 1.5 is a round figure for a reasonably efficient "
        "facility (PUE as defined by The Green Grid, White Paper #49, 2012)"),
    "usd_per_kwh": A(
        0.10, "USD per kWh", _OWN, "not a sourced price: give your own tariff"),
    "amortization_years": A(
        3.0, "years", _OWN, "hardware amortized straight-line over 3 years, a common depreciation period for servers"),
    "hosting_usd_per_month": A(
        0.0, "USD per GPU per month", _OWN,
        "hosting/colocation, idle power and the host's CPUs and RAM are not counted unless given"),
    "hours_per_month": A(
        365.0 * 24.0 / 12.0, "hours", "the calendar: 8760 hours a year / 12", "an average month (730 h)"),
    "sensitivity_spread": A(
        0.25, "± share of the base value", _OWN,
        "range of every tornado input that has no range from the data (the speedup spans the observed band, the "
        "prices the spread across providers where the data has one)"),
    "price_window_months": A(
        6, "months", _OWN,
        "the default price is the median of each provider's latest price observed in this many months up to the "
        "newest observation of that kind in the data (gpuplan.prices)"),
    "chinchilla_tokens_per_param": A(
        20, "training tokens per parameter", "Hoffmann et al. 2022, 'Training Compute-Optimal Large Language Models', "
        "arXiv 2203.15556", "compute-optimal training tokens: the default --tokens of `gpuplan scale`"),
}


def value(name: str):
    """The value of assumption ``name`` (InputError naming it when unknown)."""
    if name not in ASSUMPTIONS:
        raise InputError("assumption", f"unknown assumption {name!r}; known: {', '.join(sorted(ASSUMPTIONS))}")
    return ASSUMPTIONS[name].value


def source(name: str) -> str:
    """Where assumption ``name`` comes from."""
    value(name)
    return ASSUMPTIONS[name].source


def goodput_terms() -> pd.DataFrame:
    """The goodput terms: term, value, source, note (their product is :func:`literature_goodput`)."""
    rows = [{"term": k.removeprefix("goodput_"), "value": a.value, "source": a.source, "note": a.note}
            for k, a in ASSUMPTIONS.items() if k.startswith("goodput_")]
    return pd.DataFrame(rows)


def literature_goodput() -> float:
    """Product of the cited goodput terms (bottom-up; 0.90 today: the Llama 3 effective training time)."""
    out = 1.0
    for v in goodput_terms()["value"]:
        out *= float(v)
    return out


def table() -> pd.DataFrame:
    """Every assumption for a reader: name, value (dicts and tuples shown as text), unit, source, note; sorted by
    name."""
    rows = [{"name": k, "value": a.value if isinstance(a.value, (int, float)) else str(a.value), "unit": a.unit,
             "source": a.source, "note": a.note} for k, a in sorted(ASSUMPTIONS.items())]
    return pd.DataFrame(rows)


def shown(value: Any) -> str:
    """An assumption's value as a reader sees it: numbers to 4 significant digits, mappings as ``key: value``
    pairs, long runs of numbers (the MLPerf reference convergence points) as their count and mean."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value:,}" if isinstance(value, int) else f"{value:.4g}"
    if isinstance(value, dict):
        return "; ".join(f"{_key(k)}: {shown(v)}" for k, v in value.items())
    if isinstance(value, (tuple, list)):
        if len(value) > 4 and all(isinstance(v, (int, float)) for v in value):
            return f"{len(value)} runs, mean {sum(value) / len(value):,.4g}"
        return ", ".join(shown(v) for v in value)
    return str(value)


def _key(key: Any) -> str:
    return " / ".join(str(k) for k in key) if isinstance(key, tuple) else str(key)


def html_table() -> str:
    """:func:`table` as the HTML the method page includes (``book/_generated/assumptions.html``): one row per
    assumption with its value, unit, source and note, in the theme's scrollable table container."""
    rows = []
    for name, a in sorted(ASSUMPTIONS.items()):
        cells = (f"<code>{name}</code>", html.escape(shown(a.value)), html.escape(a.unit), html.escape(a.source),
                 html.escape(a.note))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("name", "value", "unit", "source", "note"))
    return ('<div class="pst-scrollable-table-container">\n<table class="table">\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>\n</div>\n")
