"""One module per notebook: the tables and small helpers each notebook shows, built on the model modules.

- data_tour (01), memory_planning (02), cost_per_task (03), breakeven (04), scaling (05).

The model modules (gpuplan.memory, cost, breakeven, scaling, ...) hold the models only; notebooks call these as
``pages.<notebook>.<table>`` (e.g. ``pages.breakeven.summary_table``).
"""

from gpuplan.pages import breakeven, cost_per_task, data_tour, memory_planning, scaling

__all__ = ["breakeven", "cost_per_task", "data_tour", "memory_planning", "scaling"]
