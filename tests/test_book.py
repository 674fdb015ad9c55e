"""gpuplan.book without building the book: edition parameters, execution keys, normalization, staleness.

The fixture notebook tests/fixtures/book/placeholder.ipynb declares price_usd_per_hour: float = 2.5,
gpu_count: int = 8 and label = 'demo', and validates the first two with gpuplan.params (nonnegative, count).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from gpuplan import book
from gpuplan.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "book" / "placeholder.ipynb"


def _params_notebook(path: Path, source: str) -> Path:
    """A one-cell notebook whose cell is the parameters cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source, metadata={"tags": ["parameters"]})]
    nbformat.write(nb, path)
    return path


def _one_line(err: Exception) -> str:
    text = str(err)
    assert "\n" not in text and "Traceback" not in text
    return text


# ---------------------------------------------------------------------------------------------- parameters
def test_declared_parameters_of_fixture():
    declared = book.declared_parameters([FIXTURE])["placeholder"]
    assert set(declared) == {"price_usd_per_hour", "gpu_count", "label"}
    assert declared["price_usd_per_hour"]["inferred_type_name"] == "float"
    assert declared["price_usd_per_hour"]["default"] == "2.5"


def test_optional_parameter_is_read_by_papermill_and_typed(tmp_path):
    # the book reads parameters with papermill (gpuplan.params.notebook_parameters), as batch and `gpuplan run` do
    cell = "from typing import Optional\nh100_usd_per_hour: Optional[float] = None  # $/GPU-hour; None means the data"
    path = _params_notebook(tmp_path / "opt.ipynb", cell)
    info = book.declared_parameters([path])["opt"]["h100_usd_per_hour"]
    assert info["help"] == "$/GPU-hour; None means the data" and info["default"] == "None"
    assert book.validate_params({"h100_usd_per_hour": None}, [path]) == {"opt": {"h100_usd_per_hour": None}}
    routed = book.validate_params({"h100_usd_per_hour": 3}, [path])
    assert routed == {"opt": {"h100_usd_per_hour": 3.0}} and isinstance(routed["opt"]["h100_usd_per_hour"], float)
    with pytest.raises(InputError, match=r"^h100_usd_per_hour: must be float or None \(got 'cheap'\)$"):
        book.validate_params({"h100_usd_per_hour": "cheap"}, [path])


def test_annotation_papermill_cannot_read_is_one_line_naming_the_notebook(tmp_path):
    # papermill 2.7's regex skips `float | None`: the notebook says where, instead of the parameter vanishing
    path = _params_notebook(tmp_path / "bar.ipynb", "h100_usd_per_hour: float | None = None  # $/GPU-hour")
    with pytest.raises(InputError) as err:
        book.validate_params({"h100_usd_per_hour": 2.0}, [path])
    line = _one_line(err.value)
    assert line.startswith("notebook: bar.ipynb: parameters cell line 1: papermill cannot read the parameter "
                           "'h100_usd_per_hour'") and "Optional[float]" in line


def test_every_problem_is_one_line_and_nothing_is_executed(tmp_path):
    # a validation cell that would fail if it were executed: the check reads its rules, it does not run it
    nb = nbformat.read(FIXTURE, as_version=4)
    nb.cells[2].source += "\nraise SystemExit('the validation cell was executed')"
    path = tmp_path / "placeholder.ipynb"
    nbformat.write(nb, path)
    assert book.validate_params({"gpu_count": 4}, [path]) == {"placeholder": {"gpu_count": 4}}
    with pytest.raises(InputError) as err:
        book.validate_params({"h100_price": 2.0, "gpu_count": 0, "price_usd_per_hour": "2.5"}, [path])
    assert str(err.value).splitlines() == [
        "h100_price: no notebook declares this parameter; known: gpu_count, label, price_usd_per_hour",
        "gpu_count: must be a whole number >= 1 (got 0)",          # the notebook's own rule (count)
        "price_usd_per_hour: must be float (got '2.5')",           # the declared type
    ]
    assert [e.field for e in err.value.errors] == ["h100_price", "gpu_count", "price_usd_per_hour"]


def test_unknown_parameter_is_one_line_naming_it():
    with pytest.raises(InputError) as err:
        book.validate_params({"h100_price": 2.0}, [FIXTURE])
    line = _one_line(err.value)
    assert line.startswith("h100_price: no notebook declares this parameter")
    assert "price_usd_per_hour" in line  # the known names are listed


