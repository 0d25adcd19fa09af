"""Local readouts (the default training of deep networks): windows, landscapes, heads and the
cut, checked against brute-force enumeration on tiny networks; the validation split."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from readout_nets import (
    assert_cut_is,
    layer_window,
    local_energy,
    record_step_ends,
    small_digits,
    small_options,
    tiny,
    window_heads,
)

from grover_train.data.datasets import load_dataset, split_validation
from grover_train.errors import DatasetError, InputError
from grover_train.finders import get_finder
from grover_train.model import deep
from grover_train.model.network import DragonNetwork, one_hot_spins
from grover_train.train import readouts as ro
from grover_train.train.options import HeadCuttingOptions
from grover_train.train.problems import sample_problems
from grover_train.train.run import train_model


def _spins(rng, n):
    return rng.choice([-1.0, 1.0], size=n)


def _all(n):
    return [np.array(s, dtype=float) for s in itertools.product([-1, 1], repeat=n)]


def test_readout_windows_are_one_layer_each_and_cover_every_unit_once():
    for hidden, C, mq in [
        ([32, 32, 32], 10, 24),
        ([8, 8], 3, 16),
        ([5, 2, 7], 2, 6),
        ([4, 4], 2, None),
    ]:
        plan = deep.plan_windows(hidden, C, mq, shape="readouts")
        counts = [np.zeros(h, dtype=int) for h in hidden]
        for w in plan:
            assert len(w.blocks) == 1 and (mq is None or w.num_spins <= mq)
            layer, a, b = w.blocks[0]
            counts[layer][a:b] += 1
        assert all(np.all(c == 1) for c in counts)
        layers = [ro.window_layer(w) for w in plan]
        assert layers == sorted(layers, reverse=True)  # top-down
    # one hidden layer: exactly the layer windows
    assert deep.plan_windows([32], 10, 24, "readouts") == deep.plan_windows([32], 10, 24)


@pytest.mark.parametrize("blocks", [None, 5])
def test_window_landscape_threshold_and_heads_against_enumeration(blocks):
    """Windows smaller than their readout block (one readout per layer, blocks=None) and
    windows that are their block (one readout per window block, the default)."""
    rng = np.random.default_rng(1)
    net, r = tiny(2, hidden=(3, 4, 3), max_qubits=blocks)
    checked = 0
    for _ in range(6):
        x, k = _spins(rng, 4), int(rng.integers(3))
        for p in sample_problems(
            net, x, k, margin=0.8, max_qubits=5, windows="readouts", readouts=r
        ):
            layer = p.layer
            assert p.num_variables <= 5 and ro.window_layer(p.window) == layer
            (lay, a, b) = p.window.blocks[0]
            g = r.block(lay, a, b) if layer < net.num_layers - 1 else 0
            if blocks is not None and layer < net.num_layers - 1:
                assert r.blocks[lay][g] == (a, b)  # the window is its readout block
            # lower layers: the forward pass
            fwd = net.forward(x[None])
            for m in range(layer):
                assert np.array_equal(p.positive.hidden[m], fwd[m + 1][0])
            # threshold: brute-force min over layer `layer` with y = e_k, lower layers forward
            e = one_hot_spins(np.array([k]), 3)[0]
            Eplus = min(
                local_energy(net, r, layer, x, [*p.positive.hidden[:layer], h], e, g)
                for h in _all(net.hidden[layer])
            )
            assert p.threshold == pytest.approx(Eplus + 0.8)
            # the direct construction equals the generic window landscape of A_layer
            sub = ro.layer_net(net, r, layer, None if layer == net.num_layers - 1 else g)
            assert p.bqm == deep.window_bqm(sub, x, p.window, p.positive.hidden)
            # every window state: the bqm energy is E_l of the completed configuration
            for s in _all(p.num_variables):
                hs = [h.copy() for h in p.positive.hidden]
                hs[lay][a:b] = s[: b - a]
                E = local_energy(net, r, layer, x, hs, s[b - a :], g)
                assert p.bqm.energy(dict(enumerate(s))) == pytest.approx(E)
            # every head found is a head of A_layer's whole landscape (polished or not)
            ss = get_finder("exact").sample(
                p.bqm, threshold=p.threshold, exclude=p.exclude, budget=256, max_heads=64
            )
            for fc in p.to_full(ss.record.sample):
                assert not np.array_equal(fc.y, e)
                assert local_energy(net, r, layer, x, fc.hidden, fc.y, g) < p.threshold
                for m in range(layer):  # the layers below are not touched
                    assert np.array_equal(fc.hidden[m], fwd[m + 1][0])
                if layer == net.num_layers - 1:  # the last layer: heads of the whole network
                    assert (
                        deep.config_energy(net, x, fc.hidden, fc.y)
                        < deep.clamped_energy(net, x, k) + 0.8
                    )
                checked += 1
    assert checked > 20


def _numeric_cut(net, r, layer, x, positive, heads, get, block=0):
    """-d/dtheta [E_l(positive) - mean_S E_l(head)] for the parameter array ``get`` selects,
    E_l the energy of the local network of readout block ``block``."""

    def gap(n, rr):
        pos = local_energy(n, rr, layer, x, positive.hidden, positive.y, block)
        heads_E = [local_energy(n, rr, layer, x, h.hidden, h.y, block) for h in heads]
        return pos - np.mean(heads_E)

    out = np.zeros_like(get(net, r))
    for idx in np.ndindex(out.shape):
        V2, d2 = [v.copy() for v in r.V], [v.copy() for v in r.d]
        n2, r2 = net.copy(), ro.Readouts(V2, d2, r.blocks)
        get(n2, r2)[idx] += 1.0  # the energy is linear in every parameter: exact difference
        out[idx] = -(gap(n2, r2) - gap(net, r))
    return out


@pytest.mark.parametrize("middle, blocks", [(1.0, None), (0.25, None), (1.0, 5)])
def test_local_cut_is_the_gradient_of_the_energy_gap_by_brute_force(middle, blocks):
    """The update equals -d/dtheta [E_l(positive) - mean_S E_l(head)] for every parameter of
    the whole network and of the readouts, computed by finite differences of the definition
    (times the middle layer's weighting), with one readout per layer and one per window
    block (``blocks``: the block's local network; the other blocks' readouts do not move)."""
    rng = np.random.default_rng(3)
    net, r = tiny(4, hidden=(3, 2, 3), max_qubits=blocks)
    r.options = ro.ReadoutOptions(middle_weight=middle)
    for t in range(2 * net.num_layers):
        layer = t % net.num_layers
        x, k = _spins(rng, 4), int(rng.integers(3))
        p = layer_window(net, r, x, k, layer, max_qubits=blocks, step=t)
        heads = window_heads(net, r, p)
        assert heads
        (_, a, b) = p.window.blocks[0]
        g = r.block(layer, a, b) if layer < net.num_layers - 1 else 0
        (dW, db, dU, dc), aux = ro.local_delta(net, r, layer, x, p.positive, heads, (a, b))

        def numeric(get, layer=layer, x=x, p=p, heads=heads, g=g):
            # times the readout weighting of the layer (1 for the first and the last)
            w = ro.layer_weight(layer, net.num_layers, middle)
            return w * _numeric_cut(net, r, layer, x, p.positive, heads, get, g)

        assert_cut_is((dW, db, dU, dc), aux, numeric, net.num_layers)
        # only the window's own layer (and its readout) moves
        assert all(not dW[m].any() for m in range(net.num_layers) if m != layer)
        assert dW[layer].any()


def test_readout_blocks_are_the_window_blocks_and_old_files_load_as_one_block():
    assert ro.readout_blocks([32, 32, 32], 10, 24) == [[(0, 11), (11, 21), (21, 32)]] * 2
    assert ro.readout_blocks([32, 32, 32], 10, None) == [[(0, 32)]] * 2
    net, r = tiny(0, hidden=(4, 4), max_qubits=5)  # 2 units + 3 outputs per window
    assert r.blocks == [[(0, 2), (2, 4)]] and r.d[0].shape == (2, 3)
    back = ro.Readouts.from_json(json.loads(json.dumps(r.to_json())))
    assert back.blocks == r.blocks and np.array_equal(back.d[0], r.d[0])
    old = ro.Readouts.from_json({"V": [r.V[0].tolist()], "d": [[0.5, 0.25, 0.0]]})
    assert old.blocks == [[(0, 4)]] and old.d[0].tolist() == [[0.5, 0.25, 0.0]]
    # the committee of the blocks: its clamped energy is the sum of the blocks' (up to a
    # constant of the sample), so both give the same classes
    X = np.array([[1.0, -1.0, 1.0, 1.0], [-1.0, -1.0, 1.0, -1.0]])
    parts = sum(ro.layer_net(net, r, 0, g).clamped_energies(X) for g in range(2))
    whole = ro.layer_net(net, r, 0).clamped_energies(X)
    gap = parts - whole
    assert np.allclose(gap, gap[:, :1])
    with pytest.raises(ValueError, match="one row per block"):
        ro.Readouts(r.V, [np.zeros(3)], r.blocks)


def test_finish_phase_searches_only_the_last_layer():
    plan = deep.plan_windows([8, 8, 8], 3, 7, shape="readouts")  # 2 windows per layer
    early = {ro.window_layer(ro.scheduled_window(plan, t, 3, phase=0.5)) for t in range(12)}
    late = {ro.window_layer(ro.scheduled_window(plan, t, 3, phase=0.95)) for t in range(12)}
    assert early == {0, 1, 2} and late == {2}
    assert ro.ReadoutOptions().finish > 0  # the default finishes with the last layer


def test_greedy_schedule_searches_one_layer_per_third_bottom_up():
    greedy = ro.ReadoutOptions(greedy=True, finish=0.0)
    plan = deep.plan_windows([8, 8, 8], 3, 7, shape="readouts")  # 2 windows per layer
    for phase, layer in [(0.1, 0), (0.5, 1), (0.9, 2)]:
        seen = {ro.scheduled_window(plan, t, 3, phase=phase, options=greedy).name for t in range(4)}
        assert {ro.window_layer(w) for w in plan if w.name in seen} == {layer}
        assert len(seen) == 2  # both windows of the layer, in turn


def test_one_layer_readouts_training_is_layer_training():
    ds = load_dataset("teacher", seed=0, teacher_sizes=(8, 4, 2), num_samples=80)
    kw = dict(hidden=[5], budget=1200, seed=1, progress=False)
    a = train_model(ds, HeadCuttingOptions("sa", max_qubits=5, windows="layers"), **kw)
    b = train_model(ds, HeadCuttingOptions("sa", max_qubits=5, windows="readouts"), **kw)
    assert np.array_equal(a.net.W[0], b.net.W[0]) and np.array_equal(a.net.U, b.net.U)
    assert "readouts" not in b.net.meta["train_state"]


def test_deep_readouts_training_learns_every_layer_and_resumes_exactly(monkeypatch):
    # the finish phase is relative to the command's budget: without it a resumed run to a
    # larger budget is the uninterrupted run
    ds, kw = small_digits()
    kw["options"] = small_options(readouts=ro.ReadoutOptions(finish=0.0))
    ends = record_step_ends(monkeypatch)  # a resume starts at a step's end
    full = train_model(ds, budget=3000, **kw)
    middle = min(ends, key=lambda q: abs(q - 1500))
    # two blocks of 3 units of a 6-unit layer + 3 outputs
    assert full.summary["windows"] == "readouts" and full.summary["max_qubits_used"] == 6
    start = deep.identity_init(DragonNetwork.random(16, [6, 6], 3, seed=0))
    assert full.summary["test_accuracy"] > start.accuracy(ds.X_test, ds.y_test)
    saved = full.net.meta["train_state"]["readouts"]
    assert np.asarray(saved["V"][0]).shape == (3, 6)
    # one readout per window block: two blocks, two rows of biases
    assert saved["blocks"] == [[[0, 3], [3, 6]]] and np.asarray(saved["d"][0]).shape == (2, 3)
    half = train_model(ds, budget=middle, **kw)
    back = train_model(ds, budget=3000, init=half.net, resume=True, **kw)
    for a, b in zip(full.net.W, back.net.W, strict=True):
        assert np.allclose(a, b)
    assert np.allclose(back.net.meta["train_state"]["readouts"]["V"][0], saved["V"][0])
    # the run says how it was trained (summary and saved state: every option), and a resume
    # without readout options continues with those
    assert full.summary["readout_options"]["finish"] == 0.0 and saved["options"]["finish"] == 0.0
    recorded = full.net.meta["train_state"]["options"]
    assert recorded == {**kw["options"].to_dict(), "readouts": full.summary["readout_options"]}
    assert recorded["max_qubits"] == 7 and recorded["finder"] == "sa"
    quiet = {**kw, "options": small_options()}
    again = train_model(ds, budget=3000, init=half.net, resume=True, **quiet)
    for a, b in zip(full.net.W, again.net.W, strict=True):
        assert np.allclose(a, b)
    assert again.net.meta["train_state"]["options"] == recorded  # restored from the saved run
    other = small_options(readouts={})
    with pytest.raises(InputError, match="readout options differ"):
        train_model(ds, budget=3000, init=half.net, resume=True, **{**kw, "options": other})
    # a resume under another --max-qubits would search windows that are in no readout block
    wider = small_options(readouts=ro.ReadoutOptions(finish=0.0), max_qubits=5)
    with pytest.raises(InputError, match="--max-qubits 5 differs from the 7 the run being"):
        train_model(ds, budget=3000, init=half.net, resume=True, **{**kw, "options": wider})


def test_validation_split_is_stratified_disjoint_and_seeded():
    ds = load_dataset("digits", seed=0)
    a, b, c = (split_validation(ds, 0.15, s) for s in (0, 0, 1))
    assert np.array_equal(a.X_val, b.X_val) and not np.array_equal(a.X_val, c.X_val)
    assert len(a.y_val) + len(a.y_train) == len(ds.y_train)
    assert np.array_equal(a.X_test, ds.X_test)
    rows = {r.tobytes() for r in ds.X_train}
    assert len({r.tobytes() for r in a.X_val} | {r.tobytes() for r in a.X_train}) <= len(rows)
    share = np.bincount(a.y_val, minlength=10) / np.bincount(ds.y_train, minlength=10)
    assert np.all(np.abs(share - 0.15) < 0.03)
    with pytest.raises(DatasetError, match="--validation-fraction must be in"):
        split_validation(ds, 1.0, 0)


def test_cli_reports_validation_accuracy_and_refuses_a_bad_fraction(tmp_path, capsys):
    from grover_train.cli.main import main

    args = ["train", "--dataset", "digits", "--pool", "--classes", "0,1,2", "--hidden", "4,4"]
    args += ["--max-qubits", "6", "--finder", "sa", "--budget", "300", "--seed", "0"]
    tune = ["--validation-fraction", "0.15"]
    assert main([*args, *tune, "--out", str(tmp_path / "r"), "--json", "--no-progress"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["windows"] == "readouts" and out["max_qubits_used"] == 5  # 2 of 4 units + y
    assert 0 <= out["validation_accuracy"] <= 1 and out["validation_size"] > 0
    assert main([*args, "--validation-fraction", "1.5", "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--validation-fraction" in err
    assert not (tmp_path / "s").exists()


def test_runs_saved_before_block_readouts_resume_as_they_were_trained(monkeypatch):
    """A saved state without "blocks" (one readout per layer, 1-D biases) resumes under the
    same --max-qubits as one readout per layer, exactly the run it was."""
    ds, kw = small_digits()
    ends = record_step_ends(monkeypatch)
    kw["options"] = small_options(readouts={"finish": 0.0, "block_readouts": False})
    full = train_model(ds, budget=2000, **kw)
    half = train_model(ds, budget=min(ends, key=lambda q: abs(q - 1000)), **kw)
    saved = half.net.meta["train_state"]["readouts"]
    assert saved["blocks"] == [[[0, 6]]]
    half.net.meta["train_state"]["readouts"] = {"V": saved["V"], "d": [saved["d"][0][0]]}
    kw["options"] = small_options(readouts={"finish": 0.0})  # default blocks: the file decides
    back = train_model(ds, budget=2000, init=half.net, resume=True, **kw)
    for a, b in zip(full.net.W + [full.net.U], back.net.W + [back.net.U], strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize(
    "saved, words",
    [
        ({"d": [[0.0] * 3]}, "'V'"),
        ({"V": [[[0.0] * 4] * 3], "d": [[0.0] * 3], "blocks": [[[0, 2], [2, 4]]]}, "one row"),
        ({"V": [[[0.0] * 4] * 3], "d": [[[0.0] * 3]], "blocks": [[[0]]]}, "unpack"),
        ({"V": [[[0.0] * 5] * 3], "d": [[0.0] * 3]}, "another network"),
    ],
)
def test_unreadable_saved_readouts_are_a_model_file_error(saved, words):
    from grover_train.errors import ModelFileError

    with pytest.raises(ModelFileError, match="cannot be used") as err:
        ro.check_resume_blocks(saved, [4, 4], 3, None)
    assert words in str(err.value)


def test_cli_refuses_to_resume_readouts_under_another_max_qubits(tmp_path, capsys):
    from grover_train.cli.main import main

    args = ["train", "--dataset", "digits", "--pool", "--classes", "0,1,2", "--hidden", "4,4"]
    args += ["--finder", "sa", "--seed", "0", "--no-progress", "--out", str(tmp_path / "r")]
    assert main([*args, "--budget", "200", "--max-qubits", "5"]) == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "r").iterdir() if p.is_file()}
    capsys.readouterr()
    more = [*args, "--budget", "400", "--resume"]
    assert main([*more, "--max-qubits", "7"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--max-qubits 7 differs from the 5 the run in" in err
    assert "drop --max-qubits to continue with it" in err
    after = {p.name: p.read_bytes() for p in (tmp_path / "r").iterdir() if p.is_file()}
    assert after == before  # nothing written
    assert main([*more, "--max-qubits", "5"]) == 0


def test_the_comparison_runs_are_the_train_commands(tmp_path, capsys):
    """A stored run of the deep comparison is the `grover-train train` command of the same
    method and seed (same split, initial weights, options), so its numbers are the command's."""
    from grover_train.cli.main import main
    from grover_train.studies.deep_comparison import run_deep_comparison

    args = ["train", "--dataset", "digits", "--pool", "--classes", "0,1,2", "--hidden", "6,6,6"]
    args += ["--max-qubits", "7", "--finder", "sa", "--budget", "1500", "--seed", "1"]
    args += ["--validation-fraction", "0.15"]  # the comparison tunes on this split
    assert main([*args, "--out", str(tmp_path / "r"), "--json", "--no-progress"]) == 0
    cli = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    [run] = run_deep_comparison(
        tmp_path / "c",
        methods=["sa (windows)"],
        budget=1500,
        seeds=[1],
        data={"classes": [0, 1, 2], "pool": True},
        hidden=(6, 6, 6),
        max_qubits=7,
    )
    for key in ("test_accuracy", "validation_accuracy", "queries", "max_qubits_used"):
        assert run[key] == cli[key], key
