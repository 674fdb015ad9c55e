"""Tables of notebook 05 (scaling): the curves of several GPUs with setup labels, the table at one GPU count, the
glued headline numbers, hourly prices for the frontier, the data-loading case of the articles and the MLPerf
comparison in long form. Built on :mod:`gpuplan.scaling` and :mod:`gpuplan.scaling_mlperf`; ``scaling.<name>``
still reaches every name here."""

from __future__ import annotations

import pandas as pd

from gpuplan import assumptions, data
from gpuplan.errors import InputError
from gpuplan.params import price_or_latest
from gpuplan.scaling import DEFAULT_COUNTS, data_loading_bound, frontier, scaling_curve
from gpuplan.validators import check_count, check_positive


def setup_label(gpu_id: str) -> str:
    """"H100 80GB SXM5 · NVLink 900 GB/s" or "H100 80GB PCIe · PCIe Gen5": the GPU and its intra-node link."""
    gpu = data.gpu(data.resolve_gpu(gpu_id))
    link = f"NVLink {gpu['nvlink_gbps']:.0f} GB/s" if gpu["interconnect"] != "pcie" else f"PCIe Gen{gpu['pcie_gen']}"
    return f"{data.short_name(gpu['name'])} · {link}"


def curves(params: float, tokens: float, gpu_ids, gpu_count: int | None = None, **kwargs) -> pd.DataFrame:
    """:func:`scaling_curve` for every GPU in ``gpu_ids`` over DEFAULT_COUNTS (plus ``gpu_count`` when given, so
    the count quoted in the text is always on the curve), stacked, with ``setup`` (:func:`setup_label`) and the
    count renamed ``gpu_count`` (the charts' column). Extra keyword arguments go to scaling_curve."""
    counts = sorted(set(DEFAULT_COUNTS) | ({check_count("gpu_count", gpu_count)} if gpu_count is not None else set()))
    frame = pd.concat([scaling_curve(params, data.resolve_gpu(g), counts, tokens=tokens, **kwargs) for g in gpu_ids],
                      ignore_index=True)
    return frame.assign(setup=frame["gpu_id"].map(setup_label)).rename(columns={"n": "gpu_count"})


#: display names and formats of the at-a-count table
AT_COUNT_COLUMNS = {"setup": "setup", "bus_gbps": "all-reduce bus bandwidth (GB/s)", "step_seconds": "step (s)",
                    "exposed_comm_seconds": "exposed all-reduce (s)", "efficiency": "efficiency",
                    "hours": "hours to train"}
AT_COUNT_FORMATS = {"all-reduce bus bandwidth (GB/s)": "{:.1f}", "step (s)": "{:.3f}", "exposed all-reduce (s)": "{:.3f}",
                    "efficiency": "{:.1%}", "hours to train": "{:,.1f}"}


def at_count(curves_frame: pd.DataFrame, gpu_count: int) -> pd.DataFrame:
    """The rows of :func:`curves` at ``gpu_count`` GPUs, with readable column names (:data:`AT_COUNT_COLUMNS`);
    a count not on the curves (they run over DEFAULT_COUNTS unless told otherwise) -> InputError."""
    rows = curves_frame[curves_frame["gpu_count"] == gpu_count]
    if rows.empty:
        raise InputError("gpu_count", f"{gpu_count} is not among the counts computed "
                                      f"({', '.join(map(str, sorted(curves_frame['gpu_count'].unique())))})")
    return rows[list(AT_COUNT_COLUMNS)].rename(columns=AT_COUNT_COLUMNS).reset_index(drop=True)


def headline(curves_frame: pd.DataFrame, gpu_count: int) -> dict[str, float]:
    """Glue names of the scaling notebook: scaling_efficiency_{a100,h100} and hours_to_train_{a100,h100} of the
    A100 80GB SXM and H100 80GB SXM at ``gpu_count`` (those on the curves) plus gpu_count itself."""
    at = curves_frame[curves_frame["gpu_count"] == gpu_count].set_index("gpu_id")
    out: dict[str, float] = {"gpu_count": gpu_count}
    for gpu_id, short in (("a100-sxm4-80gb", "a100"), ("h100-sxm5-80gb", "h100")):
        if gpu_id in at.index:
            out[f"scaling_efficiency_{short}"] = float(at.loc[gpu_id, "efficiency"])
            out[f"hours_to_train_{short}"] = float(at.loc[gpu_id, "hours"])
    return out


def hourly_prices(gpu_ids, given: dict[str, tuple[str, float | None]] | None = None,
                  provider: str | None = None, catalog: str | None = None) -> dict[str, float]:
    """gpu id -> $/GPU-hour for every GPU: the value given for it (``given`` maps gpu id -> (parameter name,
    value or None)), else ``provider``'s latest on-demand price, else the market median over providers
    (gpuplan.params.price_or_latest with any_provider=True). No price anywhere -> InputError naming the parameter."""
    given = given or {}
    return {gid: price_or_latest(*given.get(gid, ("price", None)), gid, provider=provider, any_provider=True,
                                 catalog=catalog)["usd_per_gpu_hour"] for gid in gpu_ids}


def frontier_table(params: float, tokens: float, prices: dict[str, float], **kwargs) -> pd.DataFrame:
    """:func:`frontier` over the GPUs priced in ``prices`` (gpu id -> $/GPU-hour), with ``setup`` labels."""
    frame = frontier(params, tokens, list(prices), prices=prices, **kwargs)
    return frame.assign(setup=frame["gpu_id"].map(setup_label))


#: storage read rates quoted by the HappyHorse article (April 2026, "H100 vs A100 for AI Video Generation"),
#: GiB/s: (GPU, GPUs in the setup) -> rate. The article's figures, not measurements in our data
#: (gpuplan.assumptions 'article_storage_gibps').
ARTICLE_STORAGE_GIBPS = assumptions.value("article_storage_gibps")


def loading_case(samples_per_s_per_gpu_a100: float, bytes_per_sample: float, h100_speedup: float,
                 storage_gibps: dict | None = None) -> pd.DataFrame:
    """:func:`data_loading_bound` for each (GPU, count) of ``storage_gibps`` (default the article's rates): an
    A100 consumes ``samples_per_s_per_gpu_a100`` samples/s, an H100 ``h100_speedup`` times as many (pass the
    median observed training speedup). Columns gpu, gpus, needed (GiB/s), storage (GiB/s), GPU time fed,
    input-bound."""
    speedup = check_positive("h100_speedup", h100_speedup)
    rows = [{"gpu": gpu, "gpus": n, **data_loading_bound(samples_per_s_per_gpu_a100 * (speedup if gpu == "H100" else 1.0),
                                                         bytes_per_sample, rate, gpus=n)}
            for (gpu, n), rate in (storage_gibps or ARTICLE_STORAGE_GIBPS).items()]
    return pd.DataFrame(rows).rename(columns={"needed_gibps": "needed (GiB/s)", "storage_gibps": "storage (GiB/s)",
                                              "fed_fraction": "GPU time fed", "input_bound": "input-bound"})


def mlperf_long(comparison: pd.DataFrame) -> pd.DataFrame:
    """:func:`compare_mlperf` in long form for a chart: one row per (result, series) with series observed,
    predicted or ideal and its ``time_ratio``."""
    frame = comparison.melt(id_vars=["round", "model", "gpu_id", "n"],
                            value_vars=["observed_ratio", "predicted_ratio", "ideal_ratio"],
                            var_name="series", value_name="time_ratio")
    return frame.assign(series=frame["series"].str.removesuffix("_ratio"))
