"""``gpuplan cost``, ``breakeven`` and ``rent-vs-buy``: the cost of a finished job, the speedup at which the
dearer GPU breaks even, and owning vs renting one GPU."""

from __future__ import annotations

import typer

from gpuplan.breakeven import (
    DEFAULT_PUE,
    DEFAULT_USD_PER_KWH,
    DEFAULT_YEARS,
    breakeven,
    rent_vs_buy,
    rent_vs_buy_gpu,
    verdict_sensitivity,
)
from gpuplan.cli.app import JSON_OPTION, PRICES_OPTION, app, catalog_option, emit, options, parse_count, resolve_gpu
from gpuplan.cost import cost_per_job, price_info
from gpuplan.errors import InputError


# ------------------------------------------------------------------------------------------------------- cost
@app.command("cost")
def cost_command(
    gpu: str = typer.Option(..., "--gpu", help="GPU id or unambiguous alias, e.g. a100-sxm4-80gb."),
    hours: float = typer.Option(..., "--hours", help="Runtime of the job at full utilization, hours."),
    price: float | None = typer.Option(None, "--price", help="USD per GPU-hour (default: the median of each provider's "
                                       "latest price of --kind; the output's price.basis says which rows)."),
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
