"""Runtime: FLOPs per job, MFU fitted to the benchmarks table, hours per job, and speedup bands.

Formulas and their sources (see ../shared/reference/formulas.md §6):

- Training compute ``C ≈ 6·P·D`` (forward 2PD + backward 4PD): EleutherAI, "Transformer Math 101"
  (Anthony, Biderman, Schoelkopf, 2023-04-18, https://blog.eleuther.ai/transformer-math/).
- Attention term and the MFU definition: MosaicML llm-foundry ``scripts/train/benchmarking/README.md``::

      flops_per_token    = 2 · n_params
      attn_flops_per_seq = n_layers · 2 · 2 · (d_model · seq_len²)
      mfu = (3·flops_per_seq + 3·attn_flops_per_seq) · seq_per_sec / (n_gpu · peak_flops)

  so per trained token: ``6·P + 12·L·d·s`` FLOPs (normalisation, activations and residuals excluded).
- Activation checkpointing (full recomputation) runs every layer's forward twice: ``8·P + 16·L·d·s`` FLOPs per
  token executed (llm-foundry: "HFU uses 4 instead of 3 when activation checkpointing is on"; stas00
  ``training/performance/README.md``: "the factor of 4 is used with activation/gradient checkpointing,
  otherwise it will be 3").
- LoRA / QLoRA (a frozen base): forward ``2·P`` and the backward through the activations ``2·P`` are still
  needed, the weight-gradient GEMMs of the frozen weights (``2·P``) are not, so ``4·P + 12·L·d·s`` per token
  (the attention-score matmuls have no weights: their forward and backward stay; adapter FLOPs, ~6·P_adapter,
  are negligible). **Derived assumption** from the 2PD / 4PD split of Transformer Math 101; the LoRA paper
  (Hu et al. 2021, arXiv 2106.09685, §4.2) reports the direction — "a 25% speedup during training on GPT-3
  175B compared to full fine-tuning as we do not need to calculate the gradient for the vast majority of the
  parameters" — below the 1.5× that 6P → 4P would give, because non-GEMM work does not shrink. QLoRA's
  dequantization is not counted.
- Prefill ``2·P`` per token (the forward half of the above); decode is memory-bound: every generated step
  reads all weights and the KV cache of every sequence once, so ``seconds/step ≥ (weight bytes +
  kv_bytes_per_token × context × batch) / memory bandwidth`` (stas00 inference/README.md).
- Achieved throughput = dense peak of the chosen precision (``gpus.*_dense`` columns) × MFU. MFU is a
  **fitted assumption**, never guessed: :func:`fit_mfu` fits it to the MosaicML MPT rows of the
  ``benchmarks`` table and derives a documented fallback for GPUs without such rows (see its docstring).
  Half of those runs used activation checkpointing (``MPT_ACTIVATION_CHECKPOINTING``): their published MFU
  counts 6·P but the GPUs executed 8·P, so the fit uses each run's hardware utilisation (HFU = MFU × 4/3 for
  them, = MFU otherwise). The fitted "mfu" is thus the utilisation of a run *without* recomputation, and
  ``runtime_estimate(checkpointing=True)`` divides the 4/3 larger executed FLOPs by the same value. (Before,
  the fit mixed both kinds of run: it under-stated plain runs by up to 1/4 and, with a 4/3 on top, would have
  counted the recomputation twice for checkpointed ones.)

- Goodput (the share of a production run's wall time that advances training: failures and restarts, checkpoint
  saves, evaluation, stragglers, data stalls) is separate from MFU: ``hours = FLOPs / (GPUs · peak · MFU) /
  goodput``. The default for training tasks is a *production* run, the goodput calibrated on published GPU-hours
  of public pretraining runs (:func:`gpuplan.goodput.production_goodput`, leave-one-out error on the calibration
  page; the cited bottom-up terms are in :mod:`gpuplan.assumptions`); ``goodput=1`` gives the benchmark-style
  number (MFU alone, as the MosaicML tables measure it).

The MFU fit lives in :mod:`gpuplan.mfu` and the observed speedup bands in :mod:`gpuplan.speedup`; ``fit_mfu``,
``default_mfu``, ``mfu_observations`` and ``speedup_band`` are re-exported here.

Known disagreement kept visible: the MPT MFU values use each GPU's own peak, so "A100 MFU looks higher"
(MosaicML's own note) — an H100 reaches more FLOP/s at a lower MFU.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass

import pandas as pd

from gpuplan import data, validators
from gpuplan.errors import InputError
from gpuplan.validators import (
    check_bool,
    check_choice,
    check_count,
    check_finite_result,
    check_fraction,
    check_number,
    check_positive,
    check_shape,
)

#: precision -> the dense-peak column of the ``gpus`` table used as the MFU denominator
PEAK_COLUMN = {
    "fp32": "fp32_tflops",
    "tf32": "tf32_tflops_dense",
    "bf16": "bf16_tflops_dense",
    "fp16": "fp16_tflops_dense",
    "fp8": "fp8_tflops_dense",
    "int8": "int8_tops_dense",
}
#: bytes per weight for the memory-bound decode estimate (stas00 inference/README.md, formulas.md §1)
WEIGHT_BYTES = {"fp32": 4, "tf32": 4, "bf16": 2, "fp16": 2, "fp8": 1, "int8": 1}
TASKS = ("pretrain", "finetune", "inference", "lora")
CHECKPOINTING_FACTOR = 4 / 3

_PRECISION_RE = re.compile(r"\b(fp32|tf32|bf16|fp16|fp8|int8)\b")


# ---------------------------------------------------------------------------------------------- formulas
#: upper bounds of the shape arguments (gpuplan.validators.MAX_SHAPE)
MAX_SHAPE = validators.MAX_SHAPE


def attention_flops_per_token(layers: int, hidden_size: int, seq: int) -> float:
    """Forward attention-score FLOPs per token, ``4·L·d·s`` = llm-foundry's ``attn_flops_per_seq / seq``."""
    layers, hidden_size, seq = check_shape(layers, hidden_size, seq)
    return 4.0 * layers * hidden_size * seq


