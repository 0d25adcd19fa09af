"""One suite every classical finder passes: exact, random, sa, cyclic-sa, sqa, dwave (mock)."""

from __future__ import annotations

import dimod
import numpy as np
import pytest

from grover_train import testing
from grover_train.errors import AccountError, BudgetError, InputError, UnknownNameError
from grover_train.finders import get_finder
from grover_train.finders.annealing import (
    NO_ACCOUNT,
    SAFinder,
    anneal,
    default_beta_range,
)
from grover_train.finders.ising import ising_arrays
from grover_train.finders.search_problem import SearchProblem

# Small options keep the suite fast; the defaults are exercised by the doctests.
OPTIONS = {
    "exact": {},
    "random": {},
    "sa": {"num_reads": 8, "num_sweeps": 50},
    "cyclic-sa": {"num_reads": 8, "num_sweeps": 50},
    "sqa": {"num_reads": 4, "num_sweeps": 20},
    "dwave": {"num_reads": 8},
}
NAMES = list(OPTIONS)
RANDOM = [n for n in NAMES if n != "exact"]


def make(name: str, **extra):
    opts = {**OPTIONS[name], **extra}
    if name == "dwave" and "sampler" not in opts:
        opts["sampler"] = testing.mock_dwave_sampler()
    return get_finder(name, **opts)


@pytest.fixture(scope="module")
def instances():
    """Dragon landscapes (n <= 14) and random SPIN/BINARY models with odd labels."""
    out = testing.dragon_instances(4, seed=11)
    for i, vt in enumerate(["SPIN", "BINARY"]):
        bqm = testing.random_bqm(9, vt, seed=20 + i, labels=[f"v{j}" for j in range(9)][::-1])
        E = np.unique(SearchProblem(bqm, 0.0).energies)
        tau = float((E[6] + E[7]) / 2)  # midway between levels: no ties with the threshold
        exclude = {"v3": 1} if vt == "SPIN" else {"v0": 0, "v8": 1}
        out.append((bqm, tau, exclude))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_api(name):
    testing.assert_finder_api(make(name))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("max_heads", [1, 4])
def test_heads_are_exact_heads(name, max_heads, instances):
    budget = 40 if name in ("sqa", "dwave") else 200
    found = 0
    for i, (bqm, tau, exclude) in enumerate(instances):
        if name == "sqa" and i in (1, 3):  # OpenJij is slow per read; skip two dragons
            continue
        ss = testing.check_finder_against_exact(
            make(name), bqm, tau, exclude, budget=budget, seed=i, max_heads=max_heads
        )
        found += len(ss)
    assert found > 0, f"{name} found no head on any instance"


@pytest.mark.parametrize("name", NAMES)
def test_no_heads_gives_empty_result(name):
    bqm, _, exclude = testing.dragon_instance(5, 6, 3, seed=4)
    emin = SearchProblem(bqm, 0.0).energies.min()
    ss = testing.check_finder_against_exact(
        make(name), bqm, emin - 1.0, exclude, budget=24, seed=0, max_heads=3
    )
    assert len(ss) == 0
    # With no head to stop at, a sampling finder spends its whole budget.
    assert ss.info["queries"] == (2**bqm.num_variables if name == "exact" else 24)


@pytest.mark.parametrize("name", RANDOM)
@pytest.mark.parametrize("budget", [1, 3, 7, 9, 17])
def test_queries_never_exceed_budget(name, budget):
    bqm = testing.random_bqm(8, seed=budget)
    E = np.sort(SearchProblem(bqm, 0.0).energies)
    ss = make(name).sample(bqm, threshold=float(E[3]), budget=budget, seed=1, max_heads=3)
    assert 1 <= ss.info["queries"] <= budget
    if name != "random":
        assert ss.info["reads_run"] >= ss.info["queries"]
        assert ss.info["num_reads"] == OPTIONS[name]["num_reads"]


