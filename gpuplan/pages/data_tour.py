"""Tables of notebook 01 (the data tour): GPUs side by side, price history, price-performance, MLPerf speedups.

Each function reads the database through :mod:`gpuplan.data` (SQL values as ``?`` placeholders) and returns a
tidy pandas DataFrame whose columns carry units; the ``*_table`` helpers turn one into the notebook's
display table (:func:`gpuplan.charts.table`: column headers with units, number formats). Speedups come from
:func:`gpuplan.runtime.speedup_band` (pairs matched on workload, scenario, scale and precision family).
"""

from __future__ import annotations

import pandas as pd

from gpuplan import charts, data, runtime

#: spec columns shown side by side -> (header with unit, number format)
SPEC_COLUMNS: dict[str, tuple[str, str | None]] = {
    "gpu": ("GPU", None), "memory_gb": ("memory (GB)", "{:.0f}"), "memory_type": ("memory type", None),
    "memory_bandwidth_gbps": ("bandwidth (GB/s)", "{:,.0f}"), "fp32_tflops": ("FP32 (TFLOPS)", "{:.1f}"),
    "tf32_tflops_dense": ("TF32 dense (TFLOPS)", "{:,.1f}"), "bf16_tflops_dense": ("BF16 dense (TFLOPS)", "{:,.1f}"),
    "fp8_tflops_dense": ("FP8 dense (TFLOPS)", "{:,.1f}"), "interconnect": ("interconnect", None),
    "nvlink_gbps": ("NVLink (GB/s)", "{:,.0f}"), "pcie_gen": ("PCIe gen", "{:.0f}"), "tdp_w": ("TDP (W)", "{:,.0f}"),
    "process_node": ("process", None), "source_id": ("source", None),
}


def _display(df: pd.DataFrame, columns: dict[str, tuple[str, str | None]], **table_options) -> charts.Table:
    """``df[columns]`` renamed to the headers with units and formatted (gpuplan.charts.table)."""
    shown = df[list(columns)].rename(columns={k: label for k, (label, _) in columns.items()})
    formats = {label: fmt for label, fmt in columns.values() if fmt}
    return charts.table(shown, formats, **table_options)


def gpu_specs(gpu_ids: list[str] | None = None) -> pd.DataFrame:
    """One row per GPU (all when ``gpu_ids`` is None), by launch date: gpu (short name), gpu_id and the spec
    columns of :data:`SPEC_COLUMNS` (dense tensor throughput, vendor-labelled GB, bidirectional NVLink)."""
    ids = list(data.gpus()["gpu_id"]) if gpu_ids is None else list(gpu_ids)
    specs = data.query(f"""
        SELECT name, gpu_id, {", ".join(c for c in SPEC_COLUMNS if c != "gpu")}
        FROM gpus WHERE list_contains(?, gpu_id) ORDER BY launch_date, gpu_id""", [ids])
    return specs.assign(gpu=data.short_name(specs.pop("name")))


def specs_table(specs: pd.DataFrame) -> charts.Table:
    """The GPUs side by side (:func:`gpu_specs`) as a display table."""
    return _display(specs, SPEC_COLUMNS, name="specs")


def throughput_long(specs: pd.DataFrame) -> pd.DataFrame:
    """Dense tensor throughput in long form for grouped bars: gpu, precision (TF32/BF16/FP8), tflops
    (missing values dropped: empty in the data means no source gave it)."""
    long = specs.melt(id_vars="gpu", value_vars=["tf32_tflops_dense", "bf16_tflops_dense", "fp8_tflops_dense"],
                      var_name="precision", value_name="tflops").dropna()
    return long.assign(precision=long["precision"].str.removesuffix("_tflops_dense").str.upper())


def spec_ratio(specs: pd.DataFrame, column: str, gpu_b: str, gpu_a: str) -> float:
    """``column`` of ``gpu_b`` divided by that of ``gpu_a`` (e.g. H100 over A100 memory bandwidth)."""
    by_id = specs.set_index("gpu_id")[column]
    return float(by_id[gpu_b] / by_id[gpu_a])


def price_history(kind: str, gpu_ids: list[str]) -> pd.DataFrame:
    """Every dated ``kind`` hourly price of ``gpu_ids``: gpu, provider, kind, date_observed, usd_per_gpu_hour,
    source_id, oldest first (for :func:`gpuplan.charts.price_history`)."""
    history = data.query("""
        SELECT g.name, p.provider, p.kind, p.date_observed, p.usd_per_gpu_hour, p.source_id
        FROM prices p JOIN gpus g USING (gpu_id)
        WHERE p.kind = ? AND list_contains(?, p.gpu_id) AND p.date_observed IS NOT NULL
        ORDER BY p.date_observed, g.name, p.provider, p.price_id""", [kind, list(gpu_ids)])
    return history.assign(gpu=data.short_name(history.pop("name")))[
        ["gpu", "provider", "kind", "date_observed", "usd_per_gpu_hour", "source_id"]]


def prices_by_year(gpu_id: str, kind: str) -> pd.DataFrame:
    """Per calendar year of observation: year, observations, low, median and high ``kind`` $/GPU-hour of
    ``gpu_id`` over all providers, and the sources (comma-separated)."""
    return data.query("""
        SELECT year(date_observed) AS year, count(*) AS observations, min(usd_per_gpu_hour) AS low,
               median(usd_per_gpu_hour) AS median, max(usd_per_gpu_hour) AS high,
               string_agg(DISTINCT source_id, ', ' ORDER BY source_id) AS sources
        FROM prices WHERE gpu_id = ? AND kind = ? AND date_observed IS NOT NULL
        GROUP BY year ORDER BY year""", [gpu_id, kind])