@pytest.mark.parametrize("name, value, message", [
    ("price_usd_per_hour", "2.5", "must be float"),       # a string where a number is declared
    ("gpu_count", 2.5, "must be int"),                    # int declared, float given
    ("gpu_count", True, "must be int"),                   # a bool is not a count
    ("price_usd_per_hour", -1.0, "must be >= 0"),         # the notebook's own rule (gpuplan.params nonnegative)
    ("gpu_count", 0, "must be a whole number >= 1"),      # the notebook's own rule (count)
])
def test_bad_value_is_one_line_naming_it(name, value, message):
    with pytest.raises(InputError) as err:
        book.validate_params({name: value}, [FIXTURE])
    line = _one_line(err.value)
    assert line.startswith(f"{name}: ") and message in line


def test_values_go_only_to_notebooks_that_declare_them(tmp_path):
    other = _params_notebook(tmp_path / "other.ipynb", "gpu_count: int = 1")
    routed = book.validate_params({"price_usd_per_hour": 3.0, "gpu_count": 4}, [FIXTURE, other])
    assert routed == {"placeholder": {"price_usd_per_hour": 3.0, "gpu_count": 4}, "other": {"gpu_count": 4}}


def test_example_edition_file_is_valid_for_the_real_notebooks():
    params = book.load_params(ROOT / "scenarios" / "my_prices.yaml")
    assert params["a100_usd_per_hour"] == 1.6 and params["h100_usd_per_hour"] == 2.5
    routed = book.validate_params(params)
    # every key reaches at least one notebook
    assert set(params) == {name for values in routed.values() for name in values}


@pytest.mark.parametrize("text, message", [
    ("- a\n- b\n", "must be a mapping of parameter: value"),
    ("a100_usd_per_hour: [1,\n", "not valid YAML"),
])
def test_load_params_rejects_bad_files(tmp_path, text, message):
    path = tmp_path / "my.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        book.load_params(path)
    assert _one_line(err.value).startswith("--params: ") and message in str(err.value)


def test_load_params_empty_file_is_the_default_edition(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing changed\n")
    assert book.load_params(path) == {}


def test_cli_bad_edition_exits_2_with_one_line_and_builds_nothing(tmp_path):
    bad = tmp_path / "typo_edition.yaml"
    bad.write_text("h100_usd_per_hr: 2.0\n")
    result = subprocess.run([sys.executable, "-m", "gpuplan", "book", "--params", str(bad)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("error: h100_usd_per_hr: no notebook declares this parameter")
    assert not (ROOT / "_editions" / "typo_edition").exists()


def test_edition_root_is_named_after_the_file():
    assert book.edition_root(None) == ROOT
    assert book.edition_root("scenarios/my_prices.yaml") == ROOT / "_editions" / "my_prices"
    assert book.edition_root("/tmp/Team A prices.yml") == ROOT / "_editions" / "Team-A-prices"


# ---------------------------------------------------------------------------------------- execution keys
def test_exec_key_changes_with_source_params_and_data_but_not_outputs(tmp_path):
    key = book.exec_key(FIXTURE, {}, "data-1")
    assert book.exec_key(FIXTURE, {}, "data-1") == key
    assert book.exec_key(FIXTURE, {"gpu_count": 4}, "data-1") != key
    assert book.exec_key(FIXTURE, {}, "data-2") != key
    nb = nbformat.read(FIXTURE, as_version=4)
    nb.cells[-1].outputs = [nbformat.v4.new_output("stream", text="anything\n")]
    nb.metadata["papermill"] = {"duration": 1.0}
    with_outputs = tmp_path / "placeholder.ipynb"
    nbformat.write(nb, with_outputs)
    assert book.exec_key(with_outputs, {}, "data-1") == key
    nb.cells[-1].source += "\n# edited"
    nbformat.write(nb, with_outputs)
    assert book.exec_key(with_outputs, {}, "data-1") != key


def test_normalize_drops_only_volatile_metadata():
    nb = nbformat.v4.new_notebook()
    nb.metadata.update({
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python", "version": "3.11.7", "pygments_lexer": "ipython3"},
        "papermill": {"duration": 3.2, "start_time": "2026-11-21T13:05:42", "parameters": {}},
    })
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1", metadata={
            "tags": ["parameters"], "papermill": {"duration": 0.01},
            "execution": {"iopub.status.busy": "2026-11-21T13:05:42.97Z"}}),
        nbformat.v4.new_code_cell("x", metadata={"tags": [], "papermill": {"status": "completed"}}),
    ]
    out = book.normalize(nb)
    assert dict(out.metadata) == {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}}
    assert dict(out.cells[0].metadata) == {"tags": ["parameters"]}
    assert dict(out.cells[1].metadata) == {}


