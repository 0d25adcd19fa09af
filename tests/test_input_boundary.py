"""The input boundary: every serialized BQM field is checked against the shape it declares,
models whose energies would overflow are refused before any work, and (Hypothesis) any file
gives either the right model or one line with exit 2 and nothing written."""

from __future__ import annotations

import json
import math
import warnings

import dimod
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hardening import checksums, refused

from grover_train.cli.main import main
from grover_train.errors import InputError
from grover_train.finders import FINDERS, get_finder
from grover_train.interop import MAX_ENERGY_SCALE, as_bqm, check_serializable, load_bqm_file

GOOD = dimod.BQM(
    {0: 1.0, "b": -0.5, (1, 2): 0.25}, {(0, "b"): -1.0, ("b", (1, 2)): 2.0}, 0.5, "SPIN"
)


def _quiet_refusal(argv, capsys, *watch, words=""):
    """``refused`` with every warning turned into a failure: the line must come alone."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return refused(argv, capsys, *watch, words=words)


# ------------------------------------------------------------------ item 1: declared shapes
def test_linear_biases_shorter_than_the_variables_are_refused(tmp_path, capsys):
    # dimod alone reads this file as a 3-variable model with two linear biases set to 0
    obj = {**GOOD.to_serializable(), "linear_biases": [1.0]}
    obj["quadratic_head"], obj["quadratic_tail"] = [0, 1], [1, 2]
    path = tmp_path / "short.json"
    path.write_text(json.dumps(obj))
    for cmd in ("search", "amplify"):
        extra = ["--iterations", "1", "--threshold", "0"] if cmd == "amplify" else []
        err = _quiet_refusal([cmd, "--bqm", str(path), *extra], capsys, tmp_path)
        assert "linear_biases has 1 values for 3 variables" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["short.json"]


@pytest.mark.parametrize(
    "change, words",
    [
        ({"num_variables": 1e9}, "num_variables is 1000000000.0 but the file has 3"),
        ({"num_variables": 4}, "num_variables is 4"),
        ({"num_interactions": 7}, "num_interactions is 7"),
        ({"linear_biases": [1.0, 2.0, 3.0, 4.0]}, "4 values for 3 variables"),
        ({"linear_biases": [1.0, "x", 0.0]}, "linear_biases holds 'x'"),
        ({"linear_biases": [1.0, True, 0.0]}, "linear_biases holds True"),
        ({"linear_biases": [1.0, 10**400, 0.0]}, "NaN or infinite biases"),
        ({"quadratic_head": [0]}, "must be equally long"),
        ({"quadratic_biases": [1.0]}, "num_interactions is 2 but the file has 1"),
        ({"quadratic_tail": [1, 3]}, "interaction (1, 3) is not a pair"),
        ({"quadratic_tail": [1, 1]}, "self-loop"),
        ({"quadratic_head": [0, 1], "quadratic_tail": [1, 0]}, "given twice"),
        ({"variable_labels": [0, 0, "c"]}, "appears twice"),
        ({"variable_labels": [0, [1, [2]], "c"]}, "not hashable"),
        ({"variable_type": "SPINS"}, "variable_type is 'SPINS'"),
        ({"offset": None}, "offset is None"),
        ({"version": {"bqm_schema": "1.0.0"}}, "version is"),
        ({"use_bytes": "no"}, "use_bytes is 'no'"),
        ({"bias_type": "banana"}, "bias_type is 'banana'"),
        ({"info": []}, "info is a list"),
        ({"linear_bias": [1.0]}, "unknown field(s) 'linear_bias'"),
        ({"type": "DiscreteQuadraticModel"}, "not a BinaryQuadraticModel"),
    ],
)
def test_every_serialized_field_is_checked(tmp_path, capsys, change, words):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({**GOOD.to_serializable(), **change}))
    assert words in _quiet_refusal(["search", "--bqm", str(path)], capsys, tmp_path)


def test_a_missing_required_field_is_named():
    obj = GOOD.to_serializable()
    del obj["quadratic_tail"]
    with pytest.raises(InputError, match="quadratic_tail missing"):
        as_bqm(obj)


def test_serialized_bytes_are_checked_with_their_declared_dtypes():
    obj = GOOD.to_serializable(use_bytes=True)
    assert as_bqm(obj) == GOOD
    with pytest.raises(InputError, match="linear_biases has 2 values for 3 variables"):
        as_bqm({**obj, "linear_biases": obj["linear_biases"][:16]})
    with pytest.raises(InputError, match="not a whole number"):
        as_bqm({**obj, "linear_biases": obj["linear_biases"][:5]})


# ------------------------------------------------------------------ item 2: huge biases
@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_biases_whose_energies_overflow_are_refused_quietly(tmp_path, capsys, vartype):
    bqm = dimod.BQM({0: 1e308, 1: 1e308, 2: -1e308}, {(0, 1): -1e308}, 0.5, vartype)
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(bqm.to_serializable()))
    argvs = (
        ["search", "--bqm", str(path)],
        ["search", "--bqm", str(path), "--backend", "aer"],
        ["amplify", "--bqm", str(path), "--iterations", "1", "--threshold", "0"],
        ["export-qasm", "--bqm", str(path), "--out", str(tmp_path / "q")],
    )
    for argv in argvs:
        err = _quiet_refusal(argv, capsys, tmp_path)
        assert "energy scale" in err and "bqm.scale(" in err and "threshold" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["huge.json"]


def test_the_largest_accepted_scale_searches_without_a_warning(tmp_path, capsys):
    unit = dimod.BQM({0: 3.0, 1: -2.0, 2: 1.0}, {(0, 1): 2.0, (1, 2): -1.0}, 1.0, "SPIN")
    big = unit.copy()
    big.scale(MAX_ENERGY_SCALE / 10 / 10)  # |offset| + sum |bias| = MAX / 10
    path = tmp_path / "big.json"
    path.write_text(json.dumps(big.to_serializable()))
    ground = dimod.ExactSolver().sample(big).first.energy
    for backend in ("exact", "aer"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert main(["search", "--bqm", str(path), "--backend", backend, "--seed", "0"]) == 0
        out = json.loads(capsys.readouterr().out.splitlines()[-1])
        assert out["found"] and math.isclose(out["energy"], ground)


# ------------------------------------------------------------------ properties
def _model(draw) -> dimod.BinaryQuadraticModel:
    n = draw(st.integers(0, 5))
    label = st.one_of(st.integers(-5, 50), st.text(max_size=3), st.tuples(st.integers(0, 3)))
    labels = draw(st.lists(label, min_size=n, max_size=n, unique=True))
    bias = st.floats(-1e3, 1e3, allow_nan=False)
    pairs = [(u, v) for i, u in enumerate(labels) for v in labels[i + 1 :]]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    return dimod.BQM(
        {v: draw(bias) for v in labels},
        {p: draw(bias) for p in chosen},
        draw(bias),
        draw(st.sampled_from(["SPIN", "BINARY"])),
    )


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=4),
    st.lists(st.one_of(st.integers(-3, 5), st.floats(), st.text(max_size=2)), max_size=6),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
FIELDS = sorted(GOOD.to_serializable())


@st.composite
def serialized(draw):
    """A model's to_serializable() dict, then possibly some fields replaced, removed or added."""
    bqm = _model(draw)
    obj = bqm.to_serializable()
    changed = False
    for _ in range(draw(st.integers(0, 3))):
        how = draw(st.sampled_from(["replace", "remove", "add", "shorten"]))
        key = draw(st.sampled_from(FIELDS))
        if how == "replace":
            obj[key] = draw(VALUES)
        elif how == "remove":
            obj.pop(key, None)
        elif how == "add":
            obj[draw(st.text(min_size=1, max_size=5))] = draw(VALUES)
        elif isinstance(obj.get(key), list) and obj[key]:
            obj[key] = obj[key][: draw(st.integers(0, len(obj[key]) - 1))]
        changed = True
    return bqm, obj, changed


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(serialized())
def test_any_serialized_dict_is_its_model_or_one_input_error(case):
    bqm, obj, changed = case
    try:
        got = as_bqm(json.loads(json.dumps(obj)))
    except InputError as exc:
        assert len(str(exc).splitlines()) == 1
        assert changed, f"an untouched to_serializable() dict was refused: {exc}"
        return
    labels = [tuple(v) if isinstance(v, list) else v for v in obj["variable_labels"]]
    assert list(got.variables) == labels  # the file's order (bitstrings follow it)
    if not changed:
        assert got == bqm
    else:  # an accepted edit must still be a complete, self-consistent model
        check_serializable(got.to_serializable())
        assert got.num_variables == len(obj["variable_labels"])
        assert list(got.linear.values()) == pytest.approx(obj["linear_biases"])


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.one_of(
        st.text(max_size=80),
        st.lists(
            st.tuples(
                st.integers(-2, 6),
                st.integers(-2, 6),
                st.one_of(st.floats(), st.integers(-(10**400), 10**400)),
            ),
            max_size=6,
        ).map(lambda rows: "# vartype=SPIN\n" + "".join(f"{i} {j} {b}\n" for i, j, b in rows)),
    )
)
def test_any_coo_text_is_its_model_or_one_line_with_nothing_written(tmp_path, capsys, text):
    path = tmp_path / "m.coo"
    path.write_text(text)
    before = checksums(tmp_path)
    capsys.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            bqm = load_bqm_file(path)
        except InputError as exc:
            assert len(str(exc).splitlines()) == 1
            return
        code = main(["search", "--bqm", str(path), "--budget", "8", "--seed", "0", "--json"])
    err = capsys.readouterr().err.strip()
    assert checksums(tmp_path) == before
    if code == 0:
        assert bqm.num_variables > 0
        assert np.all(np.isfinite([*bqm.linear.values(), *bqm.quadratic.values()]))
    else:
        assert code == 2 and len(err.splitlines()) == 1, err


