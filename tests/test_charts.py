"""gpuplan.charts: the Vega expressions of the interactive charts compute what the articles and hand
calculations say. Charts are rendered offline by vl-convert (the Vega runtime the browser would run) and the
marks' accessible labels (aria-label: every tooltip field) are read back."""

import re

import pandas as pd
import pytest
import vl_convert as vlc

from gpuplan import charts


def labels(chart, params: dict | None = None) -> list[str]:
    """aria-labels of the rendered SVG; ``params`` overrides slider values (as a reader dragging them)."""
    spec = chart.to_dict()
    for param in spec.get("params", []):
        if params and param["name"] in params:
            param["value"] = params[param["name"]]
    return re.findall(r'aria-label="([^"]*)"', vlc.vegalite_to_svg(spec))


def bar_costs(chart, params=None) -> dict[str, str]:
    """GPU -> the cost label of its bar, e.g. {'A100': '$12.00'}."""
    out = {}
    for label in labels(chart, params):
        m = re.search(r"gpu: ([^;]+); cost per job \(USD\): (\$[\d,.]+)", label)
        if m:
            out[m.group(1)] = m.group(2)
    return out


JOB = pd.DataFrame({"gpu": ["A100", "H100"], "runtime_hours": [8.0, 3.0], "gpu_count": [1, 1],
                    "usd_per_gpu_hour": [1.50, 3.50], "source_id": ["s-a", "s-b"]})


def test_cost_per_task_reproduces_articles_example():
    # HappyHorse 2026-04: 8 h x $1.50 = $12.00 on A100; 3 h x $3.50 = $10.50 on H100
    assert bar_costs(charts.cost_per_task(JOB, {})) == {"A100": "$12.00", "H100": "$10.50"}


def test_price_slider_answers_what_if_my_h100_costs_2_10():
    chart = charts.cost_per_task(JOB, {"H100": 3.50})
    # the slider starts at the given price ...
    assert bar_costs(chart)["H100"] == "$10.50"
    # ... and a reader moving it to $2.10 gets 3 h x $2.10 = $6.30; the A100 bar keeps its data price
    assert bar_costs(chart, {"price_h100": 2.10}) == {"A100": "$12.00", "H100": "$6.30"}


def test_utilization_and_reruns_sliders():
    # 8 h / 0.5 utilization x $1.50 x (1 + 10/100) = $26.40; 3 / 0.5 x 3.50 x 1.1 = $23.10
    chart = charts.cost_per_task(JOB, {})
    assert bar_costs(chart, {"utilization": 0.5, "reruns_per_100": 10}) == {"A100": "$26.40", "H100": "$23.10"}
    # the chart's own starting values come from the arguments
    assert bar_costs(charts.cost_per_task(JOB, {}, utilization=0.5, reruns_per_100=10))["A100"] == "$26.40"


def test_gpu_count_slider_scales_time_not_cost():
    # linear scaling assumed: 2 GPUs finish the 8 h job in 4 h, cost 4 h x 2 x $1.50 = $12.00 again
    chart = charts.cost_per_task(JOB, {})
    text = " | ".join(labels(chart, {"gpus_per_job": 2}))
    assert "gpu: A100; cost per job (USD): $12.00" in text
    assert "wall-clock hours per run: 4.00; GPUs: 2" in text


def test_extra_costs_are_added_once():
    # queue wait 2 h valued at $5/h = $10 on top of the $12.00 compute
    job = JOB.assign(extra_usd=[10.0, 0.0])
    assert bar_costs(charts.cost_per_task(job, {}))["A100"] == "$22.00"


