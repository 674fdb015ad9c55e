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

import datetime
import decimal
import html
import math
import re

import altair as alt
import numpy as np
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


#: memory components that grow in proportion to the micro-batch (gpuplan.memory.memory_estimate: activations and
#: the KV cache are per sequence; weights, gradients, optimizer states and the CUDA context are not) — checked
#: against memory_estimate at two batches in tests/test_charts.py
BATCH_LINEAR_COMPONENTS = ("activations", "kv_cache")
#: pixels a rotated capacity label needs beside its rule (10 px font + gap): closer rules share one label
_LABEL_PX = 14


def _capacity_labels(capacities: pd.DataFrame, domain_max: float) -> pd.DataFrame:
    """One label per cluster of capacity rules closer than :data:`_LABEL_PX` pixels at the chart's scale
    ("180 · 186 · 192 GB"), placed at the cluster's largest capacity, so labels never overlap."""
    caps = capacities.sort_values("capacity_gib", kind="stable").reset_index(drop=True)
    px = WIDTH / domain_max
    clusters, current = [], []
    for row in caps.itertuples(index=False):
        if current and (row.capacity_gib - current[-1].capacity_gib) * px >= _LABEL_PX:
            clusters.append(current)
            current = []
        current.append(row)
    if current:
        clusters.append(current)
    rows = []
    for group in clusters:
        names = [str(r.gpu) for r in group]
        unit = " GB" if all(n.endswith(" GB") for n in names) else ""
        text = " · ".join(n.removesuffix(unit) if unit else n for n in names) + unit
        rows.append({"capacity_gib": group[-1].capacity_gib, "label": text,
                     "gpus": "; ".join(str(getattr(r, "name", r.gpu)) for r in group)})
    return pd.DataFrame(rows)


def memory_breakdown(components: pd.DataFrame, capacities: pd.DataFrame, *,
                     title: str = "Memory needed per GPU vs capacity", batch: int | None = None,
                     max_batch: int | None = None) -> alt.LayerChart:
    """Stacked bar of memory per component (columns workload, component, gib) with a vertical rule at each
    GPU's usable capacity (columns gpu, capacity_gib, optionally name for the tooltip), labelled with the GPU
    capacity; rules closer than a label's width share one label (:func:`_capacity_labels`).

    What-if: with ``batch`` (the micro-batch per GPU the components were computed at) a "batch per GPU" slider
    (1 to ``max_batch``, default max(64, 8 × batch)) rescales the :data:`BATCH_LINEAR_COMPONENTS` by
    slider / batch in the page, which is what gpuplan.memory.memory_estimate gives at that batch. The x axis
    keeps its scale (the largest capacity or stack at ``batch``): a bar running off the right edge needs more
    than every GPU drawn."""
    rows = max(1, components["workload"].nunique())
    stacks = components.groupby("workload")["gib"].sum()
    domain_max = 1.05 * max(float(capacities["capacity_gib"].max()), float(stacks.max()) if len(stacks) else 0.0)
    x_scale = alt.Scale(domain=[0, domain_max], nice=False)
    gib = "gib"
    bars = alt.Chart(components)
    subtitle = alt.Undefined
    if batch is not None:
        batch = int(batch)
        top = int(max_batch) if max_batch is not None else max(64, 8 * batch)
        bars = bars.add_params(slider("batch", batch, low=1, high=top, step=1, label="batch per GPU ")).transform_calculate(
            gib_shown=f"indexof({list(BATCH_LINEAR_COMPONENTS)!r}, datum.component) >= 0 "
                      f"? datum.gib * batch / {batch} : datum.gib")
        gib = "gib_shown"
        subtitle = "Drag the batch slider: activations and KV cache grow with the batch"
    bars = bars.mark_bar(clip=True).encode(
        y=alt.Y("workload:N", title=None, sort=None),
        x=alt.X(f"sum({gib}):Q", title="GiB per GPU (2^30 bytes)", scale=x_scale),
        color=alt.Color("component:N", title="component", sort=None),
        order=alt.Order("component_order:Q") if "component_order" in components.columns else alt.Undefined,
        tooltip=["workload", "component", alt.Tooltip(f"{gib}:Q", format=".2f", title="GiB")],
    )
    rule_tip = _fields(capacities, ["gpu", "name"]) + [alt.Tooltip("capacity_gib:Q", format=".1f", title="capacity GiB")]
    rules = alt.Chart(capacities).mark_rule(strokeDash=[4, 3], color="black").encode(
        x=alt.X("capacity_gib:Q", scale=x_scale), tooltip=rule_tip)
    labels = alt.Chart(_capacity_labels(capacities, domain_max)).mark_text(
        angle=270, align="left", baseline="top", dx=2, dy=3, fontSize=10).encode(
        x=alt.X("capacity_gib:Q", scale=x_scale), y=alt.value(rows * 28 - 2), text="label:N",
        tooltip=[alt.Tooltip("gpus:N", title="GPUs")])
    return alt.layer(bars, rules, labels, title=alt.Title(title, subtitle=subtitle), width=WIDTH,
                     height=alt.Step(28))


