"""The DuckDB database of GPU specs, prices, benchmark results and workload models: the read API every notebook,
command and model uses (``connect``, ``query``, the tables, ``resolve_gpu``, ``gpu``, ``model``, ``latest_price``,
``export``).

The database is built from data/*.csv by :mod:`gpuplan.data_build` (validation, atomic build; its public names —
``build``, ``data_dir``, ``db_path``, ``data_hash``, ``DATA_DIR``, ... — are re-exported here). Everything but the
build opens the database read-only (DuckDB allows many read-only processes at once but locks the file for a
writer), and ``connect()`` rebuilds first when the database is missing or its stored content hash differs from
the CSVs.

Environment: ``GPUPLAN_DATA_DIR`` points at another CSV folder (tests, the mutation test, batch workers);
``GPUPLAN_DB`` at another database file (default: ``gpuplan.duckdb`` inside the data folder);
``GPUPLAN_DUCKDB_THREADS`` sets DuckDB's thread count for reads (the determinism test varies it).
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from gpuplan.data_build import (
    DATA_DIR,
    DB_NAME,
    DB_PATH,
    SCHEMA_FILE,
    TABLES,
    _display,
    build,
    data_dir,
    data_hash,
    db_path,
    glob_escape,
)
from gpuplan.errors import DataError, InputError

__all__ = ["DATA_DIR", "DB_NAME", "DB_PATH", "SCHEMA_FILE", "TABLES", "_display", "benchmarks", "build", "connect",
           "data_dir", "data_hash", "db_path", "export", "glob_escape", "gpu", "gpus", "latest_price", "model",
           "models", "prices", "query", "read_only_query", "resolve_gpu", "short_name", "sources"]


# ----------------------------------------------------------------------------------------------- read
_conn: dict[tuple[str, str], duckdb.DuckDBPyConnection] = {}


def _stored_hash(path: Path) -> str | None:
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            row = con.execute("SELECT value FROM meta WHERE key = 'data_hash'").fetchone()
            return row[0] if row else None
    except duckdb.Error:
        return None


def connect() -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current database, rebuilt first if missing or stale.

    One read-only connection per (database, data_hash()) is kept open; each call returns a new cursor on it,
    which the caller may close without affecting others. When the data changes, the old connection (and the
    cursors taken from it) is closed first: DuckDB caches one database instance per path and process, so a
    connection left open would keep serving the old file after the rebuild's rename.
    """
    path, digest = db_path(), data_hash()
    key = (str(path), digest)
    con = _conn.get(key)
    if con is None:
        for old in list(_conn):
            _conn.pop(old).close()
        if _stored_hash(path) != digest:
            build(data_dir(), path)
        con = _conn[key] = _open_read_only(path)
    return con.cursor()


def _read_config() -> dict[str, Any]:
    threads = os.environ.get("GPUPLAN_DUCKDB_THREADS", "").strip()
    if not threads:
        return {}
    if not threads.isdigit() or int(threads) < 1:
        raise InputError("GPUPLAN_DUCKDB_THREADS", f"{threads!r} is not a whole number >= 1")
    return {"threads": int(threads)}


def _open_read_only(path: Path, **config: Any) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=True, config=_read_config() | config)
    except duckdb.Error as err:
        raise DataError(f"database {path}: cannot open it read-only ({str(err).splitlines()[0]})") from None


def query(sql: str, params: list | tuple = ()) -> pd.DataFrame:
    """Run one SQL statement (values via ``?`` placeholders) and return a DataFrame."""
    return connect().execute(sql, list(params)).df()


#: statement types a user's query may be (a query command must not write files or change state)
_READ_STATEMENTS = ("SELECT", "EXPLAIN")


def read_only_query(sql: str) -> pd.DataFrame:
    """Run ONE user-supplied read statement (``gpuplan data query``) and return a DataFrame.

    Read-only in every sense: the database file is opened read-only, the connection has no access to files or
    the network (``enable_external_access = false``, then locked: no COPY ... TO, read_csv, ATTACH, INSTALL),
    and only SELECT/EXPLAIN statements are accepted (also refused: several statements at once, an empty one).
    Bad SQL -> InputError('sql', first line of DuckDB's message).
    """
    if not isinstance(sql, str) or not sql.strip().rstrip(";").strip():
        raise InputError("sql", "empty query; give one SELECT statement")
    connect()  # builds or rebuilds the database first when a CSV changed
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as err:
        raise InputError("sql", str(err).splitlines()[0]) from None
    if len(statements) != 1:
        raise InputError("sql", f"{len(statements)} statements; give exactly one SELECT statement")
    kind = statements[0].type.name
    if kind not in _READ_STATEMENTS:
        raise InputError("sql", f"{kind} statements are not allowed: the query command only reads (SELECT)")
    for old in list(_conn):  # DuckDB refuses a second configuration for a file that is already open
        _conn.pop(old).close()
    con = _open_read_only(db_path(), enable_external_access=False, lock_configuration=True)
    try:
        return con.execute(sql).df()
    except duckdb.Error as err:
        raise InputError("sql", str(err).splitlines()[0]) from None
    finally:
        con.close()


def _table(name: str, order: str) -> pd.DataFrame:
    return query(f"SELECT * FROM {name} ORDER BY {order}")


def sources() -> pd.DataFrame:
    return _table("sources", "source_id")


def gpus() -> pd.DataFrame:
    return _table("gpus", "gpu_id")


