"""Former home of the memory model's validation cases and the tables of notebook 02, kept so old imports work:
the validation is in :mod:`gpuplan.memory.validation`, the tables in :mod:`gpuplan.pages.memory_planning`."""

from gpuplan.memory.validation import _PEFT, _STAS_ACT, _STAS_INF, _ZERO, VALIDATION_ARCHS, validation_cases
from gpuplan.pages.memory_planning import (
    VRAM_RULE_CASES,
    capacity_groups,
    fit_summary,
    limits,
    limits_frame,
    mode_comparison,
    vram_rule_check,
)

__all__ = ["VALIDATION_ARCHS", "VRAM_RULE_CASES", "_PEFT", "_STAS_ACT", "_STAS_INF", "_ZERO", "capacity_groups",
           "fit_summary", "limits", "limits_frame", "mode_comparison", "validation_cases", "vram_rule_check"]
