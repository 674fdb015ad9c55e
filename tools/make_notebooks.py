"""Write (and optionally execute) the six analysis notebooks in notebooks/ from the cell sources below.

    .venv/bin/python tools/make_notebooks.py            # write the .ipynb files (no outputs)
    .venv/bin/python tools/make_notebooks.py --execute  # write, run each with papermill, normalize metadata
    .venv/bin/python tools/make_notebooks.py --execute 03 04   # only those notebooks

The committed .ipynb files (with outputs) are the product and the nbval baseline; this script is the
maintainable source of their cells. Each notebook: `#` title, the question, ONE cell tagged `parameters`
(typed, commented defaults), a cell validating them with gpuplan.params, then thin cells calling gpuplan.
Execution and normalization (papermill timings and timestamps removed, so git diffs show only real changes)
are gpuplan.book.execute's, as in `make notebooks`; after a data or model change `make notebooks` is enough.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

SETUP = '''import altair as alt
import pandas as pd
from myst_nb import glue

from gpuplan import charts, data

pd.set_option("display.precision", 3)
pd.set_option("display.max_columns", 30)
pd.set_option("display.width", 160)'''


def md(text: str):
    """A markdown cell. Dollar signs are escaped: the book enables MyST's dollarmath, where two `$` on a line
    (e.g. "$12.00 ... $10.50") would otherwise be typeset as math."""
    return nbformat.v4.new_markdown_cell(text.strip("\n").replace("$", "\\$"))


def code(text: str, tags: list[str] | None = None):
    cell = nbformat.v4.new_code_cell(text.strip("\n"))
    if tags:
        cell.metadata["tags"] = tags
    return cell


def params(text: str):
    """The parameters cell. ``X | None`` is written ``Optional[X]``: papermill 2.7's parameter regex (used by
    ``papermill --help-notebook``) does not read ``|`` in annotations and would hide those parameters."""
    text = re.sub(r": (\w+) \| None =", r": Optional[\1] =", text.strip("\n"))
    if "Optional[" in text:
        text = "from typing import Optional\n\n" + text
    return code(text, tags=["parameters"])


# ---------------------------------------------------------------------------------------------------------------
# 01 data tour
# ---------------------------------------------------------------------------------------------------------------
NB01 = [
    md("""
# Data tour: the GPUs, their prices and their benchmarks

Which GPUs are we choosing between, what does an hour of each cost and how has that moved since 2023, and
what do the MLPerf results say about A100 against H100, H200 and B200 on the same workloads? Every number
below comes from the database built from `data/*.csv`; the `source_id` columns resolve in the
[data appendix](../book/data.md).
"""),
    params('''
gpus: list | None = None  # GPU ids or aliases to show (e.g. ["A100 80GB SXM4", "h100-sxm5-80gb"]); None means every GPU in the data
price_kind: str = "on-demand"  # price kind for the history and price-performance: on-demand, spot or reserved
history_gpus: list = ["a100-sxm4-80gb", "h100-sxm5-80gb", "h200-sxm-141gb"]  # GPUs in the price-history chart
history_gpu: str = "h100-sxm5-80gb"  # GPU whose hourly price history is summarized in the text
baseline_gpu: str = "a100-sxm4-80gb"  # GPU the MLPerf speedups are measured against
'''),
    code('''
from gpuplan.params import validate_parameters

p = validate_parameters(globals(), {
    "gpus": "gpus?", "price_kind": ("choice", ["on-demand", "spot", "reserved"]), "history_gpus": "gpus",
    "history_gpu": "gpu", "baseline_gpu": "gpu"})
'''),
    code(SETUP + '''
from gpuplan import tour'''),
    md("""
## The GPUs side by side

Capacity is the vendor's label in GB (10^9 bytes); tensor throughput is **dense** (never the "with sparsity"
figure); NVLink bandwidth is bidirectional per GPU.
"""),
    code('''
specs = tour.gpu_specs(p.gpus)
gpu_ids = list(specs["gpu_id"])
tour.specs_table(specs)
'''),
    code('''
charts.grouped_bars(tour.throughput_long(specs), "gpu", "tflops", "precision", title="Dense tensor throughput by precision",
                    value_title="dense TFLOPS (10^12 FLOP/s)", category_title="GPU")
'''),
    code('''
every_gpu = tour.gpu_specs()
glue("bandwidth_ratio_h100_a100", tour.spec_ratio(every_gpu, "memory_bandwidth_gbps", "h100-sxm5-80gb", "a100-sxm4-80gb"), display=False)
glue("bf16_ratio_h100_a100", tour.spec_ratio(every_gpu, "bf16_tflops_dense", "h100-sxm5-80gb", "a100-sxm4-80gb"), display=False)
'''),
    md("""
Per GPU, the H100 SXM has {glue:text}`bf16_ratio_h100_a100:.2f`× the A100 80GB SXM's dense BF16 throughput
but only {glue:text}`bandwidth_ratio_h100_a100:.2f`× its memory bandwidth: memory-bound work (small-batch
inference) gains less than compute-bound training.
"""),
    md("""
## Price history

Every dated hourly price in the data for the chosen kind and GPUs. A price is one provider's list price on the
day it was observed; history is kept, so a provider's later price is a new point, joined to its earlier one.
"""),
    code('''
history = tour.price_history(p.price_kind, p.history_gpus)
charts.price_history(history, title=f"{p.price_kind} price per GPU-hour, as observed")
'''),
    code('''
by_year = tour.prices_by_year(p.history_gpu, p.price_kind)
glue("history_first_year", int(by_year["year"].iloc[0]), display=False)
glue("history_last_year", int(by_year["year"].iloc[-1]), display=False)
glue("history_median_usd_per_hour_first", float(by_year["median"].iloc[0]), display=False)
glue("history_median_usd_per_hour_last", float(by_year["median"].iloc[-1]), display=False)
tour.prices_by_year_table(by_year, caption=f"{p.history_gpu}: {p.price_kind} prices per year")
'''),
    md("""
For the chosen GPU the median {glue:text}`history_first_year` price in the data was
${glue:text}`history_median_usd_per_hour_first:.2f` per GPU-hour and the median {glue:text}`history_last_year`
price ${glue:text}`history_median_usd_per_hour_last:.2f`. The providers differ in what the hour includes
(CPU and RAM billed separately or not): see each row's source.
"""),
    md("""
## Price-performance

From the latest price per provider (view `price_performance`): dollars per dense BF16 PFLOP-hour, per TB/s of
memory bandwidth for an hour and per GB of GPU memory for an hour. Lower is better; the median over providers.
"""),
    code('''
pp = tour.price_performance(p.price_kind, gpu_ids)
tour.price_performance_table(pp)
'''),
    code('''
pp_every = tour.price_performance(p.price_kind, list(every_gpu["gpu_id"])).set_index("gpu_id")["usd_per_dense_pflop_hour"]
glue("usd_per_dense_pflop_hour_a100", float(pp_every.get("a100-sxm4-80gb", float("nan"))), display=False)
glue("usd_per_dense_pflop_hour_h100", float(pp_every.get("h100-sxm5-80gb", float("nan"))), display=False)
charts.grouped_bars(tour.price_performance_long(pp), "gpu", "usd", "measure",
                    title="Price-performance (median over providers; lower is better)", value_title="USD", category_title="GPU")
'''),
    md("""
At the median latest on-demand price a dense BF16 PFLOP-hour costs
${glue:text}`usd_per_dense_pflop_hour_a100:.2f` on the A100 80GB SXM and
${glue:text}`usd_per_dense_pflop_hour_h100:.2f` on the H100 SXM (peak, not achieved, throughput).
"""),
    md("""
## MLPerf: the same workloads on A100, H100, H200 and B200

