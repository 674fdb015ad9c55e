"""``gpuplan book``: build the book (default or personal edition), or refresh the committed notebooks."""

from __future__ import annotations

import typer

from gpuplan.cli.app import app


@app.command("book")
def book_command(
    params: str = typer.Option(None, "--params", help="YAML of notebook parameters: build a personal edition "
                               "into _editions/<file name>/_build/html (see scenarios/my_prices.yaml)."),
    refresh_baselines: bool = typer.Option(False, "--refresh-baselines", help="Re-execute notebooks/*.ipynb in "
                                           "place with default parameters (the nbval baseline; `make notebooks`)."),
) -> None:
    """Build the book strictly and offline: re-execute changed notebooks (papermill), then jupyter-book."""
    from gpuplan import book  # noqa: PLC0415 (heavy: papermill, nbformat and jupyter load only for this command)

    if refresh_baselines:
        for path in book.refresh_baselines():
            typer.echo(f"refreshed {path.relative_to(book.ROOT)}")
        return
    html = book.build(params)
    typer.echo(f"built {html / 'index.html'}")
