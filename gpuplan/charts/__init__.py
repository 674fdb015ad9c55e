"""Altair chart builders for the notebooks: every chart has a title, axis titles with units and tooltips.

The interactive builders (:func:`cost_per_task`, :func:`breakeven_plane`) carry Altair parameters bound to
sliders (hourly price per GPU, utilization, reruns per 100 jobs, GPUs per job) and recompute in the page
with Vega expressions, so a reader of the published HTML can try their own numbers without Python. Their
expressions repeat the cost model of :mod:`gpuplan.cost` (the worksheet of the HappyHorse article, 2026-04:
runtime × hourly price, adjusted for utilization and reruns); :func:`cost_expression` is that formula as a
Vega expression, and tests check it against the Python numbers.

Builders take tidy pandas DataFrames (one row per mark) and return ``alt.Chart``/``alt.LayerChart`` objects;
they never read data themselves.

Modules: :mod:`~gpuplan.charts.base` (theme, width, colours), :mod:`~gpuplan.charts.tables` (display tables),
:mod:`~gpuplan.charts.plots` (static charts), :mod:`~gpuplan.charts.interactive` (slider charts and the cost
expression), :mod:`~gpuplan.charts.serving` (notebook 07's charts); every name is importable from here.
"""

from gpuplan.charts.base import WIDTH
from gpuplan.charts.interactive import (
    BATCH_LINEAR_COMPONENTS,
    VegaTerm,
    breakeven_plane,
    cost_expression,
    cost_per_task,
    memory_breakdown,
    slider,
)
from gpuplan.charts.plots import grouped_bars, price_history, scaling_curves, scatter, tornado
from gpuplan.charts.serving import SERVING_THROUGHPUT, serving_cost_bars, serving_frontier, usd_per_million_expression
from gpuplan.charts.tables import MISSING, SIGNIFICANT, Table, cell, header, number, table

__all__ = [
    "WIDTH", "MISSING", "SIGNIFICANT", "Table", "cell", "header", "number", "table", "grouped_bars",
    "price_history", "scaling_curves", "scatter", "tornado", "BATCH_LINEAR_COMPONENTS", "VegaTerm",
    "breakeven_plane", "cost_expression", "cost_per_task", "memory_breakdown", "slider", "SERVING_THROUGHPUT",
    "serving_cost_bars", "serving_frontier", "usd_per_million_expression",
]
