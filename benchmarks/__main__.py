"""Run the benchmarks: ``python -m benchmarks [--quick] [name ...]``.

Names: ``a`` / ``dh`` (dh search vs GroverOptimizer), ``b`` / ``circuits`` (circuit cost and aer
search), ``c`` / ``simulators`` (10 iterations at n = 16, 20, 24), ``d`` / ``dqa`` (DQA
preparation), ``e`` / ``enumeration`` (blocked energies vs doubling vs copy, dh on ``exact`` at
n = 24, 28, 30), ``f`` / ``training`` (the batched training hot path against the
sample-by-sample path, and the sa finder against the annealing kernel alone). With no name,
all run in that order (about 6 minutes on 2 cores; GroverOptimizer at n = 8 and the reference
training path dominate). ``--quick`` runs smaller sizes as a smoke test (about 20 seconds).

Every simulator runs single-threaded (``OMP_NUM_THREADS=1`` unless already set) so that the
comparison is like for like and does not depend on how busy the machine is.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy / Aer / lightning load OpenMP

import argparse  # noqa: E402
import importlib  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

BENCHMARKS = {
    "a": "benchmarks.dh_vs_grover_optimizer",
    "b": "benchmarks.circuit_cost",
    "c": "benchmarks.simulators",
    "d": "benchmarks.dqa_prep",
    "e": "benchmarks.enumeration",
    "f": "benchmarks.training",
}
ALIASES = {
    "dh": "a",
    "circuits": "b",
    "simulators": "c",
    "dqa": "d",
    "enumeration": "e",
    "training": "f",
}


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for pkg in ("qiskit", "qiskit-aer", "qiskit-optimization", "pennylane", "pennylane-lightning"):
        try:
            out.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            out.append(f"{pkg} missing")
    return ", ".join(out)


def warm_up() -> None:
    """Import the heavy libraries once so that no benchmark times an import."""
    import dimod

    from grover_train.finders.coherent.backends import get_backend
    from grover_train.finders.coherent.prep import Preparation
    from grover_train.finders.search_problem import SearchProblem

    problem = SearchProblem(dimod.BQM({0: 1.0, 1: -1.0}, {(0, 1): 0.5}, 0.0, "SPIN"), 0.0)
    for name, opts in (("aer", {"oracle": "diagonal"}), ("pennylane", {})):
        get_backend(name, **opts).probabilities(problem, Preparation("uniform"), 1)
    import qiskit_optimization.algorithms  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run: a b c d (default: all)")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    args = parser.parse_args(argv)
    names = [ALIASES.get(n, n) for n in args.names] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(
            f"unknown benchmark(s) {unknown}: choose from {sorted(BENCHMARKS)} or {sorted(ALIASES)}"
        )
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    print(
        f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cpus, "
        f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}; {versions()}"
    )
    print(f"mode: {'quick' if args.quick else 'full'}; started {time.strftime('%Y-%m-%d %H:%M')}")
    t_all = time.perf_counter()
    warm_up()
    verdicts = []
    for name in names:
        t0 = time.perf_counter()
        print()
        verdicts += importlib.import_module(BENCHMARKS[name]).main(quick=args.quick)
        print(f"[{name} took {time.perf_counter() - t0:.0f} s]", flush=True)
    print()
    for line in verdicts:
        print(line)
    print(f"total {time.perf_counter() - t_all:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
