"""The grid file: a notebook and the parameter sets to run it with, validated before anything runs.

Grid file (YAML; paths relative to it; example scenarios/grid-example.yaml)::

    notebook: ../notebooks/03_cost_per_task.ipynb
    fixed: {reruns_per_100: 5}             # optional: the same for every run
    axes:                                  # lists -> cartesian product
      h100_usd_per_hour: [2.0, 2.5, 3.0]
      utilization: [0.5, 0.75, 1.0]
    # or  runs: [{h100_usd_per_hour: 2.0}, ...]   (explicit parameter sets)
    # or  csv: runs.csv                          (one parameter set per row; header = parameter names)

Every parameter set is checked with the notebook parameter contract of :mod:`gpuplan.params`: the names,
types and defaults papermill reads from the parameters cell (``params.notebook_parameters``) and the rules of
the notebook's own ``validate_parameters(globals(), {...})`` call (``params.notebook_rules``).

A run's id is the first 12 hex digits of sha256(code/markdown sources of the notebook + canonical JSON of the
parameters): outputs or metadata re-saved in the notebook do not change it, an edited cell does.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import yaml

from gpuplan import params
from gpuplan.errors import InputError

RUN_ID_DIGITS = 12
MAX_RUNS = 100_000  # one notebook per run: beyond this, a vectorized sweep is the tool
GRID_KEYS = ("notebook", "fixed", "axes", "runs", "csv", "description", "prices")


@dataclass(frozen=True)
class Run:
    """One parameter set of a grid and its run-id."""

    run_id: str
    parameters: dict[str, Any]


@dataclass
class Grid:
    """A validated grid: the notebook, its kernel name and the runs (duplicates removed, order kept)."""

    notebook: Path
    runs: list[Run]
    kernel_name: str = "python3"
    source: Path | None = None
    declared: dict[str, dict] = field(default_factory=dict)
    fingerprint: str = ""


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook at `path` (InputError naming the file when missing or not a notebook)."""
    try:
        return nbformat.read(str(path), as_version=4)
    except FileNotFoundError:
        raise InputError("notebook", f"{path}: no such file") from None
    except Exception as err:  # nbformat raises several kinds for a malformed file
        raise InputError("notebook", f"{path}: not a readable notebook ({type(err).__name__})") from None


def notebook_fingerprint(nb: nbformat.NotebookNode) -> str:
    """sha256 of the notebook's cell types and sources (outputs and metadata excluded)."""
    text = json.dumps([[c.cell_type, c.source] for c in nb.cells], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def run_id(fingerprint: str, parameters: dict[str, Any]) -> str:
    """Short hash of the notebook (its fingerprint) and its parameters (canonical JSON: sorted keys)."""
    canonical = json.dumps(parameters, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{fingerprint}\n{canonical}".encode()).hexdigest()[:RUN_ID_DIGITS]


def validate_parameters(
    parameters: dict[str, Any], declared: dict[str, dict], rules: dict[str, tuple[str, list | None]], where: str
) -> dict[str, Any]:
    """Check one parameter set: known names, declared types, the notebook's own validation rules.

    `where` (e.g. 'grid.yaml run 3') prefixes the field of the InputError. Returns the normalized set.
    """
    checked = {}
    for name, value in parameters.items():
        if name not in declared:
            known = ", ".join(declared) or "(none: the notebook has no parameters cell)"
            raise InputError(f"{where}: {name}", f"not a parameter of the notebook; known: {known}")
        value = params.check_parameter_type(f"{where}: {name}", value, declared[name])
        if name in rules and value is not None:  # None passed the type check: the annotation allows it
            rule, choices = rules[name]
            try:
                params.validate(name, value, rule, choices)
            except InputError as err:
                raise InputError(where, str(err)) from None
        checked[name] = value
    return checked


def _csv_value(text: str) -> Any:
    """A CSV cell read as a YAML scalar (2.5 -> float, true -> bool, empty -> None); else the text itself."""
    if text == "":
        return None
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if value is None or isinstance(value, (int, float, str, bool)) else text


def _axes_sets(axes: Any) -> list[dict[str, Any]]:
    if not isinstance(axes, dict) or not axes:
        raise InputError("axes", "must be a mapping of parameter name -> list of values")
    names = list(axes)
    lists = [axes[n] if isinstance(axes[n], list) else [axes[n]] for n in names]
    count = 1
    for name, values in zip(names, lists, strict=True):
        if not values:
            raise InputError(f"axes: {name}", "has no values")
        count *= len(values)
    if count > MAX_RUNS:
        raise InputError("axes", f"{count:,} runs is more than {MAX_RUNS:,} notebooks; for large grids of "
                                 "cost and break-even inputs use `gpuplan sweep`")
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*lists)]


