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

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial

import pandas as pd

from gpuplan import breakeven, data, memory, runtime, scaling
from gpuplan.cost import cost_per_job
from gpuplan.errors import InputError

SECTIONS = ("Speed", "Memory and precision", "Interconnect and scaling", "Cost", "Hardware facts stated in passing")
NOT_CHECKABLE = "not checkable with our data"
THIN_EVIDENCE = "not settled (thin evidence)"
#: fewer matched results than this (or all from one submitter) is thin evidence (issue 16: "n < 3 results, or
#: one submitter")
MIN_RESULTS = 3

#: workloads or models that are LLM training (the "LLM training" of claims 2 and 22): MosaicML's MPT runs,
#: MLPerf's GPT-3 and Llama 3.1 pretraining; matched case-insensitively against "workload model"
LLM_PATTERN = re.compile(r"\bllm\b|gpt-?3|llama|\bmpt\b|mixtral", re.IGNORECASE)

#: FlashAttention utilization on the H100 and the A100, from the papers (utilization = achieved attention
#: FLOP/s ÷ the GPU's dense peak at the precision):
#: - FlashAttention-3 (Shah, Bikshandi, Zhang, Thakkar, Ramani, Dao 2024, arXiv 2407.08608 [sources:
#:   arxiv-2407-08608-flashattention3]), abstract and §1: FlashAttention-2 reaches "only 35% utilization on the
#:   H100"; FlashAttention-3, written for Hopper (TMA, warpgroup MMA, FP8), reaches up to 740 TFLOPs/s in FP16,
#:   75% utilization.
#: - FlashAttention-2 (Dao 2023, arXiv 2307.08691 [arxiv-2307-08691-flashattention2]), abstract: 50–73% of the
#:   theoretical maximum FLOP/s on the A100; §4.1: the same kernels run on the H100 without its new instructions
#:   (TMA, 4th-generation Tensor Cores) reach up to 335 TFLOPs/s.
FLASH_ATTENTION = {
    "fa2_h100_utilization": 0.35,
    "fa3_h100_fp16_tflops": 740.0,
    "fa3_h100_fp16_utilization": 0.75,
    "fa2_a100_utilization_low": 0.50,
    "fa2_a100_utilization_high": 0.73,
    "fa2_h100_tflops": 335.0,
    "source_fa3": "arxiv-2407-08608-flashattention3",
    "source_fa2": "arxiv-2307-08691-flashattention2",
}

#: TSMC process names that are not written in nanometres, by the nm class they belong to. NVIDIA's "4N" is TSMC's
#: process customized for NVIDIA, and TSMC's N4 "a 4nm-class node that belongs to TSMC's N5 family"
#: [tomshardware-nvidia-4n]; a "TSMC 4 nm" label names that same N4 (TSMC's 4 nm nodes are all N5 family).
#: 4NP (Blackwell) is left unclassified: no source here places it.
PROCESS_CLASS_NM = {"4N": 5, "N4": 5}
PROCESS_CLASS_SOURCE = "tomshardware-nvidia-4n"


def count_text(n: int, noun: str = "result") -> str:
    """"n = 4 results", "n = 1 result": the evidence count every evidence text states."""
    return f"n = {n} {noun}{'' if n == 1 else 's'}"


@dataclass
class Context:
    """The GPU pair and hourly prices the claims are checked at (the notebook's parameters); benchmark bands and
    spec rows are read once from the data."""

    gpu_a: str = "a100-sxm4-80gb"
    gpu_b: str = "h100-sxm5-80gb"
    price_a: float = 0.0
    price_b: float = 0.0
    source_a: str = "parameter"
    source_b: str = "parameter"
    _bands: dict = field(default_factory=dict, repr=False)

    def band(self, task_type: str | None = None) -> dict:
        """runtime.speedup_band of gpu_b over gpu_a for ``task_type`` (None: all but microbenchmarks)."""
        if task_type not in self._bands:
            self._bands[task_type] = runtime.speedup_band(self.gpu_a, self.gpu_b, task_type=task_type)
        return self._bands[task_type]

    @cached_property
    def spec(self) -> pd.DataFrame:
        return data.query("SELECT * FROM gpus WHERE gpu_id IN (?, ?) ORDER BY gpu_id",
                          [self.gpu_a, self.gpu_b]).set_index("gpu_id")

    @property
    def a(self) -> pd.Series:
        return self.spec.loc[self.gpu_a]

    @property
    def b(self) -> pd.Series:
        return self.spec.loc[self.gpu_b]

    @property
    def breakeven_speedup(self) -> float:
        return float(breakeven.breakeven_speedup(self.price_a, self.price_b))

    @property
    def prices_text(self) -> str:
        return (f"${self.price_a:.2f} vs ${self.price_b:.2f} per GPU-hour [{self.source_a}, {self.source_b}] "
                f"({count_text(2, 'price')})")


# ------------------------------------------------------------------------------ bands and their caveats
def summarize(pairs: pd.DataFrame) -> dict:
    """A speedup band (low, q25, median, q75, high, n, pairs) from a table of matched pairs with a ``speedup``
    column, as runtime.speedup_band returns it (used for the subsets a claim is about)."""
    pairs = pairs.sort_values(["speedup", "benchmark_id_a", "benchmark_id_b"], kind="stable").reset_index(drop=True)
    band = {"low": None, "q25": None, "median": None, "q75": None, "high": None, "n": int(len(pairs)), "pairs": pairs}
    if len(pairs):
        s = pairs["speedup"]
        band.update(low=float(s.min()), q25=float(s.quantile(0.25)), median=float(s.median()),
                    q75=float(s.quantile(0.75)), high=float(s.max()))
    return band


