"""The decision page ("Which GPU for my job?"): for each common job, the cheapest GPU configuration at the dated
market-median prices, the runner-up on another GPU, and the price that would flip the answer.

Nothing here is a new model. Each job asks the library's own models and data:
- serving (a 70B at an interactive latency, an 8B cheaply): :func:`gpuplan.serving_search.sla_search`, $ per
  million output tokens of the cheapest configuration (GPU × tensor parallel × precision × concurrency) meeting
  the latency target;
- fine-tuning (LoRA / QLoRA / full): the fewest GPUs that hold the job (:func:`gpuplan.memory.min_gpus`), its
  hours at production goodput (:func:`gpuplan.runtime.runtime_estimate`) and the cost of the finished job
  (:func:`gpuplan.cost.cost_per_job`);
- images and video: measured MLPerf Inference throughput (Stable Diffusion XL, Wan 2.2 text-to-video, Offline;
  the best result per GPU, per GPU of the submitted system) → $ per 1,000 images or per video;
- Flux.1-dev images: a memory fit only (no image-generation benchmark of Flux in the data), ranked by $ per
  GPU-hour of the GPUs that hold it — the page says so;
- pre-training: :func:`gpuplan.scaling.scaling_curve` at the job's GPU count, cost of the finished run.

Prices: :func:`gpuplan.prices.resolve` (the market median of each GPU's providers, with its basis and dates).
A GPU without a price is left out. Flip price: costs are proportional to the hourly price of a configuration,
so the runner-up ties with the answer when its price falls to price_runner × cost_answer / cost_runner.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from gpuplan import cost, data, memory, prices, runtime, scaling, serving_search
from gpuplan.errors import GpuplanError, InputError

#: the pair the book compares above all (shown beside every answer)
HEADLINE_PAIR = ("a100-sxm4-80gb", "h100-sxm5-80gb")
#: MLPerf Inference v5.x/v6.0 llama2-70b Interactive latency limits (TTFT 450 ms, TPOT 40 ms): an interactive chat
#: service by MLCommons' definition (source row mlperf-loadgen-conf: mlcommons/inference loadgen/mlperf.conf)
INTERACTIVE_TPOT_MS, INTERACTIVE_TTFT_MS = 40.0, 450.0
#: fine-tunes run within one node: the runtime model scales linearly across GPUs (gpuplan.runtime)
GPUS_PER_NODE = 8


@dataclass(frozen=True)
class Option:
    gpu_id: str
    count: int
    precision: str
    value: float  # the job's cost in `unit`
    usd_per_gpu_hour: float
    detail: str = ""


def hourly_prices() -> dict[str, dict]:
    """gpu_id -> the resolver's price dict, for every GPU with an on-demand price in the data (market median)."""
    out = {}
    for gpu_id in data.gpus()["gpu_id"].sort_values(kind="stable"):
        try:
            out[gpu_id] = prices.resolve(gpu_id)
        except InputError:
            continue
    return out


def _label(gpu_id: str) -> str:
    """The GPU's table name without vendor and without the parenthesised variant note."""
    return data.short_name(data.gpu(gpu_id)["name"]).split(" (")[0]


def decide(job: str, unit: str, options: list[Option], basis: str, missing: str = "does not fit or no price") -> dict:
    """The answer (cheapest option), the runner-up (cheapest on another GPU) and the flip price. ``missing`` says
    why a GPU of the headline pair has no option."""
    ranked = sorted(options, key=lambda o: (o.value, o.gpu_id, o.count, o.precision))
    if not ranked:
        return {"job": job, "unit": unit, "basis": basis, "answer": None, "message": "no GPU in the data can run it",
                "missing": missing}
    best = ranked[0]
    runner = next((o for o in ranked if o.gpu_id != best.gpu_id), None)
    by_gpu = {}
    for o in ranked:
        by_gpu.setdefault(o.gpu_id, o)
    out = {"job": job, "unit": unit, "basis": basis, "answer": best, "runner_up": runner, "missing": missing,
           "pair": {g: by_gpu.get(g) for g in HEADLINE_PAIR}, "options": len(ranked)}
    if runner is not None:
        flip = runner.usd_per_gpu_hour * best.value / runner.value
        out["flip"] = (f"{_label(runner.gpu_id)} wins if its price falls below ${flip:.2f}/GPU-hour "
                       f"(market median ${runner.usd_per_gpu_hour:.2f})")
    else:
        out["flip"] = "no other GPU can run it"
    return out


