"""``grover-train predict``: classify with a saved model (numpy only: argmin_k E+(x, k))."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from grover_train.errors import DatasetError, InputError


def register(subparsers) -> None:
    """Add the ``predict`` subcommand."""
    from grover_train.cli.train import add_dataset_arguments

    p = subparsers.add_parser(
        "predict",
        help="classify a dataset or raw +-1 inputs with a saved model",
        description="Predict classes with the deployable classifier argmin_k E+(x,k) of a "
        "model.npz. Give either --dataset (same options as for training; the test split is "
        "used unless --split says otherwise) or --inputs FILE.npy holding raw +-1 rows.",
    )
    p.add_argument(
        "--model", required=True, metavar="FILE", help="model.npz written by 'grover-train train'"
    )
    add_dataset_arguments(p, required=False)
    p.add_argument(
        "--split",
        choices=("test", "train", "all"),
        default="test",
        help="which part of --dataset to classify (default test)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        help="dataset split seed (default: the seed stored in the model)",
    )
    p.add_argument(
        "--inputs",
        default=None,
        metavar="FILE.npy",
        help="array of raw +-1 input rows (N, D) or one row (D,)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help='print {"accuracy": ..., "predictions": [...]} as one JSON line',
    )
    p.set_defaults(func=run)


def load_inputs(path: str, width: int) -> np.ndarray:
    """Read an .npy of +-1 rows; raise :class:`InputError` naming the problem and the fix."""
    f = Path(path)
    if not f.is_file():
        raise DatasetError(f"inputs file {path!r} does not exist: pass an .npy array of +-1 rows")
    try:
        X = np.load(f, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DatasetError(
            f"inputs file {path!r} is not a readable .npy array ({exc}): save it with numpy.save"
        ) from None
    if not np.issubdtype(X.dtype, np.number) and X.dtype != bool:
        raise DatasetError(f"inputs file {path!r} holds {X.dtype} values: it must hold +-1 numbers")
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2 or X.shape[1] != width:
        raise DatasetError(
            f"inputs have shape {X.shape}; this model takes rows of {width} "
            "+-1 values: pass an (N, D) array with the model's D"
        )
    if not np.all(np.isfinite(X)):
        raise DatasetError(
            f"inputs file {path!r} contains NaN or infinite values: give +-1 values only"
        )
    if not np.all(np.isin(X, (-1.0, 1.0))):
        raise DatasetError(
            f"inputs file {path!r} holds values other than -1 and +1: "
            "binarize the inputs to +-1 first"
        )
    return X


def run(args: argparse.Namespace) -> int:
    """Load the model, classify, print the result."""
    from grover_train.cli.main import print_json
    from grover_train.cli.train import load_data
    from grover_train.model.io import load_model

    if (args.inputs is None) == (args.dataset is None):
        raise InputError("give exactly one of --dataset NAME and --inputs FILE.npy")
    net = load_model(args.model)
    labels = None
    if args.inputs is not None:
        X = load_inputs(args.inputs, net.num_inputs)
    else:
        stored = net.meta.get("dataset_options") or {}
        if stored.get("dataset") == args.dataset:
            # options left out default to those the model was trained with
            if args.classes is None and stored.get("classes"):
                args.classes = ",".join(str(k) for k in stored["classes"])
            args.pool = args.pool or bool(stored.get("pool"))
            for key in ("teacher", "mnist_path", "num_samples"):
                if getattr(args, key) is None:
                    setattr(args, key, stored.get(key))
        seed = args.seed if args.seed is not None else stored.get("data_seed", 0)
        data = load_data(args, seed)
        if data.num_inputs != net.num_inputs or data.num_classes != net.num_classes:
            raise DatasetError(
                f"dataset {args.dataset!r} has {data.num_inputs} inputs and "
                f"{data.num_classes} classes, the model {net.num_inputs} and "
                f"{net.num_classes}: use the dataset options the model was trained with "
                f"({stored or 'see its meta'})"
            )
        parts = {
            "test": [(data.X_test, data.y_test)],
            "train": [(data.X_train, data.y_train)],
            "all": [(data.X_train, data.y_train), (data.X_test, data.y_test)],
        }[args.split]
        X = np.vstack([a for a, _ in parts])
        labels = np.concatenate([b for _, b in parts])
    pred = net.predict(X)
    out: dict = {}
    if labels is not None:
        out["accuracy"] = float(np.mean(pred == labels)) if len(labels) else float("nan")
    classes = net.meta.get("classes")
    out["predictions"] = [int(k) for k in pred]
    if classes is not None and len(classes) == net.num_classes:
        out["labels"] = [classes[int(k)] for k in pred]
    if args.json:
        print_json(out)
    else:
        if "accuracy" in out:
            print(f"accuracy {out['accuracy']:.4f} on {len(pred)} samples")
        print(" ".join(str(k) for k in out["predictions"]))
    return 0