def test_breakeven_plane_classifies_points_by_price_ratio():
    # price ratio 3.50 / 1.50 = 2.33: a 2.67x speedup (8 h -> 3 h) makes H100 cheaper per job (cost ratio
    # 2.33 / 2.67 = 0.875), a 2.0x speedup does not (2.33 / 2 = 1.17)
    observed = pd.DataFrame({"workload": ["slow", "fast"], "speedup": [2.0, 8 / 3]})
    chart = charts.breakeven_plane(observed, 1.50, 3.50)
    points = [lab for lab in labels(chart) if "workload:" in lab]
    assert any("workload: slow" in p and "cheaper: A100" in p and "H100 ÷ A100: 1.17" in p for p in points)
    assert any("workload: fast" in p and "cheaper: H100" in p and "H100 ÷ A100: 0.88" in p for p in points)
    # a reader's H100 at $2.10: ratio 1.4, both points now favour H100
    moved = [lab for lab in labels(chart, {"price_h100": 2.10}) if "workload:" in lab]
    assert all("cheaper: H100" in p for p in moved)
    # utilization 0.5 on the H100 doubles its price per useful hour: 4.67 > both speedups
    idle = [lab for lab in labels(chart, {"utilization_h100": 0.5}) if "workload:" in lab]
    assert all("cheaper: A100" in p for p in idle)


def test_cost_expression_matches_breakeven_module():
    # the Vega formula is the same as gpuplan.cost.cost_per_job: runtime x gpus x price / u x (1 + r/100)
    expr = charts.cost_expression(runtime="8", price="1.5", utilization="0.5", reruns="10", gpu_count="2")
    assert eval(expr) == pytest.approx(8 * 2 * 1.5 / 0.5 * 1.1)
    from gpuplan.cost import cost_per_job

    assert eval(expr) == pytest.approx(cost_per_job(runtime_hours=8, usd_per_gpu_hour=1.5, gpus=2, utilization=0.5,
                                                    reruns_per_100=10).cost_per_job_usd)


def test_static_builders_have_titles_units_and_tooltips():
    flops = pd.DataFrame({"gpu": ["A100", "A100", "H100"], "precision": ["BF16", "TF32", "BF16"],
                          "tflops": [312.0, 156.0, 989.4]})
    history = pd.DataFrame({"gpu": ["H100", "H100"], "provider": ["x", "y"], "usd_per_gpu_hour": [4.78, 2.79],
                            "date_observed": pd.to_datetime(["2023-01-12", "2026-04-01"]), "source_id": ["a", "b"]})
    parts = pd.DataFrame({"workload": ["w", "w"], "component": ["weights", "kv_cache"], "gib": [14.9, 4.0]})
    caps = pd.DataFrame({"gpu": ["80 GB"], "capacity_gib": [80e9 / 2**30]})
    sens = pd.DataFrame({"input": ["speedup", "price_b"], "base_value": [2.0, 2.79], "low": [1.4, 1.9],
                         "high": [4.6, 3.8], "base_difference_usd": [-1.0, -1.0], "difference_low_usd": [2.0, -3.0],
                         "difference_high_usd": [-5.0, 1.5], "flips": [True, True]})
    curves = pd.DataFrame({"setup": ["a", "a"], "gpu_count": [1, 8], "efficiency": [1.0, 0.9]})
    built = [
        charts.grouped_bars(flops, "gpu", "tflops", "precision", title="T", value_title="dense TFLOPS"),
        charts.price_history(history),
        charts.memory_breakdown(parts, caps),
        charts.tornado(sens, value_title="USD per job"),
        charts.scaling_curves(curves, "efficiency", y_title="efficiency", title="S"),
        charts.scatter(curves, "gpu_count", "efficiency", "setup", x_title="GPUs", y_title="eff", title="F"),
    ]
    for chart in built:
        text = " | ".join(labels(chart))
        assert "Title text" in text
        assert "X-axis titled" in text
    assert "X-axis titled 'dense TFLOPS'" in " ".join(labels(built[0]))
    assert "Y-axis titled 'USD per GPU-hour'" in " ".join(labels(built[1]))
    assert "X-axis titled 'GiB per GPU (2^30 bytes)'" in " ".join(labels(built[2]))
    # 80 GB = 74.5 GiB capacity rule, with its tooltip
    assert any("capacity GiB: 74.5" in lab for lab in labels(built[2]))
    # tornado: widest swing first (speedup: 7.0 USD vs price_b: 4.5 USD)
    tornado_labels = [lab for lab in labels(built[3]) if lab.startswith("Y-axis")]
    assert "speedup, price_b" in tornado_labels[0]


