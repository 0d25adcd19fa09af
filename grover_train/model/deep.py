"""Deep dragon networks a few layers at a time: windows, window landscapes, positive
configurations and head polishing (docs/design.md section 2, last bullet; docs/deep.md).

A network with hidden layers h_1..h_L, outputs y and input h_0 = x has the energy::

    E = - sum_l h_l.(W_l h_{l-1} + b_l) - y.(U h_L + c)

Every spin of a sample's landscape has a *global* index: the units of hidden layer l (0-based)
come first, in layer order, then the C outputs (as :func:`grover_train.model.landscape.
label_exclusion` numbers them). A :class:`Window` is a set of hidden units plus all outputs; its
landscape (:func:`window_bqm`) is the exact energy of the whole network with every spin outside
the window frozen at a given full configuration, so a state below the threshold in a window is a
head of the whole network. Window variables are numbered locally: the window's hidden units
``0..n_h-1`` (layer order), then the outputs ``n_h..n_h+C-1``; for the whole of a one-layer
network this is exactly :func:`grover_train.model.landscape.free_bqm`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import dimod
import numpy as np

from grover_train.errors import InputError
from grover_train.model.network import DragonNetwork, one_hot_spins, sign

#: Coordinate-descent rounds used for the positive configuration of deep networks by default.
DEFAULT_SWEEPS = 1


class FullConfig(NamedTuple):
    """A full configuration: hidden spins per layer (``hidden[l]`` has shape (H_{l+1},)) and
    the output spins ``y`` (shape (C,))."""

    hidden: list[np.ndarray]
    y: np.ndarray


@dataclass(frozen=True)
class Window:
    """The free spins of one search: hidden-unit blocks ``(layer, start, stop)`` (0-based
    layers, unit range ``start:stop``) plus all output spins.

    >>> w = Window(((1, 0, 4), (2, 0, 3)), 2)
    >>> w.num_hidden, w.num_spins, w.name
    (7, 9, 'h2[0:4]+h3[0:3]+y')
    """

    blocks: tuple[tuple[int, int, int], ...]
    num_classes: int

    @property
    def num_hidden(self) -> int:
        return sum(stop - start for _, start, stop in self.blocks)

    @property
    def num_spins(self) -> int:
        return self.num_hidden + self.num_classes

    @property
    def name(self) -> str:
        return "+".join(f"h{layer + 1}[{a}:{b}]" for layer, a, b in self.blocks) + "+y"

    def masks(self, hidden: list[int]) -> list[np.ndarray]:
        """One boolean array per hidden layer: True for the units inside the window."""
        out = [np.zeros(h, dtype=bool) for h in hidden]
        for layer, a, b in self.blocks:
            out[layer][a:b] = True
        return out

    def global_indices(self, hidden: list[int]) -> list[int]:
        """Global spin index of every window variable, in local (bqm) order."""
        offsets = np.concatenate([[0], np.cumsum(hidden)]).astype(int)
        idx = [int(offsets[layer]) + u for layer, a, b in self.blocks for u in range(a, b)]
        return idx + [int(offsets[-1]) + k for k in range(self.num_classes)]


def min_qubits(num_classes: int) -> int:
    """The smallest window: the output spins plus one hidden unit.

    >>> min_qubits(10)
    11
    """
    return int(num_classes) + 1


#: window shapes of :func:`plan_windows` ("readouts" is the default of training)
WINDOW_SHAPES = ("readouts", "layers", "columns")


def plan_windows(
    hidden: list[int], num_classes: int, max_qubits: int | None, shape: str = "layers"
) -> list[Window]:
    """Split a network into windows of at most ``max_qubits`` spins, in schedule order.

    ``shape="layers"``: whole consecutive layers are grouped while they fit (hidden units <=
    max_qubits - C); a layer that does not fit alone is cut into near-equal blocks of units.
    ``shape="columns"``: every window holds the same block of unit indices from **every**
    hidden layer (``(max_qubits - C) // L`` units per layer; layers narrower than the block
    index contribute what they have), so the label reaches the lowest layer inside each search
    through the chain of couplings (docs/deep.md). The order is top-down (highest unit indices
    first for columns). ``None`` or a bound at least the whole network's spins gives one
    window: the whole network, for either shape.
    ``shape="readouts"``: windows of **one layer** each, top-down, for training with local
    readouts (:mod:`grover_train.train.readouts`): a layer of at most ``max_qubits - C``
    units (or any layer without a bound) is one window, a larger one near-equal blocks of
    units; for one hidden layer the same windows as ``"layers"``.

    >>> [w.name for w in plan_windows([4, 4], 2, None)]
    ['h1[0:4]+h2[0:4]+y']
    >>> [w.name for w in plan_windows([8, 3, 3], 2, 8)]
    ['h2[0:3]+h3[0:3]+y', 'h1[4:8]+y', 'h1[0:4]+y']
    >>> [w.name for w in plan_windows([4, 4], 2, 6, shape="columns")]
    ['h1[2:4]+h2[2:4]+y', 'h1[0:2]+h2[0:2]+y']
    >>> [w.name for w in plan_windows([4, 4], 2, None, shape="readouts")]
    ['h2[0:4]+y', 'h1[0:4]+y']
    >>> [w.name for w in plan_windows([32, 32, 32], 10, 24, shape="readouts")][2:4]
    ['h3[0:11]+y', 'h2[21:32]+y']
    >>> try:
    ...     plan_windows([8], 10, 10)
    ... except InputError as exc:
    ...     print(str(exc).split(', so ')[1])
    the smallest value that works is --max-qubits 11
    """
    if shape not in WINDOW_SHAPES:
        raise InputError(
            f"unknown window shape {shape!r}: choose one of {', '.join(WINDOW_SHAPES)}"
        )
    hidden = [int(h) for h in hidden]
    C = int(num_classes)
    if shape == "readouts":
        if len(hidden) == 1:
            shape = "layers"  # one layer: its own readout is the real one
        elif max_qubits is None:
            return [Window(((layer, 0, h),), C) for layer, h in reversed(list(enumerate(hidden)))]
        else:
            max_qubits = min(max_qubits, max(hidden) + C)  # one layer per window
    if max_qubits is None or max_qubits >= sum(hidden) + C:
        return [Window(tuple((layer, 0, h) for layer, h in enumerate(hidden)), C)]
    if isinstance(max_qubits, bool) or int(max_qubits) != max_qubits:
        raise InputError(f"--max-qubits must be an integer, got {max_qubits!r}")
    room = int(max_qubits) - C
    if room < 1:
        raise InputError(
            f"--max-qubits {max_qubits} is too small: a window needs the {C} output spins plus "
            f"at least one hidden unit, so the smallest value that works is --max-qubits "
            f"{min_qubits(C)}"
        )
    if shape == "columns":
        return _column_windows(hidden, C, room, max_qubits)
    if shape == "readouts":
        return [
            w
            for layer in reversed(range(len(hidden)))
            for w in _layer_blocks(layer, hidden[layer], room, C)
        ]
    windows: list[Window] = []
    group: list[tuple[int, int, int]] = []
    used = 0
    for layer in reversed(range(len(hidden))):
        h = hidden[layer]
        if h > room:  # this layer alone does not fit: blocks of units, top of the layer first
            if group:
                windows.append(Window(tuple(sorted(group)), C))
                group, used = [], 0
            nblocks = -(-h // room)
            edges = np.linspace(0, h, nblocks + 1).round().astype(int)
            for i in reversed(range(nblocks)):
                windows.append(Window(((layer, int(edges[i]), int(edges[i + 1])),), C))
            continue
        if used + h > room:
            windows.append(Window(tuple(sorted(group)), C))
            group, used = [], 0
        group.append((layer, 0, h))
        used += h
    if group:
        windows.append(Window(tuple(sorted(group)), C))
    return windows


def _layer_blocks(layer: int, h: int, room: int, C: int) -> list[Window]:
    """One layer as near-equal blocks of at most ``room`` units, top of the layer first."""
    nblocks = -(-h // room)
    edges = np.linspace(0, h, nblocks + 1).round().astype(int)
    return [
        Window(((layer, int(edges[i]), int(edges[i + 1])),), C) for i in reversed(range(nblocks))
    ]


def _column_windows(hidden: list[int], C: int, room: int, max_qubits: int) -> list[Window]:
    """Windows of the same unit-index block in every layer (see :func:`plan_windows`)."""
    L = len(hidden)
    width = room // L
    if width < 1:
        raise InputError(
            f"--max-qubits {max_qubits} is too small for column windows: one unit of each of "
            f"the {L} hidden layers plus the {C} outputs needs --max-qubits {L + C}; use "
            "--windows layers or a larger --max-qubits"
        )
    windows = []
    for start in range(0, max(hidden), width):
        blocks = tuple(
            (layer, start, min(start + width, h)) for layer, h in enumerate(hidden) if start < h
        )
        windows.append(Window(blocks, C))
    return windows[::-1]


# ----------------------------------------------------------------------------- energies
def config_energy(
    net: DragonNetwork, x: np.ndarray, hidden: list[np.ndarray], y: np.ndarray
) -> float:
    """Energy of one full configuration (one spin array per hidden layer, outputs ``y``).

    >>> net = DragonNetwork.random(3, [2, 2], 2, seed=0)
    >>> e = config_energy(net, np.ones(3), [np.ones(2), -np.ones(2)], np.array([1., -1.]))
    >>> bool(np.isclose(e, net.energy(np.ones((1, 3)), [np.ones((1, 2)), -np.ones((1, 2))],
    ...                               np.array([[1., -1.]]))[0]))
    True
    """
    prev = np.asarray(x, dtype=float)
    E = 0.0
    for W, b, h in zip(net.W, net.b, hidden, strict=True):
        E -= float(h @ (W @ prev + b))
        prev = h
    return E - float(y @ (net.U @ prev + net.c))


def _layers(net: DragonNetwork) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Couplings and biases of the chain x -> h_1 -> ... -> h_L -> y."""
    return [*net.W, net.U], [*net.b, net.c]


