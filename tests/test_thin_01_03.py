"""Library functions behind the thin notebooks 01-03 (params.validate_parameters, memory/cost tables)."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest

from gpuplan import batch
from gpuplan.errors import InputError
from gpuplan.params import validate_parameters


def test_validate_parameters_normalizes_every_value():
    p = validate_parameters(
        {"n": 2.0, "kind": "spot", "gpus": None, "price": None, "gpu": "h100-sxm5-80gb", "util": 0.5},
        {"n": "count", "kind": ("choice", ["on-demand", "spot"]), "gpus": "gpus?", "price": "price",
         "gpu": "gpu", "util": "fraction"})
    assert p.n == 2 and isinstance(p.n, int)  # 2.0 is a whole number
    assert p.kind == "spot"
    assert p.gpus is None and p.price is None  # optional / latest-price None kept
    assert p.gpu == "h100-sxm5-80gb" and p.util == 0.5


@pytest.mark.parametrize(("values", "rules", "field"), [
    ({"util": 1.5}, {"util": "fraction"}, "util"),
    ({"kind": "bogus"}, {"kind": ("choice", ["spot"])}, "kind"),
    ({"gpus": None}, {"gpus": "gpus"}, "gpus"),  # no "?": None is not allowed
    ({}, {"n": "count"}, "n"),  # missing
])
def test_validate_parameters_names_the_bad_parameter(values, rules, field):
    with pytest.raises(InputError) as err:
        validate_parameters(values, rules)
    assert str(err.value).startswith(f"{field}:")
    assert "\n" not in str(err.value)


def test_batch_reads_the_literal_rules_dict():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        'from gpuplan.params import validate_parameters\n'
        'p = validate_parameters(globals(), {"gpus": "gpus?", "kind": ("choice", ["spot", "reserved"]),'
        ' "n": "count"})')])
    assert batch.notebook_rules(nb) == {"gpus": ("gpus", None), "kind": ("choice", ["spot", "reserved"]),
                                        "n": ("count", None)}


# ---- memory (notebook 02) ---------------------------------------------------------------------------------------
from gpuplan import memory  # noqa: E402
from gpuplan.pages import cost_per_task, memory_planning  # noqa: E402

GIB, GB = 2**30, 10**9


def test_capacity_groups_read_the_label_as_gb_and_draw_gib():
    gpus = pd.DataFrame({"name": ["NVIDIA A100 80GB SXM4", "NVIDIA H100 80GB SXM5", "NVIDIA L40S 48GB"],
                         "memory_gb": [80.0, 80.0, 48.0]})
    groups = memory_planning.capacity_groups(gpus).set_index("gpu")
    assert groups.loc["80 GB", "capacity_gib"] == pytest.approx(80e9 / 2**30)  # 74.51 GiB
    assert groups.loc["80 GB", "name"] == "2 GPU(s), A100 80GB SXM4, H100 80GB SXM5"
    assert groups.loc["48 GB", "capacity_gib"] == pytest.approx(44.7034, abs=1e-4)


def test_fit_summary_shows_gib_needed_and_headroom():
    fits = pd.DataFrame({"name": ["NVIDIA X"], "memory_gb": [80.0], "per_gpu_bytes": [40 * GIB], "fits": [True],
                         "headroom_gib": [(80e9 - 40 * GIB) / GIB]})
    row = memory_planning.fit_summary(fits).iloc[0]
    assert row["GPU"] == "X" and row["needed (GiB)"] == 40.0
    assert row["headroom (GiB)"] == pytest.approx(74.5058 - 40, abs=1e-4)


def test_mode_comparison_has_the_chosen_mode_first_and_the_three_others():
    chosen, parts = memory_planning.mode_comparison("llama-3.1-8b", "lora", batch=1, seq=1024, checkpointing=True)
    labels = list(dict.fromkeys(parts["workload"]))
    assert labels == ["llama-3.1-8b · lora (chosen)", "llama-3.1-8b · inference", "llama-3.1-8b · qlora",
                      "llama-3.1-8b · full"]
    per_workload = parts.groupby("workload", sort=False)["bytes"].sum()
    assert per_workload.iloc[0] == chosen.per_gpu_bytes
    # a full fine-tune keeps gradients and AdamW states for all 8B parameters: > 16 bytes × 8e9 > LoRA
    assert per_workload["llama-3.1-8b · full"] > 16 * 8e9 > per_workload.iloc[0]


def test_limits_are_the_edges_of_what_fits():
    answers = memory_planning.limits("llama-3.1-8b", "h100-sxm5-80gb", batch=8, seq=4096, mode="inference",
                            checkpointing=True, precision=None, frames=None)
    cap = 80 * GB
    b = answers["max_batch"]
    fits = lambda **kw: memory.memory_estimate("llama-3.1-8b", mode="inference", **kw).per_gpu_bytes <= cap  # noqa: E731
    assert fits(batch=b, seq=4096) and not fits(batch=b + 1, seq=4096)
    c = answers["max_context"]
    # inference: the KV cache holds `context` tokens, prefilled in chunks of 2048 (memory.max_context)
    assert fits(batch=8, context=c, seq=2048) and not fits(batch=8, context=c + 1, seq=2048)
    assert answers["min_gpus"].gpus == 1
    # full bf16 fine-tune of 8B parameters: 18 bytes/param = 144 GB of states alone > one 80 GB card
    assert answers["min_gpus_full"].gpus >= 2
    table = memory_planning.limits_frame(answers, 3)
    assert table["answer"].iloc[0] == f"{b:,}" and "ZeRO-3" in table["question"].iloc[3]


def test_vram_rule_check_cases():
    rules = memory_planning.vram_rule_check("wan2.1-t2v-14b", frames=81, height=480, width=832).set_index(["mode", "precision"])
    assert list(rules.index) == [("inference", "bf16"), ("inference", "fp8"), ("lora", "bf16"), ("qlora", "int4")]
    # 14B weights alone: 14e9 × 2 bytes = 26.1 GiB in bf16, half that in fp8 — above the article's 12 GB floor
    assert rules.loc[("inference", "bf16"), "per_gpu_gib"] > 14e9 * 2 / GIB
    assert rules.loc[("inference", "fp8"), "per_gpu_gib"] < rules.loc[("inference", "bf16"), "per_gpu_gib"]


# ---- cost (notebook 03) -----------------------------------------------------------------------------------------
def test_cost_table_reproduces_the_happyhorse_example():
    # HappyHorse (2026-04): 8 h × $1.50 = $12.00 on the A100, 3 h × $3.50 = $10.50 on the H100
    t = cost_per_task.cost_table(gpu=["A100", "H100"], usd_per_gpu_hour=[1.50, 3.50], runtime_hours=[8.0, 3.0])
    assert t["cost_per_job_usd"].tolist() == pytest.approx([12.0, 10.5])
    assert t["jobs_per_day"].tolist() == pytest.approx([3.0, 8.0])  # 24 h ÷ 8 h, 24 h ÷ 3 h
    # half utilization doubles GPU time; 2 h queue at $10/h adds $20; 2 GPUs double compute
    t = cost_per_task.cost_table(gpu=["A100"], usd_per_gpu_hour=[1.50], runtime_hours=[8.0], queue_hours=[2.0], gpus=2,
                        utilization=0.5, value_per_hour_usd=10.0, price_source=["s"])
    assert t["cost_per_job_usd"].item() == pytest.approx(8 * 2 * 1.50 / 0.5 + 20)
    assert t["price_source"].item() == "s"


def test_band_costs_by_hand():
    band = cost_per_task.band_costs({"low": 2.0, "median": 4.0, "high": 8.0}, runtime_hours_a=8.0, usd_per_gpu_hour=3.0)
    assert band["end"].tolist() == ["low", "median", "high"]
    assert band["runtime_hours"].tolist() == [4.0, 2.0, 1.0]
    assert band["cost_per_job_usd"].tolist() == pytest.approx([12.0, 6.0, 3.0])
    assert len(cost_per_task.band_costs({"low": None, "median": None, "high": None}, runtime_hours_a=8, usd_per_gpu_hour=3)) == 0


def test_cost_on_every_gpu_leaves_out_thin_speedups():
    from gpuplan import runtime

    mi300x = "mi300x-192gb"
    n = runtime.speedup_band("a100-sxm4-80gb", mi300x)["n"]
    assert 1 <= n < 3  # one tinygrad submission at the time of writing
    every = cost_per_task.cost_on_every_gpu("a100-sxm4-80gb", runtime_hours_a=8.0, min_comparisons=3)
    assert mi300x not in set(every["gpu_id"]) and (every.query("gpu_id != 'a100-sxm4-80gb'")["comparisons"] >= 3).all()
    assert mi300x in set(cost_per_task.cost_on_every_gpu("a100-sxm4-80gb", runtime_hours_a=8.0, min_comparisons=1)["gpu_id"])
    a = every.set_index("gpu_id").loc["a100-sxm4-80gb"]
    assert a["speedup"] == 1.0 and a["runtime_hours"] == 8.0


def test_cost_on_every_gpu_takes_the_callers_price_runtime_and_queue():
    price = {"usd_per_gpu_hour": 9.99, "source_id": "parameter"}
    every = cost_per_task.cost_on_every_gpu("a100-sxm4-80gb", runtime_hours_a=8.0, gpus_per_job=2, value_per_hour_usd=5.0,
                                   queue_hours=1.0, known={"h100-sxm5-80gb": {"price": price, "runtime_hours": 2.0,
                                                                                "queue_hours": 4.0}})
    h100 = every.set_index("gpu_id").loc["h100-sxm5-80gb"]
    assert (h100["usd_per_gpu_hour"], h100["source_id"], h100["runtime_hours"]) == (9.99, "parameter", 2.0)
    assert h100["speedup"] == 4.0 and h100["extra_usd"] == 20.0 and h100["gpu_count"] == 2  # 8/2; 4 h × $5
    assert every.set_index("gpu_id").loc["a100-sxm4-80gb", "extra_usd"] == 5.0  # 1 h × $5
