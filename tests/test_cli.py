"""The command line: --json output matches the library; every class of bad input exits 2 with one line."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from gpuplan.cli import app, parse_count
from gpuplan.errors import InputError

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def run_json(*args):
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_one_line_error(result, option):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:") and option in lines[0]
    assert result.stdout == ""


# ------------------------------------------------------------------------------------------- counts
@pytest.mark.parametrize(
    "text, expected",
    [("6.74e9", 6_740_000_000), ("6.74B", 6_740_000_000), ("7b", 7_000_000_000), ("500M", 500_000_000),
     ("2K", 2000), ("1.4T", 1_400_000_000_000), ("1_000", 1000), ("12", 12)],
)  # fmt: skip
def test_parse_count(text, expected):
    assert parse_count("--params", text) == expected


@pytest.mark.parametrize("text", ["abc", "6.74X", "-5", "0", "", "nan"])
def test_parse_count_rejects(text):
    with pytest.raises(InputError, match="^--params"):
        parse_count("--params", text)


# ---------------------------------------------------------------------------------------- help
def _all_commands(group=None, prefix=()):
    """Every (sub)command path of the typer app, found by walking the click command tree."""
    import typer.main

    group = group or typer.main.get_command(app)
    for name, cmd in group.commands.items():
        yield (*prefix, name)
        if hasattr(cmd, "commands"):
            yield from _all_commands(cmd, (*prefix, name))


def test_issue_commands_exist():
    names = {path[0] for path in _all_commands()}
    assert {"memory", "runtime", "cost", "breakeven", "scale", "data"} <= names


@pytest.mark.parametrize("command", [()] + list(_all_commands()))
def test_help_on_every_command(command):
    result = run(*command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


# ------------------------------------------------------------------------------------------ rent-vs-buy
def test_rent_vs_buy_json_matches_hand_calculation():
    # same case as tests/test_breakeven.py: 30000 / (912.5 − 138.325) = 38.7509 months
    out = run_json("rent-vs-buy", "--purchase", "30000", "--cloud-price", "2.5", "--tdp", "700", "--pue", "1.5",
                   "--usd-per-kwh", "0.10", "--hosting", "100", "--years", "3", "--utilization", "0.5")  # fmt: skip
    assert out["months_to_breakeven"] == pytest.approx(30000 / 774.175)
    assert out["buy_is_cheaper"] is False


def test_rent_vs_buy_never_pays_back_is_null_in_json():
    out = run_json("rent-vs-buy", "--purchase", "30000", "--cloud-price", "0.01", "--hosting", "100", "--tdp", "700")
    assert out["months_to_breakeven"] is None  # inf -> null (JSON has no Infinity)


def test_rent_vs_buy_table():
    result = run("rent-vs-buy", "--purchase", "30000", "--cloud-price", "2.5", "--tdp", "700")
    assert result.exit_code == 0 and "months_to_breakeven" in result.stdout


@pytest.mark.parametrize(
    "args, option",
    [
        (["--utilization", "1.5"], "--utilization"),
        (["--utilization", "0"], "--utilization"),
        (["--pue", "0.8"], "--pue"),
        (["--purchase", "-1"], "--purchase"),
        (["--years", "abc"], "--years"),  # a typer parse error, also one line
    ],
)
def test_rent_vs_buy_bad_input(args, option):
    base = {"--purchase": "30000", "--cloud-price": "2.5", "--tdp": "700"}
    for k, v in zip(args[::2], args[1::2], strict=True):
        base[k] = v
    assert_one_line_error(run("rent-vs-buy", *[x for kv in base.items() for x in kv]), option)


def test_missing_option_is_one_line():
    assert_one_line_error(run("rent-vs-buy", "--cloud-price", "2.5", "--tdp", "700"), "--purchase")


def test_unknown_command_is_one_line():
    result = run("bogus")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_subprocess_entry_point_one_line_no_traceback():
    proc = subprocess.run([sys.executable, "-m", "gpuplan", "rent-vs-buy", "--purchase", "30000",
                           "--cloud-price", "2.5", "--tdp", "700", "--utilization", "2"],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.strip() == "error: --utilization: 2 is outside the allowed range (0, 1]"


# ------------------------------------------------------------------------------------------------- cost
def test_cost_articles_example_via_cli():
    # HappyHorse 2026-04: A100 8 h × $1.50 = $12.00; H100 3 h × $3.50 = $10.50
    assert run_json("cost", "--gpu", "a100-sxm4-80gb", "--hours", "8", "--price", "1.50")["cost_per_job_usd"] == 12.0
    out = run_json("cost", "--gpu", "H100 SXM", "--hours", "3", "--price", "3.50")
    assert out["cost_per_job_usd"] == 10.5 and out["gpu"] == "h100-sxm5-80gb" and out["price"]["source"] == "given"


def test_cost_parts_by_hand_via_cli():
    # 10 h × 4 × $2 / 0.8 = 100; +5% reruns = 5; queue 2 h × $20 = 40; 1e9 tokens -> $145 per 1e9 = $0.145 / 1M
    out = run_json("cost", "--gpu", "a100-sxm4-80gb", "--hours", "10", "--price", "2", "--gpus", "4",
                   "--utilization", "0.8", "--reruns-per-100", "5", "--queue-hours", "2", "--value-per-hour", "20",
                   "--tokens", "1B")  # fmt: skip
    assert out["compute_usd"] == pytest.approx(100) and out["rerun_usd"] == pytest.approx(5)
    assert out["queue_usd"] == pytest.approx(40) and out["cost_per_job_usd"] == pytest.approx(145)
    assert out["usd_per_million_tokens"] == pytest.approx(0.145)


def test_cost_default_price_is_the_market_median_with_its_basis():
    from gpuplan import prices

    market = prices.resolve("a100-sxm4-80gb")
    out = run_json("cost", "--gpu", "a100-sxm4-80gb", "--hours", "8")
    assert out["price"] == market
    assert set(out["price"]) >= {"basis", "low_usd", "high_usd", "n_providers"}
    assert out["cost_per_job_usd"] == pytest.approx(8 * market["usd_per_gpu_hour"])


def test_cost_table_output():
    result = run("cost", "--gpu", "a100-sxm4-80gb", "--hours", "8", "--price", "1.5")
    assert result.exit_code == 0 and "cost_per_job_usd" in result.stdout and "12" in result.stdout


# -------------------------------------------------------------------------------------------- breakeven
def test_breakeven_via_cli_matches_library():
    from gpuplan import runtime

    out = run_json("breakeven", "--a", "a100-sxm4-80gb", "--b", "h100-sxm5-80gb", "--price-a", "1.5",
                   "--price-b", "3.5", "--task", "training")  # fmt: skip
    assert out["breakeven_speedup"] == pytest.approx(3.5 / 1.5)
    band = runtime.speedup_band("a100-sxm4-80gb", "h100-sxm5-80gb", task_type="training")
    assert out["observed_speedup"] == pytest.approx({k: band[k] for k in ("low", "median", "high")})
    # B ties at price_a × median speedup (full utilization, no reruns)
    assert out["breakeven_price_b"] == pytest.approx(1.5 * band["median"])
    assert out["verdict"]


# ----------------------------------------------------------------------------------------------- memory
def test_memory_json_matches_library():
    from gpuplan import data, memory

    out = run_json("memory", "--model", "llama-3.1-8b", "--mode", "inference", "--precision", "bf16", "--batch", "1",
                   "--seq", "8192")  # fmt: skip
    est = memory.memory_estimate("llama-3.1-8b", mode="inference", precision="bf16", batch=1, seq=8192)
    assert out["components"] == est.components
    assert set(out["components"]) == {"weights", "gradients", "optimizer", "activations", "kv_cache", "overhead"}
    assert out["per_gpu_bytes"] == sum(est.components.values())
    assert set(out["fits"]) == set(data.gpus()["gpu_id"])
    h100 = out["fits"]["h100-sxm5-80gb"]
    assert h100["fits"] is True and h100["headroom_bytes"] == 80 * 10**9 - out["per_gpu_bytes"]


def test_memory_explicit_architecture_and_counts():
    # 6.74B written two ways gives the same answer
    args = ["memory", "--layers", "32", "--hidden", "4096", "--heads", "32", "--vocab", "32000", "--mode", "full"]
    assert run_json(*args, "--params", "6.74B") == run_json(*args, "--params", "6.74e9")


def test_model_too_big_for_every_gpu_is_an_answer():
    result = run("memory", "--model", "llama-3.1-405b", "--mode", "full", "--checkpointing", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert not any(f["fits"] for f in out["fits"].values())
    assert out["verdict"].startswith("needs >= ") and "ZeRO-3" in out["verdict"]
    assert all(n is None or n > 1 for n in out["min_gpus"].values())


# ---------------------------------------------------------------------------------------------- runtime
def test_runtime_json_matches_library():
    from gpuplan import runtime

    out = run_json("runtime", "--params", "7B", "--task", "pretrain", "--tokens", "1e9", "--gpu", "h100-sxm5-80gb",
                   "--gpus", "8", "--precision", "bf16")  # fmt: skip
    lib = runtime.runtime_estimate(params=7e9, tokens=1e9, gpu_id="h100-sxm5-80gb", gpus=8, precision="bf16")
    for key in ("hours", "hours_low", "hours_high", "gpu_hours", "mfu"):
        assert out[key] == pytest.approx(getattr(lib, key))
    assert out["gpu_hours"] == pytest.approx(8 * out["hours"])


# ------------------------------------------------------------------------------------------------ scale
def test_scale_json_per_count():
    out = run_json("scale", "--params", "7B", "--gpu", "h100-sxm5-80gb", "--gpus", "1,8,64,512", "--price", "2",
                   "--tokens", "1e10")  # fmt: skip
    rows = out["per_gpu_count"]
    assert [r["n"] for r in rows] == [1, 8, 64, 512]
    assert rows[0]["efficiency"] == pytest.approx(1.0)
    for r in rows:
        assert r["cost_usd"] == pytest.approx(r["gpu_hours"] * 2.0)
        assert 0 < r["efficiency"] <= 1 + 1e-9


# --------------------------------------------------------------------------------------- bad input, CLI
@pytest.mark.parametrize(
    "args, option",
    [
        (["memory", "--model", "no-such-model"], "--model"),
        (["memory", "--model", "llama-3.1-8b", "--params", "8B"], "--model"),
        (["memory", "--model", "llama-3.1-8b", "--mode", "lora", "--lora-rank", "0"], "--lora-rank"),
        (["memory", "--model", "llama-3.1-8b", "--seq", "0"], "--seq"),
        (["memory", "--model", "llama-3.1-8b", "--mode", "full", "--gpus", "1000000"], "--gpus"),
        (["memory", "--model", "llama-3.1-8b", "--zero", "4", "--mode", "full"], "--zero"),
        (["memory", "--model", "llama-3.1-8b", "--precision", "fp64"], "--precision"),
        (["memory", "--params", "lots", "--layers", "2"], "--params"),
        (["cost", "--gpu", "a100-sxm4-80gb", "--hours", "8", "--price", "-1"], "--price"),
        (["cost", "--gpu", "a100-sxm4-80gb", "--hours", "8", "--price", "1", "--utilization", "1.5"], "--utilization"),
        (["cost", "--gpu", "a100-sxm4-80gb", "--hours", "8", "--price", "1", "--utilization", "0"], "--utilization"),
        (["cost", "--gpu", "a100-sxm4-80gb", "--hours", "8", "--price", "1", "--reruns-per-100", "-3"], "--reruns-per-100"),
        (["cost", "--gpu", "a100-sxm4-80gb", "--hours", "-8", "--price", "1"], "--hours"),
        (["cost", "--gpu", "a100-sxm4-80gb", "--hours", "8", "--provider", "NoSuchCloud"], "--provider"),
        (["cost", "--gpu", "nosuchgpu", "--hours", "8"], "--gpu"),
        (["breakeven", "--a", "a100-sxm4-80gb", "--b", "h100-sxm5-80gb", "--price-a", "-1", "--price-b", "3"], "--price-a"),
        (["breakeven", "--a", "a100-sxm4-80gb", "--b", "h100", "--price-a", "1", "--price-b", "3"], "--b"),
        (["breakeven", "--a", "a100-sxm4-80gb", "--b", "h100-sxm5-80gb", "--task", "dance"], "--task"),
        (["runtime", "--params", "7B", "--tokens", "0", "--gpu", "h100-sxm5-80gb"], "--tokens"),
        (["runtime", "--params", "7B", "--tokens", "1B", "--gpu", "h100-sxm5-80gb", "--task", "x"], "--task"),
        (["runtime", "--params", "7B", "--tokens", "1B", "--gpu", "h100-sxm5-80gb", "--mfu", "1.5"], "--mfu"),
        (["scale", "--params", "7B", "--gpu", "h100-sxm5-80gb", "--gpus", "1,0"], "--gpus"),
        (["scale", "--params", "7B", "--gpu", "h100-sxm5-80gb", "--price", "1", "--overlap", "2"], "--overlap"),
        (["cost", "--gpu", "a100-sxm4-80gb", "--hours", "eight"], "--hours"),
        (["cost", "--gpu", "a100-sxm4-80gb", "--hours", "inf", "--price", "1"], "--hours"),
        (["cost", "--gpu", "a100-sxm4-80gb", "--hours", "8", "--kind", "purchase"], "--kind"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, option):
    assert_one_line_error(run(*args), option)


def test_ambiguous_h100_lists_candidates():
    result = run("cost", "--gpu", "h100", "--hours", "3", "--price", "3.5")
    assert_one_line_error(result, "--gpu")
    for candidate in ("h100-sxm5-80gb", "h100-pcie-80gb", "h100-nvl-94gb"):
        assert candidate in result.stderr


def test_subprocess_ambiguous_gpu():
    proc = subprocess.run([sys.executable, "-m", "gpuplan", "breakeven", "--a", "a100-sxm4-80gb", "--b", "h100"],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: --b: 'h100' is ambiguous; candidates:")


def test_rent_vs_buy_with_gpu_from_data():
    from gpuplan.breakeven import rent_vs_buy_gpu

    out = run_json("rent-vs-buy", "--gpu", "h100-sxm5-80gb", "--cloud-price", "2.5", "--utilization", "0.5")
    assert out["months_to_breakeven"] == pytest.approx(
        rent_vs_buy_gpu("h100-sxm5-80gb", cloud_usd_per_hour=2.5, utilization=0.5)["months_to_breakeven"])
    assert_one_line_error(run("rent-vs-buy", "--purchase", "30000", "--cloud-price", "2.5", "--tdp", "-5"), "--tdp")
    assert_one_line_error(run("rent-vs-buy", "--purchase", "30000", "--cloud-price", "2.5"), "--tdp")


def test_breakeven_sensitivity_json():
    out = run_json("breakeven", "--a", "a100-sxm4-80gb", "--b", "h100-sxm5-80gb", "--price-a", "1.5", "--price-b",
                   "3.5", "--task", "training", "--sensitivity")  # fmt: skip
    rows = {r["input"]: r for r in out["sensitivity"]}
    assert (rows["speedup"]["low"], rows["speedup"]["high"]) == (out["observed_speedup"]["low"], out["observed_speedup"]["high"])
    # per A-hour at speedup s: 3.5 / s − 1.5
    assert rows["speedup"]["difference_low_usd"] == pytest.approx(3.5 / out["observed_speedup"]["low"] - 1.5)


# ------------------------------------------------------------------- allreduce, offload, goodput (issue 13)
def test_allreduce_json():
    # 2 MI300X share one xGMI link: ~48 GB/s usable (AMD ROCm blog) -> 1 GB in 1/48 s (algbw = busbw for n = 2)
    out = run_json("allreduce", "--gpu", "mi300x-192gb", "--gpus", "2", "--bytes", "1G")
    assert out["bus_bandwidth_gbps"] == pytest.approx(48) and out["algorithm_bandwidth_gbps"] == pytest.approx(48)
    assert out["seconds"] == pytest.approx(1 / 48)
    # 8 H100 on NVLS: algbw 275 GB/s (NCCL maintainer, nccl-tests #212), busbw = 275 · 2 · 7 / 8
    out = run_json("allreduce", "--gpu", "h100-sxm5-80gb", "--gpus", "8", "--bytes", "14e9")
    assert out["algorithm_bandwidth_gbps"] == pytest.approx(275) and out["seconds"] == pytest.approx(14e9 / 275e9)


def test_memory_offload_json_has_cpu_bytes_per_node():
    out = run_json("memory", "--model", "llama-3.1-8b", "--mode", "full", "--zero", "3", "--gpus", "8",
                   "--offload", "optimizer+params")  # fmt: skip
    # DeepSpeed ZeRO-Infinity estimate: 18 bytes × 8e9 params / 1 node × 1.5 buffer on the CPU
    assert out["cpu_bytes_per_node"] == 18 * 8_000_000_000 * 3 // 2
    assert out["components"]["optimizer"] == 0


def test_runtime_goodput_option():
    one = run_json("runtime", "--params", "7B", "--tokens", "1e9", "--gpu", "h100-sxm5-80gb", "--mfu", "0.5",
                   "--goodput", "1")  # fmt: skip
    assert one["hours"] == pytest.approx(6 * 7e9 * 1e9 / (989.4e12 * 0.5) / 3600) and one["goodput"] == 1
    prod = run_json("runtime", "--params", "7B", "--tokens", "1e9", "--gpu", "h100-sxm5-80gb", "--mfu", "0.5")
    assert prod["goodput_method"] == "production" and prod["hours"] == pytest.approx(one["hours"] / prod["goodput"])


@pytest.mark.parametrize(
    "args, option",
    [
        (["allreduce", "--gpu", "h100-sxm5-80gb", "--gpus", "1", "--bytes", "1G"], "--gpus"),
        (["allreduce", "--gpu", "h100-sxm5-80gb", "--gpus", "8", "--bytes", "0"], "--bytes"),
        (["allreduce", "--gpu", "h100-sxm5-80gb", "--gpus", "8", "--bytes", "1G", "--gpus-per-node", "0"], "--gpus-per-node"),
        (["scale", "--params", "7B", "--gpu", "h100-sxm5-80gb", "--price", "1", "--gpus-per-node", "0"], "--gpus-per-node"),
        (["scale", "--params", "7B", "--gpu", "h100-sxm5-80gb", "--price", "1", "--goodput", "0"], "--goodput"),
        (["memory", "--params", "7B", "--layers", "2", "--hidden", "64", "--heads", "128"], "--heads"),
        (["memory", "--model", "llama-3.1-8b", "--batch", "100000000000"], "--batch"),
        (["memory", "--model", "llama-3.1-8b", "--seq", "-5"], "--seq"),
        (["memory", "--model", "llama-3.1-8b", "--offload", "optimizer"], "--offload"),
        (["memory", "--model", "llama-3.1-8b", "--mode", "full", "--offload", "disk"], "--offload"),
        (["memory", "--model", "llama-3.1-8b", "--attention", "sparse"], "--attention"),
        (["runtime", "--model", "llama-3.1-8b", "--tokens", "1B", "--gpu", "h100-sxm5-80gb", "--seq", "-5"], "--seq"),
        (["runtime", "--params", "7B", "--tokens", "1B", "--gpu", "h100-sxm5-80gb", "--goodput", "2"], "--goodput"),
        (["runtime", "--params", "7B", "--tokens", "1e300", "--gpu", "h100-sxm5-80gb"], "--tokens"),
    ],
)  # fmt: skip
def test_issue13_bad_input_exits_2_with_one_line(args, option):
    assert_one_line_error(run(*args), option)
