"""One entry point for problems from other ecosystems: :func:`as_bqm`.

Accepted (anything else gets a one-line :class:`~grover_train.errors.InputError` naming these):

- a :class:`dimod.BinaryQuadraticModel` (copied), or the dict of its ``to_serializable()``;
- a file path: dimod ``to_serializable()`` JSON, dimod COO text (``i j bias`` lines, with a
  ``# vartype=SPIN`` or ``# vartype=BINARY`` header), or an LP file read by qiskit-optimization;
- a qiskit-optimization ``QuadraticProgram``, turned into an unconstrained binary problem by its
  own ``QuadraticProgramToQubo`` converter (a maximisation is negated);
- a Qiskit ``SparsePauliOp`` of Z terms, or a PennyLane ``Hamiltonian``/``Sum``/``Prod``/
  ``SProd`` of Z terms: a SPIN model whose variables are the qubits (Qiskit) or the wires
  (PennyLane); spin ``s_i`` is the eigenvalue of ``Z_i``, so state ``|0>`` of a qubit is
  ``s_i = +1`` and the model's energy of a basis state equals the operator's diagonal entry.

Every bias must be a finite real number, and the model's energy scale (``|offset|`` plus
every ``|bias|``) at most :data:`MAX_ENERGY_SCALE`. A serialized BQM is checked field by field
against the shape it declares (:func:`check_serializable`) before dimod reads it.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dimod
import numpy as np

from grover_train.errors import InputError

ACCEPTED = (
    "a dimod BinaryQuadraticModel, a BQM file (dimod to_serializable() JSON, dimod COO text "
    "with a '# vartype=SPIN' header, or an .lp file), a qiskit-optimization QuadraticProgram, "
    "a Qiskit SparsePauliOp of Z terms, or a PennyLane Hamiltonian/Sum of Z terms"
)
#: imaginary part tolerated in an operator's coefficient (relative to its size)
IMAG_TOL = 1e-12
#: largest energy scale ``|offset| + sum |bias|`` accepted: energies, their differences and
#: squares (spreads, quantization) then stay finite in float64 (its largest number is 1.8e308)
MAX_ENERGY_SCALE = 1e150
#: the fields of ``BinaryQuadraticModel.to_serializable()`` (dimod bqm_schema 2 and 3)
SERIALIZED_FIELDS = {
    "type", "version", "use_bytes", "index_type", "bias_type", "num_variables",
    "num_interactions", "variable_labels", "variable_type", "offset", "info", "linear_biases",
    "quadratic_biases", "quadratic_head", "quadratic_tail",
}  # fmt: skip
#: the fields dimod's reader needs (the others are checked when present)
SERIALIZED_REQUIRED = (
    "version", "use_bytes", "variable_labels", "variable_type", "offset", "linear_biases",
    "quadratic_biases", "quadratic_head", "quadratic_tail",
)  # fmt: skip


def as_bqm(obj: Any) -> dimod.BinaryQuadraticModel:
    """The binary quadratic model of ``obj`` (see the module docstring for what is accepted).

    >>> float(as_bqm(dimod.BQM({"a": 1.0}, {}, 0.0, "SPIN")).linear["a"])
    1.0
    >>> from qiskit.quantum_info import SparsePauliOp
    >>> bqm = as_bqm(SparsePauliOp(["IZ", "ZZ", "II"], [0.5, -1.0, 2.0]))
    >>> [float(x) for x in (bqm.linear[0], bqm.linear[1], bqm.quadratic[0, 1], bqm.offset)]
    [0.5, 0.0, -1.0, 2.0]
    >>> as_bqm(3)
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: cannot read a problem from a int: give a dimod ...
    """
    if isinstance(obj, dimod.BinaryQuadraticModel):
        bqm = obj.copy()
    elif isinstance(obj, str | os.PathLike):
        bqm = load_bqm_file(obj)
    elif isinstance(obj, Mapping) and obj.get("type") == "BinaryQuadraticModel":
        bqm = _from_serializable(obj, "the given dict")
    else:
        kind = type(obj).__name__
        module = type(obj).__module__ or ""
        if kind == "QuadraticProgram" and module.startswith("qiskit_optimization"):
            bqm = from_quadratic_program(obj)
        elif kind == "SparsePauliOp" and module.startswith("qiskit"):
            bqm = from_sparse_pauli_op(obj)
        elif module.startswith("pennylane"):
            bqm = from_pennylane(obj)
        else:
            raise InputError(f"cannot read a problem from a {kind}: give {ACCEPTED}")
    return check_finite(bqm)


def check_finite(bqm: dimod.BinaryQuadraticModel, where: str = "the model") -> dimod.BQM:
    """Refuse NaN or infinite biases (they make every energy comparison meaningless) and an
    energy scale above :data:`MAX_ENERGY_SCALE` (its energies would overflow float64).

    >>> check_finite(dimod.BQM({0: float("nan")}, {}, 0.0, "SPIN"))
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: the model has NaN or infinite biases (linear bias of 0 ...
    >>> check_finite(dimod.BQM({0: 1e308, 1: 1e308}, {}, 0.0, "SPIN"))
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: the model has an energy scale (|offset| + sum |bias|) of ...
    """
    lin, (row, col, quad), offset, _ = bqm.to_numpy_vectors(return_labels=True)
    if not math.isfinite(float(offset)):
        raise InputError(f"{where} has a NaN or infinite offset ({offset}): give finite biases")
    for name, arr, labels in (
        ("linear bias of", lin, lambda i: list(bqm.variables)[i]),
        ("quadratic bias of", quad, lambda i: (list(bqm.variables)[row[i]], bqm.variables[col[i]])),
    ):
        bad = np.flatnonzero(~np.isfinite(arr))
        if len(bad):
            raise InputError(
                f"{where} has NaN or infinite biases ({name} {labels(int(bad[0]))!r} is "
                f"{arr[bad[0]]}): give finite biases"
            )
    # in either vartype every SPIN bias and every energy is bounded by this sum
    values = np.concatenate([[float(offset)], lin, quad])
    with np.errstate(over="ignore"):
        scale = float(np.abs(values).sum())
    if not scale <= MAX_ENERGY_SCALE:
        # a bound that stays finite when the sum does not: the largest bias times their number
        bound = math.log10(float(np.abs(values).max())) + math.log10(values.size)
        factor = 10.0 ** math.floor(math.log10(MAX_ENERGY_SCALE) - 1 - bound)
        raise InputError(
            f"{where} has an energy scale (|offset| + sum |bias|) of {scale:.3g}, above the "
            f"{MAX_ENERGY_SCALE:.0e} within which float64 energies stay finite: divide every "
            f"bias by the same constant, e.g. bqm.scale({factor:.0e}), which keeps the minima"
        )
    return bqm


def load_bqm_file(path: str | os.PathLike) -> dimod.BinaryQuadraticModel:
    """Read a BQM file: dimod JSON, dimod COO text, or an LP file (qiskit-optimization).

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "m.coo"
    >>> _ = p.write_text("# vartype=SPIN\\n0 0 1.5\\n0 1 -0.25\\n")
    >>> bqm = load_bqm_file(p)
    >>> bqm.vartype.name, float(bqm.linear[0]), float(bqm.quadratic[0, 1])
    ('SPIN', 1.5, -0.25)
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"BQM file {str(path)!r} not found: give {ACCEPTED}")
    try:
        text = p.read_text()
    except UnicodeDecodeError:
        raise InputError(f"BQM file {str(path)!r} is not text: give {ACCEPTED}") from None
    except OSError as exc:
        raise InputError(
            f"BQM file {str(path)!r} cannot be read ({exc.strerror}): fix its permissions"
        ) from None
    if p.suffix.lower() == ".lp":
        return _from_lp(p)
    if text.lstrip().startswith("{"):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"BQM file {str(path)!r} is not JSON ({exc}): write it with "
                "json.dump(bqm.to_serializable(), f)"
            ) from None
        return _from_serializable(obj, f"BQM file {str(path)!r}")
    return _from_coo(text, str(path))


