"""Values of train sweeps that the schema checks before the first run starts."""

from __future__ import annotations

import pytest

from grover_train.errors import InputError
from grover_train.runs.config import check_specs, parse_sweep


def _check(**extra):
    fixed = {"finder": "random", "hidden": 4, "budget": 100, "seed": 0, **extra}
    sweep = parse_sweep({"sweep": {"name": "s", "kind": "train"}, "fixed": fixed}, "s.toml")
    check_specs(sweep.specs, "s.toml")
    return sweep.specs


@pytest.mark.parametrize("value", [0, -3, "10", 2.5, True])
def test_num_evals_must_be_a_positive_integer(value):
    with pytest.raises(InputError, match=r"num_evals.*a positive integer"):
        _check(num_evals=value)


def test_a_good_num_evals_reaches_the_run():
    assert _check(num_evals=12)[0]["num_evals"] == 12


def test_eval_every_is_not_a_key_of_train_runs():
    with pytest.raises(InputError, match=r"unknown key 'eval_every'.*num_evals"):
        _check(eval_every=5)


def test_grid_expands_to_sklearns_parameter_grid_in_file_order():
    """The runs are sklearn's ParameterGrid (the cross-check), in the TOML's key order: the
    last key varies fastest (ParameterGrid sorts the keys, hence the hand-written product)."""
    from sklearn.model_selection import ParameterGrid

    grid = {"seed": [0, 1], "hidden": [4, 8, 16], "budget": [100, 200]}
    fixed = {"finder": "random"}
    doc = {"sweep": {"name": "s", "kind": "train"}, "grid": grid, "fixed": fixed}
    specs = parse_sweep(doc, "s.toml").specs
    expected = [{"kind": "train", **fixed, **p} for p in ParameterGrid(grid)]
    assert sorted(map(_items, specs)) == sorted(map(_items, expected)) and len(specs) == 12
    assert [(s["seed"], s["hidden"], s["budget"]) for s in specs[:3]] == [
        (0, 4, 100),
        (0, 4, 200),
        (0, 8, 100),
    ]


def _items(spec):
    return tuple(sorted(spec.items()))