# ------------------------------------------------------------------------------------------------ the jobs
def serve_job(job: str, model: str, *, input_tokens: int, output_tokens: int, tpot_ms: float | None,
              ttft_ms: float | None = None) -> dict:
    """Cheapest $ per million output tokens meeting the latency target, per GPU (serving model)."""
    found = serving_search.sla_search(model, input_tokens=input_tokens, output_tokens=output_tokens,
                                      tpot_ms=tpot_ms, ttft_ms=ttft_ms)
    best = serving_search.best_per_gpu(found["ranked"])
    options = [Option(r.gpu_id, int(r.tp), str(r.precision), float(r.usd_per_million_output_tokens),
                      float(r.usd_per_gpu_hour), f"{int(r.concurrency)} concurrent, TPOT {r.tpot_ms:.0f} ms")
               for r in best.itertuples()]
    target = " and ".join(f"{k} ≤ {v:g} ms" for k, v in (("TPOT", tpot_ms), ("TTFT", ttft_ms)) if v)
    return decide(job, "$ per million output tokens", options,
                  f"serving model at {target}, {input_tokens:,} input / {output_tokens:,} output tokens")


def finetune_job(job: str, model: str, *, mode: str, tokens: float, seq: int, batch: int,
                 price_of: dict[str, dict]) -> dict:
    """The finished fine-tune on the fewest GPUs of each type that hold it (ZeRO-3 across them for full)."""
    arch = memory.Architecture.from_model(model)
    task = "finetune" if mode == "full" else "lora"
    options = []
    for gpu_id, price in price_of.items():
        fit = memory.min_gpus(arch, gpu_id, mode=mode, batch=batch, seq=seq, checkpointing=True)
        if fit.gpus is None or fit.gpus > GPUS_PER_NODE:
            continue  # the runtime model scales linearly within a node only
        try:
            est = runtime.runtime_estimate(params=arch.params_total, tokens=tokens, gpu_id=gpu_id, gpus=fit.gpus,
                                           task=task, layers=arch.layers, hidden_size=arch.hidden_size, seq=seq,
                                           checkpointing=True)
        except InputError:
            continue  # no fitted or pooled MFU for this GPU
        job_cost = cost.cost_per_job(runtime_hours=est.hours, usd_per_gpu_hour=price["usd_per_gpu_hour"],
                                     gpus=fit.gpus).cost_per_job_usd
        precision = "int4 base + bf16 adapters" if mode == "qlora" else "bf16"
        options.append(Option(gpu_id, fit.gpus, precision, float(job_cost), price["usd_per_gpu_hour"],
                              f"{est.hours:,.1f} h"))
    return decide(job, "$ per finished job", options,
                  f"{tokens:,.0f} tokens of {mode} at sequence {seq:,}, production goodput, fewest GPUs that fit "
                  f"(within one {GPUS_PER_NODE}-GPU node)", missing=f"does not fit in one {GPUS_PER_NODE}-GPU node")


def _mlperf_throughput(workload: str) -> pd.DataFrame:
    """Best Offline samples/s per GPU of each GPU for an MLPerf Inference workload, with result counts."""
    return data.query(
        """SELECT gpu_id, max(value / gpu_count) AS per_gpu, count(*) AS results,
                  count(DISTINCT submitter) AS submitters, arg_max(benchmark_id, value / gpu_count) AS benchmark_id
           FROM benchmarks WHERE suite = 'MLPerf Inference' AND workload = ? AND scenario = 'Offline'
           GROUP BY gpu_id ORDER BY gpu_id""", [workload])


def measured_job(job: str, workload: str, *, per: float, unit: str, price_of: dict[str, dict]) -> dict:
    """$ per ``per`` samples from measured MLPerf throughput: price / (samples/s per GPU × 3600) × per."""
    options = []
    for row in _mlperf_throughput(workload).itertuples():
        if row.gpu_id not in price_of:
            continue
        usd = price_of[row.gpu_id]["usd_per_gpu_hour"]
        caveat = " — thin evidence" if row.results < 3 or row.submitters < 2 else ""
        options.append(Option(row.gpu_id, 1, "as submitted", usd / (row.per_gpu * 3600.0) * per, usd,
                              f"{row.per_gpu:,.3g} samples/s per GPU; {row.results} results, "
                              f"{row.submitters} submitter(s){caveat}"))
    return decide(job, unit, options, f"MLPerf Inference {workload} Offline, best result per GPU",
                  missing="no MLPerf result")


