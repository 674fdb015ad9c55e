"""The claims check: thirty claims from four A100-vs-H100 articles, each given a verdict from our data and models.

The claims are ``../shared/seed-claims.md``'s list, held here as data (:data:`CLAIMS`: number, article, section,
a brief attributed paraphrase or short quote, the kind of evidence and its check). Articles, by letter:

- W: "When H100 becomes the right choice", 1Legion, 2025-12-03.
- V: "H100 vs A100 for AI Video Generation: Performance Comparison", HappyHorse, 2026-04.
- D: "A100 vs H100: Which GPU Makes More Sense for AI Workloads?", undated.
- F: "H100 80GB vs A100 80GB: Fine-Tuning Performance and TCC Analysis", Lyceum Technologies, 2026-02-23.

Verdicts: ``supported`` (possibly qualified, e.g. "supported (at peak)"), ``depends on …`` (true for some
workloads, prices or settings and not others), ``not supported``, ``not checkable with our data``.

One function per kind of evidence computes the verdict and a one-line evidence text with source ids:
:func:`benchmark_range` (observed speedup band against a claimed range), :func:`not_checkable` (no data,
with the closest evidence we have), and the specific checks against the gpus table (spec ratios), the
memory model (gpuplan.memory), the scaling model and MLPerf (gpuplan.scaling), the cost model
(gpuplan.cost / gpuplan.breakeven) and plain arithmetic on the article's own numbers.
:func:`check_all` returns the verdict table; :func:`counts` its summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Callable

import pandas as pd

from gpuplan import breakeven, data, memory, runtime, scaling
from gpuplan.cost import cost_per_job
from gpuplan.errors import InputError

SECTIONS = ("Speed", "Memory and precision", "Interconnect and scaling", "Cost", "Hardware facts stated in passing")
NOT_CHECKABLE = "not checkable with our data"


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
        return data.query("SELECT * FROM gpus WHERE gpu_id IN (?, ?) ORDER BY gpu_id", [self.gpu_a, self.gpu_b]).set_index("gpu_id")

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
        return (f"${self.price_a:.2f} vs ${self.price_b:.2f} per GPU-hour [{self.source_a}, {self.source_b}]")


def band_text(band: dict) -> str:
    """"1.20×–3.40× (median 2.10×, 12 matched results)" for a speedup band."""
    if not band["n"]:
        return "no matched results"
    return f"{band['low']:.2f}×–{band['high']:.2f}× (median {band['median']:.2f}×, {band['n']} matched results)"


def range_verdict(band: dict, low: float, high: float) -> str:
    """supported: the observed median lies in [low, high]; depends: the band overlaps the range; else not
    supported; no matched results: not checkable."""
    if not band["n"]:
        return NOT_CHECKABLE
    if low <= band["median"] <= high:
        return "supported"
    return "depends on the workload" if band["low"] <= high and band["high"] >= low else "not supported"


# ------------------------------------------------------------------------------ evidence kinds
def benchmark_range(ctx: Context, task_type: str | None, low: float, high: float, note: str = "") -> tuple[str, str]:
    """A claimed speedup range [low, high] against the observed band for ``task_type`` (:func:`range_verdict`)."""
    band = ctx.band(task_type)
    evidence = f"{task_type or 'all'} benchmarks: {band_text(band)}"
    return range_verdict(band, low, high), evidence + (f"; {note.format(ctx=ctx)}" if note else "")


def not_checkable(ctx: Context, reason: str) -> tuple[str, str]:
    """No data settles the claim: the verdict says so, the evidence says what is missing (``reason`` may use
    ``{finetune}`` for the fine-tuning band, the closest evidence for several claims)."""
    return NOT_CHECKABLE, reason.format(finetune=band_text(ctx.band("finetune")))


def headline_ceiling(ctx: Context) -> tuple[str, str]:
    """Claim 3: "up to 30×" against the largest like-for-like speedup in the data."""
    every = ctx.band()
    return ("supported" if every["high"] < 30 else "not supported",
            f"largest like-for-like speedup in our data is {every['high']:.1f}× (all {every['n']} matched results)")


def worked_minutes(ctx: Context) -> tuple[str, str]:
    """Claim 4: the article's worked times imply speedups; are they inside the inference band?"""
    low, high = min(20 / 13, 6 / 4), max(20 / 10, 6 / 3)
    inference = ctx.band("inference")
    verdict = (range_verdict(inference, low, high) if inference["n"] else NOT_CHECKABLE)
    verdict = "depends on the workload" if verdict == "supported" else verdict
    return verdict, (f"implied speedups {20 / 13:.2f}×–{20 / 10:.1f}× and {6 / 4:.1f}×–{6 / 3:.1f}×, against the "
                     f"inference band {band_text(inference)}; no video-generation benchmark in our data")