def cost_expression(runtime: str = "datum.runtime_hours", price: str = "price",
                    utilization: str = "utilization", reruns: str = "reruns_per_100",
                    gpu_count: str = "datum.gpu_count") -> str:
    """The cost of one finished job as a Vega expression: ``runtime_hours × gpu_count ×`` the rate of
    :func:`gpuplan.cost.usd_per_useful_gpu_hour` (generated from that function, not retyped).

    Source: the break-even worksheet in "H100 vs A100 for AI Video Generation" (HappyHorse, 2026-04):
    runtime × hourly price, adjusted for utilization and failed runs."""
    from gpuplan.cost import usd_per_useful_gpu_hour  # noqa: PLC0415 (cost imports prices/data: keep charts light)

    rate = usd_per_useful_gpu_hour(VegaTerm(price), VegaTerm(utilization), VegaTerm(reruns))
    return f"{runtime} * {gpu_count} * {rate}"


class VegaTerm:
    """A Vega expression under construction: arithmetic on terms (and numbers) builds the expression text, so a
    formula written once in Python can be emitted for a chart."""

    def __init__(self, text: str):
        self.text = str(text)

    def _op(self, op: str, other, reverse: bool = False) -> VegaTerm:
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


def _decimals(value: float) -> int:
    """Decimal places of ``value`` as written (2.79 -> 2, 2.795 -> 3, 8.0 -> 0), at most 9."""
    exponent = decimal.Decimal(repr(round(float(value), 9))).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def _on_grid(value: float, low: float, step: float) -> bool:
    k = (float(value) - low) / step
    return abs(k - round(k)) < 1e-6


def slider(name: str, value: float, *, low: float, high: float, step: float, label: str,
           also: list[float] | tuple = ()) -> alt.Parameter:
    """A Vega param bound to a range slider that starts at ``value`` and can land exactly on it and on ``also``
    (e.g. every price the chart shows): the step is ``step`` when they all lie on its grid (low + k·step), else
    the finest decimal they need (a $2.795 median price gets step 0.001). ``low``/``high`` are widened to the
    grid and to hold every value, so the default is always inside the range."""
    values = [float(value), *map(float, also)]
    if not _on_grid(0.0, low, step) or not all(_on_grid(v, 0.0, step) for v in values):
        step = min(step, 10.0 ** -max(_decimals(v) for v in values + [low]))
    places = _decimals(step)
    low = round(math.floor(min([low, *values]) / step + 1e-9) * step, places)
    high = round(math.ceil(max([high, *values]) / step - 1e-9) * step, places)
    return alt.param(name=name, value=float(value) if places else int(round(value)),
                     bind=alt.binding_range(min=low, max=high, step=step, name=label))


