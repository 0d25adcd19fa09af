"""``fake:<name>`` and ``ibm:<name>`` backends: ISA circuits through qiskit-ibm-runtime.

The search circuit (hardware oracle, threshold left as the parameter ``tau``) is transpiled once
per (landscape, preparation, exclusion, iterate phases) to the device's instruction set with
``generate_preset_pass_manager(backend=...)`` and run with ``qiskit_ibm_runtime.SamplerV2``; each
round only passes a new integer threshold as the pub's parameter value.

- ``fake:NAME`` (``manila``, ``FakeManilaV2``, ``brisbane``...): a fake backend of
  :mod:`qiskit_ibm_runtime.fake_provider`, simulated locally by Aer *with the device's noise*.
  ``noise=False`` runs the same ISA circuit on a noiseless Aer simulator (checks the transpiled
  circuit without device errors).
- ``ibm:NAME``: real hardware. Needs a saved account, see :data:`ACCOUNT_HELP`.

Probabilities are shot estimates (``exact_probabilities = False``).
"""

from __future__ import annotations

from collections import OrderedDict
from contextlib import contextmanager

import numpy as np

from grover_train.errors import (
    AccountError,
    BudgetError,
    InputError,
    TooManyQubitsError,
    UnknownNameError,
)
from grover_train.finders.coherent.backends.base import Backend, check_shots, shot_stream
from grover_train.finders.coherent.circuits import circuit_resources, search_circuit
from grover_train.finders.coherent.devices import fake_short_name, fit_hint
from grover_train.finders.coherent.iterates import as_phases
from grover_train.finders.coherent.marking import OracleQuantizer, bqm_key
from grover_train.finders.coherent.phase_oracle import value_register_size
from grover_train.finders.search_problem import SearchProblem
from grover_train.rng import child_seed
from grover_train.validate import positive_int

ACCOUNT_HELP = (
    "no saved IBM Quantum account: save one once with "
    '`python -c "from qiskit_ibm_runtime import QiskitRuntimeService as S; '
    "S.save_account(channel='ibm_quantum_platform', token='<API key>', instance='<CRN>')\"` "
    "or use a local fake backend with enough qubits, e.g. --backend fake:guadalupe (16 qubits; "
    "'grover-train resources --bqm FILE --backend aer' says how many a problem needs)"
)


#: execution modes of a search (``auto``: Session for adaptive schedules, else Batch)
EXECUTION_MODES = ("auto", "batch", "session")


def fake_backend_names() -> list[str]:
    """Short names of the fake backends (``fake:<name>``).

    >>> 'manila' in fake_backend_names()
    True
    """
    from qiskit_ibm_runtime import fake_provider

    return sorted(
        {
            fake_short_name(n)
            for n in dir(fake_provider)
            if n.startswith("Fake") and "Provider" not in n
        }
    )


def fake_backend(name: str):
    """Instantiate a fake backend from a short or class name (V2 classes preferred).

    >>> fake_backend('manila').num_qubits
    5
    """
    from qiskit_ibm_runtime import fake_provider

    key = fake_short_name(name)
    matches = [
        n
        for n in dir(fake_provider)
        if n.startswith("Fake") and "Provider" not in n and fake_short_name(n) == key
    ]
    if not matches:
        raise UnknownNameError(
            f"unknown fake backend {name!r}: choose one of {', '.join(fake_backend_names())} "
            "(e.g. fake:manila)"
        )
    matches.sort(key=lambda n: (not n.endswith("V2"), n))
    return getattr(fake_provider, matches[0])()


def runtime_service(**kwargs):
    """``QiskitRuntimeService(**kwargs)``, turning a missing account into :class:`AccountError`."""
    from qiskit_ibm_runtime import QiskitRuntimeService

    try:
        return QiskitRuntimeService(**kwargs)
    except Exception as exc:  # the runtime raises several types for a missing/invalid account
        raise AccountError(f"{ACCOUNT_HELP} ({type(exc).__name__}: {exc})") from exc


