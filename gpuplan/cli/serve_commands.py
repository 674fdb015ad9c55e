"""``gpuplan serve``: serving economics of one configuration, or the cheapest configuration meeting a TPOT/TTFT
target (the SLA search)."""

from __future__ import annotations

import typer

from gpuplan import prices as price_rules
from gpuplan import serving, serving_search
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
    resolve_gpu,
)
from gpuplan.errors import InputError


# ------------------------------------------------------------------------------------------------------ serve
@app.command("serve")
def serve_command(
    model: str | None = MODEL_OPTION,
    params: str | None = PARAMS_OPTION,
    layers: int | None = LAYERS_OPTION,
    hidden: int | None = HIDDEN_OPTION,
    heads: int | None = HEADS_OPTION,
    kv_heads: int | None = KV_HEADS_OPTION,
    head_dim: int | None = HEAD_DIM_OPTION,
    vocab: int | None = VOCAB_OPTION,
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
    arch = _architecture(model, params, layers=layers, hidden_size=hidden, attention_heads=heads, kv_heads=kv_heads,
                         head_dim=head_dim, vocab_size=vocab)  # fmt: skip
    gpu_id = resolve_gpu("--gpu", gpu) if gpu is not None else None
    catalog = catalog_option(prices_file)
    catalog_prices = None
    if catalog is not None:  # the catalog's median per-GPU price of every GPU it lists (or of --gpu)
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