def subset(band: dict, keep) -> dict:
    """The band of the pairs for which ``keep(pairs)`` (a boolean Series) is true."""
    pairs = band["pairs"]
    return summarize(pairs[keep(pairs)] if len(pairs) else pairs)


def is_llm(pairs: pd.DataFrame) -> pd.Series:
    """Pairs whose workload or model is LLM training (:data:`LLM_PATTERN`)."""
    text = pairs["workload"].fillna("").astype(str) + " " + pairs["model"].fillna("").astype(str)
    return text.str.contains(LLM_PATTERN)


def submitters(band: dict) -> list[str]:
    """Every submitter behind a band's pairs (both GPUs' results), sorted."""
    pairs = band.get("pairs")
    if pairs is None or not len(pairs):
        return []
    names = pd.concat([pairs["submitter_a"], pairs["submitter_b"]]).dropna().astype(str)
    return sorted(set(names))


def thin(band: dict) -> bool:
    """Matched results exist but fewer than :data:`MIN_RESULTS`, or all come from one submitter."""
    return 0 < band["n"] and (band["n"] < MIN_RESULTS or len(submitters(band)) <= 1)


def caveat(band: dict) -> str:
    """"thin evidence: n = 1 result" / "thin evidence: one submitter (Lambda)" for a thin band, else ""."""
    if not thin(band):
        return ""
    why = [count_text(band["n"])] if band["n"] < MIN_RESULTS else []
    who = submitters(band)
    if len(who) <= 1:
        why.append(f"one submitter ({who[0]})" if who else "submitter unknown")
    return "thin evidence: " + ", ".join(why)


def band_text(band: dict) -> str:
    """"1.44×–4.65× (median 2.01×, middle half 1.84×–2.16×; n = 30 results from 9 submitters)", with
    " — thin evidence" beside it when the band is thin (its count and submitters say why)."""
    if not band["n"]:
        return f"no matched results ({count_text(0)})"
    who = submitters(band)
    source = f"from {len(who)} submitters" if len(who) > 1 else f"from one submitter ({who[0]})" if who else ""
    if band["n"] == 1:
        text = f"{band['median']:.2f}× ({count_text(1)} {source})"
    else:
        text = (f"{band['low']:.2f}×–{band['high']:.2f}× (median {band['median']:.2f}×, middle half "
                f"{band['q25']:.2f}×–{band['q75']:.2f}×; {count_text(band['n'])} {source})")
    return text + (" — thin evidence" if thin(band) else "")


def inside_text(band: dict, low: float, high: float) -> str:
    """"16 of 30 inside 2–4×"."""
    if not band["n"]:
        return ""
    s = band["pairs"]["speedup"]
    return f"{int(((s >= low) & (s <= high)).sum())} of {band['n']} inside {low:g}–{high:g}×"


def range_verdict(band: dict, low: float, high: float) -> str:
    """A claimed range [low, high] against an observed band: not checkable without matched results; thin
    evidence (:func:`thin`) settles nothing; supported when the median and the middle half (q25–q75) lie in
    the range; not supported when no result reaches the range; otherwise depends on the workload."""
    if not band["n"]:
        return NOT_CHECKABLE
    if thin(band):
        return THIN_EVIDENCE
    if low <= band["q25"] and band["q75"] <= high and low <= band["median"] <= high:
        return "supported"
    return "depends on the workload" if band["low"] <= high and band["high"] >= low else "not supported"


def _precision_of(pairs: pd.DataFrame, side: str) -> list[str]:
    """The precisions (as the benchmark rows state them) of one side's results in a pairs table, sorted."""
    if not len(pairs):
        return []
    bench = data.benchmarks().set_index("benchmark_id")
    return sorted(set(bench.loc[pairs[f"benchmark_id_{side}"], "precision"].fillna("unstated").astype(str)))


def precision_pairs(ctx: Context, task_type: str, precision_a: str, precision_b: str) -> dict:
    """The band of gpu_b at ``precision_b`` over gpu_a at ``precision_a`` (precision families, e.g. 'fp8' and
    'bf16', runtime.normalize_precision): results that agree on suite, workload, scenario, model, GPU count and
    metric, the best result per GPU (ties to the lowest benchmark id). runtime.speedup_band pairs equal
    precisions only; this is for claims across precisions (FP8 on one GPU against BF16 on the other)."""
    bench = data.benchmarks()
    bench = bench[bench["task_type"] == task_type]
    family = bench["precision"].map(runtime.normalize_precision)
    keys = ["suite", "workload", "scenario", "model", "gpu_count", "metric"]
    bench = bench.assign(**{k: bench[k].fillna("") for k in keys if k != "gpu_count"},
                         score=bench["value"].where(bench["higher_is_better"], -bench["value"]))

    def best(gpu: str, precision: str) -> pd.DataFrame:
        rows = bench[(bench["gpu_id"] == gpu) & (family == precision)]
        return (rows.sort_values(["score", "benchmark_id"], ascending=[False, True], kind="stable")
                .drop_duplicates(keys)[keys + ["value", "higher_is_better", "submitter", "benchmark_id"]])

    pairs = best(ctx.gpu_a, precision_a).merge(best(ctx.gpu_b, precision_b), on=keys, suffixes=("_a", "_b"))
    pairs["speedup"] = (pairs["value_b"] / pairs["value_a"]).where(pairs["higher_is_better_a"],
                                                                   pairs["value_a"] / pairs["value_b"])
    return summarize(pairs)


