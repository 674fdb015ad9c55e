"""Former home of the tables of notebook 01 (the data tour), kept so ``from gpuplan import tour`` works: the tables
are in :mod:`gpuplan.pages.data_tour`."""

from gpuplan.pages.data_tour import (
    SPEC_COLUMNS,
    _display,
    gpu_specs,
    mlperf_speedups,
    price_history,
    price_performance,
    price_performance_long,
    price_performance_table,
    prices_by_year,
    prices_by_year_table,
    spec_ratio,
    specs_table,
    speedup_stats,
    speedup_summary,
    speedup_summary_table,
    throughput_long,
)

__all__ = ["SPEC_COLUMNS", "_display", "gpu_specs", "mlperf_speedups", "price_history", "price_performance",
           "price_performance_long", "price_performance_table", "prices_by_year", "prices_by_year_table",
           "spec_ratio", "specs_table", "speedup_stats", "speedup_summary", "speedup_summary_table", "throughput_long"]
