"""Altair chart builders for the notebooks: every chart has a title, axis titles with units and tooltips.

The interactive builders (:func:`cost_per_task`, :func:`breakeven_plane`) carry Altair parameters bound to
sliders (hourly price per GPU, utilization, reruns per 100 jobs, GPUs per job) and recompute in the page
with Vega expressions, so a reader of the published HTML can try their own numbers without Python. Their
expressions repeat the cost model of :mod:`gpuplan.cost` (the worksheet of the HappyHorse article, 2026-04:
runtime × hourly price, adjusted for utilization and reruns); :func:`cost_expression` is that formula as a
Vega expression, and tests check it against the Python numbers.

Builders take tidy pandas DataFrames (one row per mark) and return ``alt.Chart``/``alt.LayerChart`` objects;
they never read data themselves.
"""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
from pandas.io.formats.style import Styler

#: pixel width of every chart's plot area: with axis labels it fits the book's text column (~700 px)
WIDTH = 420


@alt.theme.register("gpuplan", enable=True)
def _theme() -> alt.theme.ThemeConfig:
    """Legends below the plot, so a chart with a legend is no wider than the text column."""
    return {"config": {"legend": {"orient": "bottom", "columns": 3}}}


def _slug(text: str) -> str:
    """A Vega-safe parameter name from a label (letters, digits, underscore; starts with a letter)."""
    slug = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    return slug if slug[:1].isalpha() else f"p_{slug}"


def _fields(df: pd.DataFrame, wanted: list[str]) -> list[str]:
    return [name for name in wanted if name in df.columns]


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


def memory_breakdown(components: pd.DataFrame, capacities: pd.DataFrame, *,
                     title: str = "Memory needed per GPU vs capacity") -> alt.LayerChart:
    """Stacked bar of memory per component (columns workload, component, gib) with a vertical rule at each
    GPU's usable capacity (columns gpu, capacity_gib), labelled with the GPU name."""
    bars = alt.Chart(components).mark_bar().encode(
        y=alt.Y("workload:N", title=None, sort=None),
        x=alt.X("sum(gib):Q", title="GiB per GPU (2^30 bytes)"),
        color=alt.Color("component:N", title="component", sort=None),
        order=alt.Order("component_order:Q") if "component_order" in components.columns else alt.Undefined,
        tooltip=["workload", "component", alt.Tooltip("gib:Q", format=".2f", title="GiB")],
    )
    rules = alt.Chart(capacities).mark_rule(strokeDash=[4, 3], color="black").encode(
        x="capacity_gib:Q", tooltip=["gpu", alt.Tooltip("capacity_gib:Q", format=".1f", title="capacity GiB")])
    labels = alt.Chart(capacities).mark_text(angle=270, align="left", dx=4, dy=-4, fontSize=10).encode(
        x="capacity_gib:Q", text="gpu:N")
    return alt.layer(bars, rules, labels, title=title, width=WIDTH,
                     height=alt.Step(28))


def cost_expression(runtime: str = "datum.runtime_hours", price: str = "price",
                    utilization: str = "utilization", reruns: str = "reruns_per_100",
                    gpu_count: str = "datum.gpu_count") -> str:
    """The cost of one finished job as a Vega expression: ``runtime_hours × gpu_count ×`` the rate of
    :func:`gpuplan.cost.usd_per_useful_gpu_hour` (generated from that function, not retyped).

    Source: the break-even worksheet in "H100 vs A100 for AI Video Generation" (HappyHorse, 2026-04):
    runtime × hourly price, adjusted for utilization and failed runs."""
    from gpuplan.cost import usd_per_useful_gpu_hour

    rate = usd_per_useful_gpu_hour(VegaTerm(price), VegaTerm(utilization), VegaTerm(reruns))
    return f"{runtime} * {gpu_count} * {rate}"


class VegaTerm:
    """A Vega expression under construction: arithmetic on terms (and numbers) builds the expression text, so a
    formula written once in Python can be emitted for a chart."""

    def __init__(self, text: str):
        self.text = str(text)

    def _op(self, op: str, other, reverse: bool = False) -> "VegaTerm":
        other = other.text if isinstance(other, VegaTerm) else repr(float(other)).removesuffix(".0")
        left, right = (other, self.text) if reverse else (self.text, other)
        return VegaTerm(f"({left} {op} {right})")

    def __add__(self, other): return self._op("+", other)  # noqa: E704
    def __radd__(self, other): return self._op("+", other, True)  # noqa: E704
    def __sub__(self, other): return self._op("-", other)  # noqa: E704
    def __rsub__(self, other): return self._op("-", other, True)  # noqa: E704
    def __mul__(self, other): return self._op("*", other)  # noqa: E704
    def __rmul__(self, other): return self._op("*", other, True)  # noqa: E704
    def __truediv__(self, other): return self._op("/", other)  # noqa: E704
    def __rtruediv__(self, other): return self._op("/", other, True)  # noqa: E704

    def __str__(self) -> str:
        return self.text