def test_table_is_deterministic_and_formats():
    frame = pd.DataFrame({"gpu": ["A100"], "usd": [1.5], "missing": [None]})
    one = charts.table(frame, {"usd": "${:.2f}"}, caption="c", name="fixed").to_html()
    two = charts.table(frame, {"usd": "${:.2f}"}, caption="c", name="fixed").to_html()
    assert one == two
    assert "T_fixed" in one and "$1.50" in one and "—" in one and "<caption>c</caption>" in one
    # the plain-text form (also committed in notebook outputs) is the cells a reader sees, not a memory address
    from IPython.lib.pretty import pretty

    assert pretty(charts.table(frame, name="fixed")).split() == ["gpu", "usd", "missing", "A100", "1.5", "—"]


def cells(styled) -> list[list[str]]:
    """The <td> texts of a rendered table, row by row."""
    page = styled._repr_html_()
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)[1:]]


def headers(styled) -> list[str]:
    return re.findall(r'<th[^>]*class="col_heading[^"]*"[^>]*>(.*?)</th>', styled.to_html())


def test_table_shows_dashes_words_and_readable_numbers():
    frame = pd.DataFrame({
        "gpu_id": ["a100", None],
        "median_abs_error_pct": [0.90099904493, float("nan")],  # no format given: 3 significant digits
        "results": [118.0, 28.0],  # whole floats: no ".000000"
        "fits": [True, False],
        "tokens": pd.array([57913, None], dtype="Int64"),
        "note": pd.array(["x < y", pd.NA], dtype="string"),
        "year": [2024, 2025],  # a year is no quantity: no separator
        "started": pd.to_datetime(["2026-04-01", None]),
        "ratio": [1234.5, -0.00012345],
    })
    styled = charts.table(frame, name="t")
    assert cells(styled) == [["a100", "0.901", "118", "yes", "57,913", "x &lt; y", "2024", "2026-04-01", "1,235"],
                             ["—", "—", "28", "no", "—", "—", "2025", "—", "-0.000123"]]
    # snake_case names become words with the unit suffix's unit (CONTRIBUTING.md); display names stay
    assert headers(styled) == ["GPU id", "median |error| (%)", "results", "fits", "tokens", "note", "year", "started",
                               "ratio"]
    assert [charts.header(n) for n in ("gpu_count", "published_tokens_per_s_per_gpu", "error_pct", "cost_usd",
                                       "needed (GiB)", "duration_seconds", "price_usd_per_hour")] == [
        "GPUs", "published tokens/s per GPU", "error (%)", "cost ($)", "needed (GiB)", "duration (s)", "price ($/h)"]
    # a header the caller gives wins, and its format may be keyed by column or by that header
    named = charts.table(frame[["results", "ratio"]], {"ratio (×)": "{:.1f}"}, headers={"ratio": "ratio (×)"}, name="n")
    assert headers(named) == ["results", "ratio (×)"] and cells(named)[0] == ["118", "1234.5"]


def test_number_rule():
    assert [charts.number(v) for v in (0.5, 19.5, 156.0, 1513.0, 0.0012345, 12345.678, 0.9996, -0.0, 1e-12)] == [
        "0.5", "19.5", "156", "1,513", "0.00123", "12,346", "1", "0", "1.00e-12"]
    assert charts.number(float("inf")) == "∞" and charts.number(None) == "—" and charts.number(float("nan")) == "—"
    assert charts.number(2024, separators=False) == "2024"


