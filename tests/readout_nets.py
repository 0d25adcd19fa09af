"""Small deep networks with local readouts, and exact window heads, shared by the readout tests."""

from __future__ import annotations

import numpy as np

from grover_train.data.datasets import load_dataset
from grover_train.finders import SearchProblem
from grover_train.model.network import DragonNetwork
from grover_train.train import readouts as ro
from grover_train.train.cutting import HeadCutting
from grover_train.train.options import HeadCuttingOptions
from grover_train.train.problems import sample_problems


def tiny(seed: int = 0, hidden=(3, 3), D: int = 4, C: int = 3, max_qubits=None):
    """A random network with nonzero biases and random readouts (every term of E_l present);
    ``max_qubits`` gives one readout per window block (None: one per layer)."""
    rng = np.random.default_rng(seed)
    net = DragonNetwork.random(D, list(hidden), C, seed=seed)
    net.b = [rng.normal(size=h) for h in net.hidden]
    net.c = rng.normal(size=C)
    r = ro.Readouts.random(net, seed=seed, max_qubits=max_qubits)
    r.d = [rng.normal(size=d.shape) for d in r.d]
    return net, r


def window_heads(net, r, problem, count: int = 3):
    """The first ``count`` exact heads (by enumeration) of a window problem, as full configs."""
    marked = SearchProblem(problem.bqm, problem.threshold, problem.exclude).marked
    rows = [
        np.array([1.0 if (z >> i) & 1 else -1.0 for i in range(problem.num_variables)])
        for z in np.flatnonzero(marked)[:count]
    ]
    return problem.to_full(np.array(rows))


def layer_window(net, r, x, k, layer: int, max_qubits=None, step: int = 0):
    """A readout window of ``layer`` for input ``x`` and label ``k`` (margin 5): with
    ``max_qubits``, the ``step``-th of the layer's windows, round robin."""
    problems = [
        q
        for q in sample_problems(
            net, x, k, margin=5.0, max_qubits=max_qubits, windows="readouts", readouts=r
        )
        if q.layer == layer
    ]
    return problems[step % len(problems)]


def local_energy(net, r, layer, x, hs, y, block: int = 0):
    """E_l by its definition, term by term (independent of deep.config_energy), for readout
    block ``block`` of a lower layer: only that block's units couple to the outputs."""
    E, prev = 0.0, x
    for m in range(layer + 1):
        E -= sum(hs[m][j] * (net.W[m][j] @ prev + net.b[m][j]) for j in range(len(hs[m])))
        prev = hs[m]
    if layer == net.num_layers - 1:
        V, d, units = net.U, net.c, range(len(prev))
    else:
        (a, b), V, d = r.blocks[layer][block], r.V[layer], r.d[layer][block]
        units = range(a, b)
    return E - sum(y[k] * (sum(V[k][j] * prev[j] for j in units) + d[k]) for k in range(len(y)))


def small_digits():
    """Three pooled digit classes and the run keywords of a short 6,6 training run (its
    options: :func:`small_options`)."""
    ds = load_dataset("digits", seed=0, classes=[0, 1, 2], pool=True)
    kw = dict(hidden=[6, 6], seed=2, progress=False)
    return ds, kw


def small_options(**values) -> HeadCuttingOptions:
    """The options of the short run of :func:`small_digits` (sa, two blocks of 3 units per
    layer under 7 qubits, no averaging), with ``values`` changed."""
    return HeadCuttingOptions("sa", **{"max_qubits": 7, "average": 0, **values})


def record_step_ends(monkeypatch) -> list[int]:
    """The query count at the end of every head-cutting step of the runs that follow (a run
    resumes exactly only from a step's end), filled in as they train."""
    ends: list[int] = []
    step = HeadCutting.step

    def recorded(self, batch):
        out = step(self, batch)
        ends.append(batch.queries + out.queries)
        return out

    monkeypatch.setattr(HeadCutting, "step", recorded)
    return ends


def assert_cut_is(delta, aux, numeric, num_layers: int) -> None:
    """Every array of a cut (network and readouts) equals ``numeric`` of that parameter."""
    dW, db, dU, dc = delta
    for m in range(num_layers):
        assert np.allclose(dW[m], numeric(lambda n, rr, m=m: n.W[m]))
        assert np.allclose(db[m], numeric(lambda n, rr, m=m: n.b[m]))
    assert np.allclose(dU, numeric(lambda n, rr: n.U))
    assert np.allclose(dc, numeric(lambda n, rr: n.c))
    for m in range(num_layers - 1):
        assert np.allclose(aux[m][0], numeric(lambda n, rr, m=m: rr.V[m]))
        assert np.allclose(aux[m][1], numeric(lambda n, rr, m=m: rr.d[m]))
