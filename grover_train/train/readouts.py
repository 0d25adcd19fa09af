"""Local readouts: every hidden layer of a deep network learns from its own label-coupled
readout (docs/deep.md, "Local readouts").

Hidden layer l (0-based, below the last) gets auxiliary output spins with their own couplings
``V[l]`` (C, H_l) and biases ``d[l]`` (C,). Its **local network** A_l is the network cut after
layer l with that readout on top::

    E_l(h_1..h_l, y | x) = - sum_{m<=l} h_m.(W_m h_{m-1} + b_m) - y.(V_l h_l + d_l)

and A_L (the last layer) is the whole network with its real readout U, c. With
``block_readouts`` (the default) every window block of a lower layer has its own readout
(its columns of ``V[l]`` and a bias row of ``d[l]``): the block is a local network of its own,
and its window is that whole network (docs/deep.md, "Block readouts"). Every setting of the
readouts is a field of :class:`ReadoutOptions`, carried by the :class:`Readouts` it trains.
A window of layer l holds a block of that layer's units plus the C outputs; the layers below
stay at their forward pass and the other units of layer l at their positive values, so each
search is a one-hidden-layer head-cutting problem with input h_{l-1}. Its threshold is E+ of A_l
plus the margin, and its energies are A_l's energies: **a head found in a window of layer l is a
head of A_l's landscape** (for the last layer: of the whole network's landscape). The cut of
such a head changes W_l, b_l and the readout of layer l only (the layers below are the same
forward pass in the positive configuration and in the head, so their terms cancel).

The deployable classifier is unchanged: argmin_k E+(x, k) of the whole network (forward pass,
closed-form last layer, readout U). The auxiliary readouts only train; they are kept in the
model's ``meta['train_state']['readouts']`` so that a run can be resumed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from grover_train.errors import InputError, ModelFileError
from grover_train.model import deep
from grover_train.model.network import DragonNetwork
from grover_train.train.delta import cut_delta


@dataclass(frozen=True)
class ReadoutOptions:
    """The settings of the local readouts (docs/deep.md): every one is an option of the
    run, recorded in its summary and in the saved training state, restored on resume.

    Attributes:
        lower_positive: the cut's positive of a lower layer's units: ``"clamped"`` (closed
            form with the label's readout); ``"forward"`` (the forward pass) made training
            collapse (docs/deep.md).
        block_readouts: one auxiliary readout per window block of a lower layer (True: every
            block a local classifier of its own, "Block readouts"), or one per layer.
        readout_eta: step size of the auxiliary readouts relative to eta.
        readout_init: variance scale of the initial auxiliary readouts.
        top_share: share of the steps that search the last layer's windows (None: every
            window in turn).
        finish: share of the budget at its end in which only the last layer's windows are
            searched (chosen on validation accuracy); relative to the command's budget, so a
            run resumed to a larger budget follows the larger budget's schedule from then on.
        freeze: progressive freezing (layer m searched only in the first (m + 1) / L of the
            budget).
        greedy: greedy layer-wise schedule: the budget in L equal parts, part m searches only
            layer m's windows (bottom-up).
        skip_layers: diagnostic: hidden layers (0-based) that are never searched.
        middle_weight: step-size factor of the cuts of the layers between the first and the
            last.
        nudge: gamma of the nudged positive phase (:mod:`grover_train.train.nudge`); 0: off.
        nudge_free: the nudge's free phase of the last layer: ``"head"`` or ``"closed"``.
        anchor: pull of the square layers above the first towards the identity, per step
            times eta (:func:`anchor_identity`; 0: off).
        anchor_top: whether the anchor also holds the last hidden layer.

    Raises:
        InputError: a value out of its range, or an unknown name in :meth:`from_dict`.

    >>> ReadoutOptions().finish, ReadoutOptions.from_dict({"FINISH": 0.0}).finish
    (0.3, 0.0)
    """

    lower_positive: str = "clamped"
    block_readouts: bool = True
    readout_eta: float = 1.0
    readout_init: float = 1.0
    top_share: float | None = None
    finish: float = 0.3
    freeze: bool = False
    greedy: bool = False
    skip_layers: tuple[int, ...] = ()
    middle_weight: float = 1.0
    nudge: float = 0.0
    nudge_free: str = "head"
    anchor: float = 0.0
    anchor_top: bool = True

    def __post_init__(self) -> None:
        if self.lower_positive not in ("clamped", "forward"):
            raise InputError(
                f"lower_positive must be 'clamped' or 'forward', got {self.lower_positive!r}"
            )
        if self.nudge_free not in ("head", "closed"):
            raise InputError(f"nudge_free must be 'head' or 'closed', got {self.nudge_free!r}")
        for name in ("readout_eta", "readout_init", "middle_weight", "nudge", "anchor"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not v >= 0:
                raise InputError(f"{name} must be a number >= 0, got {v!r}")
            if not np.isfinite(v):
                raise InputError(f"{name} must be finite, got {v!r}")
        for name in ("finish", "top_share"):
            v = getattr(self, name)
            if v is None and name == "top_share":
                continue
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
                raise InputError(f"{name} must be a share in [0, 1], got {v!r}")
        for name in ("block_readouts", "freeze", "greedy", "anchor_top"):
            if not isinstance(getattr(self, name), bool):
                raise InputError(f"{name} must be true or false, got {getattr(self, name)!r}")
        try:
            skip = tuple(int(v) for v in self.skip_layers)
        except (TypeError, ValueError):
            raise InputError(
                f"skip_layers must list hidden layers, got {self.skip_layers!r}"
            ) from None
        object.__setattr__(self, "skip_layers", skip)

    @classmethod
    def from_dict(cls, values: dict | None) -> ReadoutOptions:
        """Options from a mapping of field names (any case: the study's ``"FINISH"`` is
        ``finish``); an unknown name is refused."""
        names = {f.name for f in fields(cls)}
        given = {str(k).lower(): v for k, v in dict(values or {}).items()}
        unknown = sorted(set(given) - names)
        if unknown:
            raise InputError(f"unknown readout option(s) {unknown}: choose from {sorted(names)}")
        return cls(**given)

    def to_dict(self) -> dict:
        """The options as a JSON-able dict (the summary's and the saved state's)."""
        d = asdict(self)
        d["skip_layers"] = list(self.skip_layers)
        return d


def anchor_identity(net: DragonNetwork, eta: float, strength: float, top: bool = True) -> None:
    """Pull every square hidden layer above the first towards a copy of its input, in place:
    W_m <- W_m - eta * strength * (W_m - I). A layer then changes its input's code only where
    its cuts keep pushing (docs/deep.md: an untrained near-identity middle layer kept the
    information its own readout's cuts removed). ``top``: the last hidden layer too.

    >>> net = DragonNetwork.random(4, [3, 3], 2, seed=0)
    >>> anchor_identity(net, 1.0, 1.0); bool(np.allclose(net.W[1], np.eye(3)))
    True
    """
    for m in range(1, net.num_layers if top else net.num_layers - 1):
        w = net.W[m]
        if strength and w.shape[0] == w.shape[1]:
            net.W[m] = w - eta * strength * (w - np.eye(w.shape[0]))


def readout_blocks(
    hidden: Sequence[int],
    num_classes: int,
    max_qubits=None,
    block_readouts: bool = True,
    plan: list[deep.Window] | None = None,
) -> list:
    """The readout blocks of every hidden layer below the last: with ``block_readouts``
    the window blocks of ``plan_windows(..., shape="readouts")`` (each block its own local
    classifier; ``plan``: those windows, planned already), else one block per layer.

    >>> readout_blocks([32, 32, 32], 10, 24)[0]
    [(0, 11), (11, 21), (21, 32)]
    >>> readout_blocks([8, 8], 3, None)
    [[(0, 8)]]
    """
    hidden = list(hidden)
    if not block_readouts:
        return [[(0, h)] for h in hidden[:-1]]
    if plan is None:
        plan = deep.plan_windows(hidden, num_classes, max_qubits, shape="readouts")
    return [
        sorted((int(a), int(b)) for m, a, b in (w.blocks[0] for w in plan) if m == layer)
        for layer in range(len(hidden) - 1)
    ]


@dataclass
class Readouts:
    """The auxiliary readouts of the hidden layers below the last: ``V[l]`` (C, H_l), and one
    bias vector per readout block, ``d[l]`` (G_l, C). Block g of layer l, units
    ``blocks[l][g] = (a, b)``, is a local classifier of its own: its readout is the columns
    a:b of ``V[l]`` and its biases ``d[l][g]``; ``blocks=None`` is one block per layer.

    >>> net = DragonNetwork.random(4, [3, 2], 2, seed=0)
    >>> r = Readouts.random(net, seed=0)
    >>> [v.shape for v in r.V], r.d[0].shape, Readouts.from_json(r.to_json()).blocks
    ([(2, 3)], (1, 2), [[(0, 3)]])
    """

    V: list[np.ndarray]
    d: list[np.ndarray]
    blocks: list | None = None
    #: the settings these readouts train with (saved with them)
    options: ReadoutOptions = field(default_factory=ReadoutOptions)

    def __post_init__(self) -> None:
        self.d = [np.atleast_2d(np.asarray(v, dtype=float)) for v in self.d]
        if self.blocks is None:
            self.blocks = [[(0, v.shape[1])] for v in self.V]
        self.blocks = [[(int(a), int(b)) for a, b in layer] for layer in self.blocks]
        for layer, (v, e, spans) in enumerate(zip(self.V, self.d, self.blocks, strict=True)):
            if e.shape != (len(spans), v.shape[0]):
                raise ValueError(
                    f"readout biases of layer {layer + 1} have shape {e.shape}; "
                    f"expected ({len(spans)}, {v.shape[0]}), one row per block"
                )

    @classmethod
    def random(
        cls,
        net: DragonNetwork,
        seed: int,
        scale: float | None = None,
        max_qubits=None,
        options: ReadoutOptions | None = None,
        plan: list[deep.Window] | None = None,
    ) -> Readouts:
        """Gaussian readouts with variance scale / H_l (as the real readout U; default
        ``options.readout_init``), zero biases, blocks from :func:`readout_blocks` for
        ``max_qubits`` (or the readout windows ``plan``)."""
        options = options or ReadoutOptions()
        scale = options.readout_init if scale is None else scale
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), 5]))
        C = net.num_classes
        V = [rng.normal(0, np.sqrt(scale / h), size=(C, h)) for h in net.hidden[:-1]]
        blocks = readout_blocks(net.hidden, C, max_qubits, options.block_readouts, plan)
        return cls(V, [np.zeros((len(b), C)) for b in blocks], blocks, options)

    def block(self, layer: int, a: int, b: int) -> int:
        """The index of the readout block of ``layer`` that holds the units a:b."""
        for g, (lo, hi) in enumerate(self.blocks[layer]):
            if lo <= a and b <= hi:
                return g
        raise ValueError(
            f"units {a}:{b} of hidden layer {layer + 1} are in no readout block "
            f"{self.blocks[layer]}: resume a run with the --max-qubits it was started with"
        )

    def to_json(self) -> dict:
        return {
            "V": [v.tolist() for v in self.V],
            "d": [v.tolist() for v in self.d],
            "blocks": [[list(s) for s in layer] for layer in self.blocks],
            "options": self.options.to_dict(),
        }

    @classmethod
    def from_json(cls, data: dict) -> Readouts:
        """Readouts saved by :meth:`to_json`; a state saved before the options were saved
        trains with today's defaults."""
        return cls(
            [np.asarray(v, dtype=float) for v in data["V"]],
            [np.asarray(v, dtype=float) for v in data["d"]],
            data.get("blocks"),
            ReadoutOptions.from_dict(data.get("options")),
        )


def check_resume_blocks(
    saved: dict,
    hidden: Sequence[int],
    num_classes: int,
    max_qubits,
    plan: list[deep.Window] | None = None,
) -> Readouts:
    """The saved readouts of a run to resume, refused if their blocks do not hold the windows
    of ``max_qubits`` (each window must lie inside one readout block: its local network) or
    if they cannot be read (``plan``: the readout windows of ``max_qubits``, planned already).
    Runs saved before block readouts have one block per layer and resume as they were
    trained.

    >>> net = DragonNetwork.random(4, [4, 4], 2, seed=0)
    >>> saved = Readouts.random(net, 0, max_qubits=4).to_json()
    >>> check_resume_blocks(saved, [4, 4], 2, 4).blocks
    [[(0, 2), (2, 4)]]
    >>> try:
    ...     check_resume_blocks(saved, [4, 4], 2, 6)
    ... except InputError as err:
    ...     print(str(err)[-48:])
    resume with the --max-qubits it was started with
    """
    try:
        have = Readouts.from_json(saved)
        if len(have.V) != len(hidden) - 1 or any(
            v.shape != (num_classes, h) for v, h in zip(have.V, hidden, strict=False)
        ):
            raise ValueError("readouts of another network")
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelFileError(
            f"the saved run's auxiliary readouts cannot be used ({exc}): resume from an "
            "intact model.npz or start the run again"
        ) from None
    if plan is None:
        plan = deep.plan_windows(list(hidden), num_classes, max_qubits, shape="readouts")
    for w in plan:
        layer, a, b = w.blocks[0]
        try:
            if layer < len(hidden) - 1:
                have.block(layer, a, b)
        except ValueError:
            raise InputError(
                f"the saved run's readout blocks {have.blocks} do not hold the window "
                f"{w.name} of --max-qubits {max_qubits}: resume with the --max-qubits it "
                "was started with"
            ) from None
    return have


def layer_net(
    net: DragonNetwork, readouts: Readouts, layer: int, block: int | None = None
) -> DragonNetwork:
    """The local network of hidden layer ``layer`` (0-based): the network cut after it, with
    the readout of block ``block`` on top (its columns of V, zeros elsewhere: the other units
    are not coupled to this block's outputs), or with ``block=None`` the sum of every block's
    readout (A_l: the committee of the layer's blocks, whose clamped energy is the sum of the
    blocks'). The last layer gives ``net`` itself. W and b are shared, not copied.

    >>> net = DragonNetwork.random(4, [3, 2], 2, seed=0)
    >>> r = Readouts.random(net, seed=0)
    >>> layer_net(net, r, 0).hidden, layer_net(net, r, 1) is net
    ([3], True)
    """
    if layer == net.num_layers - 1:
        return net
    V, d = readouts.V[layer], readouts.d[layer]
    if block is None:
        return DragonNetwork(net.W[: layer + 1], net.b[: layer + 1], V, d.sum(axis=0))
    a, b = readouts.blocks[layer][block]
    mask = np.zeros(V.shape[1])
    mask[a:b] = 1.0
    return DragonNetwork(net.W[: layer + 1], net.b[: layer + 1], V * mask, d[block])


def scheduled_window(
    plan: list[deep.Window],
    step: int,
    num_layers: int,
    top_share=None,
    phase: float = 0.0,
    options: ReadoutOptions | None = None,
):
    """The window searched at training ``step``: a share ``top_share`` of the steps go to the
    last layer's windows (round robin), the others to the windows of the layers below (round
    robin, top-down); ``None``: ``options.top_share`` (None there too: every window in
    turn). ``options`` (default: :class:`ReadoutOptions`) also holds the finish phase, the
    freezing and greedy schedules and the skipped layers.

    >>> plan = deep.plan_windows([4, 4], 2, 4, shape="readouts")
    >>> [scheduled_window(plan, t, 2, 0.5).name for t in range(4)]
    ['h2[2:4]+y', 'h1[2:4]+y', 'h2[0:2]+y', 'h1[0:2]+y']
    """
    o = options or ReadoutOptions()
    top_share = o.top_share if top_share is None else top_share
    if phase >= 1.0 - o.finish:  # the last part of the budget: the last layer only
        top_share = 1.0
    if o.skip_layers:  # diagnostic: layers (0-based) never searched keep their initial weights
        plan = [w for w in plan if window_layer(w) not in o.skip_layers]
    if o.freeze:  # progressive freezing: layer m is searched only while phase < (m + 1) / L
        low_m = min(int(phase * num_layers), num_layers - 1)
        plan = [w for w in plan if window_layer(w) >= low_m]
    if o.greedy:
        here = min(int(phase * num_layers), num_layers - 1)
        mine = [w for w in plan if window_layer(w) == here] or plan
        return mine[step % len(mine)]
    if top_share is None:
        return plan[step % len(plan)]
    top = [w for w in plan if window_layer(w) == num_layers - 1]
    low = plan[len(top) :]
    done_top = int(np.ceil(step * top_share))  # last-layer steps before this one
    if int(np.ceil((step + 1) * top_share)) > done_top or not low:
        return top[done_top % len(top)]
    return low[(step - done_top) % len(low)]


def layer_weight(layer: int, num_layers: int, middle_weight: float = 1.0) -> float:
    """Step-size factor of a layer's cut: ``middle_weight`` for the layers strictly between
    the first and the last, 1 for those two.

    >>> [layer_weight(m, 3, 0.5) for m in range(3)]
    [1.0, 0.5, 1.0]
    """
    return float(middle_weight) if 0 < layer < num_layers - 1 else 1.0


def window_layer(window: deep.Window) -> int:
    """The hidden layer (0-based) of a one-layer window."""
    layers = {layer for layer, _, _ in window.blocks}
    if len(layers) != 1:
        raise ValueError(f"window {window.name} spans several layers")
    return layers.pop()


def local_delta(
    net: DragonNetwork,
    readouts: Readouts,
    layer: int,
    x: np.ndarray,
    positive,
    heads: Sequence,
    block: tuple[int, int] | None = None,
) -> tuple[tuple, list[tuple[np.ndarray, np.ndarray]]]:
    """The cut of one sample's heads found in a window of ``layer``: the head-cutting update
    of the local network of the readout block that holds the window's units ``block``
    (a, b) (:func:`layer_net`, :func:`grover_train.train.delta.cut_delta`; ``None``: the
    layer's only block), split into the update of the whole network (dW, db, dU, dc) and of
    the readouts [(dV_l, dd_l)]: dV_l is zero outside the block's columns, dd_l outside its
    row.

    >>> net = DragonNetwork.random(4, [3, 2], 2, seed=0)
    >>> r = Readouts.random(net, seed=0)
    >>> from grover_train.train.problems import FullConfig
    >>> pos = FullConfig([np.ones(3)], np.array([1.0, -1.0]))
    >>> head = FullConfig([-np.ones(3)], np.array([-1.0, 1.0]))
    >>> (dW, db, dU, dc), aux = local_delta(net, r, 0, np.ones(4), pos, [head])
    >>> dW[0][0].tolist(), float(abs(dU).sum()), aux[0][1].tolist()
    ([2.0, 2.0, 2.0, 2.0], 0.0, [[2.0, -2.0]])
    """
    last = layer == net.num_layers - 1
    g = 0
    if not last:
        if block is None and len(readouts.blocks[layer]) > 1:
            raise ValueError(f"layer {layer + 1} has several readout blocks: pass the window's")
        g = readouts.block(layer, *(block or readouts.blocks[layer][0]))
    sub = layer_net(net, readouts, layer, None if last else g)
    o = readouts.options
    if o.nudge and layer > 0:  # the layers below learn what this layer needs (nudge.py)
        from grover_train.train.nudge import nudged_delta

        dW, db, dU, dc = nudged_delta(sub, x, positive, heads, float(o.nudge), o.nudge_free)
    else:
        dW, db, dU, dc = cut_delta(sub, x, positive, heads)
    w = layer_weight(layer, net.num_layers, o.middle_weight)
    if w != 1.0:  # readout weighting of the layers between the first and the last
        dW, db, dU, dc = [a * w for a in dW], [a * w for a in db], dU * w, dc * w
    aux = [
        (np.zeros_like(v), np.zeros_like(e)) for v, e in zip(readouts.V, readouts.d, strict=True)
    ]
    if sub is net:
        return (dW, db, dU, dc), aux
    dW = dW + [np.zeros_like(w) for w in net.W[layer + 1 :]]
    db = db + [np.zeros_like(v) for v in net.b[layer + 1 :]]
    a, b = readouts.blocks[layer][g]
    dV = np.zeros_like(dU)
    dV[:, a:b] = dU[:, a:b]  # the block's own couplings: the others are not its parameters
    dd = np.zeros_like(readouts.d[layer])
    dd[g] = dc
    aux[layer] = (dV, dd)
    return (dW, db, np.zeros_like(net.U), np.zeros_like(net.c)), aux


__all__ = ["ReadoutOptions", "Readouts", "layer_net", "local_delta", "window_layer"]


def window_problem(net, readouts, x, fwd, label, e, window, margin, sweeps, problem_cls, full_cls):
    """The head problem of one window of the local network A_l (l = the window's layer),
    built directly: the window's units couple to the outputs through the layer's readout, the
    layer below is the forward pass ``fwd[l]``, the layer's other units stay at their positive
    values sign(W_l h_{l-1} + b_l + V_l^T e_label) (tested equal to
    :func:`grover_train.model.deep.window_bqm` of A_l). Heads are completed by setting those
    other units to their minimum given the head's outputs (polishing, ``sweeps`` > 0)."""
    import dimod

    layer = window_layer(window)
    _, a, b = window.blocks[0]
    last = layer == net.num_layers - 1
    if last:
        V, d, span = net.U, net.c, None
    else:  # the local network of the readout block that holds the window
        g = readouts.block(layer, a, b)
        sub = layer_net(net, readouts, layer, g)
        V, d = sub.U, sub.c
        lo, hi = readouts.blocks[layer][g]
        span = hi - lo
    below = fwd[layer]
    f = net.W[layer] @ below + net.b[layer]
    h_pos = np.where(f + V.T @ e >= 0, 1.0, -1.0)
    if (
        not last and readouts.options.lower_positive == "forward"
    ):  # the variant that collapsed (docs/deep.md)
        h_pos = np.where(f >= 0, 1.0, -1.0)
    # energy of the layers below (forward pass): the same in every configuration
    E_below = 0.0
    for m in range(layer):
        E_below -= float(fwd[m + 1] @ (net.W[m] @ fwd[m] + net.b[m]))
    inside = np.zeros(f.size, dtype=bool)
    inside[a:b] = True
    out_h = np.where(inside, 0.0, h_pos)
    n_h, C = b - a, e.size
    # E = E_below - h.f - y.(V h + d): window units h[a:b], outputs y free
    linear = np.concatenate([-f[a:b], -(V @ out_h + d)])
    offset = E_below - float(out_h @ f)
    rows = np.repeat(np.arange(C), n_h) + n_h
    cols = np.tile(np.arange(n_h), C)
    bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(
        linear,
        (rows, cols, -V[:, a:b].reshape(-1)),
        offset,
        dimod.SPIN,
        variable_order=list(range(n_h + C)),
    )
    E_pos = E_below - float(h_pos @ f) - float(e @ (V @ h_pos + d))
    hidden = [*fwd[1 : layer + 1], h_pos]
    # units of the block outside the window move (outside the block: V is 0 there, so their
    # positive sign(f) is already their minimum)
    polish = sweeps > 0 and n_h < (f.size if last else span)
    exclude = {n_h + k: int(e[k]) for k in range(C)}
    problem = problem_cls(
        bqm,
        E_pos + float(margin),
        exclude,
        lambda r: [],
        window=window,
        positive=full_cls(hidden, e),
        layer=layer,
    )

    def expand(rows: np.ndarray) -> list:
        heads = []
        for r in rows.astype(float):
            h = h_pos.copy()
            h[a:b] = r[:n_h]
            y = r[n_h:]
            if polish:
                # the layer's other units to their minimum given this head's outputs: the
                # energy only goes down, so it stays a head (one descent sweep: 2 queries)
                g = f + V.T @ y
                h = np.where(~inside & (h * g < 0), -h, h)
                problem.classical_queries += 2
            if (
                readouts.options.nudge and layer > 0
            ):  # the nudged phase: one top-down sweep of the layers below
                problem.classical_queries += 1
            heads.append(full_cls([*fwd[1 : layer + 1], h], y))
        return heads

    problem.expand = expand
    return problem
