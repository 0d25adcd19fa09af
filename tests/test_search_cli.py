"""The search and amplify commands: JSON output, bitstring order, bad input exits."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import dimod
import numpy as np
import pytest

from grover_train.cli.main import main


def write_bqm(tmp_path, bqm, name="m.json"):
    path = tmp_path / name
    path.write_text(json.dumps(bqm.to_serializable()))
    return str(path)


def run_cli(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture
def toy(tmp_path):
    # unique ground state a=+1, b=-1, c=+1 at energy -3; every other state is >= -1
    bqm = dimod.BQM({"a": -1.0, "b": 1.0, "c": -1.0}, {}, 0.0, "SPIN")
    return bqm, write_bqm(tmp_path, bqm)


def test_amplify_bitstrings_and_p_marked(capsys, toy):
    bqm, path = toy
    theta = math.asin(math.sqrt(1 / 8))
    results = {}
    for backend in ("exact", "statevector"):
        code, out, _ = run_cli(
            capsys,
            [
                "amplify",
                "--bqm",
                path,
                "--threshold",
                "-2",
                "--iterations",
                "2",
                "--backend",
                backend,
                "--json",
            ],
        )
        assert code == 0
        res = last_json(out)
        assert res["p_marked"] == pytest.approx(math.sin(5 * theta) ** 2, abs=1e-12)
        probs = res["probabilities"]
        assert sum(probs.values()) == pytest.approx(1.0, abs=1e-12)
        assert max(probs, key=probs.get) == "101"  # first variable (a) leftmost
        assert probs["101"] == pytest.approx(res["p_marked"], abs=1e-12)
        results[backend] = probs
    for key, p in results["exact"].items():
        assert results["statevector"].get(key, 0.0) == pytest.approx(p, abs=1e-9)


def test_amplify_binary_dqa_matches_across_backends(capsys, tmp_path):
    rng = np.random.default_rng(1)
    bqm = dimod.BQM(
        {i: float(rng.integers(-3, 4)) for i in range(5)},
        {(i, i + 1): float(rng.integers(-3, 4)) for i in range(4)},
        1.0,
        "BINARY",
    )
    path = write_bqm(tmp_path, bqm)
    res = []
    for backend in ("exact", "statevector"):
        code, out, _ = run_cli(
            capsys,
            [
                "amplify",
                "--bqm",
                path,
                "--threshold",
                "-1",
                "--prep",
                "dqa",
                "--steps",
                "4",
                "--iterations",
                "1",
                "--backend",
                backend,
                "--json",
            ],
        )
        assert code == 0
        res.append(last_json(out))
    # the reported marked set agrees with the energies of the bitstrings
    marked = 0.0
    for bits, p in res[0]["probabilities"].items():
        sample = {v: int(b) for v, b in zip(bqm.variables, bits, strict=True)}
        if bqm.energy(sample) < -1:
            marked += p
        assert res[1]["probabilities"][bits] == pytest.approx(p, abs=1e-9)
    assert marked == pytest.approx(res[0]["p_marked"], abs=1e-12)


@pytest.mark.parametrize("schedule", ["bbht", "dh", "fixed-point"])
def test_search_json(capsys, toy, schedule):
    bqm, path = toy
    code, out, _ = run_cli(
        capsys,
        [
            "search",
            "--bqm",
            path,
            "--threshold",
            "-2",
            "--schedule",
            schedule,
            "--seed",
            "3",
            "--budget",
            "100",
            "--json",
        ],
    )
    assert code == 0
    res = last_json(out)
    for key in (
        "found",
        "sample",
        "energy",
        "queries",
        "circuits",
        "shots",
        "num_qubits",
        "wall_s",
    ):
        assert key in res
    assert res["found"] and res["sample"] == "101" and res["energy"] == -3.0
    assert 0 < res["queries"] <= 100 and res["num_qubits"] == 3


def test_search_dh_without_threshold_finds_ground_state(capsys, tmp_path):
    rng = np.random.default_rng(4)
    n = 10
    Q = {(i, j): float(rng.integers(-10, 11)) for i in range(n) for j in range(i, n)}
    bqm = dimod.BQM.from_qubo(Q)
    path = write_bqm(tmp_path, bqm)
    code, out, _ = run_cli(capsys, ["search", "--bqm", path, "--seed", "1", "--json"])
    assert code == 0
    res = last_json(out)
    ground = dimod.ExactSolver().sample(bqm).first.energy
    assert res["energy"] == ground and res["threshold"] is None
    sample = {v: int(b) for v, b in zip(bqm.variables, res["sample"], strict=True)}
    assert bqm.energy(sample) == ground
    assert res["queries"] <= math.ceil(22.5 * 2**5)


def test_same_seed_same_output(capsys, tmp_path):
    bqm = dimod.generators.ran_r(1, 9, seed=2)
    path = write_bqm(tmp_path, bqm)
    argv = [
        "search",
        "--bqm",
        path,
        "--threshold",
        "-6",
        "--schedule",
        "bbht",
        "--seed",
        "7",
        "--json",
    ]
    outs = []
    for _ in range(2):
        res = last_json(run_cli(capsys, argv)[1])
        res.pop("wall_s")
        outs.append(res)
    assert outs[0] == outs[1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["amplify", "--threshold", "nan", "--iterations", "1"], "finite"),
        (["search", "--threshold", "inf"], "finite"),
        (["search", "--threshold=-inf", "--schedule", "dh"], "finite"),
        (["amplify", "--threshold", "0", "--iterations", "0"], "positive"),
        (["amplify", "--threshold", "0", "--iterations", "-2"], "positive"),
        (
            ["amplify", "--threshold", "0", "--iterations", "1", "--backend", "nope"],
            "unknown backend",
        ),
        (["search", "--threshold", "0", "--backend", "nope"], "unknown backend"),
        (["search", "--schedule", "bbht"], "--threshold is required"),
        (
            ["amplify", "--threshold", "0", "--iterations", "1", "--prep", "dqa", "--steps", "0"],
            "steps",
        ),
        (["search", "--threshold", "0", "--budget", "0"], "budget"),
    ],
)
def test_bad_input_exits_2(capsys, toy, argv, message):
    _, path = toy
    code, out, err = run_cli(capsys, [*argv, "--bqm", path, "--json"])
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_bad_files_and_too_large(capsys, tmp_path):
    missing = str(tmp_path / "nope.json")
    code, _, err = run_cli(
        capsys, ["amplify", "--bqm", missing, "--threshold", "0", "--iterations", "1"]
    )
    assert code == 2 and "not found" in err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = run_cli(capsys, ["search", "--bqm", str(bad), "--threshold", "0"])
    assert code == 2 and "not JSON" in err
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"hello": 1}))
    code, _, err = run_cli(capsys, ["search", "--bqm", str(wrong), "--threshold", "0"])
    assert code == 2 and "serialized BQM" in err
    # statevector holds 2^n amplitudes (limit 26); exact streams uniform searches (limit 36)
    for backend, n in (("exact", 37), ("statevector", 27)):
        big = write_bqm(tmp_path, dimod.BQM({i: 1.0 for i in range(n)}, {}, 0.0, "SPIN"), "big")
        for cmd in (
            ["search", "--threshold", "0"],
            ["amplify", "--threshold", "0", "--iterations", "1"],
        ):
            code, _, err = run_cli(capsys, [*cmd, "--bqm", big, "--backend", backend])
            assert code == 2 and str(n) in err and "qubits" in err


def test_unknown_schedule_is_a_usage_error(capsys, toy):
    _, path = toy
    with pytest.raises(SystemExit) as exc:
        main(["search", "--bqm", path, "--schedule", "fast"])
    assert exc.value.code == 2


def test_console_script_last_line_is_json(toy):
    _, path = toy
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "grover_train.cli.main",
            "search",
            "--bqm",
            path,
            "--threshold",
            "-2",
            "--seed",
            "0",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert last_json(proc.stdout)["sample"] == "101"