@pytest.mark.parametrize("name", ["sa", "cyclic-sa", "sqa", "dwave"])
def test_reads_counted_one_after_another(name):
    # Every state is a head: the first read is one, whatever the batch size.
    bqm = testing.random_bqm(6, seed=3)
    tau = float(SearchProblem(bqm, 0.0).energies.max()) + 1.0
    ss = make(name).sample(bqm, threshold=tau, budget=100, seed=2)
    assert ss.info["queries"] == 1 and len(ss) == 1
    assert ss.info["reads_run"] == OPTIONS[name]["num_reads"]


@pytest.mark.parametrize("name", RANDOM)
def test_same_seed_same_sampleset_other_seed_differs(name):
    bqm, tau, exclude = testing.dragon_instance(6, 9, 3, seed=5, margin=3.0)
    assert SearchProblem(bqm, tau, exclude).marked.sum() > 20  # many heads to choose from

    # A hot schedule leaves SA's final states random (a cold one finds the same deepest head).
    extra = {"beta_range": (0.05, 0.5)} if name in ("sa", "cyclic-sa") else {}

    def run(seed):
        ss = make(name, **extra).sample(
            bqm, threshold=tau, exclude=exclude, budget=40, seed=seed, max_heads=30
        )
        return ss.record.sample.tolist(), ss.record.energy.tolist(), ss.info["queries"]

    first = run(7)
    assert run(7) == first
    assert any(run(s) != first for s in (8, 9, 10))


def test_sa_sampleset_identical_across_calls():
    bqm, tau, exclude = testing.dragon_instance(6, 9, 3, seed=5, margin=1.0)
    f = make("sa")
    a = f.sample(bqm, threshold=tau, exclude=exclude, budget=64, seed=3, max_heads=5)
    b = f.sample(bqm, threshold=tau, exclude=exclude, budget=64, seed=3, max_heads=5)
    assert a.record.sample.tolist() == b.record.sample.tolist()
    assert {k: v for k, v in a.info.items() if k not in ("timing", "wall_s")} == {
        k: v for k, v in b.info.items() if k not in ("timing", "wall_s")
    }


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("budget", [0, -5, 1.5, "10", True])  # None: the default budget
def test_bad_budget(name, budget):
    bqm = testing.random_bqm(3, seed=0)
    with pytest.raises(BudgetError, match="budget"):
        make(name).sample(bqm, threshold=0.0, budget=budget, seed=0)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("seed", "error"), [(1.5, TypeError), ("3", TypeError), (-1, ValueError), (2**40, ValueError)]
)
def test_bad_seed(name, seed, error):
    bqm = testing.random_bqm(3, seed=0)
    with pytest.raises(error, match="seed"):
        make(name).sample(bqm, threshold=0.0, budget=10, seed=seed)


def test_unknown_finder_name():
    with pytest.raises(UnknownNameError, match="unknown finder 'anneal'.*sa"):
        get_finder("anneal")


@pytest.mark.parametrize(
    ("name", "options", "match"),
    [
        ("sa", {"num_reads": 0}, "num_reads"),
        ("sa", {"num_sweeps": 2.5}, "num_sweeps"),
        ("sa", {"beta_range": (5.0, 1.0)}, "beta_range"),
        ("sa", {"beta_range": 3}, "beta_range"),
        ("sa", {"beta_schedule_type": "cubic"}, "beta_schedule_type"),
        ("cyclic-sa", {"restart_sweeps": 0}, "restart_sweeps"),
        ("cyclic-sa", {"restart_beta": -1.0}, "restart_beta"),
        ("sqa", {"gamma": 0.0}, "gamma"),
        ("sqa", {"trotter": 0}, "trotter"),
        ("dwave", {"num_reads": -1}, "num_reads"),
    ],
)
def test_bad_options(name, options, match):
    with pytest.raises(InputError, match=match):
        make(name, **options)


