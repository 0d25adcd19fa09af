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


def test_option_keys_are_the_fields_of_the_options_dataclasses():
    from grover_train.runs.config import spec_keys
    from grover_train.train.options import option_names

    keys = spec_keys("train")
    assert set(option_names()) <= keys and "readouts" in keys and "beta" in keys
    assert not {"readout_options", "checkpoint", "start", "options"} & keys


@pytest.mark.parametrize(
    "extra, words",
    [
        ({"eta": 0}, r"s.toml: --eta must be a positive number, got 0 \(run "),
        ({"max_qubits": 1}, r"s.toml: --max-qubits must be an integer >= 2"),
        ({"readouts": {"finsh": 0.0}}, r"s.toml: unknown readout option"),
        ({"eta": 2.5, "batch_size": 2.5}, r"batch_size = 2.5 has the wrong type: give an integer"),
        ({"readouts": 3}, r"readouts = 3 has the wrong type"),
    ],
)
def test_option_values_are_checked_by_the_options(extra, words):
    with pytest.raises(InputError, match=words):
        _check(finder="sa", **extra)


def test_options_are_built_once_per_distinct_combination(monkeypatch):
    from grover_train.train import options

    built = []
    real = options.method_options
    monkeypatch.setattr(options, "method_options", lambda *a, **k: built.append(a) or real(*a, **k))
    doc = {
        "sweep": {"name": "s", "kind": "train"},
        "grid": {"finder": ["sa", "backprop"], "eta": [0.1, 0.2], "seed": [0, 1, 2]},
        "fixed": {"hidden": 4, "budget": 100, "beta": 2.0, "max_heads": 2},
    }
    check_specs(parse_sweep(doc, "s.toml").specs, "s.toml")
    # one finder check per finder, one options build per finder and eta (not per seed)
    assert len(built) == 2 + 4


def test_a_runs_option_keys_build_its_options():
    from grover_train.runs.runners import run_train_spec

    spec = {
        "kind": "train",
        "finder": "sa",
        "teacher": [6, 4, 2],
        "num_samples": 40,
        "hidden": [3, 3],
        "budget": 300,
        "seed": 0,
        "num_reads": 2,
        "eta": 0.1,
        "beta": 2.0,  # backprop's: ignored by head cutting
        "readouts": {"finish": 0.0},
        "num_evals": 3,
    }
    check_specs([spec], "s.toml")
    summary = run_train_spec(spec).summary
    assert summary["eta"] == 0.1 and summary["finder_options"] == {"num_reads": 2}
    assert summary["readout_options"]["finish"] == 0.0 and "beta" not in summary