def missing_specs(ctx: Context, *columns: str) -> tuple[str, str] | None:
    """Not checkable when a gpus-table value a spec check needs is empty for either GPU, else None."""
    gaps = [f"{gpu} {col}" for gpu, row in ((ctx.gpu_a, ctx.a), (ctx.gpu_b, ctx.b)) for col in columns
            if pd.isna(row[col])]
    if gaps:
        return NOT_CHECKABLE, (f"the gpus table has no {', '.join(gaps)} (not found in our sources; "
                               f"{count_text(2 - len({g.split()[0] for g in gaps}), 'complete row')})")
    return None


def _count(sql: str, params: list) -> int:
    return int(data.query(sql, params).iloc[0, 0])


# ------------------------------------------------------------------------------ evidence kinds
def benchmark_range(ctx: Context, task_type: str | None, low: float, high: float, note: str = "") -> tuple[str, str]:
    """A claimed speedup range [low, high] against the observed band for ``task_type`` (:func:`range_verdict`)."""
    band = ctx.band(task_type)
    inside = inside_text(band, low, high)
    evidence = f"{task_type or 'all'} benchmarks: {band_text(band)}" + (f"; {inside}" if inside else "")
    return range_verdict(band, low, high), evidence + (f"; {note.format(ctx=ctx)}" if note else "")


def training_range(ctx: Context) -> tuple[str, str]:
    """Claim 2: training 2–4× against the training band, and the "2–3× for LLM training" part against the LLM
    training results only (:data:`LLM_PATTERN`). The verdict is the 2–4× part's, unless the LLM part is not
    supported where that one is."""
    every = ctx.band("training")
    llm = subset(every, is_llm)
    verdict, llm_verdict = range_verdict(every, 2.0, 4.0), range_verdict(llm, 2.0, 3.0)
    if verdict == "supported" and llm_verdict == "not supported":
        verdict = "depends on the workload"
    inside, llm_inside = inside_text(every, 2.0, 4.0), inside_text(llm, 2.0, 3.0)
    return verdict, (f"training benchmarks: {band_text(every)}" + (f"; {inside}" if inside else "")
                     + f"; LLM training (the 2–3× part): {band_text(llm)}" + (f"; {llm_inside}" if llm_inside else ""))


def headline_ceiling(ctx: Context) -> tuple[str, str]:
    """Claim 3: "up to 30× faster inference" against the largest like-for-like inference speedup in the data."""
    inference = ctx.band("inference")
    if not inference["n"]:
        return NOT_CHECKABLE, f"no like-for-like inference result for both GPUs ({count_text(0)})"
    verdict = THIN_EVIDENCE if thin(inference) else "supported" if inference["high"] < 30 else "not supported"
    return verdict, (f"largest like-for-like inference speedup in our data is {inference['high']:.1f}× "
                     f"(inference band {band_text(inference)})")


def worked_minutes(ctx: Context) -> tuple[str, str]:
    """Claim 4: the article's worked times imply speedups; are they inside the inference band?"""
    low, high = min(20 / 13, 6 / 4), max(20 / 10, 6 / 3)
    inference = ctx.band("inference")
    verdict = range_verdict(inference, low, high)
    verdict = "depends on the workload" if verdict == "supported" else verdict
    return verdict, (f"implied speedups {20 / 13:.2f}×–{20 / 10:.1f}× and {6 / 4:.1f}×–{6 / 3:.1f}×, against the "
                     f"inference band {band_text(inference)}; no video-generation benchmark in our data")


def worked_hours(ctx: Context) -> tuple[str, str]:
    """Claim 5: 40 h ÷ 2 and 40 h ÷ 3 (runtime.hours_at_speedup)."""
    at2, at3 = runtime.hours_at_speedup(40, 2), runtime.hours_at_speedup(40, 3)
    verdict = "supported" if round(at2) == 20 and round(at3) == 13 else "not supported"
    return verdict, (f"arithmetic on the article's numbers ({count_text(0, 'data row')}): 40 / 2 = {at2:.0f} h, "
                     f"40 / 3 = {at3:.1f} h")


def fp8_finetune(ctx: Context) -> tuple[str, str]:
    """Claim 6: FP8 fine-tuning on gpu_b against BF16 on gpu_a, 2–4×: only results in those precisions count
    (:func:`precision_pairs`); the fine-tuning results at other precisions are not evidence for FP8. The dense
    peak FP8 ÷ BF16 ratio is a ceiling, quoted for reference."""
    fp8 = precision_pairs(ctx, "finetune", "bf16", "fp8")
    peak = ctx.b["fp8_tflops_dense"] / ctx.a["bf16_tflops_dense"]
    peak_text = (f"dense peak FP8 ({ctx.gpu_b}) ÷ BF16 ({ctx.gpu_a}) = {peak:.1f}× is a ceiling, not a speedup"
                 if pd.notna(peak) else f"{ctx.gpu_b} has no FP8 peak in the gpus table")
    if fp8["n"]:
        return range_verdict(fp8, 2.0, 4.0), (f"FP8 fine-tuning on {ctx.gpu_b} ÷ BF16 on {ctx.gpu_a}: "
                                              f"{band_text(fp8)}; {inside_text(fp8, 2.0, 4.0)}; {peak_text}; "
                                              "24 h → 8 h is 3×")
    own = data.query("SELECT task_type, count(*) AS n FROM benchmarks WHERE gpu_id = ? AND precision ILIKE 'fp8%' "
                     "GROUP BY task_type ORDER BY task_type", [ctx.gpu_b])
    own_text = ", ".join(f"{n} {t}" for t, n in own.itertuples(index=False)) or "none"
    finetune = ctx.band("finetune")
    precisions = ", ".join(_precision_of(finetune["pairs"], "b")) or "none"
    return NOT_CHECKABLE, (f"no FP8 fine-tuning result on {ctx.gpu_b} with a BF16 one on {ctx.gpu_a} for the same "
                           f"workload ({count_text(0)}); FP8 results on {ctx.gpu_b} in our data: {own_text}; the "
                           f"fine-tuning results we have are not FP8 (precisions: {precisions}) and are no evidence "
                           f"for this claim: {band_text(finetune)}; {peak_text}")


