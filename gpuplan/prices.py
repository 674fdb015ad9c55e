"""The one price resolver: which USD per GPU-hour a command, notebook, sweep or batch run uses, and why.

Every answer is a dict with one provenance vocabulary (``source``):

- ``given``: an explicit price (``--price``, a notebook parameter);
- ``provider``: the latest observation of one named provider (``--provider``);
- ``market``: no price and no provider given. The default is a stated statistic, not one stale row: the
  **median of each provider's latest price** of that kind for the GPU, over the providers observed in the
  :data:`WINDOW_MONTHS` months up to the newest observation of that kind in the data (the "as of" date comes
  from the data, never from the clock, so the answer is the same on every machine and every day). When no
  provider of the GPU was observed in that window, the median runs over every provider's latest price and
  ``basis`` says that the prices are older than the window.
- ``catalog``: a price catalog file the user imports (``--prices FILE``, parameter ``prices``): the median of
  the file's per-GPU prices for that GPU (see :func:`load_catalog`).

Keys: ``usd_per_gpu_hour``, ``source``, ``basis`` (one sentence: the statistic, over which rows and dates),
``low_usd``/``high_usd`` (the spread behind the statistic), ``n_providers``, ``provider`` (the one provider, or
None), ``date_observed`` (the newest date behind the price), ``date_first``, ``source_id``,
``gpu_id``, ``kind``. ``source_id`` is the ``;``-joined source ids behind the price (the catalog's file name for
``catalog``; None for ``given``).
"""

from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from gpuplan import assumptions, data
from gpuplan.errors import InputError
from gpuplan.validators import PLAUSIBLE, check_range

#: the default price looks back this far from the newest observation of its kind in the data (gpuplan.assumptions
#: 'price_window_months')
WINDOW_MONTHS = assumptions.value("price_window_months")
HOURLY_KINDS = ("on-demand", "spot", "reserved")
SOURCES = ("given", "provider", "market", "catalog")


def _answer(gpu_id: str, kind: str, usd: float, source: str, basis: str, *, low: float | None = None,
            high: float | None = None, n_providers: int = 1, provider: str | None = None, date_observed=None,
            date_first=None, source_id: str | None = None) -> dict[str, Any]:
    return {"usd_per_gpu_hour": float(usd), "source": source, "basis": basis,
            "low_usd": float(usd if low is None else low), "high_usd": float(usd if high is None else high),
            "n_providers": int(n_providers), "provider": provider, "date_observed": _iso(date_observed),
            "date_first": _iso(date_first if date_first is not None else date_observed),
            "source_id": source_id, "gpu_id": gpu_id, "kind": kind}


