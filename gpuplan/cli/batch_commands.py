"""``gpuplan batch`` (a notebook over a parameter grid, locally or on a Dask cluster; ``batch report``) and
``gpuplan sweep`` (vectorized cost / break-even grids). The command bodies are the batch module's own, moved here
verbatim; their libraries (dask, papermill) load only when the command runs."""

from __future__ import annotations

import typer

from gpuplan.cli.app import JSON_OPTION, app, emit
from gpuplan.errors import InputError


@app.command("batch")
def batch_command(
    grid: str = typer.Argument(..., metavar="GRID.yaml|report", help="Grid file to run, or `report`."),
    report_dir: str | None = typer.Argument(None, metavar="[DIR]", help="With `report`: the batch folder."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", help="Worker processes (default: number of CPUs)."),
    scheduler: str | None = typer.Option(None, "--scheduler", metavar="ADDRESS", help="Run on the Dask cluster "
                                         "of this scheduler, e.g. tcp://10.0.0.5:8786 (default: "
                                         "$DASK_SCHEDULER_ADDRESS, else this machine)."),
    out: str | None = typer.Option(None, "--out", help="Output folder (default: _build/batch/<grid name>)."),
    timeout: float | None = typer.Option(None, "--timeout", help="Time limit per cell, seconds (default: none)."),
    y: str | None = typer.Option(None, "--y", help="With `report`: the result column to chart."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar with ETA."),
) -> None:
    """Run a notebook over a parameter grid (`batch GRID.yaml`), or write DIR/report.html (`batch report DIR`).

    Resumable: run the same command again after a crash or Ctrl-C and only the missing runs execute. With
    --scheduler the runs execute on the Dask cluster's workers (start `dask scheduler`, then `dask worker
    ADDRESS` on each machine); results are written here.
    Exit 1 when a run failed (recorded with its error; the others still ran).
    """
    from gpuplan import batch

    if grid == "report":
        if report_dir is None:
            raise InputError("DIR", "give the batch folder: gpuplan batch report DIR")
        typer.echo(f"wrote {batch.report(report_dir, y=y)}")
        return
    if report_dir is not None:
        raise InputError(report_dir, "unexpected argument (the report is `gpuplan batch report DIR`)")
    try:
        result = batch.run_batch(grid, out, jobs=jobs, timeout_s=timeout, progress=progress, scheduler=scheduler)
    except KeyboardInterrupt as err:
        typer.echo(str(err) or "interrupted", err=True)
        raise typer.Exit(130) from None
    typer.echo(f"{result.total} runs: {result.ok} ok, {result.failed} failed, {result.skipped} already done, "
               f"{result.recovered} recovered -> {result.table}")  # fmt: skip
    for run_id, error in list(result.errors.items())[:3]:
        typer.echo(f"failed {run_id}: {error}", err=True)
    if result.failed:
        raise typer.Exit(1)


@app.command("sweep")
def sweep_command(
    grid: str = typer.Argument(..., metavar="GRID.yaml", help="Sweep grid: axes of cost / break-even inputs."),
    out: str | None = typer.Option(None, "--out", help="Output folder (default: _build/sweep/<grid name>)."),
    csv: bool = typer.Option(False, "--csv/--no-csv", help="Also write runs.csv (large for 10^6 scenarios)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Cost per job on A and B and the break-even for every point of a large grid, vectorized, into runs.duckdb."""
    from gpuplan import sweep

    emit(sweep.run_sweep(grid, out, csv=csv), as_json, title="sweep")
