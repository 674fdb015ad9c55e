"""gpuplan.which_gpu (the decision page): the ranking rule, the flip price and the measured jobs, checked by hand
and against data/benchmarks.csv read directly."""

from __future__ import annotations

import pytest
from conftest import csv_rows

from gpuplan import data, prices, which_gpu
from gpuplan.which_gpu import Option


def test_decide_picks_the_cheapest_and_the_runner_up_on_another_gpu():
    options = [Option("h100-sxm5-80gb", 1, "bf16", 10.0, 4.0), Option("h100-sxm5-80gb", 2, "bf16", 11.0, 4.0),
               Option("a100-sxm4-80gb", 1, "bf16", 12.5, 2.0), Option("b200-sxm-180gb", 1, "bf16", 15.0, 6.0)]
    found = which_gpu.decide("job", "$", options, "basis")
    assert found["answer"] == options[0]
    assert found["runner_up"] == options[2]  # the 2-GPU H100 option is the same GPU, not a runner-up
    # the A100's job cost is proportional to its price: it ties at 2.0 x 10 / 12.5 = $1.60/GPU-hour
    assert "below $1.60/GPU-hour (market median $2.00)" in found["flip"]
    assert found["pair"]["a100-sxm4-80gb"] == options[2] and found["pair"]["h100-sxm5-80gb"] == options[0]


def test_decide_with_nothing_is_an_answer():
    found = which_gpu.decide("job", "$", [], "basis", missing="no MLPerf result")
    assert found["answer"] is None and found["message"] == "no GPU in the data can run it"


def _best_per_gpu_sps(workload: str) -> dict[str, float]:
    rows = [r for r in csv_rows("benchmarks.csv") if r["suite"] == "MLPerf Inference" and r["workload"] == workload
            and r["scenario"] == "Offline"]
    best: dict[str, float] = {}
    for r in rows:
        per_gpu = float(r["value"]) / int(r["gpu_count"])
        best[r["gpu_id"]] = max(best.get(r["gpu_id"], 0.0), per_gpu)
    return best


def test_sdxl_cost_per_1000_images_by_hand():
    price_of = which_gpu.hourly_prices()
    found = which_gpu.measured_job("SDXL", "stable-diffusion-xl", per=1000, unit="$ per 1,000 images",
                                   price_of=price_of)
    sps = _best_per_gpu_sps("stable-diffusion-xl")
    h100 = found["pair"]["h100-sxm5-80gb"]
    usd = prices.resolve("h100-sxm5-80gb")["usd_per_gpu_hour"]
    assert h100.value == pytest.approx(usd / (sps["h100-sxm5-80gb"] * 3600) * 1000)
    assert found["pair"]["a100-sxm4-80gb"] is None  # no A100 SDXL result in the data
    priced = {g for g in sps if g in price_of}
    assert found["options"] == len(priced)


def test_pretraining_leaves_out_pcie_cards_and_finetunes_stay_in_one_node():
    price_of = {g: prices.resolve(g) for g in ("h100-sxm5-80gb", "rtx4090-24gb")}
    pre = which_gpu.pretrain_job("pre", 1e9, tokens=1e10, gpus=64, price_of=price_of)
    assert pre["answer"].gpu_id == "h100-sxm5-80gb" and pre["runner_up"] is None
    assert data.gpu("rtx4090-24gb")["interconnect"] == "pcie"
    full = which_gpu.finetune_job("full", "llama-3.1-8b", mode="full", tokens=1e7, seq=2048, batch=4,
                                  price_of=price_of)
    assert all(o.count <= which_gpu.GPUS_PER_NODE for o in [full["answer"], full.get("runner_up")] if o)


def test_serving_answer_meets_the_interactive_target():
    found = which_gpu.serve_job("serve", "llama-3.1-8b", input_tokens=1024, output_tokens=128, tpot_ms=40.0,
                                ttft_ms=450.0)
    answer = found["answer"]
    assert answer is not None and "TPOT" in answer.detail
    assert int(answer.detail.split("TPOT ")[1].split(" ")[0]) <= 40
