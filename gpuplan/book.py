"""Build the book: execute the notebooks with papermill only when needed, then a strict, offline jupyter-book build.

Layout of one build ("edition"), under an output root ``out`` (the repository for the default edition,
``_editions/<name>/`` for a personal one)::

    out/_build/src/     staged book source: _config.yml, _toc.yml, book/ (+ the generated book/_edition.md and
                        data appendix tables book/_generated/*.html) and the *executed* notebooks (read by
                        jupyter-book)
    out/_build/html/    the built book (notebook pages under notebooks/)

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

import ast
import contextlib
import filecmp
import hashlib
import io
import json
import logging
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbformat
import yaml

from gpuplan.errors import GpuplanError, InputError
from gpuplan.params import read_yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
BOOK_DIR = ROOT / "book"
VENDOR_DIR = BOOK_DIR / "_static" / "vendor"
#: files the vendoring make step (`make vendor`) must have produced; _config.yml loads them
VENDOR_FILES = ("altair-preloaded.js", "vega.min.js", "vega-lite.min.js", "vega-embed.min.js",
                "mathjax/tex-mml-chtml.js")
#: code whose changes change notebook outputs: every module of the package and its subpackages (memory, pages, ...)
#: but the book build, the command line and the batch runner
_NOT_OUTPUT_CODE = ("book.py", "cli.py", "cli", "batch")
_CODE_FILES = [p for p in sorted((ROOT / "gpuplan").rglob("*.py"))
               if p.relative_to(ROOT / "gpuplan").parts[0] not in _NOT_OUTPUT_CODE]
_OK_MARKER = ".gpuplan-build-ok"
_METADATA_KEY = "gpuplan"


class BookError(GpuplanError):
    """The book could not be built (a notebook failed, jupyter-book warned, vendored scripts missing)."""


# --------------------------------------------------------------------------------------------------------------
# notebooks and their parameters


def notebooks() -> list[Path]:
    """Every notebook the book executes: notebooks/*.ipynb (the analyses) then book/*.ipynb (e.g. calibration)."""
    return sorted(NOTEBOOK_DIR.glob("*.ipynb")) + sorted(BOOK_DIR.glob("*.ipynb"))


def _parameters_cell(nb: nbformat.NotebookNode) -> int | None:
    """Index of the cell tagged ``parameters`` (papermill's convention), or None."""
    for index, cell in enumerate(nb.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return index
    return None


def declared_parameters(paths: list[Path] | None = None) -> dict[str, dict[str, dict]]:
    """Parameters declared by each notebook: ``{notebook_stem: {name: info}}``.

    ``info`` is papermill's (``papermill.inspect_notebook``: inferred_type_name, default, help). Names that
    papermill's regex skips (e.g. ``x: float | None = None``) are added from the parameters cell's syntax tree,
    with their annotation as ``inferred_type_name``.
    """
    import papermill

    # papermill logs "Unable to parse line ..." for annotations like `float | None`; the tree below reads them
    logging.getLogger("papermill.translators").setLevel(logging.ERROR)
    declared: dict[str, dict[str, dict]] = {}
    for path in paths if paths is not None else notebooks():
        params = dict(papermill.inspect_notebook(str(path)))
        nb = nbformat.read(path, as_version=4)
        index = _parameters_cell(nb)
        if index is not None:
            lines = nb.cells[index].source.splitlines()
            for node in ast.parse(nb.cells[index].source).body:
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    comment = lines[node.lineno - 1].partition("#")[2].strip() if node.value else ""
                    params.setdefault(node.target.id, {
                        "name": node.target.id, "inferred_type_name": ast.unparse(node.annotation),
                        "default": ast.unparse(node.value) if node.value else "None", "help": comment})
                elif isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            params.setdefault(target.id, {"name": target.id, "inferred_type_name": "None",
                                                          "default": ast.unparse(node.value), "help": ""})
        declared[path.stem] = params
    return declared


_TYPES: dict[str, tuple[type, ...]] = {
    "float": (int, float), "int": (int,), "str": (str,), "bool": (bool,), "list": (list,), "tuple": (list,),
    "dict": (dict,), "None": (type(None),), "NoneType": (type(None),),
}


def _accepted_types(info: dict) -> tuple[type, ...] | None:
    """Python types a YAML value may have for a declared parameter; None = anything (type unknown)."""
    annotation = info.get("inferred_type_name") or "None"
    if annotation == "None":  # no annotation: papermill says "None"; use the default value's type
        try:
            default = ast.literal_eval(info.get("default", "None"))
        except (ValueError, SyntaxError):
            return None
        if default is None:
            return None
        annotation = type(default).__name__
    annotation = re.sub(r"^Optional\[(.*)\]$", r"\1 | None", annotation.replace("typing.", ""))
    accepted: list[type] = []
    for part in annotation.split("|"):
        base = part.strip().split("[")[0]
        if base not in _TYPES:
            return None
        accepted.extend(_TYPES[base])
    return tuple(accepted)


def _run_validation_cell(stem: str, path: Path, values: dict[str, Any]) -> None:
    """Run the notebook's own validation cell (the cell after ``parameters``) on ``values``, in this process.

    The notebooks call ``gpuplan.params.validate(...)`` there (engineer 7's rules); running it here stops a bad
    edition before any notebook executes. Only a cell that calls ``validate(`` is run; its output is discarded.
    """
    nb = nbformat.read(path, as_version=4)
    index = _parameters_cell(nb)
    if index is None or index + 1 >= len(nb.cells):
        return
    cell = nb.cells[index + 1]
    if cell.cell_type != "code" or "validate" not in cell.source:  # validate(...) / validate_parameters(...)
        return
    namespace: dict[str, Any] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(nb.cells[index].source, f"{path.name}[parameters]", "exec"), namespace)  # noqa: S102
        namespace.update(values)
        try:
            exec(compile(cell.source, f"{path.name}[validation]", "exec"), namespace)  # noqa: S102
        except GpuplanError:
            raise
        except Exception as err:  # a value the rules did not anticipate: still one line, naming the notebook
            raise InputError(stem, f"parameters rejected: {type(err).__name__}: {err}") from None


def validate_params(params: dict[str, Any], paths: list[Path] | None = None) -> dict[str, dict[str, Any]]:
    """Check an edition's parameters against what the notebooks declare; return ``{notebook_stem: {name: value}}``.

    Unknown name (declared by no notebook) or a value of the wrong type -> InputError naming it. Then each
    notebook's own validation cell checks the values (ranges, GPU names) -> InputError naming the parameter.
    """
    paths = paths if paths is not None else notebooks()
    declared = declared_parameters(paths)
    known = sorted({name for params_ in declared.values() for name in params_})
    for name, value in params.items():
        if not any(name in params_ for params_ in declared.values()):
            raise InputError(name, f"no notebook declares this parameter; known: {', '.join(known)}")
        for params_ in declared.values():
            if name in params_:
                accepted = _accepted_types(params_[name])
                if accepted is not None and (not isinstance(value, accepted)
                                             or (isinstance(value, bool) and bool not in accepted)):
                    raise InputError(name, f"must be {params_[name]['inferred_type_name']} (got {value!r})")
    per_notebook = {stem: {k: v for k, v in params.items() if k in declared[stem]} for stem in declared}
    for path in paths:
        if per_notebook[path.stem]:
            _run_validation_cell(path.stem, path, per_notebook[path.stem])
    return per_notebook


def load_params(path: Path | str) -> dict[str, Any]:
    """Read an edition's YAML parameter file: a flat mapping ``parameter: value`` (comments allowed)."""
    path = Path(path)
    loaded = read_yaml(path, "--params")
    if loaded is None:
        return {}
    if not isinstance(loaded, dict) or not all(isinstance(key, str) for key in loaded):
        raise InputError("--params", f"{path}: must be a mapping of parameter: value")
    if isinstance(loaded.get("prices"), str):  # a price catalog named relative to the edition file
        loaded["prices"] = str((path.parent / loaded["prices"]).resolve())
    return loaded


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
    import papermill
    from papermill.exceptions import PapermillExecutionError

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
    from gpuplan import data

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

#: the data appendix (book/data.md): one generated HTML table per query, written at build time
DATA_TABLES: dict[str, str] = {
    "gpus": """SELECT gpu_id, name, architecture, form_factor, memory_gb, memory_type, memory_bandwidth_gbps,
                      bf16_tflops_dense, fp8_tflops_dense, interconnect, nvlink_gbps, pcie_gen, tdp_w,
                      launch_date, source_id
               FROM gpus ORDER BY launch_date, gpu_id""",
    "prices": """SELECT gpu_id, provider, kind, usd_per_gpu_hour, purchase_usd, gpus_per_instance, region, term,
                        date_observed, source_id
                 FROM prices ORDER BY gpu_id, kind, provider, date_observed, price_id""",
    "benchmarks": """SELECT suite, round, task_type, count(*) AS results, count(DISTINCT workload) AS workloads,
                            string_agg(DISTINCT gpu_id, ', ' ORDER BY gpu_id) AS gpus,
                            min(date) AS first_date, max(date) AS last_date,
                            string_agg(DISTINCT source_id, ', ' ORDER BY source_id) AS sources
                     FROM benchmarks GROUP BY ALL ORDER BY suite, round NULLS FIRST, task_type""",
    "models": """SELECT model_id, name, family, params_total, params_active, layers, hidden_size, attention_heads,
                        kv_heads, vocab_size, default_context, source_id
                 FROM models ORDER BY family, params_total, model_id""",
    "sources": """SELECT source_id, title, publisher, url, published_date, accessed_date, reliability
                  FROM sources ORDER BY source_id""",
    "catalog_names": """SELECT accelerator_name, instance_type_like, gpu_id, note, source_id
                        FROM catalog_names ORDER BY accelerator_name, instance_type_like NULLS LAST""",
}


def data_tables() -> dict[str, str]:
    """HTML of every data-appendix table (``<name>.html``) and of the data hash line, from the database."""
    from gpuplan import data

    pages = {"data_hash.html": f"<p>Data content hash: <code>{data.data_hash()[:16]}</code></p>\n"}
    for name, sql in DATA_TABLES.items():
        frame = data.query(sql).convert_dtypes().astype(object).fillna("—")  # 80, not 80.0; to_html's na_rep misses pd.NA
        table = frame.to_html(index=False, na_rep="—", border=0, render_links=True, classes=["table"])
        pages[f"{name}.html"] = f'<div class="pst-scrollable-table-container">\n{table}\n</div>\n'  # theme's wide-table scroller
    return pages



def prices_as_of() -> str:
    """The line every page shows on top: the date range of the prices and the rule behind default prices."""
    from gpuplan import prices

    first, last = prices.date_range("on-demand")
    return (f"Prices as of {first} to {last} (on-demand observations in the data). Default prices: the median "
            f"of each provider's latest price in the {prices.WINDOW_MONTHS} months to {prices.as_of('on-demand')}.")


def staged_config() -> str:
    """_config.yml as built: the repository's file plus the sphinx-book-theme announcement bar (shown on every
    page) carrying :func:`prices_as_of`."""
    config = read_yaml(ROOT / "_config.yml", "_config.yml")
    config.setdefault("html", {})["announcement"] = prices_as_of()
    return "# generated by gpuplan.book from ../../_config.yml\n" + yaml.safe_dump(config, sort_keys=False,
                                                                                   allow_unicode=True)


def data_export(folder: Path) -> list[Path]:
    """Every table and view as Parquet (gpuplan.data.export), for the data appendix's download links."""
    from gpuplan import data

    return data.export(folder)


def _sync(source: Path, target: Path, changed: list[str]) -> None:
    """Copy ``source`` to ``target`` (keeping mtimes) unless the content is already the same."""
    if target.exists() and filecmp.cmp(source, target, shallow=False):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    changed.append(str(target))


def _edition_page(params: dict[str, Any], params_file: Path | None, declared: dict[str, dict[str, dict]]) -> str:
    """Markdown shown in the introduction: which parameters this edition used."""
    from gpuplan import data

    lines = [f"Data content hash: `{data.data_hash()[:16]}` (see the data appendix).", ""]
    if params_file is None:
        return "\n".join(["This is the **default edition**: every notebook ran with the defaults in its "
                          "parameters cell.", ""] + lines)
    lines = [f"This is a **personal edition** built from `{params_file.name}`. These parameters replaced the "
             "notebooks' defaults; every other parameter kept its default.", ""] + lines
    if params:
        lines += ["| parameter | this edition | default | notebooks |", "|---|---|---|---|"]
        for name, value in params.items():
            users = [stem for stem, declared_ in declared.items() if name in declared_]
            default = declared[users[0]][name]["default"]
            lines.append(f"| `{name}` | `{value!r}` | `{default}` | {', '.join(users)} |")
    return "\n".join(lines) + "\n"


def _jupyter_book() -> list[str]:
    script = Path(sys.executable).with_name("jupyter-book")
    return [str(script)] if script.exists() else ["jupyter-book"]


def edition_root(params_file: Path | str | None) -> Path:
    """Output root of an edition: the repository (default) or ``_editions/<file stem>``."""
    if params_file is None:
        return ROOT
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(params_file).stem).strip("-.") or "edition"
    return ROOT / "_editions" / name


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
    generated = {src / "book" / "_edition.md": _edition_page(params, params_path, declared_parameters(paths)),
                 src / "_config.yml": staged_config()}
    generated.update({src / "book" / "_generated" / name: text for name, text in data_tables().items()})
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