def training_flops_per_token(params: float, *, layers=None, hidden_size=None, seq=None,
                             checkpointing: bool = False, lora: bool = False) -> float:
    """FLOPs executed per trained token: ``6·P`` (Transformer Math 101: forward 2P, backward 4P) plus
    ``3 × 4·L·d·s`` (llm-foundry) when layers, hidden and seq are given. ``checkpointing`` adds one more
    forward (``+2·P + 4·L·d·s``: llm-foundry's HFU factor 4 instead of 3); ``lora`` drops the frozen weights'
    gradient GEMMs (``-2·P``; module docstring: a derived assumption)."""
    params = check_positive("params", params)
    passes = 3 + (1 if checkpointing else 0)  # forward, backward (two), recomputed forward
    flops = 2.0 * params * (passes - (1 if lora else 0))
    shape = check_shape(layers, hidden_size, seq)
    if shape:
        flops += passes * attention_flops_per_token(*shape)
    return check_finite_result("params", flops)


def training_flops(params: float, tokens: float, *, layers=None, hidden_size=None, seq=None,
                   checkpointing: bool = False, lora: bool = False) -> float:
    """Training FLOPs for ``tokens`` tokens: ``D·(6·P + 12·L·d·s)``; the attention term only when all three
    of layers, hidden_size and seq are given (EleutherAI Transformer Math 101; MosaicML llm-foundry).
    ``checkpointing``: ``D·(8·P + 16·L·d·s)``; ``lora``: ``D·(4·P + 12·L·d·s)``; both:
    ``D·(6·P + 16·L·d·s)``."""
    per_token = training_flops_per_token(params, layers=layers, hidden_size=hidden_size, seq=seq,
                                         checkpointing=checkpointing, lora=lora)
    return check_finite_result("tokens", per_token * check_positive("tokens", tokens))