def test_table_keeps_price_dates_beside_prices_and_scrolls():
    frame = pd.DataFrame({"gpu": ["H100"], "usd_per_gpu_hour": [2.79], "provider": ["RunPod"],
                          "date_observed": pd.to_datetime(["2026-04-01"])})
    styled = charts.table(frame, {"usd_per_gpu_hour": "${:.2f}"}, name="p")
    assert headers(styled) == ["gpu", "$/GPU-hour", "date observed", "provider"]
    assert cells(styled) == [["H100", "$2.79", "2026-04-01", "RunPod"]]
    # a wide table scrolls in the theme's own box instead of being cut off
    assert styled._repr_html_().startswith('<div class="pst-scrollable-table-container">')
    # a value the caller's format cannot take falls back to the default rule (no exception, no raw repr)
    mixed = charts.table(pd.DataFrame({"v": [1.5, "n/a", None]}), {"v": "{:.2f}"}, name="m")
    assert cells(mixed) == [["1.50"], ["n/a"], ["—"]]


# ---- sliders ---------------------------------------------------------------------------------------------------
def sliders(chart) -> dict[str, dict]:
    """name -> {value, min, max, step} of every param bound to a range slider."""
    return {p["name"]: {"value": p["value"], **{k: p["bind"][k] for k in ("min", "max", "step")}}
            for p in chart.to_dict().get("params", []) if isinstance(p.get("bind"), dict) and p["bind"].get("input") == "range"}


def assert_on_grid(found: dict[str, dict]) -> None:
    for name, s in found.items():
        assert s["min"] <= s["value"] <= s["max"], name
        steps = (s["value"] - s["min"]) / s["step"]
        assert abs(steps - round(steps)) < 1e-6, f"{name}: {s['value']} is not on the slider's grid"


def svg(chart, params=None) -> str:
    spec = chart.to_dict()
    for param in spec.get("params", []):
        if params and param["name"] in params:
            param["value"] = params[param["name"]]
    return vlc.vegalite_to_svg(spec)


def assert_every_slider_moves_the_chart(chart) -> None:
    before = svg(chart)
    for name, s in sliders(chart).items():
        moved = s["max"] if s["value"] != s["max"] else s["min"]
        assert svg(chart, {name: moved}) != before, f"moving {name} changes nothing"


def test_price_sliders_land_on_the_prices_they_show():
    chart = charts.cost_per_task(JOB, {"A100": 1.89, "H100": 2.795}, utilization=0.87)
    found = sliders(chart)
    assert found["price_a100"] == {"value": 1.89, "min": 0.0, "max": 9.0, "step": 0.01}  # 3 x $2.795, whole $
    assert found["price_h100"]["value"] == 2.795 and found["price_h100"]["step"] == 0.001  # a median's 3rd decimal
    assert found["utilization"] == {"value": 0.87, "min": 0.05, "max": 1.0, "step": 0.01}
    assert found["gpus_per_job"] == {"value": 1, "min": 1, "max": 64, "step": 1}  # the job's own count, never 0
    assert_on_grid(found)
    plane = charts.breakeven_plane(pd.DataFrame({"workload": ["w"], "speedup": [2.0]}), 1.89, 2.79,
                                   utilization_a=0.9)
    found = sliders(plane)
    assert found["price_a100"] == {"value": 1.89, "min": 0.01, "max": 9.0, "step": 0.01}
    assert found["utilization_a100"]["value"] == 0.9
    assert_on_grid(found)


def test_gpus_per_job_slider_starts_at_the_job_and_changes_the_cost():
    job = JOB.assign(gpu_count=[2, 2])
    assert sliders(charts.cost_per_task(job, {}))["gpus_per_job"]["value"] == 2
    # linear scaling: 8 h on 2 GPUs = 16 GPU-hours at any count; 4 GPUs: 4 h, still $24.00, and the label says so
    text = " | ".join(labels(charts.cost_per_task(job, {}), {"gpus_per_job": 4}))
    assert "gpu: A100; cost per job (USD): $24.00; USD per GPU-hour: $1.50; wall-clock hours per run: 4.00" in text
    assert "bar_label: $24.00 · 4 h on 4 GPUs" in text
    # 90 % efficiency kept per doubling: 2 -> 4 GPUs costs 1 / 0.9 more: $24.00 / 0.9 = $26.67 (hours 4 / 0.9)
    lossy = charts.cost_per_task(job, {}, efficiency_per_doubling=0.9)
    assert bar_costs(lossy) == {"A100": "$24.00", "H100": "$21.00"}  # the data at the job's own count
    assert bar_costs(lossy, {"gpus_per_job": 4}) == {"A100": "$26.67", "H100": "$23.33"}
    assert_every_slider_moves_the_chart(lossy)


