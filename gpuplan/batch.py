"""Parameterized batch execution of a notebook: parallel, resumable, one results table.

A *grid* (YAML) names a notebook and the parameter sets to run it with; every run executes the notebook with
papermill into ``OUT/<run-id>.ipynb`` and its headline results (``myst_nb.glue`` values) are collected, with
the parameters, status, duration and error, into the DuckDB table ``runs`` of ``OUT/runs.duckdb`` and
``OUT/runs.csv``. ``python -m gpuplan batch GRID.yaml`` / ``gpuplan batch report OUT``.

Grid file (paths relative to the YAML file; see scenarios/grid-example.yaml)::

    notebook: ../notebooks/03_cost_per_task.ipynb
    fixed: {reruns_per_100: 5}             # optional: the same for every run
    axes:                                  # lists -> cartesian product
      h100_usd_per_hour: [2.0, 2.5, 3.0]
      utilization: [0.5, 0.75, 1.0]
    # or  runs: [{h100_usd_per_hour: 2.0}, ...]   (explicit parameter sets)
    # or  csv: runs.csv                          (one parameter set per row; header = parameter names)

Design:
- run-id = first 12 hex digits of sha256(code/markdown sources of the notebook + canonical JSON of the
  parameters): outputs or metadata re-saved in the notebook do not change it, an edited cell does.
- Speed: a pool of worker processes, each keeping ONE started Jupyter kernel for all its runs. Papermill
  does the parameter injection, metadata and error handling (``papermill.execute_notebook``) through a
  registered papermill engine (``gpuplan-warm``) that hands nbclient the worker's running kernel instead of
  starting one. Between runs the kernel namespace is cleared with IPython's ``%reset -f`` (modules stay in
  ``sys.modules``, so re-imports are dictionary look-ups) and the working directory is restored. Module-level
  state that a notebook mutates (e.g. pandas options) is *not* reset; the book's notebooks set none.
- Resumable: an output notebook is written only when its run is over (temporary file, then ``os.replace``),
  and the notebook itself carries everything the row needs (papermill metadata: parameters, duration,
  exception). On restart, runs recorded ``ok`` are skipped, finished notebooks without a row (the batch was
  killed between the two writes) are read back instead of re-run, and failed runs are retried.
  Failed runs keep their executed notebook as ``<run-id>.failed.ipynb``.
- Only the parent process writes ``runs.duckdb`` (workers return rows); each update replaces the table in
  one transaction, and ``runs.csv`` is rewritten by temp file + rename.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import csv
import hashlib
import itertools
import json
import logging
import multiprocessing
import multiprocessing.util
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from numbers import Real
from pathlib import Path
from typing import Any

import nbformat
import yaml

from gpuplan.errors import InputError
from gpuplan.params import read_yaml

ENGINE_NAME = "gpuplan-warm"
RUN_ID_DIGITS = 12
MAX_RUNS = 100_000  # one notebook per run: beyond this, a vectorized sweep is the tool
META_COLUMNS = ["run_id", "status", "duration_seconds", "error", "output", "notebook", "notebook_version",
                "finished_at", "parameters"]
_UMASK = os.umask(0o022)
os.umask(_UMASK)
_RESET_CODE = "%reset -f\nimport os as _os\n_os.chdir({cwd!r})\ndel _os\nget_ipython().execution_count = 1"


# --------------------------------------------------------------------------------------------- the grid


@dataclass(frozen=True)
class Run:
    """One parameter set of a grid and its run-id."""

    run_id: str
    parameters: dict[str, Any]


@dataclass
class Grid:
    """A validated grid: the notebook, its kernel name and the runs (duplicates removed, order kept)."""

    notebook: Path
    runs: list[Run]
    kernel_name: str = "python3"
    source: Path | None = None
    declared: dict[str, dict] = field(default_factory=dict)
    fingerprint: str = ""


def _write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` via a temporary file in the same folder and os.replace (never half-written)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook at `path` (InputError naming the file when missing or not a notebook)."""
    try:
        return nbformat.read(str(path), as_version=4)
    except FileNotFoundError:
        raise InputError("notebook", f"{path}: no such file") from None
    except Exception as err:  # nbformat raises several kinds for a malformed file
        raise InputError("notebook", f"{path}: not a readable notebook ({type(err).__name__})") from None