def lora_single_gpu(ctx: Context) -> tuple[str, str]:
    """Claim 7: single-GPU LoRA throughput on both GPUs; the closest evidence is the whole fine-tuning band."""
    sql = ("SELECT count(*) FROM benchmarks WHERE task_type = 'finetune' AND gpu_count = 1 AND gpu_id = ? "
           "AND (workload ILIKE '%lora%' OR model ILIKE '%lora%')")
    n = min(_count(sql, [ctx.gpu_a]), _count(sql, [ctx.gpu_b]))
    return NOT_CHECKABLE, (f"no single-GPU LoRA throughput for both GPUs ({count_text(n)} on the GPU with fewer); "
                           f"the closest, all fine-tuning results: {band_text(ctx.band('finetune'))}")


def full_finetune_70b(ctx: Context) -> tuple[str, str]:
    """Claim 8: a 70B full fine-tune on both GPUs; what the MLPerf Llama 2 70B LoRA rows offer instead."""
    sql = ("SELECT count(*) FROM benchmarks WHERE task_type = 'finetune' AND gpu_id = ? AND model ILIKE '%70B%' "
           "AND model NOT ILIKE '%lora%'")
    n = min(_count(sql, [ctx.gpu_a]), _count(sql, [ctx.gpu_b]))
    counts_a = data.query("SELECT DISTINCT gpu_count FROM benchmarks WHERE workload = 'llama2_70b_lora' AND gpu_id = ? "
                          "ORDER BY gpu_count", [ctx.gpu_a])["gpu_count"].tolist()
    lora = (f"MLPerf's Llama 2 70B LoRA has {ctx.gpu_a} results at {', '.join(map(str, counts_a))} GPUs only"
            if counts_a else f"MLPerf's Llama 2 70B LoRA has no {ctx.gpu_a} result")
    return NOT_CHECKABLE, f"no 70B full fine-tune benchmark on both GPUs ({count_text(n)}); {lora}"


def cluster_days(ctx: Context) -> tuple[str, str]:
    """Claim 9: a 7B model on 1B tokens (6·P·D FLOPs) on 8 GPUs at the fitted MFU (runtime.runtime_estimate)."""
    est_a = runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id=ctx.gpu_a, gpus=8)
    est_b = runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id=ctx.gpu_b, gpus=8)
    fits = []
    for gpu in (ctx.gpu_a, ctx.gpu_b):
        try:
            fit = runtime.default_mfu(gpu, "bf16")
            fits.append(f"{count_text(int(fit['n_points']))} for {gpu} ({fit['basis']})")
        except InputError:
            fits.append(f"{count_text(0)} for {gpu}")
    return "depends on the model size and cluster", (
        f"runtime model, 7B model, 1B tokens (6·P·D FLOPs) on 8 GPUs at fitted MFU: {est_a.hours:.1f} h on "
        f"{ctx.gpu_a}, {est_b.hours:.1f} h on {ctx.gpu_b} — days only for much larger models or fewer GPUs; MFU "
        f"fitted on {'; '.join(fits)}")


def days_to_hours(ctx: Context) -> tuple[str, str]:
    """Claim 10: 2 days → under 6 h needs ≥ 8× (48 / 6); does any like-for-like training or fine-tuning
    speedup (the experiments the claim is about) reach it?"""
    both = summarize(pd.concat([ctx.band("training")["pairs"], ctx.band("finetune")["pairs"]], ignore_index=True))
    if not both["n"]:
        return NOT_CHECKABLE, f"no like-for-like training or fine-tuning result for both GPUs ({count_text(0)})"
    verdict = (THIN_EVIDENCE if thin(both) else "not supported" if both["high"] < 48 / 6 else "depends on the workload")
    return verdict, (f"2 days → under 6 h needs ≥{48 / 6:.0f}×; like-for-like training and fine-tuning speedups: "
                     f"{band_text(both)}")


def bandwidth_gain(ctx: Context) -> tuple[str, str]:
    """Claim 11: memory bandwidth ratio from the gpus table against the article's "67%"."""
    if gap := missing_specs(ctx, "memory_bandwidth_gbps"):
        return gap
    a, b = ctx.a, ctx.b
    gain = b["memory_bandwidth_gbps"] / a["memory_bandwidth_gbps"] - 1
    verdict = "supported (rounding)" if abs(3350 / 2000 - 1 - 0.67) < 0.01 and 0.6 <= gain <= 0.75 else "not supported"
    return verdict, (f"gpus table ({count_text(2, 'row')}): {a['memory_bandwidth_gbps']:,.0f} vs "
                     f"{b['memory_bandwidth_gbps']:,.0f} GB/s = +{gain:.0%} (+{3350 / 2000 - 1:.1%} with the rounded "
                     f"2.0 TB/s) [{a['source_id']}, {b['source_id']}]")