def test_gpus_per_job_follows_the_scaling_model():
    """With gpuplan.scaling's curve the chart's run time at n GPUs is the curve's hours at n."""
    from gpuplan import scaling

    # no overlap of the all-reduce with compute: the efficiency falls to ~0.9 at 512 GPUs
    curve = scaling.scaling_curve(7e9, "h100-sxm5-80gb", (1, 8, 64, 512), tokens=1e9, overlap=0)
    hours = curve.set_index("n")["hours"]
    job = pd.DataFrame({"gpu": ["H100"], "runtime_hours": [hours[1]], "gpu_count": [1], "usd_per_gpu_hour": [2.0]})
    chart = charts.cost_per_task(job, {}, scaling=curve.assign(gpu="H100"), max_gpus=512)
    for n in (8, 64, 512):
        text = " | ".join(labels(chart, {"gpus_per_job": n}))
        shown = float(re.search(r"wall-clock hours per run: ([\d.]+)", text).group(1))
        assert shown == pytest.approx(hours[n], abs=0.006)  # the tooltip shows 2 decimals
        cost = float(re.search(r"cost per job \(USD\): \$([\d,.]+)", text).group(1).replace(",", ""))
        assert cost == pytest.approx(hours[n] * n * 2.0, abs=0.006)  # GPU-hours x price
    assert hours[512] * 512 > hours[1] * 1.05  # the curve loses efficiency, so the cost does move
    with pytest.raises(ValueError, match="no efficiency for A100"):
        charts.cost_per_task(JOB, {}, scaling=curve.assign(gpu="H100"))


def test_memory_batch_slider_recomputes_like_memory_estimate():
    from gpuplan import memory

    def parts(batch):
        return pd.concat([memory.memory_estimate("llama-3.1-8b", mode=m, batch=batch, seq=2048).components_frame(m)
                          for m in ("inference", "lora")], ignore_index=True)

    caps = pd.DataFrame({"gpu": ["80 GB"], "capacity_gib": [80e9 / 2**30]})
    chart = charts.memory_breakdown(parts(2), caps, batch=2)
    assert sliders(chart)["batch"] == {"value": 2, "min": 1, "max": 64, "step": 1}
    found = [re.search(r"workload: (\w+; component: \w+);.*; GiB: ([\d.]+)", lab) for lab in labels(chart, {"batch": 6})]
    moved = dict(m.groups() for m in found if m)
    expected = parts(6)
    assert moved == {f"{row.workload}; component: {row.component}": f"{row.gib:.2f}" for row in expected.itertuples()}
    # by hand: Llama-3.1-8B's KV cache is 2 (K, V) x 32 layers x 8 KV heads x 128 x 2 bytes = 128 KiB per token;
    # 6 sequences x 2048 tokens = 1.50 GiB
    assert moved["inference; component: kv_cache"] == "1.50"
    assert_every_slider_moves_the_chart(chart)


def test_memory_capacity_labels_do_not_overlap():
    caps = pd.DataFrame({"gpu": ["24 GB", "80 GB", "180 GB", "186 GB", "192 GB"],
                         "capacity_gib": [g * 1e9 / 2**30 for g in (24, 80, 180, 186, 192)]})
    parts = pd.DataFrame({"workload": ["w"], "component": ["weights"], "gib": [10.0]})
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", vlc.vegalite_to_svg(charts.memory_breakdown(parts, caps).to_dict()))
    # 6 GB apart is ~5 px at this scale (< one 10 px label): the three share one label
    assert "180 · 186 · 192 GB" in texts and "24 GB" in texts and "80 GB" in texts
    assert not any(t in texts for t in ("180 GB", "186 GB"))