def _price_params(prices: dict[str, float], max_usd: float) -> tuple[list, str]:
    """One slider per GPU in ``prices`` (label -> default $/GPU-hour) and the Vega expression that picks the
    slider for the row's GPU (``datum.gpu``) or else the row's own ``usd_per_gpu_hour``."""
    params, expr = [], "datum.usd_per_gpu_hour"
    for label, default in prices.items():
        name = f"price_{_slug(label)}"
        params.append(alt.param(name=name, value=round(float(default), 2), bind=alt.binding_range(
            min=0, max=max_usd, step=0.05, name=f"{label} $/GPU-hour ")))
        expr = f"datum.gpu === {label!r} ? {name} : ({expr})"
    return params, expr


def cost_per_task(df: pd.DataFrame, prices: dict[str, float], *, utilization: float = 1.0,
                  reruns_per_100: float = 0.0, max_usd: float = 15.0,
                  title: str = "Cost of one finished job") -> alt.LayerChart:
    """Interactive cost per finished job per GPU.

    ``df`` has one row per GPU: gpu (label), runtime_hours (wall-clock hours of one run on gpu_count GPUs),
    gpu_count, usd_per_gpu_hour (data price, used for GPUs without a slider), source_id, and optionally
    extra_usd (per-job costs that do not scale with GPU time: queue wait priced at the value of an hour,
    storage, egress — gpuplan.cost.cost_per_job's queue_usd + storage_usd + egress_usd). ``prices`` maps the
    GPU labels that get a price slider to their starting $/GPU-hour. Sliders: each price, utilization,
    reruns per 100 jobs, and GPUs per job (the run's wall-clock time scales as gpu_count/n: linear scaling
    assumed here; the Scaling notebook shows the real efficiency). Bars are labelled with the cost in USD.
    """
    price_params, price_expr = _price_params(prices, max_usd)
    util = alt.param(name="utilization", value=float(utilization),
                     bind=alt.binding_range(min=0.05, max=1, step=0.05, name="utilization "))
    reruns = alt.param(name="reruns_per_100", value=float(reruns_per_100),
                       bind=alt.binding_range(min=0, max=100, step=1, name="reruns per 100 jobs "))
    count = alt.param(name="gpus_per_job", value=0,
                      bind=alt.binding_range(min=0, max=64, step=1, name="GPUs per job (0 = as measured) "))
    n = "(gpus_per_job > 0 ? gpus_per_job : datum.gpu_count)"
    base = (
        alt.Chart(df, title=alt.Title(title, subtitle="Drag the sliders: price, utilization, reruns, GPUs per job"),
                  width=WIDTH)
        .add_params(*price_params, util, reruns, count)
        .transform_calculate(usd_per_gpu_hour_used=price_expr)
        .transform_calculate(gpus_used=n)
        .transform_calculate(hours_used=f"datum.runtime_hours * datum.gpu_count / datum.gpus_used")
        .transform_calculate(cost_per_job_usd=cost_expression(
            runtime="datum.hours_used", price="datum.usd_per_gpu_hour_used", gpu_count="datum.gpus_used")
            + (" + datum.extra_usd" if "extra_usd" in df.columns else ""))
        .encode(
            y=alt.Y("gpu:N", title=None, sort="x"),  # cheapest first, re-sorted as sliders move
            x=alt.X("cost_per_job_usd:Q", title="USD per finished job"),
        )
    )
    tooltip = [
        "gpu:N",
        alt.Tooltip("cost_per_job_usd:Q", format="$.2f", title="cost per job (USD)"),
        alt.Tooltip("usd_per_gpu_hour_used:Q", format="$.2f", title="USD per GPU-hour"),
        alt.Tooltip("hours_used:Q", format=".2f", title="wall-clock hours per run"),
        alt.Tooltip("gpus_used:Q", title="GPUs"),
    ] + _fields(df, ["speedup", "comparisons", "source_id"])
    bars = base.mark_bar().encode(color=alt.Color("gpu:N", legend=None), tooltip=tooltip)
    text = base.mark_text(align="left", dx=3).encode(text=alt.Text("cost_per_job_usd:Q", format="$.2f"))
    return bars + text


