"""The gpuplan command line (typer). `python -m gpuplan --help`.

Every command prints a rich table, or with `--json` machine-readable JSON on stdout. Bad input of any kind (a
gpuplan.errors.GpuplanError from the library, or a typer usage error such as a non-number) becomes ONE line on
stderr, `error: <option>: <what is allowed>`, and exit code 2 — never a traceback (see `_Group.invoke`).

Layout: :mod:`gpuplan.cli.app` holds the application, the one-line errors and the helpers every command uses
(``emit``, ``options``, ``parse_count``, ``resolve_gpu``, ``catalog_option``); one module per command group adds
its commands: ``data_commands`` (data build/query/export), ``workload_commands`` (memory, runtime, scale,
allreduce), ``cost_commands`` (cost, breakeven, rent-vs-buy), ``serve_commands`` (serve), ``book_commands``
(book), ``batch_commands`` (batch, sweep), ``run_commands`` (run). Importing this package registers them, in the
order ``--help`` lists them. Entry points: ``gpuplan.cli:main`` and ``python -m gpuplan``.
"""

from __future__ import annotations

# the import order below registers the commands in the order --help lists them
# isort: off
from gpuplan.cli.app import app
from gpuplan.cli import data_commands
from gpuplan.cli import workload_commands
from gpuplan.cli import cost_commands
from gpuplan.cli import serve_commands
from gpuplan.cli import book_commands
from gpuplan.cli import batch_commands
from gpuplan.cli import run_commands
# isort: on
from gpuplan.cli.app import (
    JSON_OPTION,
    MODEL_OPTION,
    PARAMS_OPTION,
    PRICES_OPTION,
    catalog_option,
    echo_error,
    emit,
    options,
    parse_count,
    parse_int_list,
    resolve_gpu,
    run_app,
)

__all__ = ["JSON_OPTION", "MODEL_OPTION", "PARAMS_OPTION", "PRICES_OPTION", "app", "batch_commands", "book_commands",
           "catalog_option", "cost_commands", "data_commands", "echo_error", "emit", "main", "options", "parse_count",
           "parse_int_list", "resolve_gpu", "run_commands", "serve_commands", "workload_commands"]


def main() -> None:
    """Entry point of `gpuplan` and `python -m gpuplan`."""
    run_app()
