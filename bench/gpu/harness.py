"""GPU calibration harness: measure what gpuplan predicts, one CSV row per (case, quantity).

    python bench/gpu/harness.py --out results.csv [--device cuda|cpu] [--tiny] [--sizes llama-120m,llama-1b]

It builds Llama-style transformers from configs with random weights (``transformers.LlamaConfig``; nothing is
downloaded), runs each case, and for the same inputs calls gpuplan's planner:

=====================  =========================================  ===============================================
case                   measured                                   predicted by
=====================  =========================================  ===============================================
``infer``              peak ``torch.cuda.max_memory_allocated``   ``gpuplan.memory.memory_estimate(mode="inference")``
``infer-prefill``      prefill tokens/s                           ``gpuplan.runtime.runtime_estimate(task="inference")``
``infer-decode``       decode tokens/s (KV cache, batch of b)     ``runtime_estimate(task="inference")``
``infer-fp8[-...]``    the same with fp8 weights (transformers    the same with ``precision="fp8"``
                       ``FineGrainedFP8Config``; cuda, cc >= 8.9)
``train-full``         peak memory, training tokens/s             ``memory_estimate(mode="full", optimizer="adamw")``
                       (AdamW, bf16 autocast, fp32 master)        and ``runtime_estimate(task="finetune")``
``train-lora``         same, peft LoRA on a frozen bf16 base      ``memory_estimate(mode="lora")``
``train-qlora``        same, 4-bit NF4 base (bitsandbytes, cuda)  ``memory_estimate(mode="qlora", precision="int4")``
``matmul``             best bf16 / fp8 GEMM TFLOPS                dense peak of the GPU in the ``gpus`` table
``copy``               device-to-device copy GB/s                 ``memory_bandwidth_gbps`` in the ``gpus`` table
=====================  =========================================  ===============================================

Columns: ``case, size, quantity, unit, inputs`` (JSON: every input given to the planner and to the model; memory
rows add gpuplan's ``predicted_components`` and the measured ``reserved_bytes``),
``predicted, measured, error`` (``predicted / measured - 1``: positive means gpuplan over-predicts),
``status`` (``measured``, ``not measured: ...``, ``skipped: ...``, ``oom``), ``device``. A sidecar
``<out>.env.json`` records GPU name, driver, CUDA, torch, transformers, peft and bitsandbytes versions and the
date. Rows are written for every case, so a skipped or unmeasurable case is visible instead of missing.

On the CPU (``--device cpu --tiny``, what ``make test`` runs) the code path is exercised but nothing is a GPU
number: peak memory is *not measured* (PyTorch has no CPU counterpart of ``max_memory_allocated``), the
matmul/copy/QLoRA/fp8 cases are *skipped*, and throughput is a real CPU measurement with no prediction (gpuplan
has no CPU peak). Never copy a CPU run into ``data/measured/``.

What ``max_memory_allocated`` counts: tensors allocated through PyTorch's caching allocator — not the CUDA
context (a few hundred MB, outside the allocator) and not cached-but-free blocks (``max_memory_reserved``,
recorded in ``inputs`` as ``reserved_bytes``). So the prediction compared with it is gpuplan's per-GPU total
*minus its ``overhead`` component* (the framework/CUDA constant); both numbers are in the row's inputs.
(PyTorch docs, "CUDA semantics: memory management" and ``torch.cuda.max_memory_allocated``.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import importlib.metadata
import json
import math
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from a checkout where gpuplan is not installed
    sys.path.insert(0, str(ROOT))

from gpuplan.errors import GpuplanError, InputError  # noqa: E402

COLUMNS = ["case", "size", "quantity", "unit", "inputs", "predicted", "measured", "error", "status", "device"]

# Llama-style shapes (transformers.LlamaConfig keyword arguments). Parameter counts are taken from the built
# model, not from these names. "tiny" is for the CPU test only.
SIZES: dict[str, dict[str, int]] = {
    "tiny": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, vocab_size=256),
    "llama-120m": dict(hidden_size=768, intermediate_size=2048, num_hidden_layers=12, num_attention_heads=12,
                       num_key_value_heads=12, vocab_size=32000),
    "llama-1b": dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
                     num_key_value_heads=8, vocab_size=128256, tie_word_embeddings=True),
    "llama-3b": dict(hidden_size=3072, intermediate_size=8192, num_hidden_layers=28, num_attention_heads=24,
                     num_key_value_heads=8, vocab_size=128256, tie_word_embeddings=True),
}
GPU_SIZES = ("llama-120m", "llama-1b", "llama-3b")


@dataclass(frozen=True)
class Plan:
    """What to run: inference (batch, context) pairs, training (batch, seq) pairs, step counts, GEMM size."""

    infer: tuple[tuple[int, int], ...]
    new_tokens: int
    train: tuple[tuple[int, int], ...]
    train_steps: int
    iters: int
    lora_rank: int = 16
    matmul_n: tuple[int, ...] = (4096, 8192)
    copy_bytes: int = 2**30


TINY_PLAN = Plan(infer=((1, 16), (2, 32)), new_tokens=4, train=((2, 32),), train_steps=2, iters=2)
GPU_PLAN = Plan(infer=((1, 512), (8, 512), (1, 4096), (8, 4096)), new_tokens=64,
                train=((1, 2048), (4, 2048)), train_steps=4, iters=5)
LORA_TARGETS = ("q", "k", "v", "o")  # gpuplan names -> peft target_modules q_proj, k_proj, v_proj, o_proj


# ---------------------------------------------------------------------------------------------------------
# gpuplan side: the predictions. Kept in one place so the test can call exactly the same functions.
# ---------------------------------------------------------------------------------------------------------

def architecture(cfg: dict[str, int], params_total: int):
    """gpuplan Architecture for a LlamaConfig shape, with the parameter count of the built model."""
    from gpuplan.memory import Architecture

    return Architecture(
        params_total=params_total, params_active=params_total, layers=cfg["num_hidden_layers"],
        hidden_size=cfg["hidden_size"], attention_heads=cfg["num_attention_heads"],
        kv_heads=cfg["num_key_value_heads"], head_dim=cfg["hidden_size"] // cfg["num_attention_heads"],
        vocab_size=cfg["vocab_size"], ffn_size=cfg["intermediate_size"],
        tied_embeddings=bool(cfg.get("tie_word_embeddings", False)),
        name=f"harness {cfg['hidden_size']}x{cfg['num_hidden_layers']}",
    )


def predict_memory(arch, **kwargs) -> dict[str, Any]:
    """gpuplan.memory.memory_estimate(arch, **kwargs): the allocator-comparable bytes and the parts.

    ``allocated_bytes`` = per-GPU total minus the ``overhead`` component (see the module docstring)."""
    from gpuplan.memory import memory_estimate

    est = memory_estimate(arch, **kwargs)
    components = {k: int(v) for k, v in est.components.items()}
    return dict(allocated_bytes=int(est.per_gpu_bytes) - components.get("overhead", 0),
                per_gpu_bytes=int(est.per_gpu_bytes), components=components)


def predict_tokens_per_s(*, params: int, tokens: int, gpu_id: str | None, task: str, layers: int,
                         hidden_size: int, seq: int, batch: int = 1, precision: str = "bf16",
                         **options) -> float | None:
    """tokens / gpuplan.runtime.runtime_estimate(...).hours (one GPU), or None without a GPU id (no CPU peak).

    For inference the planner takes ``max(2·P·tokens / (peak · MFU), tokens / batch steps × weight bytes /
    bandwidth)``: prefill is one step over ``batch × context`` tokens (``batch=tokens``), decode is
    ``new_tokens`` steps of ``batch`` tokens. ``options`` go to runtime_estimate unchanged (checkpointing,
    context + kv_bytes_per_token for decode KV reads)."""
    if gpu_id is None:
        return None
    from gpuplan.runtime import runtime_estimate

    options.setdefault("goodput", 1.0)  # a short measured run has none of a production run's losses
    est = runtime_estimate(params=params, tokens=tokens, gpu_id=gpu_id, gpus=1, precision=precision, task=task,
                           layers=layers, hidden_size=hidden_size, seq=seq, batch=batch, **options)
    return tokens / (est.hours * 3600.0)


def gpu_spec(gpu_id: str | None, field: str) -> float | None:
    """One spec value from the gpus table (dense TFLOPS, GB/s); None when unknown or empty."""
    if gpu_id is None:
        return None
    from gpuplan import data

    value = data.gpu(gpu_id).get(field)
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def relative_error(predicted: float | None, measured: float | None) -> float | None:
    """predicted / measured - 1 (signed; positive = gpuplan over-predicts); None when either is missing."""
    if predicted is None or measured is None or measured == 0:
        return None
    return predicted / measured - 1.0


# ---------------------------------------------------------------------------------------------------------
# torch side: the measurements.
# ---------------------------------------------------------------------------------------------------------

def gemm(a, b, precision: str) -> Callable[[], Any]:
    """A no-argument GEMM ``a @ b`` (bf16 tensors in) at ``precision``: bf16 matmul, or fp8 e4m3 through
    ``torch._scaled_mm`` (a row-major, b column-major, fp32 unit scales, bf16 out)."""
    import torch

    if precision == "bf16":
        return lambda: a @ b
    a8, b8 = a.to(torch.float8_e4m3fn), b.to(torch.float8_e4m3fn).t().contiguous().t()
    one = torch.ones((), device=a.device, dtype=torch.float32)
    return lambda: torch._scaled_mm(a8, b8, scale_a=one, scale_b=one, out_dtype=torch.bfloat16)


class Runner:
    """Builds models and measures on one device; every case appends rows to ``self.rows``."""

    def __init__(self, device: str, plan: Plan, gpu_id: str | None):
        import torch

        self.torch = torch
        self.device = device
        self.plan = plan
        self.gpu_id = gpu_id
        self.rows: list[dict[str, Any]] = []

    # -- helpers -------------------------------------------------------------------------------------------
    def sync(self) -> None:
        if self.device == "cuda":
            self.torch.cuda.synchronize()

    def seconds(self, fn: Callable[[], Any], iters: int | None = None) -> float:
        """Median wall seconds of fn() after one warm-up call (cuda synchronized around each call)."""
        iters = iters or self.plan.iters
        fn()
        self.sync()
        times = []
        for _ in range(iters):
            start = time.perf_counter()
            fn()
            self.sync()
            times.append(time.perf_counter() - start)
        return sorted(times)[len(times) // 2]

    @contextlib.contextmanager
    def peak_memory(self):
        """Yields a dict that gets ``allocated_bytes``/``reserved_bytes`` (cuda) or None (cpu) at exit."""
        result: dict[str, int | None] = {"allocated_bytes": None, "reserved_bytes": None}
        if self.device == "cuda":
            self.torch.cuda.synchronize()
            self.torch.cuda.reset_peak_memory_stats()
        yield result
        if self.device == "cuda":
            self.torch.cuda.synchronize()
            result["allocated_bytes"] = int(self.torch.cuda.max_memory_allocated())
            result["reserved_bytes"] = int(self.torch.cuda.max_memory_reserved())

    def free(self) -> None:
        gc.collect()
        if self.device == "cuda":
            self.torch.cuda.empty_cache()

    def add(self, case: str, size: str, quantity: str, unit: str, inputs: dict, predicted: float | None,
            measured: float | None, status: str | None = None) -> None:
        if status is None:
            status = "measured" if measured is not None else f"not measured: no {quantity} counter on {self.device}"
        self.rows.append(dict(case=case, size=size, quantity=quantity, unit=unit,
                              inputs=json.dumps(inputs, sort_keys=True), predicted=predicted, measured=measured,
                              error=relative_error(predicted, measured), status=status, device=self.device))

    def add_memory(self, case: str, size: str, inputs: dict, prediction: dict, peak: dict) -> None:
        self.add(case, size, "peak_allocated_bytes", "bytes",
                 {**inputs, "predicted_components": prediction["components"],
                  "predicted_per_gpu_bytes": prediction["per_gpu_bytes"], "reserved_bytes": peak["reserved_bytes"]},
                 prediction["allocated_bytes"], peak["allocated_bytes"])

    def add_oom(self, case: str, size: str, quantities: tuple[str, ...], inputs: dict, prediction: dict) -> None:
        for quantity in quantities:
            predicted = prediction["allocated_bytes"] if quantity == "peak_allocated_bytes" else None
            self.add(case, size, quantity, "bytes" if predicted is not None else "tokens/s", inputs, predicted,
                     None, status="oom")

    def build(self, size: str, dtype) -> tuple[Any, dict, int]:
        """Random-weight LlamaForCausalLM initialised directly on the device in ``dtype`` (no download)."""
        from transformers import AutoModelForCausalLM, LlamaConfig

        cfg = dict(SIZES[size])
        self.torch.manual_seed(0)
        with self.torch.device(self.device):
            model = AutoModelForCausalLM.from_config(LlamaConfig(**cfg, max_position_embeddings=8192), dtype=dtype)
        return model, cfg, sum(p.numel() for p in model.parameters())

    def best_seconds(self, fn: Callable[[], Any]) -> float:
        """Median seconds per call from torch.utils.benchmark (repeats small kernels, synchronizes cuda)."""
        from torch.utils.benchmark import Timer

        return Timer("fn()", globals={"fn": fn}).blocked_autorange(min_run_time=1.0).median

    def tokens(self, vocab: int, batch: int, seq: int):
        return self.torch.randint(0, vocab, (batch, seq), device=self.device)

    # -- cases ---------------------------------------------------------------------------------------------
    def inference(self, size: str, precision: str = "bf16") -> None:
        """Prefill (logits of the last position only, as serving engines do) then greedy decode with KV cache.

        ``precision="fp8"``: weights quantized on load with transformers' ``FineGrainedFP8Config`` (e4m3, 128×128
        blocks, dynamic activation scales; cuda with compute capability >= 8.9); the KV cache stays bf16."""
        torch = self.torch
        case = "infer" if precision == "bf16" else f"infer-{precision}"
        if precision == "bf16":
            model, cfg, params = self.build(size, torch.bfloat16)
        else:
            if skip := self.fp8_unavailable():
                self.add(case, size, "tokens_per_s", "tokens/s", {"precision": precision}, None, None,
                         status=f"skipped: {skip}")
                return
            from transformers import FineGrainedFP8Config

            model, cfg, params = self.load_quantized(size, FineGrainedFP8Config())
        model.eval()
        arch = architecture(cfg, params)
        layers, hidden = cfg["num_hidden_layers"], cfg["hidden_size"]
        for batch, context in self.plan.infer:
            new = self.plan.new_tokens
            inputs = dict(params=params, batch=batch, context=context, new_tokens=new, precision=precision,
                          kv_dtype="bf16")
            # seq = the prefill chunk (one layer's working memory), context = tokens held in the KV cache
            prediction = predict_memory(arch, mode="inference", precision=precision, batch=batch, seq=context,
                                        kv_dtype="bf16", context=context + new)
            ids = self.tokens(cfg["vocab_size"], batch, context)
            try:
                with torch.no_grad(), self.peak_memory() as peak:
                    prefill_s = self.seconds(lambda model=model, ids=ids: model(input_ids=ids, use_cache=True, logits_to_keep=1))
                    out = model(input_ids=ids, use_cache=True, logits_to_keep=1)
                    cache, nxt = out.past_key_values, out.logits[:, -1].argmax(-1, keepdim=True)
                    self.sync()
                    start = time.perf_counter()
                    for _ in range(new):
                        out = model(input_ids=nxt, past_key_values=cache, use_cache=True)
                        nxt = out.logits[:, -1].argmax(-1, keepdim=True)
                    self.sync()
                    decode_s = time.perf_counter() - start
            except torch.OutOfMemoryError:
                oom = True  # freed below, once the exception (and the tensors its traceback holds) is gone
            else:
                oom = False
            if oom:
                self.free()
                self.add_oom(case, size, ("peak_allocated_bytes",), inputs, prediction)
                continue
            self.add_memory(case, size, inputs, prediction, peak)
            self.add(f"{case}-prefill", size, "tokens_per_s", "tokens/s", inputs,
                     predict_tokens_per_s(params=params, tokens=batch * context, gpu_id=self.gpu_id,
                                          task="inference", layers=layers, hidden_size=hidden, seq=context,
                                          batch=batch * context, precision=precision),
                     batch * context / prefill_s)
            self.add(f"{case}-decode", size, "tokens_per_s", "tokens/s", inputs,
                     predict_tokens_per_s(params=params, tokens=batch * new, gpu_id=self.gpu_id,
                                          task="inference", layers=layers, hidden_size=hidden,
                                          seq=context + new // 2, batch=batch, precision=precision,
                                          context=context + new // 2,
                                          kv_bytes_per_token=arch.kv_cache_bytes_per_token(precision)),
                     batch * new / decode_s)
            del ids, out, cache, nxt
            self.free()
        del model
        self.free()

    def train(self, size: str, mode: str, checkpointing: bool) -> None:
        """A few AdamW steps: full (fp32 master weights, bf16 autocast), LoRA (frozen bf16 base) or QLoRA."""
        torch = self.torch
        case = f"train-{mode}"
        if mode == "qlora" and (skip := self.qlora_unavailable()):
            self.add(case, size, "peak_allocated_bytes", "bytes", dict(checkpointing=checkpointing), None, None,
                     status=f"skipped: {skip}")
            return
        model, cfg, params = self.build_for_training(size, mode)
        model.config.use_cache = False  # no KV cache while training (and none with checkpointing)
        if checkpointing:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.train()
        arch = architecture(cfg, params)
        precision = {"full": "bf16", "lora": "bf16", "qlora": "int4"}[mode]
        trainable = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(trainable, lr=1e-5)
        for batch, seq in self.plan.train:
            inputs = dict(params=params, batch=batch, seq=seq, mode=mode, precision=precision,
                          optimizer="adamw", checkpointing=checkpointing, trainable_params=sum(
                              p.numel() for p in trainable),
                          **({"lora_rank": self.plan.lora_rank, "lora_targets": list(LORA_TARGETS)}
                             if mode != "full" else {}))
            kwargs = dict(mode=mode, precision=precision, optimizer="adamw", batch=batch, seq=seq,
                          checkpointing=checkpointing)
            if mode != "full":
                kwargs.update(lora_rank=self.plan.lora_rank, lora_targets=LORA_TARGETS)
            prediction = predict_memory(arch, **kwargs)
            ids = self.tokens(cfg["vocab_size"], batch, seq)

            def step(model=model, ids=ids, optimizer=optimizer):
                with torch.autocast(self.device, dtype=torch.bfloat16):
                    loss = model(input_ids=ids, labels=ids).loss
                loss.backward()
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)

            try:
                with self.peak_memory() as peak:
                    step_s = self.seconds(step, iters=self.plan.train_steps)
            except torch.OutOfMemoryError:
                oom = True  # freed below, once the exception (and the tensors its traceback holds) is gone
            else:
                oom = False
            if oom:
                optimizer.zero_grad(set_to_none=True)
                self.free()
                self.add_oom(case, size, ("peak_allocated_bytes", "tokens_per_s"), inputs, prediction)
                continue
            self.add_memory(case, size, inputs, prediction, peak)
            self.add(case, size, "tokens_per_s", "tokens/s", inputs,
                     predict_tokens_per_s(params=params, tokens=batch * seq, gpu_id=self.gpu_id,
                                          task="finetune" if mode == "full" else "lora",
                                          layers=cfg["num_hidden_layers"], hidden_size=cfg["hidden_size"],
                                          seq=seq, checkpointing=checkpointing),
                     batch * seq / step_s)
            del ids
            self.free()
        del model, optimizer, trainable
        self.free()

    def build_for_training(self, size: str, mode: str):
        torch = self.torch
        if mode == "full":
            return self.build(size, torch.float32)
        from peft import LoraConfig, get_peft_model

        if mode == "lora":
            model, cfg, params = self.build(size, torch.bfloat16)
        else:  # qlora: 4-bit NF4 with double quantization, as in the QLoRA paper
            from peft import prepare_model_for_kbit_training
            from transformers import BitsAndBytesConfig

            model, cfg, params = self.load_quantized(size, BitsAndBytesConfig(
                load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                bnb_4bit_compute_dtype=torch.bfloat16))
            model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
        lora = LoraConfig(r=self.plan.lora_rank, lora_alpha=2 * self.plan.lora_rank, lora_dropout=0.0,
                          target_modules=[f"{t}_proj" for t in LORA_TARGETS], task_type="CAUSAL_LM")
        return get_peft_model(model, lora), cfg, params

    def load_quantized(self, size: str, quantization_config):
        """The random bf16 model saved to a temporary folder and loaded back quantized on the GPU — what users do
        with a downloaded checkpoint (nothing is downloaded here). Returns (model, cfg, bf16 parameter count)."""
        from transformers import AutoModelForCausalLM

        base, cfg, params = self.build(size, self.torch.bfloat16)
        with tempfile.TemporaryDirectory() as tmp:
            base.save_pretrained(tmp)
            del base
            self.free()
            model = AutoModelForCausalLM.from_pretrained(tmp, device_map={"": 0},
                                                         quantization_config=quantization_config)
        return model, cfg, params

    def fp8_unavailable(self) -> str | None:
        if self.device != "cuda":
            return "fp8 model inference needs cuda"
        if self.torch.cuda.get_device_capability() < (8, 9):
            return "fp8 needs compute capability >= 8.9"
        return None

    def qlora_unavailable(self) -> str | None:
        if self.device != "cuda":
            return "QLoRA needs cuda (bitsandbytes 4-bit kernels)"
        try:
            importlib.metadata.version("bitsandbytes")
        except importlib.metadata.PackageNotFoundError:
            return "bitsandbytes not installed"
        return None

    def matmul(self) -> None:
        """Best-of-shapes square GEMM TFLOPS (2·n³ FLOPs per matmul), bf16 and fp8 (torch._scaled_mm, e4m3)."""
        torch = self.torch
        for precision, field in (("bf16", "bf16_tflops_dense"), ("fp8", "fp8_tflops_dense")):
            inputs = dict(precision=precision, shapes=list(self.plan.matmul_n), gpu_id=self.gpu_id)
            predicted = gpu_spec(self.gpu_id, field)
            if self.device != "cuda":
                self.add("matmul", "", "matmul_tflops", "TFLOPS", inputs, predicted, None,
                         status="skipped: GPU microbenchmark (cuda only)")
                continue
            if precision == "fp8" and torch.cuda.get_device_capability() < (8, 9):
                self.add("matmul", "", "matmul_tflops", "TFLOPS", inputs, predicted, None,
                         status="skipped: fp8 needs compute capability >= 8.9")
                continue
            best = 0.0
            for n in self.plan.matmul_n:
                a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
                b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
                best = max(best, 2 * n**3 / self.best_seconds(gemm(a, b, precision)) / 1e12)
            self.add("matmul", "", "matmul_tflops", "TFLOPS", inputs, predicted, best)
            self.free()

    def copy(self) -> None:
        """Device-to-device copy: 2 × bytes (read + write) per copy, in GB/s (10^9 bytes/s)."""
        inputs = dict(bytes=self.plan.copy_bytes, gpu_id=self.gpu_id)
        predicted = gpu_spec(self.gpu_id, "memory_bandwidth_gbps")
        if self.device != "cuda":
            self.add("copy", "", "bandwidth_gbps", "GB/s", inputs, predicted, None,
                     status="skipped: GPU microbenchmark (cuda only)")
            return
        src = self.torch.empty(self.plan.copy_bytes, dtype=self.torch.uint8, device="cuda")
        dst = self.torch.empty_like(src)
        seconds = self.best_seconds(lambda dst=dst, src=src: dst.copy_(src))
        self.add("copy", "", "bandwidth_gbps", "GB/s", inputs, predicted, 2 * self.plan.copy_bytes / seconds / 1e9)
        del src, dst
        self.free()


# ---------------------------------------------------------------------------------------------------------
# environment and entry point
# ---------------------------------------------------------------------------------------------------------

def environment(device: str, gpu_id: str | None) -> dict[str, Any]:
    """GPU name, driver, CUDA, library versions and the UTC date: the sidecar of every results CSV."""
    import torch

    def version(pkg: str) -> str | None:
        try:
            return importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            return None

    def command(*args: str) -> str | None:
        try:
            return subprocess.run(args, capture_output=True, text=True, check=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    cuda = device == "cuda"
    return dict(
        date_utc=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        device=device, gpu_id=gpu_id,
        gpu_name=torch.cuda.get_device_name() if cuda else None,
        gpu_capability=".".join(map(str, torch.cuda.get_device_capability())) if cuda else None,
        gpu_memory_bytes=torch.cuda.get_device_properties(0).total_memory if cuda else None,
        driver=command("nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader") if cuda else None,
        cuda=torch.version.cuda, torch=torch.__version__, transformers=version("transformers"),
        peft=version("peft"), bitsandbytes=version("bitsandbytes"), python=platform.python_version(),
        cpu=platform.processor() or platform.machine(),
        gpuplan_commit=command("git", "-C", str(ROOT), "rev-parse", "HEAD"),
    )


def resolve_device_gpu(device: str, gpu: str | None) -> str | None:
    """gpuplan gpu_id for the device: ``--gpu`` if given, else the CUDA device name ('NVIDIA A100-SXM4-80GB')
    without its vendor prefix, looked up among the ``gpus`` aliases. Unresolved: InputError asking for --gpu."""
    if device != "cuda":
        return None
    import torch

    from gpuplan import data

    if gpu:
        return data.resolve_gpu(gpu)
    name = torch.cuda.get_device_name()
    try:
        return data.resolve_gpu(name.removeprefix("NVIDIA ").strip())
    except InputError as err:
        raise InputError("--gpu", f"CUDA device {name!r} is not an alias in the gpus table ({err}); "
                                  "name it with --gpu GPU_ID") from None


def run(out: Path, device: str = "cuda", tiny: bool = False, sizes: tuple[str, ...] | None = None,
        gpu: str | None = None) -> pd.DataFrame:
    """Run every case and write ``out`` (CSV) and ``out``.env.json. Returns the rows as a DataFrame."""
    import torch

    if device not in ("cuda", "cpu"):
        raise InputError("--device", f"must be cuda or cpu, not {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("--device", "cuda is not available here (torch.cuda.is_available() is False); use --device cpu --tiny")
    if not out.parent.is_dir():
        raise InputError("--out", f"folder {out.parent} does not exist")
    sizes = sizes or (("tiny",) if tiny else GPU_SIZES)
    for size in sizes:
        if size not in SIZES:
            raise InputError("--sizes", f"unknown size {size!r}; choose from {', '.join(SIZES)}")
    plan = TINY_PLAN if tiny else GPU_PLAN
    gpu_id = resolve_device_gpu(device, gpu)
    env = environment(device, gpu_id)
    runner = Runner(device, plan, gpu_id)
    runner.matmul()
    runner.copy()
    for size in sizes:
        runner.inference(size)
        for checkpointing in (False, True):
            runner.train(size, "full", checkpointing)
        runner.train(size, "lora", False)
        runner.train(size, "qlora", False)
        runner.inference(size, "fp8")
    frame = pd.DataFrame(runner.rows, columns=COLUMNS)
    frame.to_csv(out, index=False)
    env_path = out.with_name(out.name + ".env.json")
    env_path.write_text(json.dumps({**env, "plan": plan.__dict__, "sizes": list(sizes)}, indent=2) + "\n")
    return frame


def main(
    out: Annotated[Path, typer.Option(help="results CSV to write (an <out>.env.json sidecar goes beside it)")],
    device: Annotated[str, typer.Option(help="cuda or cpu")] = "cuda",
    tiny: Annotated[bool, typer.Option(help="tiny config and short grids (the CPU test)")] = False,
    sizes: Annotated[str, typer.Option(help=f"comma-separated model sizes from: {', '.join(SIZES)}")] = "",
    gpu: Annotated[str, typer.Option(help="gpuplan gpu id or alias of the device (default: its CUDA name)")] = "",
) -> None:
    """Measure peak memory and throughput of random-weight transformers and compare with gpuplan."""
    try:
        frame = run(out, device, tiny, tuple(s for s in sizes.split(",") if s) or None, gpu or None)
    except GpuplanError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    measured = (frame["status"] == "measured").sum()
    typer.echo(f"wrote {out} ({len(frame)} rows, {measured} measured) and {out.name}.env.json")


if __name__ == "__main__":
    typer.run(main)
