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
    points = [l for l in labels(chart) if "workload:" in l]
    assert any("workload: slow" in p and "cheaper: A100" in p and "H100 ÷ A100: 1.17" in p for p in points)
    assert any("workload: fast" in p and "cheaper: H100" in p and "H100 ÷ A100: 0.88" in p for p in points)
    # a reader's H100 at $2.10: ratio 1.4, both points now favour H100
    moved = [l for l in labels(chart, {"price_h100": 2.10}) if "workload:" in l]
    assert all("cheaper: H100" in p for p in moved)
    # utilization 0.5 on the H100 doubles its price per useful hour: 4.67 > both speedups
    idle = [l for l in labels(chart, {"utilization_h100": 0.5}) if "workload:" in l]
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
    assert any("capacity GiB: 74.5" in l for l in labels(built[2]))
    # tornado: widest swing first (speedup: 7.0 USD vs price_b: 4.5 USD)
    tornado_labels = [l for l in labels(built[3]) if l.startswith("Y-axis")]
    assert "speedup, price_b" in tornado_labels[0]


def test_table_is_deterministic_and_formats():
    frame = pd.DataFrame({"gpu": ["A100"], "usd": [1.5], "missing": [None]})
    one = charts.table(frame, {"usd": "${:.2f}"}, caption="c", name="fixed").to_html()
    two = charts.table(frame, {"usd": "${:.2f}"}, caption="c", name="fixed").to_html()
    assert one == two
    assert "T_fixed" in one and "$1.50" in one and "—" in one and "<caption>c</caption>" in one
    # the plain-text form (also committed in notebook outputs) is the data, not a memory address
    from IPython.lib.pretty import pretty

    assert pretty(charts.table(frame, name="fixed")) == frame.to_string(index=False)