def breakeven_plane(observed: pd.DataFrame, price_a: float, price_b: float, *, label_a: str = "A100",
                    label_b: str = "H100", utilization_a: float = 1.0, utilization_b: float = 1.0,
                    max_ratio: float = 5.0, max_usd: float = 15.0, title: str | None = None) -> alt.LayerChart:
    """The plane of speedup (B over A) vs price ratio (B $/h ÷ A $/h) with the break-even line speedup =
    price ratio (B is cheaper per job above it: cost_B/cost_A = ratio/speedup), and the observed speedups
    (``observed``: columns workload, speedup, source_id) drawn at the price ratio set by two sliders.

    Source of the break-even condition: cost per job = hours × price (HappyHorse, 2026-04), so B pays off
    exactly when hours_A/hours_B > price_B/price_A; with utilization u the price per useful hour is
    price/u (gpuplan.breakeven.breakeven_speedup). Sliders: both prices and both utilizations.
    ``max_ratio`` bounds both axes.
    """
    slug_a, slug_b = _slug(label_a), _slug(label_b)
    pa = alt.param(name=f"price_{slug_a}", value=round(float(price_a), 2),
                   bind=alt.binding_range(min=0.1, max=max_usd, step=0.05, name=f"{label_a} $/GPU-hour "))
    pb = alt.param(name=f"price_{slug_b}", value=round(float(price_b), 2),
                   bind=alt.binding_range(min=0.1, max=max_usd, step=0.05, name=f"{label_b} $/GPU-hour "))
    ua = alt.param(name=f"utilization_{slug_a}", value=float(utilization_a),
                   bind=alt.binding_range(min=0.05, max=1, step=0.05, name=f"{label_a} utilization "))
    ub = alt.param(name=f"utilization_{slug_b}", value=float(utilization_b),
                   bind=alt.binding_range(min=0.05, max=1, step=0.05, name=f"{label_b} utilization "))
    ratio_expr = f"(price_{slug_b} / utilization_{slug_b}) / (price_{slug_a} / utilization_{slug_a})"
    axis_x = alt.X("price_ratio:Q", title=f"price ratio per useful hour ({label_b} ÷ {label_a})",
                   scale=alt.Scale(domain=[0, max_ratio]))
    axis_y = alt.Y("speedup:Q", title=f"speedup ({label_a} hours ÷ {label_b} hours)",
                   scale=alt.Scale(domain=[0, max_ratio]))
    line_df = pd.DataFrame({"price_ratio": [0.0, max_ratio], "speedup": [0.0, max_ratio]})
    region = alt.Chart(line_df).mark_area(opacity=0.12, color="seagreen").encode(
        x=axis_x, y=axis_y, y2=alt.Y2(datum=max_ratio))
    line = alt.Chart(line_df).mark_line(color="black").encode(x=axis_x, y=axis_y)
    note = alt.Chart(pd.DataFrame({"price_ratio": [0.3], "speedup": [max_ratio * 0.92],
                                   "text": [f"{label_b} cheaper per job"]})).mark_text(
        align="left", color="seagreen").encode(x="price_ratio:Q", y="speedup:Q", text="text:N")
    current = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(strokeDash=[4, 3], color="gray").transform_calculate(
        price_ratio=ratio_expr).encode(x="price_ratio:Q", tooltip=[
            alt.Tooltip("price_ratio:Q", format=".2f", title="price ratio (= break-even speedup)")])
    points = (
        alt.Chart(observed).mark_point(filled=True, size=70)
        .transform_calculate(price_ratio=ratio_expr)
        .transform_calculate(cheaper=f"datum.speedup > datum.price_ratio ? '{label_b}' : '{label_a}'")
        .transform_calculate(cost_ratio="datum.price_ratio / datum.speedup")
        .encode(
            x=axis_x, y=axis_y,
            color=alt.Color("cheaper:N", title="cheaper per job",
                            scale=alt.Scale(domain=[label_a, label_b], range=["#d62728", "seagreen"])),
            tooltip=_fields(observed, ["comparison", "workload"]) + [
                alt.Tooltip("speedup:Q", format=".2f"),
                alt.Tooltip("cost_ratio:Q", format=".2f", title=f"cost per job {label_b} ÷ {label_a}"),
                "cheaper:N"] + _fields(observed, ["source_id"]),
        )
    )
    return alt.layer(region, line, note, current, points).add_params(pa, pb, ua, ub).properties(
        title=alt.Title(title or f"Break-even: when does {label_b} cost less per job than {label_a}?",
                        subtitle="Drag the price sliders; points above the line favour " + label_b),
        width=WIDTH, height=WIDTH * 0.75)


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
    MLPerf comparisons."""
    chart = alt.Chart(df, title=title, width=WIDTH, height=320)
    mark = chart.mark_line(point=True) if line else chart.mark_point(filled=True, size=60)
    return mark.encode(
        x=alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(type="log") if log_x else alt.Undefined),
        y=alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(type="log") if log_y else alt.Undefined),
        color=alt.Color(f"{color}:N", title=None, legend=alt.Legend(labelLimit=400)),
        tooltip=tooltip or [color, alt.Tooltip(f"{x}:Q", format=".3~g"), alt.Tooltip(f"{y}:Q", format=".3~g")],
    )


class Table(Styler):
    """A pandas Styler whose plain-text form is the table's data (pandas' default repr shows a memory
    address, which changes every run and would break the committed outputs' comparison)."""

    def __repr__(self) -> str:
        return self.data.to_string(index=False)

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))


