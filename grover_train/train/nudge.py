"""A nudged positive phase for deep networks (equilibrium-propagation style), tried and off by
default: ``ReadoutOptions(nudge=0)`` (docs/deep.md, "Tried: a nudged positive phase and an
identity anchor": it lowered validation accuracy in every form measured).

With local readouts the cut of a window of layer l moves only W_l, b_l and the layer's readout:
the layers below are the forward pass both in the positive configuration and in every head,
so a lower layer learns only from its own readout, never from what the layers above need. The
nudged positive phase lets the label's effect travel down, as in equilibrium propagation
(Scellier & Bengio 2017; on an Ising machine: Laydevant, Markovic & Grollier, Nat. Commun. 15,
3671, 2024), in head-cutting terms:

- **free phase** = the head: a configuration with a wrong output whose layers below l are the
  forward pass (the classifier's own configuration), as the finder returned it;
- **nudged phase** = the positive: the window's layer at its label-clamped value h_l+ (as
  before), and then, top-down for m = l-1, ..., 1, each lower layer moved by the change of the
  layer above it, with a finite nudge gamma::

      h_m^b = sign(W_m h_{m-1}^0 + b_m + gamma W_{m+1}^T (h_{m+1}^b - h_{m+1}^0))

  (h^0 the head's values, h_0 = x). Without the nudge (gamma = 0) h_m^b = h_m^0, the forward
  pass: the rule is exactly the local-readout cut. A unit of layer m flips only where its own
  field is weaker than the feedback of the units above that changed, so a small gamma moves only
  units near their threshold (a finite nudge), and W_m learns to put the forward pass where the
  layer above needs it (through the symmetric couplings W_{m+1}^T, as equilibrium propagation,
  not through a separate feedback matrix).
- **the cut** of head S with its own nudged positive P(S): the head-cutting rule of the local
  network, -d/dtheta [E_l(P(S)) - E_l(S)], averaged over the heads; it now moves every layer
  1..l.

h_m^b is the exact minimum over layer m (units of a layer do not interact) of the nudged energy
of that layer alone, -h_m.(W_m h_{m-1}^0 + b_m) - gamma h_m.W_{m+1}^T (h_{m+1}^b - h_{m+1}^0)
(tested against enumeration); the cut is tested against finite differences of the energy's
definition.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from grover_train.model.deep import FullConfig
from grover_train.model.network import DragonNetwork, sign
from grover_train.train.delta import Delta, add, cut_delta, scale


def nudged_hidden(
    net: DragonNetwork, x: np.ndarray, free: Sequence[np.ndarray], top: np.ndarray, gamma: float
) -> list[np.ndarray]:
    """The nudged phase's hidden layers: the last layer of ``net`` is ``top``, each layer below
    the sign of its field from the free layer below plus ``gamma`` times the feedback of the
    change of the layer above (module docstring); ``free`` holds the free phase's layers.

    >>> net = DragonNetwork.random(3, [2, 2], 2, seed=0)
    >>> x = np.ones(3)
    >>> free = net.forward(x[None])[1:]
    >>> free = [f[0] for f in free]
    >>> [h.tolist() for h in nudged_hidden(net, x, free, free[-1], 1.0)] == [
    ...     f.tolist() for f in free]
    True
    """
    L = net.num_layers
    out: list[np.ndarray] = [np.asarray(h, dtype=float) for h in free]
    out[L - 1] = np.asarray(top, dtype=float)
    for m in range(L - 2, -1, -1):
        below = np.asarray(x, dtype=float) if m == 0 else np.asarray(free[m - 1], dtype=float)
        change = out[m + 1] - np.asarray(free[m + 1], dtype=float)
        field = net.W[m] @ below + net.b[m] + gamma * (net.W[m + 1].T @ change)
        out[m] = sign(field)
    return out


def nudged_delta(
    net: DragonNetwork,
    x: np.ndarray,
    positive: FullConfig,
    heads: Sequence[FullConfig],
    gamma: float,
    free: str = "head",
) -> Delta:
    """The cut of ``heads`` with nudged positives: for each head S the positive's last layer and
    outputs with the layers below nudged from S (:func:`nudged_hidden`), the head-cutting rule
    of ``net`` for that pair, averaged over the heads. ``gamma = 0`` is
    :func:`grover_train.train.delta.cut_delta` of a positive whose lower layers are the heads'.

    ``free`` is the free phase's last layer that the nudge's change is measured from: ``"head"``
    the head's own, ``"closed"`` the last layer's minimum given the head's outputs,
    sign(W_L h_{L-1} + b_L + U^T y_S): then both ends of the change are closed-form minima of
    the last layer (the positive's is that of the label), so the search's leftover noise in
    the head's last layer does not travel down.

    >>> from grover_train.train.problems import positive_config
    >>> net = DragonNetwork.random(3, [2, 2], 2, seed=0)
    >>> x = np.array([1.0, -1.0, 1.0])
    >>> pos = positive_config(net, x, 0, sweeps=0)
    >>> head = FullConfig(pos.hidden[:-1] + [-pos.hidden[-1]], -pos.y)
    >>> a, b = nudged_delta(net, x, pos, [head], 0.0), cut_delta(net, x, pos, [head])
    >>> all(np.array_equal(u, v) for u, v in zip(a[0], b[0]))
    True
    """
    total = None
    L = net.num_layers
    for head in heads:
        ref = list(head.hidden)
        if free == "closed":
            below = np.asarray(x, dtype=float) if L == 1 else np.asarray(ref[L - 2], dtype=float)
            ref[L - 1] = sign(net.W[L - 1] @ below + net.b[L - 1] + net.U.T @ head.y)
        hs = nudged_hidden(net, x, ref, positive.hidden[-1], gamma)
        d = cut_delta(net, x, FullConfig(hs, positive.y), [head])
        total = d if total is None else add(total, d)
    if total is None:
        return cut_delta(net, x, positive, [])
    return scale(total, 1.0 / len(heads))


__all__ = ["nudged_delta", "nudged_hidden"]
