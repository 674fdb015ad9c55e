"""Building the DuckDB database from data/*.csv: where the files are, their content hash, and the checks every
CSV passes before a row is inserted.

Sources of truth are the CSV files in ``data/`` (one per table, declared in ``data/schema.sql``); every row
cites ``data/sources.csv``. ``build()`` validates the CSVs and writes ``data/gpuplan.duckdb`` atomically
(temporary file in the same folder, then ``os.replace``), so a bad CSV never leaves a half-written database and
the previous one survives. Everything else opens the database read-only (DuckDB allows many read-only
processes at once but locks the file for a writer), and ``connect()`` rebuilds first when the database is
missing or its stored content hash differs from the CSVs.

Validation is driven by the schema itself: column types, NOT NULL, CHECK, PRIMARY KEY and FOREIGN KEY
constraints are read from DuckDB's catalog (``duckdb_columns()``, ``duckdb_constraints()``) and checked on the
CSV text first, so the first problem is reported as one line naming file, line and column
(``data/prices.csv line 14, column usd_per_gpu_hour: -2.0 is negative``). The constraints then fire again on
INSERT as a second line of defence.

Beyond the schema, every number must be finite (``nan``, ``inf`` and ``1e400`` are refused: ``nan > 0`` is true
in DuckDB, so a CHECK alone lets NaN through) and no date may lie after the day of the build (a price dated in
the future would otherwise become the "latest" one). A UTF-8 byte-order mark is accepted and ignored.

Environment: ``GPUPLAN_DATA_DIR`` points at another CSV folder (tests, the mutation test, batch workers);
``GPUPLAN_DB`` at another database file (default: ``gpuplan.duckdb`` inside the data folder);
``GPUPLAN_DUCKDB_THREADS`` sets DuckDB's thread count for reads (the determinism test varies it).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import uuid
from pathlib import Path

import duckdb
import pandas as pd

from gpuplan.errors import DataError

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DB_NAME = "gpuplan.duckdb"
DB_PATH = DATA_DIR / DB_NAME
SCHEMA_FILE = "schema.sql"
# Load order: referenced tables first.
TABLES = ("sources", "gpus", "spec_values", "prices", "benchmarks", "models", "training_runs", "catalog_names")

_TYPE_WORDS = {
    "DOUBLE": "a number",
    "INTEGER": "an integer",
    "BIGINT": "an integer",
    "DATE": "a date YYYY-MM-DD",
    "BOOLEAN": "true or false",
}


# ----------------------------------------------------------------------------------------------- paths, hash
def data_dir() -> Path:
    """The CSV folder: ``$GPUPLAN_DATA_DIR`` or the package's ``data/``."""
    return Path(os.environ.get("GPUPLAN_DATA_DIR") or DATA_DIR)


def db_path() -> Path:
    """The database file: ``$GPUPLAN_DB``, else ``gpuplan.duckdb`` in ``data_dir()``."""
    env = os.environ.get("GPUPLAN_DB")
    return Path(env) if env else data_dir() / DB_NAME


_hash_memo: dict[str, tuple[tuple, str]] = {}


def data_hash(data_dir_: Path | None = None) -> str:
    """sha256 over schema.sql and every data/*.csv (name and bytes, sorted by name). Caches key on it.

    The digest is recomputed only when a file's (name, mtime_ns, size) signature changes, so calling it on
    every lookup is cheap.
    """
    folder = Path(data_dir_ or data_dir())
    paths = [folder / SCHEMA_FILE, *sorted(folder.glob("*.csv"))]
    signature = tuple((p.name, st.st_mtime_ns, st.st_size) for p in paths if p.exists() for st in [p.stat()])
    memo = _hash_memo.get(str(folder))
    if memo and memo[0] == signature:
        return memo[1]
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode() + b"\0")
        h.update(path.read_bytes() if path.exists() else b"<missing>")
        h.update(b"\0")
    _hash_memo[str(folder)] = (signature, h.hexdigest())
    return h.hexdigest()


