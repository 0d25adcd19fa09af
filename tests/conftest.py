"""Hypothesis profiles: ``ci`` (the default, used by ``make test``) is derandomized (the same
examples every run, as every random stream in the tests is seeded) and stores no example
database; ``HYPOTHESIS_PROFILE=long`` draws ten times as many fresh examples for a deeper look.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("long", max_examples=1500, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
