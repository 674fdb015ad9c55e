"""gpuplan: which GPU to rent or buy, from sourced data and tested models.

Modules (one per analysis, named in the book's vocabulary):
  data       the DuckDB database built from data/*.csv (read-only everywhere but the build)
  memory     bytes per component and fit verdicts
  runtime    FLOPs, MFU fitted to benchmarks, hours per job, speedup bands
  cost       cost per finished job
  breakeven  break-even speedup / price, rent vs buy, sensitivity
  scaling    data-parallel step time, efficiency, frontier
  charts     Altair chart builders used by the notebooks
  batch      parameterized batch execution of notebooks, vectorized sweeps
  cli        the typer command line (`python -m gpuplan`)
"""

__version__ = "0.1.0"
