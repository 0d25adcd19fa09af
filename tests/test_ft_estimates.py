"""Fault-tolerant estimates: the estimator's numbers are consistent, the crossover is solved."""

from __future__ import annotations

import math

import pytest

from grover_train.studies import ft_estimates as ft


def test_estimator_counts_grow_with_n_and_runtime_is_depth_times_cycle():
    small = ft.estimate_iterate(10, "qubit_gate_ns_e4", 1e-4)
    large = ft.estimate_iterate(14, "qubit_gate_ns_e4", 1e-4)
    for r in (small, large):
        assert r["logical_qubits"] >= r["circuit_qubits"]
        # one query = one iterate: the runtime is its logical depth in logical cycles
        assert r["runtime_s"] == pytest.approx(r["logical_depth"] * r["logical_cycle_ns"] * 1e-9)
        assert r["t_states"] >= r["t_count"] + r["rotations"]
    assert large["rotations"] > small["rotations"] and large["runtime_s"] > small["runtime_s"]
    # a realistic 1e-3 machine needs a larger code distance than a 1e-4 one
    e3 = ft.estimate_iterate(10, "qubit_gate_ns_e3", 1e-4)
    assert e3["code_distance"] > small["code_distance"]


def test_crossover_solves_the_wall_time_balance():
    # constant per-query times: ln(tq qa0 / (te qc0)) = (0.668 - 0.309)(n - 11) in closed form
    tq, te = 1e-2, 1e-7
    rows = [{"n": n, "runtime_s": tq} for n in (10, 20)]
    n_star = ft.crossover_n(rows, {10: te, 20: te})
    qc0, qa0 = ft.queries_per_cut(ft.ANCHOR_N)
    expect = ft.ANCHOR_N + math.log(tq * qa0 / (te * qc0)) / (
        ft.SLOPE_CLASSICAL - ft.SLOPE_AMPLIFIED
    )
    assert n_star == pytest.approx(expect, abs=0.25)
    assert ft.crossover_n(rows, {10: 1.0, 20: 1.0}) == 10.0  # slow classical: wins at once
