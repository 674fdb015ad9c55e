"""Model assumptions in one place: ``ASSUMPTIONS = {name: (value, source, note)}``.

Every constant that is not read from the data tables but still shapes an estimate lives here with the source it
was read from. Values fitted to the data (the MFU fit, the production goodput, the measured collective
efficiencies) are computed by their modules from ``data/`` and are *not* repeated here; this table holds what a
paper, vendor or maintainer states. ``table()`` shows them for the book; ``value(name)`` reads one.

Goodput terms (share of a training run's wall time that advances training; MFU is the kernel efficiency while it
does). The Llama 3 paper gives one measured total for its 16K-GPU run and says what it covers; it does not split
the causes, so the other terms are 1.0 *here* (folded into that total, not assumed free) — the production
goodput that :mod:`gpuplan.goodput` calibrates on published GPU-hours absorbs whatever the total misses.
"""

from __future__ import annotations

import pandas as pd

from gpuplan.errors import InputError

_LLAMA3 = ("Llama Team, 'The Llama 3 Herd of Models', arXiv 2407.21783 (2024), §3.3.4 Reliability and "
           "Operational Challenges")
_NCCL_212 = "NVIDIA/nccl-tests issue #212, NCCL maintainer comment (sjeaugey), 2024-05-06"
_AMD_XGMI = ("AMD ROCm blog 'Understanding RCCL Bandwidth and xGMI Performance on AMD Instinct MI300X' "
             "(Kolla, Alizadeh, Lee), 2025-03-02")
_RCP = "mlcommons/logging mlperf_logging/rcp_checker/{} (MLPerf reference convergence points)"
_DS = ("DeepSpeed estimate_zero2/zero3_model_states_mem_needs (deepspeed/runtime/zero/stage_1_and_2.py, "
       "stage3.py; https://deepspeed.readthedocs.io/en/latest/memory.html)")

