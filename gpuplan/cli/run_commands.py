"""``gpuplan run``: execute one notebook with parameters (papermill), its parameter contract checked first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
import yaml

from gpuplan import params
from gpuplan.cli.app import app
from gpuplan.errors import InputError


def _parameter_value(text: str) -> Any:
    """A -p value as papermill reads it: a YAML scalar (2, 2.5, true, null) or else the text itself."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (int, float, bool, type(None))) else text


PARAMETER_OPTION = typer.Option(None, "-p", "--parameter", help="NAME=VALUE (repeatable), as papermill's "
                                "-p NAME VALUE; the value is read as YAML.")


@app.command("run")
def run_command(
    notebook: str = typer.Argument(..., help="The notebook to run, e.g. notebooks/03_cost_per_task.ipynb."),
    output: str = typer.Argument(..., help="Where to write the executed notebook."),
    parameter: list[str] | None = PARAMETER_OPTION,
    parameters_file: str | None = typer.Option(None, "-f", "--parameters-file", help="A YAML file of parameters."),
) -> None:
    """Execute a notebook with parameters (papermill), checked against the notebook's parameter contract first:
    an unknown name, a wrong type or a bad value exits 2 with one line, and so does a failing cell."""
    values: dict[str, Any] = {}
    if parameters_file is not None:
        loaded = params.read_yaml(parameters_file, "--parameters-file")
        if not isinstance(loaded, dict):
            raise InputError("--parameters-file", f"{parameters_file}: must be a mapping of parameter: value")
        values.update(loaded)
    for item in parameter or []:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise InputError("-p", f"{item!r}: write NAME=VALUE")
        values[name.strip()] = _parameter_value(text)
    if not Path(notebook).is_file():
        raise InputError("notebook", f"{notebook}: no such file")
    path = params.run_notebook(notebook, output, values)
    typer.echo(f"wrote {path}")
