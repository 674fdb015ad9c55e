"""Evidence checks for the Speed and Memory and precision claims (claims 1–16): benchmark bands against claimed
ranges, precision pairs, arithmetic on the articles' own numbers and the memory model."""

from __future__ import annotations

import pandas as pd

from gpuplan import data, memory, runtime
from gpuplan.claims.base import (
    NOT_CHECKABLE,
    THIN_EVIDENCE,
    Context,
    _count,
    _precision_of,
    band_text,
    caveat,
    count_text,
    inside_text,
    is_llm,
    missing_specs,
    precision_pairs,
    range_verdict,
    subset,
    summarize,
    thin,
)
from gpuplan.errors import InputError


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
