"""Landscapes for the search-level experiment (docs/design.md section 7).

Families are registered by name in :data:`LANDSCAPE_FAMILIES` (:func:`register_family`: a
builder and its help text), so a new family is one function and one registry line. Two are
built in, both returned as :class:`Landscape` (a BQM, a head threshold and an exclusion):

- ``sk``: Sherrington-Kirkpatrick spin glasses, n spins, J_ij ~ N(0, 1/n), no fields; the
  threshold sits between the k-th and (k+1)-th lowest energies so that the landscape has
  (about) k heads and p_A(uniform) = k / 2^n. Sizes 8..20 span 1/p_A from ~10 to ~10^6.
- ``dragon``: free landscapes of training samples of a small Ising network on pooled 4x4
  digits (3 classes, n = H + 3 spins), taken at an ``early`` stage (the random initial
  network, a spin glass full of heads) and a ``late`` stage (after some epochs of exact head
  cutting, few heads left). Threshold from :func:`head_threshold`, exclusion from
  :func:`label_exclusion`; only samples that still have heads are used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import dimod
import numpy as np

from grover_train.errors import InputError, UnknownNameError
from grover_train.finders.search_problem import SearchProblem
from grover_train.model.landscape import (
    clamped_outputs_energy,
    free_bqm,
    has_head,
    head_threshold,
    label_exclusion,
)
from grover_train.model.network import DragonNetwork, one_hot_spins, sign
from grover_train.rng import child_seed, make_rng

STAGES = ("early", "late")


@dataclass
class Landscape:
    """One search instance: heads are states with E < threshold not matching ``exclude``."""

    family: str
    n: int
    seed: int
    bqm: dimod.BinaryQuadraticModel
    threshold: float
    exclude: dict | None = None
    stage: str = ""
    meta: dict = field(default_factory=dict)
    _problem: SearchProblem | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        stage = f"-{self.stage}" if self.stage else ""
        return f"{self.family}{stage}-n{self.n}-s{self.seed}"

    def problem(self) -> SearchProblem:
        """The :class:`SearchProblem` (energies cached on first use)."""
        if self._problem is None:
            self._problem = SearchProblem(self.bqm, self.threshold, self.exclude)
        return self._problem


def sk_landscape(n: int, seed: int, heads: int = 2) -> Landscape:
    """An SK spin glass with about ``heads`` states below the threshold.

    The threshold is the midpoint of the first energy gap at or after the ``heads``-th lowest
    energy, so degenerate levels are never split (the exact count is in ``meta['num_heads']``).

    >>> ls = sk_landscape(8, seed=0, heads=4)
    >>> int(ls.problem().marked.sum()), ls.meta['num_heads']
    (4, 4)
    """
    n = int(n)
    if n < 2:
        raise InputError(f"an SK landscape needs at least 2 spins, got {n}")
    if not 1 <= heads < 2**n:
        raise InputError(f"heads must be in [1, 2^n), got {heads}")
    rng = make_rng(seed)
    iu, ju = np.triu_indices(n, 1)
    J = rng.normal(0.0, np.sqrt(1.0 / n), size=iu.size)
    bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(
        np.zeros(n), (iu, ju, -J), 0.0, dimod.SPIN, variable_order=list(range(n))
    )
    ls = Landscape("sk", n, int(seed), bqm, 0.0)
    E = np.sort(ls.problem().energies)
    k = heads
    while k < E.size and E[k] - E[k - 1] <= 1e-9 * max(1.0, abs(E[k])):
        k += 1  # do not split a degenerate level
    threshold = float((E[k - 1] + E[k]) / 2) if k < E.size else float(E[-1] + 1.0)
    ls = Landscape("sk", n, int(seed), bqm, threshold, meta={"num_heads": int(k)})
    return ls


@lru_cache(maxsize=8)
def _snapshots(hidden: int, seed: int, epochs: int, eta: float):
    """Train a small network by exact head cutting; return (X, y, early_net, late_net)."""
    from grover_train.data.datasets import load_dataset

    ds = load_dataset("digits", seed=seed, classes=[0, 1, 2], pool=True)
    X, y = ds.X_train, ds.y_train
    rng = make_rng(seed)
    early = DragonNetwork.random(X.shape[1], [hidden], ds.num_classes, seed=child_seed(rng))
    late = early.copy()
    for _ in range(epochs):
        cut_epoch(late, X, y, eta, rng)
    return X, y, early, late


def cut_epoch(
    net: DragonNetwork,
    X: np.ndarray,
    y: np.ndarray,
    eta: float,
    rng: np.random.Generator,
    margin: float = 0.0,
) -> int:
    """One epoch of head cutting with the exact (closed-form) deepest head of each sample.

    This is the ``exact`` finder's outcome computed in O(2^C H D) per sample: cheap enough to
    make training snapshots for landscapes. Returns how many samples had a head.

    >>> net = DragonNetwork.random(4, 3, 2, seed=0)
    >>> X = np.array([[1, -1, 1, -1], [-1, 1, -1, 1.0]]); y = np.array([0, 1])
    >>> cut_epoch(net, X, y, 0.1, np.random.default_rng(0)) in (0, 1, 2)
    True
    """
    cuts = 0
    for i in rng.permutation(len(y)):
        x, k = X[i : i + 1], int(y[i])
        G, Y = clamped_outputs_energy(net, x)
        e_k = one_hot_spins(np.array([k]), net.num_classes)[0]
        own = int(np.flatnonzero(np.all(Y == e_k, axis=1))[0])
        tau = G[0, own] + margin
        G[0, own] = np.inf
        j = int(np.argmin(G[0]))
        if G[0, j] >= tau:
            continue
        cuts += 1
        field_ = net.W[0] @ x[0] + net.b[0]
        h_pos = sign(field_ + net.U.T @ e_k)
        h_neg = sign(field_ + net.U.T @ Y[j])
        net.W[0] += eta * np.outer(h_pos - h_neg, x[0])
        net.b[0] += eta * (h_pos - h_neg)
        net.U += eta * (np.outer(e_k, h_pos) - np.outer(Y[j], h_neg))
        net.c += eta * (e_k - Y[j])
    return cuts


def dragon_landscape(
    n: int,
    seed: int,
    stage: str = "early",
    index: int = 0,
    epochs: int = 6,
    eta: float = 0.05,
    margin: float = 0.0,
) -> Landscape:
    """The free landscape of a training sample that has heads, at a training stage.

    ``n = H + 3`` (3 output spins). ``index`` picks among the samples with heads (seeded order).

    >>> ls = dragon_landscape(8, seed=0, stage='early')
    >>> ls.n, ls.bqm.num_variables, int(ls.problem().marked.sum()) > 0
    (8, 8, True)
    """
    if stage not in STAGES:
        raise UnknownNameError(f"unknown stage {stage!r}: choose one of {', '.join(STAGES)}")
    C = 3
    hidden = int(n) - C
    if hidden < 1:
        raise InputError(f"a dragon landscape needs n >= {C + 1} (H >= 1), got n={n}")
    X, y, early, late = _snapshots(hidden, int(seed), int(epochs), float(eta))
    net = early if stage == "early" else late
    with_heads = np.flatnonzero(has_head(net, X, y, margin))
    if with_heads.size == 0:
        raise InputError(
            f"the {stage} network (n={n}, seed={seed}) has no heads left: use "
            "fewer epochs or a larger margin"
        )
    order = np.random.default_rng([int(seed), 7919]).permutation(with_heads)
    i = int(order[index % order.size])
    x, k = X[i], int(y[i])
    bqm = free_bqm(net, x)
    ls = Landscape(
        "dragon",
        int(n),
        int(seed),
        bqm,
        head_threshold(net, x, k, margin),
        label_exclusion(net, k),
        stage=stage,
        meta={"sample": i, "label": k, "epochs": epochs if stage == "late" else 0},
    )
    ls.meta["num_heads"] = int(ls.problem().marked.sum())
    return ls


@dataclass(frozen=True)
class LandscapeFamily:
    """A registered landscape family: ``build(n, seed, *, stage, index, heads, **options)``
    returns a :class:`Landscape`; ``help`` is one line for docs and error messages."""

    name: str
    build: Callable[..., Landscape]
    help: str
    stages: tuple[str, ...] = ()
    min_n: int = 2  # the fewest spins a landscape of the family has


#: family name -> :class:`LandscapeFamily`; add one with :func:`register_family`
LANDSCAPE_FAMILIES: dict[str, LandscapeFamily] = {}


def register_family(family: LandscapeFamily) -> LandscapeFamily:
    """Add a landscape family (a later one of the same name replaces the earlier).

    >>> sorted(LANDSCAPE_FAMILIES)
    ['dragon', 'sk']
    """
    LANDSCAPE_FAMILIES[family.name] = family
    return family


def _build_sk(n: int, seed: int, *, stage: str, index: int, heads: int, **options) -> Landscape:
    return sk_landscape(n, seed, heads=heads)


def _build_dragon(n: int, seed: int, *, stage: str, index: int, heads: int, **options) -> Landscape:
    return dragon_landscape(n, seed, stage=stage or "early", index=index, **options)


register_family(LandscapeFamily("sk", _build_sk, "SK spin glass with about `heads` heads"))
register_family(
    LandscapeFamily("dragon", _build_dragon, "a training sample's free landscape", STAGES, 4)
)


def make_landscape(
    family: str, n: int, seed: int, *, stage: str = "", index: int = 0, heads: int = 2, **options
) -> Landscape:
    """Build a landscape by family name (a name of :data:`LANDSCAPE_FAMILIES`).

    Raises:
        UnknownNameError: no family of that name.

    >>> make_landscape('sk', 6, seed=1, heads=2).name
    'sk-n6-s1'
    """
    if family not in LANDSCAPE_FAMILIES:
        raise UnknownNameError(
            f"unknown landscape family {family!r}: choose one of {', '.join(LANDSCAPE_FAMILIES)}"
        )
    return LANDSCAPE_FAMILIES[family].build(
        n, seed, stage=stage, index=index, heads=heads, **options
    )
