"""Display tables: a pandas Styler with the book's headers, units, significant digits and missing-value mark,
and price dates shown beside prices."""

from __future__ import annotations

import datetime
import decimal
import html
import math
import re

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

#: what a table shows for a missing value (None, NaN, pd.NA, NaT, or text that spells one)
MISSING = "—"
#: significant digits of a number shown without a caller's format (0.90099904493 -> 0.901, 57913.4 -> 57,913)
SIGNIFICANT = 3
_MISSING_TEXT = {"nan", "NaN", "None", "<NA>", "NaT", "null"}
_BOOL_TEXT = {True: "yes", False: "no"}
#: words of snake_case column names shown with their usual spelling
_WORDS = {"gpu": "GPU", "gpus": "GPUs", "usd": "$", "kv": "KV", "tp": "TP", "pp": "PP", "dp": "DP", "tpot": "TPOT",
          "ttft": "TTFT", "mfu": "MFU", "mlperf": "MLPerf", "bf16": "BF16", "fp8": "FP8", "fp16": "FP16", "tflops": "TFLOPS",
          "abs": "absolute", "pct": "%", "vs": "vs"}
#: whole snake_case names with a header of their own
_HEADERS = {"gpu_id": "GPU id", "gpu_count": "GPUs", "source_id": "source", "date_observed": "date observed",
            "usd_per_gpu_hour": "$/GPU-hour", "median_abs_error_pct": "median |error| (%)",
            "mean_abs_error_pct": "mean |error| (%)", "abs_error_pct": "|error| (%)"}
#: unit suffixes of the project's column names (CONTRIBUTING.md) -> the unit shown in the header
_UNIT_SUFFIXES = (("_usd_per_gpu_hour", "$/GPU-hour"), ("_usd_per_hour", "$/h"), ("_usd", "$"), ("_pct", "%"),
                  ("_gibps", "GiB/s"), ("_gbps", "GB/s"), ("_gib", "GiB"), ("_gb", "GB"), ("_bytes", "bytes"),
                  ("_tflops", "TFLOPS"), ("_ms", "ms"), ("_seconds", "s"), ("_s", "s"), ("_hours", "h"), ("_w", "W"))
_ID_LIKE = re.compile(r"(^|_)(id|ids|pid|year|round)(_|$)|^#$")
_PRICE_COLUMN = re.compile(r"usd_per_gpu_hour|\$ ?/ ?GPU-h|per GPU-hour", re.I)
_DATE_COLUMNS = ("date_observed", "price_date", "date observed", "price date", "observed")


def header(name) -> str:
    """The header a reader sees for column ``name``: a display name the caller gave is kept as it is; a
    snake_case identifier (``median_abs_error_pct``, ``gpu_count``) becomes words with its unit in brackets
    (``median |error| (%)``, ``GPUs``), from the unit suffixes of CONTRIBUTING.md."""
    text = str(name)
    if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)+", text):
        return text
    if text in _HEADERS:
        return _HEADERS[text]
    unit = ""
    for suffix, shown in _UNIT_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text, unit = text[: -len(suffix)], shown
            break
    text = re.sub(r"(^|_)per_s(_|$)", r"\1/s\2", text).replace("_/s", "/s")
    words = " ".join(_WORDS.get(word, word) for word in text.split("_"))
    words = words.replace("absolute error", "|error|")
    return f"{words} ({unit})" if unit else words


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return value.strip() in _MISSING_TEXT
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, arrays: shown as text
        return False


def number(value, digits: int = SIGNIFICANT, *, separators: bool = True) -> str:
    """A number for a reader: whole numbers with thousands separators (57,913), others to ``digits``
    significant digits without trailing zeros (0.90099904493 -> 0.901, 19.5 -> 19.5, 1234.5 -> 1,235),
    missing -> "—", infinities as ∞. ``separators=False`` for ids and years (2024, not 2,024)."""
    if _missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return _BOOL_TEXT[bool(value)]
    comma = "," if separators else ""
    if isinstance(value, (int, np.integer)):
        return f"{int(value):{comma}d}"
    x = float(value)
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):{comma}d}"
    exponent = math.floor(math.log10(abs(x)))
    decimals = max(0, digits - 1 - exponent)
    if decimals > 9:  # tiny: scientific notation keeps the significant digits visible
        return f"{x:.{digits - 1}e}"
    # half up, as a reader rounds (1234.5 -> 1,235; binary floats and format() would round half to even)
    rounded = decimal.Decimal(repr(x)).quantize(decimal.Decimal(1).scaleb(-decimals), rounding=decimal.ROUND_HALF_UP)
    text = f"{rounded:{comma}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def cell(value, *, separators: bool = True) -> str:
    """One table cell as text: missing -> "—", booleans -> yes/no, numbers by :func:`number`, dates as
    YYYY-MM-DD (with the time only when there is one), anything else as its (HTML-escaped) text."""
    if _missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return _BOOL_TEXT[bool(value)]
    if isinstance(value, (int, float, np.integer, np.floating)):
        return number(value, separators=separators)
    if isinstance(value, (pd.Timestamp, datetime.datetime)):
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    if text in ("True", "False"):
        return _BOOL_TEXT[text == "True"]
    return html.escape(text)