def prefill_flops(params: float, tokens: float, *, layers=None, hidden_size=None, seq=None) -> float:
    """Forward-only FLOPs: ``2·P`` per token (+ ``4·L·d·s`` attention when given) — one third of training."""
    flops = 2.0 * check_positive("params", params)
    shape = check_shape(layers, hidden_size, seq)
    if shape:
        flops += attention_flops_per_token(*shape)
    return check_finite_result("tokens", flops * check_positive("tokens", tokens))


def decode_seconds_per_token(weight_bytes: float, kv_bytes: float, bandwidth_gbps: float) -> float:
    """Memory-bound decode: one step reads every weight byte and the KV cache once, so
    ``seconds ≥ (weight_bytes + kv_bytes) / (bandwidth_gbps · 10⁹)`` (stas00 inference/README.md; the
    roofline argument). One step yields one token per sequence in the batch. A lower bound: it ignores
    compute and kernel overheads."""
    kv_bytes = check_number("kv_bytes", kv_bytes, low=0.0)
    return (check_positive("weight_bytes", weight_bytes) + kv_bytes) / (check_positive("bandwidth_gbps", bandwidth_gbps) * 1e9)


def hours_at_speedup(hours_a: float, speedup: float) -> float:
    """Hours on GPU B for a job taking ``hours_a`` on GPU A when B is ``speedup`` × faster: ``hours_a / speedup``
    (the articles' worked example: 40 h at 2× → 20 h, at 3× → 13.3 h)."""
    return check_positive("hours_a", hours_a) / check_positive("speedup", speedup)


# ------------------------------------------------------------------------------------------ data helpers
def normalize_precision(text) -> str | None:
    """'bf16 (amp_bf16)' -> 'bf16'; None when the text names no known precision."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    match = _PRECISION_RE.search(str(text).lower())
    return match.group(1) if match else None


def peak_flops(gpu_id: str, precision: str) -> float:
    """Dense peak FLOP/s of ``gpu_id`` at ``precision`` from the gpus table; InputError when it has none."""
    check_choice("precision", precision, PEAK_COLUMN)
    value = data.gpu(gpu_id).get(PEAK_COLUMN[precision])
    if value is None or pd.isna(value):
        have = [p for p, col in PEAK_COLUMN.items() if pd.notna(data.gpu(gpu_id).get(col))]
        raise InputError("precision", f"{gpu_id} has no dense {precision} peak in the gpus table "
                                      f"(it has: {', '.join(have) or 'none'})")
    return float(value) * 1e12


def model_architecture(name) -> tuple[float, int, int] | None:
    """(params, layers, hidden) for a benchmark's model name, from the models table (the MPT rows hold the exact
    NumParams the MosaicML runs were scored with: llm-foundry's benchmarking README, seq len 2048)."""
    if not isinstance(name, str):
        return None
    key = name.strip().lower()
    models = data.models()
    hit = models[(models["model_id"].str.lower() == key) | (models["name"].str.lower() == key)]
    if len(hit) and pd.notna(hit.iloc[0]["params_total"]) and pd.notna(hit.iloc[0]["layers"]):
        row = hit.iloc[0]
        return float(row["params_total"]), int(row["layers"]), int(row["hidden_size"])
    return None



# ------------------------------------------------------------- re-exports (gpuplan.mfu, gpuplan.speedup)
def mfu_observations() -> pd.DataFrame:
    """:func:`gpuplan.mfu.mfu_observations` (the MosaicML rows and the MFU each implies)."""
    from gpuplan import mfu  # noqa: PLC0415 (gpuplan.mfu imports this module)

    return mfu.mfu_observations()


def fit_mfu() -> pd.DataFrame:
    """:func:`gpuplan.mfu.fit_mfu` (default MFU per GPU and precision, with its band and basis)."""
    from gpuplan import mfu  # noqa: PLC0415 (gpuplan.mfu imports this module)

    return mfu.fit_mfu()


def default_mfu(gpu_id: str, precision: str = "bf16") -> dict:
    """:func:`gpuplan.mfu.default_mfu`."""
    from gpuplan import mfu  # noqa: PLC0415 (gpuplan.mfu imports this module)

    return mfu.default_mfu(gpu_id, precision)