For every MLPerf workload, round, scenario and GPU count where the baseline GPU also has a result, the speedup
over the baseline: time-to-train ratio for training, throughput ratio for inference (best result per GPU;
pairs as matched by `gpuplan.runtime.speedup_band`).
"""),
    code('''
mlperf = tour.mlperf_speedups(p.baseline_gpu, gpu_ids)
tour.speedup_summary_table(tour.speedup_summary(mlperf), caption=f"Speedup over {p.baseline_gpu} in matched MLPerf results")
'''),
    code('''
h100 = tour.speedup_stats(tour.mlperf_speedups(p.baseline_gpu, ["h100-sxm5-80gb"]), "H100 80GB SXM")
for stat in ("median", "low", "high"):
    glue(f"mlperf_speedup_h100_{stat}", h100[stat], display=False)
glue("mlperf_comparisons_h100", h100["comparisons"], display=False)
'''),
    code('''
charts.scatter(mlperf, "speedup", "workload", "gpu", x_title="speedup over the baseline (×)", y_title="workload",
               title="MLPerf speedup over the baseline GPU, same workload and scale", log_x=True,
               tooltip=["gpu", "suite", "round_a", "round_b", "workload", "scenario", "gpu_count",
                        alt.Tooltip("speedup:Q", format=".2f"), "benchmark_id_a", "benchmark_id_b"]
               ).encode(y=alt.Y("workload:N", title=None))

'''),
    md("""
Across {glue:text}`mlperf_comparisons_h100` matched MLPerf results the H100 SXM ran
{glue:text}`mlperf_speedup_h100_low:.2f`× to {glue:text}`mlperf_speedup_h100_high:.2f`× the baseline's speed
(median {glue:text}`mlperf_speedup_h100_median:.2f`×). MLPerf closed-division submitters choose their own
precision (FP8 on Hopper for LLMs, BF16/FP16 on Ampere) and software improves between rounds.
"""),
]

# ---------------------------------------------------------------------------------------------------------------
# 02 memory planning
# ---------------------------------------------------------------------------------------------------------------
NB02 = [
    md("""
# Memory planning: does the workload fit, and on how many GPUs?

Before speed or price, a GPU has to hold the job. For a chosen workload — LLM inference with a context and a
batch, a LoRA / QLoRA / full fine-tune, or a diffusion or video model at some frames × resolution — how many
bytes does each part take per GPU, which GPUs hold it, what is the largest batch and context that fit, and how
many GPUs does it need with ZeRO/FSDP?
"""),
    params('''
model: str = "llama-3.1-8b"  # model id or name in the models table (data appendix)
mode: str = "inference"  # inference, lora, qlora or full (full fine-tune)
precision: str | None = None  # weight precision: fp32, bf16, fp16, fp8, int8, int4; None means bf16 (int4 for qlora)
batch: int = 8  # sequences per GPU (images or clips for diffusion/video models)
seq: int = 4096  # tokens per sequence: prompt + generated tokens (inference) or training sequence length
checkpointing: bool = True  # activation checkpointing during training
zero_stage: int = 3  # ZeRO / FSDP stage used for the GPU count of a training run (0-3)
frames: int | None = None  # video frames (video models only)
height: int | None = None  # image or video height in pixels (diffusion/video models only)
width: int | None = None  # image or video width in pixels (diffusion/video models only)
limits_gpu: str = "h100-sxm5-80gb"  # GPU for the largest batch, the longest context and the GPU count
video_model: str = "wan2.1-t2v-14b"  # diffusion/video model for the articles' VRAM rules
video_frames: int = 81  # frames of the video rules check
video_height: int = 480  # pixels
video_width: int = 832  # pixels
'''),
    code('''
from gpuplan import data
from gpuplan.params import validate_parameters

p = validate_parameters(globals(), {
    "model": "text", "mode": ("choice", ["inference", "lora", "qlora", "full"]),
    "precision": ("choice?", ["fp32", "bf16", "fp16", "fp8", "int8", "int4"]), "batch": "count", "seq": "count",
    "checkpointing": ("choice", [True, False]), "zero_stage": ("choice", [0, 1, 2, 3]), "frames": "count?",
    "height": "count?", "width": "count?", "limits_gpu": "gpu", "video_model": "text", "video_frames": "count",
    "video_height": "count", "video_width": "count"})
p.model, p.video_model = data.model(p.model)["model_id"], data.model(p.video_model)["model_id"]
'''),
    code(SETUP + '''
from gpuplan import memory
from gpuplan.memory import GIB

workload = dict(precision=p.precision, checkpointing=p.checkpointing, frames=p.frames, height=p.height, width=p.width)'''),
    md("""
## Bytes per component, against every GPU's capacity

