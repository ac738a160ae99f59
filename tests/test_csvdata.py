"""CSV points: good files parse, every malformed one is refused with its line named."""

import numpy as np
import pytest

from py_mlp.csvdata import MAX_ROWS, parse_csv


def test_header_optional_and_problem_inferred():
    points, y, problem = parse_csv("x1,x2,label\n0.5,1,0\n-1,2,1\n")
    np.testing.assert_array_equal(points, [[0.5, 1], [-1, 2]])
    np.testing.assert_array_equal(y, [0, 1])
    assert problem == "binary"

    _, y, problem = parse_csv("0,0,0\n1,1,2\n2,2,1\n")
    assert problem == "multiclass" and y.tolist() == [0, 2, 1]

    _, y, problem = parse_csv("1,2,0.25\n3,4,-1.5\n")
    assert problem == "regression" and y.tolist() == [0.25, -1.5]

    _, y, problem = parse_csv("X1, X2, Target\n1,2,3\n4,5,6\n")  # whole numbers, but declared targets
    assert problem == "regression" and y.dtype == float


def test_blank_lines_bom_and_quotes_are_fine():
    points, y, _ = parse_csv('\ufeffx1,x2,label\n\n"1.5",2,1\n\n3,4,0\n\n')
    assert points.shape == (2, 2) and y.tolist() == [1, 0]


@pytest.mark.parametrize("text, fragment", [
    ("", "no data rows"),
    ("x1,x2,label\n", "no data rows"),
    ("1,2,1\n", "only one data row"),
    ("x1,x2,label\n1,2,0\n3,4\n", "line 3: expected 3 columns"),
    ("1,2,0\n1,2,1,7\n", "line 2: expected 3 columns"),
    ("1,2,0\nabc,2,1\n", "line 2, column 1: 'abc' is not a number"),
    ("1,2,0\n1,nan,1\n", "line 2, column 2: nan is not allowed"),
    ("1,2,0\n1,2,inf\n", "line 2, column 3: inf is not allowed"),
    ("a,b,c\n1,2,0\n", "line 1: the header must be"),
    ("x1,x2,label\n1,2,0\n1,2,0.5\n", "label 0.5 is not a class"),
    ("x1,x2,label\n1,2,0\n1,2,-1\n", "label -1 is not a class"),
    ("1,2,1\n3,4,1\n", "at least two classes"),
])
def test_malformed_files_name_the_problem(text, fragment):
    with pytest.raises(ValueError, match=None) as info:
        parse_csv(text)
    assert fragment in str(info.value)


def test_too_many_rows_is_refused_at_the_first_extra_line():
    text = "x1,x2,label\n" + "".join(f"{i},{i},{i % 2}\n" for i in range(MAX_ROWS + 1))
    with pytest.raises(ValueError) as info:
        parse_csv(text)
    assert f"line {MAX_ROWS + 2}: more than" in str(info.value)


def test_not_text_is_a_type_error():
    with pytest.raises(TypeError):
        parse_csv(b"1,2,0")