def speedup_band(gpu_a: str, gpu_b: str, task_type: str | None = None) -> dict:
    """:func:`gpuplan.speedup.speedup_band` (the observed band of B over A, with the benchmark pairs)."""
    from gpuplan import speedup  # noqa: PLC0415 (gpuplan.speedup imports this module)

    return speedup.speedup_band(gpu_a, gpu_b, task_type)


# ----------------------------------------------------------------------------------------- runtime
@dataclass(frozen=True)
class RuntimeEstimate:
    """Hours for one job. ``hours_low``/``hours_high`` come from the MFU band (high MFU → low hours).
    ``flops`` are the FLOPs executed (with the recomputed forward when ``checkpointing``);
    ``kv_bytes_per_step`` the KV-cache bytes one decode step reads (0 when no ``context`` was given);
    ``goodput`` the share of wall time that trains (1.0 = benchmark-style; the hours include ``1 / goodput``)."""

    hours: float
    hours_low: float
    hours_high: float
    gpu_hours: float
    mfu: float
    mfu_low: float
    mfu_high: float
    mfu_method: str
    flops: float
    gpu_id: str
    gpus: int
    precision: str
    task: str
    bound: str  # 'compute' or 'memory' (inference decode)
    checkpointing: bool = False
    context: int | None = None
    kv_bytes_per_step: float = 0.0
    goodput: float = 1.0
    goodput_method: str = "none"

    def to_dict(self) -> dict:
        return asdict(self)


#: upper bound of the count arguments (gpus, batch, context): a guard against typos and overflow
MAX_COUNT = 10**9