def test_execute_stale_runs_only_what_changed(tmp_path):
    src = tmp_path / "src"
    assert book.execute_stale(src, {}, [FIXTURE]) == [FIXTURE]
    executed = nbformat.read(src / "notebooks" / "placeholder.ipynb", as_version=4)
    assert "papermill" not in executed.metadata and "exec_key" in executed.metadata["gpuplan"]
    assert "8 x $2.5/h = $20.0/h" in executed.cells[3].outputs[0].text  # hand: 8 GPUs × $2.5 = $20.0 per hour
    assert book.execute_stale(src, {}, [FIXTURE]) == []  # nothing changed: nothing runs
    assert book.execute_stale(src, {"placeholder": {"gpu_count": 2}}, [FIXTURE]) == [FIXTURE]
    executed = nbformat.read(src / "notebooks" / "placeholder.ipynb", as_version=4)
    assert "2 x $2.5/h = $5.0/h" in executed.cells[4].outputs[0].text  # papermill injected a cell: +1


def test_failing_notebook_is_one_line(tmp_path):
    nb = nbformat.read(FIXTURE, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("1 / 0"))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    with pytest.raises(book.BookError) as err:
        book.execute(broken, tmp_path / "out" / "broken.ipynb", {})
    assert _one_line(err.value).startswith("broken.ipynb: cell ")
    assert "ZeroDivisionError" in str(err.value)
    assert not (tmp_path / "out" / "broken.ipynb").exists()


def test_normalize_with_name_makes_altair_ids_stable():
    def run(uuid_a: str, uuid_b: str) -> nbformat.NotebookNode:
        html_a = f'<div id="altair-viz-{uuid_a}"></div><script>get("altair-viz-{uuid_a}")</script>'
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("chart", outputs=[nbformat.v4.new_output(
                        "execute_result", data={"text/html": html_a, "text/plain": "alt.Chart(...)"},
                        execution_count=1)]),
                    nbformat.v4.new_code_cell("chart2", outputs=[nbformat.v4.new_output(
                        "display_data", data={"text/html": f'<div id="altair-viz-{uuid_b}"></div>'})])]
        return book.normalize(nb, "03_cost.ipynb")

    first, second = run("a" * 32, "b" * 32), run("1" * 32, "2" * 32)
    assert [c.outputs for c in first.cells] == [c.outputs for c in second.cells]  # fresh uuids, same file
    html_a = first.cells[0].outputs[0]["data"]["text/html"]
    ids = set(re.findall(r"altair-viz-[0-9a-f]{32}", html_a))
    assert len(ids) == 1 and "a" * 32 not in html_a  # one chart keeps one (new) id in all its places
    assert ids.isdisjoint(re.findall(r"altair-viz-[0-9a-f]{32}", first.cells[1].outputs[0]["data"]["text/html"]))
    # without a name, outputs are left alone (the committed-baseline check only looks at metadata)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("c", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": "altair-viz-" + "c" * 32})])]
    assert book.normalize(nb).cells[0].outputs[0]["data"]["text/html"] == "altair-viz-" + "c" * 32


def test_data_appendix_tables_come_from_the_database():
    from gpuplan import data

    tables = book.data_tables()
    assert set(tables) == {"data_hash.html", "gpus.html", "prices.html", "benchmarks.html", "models.html",
                           "sources.html", "catalog_names.html"}
    assert "<td></td>" not in tables["gpus.html"] and "<td>—</td>" in tables["gpus.html"]  # missing = a dash
    assert data.data_hash()[:16] in tables["data_hash.html"]
    for gpu_id in data.gpus()["gpu_id"]:
        assert f"<td>{gpu_id}</td>" in tables["gpus.html"]
    # one table row per price row (history included) and per source, plus the header row
    assert tables["prices.html"].count("<tr") == len(data.prices()) + 1
    assert tables["sources.html"].count("<tr") == len(data.sources()) + 1
    assert "80.0" not in tables["gpus.html"].split("a100-sxm4-80gb")[1].split("</tr>")[0]  # 80, not 80.0
    # dates read as dates: the v6.0 training rows are dated by MLCommons' release, 16 June 2026
    assert not any(re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", html) for html in tables.values())
    v60 = tables["benchmarks.html"].split("<td>v6.0</td>\n      <td>training</td>")[1].split("</tr>")[0]
    assert v60.count("<td>2026-06-16</td>") == 2  # first and last date


def test_method_page_shows_every_assumption_with_its_source():
    from gpuplan import assumptions

    page = book.generated_includes()["assumptions.html"]
    assert (ROOT / "book" / "method.md").read_text(encoding="utf-8").count(":file: _generated/assumptions.html") == 1
    assert page.count("<tr><td><code>") == len(assumptions.ASSUMPTIONS)
    row = page.split("<code>pue</code>")[1].split("</tr>")[0]
    assert "<td>1.5</td>" in row and "Uptime Institute" in row  # the value breakeven.DEFAULT_PUE uses, and its source
    row = page.split("<code>usd_per_kwh</code>")[1].split("</tr>")[0]
    assert "<td>0.1</td>" in row and "own choice" in row  # an unsourced default says so

