"""The memory model against public worked numbers (``validation_cases``) and the tables of notebook 02, split out
of :mod:`gpuplan.memory`, which re-exports every name here."""

from __future__ import annotations

from typing import Any

import pandas as pd

from gpuplan import data
from gpuplan.memory import (
    GB,
    GIB,
    MODES,
    Architecture,
    MemoryEstimate,
    activation_parts,
    bytes_to_gb,
    bytes_to_gib,
    max_batch,
    max_context,
    memory_estimate,
    min_gpus,
    model_state_bytes,
)

# --------------------------------------------------------------------------------------------------------------
# validation against public worked numbers


#: Architectures of the validation cases, from each model's Hugging Face config.json; params computed from the
#: config (the test recomputes them independently).
VALIDATION_ARCHS = {
    # https://huggingface.co/bigscience/T0_3B/blob/main/config.json (T5 v1.1 LM-adapted XL): d_model 2048,
    # d_ff 5120, d_kv 64, num_heads 32, num_layers 24 (+24 decoder), vocab 32128, untied head.
    # Modelled as its encoder (see module docstring).
    "T0_3B": Architecture(params_total=2_849_757_184, layers=24, hidden_size=2048, attention_heads=32,
                          head_dim=64, vocab_size=32128, ffn_size=5120, name="bigscience/T0_3B"),
    # https://huggingface.co/bigscience/mt0-xxl/blob/main/config.json (mT5-XXL): d_model 4096, d_ff 10240,
    # d_kv 64, num_heads 64, num_layers 24 (+24 decoder), vocab 250112, untied head.
    "mt0-xxl": Architecture(params_total=12_921_057_280, layers=24, hidden_size=4096, attention_heads=64,
                            head_dim=64, vocab_size=250112, ffn_size=10240, name="bigscience/mt0-xxl"),
    # https://huggingface.co/bigscience/bloomz-7b1/blob/main/config.json: hidden 4096, n_layer 30, n_head 32,
    # vocab 250880, tied embeddings.
    "bloomz-7b1": Architecture(params_total=7_069_016_064, layers=30, hidden_size=4096, attention_heads=32,
                               vocab_size=250880, ffn_size=16384, tied_embeddings=True, name="bigscience/bloomz-7b1"),
    # https://huggingface.co/meta-llama/Llama-3.1-8B/blob/main/config.json: hidden 4096, 32 layers, 32 heads,
    # 8 KV heads, intermediate 14336, vocab 128256, untied.
    "Llama-3.1-8B": Architecture(params_total=8_030_261_248, layers=32, hidden_size=4096, attention_heads=32,
                                 kv_heads=8, head_dim=128, vocab_size=128256, ffn_size=14336,
                                 name="meta-llama/Llama-3.1-8B"),
}

_ZERO = "Rajbhandari et al. 2019, ZeRO, arXiv 1910.02054, Figure 1"
_PEFT = "huggingface/peft README, GPU memory table (A100 80GB; examples: fp32, batch 8, max_length 64)"
_STAS_INF = "stas00/ml-engineering inference/README.md (KV cache)"
_STAS_ACT = "stas00/ml-engineering training/performance/README.md (activation example, bf16, b=1, s=32768)"


