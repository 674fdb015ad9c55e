"""One module per notebook: the tables and small helpers each notebook shows, built on the model modules.

- data_tour (01), memory_planning (02), cost_per_task (03), breakeven (04), scaling (05).

The model modules (gpuplan.memory, cost, breakeven, scaling, ...) hold the models only; their former table
helpers stay reachable under the old names (e.g. ``gpuplan.tour``, ``memory.limits``) so committed notebooks
run unchanged.
"""