# ----------------------------------------------------------------------------------------------- build
def _display(folder: Path, name: str) -> str:
    """How a file is named in messages: ``data/prices.csv`` for the package data, else the full path."""
    return f"data/{name}" if folder.resolve() == DATA_DIR.resolve() else str(folder / name)


def _read_csv(path: Path, shown: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number as an editor shows it, cells) for each record; quoted newlines are handled."""
    if not path.exists():
        raise DataError(f"{shown}: file not found")
    raw = path.read_bytes()
    raw = raw.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark (Excel's "CSV UTF-8") is not a column name
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataError(f"{shown} line {line}: not UTF-8 text (byte {raw[err.start]:#04x})") from None
    with io.StringIO(text, newline="") as f:
        reader = csv.reader(f)
        start = 1
        try:
            header = next(reader, None)
            if header is None:
                raise DataError(f"{shown} line 1: empty file (expected a header row)")
            records, start = [], reader.line_num + 1
            for cells in reader:
                if cells:  # skip blank lines
                    if len(cells) != len(header):
                        raise DataError(f"{shown} line {start}: {len(cells)} cells, header has {len(header)}")
                    records.append((start, cells))
                start = reader.line_num + 1
        except csv.Error as err:
            raise DataError(f"{shown} line {start}: unreadable CSV ({err})") from None
    return header, records


def _check_table(con: duckdb.DuckDBPyConnection, table: str, folder: Path) -> None:
    """Load data/<table>.csv into a text staging table, check it against the schema, then INSERT."""
    shown = _display(folder, f"{table}.csv")
    header, records = _read_csv(folder / f"{table}.csv", shown)
    columns = con.execute(
        "SELECT column_name, data_type, is_nullable FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
        [table],
    ).fetchall()
    names = [c[0] for c in columns]
    for name in names:
        if name not in header:
            raise DataError(f"{shown} line 1, column {name}: missing column")
    for name in header:
        if name not in names:
            raise DataError(f"{shown} line 1, column {name}: unknown column (schema.sql has {', '.join(names)})")
    if len(set(header)) != len(header):
        raise DataError(f"{shown} line 1: duplicate column names")

    stage = pd.DataFrame([cells for _, cells in records], columns=header, dtype="str")
    stage.insert(0, "_line", [line for line, _ in records])
    con.register("_stage_df", stage)
    con.execute("CREATE OR REPLACE TEMP TABLE _stage AS SELECT * FROM _stage_df")
    con.unregister("_stage_df")

    def first(sql: str, params: list | None = None):
        return con.execute(sql + " ORDER BY _line LIMIT 1", params or []).fetchone()

    # Types and NOT NULL, column by column (the text of the cell is quoted back).
    for name, dtype, nullable in columns:
        q = f'"{name}"'
        if not nullable:
            row = first(f"SELECT _line FROM _stage WHERE trim({q}) = ''")
            if row:
                raise DataError(f"{shown} line {row[0]}, column {name}: empty value (required)")
        if dtype != "VARCHAR":
            row = first(f"SELECT _line, {q} FROM _stage WHERE trim({q}) <> '' AND TRY_CAST(trim({q}) AS {dtype}) IS NULL")
            if row:
                raise DataError(f"{shown} line {row[0]}, column {name}: {row[1]!r} is not {_TYPE_WORDS.get(dtype, dtype)}")
        if dtype == "DOUBLE":
            row = first(f"SELECT _line, {q} FROM _stage WHERE trim({q}) <> '' AND NOT isfinite(CAST(trim({q}) AS DOUBLE))")
            if row:
                raise DataError(f"{shown} line {row[0]}, column {name}: {row[1]!r} is not a finite number")
        if dtype == "DATE" or name.endswith("_date"):
            # ISO dates (partial ones in sources.csv too) compare as text; no date may lie after the build day
            row = first(f"SELECT _line, {q} FROM _stage WHERE trim({q}) <> '' AND trim({q}) > ?", [_today()])
            if row:
                raise DataError(f"{shown} line {row[0]}, column {name}: {row[1]!r} is after today ({_today()}); "
                                "a date must not lie in the future")
    typed = ", ".join(
        f'CAST(NULLIF(trim("{n}"), \'\') AS {t}) AS "{n}"' if t != "VARCHAR" else f'NULLIF("{n}", \'\') AS "{n}"'
        for n, t, _ in columns
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _typed AS SELECT _line, {typed} FROM _stage")

    constraints = con.execute(
        "SELECT constraint_type, expression, constraint_column_names, referenced_table, referenced_column_names "
        "FROM duckdb_constraints() WHERE table_name = ? AND constraint_type IN ('CHECK', 'PRIMARY KEY', 'UNIQUE', "
        "'FOREIGN KEY') ORDER BY constraint_index",
        [table],
    ).fetchall()
    for ctype, expr, cols, ref_table, ref_cols in constraints:
        cols = list(dict.fromkeys(cols))  # DuckDB lists a column once per mention in the expression
        col_list = ", ".join(f'"{c}"' for c in cols)
        if ctype == "CHECK":
            row = first(f"SELECT _line, {col_list} FROM _typed WHERE NOT coalesce({expr}, true)")
            if row:
                raise DataError(f"{shown} line {row[0]}, column {', '.join(cols)}: {_check_message(expr, cols, row[1:])}")
        elif ctype in ("PRIMARY KEY", "UNIQUE"):
            row = first(
                f"SELECT _line, {col_list}, first_line FROM (SELECT _line, {col_list}, "
                f"min(_line) OVER (PARTITION BY {col_list}) AS first_line FROM _typed) WHERE _line > first_line"
            )
            if row:
                key = ", ".join(str(v) for v in row[1:-1])
                raise DataError(f"{shown} line {row[0]}, column {', '.join(cols)}: duplicate key {key!r} "
                                f"(first on line {row[-1]})")
        elif ctype == "FOREIGN KEY":
            (col,), (ref_col,) = cols, ref_cols
            row = first(
                f'SELECT _line, "{col}" FROM _typed WHERE "{col}" IS NOT NULL '
                f'AND "{col}" NOT IN (SELECT "{ref_col}" FROM "{ref_table}")'
            )
            if row:
                raise DataError(f"{shown} line {row[0]}, column {col}: unknown {col} {row[1]!r} "
                                f"(not in {_display(folder, ref_table + '.csv')})")
    try:  # second line of defence: DuckDB's own constraints
        con.execute(f'INSERT INTO "{table}" SELECT {", ".join(chr(34) + n + chr(34) for n in names)} FROM _typed ORDER BY _line')
    except duckdb.Error as err:
        raise DataError(f"{shown}: {str(err).splitlines()[0]}") from None


def _today() -> str:
    """The build day as ISO text (dates after it are refused). Only validation uses it, never an output."""
    return dt.date.today().isoformat()


def _check_message(expr: str, cols: list[str], values: tuple) -> str:
    """A readable message for a failed CHECK: 'is negative', 'is outside the plausible range', 'is not one of
    ...', else the expression."""
    if len(cols) == 1:
        value = values[0]
        if re.fullmatch(rf"\({re.escape(cols[0])} > 0\)", expr):
            return f"{value} is negative" if value < 0 else f"{value} must be positive"
        between = re.fullmatch(rf"\({re.escape(cols[0])} BETWEEN (.+) AND (.+)\)", expr)
        if between and value < 0 <= float(between.group(1).strip("'").split("'")[0] or 0):
            return f"{value} is negative"
        if between:
            return (f"{value} is outside the plausible range {between.group(1)} to {between.group(2)} "
                    "(a unit slip? see the ranges in schema.sql)")
        enum = re.fullmatch(rf"\({re.escape(cols[0])} IN \((.*)\)\)", expr)
        if enum:
            return f"{value!r} is not one of {enum.group(1)}"
        return f"{value!r} fails CHECK {expr}"
    shown = ", ".join(f"{c}={v!r}" for c, v in zip(cols, values, strict=True))
    return f"{shown} fails CHECK {expr}"


