"""Per-sample budgets of the coherent search in training, sized from the preparation, and the
warning when a run's budget is far below what its preparation needs (issue 24).

A BBHT search stops at its first head; what it costs depends on p_A, the probability that one
preparation measures a head (:func:`~.schedules.bbht_expected_cost`). :func:`sized_budget` is
that expected cost at a design probability of the preparation (:data:`DESIGN_P`, from the
measurements of docs/coherent.md, *Coherent training*): a search whose landscape has at least
that p_A finds a head within the budget on average, one below it gives up.
:class:`BudgetCheck` watches the p_A of the landscapes a run actually searches (the exact
backend knows it) and says, once, when the budget is far below their expected cost.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from grover_train.finders.coherent.prep import Preparation
from grover_train.finders.coherent.schedules import bbht_expected_cost

#: design p_A per preparation (None: one head among the 2^n states, a certification budget)
DESIGN_P: dict[str, float | None] = {"uniform": None, "dqa": 0.03, "anneal": 0.05}
#: warn when the budget is below the expected cost divided by this
FAR_BELOW = 4.0
#: searches with a p_A reading before the check decides
CHECK_AFTER = 16


class BudgetWarning(UserWarning):
    """A coherent search budget far below what its preparation needs on the landscapes."""


def expected_cost(prep: Preparation, p: float, num_variables: int) -> float:
    """Expected queries of a BBHT search (m capped at sqrt(2^n)) to its first head at p_A = p.

    >>> round(expected_cost(Preparation('uniform'), 2.0 ** -10, 10), 1)
    51.7
    """
    return bbht_expected_cost(
        p, m_max=math.sqrt(2.0**num_variables), prep_reads=prep.kind == "anneal"
    )[0]


def sized_budget(prep: Preparation, num_variables: int) -> int:
    """Per-sample budget of a BBHT search on windows of ``num_variables`` spins: the expected
    cost at the preparation's design p_A (:data:`DESIGN_P`; one head in 2^n for the coherent
    preparations, whose p_A the training loop cannot know before searching).

    >>> sized_budget(Preparation('uniform'), 10), sized_budget(Preparation('anneal'), 18)
    (52, 16)
    """
    p = DESIGN_P.get(prep.kind) or 2.0**-num_variables
    return max(1, math.ceil(expected_cost(prep, p, num_variables)))


@dataclass
class BudgetCheck:
    """Collects the p_A of the searched landscapes (``info["p_prep"]`` of the exact backend)
    and warns once (:class:`BudgetWarning`, one line) when the per-sample budget is below
    1/:data:`FAR_BELOW` of the median expected cost over the landscapes that hold heads.

    >>> chk = BudgetCheck(Preparation('uniform'), budget=8, label='grover')
    >>> for _ in range(CHECK_AFTER):
    ...     chk.add(2.0 ** -16, 18)
    >>> print(chk.message())                                   # doctest: +ELLIPSIS
    grover: the per-sample search budget (8 queries) is far below what prep uniform needs ...
    """

    prep: Preparation
    budget: int
    label: str = "grover"
    readings: list = field(default_factory=list)
    searches: int = 0
    done: bool = False

    def add(self, p: float | None, num_variables: int) -> None:
        """One search's p_A (None: the backend does not know it)."""
        if self.done:
            return
        self.searches += 1
        if p is not None:
            self.readings.append((float(p), int(num_variables)))

    def message(self) -> str | None:
        """The warning's line, or None (no landscape with heads read, or the budget
        suffices)."""
        with_heads = [(p, n) for p, n in self.readings if p > 0]
        if not with_heads:
            return None
        costs = [expected_cost(self.prep, p, n) for p, n in with_heads]
        need = float(np.median(costs))
        if self.budget * FAR_BELOW > need:
            return None
        p_med = float(np.median([p for p, _ in with_heads]))
        return (
            f"{self.label}: the per-sample search budget ({self.budget} queries) is far below "
            f"what prep {self.prep.label()} needs on these landscapes (median p_A {p_med:.2g} "
            f"over {len(with_heads)} searches with heads: {math.ceil(need)} queries per head by "
            f"BBHT); pass --search-budget {math.ceil(need)}"
        )

    def check(self) -> None:
        """Warn once, after :data:`CHECK_AFTER` searches, if the budget is far too small."""
        if self.done or self.searches < CHECK_AFTER:
            return
        msg = self.message()
        self.done = True
        if msg is not None:
            # no source file or line: Python prints the warning as one line,
            # "grover-train:0: BudgetWarning: ...", not the training loop's code under it
            warnings.warn_explicit(msg, BudgetWarning, "grover-train", 0, module="grover_train")


__all__ = ["DESIGN_P", "BudgetCheck", "BudgetWarning", "expected_cost", "sized_budget"]
