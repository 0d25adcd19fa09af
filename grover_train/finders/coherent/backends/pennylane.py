"""PennyLane backend: the coherent search built from PennyLane's own templates.

The circuit is written natively in PennyLane (not converted from Qiskit):

- preparation A: ``qml.Hadamard`` on every wire (``uniform``) or digitized quantum annealing
  from ``qml.RZ`` / ``qml.IsingZZ`` / ``qml.RX`` (``dqa``, angles from
  :meth:`Preparation.angles`);
- oracle O(alpha): a sparse diagonal ``qml.QubitUnitary`` from the precomputed marks
  (``diagonal``), or an arithmetic oracle (``arithmetic``): ``qml.OutPoly`` writes
  v = E_int(b) - t into an m-qubit value register (two's complement, m from
  :func:`value_register_size` so v never wraps), ``qml.PhaseShift`` on its sign qubit, a
  controlled ``PhaseShift(-alpha)`` cancels the phase on the excluded label, and
  ``qml.adjoint(OutPoly)`` uncomputes the register;
- iterates: plain Grover (an int r) is ``qml.AmplitudeAmplification(A, O, iters=r)``; a
  generalised iterate G(alpha, beta) = -A S_0(beta) A^dagger O(alpha) is
  ``O(alpha)`` then ``qml.Reflection(A, alpha=beta)`` (PennyLane's Reflection is exactly
  -A S_0(beta) A^dagger, global phase included).

Wire order: wire i is problem variable i (``bqm.variables`` order, 1 = BINARY 1). PennyLane's
``qml.probs`` is big-endian in the wires it is given, so we pass the wires reversed, which makes
the returned index little-endian (bit i = variable i), the project-wide convention. The oracle
diagonal is handed over on the reversed wires for the same reason.
"""

from __future__ import annotations

import math

import numpy as np

from grover_train.errors import InputError, TooManyQubitsError
from grover_train.finders.coherent.backends.base import Backend
from grover_train.finders.coherent.iterates import as_phases
from grover_train.finders.ising import ising_arrays
from grover_train.finders.search_problem import SearchProblem

#: oracle implementations this backend offers
ORACLES = ("diagonal", "arithmetic")


def split_iterates(iterates) -> tuple[int | None, list[tuple[float, float]]]:
    """``(r, phases)`` for plain Grover (an int r) or ``(None, phases)`` for (alpha, beta) pairs.

    An int becomes ``qml.AmplitudeAmplification(iters=r)``; pairs become Reflection iterates.

    >>> split_iterates(2)[0], split_iterates([(1.0, 2.0)])
    (2, (None, [(1.0, 2.0)]))
    """
    phases = as_phases(iterates)  # validates (BudgetError / InputError)
    if isinstance(iterates, int | np.integer):
        return int(iterates), phases
    return None, phases


