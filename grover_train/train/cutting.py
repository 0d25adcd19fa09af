"""Training by cutting heads (design section 2), with any finder.

For each training sample (x, k*) of a mini-batch the finder searches the sample's landscape
(:func:`grover_train.train.problems.sample_problems`) for heads: configurations with another
output than e_k* and energy below tau = E+(x, k*) + kappa. The cut lowers the correct
configuration and raises the heads S found::

    dW_l = eta (h_l+ h_{l-1}+^T - mean_S h_l h_{l-1}^T),   db_l = eta (h_l+ - mean_S h_l)
    dU   = eta (e_k* h_L+^T   - mean_S y h_L^T),          dc   = eta (e_k* - mean_S y)

with h_0 = x. For one hidden layer this is exactly design section 2. The updates of a mini-batch
are averaged (samples without heads contribute zero) and applied together.

Variants used here (documented in docs/training.md): the step size decays as
eta_t = eta / (1 + eta_decay * epochs_done); optional L2 weight decay keeps the energy scale,
and with it the meaning of the margin, bounded; the initial weights are Gaussian with variance
``init_scale / fan_in``; the returned network is the moving average of the weights over about
one epoch of steps (``average``); optional input-spin flips (``input_noise``) augment the data.

Queries (design section 3): the finder's own ``info["queries"]`` plus one energy evaluation per
sample and window for the threshold E+(x, k*). Metrics are measurements and are not counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from grover_train.data.datasets import Dataset
from grover_train.errors import BudgetError, InputError
from grover_train.finders import HeadFinder, check_budget, get_finder
from grover_train.model.deep import identity_init, plan_windows
from grover_train.model.network import DragonNetwork, check_sizes
from grover_train.provenance import versions
from grover_train.rng import check_seed, child_seed
from grover_train.train import readouts as _ro
from grover_train.train.problems import FullConfig, positive_config, sample_problems
from grover_train.train.readouts import Readouts, local_delta
from grover_train.train.result import Evaluator, MetricsWriter, TrainResult

#: defaults tuned on digits (10 classes, --hidden 32, sa); see docs/training.md
DEFAULTS = {
    "batch_size": 32,
    "eta": 0.05,
    "margin": 1.0,
    "max_heads": 1,
    "search_budget": 8,
    "eval_size": 256,
    "eta_decay": 0.0,
    "weight_decay": 0.0,
    "init_scale": 1.0,
    "input_noise": 0.0,
    "average": "epoch",
    "windows": "readouts",
    "eta_schedule": "epochs",
}


def cut_delta(
    net: DragonNetwork, x: np.ndarray, positive: FullConfig, heads: Sequence[FullConfig]
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray, np.ndarray]:
    """The cut direction (dW, db, dU, dc) for one sample, before the step size.

    Returns zeros when ``heads`` is empty.

    >>> net = DragonNetwork.random(3, 2, 2, seed=0)
    >>> x = np.array([1.0, -1.0, 1.0])
    >>> pos = positive_config(net, x, 0)
    >>> dW, db, dU, dc = cut_delta(net, x, pos, [pos])
    >>> float(abs(dU).sum() + abs(dc).sum())
    0.0
    """
    x = np.asarray(x, dtype=float)
    dW = [np.zeros_like(w) for w in net.W]
    db = [np.zeros_like(v) for v in net.b]
    dU, dc = np.zeros_like(net.U), np.zeros_like(net.c)
    if not heads:
        return dW, db, dU, dc
    L = net.num_layers
    pos_h = [x, *[np.asarray(h, dtype=float) for h in positive.hidden]]
    for layer in range(L):
        # mean_S h_l h_{l-1}^T over the heads, with h_0 = x for every head
        hl = np.stack([np.asarray(s.hidden[layer], dtype=float) for s in heads])
        prev = (
            np.broadcast_to(x, (len(heads), x.size))
            if layer == 0
            else np.stack([np.asarray(s.hidden[layer - 1], dtype=float) for s in heads])
        )
        dW[layer] = np.outer(pos_h[layer + 1], pos_h[layer]) - hl.T @ prev / len(heads)
        db[layer] = pos_h[layer + 1] - hl.mean(axis=0)
    hL = np.stack([np.asarray(s.hidden[-1], dtype=float) for s in heads])
    Y = np.stack([np.asarray(s.y, dtype=float) for s in heads])
    y_pos = np.asarray(positive.y, dtype=float)
    dU = np.outer(y_pos, pos_h[-1]) - Y.T @ hL / len(heads)
    dc = y_pos - Y.mean(axis=0)
    return dW, db, dU, dc


def cut(
    net: DragonNetwork,
    x: np.ndarray,
    positive: FullConfig,
    heads: Sequence[FullConfig],
    eta: float,
) -> DragonNetwork:
    """Cut the heads of one sample in place: lower ``positive``, raise ``heads``.

    The energy gap E(head) - E(positive) grows by eta times the squared norm of the
    difference of their sufficient statistics, so a single small step always helps.

    >>> net = DragonNetwork.random(3, 2, 2, seed=0)
    >>> x = np.array([1.0, -1.0, 1.0])
    >>> pos = positive_config(net, x, 0)
    >>> head = FullConfig([-pos.hidden[0]], -pos.y)
    >>> gap = lambda: float(net.energy(x, head.hidden, head.y)[0] - net.energy(
    ...     x, pos.hidden, pos.y)[0])
    >>> before = gap(); _ = cut(net, x, pos, [head], eta=0.1); gap() > before
    True
    """
    dW, db, dU, dc = cut_delta(net, x, positive, heads)
    _apply(net, (dW, db, dU, dc), eta, 0.0)
    return net


def _apply(net: DragonNetwork, delta, eta: float, weight_decay: float) -> None:
    dW, db, dU, dc = delta
    shrink = 1.0 - eta * weight_decay
    for layer in range(net.num_layers):
        net.W[layer] = shrink * net.W[layer] + eta * dW[layer]
        net.b[layer] = net.b[layer] + eta * db[layer]
    net.U = shrink * net.U + eta * dU
    net.c = net.c + eta * dc


def _hidden_list(hidden: int | Sequence[int]) -> list[int]:
    if isinstance(hidden, int | np.integer):
        return [int(hidden)]
    try:
        return [int(h) for h in hidden]
    except (TypeError, ValueError):
        raise InputError(
            f"--hidden must list positive layer sizes, got {hidden!r}: use e.g. "
            "--hidden 32 or --hidden 32,32"
        ) from None


def check_train_options(dataset: Dataset, hidden, budget, seed, **opts) -> list[int]:
    """Validate the options shared by every trainer; return ``hidden`` as a list."""
    hidden = _hidden_list(hidden)
    check_sizes(dataset.num_inputs, hidden, dataset.num_classes)
    check_budget(budget, "--budget")
    check_seed(seed)
    if len(dataset.y_train) == 0:
        raise InputError("the training set is empty: choose more samples or other classes")
    for name in ("batch_size", "max_heads", "search_budget"):
        v = opts.get(name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1):
            raise InputError(f"{name.replace('_', '-')} must be a positive integer, got {v!r}")
    for name in ("eta",):
        v = opts.get(name)
        if v is not None and not (np.isfinite(v) and v > 0):
            raise InputError(f"--eta must be a positive number, got {v!r}")
    for name in ("margin", "eta_decay", "weight_decay"):
        v = opts.get(name)
        if v is not None and not (np.isfinite(v) and v >= 0):
            raise InputError(f"--{name.replace('_', '-')} must be a number >= 0, got {v!r}")
    v = opts.get("eta_schedule")
    if v is not None and v not in ("epochs", "cuts"):
        raise InputError(f"--eta-schedule must be 'epochs' or 'cuts', got {v!r}")
    v = opts.get("average")
    if (
        v is not None
        and v != "epoch"
        and (isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0)
    ):
        raise InputError(f"--average must be an integer number of steps >= 0, got {v!r}")
    v = opts.get("input_noise")
    if v is not None and not (np.isfinite(v) and 0 <= v < 0.5):
        raise InputError(f"--input-noise must be a probability in [0, 0.5), got {v!r}")
    v = opts.get("eval_size")
    if v is not None and (not isinstance(v, int | np.integer) or v < 1):
        raise InputError(f"eval-size must be a positive integer, got {v!r}")
    v = opts.get("max_qubits")
    if v is not None and (not isinstance(v, int | np.integer) or v < 2):
        raise InputError(f"--max-qubits must be an integer >= 2, got {v!r}")
    # too small for the outputs + 1 (or one unit per layer for columns), unknown shape: InputError
    plan_windows(hidden, dataset.num_classes, v, shape=opts.get("windows") or "readouts")
    return hidden


def _resume_state(init: DragonNetwork | None, resume: bool, seed: int) -> dict:
    if not resume:
        return {"queries": 0, "step": 0, "epoch": 0, "pos": 0, "wall_s": 0.0}
    state = dict((init.meta if init is not None else {}).get("train_state") or {})
    if not state:
        raise InputError(
            "the model to resume has no training state: resume only from a "
            "model.npz written by 'grover-train train'"
        )
    if int(state.get("seed", seed)) != seed:
        raise InputError(
            f"seed {seed} differs from the seed {state['seed']} of the run being "
            f"resumed: drop --seed or pass --seed {state['seed']}"
        )
    return state


def _build_finder(finder: str | HeadFinder, finder_options: dict | None) -> HeadFinder:
    if isinstance(finder, HeadFinder):
        return finder
    return get_finder(finder, **dict(finder_options or {}))


def train_model(
    dataset: Dataset,
    *,
    hidden: int | Sequence[int],
    finder: str | HeadFinder,
    finder_options: dict | None = None,
    budget: int,
    seed: int,
    batch_size: int | None = None,
    eta: float | None = None,
    margin: float | None = None,
    max_heads: int | None = None,
    eval_size: int | None = None,
    max_qubits: int | None = None,
    init: DragonNetwork | None = None,
    progress: bool = True,
    metrics_path=None,
    resume: bool = False,
    search_budget: int | None = None,
    eta_decay: float | None = None,
    weight_decay: float | None = None,
    eta_schedule: str | None = None,
    init_scale: float | None = None,
    input_noise: float | None = None,
    average: int | str | None = None,
    windows: str | None = None,
    num_evals: int = 50,
    checkpoint: Callable[[DragonNetwork], None] | None = None,
    checkpoint_every: float = 300.0,
) -> TrainResult:
    """Train a dragon network on ``dataset`` by cutting heads until ``budget`` queries are spent.

    Args:
        dataset: training and test data (:func:`grover_train.data.datasets.load_dataset`).
        hidden: hidden layer sizes, e.g. ``32`` or ``[32, 32]``.
        finder: a finder name (``sa``, ``grover``, ...) or ``"backprop"`` for the baseline.
        finder_options: keyword options of the finder (e.g. ``num_reads``, ``backend``).
        budget: total queries (design section 3), including those of a resumed run.
        seed: one seed for everything (initial weights, batches, finder seeds).
        batch_size: samples per step; their cuts are averaged.
        eta: step size; ``eta_decay`` makes it eta / (1 + eta_decay * epochs done), or with
            ``eta_schedule="cuts"`` eta / (1 + eta_decay * cuts / N): scheduled per cut (a
            sample with a head found), so a finder that misses heads does not burn its decay.
        margin: kappa >= 0; heads are states below E+(x, k*) + kappa with another output.
        max_heads: distinct heads the finder looks for per sample (their cut is averaged).
        eval_size: size of the fixed evaluation subset of the training set for eps.
        max_qubits: largest landscape handed to the finder.
        windows: how deep networks are searched: ``"readouts"`` (default: every hidden layer
            learns from its own label-coupled readout, one-layer windows,
            :mod:`grover_train.train.readouts`), or whole-network head cutting in windows of
            ``"layers"`` or ``"columns"`` (:func:`grover_train.model.deep.plan_windows`). One
            hidden layer: "readouts" is "layers".
        init: starting network (else random); with ``resume`` its ``meta['train_state']``
            says where the run stopped.
        progress: show a tqdm bar on stderr.
        metrics_path: JSONL file receiving one row per evaluated step.
        checkpoint: called with a copy of the network whose ``meta['train_state']`` is where
            the run stands, at most every ``checkpoint_every`` seconds (0: after every step),
            so that a killed run can be resumed from it (``init=..., resume=True``) and then
            gives the network of an uninterrupted run. Head cutting only.
        search_budget: the finder's query budget per sample search.
        average: if > 0, return (and evaluate) the exponential moving average of the weights
            over about this many steps; the finder keeps searching the raw weights. Default
            ``"epoch"``: the number of steps of one epoch; 0 turns averaging off.
        weight_decay: L2 shrinkage of W and U per step (times eta).
        init_scale: variance scale of the random initial weights.
        num_evals: about how many times the metrics are computed: at the first steps, then
            whenever the cumulative queries cross a point of a grid that is half geometric,
            half linear in [1, budget], and at the end (deterministic, so runs are comparable).

    Returns:
        :class:`TrainResult` with the network, per-step metrics and a summary.

    >>> from grover_train.data.datasets import load_dataset
    >>> ds = load_dataset('teacher', seed=0, teacher_sizes=(8, 4, 2), num_samples=60)
    >>> r = train_model(ds, hidden=4, finder='exact', budget=3000, seed=0, progress=False)
    >>> r.summary['queries'] >= 3000, r.metrics[-1]['step'] == r.summary['steps']
    (True, True)
    """
    opts = {
        k: v
        for k, v in dict(
            batch_size=batch_size,
            eta=eta,
            margin=margin,
            max_heads=max_heads,
            eval_size=eval_size,
            search_budget=search_budget,
            eta_decay=eta_decay,
            weight_decay=weight_decay,
            eta_schedule=eta_schedule,
            init_scale=init_scale,
            input_noise=input_noise,
            average=average,
            windows=windows,
        ).items()
        if v is not None
    }
    if finder == "backprop":
        from grover_train.train.backprop import train_backprop

        result = train_backprop(
            dataset,
            hidden=hidden,
            budget=budget,
            seed=seed,
            init=init,
            progress=progress,
            metrics_path=metrics_path,
            resume=resume,
            num_evals=num_evals,
            finder_options=finder_options,
            **{
                k: v
                for k, v in opts.items()
                if k not in ("max_heads", "search_budget", "average", "windows", "eta_schedule")
            },
        )
        result.summary.setdefault("max_qubits_used", 0)  # backprop searches no landscape
        return result
    hidden = check_train_options(dataset, hidden, budget, seed, max_qubits=max_qubits, **opts)
    p = {**DEFAULTS, **opts}
    seed = check_seed(seed)
    state = _resume_state(init, resume, seed)
    finder_obj = _build_finder(finder, finder_options)
    finder_name = getattr(finder_obj, "name", str(finder))

    if init is not None:
        net = init.copy()
        if net.num_inputs != dataset.num_inputs or net.num_classes != dataset.num_classes:
            raise InputError(
                f"the initial model takes {net.num_inputs} inputs and {net.num_classes} "
                f"classes, the data has {dataset.num_inputs} and {dataset.num_classes}: use a "
                "model trained on the same dataset options"
            )
    else:
        init_seed = int(np.random.SeedSequence([seed, 3]).generate_state(1)[0])
        net = DragonNetwork.random(
            dataset.num_inputs, hidden, dataset.num_classes, seed=init_seed, scale=p["init_scale"]
        )
        if net.num_layers > 1:  # deep nets start near identity above layer 1 (docs/deep.md)
            net = identity_init(net)
    if state["queries"] >= budget:
        raise BudgetError(
            f"the run already spent {state['queries']} queries of its budget: "
            f"pass a --budget larger than {state['queries']} to continue"
        )
    # Weight averaging: the searched network ``net`` takes the raw cut steps; the returned
    # (deployable) network ``avg`` is their exponential moving average over ~``average`` steps.
    avg = None
    if p["average"] == "epoch":
        p["average"] = -(-len(dataset.y_train) // p["batch_size"])  # steps per epoch
    if p["average"]:
        avg = net
        raw = state.get("raw")
        net = _from_arrays(raw, net.meta) if raw else net.copy()

    # local readouts of the layers below the last (docs/deep.md); kept in train_state
    readouts = None
    if p["windows"] == "readouts" and net.num_layers > 1:
        saved = state.get("readouts")
        readouts = Readouts.from_json(saved) if saved else Readouts.random(net, seed)
    evaluator = Evaluator(dataset, eval_size=p["eval_size"], seed=seed, margin=p["margin"])
    writer = MetricsWriter(metrics_path, resume_step=state["step"] if resume else None)
    X, y = dataset.X_train, dataset.y_train
    N = len(y)
    queries, step, epoch, pos = state["queries"], state["step"], state["epoch"], state["pos"]
    cuts = int(state.get("cuts", 0))
    wall0 = float(state.get("wall_s", 0.0))
    metrics: list[dict] = []
    max_qubits_used = int(state.get("max_qubits_used", 0))
    checkpoints = _checkpoints(budget, num_evals)
    next_eval = _next_checkpoint(checkpoints, queries)

    def train_state(wall: float, raw_arrays: dict | None) -> dict:
        """Where the run stands: what a resumed run (from the end or a checkpoint) needs."""
        return {
            "queries": queries,
            "step": step,
            "epoch": epoch,
            "cuts": cuts,
            "pos": pos,
            "seed": seed,
            "wall_s": wall,
            "finder": finder_name,
            "max_qubits_used": max_qubits_used,
            **({"raw": raw_arrays} if raw_arrays is not None else {}),
            **({"readouts": readouts.to_json()} if readouts is not None else {}),
        }

    t0 = time.perf_counter()
    last_checkpoint = t0
    bar = _progress_bar(budget, queries, progress, finder_name)
    try:
        while queries < budget:
            perm = np.random.default_rng([seed, 2, epoch]).permutation(N)
            batch = perm[pos : pos + p["batch_size"]]
            rng = np.random.default_rng([seed, 1, step])
            progress_t = cuts / N if p["eta_schedule"] == "cuts" else epoch + pos / N
            eta_t = p["eta"] / (1.0 + p["eta_decay"] * progress_t)
            delta = None
            aux = None
            found = 0
            noise = np.random.default_rng([seed, 4, step])
            for i in batch:
                if queries >= budget:
                    break
                x, label = X[i], int(y[i])
                if p["input_noise"] > 0:
                    # data augmentation: flip each input spin with probability input_noise
                    x = np.where(noise.random(x.size) < p["input_noise"], -x, x)
                heads: list[FullConfig] = []
                positive = None
                for prob in sample_problems(
                    net,
                    x,
                    label,
                    margin=p["margin"],
                    max_qubits=max_qubits,
                    step=step,
                    windows=p["windows"],
                    readouts=readouts,
                    phase=queries / budget,
                ):
                    queries += 1  # the threshold E+(x, k*): one energy evaluation
                    left = budget - queries
                    if left <= 0:
                        break
                    ss = finder_obj.sample(
                        prob.bqm,
                        threshold=prob.threshold,
                        exclude=prob.exclude,
                        budget=min(p["search_budget"], left),
                        seed=child_seed(rng),
                        max_heads=p["max_heads"],
                    )
                    queries += int(ss.info["queries"])
                    max_qubits_used = max(max_qubits_used, prob.num_variables)
                    # the deepest max_heads heads (a finder may return more)
                    rows = ss.record.sample[np.argsort(ss.record.energy, kind="stable")]
                    heads += prob.to_full(rows[: p["max_heads"]])
                    # classical work of the problem (deep nets: positive descent, polishing)
                    queries += int(getattr(prob, "classical_queries", 0))
                    positive = getattr(prob, "positive", None) or positive
                    layer = getattr(prob, "layer", None)
                if heads and readouts is not None:
                    # one window (step given): the cut of its layer's local network
                    found += 1
                    d, a = local_delta(net, readouts, layer, x, positive, heads)
                    delta = d if delta is None else _add(delta, d)
                    aux = (
                        a
                        if aux is None
                        else [(u + v, e + f) for (u, e), (v, f) in zip(aux, a, strict=True)]
                    )
                elif heads:
                    found += 1
                    if positive is None:
                        positive = positive_config(net, x, label)
                    d = cut_delta(net, x, positive, heads)
                    delta = d if delta is None else _add(delta, d)
            cuts += found
            if p["eta_schedule"] == "cuts":  # this batch's cuts count, as in the replay
                eta_t = p["eta"] / (1.0 + p["eta_decay"] * cuts / N)
            if delta is not None:
                _apply(net, _scale(delta, 1.0 / len(batch)), eta_t, p["weight_decay"])
            if aux is not None:
                shrink = 1.0 - eta_t * p["weight_decay"]
                eta_r = eta_t * _ro.READOUT_ETA
                for i, (dV, dd) in enumerate(aux):
                    readouts.V[i] = shrink * readouts.V[i] + eta_r / len(batch) * dV
                    readouts.d[i] = readouts.d[i] + eta_r / len(batch) * dd
            if avg is not None:
                _blend(avg, net, 1.0 / p["average"])
            step += 1
            pos += len(batch)
            if pos >= N:
                epoch, pos = epoch + 1, 0
            done = queries >= budget
            wall = wall0 + time.perf_counter() - t0
            if done or step <= 3 or queries >= next_eval:
                next_eval = _next_checkpoint(checkpoints, queries)
                row = {
                    "step": step,
                    "epoch": epoch + pos / N,
                    "queries": queries,
                    "wall_s": wall,
                    "eta": eta_t,
                    "heads_found": found,
                    "batch": len(batch),
                    **evaluator(net if avg is None else avg),
                }
                metrics.append(row)
                writer.write(row)
                bar.set_postfix(
                    eps=f"{row['train_error']:.3f}",
                    acc=f"{row['test_accuracy']:.3f}",
                    refresh=False,
                )
            bar.update(queries - bar.n)
            now = time.perf_counter()
            if checkpoint is not None and not done and now - last_checkpoint >= checkpoint_every:
                snap = (net if avg is None else avg).copy()
                raw = None if avg is None else _to_arrays(net)
                snap.meta = {**snap.meta, "train_state": train_state(wall0 + now - t0, raw)}
                checkpoint(snap)
                last_checkpoint = time.perf_counter()
    finally:
        bar.close()
    wall = wall0 + time.perf_counter() - t0
    raw_arrays = None
    if avg is not None:
        raw_arrays = _to_arrays(net)
        net = avg
    final = metrics[-1] if metrics else {"step": step, **evaluator(net)}
    summary = {
        "test_accuracy": final["test_accuracy"],
        "validation_accuracy": final.get("validation_accuracy"),
        "validation_size": len(getattr(dataset, "y_val", ())),
        "train_accuracy": final["train_accuracy"],
        "train_error": final["train_error"],
        "train_error_margin": final["train_error_margin"],
        "queries": queries,
        "wall_s": wall,
        "steps": step,
        "epochs": epoch + pos / N,
        "finder": finder_name,
        "finder_options": dict(finder_options or {}),
        "seed": seed,
        "budget": budget,
        "hidden": hidden,
        "dataset": dataset.name,
        "classes": list(dataset.classes),
        **{k: p[k] for k in DEFAULTS},
        "max_qubits": max_qubits,
        "max_qubits_used": max_qubits_used,
        "versions": versions(),
    }
    net.meta = {
        **net.meta,
        "train_state": train_state(wall, raw_arrays),
        "summary": {k: v for k, v in summary.items() if k != "versions"},
    }
    return TrainResult(net, metrics, summary)


def _blend(avg: DragonNetwork, net: DragonNetwork, rate: float) -> None:
    """avg <- avg + rate (net - avg), in place (exponential moving average of the weights)."""
    for layer in range(net.num_layers):
        avg.W[layer] += rate * (net.W[layer] - avg.W[layer])
        avg.b[layer] += rate * (net.b[layer] - avg.b[layer])
    avg.U += rate * (net.U - avg.U)
    avg.c += rate * (net.c - avg.c)


def _to_arrays(net: DragonNetwork) -> dict:
    """The weights as JSON-able lists (the raw weights of an averaged run, kept for resume)."""
    return {
        "W": [w.tolist() for w in net.W],
        "b": [v.tolist() for v in net.b],
        "U": net.U.tolist(),
        "c": net.c.tolist(),
    }


def _from_arrays(arrays: dict, meta: dict) -> DragonNetwork:
    return DragonNetwork(arrays["W"], arrays["b"], arrays["U"], arrays["c"], dict(meta))


def _checkpoints(budget: int, num_evals: int) -> np.ndarray:
    """Query counts at which metrics are computed: geometric plus linear grid in [1, budget]."""
    k = max(2, int(num_evals) // 2)
    geo = np.geomspace(1, budget, k)
    lin = np.linspace(budget / k, budget, k)
    return np.unique(np.ceil(np.concatenate([geo, lin])).astype(np.int64))


def _next_checkpoint(points: np.ndarray, queries: int) -> int:
    i = int(np.searchsorted(points, queries, side="right"))
    return int(points[i]) if i < len(points) else int(points[-1]) + 1


def _add(a, b):
    return (
        [x + y for x, y in zip(a[0], b[0], strict=True)],
        [x + y for x, y in zip(a[1], b[1], strict=True)],
        a[2] + b[2],
        a[3] + b[3],
    )


def _scale(a, s: float):
    return [x * s for x in a[0]], [x * s for x in a[1]], a[2] * s, a[3] * s


def _progress_bar(budget: int, initial: int, progress: bool, name: str):
    from tqdm.auto import tqdm

    return tqdm(
        total=budget,
        initial=initial,
        disable=not progress,
        unit="q",
        desc=f"train[{name}]",
        dynamic_ncols=True,
        leave=False,
    )


__all__ = ["DEFAULTS", "TrainResult", "check_train_options", "cut", "cut_delta", "train_model"]
