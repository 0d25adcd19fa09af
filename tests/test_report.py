"""The report from a small store: files, keys, recovered exponents, and the CLI errors."""

import json

import numpy as np
import pytest

from grover_train.cli.main import main
from grover_train.errors import InputError
from grover_train.reporting.report import write_report
from grover_train.runs.runners import RunOutput
from grover_train.runs.store import Store
from grover_train.studies.base import Study
from grover_train.studies.capped_training import FINDER_LABELS
from grover_train.studies.search_level import run_search_spec

TRUE_ALPHA = {
    "backprop": 0.78,
    "random": 0.5,
    "sa": 1.0,
    "sqa": 1.0,
    "grover-uniform": 0.9,
    "grover-dqa": 1.8,
}


def _train_spec(label, seed):
    if label.startswith("grover-"):
        return {"kind": "train", "finder": "grover", "prep": label.split("-")[1], "seed": seed}
    return {"kind": "train", "finder": label, "seed": seed}


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("store") / "results.sqlite"
    store = Store(path)
    for family, n, extra in [
        ("sk", 6, {"heads": 2}),
        ("sk", 9, {"heads": 2}),
        ("sk", 12, {"heads": 2}),
        ("sk", 14, {"heads": 2}),
        ("dragon", 12, {"stage": "late"}),
    ]:
        spec = {
            "kind": "search",
            "family": family,
            "n": n,
            "seed": 0,
            "searches": 24,
            "anneal_searches": 0,
            **extra,
        }
        store.record(spec, run_search_spec(spec))
    rng = np.random.default_rng(0)
    for label, alpha in TRUE_ALPHA.items():
        for seed in range(4):
            C = np.unique(np.logspace(1, 5, 40).astype(int))
            eps = 0.8 * (C / 10.0) ** -rng.normal(alpha, 0.03) * np.exp(rng.normal(0, 0.05, 40))
            metrics = [
                {"step": i, "queries": int(c), "train_error": float(e)}
                for i, (c, e) in enumerate(zip(C, np.minimum(eps, 1), strict=True))
            ]
            store.record(_train_spec(label, seed), RunOutput({"queries": int(C[-1])}, metrics))
    store.close()
    return path


def test_report_writes_all_files_and_keys(store_path, tmp_path):
    res = write_report(store_path, tmp_path / "out", num_boot=200)
    out = tmp_path / "out"
    for name in ("report.md", "exponents.json", "search_scaling.png", "training_scaling.png"):
        assert (out / name).stat().st_size > 0
    assert (out / "search_scaling.png").read_bytes()[:4] == b"\x89PNG"
    exp = json.loads((out / "exponents.json").read_text())
    for key in (
        "search.coherent_slope",
        "search.classical_slope",
        "search.ratio",
        "search.coherent_slope_ci",
        "search.classical_slope_ci",
        "search.ratio_ci",
        "paper.backprop",
        "paper.annealing",
        "paper.coherent_max_factor",
    ):
        assert key in exp
    assert exp["paper.backprop"] == 0.78 and exp["paper.annealing"] == 1.01
    for label in FINDER_LABELS:
        alpha, (lo, hi) = exp[f"training.{label}.alpha"], exp[f"training.{label}.ci"]
        assert abs(alpha - TRUE_ALPHA[label]) < 0.06, label
        assert lo <= alpha <= hi
    # search slopes from 5 landscapes: classical ~1, coherent ~1/2 (loose: few searches)
    assert 0.8 < exp["search.classical_slope"] < 1.2
    assert 0.3 < exp["search.coherent_slope"] < 0.7
    lo, hi = exp["search.ratio_ci"]
    assert lo <= exp["search.ratio"] <= hi
    # paired by seed on the common eps range of both finders: the true ratio 1.8 / 1.0
    ratio, (lo, hi) = (
        exp["training.grover-dqa.ratio_vs_sqa"],
        exp["training.grover-dqa.ratio_vs_sqa_ci"],
    )
    assert lo <= ratio <= hi and ratio == pytest.approx(1.8, abs=0.15)
    assert res["files"][0].endswith("report.md")


def test_report_text_has_table_and_verdict(store_path, tmp_path):
    write_report(store_path, tmp_path, num_boot=100)
    text = (tmp_path / "report.md").read_text()
    assert "| alpha backprop | 0.78 |" in text
    assert "| alpha sa (annealing) | 1.01 |" in text
    head = "## Capped-budget training runs"
    assert head in text and "reconstruction" in text and "## Search level" in text
    verdict = text.split(head)[1].split("##")[0]
    # grover-uniform / random ~ 1.8 is within 2x; grover-dqa / sqa ~ 1.8 as well
    assert "grover-uniform vs random" in verdict and "'up to 2x'" in verdict


def test_report_cli_prints_json(store_path, tmp_path, capsys):
    assert (
        main(["report", "--store", str(store_path), "--out", str(tmp_path), "--bootstrap", "50"])
        == 0
    )
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert "search.ratio" in json.loads(last)