def worked_hours(ctx: Context) -> tuple[str, str]:
    """Claim 5: 40 h ÷ 2 and 40 h ÷ 3 (runtime.hours_at_speedup)."""
    at2, at3 = runtime.hours_at_speedup(40, 2), runtime.hours_at_speedup(40, 3)
    verdict = "supported" if round(at2) == 20 and round(at3) == 13 else "not supported"
    return verdict, f"arithmetic: 40 / 2 = {at2:.0f} h, 40 / 3 = {at3:.1f} h"


def fp8_finetune(ctx: Context) -> tuple[str, str]:
    """Claim 6: the fine-tuning band against 2–4×, with the dense-peak FP8 ÷ BF16 ratio for reference."""
    ratio = ctx.b["fp8_tflops_dense"] / ctx.a["bf16_tflops_dense"]
    return benchmark_range(ctx, "finetune", 2.0, 4.0,
                           f"dense peak FP8 ({ctx.gpu_b}) ÷ BF16 ({ctx.gpu_a}) = {ratio:.1f}×; 24 h → 8 h is 3×")


def cluster_days(ctx: Context) -> tuple[str, str]:
    """Claim 9: a 7B model on 1B tokens (6·P·D FLOPs) on 8 GPUs at the fitted MFU (runtime.runtime_estimate)."""
    est_a = runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id=ctx.gpu_a, gpus=8)
    est_b = runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id=ctx.gpu_b, gpus=8)
    return "depends on the model size and cluster", (
        f"7B model, 1B tokens (6·P·D FLOPs) on 8 GPUs at fitted MFU: {est_a.hours:.1f} h on {ctx.gpu_a}, "
        f"{est_b.hours:.1f} h on {ctx.gpu_b} — days only for much larger models or fewer GPUs")


def days_to_hours(ctx: Context) -> tuple[str, str]:
    """Claim 10: 2 days → under 6 h needs ≥ 8× (48 / 6); is any like-for-like speedup that large?"""
    every = ctx.band()
    return ("not supported" if every["high"] < 48 / 6 else "depends on the workload",
            f"2 days → under 6 h needs ≥{48 / 6:.0f}×; like-for-like speedups in our data reach {every['high']:.1f}× "
            f"(median {every['median']:.2f}×)")


def bandwidth_gain(ctx: Context) -> tuple[str, str]:
    """Claim 11: memory bandwidth ratio from the gpus table against the article's "67%"."""
    a, b = ctx.a, ctx.b
    gain = b["memory_bandwidth_gbps"] / a["memory_bandwidth_gbps"] - 1
    verdict = "supported (rounding)" if abs(3350 / 2000 - 1 - 0.67) < 0.01 and 0.6 <= gain <= 0.75 else "not supported"
    return verdict, (f"data: {a['memory_bandwidth_gbps']:,.0f} vs {b['memory_bandwidth_gbps']:,.0f} GB/s = +{gain:.0%} "
                     f"(+{3350 / 2000 - 1:.1%} with the rounded 2.0 TB/s) [{a['source_id']}, {b['source_id']}]")


def fp8_doubling(ctx: Context) -> tuple[str, str]:
    """Claim 12: bytes per value (memory.PAYLOAD_BYTES) and FP8 ÷ BF16, at peak and measured (MAMF benchmarks)."""
    b = ctx.b
    mamf = data.query("SELECT arg_max(value, value) FILTER (precision ILIKE 'fp8%') AS fp8, "
                      "arg_max(value, value) FILTER (precision = 'bf16') AS bf16, any_value(source_id) AS source_id "
                      "FROM benchmarks WHERE gpu_id = ? AND workload ILIKE '%MAMF%'", [ctx.gpu_b]).iloc[0]
    halves = memory.PAYLOAD_BYTES["fp8"] / memory.PAYLOAD_BYTES["fp16"]
    measured = (f"measured matmul (MAMF) {mamf['fp8']:,.1f} ÷ {mamf['bf16']:,.1f} TFLOPS = "
                f"{mamf['fp8'] / mamf['bf16']:.2f}× [{mamf['source_id']}]") if pd.notna(mamf["fp8"]) else "no MAMF result"
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
    return verdict, (f"memory model, FLUX.1-dev (12B) one 1024×1024 image: {gib(flux['bf16']):.1f} GiB in bf16, "
                     f"{gib(flux['fp8']):.1f} GiB with fp8 weights; LoRA training {gib(lora):.1f} GiB (denoiser only; "
                     f"12 GB = {gib(12 * memory.GB):.1f} GiB)")


