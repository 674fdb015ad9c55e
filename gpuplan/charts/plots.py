"""Static charts: grouped bars, price history, tornado, scaling curves and scatter/strip charts."""

from __future__ import annotations

import altair as alt
import pandas as pd

from gpuplan.charts.base import WIDTH, _color, _fields
from gpuplan.charts.tables import _WORDS


def grouped_bars(df: pd.DataFrame, category: str, value: str, group: str, *, title: str, value_title: str,
                 category_title: str | None = None, tooltip: list[str] | None = None) -> alt.Chart:
    """Horizontal bars of ``value`` per ``category``, one bar per ``group`` (colour), e.g. TFLOPS per
    precision per GPU. ``value_title`` carries the unit (e.g. "dense TFLOPS")."""
    return (
        alt.Chart(df, title=title, width=WIDTH)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", title=category_title or category, sort=None),
            yOffset=alt.YOffset(f"{group}:N", sort=None),
            x=alt.X(f"{value}:Q", title=value_title),
            color=alt.Color(f"{group}:N", title=group, sort=None),
            tooltip=tooltip or [category, group, alt.Tooltip(f"{value}:Q", format=",.4~g")],
        )
    )


def price_history(df: pd.DataFrame, *, title: str = "On-demand price per GPU-hour over time") -> alt.Chart:
    """Price observations (``date_observed``, ``usd_per_gpu_hour``) as points, colour = GPU, with one line
    per GPU and provider (how that provider's price moved). Expects columns gpu, provider, date_observed,
    usd_per_gpu_hour (+ kind, source_id for the tooltip)."""
    base = alt.Chart(df, title=title, width=WIDTH, height=320).encode(
        x=alt.X("date_observed:T", title="date observed"),
        y=alt.Y("usd_per_gpu_hour:Q", title="USD per GPU-hour"),
        color=alt.Color("gpu:N", title="GPU", legend=alt.Legend(labelLimit=400)),
        tooltip=_fields(df, ["gpu", "provider", "kind", "date_observed", "usd_per_gpu_hour", "source_id"]),
    )
    return base.mark_line(opacity=0.5).encode(detail="provider:N") + base.mark_point(filled=True, size=60)


def tornado(df: pd.DataFrame, *, value_title: str, low: str = "difference_low_usd",
            high: str = "difference_high_usd", base: str = "base_difference_usd",
            title: str = "Which input moves the result most") -> alt.LayerChart:
    """Sensitivity bars (the table of gpuplan.breakeven.sensitivity): one row per input, a bar from the
    result at the input's low value to the result at its high value, sorted by swing (widest on top), with a
    rule at the base result and a rule at zero (where the decision flips for a cost difference)."""
    data = df.assign(_span=(df[high] - df[low]).abs())
    tooltip = [alt.Tooltip(f"{name}:Q", format=".3~f") for name in _fields(data, ["base_value", "low", "high"])]
    tooltip += [alt.Tooltip(f"{low}:Q", format=".2f", title="result at low"),
                alt.Tooltip(f"{high}:Q", format=".2f", title="result at high")]
    bars = alt.Chart(data).mark_bar().encode(
        y=alt.Y("input:N", title=None, sort=alt.EncodingSortField("_span", order="descending")),
        x=alt.X(f"{low}:Q", title=value_title),
        x2=f"{high}:Q",
        color=alt.Color("flips:N", title="flips the decision") if "flips" in data.columns else alt.Undefined,
        tooltip=["input:N"] + tooltip,
    )
    base_rule = alt.Chart(data.head(1)).mark_rule(color="black").encode(x=f"{base}:Q")
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="gray", strokeDash=[4, 3]).encode(x="zero:Q")
    return alt.layer(bars, base_rule, zero, title=title, width=WIDTH)


def scaling_curves(df: pd.DataFrame, y: str, *, y_title: str, title: str,
                   color: str = "setup", log_y: bool = False) -> alt.Chart:
    """Lines of ``y`` against gpu_count (log2 axis, 1…1024) per ``color`` (e.g. "A100 · NVLink 600 GB/s")."""
    return alt.Chart(df, title=title, width=WIDTH, height=320).mark_line(point=True).encode(
        x=alt.X("gpu_count:Q", title="GPUs", scale=alt.Scale(type="log", base=2)),
        y=alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(type="log") if log_y else alt.Undefined),
        color=alt.Color(f"{color}:N", title=None, legend=alt.Legend(labelLimit=400)),
        tooltip=[color, "gpu_count", alt.Tooltip(f"{y}:Q", format=".3~g")],
    )


def scatter(df: pd.DataFrame, x: str, y: str, color: str, *, x_title: str, y_title: str, title: str,
            log_x: bool = False, log_y: bool = False, line: bool = False,
            tooltip: list[str] | None = None) -> alt.Chart:
    """Points of ``y`` vs ``x`` per ``color`` (optionally joined by lines): cost vs time frontiers, model vs
    MLPerf comparisons.

    A text ``y`` (e.g. workload) makes a strip chart without overplotting: one row per category, one lane per
    ``color`` inside it (yOffset), translucent points (overlaps show as darker dots; the tooltip has each
    point), and a legend to click to pick one ``color`` out (the others fade)."""
    categorical = not pd.api.types.is_numeric_dtype(df[y])
    tooltip = tooltip or [color, alt.Tooltip(f"{x}:Q", format=".3~g")] + (
        [y] if categorical else [alt.Tooltip(f"{y}:Q", format=".3~g")])
    x_enc = alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(type="log") if log_x else alt.Undefined)
    if categorical:
        pick = alt.selection_point(fields=[color], bind="legend", name="legend_pick")
        return alt.Chart(df, title=alt.Title(title, subtitle="Click a legend entry to pick it out"), width=WIDTH,
                         height=alt.Step(3, **{"for": "offset"})).mark_point(
            filled=True, size=30, strokeWidth=0).encode(
            x=x_enc, y=alt.Y(f"{y}:N", title=y_title, sort=None), yOffset=alt.YOffset(f"{color}:N"),
            color=_color(color, df, title=f"{_WORDS.get(color, color)} (click to pick)"),
            opacity=alt.condition(pick, alt.value(0.7), alt.value(0.08)), tooltip=tooltip).add_params(pick)
    chart = alt.Chart(df, title=title, width=WIDTH, height=320)
    mark = chart.mark_line(point=True) if line else chart.mark_point(filled=True, size=60)
    return mark.encode(
        x=x_enc,
        y=alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(type="log") if log_y else alt.Undefined),
        color=_color(color, df),
        tooltip=tooltip,
    )
