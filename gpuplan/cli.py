"""The gpuplan command line (typer). `python -m gpuplan --help`.

Every command prints a rich table, or with `--json` machine-readable JSON on stdout. Bad input of any kind (a
gpuplan.errors.GpuplanError from the library, or a typer usage error such as a non-number) becomes ONE line on
stderr, `error: <option>: <what is allowed>`, and exit code 2 — never a traceback (see `_Group.invoke`).

Layout: shared helpers first, then one clearly separated section per command (each command in its own
function); other modules' commands (data, book, batch, sweep) are added in their own sections.
"""

from __future__ import annotations

import json
import math
import re
import sys
from contextlib import contextmanager
from typing import Any, Iterator

import typer
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # typer 0.29 vendors click as typer._click
from typer.core import TyperGroup

from gpuplan.breakeven import DEFAULT_PUE, DEFAULT_USD_PER_KWH, DEFAULT_YEARS
from gpuplan.errors import GpuplanError, InputError


class _Group(TyperGroup):
    """Turns GpuplanError and usage errors raised by any sub-command into one line on stderr + exit 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NoArgsIsHelpError:
            raise
        except UsageError as err:
            typer.echo(f"error: {err.format_message()}", err=True)
            raise typer.Exit(2) from None
        except GpuplanError as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(2) from None
        except OSError as err:  # a full disk, an unwritable --out folder, a missing file: one line, not a traceback
            where = f"{err.filename}: " if err.filename else ""
            typer.echo(f"error: {where}{err.strerror or err}", err=True)
            raise typer.Exit(2) from None
        except (OverflowError, MemoryError) as err:  # numbers too large to compute with
            typer.echo(f"error: a value is too large to compute with ({type(err).__name__}: {err})", err=True)
            raise typer.Exit(2) from None


def _typer(help: str) -> typer.Typer:
    return typer.Typer(help=help, cls=_Group, no_args_is_help=True, add_completion=False,
                       pretty_exceptions_enable=False)  # fmt: skip


app = _typer("gpuplan: which GPU to rent or buy — memory fit, runtime, cost per finished job, break-even, scaling.")

# ---------------------------------------------------------------------------------------------- shared helpers
JSON_OPTION = typer.Option(False, "--json", help="Print machine-readable JSON on stdout instead of a table.")
PRICES_OPTION = typer.Option(None, "--prices", help="Your own price catalog CSV (a SkyPilot vms.csv or the "
                             "data/prices.csv format); default prices come from it instead of the data.")


def catalog_option(path: str | None) -> str | None:
    """Check a --prices file now (one line naming file, line and column on a bad cell) and say on stderr which
    accelerators it names that no GPU mapping knows; returns the path."""
    if path is None:
        return None
    from gpuplan import prices

    with options(prices="--prices"):
        note = prices.unmapped_note(prices.load_catalog(path))
    if note:
        typer.echo(f"note: {note}", err=True)
    return path
_SUFFIX = {"": 1, "K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12}
_COUNT = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([KMBGT]?)\s*$", re.IGNORECASE)


def parse_count(option: str, text: str | None) -> int | None:
    """'6.74e9', '6.74B', '7b', '500M', '2K', '1.4T', '1_000' -> an integer count > 0 (None stays None)."""
    if text is None:
        return None
    m = _COUNT.match(text.replace("_", "").replace(",", ""))
    if not m:
        raise InputError(option, f"{text!r} is not a count; use e.g. 6.74e9 or 6.74B (suffixes K, M, B, T)")
    value = float(m.group(1)) * _SUFFIX[m.group(2).upper()]
    if not (math.isfinite(value) and value >= 1):
        raise InputError(option, f"{text!r} must be a count >= 1")
    return int(round(value))


def parse_int_list(option: str, text: str) -> list[int]:
    """'1,8,64,512' -> [1, 8, 64, 512], each a count >= 1."""
    counts = [parse_count(option, part) for part in text.split(",") if part.strip()]
    if not counts:
        raise InputError(option, "give comma-separated counts, e.g. 1,8,64,512")
    return counts


@contextmanager
def options(**names: str) -> Iterator[None]:
    """Re-label an InputError raised inside with the command-line option: options(runtime_hours='--hours')."""
    try:
        yield
    except InputError as err:
        if err.field in names:
            raise InputError(names[err.field], str(err).split(": ", 1)[1]) from None
        raise


def resolve_gpu(option: str, name: str) -> str:
    """GPU id from an id or unambiguous alias (gpuplan.data.resolve_gpu); errors name `option`."""
    from gpuplan import data

    with options(gpu=option):
        return data.resolve_gpu(name)


def _plain(value: Any) -> Any:
    """JSON-safe copy: numpy/pandas scalars -> Python, NaN/inf -> None, DataFrames -> list of records."""
    import numpy as np
    import pandas as pd

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return [_plain(r) for r in value.to_dict(orient="records")]
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        return [_plain(v) for v in list(value)]
    if pd.api.types.is_scalar(value) and pd.isna(value):  # None, NaN, NA, NaT
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if 1e3 <= abs(value) < 1e15 else f"{value:.4g}"
    return "" if value is None else str(value)


def emit(result: Any, as_json: bool, title: str | None = None) -> None:
    """Print `result` (dict, or list of dict rows) as JSON on stdout, or as rich table(s)."""
    result = _plain(result)
    if as_json:
        typer.echo(json.dumps(result, indent=2, allow_nan=False))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if isinstance(result, list):
        table = Table(title=title)
        columns = list(dict.fromkeys(k for row in result for k in row))
        for c in columns:
            table.add_column(c, justify="right")
        for row in result:
            table.add_row(*(_fmt(row.get(c)) for c in columns))
        console.print(table)
        return
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    nested = {}
    for key, value in result.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            nested[key] = value
        elif isinstance(value, dict):
            table.add_row(key, ", ".join(f"{k}={_fmt(v)}" for k, v in value.items()))
        else:
            table.add_row(key, _fmt(value))
    console.print(table)
    for key, rows in nested.items():
        emit(rows, False, title=key)


# -------------------------------------------------------------------------------------------- data (engineer 1)
data_app = _typer("The DuckDB database of specs, prices, benchmarks and models.")
app.add_typer(data_app, name="data")


@data_app.command("build")
def data_build() -> None:
    """Build data/gpuplan.duckdb from data/*.csv (atomically; the old database survives a bad CSV)."""
    from gpuplan import data

    path = data.build()
    typer.echo(f"built {path}")


@data_app.command("query")
def data_query(
    sql: str = typer.Argument(..., help="One SQL statement, e.g. \"SELECT * FROM latest_prices WHERE kind = 'on-demand'\"."),
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON records instead of a table."),
) -> None:
    """Run one read-only SELECT against the database (rebuilt first if a CSV changed); statements that write
    files or change state (COPY, ATTACH, SET, CREATE, ...) and file functions (read_csv) are refused."""
    from gpuplan import data

    df = data.read_only_query(sql)
    if as_csv:
        typer.echo(df.to_csv(index=False), nl=False)
    else:
        emit(df, as_json)


@data_app.command("export")
def data_export(
    out_dir: str = typer.Argument(..., metavar="DIR", help="Folder for one <table>.parquet per table and view."),
) -> None:
    """Export every table and view as Parquet (readable by DuckDB 1.x, pandas, polars; the .duckdb file is not)."""
    from gpuplan import data

    for path in data.export(out_dir):
        typer.echo(f"wrote {path}")


# ----------------------------------------------------------------------------------------- model arguments
MODEL_OPTION = typer.Option(None, "--model", help="Model id or name from the models table (or give --params ...).")
PARAMS_OPTION = typer.Option(None, "--params", help="Parameter count, e.g. 6.74e9 or 6.74B (instead of --model).")


def _architecture(model: str | None, params: str | None, **shape: int | None):
    """memory.Architecture from --model, or from --params and the explicit shape options (not both)."""
    from gpuplan.memory import Architecture

    if (model is None) == (params is None):
        raise InputError("--model", "give either --model NAME or --params N (with --layers, --hidden, ...), not both"
                         if model else "give --model NAME or --params N")
    with options(model="--model", params_total="--params", layers="--layers", hidden_size="--hidden",
                 attention_heads="--heads", kv_heads="--kv-heads", head_dim="--head-dim", vocab_size="--vocab"):  # fmt: skip
        if model is not None:
            if any(v is not None for v in shape.values()):
                raise InputError("--model", "the architecture comes from the models table: drop --layers/--hidden/...")
            return Architecture.from_model(model)
        return Architecture(params_total=parse_count("--params", params), **shape)


# ----------------------------------------------------------------------------------------------------- memory
@app.command("memory")
def memory_command(
    model: str | None = MODEL_OPTION,
    params: str | None = PARAMS_OPTION,
    layers: int | None = typer.Option(None, "--layers", help="Transformer layers (with --params)."),
    hidden: int | None = typer.Option(None, "--hidden", help="Hidden size (with --params)."),
    heads: int | None = typer.Option(None, "--heads", help="Attention heads (with --params)."),
    kv_heads: int | None = typer.Option(None, "--kv-heads", help="KV heads (GQA; default: --heads)."),
    head_dim: int | None = typer.Option(None, "--head-dim", help="Head dimension (default: hidden / heads)."),
    vocab: int | None = typer.Option(None, "--vocab", help="Vocabulary size (logits, embeddings)."),
    mode: str = typer.Option("inference", "--mode", help="inference, lora, qlora or full."),
    precision: str | None = typer.Option(None, "--precision", help="Weights: fp32 bf16 fp16 fp8 int8 int4 "
                                         "(default bf16; int4 for qlora)."),  # fmt: skip
    optimizer: str = typer.Option("adamw", "--optimizer", help="adamw, adamw-8bit, sgd-momentum or adafactor."),
    batch: int = typer.Option(1, "--batch", help="Micro-batch per GPU."),
    seq: int = typer.Option(2048, "--seq", help="Sequence length (training) / prefill tokens (inference)."),
    context: int | None = typer.Option(None, "--context", help="Tokens in the KV cache (inference; default --seq)."),
    checkpointing: bool = typer.Option(False, "--checkpointing", help="Activation checkpointing (training)."),
    gpus: int = typer.Option(1, "--gpus", help="Data-parallel GPUs (training) / tensor-parallel (inference)."),
    zero: int = typer.Option(0, "--zero", help="ZeRO stage 0-3 (3 = FSDP full shard)."),
    lora_rank: int = typer.Option(16, "--lora-rank", help="LoRA rank (lora/qlora)."),
    lora_targets: str = typer.Option("q,k,v,o", "--lora-targets", help="LoRA target modules: q,k,v,o,gate,up,down."),
    kv_dtype: str | None = typer.Option(None, "--kv-dtype", help="KV-cache precision (inference)."),
    frames: int | None = typer.Option(None, "--frames", help="Video frames (video models)."),
    height: int | None = typer.Option(None, "--height", help="Image/video height in pixels (diffusion/video)."),
    width: int | None = typer.Option(None, "--width", help="Image/video width in pixels (diffusion/video)."),
    adam_bytes: int = typer.Option(18, "--adam-bytes", help="Mixed-precision AdamW convention: 16 or 18 bytes/param."),
    offload: str | None = typer.Option(None, "--offload", help="ZeRO offload to CPU: optimizer (ZeRO-Offload) or "
                                       "optimizer+params (ZeRO-Infinity, needs --zero 3); training only."),  # fmt: skip
    attention: str = typer.Option("flash", "--attention", help="flash (FlashAttention/SDPA) or eager (materialised "
                                  "attention scores)."),  # fmt: skip
    gpus_per_node: int = typer.Option(8, "--gpus-per-node", help="GPUs per node (CPU memory of --offload is per node)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Bytes per component per GPU, and whether it fits on every GPU of the table (with the fewest GPUs if not)."""
    import pandas as pd

    from gpuplan import memory

    arch = _architecture(model, params, layers=layers, hidden_size=hidden, attention_heads=heads, kv_heads=kv_heads,
                         head_dim=head_dim, vocab_size=vocab)  # fmt: skip
    settings = dict(mode=mode, precision=precision, optimizer=optimizer, batch=batch, seq=seq, context=context,
                    checkpointing=checkpointing, lora_rank=lora_rank, lora_targets=lora_targets.split(","),
                    kv_dtype=kv_dtype, frames=frames, height=height, width=width, adam_bytes=adam_bytes,
                    offload=offload, gpus_per_node=gpus_per_node)  # fmt: skip
    if attention not in ("flash", "eager"):
        raise InputError("--attention", f"must be flash or eager (got {attention!r})")
    settings["flash_attention"] = attention == "flash"
    with options(mode="--mode", precision="--precision", optimizer="--optimizer", batch="--batch", seq="--seq",
                 context="--context", gpus="--gpus", zero_stage="--zero", lora_rank="--lora-rank",
                 lora_targets="--lora-targets", kv_dtype="--kv-dtype", frames="--frames", height="--height",
                 width="--width", adam_bytes="--adam-bytes", vocab_size="--vocab", layers="--layers",
                 hidden_size="--hidden", attention_heads="--heads", vae_spatial_factor="--model", offload="--offload",
                 gpus_per_node="--gpus-per-node", activation_bytes_per_sample="--model"):  # fmt: skip
        estimate = memory.memory_estimate(arch, gpus=gpus, zero_stage=zero, **settings)
        table = memory.fit_table(estimate)
        result = {k: v for k, v in estimate.to_dict().items() if k in ("components", "per_gpu_bytes", "total_bytes",
                                                                         "gpus", "trainable_params",
                                                                         "cpu_bytes_per_node")}  # fmt: skip
        result["per_gpu_gib"] = memory.bytes_to_gib(estimate.per_gpu_bytes)
        result["fits"] = {r.gpu_id: {"fits": bool(r.fits), "headroom_bytes": int(r.headroom_bytes)}
                          for r in table.itertuples() if not pd.isna(r.fits)}  # fmt: skip
        fitting = [g for g, f in result["fits"].items() if f["fits"]]
        if fitting:
            result["verdict"] = f"fits on {len(fitting)} of {len(result['fits'])} GPUs: {', '.join(fitting)}"
        else:  # too big for every single GPU: an answer, not an error
            answers = [memory.min_gpus(arch, g, **settings) for g in result["fits"]]
            counted = [x for x in answers if x.gpus is not None]
            best = min(counted, key=lambda x: (x.gpus, -x.capacity_bytes)) if counted else answers[0]
            result["verdict"] = best.message
            result["min_gpus"] = {x.gpu: x.gpus for x in answers}
        result["assumptions"] = estimate.assumptions
    if as_json:
        emit(result, True)
        return
    emit({**{f"{k} (GiB)": memory.bytes_to_gib(v) for k, v in result["components"].items()},
          **{k: v for k, v in result.items() if k not in ("components", "fits", "min_gpus", "assumptions")}},
         False, title="memory per GPU (GiB = 2^30 bytes)")  # fmt: skip
    table = table.assign(min_gpus=table["gpu_id"].map(result.get("min_gpus", {})))
    emit(table[["gpu_id", "memory_gb", "fits", "headroom_gib"] + (["min_gpus"] if "min_gpus" in result else [])],
         False, title="fit per GPU (memory_gb = 10^9 bytes)")  # fmt: skip
    typer.echo("assumptions:\n- " + "\n- ".join(result["assumptions"]))


# ---------------------------------------------------------------------------------------------------- runtime
@app.command("runtime")
def runtime_command(
    model: str | None = MODEL_OPTION,
    params: str | None = PARAMS_OPTION,
    task: str = typer.Option("pretrain", "--task", help="pretrain, finetune or lora (inference: `gpuplan serve`)."),
    tokens: str = typer.Option(..., "--tokens", help="Tokens to process, e.g. 1e9 or 1B."),
    gpu: str = typer.Option(..., "--gpu", help="GPU id or unambiguous alias."),
    gpus: int = typer.Option(1, "--gpus", help="GPUs (scaling taken as linear; see `gpuplan scale`)."),
    precision: str = typer.Option("bf16", "--precision", help="Compute precision: fp32 tf32 bf16 fp16 fp8 int8."),
    mfu: float | None = typer.Option(None, "--mfu", help="Model FLOPs utilization, (0, 1] (default: fitted)."),
    seq: int | None = typer.Option(None, "--seq", help="Sequence length: adds the attention FLOPs term (needs a --model "
                                   "with layers and hidden size)."),  # fmt: skip
    goodput: float | None = typer.Option(None, "--goodput", help="Share of wall time that trains, (0, 1] "
                                         "(default: a production run, calibrated on public runs' GPU-hours; "
                                         "1 = benchmark-style)."),  # fmt: skip
    as_json: bool = JSON_OPTION,
) -> None:
    """Hours for a job (low / median / high from the fitted MFU band, over the goodput), GPU-hours, MFU, goodput."""
    from gpuplan import runtime

    if task == "inference":  # batch-1 decoding over-states the cost of serving 10-100x: the serving model prices it
        raise InputError("--task", "inference is priced by the serving model (batching, TTFT/TPOT, $ per million "
                                   "tokens): gpuplan serve --model M --gpu G --tp N --input-tokens I --output-tokens O")
    arch = _architecture(model, params)
    gpu_id = resolve_gpu("--gpu", gpu)
    if seq is not None and (arch.layers is None or arch.hidden_size is None):
        raise InputError("--seq", "the attention term needs layers and hidden size: give --model NAME (models table)")
    with options(task="--task", tokens="--tokens", gpus="--gpus", precision="--precision", mfu="--mfu", seq="--seq",
                 params="--params", batch="--batch", goodput="--goodput", layers="--model",
                 hidden_size="--model"):  # fmt: skip
        result = runtime.runtime_estimate(params=arch.params_active, tokens=parse_count("--tokens", tokens),
                                          gpu_id=gpu_id, gpus=gpus, precision=precision, task=task, mfu=mfu,
                                          layers=arch.layers if seq is not None else None,
                                          hidden_size=arch.hidden_size if seq is not None else None, seq=seq,
                                          goodput=goodput)  # fmt: skip
    emit(result.to_dict(), as_json, title=f"runtime on {gpus} × {gpu_id}")


# ------------------------------------------------------------------------------------------------------ scale
@app.command("scale")
def scale_command(
    model: str | None = MODEL_OPTION,
    params: str | None = PARAMS_OPTION,
    gpu: str = typer.Option(..., "--gpu", help="GPU id or unambiguous alias."),
    gpus: str = typer.Option("1,8,64,512", "--gpus", help="GPU counts, comma-separated."),
    tokens: str | None = typer.Option(None, "--tokens", help="Training tokens (default 20 × params, Chinchilla)."),
    precision: str = typer.Option("bf16", "--precision", help="Compute precision."),
    price: float | None = typer.Option(None, "--price", help="USD per GPU-hour (default: the market median in the data, see the price basis)."),
    provider: str | None = typer.Option(None, "--provider", help="Take the latest price of this provider."),
    prices_file: str | None = PRICES_OPTION,
    overlap: float = typer.Option(2 / 3, "--overlap", help="Fraction of compute that hides the all-reduce, [0, 1]."),
    mfu: float | None = typer.Option(None, "--mfu", help="Model FLOPs utilization, (0, 1] (default: fitted)."),
    gpus_per_node: int = typer.Option(8, "--gpus-per-node", help="GPUs per node (NVLink domain)."),
    inter_node_gbps: float | None = typer.Option(None, "--inter-node-gbps", help="Per-GPU network GB/s between nodes."),
    tensor_parallel: str | None = typer.Option(None, "--tensor-parallel", help="Tensor-parallel GPUs per replica "
                                               "(inside a node), or auto (smallest layout that holds the model)."),  # fmt: skip
    pipeline_stages: int = typer.Option(1, "--pipeline-stages", help="Pipeline stages per replica."),
    goodput: float = typer.Option(1.0, "--goodput", help="Share of wall time that trains, (0, 1] (1 = step time "
                                  "alone)."),  # fmt: skip
    as_json: bool = JSON_OPTION,
) -> None:
    """3D-parallel step time (topology-aware all-reduce), scaling efficiency, hours and cost at each GPU count."""
    from gpuplan import scaling
    from gpuplan.cost import price_info

    arch = _architecture(model, params)
    gpu_id = resolve_gpu("--gpu", gpu)
    counts = parse_int_list("--gpus", gpus)
    # Chinchilla-optimal default: ~20 tokens per parameter (Hoffmann et al. 2022, arXiv 2203.15556)
    n_tokens = parse_count("--tokens", tokens) if tokens is not None else 20 * arch.params_active
    with options(price="--price", provider="--provider"):
        info = price_info(gpu_id, price, provider=provider, catalog=catalog_option(prices_file))
    tp: int | str | None = tensor_parallel
    if tensor_parallel is not None and tensor_parallel != "auto":
        tp = parse_count("--tensor-parallel", tensor_parallel)
    with options(params="--params", tokens="--tokens", counts="--gpus", precision="--precision", overlap="--overlap",
                 mfu="--mfu", gpus_per_node="--gpus-per-node", inter_node_gbps="--inter-node-gbps", nic_gbps="--inter-node-gbps",
                 usd_per_gpu_hour="--price", n_gpus="--gpus", gpu="--gpu", gpus="--gpus", n="--gpus",
                 tensor_parallel="--tensor-parallel", pipeline_stages="--pipeline-stages", model_parallel="--tensor-parallel",
                 goodput="--goodput", bytes="--params"):  # fmt: skip
        frame = scaling.scaling_curve(arch.params_active, gpu_id, counts, tokens=n_tokens, precision=precision,
                                      overlap=overlap, mfu=mfu, gpus_per_node=gpus_per_node,
                                      inter_node_gbps=inter_node_gbps, usd_per_gpu_hour=info["usd_per_gpu_hour"],
                                      tensor_parallel=tp, pipeline_stages=pipeline_stages, goodput=goodput,
                                      layers=arch.layers, hidden_size=arch.hidden_size)  # fmt: skip
    if not as_json:  # the table view keeps the columns that fit a terminal
        frame = frame[["n", "tp", "pp", "dp", "step_seconds", "exposed_comm_seconds", "bus_gbps", "efficiency", "hours",
                       "gpu_hours", "cost_usd"]]  # fmt: skip
    emit({"gpu": gpu_id, "params": arch.params_active, "tokens": n_tokens, "price": info, "per_gpu_count": frame},
         as_json, title=f"scaling on {gpu_id}")  # fmt: skip


# -------------------------------------------------------------------------------------------------- allreduce
@app.command("allreduce")
def allreduce_command(
    gpu: str = typer.Option(..., "--gpu", help="GPU id or unambiguous alias."),
    gpus: int = typer.Option(..., "--gpus", help="GPUs taking part (>= 2)."),
    nbytes: str = typer.Option(..., "--bytes", help="Bytes each GPU contributes, e.g. 14e9 or 1G (suffixes K M G T)."),
    gpus_per_node: int = typer.Option(8, "--gpus-per-node", help="GPUs per node (beyond it: the network rails)."),
    algorithm: str = typer.Option("auto", "--algorithm", help="auto, ring or nvls (NVLink SHARP, Hopper and later)."),
    nic_gbps: float | None = typer.Option(None, "--nic-gbps", help="GB/s per NIC (default by GPU generation)."),
    rails: int | None = typer.Option(None, "--rails", help="NICs per node (default: one per GPU)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """All-reduce time on the node's topology: bus and algorithm bandwidth (nccl-tests definitions) and seconds."""
    from gpuplan import collectives

    gpu_id = resolve_gpu("--gpu", gpu)
    with options(gpus="--gpus", gpus_per_node="--gpus-per-node", algorithm="--algorithm", nic_gbps="--nic-gbps",
                 rails="--rails", bytes="--bytes", gpu="--gpu"):  # fmt: skip
        result = collectives.allreduce(gpu_id, gpus, parse_count("--bytes", nbytes), gpus_per_node=gpus_per_node,
                                       algorithm=algorithm, nic_gbps=nic_gbps, rails=rails)  # fmt: skip
    emit(result, as_json, title=f"all-reduce on {gpus} × {gpu_id}")


# ------------------------------------------------------------------------------------------------------- cost
@app.command("cost")
def cost_command(
    gpu: str = typer.Option(..., "--gpu", help="GPU id or unambiguous alias, e.g. a100-sxm4-80gb."),
    hours: float = typer.Option(..., "--hours", help="Runtime of the job at full utilization, hours."),
    price: float | None = typer.Option(None, "--price", help="USD per GPU-hour (default: latest price in the data)."),
    provider: str | None = typer.Option(None, "--provider", help="Take the latest price of this provider."),
    kind: str = typer.Option("on-demand", "--kind", help="Price kind: on-demand, spot or reserved."),
    prices_file: str | None = PRICES_OPTION,
    gpus: int = typer.Option(1, "--gpus", help="GPUs the job runs on."),
    utilization: float = typer.Option(1.0, "--utilization", help="Average GPU utilization during the job, (0, 1]."),
    reruns_per_100: float = typer.Option(0.0, "--reruns-per-100", help="Failed attempts rerun per 100 jobs."),
    queue_hours: float = typer.Option(0.0, "--queue-hours", help="Queue delay before the job starts, hours."),
    value_per_hour: float = typer.Option(0.0, "--value-per-hour", help="USD value of an hour of waiting."),
    storage: float = typer.Option(0.0, "--storage", help="Storage cost per job, USD."),
    egress: float = typer.Option(0.0, "--egress", help="Egress cost per job, USD."),
    tokens: str | None = typer.Option(None, "--tokens", help="Tokens per job (6.74e9 or 6.74B) -> USD per 1M tokens."),
    clips: int | None = typer.Option(None, "--clips", help="Clips generated per job -> USD per clip."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Cost per finished job: runtime × GPUs × price / utilization × (1 + reruns/100) + queue × value + storage."""
    from gpuplan.cost import cost_per_job, price_info

    gpu_id = resolve_gpu("--gpu", gpu)
    with options(price="--price", provider="--provider", kind="--kind"):
        info = price_info(gpu_id, price, provider=provider, kind=kind, catalog=catalog_option(prices_file))
    with options(runtime_hours="--hours", usd_per_gpu_hour="--price", gpus="--gpus", utilization="--utilization",
                 reruns_per_100="--reruns-per-100", queue_hours="--queue-hours", value_per_hour_usd="--value-per-hour",
                 storage_usd="--storage", egress_usd="--egress", clips="--clips"):  # fmt: skip
        result = cost_per_job(runtime_hours=hours, usd_per_gpu_hour=info["usd_per_gpu_hour"], gpus=gpus,
                              utilization=utilization, reruns_per_100=reruns_per_100, queue_hours=queue_hours,
                              value_per_hour_usd=value_per_hour, storage_usd=storage, egress_usd=egress,
                              tokens=parse_count("--tokens", tokens), clips=clips)  # fmt: skip
    emit({"gpu": gpu_id, "price": info, **result.to_dict()}, as_json, title=f"cost per finished job on {gpu_id}")


# -------------------------------------------------------------------------------------------------- breakeven
@app.command("breakeven")
def breakeven_command(
    a: str = typer.Option(..., "--a", help="Baseline GPU (id or alias), e.g. a100-sxm4-80gb."),
    b: str = typer.Option(..., "--b", help="Challenger GPU (id or alias), e.g. h100-sxm5-80gb."),
    price_a: float | None = typer.Option(None, "--price-a", help="USD per GPU-hour of A (default: market median in the data)."),
    price_b: float | None = typer.Option(None, "--price-b", help="USD per GPU-hour of B (default: market median in the data)."),
    task: str | None = typer.Option(None, "--task", help="Task class for the observed speedup band."),
    provider: str | None = typer.Option(None, "--provider", help="Take default prices from this provider."),
    prices_file: str | None = PRICES_OPTION,
    utilization_a: float = typer.Option(1.0, "--utilization-a", help="Utilization on A, (0, 1]."),
    utilization_b: float = typer.Option(1.0, "--utilization-b", help="Utilization on B, (0, 1]."),
    reruns_a: float = typer.Option(0.0, "--reruns-a", help="Reruns per 100 jobs on A."),
    reruns_b: float = typer.Option(0.0, "--reruns-b", help="Reruns per 100 jobs on B."),
    show_sensitivity: bool = typer.Option(False, "--sensitivity", help="Add a tornado table: the cost difference "
                                          "B − A per A-hour as each input moves (speedup over the observed band)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Speedup at which B's cost per job equals A's, against the observed speedup band, with a verdict."""
    from gpuplan.breakeven import breakeven, verdict_sensitivity

    gpu_a, gpu_b = resolve_gpu("--a", a), resolve_gpu("--b", b)
    with options(price_a="--price-a", price_b="--price-b", price="--price-a", utilization_a="--utilization-a",
                 utilization_b="--utilization-b", reruns_a="--reruns-a", reruns_b="--reruns-b", task="--task",
                 provider="--provider"):  # fmt: skip
        result = breakeven(gpu_a, gpu_b, price_a, price_b, task, provider=provider,
                           catalog=catalog_option(prices_file), utilization_a=utilization_a,
                           utilization_b=utilization_b, reruns_a=reruns_a, reruns_b=reruns_b)  # fmt: skip
    if show_sensitivity:
        result["sensitivity"] = verdict_sensitivity(result)
    if not as_json:  # the table view keeps the columns of the benchmark pairs that fit a terminal
        result["pairs"] = result["pairs"][["suite", "round_a", "workload", "gpu_count", "speedup"]]
        if show_sensitivity:
            result["sensitivity"] = result["sensitivity"][["input", "low", "high", "difference_low_usd",
                                                           "difference_high_usd", "flips"]]  # fmt: skip
    emit(result, as_json, title=f"break-even {gpu_b} vs {gpu_a}")


# ------------------------------------------------------------------------------------------------ rent-vs-buy
@app.command("rent-vs-buy")
def rent_vs_buy_command(
    gpu: str | None = typer.Option(None, "--gpu", help="GPU id or alias: purchase price, cloud price and TDP "
                                   "default to the data."),  # fmt: skip
    purchase: float | None = typer.Option(None, "--purchase", help="Purchase price per GPU, USD."),
    cloud_price: float | None = typer.Option(None, "--cloud-price", help="Cloud USD per GPU-hour to compare with."),
    provider: str | None = typer.Option(None, "--provider", help="With --gpu: the cloud price of this provider."),
    tdp: float | None = typer.Option(None, "--tdp", help="Power draw at TDP, W (with --gpu: gpus.tdp_w)."),
    pue: float = typer.Option(DEFAULT_PUE, "--pue", help="Data-centre power usage effectiveness, >= 1 (assumption)."),
    usd_per_kwh: float = typer.Option(DEFAULT_USD_PER_KWH, "--usd-per-kwh", help="Electricity, USD/kWh (assumption)."),
    hosting: float = typer.Option(0.0, "--hosting", help="Hosting/colocation per GPU per month, USD."),
    years: float = typer.Option(DEFAULT_YEARS, "--years", help="Amortization period, years."),
    utilization: float = typer.Option(1.0, "--utilization", help="Fraction of hours the GPU is busy, (0, 1]."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Own or rent one GPU: owned cost per busy hour vs the cloud rate, and months until the purchase pays back."""
    from gpuplan.breakeven import rent_vs_buy, rent_vs_buy_gpu

    names = dict(purchase_usd="--purchase", cloud_usd_per_hour="--cloud-price", tdp_w="--tdp", pue="--pue",
                 usd_per_kwh="--usd-per-kwh", hosting_usd_per_month="--hosting", years="--years",
                 utilization="--utilization", price="--cloud-price", provider="--provider")  # fmt: skip
    assumptions = dict(pue=pue, usd_per_kwh=usd_per_kwh, hosting_usd_per_month=hosting, years=years,
                       utilization=utilization)  # fmt: skip
    with options(**names):
        if gpu is not None:
            result = rent_vs_buy_gpu(resolve_gpu("--gpu", gpu), purchase_usd=purchase, cloud_usd_per_hour=cloud_price,
                                     provider=provider, tdp_w=tdp, **assumptions)  # fmt: skip
        else:
            for option, value in (("--purchase", purchase), ("--cloud-price", cloud_price), ("--tdp", tdp)):
                if value is None:
                    raise InputError(option, "required without --gpu (or give --gpu to take it from the data)")
            result = rent_vs_buy(purchase, tdp, pue, usd_per_kwh, hosting, years, utilization, cloud_price)
    emit(result, as_json, title="rent vs buy (per GPU)")


# ------------------------------------------------------------------------------------------------------ serve
@app.command("serve")
def serve_command(
    model: str | None = MODEL_OPTION,
    params: str | None = PARAMS_OPTION,
    layers: int | None = typer.Option(None, "--layers", help="Transformer layers (with --params)."),
    hidden: int | None = typer.Option(None, "--hidden", help="Hidden size (with --params)."),
    heads: int | None = typer.Option(None, "--heads", help="Attention heads (with --params)."),
    kv_heads: int | None = typer.Option(None, "--kv-heads", help="KV heads (GQA; default: --heads)."),
    head_dim: int | None = typer.Option(None, "--head-dim", help="Head dimension (default: hidden / heads)."),
    vocab: int | None = typer.Option(None, "--vocab", help="Vocabulary size (embeddings)."),
    gpu: str | None = typer.Option(None, "--gpu", help="GPU id or alias (without it, --tpot-ms/--ttft-ms search "
                                   "every GPU of the table)."),  # fmt: skip
    tp: int | None = typer.Option(None, "--tp", help="Tensor-parallel GPUs per replica: 1, 2, 4 or 8 (default 1; "
                                  "the SLA search tries all)."),  # fmt: skip
    input_tokens: int = typer.Option(1024, "--input-tokens", help="Prompt tokens per request."),
    output_tokens: int = typer.Option(256, "--output-tokens", help="Generated tokens per request."),
    concurrency: str = typer.Option("max", "--concurrency", help="Requests in flight, or max (the most that fit)."),
    precision: str | None = typer.Option(None, "--precision", help="Weights: bf16, fp8, fp4, int8, int4 (weight-only) "
                                         "(default bf16; the SLA search tries all)."),  # fmt: skip
    kv_dtype: str | None = typer.Option(None, "--kv-dtype", help="KV cache: bf16, fp8 or fp4 (default fp8 with "
                                        "fp8/fp4 weights, else bf16)."),  # fmt: skip
    price: float | None = typer.Option(None, "--price", help="USD per GPU-hour of --gpu (default: the cost "
                                       "module's price rule)."),  # fmt: skip
    prices_file: str | None = PRICES_OPTION,
    tpot_ms: float | None = typer.Option(None, "--tpot-ms", help="SLA search: time per output token <= this."),
    ttft_ms: float | None = typer.Option(None, "--ttft-ms", help="SLA search: time to first token <= this."),
    top: int = typer.Option(10, "--top", help="SLA search: rows of the ranked table shown."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Serving: tokens/s per GPU and per user, TTFT, TPOT, max concurrency and $ per million tokens (low/high from
    the MLPerf-fitted efficiency band); with --tpot-ms/--ttft-ms the cheapest configuration meeting them."""
    from gpuplan import serving, serving_search

    arch = _architecture(model, params, layers=layers, hidden_size=hidden, attention_heads=heads, kv_heads=kv_heads,
                         head_dim=head_dim, vocab_size=vocab)  # fmt: skip
    gpu_id = resolve_gpu("--gpu", gpu) if gpu is not None else None
    catalog = catalog_option(prices_file)
    catalog_prices = None
    if catalog is not None:  # the catalog's median per-GPU price of every GPU it lists (or of --gpu)
        from gpuplan import prices as price_rules

        listed = sorted(set(price_rules.load_catalog(catalog)["gpu_id"])) if gpu_id is None else [gpu_id]
        with options(prices="--prices"):
            catalog_prices = {g: price_rules.resolve(g, catalog=catalog)["usd_per_gpu_hour"] for g in listed}
        if price is None and gpu_id is not None:
            price = catalog_prices[gpu_id]
    names = dict(model="--model", tp="--tp", precision="--precision", kv_dtype="--kv-dtype", price="--price",
                 concurrency="--concurrency", input_tokens="--input-tokens", output_tokens="--output-tokens",
                 tpot_ms="--tpot-ms", ttft_ms="--ttft-ms", gpu="--gpu", params_total="--params", layers="--layers",
                 hidden_size="--hidden", attention_heads="--heads", kv_heads="--kv-heads", head_dim="--head-dim")  # fmt: skip
    with options(**names):
        spec = serving.model_spec(arch)
        if tpot_ms is None and ttft_ms is None:
            if gpu_id is None:
                raise InputError("--gpu", "required (or give --tpot-ms/--ttft-ms to search every GPU)")
            conc = "max" if concurrency.strip().lower() == "max" else parse_count("--concurrency", concurrency)
            result = serving.serve(spec, gpu_id, tp=1 if tp is None else tp, input_tokens=input_tokens,
                                   output_tokens=output_tokens, concurrency=conc, precision=precision or "bf16",
                                   kv_dtype=kv_dtype, price=price)  # fmt: skip
            emit(result, as_json, title=f"serving {result['model']} on {result['tp']} × {gpu_id}")
            return
        if price is not None and gpu_id is None:
            raise InputError("--price", "prices one GPU: give --gpu with it (the search prices every GPU from the data)")
        if concurrency.strip().lower() != "max":
            raise InputError("--concurrency", "the SLA search tries every concurrency up to the most that fit: drop it")
        found = serving_search.sla_search(spec, input_tokens=input_tokens, output_tokens=output_tokens, tpot_ms=tpot_ms,
                                          ttft_ms=ttft_ms, gpus=gpu_id if catalog_prices is None else list(catalog_prices),
                                          tp=tp, precision=precision,
                                          kv_dtypes=(kv_dtype,) if kv_dtype else ("bf16", "fp8"),
                                          prices={gpu_id: price} if price is not None else catalog_prices)  # fmt: skip
    ranked = found["ranked"].head(parse_count("--top", str(top)))
    if not as_json:
        ranked = ranked[["gpu_id", "tp", "precision", "kv_dtype", "concurrency", "tpot_ms", "ttft_ms",
                         "output_tokens_per_s_per_gpu", "usd_per_million_output_tokens"]]
    emit({"meets": found["meets"], "message": found["message"], "configurations": found["configurations"],
          "cheapest": found["cheapest"], "fastest": found["fastest"], "ranked": ranked}, as_json,
         title=f"SLA search for {spec.name}")  # fmt: skip


# ------------------------------------------------------------------------------------------- book (engineer 5)
@app.command("book")
def book_command(
    params: str = typer.Option(None, "--params", help="YAML of notebook parameters: build a personal edition "
                               "into _editions/<file name>/_build/html (see scenarios/my_prices.yaml)."),
    refresh_baselines: bool = typer.Option(False, "--refresh-baselines", help="Re-execute notebooks/*.ipynb in "
                                           "place with default parameters (the nbval baseline; `make notebooks`)."),
) -> None:
    """Build the book strictly and offline: re-execute changed notebooks (papermill), then jupyter-book."""
    from gpuplan import book

    if refresh_baselines:
        for path in book.refresh_baselines():
            typer.echo(f"refreshed {path.relative_to(book.ROOT)}")
        return
    html = book.build(params)
    typer.echo(f"built {html / 'index.html'}")


# ---------------------------------------------------------------------------------- batch, sweep (engineer 6)
@app.command("batch")
def batch_command(
    grid: str = typer.Argument(..., metavar="GRID.yaml|report", help="Grid file to run, or `report`."),
    report_dir: str | None = typer.Argument(None, metavar="[DIR]", help="With `report`: the batch folder."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", help="Worker processes (default: number of CPUs)."),
    scheduler: str | None = typer.Option(None, "--scheduler", metavar="ADDRESS", help="Run on the Dask cluster "
                                         "of this scheduler, e.g. tcp://10.0.0.5:8786 (default: "
                                         "$DASK_SCHEDULER_ADDRESS, else this machine)."),
    out: str | None = typer.Option(None, "--out", help="Output folder (default: _build/batch/<grid name>)."),
    timeout: float | None = typer.Option(None, "--timeout", help="Time limit per cell, seconds (default: none)."),
    y: str | None = typer.Option(None, "--y", help="With `report`: the result column to chart."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar with ETA."),
) -> None:
    """Run a notebook over a parameter grid (`batch GRID.yaml`), or write DIR/report.html (`batch report DIR`).

    Resumable: run the same command again after a crash or Ctrl-C and only the missing runs execute. With
    --scheduler the runs execute on the Dask cluster's workers (start `dask scheduler`, then `dask worker
    ADDRESS` on each machine); results are written here.
    Exit 1 when a run failed (recorded with its error; the others still ran).
    """
    from gpuplan import batch

    if grid == "report":
        if report_dir is None:
            raise InputError("DIR", "give the batch folder: gpuplan batch report DIR")
        typer.echo(f"wrote {batch.report(report_dir, y=y)}")
        return
    if report_dir is not None:
        raise InputError(report_dir, "unexpected argument (the report is `gpuplan batch report DIR`)")
    try:
        result = batch.run_batch(grid, out, jobs=jobs, timeout_s=timeout, progress=progress, scheduler=scheduler)
    except KeyboardInterrupt as err:
        typer.echo(str(err) or "interrupted", err=True)
        raise typer.Exit(130) from None
    typer.echo(f"{result.total} runs: {result.ok} ok, {result.failed} failed, {result.skipped} already done, "
               f"{result.recovered} recovered -> {result.table}")  # fmt: skip
    for run_id, error in list(result.errors.items())[:3]:
        typer.echo(f"failed {run_id}: {error}", err=True)
    if result.failed:
        raise typer.Exit(1)


@app.command("sweep")
def sweep_command(
    grid: str = typer.Argument(..., metavar="GRID.yaml", help="Sweep grid: axes of cost / break-even inputs."),
    out: str | None = typer.Option(None, "--out", help="Output folder (default: _build/sweep/<grid name>)."),
    csv: bool = typer.Option(False, "--csv/--no-csv", help="Also write runs.csv (large for 10^6 scenarios)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Cost per job on A and B and the break-even for every point of a large grid, vectorized, into runs.duckdb."""
    from gpuplan import sweep

    emit(sweep.run_sweep(grid, out, csv=csv), as_json, title="sweep")


# -------------------------------------------------------------------------------------------------------- run
def _parameter_value(text: str) -> Any:
    """A -p value as papermill reads it: a YAML scalar (2, 2.5, true, null) or else the text itself."""
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (int, float, bool, type(None))) else text


@app.command("run")
def run_command(
    notebook: str = typer.Argument(..., help="The notebook to run, e.g. notebooks/03_cost_per_task.ipynb."),
    output: str = typer.Argument(..., help="Where to write the executed notebook."),
    parameter: list[str] | None = typer.Option(None, "-p", "--parameter", help="NAME=VALUE (repeatable), "
                                                "as papermill's -p NAME VALUE; the value is read as YAML."),
    parameters_file: str | None = typer.Option(None, "-f", "--parameters-file", help="A YAML file of parameters."),
) -> None:
    """Execute a notebook with parameters (papermill), checked against the notebook's parameter contract first:
    an unknown name, a wrong type or a bad value exits 2 with one line, and so does a failing cell."""
    from pathlib import Path

    from gpuplan import params

    values: dict[str, Any] = {}
    if parameters_file is not None:
        loaded = params.read_yaml(parameters_file, "--parameters-file")
        if not isinstance(loaded, dict):
            raise InputError("--parameters-file", f"{parameters_file}: must be a mapping of parameter: value")
        values.update(loaded)
    for item in parameter or []:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise InputError("-p", f"{item!r}: write NAME=VALUE")
        values[name.strip()] = _parameter_value(text)
    if not Path(notebook).is_file():
        raise InputError("notebook", f"{notebook}: no such file")
    path = params.run_notebook(notebook, output, values)
    typer.echo(f"wrote {path}")


def main() -> None:
    """Entry point of `gpuplan` and `python -m gpuplan`."""
    try:
        app()
    except GpuplanError as err:  # e.g. raised while building the command tree; commands are covered by _Group
        typer.echo(f"error: {err}", err=True)
        sys.exit(2)