def _usd_high(prices, max_usd: float | None) -> float:
    """The top of a price slider: ``max_usd``, else 3 × the dearest price shown, in whole dollars (>= $1)."""
    return float(max_usd) if max_usd is not None else float(max(1, math.ceil(3 * max(prices, default=1.0))))


def _price_params(prices: dict[str, float], max_usd: float | None) -> tuple[list, str]:
    """One slider per GPU in ``prices`` (label -> default $/GPU-hour), starting at that price on a $0.01 grid
    (finer when a price has more decimals), from $0 to :func:`_usd_high`; and the Vega expression that picks the
    slider for the row's GPU (``datum.gpu``) or else the row's own ``usd_per_gpu_hour``."""
    params, expr = [], "datum.usd_per_gpu_hour"
    high = _usd_high(prices.values(), max_usd)
    for label, default in prices.items():
        name = f"price_{_slug(label)}"
        params.append(slider(name, float(default), low=0.0, high=high, step=0.01, label=f"{label} $/GPU-hour "))
        expr = f"datum.gpu === {label!r} ? {name} : ({expr})"
    return params, expr


def _efficiency_lookup(scaling: pd.DataFrame, gpus: list[str], top: int) -> pd.DataFrame:
    """Scaling efficiency at every whole GPU count 1..``top`` for each of ``gpus``, keyed "gpu|n": interpolated
    linearly in log2(n) between the counts of ``scaling`` (columns gpu_count or n, efficiency, optionally gpu:
    gpuplan.scaling.scaling_curve's frame), held flat beyond its first and last count."""
    count = "gpu_count" if "gpu_count" in scaling.columns else "n"
    curves = scaling.groupby("gpu", sort=False) if "gpu" in scaling.columns else [(None, scaling)]
    curves = {label: frame.sort_values(count, kind="stable") for label, frame in curves}
    missing = [g for g in gpus if None not in curves and g not in curves]
    if missing:
        raise ValueError(f"scaling has no efficiency for {', '.join(missing)}")
    n = np.arange(1, top + 1)
    rows = []
    for gpu in gpus:
        curve = curves.get(gpu, curves.get(None))
        eff = np.interp(np.log2(n), np.log2(curve[count].to_numpy(float)), curve["efficiency"].to_numpy(float))
        rows.append(pd.DataFrame({"key": [f"{gpu}|{k}" for k in n], "efficiency": eff}))
    return pd.concat(rows, ignore_index=True)


