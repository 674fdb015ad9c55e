"""`make bench`: time the book, the notebooks, a 24-run batch against a serial papermill loop, and sweeps.

Not a test: it measures, with the median of ``--runs`` repetitions (default 3), and writes BENCHMARKS.md
(figures, ratios and the machine they ran on)::

    .venv/bin/python bench/bench.py [--runs 3] [--only book,notebooks,grid,sweep] [--out BENCHMARKS.md]

- book: a clean build (fresh output folder) and a no-change rebuild, through gpuplan.book.build(out=<temp>),
  the code `make book` runs, in a temporary output root so the shared _build/ is left alone.
- notebooks: each notebooks/*.ipynb and book/*.ipynb executed by papermill.execute_notebook with its default
  parameters.
- grid: the 24 runs of scenarios/grid-example.yaml as (a) a serial loop of papermill.execute_notebook in one
  process (a fresh kernel per run, papermill's default), (b) `python -m gpuplan batch --jobs 2` (and
  --jobs 1) and (c) `python -m gpuplan batch --scheduler ADDRESS` on a local 2-worker Dask cluster, as
  commands, start-up included, interleaved round by round; plus a bare kernel start + the notebook's
  imports, the floor for a cold run.
- sweep: gpuplan.sweep at 10^3 ... 10^6 scenarios: grid + evaluation, and writing runs.duckdb.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRID = ROOT / "scenarios" / "grid-example.yaml"
SWEEP_SIZES = (10**3, 10**4, 10**5, 10**6)
PACKAGES = ("papermill", "nbclient", "ipykernel", "jupyter-book", "myst-nb", "duckdb", "pandas", "numpy", "altair")


def timed(function, runs: int) -> dict:
    """Run `function` `runs` times; median, min, max seconds. A failure is recorded, not raised."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        try:
            function()
        except Exception as err:  # noqa: BLE001 - a benchmark reports what broke and goes on
            return {"error": " ".join(f"{type(err).__name__}: {err}".split())[:200]}
        seconds.append(time.perf_counter() - started)
    return {"median": statistics.median(seconds), "min": min(seconds), "max": max(seconds), "n": len(seconds)}


def fmt(result: dict, digits: int = 2) -> str:
    if "error" in result:
        return f"failed: {result['error']}"
    low, high = result["min"], result["max"]
    return f"{result['median']:.{digits}f} s (min {low:.{digits}f}, max {high:.{digits}f}, n={result['n']})"


def ratio(slow: dict, fast: dict) -> str:
    if "median" not in slow or "median" not in fast or not fast["median"]:
        return "n/a"
    return f"{slow['median'] / fast['median']:.2f}×"


def run(command: list[str], **kw) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise RuntimeError(lines[-1] if lines else f"exit {result.returncode}")


def machine() -> list[str]:
    cpu = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        memory = f"{kib / 2**20:.1f} GiB"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in PACKAGES if _installed(p))
    return [
        f"- CPU: {cpu}; {os.cpu_count()} logical CPUs, {usable} usable by this process; memory {memory}",
        f"- OS: {platform.platform()}; Python {platform.python_version()}",
        f"- Packages: {versions}",
    ]


def _installed(package: str) -> bool:
    try:
        metadata.version(package)
        return True
    except metadata.PackageNotFoundError:
        return False


# -------------------------------------------------------------------------------------------------- parts


def bench_book(runs: int) -> list[str]:
    code = ("import sys; from pathlib import Path; from gpuplan import book; "
            "book.build(out=Path(sys.argv[1]), quiet=True)")
    roots: list[Path] = []

    def clean() -> None:
        root = Path(tempfile.mkdtemp(prefix="bench-book-"))
        roots.append(root)
        run([sys.executable, "-c", code, str(root)])

    reexecuted: list[int] = []

    def again() -> None:
        staged = lambda: {p: p.stat().st_mtime_ns for p in (roots[-1] / "_build" / "src").rglob("*.ipynb")}  # noqa: E731
        before = staged()
        run([sys.executable, "-c", code, str(roots[-1])])
        reexecuted.append(sum(1 for p, t in staged().items() if before.get(p) != t))

    try:
        clean_result = timed(clean, runs)
        rebuild = timed(again, runs) if roots else {"error": "no clean build"}
    finally:
        for root in roots:
            shutil.rmtree(root, ignore_errors=True)
    return [
        "## Book",
        "",
        "gpuplan.book.build(out=<temporary folder>) in a fresh process: what `make book` runs, without make's",
        "dependency checks, in its own output root. *Clean*: an empty output root (every notebook executed, every",
        "page written). *No-change rebuild*: the same root again with nothing changed.",
        "",
        "| build | time |",
        "|---|---|",
        f"| clean build | {fmt(clean_result, 1)} |",
        f"| no-change rebuild | {fmt(rebuild, 1)} |",
        f"| clean / rebuild | {ratio(clean_result, rebuild)} |",
        "",
        f"Notebooks re-executed by each no-change rebuild: {reexecuted or 'n/a'} (0 = nothing changed; a"
        " notebook re-executes when its cells, parameters, the data or gpuplan's code changed meanwhile).",
        "",
    ]


