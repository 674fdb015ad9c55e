"""The gpuplan command line (typer). `python -m gpuplan --help`.

Every command turns gpuplan.errors.GpuplanError into one line on stderr and exit code 2 (never a traceback).
"""

from __future__ import annotations

import sys

import typer

from gpuplan.errors import GpuplanError

app = typer.Typer(help="gpuplan: which GPU to rent or buy.", no_args_is_help=True, add_completion=False)
data_app = typer.Typer(help="The DuckDB database of specs, prices, benchmarks and models.", no_args_is_help=True)
app.add_typer(data_app, name="data")


@data_app.command("build")
def data_build() -> None:
    """Build data/gpuplan.duckdb from data/*.csv (atomically; the old database survives a bad CSV)."""
    from gpuplan import data

    path = data.build()
    typer.echo(f"built {path}")


def main() -> None:
    try:
        app()
    except GpuplanError as err:
        typer.echo(f"error: {err}", err=True)
        sys.exit(2)