class PennyLaneBackend(Backend):
    """Amplitude amplification on a PennyLane device (``lightning.qubit`` by default).

    Args:
        device: PennyLane device name (a statevector simulator for :meth:`probabilities`).
        oracle: ``"diagonal"`` (phase diagonal from the precomputed marks) or ``"arithmetic"``
            (``qml.OutPoly`` value register; exact for integer-valued models, quantized otherwise
            with the bound in :meth:`resources`).
        max_qubits: refuse problems needing more qubits (statevector memory is 16 * 2^q bytes).
        bits: quantization bits for non-integer models (arithmetic oracle only).

    Raises:
        InputError: an unknown oracle.

    >>> import dimod
    >>> from grover_train.finders.coherent.prep import Preparation
    >>> bqm = dimod.BQM({0: 1.0, 1: -1.0}, {(0, 1): 0.5}, 0.0, 'SPIN')   # E = .5, 1.5, -2.5, .5
    >>> p = PennyLaneBackend().probabilities(SearchProblem(bqm, 0.0), Preparation('uniform'), 1)
    >>> np.round(p, 6).tolist()   # one Grover iterate finds the single head of four states
    [0.0, 0.0, 1.0, 0.0]
    """

    name = "pennylane"
    exact_probabilities = True

    def __init__(
        self,
        device: str = "lightning.qubit",
        oracle: str = "diagonal",
        max_qubits: int | None = 26,
        bits: int | None = None,
    ) -> None:
        if oracle not in ORACLES:
            raise InputError(f"unknown pennylane oracle {oracle!r}: choose one of {ORACLES}")
        self.device = str(device)
        self.oracle = oracle
        self.max_qubits = None if max_qubits is None else int(max_qubits)
        self.bits = bits
        from grover_train.finders.coherent.marking import OracleQuantizer

        self._quantizer = OracleQuantizer({} if bits is None else {"bits": bits})
        self._qnodes: dict = {}  # circuit width -> QNode on its device

    # ------------------------------------------------------------------ sizes
    def _quantization(self, problem: SearchProblem):
        """(Quantization, m) of the arithmetic oracle at this threshold: the hardware oracle's
        choice (:class:`~grover_train.finders.coherent.marking.OracleQuantizer`), so both mark
        the same states, exactly the heads whenever its record says exact."""
        from grover_train.finders.coherent.phase_oracle import value_register_size

        q = self._quantizer.quantization(problem)
        return q, value_register_size(q)

    def oracle_record(self, problem: SearchProblem) -> dict | None:
        """The arithmetic oracle's quantization record (None for the diagonal oracle)."""
        if self.oracle != "arithmetic":
            return None
        return self._quantizer.record(problem)

    def num_qubits(self, problem: SearchProblem) -> int:
        """Problem wires plus, for the arithmetic oracle, the value register."""
        n = problem.num_variables
        if self.oracle == "arithmetic":
            return n + self._quantization(problem)[1]
        return n

    def check_size(self, problem: SearchProblem) -> None:
        """Raise :class:`TooManyQubitsError` when the circuit exceeds ``max_qubits``."""
        q = self.num_qubits(problem)
        if self.max_qubits is not None and q > self.max_qubits:
            raise TooManyQubitsError(
                f"the pennylane backend needs {q} qubits for this problem but is limited to "
                f"{self.max_qubits}: use the 'exact' backend, a smaller model, or raise "
                f"max_qubits"
            )

    # ------------------------------------------------------------------ circuit pieces
    def _prep_ops(self, problem: SearchProblem, prep) -> list:
        """Operators of A on wires 0..n-1 (not queued)."""
        import pennylane as qml

        n = problem.num_variables
        ops = [qml.Hadamard(wires=i) for i in range(n)]
        if prep.kind == "uniform":
            return ops
        if prep.kind != "dqa":
            raise InputError(f"the pennylane backend cannot build preparation {prep.kind!r}")
        gammas, betas = prep.angles(problem)
        h, irow, icol, J, _ = ising_arrays(problem)
        J = [(int(i), int(j), float(c)) for i, j, c in zip(irow, icol, J, strict=True) if c]
        for gamma, beta in zip(gammas, betas, strict=True):
            # exp(-i gamma H_P), H_P = -sum h_i Z_i + sum J_ij Z_i Z_j (spin s_i = -Z_i)
            ops += [qml.RZ(-2.0 * gamma * h[i], wires=i) for i in range(n) if h[i]]
            ops += [qml.IsingZZ(2.0 * gamma * c, wires=[i, j]) for i, j, c in J]
            # exp(+i beta sum X): the driver whose ground state is |+>^n
            ops += [qml.RX(-2.0 * beta, wires=i) for i in range(n)]
        return ops

    def _oracle_op(self, problem: SearchProblem, alpha: float):
        """One operator O(alpha): e^{i alpha} on the marked states (value register clean)."""
        import pennylane as qml

        n = problem.num_variables
        if self.oracle == "diagonal":
            import scipy.sparse

            diag = np.where(problem.marked, np.exp(1j * alpha), 1.0 + 0j)
            # reversed wires: the diagonal's big-endian index becomes our little-endian z.
            # A sparse QubitUnitary: lightning applies DiagonalQubitUnitary as a dense
            # 2^n x 2^n matrix (64 GiB at n = 16), a sparse one in O(2^n).
            return qml.QubitUnitary(
                scipy.sparse.diags(diag, format="csr"), wires=list(range(n - 1, -1, -1))
            )
        q, m = self._quantization(problem)
        t = self._quantizer.marking(problem).integer_threshold  # inside the gap when exact
        lin, quad, const = q.linear, q.quadratic, q.offset - t

        def value(*x):  # E_int(x) - t, integer coefficients as OutPoly requires
            v = const
            for i, a in enumerate(lin):
                v = v + a * x[i]
            for i, j, c in quad:
                v = v + c * x[i] * x[j]
            return v

        out = list(range(n, n + m))  # big-endian register: out[0] is the sign bit
        load = qml.OutPoly(value, input_registers=[[i] for i in range(n)], output_wires=out)
        ops = [load, qml.PhaseShift(alpha, wires=out[0])]
        if problem.exclude:
            index = {v: i for i, v in enumerate(problem.variables)}
            wires = [index[v] for v in problem.exclude]
            bits = [int(s > 0) for s in problem.exclude.values()]  # SPIN -1/+1 or BINARY 0/1
            ops.append(
                qml.ctrl(qml.PhaseShift(-alpha, wires=out[0]), control=wires, control_values=bits)
            )
        ops.append(qml.adjoint(load))
        # qml.prod applies its factors right to left
        return qml.prod(*reversed(ops))

    def _circuit_ops(self, problem: SearchProblem, prep, iterates) -> list:
        """A, then the iterates, as operators built off any tape (the QNode queues them)."""
        import pennylane as qml

        r, pairs = split_iterates(iterates)
        n = problem.num_variables
        wires = list(range(n))
        # build every piece off the tape, then queue exactly what the circuit runs
        with qml.QueuingManager.stop_recording():
            prep_ops = self._prep_ops(problem, prep)
            A = qml.prod(*reversed(prep_ops))
            if r is not None:
                body = []
                if r > 0:
                    O = self._oracle_op(problem, math.pi)
                    body = [qml.AmplitudeAmplification(U=A, O=O, iters=r, reflection_wires=wires)]
            else:
                body = []
                for alpha, beta in pairs:
                    body.append(self._oracle_op(problem, alpha))
                    body.append(qml.Reflection(A, alpha=beta, reflection_wires=wires))
        return prep_ops + body

    def _qnode(self, width: int):
        """The device and QNode for ``width`` wires, built once and reused by every call: the
        operators of a call are the QNode's arguments (what the Aer backend's parameter
        binding does for its circuit)."""
        if width not in self._qnodes:
            import pennylane as qml

            def circuit(ops: list, wires: list):
                for op in ops:
                    qml.apply(op)
                return qml.probs(wires=wires)

            self._qnodes[width] = qml.QNode(circuit, qml.device(self.device, wires=width))
        return self._qnodes[width]

    # ------------------------------------------------------------------ Backend API
    def probabilities(
        self, problem: SearchProblem, prep, iterates, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        """P(z) over the 2^n problem states (value register marginalised), little-endian z.

        Exact (a statevector device): ``rng`` is not used. :meth:`sample` is the base class's
        draw from these probabilities, the same stream every exact backend uses, so the seed
        of each call reaches the shots without a device per seed.
        """
        self.check_size(problem)
        n = problem.num_variables
        qnode = self._qnode(self.num_qubits(problem))
        ops = self._circuit_ops(problem, prep, iterates)
        p = np.asarray(qnode(ops, list(range(n - 1, -1, -1))), dtype=float)
        return p / p.sum()

    def resources(self, problem: SearchProblem, prep, iterates) -> dict:
        """Qubits, depth and gate counts of the circuit as the device runs it."""
        import pennylane as qml

        n, width = problem.num_variables, self.num_qubits(problem)
        ops = self._circuit_ops(problem, prep, iterates)
        res = qml.specs(self._qnode(width), level="device")(ops, list(range(n)))["resources"]
        out = {
            "num_qubits": width,
            "num_value_qubits": width - n,
            "circuits": 1,
            "gates": int(res.num_gates),
            "depth": int(res.depth),
            "gate_types": dict(res.gate_types),
        }
        out["two_qubit_gates"] = int(res.gate_sizes.get(2, 0))
        if self.oracle == "arithmetic":
            q, _ = self._quantization(problem)
            out["rounding_error_bound"] = q.rounding_error_bound
        return out