The chosen workload and, for comparison, the same model in the other modes at the same batch and length
(`gpuplan.memory.memory_estimate`; each formula's source is in its docstring and the method page). Capacity is
the vendor's label read as 10^9 bytes, drawn in GiB.
"""),
    code('''
chosen, parts = memory.mode_comparison(p.model, p.mode, batch=p.batch, seq=p.seq, **workload)
glue("per_gpu_gib", chosen.per_gpu_bytes / GIB, display=False)
charts.memory_breakdown(parts, memory.capacity_groups(),
                        title=f"Memory per GPU, batch {p.batch}, {chosen.tokens:,} tokens per sequence")
'''),
    code('''
charts.table(pd.DataFrame({"assumption": chosen.assumptions}), name="assumptions")
'''),
    md("""
The chosen workload needs {glue:text}`per_gpu_gib:.1f` GiB on one GPU.

## Which GPUs hold it
"""),
    code('''
fits = memory.fit_table(chosen)
glue("gpus_that_fit", int(fits["fits"].sum()), display=False)
glue("gpus_in_data", len(fits), display=False)
charts.table(memory.fit_summary(fits), {"capacity (GB)": "{:.0f}", "needed (GiB)": "{:.1f}", "headroom (GiB)": "{:+.1f}"},
             name="fits")
'''),
    md("""
{glue:text}`gpus_that_fit` of the {glue:text}`gpus_in_data` GPUs in the data hold it on a single card.

## The largest batch and context, and the GPU count
"""),
    code('''
limits = memory.limits(p.model, p.limits_gpu, batch=p.batch, seq=p.seq, mode=p.mode, zero_stage=p.zero_stage, **workload)
count, full = limits["min_gpus"], limits["min_gpus_full"]
glue("max_batch", int(limits["max_batch"]), display=False)
glue("max_context", int(limits["max_context"] or 0), display=False)
glue("min_gpus", int(count.gpus or 0), display=False)
glue("min_gpus_message", count.message, display=False)
'''),
    code('''
glue("min_gpus_full_finetune", int(full.gpus or 0), display=False)
glue("min_gpus_full_finetune_message", full.message, display=False)
charts.table(memory.limits_frame(limits, p.zero_stage), caption=f"On {p.limits_gpu}", name="limits")
'''),
    md("""
On `limits_gpu` the largest batch that fits is {glue:text}`max_batch`, the longest context at this batch
{glue:text}`max_context` tokens, and the workload {glue:text}`min_gpus_message`. A full fine-tune of the same
model (batch 1 per GPU, with the chosen ZeRO/FSDP stage) {glue:text}`min_gpus_full_finetune_message`.

## The articles' VRAM rules

HappyHorse (April 2026) says many generative models need at least 12 GB for basic inference, SD 1.5 runs at
4 GB, SDXL at 8-12 GB, and training is comfortable at 24 GB or more. Our models table has no parameter count
for SD 1.5 or SDXL (none was found in our sources), so the rule is checked on the video model instead:
"""),
    code('''
rules = memory.vram_rule_check(p.video_model, frames=p.video_frames, height=p.video_height, width=p.video_width)
for row in rules.itertuples():
    glue(f"video_{row.mode}_{row.precision}_gib", float(row.per_gpu_gib), display=False)
charts.table(rules[["workload", "per_gpu_gib"]].rename(columns={"per_gpu_gib": "needed per GPU (GiB)"}), {"needed per GPU (GiB)": "{:.1f}"},
             caption=f"{p.video_frames} frames at {p.video_width}×{p.video_height}", name="rules")

'''),
    md("""
The video model needs {glue:text}`video_inference_bf16_gib:.1f` GiB for one clip in bf16 and
{glue:text}`video_inference_fp8_gib:.1f` GiB with fp8 weights — far above the 12 GB floor for a 14B model —
and {glue:text}`video_lora_bf16_gib:.1f` GiB for a LoRA fine-tune, so "24 GB+" for training holds only for
smaller models. Only the denoising transformer is counted (not the text encoder or the VAE).
"""),
]

# ---------------------------------------------------------------------------------------------------------------
# 03 cost per task
# ---------------------------------------------------------------------------------------------------------------
PAIR_PARAMS = '''
gpu_a: str = "a100-sxm4-80gb"  # baseline GPU (id or alias); priced by a100_usd_per_hour
gpu_b: str = "h100-sxm5-80gb"  # challenger GPU (id or alias); priced by h100_usd_per_hour
a100_usd_per_hour: float | None = None  # on-demand $/GPU-hour for gpu_a; None means the latest price in the data
h100_usd_per_hour: float | None = None  # on-demand $/GPU-hour for gpu_b; None means the latest price in the data
provider: str | None = "RunPod Secure Cloud"  # provider whose latest prices are used for both GPUs (like for like); None means the latest from any provider
task: str | None = None  # benchmark task type for the observed speedups: training, finetune, inference; None means all
'''

PAIR_VALIDATE = '''
from gpuplan.params import price_or_latest, validate

gpu_a = validate("gpu_a", gpu_a, "gpu")
gpu_b = validate("gpu_b", gpu_b, "gpu")
provider = validate("provider", provider, "text") if provider is not None else None
price_a = price_or_latest("a100_usd_per_hour", a100_usd_per_hour, gpu_a, provider=provider)
price_b = price_or_latest("h100_usd_per_hour", h100_usd_per_hour, gpu_b, provider=provider)
if task is not None:
    task = validate("task", task, "choice", choices=["training", "finetune", "inference"])
'''

NB03 = [
    md("""
# Cost per task: what one finished job costs on each GPU

An H100 hour costs more than an A100 hour, but a job finishes sooner. What does one *finished* job cost on each
GPU once utilization, reruns, queue delay and the value of faster delivery are counted, and how many jobs does
each GPU finish in a day?
"""),
    params(PAIR_PARAMS + '''runtime_hours_a: float = 8.0  # runtime of one job on gpu_a at full utilization, hours (measured by you)
runtime_hours_b: float | None = None  # measured runtime on gpu_b, hours; None means runtime_hours_a ÷ the median observed speedup
gpus_per_job: int = 1  # GPUs the job runs on (same count on every GPU type)
utilization: float = 1.0  # average GPU utilization during the job, in (0, 1]
reruns_per_100: float = 0.0  # failed attempts rerun from scratch per 100 jobs
queue_hours_a: float = 0.0  # wait before the job starts on gpu_a, hours
queue_hours_b: float = 0.0  # wait before the job starts on gpu_b, hours
value_per_hour_usd: float = 0.0  # what an hour of waiting for the result costs you (value of faster delivery), USD
min_comparisons: int = 3  # GPUs whose speedup over gpu_a rests on fewer matched benchmark results are left out of the all-GPU chart
'''),
    code('''
from gpuplan.params import price_or_latest, validate_parameters

p = validate_parameters(globals(), {
    "gpu_a": "gpu", "gpu_b": "gpu", "a100_usd_per_hour": "price", "h100_usd_per_hour": "price", "provider": "text?",
    "task": ("choice?", ["training", "finetune", "inference"]), "runtime_hours_a": "positive",
    "runtime_hours_b": "positive?", "gpus_per_job": "count", "utilization": "fraction", "reruns_per_100": "nonnegative",
    "queue_hours_a": "nonnegative", "queue_hours_b": "nonnegative", "value_per_hour_usd": "nonnegative",
    "min_comparisons": "count"})
price_a = price_or_latest("a100_usd_per_hour", p.a100_usd_per_hour, p.gpu_a, provider=p.provider)
price_b = price_or_latest("h100_usd_per_hour", p.h100_usd_per_hour, p.gpu_b, provider=p.provider)
'''),
    code(SETUP + '''
from gpuplan import cost, runtime

options = dict(gpus=p.gpus_per_job, utilization=p.utilization, reruns_per_100=p.reruns_per_100,
               value_per_hour_usd=p.value_per_hour_usd)'''),
    md("""
## The articles' example, reproduced

HappyHorse ("H100 vs A100 for AI Video Generation", April 2026 {cite:p}`happyhorse2026video`) works one job
through: 8 hours on an A100 at
$1.50 an hour against 3 hours on an H100 at $3.50 an hour. The same formula the rest of this page uses gives:
"""),
    code('''
example = cost.cost_table(gpu=["A100", "H100"], usd_per_gpu_hour=[1.50, 3.50], runtime_hours=[8.0, 3.0])
glue("example_cost_per_job_usd_a100", float(example["cost_per_job_usd"][0]), display=False)
glue("example_cost_per_job_usd_h100", float(example["cost_per_job_usd"][1]), display=False)
charts.table(example[["gpu", "runtime_hours", "usd_per_gpu_hour", "cost_per_job_usd"]].rename(columns=cost.LABELS),
             cost.FORMATS, name="example")
'''),
    md("""
${glue:text}`example_cost_per_job_usd_a100:.2f` on the A100 against ${glue:text}`example_cost_per_job_usd_h100:.2f`
on the H100: the dearer hour makes the cheaper job because the job ran 2.67× faster, above the 2.33× price ratio.
"""),
    md("""
## Your job on the chosen pair

The runtime on `gpu_b` is yours if you measured it; otherwise it is `runtime_hours_a` divided by the median
speedup observed in the benchmark data for this pair (`gpuplan.runtime.speedup_band`), and the band's low and
high ends give a range.
"""),
    code('''
band = runtime.speedup_band(p.gpu_a, p.gpu_b, task_type=p.task)
hours_b = p.runtime_hours_b or p.runtime_hours_a / float(band["median"])
glue("speedup_used", p.runtime_hours_a / hours_b, display=False)
pair = cost.cost_table(gpu=[p.gpu_a, p.gpu_b], usd_per_gpu_hour=[price_a["usd_per_gpu_hour"], price_b["usd_per_gpu_hour"]],
                       price_source=[price_a["source_id"], price_b["source_id"]], runtime_hours=[p.runtime_hours_a, hours_b],
                       queue_hours=[p.queue_hours_a, p.queue_hours_b], **options)
'''),
    code('''
for column in ("cost_per_job_usd", "jobs_per_day", "usd_per_gpu_hour"):
    glue(f"{column}_a100", float(pair[column][0]), display=False)
    glue(f"{column}_h100", float(pair[column][1]), display=False)
charts.table(pair[["gpu", "usd_per_gpu_hour", "price_source", "runtime_hours", "compute_usd", "rerun_usd", "queue_usd",
                   "cost_per_job_usd", "wall_hours", "turnaround_hours", "jobs_per_day"]].rename(columns=cost.LABELS),
             cost.FORMATS, name="pair")
'''),
    md("""
At ${glue:text}`usd_per_gpu_hour_a100:.2f` and ${glue:text}`usd_per_gpu_hour_h100:.2f` per GPU-hour and a
speedup of {glue:text}`speedup_used:.2f`×, one finished job costs ${glue:text}`cost_per_job_usd_a100:.2f` on
`gpu_a` and ${glue:text}`cost_per_job_usd_h100:.2f` on `gpu_b`; a GPU set finishes
{glue:text}`jobs_per_day_a100:.1f` and {glue:text}`jobs_per_day_h100:.1f` jobs a day respectively.
"""),
    md("""
## The band from the observed speedups

The same job on `gpu_b` at the low, median and high end of the observed speedups:
"""),
    code('''
band_frame = cost.band_costs(band, runtime_hours_a=p.runtime_hours_a, usd_per_gpu_hour=price_b["usd_per_gpu_hour"],
                             queue_hours=p.queue_hours_b, **options)
glue("cost_per_job_usd_h100_band_high", float(band_frame["cost_per_job_usd"].max()), display=False)
glue("cost_per_job_usd_h100_band_low", float(band_frame["cost_per_job_usd"].min()), display=False)
charts.table(band_frame[["end", "speedup", "runtime_hours", "cost_per_job_usd"]].rename(columns=cost.LABELS),
             cost.FORMATS, caption="The job on gpu_b at each end of the observed speedups", name="band")

'''),
    md("""
Across the observed band the job costs ${glue:text}`cost_per_job_usd_h100_band_low:.2f` to
${glue:text}`cost_per_job_usd_h100_band_high:.2f` on `gpu_b`, against ${glue:text}`cost_per_job_usd_a100:.2f` on `gpu_a`.
"""),
    md("""
## Every GPU with a price: try your own numbers

Runtime on each GPU = `runtime_hours_a` ÷ the median observed speedup of that GPU over `gpu_a`. A GPU is left
out when it has no price, or when its speedup rests on fewer than `min_comparisons` matched benchmark results
(a median over one or two unusual submissions, such as the MI300X's single tinygrad entry, would say more
about that submission than about the GPU); the tooltip gives each speedup and how many results it rests on.
**Drag the sliders** — price per GPU-hour, utilization, reruns, GPUs per job — and the bars recompute in the page.

"""),
    code('''
every = cost.cost_on_every_gpu(p.gpu_a, runtime_hours_a=p.runtime_hours_a, provider=p.provider, task_type=p.task,
                               min_comparisons=p.min_comparisons, gpus_per_job=p.gpus_per_job, queue_hours=p.queue_hours_a,
                               value_per_hour_usd=p.value_per_hour_usd, known={
                                   p.gpu_a: {"price": price_a}, p.gpu_b: {"price": price_b, "runtime_hours": hours_b,
                                                                           "queue_hours": p.queue_hours_b}})
sliders = every.set_index("gpu_id").loc[[p.gpu_a, p.gpu_b]].set_index("gpu")["usd_per_gpu_hour"].to_dict()
charts.cost_per_task(every, sliders, utilization=p.utilization, reruns_per_100=p.reruns_per_100,
                     title="Cost of one finished job on each GPU")

'''),
]

# ---------------------------------------------------------------------------------------------------------------
# 04 break-even
# ---------------------------------------------------------------------------------------------------------------
NB04 = [
    md("""
# Break-even: when does the faster GPU pay for itself?

A GPU that costs *p* times as much per hour is cheaper per finished job exactly when it is more than *p* times
as fast. Where do the observed A100 → H100 speedups fall against that line, at what H100 hourly price does the
H100 stop paying off, when does buying beat renting, and which input flips the decision?
"""),
    params(PAIR_PARAMS + '''utilization_a: float = 1.0  # average utilization of gpu_a during a job, in (0, 1]
utilization_b: float = 1.0  # average utilization of gpu_b during a job, in (0, 1]
reruns_a: float = 0.0  # failed attempts rerun per 100 jobs on gpu_a
reruns_b: float = 0.0  # failed attempts rerun per 100 jobs on gpu_b
runtime_hours_a: float = 8.0  # runtime of the job on gpu_a (for the sensitivity chart), hours
h100_purchase_usd: float | None = None  # purchase price of one gpu_b, USD; None means the median purchase price in the data
years: float = 3.0  # amortization period of a purchased GPU, years (assumption: a common depreciation period)
pue: float = 1.5  # data-centre power usage effectiveness, facility ÷ IT power (assumption: put your facility's)
usd_per_kwh: float = 0.10  # electricity price, USD per kWh (assumption: put your tariff)
hosting_usd_per_month: float = 0.0  # rack space, host CPU/RAM and staff per GPU per month, USD (assumption)
owned_utilization: float = 0.6  # share of the month an owned GPU is busy, in (0, 1] (assumption)
'''),
    code(PAIR_VALIDATE + '''utilization_a = validate("utilization_a", utilization_a, "fraction")
utilization_b = validate("utilization_b", utilization_b, "fraction")
reruns_a = validate("reruns_a", reruns_a, "nonnegative")
reruns_b = validate("reruns_b", reruns_b, "nonnegative")
runtime_hours_a = validate("runtime_hours_a", runtime_hours_a, "positive")
h100_purchase_usd = validate("h100_purchase_usd", h100_purchase_usd, "price")
years = validate("years", years, "positive")
pue = validate("pue", pue, "positive")
usd_per_kwh = validate("usd_per_kwh", usd_per_kwh, "nonnegative")
hosting_usd_per_month = validate("hosting_usd_per_month", hosting_usd_per_month, "nonnegative")
owned_utilization = validate("owned_utilization", owned_utilization, "fraction")
'''),
    code(SETUP + '''
from gpuplan import breakeven, runtime'''),
    md("""
## The break-even speedup

With cost per job = hours × price ÷ utilization × (1 + reruns/100) (the HappyHorse worksheet, April 2026), the
challenger is cheaper exactly when its speedup exceeds the ratio of effective hourly prices.
"""),
    code('''
adjust = dict(utilization_a=utilization_a, utilization_b=utilization_b, reruns_a=reruns_a, reruns_b=reruns_b)
observed = runtime.speedup_band(gpu_a, gpu_b, task_type=task)
result = {"price_a": price_a["usd_per_gpu_hour"], "price_b": price_b["usd_per_gpu_hour"]}
result["breakeven_speedup"] = breakeven.breakeven_speedup(result["price_a"], result["price_b"], **adjust)
result["breakeven_price_b"] = breakeven.breakeven_price_b(result["price_a"], observed["median"], **adjust)
result["verdict"] = breakeven.verdict(result["breakeven_speedup"], observed["low"], observed["median"],
                                      observed["high"], a=gpu_a, b=gpu_b)
glue("breakeven_speedup", float(result["breakeven_speedup"]), display=False)
glue("observed_speedup_median", float(observed["median"]), display=False)
glue("observed_speedup_low", float(observed["low"]), display=False)
glue("observed_speedup_high", float(observed["high"]), display=False)
glue("breakeven_price_h100_usd_per_hour", float(result["breakeven_price_b"]), display=False)
glue("breakeven_verdict", result["verdict"], display=False)
charts.table(pd.DataFrame({
    "": ["gpu_a", "gpu_b", "$/GPU-hour a", "$/GPU-hour b", "break-even speedup (×)", "observed speedup (median ×)",
         "gpu_b's break-even price ($/GPU-hour)", "verdict"],
    "value": [gpu_a, gpu_b, f"{result['price_a']:.2f} [{price_a['source_id']}]", f"{result['price_b']:.2f} [{price_b['source_id']}]",
              f"{result['breakeven_speedup']:.2f}", f"{observed['median']:.2f}", f"{result['breakeven_price_b']:.2f}",
              result["verdict"]]}), name="summary")
'''),
    md("""
At these prices `gpu_b` must be {glue:text}`breakeven_speedup:.2f`× as fast as `gpu_a` to cost less per job.
The benchmark data show {glue:text}`observed_speedup_low:.2f`× to {glue:text}`observed_speedup_high:.2f`×
(median {glue:text}`observed_speedup_median:.2f`×); at the median speedup `gpu_b` stops paying off above
${glue:text}`breakeven_price_h100_usd_per_hour:.2f` per GPU-hour.
"""),
    md("""
## The plane: speedup against price ratio

Each point is one matched benchmark comparison (same workload, round and GPU count) drawn at the price ratio
set by the sliders; above the diagonal `gpu_b` is cheaper per job. **Drag the price and utilization sliders.**
"""),
    code('''
points = observed["pairs"].assign(
    comparison=lambda f: f["suite"] + " · " + f["workload"] + " · " + f["gpu_count"].astype(str) + " GPU",
    source_id=lambda f: "benchmark " + f["benchmark_id_a"].astype(str) + " vs " + f["benchmark_id_b"].astype(str))
label_a = data.gpu(gpu_a)["name"].removeprefix("NVIDIA ")
label_b = data.gpu(gpu_b)["name"].removeprefix("NVIDIA ")
charts.breakeven_plane(points, result["price_a"], result["price_b"], label_a=label_a, label_b=label_b,
                       utilization_a=utilization_a, utilization_b=utilization_b)
'''),
    md("""
## Rent or buy `gpu_b`

Owning: the purchase spread over `years`, power at TDP × PUE for the busy hours, and hosting; renting: the hourly
price for the same busy hours. The power and hosting inputs are assumptions — put in your own.
"""),
    code('''
purchases = data.query("SELECT purchase_usd, source_id FROM prices WHERE gpu_id = ? AND kind = 'purchase' ORDER BY purchase_usd",
                       [gpu_b])
purchase_usd = h100_purchase_usd if h100_purchase_usd is not None else float(purchases["purchase_usd"].median())
own = breakeven.rent_vs_buy(purchase_usd, data.gpu(gpu_b)["tdp_w"], pue, usd_per_kwh, hosting_usd_per_month,
                            years, owned_utilization, result["price_b"])
glue("purchase_usd_h100", purchase_usd, display=False)
glue("months_to_breakeven_h100", float(own["months_to_breakeven"]), display=False)
glue("owned_usd_per_hour_h100", float(own["owned_usd_per_hour"]), display=False)
charts.table(pd.DataFrame([own]).drop(columns="buy_is_cheaper").T.reset_index().set_axis(["quantity", "value"], axis=1),
             {"value": "{:,.2f}"}, caption=f"{gpu_b}: purchase ${purchase_usd:,.0f} (median of {len(purchases)} purchase prices in the data)",
             name="own")
'''),
    md("""
At a purchase price of ${glue:text}`purchase_usd_h100:,.0f` an owned `gpu_b` costs
${glue:text}`owned_usd_per_hour_h100:.2f` per busy hour and pays back its purchase in
{glue:text}`months_to_breakeven_h100:.1f` months against renting at ${glue:text}`usd_per_gpu_hour_h100:.2f`.
"""),
    md("""
## What flips the decision

The cost difference per job (`gpu_b` − `gpu_a`; negative means `gpu_b` is cheaper) when one input at a time
moves to the ends of its range: the speedup across the observed band, each price across the spread of latest
prices in the data, the others ±25 % (an assumption).
"""),
    code('''
glue("usd_per_gpu_hour_h100", float(result["price_b"]), display=False)
spread = {gid: data.query("SELECT min(usd_per_gpu_hour) AS low, max(usd_per_gpu_hour) AS high FROM latest_prices "
                          "WHERE gpu_id = ? AND kind = 'on-demand'", [gid]).iloc[0] for gid in (gpu_a, gpu_b)}
base = {"hours_a": runtime_hours_a, "speedup": observed["median"], "price_a": result["price_a"],
        "price_b": result["price_b"], "utilization_a": utilization_a, "utilization_b": utilization_b}
ranges = breakeven.default_ranges(base) | {
    "speedup": (observed["low"], observed["high"]),
    "price_a": (float(spread[gpu_a]["low"]), float(spread[gpu_a]["high"])),
    "price_b": (float(spread[gpu_b]["low"]), float(spread[gpu_b]["high"]))}
tornado = breakeven.sensitivity(base, ranges)
glue("sensitivity_top_input", tornado["input"].iloc[0], display=False)
charts.tornado(tornado, value_title="cost per job, gpu_b − gpu_a (USD; < 0: gpu_b cheaper)",
               title=f"What moves the cost difference of a {runtime_hours_a:g} h job")
'''),
    md("""
The input that moves the answer most is **{glue:text}`sensitivity_top_input`**.
"""),
]

# ---------------------------------------------------------------------------------------------------------------
# 05 scaling
# ---------------------------------------------------------------------------------------------------------------
NB05 = [
    md("""
# Scaling: from one GPU to a thousand

How much faster does a training run finish on 8, 64 or 1024 GPUs, how much of each extra GPU is lost to
communication on A100 and H100 with NVLink (600 vs 900 GB/s), PCIe or InfiniBand between nodes, what does
that do to the bill, and can storage keep the GPUs fed?
"""),
    params('''
params_billions: float = 7.0  # model size, billions of parameters (pretraining from scratch)
tokens_billions: float = 100.0  # training tokens, billions
gpus: list = ["a100-sxm4-80gb", "h100-sxm5-80gb", "a100-pcie-80gb", "h100-pcie-80gb"]  # GPUs compared (ids or aliases)
gpu_count: int = 64  # the cluster size quoted in the text
a100_usd_per_hour: float | None = None  # on-demand $/GPU-hour for the A100 80GB SXM; None means the latest price in the data
h100_usd_per_hour: float | None = None  # on-demand $/GPU-hour for the H100 80GB SXM; None means the latest price in the data
provider: str | None = "RunPod Secure Cloud"  # provider whose latest prices are used; None means the latest from any provider
samples_per_s_per_gpu_a100: float = 2000.0  # samples one A100 consumes per second in the data-loading case (assumption: profile yours)
bytes_per_sample: float = 500000.0  # bytes read from storage per sample (assumption: e.g. one compressed image)
'''),
    code('''
from gpuplan.params import price_or_latest, validate

params_billions = validate("params_billions", params_billions, "positive")
tokens_billions = validate("tokens_billions", tokens_billions, "positive")
gpu_ids = validate("gpus", gpus, "gpus")
gpu_count = validate("gpu_count", gpu_count, "count")
provider = validate("provider", provider, "text") if provider is not None else None
user_prices = {"a100-sxm4-80gb": ("a100_usd_per_hour", a100_usd_per_hour),
               "h100-sxm5-80gb": ("h100_usd_per_hour", h100_usd_per_hour)}
samples_per_s_per_gpu_a100 = validate("samples_per_s_per_gpu_a100", samples_per_s_per_gpu_a100, "positive")
bytes_per_sample = validate("bytes_per_sample", bytes_per_sample, "positive")
'''),
    code(SETUP + '''
from gpuplan import runtime, scaling'''),
    md("""
## Efficiency from 1 to 1024 GPUs

Data-parallel training at a fixed global batch: each step's compute is split over the GPUs and the gradients
are all-reduced over the slowest link of the ring — NVLink or PCIe inside an 8-GPU node, the per-GPU network
link between nodes (`gpuplan.scaling`, whose docstring gives every assumption and source). Efficiency is the
one-GPU step time ÷ (GPUs × step time).
"""),
    code('''
def setup_label(gid):
    gpu = data.gpu(gid)
    link = f"NVLink {gpu['nvlink_gbps']:.0f} GB/s" if gpu["interconnect"] != "pcie" else f"PCIe Gen{gpu['pcie_gen']}"
    return f"{gpu['name'].removeprefix('NVIDIA ')} · {link}"

curves = pd.concat([scaling.scaling_curve(params_billions * 1e9, gid, tokens=tokens_billions * 1e9)
                    for gid in gpu_ids], ignore_index=True)
curves["setup"] = curves["gpu_id"].map(setup_label)
curves = curves.rename(columns={"n": "gpu_count"})
charts.scaling_curves(curves, "efficiency", y_title="scaling efficiency (1 = linear)",
                      title=f"Scaling efficiency, {params_billions:g}B parameters, data parallel")
'''),
    code('''
charts.scaling_curves(curves, "hours", y_title="hours to train (log scale)", log_y=True,
                      title=f"Time to train {params_billions:g}B parameters on {tokens_billions:g}B tokens")
'''),
    code('''
at = curves[curves["gpu_count"] == gpu_count].set_index("gpu_id")
for gid, short in [("a100-sxm4-80gb", "a100"), ("h100-sxm5-80gb", "h100")]:
    if gid in at.index:
        glue(f"scaling_efficiency_{short}", float(at.loc[gid, "efficiency"]), display=False)
        glue(f"hours_to_train_{short}", float(at.loc[gid, "hours"]), display=False)
glue("gpu_count", gpu_count, display=False)
charts.table(at.reset_index()[["setup", "bus_gbps", "step_seconds", "exposed_comm_seconds", "efficiency", "hours"]].rename(
    columns={"bus_gbps": "ring link (GB/s per direction)", "step_seconds": "step (s)",
             "exposed_comm_seconds": "exposed all-reduce (s)", "hours": "hours to train"}),
    {"ring link (GB/s per direction)": "{:.1f}", "step (s)": "{:.3f}", "exposed all-reduce (s)": "{:.3f}",
     "efficiency": "{:.1%}", "hours to train": "{:,.1f}"}, caption=f"At {gpu_count} GPUs", name="at")
'''),
    md("""
At {glue:text}`gpu_count` GPUs the model keeps {glue:text}`scaling_efficiency_a100:.0%` of linear scaling on
the A100 SXM and {glue:text}`scaling_efficiency_h100:.0%` on the H100 SXM, and the run takes
{glue:text}`hours_to_train_a100:,.1f` h against {glue:text}`hours_to_train_h100:,.1f` h. Each MFU comes from
the benchmark fits of `gpuplan.runtime.default_mfu`.
"""),
    md("""
## Cost against time: the frontier

Every (GPU, count) option's hours to train and cost at the chosen prices; the Pareto options (nothing else is
both faster and cheaper) are joined.
"""),
    code('''
prices = {gid: price_or_latest(*user_prices.get(gid, ("price", None)), gid, provider=provider,
                               any_provider=True)["usd_per_gpu_hour"] for gid in gpu_ids}
front = scaling.frontier(params_billions * 1e9, tokens_billions * 1e9, list(prices), prices=prices)
front["setup"] = front["gpu_id"].map(setup_label)
pareto = front[front["pareto"]]
glue("frontier_cheapest_usd", float(front["cost_usd"].min()), display=False)
glue("frontier_fastest_hours", float(front["hours"].min()), display=False)
(charts.scatter(front, "hours", "cost_usd", "setup", x_title="hours to train (log)", y_title="cost (USD, log)",
                title="Cost vs time to train, every GPU count 1…1024", log_x=True, log_y=True,
                tooltip=["setup", "n", alt.Tooltip("hours:Q", format=",.1f"), alt.Tooltip("cost_usd:Q", format="$,.0f"),
                         alt.Tooltip("efficiency:Q", format=".1%"), "pareto"])
 + alt.Chart(pareto).mark_line(color="black", strokeDash=[3, 2]).encode(x="hours:Q", y="cost_usd:Q"))
'''),
    md("""
