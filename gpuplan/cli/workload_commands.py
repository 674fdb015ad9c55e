"""``gpuplan memory``, ``runtime``, ``scale`` and ``allreduce``: will the workload fit, how long it runs, how it
scales across GPUs, and what an all-reduce costs on the node's topology."""

from __future__ import annotations

import pandas as pd
import typer

from gpuplan import assumptions, collectives, memory, runtime, scaling
from gpuplan.cli.app import (
    HEAD_DIM_OPTION,
    HEADS_OPTION,
    HIDDEN_OPTION,
    JSON_OPTION,
    KV_HEADS_OPTION,
    LAYERS_OPTION,
    MODEL_OPTION,
    PARAMS_OPTION,
    PRICES_OPTION,
    VOCAB_OPTION,
    _architecture,
    app,
    catalog_option,
    emit,
    options,
    parse_count,
    parse_int_list,
    resolve_gpu,
)
from gpuplan.cost import price_info
from gpuplan.errors import InputError
from gpuplan.validators import check_choice


# ----------------------------------------------------------------------------------------------------- memory
@app.command("memory")
def memory_command(
    model: str | None = MODEL_OPTION,
    params: str | None = PARAMS_OPTION,
    layers: int | None = LAYERS_OPTION,
    hidden: int | None = HIDDEN_OPTION,
    heads: int | None = HEADS_OPTION,
    kv_heads: int | None = KV_HEADS_OPTION,
    head_dim: int | None = HEAD_DIM_OPTION,
    vocab: int | None = VOCAB_OPTION,
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
    gpus_per_node: int = typer.Option(scaling.DEFAULT_GPUS_PER_NODE, "--gpus-per-node",
                                      help="GPUs per node (CPU memory of --offload is per node)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Bytes per component per GPU, and whether it fits on every GPU of the table (with the fewest GPUs if not)."""
    arch = _architecture(model, params, layers=layers, hidden_size=hidden, attention_heads=heads, kv_heads=kv_heads,
                         head_dim=head_dim, vocab_size=vocab)  # fmt: skip
    settings = dict(mode=mode, precision=precision, optimizer=optimizer, batch=batch, seq=seq, context=context,
                    checkpointing=checkpointing, lora_rank=lora_rank, lora_targets=lora_targets.split(","),
                    kv_dtype=kv_dtype, frames=frames, height=height, width=width, adam_bytes=adam_bytes,
                    offload=offload, gpus_per_node=gpus_per_node)  # fmt: skip
    check_choice("--attention", attention, ("flash", "eager"))
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
    price: float | None = typer.Option(None, "--price", help="USD per GPU-hour (default: the market median in the "
                                       "data, see the price basis)."),
    provider: str | None = typer.Option(None, "--provider", help="Take the latest price of this provider."),
    prices_file: str | None = PRICES_OPTION,
    overlap: float = typer.Option(scaling.DEFAULT_OVERLAP, "--overlap",
                                  help="Fraction of compute that hides the all-reduce, [0, 1]."),
    mfu: float | None = typer.Option(None, "--mfu", help="Model FLOPs utilization, (0, 1] (default: fitted)."),
    gpus_per_node: int = typer.Option(scaling.DEFAULT_GPUS_PER_NODE, "--gpus-per-node", help="GPUs per node (NVLink domain)."),
    inter_node_gbps: float | None = typer.Option(None, "--inter-node-gbps", help="Per-GPU network GB/s between nodes."),
    tensor_parallel: str | None = typer.Option(None, "--tensor-parallel", help="Tensor-parallel GPUs per replica "
                                               "(inside a node), or auto (smallest layout that holds the model)."),  # fmt: skip
    pipeline_stages: int = typer.Option(1, "--pipeline-stages", help="Pipeline stages per replica."),
    goodput: float = typer.Option(1.0, "--goodput", help="Share of wall time that trains, (0, 1] (1 = step time "
                                  "alone)."),  # fmt: skip
    as_json: bool = JSON_OPTION,
) -> None:
    """3D-parallel step time (topology-aware all-reduce), scaling efficiency, hours and cost at each GPU count."""
    arch = _architecture(model, params)
    gpu_id = resolve_gpu("--gpu", gpu)
    counts = parse_int_list("--gpus", gpus)
    # Chinchilla-optimal default: ~20 tokens per parameter (Hoffmann et al. 2022, arXiv 2203.15556)
    n_tokens = (parse_count("--tokens", tokens) if tokens is not None
                else assumptions.value("chinchilla_tokens_per_param") * arch.params_active)
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
    gpus_per_node: int = typer.Option(scaling.DEFAULT_GPUS_PER_NODE, "--gpus-per-node",
                                      help="GPUs per node (beyond it: the network rails)."),
    algorithm: str = typer.Option("auto", "--algorithm", help="auto, ring or nvls (NVLink SHARP, Hopper and later)."),
    nic_gbps: float | None = typer.Option(None, "--nic-gbps", help="GB/s per NIC (default by GPU generation)."),
    rails: int | None = typer.Option(None, "--rails", help="NICs per node (default: one per GPU)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """All-reduce time on the node's topology: bus and algorithm bandwidth (nccl-tests definitions) and seconds."""
    gpu_id = resolve_gpu("--gpu", gpu)
    with options(gpus="--gpus", gpus_per_node="--gpus-per-node", algorithm="--algorithm", nic_gbps="--nic-gbps",
                 rails="--rails", bytes="--bytes", gpu="--gpu"):  # fmt: skip
        result = collectives.allreduce(gpu_id, gpus, parse_count("--bytes", nbytes), gpus_per_node=gpus_per_node,
                                       algorithm=algorithm, nic_gbps=nic_gbps, rails=rails)  # fmt: skip
    emit(result, as_json, title=f"all-reduce on {gpus} × {gpu_id}")