def _is_real(x: Any) -> bool:
    return isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool)


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_finite(x: Any) -> bool:
    """A real number float64 holds as a finite value (a JSON integer may have 400 digits)."""
    try:
        return _is_real(x) and math.isfinite(float(x))
    except OverflowError:
        return False


def _is_index(x: Any) -> bool:
    return isinstance(x, int | np.integer) and not isinstance(x, bool)


def _sequence(obj: Mapping, key: str, where: str, fix: str) -> list:
    """Field ``key`` as a list (bytes are decoded with the declared dtype when use_bytes)."""
    value = obj[key]
    if obj.get("use_bytes"):
        kind = "bias_type" if key.endswith("biases") else "index_type"
        if not isinstance(value, bytes | bytearray | memoryview):
            raise InputError(f"{where}: {key} must be bytes when use_bytes is true: {fix}")
        dtype = np.dtype(obj.get(kind, "float64" if kind == "bias_type" else "int32"))
        if len(value) % dtype.itemsize:
            raise InputError(
                f"{where}: {key} holds {len(value)} bytes, not a whole number of {dtype} "
                f"values: {fix}"
            )
        return np.frombuffer(value, dtype=dtype).tolist()
    if not isinstance(value, list):
        raise InputError(f"{where}: {key} must be a list, got {type(value).__name__}: {fix}")
    return value


