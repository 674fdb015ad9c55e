"""gpuplan: which GPU to rent or buy, from sourced data and tested models.

Modules (one concern each; the full list and "where to change what" are in CONTRIBUTING.md):
  data, data_build      the DuckDB database built from data/*.csv (read-only everywhere but the build)
  validators            every input check: one InputError naming the field
  assumptions           every model default with its value, unit and source (the method page's table)
  prices                the one price resolver
  memory/               bytes per component and fit verdicts (architecture, accounting, estimate, fit, validation)
  runtime, mfu, speedup, goodput   FLOPs, the fitted MFU, hours per job, speedup bands, production goodput
  cost, breakeven       cost per finished job; break-even speedup / price, rent vs buy, sensitivity
  scaling, scaling_mlperf, collectives   3D-parallel step time and efficiency, the MLPerf check, all-reduce
  serving, serving_fit, serving_search   serving economics, its MLPerf fit, the SLA search
  claims, which_gpu     the articles' claims checked; the decision page
  charts                Altair chart builders and display tables used by the notebooks
  pages/                one module per notebook: the tables each notebook shows
  params, editions, book, book_includes   notebook parameters, personal editions, the book build
  batch/, sweep         parameterized batch execution of notebooks, vectorized sweeps
  cli/                  the typer command line (`python -m gpuplan`)
"""

__version__ = "0.1.0"