def cost_per_task(df: pd.DataFrame, prices: dict[str, float], *, utilization: float = 1.0,
                  reruns_per_100: float = 0.0, max_usd: float | None = None, scaling: pd.DataFrame | None = None,
                  efficiency_per_doubling: float = 1.0, max_gpus: int | None = None,
                  title: str = "Cost of one finished job") -> alt.LayerChart:
    """Interactive cost per finished job per GPU.

    ``df`` has one row per GPU: gpu (label), runtime_hours (wall-clock hours of one run on gpu_count GPUs),
    gpu_count, usd_per_gpu_hour (data price, used for GPUs without a slider), source_id, and optionally
    extra_usd (per-job costs that do not scale with GPU time: queue wait priced at the value of an hour,
    storage, egress — gpuplan.cost.cost_per_job's queue_usd + storage_usd + egress_usd). ``prices`` maps the
    GPU labels that get a price slider to their starting $/GPU-hour.

    Sliders: each price ($0.01 steps from $0 to ``max_usd``, default 3 × the dearest slider price), utilization
    (0.05-1 in 0.01 steps), reruns per 100 jobs, and GPUs per job — starting at the rows' gpu_count (one count
    for all rows; with several counts the rows keep theirs and there is no such slider), 1 to ``max_gpus``
    (default max(64, 8 × the count)). At n GPUs a run takes runtime_hours × gpu_count × eff(gpu_count) / (n ×
    eff(n)) hours (strong scaling: gpuplan.scaling.scaling_curve's efficiency = step(1) / (n · step(n))), so the
    cost per job changes by eff(gpu_count) / eff(n): eff from ``scaling`` (scaling_curve's frame: gpu_count or n,
    efficiency, optionally gpu matching df's labels), else ``efficiency_per_doubling`` ** log2(n) (1.0 = linear
    scaling: then only the run's hours move, and the bar labels say so). Bars are labelled with the cost in
    USD and the wall-clock hours of one run.
    """
    price_params, price_expr = _price_params(prices, max_usd)
    util = slider("utilization", float(utilization), low=0.05, high=1.0, step=0.01, label="utilization ")
    reruns = slider("reruns_per_100", float(reruns_per_100), low=0.0, high=max(100.0, reruns_per_100), step=1.0,
                    label="reruns per 100 jobs ")
    params = [*price_params, util, reruns]
    counts = sorted({int(c) for c in df["gpu_count"]})
    if len(counts) == 1:
        n0 = max(1, counts[0])
        top = int(max_gpus) if max_gpus is not None else max(64, 8 * n0)
        params.append(slider("gpus_per_job", n0, low=1, high=top, step=1, label="GPUs per job "))
        n = "gpus_per_job"
    else:
        top, n = max(counts), "datum.gpu_count"
    base = alt.Chart(df, title=alt.Title(title, subtitle="Drag the sliders: price, utilization, reruns, GPUs per job"),
                     width=WIDTH).add_params(*params)
    base = base.transform_calculate(usd_per_gpu_hour_used=price_expr).transform_calculate(gpus_used=n)
    if scaling is not None:
        lookup = alt.LookupData(_efficiency_lookup(scaling, list(dict.fromkeys(df["gpu"])), top), "key",
                                ["efficiency"])
        base = (base.transform_calculate(_key_used="datum.gpu + '|' + datum.gpus_used",
                                         _key_data="datum.gpu + '|' + datum.gpu_count")
                .transform_lookup(lookup="_key_used", from_=lookup, as_=["efficiency_used"])
                .transform_lookup(lookup="_key_data", from_=lookup, as_=["efficiency_data"]))
    else:
        e = float(efficiency_per_doubling)
        if not 0 < e <= 1:
            raise ValueError(f"efficiency_per_doubling must be in (0, 1] (got {e})")
        base = base.transform_calculate(efficiency_used=f"pow({e!r}, log(datum.gpus_used) / LN2)",
                                        efficiency_data=f"pow({e!r}, log(datum.gpu_count) / LN2)")
    base = (
        base.transform_calculate(hours_used="datum.runtime_hours * datum.gpu_count * datum.efficiency_data"
                                             " / (datum.gpus_used * datum.efficiency_used)")
        .transform_calculate(cost_per_job_usd=cost_expression(
            runtime="datum.hours_used", price="datum.usd_per_gpu_hour_used", gpu_count="datum.gpus_used")
            + (" + datum.extra_usd" if "extra_usd" in df.columns else ""))
        .transform_calculate(bar_label="format(datum.cost_per_job_usd, '$,.2f') + ' · ' + "
                                       "format(datum.hours_used, ',.3~g') + ' h on ' + datum.gpus_used + "
                                       "(datum.gpus_used == 1 ? ' GPU' : ' GPUs')")
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
        alt.Tooltip("efficiency_used:Q", format=".2f", title="scaling efficiency"),
    ] + _fields(df, ["speedup", "comparisons", "source_id"])
    bars = base.mark_bar().encode(color=alt.Color("gpu:N", legend=None), tooltip=tooltip)
    text = base.mark_text(align="left", dx=3).encode(text="bar_label:N")
    return bars + text


