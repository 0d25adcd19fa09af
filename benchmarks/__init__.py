"""Benchmarks of the coherent search; run with ``python -m benchmarks``.

Not tests: each benchmark measures our code and a reference side by side in one run and prints
the ratios and whether their targets are met. See ``docs/benchmarks.md``.
"""