def _execute(notebook: Path, out: Path, parameters: dict | None = None) -> None:
    import papermill

    papermill.execute_notebook(str(notebook), str(out), parameters=parameters or {}, progress_bar=False,
                               kernel_name="python3", cwd=str(notebook.parent))  # fmt: skip


def bench_notebooks(runs: int) -> list[str]:
    lines = ["## Notebooks", "", "papermill.execute_notebook with default parameters (kernel start included).", "",
             "| notebook | time |", "|---|---|"]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-nb-") as tmp:
        for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "book").glob("*.ipynb")):
            result = timed(lambda nb=notebook: _execute(nb, Path(tmp) / nb.name), runs)
            lines.append(f"| {notebook.relative_to(ROOT)} | {fmt(result)} |")
    return lines + [""]


def bench_kernel_floor(runs: int, notebook: Path) -> dict:
    """Start a kernel, run the notebook's import lines, stop it: what a cold run pays before any work."""
    import nbformat
    from jupyter_client.manager import start_new_kernel

    nb = nbformat.read(str(notebook), as_version=4)
    imports = "\n".join(line for cell in nb.cells if cell.cell_type == "code" for line in cell.source.splitlines()
                        if line.startswith(("import ", "from ")))  # fmt: skip

    def once() -> None:
        km, kc = start_new_kernel(kernel_name="python3", cwd=str(notebook.parent))
        try:
            reply = kc.execute_interactive(imports, timeout=120, output_hook=lambda msg: None)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(reply["content"].get("evalue"))
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)

    return timed(once, runs)


def timed_rounds(ways: dict, runs: int) -> dict[str, dict]:
    """Like `timed` for several ways at once, interleaved: round r runs every way once (in an order rotated
    by r), so a change of load on the machine during the benchmark hits every way alike."""
    seconds: dict[str, list[float]] = {name: [] for name in ways}
    errors: dict[str, str] = {}
    names = list(ways)
    for r in range(runs):
        for name in names[r % len(names):] + names[:r % len(names)]:
            if name in errors:
                continue
            started = time.perf_counter()
            try:
                ways[name]()
            except Exception as err:  # noqa: BLE001 - a benchmark reports what broke and goes on
                errors[name] = " ".join(f"{type(err).__name__}: {err}".split())[:200]
                continue
            seconds[name].append(time.perf_counter() - started)
    return {name: {"error": errors[name]} if name in errors else
            {"median": statistics.median(s), "min": min(s), "max": max(s), "n": len(s)}
            for name, s in seconds.items()}  # fmt: skip