def window_bqm(
    net: DragonNetwork,
    x: np.ndarray,
    window: Window,
    hidden: list[np.ndarray],
    y: np.ndarray | None = None,
) -> dimod.BinaryQuadraticModel:
    """Landscape of ``window`` with every other spin frozen at ``hidden`` (one array per layer).

    Its energies are the whole network's energies (the frozen part is in the offset), so a
    threshold from the whole network applies unchanged. Variables are local (module docstring).

    >>> net = DragonNetwork.random(4, [3, 2], 2, seed=0)
    >>> pos = positive_config(net, np.ones(4), 0)
    >>> w = plan_windows(net.hidden, 2, 5)[0]
    >>> bqm = window_bqm(net, np.ones(4), w, pos[0])
    >>> bqm.num_variables, w.name
    (4, 'h2[0:2]+y')
    >>> s = {i: v for i, v in enumerate([*pos[0][1], *pos[1]])}
    >>> bool(np.isclose(bqm.energy(s), config_energy(net, np.ones(4), *pos)))
    True
    """
    Ms, betas = _layers(net)
    C = net.num_classes
    masks = [*window.masks(net.hidden), np.ones(C, dtype=bool)]
    values = [np.asarray(h, dtype=float) for h in hidden]
    values.append(np.zeros(C) if y is None else np.asarray(y, dtype=float))
    # local index of each free unit per layer (-1 when frozen)
    local, n = [], 0
    for m in masks:
        loc = -np.ones(m.size, dtype=int)
        loc[m] = np.arange(n, n + int(m.sum()))
        local.append(loc)
        n += int(m.sum())
    linear = np.zeros(n)
    rows, cols, quad = [], [], []
    offset = 0.0
    prev_val, prev_mask = np.asarray(x, dtype=float), np.zeros(len(x), dtype=bool)
    for layer, (M, beta) in enumerate(zip(Ms, betas, strict=True)):
        m, v = masks[layer], values[layer]
        fixed_prev = np.where(prev_mask, 0.0, prev_val)
        field = M @ fixed_prev + beta  # field on layer units from frozen units below
        linear[local[layer][m]] -= field[m]
        offset -= float(v[~m] @ field[~m])
        if prev_mask.any():
            fixed_here = np.where(m, 0.0, v)
            # frozen units of this layer acting on free units below
            below = np.flatnonzero(prev_mask)
            linear[local[layer - 1][below]] -= (fixed_here @ M)[below]
            sub = M[np.ix_(np.flatnonzero(m), below)]
            r, c = np.nonzero(sub != 0.0)
            rows.append(local[layer][np.flatnonzero(m)][r])
            cols.append(local[layer - 1][below][c])
            quad.append(-sub[r, c])
        prev_val, prev_mask = v, m
    if rows:
        rows_a, cols_a, quad_a = (np.concatenate(a) for a in (rows, cols, quad))
    else:
        rows_a = cols_a = np.zeros(0, dtype=int)
        quad_a = np.zeros(0)
    return dimod.BinaryQuadraticModel.from_numpy_vectors(
        linear, (rows_a, cols_a, quad_a), offset, dimod.SPIN, variable_order=list(range(n))
    )


