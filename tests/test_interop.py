"""Finders as drop-in dimod samplers, and problems from Qiskit, PennyLane and dimod files."""

from __future__ import annotations

import itertools
import json
import warnings

import dimod
import numpy as np
import pytest
from dimod.testing import assert_sampler_api

from grover_train.errors import InputError
from grover_train.finders import FINDERS, get_finder
from grover_train.finders.base import default_budget
from grover_train.interop import as_bqm

CLASSICAL = ["exact", "random", "sa", "cyclic-sa", "sqa"]


def _spins(n: int) -> np.ndarray:
    """All 2^n spin rows; row z has s_i = +1 when bit i of z is 0 (qubit |0>: Z = +1)."""
    z = np.arange(2**n)[:, None]
    return 1 - 2 * ((z >> np.arange(n)[None, :]) & 1)


def _dyadic(rng, size) -> np.ndarray:
    """Random multiples of 1/64 in [-4, 4]: every sum of them is exact in float64."""
    return rng.integers(-256, 257, size=size) / 64.0


# ------------------------------------------------------------------ sampler API
@pytest.mark.parametrize("name", sorted(set(FINDERS) - {"dwave"}))
def test_every_finder_passes_the_dimod_sampler_api(name):
    assert_sampler_api(get_finder(name))


def test_dwave_finder_passes_the_sampler_api():
    from dwave.samplers import SimulatedAnnealingSampler

    assert_sampler_api(get_finder("dwave", sampler=SimulatedAnnealingSampler()))


@pytest.mark.parametrize("seed", range(8))
def test_grover_sample_qubo_alone_finds_the_ground_state(seed):
    rng = np.random.default_rng(seed)
    n = 6
    Q = {(i, j): float(rng.integers(-10, 11)) for i in range(n) for j in range(i, n)}
    ss = get_finder("grover").sample_qubo(Q, seed=seed)
    ground = dimod.ExactSolver().sample_qubo(Q).first.energy
    assert ss.first.energy == ground
    assert ss.info["minimum_finding"] and ss.info["threshold"] is None
    assert ss.info["budget"] == default_budget(n) and ss.info["queries"] <= default_budget(n)
    assert ss.info["schedule"] == "dh"


def test_sample_ising_and_classical_finders_without_threshold():
    rng = np.random.default_rng(1)
    h = {i: float(v) for i, v in enumerate(rng.integers(-3, 4, 5))}
    J = {(i, i + 1): float(rng.integers(-3, 4)) for i in range(4)}
    ground = dimod.ExactSolver().sample_ising(h, J).first.energy
    assert get_finder("grover").sample_ising(h, J, seed=0).first.energy == ground
    assert get_finder("exact").sample_ising(h, J).first.energy == ground
    assert get_finder("sa").sample_ising(h, J, seed=0).first.energy == ground


