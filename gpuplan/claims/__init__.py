"""The claims check: thirty claims from four A100-vs-H100 articles, each given a verdict from our data and models.

The claims are ``../shared/seed-claims.md``'s list, held here as data (:data:`CLAIMS`: number, article, section,
a brief attributed paraphrase or short quote, the kind of evidence and its check). Articles, by letter:

- W: "When H100 becomes the right choice", 1Legion, 2025-12-03.
- V: "H100 vs A100 for AI Video Generation: Performance Comparison", HappyHorse, 2026-04.
- D: "A100 vs H100: Which GPU Makes More Sense for AI Workloads?", undated.
- F: "H100 80GB vs A100 80GB: Fine-Tuning Performance and TCC Analysis", Lyceum Technologies, 2026-02-23.

Verdicts (the whole vocabulary; tests/test_claims.py holds it exactly):

- ``supported``, possibly qualified by what it rests on: "supported (at peak)", "supported (rounding)",
  "supported (lower bound: UNet only)", "supported (the PCIe part)";
- ``depends on …`` (true for some workloads, models, prices, sources or settings and not others);
- ``not supported``;
- ``not settled (thin evidence)`` (:data:`THIN_EVIDENCE`): matching results exist but fewer than
  :data:`MIN_RESULTS`, or all from one submitter — too few to say supported *or* not supported; the evidence
  text says which way they lean;
- ``not checkable with our data`` (:data:`NOT_CHECKABLE`): no matching evidence at all.

Evidence must match the claim: a claim about FP8 fine-tuning is judged on FP8 fine-tuning results only, a claim
about LLM training on LLM training results, a claim about inference on inference results — never on a band of
everything. Every evidence text states its count ("n = 4 results", "n = 2 gpus rows", "n = 0 data rows" for
arithmetic on the article's own numbers), and every speedup quoted from fewer than :data:`MIN_RESULTS` results
or from one submitter carries the words "thin evidence" beside it (:func:`caveat`).

A claimed range [low, high] is judged by where the evidence lies (:func:`range_verdict`): supported only when
the median *and* the middle half of the results (the interquartile range) lie inside it; a median at the
range's floor with half the results below it is "depends on the workload".

One function per kind of evidence computes the verdict and a one-line evidence text with source ids:
:func:`benchmark_range` (observed speedup band against a claimed range), :func:`precision_pairs` (results
across precisions, e.g. FP8 against BF16), the "not checkable" checks (no matching data: the count of what is
missing and the closest evidence we have), and the specific checks against the gpus table (spec ratios), the
memory model (gpuplan.memory), the scaling model and MLPerf (gpuplan.scaling), the cost model
(gpuplan.cost / gpuplan.breakeven), published numbers held here as cited constants (:data:`FLASH_ATTENTION`)
and plain arithmetic on the article's own numbers.
:func:`check_all` returns the verdict table; :func:`counts` its summary.
"""

from gpuplan.claims.base import (
    FLASH_ATTENTION,
    LLM_PATTERN,
    MIN_RESULTS,
    NOT_CHECKABLE,
    PROCESS_CLASS_NM,
    PROCESS_CLASS_SOURCE,
    SECTIONS,
    THIN_EVIDENCE,
    Context,
    band_text,
    caveat,
    count_text,
    inside_text,
    is_llm,
    missing_specs,
    precision_pairs,
    range_verdict,
    submitters,
    subset,
    summarize,
    thin,
)
from gpuplan.claims.registry import CLAIMS, Claim, check_all, counts, section
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
    process_class_nm,
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

__all__ = [
    "Context", "FLASH_ATTENTION", "LLM_PATTERN", "MIN_RESULTS", "NOT_CHECKABLE", "PROCESS_CLASS_NM",
    "PROCESS_CLASS_SOURCE", "SECTIONS", "THIN_EVIDENCE", "band_text", "caveat", "count_text", "inside_text",
    "is_llm", "missing_specs", "precision_pairs", "range_verdict", "submitters", "subset", "summarize", "thin",
    "bandwidth_gain", "benchmark_range", "cluster_days", "days_to_hours", "fp8_doubling", "fp8_finetune",
    "full_finetune_70b", "generative_minimum", "headline_ceiling", "lora_single_gpu", "stable_diffusion_sizes",
    "training_range", "worked_hours", "worked_minutes", "cost_efficiency", "energy_per_tflop", "flash_attention",
    "fp8_by_size", "lower_or_equal", "mlperf_linearity", "no_stable_video", "nvlink_gain", "pcie_gen5",
    "pcie_scaling", "per_goal", "process_class_nm", "process_node", "storage_loading", "utilization_effect",
    "worked_cost", "worksheet_inputs", "CLAIMS", "Claim", "check_all", "counts", "section",
]