def validation_cases() -> pd.DataFrame:
    """The model against public worked numbers: case, source, reference, model, unit, error_pct, note.
    ``error_pct`` = (model - reference) / reference × 100. Explanations of errors > 15 % are in the module
    docstring (and ``note``)."""
    rows: list[dict[str, Any]] = []

    def add(case: str, source: str, reference: float, model: float, unit: str, note: str = "") -> None:
        rows.append({"case": case, "source": source, "reference": reference, "model": model, "unit": unit,
                     "error_pct": (model - reference) / reference * 100, "note": note})

    for stage, ref in zip(range(4), (120, 31.4, 16.6, 1.9), strict=True):
        states = model_state_bytes(7.5e9, precision="fp16", adam_bytes=16, gpus=64, zero_stage=stage)
        add(f"7.5B model states, 64 GPUs, ZeRO stage {stage}", _ZERO, ref, bytes_to_gb(sum(states.values())), "GB",
            "16-byte mixed-precision Adam convention")

    peft = dict(batch=8, seq=64, flash_attention=False, overhead_bytes=0, lora_rank=8)
    t0 = VALIDATION_ARCHS["T0_3B"]
    add("T0_3B full fine-tune, fp32 AdamW", _PEFT, 47.14,
        bytes_to_gb(memory_estimate(t0, mode="full", precision="fp32", **{k: v for k, v in peft.items()
                                                                          if k != "lora_rank"}).per_gpu_bytes),
        "GB", "encoder-decoder modelled as its encoder; summing components is conservative")
    add("T0_3B LoRA r=8 (q, v), fp32", _PEFT, 14.4,
        bytes_to_gb(memory_estimate(t0, mode="lora", precision="fp32", lora_targets=("q", "v"),
                                    **peft).per_gpu_bytes), "GB")
    add("mt0-xxl LoRA r=8 (q, v), fp32", _PEFT, 56,
        bytes_to_gb(memory_estimate(VALIDATION_ARCHS["mt0-xxl"], mode="lora", precision="fp32",
                                    lora_targets=("q", "v"), **peft).per_gpu_bytes), "GB")
    add("bloomz-7b1 LoRA r=8 (query_key_value), fp32", _PEFT, 32,
        bytes_to_gb(memory_estimate(VALIDATION_ARCHS["bloomz-7b1"], mode="lora", precision="fp32",
                                    lora_targets=("q", "k", "v"), **peft).per_gpu_bytes), "GB")

    llama = VALIDATION_ARCHS["Llama-3.1-8B"]
    add("Llama-3.1-8B KV cache per token, bf16", _STAS_INF, 0.131,
        llama.kv_cache_bytes_per_token("bf16") / 1e6, "MB")
    act = dict(batch=1, seq=32768, bytes_per_value=2)
    ckpt = activation_parts(llama, checkpointing=True, **act)
    full = activation_parts(llama, checkpointing=False, **act)
    add("Llama-3.1-8B layer inputs kept with checkpointing", _STAS_ACT, 8, bytes_to_gib(ckpt["stored_layers"]),
        "GiB")
    korthikanti = ("gated block (SwiGLU, RMSNorm, GQA): 24.5 copies of the hidden state per layer saved for "
                   "backward (Korthikanti's GPT count: 17); stas00's 28 is a peak that includes temporaries")
    add("Llama-3.1-8B one layer's working memory", _STAS_ACT, 7, bytes_to_gib(ckpt["working_layer"]), "GiB",
        korthikanti)
    add("Llama-3.1-8B all layers without checkpointing", _STAS_ACT, 224, bytes_to_gib(full["stored_layers"]),
        "GiB", korthikanti)
    return pd.DataFrame(rows)


# ---- tables of notebook 02 (memory planning) -------------------------------------------------------------------


def mode_comparison(model: str, mode: str, **options: Any) -> tuple[MemoryEstimate, pd.DataFrame]:
    """The chosen workload and the same model in the other :data:`MODES` (same batch, length and shape;
    ``options`` go to :func:`memory_estimate`; ``precision`` only to the chosen mode, the others take their
    own default). Returns (the chosen estimate, long components frame of all four: workload labelled
    'model · mode', the chosen one first and marked '(chosen)')."""
    chosen = memory_estimate(model, mode=mode, **options)
    others = {k: v for k, v in options.items() if k != "precision"}
    workloads = {f"{model} · {mode} (chosen)": chosen} | {
        f"{model} · {m}": memory_estimate(model, mode=m, **others) for m in MODES if m != mode}
    parts = pd.concat([est.components_frame(label) for label, est in workloads.items()], ignore_index=True)
    return chosen, parts