def test_python_default_budget_equals_the_search_command_default(tmp_path, capsys):
    from grover_train.cli.main import main

    bqm = dimod.generators.ran_r(1, 7, seed=2)
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bqm.to_serializable()))
    assert main(["search", "--bqm", str(path), "--seed", "3", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out.splitlines()[-1])
    ss = get_finder("grover", schedule="dh").sample(bqm, seed=3)
    assert cli["budget"] == ss.info["budget"] == default_budget(7) == 255
    # same seed, same default: the command is this call
    assert cli["queries"] == ss.info["queries"] and cli["energy"] == ss.first.energy


def test_unknown_keyword_arguments_warn_like_dimod():
    bqm = dimod.BQM({0: 1.0}, {}, 0.0, "SPIN")
    with pytest.warns(dimod.exceptions.SamplerUnknownArgWarning, match="num_raeds"):
        ss = get_finder("exact").sample(bqm, num_raeds=3)
    assert ss.first.energy == -1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # known ones do not warn
        get_finder("grover", schedule="dh").sample(bqm, threshold=0.5, random_start=True, seed=0)


def test_nan_biases_are_refused_by_every_finder():
    bqm = dimod.BQM({0: float("nan"), 1: 1.0}, {}, 0.0, "SPIN")
    for name in ("exact", "grover"):
        with pytest.raises(InputError, match="NaN or infinite"):
            get_finder(name).sample(bqm, threshold=0.0, budget=10, seed=0)


@pytest.mark.parametrize("seed", [*range(25), *range(2**32 - 25, 2**32)])
def test_dwave_finder_with_ocean_sa_works_for_any_seed(seed):
    from dwave.samplers import SimulatedAnnealingSampler

    bqm = dimod.generators.ran_r(1, 6, seed=0)
    finder = get_finder("dwave", sampler=SimulatedAnnealingSampler(), num_reads=4)
    ground = dimod.ExactSolver().sample(bqm).first.energy
    ss = finder.sample(bqm, threshold=ground + 0.5, budget=16, seed=seed)
    assert ss.info["queries"] <= 16 and all(e < ground + 0.5 for e in ss.record.energy)


# ------------------------------------------------------------------ as_bqm
@pytest.mark.parametrize("seed", range(5))
def test_sparse_pauli_op_energies_round_trip_exactly(seed):
    from qiskit.quantum_info import SparsePauliOp

    rng = np.random.default_rng(seed)
    n = 5
    labels, coeffs = ["I" * n], [float(_dyadic(rng, 1)[0])]
    for i in range(n):
        labels.append("".join("Z" if q == i else "I" for q in reversed(range(n))))
        coeffs.append(float(_dyadic(rng, 1)[0]))
    for i, j in itertools.combinations(range(n), 2):
        if rng.random() < 0.6:
            labels.append("".join("Z" if q in (i, j) else "I" for q in reversed(range(n))))
            coeffs.append(float(_dyadic(rng, 1)[0]))
    op = SparsePauliOp(labels, coeffs)
    bqm = as_bqm(op)
    diag = op.to_matrix(sparse=True).diagonal().real  # basis state z: bit i = qubit i
    assert np.array_equal(bqm.energies((_spins(n), range(n))), diag)


@pytest.mark.parametrize("seed", range(5))
def test_pennylane_hamiltonian_and_sum_round_trip_exactly(seed):
    import pennylane as qml

    rng = np.random.default_rng(seed)
    wires = ["a", "b", "c", "d"]
    terms = [(float(c), qml.Z(w)) for c, w in zip(_dyadic(rng, 4), wires, strict=True)]
    for u, v in itertools.combinations(wires, 2):
        terms.append((float(_dyadic(rng, 1)[0]), qml.Z(u) @ qml.Z(v)))
    H = qml.Hamiltonian([c for c, _ in terms], [o for _, o in terms])
    S = qml.sum(*[qml.s_prod(c, o) for c, o in terms])
    # PennyLane's matrix: wire_order[0] is the most significant bit
    diag = np.real(np.diag(qml.matrix(H, wire_order=wires)))
    z = np.arange(16)
    spins = 1 - 2 * ((z[:, None] >> np.arange(3, -1, -1)[None, :]) & 1)
    for op in (H, S):
        bqm = as_bqm(op)
        assert set(bqm.variables) == set(wires)
        assert np.array_equal(bqm.energies((spins, wires)), diag)


@pytest.mark.parametrize("seed", range(5))
def test_quadratic_program_round_trips_through_its_own_converter(seed):
    from qiskit_optimization import QuadraticProgram

    rng = np.random.default_rng(seed)
    n = 5
    qp = QuadraticProgram()
    for i in range(n):
        qp.binary_var(f"x{i}")
    lin = {f"x{i}": float(v) for i, v in enumerate(_dyadic(rng, n))}
    quad = {
        (f"x{i}", f"x{j}"): float(_dyadic(rng, 1)[0])
        for i in range(n)
        for j in range(i, n)
        if rng.random() < 0.7
    }
    const = float(_dyadic(rng, 1)[0])
    (qp.maximize if seed % 2 else qp.minimize)(constant=const, linear=lin, quadratic=quad)
    bqm = as_bqm(qp)
    sign = -1.0 if seed % 2 else 1.0  # a maximisation becomes a minimisation
    for bits in itertools.product([0, 1], repeat=n):
        x = dict(zip([f"x{i}" for i in range(n)], bits, strict=True))
        assert bqm.energy(x) == sign * qp.objective.evaluate(list(bits))


def test_quadratic_program_with_a_constraint_uses_its_penalty():
    from qiskit_optimization import QuadraticProgram
    from qiskit_optimization.converters import QuadraticProgramToQubo

    qp = QuadraticProgram()
    for i in range(3):
        qp.binary_var(f"x{i}")
    qp.minimize(linear={"x0": -1.0, "x1": -2.0, "x2": 3.0})
    qp.linear_constraint({"x0": 1, "x1": 1}, "==", 1)
    qubo = QuadraticProgramToQubo().convert(qp)
    bqm = as_bqm(qp)
    for bits in itertools.product([0, 1], repeat=3):
        assert bqm.energy(dict(zip(["x0", "x1", "x2"], bits, strict=True))) == pytest.approx(
            qubo.objective.evaluate(list(bits)), abs=1e-9
        )
    assert dict(bqm.linear) and dimod.ExactSolver().sample(bqm).first.sample == {
        "x0": 0,
        "x1": 1,
        "x2": 0,
    }


@pytest.mark.parametrize("seed", range(3))
def test_dimod_json_and_coo_files_round_trip_exactly(tmp_path, seed):
    bqm = dimod.generators.gnp_random_bqm(6, 0.6, "SPIN", random_state=seed)
    js = tmp_path / "b.json"
    js.write_text(json.dumps(bqm.to_serializable()))
    assert as_bqm(js) == bqm
    # COO text with full precision (dimod writes 6 decimals; any precision reads back)
    lines = ["# vartype=SPIN"]
    lines += [f"{v} {v} {float(b)!r}" for v, b in bqm.linear.items()]
    lines += [f"{u} {v} {float(b)!r}" for (u, v), b in bqm.quadratic.items()]
    coo = tmp_path / "b.coo"
    coo.write_text("\n".join(lines) + "\n")
    got = as_bqm(coo)
    got.offset = bqm.offset  # COO text has no offset
    spins = _spins(6)
    assert got == bqm
    assert np.array_equal(got.energies((spins, range(6))), bqm.energies((spins, range(6))))


@pytest.mark.parametrize(
    "obj, words",
    [
        (3, "cannot read a problem from a int"),
        ({"a": 1}, "cannot read a problem from a dict"),
        ("missing.json", "not found"),
        (__file__, "neither dimod JSON nor COO"),
        (dimod.BQM({0: float("inf")}, {}, 0.0, "SPIN"), "NaN or infinite"),
    ],
)
def test_anything_else_is_refused_naming_what_is_accepted(obj, words):
    with pytest.raises(InputError, match=words):
        as_bqm(obj)


def test_non_diagonal_or_cubic_operators_are_refused():
    import pennylane as qml
    from qiskit.quantum_info import SparsePauliOp

    with pytest.raises(InputError, match="not made of I and Z"):
        as_bqm(SparsePauliOp(["XZ"], [1.0]))
    with pytest.raises(InputError, match="3 qubits"):
        as_bqm(SparsePauliOp(["ZZZ"], [1.0]))
    with pytest.raises(InputError, match="complex"):
        as_bqm(SparsePauliOp(["ZI"], [1.0j]))
    with pytest.raises(InputError, match="not made of Z"):
        as_bqm(qml.Hamiltonian([1.0], [qml.X(0)]))


def test_coo_lines_dimod_would_skip_are_refused(tmp_path):
    p = tmp_path / "b.coo"
    p.write_text("# vartype=SPIN\n0 0 1.0\n0 one 2.0\n")
    with pytest.raises(InputError, match="line 3 is not 'i j bias'"):
        as_bqm(p)
    p.write_text("# vartype=SPIN\n0 0 nan\n")
    with pytest.raises(InputError, match="line 2"):
        as_bqm(p)


def test_export_qasm_writes_a_users_own_problem_whose_oracle_marks_its_heads(tmp_path, capsys):
    from qiskit import QuantumCircuit, qasm3
    from qiskit.quantum_info import Statevector

    from grover_train.cli.main import main

    rng = np.random.default_rng(4)
    n = 4
    lines = ["# vartype=SPIN"]
    lines += [f"{i} {i} {int(rng.integers(-3, 4))}" for i in range(n)]
    lines += [f"{i} {j} {int(rng.integers(-3, 4))}" for i, j in itertools.combinations(range(n), 2)]
    coo = tmp_path / "mine.coo"
    coo.write_text("\n".join(lines) + "\n")
    bqm = as_bqm(coo)
    tau = float(np.median(bqm.energies((_spins(n), range(n))))) + 0.5
    out = tmp_path / "qasm"
    assert main(["export-qasm", "--bqm", str(coo), "--threshold", str(tau), "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert printed["files"] == [
        "problem_oracle.qasm",
        "problem_iterate.qasm",
        "problem_search.qasm",
    ]
    desc = json.loads((out / "problem.json").read_text())
    oracle = qasm3.loads((out / "problem_oracle.qasm").read_text())
    oracle = oracle.assign_parameters({oracle.parameters[0]: desc["bind"]["threshold"]})
    variables = desc["variables"]
    for z in range(2**n):
        qc = QuantumCircuit(oracle.num_qubits)
        bits = [(z >> i) & 1 for i in range(n)]  # bit i: BINARY value of variables[i]
        for i, b in enumerate(bits):
            if b:
                qc.x(i)
        amp = Statevector(qc.compose(oracle)).data[z]
        energy = bqm.energy({v: 2 * b - 1 for v, b in zip(variables, bits, strict=True)})
        assert amp == pytest.approx(-1.0 if energy < tau else 1.0, abs=1e-9), (z, energy)


# ------------------------------------------------------------------ data out
def test_store_exports_to_pandas_and_csv_agree(tmp_path, capsys):
    import csv

    from grover_train.cli.main import main
    from grover_train.runs.store import Store
    from grover_train.runs.sweep import run_sweep

    specs = [
        {"kind": "grover_train.runs.runners:echo", "seed": s, "steps": 3, "queries": 7}
        for s in range(4)
    ]
    store = tmp_path / "s.sqlite"
    run_sweep(specs, store, progress=False)
    with Store(store, readonly=True) as s:
        runs, metrics = s.to_pandas()
        recs = s.runs()
    assert len(runs) == 4 and len(metrics) == 12
    assert sorted(runs["spec.seed"]) == [0, 1, 2, 3]
    assert list(runs["run_id"]) == [r["run_id"] for r in recs]
    assert set(metrics.groupby("run_id")["queries"].max()) == {14}  # step 2 x 7 queries
    out = tmp_path / "csv"
    assert main(["export", "--store", str(store), "--out", str(out)]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["metrics"] == 12
    with (out / "runs.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(int(r["spec.seed"]) for r in rows) == [0, 1, 2, 3]
    assert [r["run_id"] for r in rows] == list(runs["run_id"])
    assert main(["export", "--store", str(store), "--out", str(out), "--format", "jsonl"]) == 0
    lines = (out / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["queries"] for x in lines] == list(metrics["queries"])


# ------------------------------------------------------------------ scikit-learn estimator
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
def test_dragon_classifier_passes_sklearn_estimator_checks():
    from sklearn.utils.estimator_checks import check_estimator

    from grover_train.estimator import DragonClassifier

    results = check_estimator(DragonClassifier(hidden=4, budget=300), on_fail=None)
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    assert len(results) > 40 and failed == []


def test_dragon_classifier_agrees_with_the_network_and_learns_digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from grover_train.estimator import DragonClassifier

    X, y = load_digits(n_class=3, return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    clf = DragonClassifier(hidden=16, budget=5000, seed=0).fit(Xtr, ytr)
    proba = clf.predict_proba(Xte)
    E = clf.net_.clamped_energies(np.where(Xte > clf.thresholds_, 1.0, -1.0))
    assert np.array_equal(clf.predict(Xte), clf.classes_[np.argmin(E, axis=1)])
    assert np.array_equal(np.argmax(proba, axis=1), np.argmin(E, axis=1))
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert clf.score(Xte, yte) >= 0.85  # three digit classes: measured 0.95 at this budget
    again = DragonClassifier(hidden=16, budget=5000, seed=0).fit(Xtr, ytr)
    assert np.array_equal(again.predict_proba(Xte), proba)  # same seed, same model