def fit_only_job(job: str, model: str, *, price_of: dict[str, dict], **shape) -> dict:
    """No runtime benchmark: the GPUs that hold the model (fewest of each), ranked by $ per hour of that count."""
    options = []
    for gpu_id, price in price_of.items():
        fit = memory.min_gpus(model, gpu_id, mode="inference", batch=1, **shape)
        if fit.gpus is None or fit.gpus > 8:
            continue
        options.append(Option(gpu_id, fit.gpus, "bf16", price["usd_per_gpu_hour"] * fit.gpus, price["usd_per_gpu_hour"],
                              f"{fit.per_gpu_bytes / 2**30:,.1f} GiB per GPU"))
    return decide(job, "$ per hour of the GPUs that hold it", options,
                  "memory fit at batch 1 (no generation benchmark in the data: ranked by hourly cost, not per image)")


def pretrain_job(job: str, params: float, *, tokens: float, gpus: int, price_of: dict[str, dict]) -> dict:
    """The finished pre-training run on ``gpus`` GPUs of each type (scaling model, production goodput)."""
    options = []
    goodput = None
    for gpu_id, price in price_of.items():
        if data.gpu(gpu_id)["interconnect"] == "pcie":
            continue  # PCIe cards are not sold in multi-node training clusters (no NVLink/Infinity Fabric node)
        try:
            if goodput is None:
                from gpuplan.goodput import production_goodput  # noqa: PLC0415 (cached calibration, first use)

                goodput = production_goodput()
            curve = scaling.scaling_curve(params, gpu_id, [gpus], tokens=tokens,
                                          usd_per_gpu_hour=price["usd_per_gpu_hour"], goodput=goodput,
                                          tensor_parallel="auto")
        except (InputError, GpuplanError):
            continue  # e.g. no interconnect data for a multi-node layout, or the model does not fit
        row = curve.iloc[0]
        options.append(Option(gpu_id, gpus, "bf16", float(row["cost_usd"]), price["usd_per_gpu_hour"],
                              f"{row['hours']:,.0f} h, scaling efficiency {row['efficiency']:.0%}"))
    return decide(job, "$ per finished run", options,
                  f"{params / 1e9:g}B parameters on {tokens:,.0f} tokens, {gpus:,} GPUs, production goodput "
                  "(NVLink / Infinity Fabric nodes only)", missing="PCIe card: not a cluster part")


# ------------------------------------------------------------------------------------------------ the page
def decisions(p) -> list[dict]:
    """Every job of the page, from the notebook's parameters ``p`` (a namespace of validated parameters)."""
    price_of = hourly_prices()
    return [
        serve_job("Serve a 70B model at an interactive latency", p.serve_70b_model, input_tokens=p.input_tokens,
                  output_tokens=p.output_tokens, tpot_ms=p.interactive_tpot_ms, ttft_ms=p.interactive_ttft_ms),
        serve_job("Serve an 8B model cheaply", p.serve_8b_model, input_tokens=p.input_tokens,
                  output_tokens=p.output_tokens, tpot_ms=p.cheap_tpot_ms),
        finetune_job("LoRA on an 8B model", p.small_model, mode="lora", tokens=p.finetune_tokens, seq=p.seq,
                     batch=p.batch, price_of=price_of),
        finetune_job("QLoRA on a 70B model", p.large_model, mode="qlora", tokens=p.finetune_tokens, seq=p.seq,
                     batch=p.batch, price_of=price_of),
        finetune_job("Full fine-tune of an 8B model", p.small_model, mode="full", tokens=p.finetune_tokens,
                     seq=p.seq, batch=p.batch, price_of=price_of),
        measured_job("SDXL images", "stable-diffusion-xl", per=1000, unit="$ per 1,000 images", price_of=price_of),
        fit_only_job("Flux.1-dev images", "flux.1-dev", price_of=price_of, height=1024, width=1024),
        measured_job("Text-to-video (Wan 2.2, 14B)", "wan-2.2-t2v-a14b", per=1, unit="$ per video",
                     price_of=price_of),
        pretrain_job(f"Pre-train at {p.pretrain_gpus_small:,} GPUs", p.pretrain_params_billions * 1e9,
                     tokens=p.pretrain_tokens, gpus=p.pretrain_gpus_small, price_of=price_of),
        pretrain_job(f"Pre-train at {p.pretrain_gpus_large:,} GPUs", p.pretrain_params_billions * 1e9,
                     tokens=p.pretrain_tokens, gpus=p.pretrain_gpus_large, price_of=price_of),
    ]