def fp8_doubling(ctx: Context) -> tuple[str, str]:
    """Claim 12: bytes per value (memory.PAYLOAD_BYTES) and FP8 ÷ BF16, at peak and measured (MAMF benchmarks;
    one result per precision from one submitter, so the measured ratio carries the thin-evidence caveat)."""
    b = ctx.b
    mamf = data.query("SELECT precision, value, submitter, source_id FROM benchmarks WHERE gpu_id = ? "
                      "AND workload ILIKE '%MAMF%' ORDER BY benchmark_id", [ctx.gpu_b])
    family = mamf["precision"].map(runtime.normalize_precision)
    fp8, bf16 = mamf[family == "fp8"], mamf[family == "bf16"]
    if len(fp8) and len(bf16):
        who = sorted(set(pd.concat([fp8["submitter"], bf16["submitter"]]).dropna()))
        n = min(len(fp8), len(bf16))
        note = caveat({"n": n, "pairs": pd.DataFrame({"submitter_a": who, "submitter_b": who})})
        measured = (f"measured matmul (MAMF) {fp8['value'].max():,.1f} ÷ {bf16['value'].max():,.1f} TFLOPS = "
                    f"{fp8['value'].max() / bf16['value'].max():.2f}× ({count_text(n)} per precision"
                    f"{' — ' + note if note else ''}) [{', '.join(sorted(set(fp8['source_id'])))}]")
    else:
        measured = f"no MAMF result for both precisions ({count_text(0)})"
    halves = memory.PAYLOAD_BYTES["fp8"] / memory.PAYLOAD_BYTES["fp16"]
    return "depends on the workload", (
        f"{memory.PAYLOAD_BYTES['fp8']:g} vs {memory.PAYLOAD_BYTES['fp16']:g} bytes per value (stas00 inference "
        f"README): memory × {halves:g}; dense peak FP8 ÷ BF16 on {ctx.gpu_b} = "
        f"{b['fp8_tflops_dense'] / b['bf16_tflops_dense']:.2f}×, {measured}")


def generative_minimum(ctx: Context) -> tuple[str, str]:
    """Claim 13: the memory model for FLUX.1-dev (one 1024×1024 image) against 12 GB and 16 GB."""
    flux = {p: memory.memory_estimate("flux.1-dev", precision=p, height=1024, width=1024).per_gpu_bytes
            for p in ("bf16", "fp8")}
    lora = memory.memory_estimate("flux.1-dev", mode="lora", checkpointing=True, height=1024, width=1024).per_gpu_bytes
    verdict = "supported" if min(flux.values()) >= 12 * memory.GB and lora >= 16 * memory.GB else "depends on the model"
    gib = memory.bytes_to_gib
    source = data.model("flux.1-dev")["source_id"]
    return verdict, (f"memory model ({count_text(1, 'models row')} [{source}]), FLUX.1-dev (12B) one 1024×1024 image: "
                     f"{gib(flux['bf16']):.1f} GiB in bf16, {gib(flux['fp8']):.1f} GiB with fp8 weights; LoRA training "
                     f"{gib(lora):.1f} GiB (denoiser only; 12 GB = {gib(12 * memory.GB):.1f} GiB)")


def stable_diffusion_sizes(ctx: Context, models: tuple[str, str] = ("sd-1.5", "sdxl")) -> tuple[str, str]:
    """Claim 14: SD 1.5 in 4 GB, SDXL in 8–12 GB, training comfortable at 24 GB+, with the models table's UNet
    parameter counts and gpuplan.memory's own accounting: inference = fp16 weights (memory.model_weight_bytes) +
    the CUDA context (memory.CUDA_CONTEXT_BYTES); full training = bf16 AdamW states
    (memory.model_state_bytes, 18 bytes/param) + the CUDA context. Text encoders, VAE and activations are not
    counted (the table has no layer shapes or activation sizes for UNets), so every figure is a lower bound.

    Inference lower bounds above 4 / 12 GB → not supported. A full-training lower bound above 24 GB for one
    model and not the other → depends on the model (24 GB is then too little for that model's full training,
    whatever LoRA would need — its adapter size needs layer shapes we do not have). A model without a
    parameter count → not checkable."""
    sizes = {}
    for name in models:
        try:
            sizes[name] = memory.Architecture.from_model(name)
        except InputError:
            return NOT_CHECKABLE, f"the models table has no {name} (not found in our sources; {count_text(0, 'models row')})"
        if not sizes[name].params_total:
            return NOT_CHECKABLE, f"the models table has no parameter count for {name} ({count_text(0, 'models row')})"
    context = memory.CUDA_CONTEXT_BYTES
    infer = {n: memory.model_weight_bytes(arch, "fp16") + context for n, arch in sizes.items()}
    train = {n: sum(memory.model_state_bytes(arch.params_total, precision="bf16", optimizer="adamw",
                                             adam_bytes=18).values()) + context for n, arch in sizes.items()}
    sd15, sdxl = models
    fits = infer[sd15] <= 4 * memory.GB and infer[sdxl] <= 12 * memory.GB
    over = [n for n in models if train[n] > 24 * memory.GB]
    verdict = ("not supported" if not fits else "supported (lower bound: UNet only)" if not over
               else "depends on the model" if len(over) < len(models) else "not supported")
    gb = memory.bytes_to_gb
    sources = sorted({data.model(n)["source_id"] for n in models})
    return verdict, (f"memory model with the UNet parameter counts ({count_text(len(models), 'models row')} "
                     f"[{', '.join(sources)}]: {sizes[sd15].params_total / 1e6:,.0f}M, "
                     f"{sizes[sdxl].params_total / 1e9:.1f}B): inference, fp16 weights + CUDA context "
                     f"{gb(infer[sd15]):.1f} GB (SD 1.5) and {gb(infer[sdxl]):.1f} GB (SDXL); full training, AdamW "
                     f"states {gb(train[sd15] - context):.1f} GB and {gb(train[sdxl] - context):.1f} GB, "
                     f"{gb(train[sd15]):.1f} GB and {gb(train[sdxl]):.1f} GB with the CUDA context"
                     + (f" — above 24 GB for {', '.join(over)}" if over else "")
                     + "; text encoders, VAE and activations not counted (lower bounds)")


