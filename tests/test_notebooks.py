"""The six analysis notebooks and gpuplan.params.

- Structure (no execution): `#` title, exactly one `parameters` cell with typed, commented defaults, a
  validation cell right after it, python3 kernelspec, committed outputs without errors or volatile metadata,
  and every `{glue:text}` name in the prose glued by the code.
- Execution (papermill, as a user runs them): each notebook with its defaults and with a non-default YAML
  parameter file; changed prices move the glued results the way a hand calculation says; bad parameters stop
  the run with one line naming the parameter.
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest
import yaml

from gpuplan import params
from gpuplan.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAMES = ["01_data_tour", "02_memory_planning", "03_cost_per_task", "04_breakeven", "05_scaling", "06_claims_check",
         "07_serving"]
PAPERMILL = str(Path(sys.executable).with_name("papermill"))


# --------------------------------------------------------------------------------------- gpuplan.params
@pytest.mark.parametrize("rule, value, expected", [
    ("price", None, None), ("price", 2, 2.0), ("price", 0, 0.0), ("positive", 0.5, 0.5), ("nonnegative", 0, 0.0),
    ("fraction", 1, 1.0), ("fraction", 0.4, 0.4), ("count", 3, 3), ("count", 2.0, 2), ("text", "x", "x")])
def test_validate_accepts(rule, value, expected):
    assert params.validate("p", value, rule) == expected


@pytest.mark.parametrize("rule, value, message", [
    ("price", -1.0, "h100_usd_per_hour: must be >= 0 USD (got -1.0)"),
    ("price", "cheap", "h100_usd_per_hour: must be a number (got 'cheap')"),
    ("price", True, "h100_usd_per_hour: must be a number (got True)"),
    ("positive", 0, "h100_usd_per_hour: must be > 0 (got 0)"),
    ("fraction", 0, "h100_usd_per_hour: must be in (0, 1] (got 0)"),
    ("fraction", 1.2, "h100_usd_per_hour: must be in (0, 1] (got 1.2)"),
    ("fraction", float("nan"), "h100_usd_per_hour: must be a finite number (got nan)"),
    ("count", 2.5, "h100_usd_per_hour: must be a whole number >= 1 (got 2.5)"),
    ("count", 0, "h100_usd_per_hour: must be a whole number >= 1 (got 0)"),
    ("text", "", "h100_usd_per_hour: must be a non-empty string (got '')"),
])
def test_validate_rejects_with_one_line_naming_the_parameter(rule, value, message):
    with pytest.raises(InputError) as err:
        params.validate("h100_usd_per_hour", value, rule)
    assert str(err.value) == message
    assert "\n" not in str(err.value)


def test_validate_choice_and_unknown_rule():
    assert params.validate("mode", "lora", "choice", choices=["inference", "lora"]) == "lora"
    with pytest.raises(InputError, match=r"^mode: must be one of inference, lora \(got 'dpo'\)$"):
        params.validate("mode", "dpo", "choice", choices=["inference", "lora"])
    with pytest.raises(InputError, match="^rule: unknown validation rule 'colour'"):
        params.validate("x", 1, "colour")


def test_validate_gpu_names_the_parameter_and_resolves_aliases():
    assert params.validate("gpu_b", "H100 SXM5", "gpu") == "h100-sxm5-80gb"
    assert params.validate("gpus", ["h100-sxm5-80gb", "A100 80GB SXM4"], "gpus") == ["h100-sxm5-80gb", "a100-sxm4-80gb"]
    with pytest.raises(InputError, match=r"^gpu_b: unknown GPU 'Z900'"):
        params.validate("gpu_b", "Z900", "gpu")
    with pytest.raises(InputError, match=r"^gpu_b: 'h100' is ambiguous; candidates: .*h100-sxm5-80gb"):
        params.validate("gpu_b", "h100", "gpu")
    with pytest.raises(InputError, match=r"^gpus: must be a list of GPU names"):
        params.validate("gpus", "h100-sxm5-80gb", "gpus")


def test_price_or_latest_reads_the_latest_observation_from_the_csv(market_by_hand):
    # independent of gpuplan.data: the newest dated RunPod Secure Cloud on-demand row for the H100 SXM in the CSV
    rows = pd.read_csv(ROOT / "data" / "prices.csv")
    rows = rows[(rows.gpu_id == "h100-sxm5-80gb") & (rows.kind == "on-demand") & (rows.provider == "RunPod Secure Cloud")]
    newest = rows.sort_values(["date_observed", "price_id"]).iloc[-1]
    got = params.price_or_latest("h100_usd_per_hour", None, "h100-sxm5-80gb", provider="RunPod Secure Cloud")
    assert got["usd_per_gpu_hour"] == newest["usd_per_gpu_hour"]
    assert got["source_id"] == newest["source_id"]
    assert params.price_or_latest("h100_usd_per_hour", 2.1, "h100-sxm5-80gb")["usd_per_gpu_hour"] == 2.1
    # a provider without this GPU falls back, on request, to the market median (worked out from the CSV)
    fallback = params.price_or_latest("p", None, "h100-sxm5-80gb", provider="Nowhere", any_provider=True)
    assert fallback["source"] == "market"
    assert fallback["usd_per_gpu_hour"] == pytest.approx(market_by_hand("h100-sxm5-80gb")[0])
    with pytest.raises(InputError, match=r"^h100_usd_per_hour: no on-demand price for h100-sxm5-80gb from provider "
                                         r"'Nowhere'"):
        params.price_or_latest("h100_usd_per_hour", None, "h100-sxm5-80gb", provider="Nowhere")


# --------------------------------------------------------------------------------------- structure
def read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def glued(nb: nbformat.NotebookNode) -> dict:
    """name -> value of every myst_nb.glue(..., display=False) output (papermill record mime type)."""
    out = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if meta:
                text = output["data"][meta["mime_prefix"] + "text/plain"]
                try:
                    out[meta["name"]] = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    out[meta["name"]] = text
    return out


PARAM_LINE = re.compile(r"^[a-z_][a-z0-9_]*: [^=]+ = .+  # .+$")


@pytest.mark.parametrize("name", NAMES)
def test_notebook_structure(name):
    nb = read(name)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one parameters cell"
    cell = nb.cells[tagged[0]]
    lines = [line for line in cell.source.splitlines() if line.strip() and line != "from typing import Optional"]
    assert lines and all(PARAM_LINE.match(line) for line in lines), "typed, commented defaults only"
    # what `papermill --help-notebook` shows: every parameter, with its type and its comment as help
    shown = {p["name"]: p for p in papermill.inspect_notebook(str(NOTEBOOKS / f"{name}.ipynb")).values()}
    assert list(shown) == [line.split(":")[0] for line in lines]
    assert all(p["help"] and p["inferred_type_name"] != "None" for p in shown.values())
    assert re.search(r"validate(_parameters)?\(", nb.cells[tagged[0] + 1].source), "parameters are validated right after"
    # MyST dollarmath is on in the book: a bare "$" would pair with the next one and typeset math
    for c in nb.cells:
        if c.cell_type == "markdown":
            assert not re.search(r"(?<!\\)\$", c.source), c.source[:80]
    # the question is stated before the parameters
    assert any(c.cell_type == "markdown" and "?" in c.source for c in nb.cells[: tagged[0]])


@pytest.mark.parametrize("name", NAMES)
def test_committed_outputs_are_clean_and_prose_is_glued(name):
    nb = read(name)
    assert "papermill" not in nb.metadata
    for cell in nb.cells:
        assert "execution" not in cell.metadata and "papermill" not in cell.metadata
        for output in cell.get("outputs", []):
            assert output.output_type != "error", cell.source[:80]
            assert not (output.output_type == "stream" and output.name == "stderr"), output.get("text", "")[:200]
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code_cells), "executed (outputs committed)"
    names = glued(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for ref in re.findall(r"\{glue:text\}`([^`:]+)", cell.source):
                assert ref in names, f"{ref} is quoted in the prose but never glued"


def test_headline_glue_names_in_book_vocabulary():
    assert {"cost_per_job_usd_a100", "cost_per_job_usd_h100", "speedup_used"} <= set(glued(read("03_cost_per_task")))
    assert {"breakeven_speedup", "breakeven_price_h100_usd_per_hour", "months_to_breakeven_h100"} <= set(
        glued(read("04_breakeven")))
    # the articles' example, reproduced in the committed output (HappyHorse 2026-04: $12.00 and $10.50)
    example = glued(read("03_cost_per_task"))
    assert example["example_cost_per_job_usd_a100"] == 12.0 and example["example_cost_per_job_usd_h100"] == 10.5


# --------------------------------------------------------------------------------------- execution
def run(name: str, tmp_path: Path, parameters: dict | None = None) -> subprocess.CompletedProcess:
    out = tmp_path / f"{name}.out.ipynb"
    cmd = [PAPERMILL, str(NOTEBOOKS / f"{name}.ipynb"), str(out), "-k", "python3", "--cwd", str(NOTEBOOKS),
           "--no-progress-bar"]
    if parameters is not None:
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(parameters))
        cmd += ["-f", str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    proc.glued = glued(nbformat.read(out, as_version=4)) if out.exists() else {}
    return proc


#: one non-default parameter file per notebook (what a reader's my_prices.yaml would hold)
CHANGED = {
    "01_data_tour": {"gpus": ["a100-sxm4-80gb", "h100-sxm5-80gb", "H200 141GB SXM"], "price_kind": "on-demand"},
    "02_memory_planning": {"model": "llama-3.1-70b", "mode": "qlora", "batch": 2, "seq": 2048, "offload": "optimizer",
                           "attention": "eager", "gpus_per_node": 4},
    "03_cost_per_task": {"a100_usd_per_hour": 2.0, "h100_usd_per_hour": 5.0, "runtime_hours_a": 10.0,
                         "utilization": 0.8, "mode": "qlora", "batch": 1, "seq": 2048, "checkpointing": False,
                         "input_tokens": 512, "output_tokens": 512, "tpot_ms": 100.0, "ttft_ms": None},
    "04_breakeven": {"a100_usd_per_hour": 2.0, "h100_usd_per_hour": 5.0, "workload_params_billions": 70.0,
                     "workload_precision": "fp8", "workload_task": "pretrain", "pue": 1.2, "usd_per_kwh": 0.2},
    "05_scaling": {"params_billions": 70.0, "gpus": ["a100-sxm4-80gb", "h100-sxm5-80gb"], "gpu_count": 256,
                   "tensor_parallel": 8, "pipeline_stages": 2, "mfu": 0.4, "mlperf_convergence": False},
    "06_claims_check": {"a100_usd_per_hour": 2.0, "h100_usd_per_hour": 5.0, "tpot_ms": 100.0, "output_tokens": 512},
    "07_serving": {"a100_usd_per_hour": 2.0, "h100_usd_per_hour": 5.0, "output_tokens": 512},
}


@pytest.fixture(scope="module")
def defaults(tmp_path_factory):
    """Glued results of every notebook run with its defaults (one papermill run each)."""
    tmp = tmp_path_factory.mktemp("defaults")
    return {name: run(name, tmp) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_runs_with_defaults(defaults, name):
    proc = defaults[name]
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.glued


@pytest.mark.parametrize("name", NAMES)
def test_runs_with_a_parameter_file(defaults, tmp_path, name):
    proc = run(name, tmp_path, CHANGED[name])
    assert proc.returncode == 0, proc.stderr[-2000:]
    before, after = defaults[name].glued, proc.glued
    assert set(after) == set(before)
    if name == "03_cost_per_task":
        # 10 h / speedup on H100 at $5.00 and 80 % utilization; 10 h at $2.00 / 0.8 = $25.00 on A100
        assert after["cost_per_job_usd_a100"] == pytest.approx(10 / 0.8 * 2.0)
        assert after["cost_per_job_usd_h100"] == pytest.approx(10 / after["speedup_used"] / 0.8 * 5.0)
    elif name in ("04_breakeven", "06_claims_check"):
        # equal utilization: break-even speedup = price ratio = 5.00 / 2.00
        assert after["breakeven_speedup"] == pytest.approx(2.5)
    elif name == "02_memory_planning":
        assert after["per_gpu_gib"] != before["per_gpu_gib"]
    elif name == "05_scaling":
        assert after["gpu_count"] == 256 and after["hours_to_train_h100"] != before["hours_to_train_h100"]
        assert after["layout"] == "tensor parallel 8 × pipeline 2" and after["goodput_used"] == 1.0
    if name == "04_breakeven":
        # FP8 only where native: the H100 runs fp8 at its fitted fp8 MFU, the A100 bf16 (dense peaks 1978.9 / 312)
        from gpuplan import runtime
        assert after["workload_speedup"] == pytest.approx(1978.9e12 * runtime.default_mfu("h100-sxm5-80gb", "fp8")["mfu"]
                                                          / (312e12 * runtime.default_mfu("a100-sxm4-80gb")["mfu"]))
        assert after["pue"] == 1.2 and after["usd_per_kwh"] == 0.2
        assert after["owned_usd_per_hour_h100"] != before["owned_usd_per_hour_h100"]


def test_higher_h100_price_raises_cost_per_job_and_breakeven(defaults, tmp_path):
    base_cost = defaults["03_cost_per_task"].glued
    base_even = defaults["04_breakeven"].glued
    dearer = base_cost["usd_per_gpu_hour_h100"] + 1.0
    cost = run("03_cost_per_task", tmp_path, {"h100_usd_per_hour": dearer}).glued
    even = run("04_breakeven", tmp_path, {"h100_usd_per_hour": dearer}).glued
    assert cost["cost_per_job_usd_h100"] > base_cost["cost_per_job_usd_h100"]
    assert cost["cost_per_job_usd_a100"] == base_cost["cost_per_job_usd_a100"]
    # cost scales with the price: ratio of costs = ratio of prices (same runtime, utilization, reruns)
    assert cost["cost_per_job_usd_h100"] / base_cost["cost_per_job_usd_h100"] == pytest.approx(
        dearer / base_cost["usd_per_gpu_hour_h100"])
    assert even["breakeven_speedup"] > base_even["breakeven_speedup"]
    assert even["breakeven_speedup"] == pytest.approx(base_even["breakeven_speedup"] * dearer
                                                      / base_even["usd_per_gpu_hour_h100"])


def test_cost_page_checks_the_fit_and_leaves_thin_evidence_out(defaults):
    got = defaults["03_cost_per_task"].glued
    # the default job, a LoRA of Llama-3.1-8B at 2 x 4,096 tokens, needs more than a 24 GB RTX 4090 holds
    # (24e9 bytes = 22.35 GiB): it must not be ranked; the MI300X rests on one tinygrad (tinycorp) result
    assert got["job_gib_per_gpu"] > 24e9 / 2**30
    assert "RTX 4090" in got["left_out_fit"] and "H100" not in got["left_out_fit"]
    assert "MI300X" in got["left_out_thin"] and "1 result" in got["left_out_thin"]


def test_cost_page_prices_inference_with_the_serving_model(defaults, tmp_path):
    # task inference: the runtime on gpu_b is runtime_hours_a / the serving model's throughput ratio, and the job
    # costs hours x price on each GPU (10 h at $2.00 on the A100; 10 h / ratio at $5.00 on the H100)
    proc = run("03_cost_per_task", tmp_path, {"task": "inference", "a100_usd_per_hour": 2.0, "h100_usd_per_hour": 5.0,
                                              "runtime_hours_a": 10.0})
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = proc.glued
    ratio = got["serving_output_tokens_per_s_per_gpu_h100"] / got["serving_output_tokens_per_s_per_gpu_a100"]
    assert got["speedup_used"] == pytest.approx(ratio) and got["serving_speedup"] == pytest.approx(ratio)
    assert got["cost_per_job_usd_a100"] == pytest.approx(20.0)
    assert got["cost_per_job_usd_h100"] == pytest.approx(10 / ratio * 5.0)
    # $ per million output tokens = price / (tokens/s per GPU x 3600 s) x 10^6
    assert got["serving_usd_per_million_output_tokens_h100"] == pytest.approx(
        5.0 / (got["serving_output_tokens_per_s_per_gpu_h100"] * 3600) * 1e6)
    assert "serving model" in got["speedup_basis"]
    # without task inference the same page keeps the observed benchmark median
    assert "observed" in defaults["03_cost_per_task"].glued["speedup_basis"]


def test_goodput_divides_the_scaling_hours(defaults, tmp_path):
    half = run("05_scaling", tmp_path, {"goodput": 0.5})
    assert half.returncode == 0, half.stderr[-2000:]
    base = defaults["05_scaling"].glued
    assert half.glued["hours_to_train_h100"] == pytest.approx(2 * base["hours_to_train_h100"])
    assert half.glued["scaling_efficiency_h100"] == pytest.approx(base["scaling_efficiency_h100"])


def test_claims_page_shows_the_serving_ratio(defaults):
    got = defaults["06_claims_check"].glued
    # 3 models x 2 regimes (at the TPOT target, no target) x 2 weight choices (best native, bf16 on both)
    assert got["serving_ratio_n"] == 12
    # the reference ratios beside it, from the gpus table: 3,350 / 2,039 GB/s and 989.4 / 312 dense bf16 TFLOPS
    assert got["bandwidth_ratio"] == pytest.approx(3350 / 2039) and got["bf16_peak_ratio"] == pytest.approx(989.4 / 312)
    assert got["serving_ratio_low"] <= got["serving_ratio_median"] <= got["serving_ratio_high"]


@pytest.mark.parametrize("name, bad, line", [
    ("02_memory_planning", {"offload": "optimizer"}, "InputError: offload: only applies to training"),
    ("03_cost_per_task", {"h100_usd_per_hour": -1.0}, "InputError: h100_usd_per_hour: must be >= 0 USD (got -1.0)"),
    ("04_breakeven", {"utilization_b": 1.5}, "InputError: utilization_b: must be in (0, 1] (got 1.5)"),
    ("06_claims_check", {"gpu_b": "Z900"}, "InputError: gpu_b: unknown GPU 'Z900'"),
])
def test_bad_parameter_stops_with_one_line_naming_it(tmp_path, name, bad, line):
    proc = run(name, tmp_path, bad)
    assert proc.returncode != 0
    assert line in proc.stderr