def check_serializable(obj: Any, where: str = "the serialized BQM") -> None:
    """Check every field of a dimod ``to_serializable()`` dict against the shape it declares,
    before dimod reads it: dimod fills missing linear biases with 0 and ignores
    ``num_variables``, so a truncated or edited file would silently be another problem.

    >>> good = dimod.BQM({"a": 1.0}, {("a", "b"): -0.5}, 0.0, "SPIN").to_serializable()
    >>> check_serializable(good)
    >>> check_serializable({**good, "linear_biases": [1.0]})
    Traceback (most recent call last):
    ...
    grover_train.errors.InputError: the serialized BQM: linear_biases has 1 values for 2 ...
    """
    fix = "write it with json.dump(bqm.to_serializable(), f)"
    if not isinstance(obj, Mapping):
        raise InputError(f"{where} is a {type(obj).__name__}, not a serialized BQM: {fix}")
    unknown = sorted(map(repr, set(obj) - SERIALIZED_FIELDS))
    if unknown:
        raise InputError(
            f"{where}: unknown field(s) {', '.join(unknown)} in a serialized BQM (its fields: "
            f"{', '.join(sorted(SERIALIZED_FIELDS))}): {fix}"
        )
    missing = [k for k in SERIALIZED_REQUIRED if k not in obj]
    if missing:
        raise InputError(f"{where}: serialized BQM field(s) {', '.join(missing)} missing: {fix}")
    if obj.get("type", "BinaryQuadraticModel") != "BinaryQuadraticModel":
        raise InputError(
            f"{where} holds a {obj['type']!r}, not a BinaryQuadraticModel: give a binary "
            "quadratic model"
        )
    version = obj["version"]
    schema = version.get("bqm_schema") if isinstance(version, Mapping) else None
    major = str(schema).split(".")[0]
    if not isinstance(schema, str) or major not in ("2", "3") or set(version) - {"bqm_schema"}:
        raise InputError(
            f"{where}: version is {version!r}, not {{'bqm_schema': '3.0.0'}} (dimod reads "
            f"bqm_schema 2 and 3): {fix}"
        )
    use_bytes = obj["use_bytes"]
    if not isinstance(use_bytes, bool) or (use_bytes and major == "2"):
        raise InputError(f"{where}: use_bytes is {use_bytes!r}, not true or false: {fix}")
    for key, kinds in (("index_type", "iu"), ("bias_type", "f")):
        if key in obj:
            try:
                ok = np.dtype(obj[key]).kind in kinds
            except TypeError:
                ok = False
            if not ok:
                raise InputError(f"{where}: {key} is {obj[key]!r}, not a numpy dtype name: {fix}")
    if obj["variable_type"] not in ("SPIN", "BINARY"):
        raise InputError(
            f"{where}: variable_type is {obj['variable_type']!r}, not 'SPIN' or 'BINARY': {fix}"
        )
    offset = obj["offset"]
    if _is_real(offset) and not _is_finite(offset):
        raise InputError(f"{where} has a NaN or infinite offset ({offset!r}): give finite biases")
    if not _is_finite(offset):
        raise InputError(f"{where}: offset is {offset!r}, not a finite number: {fix}")
    if not isinstance(obj.get("info", {}), Mapping):
        raise InputError(f"{where}: info is a {type(obj['info']).__name__}, not a dict: {fix}")
    labels = obj["variable_labels"]
    if not isinstance(labels, list):
        raise InputError(f"{where}: variable_labels must be a list: {fix}")
    seen: set = set()
    for label in labels:
        key = tuple(label) if isinstance(label, list) else label
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:
            raise InputError(
                f"{where}: variable label {label!r} is not hashable (a list inside a list): {fix}"
            ) from None
        if duplicate:
            raise InputError(f"{where}: variable label {label!r} appears twice: {fix}")
    n = len(labels)
    linear = _sequence(obj, "linear_biases", where, fix)
    quad = {k: _sequence(obj, k, where, fix) for k in ("quadratic_head", "quadratic_tail")}
    qbias = _sequence(obj, "quadratic_biases", where, fix)
    for key, count, what in (
        ("num_variables", n, "variable labels"),
        ("num_interactions", len(qbias), "quadratic biases"),
    ):
        if key in obj and not (_is_index(obj[key]) and obj[key] == count):
            raise InputError(
                f"{where}: num_{key[4:]} is {obj[key]!r} but the file has {count} {what}: {fix}"
            )
    if len(linear) != n:
        raise InputError(
            f"{where}: linear_biases has {len(linear)} values for {n} variables (dimod would "
            f"set the missing ones to 0): {fix}"
        )
    if not len(quad["quadratic_head"]) == len(quad["quadratic_tail"]) == len(qbias):
        raise InputError(
            f"{where}: quadratic_head, quadratic_tail and quadratic_biases have "
            f"{len(quad['quadratic_head'])}, {len(quad['quadratic_tail'])} and {len(qbias)} "
            f"values; they must be equally long: {fix}"
        )
    for key, values in (("linear_biases", linear), ("quadratic_biases", qbias)):
        bad = [b for b in values if not _is_finite(b)]
        if bad and _is_real(bad[0]):
            raise InputError(
                f"{where} has NaN or infinite biases ({key} holds {_short(bad[0])}): give "
                "finite biases"
            )
        if bad:
            raise InputError(f"{where}: {key} holds {_short(bad[0])}, not a number: {fix}")
    pairs: set[tuple[int, int]] = set()
    for u, v in zip(quad["quadratic_head"], quad["quadratic_tail"], strict=True):
        if not (_is_index(u) and _is_index(v) and 0 <= u < n and 0 <= v < n):
            raise InputError(
                f"{where}: interaction ({u!r}, {v!r}) is not a pair of variable indices in "
                f"[0, {n}): {fix}"
            )
        pair = (min(u, v), max(u, v))
        if u == v or pair in pairs:
            raise InputError(
                f"{where}: interaction ({u}, {v}) is "
                f"{'a self-loop' if u == v else 'given twice'}: {fix}"
            )
        pairs.add(pair)