def _iso(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value if isinstance(value, str) else value.isoformat()[:10]


def resolve(gpu: str, price: float | None = None, *, provider: str | None = None, kind: str = "on-demand",
            catalog: str | Path | None = None, field: str = "price") -> dict[str, Any]:
    """The hourly price for ``gpu`` (see the module docstring for the rules and the returned keys).

    Precedence: an explicit ``price``; else a ``catalog`` file; else ``provider``'s latest price; else the
    market median. Errors name ``field`` (the option or parameter that would fix them)."""
    gpu_id = data.resolve_gpu(gpu)
    if kind not in HOURLY_KINDS:
        raise InputError("kind", f"{kind!r} is not an hourly price kind; use {', '.join(HOURLY_KINDS)} "
                                 "(purchase prices: rent-vs-buy)")
    if price is not None:
        check_range(field, price, high=PLAUSIBLE["usd_per_gpu_hour"])
        return _answer(gpu_id, kind, float(price), "given", "given")
    if catalog is not None:
        return _from_catalog(gpu_id, kind, load_catalog(catalog), provider, field)
    if provider is not None:
        return _from_provider(gpu_id, kind, provider, field)
    return market(gpu_id, kind, field)


def _from_provider(gpu_id: str, kind: str, provider: str, field: str) -> dict[str, Any]:
    try:
        row = data.latest_price(gpu_id, kind=kind, provider=provider)
    except InputError as err:
        raise InputError(field if field != "price" else "provider", str(err).split(": ", 1)[1]) from None
    if row["usd_per_gpu_hour"] is None:
        raise InputError(field, f"the latest {kind} price of {gpu_id} from {provider} has no USD per GPU-hour")
    when = _iso(row["date_observed"]) or "undated"
    return _answer(gpu_id, kind, row["usd_per_gpu_hour"], "provider",
                   f"latest {kind} price from {row['provider']} ({when})", provider=row["provider"],
                   date_observed=row["date_observed"], source_id=row["source_id"])


def as_of(kind: str = "on-demand") -> str | None:
    """The newest ``date_observed`` of ``kind`` prices in the data: the "as of" date of every default price."""
    return _iso(data.query("SELECT max(date_observed) AS d FROM prices WHERE kind = ?", [kind])["d"].iloc[0])


def date_range(kind: str = "on-demand") -> tuple[str | None, str | None]:
    """(oldest, newest) ``date_observed`` of ``kind`` prices in the data (shown as "prices as of ...")."""
    row = data.query("SELECT min(date_observed) AS a, max(date_observed) AS b FROM prices WHERE kind = ?", [kind])
    return _iso(row["a"].iloc[0]), _iso(row["b"].iloc[0])


def market(gpu_id: str, kind: str = "on-demand", field: str = "price") -> dict[str, Any]:
    """The market median of the module docstring: each provider's latest price, median over the providers
    observed within :data:`WINDOW_MONTHS` months of :func:`as_of` (else over all providers, said in basis)."""
    gpu_id = data.resolve_gpu(gpu_id)
    end = as_of(kind)
    stats_sql = """
        SELECT median(usd_per_gpu_hour) AS usd, min(usd_per_gpu_hour) AS low, max(usd_per_gpu_hour) AS high,
               count(*) AS n, min(provider) AS one_provider, min(date_observed) AS first, max(date_observed) AS last,
               string_agg(DISTINCT source_id, ';' ORDER BY source_id) AS sources
        FROM latest_prices
        WHERE gpu_id = ? AND kind = ? AND usd_per_gpu_hour IS NOT NULL"""
    dated = " AND date_observed IS NOT NULL"
    window = data.query(stats_sql + dated + " AND date_observed > CAST(? AS DATE) - INTERVAL (?) MONTH",
                        [gpu_id, kind, end, WINDOW_MONTHS]).iloc[0] if end else None
    if window is not None and int(window["n"]) > 0:
        row, stale = window, ""
    else:
        row = data.query(stats_sql + dated, [gpu_id, kind]).iloc[0]
        stale = f"; none observed in the {WINDOW_MONTHS} months to {end}: these prices are older"
        if int(row["n"]) == 0:  # last resort: undated rows, said so
            row = data.query(stats_sql, [gpu_id, kind]).iloc[0]
            stale = "; the sources give no date: treat these prices with care"
            if int(row["n"]) == 0:
                raise InputError(field, f"no {kind} price for {gpu_id} in data/prices.csv; give a price")
    n = int(row["n"])
    first, last = _iso(row["first"]), _iso(row["last"])
    span = "undated" if first is None else first if first == last else f"{first} to {last}"
    what = (f"latest {kind} price of the one provider observed" if n == 1 else
            f"median of the latest {kind} price of each of {n} providers")
    basis = f"{what}, observed {span}{stale or f' (the {WINDOW_MONTHS} months to {end})'}".replace("observed undated", "undated")
    return _answer(gpu_id, kind, row["usd"], "market", basis, low=row["low"], high=row["high"], n_providers=n,
                   provider=row["one_provider"] if n == 1 else None, date_observed=last, date_first=first,
                   source_id=row["sources"])


def price_for(gpu: str, price: float | None = None, **kwargs) -> float:
    """Just the USD per GPU-hour of :func:`resolve`."""
    return resolve(gpu, price, **kwargs)["usd_per_gpu_hour"]


# ------------------------------------------------------------------------------------------ catalog import
SKYPILOT_COLUMNS = ("InstanceType", "AcceleratorName", "AcceleratorCount", "Price", "Region", "SpotPrice")
OWN_COLUMNS = ("gpu_id", "provider", "kind", "usd_per_gpu_hour")


def load_catalog(path: str | Path) -> pd.DataFrame:
    """A user's price catalog as rows (gpu_id, provider, kind, usd_per_gpu_hour, region, line); never written
    into data/.

    Two formats, told apart by the header:
    - a SkyPilot catalog (``catalogs/v7/<cloud>/vms.csv``: InstanceType, AcceleratorName, AcceleratorCount, ...,
      Price, Region, ..., SpotPrice). Per-GPU price = Price / AcceleratorCount (on-demand) and SpotPrice /
      AcceleratorCount (spot, where given). AcceleratorName is mapped to a gpu_id by ``catalog_names``
      (data/catalog_names.csv, cited); rows without an accelerator (CPU instances) are skipped, and rows whose
      accelerator no mapping names are skipped and listed in ``frame.attrs['unmapped']`` by line. The provider
      is the cloud: the name of the folder holding vms.csv, else the file name.
    - the project's own prices format (data/prices.csv's columns; at least gpu_id, provider, kind,
      usd_per_gpu_hour).
    A bad cell -> InputError('prices', '<file> line N, column C: ...'), one line.
    """
    return _load_catalog(str(Path(path).resolve()), _mtime(path))


def _mtime(path: str | Path) -> int:
    try:
        return Path(path).stat().st_mtime_ns
    except OSError:
        return -1


@lru_cache(maxsize=8)
def _load_catalog(path_text: str, _mtime_ns: int) -> pd.DataFrame:
    path = Path(path_text)
    try:
        text = path.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except FileNotFoundError:
        raise InputError("prices", f"{path}: no such file") from None
    except UnicodeDecodeError as err:
        raise InputError("prices", f"{path}: not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise InputError("prices", f"{path}: cannot read it ({err.strerror})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise InputError("prices", f"{path} line 1: empty file (expected a header row)")
    records, line = [], reader.line_num + 1
    try:
        for cells in reader:
            if cells:
                if len(cells) != len(header):
                    raise InputError("prices", f"{path} line {line}: {len(cells)} cells, header has {len(header)}")
                records.append((line, dict(zip(header, cells, strict=True))))
            line = reader.line_num + 1
    except csv.Error as err:
        raise InputError("prices", f"{path} line {line}: unreadable CSV ({err})") from None
    if all(c in header for c in SKYPILOT_COLUMNS[:4]):
        frame = _skypilot_rows(path, records)
    elif all(c in header for c in OWN_COLUMNS):
        frame = _own_rows(path, records)
    else:
        raise InputError("prices", f"{path} line 1: not a price catalog (need SkyPilot columns "
                                   f"{', '.join(SKYPILOT_COLUMNS)} or {', '.join(OWN_COLUMNS)})")
    return frame


def _number(path: Path, line: int, column: str, text: str, *, allow_empty: bool = False) -> float | None:
    if allow_empty and not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError("prices", f"{path} line {line}, column {column}: {text!r} is not a number") from None
    if not (value == value and abs(value) != float("inf")) or value <= 0:
        raise InputError("prices", f"{path} line {line}, column {column}: {text!r} must be a finite number > 0")
    return value


def _plausible(path: Path, line: int, column: str, usd_per_gpu_hour: float) -> None:
    if usd_per_gpu_hour > PLAUSIBLE["usd_per_gpu_hour"]:
        raise InputError("prices", f"{path} line {line}, column {column}: {usd_per_gpu_hour:g} USD per GPU-hour is "
                                   f"not plausible (above {PLAUSIBLE['usd_per_gpu_hour']:g})")


def _mapping() -> pd.DataFrame:
    return data.query("SELECT accelerator_name, instance_type_like, gpu_id FROM catalog_names "
                      "ORDER BY accelerator_name, instance_type_like NULLS LAST, gpu_id")


def _map_accelerator(mapping: pd.DataFrame, name: str, instance_type: str) -> str | None:
    rows = mapping[mapping["accelerator_name"].str.lower() == name.strip().lower()]
    for row in rows.itertuples():  # rows with an instance-type pattern first (ORDER BY ... NULLS LAST)
        pattern = row.instance_type_like
        if pattern is None or pd.isna(pattern):
            return row.gpu_id
        if _like(instance_type, pattern):
            return row.gpu_id
    return None


def _like(text: str, pattern: str) -> bool:
    """SQL LIKE (case-insensitive) with % and _ only."""
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern.lower())
    return re.fullmatch(regex, text.lower()) is not None


def _skypilot_rows(path: Path, records: list[tuple[int, dict]]) -> pd.DataFrame:
    mapping = _mapping()
    provider = path.parent.name if path.name == "vms.csv" else path.stem
    rows, unmapped = [], {}
    for line, rec in records:
        name = rec["AcceleratorName"].strip()
        if not name:
            continue  # a CPU instance
        gpu_id = _map_accelerator(mapping, name, rec["InstanceType"])
        if gpu_id is None:
            unmapped.setdefault(name, []).append(line)
            continue
        count = _number(path, line, "AcceleratorCount", rec["AcceleratorCount"])
        if count != int(count):
            raise InputError("prices", f"{path} line {line}, column AcceleratorCount: {rec['AcceleratorCount']!r} "
                                       "is not a whole number of GPUs")
        region = rec.get("Region") or None
        for kind, column in (("on-demand", "Price"), ("spot", "SpotPrice")):
            if column not in rec:
                continue
            value = _number(path, line, column, rec[column], allow_empty=True)
            if value is None:
                continue
            per_gpu = value / count
            _plausible(path, line, column, per_gpu)
            rows.append({"gpu_id": gpu_id, "provider": provider, "kind": kind, "usd_per_gpu_hour": per_gpu,
                         "region": region, "instance_type": rec["InstanceType"], "line": line})
    frame = pd.DataFrame(rows, columns=["gpu_id", "provider", "kind", "usd_per_gpu_hour", "region",
                                        "instance_type", "line"])
    frame.attrs["unmapped"] = {name: lines for name, lines in sorted(unmapped.items())}
    frame.attrs["path"] = str(path)
    return frame


def _own_rows(path: Path, records: list[tuple[int, dict]]) -> pd.DataFrame:
    rows = []
    for line, rec in records:
        try:
            gpu_id = data.resolve_gpu(rec["gpu_id"])
        except InputError as err:
            raise InputError("prices", f"{path} line {line}, column gpu_id: {str(err).split(': ', 1)[1]}") from None
        kind = rec["kind"].strip()
        if kind == "purchase":
            continue
        if kind not in HOURLY_KINDS:
            raise InputError("prices", f"{path} line {line}, column kind: {kind!r} is not one of "
                                       f"{', '.join(HOURLY_KINDS)}, purchase")
        if not rec["provider"].strip():
            raise InputError("prices", f"{path} line {line}, column provider: empty value (required)")
        value = _number(path, line, "usd_per_gpu_hour", rec["usd_per_gpu_hour"])
        _plausible(path, line, "usd_per_gpu_hour", value)
        rows.append({"gpu_id": gpu_id, "provider": rec["provider"].strip(), "kind": kind, "usd_per_gpu_hour": value,
                     "region": rec.get("region") or None, "instance_type": None, "line": line})
    frame = pd.DataFrame(rows, columns=["gpu_id", "provider", "kind", "usd_per_gpu_hour", "region",
                                        "instance_type", "line"])
    frame.attrs["unmapped"] = {}
    frame.attrs["path"] = str(path)
    return frame


def unmapped_note(frame: pd.DataFrame) -> str | None:
    """One line naming the accelerators of a catalog that no mapping row knows, with their first lines."""
    unmapped = frame.attrs.get("unmapped") or {}
    if not unmapped:
        return None
    parts = [f"{name} (line {lines[0]}{'' if len(lines) == 1 else f' and {len(lines) - 1} more'})"
             for name, lines in unmapped.items()]
    return f"{frame.attrs.get('path')}: skipped accelerators not in data/catalog_names.csv: {', '.join(parts)}"


def _from_catalog(gpu_id: str, kind: str, frame: pd.DataFrame, provider: str | None, field: str) -> dict[str, Any]:
    rows = frame[(frame["gpu_id"] == gpu_id) & (frame["kind"] == kind)]
    if provider is not None:
        rows = rows[rows["provider"].str.lower() == provider.lower()]
    name = Path(frame.attrs.get("path", "catalog")).name
    if rows.empty:
        who = f" from {provider}" if provider else ""
        raise InputError(field if field != "price" else "prices",
                         f"{frame.attrs.get('path')}: no {kind} price for {gpu_id}{who}")
    values = rows["usd_per_gpu_hour"]
    n_rows, providers = len(rows), sorted(rows["provider"].unique())
    how = " (instance types × regions; Price / AcceleratorCount)" if rows["instance_type"].notna().any() else ""
    basis = f"median of {n_rows} {kind} per-GPU price(s) for {gpu_id} in {name}{how}"
    return _answer(gpu_id, kind, float(values.median()), "catalog", basis, low=float(values.min()),
                   high=float(values.max()), n_providers=len(providers),
                   provider=providers[0] if len(providers) == 1 else None, source_id=name)
