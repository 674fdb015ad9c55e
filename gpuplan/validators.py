"""One home for checking numbers: finite, in range, plausible. Every model module and the CLI call these.

``check_range(field, value, low=..., high=...)`` works on floats, numpy arrays and pandas Series alike and raises
:class:`gpuplan.errors.InputError` naming ``field`` with the first bad element, so a sweep over 10^6 scenarios
fails with the same one line as a single CLI call.

``PLAUSIBLE`` holds the upper bounds of quantities a user types (hours, prices, GPU counts). They are not
facts about GPUs; they stop unit slips and absurd values (``--hours 1e308`` overflowed to inf and printed
``null``/"tie" with exit 0) before they reach a formula, with generous headroom over any real job:
- ``hours`` 10^6 h (114 years of wall time);
- ``usd_per_gpu_hour`` $1,000 (70x the dearest on-demand GPU-hour in data/prices.csv, ~$14);
- ``gpus`` 10^6 (the largest published training clusters have ~10^5 GPUs);
- ``usd`` 10^12 per job or month (a trillion dollars);
- ``percent_per_100`` 10^4 reruns per 100 jobs (each job rerun 100 times).
"""

from __future__ import annotations

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


def check_finite_result(field: str, value: Any) -> None:
    """A computed result must be finite; an overflow names the input that drove it."""
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise InputError(field, "too large: the result overflows (not a finite number)")
