"""The results of a batch: executed notebooks and the ``runs`` table, written atomically; the HTML report.

Only the batch's own process (the client, on a cluster) writes here; workers return their results to it:

- ``OUT/<run-id>.ipynb`` (ok) or ``OUT/<run-id>.failed.ipynb`` (failed): the executed notebook, written by
  temporary file + ``os.replace`` once its run is over. The notebook is the durable record: it carries
  papermill's metadata (parameters, duration, exception) and the glued values, so a batch killed between a
  notebook and its row is completed from the notebook on the next start (``record_from_notebook``).
- ``OUT/runs.duckdb`` (table ``runs``) and ``OUT/runs.csv``: one row per run id (never two), the whole
  table replaced in one transaction and the CSV by temp file + rename, at most once a second.
- ``OUT/report.html`` (``report``): counts, a static SVG chart built with the book's chart helpers
  (:mod:`gpuplan.charts`) and the runs table, filled into the page template ``report.html`` next to this file.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import html
import json
import os
import re
import string
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import nbformat
import pandas as pd
import vl_convert
from myst_nb.ext.glue import extract_glue_data_cell

from gpuplan.batch.grid import RUN_ID_DIGITS
from gpuplan.errors import InputError

META_COLUMNS = ["run_id", "status", "duration_seconds", "error", "output", "notebook", "notebook_version",
                "finished_at", "parameters"]
TEMPLATE = Path(__file__).with_name("report.html")
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomic(path: Path, text: str) -> None:
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
        "finished_at": meta.get("end_time") or datetime.now(UTC).isoformat(),
        "parameters": json.dumps(parameters, sort_keys=True, default=str),
    }
    for name, value in parameters.items():
        row[name] = value if isinstance(value, (int, float, str, bool)) or value is None else json.dumps(value)
    for name, value in glue_values(nb).items():
        row[name if name not in row else f"{name}_result"] = value
    return row


def failed_notebook(notebook: str, parameters: dict[str, Any]) -> nbformat.NotebookNode:
    """A stand-in notebook for a run that ended before papermill had one (e.g. its worker died twice)."""
    return nbformat.v4.new_notebook(metadata={"papermill": {"parameters": parameters, "input_path": notebook}})


def save_run(out_dir: Path, rid: str, notebook_text: str, ok: bool) -> str:
    """Write a finished run's executed notebook (atomically) as <rid>.ipynb or <rid>.failed.ipynb; an ok run
    removes an older failed copy. Returns the file name."""
    name = f"{rid}.ipynb" if ok else f"{rid}.failed.ipynb"
    write_atomic(out_dir / name, notebook_text)
    if ok:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(out_dir / f"{rid}.failed.ipynb")
    return name


# -------------------------------------------------------------------------------------- the runs table


def _frame(rows: dict[str, dict]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows.values()))
    extra = [c for c in frame.columns if c not in META_COLUMNS]
    return frame[[c for c in META_COLUMNS if c in frame.columns] + extra]


class RunsTable:
    """runs.duckdb (table `runs`) + runs.csv in the output folder, written by the batch's process only.

    Each write replaces the whole table (one transaction) and the CSV (temp + rename), so `put` writes at
    most once per FLUSH_SECONDS and `close` writes what is pending: a batch of thousands of short runs does
    not spend its time rewriting tables. Nothing is lost by the delay: a finished run's notebook is the
    record the next start reads back (run_batch), and failed runs are retried anyway.
    """

    FLUSH_SECONDS = 1.0

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        path = out_dir / "runs.duckdb"
        try:
            self.con = duckdb.connect(str(path))
            exists = self.con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", ["runs"]
            ).fetchall()[0][0]
            records = self.con.execute("SELECT * FROM runs").df().to_dict("records") if exists else []
        except duckdb.Error as err:  # locked by another batch on the same folder, or not a DuckDB file
            first = (str(err).splitlines() or [""])[0]
            raise InputError("--out", f"{path}: cannot open ({first})") from None
        self.rows: dict[str, dict] = {row["run_id"]: row for row in records}
        self.pending = False
        self.flushed_at = 0.0

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
        write_atomic(self.out_dir / "runs.csv", frame.to_csv(index=False))
        self.pending, self.flushed_at = False, time.monotonic()

    def close(self) -> None:
        self.flush()
        self.con.close()


def load_runs(out_dir: str | Path) -> pd.DataFrame:
    """The `runs` table of a batch folder as a DataFrame, ordered by finish time then run id.

    InputError naming the file when there is none or it is not a readable runs table."""
    path = Path(out_dir) / "runs.duckdb"
    if not path.exists():
        raise InputError("DIR", f"{out_dir}: no runs.duckdb here (run `gpuplan batch GRID.yaml --out DIR` first)")
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute("SELECT * FROM runs ORDER BY finished_at, run_id").df()
    except duckdb.Error as err:
        first = " ".join((str(err).splitlines() or [""])[0].split())
        raise InputError("DIR", f"{path}: not a readable runs table ({first[:160]})") from None


# ---------------------------------------------------------------------------------------------- report


def _varying(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """The columns of `columns` that take more than one value in `frame`."""
    return [c for c in columns if c in frame.columns and frame[c].nunique(dropna=True) > 1]


def report_chart(frame: pd.DataFrame, y: str | None = None):
    """Chart of a runs table (gpuplan.charts.scatter, joined by lines): a numeric result (y) against the first
    varying numeric parameter, one line per value of the second varying parameter, one panel per value of the
    third. Only the ok runs of the most recent notebook version are drawn.

    Default y: of the numeric results whose name contains 'cost_per_job' (else of all numeric results), the
    one taking the most distinct values (the one the grid moves most). Returns None when the table has no
    numeric result or no varying numeric parameter.
    """
    from gpuplan import charts  # noqa: PLC0415 (Altair: only for a report, not for every run)

    ok = frame[frame["status"] == "ok"]
    if len(ok) and "notebook_version" in ok:
        latest = ok.sort_values(["finished_at", "run_id"], kind="stable")["notebook_version"].iloc[-1]
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
    data = ok.sort_values([x, "run_id"], kind="stable").copy()
    series = others[0] if others else "runs"
    if not others:
        data[series] = "all runs"
    chart = charts.scatter(data, x, y, series, x_title=x, y_title=y, title=f"{y} by {x}", line=True,
                           tooltip=["run_id", *names, y])  # fmt: skip
    if len(others) > 1:
        return chart.properties(width=charts.WIDTH // 2).facet(column=f"{others[1]}:N")
    return chart


def chart_svg(chart) -> str:
    """An Altair chart rendered to SVG text with vl-convert (offline, no JavaScript in the page)."""
    return vl_convert.vegalite_to_svg(chart.to_dict())


def runs_table_html(frame: pd.DataFrame) -> str:
    """The runs as an HTML table with the book's table helper (gpuplan.charts.table: its number formats and
    headers): parameters and results first, bookkeeping last, each output notebook linked (same folder).
    Text the notebooks wrote is HTML-escaped first (the helper leaves text as it is)."""
    from gpuplan import charts  # noqa: PLC0415 (Altair: only for a report, not for every run)

    head = ["run_id", "status"]
    tail = [c for c in META_COLUMNS if c not in head and c != "parameters"]
    shown = frame[head + [c for c in frame.columns if c not in META_COLUMNS] + tail].copy()
    for column in shown.columns:
        if not pd.api.types.is_numeric_dtype(shown[column]):
            shown[column] = [html.escape(v) if isinstance(v, str) else v for v in shown[column]]
    link = lambda name: f'<a href="{name}">{name}</a>' if isinstance(name, str) and name else "—"  # noqa: E731
    return charts.table(shown, name="runs").format(link, subset=["output"]).to_html()


def report(out_dir: str | Path, y: str | None = None) -> Path:
    """Write ``OUT/report.html`` from the template next to this module: counts, the chart of
    :func:`report_chart` as inline SVG (no scripts: works offline) and the runs table. Returns the path."""
    frame = load_runs(out_dir)
    chart = report_chart(frame, y)
    if chart is None:
        svg = "<p>No chart: the grid varies no numeric parameter, or the notebook glues no numeric result.</p>"
    else:
        svg = chart_svg(chart)
    counts = frame["status"].value_counts().to_dict()
    notebooks = ", ".join(sorted(set(frame["notebook"].astype(str))))
    page = string.Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        notebooks=html.escape(notebooks), runs=len(frame), ok=counts.get("ok", 0),
        failed=counts.get("failed", 0), chart=svg, table=runs_table_html(frame),
    )  # fmt: skip
    path = Path(out_dir) / "report.html"
    write_atomic(path, page)
    return path