def test_serving_cost_bars_price_and_utilization_sliders():
    from gpuplan import serving

    # by hand: 1,000 output tokens/s per GPU at $3.60/GPU-hour -> 3.6 / 3.6e6 s x 1e6 = $1.00 per million
    assert serving._usd_per_million(1000.0, 3.6) == pytest.approx(1.0)
    frame = pd.DataFrame({"gpu": ["H100", "A100"], "output_tokens_per_s_per_gpu": [1000.0, 250.0],
                          "usd_per_gpu_hour": [3.60, 1.80], "usd_per_million_output_tokens": [1.0, 2.0]})
    chart = charts.serving_cost_bars(frame, title="t")

    def usd(params=None):
        found = re.findall(r"USD per million output tokens: ([\d.]+); gpu: ([^;]+)", " | ".join(labels(chart, params)))
        return {gpu: value for value, gpu in found}

    assert usd() == {"H100": "1", "A100": "2"}
    assert usd({"price_h100": 7.2}) == {"H100": "2", "A100": "2"}  # twice the price
    assert usd({"utilization": 0.5}) == {"H100": "2", "A100": "4"}  # idle half the paid hours
    assert sliders(chart)["price_h100"] == {"value": 3.6, "min": 0.0, "max": 11.0, "step": 0.01}
    assert_every_slider_moves_the_chart(chart)


def test_serving_frontier_tpot_target_slider():
    frame = pd.DataFrame({"gpu": ["A"] * 3, "tokens_per_s_per_user": [10.0, 20.0, 40.0],
                          "output_tokens_per_s_per_gpu": [1000.0, 800.0, 500.0], "tpot_ms": [100.0, 50.0, 25.0],
                          "tp": [1] * 3, "precision": ["fp8"] * 3, "kv_dtype": ["bf16"] * 3, "concurrency": [64, 32, 8]})
    chart = charts.serving_frontier(frame, title="t", target_tps_per_user=20.0)
    assert sliders(chart)["tpot_target_ms"] == {"value": 50, "min": 25.0, "max": 100.0, "step": 1.0}

    def best(params=None):
        return [lab for lab in labels(chart, params) if "best at the target" in lab]

    # at TPOT <= 50 ms the most output tokens/s per GPU is the 800 point; at <= 25 ms only the 500 point meets it
    assert len(best()) == 1 and "output_tokens_per_s_per_gpu: 800" in best()[0]
    assert len(best({"tpot_target_ms": 25})) == 1 and "output_tokens_per_s_per_gpu: 500" in best({"tpot_target_ms": 25})[0]
    assert_every_slider_moves_the_chart(chart)


def test_every_interactive_builder_moves_with_every_slider():
    assert_every_slider_moves_the_chart(charts.cost_per_task(JOB, {"A100": 1.5, "H100": 3.5}))
    observed = pd.DataFrame({"workload": ["slow", "fast"], "speedup": [2.0, 8 / 3]})
    plane = charts.breakeven_plane(observed, 1.50, 3.50)
    assert_on_grid(sliders(plane))
    assert_every_slider_moves_the_chart(plane)


def test_mlperf_strip_chart_separates_gpus():
    frame = pd.DataFrame({"gpu": [f"G{i}" for i in range(12)] * 2, "workload": ["bert"] * 12 + ["ssd"] * 12,
                          "speedup": [1.0 + i / 10 for i in range(24)]})
    spec = charts.scatter(frame, "speedup", "workload", "gpu", x_title="x", y_title="y", title="t", log_x=True).to_dict()
    assert spec["encoding"]["y"]["type"] == "nominal" and spec["encoding"]["yOffset"]["field"] == "gpu"
    assert spec["encoding"]["color"]["scale"]["scheme"] == "tableau20"  # 12 GPUs: no colour used twice
    assert spec["encoding"]["opacity"]["condition"]["value"] < 1  # overlaps show as darker dots
