"""Size checks before allocating: refuse, with the estimate, what does not fit in memory."""

from __future__ import annotations

from grover_train.errors import TooLargeError

#: Fraction of the available memory one request may take.
MEMORY_FRACTION = 0.5


def check_bytes(need: float, what: str, fix: str) -> int:
    """Refuse (before allocating) ``need`` bytes when they exceed :data:`MEMORY_FRACTION` of the
    memory available now. Returns ``need`` as an int.

    >>> check_bytes(1024, "a table", "use fewer states")
    1024
    >>> check_bytes(2**70, "a table of 2^67 floats", "use fewer states")
    Traceback (most recent call last):
    ...
    grover_train.errors.TooLargeError: a table of 2^67 floats needs 1099511627776.0 GiB, more ...
    """
    from grover_train.enumeration import available_memory, format_bytes

    need = int(need)
    avail = available_memory()
    if need > MEMORY_FRACTION * avail:
        raise TooLargeError(
            f"{what} needs {format_bytes(need)}, more than half of the {format_bytes(avail)} "
            f"of memory available: {fix}"
        )
    return need
