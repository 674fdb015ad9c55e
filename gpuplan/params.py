"""Validation of notebook (papermill) parameters: one rule per kind of value, one clear line per bad value.

Every notebook's parameters cell is followed by a cell that calls :func:`validate` for each parameter.
A bad value raises :class:`gpuplan.errors.InputError` whose message starts with the parameter's name, so a
papermill run stops with one line such as ``h100_usd_per_hour: must be >= 0 (got -1.0)``.

The limits are the issue's rules (``../shared`` issue 4): prices are non-negative, utilization lies in
(0, 1], GPU names must resolve in the data (``gpuplan.data.resolve_gpu``), counts are whole numbers >= 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral, Real
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

from gpuplan.errors import InputError

#: rule name -> what it accepts (shown in docs and in error messages)
RULES: dict[str, str] = {
    "price": "a price in USD >= 0, or None for the latest price in the data",
    "positive": "a number > 0",
    "nonnegative": "a number >= 0",
    "fraction": "a number in (0, 1]",
    "count": "a whole number >= 1",
    "gpu": "a GPU id or alias known to the data (gpuplan.data.resolve_gpu)",
    "gpus": "a list of GPU ids or aliases known to the data",
    "choice": "one of the listed choices",
    "text": "a non-empty string",
}


def _number(name: str, value: Any) -> float:
    """A real number (bools and NaN/inf rejected), as float."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InputError(name, f"must be a number (got {value!r})")
    number = float(value)
    if not math.isfinite(number):
        raise InputError(name, f"must be a finite number (got {value!r})")
    return number


def validate(name: str, value: Any, rule: str, choices: Iterable[str] | None = None) -> Any:
    """Check one parameter against ``rule`` (a key of :data:`RULES`) and return its normalized value.

    - ``price``: None stays None (the caller then takes the latest price, see :func:`price_or_latest`);
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
        number = _number(name, value)
        if number < 0:
            raise InputError(name, f"must be >= 0 USD (got {value!r})")
        return number
    if rule in ("positive", "nonnegative", "fraction"):
        number = _number(name, value)
        if rule == "positive" and not number > 0:
            raise InputError(name, f"must be > 0 (got {value!r})")
        if rule == "nonnegative" and number < 0:
            raise InputError(name, f"must be >= 0 (got {value!r})")
        if rule == "fraction" and not 0 < number <= 1:
            raise InputError(name, f"must be in (0, 1] (got {value!r})")
        return number
    if rule == "count":
        number = _number(name, value)
        if number != int(number) or number < 1:
            raise InputError(name, f"must be a whole number >= 1 (got {value!r})")
        return int(number)
    if rule == "choice":
        options = list(choices or [])
        if value not in options:
            raise InputError(name, f"must be one of {', '.join(map(str, options))} (got {value!r})")
        return value
    if rule == "text":
        if not isinstance(value, str) or not value.strip():
            raise InputError(name, f"must be a non-empty string (got {value!r})")
        return value
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
    from gpuplan import data

    try:
        return data.resolve_gpu(value)
    except InputError as err:
        # keep the data module's explanation (candidates) but name the notebook parameter
        raise InputError(name, _message(err)) from None


def price_or_latest(name: str, value: float | None, gpu_id: str, kind: str = "on-demand",
                    provider: str | None = None, any_provider: bool = False) -> dict:
    """The hourly price to use for ``gpu_id``: ``value`` if given, else the latest ``kind`` price in the data
    (from ``provider`` when named; gpuplan.data.latest_price). With ``any_provider=True`` a GPU that
    ``provider`` does not list falls back to the latest price from any provider (charts over every GPU).

    Returns ``dict(usd_per_gpu_hour, source_id, provider, date_observed)``; a given value has source_id and
    provider ``"parameter"``. No such price in the data -> InputError naming ``name`` (pass a price).
    """
    price = validate(name, value, "price")
    if price is not None:
        return {"usd_per_gpu_hour": price, "source_id": "parameter", "provider": "parameter",
                "date_observed": None}
    from gpuplan import data

    try:
        latest = data.latest_price(gpu_id, kind=kind, provider=provider)
    except InputError as err:
        if any_provider and provider is not None:
            return price_or_latest(name, None, gpu_id, kind)
        raise InputError(name, f"None asks for the latest price, but {_message(err)}; pass a price") from None
    return {key: latest[key] for key in ("usd_per_gpu_hour", "source_id", "provider", "date_observed")}


def _message(err: InputError) -> str:
    """The message of an InputError without its leading field name."""
    return str(err).removeprefix(f"{err.field}: ")


def validate_parameters(values: dict[str, Any], rules: dict[str, Any]) -> SimpleNamespace:
    """Check every parameter of a notebook in one call and return the normalized values as attributes.

    ``values`` is the notebook's namespace (``globals()``) or any dict holding the parameters; ``rules`` maps
    each parameter name to a rule of :data:`RULES` (``"gpu"``), to ``(rule, choices)`` for ``"choice"``, or
    to the rule with a trailing ``?`` (``"gpus?"``) when None is allowed and kept (``"price"`` always allows
    None: the latest price in the data). Write ``rules`` as a literal dict in the notebook: gpuplan.batch
    reads it statically to check a grid before any run. Each value goes through :func:`validate`, so a bad
    one raises InputError naming the parameter; a name missing from ``values`` -> InputError too.

    >>> validate_parameters({"n": 2.0, "kind": "spot"}, {"n": "count", "kind": ("choice", ["spot"])}).n
    2
    """
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


def read_yaml(path: str | Path, field: str) -> Any:
    """A YAML parameter/grid file's content; a missing, unreadable or malformed file raises one InputError
    naming ``field`` and the file (with the line of a syntax error). Shared by editions, batch grids, sweeps."""
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(field, f"{path}: no such file") from None
    except OSError as err:
        raise InputError(field, f"cannot read {path}: {err.strerror}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path} line {mark.line + 1}" if mark else str(path)
        raise InputError(field, f"{where}: not valid YAML ({getattr(err, 'problem', None) or err})") from None
