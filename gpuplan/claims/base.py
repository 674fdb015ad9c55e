"""The claims check's vocabulary and shared machinery: verdict words, the checking context (the GPU pair and
prices), speedup bands and their caveats, and the evidence-count texts every check states."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from gpuplan import breakeven, data, runtime

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