def capacity_groups(gpus_df: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per distinct GPU capacity (the rules drawn on the memory chart): capacity_gib (the vendor's
    label read as 10^9 bytes, in GiB), name ('n GPU(s), A, B'), gpu (the label, e.g. '80 GB')."""
    if gpus_df is None:
        gpus_df = data.gpus()
    caps = gpus_df.assign(capacity_gib=gpus_df["memory_gb"] * GB / GIB, short=data.short_name(gpus_df["name"]))
    groups = caps.groupby("capacity_gib", as_index=False)["short"].agg(lambda n: f"{len(n)} GPU(s), " + ", ".join(n))
    return groups.rename(columns={"short": "name"}).assign(
        gpu=lambda f: (f["capacity_gib"] * GIB / GB).map("{:.0f} GB".format))


def fit_summary(fits: pd.DataFrame) -> pd.DataFrame:
    """:func:`fit_table` for a reader: GPU, capacity (GB), needed (GiB), fits, headroom (GiB)."""
    return pd.DataFrame({"GPU": data.short_name(fits["name"]), "capacity (GB)": fits["memory_gb"],
                         "needed (GiB)": fits["per_gpu_bytes"] / GIB, "fits": fits["fits"],
                         "headroom (GiB)": fits["headroom_gib"]})


def limits(model: str, gpu: str, *, batch: int, seq: int, mode: str = "inference", zero_stage: int = 3,
           **options: Any) -> dict[str, Any]:
    """On one ``gpu``: max_batch (at ``seq``), max_context (at ``batch``; None unless an LLM), min_gpus (this
    workload; ZeRO ``zero_stage`` when training) and min_gpus_full (a full bf16 fine-tune at batch 1 with that
    stage) — :func:`max_batch`, :func:`max_context`, :func:`min_gpus`. ``options``: precision,
    checkpointing, frames, height, width (None values are dropped)."""
    options = {k: v for k, v in options.items() if v is not None} | {"mode": mode}
    family = data.model(model)["family"]
    training = {"zero_stage": zero_stage} if mode != "inference" else {}
    return {
        "max_batch": max_batch(model, gpu, seq=seq, **options),
        "max_context": max_context(model, gpu, batch=batch, **options) if family == "llm" else None,
        "min_gpus": min_gpus(model, gpu, batch=batch, seq=seq, **options, **training),
        "min_gpus_full": min_gpus(model, gpu, **(options | {"mode": "full", "precision": "bf16"}), batch=1,
                                  seq=seq, zero_stage=zero_stage),
    }


def limits_frame(answers: dict[str, Any], zero_stage: int) -> pd.DataFrame:
    """:func:`limits` as question/answer rows for a reader."""
    longest = answers["max_context"]
    return pd.DataFrame({
        "question": ["largest batch per GPU", "longest context (tokens)", "GPUs needed (this workload)",
                     f"GPUs needed for a full bf16 fine-tune, batch 1, ZeRO-{zero_stage}"],
        "answer": [f"{answers['max_batch']:,}", f"{longest:,}" if longest is not None else "n/a (not an LLM)",
                   answers["min_gpus"].message, answers["min_gpus_full"].message]})


#: (mode, precision) pairs checked against the HappyHorse article's VRAM rules (April 2026: >= 12 GB for basic
#: inference, 24 GB+ comfortable for training)
VRAM_RULE_CASES = (("inference", "bf16"), ("inference", "fp8"), ("lora", "bf16"), ("qlora", "int4"))


def vram_rule_check(model: str, *, frames: int, height: int, width: int) -> pd.DataFrame:
    """Memory per GPU of one clip (``frames`` ignored for non-video models) of ``model`` in each of
    :data:`VRAM_RULE_CASES`, with activation checkpointing: workload, mode, precision, per_gpu_gib."""
    shape = dict(frames=frames if data.model(model)["family"] == "video" else None, height=height, width=width)
    return pd.DataFrame([{"workload": f"{model} · {m} · {p}", "mode": m, "precision": p,
                          "per_gpu_gib": bytes_to_gib(memory_estimate(model, mode=m, precision=p, checkpointing=True,
                                                                      **shape).per_gpu_bytes)}
                         for m, p in VRAM_RULE_CASES])
