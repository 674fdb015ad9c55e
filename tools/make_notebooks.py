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
names = [data.gpu(gid)["name"].removeprefix("NVIDIA ") for gid in (p.gpu_a, p.gpu_b)]
pair = cost.cost_table(gpu=names, usd_per_gpu_hour=[price_a["usd_per_gpu_hour"], price_b["usd_per_gpu_hour"]],
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
    code('''
from gpuplan.params import price_or_latest, validate_parameters

p = validate_parameters(globals(), {
    "gpu_a": "gpu", "gpu_b": "gpu", "a100_usd_per_hour": "price", "h100_usd_per_hour": "price", "provider": "text?",
    "task": ("choice?", ["training", "finetune", "inference"]), "utilization_a": "fraction", "utilization_b": "fraction",
    "reruns_a": "nonnegative", "reruns_b": "nonnegative", "runtime_hours_a": "positive", "h100_purchase_usd": "price",
    "years": "positive", "pue": "positive", "usd_per_kwh": "nonnegative", "hosting_usd_per_month": "nonnegative",
    "owned_utilization": "fraction"})
price_a = price_or_latest("a100_usd_per_hour", p.a100_usd_per_hour, p.gpu_a, provider=p.provider)
price_b = price_or_latest("h100_usd_per_hour", p.h100_usd_per_hour, p.gpu_b, provider=p.provider)
'''),
    code(SETUP + '''
from gpuplan import breakeven'''),
    md("""
## The break-even speedup

With cost per job = hours × price ÷ utilization × (1 + reruns/100) (the HappyHorse worksheet, April 2026), the
challenger is cheaper exactly when its speedup exceeds the ratio of effective hourly prices.
"""),
    code('''
result = breakeven.breakeven(p.gpu_a, p.gpu_b, price_a["usd_per_gpu_hour"], price_b["usd_per_gpu_hour"], p.task,
                             utilization_a=p.utilization_a, utilization_b=p.utilization_b,
                             reruns_a=p.reruns_a, reruns_b=p.reruns_b)
for name, value in breakeven.headline(result).items():
    glue(name, value, display=False)
charts.table(breakeven.summary_table(result, price_a["source_id"], price_b["source_id"]), name="summary")
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
charts.breakeven_plane(breakeven.plane_points(result["pairs"]), result["price_a"], result["price_b"],
                       label_a=breakeven.short_name(p.gpu_a), label_b=breakeven.short_name(p.gpu_b),
                       utilization_a=p.utilization_a, utilization_b=p.utilization_b)
'''),
    md("""
## Rent or buy `gpu_b`

Owning: the purchase spread over `years`, power at TDP × PUE for the busy hours, and hosting; renting: the hourly
price for the same busy hours. The power and hosting inputs are assumptions — put in your own.
"""),
    code('''
own = breakeven.rent_vs_buy_median(p.gpu_b, result["price_b"], purchase_usd=p.h100_purchase_usd, pue=p.pue,
                                   usd_per_kwh=p.usd_per_kwh, hosting_usd_per_month=p.hosting_usd_per_month,
                                   years=p.years, utilization=p.owned_utilization)
for name in ("purchase_usd", "months_to_breakeven", "owned_usd_per_hour"):
    glue(f"{name}_h100", float(own[name]), display=False)
charts.table(breakeven.rent_vs_buy_table(own), {"value": "{:,.2f}"}, caption=own["purchase_note"], name="own")
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
tornado = breakeven.decision_sensitivity(result, p.runtime_hours_a)
glue("sensitivity_top_input", tornado["input"].iloc[0], display=False)
charts.tornado(tornado, value_title="cost per job, gpu_b − gpu_a (USD; < 0: gpu_b cheaper)",
               title=f"What moves the cost difference of a {p.runtime_hours_a:g} h job")
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
from gpuplan import scaling
from gpuplan.params import validate_parameters

p = validate_parameters(globals(), {
    "params_billions": "positive", "tokens_billions": "positive", "gpus": "gpus", "gpu_count": "count",
    "a100_usd_per_hour": "price", "h100_usd_per_hour": "price", "provider": "text?",
    "samples_per_s_per_gpu_a100": "positive", "bytes_per_sample": "positive"})
prices = scaling.hourly_prices(p.gpus, {"a100-sxm4-80gb": ("a100_usd_per_hour", p.a100_usd_per_hour),
                                        "h100-sxm5-80gb": ("h100_usd_per_hour", p.h100_usd_per_hour)}, p.provider)
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
curves = scaling.curves(p.params_billions * 1e9, p.tokens_billions * 1e9, p.gpus, gpu_count=p.gpu_count)
charts.scaling_curves(curves, "efficiency", y_title="scaling efficiency (1 = linear)",
                      title=f"Scaling efficiency, {p.params_billions:g}B parameters, data parallel")
'''),
    code('''
charts.scaling_curves(curves, "hours", y_title="hours to train (log scale)", log_y=True,
                      title=f"Time to train {p.params_billions:g}B parameters on {p.tokens_billions:g}B tokens")
'''),
    code('''
for name, value in scaling.headline(curves, p.gpu_count).items():
    glue(name, value, display=False)
charts.table(scaling.at_count(curves, p.gpu_count), scaling.AT_COUNT_FORMATS, caption=f"At {p.gpu_count} GPUs",
             name="at")
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
front = scaling.frontier_table(p.params_billions * 1e9, p.tokens_billions * 1e9, prices)
glue("frontier_cheapest_usd", float(front["cost_usd"].min()), display=False)
glue("frontier_fastest_hours", float(front["hours"].min()), display=False)
(charts.scatter(front, "hours", "cost_usd", "setup", x_title="hours to train (log)", y_title="cost (USD, log)",
                title="Cost vs time to train, every GPU count 1…1024", log_x=True, log_y=True,
                tooltip=["setup", "n", alt.Tooltip("hours:Q", format=",.1f"), alt.Tooltip("cost_usd:Q", format="$,.0f"),
                         alt.Tooltip("efficiency:Q", format=".1%"), "pareto"])
 + alt.Chart(front[front["pareto"]]).mark_line(color="black", strokeDash=[3, 2]).encode(x="hours:Q", y="cost_usd:Q"))
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
loading = scaling.loading_case(p.samples_per_s_per_gpu_a100, p.bytes_per_sample, speedup)
glue("fed_fraction_a100_4gpu", float(loading["GPU time fed"][2]), display=False)
glue("fed_fraction_h100_4gpu", float(loading["GPU time fed"][3]), display=False)
charts.table(loading, {"needed (GiB/s)": "{:.2f}", "storage (GiB/s)": "{:.2f}", "GPU time fed": "{:.0%}"}, name="loading")
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
charts.scatter(scaling.mlperf_long(mlperf), "n", "time_ratio", "series", x_title="GPUs (log)",
               y_title="time ÷ time at the smallest count (log)", log_x=True, log_y=True,
               title="MLPerf Training time vs GPU count: observed, model, linear",
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
    code('''
from gpuplan.params import price_or_latest, validate_parameters

p = validate_parameters(globals(), {
    "gpu_a": "gpu", "gpu_b": "gpu", "a100_usd_per_hour": "price", "h100_usd_per_hour": "price", "provider": "text?",
    "task": ("choice?", ["training", "finetune", "inference"])})
price_a = price_or_latest("a100_usd_per_hour", p.a100_usd_per_hour, p.gpu_a, provider=p.provider)
price_b = price_or_latest("h100_usd_per_hour", p.h100_usd_per_hour, p.gpu_b, provider=p.provider)
'''),
    code(SETUP + '''
from gpuplan import breakeven, claims'''),
    md("## Speed"),
    code('''
table = claims.check_all(p.gpu_a, p.gpu_b, price_a["usd_per_gpu_hour"], price_b["usd_per_gpu_hour"],
                         source_a=price_a["source_id"], source_b=price_b["source_id"])
charts.table(claims.section(table, "Speed"), name="speed")
'''),
    md("## Memory and precision"),
    code('''
charts.table(claims.section(table, "Memory and precision"), name="memory")
'''),
    md("## Interconnect and scaling"),
    code('''
charts.table(claims.section(table, "Interconnect and scaling"), name="scaling")
'''),
    md("## Cost"),
    code('''
charts.table(claims.section(table, "Cost"), name="cost")
'''),
    md("## Hardware facts stated in passing"),
    code('''
charts.table(claims.section(table, "Hardware facts stated in passing"), name="hardware")
'''),
    md("## All claims"),
    code('''
for name, value in claims.counts(table).items():
    glue(name, value, display=False)
glue("breakeven_speedup", float(breakeven.breakeven_speedup(price_a["usd_per_gpu_hour"], price_b["usd_per_gpu_hour"])),
     display=False)
glue("price_ratio", price_b["usd_per_gpu_hour"] / price_a["usd_per_gpu_hour"], display=False)
charts.table(table[["#", "article", "claim", "verdict"]], caption="Every claim and its verdict", name="claims")
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