The cheapest option costs ${glue:text}`frontier_cheapest_usd:,.0f`; the fastest finishes in
{glue:text}`frontier_fastest_hours:,.1f` h. Prices: the chosen provider's latest on-demand price per GPU where
it lists one, else the latest from any provider.
"""),
    md("""
## Can storage keep up? The articles' four-GPU loading case

HappyHorse (April 2026) quotes storage read rates of about 1.7 GiB/s (A100) and 1.5 GiB/s (H100) for one GPU,
and about 0.2 and 2.2 GiB/s for four. The workload below needs `samples_per_s_per_gpu_a100` × `bytes_per_sample`
per A100 (the H100 consumes faster by the median observed training speedup).
"""),
    code('''
speedup = runtime.speedup_band("a100-sxm4-80gb", "h100-sxm5-80gb", task_type="training")["median"]
cases = [("A100", 1, 1.7, 1.0), ("H100", 1, 1.5, speedup), ("A100", 4, 0.2, 1.0), ("H100", 4, 2.2, speedup)]
loading = pd.DataFrame([{"gpu": g, "gpus": n, **scaling.data_loading_bound(samples_per_s_per_gpu_a100 * s,
                                                                          bytes_per_sample, rate, gpus=n)}
                        for g, n, rate, s in cases])
glue("fed_fraction_a100_4gpu", float(loading["fed_fraction"][2]), display=False)
glue("fed_fraction_h100_4gpu", float(loading["fed_fraction"][3]), display=False)
charts.table(loading.rename(columns={"needed_gibps": "needed (GiB/s)", "storage_gibps": "storage (GiB/s)",
                                     "fed_fraction": "GPU time fed", "input_bound": "input-bound"}),
             {"needed (GiB/s)": "{:.2f}", "storage (GiB/s)": "{:.2f}", "GPU time fed": "{:.0%}"}, name="loading")
'''),
    md("""