def bench_grid(runs: int) -> list[str]:
    """The example grid four ways: serial papermill, the embedded executor with 1 and 2 workers, a local
    2-worker Dask cluster (`--scheduler`), each as the user runs it (a command, start-up included)."""
    from distributed import Client, LocalCluster

    from gpuplan import batch

    grid = batch.load_grid(GRID)
    count = len(grid.runs)

    def serial() -> None:
        with tempfile.TemporaryDirectory(prefix="bench-serial-") as tmp:
            for r in grid.runs:
                _execute(grid.notebook, Path(tmp) / f"{r.run_id}.ipynb", r.parameters)

    def batch_cli(*options: str, before=None):
        def once() -> None:
            if before is not None:
                before()
            with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
                run([sys.executable, "-m", "gpuplan", "batch", str(GRID), *options, "--out", tmp, "--no-progress"])
        return once

    when, load_before = datetime.now(UTC), os.getloadavg()[0]
    started = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:  # fmt: skip
        client.wait_for_workers(2, timeout=120)
        cluster_start = time.perf_counter() - started

        def cold_kernels() -> None:  # as a fresh cluster: the plugin's teardown stops the workers' kernels
            if client.run_on_scheduler(lambda dask_scheduler: batch.PLUGIN_NAME in dask_scheduler.worker_plugins):
                client.unregister_worker_plugin(batch.PLUGIN_NAME)

        address = cluster.scheduler_address
        results = timed_rounds({
            "serial": serial,
            "jobs2": batch_cli("--jobs", "2"),
            "dask2": batch_cli("--scheduler", address, before=cold_kernels),
            "jobs1": batch_cli("--jobs", "1"),
        }, runs)  # fmt: skip
        warm = timed(batch_cli("--scheduler", address), runs)  # kernels kept from the previous batch
    floor = bench_kernel_floor(runs, grid.notebook)
    serial_result, jobs1, jobs2, dask2 = (results[k] for k in ("serial", "jobs1", "jobs2", "dask2"))
    per_run = {k: (v / count if k in ("median", "min", "max") else v) for k, v in serial_result.items()}
    warm_per_run = {k: (v / count if k in ("median", "min", "max") else v) for k, v in jobs1.items()}
    return [
        f"## Batch: {count} runs of {grid.notebook.name} ({GRID.relative_to(ROOT)})",
        "",
        "Every way as a user runs it: a command, process start-up included, measured in rounds (each round runs",
        "every way once, in a rotated order). The Dask cluster is a `distributed.LocalCluster` of 2 worker",
        "processes with 1 thread each on this machine, started once; before each timed Dask batch the warm-kernel",
        "plugin is unregistered, so its workers start their kernels again as the embedded executor's do.",
        "",
        "| way | time for the grid |",
        "|---|---|",
        f"| serial loop of papermill.execute_notebook (one process, a new kernel per run) | {fmt(serial_result, 1)} |",
        f"| `gpuplan batch --jobs 1` (embedded executor, one warm kernel) | {fmt(jobs1, 1)} |",
        f"| `gpuplan batch --jobs 2` (embedded executor, two warm kernels) | {fmt(jobs2, 1)} |",
        f"| `gpuplan batch --scheduler ADDRESS` (local Dask cluster, 2 workers, kernels started) | {fmt(dask2, 1)} |",
        f"| the same on the cluster again, kernels kept warm from the previous batch | {fmt(warm, 1)} |",
        "",
        f"- **Dask, 2 workers vs the embedded executor, 2 workers: {ratio(dask2, jobs2)} the time** (target ≤ 1.10×).",
        f"- **Dask, 2 workers vs one worker (`--jobs 1`): {ratio(jobs1, dask2)} faster** (target ≥ 1.7×); the "
        f"embedded executor's second worker: {ratio(jobs1, jobs2)}.",
        f"- Over the serial papermill loop: embedded `--jobs 2` {ratio(serial_result, jobs2)}, Dask "
        f"{ratio(serial_result, dask2)}, warm kernels alone (`--jobs 1`) {ratio(serial_result, jobs1)}.",
        f"- Starting the local cluster (scheduler + 2 workers, not in the figures above): {cluster_start:.1f} s.",
        f"- Measured {when:%Y-%m-%d %H:%M} UTC; 1-minute load average {load_before:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after, on {len(os.sched_getaffinity(0))} usable CPUs (other work on the "
        "machine slows every way and narrows what a second worker can add).",
        f"- Per run: {fmt(per_run)} in the serial loop, {fmt(warm_per_run)} in one warm kernel. A bare kernel "
        f"start plus the notebook's imports takes {fmt(floor)}: the cost each cold run pays and warm runs "
        "do not.",
        "",
    ]