def _csv_sets(path: Path) -> list[dict[str, Any]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:  # -sig: a BOM is not part of the header
            rows = list(csv.DictReader(handle))
    except FileNotFoundError:
        raise InputError("csv", f"{path}: no such file") from None
    except UnicodeDecodeError as err:
        raise InputError("csv", f"{path}: not UTF-8 text (byte {err.start})") from None
    sets = []
    for line, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            raise InputError("csv", f"{path} line {line}: number of fields differs from the header")
        sets.append({k: _csv_value(v) for k, v in row.items()})
    return sets


def _parameter_sets(spec: dict, base: Path) -> list[dict[str, Any]]:
    """The grid's parameter sets, before validation: fixed + (axes product | runs | csv rows)."""
    fixed = spec.get("fixed") or {}
    if not isinstance(fixed, dict):
        raise InputError("fixed", "must be a mapping of parameter name -> value")
    kinds = [k for k in ("axes", "runs", "csv") if k in spec]
    if len(kinds) != 1:
        raise InputError("grid", "give exactly one of 'axes', 'runs' or 'csv'")
    if kinds[0] == "axes":
        sets = _axes_sets(spec["axes"])
    elif kinds[0] == "runs":
        runs = spec["runs"]
        if not isinstance(runs, list) or not all(isinstance(r, dict) for r in runs):
            raise InputError("runs", "must be a list of mappings (one parameter set each)")
        sets = [dict(r) for r in runs]
    else:
        sets = _csv_sets((base / str(spec["csv"])).resolve())
    if spec.get("prices") is not None:  # `prices: FILE` at the top: the price catalog of every run
        fixed = {**fixed, "prices": spec["prices"]}
    sets = [{**fixed, **s} for s in sets]
    for values in sets:  # a catalog path is relative to the grid file, like the notebook's
        if isinstance(values.get("prices"), str):
            values["prices"] = str((base / values["prices"]).resolve())
    return sets


def load_grid(path: str | Path) -> Grid:
    """Read and validate a grid YAML file; every error is an InputError naming the field (nothing runs)."""
    path = Path(path)
    spec = params.read_yaml(path, "grid")
    if not isinstance(spec, dict) or "notebook" not in spec:
        raise InputError("notebook", f"{path}: the grid must name a notebook")
    unknown = sorted(set(spec) - set(GRID_KEYS))
    if unknown:
        raise InputError(unknown[0], f"{path}: unknown key; allowed: {', '.join(GRID_KEYS)}")
    notebook = (path.parent / str(spec["notebook"])).resolve()
    nb = read_notebook(notebook)
    declared = params.notebook_parameters(notebook)
    rules = params.notebook_rules(nb)
    fingerprint = notebook_fingerprint(nb)
    runs: dict[str, Run] = {}
    for index, parameters in enumerate(_parameter_sets(spec, path.parent), start=1):
        checked = validate_parameters(parameters, declared, rules, where=f"{path.name} run {index}")
        rid = run_id(fingerprint, checked)
        runs.setdefault(rid, Run(rid, checked))
    if not runs:
        raise InputError("grid", f"{path}: no runs")
    kernel = (nb.metadata.get("kernelspec") or {}).get("name") or "python3"
    return Grid(notebook=notebook, runs=list(runs.values()), kernel_name=kernel, source=path, declared=declared,
                fingerprint=fingerprint)
