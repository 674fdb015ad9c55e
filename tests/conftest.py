"""Shared test fixtures and helpers: a private copy of the data folder, and values read from data/*.csv directly
(independent of gpuplan's own queries)."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import shutil
import statistics
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def csv_rows(name: str) -> list[dict]:
    """data/<name> (a path under data/) read as dicts, straight from the CSV."""
    with (REPO / "data" / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def csv_price_rows(kind: str = "on-demand") -> list[dict]:
    return [r for r in csv_rows("prices.csv") if r["kind"] == kind]


def _market_by_hand(gpu_id: str, kind: str = "on-demand") -> tuple[float, int, float, float]:
    """By hand from the CSV: each provider's newest dated row (ties: higher price_id); keep those within 6 months
    of the newest date of that kind anywhere; median, count, min, max."""
    rows = csv_price_rows(kind)
    newest = max(dt.date.fromisoformat(r["date_observed"]) for r in rows if r["date_observed"])
    year, month = newest.year - (newest.month <= 6), (newest.month - 7) % 12 + 1  # 6 months back, the day
    start = dt.date(year, month, min(newest.day, calendar.monthrange(year, month)[1]))  # clamped to the month
    latest: dict[str, tuple] = {}
    for r in rows:
        if r["gpu_id"] != gpu_id:
            continue
        key = (r["date_observed"] or "", int(r["price_id"]))
        if r["provider"] not in latest or key > latest[r["provider"]][0]:
            latest[r["provider"]] = (key, r)
    chosen = [float(r["usd_per_gpu_hour"]) for (date, _), r in latest.values()
              if date and dt.date.fromisoformat(date) > start]
    if not chosen:  # no provider in the window: every provider's newest dated row
        chosen = [float(r["usd_per_gpu_hour"]) for (date, _), r in latest.values() if date]
    return statistics.median(chosen), len(chosen), min(chosen), max(chosen)


@pytest.fixture()
def market_by_hand():
    """(median, providers, low, high) of a GPU's default market price, worked out from data/prices.csv."""
    return _market_by_hand


@pytest.fixture()
def data_copy(tmp_path, monkeypatch):
    """A private copy of data/*.csv + schema.sql, selected through GPUPLAN_DATA_DIR (db inside it)."""
    folder = tmp_path / "data"
    folder.mkdir()
    for path in [*(REPO / "data").glob("*.csv"), REPO / "data" / "schema.sql"]:
        shutil.copy(path, folder / path.name)
    monkeypatch.setenv("GPUPLAN_DATA_DIR", str(folder))
    monkeypatch.delenv("GPUPLAN_DB", raising=False)
    return folder
