"""The application object and the helpers every command uses: one-line errors (:class:`_Group`), ``--json``
output (:func:`emit`), option relabelling (:func:`options`), counts with suffixes (:func:`parse_count`), GPU names
(:func:`resolve_gpu`), price catalogs (:func:`catalog_option`) and model arguments (:func:`_architecture`)."""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # typer 0.29 vendors click as typer._click
from typer.core import TyperGroup

from gpuplan import data, prices
from gpuplan.errors import GpuplanError, InputError
from gpuplan.memory import Architecture


def echo_error(err: GpuplanError) -> None:
    """``error: <line>`` on stderr for each line of ``err``: one, or one per problem (errors.InputErrors)."""
    for line in str(err).splitlines() or [""]:
        typer.echo(f"error: {line}", err=True)


class _Group(TyperGroup):
    """Turns GpuplanError and usage errors raised by any sub-command into one line on stderr + exit 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NoArgsIsHelpError:
            raise
        except UsageError as err:
            typer.echo(f"error: {err.format_message()}", err=True)
            raise typer.Exit(2) from None
        except GpuplanError as err:
            echo_error(err)
            raise typer.Exit(2) from None
        except OSError as err:  # a full disk, an unwritable --out folder, a missing file: one line, not a traceback
            where = f"{err.filename}: " if err.filename else ""
            typer.echo(f"error: {where}{err.strerror or err}", err=True)
            raise typer.Exit(2) from None
        except (OverflowError, MemoryError) as err:  # numbers too large to compute with
            typer.echo(f"error: a value is too large to compute with ({type(err).__name__}: {err})", err=True)
            raise typer.Exit(2) from None


def _typer(help: str) -> typer.Typer:
    return typer.Typer(help=help, cls=_Group, no_args_is_help=True, add_completion=False,
                       pretty_exceptions_enable=False)  # fmt: skip


app = _typer("gpuplan: which GPU to rent or buy — memory fit, runtime, cost per finished job, break-even, scaling.")


# ---------------------------------------------------------------------------------------------- shared helpers
JSON_OPTION = typer.Option(False, "--json", help="Print machine-readable JSON on stdout instead of a table.")
PRICES_OPTION = typer.Option(None, "--prices", help="Your own price catalog CSV (a SkyPilot vms.csv or the "
                             "data/prices.csv format); default prices come from it instead of the data.")


def catalog_option(path: str | None) -> str | None:
    """Check a --prices file now (one line naming file, line and column on a bad cell) and say on stderr which
    accelerators it names that no GPU mapping knows; returns the path."""
    if path is None:
        return None
    with options(prices="--prices"):
        note = prices.unmapped_note(prices.load_catalog(path))
    if note:
        typer.echo(f"note: {note}", err=True)
    return path


_SUFFIX = {"": 1, "K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12}
_COUNT = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([KMBGT]?)\s*$", re.IGNORECASE)


def parse_count(option: str, text: str | None) -> int | None:
    """'6.74e9', '6.74B', '7b', '500M', '2K', '1.4T', '1_000' -> an integer count > 0 (None stays None)."""
    if text is None:
        return None
    m = _COUNT.match(text.replace("_", "").replace(",", ""))
    if not m:
        raise InputError(option, f"{text!r} is not a count; use e.g. 6.74e9 or 6.74B (suffixes K, M, B, T)")
    value = float(m.group(1)) * _SUFFIX[m.group(2).upper()]
    if not (math.isfinite(value) and value >= 1):
        raise InputError(option, f"{text!r} must be a count >= 1")
    return int(round(value))


def parse_int_list(option: str, text: str) -> list[int]:
    """'1,8,64,512' -> [1, 8, 64, 512], each a count >= 1."""
    counts = [parse_count(option, part) for part in text.split(",") if part.strip()]
    if not counts:
        raise InputError(option, "give comma-separated counts, e.g. 1,8,64,512")
    return counts


@contextmanager
def options(**names: str) -> Iterator[None]:
    """Re-label an InputError raised inside with the command-line option: options(runtime_hours='--hours')."""
    try:
        yield
    except InputError as err:
        if err.field in names:
            raise InputError(names[err.field], str(err).split(": ", 1)[1]) from None
        raise


def resolve_gpu(option: str, name: str) -> str:
    """GPU id from an id or unambiguous alias (gpuplan.data.resolve_gpu); errors name `option`."""
    with options(gpu=option):
        return data.resolve_gpu(name)


def _plain(value: Any) -> Any:
    """JSON-safe copy: numpy/pandas scalars -> Python, NaN/inf -> None, DataFrames -> list of records."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return [_plain(r) for r in value.to_dict(orient="records")]
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        return [_plain(v) for v in list(value)]
    if pd.api.types.is_scalar(value) and pd.isna(value):  # None, NaN, NA, NaT
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if 1e3 <= abs(value) < 1e15 else f"{value:.4g}"
    return "" if value is None else str(value)