def breakeven_plane(observed: pd.DataFrame, price_a: float, price_b: float, *, label_a: str = "A100",
                    label_b: str = "H100", utilization_a: float = 1.0, utilization_b: float = 1.0,
                    max_ratio: float = 5.0, max_usd: float | None = None, title: str | None = None) -> alt.LayerChart:
    """The plane of speedup (B over A) vs price ratio (B $/h ÷ A $/h) with the break-even line speedup =
    price ratio (B is cheaper per job above it: cost_B/cost_A = ratio/speedup), and the observed speedups
    (``observed``: columns workload, speedup, source_id) drawn at the price ratio set by two sliders.

    Source of the break-even condition: cost per job = hours × price (HappyHorse, 2026-04), so B pays off
    exactly when hours_A/hours_B > price_B/price_A; with utilization u the price per useful hour is
    price/u (gpuplan.breakeven.breakeven_speedup). Sliders: both prices (start at the given prices, $0.01
    steps from $0.01 to ``max_usd``, default 3 × the dearer price) and both utilizations (0.05-1, 0.01 steps).
    ``max_ratio`` bounds both axes.
    """
    slug_a, slug_b = _slug(label_a), _slug(label_b)
    high = _usd_high([price_a, price_b], max_usd)
    pa = slider(f"price_{slug_a}", float(price_a), low=0.01, high=high, step=0.01, label=f"{label_a} $/GPU-hour ",
                also=[price_b])
    pb = slider(f"price_{slug_b}", float(price_b), low=0.01, high=high, step=0.01, label=f"{label_b} $/GPU-hour ",
                also=[price_a])
    ua = slider(f"utilization_{slug_a}", float(utilization_a), low=0.05, high=1.0, step=0.01,
                label=f"{label_a} utilization ")
    ub = slider(f"utilization_{slug_b}", float(utilization_b), low=0.05, high=1.0, step=0.01,
                label=f"{label_b} utilization ")
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


def _color(field: str, df: pd.DataFrame, title: str | None = None, **legend) -> alt.Color:
    """Colour by ``field``: Vega's 10-colour palette repeats after 10 values (two GPUs in one colour), so more
    values get the 20-colour tableau20 scheme."""
    scale = alt.Scale(scheme="tableau20") if df[field].nunique() > 10 else alt.Undefined
    return alt.Color(f"{field}:N", title=title, scale=scale, legend=alt.Legend(labelLimit=400, **legend))


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


# ---- display tables ---------------------------------------------------------------------------------------------
#: what a table shows for a missing value (None, NaN, pd.NA, NaT, or text that spells one)
MISSING = "—"
#: significant digits of a number shown without a caller's format (0.90099904493 -> 0.901, 57913.4 -> 57,913)
SIGNIFICANT = 3
_MISSING_TEXT = {"nan", "NaN", "None", "<NA>", "NaT", "null"}
_BOOL_TEXT = {True: "yes", False: "no"}
#: words of snake_case column names shown with their usual spelling
_WORDS = {"gpu": "GPU", "gpus": "GPUs", "usd": "$", "kv": "KV", "tp": "TP", "pp": "PP", "dp": "DP", "tpot": "TPOT",
          "ttft": "TTFT", "mfu": "MFU", "mlperf": "MLPerf", "bf16": "BF16", "fp8": "FP8", "fp16": "FP16", "tflops": "TFLOPS",
          "abs": "absolute", "pct": "%", "vs": "vs"}
#: whole snake_case names with a header of their own
_HEADERS = {"gpu_id": "GPU id", "gpu_count": "GPUs", "source_id": "source", "date_observed": "date observed",
            "usd_per_gpu_hour": "$/GPU-hour", "median_abs_error_pct": "median |error| (%)",
            "mean_abs_error_pct": "mean |error| (%)", "abs_error_pct": "|error| (%)"}