def window_exclusion(window: Window, label: int) -> dict[int, int]:
    """The correct outputs y = e_label in the window's local numbering.

    >>> window_exclusion(Window(((0, 0, 3),), 2), 1)
    {3: -1, 4: 1}
    """
    e = one_hot_spins(np.array([label]), window.num_classes)[0]
    return {window.num_hidden + k: int(e[k]) for k in range(window.num_classes)}


# -------------------------------------------------------------- positive configuration
def forward_config(
    net: DragonNetwork, x: np.ndarray, label: int
) -> tuple[list[np.ndarray], np.ndarray]:
    """The classifier's configuration of class ``label``: layers below the last by the forward
    pass, the last hidden layer by its closed form sign(W_L h_{L-1} + b_L + U^T e_label).
    Its energy is E+(x, label) (``net.clamped_energies`` leaves out the energy of the layers
    below the last, the same for every label, so the two differ by a constant in the label).

    >>> net = DragonNetwork.random(4, [3, 3], 2, seed=0)
    >>> E = [config_energy(net, np.ones(4), *forward_config(net, np.ones(4), k)) for k in (0, 1)]
    >>> G = net.clamped_energies(np.ones((1, 4)))[0]
    >>> bool(np.isclose(E[1] - E[0], G[1] - G[0]))
    True
    """
    x = np.asarray(x, dtype=float)
    hs = [h[0] for h in net.forward(x[None, :], net.num_layers - 1)[1:]]
    e = one_hot_spins(np.array([label]), net.num_classes)[0]
    below = x if net.num_layers == 1 else hs[-1]
    hs.append(sign(net.W[-1] @ below + net.b[-1] + net.U.T @ e))
    return hs, e