def _from_serializable(obj: Any, where: str) -> dimod.BinaryQuadraticModel:
    check_serializable(obj, where)
    try:
        bqm = dimod.BinaryQuadraticModel.from_serializable(obj)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise InputError(
            f"{where} is not a dimod serialized BQM ({type(exc).__name__}: {exc}): write it "
            "with json.dump(bqm.to_serializable(), f)"
        ) from None
    if not isinstance(bqm, dimod.BinaryQuadraticModel):
        raise InputError(f"{where} holds a {type(bqm).__name__}, not a binary quadratic model")
    return bqm


def _from_coo(text: str, where: str) -> dimod.BinaryQuadraticModel:
    import io

    from dimod.serialization import coo

    head = next((ln for ln in text.splitlines() if ln.strip()), "")
    if "vartype" not in head:
        raise InputError(
            f"BQM file {where!r} is neither dimod JSON nor COO text with a vartype header: "
            "start a COO file with '# vartype=SPIN' or '# vartype=BINARY'"
        )
    # dimod's reader skips lines it does not understand: check every line first
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split("#")[0].split()
        if not parts:
            continue
        ok = len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit()
        try:
            ok = ok and math.isfinite(float(parts[2]))
        except ValueError:
            ok = False
        if not ok:
            raise InputError(
                f"BQM file {where!r} line {number} is not 'i j bias' with integer variables "
                f"and a finite bias: {line.strip()[:60]!r}; fix the line"
            )
    try:
        return coo.load(io.StringIO(text))
    except (ValueError, TypeError, IndexError) as exc:
        raise InputError(
            f"BQM file {where!r} is not valid COO text ({exc}): write lines 'i j bias' "
            "after a '# vartype=SPIN' header (dimod.serialization.coo.dump)"
        ) from None


def _from_lp(path: Path) -> dimod.BinaryQuadraticModel:
    try:
        from qiskit_optimization import QuadraticProgram
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("qiskit_optimization"):
            raise
        raise InputError(
            f"reading {str(path)!r} needs qiskit-optimization: pip install qiskit-optimization"
        ) from None
    qp = QuadraticProgram()
    try:
        qp.read_from_lp_file(str(path))
    except Exception as exc:  # noqa: BLE001 - its parser raises several kinds
        raise InputError(f"LP file {str(path)!r} cannot be read ({exc}): fix the file") from None
    return from_quadratic_program(qp)


