"""Backprop baseline: the same dragon network and classifier, trained by gradient descent.

The logits are -beta E+(x, k) with the closed-form clamped energy
E+(x, k) = -sum_j |(W_L h_{L-1} + b_L + U^T e_k)_j| - e_k.c, so softmax cross-entropy over them
trains exactly the deployable classifier argmin_k E+(x, k). Layers below the last use
h_l = sign(W_l h_{l-1} + b_l) forward and the straight-through estimator backward (the gradient
of a hard tanh). With ``outputs="all"`` (default for C <= 8) the softmax runs over every
output configuration y in {+-1}^C with target e_k*, which also lowers the training error eps
(heads with non-one-hot outputs). Optimiser: Adam with step size ``eta`` (default 0.01) and
L2 ``weight_decay``.

Queries (design section 3): one query = one sample's forward + backward pass, so a mini-batch
of B samples costs B queries. Metrics are measured as for head cutting
(:class:`grover_train.train.result.Evaluator`) and are not counted.

Randomness: initial weights from the same numpy stream as head cutting, batch order from a
per-epoch :class:`torch.Generator` seeded from the run's seed; no global torch state is touched.
On resume the optimiser's moment estimates start afresh (the weights, step and query counts
continue).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from grover_train.data.datasets import Dataset
from grover_train.errors import BudgetError, InputError
from grover_train.model.landscape import samples_to_states, states_to_samples
from grover_train.model.network import DragonNetwork, one_hot_spins
from grover_train.provenance import versions
from grover_train.rng import check_seed, child_seed
from grover_train.train.result import Evaluator, MetricsWriter, TrainResult

#: ``outputs="auto"`` uses the softmax over all 2^C outputs up to this many classes (its cost
#: grows as 2^C per sample; above, the C one-hot logits)
AUTO_ALL_OUTPUTS = 8

#: defaults of the baseline (tuned on digits, --hidden 32; docs/training.md)
DEFAULTS = {
    "batch_size": 64,
    "eta": 0.005,
    "margin": 0.0,
    "eval_size": 256,
    "eta_decay": 0.0,
    "weight_decay": 0.0,
    "init_scale": 1.0,
    "beta": 1.0,
    "outputs": "auto",
    "input_noise": 0.0,
}


def logits(params: dict, X, num_layers: int, outputs=None):
    """-min_h E(h, y | x) for a batch as a torch tensor (N, K): for the one-hot outputs
    y = e_k (K = C, i.e. -E+(x, k)) or for the rows of ``outputs`` (K, C). ``params`` holds
    torch tensors W0.., b0.., U, c."""
    import torch

    h = X
    for layer in range(num_layers - 1):
        pre = h @ params[f"W{layer}"].T + params[f"b{layer}"]
        # sign forward, hard-tanh gradient backward (straight-through estimator)
        hard = torch.where(pre >= 0, 1.0, -1.0).to(pre.dtype)
        soft = torch.clamp(pre, -1.0, 1.0)
        h = soft + (hard - soft).detach()
    L = num_layers - 1
    F = h @ params[f"W{L}"].T + params[f"b{L}"]  # (N, H)
    U, c = params["U"], params["c"]
    Y = outputs if outputs is not None else 2 * torch.eye(U.shape[0], dtype=U.dtype) - 1
    # min_h E(h, y | x) = -sum_j |F_j + (U^T y)_j| - y.c for each row y of Y
    E = -(F[:, None, :] + (Y @ U)[None, :, :]).abs().sum(dim=2) - (Y @ c)[None, :]
    return -E


def train_backprop(
    dataset: Dataset,
    *,
    hidden: int | Sequence[int],
    budget: int,
    seed: int,
    batch_size: int | None = None,
    eta: float | None = None,
    margin: float | None = None,
    eval_size: int | None = None,
    eta_decay: float | None = None,
    weight_decay: float | None = None,
    init_scale: float | None = None,
    init: DragonNetwork | None = None,
    progress: bool = True,
    metrics_path=None,
    resume: bool = False,
    num_evals: int = 50,
    finder_options: dict | None = None,
    beta: float | None = None,
    outputs: str | None = None,
    input_noise: float | None = None,
) -> TrainResult:
    """Train with PyTorch until ``budget`` queries (sample forward+backward passes) are spent.

    Same arguments and result as :func:`grover_train.train.cutting.train_model` (which
    dispatches here for ``finder="backprop"``); ``margin`` only enters the metric
    ``train_error_margin``; ``beta`` scales the logits; ``outputs`` picks the softmax:
    ``"all"`` 2^C output configurations (target e_k*), ``"onehot"`` the C classes,
    ``"auto"`` all when C <= 8. ``finder_options`` may hold ``beta`` and ``outputs``.

    >>> from grover_train.data.datasets import load_dataset
    >>> ds = load_dataset('digits', seed=0, classes=[0, 1])
    >>> r = train_backprop(ds, hidden=4, budget=2000, seed=0, progress=False)
    >>> r.summary['finder'], r.summary['queries'], r.summary['test_accuracy'] > 0.9
    ('backprop', 2000, True)
    """
    import torch

    from grover_train.train.cutting import (
        _checkpoints,
        _next_checkpoint,
        _progress_bar,
        _resume_state,
        check_train_options,
    )

    fopts = dict(finder_options or {})
    if beta is None:
        beta = fopts.pop("beta", None)
    if outputs is None:
        outputs = fopts.pop("outputs", None)
    if input_noise is None:
        input_noise = fopts.pop("input_noise", None)
    if fopts:
        raise InputError(
            f"backprop takes no finder options {sorted(fopts)}: drop them or "
            "choose a finder such as 'sa'"
        )
    opts = {
        k: v
        for k, v in dict(
            batch_size=batch_size,
            eta=eta,
            margin=margin,
            eval_size=eval_size,
            eta_decay=eta_decay,
            weight_decay=weight_decay,
            init_scale=init_scale,
            beta=beta,
            outputs=outputs,
            input_noise=input_noise,
        ).items()
        if v is not None
    }
    hidden = check_train_options(dataset, hidden, budget, seed, **opts)
    p = {**DEFAULTS, **opts}
    if not (0 <= p["input_noise"] < 0.5):
        raise InputError(f"input_noise must be in [0, 0.5), got {p['input_noise']!r}")
    if not (np.isfinite(p["beta"]) and p["beta"] > 0):
        raise InputError(f"beta must be a positive number, got {p['beta']!r}")
    seed = check_seed(seed)
    state = _resume_state(init, resume, seed)
    if state["queries"] >= budget:
        raise BudgetError(
            f"the run already spent {state['queries']} queries of its budget: "
            f"pass a --budget larger than {state['queries']} to continue"
        )
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
    L = net.num_layers
    dtype = torch.float64
    params = {}
    for layer in range(L):
        params[f"W{layer}"] = torch.tensor(net.W[layer], dtype=dtype, requires_grad=True)
        params[f"b{layer}"] = torch.tensor(net.b[layer], dtype=dtype, requires_grad=True)
    params["U"] = torch.tensor(net.U, dtype=dtype, requires_grad=True)
    params["c"] = torch.tensor(net.c, dtype=dtype, requires_grad=True)
    opt = torch.optim.Adam(params.values(), lr=p["eta"], weight_decay=p["weight_decay"])
    X = torch.tensor(dataset.X_train, dtype=dtype)
    y = torch.tensor(dataset.y_train, dtype=torch.long)
    N = len(y)
    C = net.num_classes
    if p["outputs"] == "all" or (p["outputs"] == "auto" and C <= AUTO_ALL_OUTPUTS):
        # softmax over all 2^C output configurations: pushes every head above e_k*, so the
        # training error eps falls too, not only the one-hot classification loss
        Y_all = torch.tensor(states_to_samples(np.arange(2**C), C), dtype=dtype)
        own = torch.tensor(samples_to_states(one_hot_spins(np.arange(C), C)), dtype=torch.long)
    elif p["outputs"] in ("onehot", "auto"):
        Y_all = own = None
    else:
        raise InputError(f"outputs must be 'auto', 'all' or 'onehot', got {p['outputs']!r}")

    def to_net() -> DragonNetwork:
        with torch.no_grad():
            return DragonNetwork(
                [params[f"W{i}"].numpy().copy() for i in range(L)],
                [params[f"b{i}"].numpy().copy() for i in range(L)],
                params["U"].numpy().copy(),
                params["c"].numpy().copy(),
                dict(net.meta),
            )

    evaluator = Evaluator(dataset, eval_size=p["eval_size"], seed=seed, margin=p["margin"])
    writer = MetricsWriter(metrics_path, resume_step=state["step"] if resume else None)
    queries, step, epoch, pos = state["queries"], state["step"], state["epoch"], state["pos"]
    wall0 = float(state.get("wall_s", 0.0))
    checkpoints = _checkpoints(budget, num_evals)
    next_eval = _next_checkpoint(checkpoints, queries)
    metrics: list[dict] = []
    gen = torch.Generator()
    noise = torch.Generator()
    t0 = time.perf_counter()
    bar = _progress_bar(budget, queries, progress, "backprop")
    # tiny tensors: one thread is fastest and keeps runs identical; restored afterwards
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        while queries < budget:
            gen.manual_seed(child_seed(np.random.default_rng([seed, 2, epoch])))
            perm = torch.randperm(N, generator=gen)
            take = min(p["batch_size"], N - pos, budget - queries)
            batch = perm[pos : pos + take]
            lr = p["eta"] / (1.0 + p["eta_decay"] * (epoch + pos / N))
            for group in opt.param_groups:
                group["lr"] = lr
            opt.zero_grad()
            xb = X[batch]
            if p["input_noise"] > 0:
                # data augmentation: flip each input spin with probability input_noise
                noise.manual_seed(child_seed(np.random.default_rng([seed, 4, step])))
                flip = torch.rand(xb.shape, generator=noise, dtype=dtype) < p["input_noise"]
                xb = torch.where(flip, -xb, xb)
            out = p["beta"] * logits(params, xb, L, Y_all)
            target = y[batch] if Y_all is None else own[y[batch]]
            loss = torch.nn.functional.cross_entropy(out, target)
            loss.backward()
            opt.step()
            queries += take
            step += 1
            pos += take
            if pos >= N:
                epoch, pos = epoch + 1, 0
            done = queries >= budget
            if done or step <= 3 or queries >= next_eval:
                next_eval = _next_checkpoint(checkpoints, queries)
                row = {
                    "step": step,
                    "epoch": epoch + pos / N,
                    "queries": queries,
                    "wall_s": wall0 + time.perf_counter() - t0,
                    "eta": lr,
                    "loss": float(loss.detach()),
                    "batch": take,
                    **evaluator(to_net()),
                }
                metrics.append(row)
                writer.write(row)
                bar.set_postfix(
                    eps=f"{row['train_error']:.3f}",
                    acc=f"{row['test_accuracy']:.3f}",
                    refresh=False,
                )
            bar.update(queries - bar.n)
    finally:
        torch.set_num_threads(threads)
        bar.close()
    wall = wall0 + time.perf_counter() - t0
    net = to_net()
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
        "finder": "backprop",
        "finder_options": dict(finder_options or {}),
        "seed": seed,
        "budget": budget,
        "hidden": hidden,
        "dataset": dataset.name,
        "classes": list(dataset.classes),
        **{k: p[k] for k in DEFAULTS},
        "versions": versions(),
    }
    net.meta = {
        **net.meta,
        "train_state": {
            "queries": queries,
            "step": step,
            "epoch": epoch,
            "pos": pos,
            "seed": seed,
            "wall_s": wall,
            "finder": "backprop",
        },
        "summary": {k: v for k, v in summary.items() if k != "versions"},
    }
    return TrainResult(net, metrics, summary)


__all__ = ["DEFAULTS", "logits", "train_backprop"]
