"""``grover-train train``: train a dragon network by cutting heads (or by backprop).

Writes DIR/model.npz (numpy-readable weights plus metadata), DIR/metrics.jsonl (one JSON object
per evaluated step) and DIR/summary.json. Every argument is validated before anything is
written, so a bad command never overwrites an existing model.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from pathlib import Path

from grover_train.errors import InputError
from grover_train.finders.registry import FINDERS, flag_options, train_options

#: share of the training data to hold out when tuning (docs/training.md); the default of
#: ``train`` is 0, because holding it out lowers the baseline digits results (backprop 0.916
#: instead of >= 0.93 with 0.15 held out)
VALIDATION_FRACTION = 0.15


def add_dataset_arguments(p: argparse.ArgumentParser, required: bool = True) -> None:
    """Dataset options shared by ``train`` and ``predict``."""
    p.add_argument(
        "--dataset",
        required=required,
        metavar="NAME",
        help="digits (scikit-learn 8x8, bundled), teacher (random teacher network) "
        "or mnist (local file given by --mnist-path)",
    )
    p.add_argument(
        "--classes",
        default=None,
        metavar="K,K,...",
        help="class subset, e.g. 0,1,2 (default: all classes)",
    )
    p.add_argument(
        "--pool",
        action="store_true",
        help="2x2 pooling of the images (digits: 16 inputs instead of 64)",
    )
    p.add_argument(
        "--mnist-path",
        default=None,
        metavar="FILE",
        help="MNIST as a local .npz (x_train, y_train, x_test, y_test) or IDX file "
        "(nothing is downloaded)",
    )
    p.add_argument(
        "--teacher",
        default=None,
        metavar="D,H,C",
        help="teacher network sizes for --dataset teacher (default 16,8,3)",
    )
    p.add_argument(
        "--num-samples",
        type=int,
        default=None,
        metavar="N",
        help="use only the first N samples (teacher: how many to draw)",
    )
    p.add_argument(
        "--data-seed",
        type=int,
        default=None,
        metavar="S",
        help="seed of the train/test split and of the teacher (default: --seed)",
    )


def parse_int_list(text: str | None, what: str) -> list[int] | None:
    """'32' -> [32], '32,16' -> [32, 16]; None stays None.

    >>> parse_int_list('32,16', '--hidden')
    [32, 16]
    """
    if text is None:
        return None
    try:
        return [int(t) for t in str(text).split(",") if t.strip() != ""]
    except ValueError:
        raise InputError(f"{what} must be comma-separated integers, got {text!r}") from None


def load_data(args: argparse.Namespace, seed: int):
    """Load the dataset the arguments describe."""
    from grover_train.cli.checks import check_dataset_args
    from grover_train.data.datasets import load_dataset

    check_dataset_args(args)

    kw: dict = {
        "seed": args.data_seed if args.data_seed is not None else seed,
        "classes": parse_int_list(args.classes, "--classes"),
        "pool": args.pool,
        "mnist_path": args.mnist_path,
        "num_samples": args.num_samples,
    }
    if args.teacher is not None:
        sizes = parse_int_list(args.teacher, "--teacher")
        if sizes is None or len(sizes) != 3 or min(sizes) < 1:
            raise InputError(
                f"--teacher must be three positive integers D,H,C, got {args.teacher!r}"
            )
        kw["teacher_sizes"] = tuple(sizes)
    if args.num_samples is not None and args.num_samples < 1:
        raise InputError(f"--num-samples must be positive, got {args.num_samples}")
    ds = load_dataset(args.dataset, **kw)
    # only 'train' has --validation-fraction; predict keeps the whole training split
    frac = getattr(args, "validation_fraction", None)
    if frac:
        from grover_train.data.datasets import split_validation

        ds = split_validation(ds, frac, kw["seed"])
    return ds


def dataset_options(args: argparse.Namespace, seed: int) -> dict:
    """The dataset options stored in the model's metadata (so predict can reload the data)."""
    return {
        "dataset": args.dataset,
        "classes": parse_int_list(args.classes, "--classes"),
        "pool": bool(args.pool),
        "mnist_path": args.mnist_path,
        "teacher": args.teacher,
        "num_samples": args.num_samples,
        "data_seed": args.data_seed if args.data_seed is not None else seed,
        "validation_fraction": getattr(args, "validation_fraction", None),
    }


