"""The Ising ("dragon") network: weights, energies and the deployable classifier.

Spins are +-1. For one hidden layer (docs/design.md section 2)::

    E(h, y | x) = - h.(W x + b) - y.(U h + c)

with input x in {+-1}^D, hidden h in {+-1}^H and output y in {+-1}^C; class k is encoded as
y = e_k (+1 at k, -1 elsewhere). With L hidden layers h_1..h_L and h_0 = x the energy is
``- sum_l h_l.(W_l h_{l-1} + b_l) - y.(U h_L + c)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grover_train.errors import InputError
from grover_train.rng import make_rng


def one_hot_spins(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Encode class indices as spin vectors e_k (+1 at k, -1 elsewhere).

    >>> one_hot_spins(np.array([1]), 3).tolist()
    [[-1.0, 1.0, -1.0]]
    """
    labels = np.asarray(labels, dtype=int)
    out = -np.ones((labels.size, num_classes))
    out[np.arange(labels.size), labels] = 1.0
    return out


def sign(a: np.ndarray) -> np.ndarray:
    """Spin sign with sign(0) = +1, so that h+ = sign(field) is always a valid spin.

    >>> sign(np.array([-2.0, 0.0, 3.0])).tolist()
    [-1.0, 1.0, 1.0]
    """
    return np.where(np.asarray(a) >= 0, 1.0, -1.0)


