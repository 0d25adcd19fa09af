"""Save and load trained networks as ``model.npz``, readable with numpy alone.

Format (documented in docs/model-format.md): a one-hidden-layer network stores arrays ``W``
(H, D), ``b`` (H,), ``U`` (C, H) and ``c`` (C,). A network with L > 1 hidden layers stores
``W_1..W_L`` and ``b_1..b_L`` instead of ``W`` and ``b``. Every file also holds ``meta``, a JSON
string (classes, dataset, preprocessing, training summary).
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from grover_train.errors import InputError, ModelFileError
from grover_train.model.network import DragonNetwork


def save_model(net: DragonNetwork, path: str | os.PathLike) -> Path:
    """Write ``net`` to ``path`` atomically (a crash never leaves a half-written model).

    >>> import tempfile
    >>> net = DragonNetwork.random(4, 3, 2, seed=0)
    >>> p = save_model(net, tempfile.mkdtemp() + '/model.npz')
    >>> sorted(np.load(p).files)
    ['U', 'W', 'b', 'c', 'meta']
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {"U": net.U, "c": net.c, "meta": np.array(json.dumps(net.meta, default=str))}
    if net.num_layers == 1:
        arrays.update(W=net.W[0], b=net.b[0])
    else:
        for i, (w, v) in enumerate(zip(net.W, net.b, strict=True), start=1):
            arrays[f"W_{i}"] = w
            arrays[f"b_{i}"] = v
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)
    return path


def load_model(path: str | os.PathLike) -> DragonNetwork:
    """Read a model written by :func:`save_model`; raise :class:`ModelFileError` with the fix
    when the file is missing or malformed."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(
            f"model file {str(path)!r} does not exist: pass the model.npz "
            "written by 'grover-train train --out DIR'"
        )
    try:
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
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
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
