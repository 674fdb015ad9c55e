"""One home for checking inputs: every model module, the notebook rules (:mod:`gpuplan.params`) and the CLI call
these, and every one raises :class:`gpuplan.errors.InputError` naming the field, as one line.

Scalars (one value; each returns it normalized):

- :func:`as_number` — a real number (bools, text and None refused), finite: ``must be a number (got 'x')``,
  ``must be a finite number (got nan)``.
- :func:`check_number` — :func:`as_number` within bounds: ``must be > 0 (got 0)``, ``must be >= 0 (got -1.0)``,
  ``must be in (0, 1] (got 1.5)``, ``must be in [1, 10] (got 11)``; :func:`check_positive` and
  :func:`check_fraction` are its two common cases.
- :func:`check_count` — a whole number (``2.0`` is accepted as 2, ``2.5`` and ``True`` are not) in
  ``low..high``: ``must be a whole number >= 1 (got 0)``, ``must be a whole number 1..4,096 (got 0)``.
- :func:`check_choice` — one of the allowed values: ``must be one of a, b (got 'c')``.
- :func:`check_bool`, :func:`check_text` — true/false, a non-empty string.
- :func:`check_shape` — a transformer shape (layers, hidden_size, seq) given all together or not at all, each a
  whole number up to :data:`MAX_SHAPE`.

Arrays (floats, numpy arrays and pandas Series alike):

- :func:`check_range` — every element finite and in [low, high] ((low, high] with ``low_open``); the first bad
  element is named, so a sweep over 10^6 scenarios fails with the same one line as a single CLI call:
  ``2 is outside the allowed range (0, 1]``.
- :func:`check_finite_result` — a computed result must be finite; an overflow names the input that drove it.

``PLAUSIBLE`` holds the upper bounds of quantities a user types (hours, prices, GPU counts). They are not
facts about GPUs; they stop unit slips and absurd values (``--hours 1e308`` overflowed to inf and printed
``null``/"tie" with exit 0) before they reach a formula, with generous headroom over any real job:
- ``hours`` 10^6 h (114 years of wall time);
- ``usd_per_gpu_hour`` $1,000 (70x the dearest on-demand GPU-hour in data/prices.csv, ~$14);
- ``gpus`` 10^6 (the largest published training clusters have ~10^5 GPUs);
- ``usd`` 10^12 per job or month (a trillion dollars);
- ``per_100`` 10^4 reruns per 100 jobs (each job rerun 100 times);
- ``tokens`` 10^18 tokens or clips per job.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from gpuplan.errors import InputError

PLAUSIBLE: dict[str, float] = {
    "hours": 1e6,
    "usd_per_gpu_hour": 1e3,
    "gpus": 1e6,
    "usd": 1e12,
    "per_100": 1e4,
    "tokens": 1e18,
}

#: upper bounds of a model's shape arguments (a guard against typos and overflow, far above any real model)
MAX_SHAPE = {"layers": 10_000, "hidden_size": 10_000_000, "seq": 100_000_000}


# ------------------------------------------------------------------------------------------------------- scalars
def _with_hint(message: str, hint: str | None) -> str:
    return f"{message}; {hint}" if hint else message


def as_number(field: str, value: Any) -> float:
    """``value`` as a float: a real number (not a bool), finite. Else InputError(field, ...)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(field, f"must be a number (got {value!r})")
    number = float(value)
    if not math.isfinite(number):
        raise InputError(field, f"must be a finite number (got {value!r})")
    return number


def _bounds(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g}"
    return f"{'<' if high_open else '<='} {high:g}"


def check_number(field: str, value: Any, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False, hint: str | None = None) -> float:
    """:func:`as_number` and within the bounds (``low``/``high`` inclusive unless ``*_open``); returns the float.
    Out of bounds -> ``must be in (0, 1] (got 1.5)`` (``hint``, if given, follows after a semicolon)."""
    number = as_number(field, value)
    too_low = low is not None and (number <= low if low_open else number < low)
    too_high = high is not None and (number >= high if high_open else number > high)
    if too_low or too_high:
        raise InputError(field, _with_hint(f"must be {_bounds(low, high, low_open, high_open)} (got {value!r})", hint))
    return number