With four GPUs, storage at the quoted rates keeps the A100s busy {glue:text}`fed_fraction_a100_4gpu:.0%` of the
time and the H100s {glue:text}`fed_fraction_h100_4gpu:.0%`: when input is the bottleneck, a faster GPU only
waits faster. The quoted rates are the article's, not measurements in our data.
"""),
    md("""
## The model against MLPerf at several scales

MLPerf Training results for the same benchmark, GPU and round at several GPU counts: the observed ratio of
times against the model's prediction and against ideal linear scaling.
"""),
    code('''
mlperf = scaling.compare_mlperf()
glue("mlperf_scaling_error_model", mlperf.attrs["median_abs_error"], display=False)
glue("mlperf_scaling_error_linear", mlperf.attrs["ideal_median_abs_error"], display=False)
long = mlperf.melt(id_vars=["round", "model", "gpu_id", "n"], value_vars=["observed_ratio", "predicted_ratio", "ideal_ratio"],
                   var_name="series", value_name="time_ratio")
long["series"] = long["series"].str.replace("_ratio", "")
charts.scatter(long, "n", "time_ratio", "series", x_title="GPUs (log)", y_title="time ÷ time at the smallest count (log)",
               title="MLPerf Training time vs GPU count: observed, model, linear", log_x=True, log_y=True,
               tooltip=["model", "round", "gpu_id", "n", "series", alt.Tooltip("time_ratio:Q", format=".3f")])
'''),
    md("""