def bench_sweep(runs: int) -> list[str]:
    from gpuplan import sweep

    lines = ["## Sweep", "", "gpuplan.sweep over the cartesian product (10 A prices × 10 B prices × 10 B "
             "utilizations × n/1000 speedups): *evaluate* = building the grid and computing cost per job on both "
             "GPUs and the break-even; *write* = runs.duckdb with run ids (no CSV).", "",
             "| scenarios | evaluate | write | µs per scenario (evaluate) |", "|---|---|---|---|"]  # fmt: skip
    for size in SWEEP_SIZES:
        axes = {"hours_a": 8.0, "speedup": {"start": 1.0, "stop": 4.0, "num": size // 1000},
                "price_a": {"start": 1.0, "stop": 2.5, "num": 10}, "price_b": {"start": 2.0, "stop": 6.0, "num": 10},
                "utilization_b": {"start": 0.4, "stop": 1.0, "num": 10}}  # fmt: skip
        assert len(sweep.grid_frame(axes)) == size
        evaluate = timed(lambda axes=axes: sweep.sweep(axes), runs)
        frame = sweep.sweep(axes)
        with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
            write = timed(lambda frame=frame, tmp=tmp: sweep.write(frame, tmp), runs)
        per = f"{evaluate['median'] / size * 1e6:.2f}" if "median" in evaluate else "n/a"
        lines.append(f"| {size:,} | {fmt(evaluate, 3)} | {fmt(write, 3)} | {per} |")
        del frame
        if size == 10**5:
            import yaml

            with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
                grid = Path(tmp) / "sweep.yaml"
                grid.write_text(yaml.safe_dump({"axes": axes}), encoding="utf-8")
                command = timed(lambda grid=grid, tmp=tmp: run([sys.executable, "-m", "gpuplan", "sweep", str(grid),
                                                                "--out", str(Path(tmp) / "out")]), runs)  # fmt: skip
    lines += ["", f"The whole command `python -m gpuplan sweep` at 100,000 scenarios (process start, imports, "
                  f"evaluate, write): {fmt(command)}."]
    return lines + [""]


# ---- serving SLA search (gpuplan.serving_search, issue 12) --------------------------------------------------
def bench_serving(runs: int) -> list[str]:
    from gpuplan import serving_fit, serving_search

    serving_fit.fit_efficiency()  # the MLPerf fit is cached per data hash; time it once, apart
    cases = [("llama-3.1-70b", 1024, 256, 30.0), ("gpt-oss-120b", 1024, 1024, 20.0), ("deepseek-r1", 1024, 1024, 50.0)]
    lines = ["## Serving SLA search", "", "gpuplan.serving_search.sla_search over every GPU with a price × tp 1-8 × "
             "precision × KV dtype × concurrency (2,048 log-spaced points up to the most that fit), after the "
             "MLPerf efficiency fit is cached.", "",
             "| model | input/output tokens | TPOT target | configurations | search |", "|---|---|---|---|---|"]
    for model, inp, out, tpot in cases:
        found = serving_search.sla_search(model, input_tokens=inp, output_tokens=out, tpot_ms=tpot)
        result = timed(lambda model=model, inp=inp, out=out, tpot=tpot: serving_search.sla_search(
            model, input_tokens=inp, output_tokens=out, tpot_ms=tpot), runs)
        lines.append(f"| {model} | {inp}/{out} | {tpot:g} ms | {found['configurations']:,} | {fmt(result, 3)} |")
    serving_fit._table.cache_clear()
    fit = timed(lambda: (serving_fit._table.cache_clear(), serving_fit.fit_efficiency()), runs)
    return lines + ["", f"The MLPerf efficiency fit itself (uncached): {fmt(fit, 2)}.", ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions per measurement (median; >= 3)")
    parser.add_argument("--only", default="book,notebooks,grid,sweep,serving", help="comma-separated parts to run")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"), help="where to write the report")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be >= 1")
    parts = {"book": bench_book, "notebooks": bench_notebooks, "grid": bench_grid, "sweep": bench_sweep,
             "serving": bench_serving}
    chosen = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = [p for p in chosen if p not in parts]
    if unknown:
        parser.error(f"--only: unknown part {unknown[0]!r}; known: {', '.join(parts)}")
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    body: list[str] = []
    for name in chosen:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        body += parts[name](args.runs)
        print(f"bench: {name} done in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    load_after = os.getloadavg()
    head = [
        "# Benchmarks",
        "",
        f"Generated by `make bench` (bench/bench.py, median of {args.runs} runs each) on "
        f"{started:%Y-%m-%d %H:%M} UTC. Timings are wall-clock seconds.",
        "",
        "## Machine",
        "",
        *machine(),
        f"- 1-minute load average: {load_before[0]:.2f} before, {load_after[0]:.2f} after (other work on the "
        "machine inflates and spreads the figures)",
        "",
    ]
    text = "\n".join(head + body).rstrip() + "\n"
    out = Path(args.out)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
