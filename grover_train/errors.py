"""Exceptions raised by grover-train.

Every error caused by wrong input subclasses :class:`ValueError` (through :class:`InputError`),
so callers can catch it the way they catch dimod's or numpy's input errors. Messages name the
problem and the fix; the command-line tool prints them on one line and exits with status 2.
"""


class GroverTrainError(Exception):
    """Base class of every error raised on purpose by grover-train."""


class InputError(GroverTrainError, ValueError):
    """The input is wrong (bad shape, unknown name, out-of-range value...)."""


class UnknownNameError(InputError):
    """An unknown dataset, finder, backend, preparation or schedule name."""


class OptionError(InputError, TypeError):
    """An option a finder, backend or schedule does not take, or a value of the wrong type
    (e.g. a non-integer seed). Also a :class:`TypeError`, which Python and dwave-samplers raise
    for the same mistakes, so either ``except`` clause catches it."""


class DatasetError(InputError):
    """A dataset cannot be loaded (missing file, wrong format, bad class subset)."""


class ModelFileError(InputError):
    """A model file is missing or malformed."""


class BudgetError(InputError):
    """A query budget, iteration count or shot count is not a positive integer."""


class TooManyQubitsError(InputError):
    """A problem needs more qubits (or spins) than the chosen backend or finder handles."""


class AccountError(GroverTrainError, RuntimeError):
    """A cloud account (IBM Quantum, D-Wave Leap) is needed but not configured."""


class TooLargeError(InputError):
    """A request needs more memory than this machine has (checked before allocating)."""


class DiskFullError(GroverTrainError, OSError):
    """The disk (or a size limit) filled while writing: nothing written before is lost; free
    some space and rerun the same command. Also an :class:`OSError`, as a full disk is."""