#: name -> (value, source, note)
ASSUMPTIONS: dict[str, tuple[object, str, str]] = {
    # --- goodput (fraction of wall time that trains) --------------------------------------------------------------
    "goodput_interruptions": (
        0.90, _LLAMA3,
        "'During a 54-day snapshot period of pre-training, we experienced a total of 466 job interruptions' "
        "(47 planned, 419 unexpected) yet 'higher than 90% effective training time' on up to 16K H100: failures, "
        "restarts, lost work since the last checkpoint and the restore, as one measured share"),
    "goodput_checkpoint_saves": (
        1.0, _LLAMA3, "not published separately: inside the 90% effective-training-time figure above"),
    "goodput_evaluation": (
        1.0, _LLAMA3, "not published separately: inside the 90% effective-training-time figure above"),
    "goodput_stragglers": (
        1.0, _LLAMA3, "not published separately: inside the 90% effective-training-time figure above"),
    "goodput_data_stalls": (
        1.0, _LLAMA3, "not published separately: inside the 90% effective-training-time figure above"),
    # --- collectives ----------------------------------------------------------------------------------------------
    "nvlink_ring_efficiency": (
        370 / 450, _NCCL_212,
        "'450GB/s is the line rate. With the protocol overhead (~20%) NCCL can get an effective NVLink bandwidth "
        "of 370GB/s, which you can observe as BusBw ... with NCCL_ALGO=RING' (H100 NVLink 4): busbw / line rate"),
    "nvls_algbw_efficiency": (
        275 / 450, _NCCL_212,
        "NVLink SHARP (NVLS) all-reduce: 'On 8 GPUs, you should reach a peak busBw of ~480GB/s (algbw ~275GB/s)': "
        "algorithm bandwidth / per-direction line rate; NVLS needs third-generation NVSwitch (Hopper and later)"),
    "xgmi_link_efficiency": (
        48 / 64, _AMD_XGMI,
        "'xGMI's raw bandwidth is rated up to 64 GB/s for each point-to-point link ... CRC bit correction and "
        "protocol overhead ... reduce the usable bandwidth to approximately 48 GB/s per link'; each MI300X is "
        "'connected to its seven peer GPUs' (fully connected)"),
    "network_rails_per_node": (
        8, "stas00/ml-engineering network/README.md; MosaicML llm-foundry benchmarking README",
        "one NIC (rail) per GPU: '3200Gbps per node' = 8 x 400 Gb/s (H100 era), '1600 Gbps node-node "
        "interconnect' = 8 x 200 Gb/s (MosaicML A100 clusters)"),
    # --- tensor parallelism ---------------------------------------------------------------------------------------
    "tp_allreduces_per_layer": (
        4, "Shoeybi et al. 2019, Megatron-LM, arXiv 1909.08053, §3 (Figure 4)",
        "two all-reduces in the forward and two in the backward pass of every transformer layer (attention and "
        "MLP), each of the layer's activations b·s·h"),
    "layout_memory_headroom": (
        0.75, "gpuplan's own choice (no published source)",
        "share of a GPU's memory the model states may take when scaling.parallel_layout picks a 3D layout; the "
        "rest is left for activations, buffers and fragmentation (not a sourced number: pass tensor_parallel to "
        "fix the layout)"),
    # --- MLPerf convergence: tokens to converge by global batch (sequences) ------------------------------------------
    "rcp_gpt3": (
        {1536: (1157627904, 1157627904, 1157627904, 1258291200, 1207959552, 1258291200),
         2048: (1157627904, 1207959552, 1157627904, 1207959552, 1207959552, 1157627904),
         3072: (1258291200, 1207959552, 1207959552, 1207959552, 1207959552, 1207959552),
         4096: (1258291200, 1258291200, 1308622848, 1258291200, 1258291200, 1258291200),
         8192: (1610612736, 1660944384, 1660944384, 1610612736, 1610612736, 1610612736)},
        _RCP.format("training_3.0.0/rcps_gpt3.json"),
        "'Epochs to converge' of the GPT-3 175B reference runs per global batch size (BS, sequences of 2048)"),
    "rcp_llama31_405b": (
        {1152: (2642411520,) * 6,
         2304: (3019898880, 3019898880, 3019898880, 3019898880, 3397386240, 3397386240)},
        _RCP.format("training_5.0.0/rcps_llama31_405b.json"),
        "reference runs on 288 x DGX-H100; BS 4608 and 9216 are listed without convergence values"),
    "rcp_llama31_8b": (
        {32: (196608, 172032, 184320, 184320, 172032, 172032, 184320, 184320, 184320, 172032,
              172032, 172032, 184320, 184320, 184320, 172032, 172032, 172032, 184320, 184320),
         64: (233472, 208896, 208896, 233472, 233472, 233472, 233472, 233472, 208896, 233472,
              233472, 233472, 245760, 221184, 208896, 233472, 233472, 221184, 221184, 221184),
         96: (297216, 284832, 272448, 272448, 272448, 272448, 297216, 272448, 297216, 272448,
              297216, 260064, 272448, 272448, 272448, 284832, 260064, 284832, 284832, 272448),
         128: (368640, 344064, 356352, 344064, 368640, 368640, 405504, 344064, 331776, 307200,
               331776, 380928, 307200, 344064, 319488, 356352, 331776, 319488, 356352, 331776)},
        _RCP.format("training_5.1.0/rcps_llama31_8b.json"),
        "reference runs on 2-4 x DGX-B200 (BS 32 on 4 x DGX-B200 = 32 GPUs), BF16; values in samples"),
    # --- DeepSpeed offload estimator ------------------------------------------------------------------------------
    "deepspeed_buffer_factor": (
        1.5, _DS, "additional_buffer_factor default of DeepSpeed's CPU-memory estimators"),
}


def value(name: str):
    """The value of assumption ``name`` (InputError naming it when unknown)."""
    if name not in ASSUMPTIONS:
        raise InputError("assumption", f"unknown assumption {name!r}; known: {', '.join(sorted(ASSUMPTIONS))}")
    return ASSUMPTIONS[name][0]


def source(name: str) -> str:
    """Where assumption ``name`` comes from."""
    value(name)
    return ASSUMPTIONS[name][1]


def goodput_terms() -> pd.DataFrame:
    """The goodput terms: term, value, source, note (their product is :func:`literature_goodput`)."""
    rows = [{"term": k.removeprefix("goodput_"), "value": v, "source": s, "note": n}
            for k, (v, s, n) in ASSUMPTIONS.items() if k.startswith("goodput_")]
    return pd.DataFrame(rows)


def literature_goodput() -> float:
    """Product of the cited goodput terms (bottom-up; 0.90 today: the Llama 3 effective training time)."""
    out = 1.0
    for v in goodput_terms()["value"]:
        out *= float(v)
    return out


def table() -> pd.DataFrame:
    """Every assumption for a reader: name, value (dicts shown as text), source, note; sorted by name."""
    rows = [{"name": k, "value": v if isinstance(v, (int, float)) else str(v), "source": s, "note": n}
            for k, (v, s, n) in sorted(ASSUMPTIONS.items())]
    return pd.DataFrame(rows)