def prices() -> pd.DataFrame:
    return _table("prices", "price_id")


def benchmarks() -> pd.DataFrame:
    return _table("benchmarks", "benchmark_id")


def models() -> pd.DataFrame:
    return _table("models", "model_id")


def export(out_dir: Path | str) -> list[Path]:
    """Write every table and view of the database as ``OUT/<name>.parquet`` (rows in a total order: ORDER BY ALL)
    and return the paths. DuckDB 2's database file cannot be opened by DuckDB 1.x; Parquet can be read by any
    DuckDB, pandas, polars or Spark. Each file is written to a temporary name and renamed, so a failed export
    leaves no half-written file."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError("DIR", f"{out}: cannot create the folder ({err.strerror})") from None
    con = connect()
    names = [row[0] for row in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT internal AND table_name <> 'meta' "
        "UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' "
        "ORDER BY 1").fetchall()]
    written = []
    for name in names:
        target = out / f"{name}.parquet"
        tmp = out / f".{name}.parquet.{os.getpid()}.tmp"
        try:
            con.sql(f'SELECT * FROM "{name}" ORDER BY ALL').write_parquet(str(tmp))
            os.replace(tmp, target)
        except (OSError, duckdb.IOException) as err:
            reason = getattr(err, "strerror", None) or str(err).splitlines()[0]
            raise InputError("DIR", f"{target}: cannot write it ({reason})") from None
        finally:
            tmp.unlink(missing_ok=True)
        written.append(target)
    return written


def _rows(sql: str, params: list) -> list[dict[str, Any]]:
    cur = connect().execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _norm(text: str) -> str:
    """Case-, space-, dash- and underscore-insensitive form used to match GPU names."""
    return re.sub(r"[\s_\-]+", "", str(text).lower())


@functools.lru_cache(maxsize=8)
def _gpu_keys(db: str, digest: str) -> dict[str, list[str]]:
    """gpu_id -> [gpu_id, *aliases], cached per database and data version."""
    table = _rows("SELECT gpu_id, aliases FROM gpus ORDER BY gpu_id", [])
    return {row["gpu_id"]: [row["gpu_id"], *row["aliases"].split(";")] for row in table}


def resolve_gpu(name: str) -> str:
    """gpu_id for an id or alias (case-, space- and dash-insensitive: 'H100 SXM5' -> 'h100-sxm5-80gb').

    Ambiguous names ('h100', 'a100') and unknown names raise InputError listing the candidates.
    """
    if not isinstance(name, str) or not name.strip():
        raise InputError("gpu", "empty GPU name")
    wanted = _norm(name)
    keys = _gpu_keys(str(db_path()), data_hash())
    exact = sorted({gid for gid, ks in keys.items() if any(_norm(k) == wanted for k in ks)})
    if len(exact) == 1:
        return exact[0]
    partial = exact or sorted({gid for gid, ks in keys.items() if any(wanted in _norm(k) for k in ks)})
    if partial:
        raise InputError("gpu", f"{name!r} is ambiguous; candidates: {', '.join(partial)}")
    raise InputError("gpu", f"unknown GPU {name!r}; known: {', '.join(sorted(keys))}")


def gpu(gpu_id: str) -> dict[str, Any]:
    """The gpus row (as a dict, NULL -> None) for an id or alias."""
    return _rows("SELECT * FROM gpus WHERE gpu_id = ?", [resolve_gpu(gpu_id)])[0]


def short_name(name):
    """A GPU's table name without the vendor prefix 'NVIDIA ' ("NVIDIA H100 80GB SXM5" -> "H100 80GB SXM5"), the
    label used in tables and charts; works on one name or a pandas Series of names."""
    return name.removeprefix("NVIDIA ") if isinstance(name, str) else name.str.removeprefix("NVIDIA ")


def model(name: str) -> dict[str, Any]:
    """The models row for a model_id or name (case-insensitive); unknown -> InputError listing model_ids."""
    rows = _rows("SELECT * FROM models WHERE lower(model_id) = lower(?) OR lower(name) = lower(?) ORDER BY model_id",
                 [name, name])
    if not rows:
        known = [r["model_id"] for r in _rows("SELECT model_id FROM models ORDER BY model_id", [])]
        raise InputError("model", f"unknown model {name!r}; known: {', '.join(known)}")
    return rows[0]


def latest_price(gpu_id: str, kind: str = "on-demand", provider: str | None = None) -> dict[str, Any]:
    """The most recently observed price of a GPU for a kind (and provider, case-insensitive, if given).

    Undated rows lose to dated ones; ties go to the highest price_id. Returns the latest_prices row as a dict
    (usd_per_gpu_hour, purchase_usd, provider, date_observed, source_id, ...). None found -> InputError.
    """
    gid = resolve_gpu(gpu_id)
    kinds = ("on-demand", "spot", "reserved", "purchase")
    if kind not in kinds:
        raise InputError("kind", f"{kind!r} is not one of {', '.join(kinds)}")
    sql = "SELECT * FROM latest_prices WHERE gpu_id = ? AND kind = ?"
    params: list = [gid, kind]
    if provider is not None:
        sql += " AND lower(provider) = lower(?)"
        params.append(provider)
    rows = _rows(sql + " ORDER BY date_observed DESC NULLS LAST, price_id DESC LIMIT 1", params)
    if not rows:
        where = f" from provider {provider!r}" if provider else ""
        raise InputError("price", f"no {kind} price for {gid}{where} in data/prices.csv")
    return rows[0]