@dataclass
class DragonNetwork:
    """Weights of an Ising network with one or more hidden layers.

    Attributes:
        W: hidden-layer weights, ``W[l]`` has shape (H_l, H_{l-1}) with H_0 = D.
        b: hidden-layer biases, ``b[l]`` has shape (H_l,).
        U: output weights, shape (C, H_L).
        c: output biases, shape (C,).

    >>> net = DragonNetwork.random(4, [3], 2, seed=0)
    >>> net.sizes
    (4, [3], 2)
    >>> net.num_spins
    5
    """

    W: list[np.ndarray]
    b: list[np.ndarray]
    U: np.ndarray
    c: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.W = [np.asarray(w, dtype=float) for w in self.W]
        self.b = [np.asarray(v, dtype=float) for v in self.b]
        self.U = np.asarray(self.U, dtype=float)
        self.c = np.asarray(self.c, dtype=float)
        self.validate()

    @classmethod
    def random(
        cls,
        num_inputs: int,
        hidden: list[int] | int,
        num_classes: int,
        *,
        seed: int | np.random.Generator | None = None,
        scale: float = 1.0,
    ) -> DragonNetwork:
        """Gaussian weights with variance scale/fan_in (a spin-glass landscape), zero biases.

        >>> DragonNetwork.random(5, 4, 3, seed=1).U.shape
        (3, 4)
        """
        hidden = [hidden] if isinstance(hidden, int) else list(hidden)
        check_sizes(num_inputs, hidden, num_classes)
        rng = make_rng(seed)
        fan = [num_inputs, *hidden]
        W = [
            rng.normal(0, np.sqrt(scale / fan[i]), size=(hidden[i], fan[i]))
            for i in range(len(hidden))
        ]
        b = [np.zeros(h) for h in hidden]
        U = rng.normal(0, np.sqrt(scale / hidden[-1]), size=(num_classes, hidden[-1]))
        return cls(W, b, U, np.zeros(num_classes))

    def validate(self) -> None:
        """Check shapes and finiteness; raise :class:`InputError` naming the bad array."""
        if len(self.W) == 0 or len(self.W) != len(self.b):
            raise InputError("a network needs one (W, b) pair per hidden layer")
        prev = self.W[0].shape[1] if self.W[0].ndim == 2 else -1
        for i, (w, v) in enumerate(zip(self.W, self.b, strict=True)):
            if w.ndim != 2 or w.shape[1] != prev or v.shape != (w.shape[0],):
                raise InputError(
                    f"layer {i + 1}: W has shape {w.shape} and b {v.shape}; expected "
                    f"W of shape (H, {prev}) and b of shape (H,)"
                )
            prev = w.shape[0]
        if self.U.ndim != 2 or self.U.shape[1] != prev or self.c.shape != (self.U.shape[0],):
            raise InputError(
                f"U has shape {self.U.shape} and c {self.c.shape}; expected U of shape "
                f"(C, {prev}) and c of shape (C,)"
            )
        for name, arr in (
            [("U", self.U), ("c", self.c)]
            + [(f"W[{i}]", w) for i, w in enumerate(self.W)]
            + [(f"b[{i}]", v) for i, v in enumerate(self.b)]
        ):
            if not np.all(np.isfinite(arr)):
                raise InputError(
                    f"weights {name} contain NaN or infinite values; retrain or reload the model"
                )

    # ----------------------------------------------------------------- sizes
    @property
    def num_inputs(self) -> int:
        return int(self.W[0].shape[1])

    @property
    def hidden(self) -> list[int]:
        return [int(w.shape[0]) for w in self.W]

    @property
    def num_classes(self) -> int:
        return int(self.U.shape[0])

    @property
    def num_layers(self) -> int:
        return len(self.W)

    @property
    def sizes(self) -> tuple[int, list[int], int]:
        return self.num_inputs, self.hidden, self.num_classes

    @property
    def num_spins(self) -> int:
        """Free spins of one sample's landscape: all hidden units plus the outputs."""
        return sum(self.hidden) + self.num_classes

    def copy(self) -> DragonNetwork:
        return DragonNetwork(
            [w.copy() for w in self.W],
            [v.copy() for v in self.b],
            self.U.copy(),
            self.c.copy(),
            dict(self.meta),
        )

    # ------------------------------------------------------------- energies
    def check_inputs(self, X: np.ndarray) -> np.ndarray:
        """Return X as a float (N, D) array or raise :class:`InputError` on a wrong width."""
        X = np.asarray(X, dtype=float)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.num_inputs:
            raise InputError(
                f"inputs have shape {X.shape}; this model takes rows of {self.num_inputs} "
                "+-1 values"
            )
        if not np.all(np.isfinite(X)):
            raise InputError("inputs contain NaN or infinite values")
        return X

    def forward(self, X: np.ndarray, upto: int | None = None) -> list[np.ndarray]:
        """Forward pass h_l = sign(W_l h_{l-1} + b_l); returns [h_0 = X, h_1, ..., h_upto]."""
        X = self.check_inputs(X)
        upto = self.num_layers if upto is None else upto
        hs = [X]
        for i in range(upto):
            hs.append(sign(hs[-1] @ self.W[i].T + self.b[i]))
        return hs

    def top_input(self, X: np.ndarray) -> np.ndarray:
        """The input seen by the last hidden layer: X itself for one layer, else the forward
        pass through the layers below it."""
        return self.forward(X, self.num_layers - 1)[-1]

    def clamped_energies(self, X: np.ndarray) -> np.ndarray:
        """E+(x, k) = min over the last hidden layer of E(h, e_k | x), shape (N, C).

        For one hidden layer this is exact: -sum_j |(W x + b + U^T e_k)_j| - e_k.c. For deeper
        networks the layers below the last are fixed by the forward pass.

        >>> net = DragonNetwork.random(3, 2, 2, seed=0)
        >>> net.clamped_energies(np.ones((1, 3))).shape
        (1, 2)
        """
        Z = self.top_input(X)
        F = Z @ self.W[-1].T + self.b[-1]  # (N, H)
        C = self.num_classes
        # U^T e_k = 2 U_k - sum_k' U_k'
        shift = 2 * self.U - self.U.sum(axis=0)[None, :]  # (C, H)
        E: np.ndarray = -np.abs(F[:, None, :] + shift[None, :, :]).sum(axis=2)
        E -= (2 * self.c - self.c.sum())[None, :]
        assert E.shape == (Z.shape[0], C)
        return E

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Deployable classifier: argmin_k E+(x, k) (numpy only).

        >>> net = DragonNetwork.random(3, 2, 2, seed=0)
        >>> net.predict(np.ones((2, 3))).shape
        (2,)
        """
        pred: np.ndarray = np.argmin(self.clamped_energies(X), axis=1)
        return pred

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        """Fraction of rows that :meth:`predict` classifies correctly."""
        y = np.asarray(y)
        if len(y) == 0:
            return float("nan")
        return float(np.mean(self.predict(X) == y))

    def energy(self, X: np.ndarray, H: list[np.ndarray] | np.ndarray, Y: np.ndarray) -> np.ndarray:
        """Energy of full configurations: hidden states ``H`` (one array per layer, or one array
        for a single layer) and outputs ``Y`` for inputs ``X``; returns shape (N,)."""
        X = self.check_inputs(X)
        hs = [H] if isinstance(H, np.ndarray) else list(H)
        prev = X
        E = np.zeros(X.shape[0])
        for i, h in enumerate(hs):
            h = np.atleast_2d(h)
            E -= np.sum(h * (prev @ self.W[i].T + self.b[i]), axis=1)
            prev = h
        Y = np.atleast_2d(Y)
        E -= np.sum(Y * (prev @ self.U.T + self.c), axis=1)
        return E


def check_sizes(num_inputs: int, hidden: list[int], num_classes: int) -> None:
    """Raise :class:`InputError` unless all layer sizes are positive integers."""
    if num_inputs < 1:
        raise InputError(f"the input width must be at least 1, got {num_inputs}")
    if not hidden or any(int(h) < 1 for h in hidden):
        raise InputError(
            f"--hidden must list positive layer sizes, got {hidden}: use e.g. "
            "--hidden 32 or --hidden 32,32"
        )
    if num_classes < 2:
        raise InputError(f"a classifier needs at least 2 classes, got {num_classes}")