def nvlink_gain(ctx: Context) -> tuple[str, str]:
    """Claim 17: NVLink bandwidth ratio (gpus table) and PCIe per-direction rates (scaling.pcie_gbps)."""
    if gap := missing_specs(ctx, "nvlink_gbps", "pcie_gen"):
        return gap
    a, b = ctx.a, ctx.b
    ratio = b["nvlink_gbps"] / a["nvlink_gbps"]
    return ("supported" if abs(ratio - 1.5) < 1e-9 else "not supported",
            f"gpus table ({count_text(2, 'row')}): {b['nvlink_gbps']:.0f} vs {a['nvlink_gbps']:.0f} GB/s = "
            f"{ratio:.2f}×; PCIe x16 per direction Gen{b['pcie_gen']} {scaling.pcie_gbps(int(b['pcie_gen'])):.1f} vs "
            f"Gen{a['pcie_gen']} {scaling.pcie_gbps(int(a['pcie_gen'])):.1f} GB/s [{a['source_id']}, {b['source_id']}]")


def pcie_scaling(ctx: Context) -> tuple[str, str]:
    """Claim 18: the scaling model, 7B data parallel with no overlap, H100 PCIe against gpu_b at 8 and 64 GPUs."""
    curve = {g: scaling.scaling_curve(7e9, g, [8, 64], tokens=1e11, overlap=0).set_index("n")["efficiency"]
             for g in ("h100-pcie-80gb", ctx.gpu_b)}
    pcie, nvl = curve["h100-pcie-80gb"], curve[ctx.gpu_b]
    return "depends on the parallelism", (
        f"scaling model ({count_text(0, 'measured result')}), 7B data parallel, no compute/communication overlap: "
        f"H100 PCIe {pcie[8]:.0%} at 8 and {pcie[64]:.0%} at 64 GPUs vs {nvl[8]:.0%} and {nvl[64]:.0%} for "
        f"{ctx.gpu_b} (between nodes both run at the network's speed); tensor-parallel traffic, which the claim is "
        "about, is not modelled")


def mlperf_linearity(ctx: Context) -> tuple[str, str]:
    """Claim 20: share of linear scaling kept by gpu_b's MLPerf Training LLM results at several scales
    (scaling.compare_mlperf: (n_ref / n) ÷ observed time ratio) — the claim is about H100 interconnects, so only
    gpu_b's results count."""
    mlperf = scaling.compare_mlperf()
    mlperf = mlperf[mlperf["gpu_id"] == ctx.gpu_b]
    if mlperf.empty:
        return NOT_CHECKABLE, f"no MLPerf Training LLM results of {ctx.gpu_b} at several scales ({count_text(0, 'pair')})"
    kept = (mlperf["n_ref"] / mlperf["n"]) / mlperf["observed_ratio"]
    verdict = THIN_EVIDENCE if len(mlperf) < MIN_RESULTS else "depends on the scale"
    return verdict, (
        f"{ctx.gpu_b}'s MLPerf Training LLM results at several scales keep {kept.min():.0%}–{kept.max():.0%} of "
        f"linear scaling (median {kept.median():.0%}, {count_text(len(mlperf), 'pair')} of scales, up to "
        f"{mlperf['n'].max():,} GPUs)" + (" — thin evidence" if len(mlperf) < MIN_RESULTS else ""))


def worked_cost(ctx: Context) -> tuple[str, str]:
    """Claim 21: the article's example through cost.cost_per_job (8 h × $1.50 vs 3 h × $3.50)."""
    ex_a = float(cost_per_job(runtime_hours=8, usd_per_gpu_hour=1.50).cost_per_job_usd)
    ex_b = float(cost_per_job(runtime_hours=3, usd_per_gpu_hour=3.50).cost_per_job_usd)
    return ("supported" if ex_b < ex_a else "not supported",
            f"the article's numbers ({count_text(0, 'data row')}): cost per job ${ex_a:.2f} vs ${ex_b:.2f}: the "
            f"{8 / 3:.2f}× speedup beats the {3.5 / 1.5:.2f}× price ratio")


def cost_efficiency(ctx: Context) -> tuple[str, str]:
    """Claim 22: jobs per dollar for mixed-precision LLM training, gpu_b ÷ gpu_a = median LLM training speedup
    (bf16/fp16 results of LLM workloads only, :data:`LLM_PATTERN`) ÷ price ratio, against ≈3× (2.5–3.5)."""
    training = ctx.band("training")
    bench = data.benchmarks().set_index("benchmark_id")["precision"].map(runtime.normalize_precision)

    def mixed(pairs: pd.DataFrame) -> pd.Series:
        return is_llm(pairs) & pairs["benchmark_id_b"].map(bench).isin(["bf16", "fp16"]).to_numpy()

    llm = subset(training, mixed)
    ratio = ctx.price_b / ctx.price_a
    if not llm["n"]:
        return NOT_CHECKABLE, (f"no mixed-precision LLM training result for both GPUs ({count_text(0)}); all training "
                               f"results: {band_text(training)}")
    efficiency = llm["median"] / ratio
    verdict = THIN_EVIDENCE if thin(llm) else "supported" if 2.5 <= efficiency <= 3.5 else "not supported"
    return verdict, (f"jobs per dollar, {ctx.gpu_b} ÷ {ctx.gpu_a} = median mixed-precision LLM training speedup ÷ "
                     f"price ratio = {llm['median']:.2f}× ÷ {ratio:.2f} = {efficiency:.2f}× at {ctx.prices_text}; "
                     f"LLM training band {band_text(llm)}")