def test_missing_store_is_an_input_error(tmp_path, capsys):
    missing = tmp_path / "nope.sqlite"
    with pytest.raises(InputError, match="not found"):
        write_report(missing, tmp_path / "out")
    assert main(["report", "--store", str(missing), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "not found" in err and "reproduce" in err and len(err.strip().splitlines()) == 1
    assert not missing.exists()  # the report never creates an empty store


def test_report_of_a_store_without_runs(tmp_path):
    path = tmp_path / "empty.sqlite"
    Store(path).close()
    exp = write_report(path, tmp_path / "out", num_boot=10)
    assert exp["search.coherent_slope"] is None
    assert exp["training.backprop.alpha"] is None
    assert (tmp_path / "out" / "report.md").exists()
    # no search runs: no empty search plot
    assert not (tmp_path / "out" / "search_scaling.png").exists()
    assert not any(f.endswith("search_scaling.png") for f in exp["files"])


#: a replay sweep of two tiny sizes and its validation, small enough for the suite
TINY_REPLAY = [
    {
        "kind": "replay",
        "hidden": h,
        "teacher": [12, h, 3],
        "num_samples": 80,
        "max_epochs": 30,
        "stop_eps": 3 / 64,
        "anneal_every": 3,
        "data_seed": ds,
        "seed": s,
    }
    for h in (3, 4, 5, 6)
    for ds in (0, 1)
    for s in range(3)
]
TINY_VALIDATION = [
    {
        "kind": "train",
        "dataset": "teacher",
        "teacher": [12, 6, 3],
        "num_samples": 60,
        "hidden": 3,
        "margin": 0.0,
        "batch_size": 4,
        "eta": 0.1,
        "eta_decay": 0.2,
        "eta_schedule": "cuts",
        "average": 0,
        "seed": s,
        **f,
    }
    for s in range(3)
    for f in (
        {"finder": "random", "search_budget": 192, "budget": 20000},
        {
            "finder": "grover",
            "backend": "exact",
            "schedule": "bbht",
            "search_budget": 40,
            "budget": 3000,
        },
    )
]


def test_reproduce_is_resumable_and_writes_the_report(tmp_path, monkeypatch, capsys):
    from grover_train.studies import anneal_vs_backprop, replay_study, search_level
    from grover_train.studies import capped_training as training_level
    from grover_train.studies import deep_comparison as windows
    from grover_train.studies import hardware as hardware_report

    hardware = []  # the noise study has its own tests; here only that reproduce calls it
    monkeypatch.setattr(
        hardware_report,
        "hardware_section",
        lambda out, quick=True, reuse=True: hardware.append(quick),
    )

    monkeypatch.setattr(replay_study, "replay_specs", lambda quick=True: TINY_REPLAY)
    monkeypatch.setattr(replay_study, "validation_specs", lambda quick=True: TINY_VALIDATION)
    avb_runs = []  # annealing vs backprop has its own tests; here only that reproduce calls it
    monkeypatch.setattr(
        anneal_vs_backprop, "run_once", lambda out, quick, workers=1: avb_runs.append(quick)
    )
    monkeypatch.setattr(windows, "default_budget", lambda quick=True: 400)
    monkeypatch.setattr(windows, "SEEDS", (0,))
    tiny = [
        {
            "kind": "search",
            "family": "sk",
            "n": n,
            "seed": 0,
            "heads": 2,
            "searches": 8,
            "anneal_searches": 0,
        }
        for n in (6, 8, 10)
    ]
    monkeypatch.setattr(search_level, "search_specs", lambda quick=True, **kw: tiny)
    monkeypatch.setattr(
        training_level,
        "training_specs",
        lambda quick=True, seeds=None: [{"kind": "grover_train.runs.runners:echo", "seed": 0}],
    )
    args = ["reproduce", "--quick", "--out", str(tmp_path), "--no-progress", "--bootstrap", "20"]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert first["sweeps"]["search-level-quick"]["finished"] == 3
    assert first["sweeps"]["replay-quick"]["finished"] == len(TINY_REPLAY)
    assert hardware == [True] and avb_runs == [True]
    assert list(first["timings_s"])[-1] == "report"
    assert first["replay.sizes"] == [6, 7, 8, 9]
    assert first["replay.data_seeds"] == [0, 1] and "teacher" in first["replay.teacher_rule"]
    for n in first["replay.sizes"]:
        if first.get(f"replay.n{n}.ratio_expected") is None:
            assert first[f"replay.n{n}.note"]  # why the size could not be fitted
            continue
        # a seed that cannot be fitted is named with its reason, never dropped silently
        failed = first.get(f"replay.n{n}.failed_seeds", {})
        assert first[f"replay.n{n}.seeds"] + len(failed) == 6 and first[f"replay.n{n}.seeds"] >= 2
        assert all("seed" in why for why in failed.values())
        assert first[f"replay.n{n}.decades"] == pytest.approx(np.log10(0.4 / (3 / 64)))
        for key in ("ratio_expected", "ratio_sampled", "alpha_classical", "a", "model_ratio"):
            assert isinstance(first[f"replay.n{n}.{key}"], float), key
        lo, hi = first[f"replay.n{n}.ratio_expected_ci"]
        assert lo <= first[f"replay.n{n}.ratio_expected"] <= hi
    assert isinstance(first["replay.out_of_sample.hit"], bool | None)
    for key in ("predicted", "predicted_ci", "measured", "measured_ci"):
        assert f"replay.out_of_sample.{key}" in first
    if "size_reading.ratio" in first:
        assert len(first["size_reading.eps_targets"]) == 4
        assert len(first["size_reading.kappa_classical_ci"]) == 2
    for n in first["anneal_vs_grover.sizes"]:
        assert set(first[f"anneal_vs_grover.n{n}.cost_per_cut"]) == {"sa", "classical", "amplified"}
    assert isinstance(first["replay.validation.agrees"], bool)
    assert first["replay.validation.note"]  # tiny runs: the comparison or why it failed
    assert (tmp_path / "results.sqlite").exists() and (tmp_path / "report.md").exists()
    deep = json.loads((tmp_path / "deep_comparison.json").read_text())
    assert deep["budget"] == 400 and set(deep["summary"]) == set(windows.COMPARISON_RUNS)
    report = (tmp_path / "report.md").read_text()
    assert "## Deep networks, a few layers at a time" in report
    for name in windows.COMPARISON_RUNS:  # one row per method, one stored run per seed
        assert f"| {name} | " in report
        assert [r["seed"] for r in deep["runs"] if r["method"] == name] == [0]
    deep_mtime = (tmp_path / "deep_comparison.json").stat().st_mtime_ns
    assert main(args) == 0  # second run: everything is already finished
    second = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert second["sweeps"]["search-level-quick"]["skipped"] == 3
    assert second["sweeps"]["search-level-quick"]["finished"] == 0
    assert second["search.classical_slope"] == first["search.classical_slope"]
    assert "deep-comparison" in second["timings_s"]
    assert (tmp_path / "deep_comparison.json").stat().st_mtime_ns == deep_mtime  # not rerun


@pytest.mark.parametrize(
    "ci, words",
    [
        ((0.5, 0.9), "scales worse"),
        ((0.8, 1.6), "not significantly above 1"),
        ((1.2, 1.9), "'up to 2x' holds here"),
        ((1.5, 3.0), "interval contains 2"),
        ((2.3, 3.0), "exceeds 2"),
    ],
)
def test_verdict_words(ci, words):
    from grover_train.studies.capped_training import training_verdict

    result = {
        "ratios": {"grover-uniform": {"versus": "random", "ratio": sum(ci) / 2, "ci": list(ci)}},
        "orderings": [],
    }
    text = training_verdict(result)
    assert words in text and "random" in text


TOY_STUDY_RUNS: list[str] = []


def _toy_run(ctx):
    TOY_STUDY_RUNS.append(ctx.tag)
    ctx.sweep(f"toy-{ctx.tag}", "grover_train.runs.runners:echo", [{"seed": 3, "queries": 5}])


def _toy_report(ctx):
    from grover_train.studies.base import Section

    runs = ctx.store.runs(sweep="toy-quick", status="finished")
    keys = {"toy.runs": len(runs)}
    return Section("## Toy study\n\nIt ran.\n\n", keys, table="| toy | - | 1 | - |", verdict="Toy.")


TOY_STUDY = Study("toy", "a toy study", _toy_report, _toy_run)


def test_a_study_is_one_module_and_one_registry_line(tmp_path, monkeypatch):
    """A study added to the registry is run by reproduce and shown by the report, with no
    other edit; a skipped one is not run; an unknown name to skip is refused before any work."""
    from grover_train import studies
    from grover_train.errors import UnknownNameError
    from grover_train.reporting.reproduce import reproduce

    monkeypatch.setattr(studies, "STUDIES", {"toy": f"{__name__}:TOY_STUDY"})
    TOY_STUDY_RUNS.clear()
    res = reproduce(tmp_path / "a", progress=False, num_boot=10)
    assert TOY_STUDY_RUNS == ["quick"] and res["toy.runs"] == 1
    assert res["sweeps"]["toy-quick"]["finished"] == 1
    assert "## Toy study" in (tmp_path / "a" / "report.md").read_text()
    assert res["table"].splitlines()[-1] == "| toy | - | 1 | - |" and res["verdict"] == "Toy."
    res = reproduce(tmp_path / "b", progress=False, num_boot=10, skip=["toy"])
    assert TOY_STUDY_RUNS == ["quick"] and res["toy.runs"] == 0
    with pytest.raises(UnknownNameError, match="unknown study to skip 'nope': use one of"):
        reproduce(tmp_path / "c", skip=["nope"])
    assert not (tmp_path / "c").exists()