The median absolute error of the data-parallel model against these results is
{glue:text}`mlperf_scaling_error_model:.0%`, against {glue:text}`mlperf_scaling_error_linear:.0%` for plain
linear scaling: MLPerf's large runs use tensor and pipeline parallelism and grow the global batch with scale,
which the fixed-batch data-parallel model does not. Read its efficiency beyond a few hundred GPUs as a lower
bound.
"""),
]

# ---------------------------------------------------------------------------------------------------------------
# 06 claims check
# ---------------------------------------------------------------------------------------------------------------
NB06 = [
    md("""
# Claims check: what the articles say, against our data

Four articles that teams read when choosing between A100 and H100 make thirty checkable claims. Which of them
hold on our data and models, which depend on the workload or the prices, and which can our data not settle?
"""),
    md("""
The articles (quoted briefly; read them for the full argument):

- **[W]** "When H100 becomes the right choice", 1Legion, 3 December 2025 {cite:p}`onelegion2025h100`.
- **[V]** "H100 vs A100 for AI Video Generation: Performance Comparison", HappyHorse, April 2026
  {cite:p}`happyhorse2026video`.
- **[D]** "A100 vs H100: Which GPU Makes More Sense for AI Workloads?", undated (no publisher named in our copy).
- **[F]** "H100 80GB vs A100 80GB: Fine-Tuning Performance and TCC Analysis", Lyceum Technologies (Felix Seifert),
  23 February 2026 {cite:p}`lyceum2026finetuning`.