def stable_diffusion_sizes(ctx: Context, models: tuple[str, str] = ("sd-1.5", "sdxl")) -> tuple[str, str]:
    """Claim 14: SD 1.5 in 4 GB, SDXL in 8–12 GB, training at 24 GB+. With the models table's UNet parameter
    counts: fp16 weights (memory.model_weight_bytes) + the CUDA context (memory.CUDA_CONTEXT_BYTES) for
    inference, and bf16 AdamW full-training states (memory.training_bytes_per_param, 18 bytes/param) for
    training. Text encoders, VAE and activations are not counted (the table has no layer shapes for them), so
    the figures are lower bounds. A model without a parameter count -> not checkable."""
    sizes = {}
    for name in models:
        try:
            sizes[name] = memory.Architecture.from_model(name)
        except InputError:
            return NOT_CHECKABLE, f"the models table has no {name} (not found in our sources)"
        if not sizes[name].params_total:
            return NOT_CHECKABLE, f"the models table has no parameter count for {name}"
    infer = {n: memory.model_weight_bytes(arch, "fp16") + memory.CUDA_CONTEXT_BYTES for n, arch in sizes.items()}
    train = {n: arch.params_total * sum(memory.training_bytes_per_param().values()) for n, arch in sizes.items()}
    sd15, sdxl = models
    fits = infer[sd15] <= 4 * memory.GB and infer[sdxl] <= 12 * memory.GB
    verdict = "supported (lower bound: UNet only)" if fits else "not supported"
    gb = memory.bytes_to_gb
    return verdict, (f"memory model with the UNet parameter counts ({sizes[sd15].params_total / 1e6:,.0f}M, "
                     f"{sizes[sdxl].params_total / 1e9:.1f}B): fp16 weights + CUDA context {gb(infer[sd15]):.1f} GB "
                     f"(SD 1.5) and {gb(infer[sdxl]):.1f} GB (SDXL); full training with AdamW {gb(train[sd15]):.1f} GB "
                     f"and {gb(train[sdxl]):.1f} GB; text encoders, VAE and activations not counted")


def nvlink_gain(ctx: Context) -> tuple[str, str]:
    """Claim 17: NVLink bandwidth ratio (gpus table) and PCIe per-direction rates (scaling.pcie_gbps)."""
    a, b = ctx.a, ctx.b
    ratio = b["nvlink_gbps"] / a["nvlink_gbps"]
    return ("supported" if abs(ratio - 1.5) < 1e-9 else "not supported",
            f"data: {b['nvlink_gbps']:.0f} vs {a['nvlink_gbps']:.0f} GB/s = {ratio:.2f}×; PCIe x16 per direction "
            f"Gen{b['pcie_gen']} {scaling.pcie_gbps(int(b['pcie_gen'])):.1f} vs Gen{a['pcie_gen']} "
            f"{scaling.pcie_gbps(int(a['pcie_gen'])):.1f} GB/s")


def pcie_scaling(ctx: Context) -> tuple[str, str]:
    """Claim 18: the scaling model, 7B data parallel with no overlap, H100 PCIe against gpu_b at 8 and 64 GPUs."""
    curve = {g: scaling.scaling_curve(7e9, g, [8, 64], tokens=1e11, overlap=0).set_index("n")["efficiency"]
             for g in ("h100-pcie-80gb", ctx.gpu_b)}
    pcie, nvl = curve["h100-pcie-80gb"], curve[ctx.gpu_b]
    return "depends on the parallelism", (
        f"scaling model, 7B data parallel, no compute/communication overlap: H100 PCIe {pcie[8]:.0%} at 8 and "
        f"{pcie[64]:.0%} at 64 GPUs vs {nvl[8]:.0%} and {nvl[64]:.0%} for {ctx.gpu_b} (between nodes both run at the "
        "network's speed); tensor-parallel traffic, which the claim is about, is not modelled")


def mlperf_linearity(ctx: Context) -> tuple[str, str]:
    """Claim 20: share of linear scaling kept by MLPerf Training LLM results at several scales
    (scaling.compare_mlperf: (n_ref / n) ÷ observed time ratio)."""
    mlperf = scaling.compare_mlperf()
    kept = (mlperf["n_ref"] / mlperf["n"]) / mlperf["observed_ratio"]
    return "depends on the scale", (
        f"MLPerf Training LLM results at several scales keep {kept.min():.0%}–{kept.max():.0%} of linear scaling "
        f"(median {kept.median():.0%}, {len(mlperf)} pairs, up to {mlperf['n'].max():,} GPUs)")


