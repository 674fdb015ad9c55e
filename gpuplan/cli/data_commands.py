"""``gpuplan data build|query|export``: the DuckDB database of specs, prices, benchmarks and models."""

from __future__ import annotations

import typer

from gpuplan import data
from gpuplan.cli.app import _typer, app, emit

data_app = _typer("The DuckDB database of specs, prices, benchmarks and models.")
app.add_typer(data_app, name="data")


@data_app.command("build")
def data_build() -> None:
    """Build data/gpuplan.duckdb from data/*.csv (atomically; the old database survives a bad CSV)."""
    path = data.build()
    typer.echo(f"built {path}")


@data_app.command("query")
def data_query(
    sql: str = typer.Argument(..., help="One SQL statement, e.g. \"SELECT * FROM latest_prices WHERE kind = 'on-demand'\"."),
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON records instead of a table."),
) -> None:
    """Run one read-only SELECT against the database (rebuilt first if a CSV changed); statements that write
    files or change state (COPY, ATTACH, SET, CREATE, ...) and file functions (read_csv) are refused."""
    df = data.read_only_query(sql)
    if as_csv:
        typer.echo(df.to_csv(index=False), nl=False)
    else:
        emit(df, as_json)


@data_app.command("export")
def data_export(
    out_dir: str = typer.Argument(..., metavar="DIR", help="Folder for one <table>.parquet per table and view."),
) -> None:
    """Export every table and view as Parquet (readable by DuckDB 1.x, pandas, polars; the .duckdb file is not)."""
    for path in data.export(out_dir):
        typer.echo(f"wrote {path}")