# ------------------------------------------------------------------ packaging (items 10, 11)
def test_export_parquet_works_with_the_all_extra(tmp_path, capsys):
    import pandas as pd

    from grover_train.runs.sweep import run_sweep

    specs = [{"kind": "grover_train.runs.runners:echo", "seed": s, "steps": 2} for s in range(3)]
    store = tmp_path / "s.sqlite"
    run_sweep(specs, store, progress=False)
    out = tmp_path / "pq"
    assert main(["export", "--store", str(store), "--out", str(out), "--format", "parquet"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["runs"] == 3
    assert sorted(pd.read_parquet(out / "runs.parquet")["spec.seed"]) == [0, 1, 2]
    assert len(pd.read_parquet(out / "metrics.parquet")) == 6


def test_py_typed_is_shipped_as_package_data():
    import tomllib
    from importlib.resources import files
    from pathlib import Path

    assert files("grover_train").joinpath("py.typed").is_file()
    root = Path(__file__).resolve().parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "py.typed" in config["package-data"]["grover_train"]


# ------------------------------------------------------------------ item 3: sweep values
SEARCH_HEAD = '[sweep]\nname = "s"\nkind = "search"\n[fixed]\nsearches = 2\nanneal_searches = 0\n'


@pytest.mark.parametrize(
    "line, words",
    [
        ("n = -3", "n = -3 is not an integer in [2, 26]"),
        ('n = "x"', "n = 'x' is not an integer"),
        ("n = 40", "n = 40 is not an integer in [2, 26]"),
        ("n = 1.5", "n = 1.5 is not an integer"),
        ('family = "dragon"\nn = 3', "n = 3 is too small for family 'dragon'"),
        ("n = 4\nheads = 16", "heads = 16 is not below 2^n = 16"),
        ('stage = "late"', "stage = 'late' is not a stage of family 'sk'"),
        ("dt = inf", "dt = inf is not a finite number > 0"),
        ("budget_factor = nan", "budget_factor = nan"),
        ('annealers = ["sa", "qbsolv"]', "annealers"),
        ('prep = "dqa2"', "prep = 'dqa2'"),
        ("seed = -1", "seed = -1"),
    ],
)
def test_search_sweep_values_are_checked_when_the_file_loads(tmp_path, capsys, line, words):
    path = tmp_path / "s.toml"
    path.write_text(SEARCH_HEAD + line + "\n")
    store = tmp_path / "st.sqlite"
    err = _quiet_refusal(["sweep", str(path), "--store", str(store)], capsys, tmp_path)
    assert words in err and not store.exists()


@pytest.mark.parametrize("line", ["eta = inf", "margin = nan", "eta_decay = inf", "eta = 1e400"])
def test_train_sweep_numbers_must_be_finite(tmp_path, capsys, line):
    path = tmp_path / "t.toml"
    path.write_text(
        '[sweep]\nname = "t"\nkind = "train"\n[fixed]\nfinder = "random"\nhidden = 2\n'
        f"budget = 10\nseed = 0\nteacher = [3, 2, 2]\nnum_samples = 10\n{line}\n"
    )
    store = tmp_path / "st.sqlite"
    err = _quiet_refusal(["sweep", str(path), "--store", str(store)], capsys, tmp_path)
    assert line.split()[0] in err and "finite number" in err and not store.exists()


def _toml_value(v) -> str:
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return json.dumps(v)


@settings(max_examples=25, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["n", "heads", "prep", "steps", "dt", "seed", "family", "stage"]),
        st.one_of(
            st.integers(-3, 9),
            st.floats(-1.0, 2.0) | st.sampled_from([math.inf, math.nan]),
            st.sampled_from(["uniform", "dqa", "sk", "dragon", "early", "late", "x", ""]),
        ),
        max_size=4,
    )
)
def test_a_search_sweep_that_loads_never_fails_at_run_time(fields):
    """Refused when the TOML loads, or every run finishes: no value is left to fail a run."""
    import tempfile
    from pathlib import Path

    from grover_train.runs.config import load_sweep
    from grover_train.runs.sweep import run_sweep

    fields = {"n": 4, **fields}
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "s.toml"
        body = "".join(f"{k} = {_toml_value(v)}\n" for k, v in fields.items())
        path.write_text(SEARCH_HEAD + body)
        try:
            sweep = load_sweep(path)
        except InputError as exc:
            assert len(str(exc).splitlines()) == 1
            return
        result = run_sweep(sweep, Path(d) / "st.sqlite", progress=False)
        assert not result.failed, fields


