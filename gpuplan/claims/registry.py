"""The thirty claims as data (:data:`CLAIMS`), :func:`check_all` (the verdict table), :func:`section` and
:func:`counts`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pandas as pd

from gpuplan import data
from gpuplan.claims.base import NOT_CHECKABLE, SECTIONS, THIN_EVIDENCE, Context, count_text
from gpuplan.claims.scaling_cost_hardware import (
    cost_efficiency,
    energy_per_tflop,
    flash_attention,
    fp8_by_size,
    lower_or_equal,
    mlperf_linearity,
    no_stable_video,
    nvlink_gain,
    pcie_gen5,
    pcie_scaling,
    per_goal,
    process_node,
    storage_loading,
    utilization_effect,
    worked_cost,
    worksheet_inputs,
)
from gpuplan.claims.speed_memory import (
    bandwidth_gain,
    benchmark_range,
    cluster_days,
    days_to_hours,
    fp8_doubling,
    fp8_finetune,
    full_finetune_70b,
    generative_minimum,
    headline_ceiling,
    lora_single_gpu,
    stable_diffusion_sizes,
    training_range,
    worked_hours,
    worked_minutes,
)
from gpuplan.errors import InputError


@dataclass(frozen=True)
class Claim:
    number: int
    article: str
    section: str
    text: str
    kind: str
    check: Callable[[Context], tuple[str, str]]


_S, _M, _I, _C, _H = SECTIONS
#: the thirty claims of seed-claims.md: brief paraphrases or short quotes, attributed by article letter
CLAIMS: tuple[Claim, ...] = (
    Claim(1, "V", _S, "H100 ≈1.5×–2× faster than A100 for inference", "benchmarks",
          partial(benchmark_range, task_type="inference", low=1.5, high=2.0)),
    Claim(2, "V", _S, "training gains ≈2×–4× (2–3× for LLM training)", "benchmarks",
          training_range),
    Claim(3, "V", _S, '"up to 30× faster inference" headlines are narrow', "benchmarks", headline_ceiling),
    Claim(4, "V", _S, "20 min → 10–13 min; 6 min/clip → 3–4 min", "arithmetic", worked_minutes),
    Claim(5, "V", _S, "a 40 h A100 fine-tune → ≈20 h at 2×, ≈13 h at 3×", "arithmetic", worked_hours),
    Claim(6, "F", _S, "FP8 on H100: 2×–4× fine-tuning speedup over BF16 on A100; 24 h → ≈8 h", "benchmarks",
          fp8_finetune),
    Claim(7, "F", _S, "LoRA on one H100 80GB: 2.2×–2.8× the tokens/s of an A100 80GB", "none", lora_single_gpu),
    Claim(8, "F", _S, '70B full fine-tune, FSDP on 8×H100 "up to 3× faster" than 8×A100', "none",
          full_finetune_70b),
    Claim(9, "F", _S, '1B tokens: "several days" on an A100 cluster, "a single weekend" on H100', "runtime model",
          cluster_days),
    Claim(10, "W", _S, 'H100 "reduces multi-day experiments to hours"', "benchmarks", days_to_hours),
    Claim(11, "F", _M, 'A100 80GB ≈2.0 TB/s vs H100 3.35 TB/s: "67% increase"', "specs", bandwidth_gain),
    Claim(12, "F", _M, 'FP8 halves weight/activation memory vs FP16 and "effectively doubles" matmul throughput',
          "specs", fp8_doubling),
    Claim(13, "V", _M, "many generative models need ≥12 GB for basic inference; training starts at 16–24 GB or more",
          "memory model", generative_minimum),
    Claim(14, "V", _M, "SD 1.5 runs at a 4 GB minimum; SDXL at 8–12 GB; training comfortable at 24 GB+",
          "memory model", stable_diffusion_sizes),
    Claim(15, "V", _M, "some optimized Stable Video workflows run under 10 GB", "none", no_stable_video),
    Claim(16, "W", _M, "FP8 gains matter most above ≈70B parameters", "none", fp8_by_size),
    Claim(17, "F", _I, 'NVLink 4 900 GB/s vs NVLink 3 600 GB/s: "a 50% increase"; PCIe Gen5 doubles Gen4', "specs",
          nvlink_gain),
    Claim(18, "W", _I, "without NVLink/NVSwitch, scaling beyond 4–8 GPUs becomes inefficient", "scaling model",
          pcie_scaling),
    Claim(19, "V", _I, "storage loading: 1 GPU A100 ≈1.7, H100 ≈1.5 GiB/s; 4 GPUs A100 ≈0.2, H100 ≈2.2 GiB/s", "none",
          storage_loading),
    Claim(20, "F", _I, 'H100 interconnects allow "near-linear scaling"', "MLPerf", mlperf_linearity),
    Claim(21, "V", _C, "A100 8 h × $1.50 = $12.00; H100 3 h × $3.50 = $10.50: cheaper per job", "cost model",
          worked_cost),
    Claim(22, "V", _C, 'H100 "roughly 3× more cost-efficient" for mixed-precision LLM training', "cost model",
          cost_efficiency),
    Claim(23, "F", _C, 'at 2–3× speed the H100\'s total cost is "lower or equal"', "cost model", lower_or_equal),
    Claim(24, "F", _C, 'the "40% utilization problem": GPUs idle while data loads', "none", utilization_effect),
    Claim(25, "W", _C, 'costed per training goal rather than per GPU-hour, H100 "often" becomes the cost-efficient GPU',
          "cost model", per_goal),
    Claim(26, "V", _C, "break-even worksheet: runtime, hourly rate, utilization, reruns per 100, queue delay, value "
                       "of faster delivery", "cost model", worksheet_inputs),
    Claim(27, "V", _H, 'H100 is built "on a 5nm process"', "specs", process_node),
    Claim(28, "F", _H, 'H100 "supports PCIe Gen5"; needs CUDA 12.x and PyTorch 2.0+ for Hopper features', "specs",
          pcie_gen5),
    Claim(29, "F", _H, 'FlashAttention-2 is "highly optimized for the H100\'s architecture"', "papers",
          flash_attention),
    Claim(30, "F", _H, 'the H100\'s "energy efficiency per TFLOP is superior"', "specs", energy_per_tflop),
)


def check_all(gpu_a: str, gpu_b: str, price_a: float, price_b: float, *, source_a: str = "parameter",
              source_b: str = "parameter", claims: tuple[Claim, ...] = CLAIMS) -> pd.DataFrame:
    """Every claim's verdict and evidence at these GPUs and hourly prices. Columns: #, article, section, claim,
    kind (of evidence), verdict, evidence; one row per claim, in claim order."""
    ctx = Context(data.resolve_gpu(gpu_a), data.resolve_gpu(gpu_b), float(price_a), float(price_b), source_a, source_b)
    rows = []
    for claim in claims:
        try:
            verdict, evidence = claim.check(ctx)
        except InputError as err:  # a model or table value this pair lacks (e.g. no PCIe generation for a GPU)
            verdict, evidence = NOT_CHECKABLE, f"{err} ({count_text(0, 'usable row')})"
        rows.append({"#": claim.number, "article": claim.article, "section": claim.section, "claim": claim.text,
                     "kind": claim.kind, "verdict": verdict, "evidence": evidence})
    return pd.DataFrame(rows)


def section(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """The rows of one section of a :func:`check_all` table, without the section and kind columns."""
    if name not in SECTIONS:
        raise InputError("section", f"unknown section {name!r}; one of {', '.join(SECTIONS)}")
    return table[table["section"] == name].drop(columns=["section", "kind"]).reset_index(drop=True)


def counts(table: pd.DataFrame) -> dict[str, int]:
    """Glue names of the verdict counts: claims_total, claims_supported (incl. qualified "supported (…)"),
    claims_depends, claims_not_supported, claims_thin_evidence (not settled), claims_not_checkable; they add up
    to claims_total."""
    verdict = table["verdict"]
    return {"claims_total": len(table), "claims_supported": int(verdict.str.startswith("supported").sum()),
            "claims_depends": int(verdict.str.startswith("depends").sum()),
            "claims_not_supported": int((verdict == "not supported").sum()),
            "claims_thin_evidence": int((verdict == THIN_EVIDENCE).sum()),
            "claims_not_checkable": int((verdict == NOT_CHECKABLE).sum())}
