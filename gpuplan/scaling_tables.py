"""Former home of the MLPerf-at-scale check and the tables of notebook 05, kept so old imports work: the check is in
:mod:`gpuplan.scaling_mlperf`, the tables in :mod:`gpuplan.pages.scaling`."""

from gpuplan.pages.scaling import (
    ARTICLE_STORAGE_GIBPS,
    AT_COUNT_COLUMNS,
    AT_COUNT_FORMATS,
    at_count,
    curves,
    frontier_table,
    headline,
    hourly_prices,
    loading_case,
    mlperf_long,
    setup_label,
)
from gpuplan.scaling_mlperf import (
    _BILLIONS_RE,
    MLPERF_BATCH,
    MLPERF_GPT3_LAYOUT,
    MLPERF_LAYOUT,
    compare_mlperf,
    mlperf_batch,
    tokens_to_converge,
)

__all__ = ["ARTICLE_STORAGE_GIBPS", "AT_COUNT_COLUMNS", "AT_COUNT_FORMATS", "MLPERF_BATCH", "MLPERF_GPT3_LAYOUT",
           "MLPERF_LAYOUT", "_BILLIONS_RE", "at_count", "compare_mlperf", "curves", "frontier_table", "headline",
           "hourly_prices", "loading_case", "mlperf_batch", "mlperf_long", "setup_label", "tokens_to_converge"]
