"""The ``aer`` backend: the Qiskit search circuits on qiskit-aer (docs/design.md section 5).

Builds the circuits of :mod:`grover_train.finders.coherent.circuits` (hardware oracle by default,
or the diagonal simulation oracle), transpiles the preparation A and one *parametrised* iterate
G(tau, alpha, beta) once per (landscape, preparation, exclusion) and re-binds the threshold and
phases for every round, then reads the problem-qubit probabilities from Aer's
``save_probabilities`` (the value register is uncomputed to |0>, so marginalising it is exact).

Options pass through to :class:`qiskit_aer.AerSimulator` (``device="GPU"``, MPI ``blocking_*``
options, ``precision``...). ``noise=True`` adds a small depolarizing model (1e-3 on one-qubit
gates, 1e-2 on CX); probabilities are then the exact noisy ones (density matrix) up to
``max_density_qubits`` qubits and shot estimates beyond.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections import OrderedDict

import numpy as np
from qiskit import QuantumCircuit, transpile
from qiskit.circuit import Parameter, ParameterExpression
from qiskit_aer import AerSimulator
from qiskit_aer.library import SaveProbabilities
from qiskit_aer.noise import NoiseModel, depolarizing_error

from grover_train.errors import InputError, OptionError, TooManyQubitsError
from grover_train.finders.coherent.backends.base import Backend, check_shots, shot_stream
from grover_train.finders.coherent.circuits import (
    ORACLES,
    circuit_resources,
    grover_iterate,
    prep_circuit,
)
from grover_train.finders.coherent.iterates import as_phases
from grover_train.finders.coherent.marking import OracleQuantizer, bqm_key
from grover_train.finders.coherent.phase_oracle import value_register_size
from grover_train.finders.search_problem import SearchProblem
from grover_train.rng import child_seed

METHODS = ("statevector", "matrix_product_state", "density_matrix")
#: largest circuit (problem + value qubits) each method simulates by default
DEFAULT_MAX_QUBITS = {"statevector": 28, "matrix_product_state": None, "density_matrix": 14}


class SlowSimulationWarning(UserWarning):
    """A search circuit too wide for the fast (fused) simulation path."""


def default_noise_model(p1: float = 1e-3, p2: float = 1e-2) -> NoiseModel:
    """Depolarizing noise: ``p1`` on sx/x, ``p2`` on cx (rz is virtual, noiseless).

    >>> sorted(default_noise_model().basis_gates)
    ['cx', 'id', 'rz', 'sx', 'x']
    """
    nm = NoiseModel(basis_gates=["cx", "id", "rz", "sx", "x"])
    nm.add_all_qubit_quantum_error(depolarizing_error(p1, 1), ["sx", "x"])
    nm.add_all_qubit_quantum_error(depolarizing_error(p2, 2), ["cx"])
    return nm


def check_aer_options(options: dict) -> None:
    """Refuse keys that are neither :class:`AerBackend` nor :class:`AerSimulator` options now:
    AerSimulator would reject them only when the first circuit runs.

    Raises:
        OptionError: a key neither takes.

    >>> check_aer_options({"precision": "single"})
    >>> check_aer_options({"foo": 1})
    Traceback (most recent call last):
    ...
    grover_train.errors.OptionError: backend 'aer' takes no option 'foo': it takes ...
    """
    unknown = set(options) - set(AerSimulator._default_options().keys())
    if unknown:
        own = set(inspect.signature(AerBackend).parameters) - {"aer_options"}
        raise OptionError(
            f"backend 'aer' takes no option {', '.join(sorted(map(repr, unknown)))}: it "
            f"takes {', '.join(sorted(own))} and AerSimulator options (e.g. method, precision)"
        )


class AerBackend(Backend):
    """Qiskit circuits on qiskit-aer.

    Args:
        method: "statevector", "matrix_product_state" or "density_matrix".
        noise_model: a :class:`qiskit_aer.noise.NoiseModel` (or use ``noise=True``).
        oracle: "hardware" (gate-level, quantized energies) or "diagonal" (DiagonalGate).
        device: "CPU" or "GPU" (qiskit-aer-gpu), passed to AerSimulator.
        noise: True for :func:`default_noise_model`, or a NoiseModel.
        shots: shots used to estimate noisy probabilities beyond ``max_density_qubits``.
        max_qubits: largest circuit simulated (default by method: 28, None, 14).
        fuse_phases: noiseless runs simulate each hardware-oracle iterate with its parity walks
            (CX/RZ, most of its gates) as one diagonal instruction with the same entries
            (``phase_block="diagonal"``, up to :attr:`FUSE_MAX_QUBITS` qubits): the same unitary
            in ~30x fewer Aer instructions. Resources are always those of the gate-level
            circuit; noisy runs always simulate the gates.
        incremental: noiseless statevector runs keep the states after each iterate for the
            current (landscape, threshold), and a later round with the same iterates continues
            from the deepest saved state (``set_statevector``) instead of re-simulating A G^k:
            same probabilities, far fewer simulated iterates in BBHT / Durr-Hoyer loops.
        **aer_options: passed to :class:`qiskit_aer.AerSimulator`.

    Raises:
        InputError: an unknown method or oracle.
        OptionError: an option neither this class nor AerSimulator takes.
        BudgetError: ``shots`` is not a positive integer.

    >>> from grover_train.finders.coherent.prep import Preparation
    >>> import dimod
    >>> bqm = dimod.BQM({0: 1.0, 1: -2.0}, {(0, 1): 3.0}, 0.0, 'BINARY')   # E = 0, 1, -2, 2
    >>> p = AerBackend().probabilities(SearchProblem(bqm, -1.0), Preparation('uniform'), 1)
    >>> np.round(p, 6).tolist()   # one marked state out of 4: one iterate finds it
    [0.0, 0.0, 1.0, 0.0]
    """

    name = "aer"

    def __init__(
        self,
        method: str = "statevector",
        noise_model: NoiseModel | None = None,
        oracle: str = "hardware",
        device: str = "CPU",
        *,
        noise: bool | NoiseModel | None = None,
        shots: int = 4096,
        max_qubits: int | None = None,
        max_density_qubits: int = 12,
        quantization: dict | None = None,
        incremental: bool = True,
        fuse_phases: bool = True,
        **aer_options,
    ) -> None:
        if method not in METHODS:
            raise InputError(f"unknown Aer method {method!r}: choose one of {', '.join(METHODS)}")
        if oracle not in ORACLES:
            raise InputError(f"unknown oracle {oracle!r}: choose one of {', '.join(ORACLES)}")
        check_aer_options(aer_options)
        shots = check_shots(shots)
        if noise is True:
            noise_model = noise_model or default_noise_model()
        elif isinstance(noise, NoiseModel):
            noise_model = noise
        self.method = method
        self.oracle = oracle
        self.device = device
        self.noise_model = noise_model
        self.shots = int(shots)
        self.max_density_qubits = int(max_density_qubits)
        self.quant_options = dict(quantization or {})
        self._quantizer = OracleQuantizer(self.quant_options)
        self.max_qubits = DEFAULT_MAX_QUBITS[method] if max_qubits is None else int(max_qubits)
        self.exact_probabilities = noise_model is None
        self.aer_options = dict(aer_options)
        self._sims: dict[str, AerSimulator] = {}
        self._targets: dict = {}
        self._cache: OrderedDict = OrderedDict()
        self.incremental = bool(incremental)
        self.fuse_phases = bool(fuse_phases)
        self._states: OrderedDict = OrderedDict()  # (blocks, threshold) -> (pairs, [states])
        self._tau, self._alpha, self._beta = Parameter("tau"), Parameter("alpha"), Parameter("beta")

    # ------------------------------------------------------------------ simulators
    def _simulator(self, method: str | None = None) -> AerSimulator:
        method = method or self.method
        if method not in self._sims:
            self._sims[method] = AerSimulator(
                method=method,
                device=self.device,
                noise_model=self.noise_model,
                **self.aer_options,
            )
        return self._sims[method]

    def _transpile(self, qc: QuantumCircuit) -> QuantumCircuit:
        if self.noise_model is not None:  # the noise applies to the model's basis gates
            return transpile(
                qc,
                basis_gates=self.noise_model.basis_gates,
                optimization_level=1,
                seed_transpiler=0,
            )
        # Aer rebuilds its target on every access: build it once
        if self.method not in self._targets:
            self._targets[self.method] = self._simulator().target
        target = self._targets[self.method]
        if set(qc.count_ops()) <= set(target.operation_names):
            # every instruction is native and Aer has no coupling map: transpiling would only
            # copy the circuit (seconds for the 2^(n+m)-entry diagonals of a fused iterate)
            return qc
        return transpile(qc, target=target, optimization_level=0)

    # ------------------------------------------------------------------ circuits
    def num_qubits(self, problem: SearchProblem) -> int:
        """Qubits of the search circuit: n problem qubits (+ m value qubits, hardware oracle)."""
        n = problem.num_variables
        if self.oracle == "diagonal":
            return n
        return n + value_register_size(self._quantizer.quantization(problem))

    def quantization(self, problem: SearchProblem):
        """The hardware oracle's quantization at this problem's threshold
        (:class:`~grover_train.finders.coherent.marking.OracleQuantizer`, cached; also for the
        diagonal oracle, whose circuit report counts the hardware oracle's register)."""
        return self._quantizer.quantization(problem)

    def oracle_record(self, problem: SearchProblem) -> dict | None:
        """The hardware oracle's quantization and marking at this threshold
        (:func:`~grover_train.finders.coherent.marking.quantization_record`); None for the
        diagonal oracle, which marks the heads exactly."""
        if self.oracle != "hardware":
            return None
        return self._quantizer.record(problem)

    def check_size(self, problem: SearchProblem) -> None:
        n = problem.num_variables
        if n == 0:
            raise InputError("the model has no variables: nothing to search")
        if self.max_qubits is not None and n > self.max_qubits:  # refused before quantizing
            raise TooManyQubitsError(
                f"backend 'aer' ({self.method}) simulates at most {self.max_qubits} qubits, this "
                f"search needs {n} problem qubits alone: use method='matrix_product_state', a "
                "smaller landscape, or the 'exact'/'statevector' backend"
            )
        # a quantization warning means nothing when the circuit is refused: keep it till then
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            width = self.num_qubits(problem)
        if self.max_qubits is not None and width > self.max_qubits:
            raise TooManyQubitsError(
                f"backend 'aer' ({self.method}) simulates at most {self.max_qubits} qubits, this "
                f"search circuit needs {width} ({n} problem + {width - n} value qubits): use "
                "oracle='diagonal', method='matrix_product_state', a smaller landscape, or the "
                "'exact'/'statevector' backend"
            )
        for w in caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    def _blocks(self, problem: SearchProblem, prep) -> dict:
        """Transpiled A and parametrised iterate for (landscape, preparation, exclusion)."""
        excl = tuple(sorted(problem.exclude.items(), key=repr)) if problem.exclude else None
        quant = self._quantizer.quantization(problem) if self.oracle == "hardware" else None
        # a threshold may need a finer quantization (another circuit) to mark the heads exactly
        key = (bqm_key(problem.bqm), prep, excl, self.oracle, quant and quant.scale)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        self.check_size(problem)
        n = problem.num_variables
        blocks: dict = {"n": n, "prep": None, "iterate": None, "info": None}
        if self.oracle == "hardware":
            build = dict(
                exclude=problem.exclude,
                oracle="hardware",
                threshold=self._tau,
                alpha=self._alpha,
                beta=self._beta,
                quantization=quant,
            )
            G = grover_iterate(problem.bqm, prep, **build)
            blocks["info"] = G.metadata["oracle_info"]
            blocks["width"] = G.num_qubits
            blocks["logical_iterate"] = G
            fuse = self.fuse_phases and self.noise_model is None
            if fuse and G.num_qubits <= self.FUSE_MAX_QUBITS:
                G = grover_iterate(problem.bqm, prep, phase_block="diagonal", **build)
            elif G.num_qubits > self.FUSE_MAX_QUBITS:
                # gate by gate on 2^(n+m) amplitudes: seconds to minutes per query here
                warnings.warn(
                    f"aer simulates this {G.num_qubits}-qubit search circuit ({n} problem + "
                    f"{G.num_qubits - n} value qubits) gate by gate, which takes seconds to "
                    f"minutes per query; oracle='diagonal' runs the same search on {n} qubits",
                    SlowSimulationWarning,
                    stacklevel=4,
                )
            blocks["iterate"] = self._transpile(G)
        else:
            blocks["width"] = n
        A = QuantumCircuit(blocks["width"])
        A.compose(prep_circuit(problem.bqm, prep), range(n), inplace=True)
        blocks["prep"] = self._transpile(A)
        self._cache[key] = blocks
        while len(self._cache) > 8:
            self._cache.popitem(last=False)
        return blocks

    def circuit(self, problem: SearchProblem, prep, iterates) -> QuantumCircuit:
        """The bound, transpiled search circuit (no measurements) for this round."""
        qc = self._blocks(problem, prep)["prep"].copy()
        for block in self._iterates_only(problem, prep, as_phases(iterates)):
            qc.compose(block, inplace=True)
        return qc

    # ------------------------------------------------------------------ running
    def probabilities(
        self, problem: SearchProblem, prep, iterates, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        """P(z) over the 2^n problem states (exact unless noisy and too large for a density
        matrix; then estimated from ``shots`` drawn with ``rng``, which that case requires)."""
        if self._can_continue(problem):
            return self._incremental_probabilities(problem, prep, as_phases(iterates))
        qc = self.circuit(problem, prep, iterates)
        n = problem.num_variables
        method = self.method
        if self.noise_model is not None:
            if qc.num_qubits > self.max_density_qubits:
                z = self._run_shots(qc, n, self.shots, shot_stream(rng, self.name))
                return np.bincount(z, minlength=2**n) / self.shots
            method = "density_matrix"
        qc.append(SaveProbabilities(n, label="probabilities"), range(n))
        result = self._simulator(method).run(qc, shots=1).result()
        p = np.asarray(result.data(0)["probabilities"], dtype=float)
        if p.size < 2**n:  # Aer may drop trailing zeros
            p = np.concatenate([p, np.zeros(2**n - p.size)])
        return p

    def sample(
        self, problem: SearchProblem, prep, iterates, shots: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Measure the problem qubits ``shots`` times (Aer's seed_simulator drawn from ``rng``)."""
        check_shots(shots)
        if self._can_continue(problem):
            # exact probabilities of the same circuit; shots drawn as the base class does
            return Backend.sample(self, problem, prep, iterates, shots, rng)
        qc = self.circuit(problem, prep, iterates)
        return self._run_shots(qc, problem.num_variables, int(shots), rng)

    def _integer_threshold(self, problem: SearchProblem) -> int:
        """The value bound to the threshold parameter: inside the gap between heads and
        non-heads when there is one (see :func:`.marking.oracle_marking`)."""
        return self._quantizer.marking(problem).integer_threshold

    #: widest hardware-oracle iterate simulated with fused parity phases (2^20 diagonal entries)
    FUSE_MAX_QUBITS = 20

    # ------------------------------------------------------------------ incremental runs
    #: widest circuit whose intermediate states are kept (2^20 amplitudes = 16 MiB each)
    INCREMENTAL_MAX_QUBITS = 20
    #: most saved states per (landscape, threshold); most (landscape, threshold) entries
    INCREMENTAL_MAX_STATES, INCREMENTAL_MAX_ENTRIES = 64, 2

    def _can_continue(self, problem: SearchProblem) -> bool:
        return (
            self.incremental
            and self.noise_model is None
            and self.method == "statevector"
            and self.num_qubits(problem) <= self.INCREMENTAL_MAX_QUBITS
        )

    def _incremental_probabilities(self, problem: SearchProblem, prep, pairs) -> np.ndarray:
        """P(z) after ``pairs``, continuing from the deepest saved state with the same prefix."""
        from qiskit_aer.library import SaveStatevector, SetStatevector

        b = self._blocks(problem, prep)
        n, width = problem.num_variables, b["width"]
        if self.oracle == "hardware":
            tkey = ("t", b["info"].quantization.scale, self._integer_threshold(problem))
        else:
            tkey = ("marks", problem.marked.tobytes())
        excl = tuple(sorted(problem.exclude.items(), key=repr)) if problem.exclude else None
        key = (bqm_key(problem.bqm), prep, excl, self.oracle, tkey)
        # states[j] = the state after the first j iterates of ``done`` (states[0] = A|0>)
        done, states = self._states.pop(key, ((), []))
        if not states:
            qc = b["prep"].copy()
            qc.append(SaveStatevector(width, label="s0"), range(width))
            states, done = [np.asarray(self._simulator().run(qc).result().data(0)["s0"])], ()
        k, limit = 0, min(len(pairs), len(states) - 1)
        while k < limit and pairs[k] == done[k]:
            k += 1
        if k < len(pairs):
            blocks = self._iterates_only(problem, prep, pairs[k:])
            qc = QuantumCircuit(*blocks[0].qregs)
            qc.append(SetStatevector(states[k]), range(width))
            labels = []
            for j, block in enumerate(blocks):
                # same qubits: append the cached (never mutated) instructions as they are;
                # compose would copy the diagonals, which costs more than simulating them
                for inst in block.data:
                    qc._append(inst)
                qc.global_phase += block.global_phase
                labels.append(f"s{k + j + 1}")
                qc.append(SaveStatevector(width, label=labels[-1]), range(width))
            data = self._simulator().run(qc).result().data(0)
            states = states[: k + 1] + [np.asarray(data[lab]) for lab in labels]
            done = tuple(pairs)
        psi = states[len(pairs)]
        states = states[: self.INCREMENTAL_MAX_STATES]
        self._states[key] = (done[: len(states) - 1], states)
        while len(self._states) > self.INCREMENTAL_MAX_ENTRIES:
            self._states.popitem(last=False)
        p = np.abs(psi) ** 2
        # problem qubits are the low n bits: marginalise the (uncomputed) value register
        return p.reshape(-1, 2**n).sum(axis=0)

    def _iterates_only(self, problem: SearchProblem, prep, pairs) -> list[QuantumCircuit]:
        """Bound, transpiled iterate circuits (full width), one per pair."""
        b = self._blocks(problem, prep)
        out = []
        if self.oracle == "hardware":
            t = self._integer_threshold(problem)
            bound = b.setdefault("bound", OrderedDict())
            for a, be in pairs:
                if (t, a, be) not in bound:
                    bound[(t, a, be)] = _bind_shared(
                        b["iterate"], {self._tau: t, self._alpha: a, self._beta: be}
                    )
                    while len(bound) > 16:
                        bound.popitem(last=False)
                out.append(bound[(t, a, be)])
        else:
            built = {}
            for pair in pairs:
                if pair not in built:
                    built[pair] = self._transpile(_diagonal_iterate(problem, prep, *pair))
                out.append(built[pair])
        return out

    def _run_shots(
        self, qc: QuantumCircuit, n: int, shots: int, rng: np.random.Generator
    ) -> np.ndarray:
        qc = qc.copy()
        qc.add_register(_creg(n))
        qc.measure(range(n), range(n))
        counts = self._simulator().run(qc, shots=shots, seed_simulator=child_seed(rng)).result()
        counts = counts.get_counts(0)
        keys = np.array([int(k.replace(" ", ""), 2) for k in counts], dtype=np.int64)
        z = np.repeat(keys, [counts[k] for k in counts])
        return rng.permutation(z)

    def resources(self, problem: SearchProblem, prep, iterates) -> dict:
        """Qubits, 2-qubit gates and depth (cx + u basis) of the search circuit and per iterate."""
        pairs = as_phases(iterates)
        b = self._blocks(problem, prep)
        n = problem.num_variables
        if "iterate_resources" not in b:
            A = prep_circuit(problem.bqm, prep)
            if self.oracle == "hardware":
                G = b["logical_iterate"].assign_parameters(
                    {self._tau: 0, self._alpha: math.pi, self._beta: math.pi}
                )
            else:
                G = _diagonal_iterate(problem, prep)
            b["iterate_resources"] = circuit_resources(G)
            b["prep_resources"] = circuit_resources(A)
        ri, rp = b["iterate_resources"], b["prep_resources"]
        r = len(pairs)
        out = {
            "num_qubits": b["width"],
            "num_value_qubits": b["width"] - n,
            "two_qubit_gates": rp["two_qubit_gates"] + r * ri["two_qubit_gates"],
            "depth": rp["depth"] + r * ri["depth"],
            "per_iterate": {k: ri[k] for k in ("two_qubit_gates", "depth")},
            "circuits": 1,
            "oracle": self.oracle,
            "method": self.method,
        }
        if b["info"] is not None:
            rec = self.oracle_record(problem)
            out.update(
                scale=rec["scale"],
                rounding_error_bound=rec["rounding_error_bound"],
                integer_threshold=rec["integer_threshold"],
                quantization=rec,
            )
        return out


def _bind_shared(template: QuantumCircuit, values: dict) -> QuantumCircuit:
    """``template`` with ``values`` bound; parameter-free instructions are shared, not copied.

    ``assign_parameters`` deep-copies every instruction, including the 2^(n+m)-entry diagonals
    of a fused iterate, which costs more than simulating it.
    """

    def bind(p):
        if not isinstance(p, ParameterExpression):
            return p
        return float(p.bind({k: v for k, v in values.items() if k in p.parameters}))

    out = QuantumCircuit(*template.qregs, *template.cregs, global_phase=bind(template.global_phase))
    for inst in template.data:
        op = inst.operation
        # (a diagonal's 2^(n+m) entries are numbers: skip scanning them)
        if op.name != "diagonal" and any(isinstance(p, ParameterExpression) for p in op.params):
            op = op.to_mutable()
            op.params = [bind(p) for p in op.params]
            inst = inst.replace(operation=op)
        out._append(inst)
    return out


def _diagonal_iterate(
    problem: SearchProblem, prep, alpha: float = math.pi, beta: float = math.pi
) -> QuantumCircuit:
    """G(alpha, beta) with the diagonal oracle at the problem's threshold and exclusion."""
    return grover_iterate(
        problem.bqm,
        prep,
        exclude=problem.exclude,
        oracle="diagonal",
        threshold=problem.threshold,
        alpha=alpha,
        beta=beta,
    )


def _creg(n: int):
    from qiskit import ClassicalRegister

    return ClassicalRegister(n, "meas")
