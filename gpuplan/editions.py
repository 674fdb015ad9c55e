"""The notebooks of the book and the parameters an edition gives them (``make book PARAMS=my.yaml``).

An edition's YAML is a flat mapping ``parameter: value``. Its values are checked statically, before anything runs,
with the notebook parameter contract of :mod:`gpuplan.params` — nothing of the notebooks is executed:

- the names, types, defaults and help papermill reads from each notebook's parameters cell
  (:func:`gpuplan.params.notebook_parameters`, i.e. ``papermill.inspect_notebook``): a name no notebook declares
  is refused, and each value must have the declared type (:func:`gpuplan.params.check_parameter_type`);
- the rules of the notebook's own validation call, read from its literal rules dict
  (:func:`gpuplan.params.notebook_rules`) and applied with :func:`gpuplan.params.validate` (ranges, GPU names,
  choices, files).

Every problem is one line naming the parameter; several problems raise one :class:`gpuplan.errors.InputErrors`
with one line each. Each notebook receives only the parameters it declares (:func:`validate_params`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat

from gpuplan import data, params
from gpuplan.errors import InputError, raise_all

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
BOOK_DIR = ROOT / "book"


def notebooks() -> list[Path]:
    """Every notebook the book executes: notebooks/*.ipynb (the analyses) then book/*.ipynb (e.g. calibration)."""
    return sorted(NOTEBOOK_DIR.glob("*.ipynb")) + sorted(BOOK_DIR.glob("*.ipynb"))


def declared_parameters(paths: list[Path] | None = None) -> dict[str, dict[str, dict]]:
    """Parameters declared by each notebook: ``{notebook_stem: {name: info}}`` with papermill's info
    (:func:`gpuplan.params.notebook_parameters`: name, inferred_type_name, default, help). A parameters-cell line
    papermill cannot read (``x: float | None = None``; write ``Optional[float]``) -> InputError naming the notebook
    and the line."""
    return {path.stem: params.notebook_parameters(path) for path in (paths if paths is not None else notebooks())}


def notebook_rules(paths: list[Path] | None = None) -> dict[str, dict[str, tuple[str, list | None]]]:
    """Each notebook's validation rules: ``{notebook_stem: {name: (rule, choices)}}``, read statically from the
    notebook's literal rules dict (:func:`gpuplan.params.notebook_rules`)."""
    return {path.stem: params.notebook_rules(nbformat.read(path, as_version=4))
            for path in (paths if paths is not None else notebooks())}


def validate_params(values: dict[str, Any], paths: list[Path] | None = None) -> dict[str, dict[str, Any]]:
    """Check an edition's parameters against what the notebooks declare; return ``{notebook_stem: {name: value}}``
    (each notebook only the names it declares; an int given for a float parameter becomes a float).

    Problems, each one line naming the parameter: a name no notebook declares; a value of the wrong type for a
    notebook that declares it; a value its notebook's rule refuses (ranges, GPU names, choices). One problem
    raises that InputError, several raise :class:`gpuplan.errors.InputErrors` (one line each). Nothing runs."""
    paths = paths if paths is not None else notebooks()
    declared = declared_parameters(paths)
    rules = notebook_rules(paths)
    known = sorted({name for names in declared.values() for name in names})
    per_notebook: dict[str, dict[str, Any]] = {stem: {} for stem in declared}
    problems: list[InputError] = []
    for name, value in values.items():
        users = [stem for stem, names in declared.items() if name in names]
        if not users:
            problems.append(InputError(name, f"no notebook declares this parameter; known: {', '.join(known)}"))
            continue
        for stem in users:
            try:
                checked = params.check_parameter_type(name, value, declared[stem][name])
                rule, choices = rules[stem].get(name, (None, None))
                if rule is not None and checked is not None:  # None passed the type check: the annotation allows it
                    params.validate(name, checked, rule, choices)
            except InputError as err:
                problems.append(err)
                break  # one line per parameter: the first notebook that refuses it
            per_notebook[stem][name] = checked
    raise_all(problems)
    return per_notebook


def load_params(path: Path | str) -> dict[str, Any]:
    """Read an edition's YAML parameter file: a flat mapping ``parameter: value`` (comments allowed)."""
    path = Path(path)
    loaded = params.read_yaml(path, "--params")
    if loaded is None:
        return {}
    if not isinstance(loaded, dict) or not all(isinstance(key, str) for key in loaded):
        raise InputError("--params", f"{path}: must be a mapping of parameter: value")
    if isinstance(loaded.get("prices"), str):  # a price catalog named relative to the edition file
        loaded["prices"] = str((path.parent / loaded["prices"]).resolve())
    return loaded


def edition_root(params_file: Path | str | None) -> Path:
    """Output root of an edition: the repository (default) or ``_editions/<file stem>``."""
    if params_file is None:
        return ROOT
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(params_file).stem).strip("-.") or "edition"
    return ROOT / "_editions" / name


def edition_page(values: dict[str, Any], params_file: Path | None, declared: dict[str, dict[str, dict]]) -> str:
    """Markdown shown in the introduction (``book/_edition.md``): which parameters this edition used."""
    lines = [f"Data content hash: `{data.data_hash()[:16]}` (see the data appendix).", ""]
    if params_file is None:
        return "\n".join(["This is the **default edition**: every notebook ran with the defaults in its "
                          "parameters cell.", ""] + lines)
    lines = [f"This is a **personal edition** built from `{params_file.name}`. These parameters replaced the "
             "notebooks' defaults; every other parameter kept its default.", ""] + lines
    if values:
        lines += ["| parameter | this edition | default | notebooks |", "|---|---|---|---|"]
        for name, value in values.items():
            users = [stem for stem, declared_ in declared.items() if name in declared_]
            default = declared[users[0]][name]["default"]
            lines.append(f"| `{name}` | `{value!r}` | `{default}` | {', '.join(users)} |")
    return "\n".join(lines) + "\n"
