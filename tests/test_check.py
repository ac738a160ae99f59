"""The package's one "number in range" check: numpy scalars are numbers, bools and NaN are not."""

import math
from fractions import Fraction

import numpy as np
import pytest

from py_mlp._check import number


@pytest.mark.parametrize("value", [np.float16(0.5), np.float32(0.5), np.float64(0.5), np.int8(1), np.uint64(1),
                                   0.5, 1, Fraction(1, 2)])
def test_any_real_number_in_range_comes_back_as_a_plain_float(value):
    out = number(value, "x", 0, 1)
    assert type(out) is float and out == float(value)


@pytest.mark.parametrize("value", [np.int64(7), np.uint8(7), 7])
def test_whole_numbers_come_back_as_plain_ints(value):
    out = number(value, "n", 2, 10, whole=True)
    assert type(out) is int and out == 7


@pytest.mark.parametrize("value", [True, np.bool_(True), "1", None, [1], 1j, np.array([1.0])])
def test_other_kinds_are_a_type_error_saying_what_to_pass(value):
    with pytest.raises(TypeError, match="x must be a number between 0 and 2"):
        number(value, "x", 0, 2)


def test_a_float_is_not_a_whole_number():
    with pytest.raises(TypeError, match=r"n must be a whole number between 2 and 10, got 3.0"):
        number(3.0, "n", 2, 10, whole=True)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, np.float32("nan")])
def test_non_finite_numbers_are_refused_even_without_a_range(value):
    with pytest.raises(ValueError, match="x must be a finite number"):
        number(value, "x")


def test_huge_ints_are_out_of_range_not_an_overflow():
    with pytest.raises(ValueError, match="got a number with more than 18 digits"):
        number(10**400, "x", 0)
    with pytest.raises(ValueError, match="x must be a finite number"):
        number(-(10**400), "x")
    with pytest.raises(ValueError, match="more than 18 digits"):
        number(10**5000, "n", 0, 10, whole=True)  # its repr alone would be refused


@pytest.mark.parametrize("options, inside, outside, words", [
    (dict(low=0, high=1), [0, 1], [-0.1, 1.1], "a number between 0 and 1"),
    (dict(low=0, high=1, below=True), [0, 0.99], [1], "a number >= 0 and below 1"),
    (dict(low=0, high=1, above=True, below=True), [1e-9], [0, 1], "a number above 0 and below 1"),
    (dict(low=0, above=True), [1e-300, 1e300], [0, -1], "a positive number"),
    (dict(low=0), [0, 5], [-1e-9], "a number >= 0"),
    (dict(high=5), [-1e300, 5], [5.5], "a number at most 5"),
])
def test_bounds_are_inclusive_unless_said_otherwise_and_the_message_says_which(options, inside, outside, words):
    for value in inside:
        assert number(value, "v", **options) == value
    for value in outside:
        with pytest.raises(ValueError, match=f"^v must be {words}, got "):
            number(value, "v", **options)


def test_without_a_name_the_message_starts_at_must():
    with pytest.raises(ValueError, match="^must be a positive number, got -1$"):
        number(-1, None, 0, above=True)
