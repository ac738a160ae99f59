"""Hypothesis profiles for the property-based tests in this folder (issue 9: hostile input).

Runs on CPython under pytest. The default profile ("ci") is small and derandomized, so
every run tries the same inputs, quickly, and a failure reproduces; ``PY_MLP_FUZZ=long``
selects "long", thousands of fresh random inputs per test, for a search before a release:

    PY_MLP_FUZZ=long python -m pytest tests/fuzz -p no:cacheprovider

No example database is kept (``database=None``), so nothing is written to the tree.
``deadline=None``: a slow example on a busy machine is not a failure.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=100, derandomize=True, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long", max_examples=3000, derandomize=False, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("long" if os.environ.get("PY_MLP_FUZZ") == "long" else "ci")