def worked_cost(ctx: Context) -> tuple[str, str]:
    """Claim 21: the article's example through cost.cost_per_job (8 h × $1.50 vs 3 h × $3.50)."""
    ex_a = float(cost_per_job(runtime_hours=8, usd_per_gpu_hour=1.50).cost_per_job_usd)
    ex_b = float(cost_per_job(runtime_hours=3, usd_per_gpu_hour=3.50).cost_per_job_usd)
    return ("supported" if ex_b < ex_a else "not supported",
            f"cost per job ${ex_a:.2f} vs ${ex_b:.2f}: the {8 / 3:.2f}× speedup beats the {3.5 / 1.5:.2f}× price ratio")


def cost_efficiency(ctx: Context) -> tuple[str, str]:
    """Claim 22: jobs per dollar, gpu_b ÷ gpu_a = median training speedup ÷ price ratio, against ≈3× (2.5–3.5)."""
    training = ctx.band("training")
    ratio = ctx.price_b / ctx.price_a
    efficiency = training["median"] / ratio
    return ("supported" if 2.5 <= efficiency <= 3.5 else "not supported",
            f"jobs per dollar, H100 ÷ A100 = median training speedup {training['median']:.2f}× ÷ price ratio "
            f"{ratio:.2f} = {efficiency:.2f}× at {ctx.prices_text}")


def lower_or_equal(ctx: Context) -> tuple[str, str]:
    """Claim 23: the break-even speedup at the chosen prices against 2–3×."""
    s_star = ctx.breakeven_speedup
    verdict = "supported" if s_star <= 2 else "depends on the speedup" if s_star <= 3 else "not supported"
    return verdict, f"break-even speedup {s_star:.2f}× at {ctx.prices_text}"


def utilization_effect(ctx: Context) -> tuple[str, str]:
    """Claim 24: no utilization data; what 40 % utilization does to the cost per job (cost.cost_per_job)."""
    factor = float(cost_per_job(runtime_hours=1, usd_per_gpu_hour=1, utilization=0.4).cost_per_job_usd)
    return NOT_CHECKABLE, (f"no utilization measurement in our data; its effect: at 40% utilization a job costs "
                           f"{factor:.1f}× its full-utilization cost")


def per_goal(ctx: Context) -> tuple[str, str]:
    """Claim 25: median training speedup against the break-even speedup at the chosen prices."""
    training, s_star = ctx.band("training"), ctx.breakeven_speedup
    return ("supported" if training["median"] > s_star else "depends on the prices",
            f"median training speedup {training['median']:.2f}× against a break-even of {s_star:.2f}× at "
            f"{ctx.prices_text}; the training band {training['low']:.2f}×–{training['high']:.2f}× crosses it for "
            "some workloads")


def worksheet_inputs(ctx: Context) -> tuple[str, str]:
    """Claim 26: the worksheet's inputs are cost.cost_per_job's keyword arguments."""
    import inspect

    wanted = ("runtime_hours", "usd_per_gpu_hour", "utilization", "reruns_per_100", "queue_hours", "value_per_hour_usd")
    present = [w for w in wanted if w in inspect.signature(cost_per_job).parameters]
    return ("supported" if len(present) == len(wanted) else "not supported",
            f"gpuplan.cost.cost_per_job takes these inputs ({', '.join(present)}) and reproduces claim 21")


def process_node(ctx: Context) -> tuple[str, str]:
    """Claim 27: every source's process node for gpu_b (spec_values)."""
    nodes = data.query("SELECT value, source_id FROM spec_values WHERE gpu_id = ? AND field LIKE 'process%' "
                       "ORDER BY source_id, field, value", [ctx.gpu_b])
    return "depends on the source", ("; ".join(f"{v} [{s}]" for v, s in nodes.itertuples(index=False))
                                     or f"gpus table: {ctx.b['process_node']}")


def pcie_gen5(ctx: Context) -> tuple[str, str]:
    """Claim 28: gpu_b's PCIe generation in the gpus table."""
    b = ctx.b
    return ("supported (the PCIe part)" if b["pcie_gen"] == 5 else "not supported",
            f"gpus table: PCIe Gen{b['pcie_gen']} [{b['source_id']}]; software requirements are not in our data")