def check_positive(field: str, value: Any, *, high: float | None = None, hint: str | None = None) -> float:
    """A finite number > 0 (and <= ``high`` when given)."""
    return check_number(field, value, low=0.0, low_open=True, high=high, hint=hint)


def check_fraction(field: str, value: Any, *, allow_zero: bool = False, hint: str | None = None) -> float:
    """A number in (0, 1] ([0, 1] with ``allow_zero``): utilization, MFU, goodput, overlap, efficiency."""
    return check_number(field, value, low=0.0, low_open=not allow_zero, high=1.0, hint=hint)


def check_count(field: str, value: Any, *, low: int = 1, high: int | None = None) -> int:
    """A whole number in ``low..high`` as an int: ints (numpy's too) and integral floats (2.0); not bools, 2.5,
    NaN or text. ``must be a whole number >= 1 (got 0)`` / ``must be a whole number 1..4,096 (got 0)``."""
    whole = int(value) if not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value) \
        and float(value).is_integer() else None
    if whole is None or whole < low or (high is not None and whole > high):
        allowed = f"{low:,}..{high:,}" if high is not None else f">= {low:,}"
        raise InputError(field, f"must be a whole number {allowed} (got {value!r})")
    return whole


def check_optional_count(field: str, value: Any, *, low: int = 1, high: int | None = None) -> int | None:
    """None stays None; anything else is :func:`check_count`."""
    return None if value is None else check_count(field, value, low=low, high=high)


def check_choice(field: str, value: Any, allowed: Iterable[Any], *, casefold: bool = False) -> Any:
    """``value`` if it is one of ``allowed`` (with ``casefold`` a string is lower-cased first and the lower-cased
    form returned): ``must be one of a, b (got 'c')``."""
    options = tuple(allowed)
    key = value.lower() if casefold and isinstance(value, str) else value
    if key not in options:
        raise InputError(field, f"must be one of {', '.join(map(str, options))} (got {value!r})")
    return key


def check_bool(field: str, value: Any) -> bool:
    """True or False (not 0/1, not text)."""
    if not isinstance(value, bool):
        raise InputError(field, f"must be true or false (got {value!r})")
    return value


def check_text(field: str, value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, f"must be a non-empty string (got {value!r})")
    return value


def check_shape(layers: Any, hidden_size: Any, seq: Any) -> tuple[int, int, int] | None:
    """The validated (layers, hidden_size, seq) when all three are given, None when none is; a partial shape or a
    bad value (0, negative, fractional, above :data:`MAX_SHAPE`) is an InputError naming the field."""
    dims = {name: check_optional_count(name, value, high=MAX_SHAPE[name])
            for name, value in (("layers", layers), ("hidden_size", hidden_size), ("seq", seq))}
    given = [k for k, v in dims.items() if v is not None]
    if not given:
        return None
    if len(given) < 3:
        missing = next(k for k, v in dims.items() if v is None)
        raise InputError(missing, f"the attention term needs layers, hidden_size and seq together (got only "
                                  f"{', '.join(given)})")
    return dims["layers"], dims["hidden_size"], dims["seq"]


# -------------------------------------------------------------------------------------------------------- arrays
def check_range(field: str, value: Any, *, low: float = 0.0, low_open: bool = False,
                high: float | None = None) -> None:
    """InputError naming ``field`` unless every element of ``value`` is a finite number in the range
    [low, high] ((low, high] with ``low_open``). NaN, inf and non-numbers are refused."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(field, f"must be a number (got {value!r})") from None
    bad = ~np.isfinite(arr) | (arr <= low if low_open else arr < low)
    if high is not None:
        bad |= arr > high
    if np.any(bad):
        first = arr[bad].flat[0] if arr.ndim else arr
        rng = f"{'(' if low_open else '['}{low:g}, {'inf)' if high is None else f'{high:g}]'}"
        raise InputError(field, f"{first:g} is outside the allowed range {rng}")


def check_finite_result(field: str, value: Any) -> Any:
    """A computed result must be finite; an overflow names the input that drove it. Returns ``value``."""
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise InputError(field, "too large: the result overflows (not a finite number)")
    return value