def notebook_fingerprint(nb: nbformat.NotebookNode) -> str:
    """sha256 of the notebook's cell types and sources (outputs and metadata excluded)."""
    text = json.dumps([[c.cell_type, c.source] for c in nb.cells], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def run_id(fingerprint: str, parameters: dict[str, Any]) -> str:
    """Short hash of the notebook (its fingerprint) and its parameters (canonical JSON: sorted keys)."""
    canonical = json.dumps(parameters, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{fingerprint}\n{canonical}".encode()).hexdigest()[:RUN_ID_DIGITS]


def _type_names(type_name: str) -> list[str]:
    """'float | None' / 'Optional[float]' / 'Union[int, str]' -> base names ['float', 'None'] etc."""
    text = type_name.replace("typing.", "")
    text = re.sub(r"Optional\[(.*)\]$", r"\1 | None", text)
    text = re.sub(r"Union\[(.*)\]$", lambda m: m.group(1).replace(",", "|"), text)
    return [part.split("[")[0].strip() for part in text.split("|") if part.strip()]


def _check_type(name: str, value: Any, declared: dict) -> Any:
    """Check `value` against the parameter's annotation (or its default's type when unannotated).

    Returns the value normalized (an int given for a float parameter becomes a float, so 2 and 2.0 have one
    run-id). Unknown annotations accept anything.
    """
    names = _type_names(declared.get("inferred_type_name") or "None")
    if names == ["None"]:  # papermill's "unknown": fall back to the default value's type
        try:
            default = ast.literal_eval(declared.get("default") or "None")
        except (ValueError, SyntaxError):
            return value
        if default is None:
            return value
        names = ["float" if isinstance(default, float) else type(default).__name__]
    checks = {
        "None": lambda v: v is None,
        "NoneType": lambda v: v is None,
        "float": lambda v: isinstance(v, Real) and not isinstance(v, bool),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "str": lambda v: isinstance(v, str),
        "list": lambda v: isinstance(v, list),
        "tuple": lambda v: isinstance(v, (list, tuple)),
        "dict": lambda v: isinstance(v, dict),
    }
    if any(n not in checks for n in names):
        return value
    if not any(checks[n](value) for n in names):
        raise InputError(name, f"must be {' or '.join(names)} (got {value!r})")
    if "float" in names and "int" not in names and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def notebook_parameters(nb: nbformat.NotebookNode) -> dict[str, dict]:
    """The parameters cell's names -> {name, inferred_type_name, default, help}, like
    ``papermill.inspect_notebook`` but read with Python's ast: papermill 2.7's regex drops annotated
    parameters such as ``h100_usd_per_hour: float | None = None``. The help is the line's ``#`` comment.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        return {}
    source = cells[0].source
    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError as err:
        raise InputError("notebook", f"parameters cell line {err.lineno}: not valid Python") from None
    lines = source.splitlines()
    declared = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, annotation = node.target.id, ast.unparse(node.annotation)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, annotation = node.targets[0].id, "None"
        else:
            continue
        line = lines[node.end_lineno - 1] if node.end_lineno and node.end_lineno <= len(lines) else ""
        declared[name] = {
            "name": name,
            "inferred_type_name": annotation,
            "default": ast.unparse(node.value) if node.value is not None else "None",
            "help": line.split("#", 1)[1].strip() if "#" in line else "",
        }
    return declared


def notebook_rules(nb: nbformat.NotebookNode) -> dict[str, tuple[str, list | None]]:
    """Parameter name -> (rule, choices) from the notebook's own ``validate("name", name, "rule")`` calls
    (and ``price_or_latest("name", name, gpu)``: rule "price").

    The book's notebooks validate every parameter with gpuplan.params.validate right after the parameters
    cell; reading those calls (with Python's ast) lets a grid be checked by the same rules before any run.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    rules: dict[str, tuple[str, list | None]] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:  # IPython's own transformer turns %magics into Python first
            tree = ast.parse(TransformerManager().transform_cell(cell.source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called == "validate_parameters" and len(node.args) > 1:  # params.validate_parameters(ns, {...})
                rules.update(_literal_rules(node.args[1]))
                continue
            if called not in ("validate", "price_or_latest") or len(node.args) < 2:
                continue
            kwargs = {k.arg: k.value for k in node.keywords}
            name_node = node.args[0]
            if called == "price_or_latest":  # params.price_or_latest(name, value, gpu): the "price" rule
                rule_node = ast.Constant("price")
            else:
                rule_node = node.args[2] if len(node.args) > 2 else kwargs.get("rule")
            choices_node = node.args[3] if len(node.args) > 3 else kwargs.get("choices")
            if not (isinstance(name_node, ast.Constant) and isinstance(rule_node, ast.Constant)):
                continue
            choices = None
            if choices_node is not None:
                try:
                    choices = list(ast.literal_eval(choices_node))
                except (ValueError, TypeError, SyntaxError):
                    continue  # choices computed at run time: leave this one to the run
            rules[name_node.value] = (rule_node.value, choices)
    return rules


def _literal_rules(node: ast.expr) -> dict[str, tuple[str, list | None]]:
    """The literal rules dict of a ``params.validate_parameters(values, {name: rule | (rule, choices)})`` call
    (a trailing ``?`` on a rule means None is allowed; None values are not rule-checked here anyway)."""
    try:
        spec = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError):
        return {}
    if not isinstance(spec, dict):
        return {}
    rules: dict[str, tuple[str, list | None]] = {}
    for name, rule in spec.items():
        rule, choices = (rule[0], list(rule[1])) if isinstance(rule, tuple) else (rule, None)
        rules[name] = (rule.removesuffix("?"), choices)
    return rules


def validate_parameters(
    parameters: dict[str, Any], declared: dict[str, dict], rules: dict[str, tuple[str, list | None]], where: str
) -> dict[str, Any]:
    """Check one parameter set: known names, declared types, the notebook's own validation rules.

    `where` (e.g. 'grid.yaml run 3') prefixes the field of the InputError. Returns the normalized set.
    """
    from gpuplan import params

    checked = {}
    for name, value in parameters.items():
        if name not in declared:
            known = ", ".join(declared) or "(none: the notebook has no parameters cell)"
            raise InputError(f"{where}: {name}", f"not a parameter of the notebook; known: {known}")
        value = _check_type(f"{where}: {name}", value, declared[name])
        if name in rules and value is not None:  # None passed the type check: the annotation allows it
            rule, choices = rules[name]
            try:
                params.validate(name, value, rule, choices)
            except InputError as err:
                raise InputError(where, str(err)) from None
        checked[name] = value
    return checked


def _csv_value(text: str) -> Any:
    """A CSV cell read as a YAML scalar (2.5 -> float, true -> bool, empty -> None); else the text itself."""
    if text == "":
        return None
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if value is None or isinstance(value, (int, float, str, bool)) else text


def _parameter_sets(spec: dict, base: Path) -> list[dict[str, Any]]:
    """The grid's parameter sets, before validation: fixed + (axes product | runs | csv rows)."""
    fixed = spec.get("fixed") or {}
    if not isinstance(fixed, dict):
        raise InputError("fixed", "must be a mapping of parameter name -> value")
    kinds = [k for k in ("axes", "runs", "csv") if k in spec]
    if len(kinds) != 1:
        raise InputError("grid", "give exactly one of 'axes', 'runs' or 'csv'")
    kind = kinds[0]
    if kind == "axes":
        axes = spec["axes"]
        if not isinstance(axes, dict) or not axes:
            raise InputError("axes", "must be a mapping of parameter name -> list of values")
        names = list(axes)
        lists = [axes[n] if isinstance(axes[n], list) else [axes[n]] for n in names]
        for name, values in zip(names, lists):
            if not values:
                raise InputError(f"axes: {name}", "has no values")
        count = 1
        for values in lists:
            count *= len(values)
        if count > MAX_RUNS:
            raise InputError("axes", f"{count:,} runs is more than {MAX_RUNS:,} notebooks; for large grids of "
                                     "cost and break-even inputs use `gpuplan sweep`")
        sets = [dict(zip(names, combo)) for combo in itertools.product(*lists)]
    elif kind == "runs":
        runs = spec["runs"]
        if not isinstance(runs, list) or not all(isinstance(r, dict) for r in runs):
            raise InputError("runs", "must be a list of mappings (one parameter set each)")
        sets = [dict(r) for r in runs]
    else:
        path = (base / spec["csv"]).resolve()
        try:
            with open(path, newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
        except FileNotFoundError:
            raise InputError("csv", f"{path}: no such file") from None
        sets = []
        for line, row in enumerate(rows, start=2):
            if None in row or None in row.values():
                raise InputError("csv", f"{path} line {line}: number of fields differs from the header")
            sets.append({k: _csv_value(v) for k, v in row.items()})
    return [{**fixed, **s} for s in sets]


def load_grid(path: str | Path) -> Grid:
    """Read and validate a grid YAML file; every error is an InputError naming the field (nothing runs)."""
    path = Path(path)
    spec = read_yaml(path, "grid")
    if not isinstance(spec, dict) or "notebook" not in spec:
        raise InputError("notebook", f"{path}: the grid must name a notebook")
    unknown = sorted(set(spec) - {"notebook", "fixed", "axes", "runs", "csv", "description"})
    if unknown:
        raise InputError(unknown[0], f"{path}: unknown key; allowed: notebook, fixed, axes, runs, csv, description")
    notebook = (path.parent / spec["notebook"]).resolve()
    nb = read_notebook(notebook)
    declared = notebook_parameters(nb)
    rules = notebook_rules(nb)
    fingerprint = notebook_fingerprint(nb)
    runs: dict[str, Run] = {}
    for index, parameters in enumerate(_parameter_sets(spec, path.parent), start=1):
        checked = validate_parameters(parameters, declared, rules, where=f"{path.name} run {index}")
        rid = run_id(fingerprint, checked)
        runs.setdefault(rid, Run(rid, checked))
    if not runs:
        raise InputError("grid", f"{path}: no runs")
    kernel = (nb.metadata.get("kernelspec") or {}).get("name") or "python3"
    return Grid(notebook=notebook, runs=list(runs.values()), kernel_name=kernel, source=path, declared=declared,
                fingerprint=fingerprint)


# ------------------------------------------------------------------------------- reading results back


def _scalar(text: str) -> Any:
    """A glued value's text/plain repr -> Python scalar (numbers, strings, bools), or None if not a scalar.

    numpy 2 reprs such as ``np.float64(2.5)`` are unwrapped first.
    """
    match = re.fullmatch(r"np\.\w+\((.*)\)", text.strip(), flags=re.S)
    try:
        value = ast.literal_eval(match.group(1) if match else text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, (int, float, str, bool)) else None


def glue_values(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """The notebook's glued scalars (``myst_nb.glue(name, value)``), read with myst-nb's own extractor.

    Non-scalar glue (charts, tables) is skipped: the runs table holds numbers and strings only.
    """
    from myst_nb.ext.glue import extract_glue_data_cell

    values = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for key, output in extract_glue_data_cell(copy.deepcopy(cell)):
            text = output.get("data", {}).get("text/plain")
            value = None if text is None else _scalar(text)
            if value is not None:
                values[key] = value
    return values


def _first_error(nb: nbformat.NotebookNode) -> str | None:
    """'ename: evalue' of the first error output, on one line."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return " ".join(f"{output.get('ename')}: {output.get('evalue')}".split())
    return None


def record_from_notebook(
    nb: nbformat.NotebookNode, rid: str, output: str, error: str | None = None, version: str = ""
) -> dict:
    """The `runs` row of an executed notebook, from papermill's metadata and the glued values.

    `version`: the notebook's fingerprint (first 12 hex digits kept), so rows of an edited notebook are told
    apart from older ones in the same folder."""
    meta = nb.metadata.get("papermill", {})
    failed = bool(meta.get("exception")) or error is not None
    parameters = dict(meta.get("parameters") or {})
    row = {
        "run_id": rid,
        "status": "failed" if failed else "ok",
        "duration_seconds": meta.get("duration"),
        "error": (error or _first_error(nb)) if failed else None,
        "output": output,
        "notebook": str(meta.get("input_path") or ""),
        "notebook_version": version[:RUN_ID_DIGITS],
        "finished_at": meta.get("end_time") or datetime.now(timezone.utc).isoformat(),
        "parameters": json.dumps(parameters, sort_keys=True, default=str),
    }
    for name, value in parameters.items():
        row[name] = value if isinstance(value, (int, float, str, bool)) or value is None else json.dumps(value)
    for name, value in glue_values(nb).items():
        row[name if name not in row else f"{name}_result"] = value
    return row


# ---------------------------------------------------------------------------------- worker processes


class _Worker:
    """Per-process state: the kernel manager/client kept warm across runs, and the notebook in flight."""

    km = None
    kc = None
    kernel_name = "python3"
    kernel_pid = None
    cwd = "."
    nb = None


def _start_kernel() -> None:
    """Start this worker's kernel with the async manager/client nbclient itself uses (its cell timeouts and
    output polling rely on them), driven synchronously by jupyter_core's run_sync as nbclient does."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = AsyncKernelManager(kernel_name=_Worker.kernel_name)
    # in-memory history, as nbclient does: parallel kernels must not contend for one sqlite history file
    # stderr: ipykernel's start-up warnings would scribble over the progress bar (outputs come via iopub)
    run_sync(km.start_kernel)(cwd=_Worker.cwd, extra_arguments=["--HistoryManager.hist_file=:memory:"],
                              stderr=subprocess.DEVNULL)
    _Worker.kernel_pid = km.provisioner.pid if km.provisioner is not None else None
    _Worker.km, _Worker.kc = km, km.client()
    try:
        _Worker.kc.start_channels()
        run_sync(_Worker.kc.wait_for_ready)(timeout=60)
    except BaseException:
        _stop_kernel()  # never leave a half-started kernel behind
        raise
    _Worker.kc.allow_stdin = False


def _stop_kernel() -> None:
    from jupyter_core.utils import run_sync

    if _Worker.kc is not None:
        with contextlib.suppress(Exception):
            _Worker.kc.stop_channels()
    if _Worker.km is not None:
        with contextlib.suppress(Exception):
            run_sync(_Worker.km.shutdown_kernel)(now=True)
    _Worker.km = _Worker.kc = _Worker.kernel_pid = None


def _on_sigterm(signum, frame) -> None:  # pragma: no cover - runs in a worker being terminated
    # no jupyter_client calls here: they can deadlock when the handler interrupts them; kill the kernel's
    # process (own session, so it got no signal of its own) and leave
    if _Worker.kernel_pid:
        with contextlib.suppress(OSError):
            os.kill(_Worker.kernel_pid, signal.SIGKILL)
    os._exit(1)


def _watch_parent(parent_pid: int) -> None:  # pragma: no cover - runs in a worker whose batch died
    """Worker thread: once the batch process is gone (e.g. SIGKILL), kill the kernel and leave.

    Polls the parent pid rather than using PR_SET_PDEATHSIG, which fires when the *thread* that forked the
    worker ends (multiprocessing.Pool re-forks workers from a helper thread that ends at close()).
    """
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    _on_sigterm(signal.SIGTERM, None)


def _init_worker(kernel_name: str, cwd: str) -> None:
    """Pool initializer: ignore Ctrl-C (the parent handles it), stop the kernel on SIGTERM/parent death.

    The kernel is started here so that workers warm up in parallel; if that fails, the worker lives on and
    the first run retries (and records the error) instead of the pool re-forking a dying worker forever.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    # papermill warns "Passed unknown parameter" for annotations its regex cannot read (notebook_parameters)
    logging.getLogger("papermill").setLevel(logging.CRITICAL)  # errors go to the runs table instead
    _Worker.kernel_name, _Worker.cwd = kernel_name, cwd
    _register_engine()
    multiprocessing.util.Finalize(None, _stop_kernel, exitpriority=10)
    with contextlib.suppress(Exception):
        _start_kernel()


def _register_engine() -> None:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger

    class WarmKernelEngine(NBClientEngine):
        """papermill engine that runs the notebook in this worker's already started kernel."""

        @classmethod
        def execute_managed_notebook(
            cls, nb_man, kernel_name, log_output=False, start_timeout=60, execution_timeout=None, **kwargs
        ):
            from jupyter_core.utils import run_sync

            _Worker.nb = nb_man.nb
            if _Worker.km is None or not run_sync(_Worker.km.is_alive)():
                _stop_kernel()
                _start_kernel()
            reply = run_sync(_Worker.kc.execute_interactive)(
                _RESET_CODE.format(cwd=_Worker.cwd), store_history=False, timeout=60, output_hook=lambda msg: None
            )
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"kernel reset failed: {reply['content'].get('evalue')}")
            client = PapermillNotebookClient(
                nb_man, km=_Worker.km, kernel_name=kernel_name, timeout=execution_timeout,
                startup_timeout=start_timeout, log=logger, log_output=log_output,
            )  # fmt: skip
            client.kc = _Worker.kc
            return client.execute()

    papermill_engines.register(ENGINE_NAME, WarmKernelEngine)


def _execute(task: tuple[str, str, dict, str, float | None, str]) -> dict:
    """Run one notebook in this worker's kernel; write its output atomically; return its `runs` row."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    rid, notebook, parameters, out_dir, timeout_s, version = task
    out = Path(out_dir)
    _Worker.nb = None
    error = None
    started = time.perf_counter()
    try:
        nb = papermill.execute_notebook(
            notebook, None, parameters=parameters, engine_name=ENGINE_NAME, kernel_name=_Worker.kernel_name,
            progress_bar=False, execution_timeout=timeout_s,
        )  # fmt: skip
    except PapermillExecutionError as err:
        nb, error = _Worker.nb, " ".join(f"{err.ename}: {err.evalue}".split())
    except Exception as err:  # timeout, dead kernel, ...: record it, start a fresh kernel for the next run
        first_line = (str(err).strip().splitlines() or [""])[0]
        nb, error = _Worker.nb, " ".join(f"{type(err).__name__}: {first_line}".split())
        _stop_kernel()
    if nb is None:  # failed before papermill had a notebook: keep at least the parameters
        nb = nbformat.v4.new_notebook(metadata={"papermill": {"parameters": parameters, "input_path": notebook}})
    name = f"{rid}.ipynb" if error is None else f"{rid}.failed.ipynb"
    row = record_from_notebook(nb, rid, name, error, version)
    if row["duration_seconds"] is None:
        row["duration_seconds"] = time.perf_counter() - started
    _write_atomic(out / name, nbformat.writes(nb))
    if error is None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(out / f"{rid}.failed.ipynb")
    return row


# -------------------------------------------------------------------------------------- the runs table


def _frame(rows: dict[str, dict]):
    import pandas as pd

    frame = pd.DataFrame(list(rows.values()))
    extra = [c for c in frame.columns if c not in META_COLUMNS]
    return frame[[c for c in META_COLUMNS if c in frame.columns] + extra]


class _Table:
    """runs.duckdb (table `runs`) + runs.csv in the output folder, written by the parent process only.

    Each write replaces the whole table (one transaction) and the CSV (temp + rename), so `put` writes at
    most once per FLUSH_SECONDS and `close` writes what is pending: a batch of thousands of short runs does
    not spend its time rewriting tables. Nothing is lost by the delay: a finished run's notebook is the
    record the next start reads back (run_batch), and failed runs are retried anyway.
    """

    FLUSH_SECONDS = 1.0

    def __init__(self, out_dir: Path):
        import duckdb

        self.out_dir = out_dir
        path = out_dir / "runs.duckdb"
        try:
            self.con = duckdb.connect(str(path))
        except duckdb.Error as err:  # locked by another batch on the same folder, or not a DuckDB file
            first = (str(err).splitlines() or [""])[0]
            raise InputError("--out", f"{path}: cannot open ({first})") from None
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", ["runs"]
        ).fetchall()[0][0]
        self.rows: dict[str, dict] = {}
        self.pending = False
        self.flushed_at = 0.0
        if exists:
            for row in self.con.execute("SELECT * FROM runs").df().to_dict("records"):
                self.rows[row["run_id"]] = row

    def put(self, rows: list[dict]) -> None:
        """Add or replace rows (by run_id: never a duplicate); write if the last write is FLUSH_SECONDS old."""
        for row in rows:
            self.rows[row["run_id"]] = row
        self.pending = True
        if time.monotonic() - self.flushed_at >= self.FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Rewrite table and CSV atomically with every row."""
        if not self.pending:
            return
        frame = _frame(self.rows)
        self.con.register("runs_frame", frame)
        self.con.execute("BEGIN TRANSACTION")
        self.con.execute("CREATE OR REPLACE TABLE runs AS SELECT * FROM runs_frame")
        self.con.execute("COMMIT")
        self.con.unregister("runs_frame")
        _write_atomic(self.out_dir / "runs.csv", frame.to_csv(index=False))
        self.pending, self.flushed_at = False, time.monotonic()

    def close(self) -> None:
        self.flush()
        self.con.close()


@dataclass
class BatchResult:
    """What a batch did: counts of runs and where the table is."""

    total: int
    skipped: int
    recovered: int
    ok: int
    failed: int
    out_dir: Path
    errors: dict[str, str] = field(default_factory=dict)  # run_id -> error of this call's failed runs

    @property
    def table(self) -> Path:
        return self.out_dir / "runs.duckdb"


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during a batch: the runs finished so far are recorded; `done` of `total`."""

    def __init__(self, done: int, total: int, out_dir: Path):
        self.done, self.total, self.out_dir = done, total, out_dir
        super().__init__(f"interrupted: {done} of {total} runs recorded in {out_dir}; run the same command again")


def default_jobs() -> int:
    """Worker processes by default: the CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_batch(
    grid: Grid | str | Path,
    out_dir: str | Path | None = None,
    jobs: int | None = None,
    timeout_s: float | None = None,
    progress: bool = True,
) -> BatchResult:
    """Run every run of `grid` not yet recorded ``ok`` in `out_dir` (default: ``_build/batch/<grid name>``).

    `jobs` worker processes (default: the number of CPUs), each with one warm kernel; `timeout_s` limits each
    cell (None: no limit). A failed run is recorded and the batch goes on. Ctrl-C terminates the workers and
    raises BatchInterrupted after the finished runs are recorded. Returns a BatchResult.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.progress import TimeRemainingColumn

    if not isinstance(grid, Grid):
        grid = load_grid(grid)
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise InputError("--jobs", f"must be >= 1 (got {jobs})")
    out = Path(out_dir) if out_dir is not None else Path("_build", "batch", grid.source.stem if grid.source else "grid")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError("--out", f"{out}: cannot create the folder ({err.strerror})") from None
    out = out.resolve()
    table = _Table(out)
    skipped = recovered = ok = failed = 0
    todo = []
    found = []
    for run in grid.runs:
        done_row = table.rows.get(run.run_id)
        notebook_file = out / f"{run.run_id}.ipynb"
        if done_row is not None and done_row.get("status") == "ok" and notebook_file.exists():
            skipped += 1
        elif notebook_file.exists():  # finished, but the batch died before recording it
            found.append(record_from_notebook(nbformat.read(str(notebook_file), as_version=4), run.run_id,
                                              notebook_file.name, version=grid.fingerprint))  # fmt: skip
        else:
            todo.append(run)
    if found:
        table.put(found)
        recovered = len(found)
    table.close()  # no open database in the forked workers
    result = BatchResult(len(grid.runs), skipped, recovered, 0, 0, out)
    if not todo:
        return result
    tasks = [(r.run_id, str(grid.notebook), r.parameters, str(out), timeout_s, grid.fingerprint) for r in todo]
    cwd = str(grid.notebook.parent)
    context = multiprocessing.get_context("fork")
    pool = context.Pool(min(jobs, len(tasks)), initializer=_init_worker, initargs=(grid.kernel_name, cwd))
    table = _Table(out)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[failed]} failed"), TimeElapsedColumn(), TextColumn("ETA"),
               TimeRemainingColumn())  # fmt: skip
    # Ctrl-C only sets a flag, checked between results: a row or CSV write is never cut in half
    interrupted = threading.Event()
    previous = signal.getsignal(signal.SIGINT)
    catch = threading.current_thread() is threading.main_thread() and previous is not signal.SIG_IGN
    if catch:
        signal.signal(signal.SIGINT, lambda signum, frame: interrupted.set())
    try:
        with Progress(*columns, console=Console(stderr=True), disable=not progress) as bar:
            task = bar.add_task(grid.notebook.name, total=len(tasks), failed=0)
            results = pool.imap_unordered(_execute, tasks)
            for _ in tasks:
                row = None
                while row is None:
                    if interrupted.is_set():
                        raise KeyboardInterrupt
                    with contextlib.suppress(multiprocessing.TimeoutError):
                        row = results.next(timeout=0.2)
                table.put([row])
                if row["status"] == "ok":
                    ok += 1
                else:
                    failed += 1
                    result.errors[row["run_id"]] = row["error"]
                bar.update(task, advance=1, failed=failed)
        pool.close()
        pool.join()
    except KeyboardInterrupt:
        pool.terminate()
        pool.join()
        table.close()
        raise BatchInterrupted(skipped + recovered + ok + failed, len(grid.runs), out) from None
    except BaseException:
        pool.terminate()
        with contextlib.suppress(Exception):  # keep the original error
            table.close()
        raise
    finally:
        if catch:
            signal.signal(signal.SIGINT, previous)
    table.close()
    result.ok, result.failed = ok, failed
    return result


def load_runs(out_dir: str | Path):
    """The `runs` table of a batch folder as a DataFrame (InputError when there is none)."""
    import duckdb

    path = Path(out_dir) / "runs.duckdb"
    if not path.exists():
        raise InputError("DIR", f"{out_dir}: no runs.duckdb here (run `gpuplan batch GRID.yaml --out DIR` first)")
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT * FROM runs ORDER BY finished_at").df()


def _varying(frame, columns: list[str]) -> list[str]:
    """The columns of `columns` that take more than one value in `frame`."""
    return [c for c in columns if c in frame.columns and frame[c].nunique(dropna=True) > 1]


def report_chart(frame, y: str | None = None):
    """Altair chart of a runs table: a numeric result (y) against the first varying numeric parameter,
    one line per value of the second varying parameter, one panel per value of the third. Only the ok runs
    of the most recent notebook version are drawn.

    Default y: of the numeric results whose name contains 'cost_per_job' (else of all numeric results), the
    one taking the most distinct values (the one the grid moves most). Returns None when the table has no
    numeric result or no varying numeric parameter.
    """
    import altair as alt
    import pandas as pd

    ok = frame[frame["status"] == "ok"]
    if len(ok) and "notebook_version" in ok:
        latest = ok.sort_values("finished_at")["notebook_version"].iloc[-1]
        ok = ok[ok["notebook_version"] == latest]
    keys = {k for p in ok["parameters"] for k in json.loads(p)}
    names = [c for c in ok.columns if c in keys]  # parameter columns, in the grid's order

    def numeric(column: str) -> bool:
        return pd.api.types.is_numeric_dtype(ok[column]) and not pd.api.types.is_bool_dtype(ok[column])

    results = [c for c in ok.columns if c not in META_COLUMNS and c not in names and numeric(c)]
    if y is None:
        candidates = [c for c in results if "cost_per_job" in c] or results
        y = max(candidates, key=lambda c: ok[c].nunique(), default=None)
    elif y not in ok.columns:
        raise InputError("--y", f"no column {y!r} in the runs table; numeric results: {', '.join(results)}")
    varying = _varying(ok, names)
    numbers = [c for c in varying if numeric(c)]
    if y is None or not numbers:
        return None
    x = numbers[0]
    others = [c for c in varying if c != x]
    base = alt.Chart(ok).mark_line(point=True).encode(
        x=alt.X(f"{x}:Q", title=x), y=alt.Y(f"{y}:Q", title=y),
        tooltip=["run_id", *names, y],
    )  # fmt: skip
    if others:
        base = base.encode(color=alt.Color(f"{others[0]}:N", title=others[0]))
    if len(others) > 1:
        return base.properties(width=260, height=200).facet(column=alt.Column(f"{others[1]}:N", title=others[1]))
    return base.properties(width=520, height=320)


def report(out_dir: str | Path, y: str | None = None) -> Path:
    """Write ``OUT/report.html``: counts, an Altair chart as inline SVG (vl-convert; no scripts, works
    offline) and the runs table. Returns the path."""
    import html

    frame = load_runs(out_dir)
    chart = report_chart(frame, y)
    if chart is None:
        svg = "<p>No chart: the grid varies no numeric parameter, or the notebook glues no numeric result.</p>"
    else:
        svg = chart_svg(chart)
    counts = frame["status"].value_counts().to_dict()
    notebooks = ", ".join(sorted(set(frame["notebook"].astype(str))))
    # parameters and results first, bookkeeping last; each output notebook linked (same folder)
    head = ["run_id", "status"]
    tail = [c for c in META_COLUMNS if c not in head and c != "parameters"]
    def cell(value: Any) -> str:
        if value is None or (isinstance(value, float) and value != value):  # None / NaN
            return ""
        return f"{value:.6g}" if isinstance(value, float) else html.escape(str(value))

    shown = frame[head + [c for c in frame.columns if c not in META_COLUMNS] + tail].astype(object).map(cell)
    shown["output"] = [f'<a href="{o}">{o}</a>' if o else "" for o in shown["output"]]
    table = shown.to_html(index=False, classes="runs", border=0, escape=False)  # cells escaped by cell()
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>gpuplan batch report</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em}} table.runs{{border-collapse:collapse;font-size:13px}}
table.runs td,table.runs th{{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}}</style></head>
<body><h1>Batch report</h1>
<p>{html.escape(notebooks)}: {len(frame)} runs, {counts.get("ok", 0)} ok, {counts.get("failed", 0)} failed.</p>
{svg}
<h2>Runs</h2>
{table}
</body></html>
"""
    path = Path(out_dir) / "report.html"
    _write_atomic(path, page)
    return path


def chart_svg(chart) -> str:
    """An Altair chart rendered to SVG text with vl-convert (offline, no JavaScript in the page)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(chart.to_dict())
