"""Validation of notebook (papermill) parameters: one rule per kind of value, one clear line per bad value.

Every notebook's parameters cell is followed by a cell that calls :func:`validate` for each parameter.
A bad value raises :class:`gpuplan.errors.InputError` whose message starts with the parameter's name, so a
papermill run stops with one line such as ``h100_usd_per_hour: must be >= 0 (got -1.0)``.

The limits are the issue's rules (``../shared`` issue 4): prices are non-negative, utilization lies in
(0, 1], GPU names must resolve in the data (``gpuplan.data.resolve_gpu``), counts are whole numbers >= 1.
"""

from __future__ import annotations

import ast
import contextlib
import os
import re
from collections.abc import Iterable
from numbers import Integral, Real
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

from gpuplan import data, prices
from gpuplan.errors import InputError
from gpuplan.validators import (
    as_number,
    check_choice,
    check_count,
    check_fraction,
    check_number,
    check_positive,
    check_text,
)

#: rule name -> what it accepts (shown in docs and in error messages)
RULES: dict[str, str] = {
    "price": "a price in USD >= 0, or None for the price from the data (gpuplan.prices.resolve: the market median)",
    "positive": "a number > 0",
    "nonnegative": "a number >= 0",
    "fraction": "a number in (0, 1]",
    "count": "a whole number >= 1",
    "gpu": "a GPU id or alias known to the data (gpuplan.data.resolve_gpu)",
    "gpus": "a list of GPU ids or aliases known to the data",
    "choice": "one of the listed choices",
    "text": "a non-empty string",
    "file": "the path of a readable file (relative to the notebook's folder, or absolute)",
}


#: the highest price a "price" parameter accepts: purchase prices per GPU are up to ~$50k, hourly ones ~$14
MAX_PRICE_USD = 1e7
#: plain values that papermill can inject; a name of this kind that no rule knows is a misspelled parameter
_INJECTABLE = (bool, int, float, str, list, dict, tuple, type(None))
_NOTEBOOK_NAMES = {"In", "Out", "exit", "quit", "get_ipython", "open"}


def validate(name: str, value: Any, rule: str, choices: Iterable[str] | None = None) -> Any:
    """Check one parameter against ``rule`` (a key of :data:`RULES`) and return its normalized value.

    - ``price``: None stays None (the caller then takes the price from the data, see :func:`price_or_latest`);
      otherwise a float >= 0.
    - ``positive`` / ``nonnegative`` / ``fraction``: float > 0 / >= 0 / in (0, 1].
    - ``count``: int >= 1 (2.0 is accepted as 2; 2.5 is not).
    - ``gpu``: the resolved gpu_id; ``gpus``: list of resolved gpu_ids (unknown names -> InputError naming
      ``name``, with the data's own message listing candidates).
    - ``choice``: ``value`` must be one of ``choices``.
    - ``text``: a non-empty string.

    Raises InputError(name, ...) whose str() is one line beginning with ``name``.
    """
    if rule not in RULES:
        raise InputError("rule", f"unknown validation rule {rule!r}; known: {', '.join(RULES)}")
    if rule == "price":
        if value is None:
            return None
        number = as_number(name, value)
        if number < 0:
            raise InputError(name, f"must be >= 0 USD (got {value!r})")
        if number > MAX_PRICE_USD:
            raise InputError(name, f"{value!r} USD is not a plausible price (above {MAX_PRICE_USD:g}; "
                                   "give USD per GPU-hour, or per GPU for a purchase)")
        return number
    if rule == "positive":
        return check_positive(name, value)
    if rule == "nonnegative":
        return check_number(name, value, low=0.0)
    if rule == "fraction":
        return check_fraction(name, value)
    if rule == "count":
        return check_count(name, value)
    if rule == "choice":
        return check_choice(name, value, choices or [])
    if rule == "text":
        return check_text(name, value)
    if rule == "file":
        if not isinstance(value, str) or not value.strip():
            raise InputError(name, f"must be a file path (got {value!r})")
        if not Path(value).is_file():
            raise InputError(name, f"{value}: no such file")
        return str(Path(value).resolve())
    if rule == "gpus":
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise InputError(name, f"must be a list of GPU names (got {value!r})")
        resolved = [validate(name, item, "gpu") for item in value]
        if not resolved:
            raise InputError(name, "must name at least one GPU")
        return resolved
    # rule == "gpu"
    if not isinstance(value, str) or not value.strip():
        raise InputError(name, f"must be a GPU name (got {value!r})")
    try:
        return data.resolve_gpu(value)
    except InputError as err:
        # keep the data module's explanation (candidates) but name the notebook parameter
        raise InputError(name, _message(err)) from None