class IBMBackend(Backend):
    """Search circuits on an IBM device (``ibm:NAME``) or its local fake (``fake:NAME``).

    Args:
        name: "fake:manila", "fake:FakeBrisbane", "ibm:ibm_brisbane", ...
        shots: shots used by :meth:`probabilities` (estimates).
        optimization_level: preset pass manager level (0-3).
        noise: fake backends only; False runs the ISA circuit without device noise.
        seed: seed of the transpiler (shots draw from the ``rng`` of each call).
        service: an existing ``QiskitRuntimeService`` (``ibm:`` only).
        quantization: options of :func:`quantize` (``scale``/``bits``).
        batch_size: rounds of a search submitted as one sampler job (K PUBs, one shot each).
        mode: "batch", "session" or "auto" (a ``Session`` for adaptive schedules such as
            Durr-Hoyer, a ``Batch`` otherwise); the execution mode of a whole search.
        dynamical_decoupling, twirling: True (or a dict of the runtime's option fields) to
            enable the sampler's dynamical decoupling / gate and measurement twirling.
        sampler_options: any other options of the runtime's ``Sampler`` (nested dict).

    Raises:
        UnknownNameError: an unknown device, oracle or execution mode.
        BudgetError: ``shots`` or ``batch_size`` is not a positive integer.
        AccountError: ``ibm:`` without a saved IBM Quantum account.

    >>> b = IBMBackend('fake:manila')
    >>> b.name, b.device_qubits, b.exact_probabilities
    ('fake:manila', 5, False)
    """

    exact_probabilities = False

    def __init__(
        self,
        name: str,
        *,
        shots: int = 4096,
        optimization_level: int = 2,
        noise: bool = True,
        seed: int | None = 0,
        service=None,
        quantization: dict | None = None,
        oracle: str = "hardware",
        batch_size: int = 16,
        mode: str = "auto",
        dynamical_decoupling: bool | dict = False,
        twirling: bool | dict = False,
        sampler_options: dict | None = None,
    ) -> None:
        prefix, _, rest = str(name).partition(":")
        if prefix not in ("fake", "ibm") or not rest:
            raise UnknownNameError(
                f"unknown backend {name!r}: use fake:<name> (e.g. fake:manila) or ibm:<name>"
            )
        shots = check_shots(shots)
        if oracle != "hardware":
            raise UnknownNameError(
                f"oracle {oracle!r} cannot run on a device: fake:/ibm: use the 'hardware' oracle"
            )
        self.name = f"{prefix}:{rest}"
        self.is_fake = prefix == "fake"
        self.seeded = self.is_fake  # a local simulation takes the seed; hardware does not
        self.shots = int(shots)
        self.optimization_level = int(optimization_level)
        self.noise = bool(noise)
        self.seed = seed
        self.quant_options = dict(quantization or {})
        self._quantizer = OracleQuantizer(self.quant_options)
        if self.is_fake:
            self.device = fake_backend(rest)
        else:
            service = service or runtime_service()
            try:
                self.device = service.backend(rest)
            except Exception as exc:
                raise UnknownNameError(
                    f"IBM backend {rest!r} is not available to this account ({exc}): list "
                    "yours with QiskitRuntimeService().backends()"
                ) from exc
        self.device_qubits = int(self.device.num_qubits)
        self._pm = None
        self._cache: OrderedDict = OrderedDict()
        positive_int(batch_size, "batch_size", BudgetError)
        if mode not in EXECUTION_MODES:
            raise UnknownNameError(
                f"unknown execution mode {mode!r}: choose one of {', '.join(EXECUTION_MODES)}"
            )
        self.batch_size = int(batch_size)
        self.mode = mode
        self.sampler_options = sampler_option_dict(dynamical_decoupling, twirling, sampler_options)
        self._mode = None  # the open Batch/Session during a search
        self.mode_used: str | None = None
        self.jobs = 0
        self.shots_run = 0

    # ------------------------------------------------------------------ circuits
    def num_qubits(self, problem: SearchProblem) -> int:
        n = problem.num_variables
        return n + value_register_size(self._quantizer.quantization(problem))

    def quantization(self, problem: SearchProblem):
        """The hardware oracle's quantization at this problem's threshold
        (:class:`~grover_train.finders.coherent.marking.OracleQuantizer`, cached)."""
        return self._quantizer.quantization(problem)

    def oracle_record(self, problem: SearchProblem) -> dict:
        """The hardware oracle's quantization and marking at this threshold."""
        return self._quantizer.record(problem)

    def check_size(self, problem: SearchProblem) -> None:
        width = self.num_qubits(problem)
        if width > self.device_qubits:
            n = problem.num_variables
            raise TooManyQubitsError(
                f"backend {self.name!r} has {self.device_qubits} qubits, this search circuit "
                f"needs {width} ({n} problem + {width - n} value qubits): the smallest fake "
                f"device that fits is {fit_hint(width)}; or use a smaller landscape"
            )

    def pass_manager(self):
        """The preset pass manager to the device's ISA (built once, seeded)."""
        if self._pm is None:
            from qiskit.transpiler import generate_preset_pass_manager

            self._pm = generate_preset_pass_manager(
                backend=self.device,
                optimization_level=self.optimization_level,
                seed_transpiler=0 if self.seed is None else int(self.seed),
            )
        return self._pm

    def isa_circuit(self, problem: SearchProblem, prep, iterates) -> dict:
        """The ISA-transpiled search circuit (parameter ``tau``) and its oracle info, cached."""
        pairs = tuple(as_phases(iterates))
        excl = tuple(sorted(problem.exclude.items(), key=repr)) if problem.exclude else None
        quant = self._quantizer.quantization(problem)
        key = (bqm_key(problem.bqm), prep, excl, pairs, quant.scale)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        self.check_size(problem)
        logical = search_circuit(
            problem.bqm,
            prep,
            list(pairs),
            exclude=problem.exclude,
            oracle="hardware",
            measure=True,
            quantization=quant,
        )
        isa = self.pass_manager().run(logical)
        entry = {"isa": isa, "logical": logical, "info": logical.metadata["oracle_info"]}
        self._cache[key] = entry
        while len(self._cache) > 32:
            self._cache.popitem(last=False)
        return entry

    # ------------------------------------------------------------------ running
    def _target(self):
        """What the sampler runs on: the device, or a noiseless simulator (fake, noise=False)."""
        if self.is_fake and not self.noise:
            from qiskit_aer import AerSimulator

            return AerSimulator()
        return self.device

    def _sampler(self, seed: int):
        """The runtime's client-side ``Sampler`` in the open Batch/Session (else job mode)."""
        from qiskit_ibm_runtime.executor_sampler import Sampler

        options = _merge(self.sampler_options, {})
        if self.is_fake:  # local mode drops a seed of 0, so never pass 0
            options = _merge(options, {"simulator": {"seed_simulator": max(1, int(seed))}})
        return Sampler(mode=self._mode or self._target(), options=options)

    @contextmanager
    def execution(self, adaptive: bool = True):
        """Open one ``Session`` (adaptive schedules, ``mode="auto"``) or ``Batch`` for a search;
        every job of the search runs in it."""
        from qiskit_ibm_runtime import Batch, Session

        kind = self.mode if self.mode != "auto" else ("session" if adaptive else "batch")
        cls = Session if kind == "session" else Batch
        with cls(backend=self._target()) as mode:
            self._mode, self.mode_used = mode, kind
            try:
                yield self
            finally:
                self._mode = None

    def _run_pubs(self, pubs: list, shots: int, rng: np.random.Generator) -> list:
        job = self._sampler(child_seed(rng)).run(pubs, shots=int(shots))
        self.jobs += 1
        out = []
        for res in job.result():
            bits = res.data.meas
            bools = bits.to_bool_array(order="little").reshape(-1, bits.num_bits)
            self.shots_run += bools.shape[0]  # twirling may run more shots than asked
            out.append(bools)
        return out

    def _pub(self, problem: SearchProblem, prep, iterates) -> tuple:
        isa = self.isa_circuit(problem, prep, iterates)["isa"]
        if not isa.parameters:
            return (isa,)
        return (isa, [self._quantizer.marking(problem).integer_threshold])

    def sample(
        self, problem: SearchProblem, prep, iterates, shots: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Run ``shots`` shots; state indices over the problem qubits (little-endian)."""
        check_shots(shots)
        (bools,) = self._run_pubs([self._pub(problem, prep, iterates)], int(shots), rng)
        # twirling may return more shots (whole randomizations): each is the same circuit
        return _states(bools[: int(shots)], problem.num_variables)

    def sample_rounds(
        self, problem: SearchProblem, prep, rounds: list, rng: np.random.Generator
    ) -> np.ndarray:
        """One job of K PUBs, one per round (its iterates, the same integer threshold), one
        shot each; the measured state of every round, in order.

        Each distinct iterate count is ISA-transpiled once (cached); the threshold is the
        PUB's parameter value.
        """
        pubs = [self._pub(problem, prep, iterates) for iterates in rounds]
        results = self._run_pubs(pubs, 1, rng)
        # with twirling a PUB returns several shots: the first is this round's measurement
        return np.array(
            [int(_states(b[:1], problem.num_variables)[0]) for b in results], dtype=np.int64
        )

    def probabilities(
        self, problem: SearchProblem, prep, iterates, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        """Shot estimate of P(z) from ``self.shots`` shots drawn with ``rng`` (required)."""
        z = self.sample(problem, prep, iterates, self.shots, shot_stream(rng, self.name))
        return np.bincount(z, minlength=2**problem.num_variables) / z.size

    def resources(self, problem: SearchProblem, prep, iterates) -> dict:
        """Logical qubits, and ISA 2-qubit gates/depth on the device, shots per circuit."""
        entry = self.isa_circuit(problem, prep, iterates)
        isa = entry["isa"]
        two = sum(
            1
            for inst in isa.data
            if inst.operation.num_qubits == 2 and inst.operation.name != "barrier"
        )
        logical = circuit_resources(
            entry["logical"].assign_parameters({p: 0 for p in entry["logical"].parameters})
            if entry["logical"].parameters
            else entry["logical"]
        )
        rec = self.oracle_record(problem)
        return {
            "num_qubits": entry["logical"].num_qubits,
            "num_value_qubits": entry["info"].num_value_qubits,
            "two_qubit_gates": two,
            "depth": isa.depth(),
            "logical_two_qubit_gates": logical["two_qubit_gates"],
            "circuits": 1,
            "shots": self.shots,
            "device": self.name,
            "device_qubits": self.device_qubits,
            "batch_size": self.batch_size,
            "mode": self.mode,
            "sampler_options": self.sampler_options,
            "noise": self.noise if self.is_fake else True,
            "scale": rec["scale"],
            "rounding_error_bound": rec["rounding_error_bound"],
            "integer_threshold": rec["integer_threshold"],
            "quantization": rec,
        }


def _states(bools: np.ndarray, n: int) -> np.ndarray:
    return (bools[:, :n].astype(np.int64) << np.arange(n)[None, :]).sum(axis=1)


def _merge(a: dict, b: dict) -> dict:
    """Nested dict merge (b wins), copies."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in a.items()}
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def sampler_option_dict(
    dynamical_decoupling: bool | dict = False,
    twirling: bool | dict = False,
    extra: dict | None = None,
) -> dict:
    """The runtime ``Sampler`` options for the backend options users pass.

    >>> sampler_option_dict(True, {"num_randomizations": 4})
    {'dynamical_decoupling': {'enable': True}, 'twirling': {'enable_gates': True, \
'enable_measure': True, 'num_randomizations': 4}}
    """
    out: dict = {}
    if dynamical_decoupling:
        dd = dynamical_decoupling if isinstance(dynamical_decoupling, dict) else {}
        out["dynamical_decoupling"] = {"enable": True, **dd}
    if twirling:
        tw = twirling if isinstance(twirling, dict) else {}
        out["twirling"] = {"enable_gates": True, "enable_measure": True, **tw}
    if extra:
        if not isinstance(extra, dict):
            raise InputError(f"sampler_options must be a dict, got {extra!r}")
        out = _merge(out, extra)
    return out
