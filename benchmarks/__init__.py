"""Benchmarks of the coherent search (issue 3, item 6); run with ``python -m benchmarks``.

Not tests: each benchmark measures our code and a reference side by side in one run and prints
the ratios and whether the issue's targets are met. See ``docs/benchmarks.md``.
"""