def register(subparsers) -> None:
    """Add the ``train`` subcommand."""
    p = subparsers.add_parser(
        "train",
        help="train a network by cutting heads with a finder (or by backprop)",
        description="Train a dragon network until --budget queries are spent. Each step takes "
        "a mini-batch; for each sample the finder searches its landscape for heads (states "
        "of another label below E+(x,k*) + margin) and the cut lowers the correct "
        "configuration and raises the heads. --finder backprop trains the same energy with "
        "PyTorch. Writes DIR/model.npz, DIR/metrics.jsonl and DIR/summary.json "
        "(docs/training.md).",
    )
    add_dataset_arguments(p)
    p.add_argument(
        "--validation-fraction",
        type=float,
        default=0.0,
        metavar="F",
        help="fraction of the training data held out (stratified, drawn with the "
        f"seed) as a validation split for tuning choices, e.g. {VALIDATION_FRACTION} (default 0: "
        "none, the whole training split trains)",
    )
    p.add_argument(
        "--hidden",
        required=True,
        metavar="H[,H...]",
        help="hidden layer sizes: 32 for one layer, 32,32,32 for three",
    )
    p.add_argument(
        "--finder",
        required=True,
        metavar="NAME",
        help="head finder, one of "
        + "; ".join(f"{e.name}: {e.help}" for e in FINDERS.values())
        + "; or backprop for the gradient-descent baseline",
    )
    p.add_argument(
        "--budget",
        required=True,
        type=int,
        metavar="Q",
        help="total queries (annealing reads, energy evaluations, coherent oracle "
        "calls + checks, or backprop sample passes; docs/design.md section 3)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="S",
        help="seed of the whole run (default 0; with --resume: the saved seed)",
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="output folder for model.npz, metrics.jsonl, summary.json "
        "(default: runs/<dataset>-<finder>-s<seed>)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the run saved in DIR/model.npz up to the new --budget",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a model already in DIR (without it, train refuses to)",
    )
    p.add_argument(
        "--checkpoint-every",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="write DIR/checkpoint.npz this often (default 300; 0: after every step), so "
        "that --resume continues a killed run from it",
    )
    p.add_argument(
        "--eta",
        type=float,
        default=None,
        help="step size (default: 0.05 head cutting, 0.005 backprop Adam)",
    )
    p.add_argument(
        "--eta-decay",
        type=float,
        default=None,
        help="step size decay: eta / (1 + decay * epochs) (default 0)",
    )
    p.add_argument(
        "--weight-decay",
        type=float,
        default=None,
        help="L2 shrinkage of W and U per step (default 0)",
    )
    p.add_argument(
        "--margin",
        type=float,
        default=None,
        help="margin kappa >= 0: heads are states below E+(x,k*) + kappa "
        "(default 1.0 head cutting)",
    )
    p.add_argument(
        "--input-noise",
        type=float,
        default=None,
        help="data augmentation: flip each input spin with this probability when a sample is "
        "used (default 0; docs/training.md)",
    )
    p.add_argument(
        "--average",
        type=int,
        default=None,
        help="head cutting: return the moving average of the weights over about this many "
        "steps (the finder keeps searching the raw weights; 0 = off)",
    )
    p.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="samples per step (default 32 head cutting, 64 backprop)",
    )
    p.add_argument(
        "--max-heads",
        type=int,
        default=None,
        help="distinct heads sought per sample search (default 1)",
    )
    p.add_argument(
        "--search-budget",
        type=int,
        default=None,
        help="query budget of one sample's search (default 8)",
    )
    p.add_argument(
        "--eval-size",
        type=int,
        default=None,
        help="size of the fixed training subset for the training error eps (default 256)",
    )
    p.add_argument(
        "--max-qubits",
        type=int,
        default=None,
        help="largest landscape handed to the finder; deep networks are trained a "
        "window of layers at a time",
    )
    p.add_argument(
        "--windows",
        choices=["readouts", "layers", "columns"],
        default=None,
        help="how deep networks are trained: 'readouts' (default: every hidden layer learns "
        "from its own label-coupled readout, windows of one layer) or whole-network head "
        "cutting in windows of 'layers' (whole consecutive layers, else blocks of one layer) "
        "or 'columns' (the same units of every layer); docs/deep.md",
    )
    for opt, users in flag_options().values():  # the finder options with a flag
        defaults = {FINDERS[u].train_defaults.get(opt.name) for u in users} - {None}
        default = f" (default {defaults.pop()})" if len(defaults) == 1 else ""
        p.add_argument(
            opt.flag, type=opt.type, default=None, help=f"{', '.join(users)}: {opt.text}{default}"
        )
    p.add_argument(
        "--finder-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other finder option (JSON value), repeatable, e.g. --finder-option steps=8",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print the summary as one JSON object on the last stdout line",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=run)


def finder_options(args: argparse.Namespace) -> dict:
    """The finder's keyword options from the command line (training defaults first)."""
    opts = train_options(args.finder)
    entry = FINDERS.get(args.finder)
    own = {o.name for o in entry.options} if entry else set()
    for key, (opt, users) in flag_options().items():
        v = getattr(args, key, None)
        if v is None:
            continue
        if key not in own:
            raise InputError(
                f"{opt.flag} applies to {', '.join(users)}, not {args.finder!r}: drop it or "
                f"use --finder {users[0]}"
            )
        opts[key] = v
    for item in args.finder_option:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"--finder-option must look like KEY=VALUE, got {item!r}")
        try:
            opts[key] = json.loads(value)
        except json.JSONDecodeError:
            opts[key] = value
    return opts


def _check_finder(name: str, opts: dict) -> None:
    """Build the finder once so that unknown names and bad options fail before writing."""
    from grover_train.train.run import check_method

    check_method(name, opts)  # OptionError (an InputError) names the option and what it takes