#: unit suffixes of the project's column names (CONTRIBUTING.md) -> the unit shown in the header
_UNIT_SUFFIXES = (("_usd_per_gpu_hour", "$/GPU-hour"), ("_usd_per_hour", "$/h"), ("_usd", "$"), ("_pct", "%"),
                  ("_gibps", "GiB/s"), ("_gbps", "GB/s"), ("_gib", "GiB"), ("_gb", "GB"), ("_bytes", "bytes"),
                  ("_tflops", "TFLOPS"), ("_ms", "ms"), ("_seconds", "s"), ("_s", "s"), ("_hours", "h"), ("_w", "W"))
_ID_LIKE = re.compile(r"(^|_)(id|ids|pid|year|round)(_|$)|^#$")
_PRICE_COLUMN = re.compile(r"usd_per_gpu_hour|\$ ?/ ?GPU-h|per GPU-hour", re.I)
_DATE_COLUMNS = ("date_observed", "price_date", "date observed", "price date", "observed")


def header(name) -> str:
    """The header a reader sees for column ``name``: a display name the caller gave is kept as it is; a
    snake_case identifier (``median_abs_error_pct``, ``gpu_count``) becomes words with its unit in brackets
    (``median |error| (%)``, ``GPUs``), from the unit suffixes of CONTRIBUTING.md."""
    text = str(name)
    if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)+", text):
        return text
    if text in _HEADERS:
        return _HEADERS[text]
    unit = ""
    for suffix, shown in _UNIT_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text, unit = text[: -len(suffix)], shown
            break
    text = re.sub(r"(^|_)per_s(_|$)", r"\1/s\2", text).replace("_/s", "/s")
    words = " ".join(_WORDS.get(word, word) for word in text.split("_"))
    words = words.replace("absolute error", "|error|")
    return f"{words} ({unit})" if unit else words


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return value.strip() in _MISSING_TEXT
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, arrays: shown as text
        return False


def number(value, digits: int = SIGNIFICANT, *, separators: bool = True) -> str:
    """A number for a reader: whole numbers with thousands separators (57,913), others to ``digits``
    significant digits without trailing zeros (0.90099904493 -> 0.901, 19.5 -> 19.5, 1234.5 -> 1,235),
    missing -> "—", infinities as ∞. ``separators=False`` for ids and years (2024, not 2,024)."""
    if _missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return _BOOL_TEXT[bool(value)]
    comma = "," if separators else ""
    if isinstance(value, (int, np.integer)):
        return f"{int(value):{comma}d}"
    x = float(value)
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):{comma}d}"
    exponent = math.floor(math.log10(abs(x)))
    decimals = max(0, digits - 1 - exponent)
    if decimals > 9:  # tiny: scientific notation keeps the significant digits visible
        return f"{x:.{digits - 1}e}"
    # half up, as a reader rounds (1234.5 -> 1,235; binary floats and format() would round half to even)
    rounded = decimal.Decimal(repr(x)).quantize(decimal.Decimal(1).scaleb(-decimals), rounding=decimal.ROUND_HALF_UP)
    text = f"{rounded:{comma}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def cell(value, *, separators: bool = True) -> str:
    """One table cell as text: missing -> "—", booleans -> yes/no, numbers by :func:`number`, dates as
    YYYY-MM-DD (with the time only when there is one), anything else as its (HTML-escaped) text."""
    if _missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return _BOOL_TEXT[bool(value)]
    if isinstance(value, (int, float, np.integer, np.floating)):
        return number(value, separators=separators)
    if isinstance(value, (pd.Timestamp, datetime.datetime)):
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    if text in ("True", "False"):
        return _BOOL_TEXT[text == "True"]
    return html.escape(text)


def _formatter(column, given=None):
    """The function that turns one value of ``column`` into its cell text: the caller's format (a format string
    such as ``"${:.2f}"`` or a callable) for present values, else :func:`cell`; missing values are "—" either
    way, and a value the caller's format cannot take falls back to :func:`cell`."""
    separators = not _ID_LIKE.search(str(column))

    def show(value) -> str:
        if _missing(value):
            return MISSING
        if given is not None and not isinstance(value, (bool, np.bool_)):
            try:
                return given(value) if callable(given) else given.format(value)
            except (ValueError, TypeError, KeyError, IndexError):
                pass
        return cell(value, separators=separators)

    return show


