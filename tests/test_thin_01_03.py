"""Library functions behind the thin notebooks 01-03 (params.validate_parameters, memory/cost tables)."""

from __future__ import annotations

import nbformat
import pytest

from gpuplan import batch
from gpuplan.errors import InputError
from gpuplan.params import validate_parameters


def test_validate_parameters_normalizes_every_value():
    p = validate_parameters(
        {"n": 2.0, "kind": "spot", "gpus": None, "price": None, "gpu": "h100-sxm5-80gb", "util": 0.5},
        {"n": "count", "kind": ("choice", ["on-demand", "spot"]), "gpus": "gpus?", "price": "price",
         "gpu": "gpu", "util": "fraction"})
    assert p.n == 2 and isinstance(p.n, int)  # 2.0 is a whole number
    assert p.kind == "spot"
    assert p.gpus is None and p.price is None  # optional / latest-price None kept
    assert p.gpu == "h100-sxm5-80gb" and p.util == 0.5


@pytest.mark.parametrize(("values", "rules", "field"), [
    ({"util": 1.5}, {"util": "fraction"}, "util"),
    ({"kind": "bogus"}, {"kind": ("choice", ["spot"])}, "kind"),
    ({"gpus": None}, {"gpus": "gpus"}, "gpus"),  # no "?": None is not allowed
    ({}, {"n": "count"}, "n"),  # missing
])
def test_validate_parameters_names_the_bad_parameter(values, rules, field):
    with pytest.raises(InputError) as err:
        validate_parameters(values, rules)
    assert str(err.value).startswith(f"{field}:")
    assert "\n" not in str(err.value)


def test_batch_reads_the_literal_rules_dict():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        'from gpuplan.params import validate_parameters\n'
        'p = validate_parameters(globals(), {"gpus": "gpus?", "kind": ("choice", ["spot", "reserved"]),'
        ' "n": "count"})')])
    assert batch.notebook_rules(nb) == {"gpus": ("gpus", None), "kind": ("choice", ["spot", "reserved"]),
                                        "n": ("count", None)}
