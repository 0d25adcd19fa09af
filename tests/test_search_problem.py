"""SearchProblem's explicit cache: one per landscape, shared by every threshold."""

from __future__ import annotations

import dimod
import numpy as np
import pytest

from grover_train.errors import InputError
from grover_train.finders import SearchProblem


def test_thresholds_share_the_landscape_cache_but_not_their_marks():
    bqm = dimod.generators.ran_r(1, 8, seed=2)
    p = SearchProblem(bqm, threshold=0.0, exclude={7: 1})
    q = p.with_threshold(-4.0)
    assert q.with_threshold(0.0).threshold == 0.0 and p.with_threshold(0.0) is p
    assert q.energies is p.energies and q.excluded is p.excluded  # computed once
    assert q.enumeration is p.enumeration
    ref = dimod.ExactSolver().sample(bqm)
    for problem in (p, q):  # marks follow each threshold, against dimod's energies
        rows = ref.record.sample[:, [ref.variables.index(v) for v in bqm.variables]]
        heads = (ref.record.energy < problem.threshold) & (rows[:, 7] != 1)
        assert int(problem.marked.sum()) == int(heads.sum()) == problem.num_heads()
    calls = []
    value = p.cached(("mine", 1), lambda: calls.append(1) or np.arange(3))
    assert q.cached(("mine", 1), lambda: calls.append(1)) is value and calls == [1]
    with pytest.raises(InputError, match="threshold must be a finite number"):
        p.with_threshold(float("nan"))
