"""Save and load trained networks as ``model.npz``, readable with numpy alone.

Format (documented in docs/model-format.md): a one-hidden-layer network stores arrays ``W``
(H, D), ``b`` (H,), ``U`` (C, H) and ``c`` (C,). A network with L > 1 hidden layers stores
``W_1..W_L`` and ``b_1..b_L`` instead of ``W`` and ``b``. Every file also holds ``meta``, a JSON
string (classes, dataset, preprocessing, training summary).
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from grover_train.errors import InputError, ModelFileError
from grover_train.model.network import DragonNetwork

#: dtype kinds a weight array may have (bool, int, unsigned, float; not complex or objects)
WEIGHT_KINDS = "biuf"
#: meta keys whose type is checked on load: key -> (check, what a good value looks like)
META_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "classes": (lambda v: isinstance(v, list) and all(_is_int(k) for k in v), "a list of labels"),
    "dataset_options": (lambda v: isinstance(v, dict), "a JSON object"),
    "train_state": (lambda v: isinstance(v, dict), "a JSON object"),
    "finder": (lambda v: isinstance(v, str), "a finder name"),
    "finder_options": (lambda v: isinstance(v, dict), "a JSON object"),
    "queries": (lambda v: _is_int(v) and v >= 0, "a count of queries"),
}
#: train_state keys the resumed training reads as numbers
STATE_NUMBERS = ("queries", "step", "epoch", "pos", "seed", "wall_s")


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def save_model(net: DragonNetwork, path: str | os.PathLike[str]) -> Path:
    """Write ``net`` to ``path`` atomically (a crash never leaves a half-written model, and a
    failed write, e.g. a full disk, leaves the old file and no temporary behind).

    >>> import tempfile
    >>> net = DragonNetwork.random(4, 3, 2, seed=0)
    >>> p = save_model(net, tempfile.mkdtemp() + '/model.npz')
    >>> sorted(np.load(p).files)
    ['U', 'W', 'b', 'c', 'meta']
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the folder of {str(path)!r} ({exc.strerror}): give a writable --out"
        ) from None
    arrays: dict[str, Any] = {
        "U": net.U,
        "c": net.c,
        "meta": np.array(json.dumps(net.meta, default=str)),
    }
    if net.num_layers == 1:
        arrays.update(W=net.W[0], b=net.b[0])
    else:
        for i, (w, v) in enumerate(zip(net.W, net.b, strict=True), start=1):
            arrays[f"W_{i}"] = w
            arrays[f"b_{i}"] = v
    # one temporary per process, named so that clean_stale_temporaries finds it after a crash
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp.npz")
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(
            f"cannot write the model {str(path)!r} ({exc.strerror or exc}): free disk space or "
            "give a writable --out; the previous model, if any, is unchanged"
        ) from None
    return path