def lower_or_equal(ctx: Context) -> tuple[str, str]:
    """Claim 23: the break-even speedup at the chosen prices against 2–3×."""
    s_star = ctx.breakeven_speedup
    verdict = "supported" if s_star <= 2 else "depends on the speedup" if s_star <= 3 else "not supported"
    return verdict, f"break-even speedup {s_star:.2f}× at {ctx.prices_text}"


def utilization_effect(ctx: Context) -> tuple[str, str]:
    """Claim 24: no utilization data; what 40 % utilization does to the cost per job (cost.cost_per_job)."""
    factor = float(cost_per_job(runtime_hours=1, usd_per_gpu_hour=1, utilization=0.4).cost_per_job_usd)
    n = _count("SELECT count(*) FROM benchmarks WHERE metric ILIKE '%utili%' AND task_type <> 'microbenchmark' "
               "AND gpu_id IN (?, ?)", [ctx.gpu_a, ctx.gpu_b])
    return NOT_CHECKABLE, (f"no utilization measurement of real jobs in our data ({count_text(n)}); its effect: at 40% "
                           f"utilization a job costs {factor:.1f}× its full-utilization cost")


def per_goal(ctx: Context) -> tuple[str, str]:
    """Claim 25: median training speedup against the break-even speedup at the chosen prices."""
    training, s_star = ctx.band("training"), ctx.breakeven_speedup
    if not training["n"]:
        return NOT_CHECKABLE, f"no like-for-like training result for both GPUs ({count_text(0)})"
    verdict = THIN_EVIDENCE if thin(training) else "supported" if training["median"] > s_star else "depends on the prices"
    below = int((training["pairs"]["speedup"] < s_star).sum())
    return verdict, (f"median training speedup {training['median']:.2f}× against a break-even of {s_star:.2f}× at "
                     f"{ctx.prices_text}; {below} of {training['n']} results are below it; training band "
                     f"{band_text(training)}")


def worksheet_inputs(ctx: Context) -> tuple[str, str]:
    """Claim 26: the worksheet's inputs are cost.cost_per_job's keyword arguments."""

    wanted = ("runtime_hours", "usd_per_gpu_hour", "utilization", "reruns_per_100", "queue_hours", "value_per_hour_usd")
    present = [w for w in wanted if w in inspect.signature(cost_per_job).parameters]
    return ("supported" if len(present) == len(wanted) else "not supported",
            f"a signature check ({count_text(0, 'data row')}): gpuplan.cost.cost_per_job takes these inputs "
            f"({', '.join(present)}) and reproduces claim 21")


def process_class_nm(value: str) -> int | None:
    """The nm class of a process-node text: "TSMC 7 nm" → 7; NVIDIA/TSMC names by :data:`PROCESS_CLASS_NM`
    ("TSMC 4N" → 5); "TSMC 4 nm" (= N4) → 5; None when the text names an unclassified process (e.g. 4NP) or
    several classes ("5 nm (XCD) + 6 nm (IOD)")."""
    text = str(value)
    classes = set()
    for token in re.findall(r"\b(?:\d+N\w*|N\d\w*)\b", text):
        if token not in PROCESS_CLASS_NM:
            return None
        classes.add(PROCESS_CLASS_NM[token])
    for nm in re.findall(r"\b(\d+)\s*nm\b", text):
        classes.add(5 if int(nm) == 4 and "TSMC" in text.upper() else int(nm))
    return classes.pop() if len(classes) == 1 else None


def process_node(ctx: Context, claimed_nm: int = 5) -> tuple[str, str]:
    """Claim 27: every source's process node for gpu_b (spec_values; the gpus table when none), each read as its
    nm class (:func:`process_class_nm`) and compared with the claimed 5 nm: all sources in that class →
    supported; none → not supported; a mix, or a node we cannot place → depends on the source."""
    nodes = data.query("SELECT value, source_id FROM spec_values WHERE gpu_id = ? AND field LIKE 'process%' "
                       "ORDER BY source_id, field, value", [ctx.gpu_b])
    if nodes.empty and pd.notna(ctx.b["process_node"]):
        nodes = pd.DataFrame({"value": [ctx.b["process_node"]], "source_id": [ctx.b["source_id"]]})
    if nodes.empty:
        return NOT_CHECKABLE, f"no process node for {ctx.gpu_b} in our sources ({count_text(0, 'source value')})"
    classes = [process_class_nm(v) for v in nodes["value"]]
    if all(c == claimed_nm for c in classes):
        verdict = "supported"
    elif all(c is not None and c != claimed_nm for c in classes):
        verdict = "not supported"
    else:
        verdict = "depends on the source"
    named = any(re.search(r"\b(?:4N|N4)\b", str(v)) for v in nodes["value"])
    parts = [f"{v} [{s}] = " + (f"{c} nm class" if c is not None else "not classified")
             for (v, s), c in zip(nodes.itertuples(index=False), classes, strict=True)]
    return verdict, (f"{count_text(len(nodes), 'source value')}: " + "; ".join(parts)
                     + (f" (4N is TSMC's process customized for NVIDIA, N4 belongs to TSMC's N5 family "
                        f"[{PROCESS_CLASS_SOURCE}])" if named else ""))


