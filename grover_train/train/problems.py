"""Per-sample head-search problems for training, and the full configurations they map back to.

Training works with *full configurations* of an L-layer network: one spin array per hidden layer
plus the output spins, ``FullConfig(hidden=[h_1, ..., h_L], y=y)``. A finder searches a smaller
landscape (a :class:`HeadProblem`); ``HeadProblem.to_full`` turns the rows it returns back into
full configurations, so that the cut (:func:`grover_train.train.cutting.cut`) never depends on
which window was searched.

This version searches the last hidden layer and the outputs (for one hidden layer that is the
whole free landscape of design section 2). Layers below the window are fixed by the forward pass
h_l = sign(W_l h_{l-1} + b_l) and act as clamped input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import dimod
import numpy as np

from grover_train.errors import TooManyQubitsError
from grover_train.model.landscape import label_exclusion
from grover_train.model.network import DragonNetwork, one_hot_spins, sign


class FullConfig(NamedTuple):
    """A full configuration: hidden spins per layer (``hidden[l]`` has shape (H_{l+1},)) and
    the output spins ``y`` (shape (C,))."""

    hidden: list[np.ndarray]
    y: np.ndarray


@dataclass
class HeadProblem:
    """One landscape to search for heads of a training sample.

    Attributes:
        bqm: SPIN model over the window's spins (for one layer: hidden ``0..H-1``, outputs
            ``H..H+C-1``, as :func:`grover_train.model.landscape.free_bqm`).
        threshold: tau = E+(x, label) + margin in this landscape's energy.
        exclude: the correct label's outputs, ``{variable: spin}``.
        expand: maps sample rows (columns in ``bqm.variables`` order) to full configurations.
    """

    bqm: dimod.BinaryQuadraticModel
    threshold: float
    exclude: dict
    expand: Callable[[np.ndarray], list[FullConfig]]

    @property
    def num_variables(self) -> int:
        return self.bqm.num_variables

    def to_full(self, rows: np.ndarray) -> list[FullConfig]:
        """Full configurations of the sample rows a finder returned."""
        rows = np.asarray(rows)
        if rows.size == 0:
            return []
        return self.expand(np.atleast_2d(rows))


def top_window_bqm(net: DragonNetwork, z: np.ndarray) -> dimod.BinaryQuadraticModel:
    """Free landscape of the last hidden layer and the outputs, with ``z`` (the input of the
    last hidden layer) clamped. For one hidden layer this equals ``free_bqm(net, z)``.

    >>> net = DragonNetwork.random(4, 3, 2, seed=0)
    >>> top_window_bqm(net, np.ones(4)).num_variables
    5
    """
    H, C = net.hidden[-1], net.num_classes
    field = net.W[-1] @ np.asarray(z, dtype=float) + net.b[-1]
    linear = np.concatenate([-field, -net.c])
    rows = np.repeat(np.arange(C), H) + H
    cols = np.tile(np.arange(H), C)
    return dimod.BinaryQuadraticModel.from_numpy_vectors(
        linear,
        (rows, cols, -net.U.reshape(-1)),
        0.0,
        dimod.SPIN,
        variable_order=list(range(H + C)),
    )


def positive_config(net: DragonNetwork, x: np.ndarray, label: int) -> FullConfig:
    """The correct configuration of (x, label): lower layers by the forward pass, the last
    hidden layer h+ = sign(W_L h_{L-1} + b_L + U^T e_label), outputs e_label.

    >>> net = DragonNetwork.random(4, 3, 2, seed=0)
    >>> pos = positive_config(net, np.ones(4), 1)
    >>> pos.y.tolist(), pos.hidden[0].shape
    ([-1.0, 1.0], (3,))
    """
    hs = net.forward(np.asarray(x, dtype=float)[None, :], net.num_layers - 1)
    z = hs[-1][0]
    e = one_hot_spins(np.array([label]), net.num_classes)[0]
    top = sign(net.W[-1] @ z + net.b[-1] + net.U.T @ e)
    return FullConfig([h[0] for h in hs[1:]] + [top], e)


def sample_problems(
    net: DragonNetwork,
    x: np.ndarray,
    label: int,
    *,
    margin: float = 0.0,
    max_qubits: int | None = None,
) -> list[HeadProblem]:
    """The landscapes to search for heads of one training sample (x, label).

    Args:
        net: the network being trained.
        x: one input row of +-1 values.
        label: the correct class index.
        margin: kappa >= 0; states below E+ + kappa with another output are heads.
        max_qubits: largest landscape the finder may get (None: no limit).

    Returns:
        One problem per window (one for this version: the last hidden layer and the outputs).

    >>> net = DragonNetwork.random(4, 3, 2, seed=0)
    >>> [p] = sample_problems(net, np.ones(4), 0, margin=0.5)
    >>> p.num_variables, p.exclude
    (5, {3: 1, 4: -1})
    """
    x = np.asarray(x, dtype=float)
    hs = net.forward(x[None, :], net.num_layers - 1)
    lower = [h[0] for h in hs[1:]]
    z = hs[-1][0]
    H, C = net.hidden[-1], net.num_classes
    if max_qubits is not None and H + C > max_qubits:
        raise TooManyQubitsError(
            f"the last hidden layer and the outputs need {H + C} qubits, more than "
            f"--max-qubits {max_qubits}: raise --max-qubits or use fewer hidden units"
        )
    bqm = top_window_bqm(net, z)
    e = one_hot_spins(np.array([label]), C)[0]
    F = net.W[-1] @ z + net.b[-1]
    threshold = float(-np.abs(F + net.U.T @ e).sum() - e @ net.c + margin)
    # label_exclusion numbers outputs after all hidden units; the window numbers them after H.
    offset = sum(net.hidden) - H
    exclude = {v - offset: s for v, s in label_exclusion(net, label).items()}

    def expand(rows: np.ndarray) -> list[FullConfig]:
        rows = rows.astype(float)
        return [FullConfig([*lower, r[:H]], r[H : H + C]) for r in rows]

    return [HeadProblem(bqm, threshold, exclude, expand)]


__all__ = ["FullConfig", "HeadProblem", "positive_config", "sample_problems", "top_window_bqm"]