def emit(result: Any, as_json: bool, title: str | None = None) -> None:
    """Print `result` (dict, or list of dict rows) as JSON on stdout, or as rich table(s)."""
    result = _plain(result)
    if as_json:
        typer.echo(json.dumps(result, indent=2, allow_nan=False))
        return
    console = Console()
    if isinstance(result, list):
        table = Table(title=title)
        columns = list(dict.fromkeys(k for row in result for k in row))
        for c in columns:
            table.add_column(c, justify="right")
        for row in result:
            table.add_row(*(_fmt(row.get(c)) for c in columns))
        console.print(table)
        return
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    nested = {}
    for key, value in result.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            nested[key] = value
        elif isinstance(value, dict):
            table.add_row(key, ", ".join(f"{k}={_fmt(v)}" for k, v in value.items()))
        else:
            table.add_row(key, _fmt(value))
    console.print(table)
    for key, rows in nested.items():
        emit(rows, False, title=key)


# ----------------------------------------------------------------------------------------- model arguments
MODEL_OPTION = typer.Option(None, "--model", help="Model id or name from the models table (or give --params ...).")
PARAMS_OPTION = typer.Option(None, "--params", help="Parameter count, e.g. 6.74e9 or 6.74B (instead of --model).")
# the architecture flags of a model given by --params (memory, serve)
LAYERS_OPTION = typer.Option(None, "--layers", help="Transformer layers (with --params).")
HIDDEN_OPTION = typer.Option(None, "--hidden", help="Hidden size (with --params).")
HEADS_OPTION = typer.Option(None, "--heads", help="Attention heads (with --params).")
KV_HEADS_OPTION = typer.Option(None, "--kv-heads", help="KV heads (GQA; default: --heads).")
HEAD_DIM_OPTION = typer.Option(None, "--head-dim", help="Head dimension (default: hidden / heads).")
VOCAB_OPTION = typer.Option(None, "--vocab", help="Vocabulary size (logits, embeddings).")


def _architecture(model: str | None, params: str | None, **shape: int | None):
    """memory.Architecture from --model, or from --params and the explicit shape options (not both)."""
    if (model is None) == (params is None):
        raise InputError("--model", "give either --model NAME or --params N (with --layers, --hidden, ...), not both"
                         if model else "give --model NAME or --params N")
    with options(model="--model", params_total="--params", layers="--layers", hidden_size="--hidden",
                 attention_heads="--heads", kv_heads="--kv-heads", head_dim="--head-dim", vocab_size="--vocab"):  # fmt: skip
        if model is not None:
            if any(v is not None for v in shape.values()):
                raise InputError("--model", "the architecture comes from the models table: drop --layers/--hidden/...")
            return Architecture.from_model(model)
        return Architecture(params_total=parse_count("--params", params), **shape)


def run_app() -> None:
    """Run the application with one-line errors (the command modules must be imported first: gpuplan.cli.main)."""
    try:
        app()
    except GpuplanError as err:  # e.g. raised while building the command tree; commands are covered by _Group
        echo_error(err)
        sys.exit(2)