def price_or_latest(name: str, value: float | None, gpu_id: str, kind: str = "on-demand",
                    provider: str | None = None, any_provider: bool = False, catalog: str | None = None) -> dict:
    """The hourly price to use for ``gpu_id`` as notebook parameter ``name`` asks: ``value`` if given, else
    gpuplan.prices.resolve (a ``catalog`` file, else ``provider``'s latest, else the market median). With
    ``any_provider=True`` a GPU that ``provider`` does not list falls back to the market median (charts over
    every GPU). Returns the resolver's dict (usd_per_gpu_hour, source, basis, low_usd, high_usd, ...); errors
    name ``name``."""
    price = validate(name, value, "price")
    try:
        return prices.resolve(gpu_id, price, provider=provider, kind=kind, catalog=catalog, field=name)
    except InputError as err:
        if any_provider and provider is not None and catalog is None:
            return prices.resolve(gpu_id, None, kind=kind, field=name)
        if err.field in (name, "prices"):  # a bad catalog file names itself (file, line, column)
            raise
        raise InputError(name, f"None asks for a price from the data, but {_message(err)}; pass a price") from None


def _message(err: InputError) -> str:
    """The message of an InputError without its leading field name."""
    return str(err).removeprefix(f"{err.field}: ")


def validate_parameters(values: dict[str, Any], rules: dict[str, Any]) -> SimpleNamespace:
    """Check every parameter of a notebook in one call and return the normalized values as attributes.

    ``values`` is the notebook's namespace (``globals()``) or any dict holding the parameters; ``rules`` maps
    each parameter name to a rule of :data:`RULES` (``"gpu"``), to ``(rule, choices)`` for ``"choice"``, or
    to the rule with a trailing ``?`` (``"gpus?"``) when None is allowed and kept (``"price"`` always allows
    None: the price from the data, gpuplan.prices.resolve). Write ``rules`` as a literal dict in the notebook:
    gpuplan.batch reads it statically to check a grid before any run. Each value goes through :func:`validate`, so a bad
    one raises InputError naming the parameter; a name missing from ``values`` -> InputError too.

    >>> validate_parameters({"n": 2.0, "kind": "spot"}, {"n": "count", "kind": ("choice", ["spot"])}).n
    2
    """
    if values.get("__name__") == "__main__":  # a notebook's globals(): refuse names papermill -p misspelled
        unknown = sorted(n for n, v in values.items() if n not in rules and not n.startswith("_")
                         and n not in _NOTEBOOK_NAMES and isinstance(v, _INJECTABLE))
        if unknown:
            raise InputError(unknown[0], f"unknown parameter; this notebook's parameters are {', '.join(rules)}")
    checked: dict[str, Any] = {}
    for name, spec in rules.items():
        rule, choices = (spec[0], spec[1]) if isinstance(spec, tuple) else (spec, None)
        optional = rule.endswith("?")
        rule = rule.removesuffix("?")
        if name not in values:
            raise InputError(name, "is not set (missing from the parameters)")
        value = values[name]
        checked[name] = None if (optional and value is None) else validate(name, value, rule, choices)
    return SimpleNamespace(**checked)


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a key given twice in one mapping (PyYAML silently keeps the last one)."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark.line)
            except TypeError:  # an unhashable key: let PyYAML report it
                continue
            if first != key_node.start_mark.line:
                raise _DuplicateKey(None, None, f"duplicate key {key!r} (first on line {first + 1})",
                                    key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: str | Path, field: str) -> Any:
    """A YAML parameter/grid file's content; a missing, unreadable or malformed file raises one InputError
    naming ``field`` and the file (with the line of a syntax error or of a key given twice). Shared by
    editions, batch grids, sweeps."""
    path = Path(path)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except UnicodeDecodeError as err:
        raise InputError(field, f"{path}: not UTF-8 text (byte {err.start})") from None
    except FileNotFoundError:
        raise InputError(field, f"{path}: no such file") from None
    except OSError as err:
        raise InputError(field, f"cannot read {path}: {err.strerror}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path} line {mark.line + 1}" if mark else str(path)
        raise InputError(field, f"{where}: not valid YAML ({getattr(err, 'problem', None) or err})") from None


# ------------------------------------------------------------------ the notebook parameter contract
# What a notebook accepts, read statically (nothing executed): papermill's own parameter inspection for the
# names, types, defaults and help of the parameters cell, and the literal rules dict of the notebook's
# ``validate_parameters(globals(), {...})`` call. gpuplan.batch checks grids with it; the book can check
# editions with it. papermill and IPython are imported inside: a notebook importing this module needs neither.


def _transformed(source: str) -> str:
    """A cell's source as plain Python (IPython's own transformer turns %magics and !shell lines into calls)."""
    from IPython.core.inputtransformer2 import TransformerManager  # noqa: PLC0415 (see the section comment)

    return TransformerManager().transform_cell(source)


def notebook_parameters(path: str | Path) -> dict[str, dict]:
    """The parameters cell of the notebook at ``path`` as papermill reads it (``papermill.inspect_notebook``):
    name -> {name, inferred_type_name, default (source text), help (the line's ``#`` comment)}.

    A parameters-cell assignment papermill cannot read raises InputError instead of being left out (papermill
    2.7's regex skips e.g. ``x: float | None = None``; ``Optional[float]`` it reads), so a grid, an edition,
    ``papermill -p`` and ``papermill --help-notebook`` agree on which parameters exist.
    """
    import nbformat  # noqa: PLC0415 (see the section comment)
    import papermill  # noqa: PLC0415

    path = Path(path)
    try:
        nb = nbformat.read(str(path), as_version=4)
    except FileNotFoundError:
        raise InputError("notebook", f"{path}: no such file") from None
    except Exception as err:  # nbformat raises several kinds for a malformed file
        raise InputError("notebook", f"{path}: not a readable notebook ({type(err).__name__})") from None
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        return {}
    declared = {name: dict(info) for name, info in papermill.inspect_notebook(str(path)).items()}
    try:
        tree = ast.parse(_transformed(cells[0].source))
    except SyntaxError as err:
        raise InputError("notebook", f"{path.name}: parameters cell line {err.lineno}: not valid Python") from None
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else (
            node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None)
        if isinstance(target, ast.Name) and target.id not in declared:
            raise InputError("notebook", f"{path.name}: parameters cell line {node.lineno}: papermill cannot read "
                                         f"the parameter {target.id!r}; write e.g. `{target.id}: Optional[float] "
                                         "= None` instead of `float | None`")
    return declared


def notebook_rules(nb) -> dict[str, tuple[str, list | None]]:
    """Parameter name -> (rule, choices) from a notebook's (an nbformat node) own validation calls: the literal
    dict of ``params.validate_parameters(values, {name: rule | (rule, choices)})`` (a trailing ``?`` on a rule
    means None is allowed; None values are not rule-checked anyway), ``validate("name", name, "rule")`` and
    ``price_or_latest("name", name, gpu)`` (rule "price"). Calls whose names, rules or choices are not literals
    are left to the run. Read with Python's ast: nothing is executed."""
    rules: dict[str, tuple[str, list | None]] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(_transformed(cell.source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called == "validate_parameters" and len(node.args) > 1:
                rules.update(_literal_rules(node.args[1]))
                continue
            if called not in ("validate", "price_or_latest") or len(node.args) < 2:
                continue
            kwargs = {k.arg: k.value for k in node.keywords}
            name_node = node.args[0]
            if called == "price_or_latest":
                rule_node = ast.Constant("price")
            else:
                rule_node = node.args[2] if len(node.args) > 2 else kwargs.get("rule")
            choices_node = node.args[3] if len(node.args) > 3 else kwargs.get("choices")
            if not (isinstance(name_node, ast.Constant) and isinstance(rule_node, ast.Constant)):
                continue
            choices = None
            if choices_node is not None:
                try:
                    choices = list(ast.literal_eval(choices_node))
                except (ValueError, TypeError, SyntaxError):
                    continue
            rules[name_node.value] = (rule_node.value, choices)
    return rules


def _literal_rules(node: ast.expr) -> dict[str, tuple[str, list | None]]:
    """The rules of a literal ``{name: rule | (rule, choices)}`` dict ({} when it is not a literal)."""
    try:
        spec = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError):
        return {}
    if not isinstance(spec, dict):
        return {}
    rules: dict[str, tuple[str, list | None]] = {}
    for name, rule in spec.items():
        rule, choices = (rule[0], list(rule[1])) if isinstance(rule, tuple) else (rule, None)
        rules[name] = (rule.removesuffix("?"), choices)
    return rules


def _type_names(type_name: str) -> list[str]:
    """'float | None' / 'Optional[float]' / 'Union[int, str]' / 'list[str]' -> base names ['float', 'None']."""
    text = type_name.replace("typing.", "")
    text = re.sub(r"Optional\[(.*)\]$", r"\1 | None", text)
    text = re.sub(r"Union\[(.*)\]$", lambda m: m.group(1).replace(",", "|"), text)
    return [part.split("[")[0].strip() for part in text.split("|") if part.strip()]


_TYPE_CHECKS = {
    "None": lambda v: v is None,
    "NoneType": lambda v: v is None,
    "float": lambda v: isinstance(v, Real) and not isinstance(v, bool),
    "int": lambda v: isinstance(v, Integral) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "list": lambda v: isinstance(v, list),
    "tuple": lambda v: isinstance(v, (list, tuple)),
    "dict": lambda v: isinstance(v, dict),
}


def check_parameter_type(name: str, value: Any, info: dict) -> Any:
    """Check ``value`` against a parameter's annotation (``info`` from :func:`notebook_parameters`; when it is
    unannotated, against its default's type) and return it normalized: an int given for a float parameter
    becomes a float, so 2 and 2.0 are one value. Annotations other than the builtin types accept anything.
    A mismatch -> InputError(name, "must be float or None (got 'ten')")."""
    names = _type_names(info.get("inferred_type_name") or "None")
    if names == ["None"]:  # papermill's "unknown": fall back to the default value's type
        try:
            default = ast.literal_eval(info.get("default") or "None")
        except (ValueError, SyntaxError):
            return value
        if default is None:
            return value
        names = ["float" if isinstance(default, float) else type(default).__name__]
    if any(n not in _TYPE_CHECKS for n in names):
        return value
    if not any(_TYPE_CHECKS[n](value) for n in names):
        raise InputError(name, f"must be {' or '.join(names)} (got {value!r})")
    if "float" in names and "int" not in names and isinstance(value, Integral) and not isinstance(value, bool):
        return float(value)
    return value


def check_notebook_parameters(path: str | Path, values: dict[str, Any]) -> dict[str, Any]:
    """Check ``values`` against a notebook's contract before it runs: every name must be declared in its
    parameters cell (a misspelled name is refused, where papermill only warns), every value must have the
    declared type (:func:`check_parameter_type`) and pass the notebook's own rule (:func:`notebook_rules`).
    Returns the normalized values; the first problem raises one InputError naming the parameter."""
    import nbformat  # noqa: PLC0415 (see the section comment)

    declared = notebook_parameters(path)
    rules = notebook_rules(nbformat.read(str(path), as_version=4))
    checked: dict[str, Any] = {}
    for name, value in values.items():
        if name not in declared:
            raise InputError(name, f"unknown parameter of {Path(path).name}; its parameters are {', '.join(declared)}")
        value = check_parameter_type(name, value, declared[name])
        rule, choices = rules.get(name, (None, None))
        if rule is not None and value is not None:
            validate(name, value, rule, choices)
        checked[name] = value
    return checked


def run_notebook(path: str | Path, output: str | Path, values: dict[str, Any]) -> Path:
    """``papermill`` with the contract checked first and a failing cell reported as ONE line: the notebook, the
    cell's execution count and the error (InputError naming the parameter). Runs in the notebook's folder."""
    import papermill  # noqa: PLC0415 (see the section comment)
    from papermill.exceptions import PapermillExecutionError  # noqa: PLC0415

    path, output = Path(path), Path(output)
    checked = check_notebook_parameters(path, values)
    try:
        with _kernel_stderr_quiet():  # the kernel process's start-up warnings are not the user's error line
            papermill.execute_notebook(str(path), str(output), parameters=checked, kernel_name="python3",
                                       cwd=str(path.resolve().parent), progress_bar=False, log_output=False)
    except PapermillExecutionError as err:
        raise InputError(path.name, f"cell {err.exec_count}: {err.ename}: {err.evalue}") from None
    return output


@contextlib.contextmanager
def _kernel_stderr_quiet():
    """Point file descriptor 2 at /dev/null while a kernel runs (it inherits it), then restore it."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
