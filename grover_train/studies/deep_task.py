"""A task that needs depth (issue 23, item 1): is there a deep teacher whose labels a deep
student trained by backprop fits at least 3x better than every one-hidden-layer student?

The paper's fourth claim (a modest annealer trains a deep network a few layers at a time) can
only be tested on a task where depth helps. The digits comparison
(:mod:`grover_train.studies.deep_comparison`) is a task that does not need depth: one hidden
layer already reaches 0.90-0.93. Here the task is made for depth: labels of a **teacher with
two or three hidden layers** (:class:`TeacherSpec`), random +-1 inputs, 1200 samples (960
train; one teacher of the grid 6000). Three students per teacher, all trained by backprop
(:class:`grover_train.train.backprop.Backprop`) with the same query budget:

- ``deep``: a deep student whose every layer fits a window of 24 qubits with the C outputs
  (layers of at most 20 units, C <= 3), so that item 2 (sa through windows) could train it;
- ``shallow_spins``: one hidden layer with as many hidden spins as the deep student;
- ``shallow_params``: one hidden layer with (about) as many parameters as the deep student.

"Best" student: each student's Adam step size is chosen from :attr:`DeepTaskOptions.etas` on
the search seeds (data never used by the confirmation), by mean training error. The training
error is the project's eps (:meth:`grover_train.train.result.Evaluator.train_errors`: the share
of training samples with a head at margin 0) on the whole training set.

**Search** (:func:`search`): every teacher of the grid on the search seeds; its depth gain is
min(eps_shallow_spins, eps_shallow_params) / eps_deep of the seed means. **Confirmation**
(:func:`confirm`): the teacher with the largest search gain on the confirmation seeds (the data
seed varies with the run seed); per seed the gain (eps floored at half a training sample so that
a perfect fit gives a finite ratio), and its geometric mean with a 95 % t interval (and BCa from
8 seeds, :func:`grover_train.analysis.replay_fit.estimate`) on the log. The gate of item 2 is a
gain of at least :attr:`DeepTaskOptions.gain_threshold`; where the confirmed gain's interval
lies below it, item 2 (the annealer on the task) is not run, and the keys of item 2 are None
(:func:`flat_keys`).

Queries: one sample's forward + backward pass (docs/design.md section 3). Every run records
queries, wall time, seed and options; the result records the package versions.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from grover_train.data.datasets import Dataset, load_dataset
from grover_train.errors import InputError
from grover_train.model.network import DragonNetwork
from grover_train.rng import make_rng

#: file written by :func:`run_deep_task`
JSON_NAME = "deep_task.json"
#: the students of every teacher, in table order
STUDENTS = ("deep", "shallow_spins", "shallow_params")


@dataclass(frozen=True)
class TeacherSpec:
    """A teacher and the deep student trained on its labels.

    Attributes:
        sizes: (D, H_1, ..., H_L, C) of the teacher.
        kind: ``"random"`` (Gaussian weights of variance 1 / fan-in, zero biases:
            ``load_dataset('teacher', teacher_sizes=sizes)``, a new teacher per data seed) or
            ``"inner_product"`` (:func:`inner_product_teacher`: sizes (2m, m, m, 2), inner
            product mod 2 of the two halves of the input, a new pairing and sign pattern per
            data seed).
        student: hidden layers of the deep student.
        num_samples: samples per data seed instead of the options' (a larger training set
            that a one-hidden-layer student cannot memorise).

    >>> TeacherSpec((12, 16, 16, 3)).name, TeacherSpec((12, 6, 6, 2), "inner_product").name
    ('random 12-16-16-3', 'inner product 12-6-6-2')
    """

    sizes: tuple[int, ...]
    kind: str = "random"
    student: tuple[int, ...] = (20, 20)
    num_samples: int | None = None

    @property
    def name(self) -> str:
        kind = "inner product" if self.kind == "inner_product" else self.kind
        n = "" if self.num_samples is None else f", {self.num_samples} samples"
        return f"{kind} {'-'.join(str(int(v)) for v in self.sizes)}{n}"

    @property
    def num_inputs(self) -> int:
        return int(self.sizes[0])

    @property
    def num_classes(self) -> int:
        return int(self.sizes[-1])

    def to_dict(self) -> dict:
        return {"name": self.name, **asdict(self)}


#: the search grid (docs/deep.md, "A task that needs depth"): random teachers of 2-3 hidden
#: layers with wide, narrow and three-layer shapes, and one structured teacher (inner product
#: mod 2, the textbook function a small depth-3 threshold circuit computes and a depth-2 one
#: needs exponentially many units for); every deep student fits 24-qubit windows
TEACHERS: tuple[TeacherSpec, ...] = (
    TeacherSpec((12, 16, 16, 3)),
    TeacherSpec((16, 6, 6, 3)),
    TeacherSpec((16, 8, 8, 8, 3), student=(16, 16, 16)),
    TeacherSpec((20, 20, 20, 3)),
    TeacherSpec((16, 12, 12, 3), num_samples=6000),
    TeacherSpec((12, 6, 6, 2), "inner_product"),
)


@dataclass(frozen=True)
class DeepTaskOptions:
    """Everything that defines the search and the confirmation (recorded with the result).

    Attributes:
        teachers: the search grid.
        num_samples: samples per data seed (80 % train).
        budget: backprop queries per run (the same for every student).
        batch_size: backprop mini-batch.
        etas: Adam step sizes tried per student on the search seeds.
        search_seeds: (data seed = run seed) of the search and step-size choice.
        seeds: (data seed = run seed) of the confirmation: never used by the search.
        gain_threshold: the depth gain item 2 needs.
        max_qubits: window bound of item 2 (every window: a block of one layer + C outputs).
    """

    teachers: tuple[TeacherSpec, ...] = TEACHERS
    num_samples: int = 1200
    budget: int = 150_000
    batch_size: int = 32
    etas: tuple[float, ...] = (0.005, 0.02)
    search_seeds: tuple[int, ...] = (100, 101)
    seeds: tuple[int, ...] = tuple(range(8))
    gain_threshold: float = 3.0
    max_qubits: int = 24

    def to_dict(self) -> dict:
        d = asdict(self)
        d["teachers"] = [t.to_dict() for t in self.teachers]
        return d


def default_options(quick: bool) -> DeepTaskOptions:
    """Full: the whole grid, 150000 queries, 2 step sizes, 8 confirmation seeds. Quick: two
    teachers of 960 training samples (random 16-6-6-3 and the inner product: each run a few
    seconds; the 6000-sample teacher the full search confirms costs several times more),
    50000 queries, step size 0.02, one search seed, 4 confirmation seeds (91 s on the shared
    machine; the full run 961 s, docs/deep.md).

    >>> default_options(True).seeds, len(default_options(False).seeds)
    ((0, 1, 2, 3), 8)
    """
    if not quick:
        return DeepTaskOptions()
    return DeepTaskOptions(
        teachers=(TEACHERS[1], TEACHERS[5]),
        budget=50_000,
        etas=(0.02,),
        search_seeds=(100,),
        seeds=(0, 1, 2, 3),
    )


# ---------------------------------------------------------------- teachers and students


def inner_product_teacher(pairs: int, seed) -> DragonNetwork:
    """A dragon network (2m, m, m, 2) whose class is the inner product mod 2 of the input's
    two halves: class 1 iff an odd number of the m pairs (x_a, x_b) are both +1 (after a
    random sign per input and a random pairing, drawn from ``seed``).

    Layer 1: unit i = AND of pair i, sign(s_a x_a + s_b x_b - 1). Layer 2: thermometer of the
    count n of true ANDs, unit j = +1 iff n >= j (j = 1..m). Readout: U = -+(1/4) a with
    alternating a_j = (-1)^(j+1) and c = +-(1 - sum_j a_j) / 4, so that with |U^T y| = 1/2
    below every field (odd integers) E+(x, 0) - E+(x, 1) = +1 for odd n (class 1), -1 for
    even n (class 0).

    >>> net = inner_product_teacher(3, seed=0)
    >>> net.num_inputs, net.hidden, net.num_classes
    (6, [3, 3], 2)
    """
    m = int(pairs)
    if m < 1:
        raise InputError(f"the inner-product teacher needs at least one pair, got {m}")
    rng = make_rng(seed)
    D = 2 * m
    perm = rng.permutation(D)
    sign = rng.choice([-1.0, 1.0], size=D)
    W1 = np.zeros((m, D))
    for i in range(m):
        a, b = perm[2 * i], perm[2 * i + 1]
        W1[i, a], W1[i, b] = sign[a], sign[b]
    b1 = -np.ones(m)  # +1 only when both (signed) inputs are +1
    j = np.arange(1, m + 1)
    W2 = np.ones((m, m))
    b2 = (m + 1 - 2 * j).astype(float)  # sum h1 = 2n - m: field 2(n - j) + 1, never 0
    a = (-1.0) ** (j + 1)
    small = 0.5  # |U^T y| = 0.5 < |field| >= 1: the closed form reads the signs of layer 2
    U = np.stack([-small * a / 2, small * a / 2])
    # E+(x, 0) - E+(x, 1) = sum_j a_j h2_j - 2 (c_0 - c_1), and sum_j a_j h2_j = 2 odd(n) - A
    # with A = sum_j a_j (0 for even m, 1 for odd m): c_0 - c_1 = (1 - A) / 2 gives 2 odd(n) - 1
    half = (1.0 - a.sum()) / 4
    c = np.array([half, -half])
    return DragonNetwork([W1, W2], [b1, b2], U, c)


def inner_product_labels(X: np.ndarray, net: DragonNetwork) -> np.ndarray:
    """The inner product mod 2 that :func:`inner_product_teacher` ``net`` should compute,
    read off its first layer's pairs (for the tests).

    >>> net = inner_product_teacher(2, seed=1)
    >>> X = np.array([[1.0, 1, 1, 1], [-1, -1, -1, -1]])
    >>> bool(np.all(inner_product_labels(X, net) == net.predict(X)))
    True
    """
    W1 = net.W[0]
    ands = (np.asarray(X) @ W1.T - 1.0) > 0  # both signed inputs +1
    return (ands.sum(axis=1) % 2).astype(int)


def teacher_dataset(spec: TeacherSpec, seed: int, num_samples: int = 1200) -> Dataset:
    """The teacher's labelled data of one data seed (a new teacher per seed), 20 % test.

    >>> ds = teacher_dataset(TeacherSpec((8, 4, 4, 3)), 0, 50)
    >>> ds.meta["teacher_sizes"], len(ds.y_train)
    ([8, 4, 4, 3], 40)
    >>> ds = teacher_dataset(TeacherSpec((6, 3, 3, 2), "inner_product"), 0, 50)
    >>> ds.num_inputs, ds.num_classes
    (6, 2)
    """
    if spec.kind == "random":
        return load_dataset(
            "teacher", seed=int(seed), teacher_sizes=tuple(spec.sizes), num_samples=num_samples
        )
    if spec.kind != "inner_product":
        raise InputError(f"unknown teacher kind {spec.kind!r}: 'random' or 'inner_product'")
    D, m1, m2, C = (int(v) for v in spec.sizes)
    if not (D == 2 * m1 and m1 == m2 and C == 2):
        raise InputError(f"an inner-product teacher has sizes (2m, m, m, 2), got {spec.sizes}")
    rng = make_rng(seed)
    net = inner_product_teacher(m1, int(rng.integers(2**31)))
    X = 2.0 * rng.integers(0, 2, size=(int(num_samples), D)) - 1.0
    y = net.predict(X)
    k = int(round(0.2 * num_samples))
    return Dataset(
        "teacher",
        X[k:],
        y[k:],
        X[:k],
        y[:k],
        [0, 1],
        {"teacher_sizes": list(spec.sizes), "teacher_kind": spec.kind},
    )


def param_count(num_inputs: int, hidden: Sequence[int], num_classes: int) -> int:
    """Weights and biases of a dragon network (W_l, b_l, U, c).

    >>> param_count(12, [20, 20], 3), param_count(12, [46], 3)
    (743, 739)
    """
    fan = [int(num_inputs), *[int(h) for h in hidden]]
    layers = sum((fan[i] + 1) * fan[i + 1] for i in range(len(fan) - 1))
    return layers + int(num_classes) * fan[-1] + int(num_classes)


def student_sizes(spec: TeacherSpec) -> dict[str, list[int]]:
    """Hidden layers of the three students: the deep one, one layer with its hidden spins,
    one layer with (the nearest count to) its parameters.

    >>> student_sizes(TeacherSpec((12, 16, 16, 3)))
    {'deep': [20, 20], 'shallow_spins': [40], 'shallow_params': [46]}
    """
    D, C = spec.num_inputs, spec.num_classes
    deep = [int(h) for h in spec.student]
    P = param_count(D, deep, C)
    return {
        "deep": deep,
        "shallow_spins": [sum(deep)],
        "shallow_params": [max(1, int(round((P - C) / (D + 1 + C))))],
    }


def max_window_spins(hidden: Sequence[int], num_classes: int, max_qubits: int) -> int:
    """The largest window (a block of one layer's units + the C outputs) the default deep
    method (block readouts, ``plan_windows(..., shape="readouts")``) would search.

    >>> max_window_spins([20, 20], 3, 24), max_window_spins([40], 3, 24)
    (23, 23)
    """
    from grover_train.model.deep import plan_windows

    windows = plan_windows(list(hidden), int(num_classes), int(max_qubits), shape="readouts")
    return max(w.num_spins for w in windows)


# ---------------------------------------------------------------- runs


def train_error(
    spec: TeacherSpec, hidden: Sequence[int], eta: float, seed: int, options: DeepTaskOptions
) -> dict:
    """Train one student by backprop on the teacher's data of ``seed`` (data seed = run seed)
    and return its training error eps on the whole training set, with queries, wall time and
    options.

    >>> o = DeepTaskOptions(num_samples=60, budget=300)
    >>> r = train_error(TeacherSpec((6, 3, 3, 2)), [3, 3], 0.02, 0, o)
    >>> r["queries"], 0.0 <= r["eps"] <= 1.0
    (300, True)
    """
    from grover_train.train.options import BackpropOptions
    from grover_train.train.result import Evaluator
    from grover_train.train.run import train_model

    ds = teacher_dataset(spec, seed, spec.num_samples or options.num_samples)
    t0 = time.perf_counter()
    result = train_model(
        ds,
        BackpropOptions(batch_size=int(options.batch_size), eta=float(eta)),
        hidden=list(hidden),
        budget=int(options.budget),
        seed=int(seed),
        progress=False,
        num_evals=2,  # eps is measured below on the whole training set
    )
    eps = Evaluator(ds, eval_size=None, seed=int(seed)).train_errors(result.net)[0]
    return {
        "teacher": spec.name,
        "hidden": [int(h) for h in hidden],
        "eta": float(eta),
        "seed": int(seed),
        "eps": float(eps),
        "train_accuracy": float(result.net.accuracy(ds.X_train, ds.y_train)),
        "num_train": int(len(ds.y_train)),
        "queries": int(result.summary["queries"]),
        "wall_s": round(time.perf_counter() - t0, 3),
        "batch_size": int(options.batch_size),
    }


def search(options: DeepTaskOptions, log=None) -> list[dict]:
    """Every teacher of the grid, every student, every step size, on the search seeds.

    Returns one row per (teacher, student): its chosen step size (lowest mean eps over the
    search seeds), that mean eps, and the runs; plus, per teacher, a row ``student =
    "gain"`` with the depth gains of the seed means (spins, params, and their minimum).
    """
    rows: list[dict] = []
    for spec in options.teachers:
        best: dict[str, dict] = {}
        for student, hidden in student_sizes(spec).items():
            trials = []
            for eta in options.etas:
                runs = [train_error(spec, hidden, eta, s, options) for s in options.search_seeds]
                if log:
                    log(f"{spec.name} {student} {hidden} eta {eta}: {[r['eps'] for r in runs]}")
                trials.append(
                    {"eta": eta, "eps": float(np.mean([r["eps"] for r in runs])), "runs": runs}
                )
            pick = min(trials, key=lambda t: (t["eps"], t["eta"]))
            best[student] = {
                "teacher": spec.name,
                "student": student,
                "hidden": hidden,
                "params": param_count(spec.num_inputs, hidden, spec.num_classes),
                "eta": pick["eta"],
                "eps": pick["eps"],
                "trials": trials,
            }
            rows.append(best[student])
        rows.append({"teacher": spec.name, "student": "gain", **gains(best, floor=_floor(best))})
    return rows


def _floor(best: dict[str, dict]) -> float:
    n = best["deep"]["trials"][0]["runs"][0]["num_train"]
    return 0.5 / n


def gains(eps: dict, floor: float = 0.0) -> dict:
    """Depth gains eps_shallow / eps_deep (each eps floored at ``floor``) against the
    same-spins and the same-parameters student, and the smaller of the two (the gain
    item 2 needs).

    >>> g = gains({"deep": {"eps": 0.01}, "shallow_spins": {"eps": 0.05},
    ...            "shallow_params": {"eps": 0.04}})
    >>> round(g["gain_spins"], 6), round(g["gain_params"], 6), round(g["gain"], 6)
    (5.0, 4.0, 4.0)
    """

    def val(k):
        v = eps[k]["eps"] if isinstance(eps[k], dict) else eps[k]
        return max(float(v), floor)

    d = val("deep")
    if d <= 0:
        return {"gain_spins": float("nan"), "gain_params": float("nan"), "gain": float("nan")}
    gs, gp = val("shallow_spins") / d, val("shallow_params") / d
    return {"gain_spins": gs, "gain_params": gp, "gain": min(gs, gp)}


def confirm(spec: TeacherSpec, etas: dict[str, float], options: DeepTaskOptions, log=None) -> dict:
    """The three students of ``spec`` at their chosen step sizes on the confirmation seeds:
    per seed eps and gains, and the geometric-mean gain with its 95 % t (and BCa from 8
    seeds) interval, computed on the log of the per-seed gains."""
    from grover_train.analysis.replay_fit import estimate

    sizes = student_sizes(spec)
    per_seed = []
    for s in options.seeds:
        runs = {k: train_error(spec, sizes[k], etas[k], s, options) for k in STUDENTS}
        floor = 0.5 / runs["deep"]["num_train"]
        per_seed.append({"seed": int(s), "runs": runs, **gains(runs, floor=floor)})
        if log:
            log(
                f"confirm {spec.name} seed {s}: "
                + ", ".join(f"{k} {runs[k]['eps']:.4f}" for k in STUDENTS)
            )
    out: dict = {"teacher": spec.name, "etas": dict(etas), "per_seed": per_seed}
    for key in ("gain", "gain_spins", "gain_params"):
        logs = [np.log(r[key]) for r in per_seed]
        if len(logs) >= 2:
            e = estimate(logs)
            out[key] = {
                "geo_mean": float(np.exp(e.mean)),
                "ci": [float(np.exp(e.lo)), float(np.exp(e.hi))],
                "bca": None
                if e.bca_lo is None
                else [float(np.exp(e.bca_lo)), float(np.exp(e.bca_hi))],
            }
    for k in STUDENTS:
        v = [r["runs"][k]["eps"] for r in per_seed]
        if len(v) >= 2:
            e = estimate(v)
            out[f"eps_{k}"] = {"mean": e.mean, "ci": [e.lo, e.hi]}
    return out


# ---------------------------------------------------------------- the whole study


def verdict_text(confirmed: dict, threshold: float) -> str:
    """One sentence on item 1's gate (only what the data support).

    >>> c = {"teacher": "t", "per_seed": [0, 1],
    ...      "gain": {"geo_mean": 0.5, "ci": [0.4, 0.6], "bca": None}}
    >>> verdict_text(c, 3.0).startswith("No task that needs depth")
    True
    """
    g = confirmed.get("gain")
    if not g:
        return "No verdict: fewer than 2 confirmation seeds."
    n = len(confirmed["per_seed"])
    lo, hi = g["ci"]
    what = (
        f"on the teacher with the largest search gain ({confirmed['teacher']}) the depth gain "
        "under backprop (the better one-hidden-layer student's training error, same spins or "
        f"same parameters, over the deep student's, same queries) is {g['geo_mean']:.2g} "
        f"[{lo:.2g}, {hi:.2g}] (geometric mean, 95 % t interval, {n} seeds)"
    )
    if lo >= threshold:
        return f"A task that needs depth: {what}, at least {threshold:g}; item 2 can run on it."
    if hi < threshold:
        return (
            f"No task that needs depth at these sizes: {what}, below the {threshold:g} the "
            "annealer test needs, so the annealer was not run on it (item 2)."
        )
    return f"Undecided: {what}; the interval straddles {threshold:g}, the annealer was not run."


def flat_keys(result: dict) -> dict:
    """The keys of exponents.json (``deep.*``); item 2's are None when it was not run.

    >>> c = {"teacher": "t", "per_seed": [0, 1], "spec": {"sizes": [12, 6, 6, 2]},
    ...      "gain": {"geo_mean": 0.5, "ci": [0.4, 0.6], "bca": None}}
    >>> k = flat_keys({"confirmed": c, "verdict": "v", "max_window_spins": 23})
    >>> k["deep.backprop_depth_gain"], k["deep.sa_deep_error"], k["deep.max_qubits_used"]
    (0.5, None, None)
    """
    c = result["confirmed"]
    g = c.get("gain") or {}
    sa = result.get("sa")  # item 2, when it ran
    return {
        "deep.teacher": [int(v) for v in c.get("spec", {}).get("sizes", [])] or None,
        "deep.teacher_name": c.get("teacher"),
        "deep.seeds": len(c.get("per_seed", [])),
        "deep.backprop_depth_gain": g.get("geo_mean"),
        "deep.backprop_depth_gain_ci": g.get("ci"),
        "deep.sa_deep_error": None if sa is None else sa["deep_error"],
        "deep.sa_deep_error_ci": None if sa is None else sa["deep_error_ci"],
        "deep.sa_shallow_error": None if sa is None else sa["shallow_error"],
        "deep.sa_shallow_error_ci": None if sa is None else sa["shallow_error_ci"],
        "deep.alpha_sa": None if sa is None else sa["alpha_sa"],
        "deep.alpha_sa_ci": None if sa is None else sa["alpha_sa_ci"],
        "deep.alpha_backprop": None if sa is None else sa["alpha_backprop"],
        "deep.alpha_backprop_ci": None if sa is None else sa["alpha_backprop_ci"],
        "deep.max_qubits_used": None if sa is None else sa["max_qubits_used"],
        "deep.max_window_spins_planned": result.get("max_window_spins"),
        "deep.verdict": result["verdict"],
    }


def run_study(options: DeepTaskOptions, log=None) -> dict:
    """Search, then confirm the teacher with the largest search gain (item 1)."""
    from grover_train.provenance import versions

    t0 = time.perf_counter()
    rows = search(options, log=log)
    gains_by = {r["teacher"]: r["gain"] for r in rows if r["student"] == "gain"}
    best_name = max(gains_by, key=lambda k: (np.nan_to_num(gains_by[k], nan=-1.0), k))
    spec = next(t for t in options.teachers if t.name == best_name)
    etas = {
        r["student"]: r["eta"]
        for r in rows
        if r["teacher"] == best_name and r["student"] in STUDENTS
    }
    confirmed = confirm(spec, etas, options, log=log)
    confirmed["spec"] = spec.to_dict()
    windows = max(
        max_window_spins(h, t.num_classes, options.max_qubits)
        for t in options.teachers
        for h in student_sizes(t).values()
    )
    if windows > options.max_qubits:
        raise InputError(f"a student's window holds {windows} spins > {options.max_qubits}")
    return {
        "options": options.to_dict(),
        "search": rows,
        "confirmed": confirmed,
        "verdict": verdict_text(confirmed, options.gain_threshold),
        "max_window_spins": int(windows),
        "wall_s": round(time.perf_counter() - t0, 1),
        "versions": versions(),
    }


def run_deep_task(out: str | os.PathLike, quick: bool = True, *, options=None, log=None) -> dict:
    """Run the study (``quick``: :func:`default_options`), write ``deep_task.json`` under
    ``out`` and return the flat ``deep.*`` keys for exponents.json.

    >>> import tempfile
    >>> o = DeepTaskOptions(teachers=(TeacherSpec((6, 3, 3, 2), student=(3, 3)),),
    ...     num_samples=60, budget=200, etas=(0.02,), search_seeds=(9,), seeds=(0, 1))
    >>> k = run_deep_task(tempfile.mkdtemp(), options=o)
    >>> k["deep.seeds"], k["deep.teacher"], k["deep.max_qubits_used"]
    (2, [6, 3, 3, 2], None)
    """
    from grover_train import jsonify

    options = options or default_options(quick)
    result = run_study(options, log=log)
    result["quick"] = bool(quick)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / JSON_NAME).write_text(json.dumps(result, indent=1, default=jsonify.default))
    return flat_keys(result)


def table(result: dict) -> str:
    """The search as a markdown table: mean eps per student (chosen step size) and gains."""
    lines = [
        "| teacher | deep student | eps deep | eps 1-layer same spins | eps 1-layer same params "
        "| gain (spins) | gain (params) |",
        "|---|---|---|---|---|---|---|",
    ]
    by: dict[str, dict] = {}
    for r in result["search"]:
        by.setdefault(r["teacher"], {})[r["student"]] = r
    for name, rs in by.items():
        d, s, p, g = rs["deep"], rs["shallow_spins"], rs["shallow_params"], rs["gain"]
        lines.append(
            f"| {name} | {d['hidden']} (eta {d['eta']}) | {d['eps']:.4f} | "
            f"{s['eps']:.4f} ({s['hidden'][0]}, eta {s['eta']}) | "
            f"{p['eps']:.4f} ({p['hidden'][0]}, eta {p['eta']}) | "
            f"{g['gain_spins']:.2f} | {g['gain_params']:.2f} |"
        )
    return "\n".join(lines)


@dataclass
class _Log:
    lines: list = field(default_factory=list)

    def __call__(self, msg: str) -> None:
        print(msg, flush=True)
        self.lines.append(msg)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m grover_train.studies.deep_task OUT [--quick]``: run and print the table."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    quick = "--quick" in args
    args = [a for a in args if a != "--quick"]
    out = Path(args[0] if args else "deep_task_out")
    keys = run_deep_task(out, quick, log=_Log())
    result = json.loads((out / JSON_NAME).read_text())
    print(table(result))
    print(json.dumps(keys, indent=1))
    return 0


__all__ = [
    "DeepTaskOptions",
    "TEACHERS",
    "TeacherSpec",
    "confirm",
    "default_options",
    "flat_keys",
    "gains",
    "inner_product_teacher",
    "max_window_spins",
    "param_count",
    "run_deep_task",
    "search",
    "student_sizes",
    "teacher_dataset",
    "verdict_text",
]

if __name__ == "__main__":
    raise SystemExit(main())
