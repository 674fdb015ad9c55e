"""Build the book: execute the notebooks with papermill only when needed, then a strict, offline jupyter-book build.

Layout of one build ("edition"), under an output root ``out`` (the repository for the default edition,
``_editions/<name>/`` for a personal one)::

    out/_build/src/     staged book source: _config.yml, _toc.yml, book/ (+ the generated book/_edition.md and
                        data appendix tables book/_generated/*.html) and the *executed* notebooks (read by
                        jupyter-book)
    out/_build/html/    the built book (notebook pages under notebooks/)

The parameters of an edition are checked by :mod:`gpuplan.editions` (statically, with the notebook parameter
contract of :mod:`gpuplan.params`), the generated includes (data appendix tables, the assumptions table of the
method page, ``_config.yml``) come from :mod:`gpuplan.book_includes`; their public names are re-exported here.

The committed notebooks in notebooks/ are never written by a book build: they are the nbval baseline and only
:func:`refresh_baselines` (``make notebooks``) rewrites them, with volatile metadata removed.

A notebook is re-executed only when its *execution key* changed: the hash of its cells' source, the parameters
it is given, ``gpuplan.data.data_hash()`` (the CSVs' content) and the gpuplan code and pinned requirements
that compute its outputs. The key is kept in the executed copy's metadata (never in the committed notebooks).
jupyter-book's own cache keys on code only and would miss a data change (../shared/TOOLCHAIN.md).

jupyter-book runs with ``-W -n --keep-going``, and not at all when nothing in the staged source changed since
the last successful build. ``--all`` is added whenever anything changed or the previous build failed, because
Sphinx neither recopies changed ``_static`` files when no document changed nor repeats the warnings of
documents it does not re-read (TOOLCHAIN.md).
"""

from __future__ import annotations

import filecmp
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

from gpuplan import data
from gpuplan.book_includes import (
    DATA_TABLES,
    data_export,
    data_tables,
    generated_includes,
    prices_as_of,
    staged_config,
)
from gpuplan.editions import (
    BOOK_DIR,
    NOTEBOOK_DIR,
    ROOT,
    declared_parameters,
    edition_page,
    edition_root,
    load_params,
    notebook_rules,
    notebooks,
    validate_params,
)
from gpuplan.errors import GpuplanError

__all__ = ["BOOK_DIR", "DATA_TABLES", "NOTEBOOK_DIR", "ROOT", "VENDOR_DIR", "VENDOR_FILES", "BookError", "build",
           "data_export", "data_tables", "declared_parameters", "edition_page", "edition_root", "exec_key", "execute",
           "execute_stale", "generated_includes", "load_params", "normalize", "notebook_rules", "notebooks",
           "prices_as_of", "refresh_baselines", "staged_config", "validate_params"]

VENDOR_DIR = BOOK_DIR / "_static" / "vendor"
#: files the vendoring make step (`make vendor`) must have produced; _config.yml loads them
VENDOR_FILES = ("altair-preloaded.js", "vega.min.js", "vega-lite.min.js", "vega-embed.min.js",
                "mathjax/tex-mml-chtml.js")
#: code whose changes change notebook outputs: every module of the package and its subpackages (memory, pages, ...)
#: but the book build, the editions' parameter checks, the command line and the batch runner
_NOT_OUTPUT_CODE = ("book.py", "book_includes.py", "editions.py", "cli", "batch")
_CODE_FILES = [p for p in sorted((ROOT / "gpuplan").rglob("*.py"))
               if p.relative_to(ROOT / "gpuplan").parts[0] not in _NOT_OUTPUT_CODE]
_OK_MARKER = ".gpuplan-build-ok"
_METADATA_KEY = "gpuplan"


class BookError(GpuplanError):
    """The book could not be built (a notebook failed, jupyter-book warned, vendored scripts missing)."""


# --------------------------------------------------------------------------------------------------------------
# execution


