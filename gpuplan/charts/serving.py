"""Serving charts (notebook 07, gpuplan.serving_search): the throughput-vs-interactivity frontier and $ per million
tokens, with the Vega expression generated from the cost rule."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from gpuplan.charts.base import WIDTH, _color, _fields
from gpuplan.charts.interactive import _price_params, cost_expression, slider

#: $ per million tokens column -> the throughput per GPU it is priced on (gpuplan.serving._usd_per_million)
SERVING_THROUGHPUT = {"usd_per_million_output_tokens": "output_tokens_per_s_per_gpu",
                      "usd_per_million_tokens": "total_tokens_per_s_per_gpu"}


def usd_per_million_expression(tokens_per_s: str, price: str = "price", utilization: str = "utilization") -> str:
    """$ per million tokens as a Vega expression: the cost of the GPU time that serves 10^6 tokens, i.e.
    gpuplan.cost.cost_per_job (through :func:`cost_expression`, generated from usd_per_useful_gpu_hour) of
    10^6 / (tokens/s per GPU × 3600) hours on one GPU — gpuplan.serving._usd_per_million — at utilization u
    (the share of the paid hours the server runs at this load; idle hours are paid too)."""
    return cost_expression(runtime=f"(1000000 / ({tokens_per_s} * 3600))", price=price, utilization=utilization,
                           reruns="0", gpu_count="1")


def serving_frontier(df: pd.DataFrame, *, title: str, target_tps_per_user: float | None = None) -> alt.LayerChart:
    """Throughput against interactivity: one line per GPU (column ``gpu``) of output tokens/s per GPU against
    tokens/s per user (the Pareto frontier of gpuplan.serving_search.pareto; both axes log). Click a GPU in the
    legend to pick it out (the others fade).

    What-if: ``target_tps_per_user`` (the SLA, e.g. 1000 / TPOT ms) adds a "TPOT target (ms)" slider starting at
    that target, over the TPOTs of the frontier; the dashed rule sits at 1000 / TPOT tokens/s per user and a
    diamond marks, on each GPU's line, the most output tokens/s per GPU among its points with TPOT ≤ the
    target (``tpot_ms`` column, else 1000 / tokens_per_s_per_user; the TTFT target is not re-checked here)."""
    pick = alt.selection_point(fields=["gpu"], bind="legend", name="gpu_pick")
    tooltip = ["gpu", "tp", "precision", "kv_dtype", "concurrency"] + [
        alt.Tooltip(f"{c}:Q", format=",.3~r") for c in _fields(df, ["tokens_per_s_per_user", "output_tokens_per_s_per_gpu",
                                                                 "tpot_ms", "ttft_ms", "usd_per_million_output_tokens"])]
    tooltip = [t for t in tooltip if not isinstance(t, str) or t in df.columns]
    x = alt.X("tokens_per_s_per_user:Q", title="tokens/s per user (1 / TPOT, log)", scale=alt.Scale(type="log"))
    y = alt.Y("output_tokens_per_s_per_gpu:Q", title="output tokens/s per GPU (log)", scale=alt.Scale(type="log"))
    color = _color("gpu", df, title="GPU (click to pick)")
    lines = alt.Chart(df).mark_line(point=True).encode(
        x=x, y=y, color=color, order="tokens_per_s_per_user:Q",
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.12)),
        tooltip=tooltip,
    ).add_params(pick)
    layers, params, subtitle = [lines], [], alt.Undefined
    if target_tps_per_user:
        tpot = df["tpot_ms"] if "tpot_ms" in df.columns else 1000 / df["tokens_per_s_per_user"]
        target = round(1000 / float(target_tps_per_user), 6)
        params.append(slider("tpot_target_ms", target, low=max(1.0, math.floor(float(tpot.min()))),
                             high=math.ceil(float(tpot.max())), step=1.0, label="TPOT target (ms) "))
        tpot_of = "datum.tpot_ms" if "tpot_ms" in df.columns else "(1000 / datum.tokens_per_s_per_user)"
        rule = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(strokeDash=[4, 3], color="black").transform_calculate(
            tokens_per_s_per_user="1000 / tpot_target_ms").encode(
            x="tokens_per_s_per_user:Q", tooltip=[alt.Tooltip("tokens_per_s_per_user:Q", title="target", format=",.3~r")])
        best = (alt.Chart(df).transform_filter(f"{tpot_of} <= tpot_target_ms")
                .transform_joinaggregate(best="max(output_tokens_per_s_per_gpu)", groupby=["gpu"])
                .transform_filter("datum.output_tokens_per_s_per_gpu >= datum.best")
                .mark_point(shape="diamond", size=140, filled=True, stroke="black", strokeWidth=1)
                .encode(x=x, y=y, color=color, tooltip=[alt.Tooltip("gpu:N", title="best at the target: GPU")] + [
                    t for t in tooltip if t != "gpu"]))
        layers += [rule, best]
        subtitle = "Drag the TPOT target: the diamonds mark each GPU's best throughput that meets it"
    chart = alt.layer(*layers, title=alt.Title(title, subtitle=subtitle), width=WIDTH, height=340)
    return chart.add_params(*params) if params else chart


def serving_cost_bars(df: pd.DataFrame, *, title: str, value: str = "usd_per_million_output_tokens",
                      value_title: str = "USD per million output tokens", max_usd: float | None = None) -> alt.Chart:
    """Horizontal bars of $ per million tokens per GPU (column ``gpu``), cheapest first, one colour per
    ``model`` when the frame has that column; the tooltip names the configuration behind each bar.

    What-if (when the frame has usd_per_gpu_hour and the throughput ``value`` is priced on,
    :data:`SERVING_THROUGHPUT`): one $/GPU-hour slider per GPU (starting at its price, $0.01 steps) and a
    utilization slider (share of the paid hours the server runs at this load, 0.05-1); the bars recompute with
    :func:`usd_per_million_expression` and re-sort."""
    color = alt.Color("model:N", title="model") if "model" in df.columns else alt.Undefined
    offset = alt.YOffset("model:N") if "model" in df.columns else alt.Undefined
    tooltip = _fields(df, ["model", "gpu", "tp", "precision", "kv_dtype", "concurrency"]) + [
        alt.Tooltip(f"{c}:Q", format=",.3~r") for c in _fields(df, ["tpot_ms", "ttft_ms", "output_tokens_per_s_per_gpu"])]
    throughput = SERVING_THROUGHPUT.get(value)
    chart = alt.Chart(df, width=WIDTH)
    shown = value
    prices = df.groupby("gpu", sort=False)["usd_per_gpu_hour"].unique() if "usd_per_gpu_hour" in df.columns else None
    if throughput in df.columns and prices is not None:
        fixed = {gpu: float(p[0]) for gpu, p in prices.items() if len(p) == 1}
        price_params, price_expr = _price_params(fixed, max_usd)
        util = slider("utilization", 1.0, low=0.05, high=1.0, step=0.01, label="utilization ")
        chart = chart.add_params(*price_params, util).transform_calculate(
            usd_per_gpu_hour_used=price_expr).transform_calculate(
            usd_shown=usd_per_million_expression(f"datum.{throughput}", price="datum.usd_per_gpu_hour_used"))
        shown = "usd_shown"
        tooltip.append(alt.Tooltip("usd_per_gpu_hour_used:Q", format="$.2f", title="USD per GPU-hour"))
        title = alt.Title(title, subtitle="Drag the sliders: each GPU's $/GPU-hour and the utilization")
    elif "usd_per_gpu_hour" in df.columns:
        tooltip.append(alt.Tooltip("usd_per_gpu_hour:Q", format="$.2f", title="USD per GPU-hour"))
    tooltip.insert(len(_fields(df, ["model", "gpu"])), alt.Tooltip(f"{shown}:Q", format=",.3~r", title=value_title))
    return chart.properties(title=title).mark_bar().encode(
        y=alt.Y("gpu:N", title=None, sort=alt.EncodingSortField(shown, op="min", order="ascending")),
        yOffset=offset, x=alt.X(f"{shown}:Q", title=value_title), color=color, tooltip=tooltip)
