"""The "number in range" check: any value gives a plain number in range, or TypeError/ValueError."""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from py_mlp._check import number

VALUES = st.one_of(
    st.integers(), st.floats(), st.booleans(), st.none(), st.text(max_size=3), st.fractions(),
    st.floats(width=32).map(np.float32), st.integers(-(2**63), 2**63 - 1).map(np.int64),
    st.integers(0, 255).map(np.uint8),
)
BOUNDS = st.one_of(st.none(), st.integers(-10, 10), st.floats(-10, 10))


@given(VALUES, BOUNDS, BOUNDS, st.booleans(), st.booleans(), st.booleans())
def test_number_returns_a_plain_number_in_range_or_says_what_is_wrong(value, low, high, above, below, whole):
    try:
        out = number(value, "x", low, high, above=above, below=below, whole=whole)
    except (TypeError, ValueError) as exc:
        assert str(exc).startswith("x must be ")
        return
    assert type(out) is (int if whole else float)
    assert not isinstance(value, (bool, np.bool_)) and math.isfinite(out)
    assert out == (int(value) if whole else float(value))
    assert low is None or (out > low if above else out >= low)
    assert high is None or (out < high if below else out <= high)