def _price_dates_beside_prices(df: pd.DataFrame) -> pd.DataFrame:
    """A frame whose date-observed column stands right after its (first) price column, so every price is read
    with its date, even in a wide table that scrolls."""
    dates = [c for c in df.columns if str(c).lower() in _DATE_COLUMNS]
    prices = [c for c in df.columns if _PRICE_COLUMN.search(str(c))]
    if len(dates) != 1 or not prices:
        return df
    order = [c for c in df.columns if c != dates[0]]
    order.insert(order.index(prices[0]) + 1, dates[0])
    return df[order]


class Table(Styler):
    """A pandas Styler for a reader: every cell formatted (:func:`cell`), headers from :func:`header`, shown in the
    theme's horizontal scroll box (``pst-scrollable-table-container``, as the data appendix) so a wide table
    scrolls instead of being cut off. Its plain-text form is the same cells as text (pandas' default repr shows
    a memory address, which changes every run and would break the committed outputs' comparison)."""

    def _cells(self) -> pd.DataFrame:
        """The cells as the reader sees them (text), under the shown headers."""
        columns = list(self.data.columns)
        formatters = getattr(self, "_gpuplan_formatters", None) or [_formatter(c) for c in columns]
        labels = getattr(self, "_gpuplan_headers", None) or [header(c) for c in columns]
        shown = pd.DataFrame({i: [formatters[i](v) for v in self.data.iloc[:, i]] for i in range(len(columns))},
                             index=range(len(self.data)))
        shown.columns = labels
        return shown

    def __repr__(self) -> str:
        return self._cells().to_string(index=False)

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))

    def _repr_html_(self) -> str:
        return f'<div class="pst-scrollable-table-container">\n{self.to_html()}\n</div>\n'


def table(df: pd.DataFrame, formats: dict[str, str] | None = None, *, caption: str | None = None,
          name: str = "t", headers: dict[str, str] | None = None) -> Table:
    """A display table for a notebook: index hidden, a fixed table id ``name`` (pandas otherwise draws a random
    uuid, which would make the committed outputs differ run to run) and every cell readable:

    - ``formats``: per-column number formats (e.g. ``{"usd_per_gpu_hour": "${:.2f}"}``, keyed by the frame's
      column names); columns without one get :func:`cell` (thousands separators for whole numbers,
      :data:`SIGNIFICANT` significant digits otherwise, yes/no for booleans, YYYY-MM-DD for dates);
    - missing values are "—" in every column (never <NA>, NaN or None);
    - headers: ``headers`` (column -> display name with unit) where given, else the column name as it is when
      it already reads as a header, or :func:`header` of a snake_case name;
    - a date-observed column is moved beside the price column it dates (:func:`_price_dates_beside_prices`);
    - shown inside the theme's horizontal scroll box (see :class:`Table`)."""
    df = _price_dates_beside_prices(df)
    formats = dict(formats or {})
    columns = list(df.columns)
    labels = [(headers or {}).get(column, header(column)) for column in columns]
    formatters = [_formatter(column, formats.get(column, formats.get(label)))
                  for column, label in zip(columns, labels, strict=True)]
    styler = Table(df, uuid=name).hide(axis="index")
    styler._gpuplan_formatters, styler._gpuplan_headers = formatters, labels
    for column, show in dict(zip(columns, formatters, strict=True)).items():
        styler = styler.format(show, subset=[column])
    styler = styler.relabel_index(labels, axis="columns")
    styler = styler.set_table_attributes('class="table gpuplan-table"')
    return styler.set_caption(caption) if caption else styler


# ---- serving (notebook 07, gpuplan.serving_search) -----------------------------------------------------------
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
