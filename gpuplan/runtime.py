"""Runtime: FLOPs per job, MFU fitted to the benchmarks table, hours per job, and speedup bands.

Formulas and their sources (see ../shared/reference/formulas.md §6):

- Training compute ``C ≈ 6·P·D`` (forward 2PD + backward 4PD): EleutherAI, "Transformer Math 101"
  (Anthony, Biderman, Schoelkopf, 2023-04-18, https://blog.eleuther.ai/transformer-math/).
- Attention term and the MFU definition: MosaicML llm-foundry ``scripts/train/benchmarking/README.md``::

      flops_per_token    = 2 · n_params
      attn_flops_per_seq = n_layers · 2 · 2 · (d_model · seq_len²)
      mfu = (3·flops_per_seq + 3·attn_flops_per_seq) · seq_per_sec / (n_gpu · peak_flops)

  so per trained token: ``6·P + 12·L·d·s`` FLOPs (normalisation, activations and residuals excluded).
- Prefill ``2·P`` per token (the forward half of the above); decode is memory-bound: every generated step
  reads all weights (and the KV cache) once, so ``seconds/step ≥ bytes read / memory bandwidth``.
- Achieved throughput = dense peak of the chosen precision (``gpus.*_dense`` columns) × MFU. MFU is a
  **fitted assumption**, never guessed: :func:`fit_mfu` fits it to the MosaicML MPT rows of the
  ``benchmarks`` table and derives a documented fallback for GPUs without such rows (see its docstring).

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
TASKS = ("pretrain", "finetune", "inference")

#: MPT architectures of the MosaicML benchmark rows (used before the ``models`` table, whose rounded or
#: Hugging Face counts would not reproduce MosaicML's MFU): NumParams at seq 2048 from llm-foundry scripts/train/benchmarking/README.md (the same table the
#: benchmark rows come from); n_layers and d_model from llm-foundry scripts/train/yamls/pretrain/mpt-*.yaml.
MPT_ARCHITECTURES = {
    "mpt-3b": (2_651_837_440, 32, 2560),
    "mpt-7b": (6_658_859_008, 32, 4096),
    "mpt-13b": (12_853_954_560, 40, 5120),
    "mpt-30b": (29_975_214_080, 48, 7168),
    "mpt-70b": (64_862_437_376, 80, 8192),
}

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


def training_flops_per_token(params: float, *, layers=None, hidden_size=None, seq=None) -> float:
    """``6·P`` (Transformer Math 101) plus ``3 × 4·L·d·s`` (llm-foundry) when layers, hidden and seq are given."""
    flops = 6.0 * _positive("params", params)
    if layers and hidden_size and seq:
        flops += 3.0 * attention_flops_per_token(layers, hidden_size, seq)
    return flops


def training_flops(params: float, tokens: float, *, layers=None, hidden_size=None, seq=None) -> float:
    """Training FLOPs for ``tokens`` tokens: ``D·(6·P + 12·L·d·s)``; the attention term only when all three
    of layers, hidden_size and seq are given (EleutherAI Transformer Math 101; MosaicML llm-foundry)."""
    per_token = training_flops_per_token(params, layers=layers, hidden_size=hidden_size, seq=seq)
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


def _model_architecture(name) -> tuple[float, int, int] | None:
    """(params, layers, hidden) for a benchmark's model name: MPT_ARCHITECTURES first (the exact NumParams the
    MosaicML runs were scored with), then the models table."""
    if not isinstance(name, str):
        return None
    key = name.strip().lower()
    if key in MPT_ARCHITECTURES:
        params, layers, hidden = MPT_ARCHITECTURES[key]
        return float(params), layers, hidden
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
    flops_per_token, peak_tflops, mfu, published_mfu.
    """
    bench = data.benchmarks()
    unit = bench["unit"].str.lower().str.replace(" ", "")
    rows = bench[(bench["task_type"] == "training") & unit.str.startswith("tokens/s") & unit.str.contains("gpu")]
    out = []
    for row in rows.itertuples(index=False):
        arch = _model_architecture(row.model)
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
        out.append({
            "benchmark_id": row.benchmark_id, "gpu_id": row.gpu_id, "model": row.model,
            "gpu_count": row.gpu_count, "precision": precision, "seq": int(seq.group(1)), "params": params,
            "tokens_per_s_per_gpu": float(row.value), "flops_per_token": fpt, "peak_tflops": peak / 1e12,
            "mfu": fpt * float(row.value) / peak,
            "published_mfu": float(published.group(1)) / 100 if published else float("nan"),
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

    # 1. direct fit: median of the MPT rows' MFU; band = min..max; error = how far the one fitted MFU is from
    #    each row's own MFU (= the relative error of the tokens/s it predicts for that row)
    for (gpu_id, precision), grp in obs.groupby(["gpu_id", "precision"]):
        mfu = float(grp["mfu"].median())
        rows[(gpu_id, precision)] = {
            "mfu": mfu, "mfu_low": float(grp["mfu"].min()), "mfu_high": float(grp["mfu"].max()),
            "n_points": len(grp), "rel_error": float((mfu / grp["mfu"] - 1).abs().median()),
            "method": "fit",
            "basis": f"median MFU of {len(grp)} MosaicML MPT rows ({', '.join(grp['model'])})",
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

    - ``fit``: the median MFU of the MosaicML MPT pretraining rows (tokens/s/GPU, seq 2048) for that GPU and
      precision, with MFU computed exactly as llm-foundry does (6·P + 12·L·d·s FLOPs per token over the
      dense peak); ``mfu_low``/``mfu_high`` are the min/max over those rows and ``rel_error`` the median
      relative error of the tokens/s that the single fitted MFU predicts for each row.
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
    best = bench.sort_values("score", ascending=False).drop_duplicates(keys + ["round", "gpu_id"])
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
        pairs = pairs.sort_values("round_gap").drop_duplicates(keys + ["round_a"])
        pairs["speedup"] = (pairs["value_b"] / pairs["value_a"]).where(
            pairs["higher_is_better_a"], pairs["value_a"] / pairs["value_b"])
    result = {"low": None, "q25": None, "median": None, "q75": None, "high": None, "n": int(len(pairs))}
    if len(pairs):
        s = pairs["speedup"]
        result.update(low=float(s.min()), q25=float(s.quantile(0.25)), median=float(s.median()),
                      q75=float(s.quantile(0.75)), high=float(s.max()))
    keep = ["suite", "round_a", "round_b", "workload", "scenario", "model", "task_type", "gpu_count", "metric",
            "value_a", "value_b", "unit_a", "submitter_a", "submitter_b", "benchmark_id_a", "benchmark_id_b", "speedup"]
    result["pairs"] = (pairs[keep].rename(columns={"unit_a": "unit"}).sort_values("speedup").reset_index(drop=True)
                       if len(pairs) else pd.DataFrame(columns=keep))
    return result


# ----------------------------------------------------------------------------------------- runtime
@dataclass(frozen=True)
class RuntimeEstimate:
    """Hours for one job. ``hours_low``/``hours_high`` come from the MFU band (high MFU → low hours)."""

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

    def to_dict(self) -> dict:
        return asdict(self)


def runtime_estimate(*, params: float, tokens: float, gpu_id: str, gpus: int = 1, precision: str = "bf16",
                     task: str = "pretrain", mfu: float | None = None, layers: int | None = None,
                     hidden_size: int | None = None, seq: int | None = None, batch: int = 1) -> RuntimeEstimate:
    """Hours to process ``tokens`` tokens with a ``params``-parameter model on ``gpus`` × ``gpu_id``.

    - pretrain / finetune (full fine-tune): :func:`training_flops` / (gpus · dense peak · MFU). A LoRA run
      skips the frozen weights' gradient matmuls (≈ 1/3 of the FLOPs) — not modelled, so this is an upper
      bound for LoRA.
    - inference: the larger of prefill-style compute (2·P per token at the same MFU) and memory-bound decode
      (:func:`decode_seconds_per_token`: all weight bytes at ``precision`` read once per step over the summed
      memory bandwidth, ``tokens / batch`` steps; KV-cache reads not included, so a lower bound).

    Scaling across ``gpus`` is taken as linear here (the MFU fits come from 8-64 GPU runs that already pay
    their communication); :mod:`gpuplan.scaling` models the all-reduce explicitly.
    ``mfu`` overrides the fitted default (then low = high = mfu).
    """
    if task not in TASKS:
        raise InputError("task", f"must be one of {', '.join(TASKS)} (got {task!r})")
    gpu_id = data.resolve_gpu(gpu_id)
    if isinstance(gpus, bool) or not isinstance(gpus, int) or gpus < 1:
        raise InputError("gpus", f"must be a whole number >= 1 (got {gpus!r})")
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
        flops = training_flops(params, tokens, **arch)
    compute = {"mid": flops / (gpus * peak * mfu), "fast": flops / (gpus * peak * mfu_high),
               "slow": flops / (gpus * peak * mfu_low)}
    bound = "compute"
    if task == "inference":
        if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
            raise InputError("batch", f"must be a whole number >= 1 (got {batch!r})")
        bandwidth = data.gpu(gpu_id).get("memory_bandwidth_gbps")
        if bandwidth is not None and pd.notna(bandwidth):
            step = decode_seconds_per_token(params * WEIGHT_BYTES[precision], 0.0, gpus * float(bandwidth))
            memory = step * tokens / batch
            if memory > compute["mid"]:
                bound = "memory"
            compute = {k: max(v, memory) for k, v in compute.items()}
    hours = compute["mid"] / 3600
    return RuntimeEstimate(
        hours=hours, hours_low=compute["fast"] / 3600, hours_high=compute["slow"] / 3600, gpu_hours=hours * gpus,
        mfu=float(mfu), mfu_low=float(mfu_low), mfu_high=float(mfu_high), mfu_method=method, flops=flops,
        gpu_id=gpu_id, gpus=gpus, precision=precision, task=task, bound=bound)
