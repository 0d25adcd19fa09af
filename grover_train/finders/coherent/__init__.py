"""Coherent search: amplitude amplification for deep states (docs/design.md sections 4 to 6).

- :mod:`.prep`: state preparations A (``uniform``, ``dqa``);
- :mod:`.backends`: where psi = G_r ... G_1 A|0> is computed (``exact``, ``statevector``,
  ``aer``, ``pennylane``, ``fake:NAME``, ``ibm:NAME``);
- :mod:`.schedules`: how many iterates to run each round (``bbht``, ``dh``, ``fixed-point``);
- :mod:`.grover`: the ``grover`` head finder tying them together.
"""

from grover_train.finders.coherent.prep import PREPARATIONS, Preparation

__all__ = ["PREPARATIONS", "Preparation"]