def energy_per_tflop(ctx: Context) -> tuple[str, str]:
    """Claim 30: dense BF16 TFLOPS per TDP watt from the gpus table (peak, not measured energy)."""
    a, b = ctx.a, ctx.b
    per_watt_a, per_watt_b = a["bf16_tflops_dense"] / a["tdp_w"], b["bf16_tflops_dense"] / b["tdp_w"]
    return ("supported (at peak)" if per_watt_b > per_watt_a else "not supported",
            f"dense BF16 TFLOPS per TDP watt: {per_watt_a:.2f} ({ctx.gpu_a}, {a['tdp_w']:.0f} W) vs {per_watt_b:.2f} "
            f"({ctx.gpu_b}, {b['tdp_w']:.0f} W); measured energy per job is not in our data")


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
          partial(benchmark_range, task_type="training", low=2.0, high=4.0)),
    Claim(3, "V", _S, '"up to 30× faster inference" headlines are narrow', "benchmarks", headline_ceiling),
    Claim(4, "V", _S, "20 min → 10–13 min; 6 min/clip → 3–4 min", "arithmetic", worked_minutes),
    Claim(5, "V", _S, "a 40 h A100 fine-tune → ≈20 h at 2×, ≈13 h at 3×", "arithmetic", worked_hours),
    Claim(6, "F", _S, "FP8 on H100: 2×–4× fine-tuning speedup over BF16 on A100; 24 h → ≈8 h", "benchmarks",
          fp8_finetune),
    Claim(7, "F", _S, "LoRA on one H100 80GB: 2.2×–2.8× the tokens/s of an A100 80GB", "none",
          partial(not_checkable, reason="no single-GPU LoRA tokens/s measurement for both GPUs; the closest, all "
                                        "fine-tuning results: {finetune}")),
    Claim(8, "F", _S, '70B full fine-tune, FSDP on 8×H100 "up to 3× faster" than 8×A100', "none",
          partial(not_checkable, reason="no 70B full fine-tune benchmark on both GPUs; MLPerf's Llama 2 70B LoRA has "
                                        "no A100 result at 8 GPUs")),
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
    Claim(15, "V", _M, "some optimized Stable Video workflows run under 10 GB", "none",
          partial(not_checkable, reason="no Stable Video Diffusion model in our models table; the 14B Wan2.1 video "
                                        "model needs well above 10 GB (see the memory notebook)")),
    Claim(16, "W", _M, "FP8 gains matter most above ≈70B parameters", "none",
          partial(not_checkable, reason="no benchmark in our data measures the FP8 gain by model size")),
    Claim(17, "F", _I, 'NVLink 4 900 GB/s vs NVLink 3 600 GB/s: "a 50% increase"; PCIe Gen5 doubles Gen4', "specs",
          nvlink_gain),
    Claim(18, "W", _I, "without NVLink/NVSwitch, scaling beyond 4–8 GPUs becomes inefficient", "scaling model",
          pcie_scaling),
    Claim(19, "V", _I, "storage loading: 1 GPU A100 ≈1.7, H100 ≈1.5 GiB/s; 4 GPUs A100 ≈0.2, H100 ≈2.2 GiB/s", "none",
          partial(not_checkable, reason="no storage-throughput measurement in our data; the four-GPU A100 figure is "
                                        "below its one-GPU figure, which points at the storage setup rather than the GPU")),
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
    Claim(29, "F", _H, 'FlashAttention-2 is "highly optimized for the H100\'s architecture"', "none",
          partial(not_checkable, reason="no FlashAttention benchmark in our data")),
    Claim(30, "F", _H, 'the H100\'s "energy efficiency per TFLOP is superior"', "specs", energy_per_tflop),
)


def check_all(gpu_a: str, gpu_b: str, price_a: float, price_b: float, *, source_a: str = "parameter",
              source_b: str = "parameter", claims: tuple[Claim, ...] = CLAIMS) -> pd.DataFrame:
    """Every claim's verdict and evidence at these GPUs and hourly prices. Columns: #, article, section, claim,
    kind (of evidence), verdict, evidence; one row per claim, in claim order."""
    ctx = Context(data.resolve_gpu(gpu_a), data.resolve_gpu(gpu_b), float(price_a), float(price_b), source_a, source_b)
    rows = []
    for claim in claims:
        verdict, evidence = claim.check(ctx)
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
    claims_depends, claims_not_supported, claims_not_checkable."""
    verdict = table["verdict"]
    return {"claims_total": len(table), "claims_supported": int(verdict.str.startswith("supported").sum()),
            "claims_depends": int(verdict.str.startswith("depends").sum()),
            "claims_not_supported": int((verdict == "not supported").sum()),
            "claims_not_checkable": int((verdict == NOT_CHECKABLE).sum())}