def from_quadratic_program(qp) -> dimod.BinaryQuadraticModel:
    """A qiskit-optimization ``QuadraticProgram`` as a BINARY BQM to minimise, through its own
    ``QuadraticProgramToQubo`` converter (constraints become penalties, integers become bits).
    """
    from qiskit_optimization.converters import QuadraticProgramToQubo
    from qiskit_optimization.exceptions import QiskitOptimizationError

    try:
        qubo = QuadraticProgramToQubo().convert(qp)
    except QiskitOptimizationError as exc:
        raise InputError(
            f"the QuadraticProgram cannot be turned into a QUBO ({exc}): use binary, "
            "integer and linear-equality parts only"
        ) from None
    obj = qubo.objective
    sign = -1.0 if obj.sense.name == "MAXIMIZE" else 1.0
    names = [v.name for v in qubo.variables]
    bqm = dimod.BinaryQuadraticModel({n: 0.0 for n in names}, {}, 0.0, dimod.BINARY)
    for (i, j), c in obj.quadratic.to_dict().items():
        if i == j:
            bqm.add_linear(names[i], sign * c)  # x^2 = x for a bit
        else:
            bqm.add_quadratic(names[i], names[j], sign * c)
    for i, c in obj.linear.to_dict().items():
        bqm.add_linear(names[i], sign * c)
    bqm.offset += sign * obj.constant
    return bqm


def _real(c: complex, what: str) -> float:
    c = complex(c)
    if abs(c.imag) > IMAG_TOL * max(1.0, abs(c.real)):
        raise InputError(f"{what} has the complex coefficient {c}: give a Hermitian operator")
    return float(c.real)


def _add_term(bqm: dimod.BQM, spins: list, coeff: float, what: str) -> None:
    if len(spins) == 0:
        bqm.offset += coeff
    elif len(spins) == 1:
        bqm.add_linear(spins[0], coeff)
    elif len(spins) == 2:
        bqm.add_quadratic(spins[0], spins[1], coeff)
    else:
        raise InputError(
            f"{what} has a term on {len(spins)} qubits ({spins}): only Z and ZZ terms make a "
            "quadratic model"
        )


def from_sparse_pauli_op(op) -> dimod.BinaryQuadraticModel:
    """A Qiskit ``SparsePauliOp`` of I/Z terms as a SPIN BQM on variables 0..n-1 (qubit i,
    rightmost in a label, is variable i; ``s_i = +1`` for ``|0>``)."""
    n = op.num_qubits
    bqm = dimod.BinaryQuadraticModel({i: 0.0 for i in range(n)}, {}, 0.0, dimod.SPIN)
    for label, coeff in zip(op.paulis.to_labels(), op.coeffs, strict=True):
        if set(label) - {"I", "Z"}:
            raise InputError(
                f"SparsePauliOp term {label!r} is not made of I and Z: only diagonal "
                "(Z) operators are energy functions"
            )
        spins = [i for i, ch in enumerate(reversed(label)) if ch == "Z"]
        _add_term(bqm, spins, _real(coeff, f"SparsePauliOp term {label!r}"), "the SparsePauliOp")
    return bqm


def from_pennylane(obj) -> dimod.BinaryQuadraticModel:
    """A PennyLane operator made of Z terms (``qml.Hamiltonian``, a ``Sum``, ``Prod``, ``SProd``
    or a single ``PauliZ``) as a SPIN BQM whose variables are its wires."""
    import pennylane as qml

    try:
        sentence = qml.pauli.pauli_sentence(obj)
    except (ValueError, TypeError, AttributeError) as exc:
        raise InputError(
            f"PennyLane {type(obj).__name__} is not a sum of Pauli words ({exc}): give {ACCEPTED}"
        ) from None
    wires = list(obj.wires)
    bqm = dimod.BinaryQuadraticModel({w: 0.0 for w in wires}, {}, 0.0, dimod.SPIN)
    for word, coeff in sentence.items():
        ops = dict(word)
        if set(ops.values()) - {"Z"}:
            raise InputError(
                f"PennyLane term {word} is not made of Z: only diagonal (Z) operators are "
                "energy functions"
            )
        _add_term(bqm, list(ops), _real(coeff, f"PennyLane term {word}"), "the operator")
    return bqm


__all__ = [
    "ACCEPTED",
    "MAX_ENERGY_SCALE",
    "as_bqm",
    "check_finite",
    "check_serializable",
    "load_bqm_file",
]