Verdicts: **supported**, **depends on …** (true for some workloads, prices or settings and not others),
**not supported**, **not checkable with our data**.
"""),
    params(PAIR_PARAMS),
    code(PAIR_VALIDATE),
    code(SETUP + '''
from gpuplan import breakeven, runtime, scaling
from gpuplan.cost import cost_per_job

claims = []


def claim(number, article, text, verdict, evidence):
    claims.append({"#": number, "article": article, "claim": text, "verdict": verdict, "evidence": evidence})


def band(task_type=None):
    return runtime.speedup_band(gpu_a, gpu_b, task_type=task_type)


def band_text(b):
    return f"{b['low']:.2f}×–{b['high']:.2f}× (median {b['median']:.2f}×, {b['n']} matched results)"


def range_verdict(b, low, high):
    """supported: the observed median lies in the claimed range; depends: the ranges overlap; else not."""
    if not b["n"]:
        return "not checkable with our data"
    if low <= b["median"] <= high:
        return "supported"
    return "depends on the workload" if b["low"] <= high and b["high"] >= low else "not supported"'''),
    md("## Speed"),
    code('''
inference, training, finetune, every = band("inference"), band("training"), band("finetune"), band()
claim(1, "V", "H100 ≈1.5×–2× faster than A100 for inference", range_verdict(inference, 1.5, 2.0),
      f"inference benchmarks: {band_text(inference)}")
claim(2, "V", "training gains ≈2×–4× (2–3× for LLM training)", range_verdict(training, 2.0, 4.0),
      f"training benchmarks: {band_text(training)}")
claim(3, "V", "\\"up to 30× faster inference\\" headlines are narrow",
      "supported" if every["high"] < 30 else "not supported",
      f"largest like-for-like speedup in our data is {every['high']:.1f}× (all {every['n']} matched results)")
claim(4, "V", "20 min → 10–13 min; 6 min/clip → 3–4 min", "depends on the workload",
      f"implied speedups {20 / 13:.2f}×–{20 / 10:.1f}× and {6 / 4:.1f}×–{6 / 3:.1f}×, inside the inference band "
      f"{band_text(inference)}; no video-generation benchmark in our data")
claim(5, "V", "a 40 h A100 fine-tune → ≈20 h at 2×, ≈13 h at 3×", "supported",
      f"arithmetic: 40 / 2 = {runtime.hours_at_speedup(40, 2):.0f} h, 40 / 3 = {runtime.hours_at_speedup(40, 3):.1f} h")
'''),
    code('''
spec = data.query("SELECT * FROM gpus WHERE gpu_id IN (?, ?)", [gpu_a, gpu_b]).set_index("gpu_id")
a, b = spec.loc[gpu_a], spec.loc[gpu_b]
fp8_over_bf16 = b["fp8_tflops_dense"] / a["bf16_tflops_dense"]
claim(6, "F", "FP8 on H100: 2×–4× fine-tuning speedup over BF16 on A100; 24 h → ≈8 h", range_verdict(finetune, 2.0, 4.0),
      f"fine-tuning benchmarks: {band_text(finetune)}; dense peak FP8 (H100) ÷ BF16 (A100) = {fp8_over_bf16:.1f}×; 24 h → 8 h is 3×")
claim(7, "F", "LoRA on one H100 80GB: 2.2×–2.8× the tokens/s of an A100 80GB", "not checkable with our data",
      "no single-GPU LoRA tokens/s measurement for both GPUs; the closest, all fine-tuning results: " + band_text(finetune))
claim(8, "F", "70B full fine-tune, FSDP on 8×H100 \\"up to 3× faster\\" than 8×A100", "not checkable with our data",
      "no 70B full fine-tune benchmark on both GPUs; MLPerf's Llama 2 70B LoRA has no A100 result at 8 GPUs")
est_a = runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id=gpu_a, gpus=8)
est_b = runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id=gpu_b, gpus=8)
claim(9, "F", "1B tokens: \\"several days\\" on an A100 cluster, \\"a single weekend\\" on H100", "depends on the model size and cluster",
      f"7B model, 1B tokens (6·P·D FLOPs) on 8 GPUs at fitted MFU: {est_a.hours:.1f} h on {gpu_a}, {est_b.hours:.1f} h on {gpu_b} — days only for much larger models or fewer GPUs")
claim(10, "W", "H100 \\"reduces multi-day experiments to hours\\"", "not supported" if every["high"] < 8 else "depends on the workload",
      f"2 days → under 6 h needs ≥8×; like-for-like speedups in our data reach {every['high']:.1f}× (median {every['median']:.2f}×)")
'''),
    md("## Memory and precision"),
    code('''
bw_gain = b["memory_bandwidth_gbps"] / a["memory_bandwidth_gbps"] - 1
claim(11, "F", "A100 80GB ≈2.0 TB/s vs H100 3.35 TB/s: \\"67% increase\\"", "supported (rounding)",
      f"data: {a['memory_bandwidth_gbps']:,.0f} vs {b['memory_bandwidth_gbps']:,.0f} GB/s = +{bw_gain:.0%} "
      f"(+{3350 / 2000 - 1:.1%} with the rounded 2.0 TB/s) [{a['source_id']}, {b['source_id']}]")
mamf = data.query("""SELECT arg_max(value, value) FILTER (precision ILIKE 'fp8%') AS fp8, arg_max(value, value) FILTER (precision = 'bf16') AS bf16,
                      any_value(source_id) AS source_id FROM benchmarks WHERE gpu_id = ? AND workload ILIKE '%MAMF%'""", [gpu_b]).iloc[0]
claim(12, "F", "FP8 halves weight/activation memory vs FP16 and \\"effectively doubles\\" matmul throughput",
      "depends on the workload",
      f"1 vs 2 bytes per value (stas00 inference README): memory halves; dense peak FP8 ÷ BF16 on {gpu_b} = "
      f"{b['fp8_tflops_dense'] / b['bf16_tflops_dense']:.2f}×, measured matmul (MAMF) {mamf['fp8']:,.1f} ÷ {mamf['bf16']:,.1f} "
      f"TFLOPS = {mamf['fp8'] / mamf['bf16']:.2f}× [{mamf['source_id']}]")
from gpuplan import memory

flux = {p: memory.memory_estimate("flux.1-dev", precision=p, height=1024, width=1024).per_gpu_bytes / memory.GIB
        for p in ("bf16", "fp8")}
flux_lora = memory.memory_estimate("flux.1-dev", mode="lora", checkpointing=True, height=1024, width=1024).per_gpu_bytes / memory.GIB
claim(13, "V", "many generative models need ≥12 GB for basic inference; training starts at 16–24 GB or more",
      "supported" if min(flux.values()) >= 12 / 1.073741824 and flux_lora >= 16 / 1.073741824 else "depends on the model",
      f"memory model, FLUX.1-dev (12B) one 1024×1024 image: {flux['bf16']:.1f} GiB in bf16, {flux['fp8']:.1f} GiB with fp8 "
      f"weights; LoRA training {flux_lora:.1f} GiB (denoiser only; 12 GB = 11.2 GiB)")
claim(14, "V", "SD 1.5 runs at a 4 GB minimum; SDXL at 8–12 GB; training comfortable at 24 GB+", "not checkable with our data",
      "the models table has no parameter count for SD 1.5 or SDXL (not found in our sources), so the memory model cannot size them")
claim(15, "V", "some optimized Stable Video workflows run under 10 GB", "not checkable with our data",
      "no Stable Video Diffusion model in our models table; the 14B Wan2.1 video model needs well above 10 GB (see the memory notebook)")
claim(16, "W", "FP8 gains matter most above ≈70B parameters", "not checkable with our data",
      "no benchmark in our data measures the FP8 gain by model size")
'''),
    md("## Interconnect and scaling"),
    code('''
claim(17, "F", "NVLink 4 900 GB/s vs NVLink 3 600 GB/s: \\"a 50% increase\\"; PCIe Gen5 doubles Gen4",
      "supported" if b["nvlink_gbps"] / a["nvlink_gbps"] == 1.5 else "not supported",
      f"data: {b['nvlink_gbps']:.0f} vs {a['nvlink_gbps']:.0f} GB/s = {b['nvlink_gbps'] / a['nvlink_gbps']:.2f}×; "
      f"PCIe x16 per direction Gen{b['pcie_gen']} {scaling.pcie_gbps(int(b['pcie_gen'])):.1f} vs Gen{a['pcie_gen']} "
      f"{scaling.pcie_gbps(int(a['pcie_gen'])):.1f} GB/s")
curve = {g: scaling.scaling_curve(7e9, g, [8, 64], tokens=1e11, overlap=0).set_index("n")["efficiency"]
         for g in ("h100-pcie-80gb", gpu_b)}
claim(18, "W", "without NVLink/NVSwitch, scaling beyond 4–8 GPUs becomes inefficient", "depends on the parallelism",
      f"scaling model, 7B data parallel, no compute/communication overlap: H100 PCIe {curve['h100-pcie-80gb'][8]:.0%} at 8 "
      f"and {curve['h100-pcie-80gb'][64]:.0%} at 64 GPUs vs {curve[gpu_b][8]:.0%} and {curve[gpu_b][64]:.0%} for {gpu_b} "
      "(between nodes both run at the network's speed); tensor-parallel traffic, which the claim is about, is not modelled")
claim(19, "V", "storage loading: 1 GPU A100 ≈1.7, H100 ≈1.5 GiB/s; 4 GPUs A100 ≈0.2, H100 ≈2.2 GiB/s",
      "not checkable with our data", "no storage-throughput measurement in our data; the four-GPU A100 figure is "
      "below its one-GPU figure, which points at the storage setup rather than the GPU")
mlperf = scaling.compare_mlperf()
observed_eff = (mlperf["n_ref"] / mlperf["n"]) / mlperf["observed_ratio"]
claim(20, "F", "H100 interconnects allow \\"near-linear scaling\\"", "depends on the scale",
      f"MLPerf Training LLM results at several scales keep {observed_eff.min():.0%}–{observed_eff.max():.0%} of linear "
      f"scaling (median {observed_eff.median():.0%}, {len(mlperf)} pairs, up to {mlperf['n'].max():,} GPUs)")
'''),
    md("## Cost"),
    code('''
ex_a = cost_per_job(runtime_hours=8, usd_per_gpu_hour=1.50).cost_per_job_usd
ex_b = cost_per_job(runtime_hours=3, usd_per_gpu_hour=3.50).cost_per_job_usd
claim(21, "V", "A100 8 h × $1.50 = $12.00; H100 3 h × $3.50 = $10.50: cheaper per job", "supported",
      f"cost per job ${ex_a:.2f} vs ${ex_b:.2f}: the 2.67× speedup beats the {3.5 / 1.5:.2f}× price ratio")
ratio = price_b["usd_per_gpu_hour"] / price_a["usd_per_gpu_hour"]
s_star = breakeven.breakeven_speedup(price_a["usd_per_gpu_hour"], price_b["usd_per_gpu_hour"])
efficiency = training["median"] / ratio
glue("breakeven_speedup", float(s_star), display=False)
glue("price_ratio", float(ratio), display=False)
prices_text = (f"${price_a['usd_per_gpu_hour']:.2f} vs ${price_b['usd_per_gpu_hour']:.2f} per GPU-hour "
               f"[{price_a['source_id']}, {price_b['source_id']}]")
claim(22, "V", "H100 \\"roughly 3× more cost-efficient\\" for mixed-precision LLM training",
      "supported" if 2.5 <= efficiency <= 3.5 else "not supported",
      f"jobs per dollar, H100 ÷ A100 = median training speedup {training['median']:.2f}× ÷ price ratio {ratio:.2f} = {efficiency:.2f}× at {prices_text}")
claim(23, "F", "at 2–3× speed the H100's total cost is \\"lower or equal\\"",
      "supported" if s_star <= 2 else "depends on the speedup" if s_star <= 3 else "not supported",
      f"break-even speedup {s_star:.2f}× at {prices_text}")
claim(24, "F", "the \\"40% utilization problem\\": GPUs idle while data loads", "not checkable with our data",
      f"no utilization measurement in our data; its effect: at 40% utilization a job costs "
      f"{cost_per_job(runtime_hours=1, usd_per_gpu_hour=1, utilization=0.4).cost_per_job_usd:.1f}× its full-utilization cost")
claim(25, "W", "costed per training goal rather than per GPU-hour, H100 \\"often\\" becomes the cost-efficient GPU",
      "supported" if training["median"] > s_star else "depends on the prices",
      f"median training speedup {training['median']:.2f}× against a break-even of {s_star:.2f}× at {prices_text}; "
      f"the training band {training['low']:.2f}×–{training['high']:.2f}× crosses it for some workloads")
claim(26, "V", "break-even worksheet: runtime, hourly rate, utilization, reruns per 100, queue delay, value of faster delivery",
      "supported", "gpuplan.cost.cost_per_job takes exactly these inputs (runtime_hours, usd_per_gpu_hour, utilization, "
      "reruns_per_100, queue_hours, value_per_hour_usd) and reproduces claim 21")
'''),
    md("## Hardware facts stated in passing"),
    code('''
nodes = data.query("SELECT value, source_id FROM spec_values WHERE gpu_id = ? AND field LIKE 'process%' ORDER BY source_id",
                   [gpu_b])
claim(27, "V", "H100 is built \\"on a 5nm process\\"", "depends on the source",
      "; ".join(f"{v} [{s}]" for v, s in nodes.itertuples(index=False)) or f"gpus table: {b['process_node']}")
claim(28, "F", "H100 \\"supports PCIe Gen5\\"; needs CUDA 12.x and PyTorch 2.0+ for Hopper features",
      "supported (the PCIe part)" if b["pcie_gen"] == 5 else "not supported",
      f"gpus table: PCIe Gen{b['pcie_gen']} [{b['source_id']}]; software requirements are not in our data")
claim(29, "F", "FlashAttention-2 is \\"highly optimized for the H100's architecture\\"", "not checkable with our data",
      "no FlashAttention benchmark in our data")
per_watt_a, per_watt_b = a["bf16_tflops_dense"] / a["tdp_w"], b["bf16_tflops_dense"] / b["tdp_w"]
claim(30, "F", "the H100's \\"energy efficiency per TFLOP is superior\\"",
      "supported (at peak)" if per_watt_b > per_watt_a else "not supported",
      f"dense BF16 TFLOPS per TDP watt: {per_watt_a:.2f} ({gpu_a}, {a['tdp_w']:.0f} W) vs {per_watt_b:.2f} ({gpu_b}, "
      f"{b['tdp_w']:.0f} W); measured energy per job is not in our data")
'''),
    md("## All claims"),
    code('''
table = pd.DataFrame(claims).sort_values("#")
glue("claims_total", len(table), display=False)
glue("claims_supported", int(table["verdict"].str.startswith("supported").sum()), display=False)
glue("claims_not_supported", int((table["verdict"] == "not supported").sum()), display=False)
glue("claims_not_checkable", int(table["verdict"].str.contains("not checkable").sum()), display=False)
glue("claims_depends", int(table["verdict"].str.startswith("depends").sum()), display=False)
charts.table(table, caption="Every claim, its verdict and the evidence (source ids in brackets)", name="claims")
'''),
    md("""