def _sha256(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def exec_key(path: Path, params: dict[str, Any], data_hash: str) -> str:
    """Hash of what a notebook's outputs depend on: cell sources, parameters, data, gpuplan code, pins."""
    nb = nbformat.read(path, as_version=4)
    source = json.dumps([[cell.cell_type, cell.source] for cell in nb.cells]).encode()
    code = b"".join(p.read_bytes() for p in _CODE_FILES + [ROOT / "requirements.txt"] if p.exists())
    return _sha256(source, json.dumps(params, sort_keys=True, default=str).encode(), data_hash.encode(), code)


_ALTAIR_ID = re.compile(r"altair-viz-[0-9a-f]{32}")


def normalize(nb: nbformat.NotebookNode, name: str | None = None) -> nbformat.NotebookNode:
    """Drop volatile metadata so a diff of an executed notebook shows only real changes.

    Removed: papermill's notebook and cell metadata (timestamps, durations, paths), the kernel's per-cell
    ``execution`` timestamps, the kernel's ``language_info`` details (Python patch release, lexers; only
    ``name: python`` stays) and the empty ``tags`` papermill adds.

    With ``name`` (the notebook's file name), Altair's random element ids (``altair-viz-`` + uuid4 hex, the only
    random text in the outputs, see tests/sanitize.cfg) become a hash of name, cell index and order, so
    re-executing an unchanged notebook gives identical files (ids only need to be unique within a page).
    """
    nb.metadata.pop("papermill", None)
    nb.metadata["language_info"] = {"name": "python"}
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
        if name is None:
            continue
        stable: dict[str, str] = {}

        def replace(match: re.Match, index: int = index, stable: dict = stable) -> str:
            if match.group(0) not in stable:
                digest = hashlib.sha256(f"{name}/{index}/{len(stable)}".encode()).hexdigest()[:32]
                stable[match.group(0)] = f"altair-viz-{digest}"
            return stable[match.group(0)]

        for output in cell.get("outputs", []):
            for mime, value in output.get("data", {}).items():
                if isinstance(value, str):
                    output["data"][mime] = _ALTAIR_ID.sub(replace, value)
    return nb


def execute(path: Path, output: Path, params: dict[str, Any], key: str | None = None) -> None:
    """Execute ``path`` with papermill (kernel python3, cwd = its folder) into ``output``, normalized.

    ``key`` (if given) is stored in the output's metadata for :func:`execute_stale`. A failing cell ->
    BookError naming the notebook, the cell and the error in one line.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gpuplan-book-") as scratch:  # nothing half-written next to output
        executed = Path(scratch) / path.name
        try:
            papermill.execute_notebook(str(path), str(executed), parameters=params, kernel_name="python3",
                                       cwd=str(path.parent), progress_bar=False, log_output=False)
        except PapermillExecutionError as err:
            detail = f"{err.ename}: {err.evalue}".strip().splitlines()[0]
            raise BookError(f"{path.name}: cell {err.exec_count} failed: {detail}") from None
        except Exception as err:  # kernel died, cell timeout, ...: still one line
            raise BookError(f"{path.name}: {type(err).__name__}: {str(err).strip().splitlines()[0]}") from None
        nb = normalize(nbformat.read(executed, as_version=4), path.name)
        if key is not None:
            nb.metadata[_METADATA_KEY] = {"exec_key": key}
        nbformat.write(nb, executed)
        partial = output.with_name(f".{output.name}.partial")
        shutil.copyfile(executed, partial)
        partial.replace(output)


def _staged(path: Path, src: Path) -> Path:
    """Where an executed notebook goes in the staged source: book/<name> or notebooks/<name>."""
    return src / ("book" if path.parent == BOOK_DIR else "notebooks") / path.name


def _stored_key(path: Path) -> str | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))["metadata"][_METADATA_KEY]["exec_key"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def execute_stale(src: Path, per_notebook: dict[str, dict[str, Any]] | None = None,
                  paths: list[Path] | None = None) -> list[Path]:
    """Execute into the staged source ``src`` every notebook whose execution key changed; return those run."""
    data.connect().close()  # builds data/gpuplan.duckdb first if it is missing or stale
    data_hash = data.data_hash()
    executed = []
    for path in paths if paths is not None else notebooks():
        output = _staged(path, src)
        params = (per_notebook or {}).get(path.stem, {})
        key = exec_key(path, params, data_hash)
        if _stored_key(output) != key:
            execute(path, output, params, key)
            executed.append(path)
    return executed


def refresh_baselines(paths: list[Path] | None = None) -> list[Path]:
    """Re-execute notebooks/*.ipynb in place with default parameters and normalize them (``make notebooks``).

    The committed outputs are the nbval baseline: run this on purpose after a data or model change, then
    review ``git diff notebooks/`` (it shows only real changes).
    """
    paths = paths if paths is not None else sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    for path in paths:
        execute(path, path, {})
    return paths


# --------------------------------------------------------------------------------------------------------------
# staging and building


def _sync(source: Path, target: Path, changed: list[str]) -> None:
    """Copy ``source`` to ``target`` (keeping mtimes) unless the content is already the same."""
    if target.exists() and filecmp.cmp(source, target, shallow=False):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    changed.append(str(target))


def _jupyter_book() -> list[str]:
    script = Path(sys.executable).with_name("jupyter-book")
    return [str(script)] if script.exists() else ["jupyter-book"]


def build(params_file: Path | str | None = None, out: Path | None = None, quiet: bool = False) -> Path:
    """Build the book (default or personal edition); return the html folder (``out/_build/html``).

    Steps: validate the parameter file (one line per problem, nothing built) -> check the vendored scripts ->
    build the database if stale -> execute stale notebooks into ``out/_build/src`` -> stage the book files ->
    ``jupyter-book build -W -n --keep-going [--all]``.
    """
    params_path = Path(params_file) if params_file is not None else None
    params = load_params(params_path) if params_path is not None else {}
    paths = notebooks()
    per_notebook = validate_params(params, paths)
    missing = [name for name in VENDOR_FILES if not (VENDOR_DIR / name).exists()]
    if missing:
        raise BookError(f"{VENDOR_DIR.relative_to(ROOT)}/{missing[0]} is missing: run `make vendor` (fetches "
                        "Vega, Vega-Lite, Vega-Embed and MathJax from the npm registry)")

    out = Path(out) if out is not None else edition_root(params_path)
    build_dir = out / "_build"
    src = build_dir / "src"
    executed = execute_stale(src, per_notebook, paths)

    changed: list[str] = [str(p) for p in executed]
    expected = {_staged(path, src) for path in paths}
    _sync(ROOT / "_toc.yml", src / "_toc.yml", changed)
    expected.add(src / "_toc.yml")
    for path in BOOK_DIR.rglob("*"):
        if path.is_file() and path.suffix != ".ipynb" and "__pycache__" not in path.parts:
            _sync(path, src / path.relative_to(ROOT), changed)
            expected.add(src / path.relative_to(ROOT))
    generated = {src / "book" / "_edition.md": edition_page(params, params_path, declared_parameters(paths)),
                 src / "_config.yml": staged_config()}
    generated.update({src / "book" / "_generated" / name: text for name, text in generated_includes().items()})
    with tempfile.TemporaryDirectory() as tmp:  # the data appendix links every table as Parquet
        for path in data_export(Path(tmp)):
            target = src / "book" / "_generated" / "parquet" / path.name
            _sync(path, target, changed)
            expected.add(target)
    for path, text in generated.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(str(path))
        expected.add(path)
    removed = [path for path in src.rglob("*")
               if path.is_file() and path not in expected and "__pycache__" not in path.parts]
    for path in removed:
        path.unlink()
        changed.append(str(path))
    if removed:  # a page was removed or renamed: Sphinx would leave its old HTML behind
        shutil.rmtree(build_dir / "html", ignore_errors=True)

    marker = build_dir / _OK_MARKER
    if not changed and marker.exists() and (build_dir / "html" / "index.html").exists():
        return build_dir / "html"  # nothing changed since the last successful build: Sphinx would do nothing
    full = bool(changed) or not marker.exists()
    marker.unlink(missing_ok=True)
    command = _jupyter_book() + ["build", str(src), "--path-output", str(out), "--builder", "html",
                                 "-W", "-n", "--keep-going"] + (["--all"] if full else [])
    result = subprocess.run(command, cwd=ROOT, capture_output=quiet, text=True)
    if result.returncode != 0:
        tail = (result.stdout or "") + (result.stderr or "") if quiet else ""
        tail = re.sub(r"\x1b\[[0-9;]*m", "", tail)  # Sphinx colours its warnings
        warnings = [line for line in tail.splitlines() if "WARNING" in line or "ERROR" in line]
        raise BookError("jupyter-book build failed" + (f": {warnings[0]}" if warnings else " (see its output)"))
    marker.write_text("ok\n", encoding="utf-8")
    return build_dir / "html"
