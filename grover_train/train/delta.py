"""The cut: the weight update that lowers a sample's positive configuration and raises heads.

For a training sample (x, k*) with positive configuration (h+, e_k*) and heads S::

    dW_l = h_l+ h_{l-1}+^T - mean_S h_l h_{l-1}^T,   db_l = h_l+ - mean_S h_l
    dU   = e_k* h_L+^T   - mean_S y h_L^T,          dc   = e_k* - mean_S y

with h_0 = x (docs/training.md). A *delta* is the tuple (dW, db, dU, dc) of lists and arrays;
:func:`add`, :func:`scale` and :func:`apply` combine deltas and step the network. The head
cutting updater (:mod:`grover_train.train.cutting`), the local readouts
(:mod:`grover_train.train.readouts`) and the replay (:mod:`grover_train.studies.replay`) use
them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from grover_train.model.network import DragonNetwork

#: (dW per layer, db per layer, dU, dc)
Delta = tuple[list[np.ndarray], list[np.ndarray], np.ndarray, np.ndarray]


def cut_delta(net: DragonNetwork, x: np.ndarray, positive: tuple, heads: Sequence[tuple]) -> Delta:
    """The cut direction (dW, db, dU, dc) for one sample, before the step size.

    ``positive`` and ``heads`` are full configurations
    (:class:`grover_train.train.problems.FullConfig`: hidden spins per layer, output spins).
    Returns zeros when ``heads`` is empty.

    >>> from grover_train.train.problems import positive_config
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
    positive: tuple,
    heads: Sequence[tuple],
    eta: float,
) -> DragonNetwork:
    """Cut the heads of one sample in place: lower ``positive``, raise ``heads``.

    The energy gap E(head) - E(positive) grows by eta times the squared norm of the
    difference of their sufficient statistics, so a single small step always helps.

    >>> from grover_train.train.problems import positive_config
    >>> from grover_train.train.problems import FullConfig, positive_config
    >>> net = DragonNetwork.random(3, 2, 2, seed=0)
    >>> x = np.array([1.0, -1.0, 1.0])
    >>> pos = positive_config(net, x, 0)
    >>> head = FullConfig([-pos.hidden[0]], -pos.y)
    >>> gap = lambda: float(net.energy(x, head.hidden, head.y)[0] - net.energy(
    ...     x, pos.hidden, pos.y)[0])
    >>> before = gap(); _ = cut(net, x, pos, [head], eta=0.1); gap() > before
    True
    """
    apply(net, cut_delta(net, x, positive, heads), eta, 0.0)
    return net


def apply(net: DragonNetwork, delta: Delta, eta: float, weight_decay: float) -> None:
    """Step ``net`` in place by ``eta * delta``, shrinking W and U by ``1 - eta * weight_decay``.

    >>> net = DragonNetwork.random(3, 2, 2, seed=0)
    >>> d = (net.W, net.b, net.U, net.c)
    >>> apply(net, scale(d, 0.0), 0.1, 0.0); float(net.U[0, 0]) == float(d[2][0, 0])
    True
    """
    dW, db, dU, dc = delta
    shrink = 1.0 - eta * weight_decay
    for layer in range(net.num_layers):
        net.W[layer] = shrink * net.W[layer] + eta * dW[layer]
        net.b[layer] = net.b[layer] + eta * db[layer]
    net.U = shrink * net.U + eta * dU
    net.c = net.c + eta * dc


def add(a: Delta, b: Delta) -> Delta:
    """The sum of two deltas.

    >>> d = ([np.ones(2)], [np.ones(1)], np.ones(1), np.ones(1))
    >>> add(d, d)[0][0].tolist()
    [2.0, 2.0]
    """
    return (
        [x + y for x, y in zip(a[0], b[0], strict=True)],
        [x + y for x, y in zip(a[1], b[1], strict=True)],
        a[2] + b[2],
        a[3] + b[3],
    )


def scale(a: Delta, s: float) -> Delta:
    """A delta times ``s``.

    >>> scale(([np.ones(2)], [np.ones(1)], np.ones(1), np.ones(1)), 0.5)[2].tolist()
    [0.5]
    """
    return [x * s for x in a[0]], [x * s for x in a[1]], a[2] * s, a[3] * s


__all__ = ["Delta", "add", "apply", "cut", "cut_delta", "scale"]