def _no_dwave_account(monkeypatch, tmp_path):
    """No token anywhere, and DWaveSampler fails the test if it is ever built."""
    monkeypatch.delenv("DWAVE_API_TOKEN", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("DWAVE_CONFIG_FILE", str(tmp_path / "missing.conf"))
    import dwave.system

    def no_network(*a, **k):
        raise AssertionError("DWaveSampler must not be built without an account")

    monkeypatch.setattr(dwave.system, "DWaveSampler", no_network)


def test_dwave_without_account(monkeypatch, tmp_path):
    _no_dwave_account(monkeypatch, tmp_path)
    with pytest.raises(AccountError) as err:
        get_finder("dwave")
    msg = str(err.value)
    assert msg == NO_ACCOUNT and "\n" not in msg
    assert "dwave config create" in msg and "DWAVE_API_TOKEN" in msg


def test_dwave_account_that_fails_to_connect(monkeypatch, tmp_path):
    _no_dwave_account(monkeypatch, tmp_path)
    monkeypatch.setenv("DWAVE_API_TOKEN", "not-a-real-token")
    import dwave.system

    def refused(*a, **k):
        raise ConnectionError("no route to host")

    monkeypatch.setattr(dwave.system, "DWaveSampler", refused)
    finder = get_finder("dwave")  # building the finder touches nothing
    bqm = testing.random_bqm(3, seed=0)
    with pytest.raises(AccountError, match="dwave config create.*ConnectionError"):
        finder.sample(bqm, threshold=0.0, budget=4, seed=0)


class _PlainRandom(dimod.Sampler):
    """dimod's RandomSampler behind a plain sampler with no seed parameter; its own seeded
    stream makes it repeatable (an unseeded RandomSampler made a test depend on luck)."""

    parameters = {"num_reads": []}
    properties: dict = {}

    def __init__(self, seed: int = 0) -> None:
        self._rng = np.random.default_rng(seed)

    def sample(self, bqm, num_reads: int = 10, **kw):
        seed = int(self._rng.integers(2**32))
        return dimod.RandomSampler().sample(bqm, num_reads=num_reads, seed=seed)


def test_dwave_any_dimod_sampler():
    # A plain dimod sampler without seed or answer_mode parameters works too.
    f = get_finder("dwave", sampler=_PlainRandom(), num_reads=5)
    bqm, tau, exclude = testing.dragon_instance(4, 5, 2, seed=1, margin=2.0)
    ss = testing.check_finder_against_exact(f, bqm, tau, exclude, budget=23, seed=0, max_heads=50)
    assert ss.info["queries"] <= 23 and ss.info["sampler"] == "_PlainRandom"


@pytest.mark.parametrize("name", ["sa", "cyclic-sa"])
def test_sa_finds_ground_states(name):
    # Only ground states are heads; 16 reads of 200 sweeps find one on nearly every instance.
    hits = 0
    for seed in range(12):
        bqm = testing.random_bqm(12, seed=100 + seed, density=0.6)
        E = SearchProblem(bqm, 0.0).energies
        tau = float(E.min()) + 1e-6
        ss = make(name, num_reads=16, num_sweeps=200).sample(
            bqm, threshold=tau, budget=16, seed=seed
        )
        if len(ss):
            assert np.isclose(ss.first.energy, E.min())
            hits += 1
    assert hits >= 11, f"{name} found the ground state on {hits}/12 instances"


def test_cyclic_sa_restarts_from_best_state():
    bqm = testing.random_bqm(10, seed=2)
    emin = SearchProblem(bqm, 0.0).energies.min()
    ss = make("cyclic-sa").sample(bqm, threshold=emin - 1.0, budget=40, seed=0)
    assert ss.info["restarts"] == 4  # 5 batches of 8 reads: the first from random states
    assert np.isclose(ss.info["best_energy"], emin)  # restarts keep the best state found


def test_sa_core_is_the_samplers_routine():
    """Our direct call equals SimulatedAnnealingSampler with initial_states and a schedule."""
    from dwave.samplers import SimulatedAnnealingSampler

    # The sampler orders initial states by sorted label; use sorted labels so both runs
    # sweep the variables in the same order.
    bqm = testing.random_bqm(10, seed=9, labels=list("abcdefghij"))
    arrays = ising_arrays(SearchProblem(bqm, 0.0))
    betas = np.geomspace(0.2, 3.0, 30)
    init = (2 * np.random.default_rng(0).integers(0, 2, size=(6, 10)) - 1).astype(np.int8)
    kept = init.copy()
    ours, energies = anneal(*arrays[:4], betas, 12345, init)
    assert init.tolist() == kept.tolist()  # the caller's initial states are not overwritten
    ref = SimulatedAnnealingSampler().sample(
        bqm,
        initial_states=(init, list(bqm.variables)),
        beta_schedule_type="custom",
        beta_schedule=betas,
        seed=12345,
        num_reads=6,
    )
    cols = [list(ref.variables).index(v) for v in bqm.variables]
    assert ours.tolist() == ref.record.sample[:, cols].tolist()
    assert np.allclose(energies + arrays[4], ref.record.energy)


@pytest.mark.parametrize("seed", range(5))
def test_default_beta_range_matches_dwave_samplers(seed):
    from dwave.samplers.sa.sampler import default_beta_range as reference

    bqm = testing.random_bqm(9, seed=seed, density=0.3)
    if seed == 0:
        bqm.set_linear(0, 0.0)  # a zero field must not count as the smallest gap
    h, i, j, J, _ = ising_arrays(SearchProblem(bqm, 0.0))
    assert np.allclose(default_beta_range(h, i, j, J), reference(bqm))


def test_sa_handles_binary_models_and_beta_range():
    bqm = testing.random_bqm(8, "BINARY", seed=4)
    tau = float(np.sort(SearchProblem(bqm, 0.0).energies)[2]) + 1e-9
    f = SAFinder(num_reads=4, num_sweeps=30, beta_range=(0.1, 4.0), beta_schedule_type="linear")
    ss = testing.check_finder_against_exact(f, bqm, tau, budget=100, seed=0, max_heads=2)
    assert ss.vartype is dimod.BINARY
    assert ss.info["beta_range"] == [0.1, 4.0] and ss.info["num_sweeps"] == 30


@pytest.mark.parametrize("name", RANDOM)
def test_empty_model(name):
    """A model without variables has one state: the first read shows it (random used to spend
    its whole budget and return nothing)."""
    bqm = dimod.BQM("SPIN")
    ss = make(name).sample(bqm, threshold=1.0, budget=10, seed=0)
    assert len(ss) == 1 and ss.first.energy == 0.0 and ss.info["queries"] == 1
    ss = make(name).sample(bqm, threshold=-1.0, budget=1000, seed=0)  # its one state is no head
    assert len(ss) == 0 and ss.info["queries"] <= OPTIONS[name].get("num_reads", 1)


def test_docs_example_runs(capsys):
    """The python example of docs/finders.md runs and prints what it says."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "finders.md").read_text()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "sa found" in b]
    assert len(blocks) == 1
    exec(compile(blocks[0], "docs/finders.md", "exec"), {})
    out = capsys.readouterr().out
    assert "heads; deepest" in out and "sa found" in out


class _SpinAnswers(dimod.Sampler):
    """A sampler that answers every model in SPIN (some solvers do); seeded by the finder."""

    parameters = {"num_reads": [], "seed": []}
    properties: dict = {}

    def sample(self, bqm, **kw):
        return dimod.RandomSampler().sample(bqm.spin, **kw)


def test_dwave_sampler_answering_in_another_vartype():
    bqm = testing.random_bqm(6, "BINARY", seed=8)
    tau = float(np.sort(SearchProblem(bqm, 0.0).energies)[4]) + 1e-6
    f = get_finder("dwave", sampler=_SpinAnswers(), num_reads=4)
    ss = testing.check_finder_against_exact(f, bqm, tau, {0: 1}, budget=60, seed=0, max_heads=3)
    assert len(ss) > 0 and ss.vartype is dimod.BINARY


@pytest.mark.parametrize("name", ["sa", "cyclic-sa", "sqa", "dwave"])
def test_options_are_properties(name):
    props = make(name).properties
    assert props["name"] == name and props["num_reads"] == OPTIONS[name]["num_reads"]


@pytest.mark.parametrize("name", NAMES)
def test_info_is_json(name):
    import json

    bqm, tau, exclude = testing.dragon_instance(4, 5, 3, seed=2, margin=1.0)
    for t in (tau, -100.0):  # with heads, and with none (no best state for some finders)
        ss = make(name).sample(bqm, threshold=t, exclude=exclude, budget=9, seed=0)
        json.loads(json.dumps(ss.info, allow_nan=False))