def pcie_gen5(ctx: Context) -> tuple[str, str]:
    """Claim 28: gpu_b's PCIe generation in the gpus table."""
    b = ctx.b
    if pd.isna(b["pcie_gen"]):
        return NOT_CHECKABLE, f"the gpus table has no PCIe generation for {ctx.gpu_b} ({count_text(0, 'row')})"
    return ("supported (the PCIe part)" if b["pcie_gen"] == 5 else "not supported",
            f"gpus table ({count_text(1, 'row')}): PCIe Gen{b['pcie_gen']} [{b['source_id']}]; software "
            "requirements are not in our data")


def flash_attention(ctx: Context) -> tuple[str, str]:
    """Claim 29: is FlashAttention-2 "highly optimized for the H100"? Against the papers' own utilizations
    (:data:`FLASH_ATTENTION`): on the H100 it reaches 35% of peak, below its 50–73% on the A100 and half of
    FlashAttention-3's 75% — its author ran it on the H100 without Hopper's new instructions, which is what
    FlashAttention-3 was written to use. Not supported. This is the kernel authors' statement about the kernel's
    design, with their measurements, not a sample of speedups, so the thin-evidence rule for benchmark results
    does not apply. The check is about the Hopper architecture (the papers' H100 SXM5); a gpu_b of another
    architecture is not checkable."""
    fa = FLASH_ATTENTION
    if "hopper" not in str(ctx.b["architecture"]).lower():
        return NOT_CHECKABLE, (f"the FlashAttention papers measure the H100 (Hopper) and the A100, not "
                               f"{ctx.gpu_b} ({ctx.b['architecture']}; {count_text(0, 'paper')})")
    verdict = ("not supported" if fa["fa2_h100_utilization"] < fa["fa2_a100_utilization_low"]
               and fa["fa2_h100_utilization"] < fa["fa3_h100_fp16_utilization"] else "supported")
    return verdict, (f"{count_text(2, 'paper')}: FlashAttention-2 reaches {fa['fa2_h100_utilization']:.0%} of the "
                     f"H100's peak [{fa['source_fa3']}, abstract and §1], against "
                     f"{fa['fa2_a100_utilization_low']:.0%}–{fa['fa2_a100_utilization_high']:.0%} on the A100 "
                     f"[{fa['source_fa2']}, abstract]; run on the H100 without TMA or 4th-generation Tensor Core "
                     f"instructions it peaks at {fa['fa2_h100_tflops']:.0f} TFLOPS [{fa['source_fa2']}, §4.1]; "
                     f"FlashAttention-3, written for Hopper, reaches {fa['fa3_h100_fp16_tflops']:.0f} TFLOPS FP16 "
                     f"({fa['fa3_h100_fp16_utilization']:.0%}) [{fa['source_fa3']}, abstract]")


def energy_per_tflop(ctx: Context) -> tuple[str, str]:
    """Claim 30: dense BF16 TFLOPS per TDP watt from the gpus table (peak, not measured energy)."""
    if gap := missing_specs(ctx, "bf16_tflops_dense", "tdp_w"):
        return gap
    a, b = ctx.a, ctx.b
    per_watt_a, per_watt_b = a["bf16_tflops_dense"] / a["tdp_w"], b["bf16_tflops_dense"] / b["tdp_w"]
    return ("supported (at peak)" if per_watt_b > per_watt_a else "not supported",
            f"gpus table ({count_text(2, 'row')}): dense BF16 TFLOPS per TDP watt: {per_watt_a:.2f} ({ctx.gpu_a}, "
            f"{a['tdp_w']:.0f} W) vs {per_watt_b:.2f} ({ctx.gpu_b}, {b['tdp_w']:.0f} W); measured energy per job is "
            "not in our data")


def no_stable_video(ctx: Context) -> tuple[str, str]:
    """Claim 15: a Stable Video Diffusion model in the models table?"""
    n = _count("SELECT count(*) FROM models WHERE name ILIKE '%stable video%' OR model_id ILIKE 'svd%'", [])
    return NOT_CHECKABLE, (f"no Stable Video Diffusion model in our models table ({count_text(n, 'models row')}); the "
                           "14B Wan2.1 video model needs well above 10 GB (see the memory notebook)")


def fp8_by_size(ctx: Context) -> tuple[str, str]:
    """Claim 16: FP8 against BF16 on gpu_b for the same workload and model, at several model sizes?"""
    sql = ("SELECT count(*) FROM benchmarks f JOIN benchmarks h ON f.gpu_id = h.gpu_id AND f.workload = h.workload "
           "AND f.model = h.model AND f.gpu_count = h.gpu_count WHERE f.gpu_id = ? AND f.precision ILIKE 'fp8%' "
           "AND h.precision ILIKE 'bf16%' AND f.task_type <> 'microbenchmark'")
    n = _count(sql, [ctx.gpu_b])
    return NOT_CHECKABLE, (f"no benchmark in our data measures the FP8 gain by model size ({count_text(n)} of FP8 and "
                           f"BF16 on {ctx.gpu_b} for the same model)")


def storage_loading(ctx: Context) -> tuple[str, str]:
    """Claim 19: storage throughput per GPU count?"""
    n = _count("SELECT count(*) FROM benchmarks WHERE unit ILIKE '%GiB/s%' OR workload ILIKE '%storage%' "
               "OR workload ILIKE '%data load%'", [])
    return NOT_CHECKABLE, (f"no storage-throughput measurement in our data ({count_text(n)}); the four-GPU A100 figure "
                           "is below its one-GPU figure, which points at the storage setup rather than the GPU")


# ------------------------------------------------------------------------------------- the claims
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