def runtime_estimate(*, params: float, tokens: float, gpu_id: str, gpus: int = 1, precision: str = "bf16",
                     task: str = "pretrain", mfu: float | None = None, layers: int | None = None,
                     hidden_size: int | None = None, seq: int | None = None, batch: int | None = None,
                     checkpointing: bool = False, context: int | None = None,
                     kv_bytes_per_token: float | None = None, goodput: float | None = None) -> RuntimeEstimate:
    """Hours to process ``tokens`` tokens with a ``params``-parameter model on ``gpus`` × ``gpu_id``.

    - pretrain / finetune (full fine-tune): :func:`training_flops` / (gpus · dense peak · MFU).
      ``checkpointing=True`` (full activation recomputation) counts the extra forward: 8·P + 16·L·d·s per
      token instead of 6·P + 12·L·d·s (llm-foundry HFU note; the MFU fit is on the same hardware-FLOPs basis,
      see :func:`fit_mfu`).
    - lora: LoRA/QLoRA over a frozen base, 4·P + 12·L·d·s per token (no weight gradients for the frozen
      weights — a derived assumption, see the module docstring); ``checkpointing`` adds 2·P + 4·L·d·s.
    - inference, at a **fixed decode batch** ``batch`` (required: the roofline of one measured batch, as the GPU
      harness times it; a server is not batch-1 — it batches continuously, so its throughput and cost come
      from :func:`gpuplan.serving.serve` with a concurrency, or ``gpuplan serve``; without ``batch`` this
      raises InputError pointing there): the larger of prefill-style compute (2·P per token at the same MFU)
      and memory-bound decode (:func:`decode_seconds_per_token`: all weight bytes at ``precision`` read once
      per step over the summed memory bandwidth, ``tokens / batch`` steps). With ``context`` (tokens held in the
      KV cache per sequence during decoding — for a prompt of p tokens generating n, about p + n/2 on average)
      each step also reads ``kv_bytes_per_token × context × batch`` bytes (``kv_bytes_per_token`` is required then, e.g.
      ``memory.Architecture.from_model(name).kv_cache_bytes_per_token("bf16")``). Without ``context`` the
      KV-cache reads are left out (the earlier behaviour), which makes the decode time a lower bound.

    ``goodput``: share of the wall time that advances training (failures, restarts, checkpoints, evaluation,
    stragglers, data stalls). None (default) = a production run for the training tasks — the goodput calibrated on
    public runs' GPU-hours (:func:`gpuplan.goodput.production_goodput`) — and 1 for inference (not calibrated there);
    ``goodput=1`` is the benchmark-style estimate. All hours (and the low/high band) are divided by it.

    Scaling across ``gpus`` is taken as linear here (the MFU fits come from 8-64 GPU runs that already pay
    their communication); :mod:`gpuplan.scaling` models the all-reduce explicitly.
    ``mfu`` overrides the fitted default (then low = high = mfu); it is the utilisation of the FLOPs executed.
    """
    check_choice("task", task, TASKS)
    gpu_id = data.resolve_gpu(gpu_id)
    gpus = check_count("gpus", gpus, high=MAX_COUNT)
    check_bool("checkpointing", checkpointing)
    if checkpointing and task == "inference":
        raise InputError("checkpointing", "only applies to training tasks (pretrain, finetune, lora)")
    if context is not None and task != "inference":
        raise InputError("context", "only applies to task=inference (the KV cache read while decoding)")
    if task == "inference" and batch is None:  # batch-1 decoding over-states the cost of serving 10-100x
        raise InputError("batch", "task=inference needs the decode batch (sequences decoded together); a server "
                                  "batches continuously: price it with gpuplan.serving.serve(model, gpu, "
                                  "concurrency=...) or `gpuplan serve --model M --gpu G --concurrency C|max`")
    shape = check_shape(layers, hidden_size, seq)
    peak = peak_flops(gpu_id, precision)
    if mfu is None:
        fit = default_mfu(gpu_id, precision)
        mfu, mfu_low, mfu_high, method = fit["mfu"], fit["mfu_low"], fit["mfu_high"], fit["method"]
    else:
        check_fraction("mfu", mfu)
        mfu_low = mfu_high = float(mfu)
        method = "given"
    if goodput is None:
        if task == "inference":
            goodput, goodput_method = 1.0, "none"
        else:
            from gpuplan.goodput import production_goodput  # noqa: PLC0415 (goodput imports this module)

            goodput, goodput_method = production_goodput(), "production"
    else:
        check_fraction("goodput", goodput, hint="1 = benchmark-style")
        goodput, goodput_method = float(goodput), "given"
    arch = dict(zip(("layers", "hidden_size", "seq"), shape, strict=True)) if shape else {}
    if task == "inference":
        flops = prefill_flops(params, tokens, **arch)
    else:
        flops = training_flops(params, tokens, **arch, checkpointing=checkpointing, lora=task == "lora")
    compute = {"mid": flops / (gpus * peak * mfu), "fast": flops / (gpus * peak * mfu_high),
               "slow": flops / (gpus * peak * mfu_low)}
    bound = "compute"
    kv_step = 0.0
    if task == "inference":
        batch = check_count("batch", batch, high=MAX_COUNT)
        if context is not None:
            context = check_count("context", context, high=MAX_COUNT)
            if kv_bytes_per_token is None:
                raise InputError("kv_bytes_per_token", "needed with context, e.g. memory.Architecture"
                                                       ".from_model(name).kv_cache_bytes_per_token('bf16')")
            kv_step = check_positive("kv_bytes_per_token", kv_bytes_per_token) * context * batch
        bandwidth = data.gpu(gpu_id).get("memory_bandwidth_gbps")
        if bandwidth is not None and pd.notna(bandwidth):
            step = decode_seconds_per_token(params * WEIGHT_BYTES[precision], kv_step, gpus * float(bandwidth))
            memory = step * tokens / batch
            if memory > compute["mid"]:
                bound = "memory"
            compute = {k: max(v, memory) for k, v in compute.items()}
    compute = {k: check_finite_result("tokens", v / goodput) for k, v in compute.items()}
    hours = compute["mid"] / 3600
    return RuntimeEstimate(
        hours=hours, hours_low=compute["fast"] / 3600, hours_high=compute["slow"] / 3600, gpu_hours=hours * gpus,
        mfu=float(mfu), mfu_low=float(mfu_low), mfu_high=float(mfu_high), mfu_method=method, flops=flops,
        gpu_id=gpu_id, gpus=gpus, precision=precision, task=task, bound=bound, checkpointing=checkpointing,
        context=context, kv_bytes_per_step=kv_step, goodput=goodput, goodput_method=goodput_method)