# ------------------------------------------------------------------ item 4: dask addresses
@pytest.mark.parametrize("address", ["nonsense://x", "inproc://x", "ucx://localhost:1"])
def test_an_unusable_dask_address_is_one_line_at_once(tmp_path, address):
    import subprocess
    import sys

    path = tmp_path / "s.toml"
    path.write_text(SEARCH_HEAD + "n = 4\n")
    store = tmp_path / "st.sqlite"
    argv = ["sweep", str(path), "--store", str(store), "--dask", address]
    # a subprocess: the hang and the traceback came from Client.__del__ at interpreter exit
    proc = subprocess.run(
        [sys.executable, "-m", "grover_train", *argv], capture_output=True, text=True, timeout=30
    )
    err = proc.stderr.strip()
    assert proc.returncode == 2 and len(err.splitlines()) == 1, err
    assert f"cannot reach the Dask scheduler at {address!r}" in err and not store.exists()


# ------------------------------------------------------------------ item 5: empty stores
def test_sweep_list_reads_a_0_byte_store_as_the_sweep_does(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(SEARCH_HEAD + "n = 4\n")
    store = tmp_path / "st.sqlite"
    store.write_bytes(b"")
    assert main(["sweep", str(path), "--list", "--store", str(store)]) == 0
    listed = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["finished"] for x in listed] == [False] and store.read_bytes() == b""
    assert main(["sweep", str(path), "--store", str(store), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["sweep", str(path), "--list", "--store", str(store)]) == 0
    assert json.loads(capsys.readouterr().out)["finished"] is True


# ------------------------------------------------------------------ item 7: a full disk
def test_a_disk_filling_during_a_sweep_is_reported_as_a_full_disk(tmp_path, capsys, monkeypatch):
    import sqlite3

    from grover_train.runs.store import Store

    store = tmp_path / "st.sqlite"
    real_connect = sqlite3.connect
    limit = {"pages": None}

    def connect(database, *args, **kwargs):
        con = real_connect(database, *args, **kwargs)
        if limit["pages"] is not None and str(database) == str(store):
            # SQLite's own size limit gives the error a full disk gives (SQLITE_FULL)
            con.execute(f"PRAGMA max_page_count = {limit['pages']}")
        return con

    path = tmp_path / "s.toml"
    path.write_text(
        '[sweep]\nname = "e"\nkind = "grover_train.runs.runners:echo"\n'
        "[grid]\nseed = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n[fixed]\nsteps = 60\n"
    )
    with Store(store) as db:
        limit["pages"] = db._con.execute("PRAGMA page_count").fetchone()[0] + 8
    monkeypatch.setattr(sqlite3, "connect", connect)
    err = refused(["sweep", str(path), "--store", str(store), "--no-progress"], capsys)
    assert f"the disk holding store {str(store)!r} is full" in err and "damaged" not in err
    monkeypatch.setattr(sqlite3, "connect", real_connect)
    with Store(store, readonly=True) as db:
        kept = len(db.finished_ids())
        assert db._con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert 0 < kept < 10
    # space freed: the same command finishes the rest
    assert main(["sweep", str(path), "--store", str(store), "--no-progress"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["skipped"] == kept


# ------------------------------------------------------------------ item 6: train windows
TRAIN_AER = ["train", "--finder", "grover", "--backend", "aer", "--hidden", "40"]
TRAIN_AER += ["--dataset", "digits", "--budget", "20", "--no-progress"]


def test_a_window_wider_than_the_backend_is_one_line_before_any_work(tmp_path, capsys):
    out = tmp_path / "run"
    err = _quiet_refusal([*TRAIN_AER, "--out", str(out)], capsys, tmp_path)
    assert "widest search window of this network has 50 spins" in err
    assert "--max-qubits 28 or less" in err and not out.exists()


def test_a_circuit_refused_at_the_first_search_is_one_line_and_leaves_no_folder(tmp_path, capsys):
    # 23 problem qubits fit the 28, the hardware oracle's value qubits do not: known only once
    # the window's energies are, so the refusal comes from the first search
    out = tmp_path / "run"
    err = _quiet_refusal([*TRAIN_AER, "--max-qubits", "28", "--out", str(out)], capsys, tmp_path)
    assert "simulates at most 28 qubits" in err and "value qubits" in err
    assert not out.exists()


# ------------------------------------------------------------------ item 9: dimod's own tests
@pytest.mark.parametrize("name", sorted(FINDERS))
def test_dimod_sampler_tests_pass_on_every_finder(name):
    from grover_train import testing

    options = {"num_reads": 2, "num_sweeps": 10} if name == "sqa" else {}  # quick: no quality
    if name == "dwave":  # no account here: Ocean's simulated annealer stands in for the QPU
        from dwave.samplers import SimulatedAnnealingSampler

        options = {"sampler": SimulatedAnnealingSampler()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # dwave-samplers on all-zero biases
        assert testing.check_dimod_bqm_tests(lambda: get_finder(name, **options)) == 32


def test_sqa_takes_any_hashable_labels():
    bqm = dimod.BQM(
        {"a": -1.0, (0, 1): 1.0, 3: -0.5}, {("a", (0, 1)): -2.0, (3, "a"): 1.0}, 0, "SPIN"
    )
    ss = get_finder("sqa", num_reads=8).sample(bqm, seed=0)
    ground = dimod.ExactSolver().sample(bqm).first
    assert list(ss.variables) == list(bqm.variables) and ss.first.energy == ground.energy
    assert ss.first.sample == ground.sample