Of {glue:text}`claims_total` claims, {glue:text}`claims_supported` are supported by our data (some only in part),
{glue:text}`claims_depends` depend on the workload, the prices or the scale, {glue:text}`claims_not_supported`
are not supported and {glue:text}`claims_not_checkable` cannot be checked with our data. At the chosen prices
the H100 must be {glue:text}`breakeven_speedup:.2f`× as fast as the A100 to cost less per job.
"""),
]


NOTEBOOKS = {
    "01_data_tour.ipynb": NB01,
    "02_memory_planning.ipynb": NB02,
    "03_cost_per_task.ipynb": NB03,
    "04_breakeven.ipynb": NB04,
    "05_scaling.ipynb": NB05,
    "06_claims_check.ipynb": NB06,
}


def build(cells) -> nbformat.NotebookNode:
    """A notebook from cells, with the python3 kernelspec (papermill, nbval and myst-nb need it)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.from_dict(dict(cell)) for cell in cells]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"  # stable ids: no random ids in git diffs
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    return nb


def main(argv: list[str]) -> int:
    execute = "--execute" in argv
    wanted = [a for a in argv if not a.startswith("--")]
    for name, cells in NOTEBOOKS.items():
        if cells is None or (wanted and not any(name.startswith(w) for w in wanted)):
            continue
        path = NOTEBOOK_DIR / name
        nbformat.write(build(cells), path)
        if execute:  # the same papermill run + metadata normalization as `make notebooks`
            from gpuplan import book

            book.execute(path, path, {})
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
