"""Evidence checks for the Interconnect and scaling, Cost and Hardware-facts claims (claims 17–30): spec ratios,
the scaling model and MLPerf, the cost model, cited published numbers."""

from __future__ import annotations

import inspect
import re

import pandas as pd

from gpuplan import data, runtime, scaling, scaling_mlperf
from gpuplan.claims.base import (
    FLASH_ATTENTION,
    MIN_RESULTS,
    NOT_CHECKABLE,
    PROCESS_CLASS_NM,
    PROCESS_CLASS_SOURCE,
    THIN_EVIDENCE,
    Context,
    _count,
    band_text,
    count_text,
    is_llm,
    missing_specs,
    subset,
    thin,
)
from gpuplan.cost import cost_per_job


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
    (scaling_mlperf.compare_mlperf: (n_ref / n) ÷ observed time ratio) — the claim is about H100 interconnects, so only
    gpu_b's results count."""
    mlperf = scaling_mlperf.compare_mlperf()
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