def table(df: pd.DataFrame, formats: dict[str, str] | None = None, *, caption: str | None = None,
          name: str = "t") -> Table:
    """A pandas Styler for a notebook table: index hidden, per-column number formats (e.g.
    ``{"usd_per_gpu_hour": "${:.2f}"}``), missing values shown as "—", and a fixed table id ``name``
    (pandas otherwise draws a random uuid, which would make the committed outputs differ run to run).
    Column headers should carry units (rename columns before calling)."""
    styler = Table(df, uuid=name).hide(axis="index").format(formats or {}, na_rep="—")
    return styler.set_caption(caption) if caption else styler


# ---- serving (notebook 07, gpuplan.serving_search) -----------------------------------------------------------
def serving_frontier(df: pd.DataFrame, *, title: str, target_tps_per_user: float | None = None) -> alt.LayerChart:
    """Throughput against interactivity: one line per GPU (column ``gpu``) of output tokens/s per GPU against
    tokens/s per user (the Pareto frontier of gpuplan.serving_search.pareto; both axes log). Click a GPU in the
    legend to pick it out (the others fade). ``target_tps_per_user`` draws the SLA as a vertical rule."""
    pick = alt.selection_point(fields=["gpu"], bind="legend", name="gpu_pick")
    tooltip = ["gpu", "tp", "precision", "kv_dtype", "concurrency"] + [
        alt.Tooltip(f"{c}:Q", format=".3~g") for c in _fields(df, ["tokens_per_s_per_user", "output_tokens_per_s_per_gpu",
                                                                 "tpot_ms", "ttft_ms", "usd_per_million_output_tokens"])]
    lines = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("tokens_per_s_per_user:Q", title="tokens/s per user (1 / TPOT, log)", scale=alt.Scale(type="log")),
        y=alt.Y("output_tokens_per_s_per_gpu:Q", title="output tokens/s per GPU (log)", scale=alt.Scale(type="log")),
        color=alt.Color("gpu:N", title="GPU (click to pick)", legend=alt.Legend(labelLimit=400)),
        order="tokens_per_s_per_user:Q",
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.12)),
        tooltip=tooltip,
    ).add_params(pick)
    layers = [lines]
    if target_tps_per_user:
        rule = pd.DataFrame({"tokens_per_s_per_user": [float(target_tps_per_user)]})
        layers.append(alt.Chart(rule).mark_rule(strokeDash=[4, 3], color="black").encode(
            x="tokens_per_s_per_user:Q", tooltip=[alt.Tooltip("tokens_per_s_per_user:Q", title="target", format=".3~g")]))
    return alt.layer(*layers, title=title, width=WIDTH, height=340)


def serving_cost_bars(df: pd.DataFrame, *, title: str, value: str = "usd_per_million_output_tokens",
                      value_title: str = "USD per million output tokens") -> alt.Chart:
    """Horizontal bars of $ per million tokens per GPU (column ``gpu``), cheapest first, one colour per
    ``model`` when the frame has that column; the tooltip names the configuration behind each bar."""
    color = alt.Color("model:N", title="model") if "model" in df.columns else alt.Undefined
    offset = alt.YOffset("model:N") if "model" in df.columns else alt.Undefined
    tooltip = _fields(df, ["model", "gpu", "tp", "precision", "kv_dtype", "concurrency"]) + [
        alt.Tooltip(f"{c}:Q", format=".3~g") for c in _fields(df, [value, "tpot_ms", "ttft_ms",
                                                                 "output_tokens_per_s_per_gpu", "usd_per_gpu_hour"])]
    return alt.Chart(df, title=title, width=WIDTH).mark_bar().encode(
        y=alt.Y("gpu:N", title=None, sort=alt.EncodingSortField(value, op="min", order="ascending")),
        yOffset=offset, x=alt.X(f"{value}:Q", title=value_title), color=color, tooltip=tooltip)
