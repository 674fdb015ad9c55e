"""What every chart shares: the plot width, the theme (legends below the plot), Vega-safe names and colours."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd

#: pixel width of every chart's plot area: with axis labels it fits the book's text column (~700 px)
WIDTH = 420


@alt.theme.register("gpuplan", enable=True)
def _theme() -> alt.theme.ThemeConfig:
    """Legends below the plot, so a chart with a legend is no wider than the text column."""
    return {"config": {"legend": {"orient": "bottom", "columns": 3}}}


def _slug(text: str) -> str:
    """A Vega-safe parameter name from a label (letters, digits, underscore; starts with a letter)."""
    slug = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    return slug if slug[:1].isalpha() else f"p_{slug}"


def _fields(df: pd.DataFrame, wanted: list[str]) -> list[str]:
    return [name for name in wanted if name in df.columns]


def _color(field: str, df: pd.DataFrame, title: str | None = None, **legend) -> alt.Color:
    """Colour by ``field``: Vega's 10-colour palette repeats after 10 values (two GPUs in one colour), so more
    values get the 20-colour tableau20 scheme."""
    scale = alt.Scale(scheme="tableau20") if df[field].nunique() > 10 else alt.Undefined
    return alt.Color(f"{field}:N", title=title, scale=scale, legend=alt.Legend(labelLimit=400, **legend))