def clamped_energy(net: DragonNetwork, x: np.ndarray, label: int) -> float:
    """E+(x, label): the whole network's energy of :func:`forward_config`.

    >>> net = DragonNetwork.random(4, [3], 2, seed=0)
    >>> bool(np.isclose(clamped_energy(net, np.ones(4), 1),
    ...                 net.clamped_energies(np.ones((1, 4)))[0, 1]))
    True
    """
    return config_energy(net, x, *forward_config(net, x, label))


def descend(
    net: DragonNetwork,
    x: np.ndarray,
    hidden: list[np.ndarray],
    y: np.ndarray,
    frozen: list[np.ndarray] | None = None,
    sweeps: int = DEFAULT_SWEEPS,
) -> list[np.ndarray]:
    """Coordinate descent over the hidden layers with ``y`` and the ``frozen`` units held.

    One sweep sets each layer, top-down and then bottom-up, to the sign of its local field
    (units of one layer do not interact, so this is the exact minimum of that layer given its
    neighbours); a spin flips only when that strictly lowers the energy, so the energy never
    increases. Stops early at a fixed point.

    >>> net = DragonNetwork.random(4, [3, 3], 2, seed=0)
    >>> hs, y = forward_config(net, np.ones(4), 0)
    >>> new = descend(net, np.ones(4), hs, y, sweeps=2)
    >>> bool(config_energy(net, np.ones(4), new, y) <= config_energy(net, np.ones(4), hs, y))
    True
    """
    return descend_counted(net, x, hidden, y, frozen, sweeps)[0]


