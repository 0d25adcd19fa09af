"""Per-sample head-search problems for training, and the full configurations they map back to.

Training works with *full configurations* of an L-layer network: one spin array per hidden layer
plus the output spins, ``FullConfig(hidden=[h_1, ..., h_L], y=y)``. A finder searches a smaller
landscape (a :class:`HeadProblem`); ``HeadProblem.to_full`` turns the rows it returns back into
full configurations, so that the cut (:func:`grover_train.train.cutting.cut`) never depends on
which window was searched.

Windows (docs/deep.md): without ``max_qubits`` one problem holds the whole network (for one
hidden layer exactly the free landscape of docs/design.md section 2). With ``max_qubits`` the
network is split by :func:`grover_train.model.deep.plan_windows` into windows of at most that
many spins (whole consecutive layers where they fit, else blocks of units of a layer, always with
the outputs); every spin outside the window stays at its value in the sample's positive
configuration, so every head a window finds is a head of the whole network. ``step`` picks the
window of the schedule (top-down, one window per visit); without it every window is returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import dimod
import numpy as np

from grover_train.finders.batch import BatchLandscape
from grover_train.model import deep
from grover_train.model.deep import FullConfig
from grover_train.model.network import DragonNetwork, sign


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
    #: the window searched (None: built by hand)
    window: deep.Window | None = None
    #: the sample's positive configuration (the cut's positive; frozen values outside)
    positive: FullConfig | None = None
    #: classical queries spent building the problem and polishing the heads it mapped back
    classical_queries: int = 0
    #: windows="readouts": the hidden layer (0-based) whose local network was searched
    layer: int | None = None

    @property
    def num_variables(self) -> int:
        return self.bqm.num_variables

    def to_full(self, rows: np.ndarray) -> list[FullConfig]:
        """Full configurations of the sample rows a finder returned."""
        rows = np.asarray(rows)
        if rows.size == 0:
            return []
        return self.expand(np.atleast_2d(rows))


def positive_config(
    net: DragonNetwork, x: np.ndarray, label: int, sweeps: int | None = None
) -> FullConfig:
    """The correct configuration of (x, label), the cut's positive: lower layers by the forward
    pass, the last hidden layer h+ = sign(W_L h_{L-1} + b_L + U^T e_label), outputs e_label;
    for deep networks then ``sweeps`` rounds of coordinate descent with the outputs clamped
    (:func:`grover_train.model.deep.positive_config`, docs/deep.md).

    >>> net = DragonNetwork.random(4, 3, 2, seed=0)
    >>> pos = positive_config(net, np.ones(4), 1)
    >>> pos.y.tolist(), pos.hidden[0].shape
    ([-1.0, 1.0], (3,))
    """
    hs, e = deep.positive_config(net, np.asarray(x, dtype=float), int(label), sweeps)
    return FullConfig(hs, e)


def sample_problems(
    net: DragonNetwork,
    x: np.ndarray,
    label: int,
    *,
    margin: float = 0.0,
    max_qubits: int | None = None,
    step: int | None = None,
    sweeps: int | None = None,
    windows: str = "layers",
    readouts=None,
    phase: float = 0.0,
    plan: list[deep.Window] | None = None,
) -> list[HeadProblem]:
    """The landscapes to search for heads of one training sample (x, label).

    Args:
        net: the network being trained.
        x: one input row of +-1 values.
        label: the correct class index.
        margin: kappa >= 0; states below E+ + kappa with another output are heads.
        max_qubits: largest landscape the finder may get (None: the whole network).
        step: training step; picks window ``step % len(windows)`` of the top-down schedule
            (None: all windows, in schedule order).
        windows: window shape, "layers" or "columns" (:func:`grover_train.model.deep.plan_windows`),
            or "readouts": one layer per window, each searched in its local network with its
            own readout (``readouts``, :mod:`grover_train.train.readouts`; one hidden layer:
            the same as "layers").
        readouts: the auxiliary readouts, for ``windows="readouts"`` with several layers.
        phase: share of the training budget spent so far (the readout schedule uses it).
        plan: the windows of ``windows`` and ``max_qubits``, planned already (None: planned
            here).
        sweeps: coordinate-descent rounds for the positive configuration and for polishing
            heads of deep networks (None: :data:`grover_train.model.deep.DEFAULT_SWEEPS`).

    Returns:
        One problem per window searched.

    >>> net = DragonNetwork.random(4, 3, 2, seed=0)
    >>> [p] = sample_problems(net, np.ones(4), 0, margin=0.5)
    >>> p.num_variables, p.exclude
    (5, {3: 1, 4: -1})
    >>> [p.window.name for p in sample_problems(net, np.ones(4), 0, max_qubits=4)]
    ['h1[2:3]+y', 'h1[0:2]+y']
    """
    x = np.asarray(x, dtype=float)
    label = int(label)
    if windows == "readouts":
        if net.num_layers > 1:
            return _readout_problems(
                net, readouts, x, label, margin, max_qubits, step, sweeps, phase, plan
            )
        windows = "layers"  # one hidden layer: its own readout is the real one
    if plan is None:
        plan = deep.plan_windows(net.hidden, net.num_classes, max_qubits, shape=windows)
    if step is not None:
        plan = [plan[int(step) % len(plan)]]
    sweeps = deep.DEFAULT_SWEEPS if sweeps is None else int(sweeps)
    hs, e = deep.forward_config(net, x, label)
    threshold = deep.config_energy(net, x, hs, e) + float(margin)
    spent = 0
    if net.num_layers > 1:
        hs, spent = deep.descend_counted(net, x, hs, e, sweeps=sweeps)
    positive = FullConfig(hs, e)
    # the descent for the positive configuration is paid once, by the first problem
    return [
        _window_problem(net, x, label, w, positive, threshold, sweeps, spent if i == 0 else 0)
        for i, w in enumerate(plan)
    ]


def batch_landscape(
    net: DragonNetwork, X: np.ndarray, labels: np.ndarray, margin: float = 0.0
) -> tuple[BatchLandscape, np.ndarray]:
    """The free landscapes of a mini-batch of a one-hidden-layer network as arrays (the
    whole network, one window), and the positive hidden configurations h+ (B, H).

    Landscape b is :func:`sample_problems`'s for (X[b], labels[b]): the same fields,
    couplings (in the same order), threshold and excluded outputs, computed for the whole
    batch at once (equal up to rounding).

    >>> net = DragonNetwork.random(4, 3, 2, seed=0)
    >>> land, pos = batch_landscape(net, np.ones((1, 4)), np.array([0]), margin=0.5)
    >>> [p] = sample_problems(net, np.ones(4), 0, margin=0.5)
    >>> bool(np.isclose(land.threshold[0], p.threshold)), land.exclude(0) == p.exclude
    (True, True)
    """
    if net.num_layers != 1:
        raise ValueError("batch_landscape takes a one-hidden-layer network")
    W, b, U, c = net.W[0], net.b[0], net.U, net.c
    H, C = net.hidden[0], net.num_classes
    labels = np.asarray(labels, dtype=int)
    E = -np.ones((len(labels), C))
    E[np.arange(len(labels)), labels] = 1.0
    X = np.asarray(X, dtype=float)
    F = X @ W.T + b  # (B, H): the field of the hidden units
    pos = sign(F + E @ U)  # h+ = sign(W x + b + U^T e_k)
    thr = -np.einsum("bh,bh->b", pos, F) - np.einsum("bc,bc->b", E, pos @ U.T + c) + margin
    fields = np.concatenate([-F, np.broadcast_to(-c, (len(labels), C))], axis=1)
    r, k = np.nonzero(U != 0.0)
    land = BatchLandscape(
        fields,
        (H + r).astype(np.int64),
        k.astype(np.int64),
        -U[r, k],
        thr,
        np.arange(H, H + C),
        E.astype(np.int8),
    )
    return land, pos


def _readout_problems(
    net, readouts, x, label, margin, max_qubits, step, sweeps, phase=0.0, plan=None
):
    """One-layer problems of the local networks (module :mod:`grover_train.train.readouts`)."""
    from grover_train.train import readouts as ro

    if readouts is None:
        raise ValueError("windows='readouts' needs the auxiliary readouts of the network")
    if plan is None:
        plan = deep.plan_windows(net.hidden, net.num_classes, max_qubits, shape="readouts")
    if step is not None:
        plan = [
            ro.scheduled_window(
                plan, int(step), net.num_layers, phase=phase, options=readouts.options
            )
        ]
    sweeps = deep.DEFAULT_SWEEPS if sweeps is None else int(sweeps)
    # the forward pass, once for all windows
    fwd = [x]
    for layer in range(net.num_layers - 1):
        fwd.append(sign(net.W[layer] @ fwd[-1] + net.b[layer]))
    e = -np.ones(net.num_classes)
    e[label] = 1.0
    return [
        ro.window_problem(
            net, readouts, x, fwd, label, e, w, margin, sweeps, HeadProblem, FullConfig
        )
        for w in plan
    ]


def _window_problem(
    net: DragonNetwork,
    x: np.ndarray,
    label: int,
    window: deep.Window,
    positive: FullConfig,
    threshold: float,
    sweeps: int,
    spent: int,
) -> HeadProblem:
    masks = window.masks(net.hidden)
    n_h, C = window.num_hidden, net.num_classes
    bqm = deep.window_bqm(net, x, window, positive.hidden)
    polish = sweeps > 0 and not all(m.all() for m in masks)
    problem = HeadProblem(
        bqm,
        threshold,
        deep.window_exclusion(window, label),
        lambda r: [],
        window=window,
        positive=positive,
        classical_queries=spent,
    )

    def expand(rows: np.ndarray) -> list[FullConfig]:
        out = []
        for r in rows.astype(float):
            hs = [h.copy() for h in positive.hidden]
            at = 0
            for layer, a, b in window.blocks:
                hs[layer][a:b] = r[at : at + b - a]
                at += b - a
            y = r[n_h : n_h + C]
            if polish:
                # the spins outside the window relax towards this head's outputs: the energy
                # only goes down, so the result is still a head (docs/deep.md)
                hs, cost = deep.descend_counted(net, x, hs, y, frozen=masks, sweeps=sweeps)
                problem.classical_queries += cost
            out.append(FullConfig(hs, y))
        return out

    problem.expand = expand
    return problem


__all__ = [
    "FullConfig",
    "HeadProblem",
    "batch_landscape",
    "positive_config",
    "sample_problems",
]
