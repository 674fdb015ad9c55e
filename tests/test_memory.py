"""gpuplan.memory against public worked numbers and hand calculations (each with its source).

GB = 10^9 bytes, GiB = 2^30 bytes throughout. Expected values are written out here from the sources or
computed by hand from the formulas' definitions, never taken from gpuplan's own output.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from gpuplan.errors import InputError
from gpuplan.memory import (
    Architecture,
    activation_parts,
    bytes_to_gb,
    bytes_to_gib,
    fit_table,
    kv_cache_values_per_token_layer,
    latent_tokens,
    layer_activation_bytes,
    max_batch,
    max_context,
    memory_estimate,
    min_gpus,
    model_state_bytes,
    training_bytes_per_param,
    validation_cases,
    weight_bytes_per_param,
)

GB, GIB = 10**9, 2**30

# --- architectures, from each model's config.json -------------------------------------------------------------

# https://huggingface.co/meta-llama/Llama-3.1-8B/blob/main/config.json
LLAMA_CFG = dict(hidden_size=4096, num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8,
                 intermediate_size=14336, vocab_size=128256, tie_word_embeddings=False)


def llama_params(c=LLAMA_CFG) -> int:
    """Embedding + head (untied) + per layer (q,o: h², k,v: h·kv·hd, SwiGLU 3·h·f, 2 RMSNorms) + final norm."""
    h, L, f, V = c["hidden_size"], c["num_hidden_layers"], c["intermediate_size"], c["vocab_size"]
    kv_out = c["num_key_value_heads"] * h // c["num_attention_heads"]
    return 2 * V * h + L * (2 * h * h + 2 * h * kv_out + 3 * h * f + 2 * h) + h


def t5_params(d_model, d_ff, layers, vocab, heads, d_kv) -> int:
    """T5 v1.1 / mT5 (gated-GeLU, untied head): shared embedding + head; encoder layers (self-attention 4·d·inner,
    FFN 3·d·d_ff, 2 norms), decoder layers (self + cross attention, FFN, 3 norms), relative bias 32·heads and a
    final norm per stack."""
    inner = heads * d_kv
    enc = layers * (4 * d_model * inner + 3 * d_model * d_ff + 2 * d_model) + 32 * heads + d_model
    dec = layers * (8 * d_model * inner + 3 * d_model * d_ff + 3 * d_model) + 32 * heads + d_model
    return 2 * vocab * d_model + enc + dec


LLAMA = Architecture(params_total=llama_params(), layers=32, hidden_size=4096, attention_heads=32, kv_heads=8,
                     vocab_size=128256, ffn_size=14336, name="Llama-3.1-8B")


def test_param_counts_from_configs():
    # Llama-3.1-8B has 8,030,261,248 parameters (model card "8B"; safetensors index total_size 16,060,522,496
    # bytes in bf16 = 2 × 8,030,261,248).
    assert llama_params() == 8_030_261_248
    # T0_3B: https://huggingface.co/bigscience/T0_3B/blob/main/config.json (d_model 2048, d_ff 5120, 24+24 layers,
    # 32 heads, d_kv 64, vocab 32128); mt0-xxl: .../bigscience/mt0-xxl/blob/main/config.json (4096, 10240,
    # 24+24, 64 heads, d_kv 64, vocab 250112). The validation architectures must carry the same counts.
    from gpuplan.memory import VALIDATION_ARCHS

    assert VALIDATION_ARCHS["T0_3B"].params_total == t5_params(2048, 5120, 24, 32128, 32, 64) == 2_849_757_184
    assert VALIDATION_ARCHS["mt0-xxl"].params_total == t5_params(4096, 10240, 24, 250112, 64, 64)
    # bloomz-7b1 (.../bigscience/bloomz-7b1/blob/main/config.json: hidden 4096, 30 layers, vocab 250880, tied):
    # embedding + its LayerNorm + 30 × (12h² + 13h) + final LayerNorm; the model card says 7,069,016,064.
    h = 4096
    assert VALIDATION_ARCHS["bloomz-7b1"].params_total == 250880 * h + 2 * h + 30 * (12 * h * h + 13 * h) + 2 * h \
        == 7_069_016_064
    assert VALIDATION_ARCHS["Llama-3.1-8B"].params_total == llama_params()


def test_architecture_defaults():
    a = Architecture(params_total=1e9, layers=2, hidden_size=1024, attention_heads=16)
    assert a.kv_heads == 16 and a.head_dim == 64 and a.params_active == 1e9 and a.family == "llm"


# --- per-parameter bytes -------------------------------------------------------------------------------------------

def test_weight_bytes_per_param():
    # stas00 inference/README.md: fp32 4, fp16/bf16 2, fp8/int8 1 byte per parameter.
    assert weight_bytes_per_param("fp32") == 4
    assert weight_bytes_per_param("bf16") == weight_bytes_per_param("fp16") == 2
    assert weight_bytes_per_param("fp8") == 1
    # LLM.int8: one fp32 scale per row of `hidden` inputs -> 1 + 4/4096 bytes.
    assert weight_bytes_per_param("int8", 4096) == pytest.approx(1 + 4 / 4096)
    # QLoRA paper §3: NF4 4 bits + double-quantized constants 8/64 + 32/(64·256) = 0.127 bits -> 4.127/8 bytes.
    assert weight_bytes_per_param("int4") == pytest.approx((4 + 0.126953125) / 8)
    assert weight_bytes_per_param("int4") == pytest.approx(4.127 / 8, abs=1e-4)


def test_training_bytes_conventions():
    # formulas.md §2: ZeRO-style 2 + 2 + 12 = 16; stas00 / EleutherAI cookbook 2 + 4 + 12 = 18.
    assert sum(training_bytes_per_param("bf16", "adamw", 16).values()) == 16
    assert sum(training_bytes_per_param("bf16", "adamw", 18).values()) == 18
    assert training_bytes_per_param("bf16", "adamw", 18)["gradients"] == 4
    # fp32 AdamW: 4 weights + 4 grads + 8 (m, v) = 16 (stas00).
    assert training_bytes_per_param("fp32", "adamw") == {"weights": 4, "gradients": 4, "optimizer": 8}
    # stas00: 8-bit AdamW states 2 bytes, SGD momentum 4 -> plus the 4-byte fp32 master copy.
    assert training_bytes_per_param("bf16", "adamw-8bit", 16)["optimizer"] == 4 + 2
    assert training_bytes_per_param("bf16", "sgd-momentum", 16)["optimizer"] == 4 + 4


# --- ZeRO paper -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stage, expected_gb, exact_gb", [
    # Rajbhandari et al. 2019 (arXiv 1910.02054) Figure 1: Ψ = 7.5B, N_d = 64, K = 12, 16-byte convention.
    (0, 120, 7.5 * (2 + 2 + 12)),
    (1, 31.4, 7.5 * (2 + 2 + 12 / 64)),
    (2, 16.6, 7.5 * (2 + (2 + 12) / 64)),
    (3, 1.9, 7.5 * 16 / 64),
])
def test_zero_paper_figure_1(stage, expected_gb, exact_gb):
    states = model_state_bytes(7.5e9, precision="fp16", optimizer="adamw", adam_bytes=16, gpus=64,
                               zero_stage=stage)
    total_gb = bytes_to_gb(sum(states.values()))
    assert total_gb == pytest.approx(exact_gb)
    assert total_gb == pytest.approx(expected_gb, rel=0.015)  # the paper rounds to one decimal (1.875 -> 1.9)


def test_zero_stages_in_memory_estimate_and_totals():
    per = {z: memory_estimate(LLAMA, mode="full", gpus=8, zero_stage=z, seq=1024) for z in range(4)}
    P = llama_params()
    # 18-byte default: weights 2, grads 4, optimizer 12 bytes/param; stage 3 divides all three by 8.
    assert per[0].components["optimizer"] == math.ceil(12 * P)
    assert per[1].components["optimizer"] == math.ceil(12 * P / 8)
    assert per[2].components["gradients"] == math.ceil(4 * P / 8)
    # stage 3 also gathers the largest layer whole, weights and gradients in bf16 (DeepSpeed's
    # 4 · largest_layer_params): Llama's embedding / lm_head, 128256 × 4096 = 525,336,576 params
    largest = 128256 * 4096
    assert per[3].components["weights"] == math.ceil(2 * P / 8 + 2 * largest)
    assert per[3].components["gradients"] == math.ceil(4 * P / 8 + 2 * largest)
    assert per[0].per_gpu_bytes > per[1].per_gpu_bytes > per[2].per_gpu_bytes > per[3].per_gpu_bytes
    assert per[3].total_bytes == per[3].per_gpu_bytes * 8
    assert list(per[3].components) == ["weights", "gradients", "optimizer", "activations", "kv_cache", "overhead"]


# --- KV cache ---------------------------------------------------------------------------------------------------

def test_llama_kv_cache_per_token():
    # stas00 inference/README.md: 2 bytes × 2 (K, V) × 32 layers × 4096 hidden × 8/32 = 131,072 B = 0.131 MB.
    assert LLAMA.kv_cache_bytes_per_token("bf16") == 2 * 2 * 32 * 4096 * 8 / 32 == 131_072
    assert LLAMA.kv_cache_bytes_per_token("bf16") / 1e6 == pytest.approx(0.131, rel=0.001)
    # ... "about 17.2 GB for 128 sequences of 1,024 tokens".
    est = memory_estimate(LLAMA, mode="inference", batch=128, seq=1024)
    assert bytes_to_gb(est.components["kv_cache"]) == pytest.approx(17.2, rel=0.002)
    # fp8 KV halves it; int4 weights keep a bf16 cache by default.
    assert memory_estimate(LLAMA, batch=128, seq=1024, kv_dtype="fp8").components["kv_cache"] == 128 * 1024 * 65536
    assert memory_estimate(LLAMA, precision="int4", seq=1024).components["kv_cache"] == 1024 * 131_072


def test_mla_kv_cache_is_the_latent_not_per_head_kv():
    # DeepSeek-V3 config_671B.json: kv_lora_rank 512, qk_rope_head_dim 64, 61 layers; MLA caches (d_c + d_h^R)
    # values per token and layer (DeepSeek-V2 arXiv 2405.04434 Table 1): (512 + 64) × 61 × 2 bytes in bf16
    v3 = Architecture.from_model("deepseek-v3")
    assert v3.is_mla and (v3.kv_lora_rank, v3.qk_rope_head_dim, v3.layers) == (512, 64, 61)
    assert v3.kv_cache_bytes_per_token("bf16") == (512 + 64) * 61 * 2 == 70_272
    assert v3.kv_cache_bytes_per_token("fp8") == 576 * 61 == 35_136
    # per-head K and V of 128 heads × 128 would have been 2 × 61 × 128 × 128 × 2 = 3,997,696 bytes (57× more)
    assert 2 * 61 * 128 * 128 * 2 / 70_272 == pytest.approx(56.9, abs=0.1)
    # in a memory estimate: 4,096 tokens × batch 2 of the latent
    est = memory_estimate("deepseek-v3", mode="inference", precision="fp8", batch=2, seq=4096, kv_dtype="bf16")
    assert est.components["kv_cache"] == 2 * 4096 * 70_272
    assert any("kv_lora_rank" in a for a in est.assumptions)
    # the serving model reads the same formula (one home): per layer 576 × 2 bytes
    from gpuplan import serving

    assert serving.kv_bytes_per_token_layer(serving.model_spec("deepseek-v3"), "bf16") == 576 * 2
    # GQA models are untouched: Llama-3.1-8B stays at stas00's 131,072 bytes
    assert kv_cache_values_per_token_layer(LLAMA) * 32 * 2 == 131_072


def test_mla_fields_come_in_pairs():
    with pytest.raises(InputError) as err:
        Architecture(params_total=1e9, layers=2, hidden_size=256, attention_heads=4, kv_lora_rank=64)
    assert err.value.field == "qk_rope_head_dim" and "\n" not in str(err.value)
    with pytest.raises(InputError, match="^kv_lora_rank"):
        Architecture(params_total=1e9, layers=2, hidden_size=256, attention_heads=4, qk_rope_head_dim=16)


def test_inference_weights_and_tensor_parallel():
    # stas00: Llama-3.1-8B in bf16 takes about 2 × 8B = 16 GB.
    est = memory_estimate(LLAMA, mode="inference", seq=1024)
    assert est.components["weights"] == 2 * llama_params()
    assert bytes_to_gb(est.components["weights"]) == pytest.approx(16, rel=0.01)
    tp = memory_estimate(LLAMA, mode="inference", seq=1024, gpus=2)
    assert tp.components["weights"] == llama_params() and tp.components["kv_cache"] == 1024 * 131_072 / 2


def test_quantized_weights_keep_embeddings_in_bf16():
    emb = 2 * 128256 * 4096  # untied input embedding + lm_head
    est = memory_estimate(LLAMA, mode="qlora", seq=512, lora_rank=16)
    base = (llama_params() - emb) * (4 + 8 / 64 + 32 / 16384) / 8 + emb * 2
    # adapters (rank 16 on q, k, v, o): 32 layers × 16 × [(4096+4096) + (4096+1024) × 2 + (4096+4096)]
    adapters = 32 * 16 * (8192 + 5120 + 5120 + 8192)
    assert est.trainable_params == adapters
    # adapters: bf16 weight 2 + fp32 grad 4 + master/m/v 12 (18-byte default)
    assert est.components["weights"] == math.ceil(base + 2 * adapters)
    assert est.components["gradients"] == math.ceil(4 * adapters)
    assert est.components["optimizer"] == math.ceil(12 * adapters)


# --- activations ------------------------------------------------------------------------------------------------

# A GPT-style block (GPT-2/BLOOM/MPT: 4h GeLU MLP, LayerNorm) with Llama's sizes, for Korthikanti's formula.
GPT = Architecture(params_total=llama_params(), layers=32, hidden_size=4096, attention_heads=32,
                   vocab_size=128256, ffn_size=4 * 4096, name="gpt-like")


def test_block_type_is_inferred_from_the_ffn_width():
    # formulas.md §3b / model configs: Llama-3.1-8B intermediate 14336 ≠ 4·4096 → gated (SwiGLU);
    # BLOOM/MPT ffn = 4h → GPT block; T5 v1.1 (T0_3B config feed_forward_proj "gated-gelu", d_ff 5120 = 2.5·2048).
    from gpuplan.memory import VALIDATION_ARCHS

    assert LLAMA.mlp == "gated" and GPT.mlp == "gelu"
    assert VALIDATION_ARCHS["T0_3B"].mlp == VALIDATION_ARCHS["mt0-xxl"].mlp == "gated"
    assert VALIDATION_ARCHS["bloomz-7b1"].mlp == "gelu"
    # unknown width -> GPT block; diffusion/video transformers use plain GELU MLPs of any width (Wan2.1 13824)
    assert Architecture(params_total=1e9, layers=2, hidden_size=64, attention_heads=4).mlp == "gelu"
    assert Architecture(params_total=14e9, layers=40, hidden_size=5120, attention_heads=40, ffn_size=13824,
                        family="video").mlp == "gelu"
    # explicit wins; bad value is one line naming the field
    assert Architecture(params_total=1e9, layers=2, hidden_size=64, attention_heads=4, ffn_size=256,
                        mlp="gated").mlp == "gated"
    with pytest.raises(InputError, match="^mlp"):
        Architecture(params_total=1e9, mlp="relu")


def test_korthikanti_formula_by_hand():
    # Korthikanti et al. 2022 Table 2 (B = 2): per layer s·b·h·(34 + 5·a·s/h) — for a GPT block.
    s, b, h, a, L = 2048, 2, 4096, 32, 32
    parts = activation_parts(GPT, batch=b, seq=s, flash_attention=False, checkpointing=False)
    assert parts["stored_layers"] == pytest.approx(L * s * b * h * (34 + 5 * a * s / h))
    # FlashAttention drops the score term; logits stas00 "in practice about 6·b·s·V".
    parts = activation_parts(GPT, batch=b, seq=s)
    assert parts["stored_layers"] == L * s * b * h * 34 and parts["logits"] == 6 * b * s * 128256
    # fp32 (B = 4): 16·4 + 2 = 66 and fp32 logits 4·b·s·V.
    parts = activation_parts(GPT, batch=b, seq=s, bytes_per_value=4)
    assert parts["stored_layers"] == L * s * b * h * 66 and parts["logits"] == 4 * b * s * 128256


def test_gated_block_count_by_hand():
    # Llama-3.1-8B block (h 4096, q = 32·128 = 4096, kv = 8·128 = 1024, f 14336), bf16 (B = 2), per token:
    #   2 RMSNorms × (4 bytes fp32 input + 2 bytes normalised)          = 12·h
    #   attention: input h + Q 4096 + K 1024 + V 1024 + output 4096, × 2  = 2·(4096 + 4096 + 2048 + 4096)
    #   MLP: input h + gate, up, SiLU output, product (4 × 14336), × 2    = 2·(4096 + 57344)
    h = 4096
    by_hand = 12 * h + 2 * (4096 + 4096 + 2048 + 4096) + 2 * (4096 + 4 * 14336)
    assert by_hand == 49 * h  # 24.5 copies of the bf16 hidden state (Korthikanti's GPT block: 17)
    assert layer_activation_bytes(LLAMA) == by_hand
    assert layer_activation_bytes(LLAMA, batch=2, seq=1024) == 2 * 1024 * by_hand
    # fp32 (B = 4): norms 2·(4 + 4) = 16·h; attention 4·(3.5h); MLP 4·(h + 4·3.5h) = 60·h → 90·h
    assert layer_activation_bytes(LLAMA, bytes_per_value=4) == (16 + 14 + 60) * h
    # no FlashAttention: Korthikanti's score term (2·B + 1)·a·s²·b is added unchanged
    assert layer_activation_bytes(LLAMA, seq=512, flash_attention=False) == 512 * by_hand + 5 * 32 * 512**2
    parts = activation_parts(LLAMA, batch=1, seq=2048)
    assert parts["stored_layers"] == 32 * 2048 * by_hand
    # inference keeps the cookbook's one-layer peak s·b·h·(16·B + 2) for every block type
    assert activation_parts(LLAMA, batch=1, seq=2048, training=False)["working_layer"] == 2048 * h * 34
    with pytest.raises(InputError, match="^ffn_size"):
        layer_activation_bytes(Architecture(params_total=1e9, layers=2, hidden_size=64, attention_heads=4,
                                            mlp="gated"))


def test_gated_count_equals_what_pytorch_saves_for_a_transformers_llama_layer():
    """Independent check of the count: bytes that PyTorch autograd saves for backward in one Hugging Face
    LlamaDecoderLayer (bf16, SDPA), recorded with torch.autograd.graph.saved_tensors_hooks (unique storages,
    parameters excluded). The formula leaves out O(s·b) tensors (RMSNorm rstd, rotary cos/sin, attention
    log-sum-exp), so the recorded bytes are a little above it: 49.4 vs 49 bytes per s·b·h at these sizes."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    h, f, heads, kv, s, b = 256, 896, 8, 2, 128, 2  # Llama-3.1-8B ratios: f = 3.5h, kv = heads / 4
    cfg = transformers.LlamaConfig(hidden_size=h, intermediate_size=f, num_attention_heads=heads,
                                   num_key_value_heads=kv, num_hidden_layers=2, vocab_size=512,
                                   attn_implementation="sdpa")
    torch.manual_seed(0)
    model = transformers.LlamaForCausalLM(cfg).to(torch.bfloat16).train()
    saved, inside = {}, []
    layer = model.model.layers[1]
    layer.register_forward_pre_hook(lambda *args: inside.append(1))
    layer.register_forward_hook(lambda *args: inside.clear())

    def pack(t):
        if inside:
            saved.setdefault(t.untyped_storage().data_ptr(), t.untyped_storage().nbytes())
        return t

    tokens = torch.randint(0, 512, (b, s))
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(tokens, labels=tokens)
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    recorded = sum(n for ptr, n in saved.items() if ptr not in params)
    arch = Architecture(params_total=1, layers=2, hidden_size=h, attention_heads=heads, kv_heads=kv, ffn_size=f)
    predicted = layer_activation_bytes(arch, batch=b, seq=s)
    assert predicted == s * b * (12 * h + 2 * (h + h + h // 2 + h) + 2 * (h + 4 * f))  # 49·s·b·h
    assert predicted <= recorded <= predicted * 1.02


def test_stas00_llama_activation_example():
    # stas00 training/performance/README.md, Llama-3.1-8B bf16, b=1, s=32768: hidden_states 0.25 GiB,
    # checkpoints 8 GiB with gradient checkpointing (2 · 32 · 1 · 32768 · 4096 bytes).
    ckpt = activation_parts(LLAMA, batch=1, seq=32768, checkpointing=True)
    # one layer's checkpoint is the bf16 hidden_states stas00 quotes as 0.25 GiB (2 bytes × 32768 × 4096)
    assert ckpt["stored_layers"] / 32 == 0.25 * GIB
    assert ckpt["stored_layers"] == 8 * GIB
    # One recomputed layer, gated-block count: 49 · s · h bytes = 24.5 × 0.25 GiB = 6.125 GiB. stas00 measured
    # 7 GiB (k = 28, a peak with temporaries): -12.5 %, explained in the module docstring, not tuned.
    # (Korthikanti's GPT count gave 34 · s · h = 4.25 GiB, -39 %.)
    assert ckpt["working_layer"] == 49 * 32768 * 4096 == 6.125 * GIB
    full = activation_parts(LLAMA, batch=1, seq=32768)
    assert full["stored_layers"] == 32 * 6.125 * GIB == 196 * GIB  # stas00: 224 GiB
    # stas00's fp32 logits 4·b·s·V "about 15.7 GiB"; we carry the "in practice 6·b·s·V".
    assert bytes_to_gib(4 * 32768 * 128256) == pytest.approx(15.7, abs=0.05)
    assert ckpt["logits"] == 6 * 32768 * 128256


def test_checkpointing_lowers_training_memory():
    on = memory_estimate(LLAMA, mode="lora", seq=4096, checkpointing=True)
    off = memory_estimate(LLAMA, mode="lora", seq=4096)
    assert on.components["activations"] < off.components["activations"]
    assert on.components["weights"] == off.components["weights"]


# --- diffusion / video ------------------------------------------------------------------------------------------

def test_latent_tokens():
    # Wan2.1 480×832, 81 frames, VAE stride (4, 8, 8), patch (1, 2, 2): the code's seq_len = 32760
    # (= 21 latent frames × 30 × 52; Wan-Video/Wan2.1 VACE processor, `seq_len=32760`).
    assert latent_tokens(81, 480, 832, spatial_factor=8, temporal_factor=4, patch_size=2) == 21 * 30 * 52 == 32760
    # An image, 1024² with an 8× VAE and 2×2 patches: (1024 / 16)² = 4096 tokens.
    assert latent_tokens(None, 1024, 1024, spatial_factor=8, patch_size=2) == 4096


def test_video_model_uses_latent_tokens():
    video = Architecture(params_total=1.3e9, layers=30, hidden_size=1536, attention_heads=12, family="video",
                         vae_spatial_factor=8, vae_temporal_factor=4, patch_size=2, name="video-1.3b")
    est = memory_estimate(video, mode="inference", frames=81, height=480, width=832)
    assert est.tokens == 32760 and est.components["kv_cache"] == 0
    assert est.components["activations"] == 32760 * 1536 * 34  # one layer at inference (cookbook)
    with pytest.raises(InputError, match="frames"):
        memory_estimate(video, height=480, width=832)


# --- PEFT README measurements and the validation table ----------------------------------------------------------

def test_peft_readme_cases_within_15_percent():
    # huggingface/peft README (A100 80GB): T0_3B full fine-tune 47.14 GB, LoRA 14.4 GB; mt0-xxl LoRA 56 GB;
    # bloomz-7b1 LoRA 32 GB.
    df = validation_cases().set_index("case")
    expected = {"T0_3B full fine-tune, fp32 AdamW": 47.14, "T0_3B LoRA r=8 (q, v), fp32": 14.4,
                "mt0-xxl LoRA r=8 (q, v), fp32": 56, "bloomz-7b1 LoRA r=8 (query_key_value), fp32": 32}
    for case, ref in expected.items():
        assert df.loc[case, "reference"] == ref
        assert abs(df.loc[case, "model"] / ref - 1) < 0.15, case
    # The dominant term by hand: fp32 full fine-tune = 16 bytes × 2,849,757,184 = 45.596 GB of model states.
    from gpuplan.memory import VALIDATION_ARCHS

    full = memory_estimate(VALIDATION_ARCHS["T0_3B"], mode="full", precision="fp32", batch=8, seq=64,
                           flash_attention=False, overhead_bytes=0).components
    assert full["weights"] + full["gradients"] + full["optimizer"] == 16 * 2_849_757_184
    assert bytes_to_gb(16 * 2_849_757_184) == pytest.approx(45.596, abs=0.001)
    assert 45.596 < df.loc["T0_3B full fine-tune, fp32 AdamW", "model"] < 47.14 * 1.15


def test_validation_table_shape_and_documented_outliers():
    df = validation_cases()
    assert list(df.columns) == ["case", "source", "reference", "model", "unit", "error_pct", "note"]
    assert (df["error_pct"] == (df["model"] - df["reference"]) / df["reference"] * 100).all()
    # with the gated-block count no case is off by more than 15 % (Llama activations: 6.125 of 7 GiB and
    # 196 of 224 GiB = -12.5 %; before, Korthikanti's GPT count gave -39.3 %)
    assert df["error_pct"].abs().max() < 15
    act = df.set_index("case").loc[["Llama-3.1-8B one layer's working memory",
                                    "Llama-3.1-8B all layers without checkpointing"]]
    assert list(act["model"]) == [6.125, 196.0]
    assert act["error_pct"].tolist() == pytest.approx([(6.125 / 7 - 1) * 100, (196 / 224 - 1) * 100])
    assert act["note"].str.len().min() > 20
    kv = df.set_index("case").loc["Llama-3.1-8B KV cache per token, bf16"]
    assert kv["model"] == pytest.approx(0.131072)


# --- fit table and inverse answers --------------------------------------------------------------------------------

GPUS = pd.DataFrame({"gpu_id": ["a100-sxm4-80gb", "rtx4090-24gb", "h200-sxm-141gb"],
                     "name": ["A100 80GB", "RTX 4090", "H200"], "memory_gb": [80.0, 24.0, 141.0]})


def test_fit_table():
    est = memory_estimate(LLAMA, mode="inference", seq=8192, batch=4)
    # by hand: weights 2P + KV 4 × 8192 × 131,072 + one layer 8192 · 4 · 4096 · 34 + logits 4 · 4 · V + 0.92 GiB
    by_hand = 2 * llama_params() + 4 * 8192 * 131_072 + 8192 * 4 * 4096 * 34 + 16 * 128256 + int(0.92 * GIB)
    assert est.per_gpu_bytes == by_hand  # ≈ 25.9 GB
    table = fit_table(est, GPUS)
    assert list(table.columns) == ["gpu_id", "name", "memory_gb", "capacity_bytes", "per_gpu_bytes", "fits",
                                   "headroom_bytes", "headroom_gib"]
    t = table.set_index("gpu_id")
    assert t.loc["a100-sxm4-80gb", "capacity_bytes"] == 80 * 10**9
    assert t.loc["a100-sxm4-80gb", "headroom_bytes"] == 80 * 10**9 - by_hand
    assert bool(t.loc["a100-sxm4-80gb", "fits"]) and bool(t.loc["h200-sxm-141gb", "fits"])
    assert not bool(t.loc["rtx4090-24gb", "fits"]) and t.loc["rtx4090-24gb", "headroom_bytes"] < 0
    # batch 1: 16.06 + 1.07 + 1.14 + 0.99 GB ≈ 19.3 GB fits a 24 GB card
    small = fit_table(memory_estimate(LLAMA, mode="inference", seq=8192), GPUS).set_index("gpu_id")
    assert bool(small.loc["rtx4090-24gb", "fits"])


def test_fit_table_from_database():
    pytest.importorskip("gpuplan.data")
    est = memory_estimate(LLAMA, mode="full", seq=2048)
    # 18 bytes × P (144.5 GB) + 32 layers × 49 · 2048 · 4096 B + logits 6 · 2048 · V + 0.92 GiB ≈ 160.3 GB
    by_hand = 18 * llama_params() + 32 * 49 * 2048 * 4096 + 6 * 2048 * 128256 + int(0.92 * GIB)
    assert est.per_gpu_bytes == pytest.approx(by_hand, abs=4)
    table = fit_table(est)
    assert len(table) == len(pytest.importorskip("gpuplan.data").gpus())
    # fits exactly the GPUs whose labelled memory (× 10^9) holds it: none of the 80 GB parts
    assert (table["fits"] == (table["memory_gb"] * GB >= est.per_gpu_bytes)).all()
    assert not table.loc[table["memory_gb"] <= 141, "fits"].any()


def test_max_batch_by_hand():
    # inference, bf16, seq = context = 1024, no overhead: per sequence KV 1024 × 131,072 B plus one layer's
    # activations 1024 · 4096 · 34 B plus fp32 logits of the last position 4 · 128256 B.
    W = 2 * llama_params()
    per_seq = 1024 * 131_072 + 1024 * 4096 * 34 + 4 * 128256
    expected = (80 * 10**9 - W) // per_seq
    assert max_batch(LLAMA, 80 * 10**9, mode="inference", seq=1024, overhead_bytes=0) == expected == 230
    assert max_batch(LLAMA, 10 * 10**9, mode="inference", seq=1024) == 0  # weights alone do not fit


def test_max_context_by_hand():
    # inference, batch 1, prefill chunk of 1 token: weights + 1-token layer activations + logits + n × 131,072.
    W = 2 * llama_params()
    fixed = W + 4096 * 34 + 4 * 128256
    expected = (80 * 10**9 - fixed) // 131_072
    assert max_context(LLAMA, 80 * 10**9, mode="inference", seq=1, overhead_bytes=0) == expected


def test_min_gpus_by_hand():
    # full fine-tune, bf16 AdamW 18 bytes/param, ZeRO-3, checkpointing, batch 1, seq 2048, on 80 GB GPUs:
    # N = ceil(18 P / (80e9 - activations - overhead)).
    P = llama_params()
    parts = activation_parts(LLAMA, batch=1, seq=2048, checkpointing=True)
    act = math.ceil(parts["stored_layers"] + parts["working_layer"] + parts["logits"])
    overhead = int(0.92 * GIB)
    expected = math.ceil(18 * P / (80 * 10**9 - act - overhead))
    ans = min_gpus(LLAMA, 80 * 10**9, mode="full", seq=2048, checkpointing=True)
    assert ans.gpus == expected == 2 and ans.zero_stage == 3 and "ZeRO-3" in ans.message
    # a workload whose activations alone exceed the GPU is an answer, not an error
    huge = min_gpus(LLAMA, 24 * 10**9, mode="full", seq=131072, batch=8, flash_attention=False)
    assert huge.gpus is None and "does not fit" in huge.message
    # ZeRO-0 never shrinks: falls back to ZeRO-3 with the reason in the answer
    assert min_gpus(LLAMA, 80 * 10**9, mode="full", zero_stage=0, seq=2048).zero_stage == 3
    # inference: 405B-class weights (810 GB in bf16) over tensor parallel 80 GB GPUs -> 11 GPUs or more
    big = Architecture(params_total=405e9, layers=126, hidden_size=16384, attention_heads=128, kv_heads=8,
                       vocab_size=128256)
    assert min_gpus(big, 80 * 10**9, mode="inference", seq=1024).gpus >= 11
    assert json.dumps(ans.to_dict())


# --- output and errors -----------------------------------------------------------------------------------------

def test_to_dict_is_json_and_components_frame():
    est = memory_estimate(LLAMA, mode="lora", seq=1024, gpus=2, zero_stage=2)
    d = json.loads(json.dumps(est.to_dict()))
    assert set(d["components"]) == {"weights", "gradients", "optimizer", "activations", "kv_cache", "overhead"}
    assert d["per_gpu_bytes"] == sum(d["components"].values()) and d["total_bytes"] == 2 * d["per_gpu_bytes"]
    assert any("arXiv" in a for a in d["assumptions"])
    frame = est.components_frame("llama lora")
    assert list(frame["component"]) == list(est.components) and (frame["gib"] * GIB == frame["bytes"]).all()


@pytest.mark.parametrize("kwargs, field", [
    (dict(lora_rank=0, mode="lora"), "lora_rank"),
    (dict(seq=0), "seq"),
    (dict(batch=0), "batch"),
    (dict(batch=2.5), "batch"),
    (dict(precision="fp4"), "precision"),
    (dict(mode="pretrain"), "mode"),
    (dict(mode="full", optimizer="lion"), "optimizer"),
    (dict(mode="full", zero_stage=4), "zero_stage"),
    (dict(gpus=0), "gpus"),
    (dict(mode="full", adam_bytes=17), "adam_bytes"),
    (dict(mode="full", precision="int4"), "precision"),
    (dict(mode="qlora", precision="bf16"), "precision"),
    (dict(mode="full", context=4096), "context"),
    (dict(frames=16, height=64, width=64), "frames"),
    (dict(mode="lora", lora_targets=("q", "mlp")), "lora_targets"),
    (dict(kv_dtype="fp64"), "kv_dtype"),
])
def test_bad_input_is_one_line_naming_the_field(kwargs, field):
    with pytest.raises(InputError) as err:
        memory_estimate(LLAMA, **kwargs)
    assert err.value.field == field and "\n" not in str(err.value) and str(err.value).startswith(field)


def test_missing_architecture_field_is_named():
    with pytest.raises(InputError, match="^layers"):
        memory_estimate(Architecture(params_total=7e9), mode="inference")
    with pytest.raises(InputError, match="^params_total"):
        Architecture(params_total=0)


def test_from_model_reads_the_models_table():
    from gpuplan import data

    models = data.models()
    assert not models.empty, "the models table lost its rows"
    row = models.iloc[0]
    arch = Architecture.from_model(row["model_id"])
    assert arch.params_total == row["params_total"] and arch.name == row["model_id"]
    with pytest.raises(InputError, match="^model"):
        Architecture.from_model("no-such-model-xyz")


def test_video_model_from_the_table():
    from gpuplan import data

    assert "wan2.1-t2v-14b" in set(data.models()["model_id"]), "wan2.1-t2v-14b vanished from the models table"
    est = memory_estimate("wan2.1-t2v-14b", mode="inference", frames=81, height=480, width=832)
    assert est.tokens == 32760  # Wan2.1's own seq_len for 81 × 480 × 832 (see test_latent_tokens)
    video = dict(mode="full", frames=81, height=480, width=832)
    # without checkpointing: 40 layers × 32760 × 5120 × 34 B = 212 GiB of activations on every GPU -> no count fits
    ans = min_gpus("wan2.1-t2v-14b", "h100-sxm5-80gb", **video)
    assert ans.gpus is None and ans.gpu == "h100-sxm5-80gb" and "does not fit" in ans.message
    assert bytes_to_gib(40 * 32760 * 5120 * 34) == pytest.approx(212.4, abs=0.1)
    # with checkpointing: 18 bytes × 14e9 = 252 GB of model states sharded with ZeRO-3 -> several GPUs
    ans = min_gpus("wan2.1-t2v-14b", "h100-sxm5-80gb", checkpointing=True, **video)
    assert ans.gpus >= math.ceil(18 * 14e9 / (80 * GB)) and ans.zero_stage == 3


def test_llama_kv_cache_from_the_table():
    from gpuplan import data

    assert "llama-3.1-8b" in set(data.models()["model_id"]), "llama-3.1-8b vanished from the models table"
    # the table's shape must reproduce stas00's 0.131 MB per token (2 × 2 × 32 × 8 × 128 bytes)
    assert Architecture.from_model("llama-3.1-8b").kv_cache_bytes_per_token("bf16") == 131_072


# --- ZeRO offload and the ZeRO-3 gathered layer, against DeepSpeed's estimators --------------------------------

# t5-small: 60,506,624 parameters, largest layer its 32128 × 512 embedding = 16,449,536 (DeepSpeed prints
# "SW: Model with 60M total params, 16M largest layer params"). estimate_zero3_model_states_mem_needs_all_live on
# 1 node × 1 GPU printed (blog.csdn.net/u012327567/article/details/132278598), per CPU | per GPU:
#   1.52GB | 0.06GB  offload_param=cpu,  offload_optimizer=cpu
#   1.35GB | 0.17GB  offload_param=none, offload_optimizer=cpu
#   0.09GB | 1.08GB  offload_param=none, offload_optimizer=none  (zero_init=1)
# and by DeepSpeed's formulas (stage3.py): GPU 4·L, 4·L + 2·P/N, 4·L + 18·P/N; CPU 18·P·1.5, 16·P·1.5 (GB = 2^30).
T5_SMALL = Architecture(params_total=60_506_624, layers=6, hidden_size=512, attention_heads=8, vocab_size=32128,
                        ffn_size=2048, name="t5-small-like")


def _model_states(est):
    c = est.components
    return c["weights"] + c["gradients"] + c["optimizer"]


@pytest.mark.parametrize("offload, gpu_gib, cpu_gib, gpu_bytes, cpu_bytes", [
    ("optimizer+params", 0.06, 1.52, 4 * 16_449_536, 60_506_624 * 18 * 1.5),
    ("optimizer", 0.17, 1.35, 4 * 16_449_536 + 2 * 60_506_624, 60_506_624 * 16 * 1.5),
    (None, 1.08, 0.0, 4 * 16_449_536 + 18 * 60_506_624, 0),
])
def test_zero3_offload_matches_deepspeed(offload, gpu_gib, cpu_gib, gpu_bytes, cpu_bytes):
    assert T5_SMALL.largest_layer_params == 32128 * 512 == 16_449_536
    est = memory_estimate(T5_SMALL, mode="full", zero_stage=3, offload=offload, seq=128)
    assert _model_states(est) == gpu_bytes
    assert est.cpu_bytes_per_node == math.ceil(cpu_bytes)
    assert bytes_to_gib(_model_states(est)) == pytest.approx(gpu_gib, abs=0.005)
    assert bytes_to_gib(est.cpu_bytes_per_node) == pytest.approx(cpu_gib, abs=0.005)
    assert est.to_dict()["cpu_bytes_per_node"] == est.cpu_bytes_per_node


def test_zero2_offload_matches_deepspeed():
    # estimate_zero2_model_states_mem_needs(cpu_offload=True): gpu 2·P, cpu P · max(4 · total_gpus, 16) · 1.5
    P = llama_params()
    one = memory_estimate(LLAMA, mode="full", zero_stage=2, offload="optimizer", gpus=1)
    assert _model_states(one) == 2 * P and one.cpu_bytes_per_node == math.ceil(P * 16 * 1.5)
    eight = memory_estimate(LLAMA, mode="full", zero_stage=2, offload="optimizer", gpus=8)
    assert _model_states(eight) == 2 * P and eight.cpu_bytes_per_node == math.ceil(P * 32 * 1.5)
    # two nodes of 8: ZeRO-3 shards the CPU states over the nodes (DeepSpeed's gpus_factor = 1 / num_nodes)
    two = memory_estimate(LLAMA, mode="full", zero_stage=3, offload="optimizer+params", gpus=16)
    assert two.cpu_bytes_per_node == math.ceil(P * 18 / 2 * 1.5)


@pytest.mark.parametrize("kwargs, field", [
    (dict(mode="inference", offload="optimizer"), "offload"),
    (dict(mode="full", offload="optimizer+params", zero_stage=2), "offload"),
    (dict(mode="full", offload="nvme"), "offload"),
    (dict(mode="full", gpus_per_node=0), "gpus_per_node"),
    (dict(batch=10**15), "batch"),          # a huge --batch: one line, never a traceback or inf
    (dict(seq=10**12), "seq"),
])
def test_offload_and_bound_errors(kwargs, field):
    with pytest.raises(InputError) as err:
        memory_estimate(LLAMA, **kwargs)
    assert err.value.field == field and "\n" not in str(err.value)


def test_eager_attention_at_inference_keeps_the_scores():
    # inference prefill of 8192 tokens without FlashAttention: the 32 heads' scores and softmax, bf16:
    # 2 × 2 bytes × 32 × 8192² × batch 1 = 8,589,934,592 bytes on top of the one-layer peak
    flash = memory_estimate(LLAMA, seq=8192).components["activations"]
    eager = memory_estimate(LLAMA, seq=8192, flash_attention=False).components["activations"]
    assert eager - flash == 2 * 2 * 32 * 8192**2


@pytest.mark.parametrize("arch, field", [
    (dict(hidden_size=64, attention_heads=128), "attention_heads"),      # head_dim would floor to 0
    (dict(hidden_size=100, attention_heads=32), "attention_heads"),      # not divisible
    (dict(hidden_size=4096, attention_heads=32, kv_heads=5), "kv_heads"),  # GQA groups must divide
    (dict(hidden_size=4096, attention_heads=32, head_dim=0), "head_dim"),
])
def test_inconsistent_shapes_are_refused(arch, field):
    with pytest.raises(InputError) as err:
        Architecture(params_total=1e9, layers=2, **arch)
    assert err.value.field == field


def test_non_transformer_activations_from_a_measured_size():
    # a UNet has no transformer shape: its activations are a measured bytes-per-sample × batch, not a formula
    unet = Architecture(params_total=860e6, family="diffusion", vae_spatial_factor=8, latent_channels=4,
                        activation_bytes_per_sample=3e9, name="unet")
    est = memory_estimate(unet, mode="full", height=512, width=512, batch=4, overhead_bytes=0)
    assert est.components["activations"] == 4 * 3e9
    assert _model_states(est) == 18 * 860e6
    # without one, the error names the missing measurement (the models table's SD 1.5 row has only params)
    with pytest.raises(InputError, match="^activation_bytes_per_sample"):
        memory_estimate("sd-1.5", mode="full", height=512, width=512)
