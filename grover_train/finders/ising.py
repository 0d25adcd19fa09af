"""The SPIN form of a model as numpy vectors: the one builder of linear fields and couplers.

Simulated annealing (:mod:`.annealing`), the Qiskit DQA circuit (:mod:`.coherent.circuits`) and
the PennyLane backend all need h_i and J_ij of the SPIN form in one variable order; they all
read them here, in the order of dimod's ``to_numpy_vectors``.
"""

from __future__ import annotations

import dimod
import numpy as np

from grover_train.finders.search_problem import SearchProblem


def ising_arrays(model: SearchProblem | dimod.BinaryQuadraticModel):
    """The SPIN form of ``model`` as numpy vectors in its variable order.

    Returns ``(h, irow, icol, J, offset)``: fields, int32 coupler indices (as the SA core
    wants), coupler values and the SPIN offset. The order is ``problem.variables`` for a
    :class:`SearchProblem`, ``bqm.variables`` for a BQM (the same list).

    >>> bqm = dimod.BQM({'a': 1.0, 'b': 0.0}, {('a', 'b'): -2.0}, 0.5, 'BINARY')
    >>> h, i, j, J, off = ising_arrays(SearchProblem(bqm, threshold=0.0))
    >>> h.tolist(), J.tolist(), off
    ([0.0, -0.5], [-0.5], 0.5)
    >>> [a.tolist() for a in ising_arrays(bqm)[:4]] == [x.tolist() for x in (h, i, j, J)]
    True
    """
    if isinstance(model, SearchProblem):
        bqm, order = model.bqm, model.variables
    else:
        bqm, order = model, list(model.variables)
    spin = bqm if bqm.vartype is dimod.SPIN else bqm.spin
    h, (irow, icol, J), off = spin.to_numpy_vectors(variable_order=order)
    return (
        np.asarray(h, dtype=np.float64),
        np.asarray(irow, dtype=np.int32),
        np.asarray(icol, dtype=np.int32),
        np.asarray(J, dtype=np.float64),
        float(off),
    )


__all__ = ["ising_arrays"]