def _money(value: float, unit: str) -> str:
    return f"${value:,.2f}" if value >= 1 else f"${value:,.3f}"


def _option_text(o: Option | None, unit: str) -> str:
    if o is None:
        return "—"
    count = f"{o.count} × " if o.count > 1 else ""
    return f"{count}{_label(o.gpu_id)} ({o.precision}): {_money(o.value, unit)}"


def _pair_text(o: Option | None, d: dict) -> str:
    if o is None:
        return d.get("missing", "—")
    return (f"{o.count} × " if o.count > 1 else "") + _money(o.value, d["unit"])


def table(found: list[dict]) -> pd.DataFrame:
    """The page's answer table: one row per job, display names and units in the headers."""
    rows = []
    for d in found:
        a, b = (d.get("pair") or {}).get(HEADLINE_PAIR[0]), (d.get("pair") or {}).get(HEADLINE_PAIR[1])
        rows.append({"job": d["job"], "answer": _option_text(d.get("answer"), d["unit"]),
                     "measured as": d["unit"], "runner-up": _option_text(d.get("runner_up"), d["unit"]),
                     "what would flip it": d.get("flip", d.get("message", "—")),
                     "A100 80GB SXM4": _pair_text(a, d), "H100 80GB SXM5": _pair_text(b, d)})
    return pd.DataFrame(rows)


def flowchart(found: list[dict]) -> alt.LayerChart:
    """A decision flowchart (Altair, offline): the question, the kind of job, each job and its answer."""
    groups = [("Serve an LLM", found[0:2]), ("Fine-tune an LLM", found[2:5]), ("Images and video", found[5:8]),
              ("Pre-train", found[8:10])]
    nodes, edges, y = [], [], 0
    root_y = (sum(len(g) for _, g in groups) - 1) / 2
    nodes.append({"x": 0, "y": root_y, "text": "What is the job?", "kind": "question"})
    for title, jobs in groups:
        gy = y + (len(jobs) - 1) / 2
        nodes.append({"x": 1, "y": gy, "text": title, "kind": "kind"})
        edges.append({"x": 0, "y": root_y, "x2": 1, "y2": gy})
        for d in jobs:
            answer = d.get("answer")
            text = f"{d['job']} → {_label(answer.gpu_id) if answer else 'none'}"
            nodes.append({"x": 2, "y": y, "text": text, "kind": "answer"})
            edges.append({"x": 1, "y": gy, "x2": 2, "y2": y})
            y += 1
    n, e = pd.DataFrame(nodes), pd.DataFrame(edges)
    scale_y = alt.Scale(domain=[y - 0.5, -0.5])
    scale_x = alt.Scale(domain=[-0.1, 3.2])
    lines = alt.Chart(e).mark_rule(color="#999").encode(
        x=alt.X("x:Q", scale=scale_x, axis=None), y=alt.Y("y:Q", scale=scale_y, axis=None), x2="x2:Q", y2="y2:Q")
    labels = alt.Chart(n).mark_text(align="left", dx=4, fontSize=12).encode(
        x=alt.X("x:Q", scale=scale_x), y=alt.Y("y:Q", scale=scale_y), text="text:N",
        color=alt.Color("kind:N", scale=alt.Scale(domain=["question", "kind", "answer"],
                                                  range=["#000000", "#1f4e79", "#2e7d32"]), legend=None))
    dots = alt.Chart(n).mark_circle(size=60).encode(x=alt.X("x:Q", scale=scale_x), y=alt.Y("y:Q", scale=scale_y),
                                                     color=alt.Color("kind:N", legend=None))
    return (lines + dots + labels).properties(width=680, height=26 * y, title="Which GPU for my job?")