def build(data_dir_: Path | str | None = None, db_path_: Path | str | None = None) -> Path:
    """Validate data/*.csv and build the database; return its path.

    Deterministic (rows are inserted in file order; the meta table holds only the content hash). Builds into a
    uniquely named temporary file next to the target and renames it into place, so concurrent builders race
    safely and a failed build removes its temporary file and leaves the previous database untouched.
    Raises DataError naming file, line and column of the first problem.
    """
    folder = Path(data_dir_) if data_dir_ else data_dir()
    target = Path(db_path_) if db_path_ else (folder / DB_NAME if data_dir_ else db_path())
    digest = data_hash(folder)
    schema_file = folder / SCHEMA_FILE
    if not schema_file.exists():
        raise DataError(f"{_display(folder, SCHEMA_FILE)}: file not found")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(f"database {target}: cannot create its folder ({err.strerror})") from None
    _refuse_foreign_file(target)
    _remove_stale_temp_files(target)
    tmp = target.with_name(f"{target.name}.tmp{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        con = _open_for_build(tmp, target)
        try:
            try:
                con.execute(schema_file.read_text(encoding="utf-8"))
            except duckdb.Error as err:
                raise DataError(f"{_display(folder, SCHEMA_FILE)}: {str(err).splitlines()[0]}") from None
            for table in TABLES:
                _check_table(con, table, folder)
            con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
            con.execute("INSERT INTO meta VALUES ('data_hash', ?)", [digest])
            con.execute("CHECKPOINT")
        except (duckdb.IOException, duckdb.OutOfMemoryException) as err:  # e.g. a full disk
            raise DataError(f"database {target}: cannot write it ({str(err).splitlines()[0]})") from None
        finally:
            con.close()
        try:
            os.replace(tmp, target)
        except OSError as err:
            raise DataError(f"database {target}: cannot write it ({err.strerror})") from None
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return target


def _refuse_foreign_file(target: Path) -> None:
    """A build replaces ``target``: refuse when it is something other than a gpuplan database (GPUPLAN_DB pointed
    at README.md, a folder or another program's DuckDB file must never be overwritten)."""
    if not target.exists():
        return
    if not target.is_file():
        raise DataError(f"database {target}: exists and is not a file; refusing to replace it")
    with target.open("rb") as handle:
        head = handle.read(12)
    if head[8:12] != b"DUCK":
        raise DataError(f"database {target}: exists and is not a DuckDB database; refusing to overwrite it")
    try:
        with duckdb.connect(str(target), read_only=True) as con:
            ours = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'meta'").fetchone()[0]
    except duckdb.Error:
        return  # an unreadable (e.g. newer-format or damaged) DuckDB file: rebuilding it is the repair
    if not ours:
        raise DataError(f"database {target}: is a DuckDB database without gpuplan's meta table; refusing to overwrite it")


_TEMP_RE = re.compile(r"\.tmp(\d+)-[0-9a-f]{8}(\.wal)?$")


def _remove_stale_temp_files(target: Path) -> None:
    """Remove temporary files of earlier builds of ``target`` whose process is gone (a build killed with SIGKILL
    cannot clean up after itself). A live builder's files are left alone."""
    for path in sorted(target.parent.glob(f"{glob_escape(target.name)}.tmp*")):
        match = _TEMP_RE.search(path.name)
        if not match:
            continue
        pid = int(match.group(1))
        if pid != os.getpid() and not _alive(pid):
            path.unlink(missing_ok=True)


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _open_for_build(tmp: Path, target: Path) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(tmp))
    except duckdb.Error as err:
        raise DataError(f"database {target}: cannot write it ({str(err).splitlines()[0]})") from None