def descend_counted(
    net: DragonNetwork,
    x: np.ndarray,
    hidden: list[np.ndarray],
    y: np.ndarray,
    frozen: list[np.ndarray] | None = None,
    sweeps: int = DEFAULT_SWEEPS,
) -> tuple[list[np.ndarray], int]:
    """:func:`descend`, also returning its cost in queries: 2 per sweep run (a sweep visits
    every layer twice, as much arithmetic as two energy evaluations).

    >>> net = DragonNetwork.random(4, [3, 3], 2, seed=0)
    >>> descend_counted(net, np.ones(4), *forward_config(net, np.ones(4), 0), sweeps=0)[1]
    0
    """
    x = np.asarray(x, dtype=float)
    hs = [np.asarray(h, dtype=float).copy() for h in hidden]
    L = len(hs)
    free = [np.ones(h.size, dtype=bool) for h in hs] if frozen is None else [~f for f in frozen]

    def update(layer: int) -> bool:
        below = x if layer == 0 else hs[layer - 1]
        field = net.W[layer] @ below + net.b[layer]
        field += net.U.T @ y if layer == L - 1 else net.W[layer + 1].T @ hs[layer + 1]
        flip = free[layer] & (hs[layer] * field < 0)
        hs[layer] = np.where(flip, -hs[layer], hs[layer])
        return bool(flip.any())

    order = list(reversed(range(L))) + list(range(1, L))
    done = 0
    for _ in range(max(0, int(sweeps))):
        done += 1
        if not any([update(layer) for layer in order]):
            break
    return hs, 2 * done


def positive_config(
    net: DragonNetwork, x: np.ndarray, label: int, sweeps: int | None = None
) -> tuple[list[np.ndarray], np.ndarray]:
    """The positive configuration of (x, label): :func:`forward_config` followed by ``sweeps``
    rounds of :func:`descend` with y = e_label clamped (default :data:`DEFAULT_SWEEPS` for deep
    networks; one hidden layer is already the exact minimum, so nothing changes there).

    Its energy is at most E+(x, label), and the descent lets the label reach the lower layers.

    >>> net = DragonNetwork.random(4, [3], 2, seed=0)
    >>> [h.tolist() for h in positive_config(net, np.ones(4), 0)[0]] == [
    ...     h.tolist() for h in forward_config(net, np.ones(4), 0)[0]]
    True
    """
    hs, e = forward_config(net, x, label)
    if net.num_layers == 1:
        return hs, e
    return descend(net, x, hs, e, sweeps=DEFAULT_SWEEPS if sweeps is None else sweeps), e


# ---------------------------------------------------------------------------- initial weights
def identity_init(net: DragonNetwork, noise: float = 0.3) -> DragonNetwork:
    """Near-identity hidden-to-hidden weights for a deep network (a copy; one layer unchanged).

    Every layer above the first with as many units as the layer below gets
    W_l = I + noise * W_l(random), so that at the start h_l = h_{l-1}: the forward pass keeps
    the first layer's information instead of scrambling it through random sign layers (on
    digits two random 32-unit sign layers leave a linear read-out at ~0.5 accuracy). Layers of
    another width keep their random weights.

    >>> net = identity_init(DragonNetwork.random(4, [3, 3], 2, seed=0))
    >>> x = np.ones((5, 4)); hs = net.forward(x)
    >>> bool(np.array_equal(hs[1], hs[2]))
    True
    """
    out = net.copy()
    for layer in range(1, out.num_layers):
        w = out.W[layer]
        if w.shape[0] == w.shape[1]:
            out.W[layer] = np.eye(w.shape[0]) + noise * w
    return out


__all__ = [
    "DEFAULT_SWEEPS",
    "FullConfig",
    "Window",
    "clamped_energy",
    "config_energy",
    "descend",
    "descend_counted",
    "forward_config",
    "identity_init",
    "min_qubits",
    "plan_windows",
    "WINDOW_SHAPES",
    "positive_config",
    "window_bqm",
    "window_exclusion",
]