def clean_stale_temporaries(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove temporaries left in ``folder`` by a killed writer (their process is gone).

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "model.npz.999999999.tmp.npz").write_bytes(b"")
    >>> [p.name for p in clean_stale_temporaries(d)]
    ['model.npz.999999999.tmp.npz']
    """
    removed: list[Path] = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    for p in folder.iterdir():
        parts = p.name.split(".")
        # NAME.PID.tmp.EXT (this module) or NAME.tmp / NAME.tmp.npz (older writers)
        pid = next((int(x) for x in parts if x.isdigit()), None)
        if ".tmp" not in p.name or not p.is_file():
            continue
        if pid is not None and pid != os.getpid() and _alive(pid):
            continue
        if pid == os.getpid():
            continue
        try:
            p.unlink()
            removed.append(p)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _check_members(path: Path) -> None:
    """Read every array header (without the data) and refuse declared shapes that the file
    cannot hold, object arrays (pickles) and totals that do not fit in memory."""
    from grover_train.memory import check_bytes

    total = 0
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not info.filename.endswith(".npy"):
                continue
            with zf.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
                else:
                    shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
                header = fh.tell()
            if dtype.hasobject:
                raise ValueError(f"array {info.filename} holds Python objects (a pickle)")
            need = math.prod(shape) * dtype.itemsize
            if need > info.file_size - header:
                raise ValueError(
                    f"array {info.filename} declares shape {shape} ({need} bytes) but holds "
                    f"{info.file_size - header} bytes"
                )
            total += need
    check_bytes(total, f"model file {str(path)!r}", "give a model written by 'grover-train train'")


def check_meta(meta: object) -> dict[str, Any]:
    """Check the types of the meta keys that commands read; return the meta dict.

    >>> check_meta({"classes": [0, 1]})
    {'classes': [0, 1]}
    >>> check_meta({"classes": "01"})
    Traceback (most recent call last):
    ...
    ValueError: meta 'classes' is '01': expected a list of labels
    """
    if not isinstance(meta, dict):
        raise ValueError(f"meta is a JSON {type(meta).__name__}, not an object")
    for key, (ok, hint) in META_TYPES.items():
        if meta.get(key) is not None and not ok(meta[key]):
            raise ValueError(f"meta {key!r} is {meta[key]!r}: expected {hint}")
    state = meta.get("train_state") or {}
    for key in STATE_NUMBERS:
        v = state.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise ValueError(f"meta train_state.{key} is {v!r}: expected a number")
    opts = meta.get("dataset_options") or {}
    if opts.get("classes") is not None and not META_TYPES["classes"][0](opts["classes"]):
        raise ValueError(f"meta dataset_options.classes is {opts['classes']!r}: expected labels")
    return meta


def load_model(path: str | os.PathLike[str]) -> DragonNetwork:
    """Read a model written by :func:`save_model`; raise :class:`ModelFileError` with the fix
    when the file is missing or malformed. Nothing is unpickled (``allow_pickle=False``), and
    array headers are checked against the file size and the memory before any array is read.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(
            f"model file {str(path)!r} does not exist: pass the model.npz "
            "written by 'grover-train train --out DIR'"
        )
    try:
        _check_members(path)
        with np.load(path, allow_pickle=False) as z:
            files = set(z.files)
            if "W" in files:
                W, b = [z["W"]], [z["b"]]
            else:
                L = len([f for f in files if f.startswith("W_")])
                if L == 0:
                    raise KeyError("W")
                W = [z[f"W_{i}"] for i in range(1, L + 1)]
                b = [z[f"b_{i}"] for i in range(1, L + 1)]
            U, c = z["U"], z["c"]
            meta = json.loads(str(z["meta"])) if "meta" in files else {}
        check_meta(meta)
        for name, arr in [
            ("U", U),
            ("c", c),
            *((f"W[{i}]", w) for i, w in enumerate(W)),
            *((f"b[{i}]", v) for i, v in enumerate(b)),
        ]:
            if arr.dtype.kind not in WEIGHT_KINDS:
                raise ValueError(f"array {name} has dtype {arr.dtype}, not real numbers")
            if 0 in arr.shape:
                raise ValueError(f"array {name} has shape {arr.shape}: no units")
    except PermissionError as exc:
        raise ModelFileError(
            f"model file {str(path)!r} cannot be read ({exc.strerror}): fix its permissions"
        ) from None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError, TypeError) as exc:
        if isinstance(exc, InputError):
            raise
        raise ModelFileError(
            f"model file {str(path)!r} is malformed ({type(exc).__name__}: {exc}): it must be "
            "an .npz with arrays W, b, U, c as written by 'grover-train train'"
        ) from None
    try:
        return DragonNetwork(W, b, U, c, meta)
    except (InputError, ValueError, TypeError) as exc:  # also non-numeric arrays
        raise ModelFileError(
            f"model file {str(path)!r} is malformed: {exc}; write models with "
            "'grover-train train' or grover_train.model.io.save_model"
        ) from None