def _formatter(column, given=None):
    """The function that turns one value of ``column`` into its cell text: the caller's format (a format string
    such as ``"${:.2f}"`` or a callable) for present values, else :func:`cell`; missing values are "—" either
    way, and a value the caller's format cannot take falls back to :func:`cell`."""
    separators = not _ID_LIKE.search(str(column))

    def show(value) -> str:
        if _missing(value):
            return MISSING
        if given is not None and not isinstance(value, (bool, np.bool_)):
            try:
                return given(value) if callable(given) else given.format(value)
            except (ValueError, TypeError, KeyError, IndexError):
                pass
        return cell(value, separators=separators)

    return show


def _price_dates_beside_prices(df: pd.DataFrame) -> pd.DataFrame:
    """A frame whose date-observed column stands right after its (first) price column, so every price is read
    with its date, even in a wide table that scrolls."""
    dates = [c for c in df.columns if str(c).lower() in _DATE_COLUMNS]
    prices = [c for c in df.columns if _PRICE_COLUMN.search(str(c))]
    if len(dates) != 1 or not prices:
        return df
    order = [c for c in df.columns if c != dates[0]]
    order.insert(order.index(prices[0]) + 1, dates[0])
    return df[order]


class Table(Styler):
    """A pandas Styler for a reader: every cell formatted (:func:`cell`), headers from :func:`header`, shown in the
    theme's horizontal scroll box (``pst-scrollable-table-container``, as the data appendix) so a wide table
    scrolls instead of being cut off. Its plain-text form is the same cells as text (pandas' default repr shows
    a memory address, which changes every run and would break the committed outputs' comparison)."""

    def _cells(self) -> pd.DataFrame:
        """The cells as the reader sees them (text), under the shown headers."""
        columns = list(self.data.columns)
        formatters = getattr(self, "_gpuplan_formatters", None) or [_formatter(c) for c in columns]
        labels = getattr(self, "_gpuplan_headers", None) or [header(c) for c in columns]
        shown = pd.DataFrame({i: [formatters[i](v) for v in self.data.iloc[:, i]] for i in range(len(columns))},
                             index=range(len(self.data)))
        shown.columns = labels
        return shown

    def __repr__(self) -> str:
        return self._cells().to_string(index=False)

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))

    def _repr_html_(self) -> str:
        return f'<div class="pst-scrollable-table-container">\n{self.to_html()}\n</div>\n'


def table(df: pd.DataFrame, formats: dict[str, str] | None = None, *, caption: str | None = None,
          name: str = "t", headers: dict[str, str] | None = None) -> Table:
    """A display table for a notebook: index hidden, a fixed table id ``name`` (pandas otherwise draws a random
    uuid, which would make the committed outputs differ run to run) and every cell readable:

    - ``formats``: per-column number formats (e.g. ``{"usd_per_gpu_hour": "${:.2f}"}``, keyed by the frame's
      column names); columns without one get :func:`cell` (thousands separators for whole numbers,
      :data:`SIGNIFICANT` significant digits otherwise, yes/no for booleans, YYYY-MM-DD for dates);
    - missing values are "—" in every column (never <NA>, NaN or None);
    - headers: ``headers`` (column -> display name with unit) where given, else the column name as it is when
      it already reads as a header, or :func:`header` of a snake_case name;
    - a date-observed column is moved beside the price column it dates (:func:`_price_dates_beside_prices`);
    - shown inside the theme's horizontal scroll box (see :class:`Table`)."""
    df = _price_dates_beside_prices(df)
    formats = dict(formats or {})
    columns = list(df.columns)
    labels = [(headers or {}).get(column, header(column)) for column in columns]
    formatters = [_formatter(column, formats.get(column, formats.get(label)))
                  for column, label in zip(columns, labels, strict=True)]
    styler = Table(df, uuid=name).hide(axis="index")
    styler._gpuplan_formatters, styler._gpuplan_headers = formatters, labels
    for column, show in dict(zip(columns, formatters, strict=True)).items():
        styler = styler.format(show, subset=[column])
    styler = styler.relabel_index(labels, axis="columns")
    styler = styler.set_table_attributes('class="table gpuplan-table"')
    return styler.set_caption(caption) if caption else styler