def run(args: argparse.Namespace) -> int:
    """Validate everything, train, then write model, metrics and summary."""
    from grover_train.cli.main import print_json
    from grover_train.model.io import load_model, save_model
    from grover_train.train.run import train_model

    hidden = parse_int_list(args.hidden, "--hidden")
    if not hidden or min(hidden) < 1:
        raise InputError(
            f"--hidden must list positive layer sizes, got {args.hidden!r}: use "
            "e.g. --hidden 32 or --hidden 32,32"
        )
    from grover_train.cli.checks import check_network_size, check_train_out

    check_network_size(args.dataset, hidden, args)
    if args.budget is None or args.budget <= 0:
        raise InputError(
            f"--budget must be a positive number of queries, got {args.budget}: "
            "pass e.g. --budget 300000"
        )
    out = (
        Path(args.out)
        if args.out
        else Path("runs")
        / (f"{args.dataset}-{args.finder}-s{args.seed if args.seed is not None else 0}")
    )
    model_path = out / "model.npz"
    init = None
    seed = 0 if args.seed is None else args.seed
    if args.resume:
        from grover_train.train.checkpoint import resume_source

        init = load_model(resume_source(out))  # a killed run's checkpoint, else its model
        state = init.meta.get("train_state") or {}
        saved = state.get("seed")
        if args.seed is None and saved is not None:
            seed = int(saved)
        if state.get("finder") not in (None, args.finder) and not (
            args.finder == "grover" and str(state.get("finder", "")).startswith("grover")
        ):
            raise InputError(
                f"the run in {str(out)!r} was trained with finder "
                f"{state.get('finder')!r}, not {args.finder!r}: resume with the "
                "same --finder"
            )
        if init.hidden != hidden:
            raise InputError(
                f"the run in {str(out)!r} has hidden layers {init.hidden}, not "
                f"{hidden}: resume with the same --hidden"
            )
        if state.get("readouts") and args.windows in (None, "readouts"):
            # every window of --max-qubits must lie in one readout block
            from grover_train.train.readouts import check_resume_blocks

            check_resume_blocks(state["readouts"], hidden, init.num_classes, args.max_qubits)
    check_train_out(
        out,
        resume=args.resume,
        overwrite=getattr(args, "overwrite", False),
        checkpoint_every=args.checkpoint_every,
    )
    from grover_train.rng import check_seed

    check_seed(seed)
    opts = finder_options(args)
    _check_finder(args.finder, opts)
    dataset = load_data(args, seed)
    from grover_train.cli.checks import check_windows_fit

    # before the output folder exists: a window the finder cannot take fails the first search
    check_windows_fit(args.finder, opts, hidden, dataset.num_classes, args.max_qubits, args.windows)
    kw = {
        k: getattr(args, k)
        for k in (
            "eta",
            "margin",
            "batch_size",
            "max_heads",
            "search_budget",
            "eval_size",
            "eta_decay",
            "weight_decay",
            "input_noise",
            "average",
            "windows",
        )
    }
    # Only now is anything written: metrics go to a temporary file that replaces the old one
    # when the run has finished.
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    from grover_train.model.io import clean_stale_temporaries

    clean_stale_temporaries(out)  # left by a killed run
    tmp_metrics = out / "metrics.jsonl.tmp"
    from grover_train.train.checkpoint import clear_checkpoint, resume_metrics, write_checkpoint

    if args.resume and resume_metrics(out) is not None:
        tmp_metrics.write_text(resume_metrics(out).read_text())
    if not args.resume:
        clear_checkpoint(out)  # an older run's checkpoint must not be resumed later
    try:
        result = train_model(
            dataset,
            hidden=hidden,
            finder=args.finder,
            finder_options=opts,
            budget=args.budget,
            seed=seed,
            max_qubits=args.max_qubits,
            init=init,
            resume=args.resume,
            progress=not args.no_progress,
            metrics_path=tmp_metrics,
            checkpoint=lambda snap: write_checkpoint(out, snap, metrics=tmp_metrics),
            checkpoint_every=args.checkpoint_every,
            **{k: v for k, v in kw.items() if v is not None},
        )
    except BaseException:
        tmp_metrics.unlink(missing_ok=True)
        if created:  # a run that failed before its first checkpoint leaves no empty folder
            with contextlib.suppress(OSError):
                out.rmdir()
        raise
    net = result.net
    net.meta.update(
        {
            "classes": list(dataset.classes),
            "dataset_options": dataset_options(args, seed),
            "queries": result.summary["queries"],
            "finder": args.finder,
            "finder_options": opts,
        }
    )
    save_model(net, model_path)
    tmp_metrics.replace(out / "metrics.jsonl")
    summary = {**result.summary, "out": str(out), "model": str(model_path)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    clear_checkpoint(out)  # finished: model.npz is the newest state
    if args.json:
        print_json(summary)
    else:
        print(
            f"test accuracy {summary['test_accuracy']:.4f}, train accuracy "
            f"{summary['train_accuracy']:.4f}, eps {summary['train_error']:.4f}, "
            f"{summary['queries']} queries, {summary['wall_s']:.1f} s -> {model_path}"
        )
    return 0
