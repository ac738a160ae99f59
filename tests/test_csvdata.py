"""CSV points: good files parse, every malformed one is refused with its line named."""

import numpy as np
import pytest

from py_mlp.data.csvdata import MAX_ROWS, parse_csv


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


def test_plain_decimal_spellings_are_all_accepted():
    points, y, _ = parse_csv("x1,x2,target\n1.,.5,+2\n-0,1E3, 2e-3 \n\t-1e+6,1000000,0\n")
    assert points.tolist() == [[1.0, 0.5], [-0.0, 1000.0], [-1e6, 1e6]]
    assert y.tolist() == [2.0, 0.002, 0.0]


@pytest.mark.parametrize("cell", ["1_000", "\u0661", "\uff11", "0x10", "1e", "--1", "1.5.", "١٢"])
def test_what_only_python_reads_as_a_number_is_refused_with_its_place(cell):
    with pytest.raises(ValueError, match="line 3, column 2: .* is not a (plain )?number; write numbers such as"):
        parse_csv(f"x1,x2,label\n0,0,1\n0,{cell},0\n")


@pytest.mark.parametrize("cell", ["1000000.0001", "-1000001", "1e7", "1e400"])
def test_values_beyond_the_data_bound_are_refused_with_their_place(cell):
    with pytest.raises(ValueError, match=r"line 3, column 3: .* is outside ±1,000,000; scale your data down"):
        parse_csv(f"x1,x2,target\n0,0,1\n0,0,{cell}\n")


def test_line_numbers_count_every_kind_of_line_end():
    for end in ("\n", "\r\n", "\r"):
        with pytest.raises(ValueError, match="line 4, column 1"):
            parse_csv(end.join(["x1,x2,label", "0,0,1", "", "x,0,0"]))
    with pytest.raises(ValueError, match="line 2, column 1"):  # a form feed is not a line end
        parse_csv("0,0,1\n\f1,0,0\n")


def test_label_errors_name_the_line_of_the_label():
    with pytest.raises(ValueError, match="line 4: label 0.5 is not a class"):
        parse_csv("x1,x2,label\n0,0,1\n\n1,1,0.5\n")
