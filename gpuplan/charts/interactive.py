"""Interactive charts with sliders (price per GPU-hour, utilization, reruns, GPUs per job, batch) recomputed in
the page: cost per task, the break-even plane and the memory breakdown; :func:`cost_expression` is
gpuplan.cost's rate emitted as a Vega expression (:class:`VegaTerm`)."""

from __future__ import annotations

import decimal
import math

import altair as alt
import numpy as np
import pandas as pd

from gpuplan.charts.base import WIDTH, _fields, _slug


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
