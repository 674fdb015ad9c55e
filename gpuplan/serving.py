"""Serving economics: throughput under concurrency, TTFT/TPOT, maximum concurrency and $ per million tokens.

A steady-state roofline of a continuously batched server (vLLM, TensorRT-LLM, SGLang) running one replica of
``tp`` GPUs with ``C`` sequences in flight, each with ``I`` prompt and ``O`` generated tokens. Everything is
computed with numpy on arrays, so one code path serves :func:`serve` (one configuration) and :func:`sla_search`
(10^5+ configurations). Efficiencies are fitted to MLPerf Inference in :mod:`gpuplan.serving_fit`.

Formulas and sources
--------------------
- **Weights**: ``memory.model_weight_bytes`` for bf16/fp8/int8/int4 (one home; int8/int4 are weight-only formats
  computed in bf16). fp4 = MXFP4, 4 bits + one E8M0 scale per 32 values = 0.53125 bytes/param (stas00
  ``inference/README.md``, ../shared/reference/formulas.md §1), embeddings kept in bf16 as for the other
  quantized formats. MoE experts: ``3 · hidden · moe_ffn_size`` parameters each (gate, up, down of a SwiGLU
  expert: Mixtral, arXiv 2401.04088 §2.1; DeepSeekMoE; Qwen3; gpt-oss); everything else (attention, dense and
  shared-expert MLPs, router, embeddings) = ``params_total − moe_layers · experts_total · 3·h·f`` is read every
  step.
- **Experts read per step**: with uniform routing (what the load-balancing loss aims at: Switch Transformer,
  Fedus et al. 2021, arXiv 2101.03961 §2.2) a token misses a given expert with probability ``1 − k/E``, so
  ``T`` tokens touch on average ``E · (1 − (1 − k/E)^T)`` distinct routed experts per layer (the occupancy
  expectation of balls in bins; Feller, *An Introduction to Probability Theory*, vol. 1, ch. II), plus the
  shared experts (inside the always-read part). Not all experts (``T`` small) and not only ``k`` (``T`` > 1).
- **KV cache** per token and layer: GQA/MQA/MHA ``2 · kv_heads · head_dim`` values
  (stas00); MLA (DeepSeek-V2, arXiv 2405.04434 §2.1.2-3, Table 1: "(d_c + d_h^R) · l" elements per token)
  ``kv_lora_rank + qk_rope_head_dim`` values — both from ``memory.kv_cache_values_per_token_layer``. Sliding-window
  layers hold ``min(context, window)`` tokens (gpt-oss: window 128 on half the layers). Payload bytes
  bf16 2, fp8 1, fp4 0.5 (``memory.PAYLOAD_BYTES``; scales not counted). Tensor parallelism splits KV heads
  across GPUs; with more GPUs than KV heads each GPU keeps one head (replicated), and MLA's latent, one shared
  "head", is replicated on every GPU (the reason engines run MLA attention data-parallel).
- **Capacity**: usable = ``memory_gb`` × 10^9 (``memory.capacity_bytes``) × ``GPU_MEMORY_UTILIZATION`` 0.9
  (vLLM's default ``gpu_memory_utilization``; vllm-project/vllm issue #1018) − weights / tp − CUDA context
  (``memory.CUDA_CONTEXT_BYTES``) − one prefill chunk of ``PREFILL_CHUNK_TOKENS`` activations
  (``memory.activation_parts``, inference). ``max_concurrency`` = usable ÷ KV of one ``I + O``-token sequence:
  the "Maximum concurrency for N tokens per request" vLLM prints (vllm PR #12569), N = I + O.
- **Step** (= TPOT) at concurrency C: every step decodes C tokens and, in steady state, prefills the prompts of
  the C/O requests that replace the finished ones (chunked prefill), ``T = C·(1 + I/O)`` tokens.
  ``max(bytes / (HBM bandwidth · η), FLOPs / (tp · dense peak · η)) + all-reduces``. Bytes per GPU = weights
  read / tp + KV of C sequences at the mean context ``I + O/2``. FLOPs = ``2 · params_active`` per token
  (Transformer Math 101) + attention ``runtime.attention_flops_per_token`` at the mean context (decode) and
  at ``I/2`` (causal prefill); MLA decode attends over the latent (absorbed projections: width
  ``kv_lora_rank + qk_rope`` for QK and ``kv_lora_rank`` for AV), MLA prefill over ``head_dim + qk_rope``.
- **Tensor parallelism**: two all-reduces per layer per step (Megatron-LM, Shoeybi et al. 2019, arXiv
  1909.08053 §3: one after attention, one after the MLP) of ``T · hidden · 2`` bytes (bf16 activations).
  Each: latency ``3.6 µs + 2(tp−1) · hop`` (NCCL's own tuning model for ring/LL all-reduce,
  NVIDIA/nccl src/graph/tuning.cc: baseLat 3.6 µs, hwLat 0.47 µs per NVLink step, 1.0 µs per PCIe step;
  Infinity Fabric taken as NVLink-class) + bandwidth ``2(tp−1)/tp · S / (link · e)`` with the link and
  ``e`` of :mod:`gpuplan.scaling` (``intra_node_gbps``, ``link_efficiency``). tp ≤ GPUs per node.
- **TTFT** = the request's own prefill (its I tokens, roofline as above) + one step: no queueing.
- **Precisions**: fp8 native from Hopper/Ada/CDNA 3 on, fp4 from Blackwell/CDNA 4 (else InputError); compute at
  the dense peak of the format (``gpus.*_dense``); the gpus table has no fp4 column, so fp4 computes at the fp8
  peak (conservative; NVIDIA quotes 2× for Blackwell); fp8 on a GPU without an fp8 peak in the table (H100 NVL)
  computes at the bf16 peak. int8/int4 weight-only compute at the bf16 peak (dequantization not counted).
- **Cost**: ``cost.cost_per_job`` for the GPU-hours of one million tokens at the hourly price (one resolver:
  :func:`_hourly_price`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from gpuplan import assumptions, cost, data, memory, runtime, scaling
from gpuplan.errors import InputError
from gpuplan.validators import check_choice, check_count

PRECISIONS = ("bf16", "fp8", "fp4", "int8", "int4")
KV_DTYPES = ("bf16", "fp8", "fp4")
TP_SIZES = (1, 2, 4, 8)
FP8_ARCHITECTURES = ("Ada Lovelace", "Hopper", "Blackwell", "CDNA 3", "CDNA 4")
FP4_ARCHITECTURES = ("Blackwell", "CDNA 4")
MXFP4_BYTES = 0.53125                      # formulas.md §1: MXFP4, 1 E8M0 scale per 32 values
KV_PAYLOAD = {"bf16": "bf16", "fp8": "fp8", "fp4": "int4"}  # memory.PAYLOAD_BYTES key of the same payload
GPU_MEMORY_UTILIZATION = assumptions.value("gpu_memory_utilization")  # vLLM default gpu_memory_utilization
PREFILL_CHUNK_TOKENS = assumptions.value("prefill_chunk_tokens")      # one prefill chunk's activations kept free
ACTIVATION_BYTES = 2                       # bf16 activations in the all-reduces
NCCL_BASE_LATENCY_S = assumptions.value("nccl_base_latency_s")  # NCCL tuning.cc baseLat, ring / LL
NCCL_HOP_LATENCY_S = assumptions.value("nccl_hop_latency_s")    # NCCL tuning.cc hwLat, ring / LL
GPUS_PER_NODE = scaling.DEFAULT_GPUS_PER_NODE
RESULT_BANDED = ("output_tokens_per_s_per_gpu", "total_tokens_per_s_per_gpu", "tokens_per_s_per_user", "ttft_ms",
                 "tpot_ms", "usd_per_million_output_tokens", "usd_per_million_tokens")


# ------------------------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class ModelSpec:
    """memory.Architecture plus what serving needs: MoE experts, MLA latent, sliding-window layers."""

    arch: memory.Architecture
    experts_total: int | None = None
    experts_active: int | None = None
    shared_experts: int | None = None
    moe_ffn_size: int | None = None
    moe_layers: int | None = None
    kv_lora_rank: int | None = None
    qk_rope_head_dim: int | None = None
    sliding_window: int | None = None
    sliding_window_layers: int | None = None

    @classmethod
    def from_model(cls, name: str) -> ModelSpec:
        """A row of the models table (unknown name -> InputError naming 'model')."""
        row = data.model(name)
        if row.get("family") != "llm":
            raise InputError("model", f"{row['model_id']} is a {row.get('family')} model; serving needs an LLM")
        extra = {f.name: (None if pd.isna(row.get(f.name)) else int(row[f.name])) for f in fields(cls)
                 if f.name != "arch"}
        return cls(memory.Architecture.from_model(name), **extra)

    def __post_init__(self) -> None:
        self.arch.need("layers", "hidden_size", "attention_heads", "kv_heads", "head_dim")
        # the MLA latent lives on memory.Architecture (one KV formula: memory.kv_cache_values_per_token_layer);
        # given here or there, both carry it
        mla = {"kv_lora_rank": self.kv_lora_rank, "qk_rope_head_dim": self.qk_rope_head_dim}
        on_arch = {k: getattr(self.arch, k) for k in mla}
        if any(v is not None for v in mla.values()) and on_arch != mla:
            if any(v is not None for v in on_arch.values()):
                raise InputError("kv_lora_rank", f"{self.name}: the MLA fields differ from the architecture's {on_arch}")
            object.__setattr__(self, "arch", replace(self.arch, **mla))
        for k, v in on_arch.items():
            if v is not None:
                object.__setattr__(self, k, v)
        if self.is_moe and (self.moe_layers or self.arch.layers) > self.arch.layers:
            raise InputError("moe_layers", f"{self.name}: more MoE layers than layers")

    name = property(lambda self: self.arch.name)
    layers = property(lambda self: self.arch.layers)
    hidden = property(lambda self: self.arch.hidden_size)
    is_moe = property(lambda self: self.experts_total is not None)
    is_mla = property(lambda self: self.kv_lora_rank is not None)

    def routed_params(self) -> float:
        """Parameters of all routed experts (0 for a dense model)."""
        if not self.is_moe:
            return 0.0
        return float((self.moe_layers or self.layers) * self.experts_total * 3 * self.hidden * self.moe_ffn_size)


def model_spec(model) -> ModelSpec:
    """A ModelSpec from a model id/name, a memory.Architecture (dense) or a ModelSpec."""
    if isinstance(model, ModelSpec):
        return model
    if isinstance(model, memory.Architecture):
        return ModelSpec(model)
    return ModelSpec.from_model(model)


def weight_bytes(spec: ModelSpec, precision: str) -> dict[str, float]:
    """Bytes of all weights (``total``), of the part read every step (``always``) and of one routed expert of one
    layer (``expert``) at ``precision`` (module docstring)."""
    check_choice("precision", precision, PRECISIONS)
    arch = spec.arch
    if precision == "fp4":
        kept = min(arch.embedding_params, arch.params_total)
        total, per_param = (arch.params_total - kept) * MXFP4_BYTES + kept * memory.PAYLOAD_BYTES["bf16"], MXFP4_BYTES
    else:
        total, per_param = memory.model_weight_bytes(arch, precision), memory.weight_bytes_per_param(precision, arch.hidden_size)
    expert = 3 * spec.hidden * (spec.moe_ffn_size or 0) * per_param
    always = total - spec.routed_params() * per_param
    if always <= 0:
        raise InputError("params_total", f"{spec.name}: the experts alone exceed params_total; check the models row")
    return {"total": float(total), "always": float(always), "expert": float(expert)}


def kv_bytes_per_token_layer(spec: ModelSpec, kv_dtype: str) -> float:
    """KV-cache bytes one token holds in one (full-attention) layer: GQA 2·kv_heads·head_dim, MLA
    kv_lora_rank + qk_rope_head_dim values, at the payload of ``kv_dtype``."""
    payload = KV_PAYLOAD[check_choice("kv_dtype", kv_dtype, KV_DTYPES)]
    # one home of the GQA and MLA formulas: memory.kv_cache_values_per_token_layer
    return memory.kv_cache_values_per_token_layer(spec.arch) * memory.PAYLOAD_BYTES[payload]


def token_layers(spec: ModelSpec, context):
    """Tokens × layers held at ``context`` tokens: full layers hold all, sliding-window layers min(ctx, window)."""
    windowed = spec.sliding_window_layers or 0
    window = spec.sliding_window or np.inf
    return (spec.layers - windowed) * context + windowed * np.minimum(context, window)


def kv_share_per_gpu(spec: ModelSpec, tp) -> np.ndarray:
    """Fraction of a sequence's KV cache on each GPU at tensor parallelism ``tp``: max(1, kv_heads/tp)/kv_heads
    (a KV head is never split; MLA's latent counts as one head)."""
    heads = 1 if spec.is_mla else spec.arch.kv_heads
    return np.maximum(1, heads // np.asarray(tp)) / heads


def expected_experts(experts: int, active: int, tokens) -> np.ndarray:
    """Expected distinct routed experts ``T`` tokens touch in one layer: ``E · (1 − (1 − k/E)^T)``."""
    return experts * (1.0 - (1.0 - active / experts) ** np.asarray(tokens, dtype=float))


def _attention_flops(spec: ModelSpec, context, decode: bool):
    """Attention FLOPs per token at ``context`` (runtime.attention_flops_per_token = 4·L·d·s, with d the QK/AV
    width: heads·head_dim, or MLA's latent widths, module docstring) summed over :func:`token_layers`."""
    heads = spec.arch.attention_heads
    if spec.is_mla:
        width = heads * ((2 * spec.kv_lora_rank + spec.qk_rope_head_dim) if decode
                         else (2 * spec.arch.head_dim + spec.qk_rope_head_dim)) / 2
    else:
        width = heads * spec.arch.head_dim
    per_unit = runtime.attention_flops_per_token(1, 1, 1)  # the 4 of 4·L·d·s, from its one home (scalar-only)
    return per_unit * width * token_layers(spec, np.asarray(context, dtype=float))


def _weights_read(spec: ModelSpec, w: dict, tokens):
    if not spec.is_moe:
        return w["always"] + 0.0 * np.asarray(tokens, dtype=float)
    touched = expected_experts(spec.experts_total, spec.experts_active, tokens)
    return w["always"] + (spec.moe_layers or spec.layers) * touched * w["expert"]


def _allreduces(spec: ModelSpec, cfg: dict, tokens):
    """Two all-reduces per layer of ``tokens · hidden · 2`` bytes: NCCL latency + ring bandwidth term."""
    tp = cfg["tp"]
    size = tokens * spec.hidden * ACTIVATION_BYTES
    one = NCCL_BASE_LATENCY_S + 2 * (tp - 1) * cfg["hop_s"] + 2 * (tp - 1) / tp * size / cfg["link_bps"]
    return np.where(tp > 1, 2 * spec.layers * one, 0.0)


def evaluate(spec: ModelSpec, cfg: dict) -> dict:
    """The roofline on broadcast arrays. ``cfg``: tp, concurrency, input_tokens, output_tokens, bandwidth_bps,
    peak_flops, link_bps, hop_s, eta (efficiency), always/expert weight bytes and kv_layer_bytes (per token and
    layer). Returns arrays: tpot_s, ttft_s, output/total tokens/s per GPU, tokens/s per user, bound."""
    tp, conc, inp, out, eta = (np.asarray(cfg[k], dtype=float) for k in
                               ("tp", "concurrency", "input_tokens", "output_tokens", "eta"))
    w = {"always": cfg["always_bytes"], "expert": cfg["expert_bytes"]}
    kv_share = kv_share_per_gpu(spec, tp.astype(int))
    active = spec.arch.params_active
    tokens = conc * (1 + inp / out)                              # decode + steady-state prefill per step
    mean_ctx = inp + out / 2
    step_bytes = _weights_read(spec, w, tokens) / tp + conc * cfg["kv_layer_bytes"] * token_layers(spec, mean_ctx) * kv_share
    t_mem = step_bytes / (cfg["bandwidth_bps"] * eta)
    prefill_per_request = inp * (2 * active + _attention_flops(spec, inp / 2, decode=False))
    step_flops = conc * (2 * active + _attention_flops(spec, mean_ctx, decode=True)) + conc / out * prefill_per_request
    t_cmp = step_flops / (tp * cfg["peak_flops"] * eta)
    tpot = np.maximum(t_mem, t_cmp) + _allreduces(spec, cfg, tokens)
    prefill = np.maximum(_weights_read(spec, w, inp) / tp / (cfg["bandwidth_bps"] * eta),
                         prefill_per_request / (tp * cfg["peak_flops"] * eta)) + _allreduces(spec, cfg, inp)
    per_gpu = conc / (tpot * tp)
    return {"tpot_s": tpot, "ttft_s": prefill + tpot, "output_tokens_per_s_per_gpu": per_gpu,
            "total_tokens_per_s_per_gpu": per_gpu * (1 + inp / out), "tokens_per_s_per_user": 1 / tpot,
            "bound": np.where(t_mem >= t_cmp, "memory", "compute")}


# ------------------------------------------------------------------------------------------ the hardware
def _family(gpu: dict) -> str:
    return str(gpu.get("architecture") or "").split(" (")[0]


def native(gpu: dict, precision: str) -> bool:
    """Whether ``precision`` runs natively: fp8 from Hopper/Ada/CDNA 3, fp4 from Blackwell/CDNA 4, else yes."""
    family = _family(gpu)
    if precision == "fp8":
        return family.startswith(FP8_ARCHITECTURES)
    if precision == "fp4":
        return family.startswith(FP4_ARCHITECTURES)
    return True


def check_native(gpu: dict, precision: str, field: str = "precision") -> None:
    if not native(gpu, precision):
        needs = "Blackwell or CDNA 4" if precision == "fp4" else "Hopper, Ada, Blackwell or CDNA 3 and later"
        raise InputError(field, f"{precision} is not native on {gpu['gpu_id']} ({_family(gpu)}); it needs {needs} "
                                f"(use int4/int8 weight-only or bf16)")


def peak_flops(gpu: dict, precision: str) -> float:
    """Dense FLOP/s the math of ``precision`` runs at (module docstring: fp4 at the fp8 peak, fp8 without an fp8
    column at bf16, weight-only int8/int4 at bf16)."""
    column = "fp8_tflops_dense" if precision in ("fp8", "fp4") else "bf16_tflops_dense"
    value = gpu.get(column)
    if value is None or pd.isna(value):
        value = gpu.get("bf16_tflops_dense")
    if value is None or pd.isna(value):
        raise InputError("gpu", f"{gpu['gpu_id']} has no dense bf16 peak in the gpus table")
    return float(value) * 1e12


@lru_cache(maxsize=4)
def _link_efficiency(data_hash: str) -> float:
    return float(scaling.link_efficiency()["efficiency"])


def hardware(gpu_id: str) -> dict:
    """Per-GPU numbers of the roofline: bandwidth_bps, capacity_bytes, link_bps (per direction × efficiency),
    hop_s (NCCL per-step latency), and the gpus row."""
    return dict(_hardware(data.resolve_gpu(gpu_id), data.data_hash()))


@lru_cache(maxsize=64)
def _hardware(gpu_id: str, data_hash: str) -> dict:
    gpu = data.gpu(gpu_id)
    hop = NCCL_HOP_LATENCY_S["pcie" if (gpu.get("interconnect") or "pcie") == "pcie" else "nvlink"]
    try:
        link = scaling.intra_node_gbps(gpu["gpu_id"]) * 1e9 * _link_efficiency(data.data_hash())
    except InputError:  # no NVLink and no PCIe generation in the table: tensor parallelism cannot be priced
        link = float("nan")
    return {"gpu": gpu, "bandwidth_bps": float(gpu["memory_bandwidth_gbps"]) * 1e9,
            "capacity_bytes": float(memory.capacity_bytes(gpu["gpu_id"])), "hop_s": hop, "link_bps": link}


def kv_budget_bytes(spec: ModelSpec, hw: dict, tp, precision: str):
    """Bytes left per GPU for the KV cache (module docstring); negative when the weights do not fit."""
    act = memory.activation_parts(spec.arch, batch=1, seq=PREFILL_CHUNK_TOKENS, training=False)["working_layer"]
    return (hw["capacity_bytes"] * GPU_MEMORY_UTILIZATION - weight_bytes(spec, precision)["total"] / np.asarray(tp)
            - memory.CUDA_CONTEXT_BYTES - act)


def max_concurrency(spec: ModelSpec, hw: dict, tp, precision: str, kv_dtype: str, context):
    """Sequences of ``context`` tokens whose KV cache fits next to the weights (0 when the weights do not fit)."""
    per_seq = kv_bytes_per_token_layer(spec, kv_dtype) * token_layers(spec, context) * kv_share_per_gpu(spec, tp)
    return np.maximum(0, np.floor(kv_budget_bytes(spec, hw, tp, precision) / per_seq)).astype(int)


def _hourly_price(gpu_id: str, price: float | None) -> float:
    """USD per GPU-hour: the one place prices are resolved (an explicit price wins; else the cost module's rule)."""
    return _price_cached(gpu_id, price, data.data_hash())


@lru_cache(maxsize=256)
def _price_cached(gpu_id: str, price: float | None, data_hash: str) -> float:
    return cost.price_for(gpu_id, price)


def _usd_per_million(tokens_per_s, usd_per_gpu_hour):
    return cost.cost_per_job(runtime_hours=1e6 / (np.asarray(tokens_per_s) * 3600), usd_per_gpu_hour=usd_per_gpu_hour
                             ).cost_per_job_usd


def check_tp(spec: ModelSpec, tp, gpus_per_node: int = GPUS_PER_NODE) -> int:
    tp = check_count("tp", tp)
    if tp > gpus_per_node:
        raise InputError("tp", f"{tp} is more GPUs than a node holds ({gpus_per_node}); tensor parallelism stays "
                               "inside a node's NVLink/PCIe domain")
    if tp not in TP_SIZES or spec.arch.attention_heads % tp:
        raise InputError("tp", f"must be one of {', '.join(map(str, TP_SIZES))} dividing the "
                               f"{spec.arch.attention_heads} attention heads (got {tp})")
    return tp


# ------------------------------------------------------------------------------------- one configuration
def serve(model, gpu: str, *, tp: int = 1, input_tokens: int = 1024, output_tokens: int = 256,
          concurrency: int | str = "max", precision: str = "bf16", kv_dtype: str | None = None,
          price: float | None = None, efficiency: dict | None = None) -> dict:
    """Throughput, latency, maximum concurrency and $ per million tokens of one configuration.

    ``concurrency``: sequences in flight, or "max" (the most that fit: the offline regime). ``kv_dtype``
    defaults to fp8 for fp8/fp4 weights, else bf16. ``efficiency``: ``{"eta", "eta_low", "eta_high"}``
    (default: :func:`gpuplan.serving_fit.efficiency` for the GPU). Every throughput, latency and cost figure
    comes with ``_low``/``_high`` from the efficiency band. Raises InputError naming the option that is wrong
    (weights that do not fit name ``tp``)."""
    from gpuplan import serving_fit  # noqa: PLC0415 - serving_fit imports this module (the fit runs the model)

    spec = model_spec(model)
    hw = hardware(gpu)
    gpu_id = hw["gpu"]["gpu_id"]
    precision = check_choice("precision", precision, PRECISIONS)
    kv_dtype = check_choice("kv_dtype", kv_dtype or ("fp8" if precision in ("fp8", "fp4") else "bf16"), KV_DTYPES)
    check_native(hw["gpu"], precision)
    if kv_dtype == "fp4":
        check_native(hw["gpu"], "fp4", "kv_dtype")
    tp = check_tp(spec, tp)
    if tp > 1 and not math.isfinite(hw["link_bps"]):
        raise InputError("tp", f"{gpu_id} has neither NVLink nor a PCIe generation in the gpus table: use tp 1")
    inp = check_count("input_tokens", input_tokens, high=10**8)
    out = check_count("output_tokens", output_tokens, high=10**8)
    budget = float(kv_budget_bytes(spec, hw, tp, precision))
    if budget <= 0:
        raise InputError("tp", f"the {precision} weights of {spec.name} ({weight_bytes(spec, precision)['total'] / 1e9:.1f} "
                               f"GB) do not fit on {tp} x {gpu_id}: {weight_bytes(spec, precision)['total'] / tp / 1e9:.1f} "
                               f"GB per GPU of {hw['capacity_bytes'] * GPU_MEMORY_UTILIZATION / 1e9:.1f} GB usable; raise "
                               f"tp or lower the precision")
    limit = int(max_concurrency(spec, hw, tp, precision, kv_dtype, inp + out))
    if limit < 1:
        raise InputError("concurrency", f"not one {inp + out}-token sequence fits next to the weights on {tp} x {gpu_id}")
    if concurrency == "max":
        conc = limit
    else:
        conc = check_count("concurrency", concurrency)
        if conc > limit:
            raise InputError("concurrency", f"{conc} sequences of {inp + out} tokens do not fit on {tp} x {gpu_id}: "
                                            f"at most {limit} ({budget / 1e9:.1f} GB of KV cache per GPU)")
    eff = efficiency or serving_fit.efficiency(gpu_id)
    w = weight_bytes(spec, precision)
    cfg = {"tp": tp, "concurrency": conc, "input_tokens": inp, "output_tokens": out,
           "bandwidth_bps": hw["bandwidth_bps"], "peak_flops": peak_flops(hw["gpu"], precision), "link_bps": hw["link_bps"],
           "hop_s": hw["hop_s"], "always_bytes": w["always"], "expert_bytes": w["expert"],
           "kv_layer_bytes": kv_bytes_per_token_layer(spec, kv_dtype),
           "eta": np.array([eff["eta"], eff["eta_low"], eff["eta_high"]])}
    res = evaluate(spec, cfg)
    usd = _hourly_price(gpu_id, price)
    values = {"output_tokens_per_s_per_gpu": res["output_tokens_per_s_per_gpu"],
              "total_tokens_per_s_per_gpu": res["total_tokens_per_s_per_gpu"],
              "tokens_per_s_per_user": res["tokens_per_s_per_user"], "ttft_ms": res["ttft_s"] * 1e3,
              "tpot_ms": res["tpot_s"] * 1e3,
              "usd_per_million_output_tokens": _usd_per_million(res["output_tokens_per_s_per_gpu"], usd),
              "usd_per_million_tokens": _usd_per_million(res["total_tokens_per_s_per_gpu"], usd)}
    result = {"model": spec.name, "gpu": gpu_id, "tp": tp, "precision": precision, "kv_dtype": kv_dtype,
              "input_tokens": inp, "output_tokens": out, "concurrency": conc, "max_concurrency": limit}
    for key, v in values.items():
        result[key] = float(v[0])
        result[f"{key}_low"], result[f"{key}_high"] = float(min(v[1], v[2])), float(max(v[1], v[2]))
    result.update(bound=str(res["bound"][0]), usd_per_gpu_hour=usd, efficiency=float(eff["eta"]),
                  efficiency_low=float(eff["eta_low"]), efficiency_high=float(eff["eta_high"]),
                  efficiency_method=eff.get("method", "given"),
                  weights_gb_per_gpu=w["total"] / tp / 1e9, kv_cache_gb_per_gpu=budget / 1e9)
    return result
