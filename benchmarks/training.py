"""(f) Head-cutting training at the annealing kernel's speed: the batched hot path against the
sample-by-sample reference path, and the finder's cost per read against the kernel alone.

Trainings (one run each, both paths side by side, the same seed):

- the README command: digits, ``--hidden 32``, ``sa`` (8 reads x 10 sweeps), 300,000 queries;
- ``cyclic-sa`` on the same network, 100,000 queries;
- ``grover`` on the exact backend, 3-class pooled digits, ``--hidden 8`` (11 spins), 20,000
  queries (no batched search of its own: the batched step calls ``sample`` per landscape).

The reference path is ``HeadCuttingOptions(..., batched=False)``: one dimod model, one ``sample``
call and one ``SampleSet`` per sample, as before batching. Queries/s is queries over wall time.

Kernel bound, on the README network's landscapes (32 training samples, the trained weights):
the ``sa`` finder's ``find_batch`` with the training settings, per read computed, against
(i) dwave-samplers' ``SimulatedAnnealingSampler`` annealing 256 reads of each landscape in one
call with the same schedule and (ii) our compiled kernel alone on the same reads.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.common import median_time, table, verdict

TITLE = "(f) training hot path: batched vs sample-by-sample, and the sa finder vs the kernel"


def _train(dataset, finder, options, hidden, budget, batched, seed=0):
    from grover_train.train.cutting import HeadCutting
    from grover_train.train.loop import train
    from grover_train.train.options import HeadCuttingOptions

    t0 = time.perf_counter()
    r = train(
        dataset,
        HeadCutting(HeadCuttingOptions(finder, options, batched=batched)),
        hidden=hidden,
        budget=budget,
        seed=seed,
        progress=False,
    )
    wall = time.perf_counter() - t0
    return r, wall


def main(quick: bool = False) -> list[str]:
    from dwave.samplers import SimulatedAnnealingSampler

    from grover_train.data import load_dataset
    from grover_train.finders import get_finder
    from grover_train.kernels import anneal_batch, couplings_csr
    from grover_train.train.problems import batch_landscape

    print(TITLE)
    digits = load_dataset("digits", seed=0)
    small = load_dataset("digits", seed=0, classes=[0, 1, 2], pool=True)
    sa_opts = {"num_reads": 8, "num_sweeps": 10}
    runs = [
        ("sa, digits H=32", digits, "sa", sa_opts, 32, 30_000 if quick else 300_000),
        ("cyclic-sa, digits H=32", digits, "cyclic-sa", sa_opts, 32, 20_000 if quick else 100_000),
        (
            "grover exact, 3-class H=8",
            small,
            "grover",
            {"backend": "exact"},
            8,
            4000 if quick else 20_000,
        ),
    ]
    _train(small, "sa", sa_opts, 8, 2000, True)  # compile / load the kernels once, untimed
    rows, verdicts = [], []
    readme = None
    for label, ds, finder, opts, hidden, budget in runs:
        out = {}
        for batched in (True, False):
            r, wall = _train(ds, finder, opts, hidden, budget, batched)
            out[batched] = (r, wall)
        (rb, wb), (rr, wr) = out[True], out[False]
        qb, qr = rb.summary["queries"] / wb, rr.summary["queries"] / wr
        rows.append(
            [
                label,
                rb.summary["queries"],
                f"{qr:,.0f}",
                f"{qb:,.0f}",
                f"{qb / qr:.1f}x",
                f"{rr.summary['test_accuracy']:.3f}",
                f"{rb.summary['test_accuracy']:.3f}",
                f"{wb / max(1, rb.summary['reads_run']) * 1e6:.1f}",
            ]
        )
        if finder == "sa":
            readme = (rb, qb / qr)
    print(
        table(
            [
                "training",
                "queries",
                "q/s reference",
                "q/s batched",
                "speed-up",
                "acc ref",
                "acc batched",
                "us/read (all)",
            ],
            rows,
        )
    )
    rb, ratio = readme
    verdicts.append(
        verdict(
            "f1 README sa training >= 5x the sample-by-sample path",
            ratio >= 5,
            f"{ratio:.1f}x, test accuracy {rb.summary['test_accuracy']:.3f}",
        )
    )

    # the kernel bound on the README network's landscapes
    net = rb.net
    idx = np.arange(32)
    land, _ = batch_landscape(net, digits.X_train[idx], digits.y_train[idx], margin=1.0)
    finder = get_finder("sa", **sa_opts)
    reps = 20 if quick else 100

    def batched_finder():
        return sum(finder.find_batch(land, budget=8, seed=s).reads_run for s in range(reps))

    t_find, reads = median_time(batched_finder, 3)
    per_find = t_find / reads
    betas, lo, hi = finder._batch_schedules(land)
    sampler = SimulatedAnnealingSampler()
    bqms = [land.bqm(b) for b in range(land.size)]

    def dwave_bulk():
        for b, bqm in enumerate(bqms):
            sampler.sample(bqm, num_reads=256, num_sweeps=10, beta_range=(lo[b], hi[b]), seed=b + 1)

    t_dw, _ = median_time(dwave_bulk, 3)
    per_dw = t_dw / (256 * land.size)
    csr = couplings_csr(land.irow, land.icol, land.J, land.num_variables)
    init = np.ones((land.size, 256, land.num_variables), np.int8)
    t_k, _ = median_time(lambda: anneal_batch(land.fields, csr, betas, init, 1), 3)
    per_k = t_k / (256 * land.size)
    print()
    print(
        table(
            ["per read (us)", "value", "ratio to dwave-samplers kernel"],
            [
                [
                    "sa finder find_batch, training settings",
                    f"{per_find * 1e6:.2f}",
                    f"{per_find / per_dw:.2f}",
                ],
                ["dwave-samplers, 256 reads per call", f"{per_dw * 1e6:.2f}", "1.00"],
                [
                    "our kernel alone, 256 reads per landscape",
                    f"{per_k * 1e6:.2f}",
                    f"{per_k / per_dw:.2f}",
                ],
            ],
        )
    )
    print(f"(find_batch: {reps} searches of 32 landscapes x 8 reads, median of 3)")
    verdicts.append(
        verdict(
            "f2 sa finder per read within 2x of the kernel alone",
            per_find / per_dw <= 2.0,
            f"{per_find / per_dw:.2f}x dwave-samplers' per-read cost",
        )
    )
    return verdicts
