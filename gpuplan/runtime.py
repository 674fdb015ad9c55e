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

Known disagreement kept visible: the MPT MFU values use each GPU's own peak, so "A100 MFU looks higher"
(MosaicML's own note) — an H100 reaches more FLOP/s at a lower MFU.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from functools import lru_cache

import pandas as pd

from gpuplan import data
from gpuplan.errors import InputError

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

#: Activation checkpointing of the MosaicML benchmark runs, from the "Activation Checkpointing" column of the
#: same llm-foundry tables (their HFU = MFU × 4/3 exactly when it is True), keyed by
#: (model, gpu_id, gpu_count, precision, seq). Runs not listed are taken as run without checkpointing.
MPT_ACTIVATION_CHECKPOINTING = {
    ("mpt-7b", "h100-sxm5-80gb", 8, "bf16", 2048): False,    # MFU 46.44, HFU 46.44
    ("mpt-13b", "h100-sxm5-80gb", 8, "bf16", 2048): False,   # 39.79 / 39.79
    ("mpt-30b", "h100-sxm5-80gb", 8, "bf16", 2048): True,    # 38.11 / 50.82
    ("mpt-70b", "h100-sxm5-80gb", 64, "bf16", 2048): True,   # 42.57 / 56.76
    ("mpt-7b", "a100-sxm4-80gb", 8, "bf16", 2048): False,    # 64.23 / 64.23
    ("mpt-13b", "a100-sxm4-80gb", 8, "bf16", 2048): False,   # 59.57 / 59.57
    ("mpt-30b", "a100-sxm4-80gb", 8, "bf16", 2048): True,    # 55.3 / 73.74
    ("mpt-70b", "a100-sxm4-80gb", 64, "bf16", 2048): True,   # 53.33 / 71.1
    ("mpt-7b", "a100-sxm4-40gb", 8, "bf16", 2048): True,     # 50.92 / 67.89
    ("mpt-13b", "a100-sxm4-40gb", 8, "bf16", 2048): True,    # 43.94 / 58.58
    ("mpt-70b", "a100-sxm4-40gb", 64, "bf16", 2048): True,   # 35.87 / 47.82
    ("mpt-3b", "h100-sxm5-80gb", 8, "fp8", 2048): False,     # 27.7 / 27.7
}
#: Executed FLOPs with full activation checkpointing relative to without: one more forward (2 of 6 parts)
CHECKPOINTING_FACTOR = 4 / 3

_PRECISION_RE = re.compile(r"\b(fp32|tf32|bf16|fp16|fp8|int8)\b")
_SEQ_RE = re.compile(r"seq(?:uence)?[ _-]*len(?:gth)?\D{0,3}(\d+)", re.IGNORECASE)
_MFU_NOTE_RE = re.compile(r"MFU\s*([\d.]+)\s*%")


# ---------------------------------------------------------------------------------------------- formulas
def _positive(name: str, value: float) -> float:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise InputError(name, f"must be a number > 0 (got {value!r})")
    if not math.isfinite(value):
        raise InputError(name, f"must be finite (got {value!r})")
    return float(value)


def attention_flops_per_token(layers: int, hidden_size: int, seq: int) -> float:
    """Forward attention-score FLOPs per token, ``4·L·d·s`` = llm-foundry's ``attn_flops_per_seq / seq``."""
    return 4.0 * layers * hidden_size * seq


def training_flops_per_token(params: float, *, layers=None, hidden_size=None, seq=None,
                             checkpointing: bool = False, lora: bool = False) -> float:
    """FLOPs executed per trained token: ``6·P`` (Transformer Math 101: forward 2P, backward 4P) plus
    ``3 × 4·L·d·s`` (llm-foundry) when layers, hidden and seq are given. ``checkpointing`` adds one more
    forward (``+2·P + 4·L·d·s``: llm-foundry's HFU factor 4 instead of 3); ``lora`` drops the frozen weights'
    gradient GEMMs (``-2·P``; module docstring: a derived assumption)."""
    params = _positive("params", params)
    passes = 3 + (1 if checkpointing else 0)  # forward, backward (two), recomputed forward
    flops = 2.0 * params * (passes - (1 if lora else 0))
    if layers and hidden_size and seq:
        flops += passes * attention_flops_per_token(layers, hidden_size, seq)
    return flops


def training_flops(params: float, tokens: float, *, layers=None, hidden_size=None, seq=None,
                   checkpointing: bool = False, lora: bool = False) -> float:
    """Training FLOPs for ``tokens`` tokens: ``D·(6·P + 12·L·d·s)``; the attention term only when all three
    of layers, hidden_size and seq are given (EleutherAI Transformer Math 101; MosaicML llm-foundry).
    ``checkpointing``: ``D·(8·P + 16·L·d·s)``; ``lora``: ``D·(4·P + 12·L·d·s)``; both:
    ``D·(6·P + 16·L·d·s)``."""
    per_token = training_flops_per_token(params, layers=layers, hidden_size=hidden_size, seq=seq,
                                         checkpointing=checkpointing, lora=lora)
    return per_token * _positive("tokens", tokens)


def prefill_flops(params: float, tokens: float, *, layers=None, hidden_size=None, seq=None) -> float:
    """Forward-only FLOPs: ``2·P`` per token (+ ``4·L·d·s`` attention when given) — one third of training."""
    flops = 2.0 * _positive("params", params)
    if layers and hidden_size and seq:
        flops += attention_flops_per_token(layers, hidden_size, seq)
    return flops * _positive("tokens", tokens)


def decode_seconds_per_token(weight_bytes: float, kv_bytes: float, bandwidth_gbps: float) -> float:
    """Memory-bound decode: one step reads every weight byte and the KV cache once, so
    ``seconds ≥ (weight_bytes + kv_bytes) / (bandwidth_gbps · 10⁹)`` (stas00 inference/README.md; the
    roofline argument). One step yields one token per sequence in the batch. A lower bound: it ignores
    compute and kernel overheads."""
    if kv_bytes is None or kv_bytes < 0:
        raise InputError("kv_bytes", f"must be >= 0 (got {kv_bytes!r})")
    return (_positive("weight_bytes", weight_bytes) + kv_bytes) / (_positive("bandwidth_gbps", bandwidth_gbps) * 1e9)


def hours_at_speedup(hours_a: float, speedup: float) -> float:
    """Hours on GPU B for a job taking ``hours_a`` on GPU A when B is ``speedup`` × faster: ``hours_a / speedup``
    (the articles' worked example: 40 h at 2× → 20 h, at 3× → 13.3 h)."""
    return _positive("hours_a", hours_a) / _positive("speedup", speedup)


# ------------------------------------------------------------------------------------------ data helpers
def normalize_precision(text) -> str | None:
    """'bf16 (amp_bf16)' -> 'bf16'; None when the text names no known precision."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    match = _PRECISION_RE.search(str(text).lower())
    return match.group(1) if match else None


def _check_precision(precision: str) -> str:
    if precision not in PEAK_COLUMN:
        raise InputError("precision", f"must be one of {', '.join(PEAK_COLUMN)} (got {precision!r})")
    return precision


def peak_flops(gpu_id: str, precision: str) -> float:
    """Dense peak FLOP/s of ``gpu_id`` at ``precision`` from the gpus table; InputError when it has none."""
    _check_precision(precision)
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


# ------------------------------------------------------------------------------------------------ MFU fit
def mfu_observations() -> pd.DataFrame:
    """One row per LLM-training throughput benchmark (unit tokens/s per GPU) whose model architecture is
    known: the MFU it implies by the llm-foundry formula, and the MFU printed in its notes (if any).

    Columns: benchmark_id, gpu_id, model, gpu_count, precision, seq, params, tokens_per_s_per_gpu,
    flops_per_token, peak_tflops, mfu, published_mfu, activation_checkpointing
    (``MPT_ACTIVATION_CHECKPOINTING``), hfu (hardware FLOPs utilisation: mfu × 4/3 with checkpointing).
    """
    bench = data.benchmarks()
    unit = bench["unit"].str.lower().str.replace(" ", "")
    rows = bench[(bench["task_type"] == "training") & unit.str.startswith("tokens/s") & unit.str.contains("gpu")]
    out = []
    for row in rows.itertuples(index=False):
        arch = model_architecture(row.model)
        precision = normalize_precision(row.precision)
        text = " ".join(str(x) for x in (row.workload, row.scenario, row.notes) if isinstance(x, str))
        seq = _SEQ_RE.search(text)
        if arch is None or precision is None or seq is None:
            continue
        params, layers, hidden = arch
        try:
            peak = peak_flops(row.gpu_id, precision)
        except InputError:
            continue
        fpt = training_flops_per_token(params, layers=layers, hidden_size=hidden, seq=int(seq.group(1)))
        published = _MFU_NOTE_RE.search(row.notes or "") if isinstance(row.notes, str) else None
        ckpt = MPT_ACTIVATION_CHECKPOINTING.get(
            (str(row.model).strip().lower(), row.gpu_id, int(row.gpu_count), precision, int(seq.group(1))), False)
        mfu = fpt * float(row.value) / peak
        out.append({
            "benchmark_id": row.benchmark_id, "gpu_id": row.gpu_id, "model": row.model,
            "gpu_count": row.gpu_count, "precision": precision, "seq": int(seq.group(1)), "params": params,
            "tokens_per_s_per_gpu": float(row.value), "flops_per_token": fpt, "peak_tflops": peak / 1e12,
            "mfu": mfu,
            "published_mfu": float(published.group(1)) / 100 if published else float("nan"),
            "activation_checkpointing": ckpt, "hfu": mfu * (CHECKPOINTING_FACTOR if ckpt else 1.0),
        })
    return pd.DataFrame(out)


def _mamf_ratios() -> pd.DataFrame:
    """Achievable matmul TFLOPS (stas00 MAMF rows) / dense peak, per (gpu_id, precision)."""
    bench = data.benchmarks()
    rows = bench[(bench["task_type"] == "microbenchmark") & bench["unit"].str.upper().eq("TFLOPS")
                 & bench["metric"].str.contains("matmul", case=False)]
    out = []
    for row in rows.itertuples(index=False):
        precision = normalize_precision(row.precision)
        try:
            peak = peak_flops(row.gpu_id, precision) / 1e12
        except InputError:
            continue
        out.append({"gpu_id": row.gpu_id, "precision": precision, "mamf_ratio": float(row.value) / peak})
    frame = pd.DataFrame(out, columns=["gpu_id", "precision", "mamf_ratio"])
    return frame.groupby(["gpu_id", "precision"], as_index=False)["mamf_ratio"].max()


@lru_cache(maxsize=4)
def _fit_mfu_cached(data_hash: str) -> pd.DataFrame:
    obs = mfu_observations()
    gpus = data.gpus()
    arch = dict(zip(gpus["gpu_id"], gpus["architecture"].fillna("").str.split().str[0]))
    peaks = gpus.set_index("gpu_id")[list(PEAK_COLUMN.values())]
    rows: dict[tuple[str, str], dict] = {}

    # 1. direct fit: median of the MPT rows' hardware utilisation (HFU: MFU × 4/3 for the runs that recomputed
    #    activations, so that every row counts the FLOPs its GPUs executed); band = min..max; error = how far
    #    the one fitted value is from each row's own (= the relative error of the tokens/s it predicts for that
    #    row when the row's checkpointing is passed to runtime_estimate)
    for (gpu_id, precision), grp in obs.groupby(["gpu_id", "precision"]):
        mfu = float(grp["hfu"].median())
        n_ckpt = int(grp["activation_checkpointing"].sum())
        rows[(gpu_id, precision)] = {
            "mfu": mfu, "mfu_low": float(grp["hfu"].min()), "mfu_high": float(grp["hfu"].max()),
            "n_points": len(grp), "rel_error": float((mfu / grp["hfu"] - 1).abs().median()),
            "method": "fit",
            "basis": f"median utilisation of {len(grp)} MosaicML MPT rows ({', '.join(grp['model'])}; "
                     f"{n_ckpt} with activation checkpointing, counted at 8·P)",
        }
    direct = dict(rows)

    # 2. MAMF transfer: mfu = (achievable/peak of this GPU) × median over references of (mfu / their
    #    achievable/peak); references of the same architecture when there are any
    mamf = _mamf_ratios()
    mamf_of = {(r.gpu_id, r.precision): r.mamf_ratio for r in mamf.itertuples()}
    for (gpu_id, precision), ratio in mamf_of.items():
        if (gpu_id, precision) in rows:
            continue
        refs = [(g, fit) for (g, p), fit in direct.items() if p == precision and (g, p) in mamf_of]
        same = [(g, fit) for g, fit in refs if arch.get(g) == arch.get(gpu_id)]
        refs = same or refs
        if not refs:
            continue
        k = pd.Series([fit["mfu"] / mamf_of[(g, precision)] for g, fit in refs])
        k_low = min(fit["mfu_low"] / mamf_of[(g, precision)] for g, fit in refs)
        k_high = max(fit["mfu_high"] / mamf_of[(g, precision)] for g, fit in refs)
        rows[(gpu_id, precision)] = {
            "mfu": ratio * float(k.median()), "mfu_low": ratio * k_low, "mfu_high": ratio * k_high,
            "n_points": len(refs), "rel_error": float("nan"), "method": "mamf",
            "basis": f"MAMF {ratio:.1%} of peak × (MFU / MAMF ratio) of {', '.join(g for g, _ in refs)}",
        }

    # 3. MLPerf transfer, within one architecture only (across architectures the benchmark mix — CNNs,
    #    recommenders — says little about LLM MFU): achieved FLOP/s of a fitted sibling × observed training
    #    speedup band / own peak
    for gpu_id in gpus["gpu_id"]:
        for precision in PEAK_COLUMN:
            if (gpu_id, precision) in rows or pd.isna(peaks.loc[gpu_id, PEAK_COLUMN[precision]]):
                continue
            best = None
            for (ref, p), fit in direct.items():
                if p != precision or ref == gpu_id or arch.get(ref) != arch.get(gpu_id):
                    continue
                band = speedup_band(ref, gpu_id, task_type="training")
                if band["n"] and (best is None or band["n"] > best[2]["n"]):
                    best = (ref, fit, band)
            if best is None:
                continue
            ref, fit, band = best
            scale = peak_flops(ref, precision) / peak_flops(gpu_id, precision)
            rows[(gpu_id, precision)] = {
                "mfu": fit["mfu"] * scale * band["median"], "mfu_low": fit["mfu_low"] * scale * band["low"],
                "mfu_high": fit["mfu_high"] * scale * band["high"], "n_points": band["n"],
                "rel_error": float("nan"), "method": "mlperf",
                "basis": f"{ref} fit × observed training speedup {band['median']:.2f} "
                         f"({band['low']:.2f}-{band['high']:.2f}, {band['n']} pairs) × peak ratio",
            }

    # 4. fp16 reuses the GPU's bf16 result where both have the same dense peak
    for (gpu_id, precision), fit in list(rows.items()):
        if (precision == "bf16" and (gpu_id, "fp16") not in rows
                and peaks.loc[gpu_id, PEAK_COLUMN["fp16"]] == peaks.loc[gpu_id, PEAK_COLUMN["bf16"]]):
            rows[(gpu_id, "fp16")] = {**fit, "basis": "bf16 result (same dense peak): " + fit["basis"]}

    # 5. no benchmark basis at all: the pooled direct fits (median, min..max) — wide on purpose
    pooled = pd.DataFrame(direct.values())
    for gpu_id in gpus["gpu_id"]:
        for precision, col in PEAK_COLUMN.items():
            if (gpu_id, precision) in rows or pd.isna(peaks.loc[gpu_id, col]) or pooled.empty:
                continue
            rows[(gpu_id, precision)] = {
                "mfu": float(pooled["mfu"].median()), "mfu_low": float(pooled["mfu_low"].min()),
                "mfu_high": float(pooled["mfu_high"].max()), "n_points": 0, "rel_error": float("nan"),
                "method": "pooled", "basis": "no benchmark for this GPU/precision: median (min-max) of all direct fits",
            }

    frame = pd.DataFrame([{"gpu_id": g, "precision": p, **v} for (g, p), v in rows.items()])
    frame[["mfu", "mfu_low", "mfu_high"]] = frame[["mfu", "mfu_low", "mfu_high"]].clip(upper=1.0)
    return frame.sort_values(["gpu_id", "precision"]).reset_index(drop=True)


def fit_mfu() -> pd.DataFrame:
    """Default MFU per (gpu_id, precision), each with where it came from.

    Columns: gpu_id, precision, mfu, mfu_low, mfu_high, n_points, rel_error, method, basis. Methods, in
    order of preference:

    - ``fit``: the median utilisation of the MosaicML MPT pretraining rows (tokens/s/GPU, seq 2048) for that
      GPU and precision, with MFU computed exactly as llm-foundry does (6·P + 12·L·d·s FLOPs per token over the
      dense peak) and converted to HFU (× 4/3) for the runs that used activation checkpointing
      (``MPT_ACTIVATION_CHECKPOINTING``): the value is the utilisation of a run without recomputation, which
      ``runtime_estimate(checkpointing=True)`` applies to 4/3 the FLOPs. ``mfu_low``/``mfu_high`` are the
      min/max over those rows and ``rel_error`` the median relative error of the tokens/s that the single
      fitted value predicts for each row (with that row's checkpointing).
    - ``mamf``: the GPU's achievable-matmul ratio (stas00 MAMF rows: measured / dense peak) times the
      MFU-per-MAMF-ratio of the fitted GPUs (same architecture when available; band = min..max over them).
      Assumes end-to-end efficiency tracks achievable matmul efficiency.
    - ``mlperf``: a fitted GPU of the same architecture (e.g. H100 SXM for H100 PCIe / H200): its achieved
      FLOP/s × the observed MLPerf/Lambda training speedup band (:func:`speedup_band`) ÷ this GPU's peak.
      Not used across architectures: there the benchmark mix (CNNs, recommenders) says little about LLM MFU.
    - fp16 takes the GPU's bf16 row wherever the two dense peaks are equal (same tensor cores).
    - ``pooled``: no benchmark basis — median (min..max) of all direct fits. Treat as a wide guess band.
    """
    return _fit_mfu_cached(data.data_hash()).copy()


def default_mfu(gpu_id: str, precision: str = "bf16") -> dict:
    """The :func:`fit_mfu` row for ``gpu_id`` (id or alias) and ``precision`` as a dict (mfu, mfu_low,
    mfu_high, n_points, rel_error, method, basis). InputError when the GPU has no peak at that precision."""
    gpu_id = data.resolve_gpu(gpu_id)
    peak_flops(gpu_id, precision)  # validates precision and that the GPU has this peak
    fits = fit_mfu()
    hit = fits[(fits["gpu_id"] == gpu_id) & (fits["precision"] == precision)]
    if hit.empty:
        raise InputError("mfu", f"no benchmark basis for a default MFU of {gpu_id} at {precision}; pass one explicitly")
    return hit.iloc[0].to_dict()


# ----------------------------------------------------------------------------------------- speedup band
def _round_order(value) -> float:
    """Sortable number for a round label: 'v3.1' -> 3.01, '2023-10-19' -> 2023.8; NaN when unknown."""
    if not isinstance(value, str):
        return float("nan")
    version = re.search(r"v?(\d+)\.(\d+)", value)
    if version and not re.match(r"\d{4}-", value):
        return int(version.group(1)) + int(version.group(2)) / 100
    date = pd.to_datetime(value, errors="coerce")
    return float("nan") if pd.isna(date) else date.year + date.dayofyear / 366


def speedup_band(gpu_a: str, gpu_b: str, task_type: str | None = None) -> dict:
    """How many times faster ``gpu_b`` is than ``gpu_a`` in the benchmarks table, as a band, never one number.

    Pairs are rows that agree on suite, workload, scenario, model, gpu_count, metric and precision family
    (e.g. 'bf16 (pure)' ~ 'bf16 (amp_bf16)'), in the same round — or, where a comparison exists only across
    rounds, the closest round (|Δround| smallest; shown as round_a/round_b). Per GPU and comparison the best
    result is used (the fastest submission, as MLPerf reports it), except that rows whose notes say
    "compare within submitter only" pair only with the same submitter's rows. Ratio = value_b / value_a when higher is better,
    value_a / value_b otherwise (times). Microbenchmarks count only when asked for with
    ``task_type='microbenchmark'``.

    Returns ``{low, q25, median, q75, high, n, pairs}``: low/high are the min/max ratio, q25/q75 the
    quartiles; ``pairs`` names every row used (benchmark ids). With no pairs, n = 0 and the numbers are None.
    """
    gpu_a, gpu_b = data.resolve_gpu(gpu_a), data.resolve_gpu(gpu_b)
    bench = data.benchmarks()
    if task_type is not None:
        if task_type not in ("training", "finetune", "inference", "microbenchmark"):
            raise InputError("task_type", f"must be training, finetune, inference or microbenchmark (got {task_type!r})")
        bench = bench[bench["task_type"] == task_type]
    else:
        bench = bench[bench["task_type"] != "microbenchmark"]
    bench = bench.assign(precision_family=bench["precision"].map(normalize_precision).fillna(bench["precision"]))
    # rows whose notes say "compare within submitter only" (e.g. Juniper's DeepSpeed LoRA runs) pair only
    # with the same submitter's rows: their pool is the submitter; all other rows share one pool
    within = bench["notes"].fillna("").str.contains("within submitter", case=False)
    bench = bench.assign(pool=bench["submitter"].fillna("?").where(within, ""))
    keys = ["suite", "workload", "scenario", "model", "gpu_count", "metric", "precision_family", "task_type", "pool"]
    bench = bench.assign(**{k: bench[k].fillna("") for k in keys if k != "gpu_count"},
                         round=bench["round"].fillna(""))
    # best result per GPU, comparison and round
    bench = bench.assign(score=bench["value"].where(bench["higher_is_better"], -bench["value"]))
    # ties in score go to the lowest benchmark_id, so the pick does not depend on row order
    best = (bench.sort_values(["score", "benchmark_id"], ascending=[False, True], kind="stable")
            .drop_duplicates(keys + ["round", "gpu_id"]))
    cols = keys + ["round", "value", "higher_is_better", "benchmark_id", "unit", "submitter"]
    a = best[best["gpu_id"] == gpu_a][cols]
    b = best[best["gpu_id"] == gpu_b][cols]
    pairs = a.merge(b, on=keys, suffixes=("_a", "_b"))
    if not pairs.empty:
        pairs["round_gap"] = (pairs["round_a"].map(_round_order) - pairs["round_b"].map(_round_order)).abs()
        pairs.loc[pairs["round_a"] == pairs["round_b"], "round_gap"] = 0.0
        pairs = pairs.dropna(subset=["round_gap"])
        # keep, per comparison and round of A, the closest round of B; then per comparison the closest pairs
        pairs = pairs[pairs["round_gap"] == pairs.groupby(keys)["round_gap"].transform("min")]
        pairs = (pairs.sort_values(["round_gap", "round_b", "benchmark_id_a", "benchmark_id_b"], kind="stable")
                 .drop_duplicates(keys + ["round_a"]))
        pairs["speedup"] = (pairs["value_b"] / pairs["value_a"]).where(
            pairs["higher_is_better_a"], pairs["value_a"] / pairs["value_b"])
    result = {"low": None, "q25": None, "median": None, "q75": None, "high": None, "n": int(len(pairs))}
    if len(pairs):
        s = pairs["speedup"]
        result.update(low=float(s.min()), q25=float(s.quantile(0.25)), median=float(s.median()),
                      q75=float(s.quantile(0.75)), high=float(s.max()))
    keep = ["suite", "round_a", "round_b", "workload", "scenario", "model", "task_type", "gpu_count", "metric",
            "value_a", "value_b", "unit_a", "submitter_a", "submitter_b", "benchmark_id_a", "benchmark_id_b", "speedup"]
    # a total order: equal speedups (e.g. 3d-unet-99 and 3d-unet-99.9) are ordered by their benchmark ids
    result["pairs"] = (pairs[keep].rename(columns={"unit_a": "unit"})
                       .sort_values(["speedup", "benchmark_id_a", "benchmark_id_b"], kind="stable")
                       .reset_index(drop=True)
                       if len(pairs) else pd.DataFrame(columns=keep))
    return result


# ----------------------------------------------------------------------------------------- runtime
@dataclass(frozen=True)
class RuntimeEstimate:
    """Hours for one job. ``hours_low``/``hours_high`` come from the MFU band (high MFU → low hours).
    ``flops`` are the FLOPs executed (with the recomputed forward when ``checkpointing``);
    ``kv_bytes_per_step`` the KV-cache bytes one decode step reads (0 when no ``context`` was given)."""

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

    def to_dict(self) -> dict:
        return asdict(self)


def _whole(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(name, f"must be a whole number >= 1 (got {value!r})")
    return value


def runtime_estimate(*, params: float, tokens: float, gpu_id: str, gpus: int = 1, precision: str = "bf16",
                     task: str = "pretrain", mfu: float | None = None, layers: int | None = None,
                     hidden_size: int | None = None, seq: int | None = None, batch: int = 1,
                     checkpointing: bool = False, context: int | None = None,
                     kv_bytes_per_token: float | None = None) -> RuntimeEstimate:
    """Hours to process ``tokens`` tokens with a ``params``-parameter model on ``gpus`` × ``gpu_id``.

    - pretrain / finetune (full fine-tune): :func:`training_flops` / (gpus · dense peak · MFU).
      ``checkpointing=True`` (full activation recomputation) counts the extra forward: 8·P + 16·L·d·s per
      token instead of 6·P + 12·L·d·s (llm-foundry HFU note; the MFU fit is on the same hardware-FLOPs basis,
      see :func:`fit_mfu`).
    - lora: LoRA/QLoRA over a frozen base, 4·P + 12·L·d·s per token (no weight gradients for the frozen
      weights — a derived assumption, see the module docstring); ``checkpointing`` adds 2·P + 4·L·d·s.
    - inference: the larger of prefill-style compute (2·P per token at the same MFU) and memory-bound decode
      (:func:`decode_seconds_per_token`: all weight bytes at ``precision`` read once per step over the summed
      memory bandwidth, ``tokens / batch`` steps). With ``context`` (tokens held in the KV cache per sequence
      during decoding — for a prompt of p tokens generating n, about p + n/2 on average) each step also reads
      ``kv_bytes_per_token × context × batch`` bytes (``kv_bytes_per_token`` is required then, e.g.
      ``memory.Architecture.from_model(name).kv_cache_bytes_per_token("bf16")``). Without ``context`` the
      KV-cache reads are left out (the earlier behaviour), which makes the decode time a lower bound.

    Scaling across ``gpus`` is taken as linear here (the MFU fits come from 8-64 GPU runs that already pay
    their communication); :mod:`gpuplan.scaling` models the all-reduce explicitly.
    ``mfu`` overrides the fitted default (then low = high = mfu); it is the utilisation of the FLOPs executed.
    """
    if task not in TASKS:
        raise InputError("task", f"must be one of {', '.join(TASKS)} (got {task!r})")
    gpu_id = data.resolve_gpu(gpu_id)
    gpus = _whole("gpus", gpus)
    if not isinstance(checkpointing, bool):
        raise InputError("checkpointing", f"must be true or false (got {checkpointing!r})")
    if checkpointing and task == "inference":
        raise InputError("checkpointing", "only applies to training tasks (pretrain, finetune, lora)")
    if context is not None and task != "inference":
        raise InputError("context", "only applies to task=inference (the KV cache read while decoding)")
    peak = peak_flops(gpu_id, precision)
    if mfu is None:
        fit = default_mfu(gpu_id, precision)
        mfu, mfu_low, mfu_high, method = fit["mfu"], fit["mfu_low"], fit["mfu_high"], fit["method"]
    else:
        if isinstance(mfu, bool) or not isinstance(mfu, (int, float)) or not 0 < mfu <= 1:
            raise InputError("mfu", f"must be in (0, 1] (got {mfu!r})")
        mfu_low = mfu_high = float(mfu)
        method = "given"
    arch = {"layers": layers, "hidden_size": hidden_size, "seq": seq}
    if task == "inference":
        flops = prefill_flops(params, tokens, **arch)
    else:
        flops = training_flops(params, tokens, **arch, checkpointing=checkpointing, lora=task == "lora")
    compute = {"mid": flops / (gpus * peak * mfu), "fast": flops / (gpus * peak * mfu_high),
               "slow": flops / (gpus * peak * mfu_low)}
    bound = "compute"
    kv_step = 0.0
    if task == "inference":
        batch = _whole("batch", batch)
        if context is not None:
            context = _whole("context", context)
            if kv_bytes_per_token is None:
                raise InputError("kv_bytes_per_token", "needed with context, e.g. memory.Architecture"
                                                       ".from_model(name).kv_cache_bytes_per_token('bf16')")
            kv_step = _positive("kv_bytes_per_token", kv_bytes_per_token) * context * batch
        bandwidth = data.gpu(gpu_id).get("memory_bandwidth_gbps")
        if bandwidth is not None and pd.notna(bandwidth):
            step = decode_seconds_per_token(params * WEIGHT_BYTES[precision], kv_step, gpus * float(bandwidth))
            memory = step * tokens / batch
            if memory > compute["mid"]:
                bound = "memory"
            compute = {k: max(v, memory) for k, v in compute.items()}
    hours = compute["mid"] / 3600
    return RuntimeEstimate(
        hours=hours, hours_low=compute["fast"] / 3600, hours_high=compute["slow"] / 3600, gpu_hours=hours * gpus,
        mfu=float(mfu), mfu_low=float(mfu_low), mfu_high=float(mfu_high), mfu_method=method, flops=flops,
        gpu_id=gpu_id, gpus=gpus, precision=precision, task=task, bound=bound, checkpointing=checkpointing,
        context=context, kv_bytes_per_step=kv_step)
