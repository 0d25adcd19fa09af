"""Free landscapes of one sample as dimod models, thresholds and label exclusion.

Variable convention (used by every finder and circuit): the free landscape of a one-layer
network has integer variables ``0..H-1`` for the hidden spins and ``H..H+C-1`` for the outputs.
State indices of a full enumeration follow :mod:`grover_train.enumeration.states`.
"""

from __future__ import annotations

import dimod
import numpy as np

from grover_train.enumeration import samples_to_states, states_to_samples
from grover_train.errors import InputError, TooManyQubitsError
from grover_train.model.network import DragonNetwork, one_hot_spins


def free_bqm(net: DragonNetwork, x: np.ndarray) -> dimod.BinaryQuadraticModel:
    """The Ising model over s = (h, y) for input ``x`` of a one-hidden-layer network.

    Linear -(W x + b) on h, -c on y, quadratic -U_kj on (y_k, h_j).

    >>> net = DragonNetwork.random(4, 3, 2, seed=0)
    >>> bqm = free_bqm(net, np.ones(4))
    >>> bqm.num_variables, bqm.num_interactions, bqm.vartype is dimod.SPIN
    (5, 6, True)
    """
    if net.num_layers != 1:
        raise InputError(
            "free_bqm takes a one-hidden-layer network; use grover_train.model.deep for deeper ones"
        )
    x = net.check_inputs(x)[0]
    H, C = net.hidden[0], net.num_classes
    field = net.W[0] @ x + net.b[0]
    linear = np.concatenate([-field, -net.c])
    rows = np.repeat(np.arange(C), H) + H
    cols = np.tile(np.arange(H), C)
    quad = -net.U.reshape(-1)
    return dimod.BinaryQuadraticModel.from_numpy_vectors(
        linear, (rows, cols, quad), 0.0, dimod.SPIN, variable_order=list(range(H + C))
    )


def label_exclusion(net: DragonNetwork, label: int) -> dict[int, int]:
    """The output assignment y = e_label that is *not* a head, as {variable: spin}.

    >>> net = DragonNetwork.random(4, 3, 2, seed=0)
    >>> label_exclusion(net, 1)
    {3: -1, 4: 1}
    """
    H, C = net.hidden[-1], net.num_classes
    offset = sum(net.hidden) - H  # deep nets keep the outputs after all hidden units
    e = one_hot_spins(np.array([label]), C)[0]
    return {offset + H + k: int(e[k]) for k in range(C)}


def head_threshold(net: DragonNetwork, x: np.ndarray, label: int, margin: float = 0.0) -> float:
    """tau = E+(x, label) + margin: configurations below it (other labels) are heads."""
    if margin < 0:
        raise InputError(f"the margin must be >= 0, got {margin}")
    return float(net.clamped_energies(x)[0, int(label)] + margin)


def clamped_outputs_energy(net: DragonNetwork, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """min_h E(h, y | x) for every output configuration y in {+-1}^C.

    Returns (G, Y) with G of shape (N, 2^C) and Y of shape (2^C, C). For a one-layer net this
    is the exact minimum over all hidden states, so heads exist iff min over y != e_k of G is
    below the threshold: the training error is exact for any H while C stays small.
    """
    C = net.num_classes
    if C > 20:
        raise TooManyQubitsError(f"{C} output spins are too many to enumerate (limit 20)")
    Y = states_to_samples(np.arange(2**C), C).astype(float)
    Z = net.top_input(X)
    F = Z @ net.W[-1].T + net.b[-1]  # (N, H)
    G = np.empty((Z.shape[0], Y.shape[0]))
    for start in range(0, Y.shape[0], 64):
        Yb = Y[start : start + 64]
        G[:, start : start + 64] = (
            -np.abs(F[:, None, :] + (Yb @ net.U)[None, :, :]).sum(axis=2) - (Yb @ net.c)[None, :]
        )
    return G, Y


def clamped_gaps(
    net: DragonNetwork, X: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per sample: E+ = min_h E(h, e_label | x), and the lowest min_h E(h, y | x) over the
    other output configurations y (exact, every y in {+-1}^C enumerated in compiled code,
    as :func:`clamped_outputs_energy` without its N x 2^C table).

    >>> net = DragonNetwork.random(6, 4, 3, seed=0)
    >>> own, other = clamped_gaps(net, np.ones((1, 6)), np.array([1]))
    >>> G, _ = clamped_outputs_energy(net, np.ones((1, 6)))
    >>> k = int(samples_to_states(one_hot_spins(np.array([1]), 3))[0])
    >>> bool(np.isclose(own[0], G[0, k])), bool(np.isclose(other[0], np.delete(G[0], k).min()))
    (True, True)
    """
    from grover_train.kernels import clamped_gaps as kernel

    C = net.num_classes
    if C > 20:
        raise TooManyQubitsError(f"{C} output spins are too many to enumerate (limit 20)")
    labels = np.asarray(labels, dtype=int)
    Y = states_to_samples(np.arange(2**C), C).astype(float)
    Z = net.top_input(X)
    F = Z @ net.W[-1].T + net.b[-1]
    own = samples_to_states(one_hot_spins(labels, C))  # the index of e_label among the Y
    return kernel(F, Y @ net.U, Y @ net.c, own)


def has_head(
    net: DragonNetwork, X: np.ndarray, labels: np.ndarray, margin: float = 0.0
) -> np.ndarray:
    """Exact per-sample flag: does (x, label) have a head (y != e_label, E < E+ + margin)?

    >>> net = DragonNetwork.random(6, 4, 3, seed=0)
    >>> has_head(net, np.ones((2, 6)), np.array([0, 1])).dtype
    dtype('bool')
    """
    own, other = clamped_gaps(net, X, labels)
    return other < own + margin


def training_error(
    net: DragonNetwork, X: np.ndarray, labels: np.ndarray, margin: float = 0.0
) -> float:
    """eps: fraction of samples that still have a head (exact, by enumerating outputs)."""
    if len(labels) == 0:
        return float("nan")
    return float(np.mean(has_head(net, X, labels, margin)))