def prices_by_year_table(by_year: pd.DataFrame, caption: str) -> charts.Table:
    """:func:`prices_by_year` as a display table."""
    usd = "${:.2f}"
    return _display(by_year, {"year": ("year", None), "observations": ("observations", None),
                              "low": ("low ($/GPU-h)", usd), "median": ("median ($/GPU-h)", usd),
                              "high": ("high ($/GPU-h)", usd), "sources": ("sources", None)},
                    caption=caption, name="history")


def price_performance(kind: str, gpu_ids: list[str]) -> pd.DataFrame:
    """Median over providers of the latest ``kind`` price (view ``price_performance``): gpu, gpu_id,
    providers, usd_per_gpu_hour, usd_per_dense_pflop_hour (BF16), usd_per_tbps_hour, usd_per_gb_hour;
    cheapest dense PFLOP-hour first."""
    pp = data.query("""
        SELECT name, gpu_id, count(*) AS providers, median(usd_per_gpu_hour) AS usd_per_gpu_hour,
               median(usd_per_dense_pflop_hour) AS usd_per_dense_pflop_hour,
               median(usd_per_tbps_hour) AS usd_per_tbps_hour, median(usd_per_gb_hour) AS usd_per_gb_hour,
               min(date_observed) AS first_observed, max(date_observed) AS last_observed
        FROM price_performance WHERE kind = ? AND list_contains(?, gpu_id)
        GROUP BY ALL ORDER BY usd_per_dense_pflop_hour NULLS LAST, gpu_id""", [kind, list(gpu_ids)])
    observed = [("undated" if pd.isna(a) else f"{a:%Y-%m-%d}" if a == b else f"{a:%Y-%m-%d} to {b:%Y-%m-%d}")
                for a, b in zip(pp["first_observed"], pp["last_observed"], strict=True)]
    return pp.assign(gpu=data.short_name(pp.pop("name")), observed=observed)[
        ["gpu", "gpu_id", "providers", "usd_per_gpu_hour", "observed", "usd_per_dense_pflop_hour",
         "usd_per_tbps_hour", "usd_per_gb_hour"]]


def price_performance_table(pp: pd.DataFrame) -> charts.Table:
    """:func:`price_performance` as a display table."""
    return _display(pp, {"gpu": ("GPU", None), "providers": ("providers", None),
                         "usd_per_gpu_hour": ("$/GPU-hour", "${:.2f}"), "observed": ("prices observed", None),
                         "usd_per_dense_pflop_hour": ("$/dense PFLOP-hour", "${:.2f}"),
                         "usd_per_tbps_hour": ("$/TB/s-hour", "${:.2f}"), "usd_per_gb_hour": ("$/GB-hour", "${:.3f}")},
                    name="pp")


def price_performance_long(pp: pd.DataFrame) -> pd.DataFrame:
    """gpu, measure ('$ per dense BF16 PFLOP-hour' / '$ per TB/s-hour'), usd: for grouped bars."""
    long = pp.melt(id_vars="gpu", value_vars=["usd_per_dense_pflop_hour", "usd_per_tbps_hour"],
                   var_name="measure", value_name="usd").dropna()
    return long.assign(measure=long["measure"].map({"usd_per_dense_pflop_hour": "$ per dense BF16 PFLOP-hour",
                                                    "usd_per_tbps_hour": "$ per TB/s-hour"}))


def mlperf_speedups(baseline_gpu: str, gpu_ids: list[str]) -> pd.DataFrame:
    """Every matched MLPerf pair (runtime.speedup_band's ``pairs``) of each GPU in ``gpu_ids`` against
    ``baseline_gpu``, with a ``gpu`` label column; other suites are left out."""
    frames = [runtime.speedup_band(baseline_gpu, gid)["pairs"].assign(gpu=data.short_name(data.gpu(gid)["name"]))
              for gid in gpu_ids if gid != baseline_gpu]
    pairs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["gpu", "suite", "speedup"])
    return pairs[pairs["suite"].str.startswith("MLPerf")].reset_index(drop=True)


def speedup_summary(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per gpu and suite: comparisons, low, median and high speedup (×) of :func:`mlperf_speedups`."""
    return pairs.groupby(["gpu", "suite"]).agg(
        comparisons=("speedup", "size"), low=("speedup", "min"), median=("speedup", "median"),
        high=("speedup", "max")).reset_index()


def speedup_summary_table(summary: pd.DataFrame, caption: str) -> charts.Table:
    """:func:`speedup_summary` as a display table."""
    return _display(summary, {"gpu": ("GPU", None), "suite": ("suite", None), "comparisons": ("comparisons", None),
                              "low": ("low (×)", "{:.2f}"), "median": ("median (×)", "{:.2f}"),
                              "high": ("high (×)", "{:.2f}")}, caption=caption, name="mlperf")


def speedup_stats(pairs: pd.DataFrame, gpu_prefix: str) -> dict:
    """low, median, high speedup and the number of comparisons of the GPUs whose label starts with
    ``gpu_prefix`` (e.g. 'H100 80GB SXM'); numbers are None when there is none."""
    rows = pairs.loc[pairs["gpu"].str.startswith(gpu_prefix), "speedup"]
    stats = {"low": rows.min(), "median": rows.median(), "high": rows.max()}
    return {k: (float(v) if len(rows) else None) for k, v in stats.items()} | {"comparisons": int(len(rows))}
