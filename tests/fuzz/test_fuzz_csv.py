"""Any CSV text: a ValueError naming its line (or the file), or points within bounds.

Properties: ``csvdata.parse_csv(text)`` raises ``ValueError`` whose message names a line
(or speaks of the file as a whole), or returns at least two finite points, labels or
targets, all within ``±MAX_DATA_VALUE``; and well-formed rows come back as exactly the
numbers written. Texts mix plausible rows with hostile cells (non-ASCII digits, ``1_000``,
``nan``, huge exponents, stray quotes and separators), any line ends, a BOM.
"""

import re

import numpy as np
from hypothesis import event, given
from hypothesis import strategies as st

from py_mlp.data.csvdata import parse_csv
from py_mlp.data.datasets import MAX_CLASSES, MAX_DATA_VALUE

NUMBERS = st.one_of(
    st.floats(-MAX_DATA_VALUE, MAX_DATA_VALUE).map(repr),
    st.integers(-5, 12).map(str),
    st.floats(-3, 3).map(lambda x: f"{x:.3f}"),
    st.floats(-MAX_DATA_VALUE, MAX_DATA_VALUE).map(lambda x: f"{x:e}"),
)
ODD_CELLS = st.one_of(
    st.text(max_size=4),
    st.sampled_from(["", " ", "nan", "-inf", "Infinity", "1_000", "\u0661", "\uff11", "1e309", "1e-400", "0x1",
                     '"1"', '"1,2"', '"', "1;2", "\t3", "+.5", "5.", "1e", "--1", "1e6", "1000000.5"]),
)


@st.composite
def csv_texts(draw):
    """Rows of three numbers (labels or targets last, a header or not), then up to two damaged cells or rows."""
    kind = draw(st.sampled_from(["label", "target"]))
    header = draw(st.sampled_from([f"x1,x2,{kind}", f"X1, X2, {kind.title()}", "", "a,b,c"]))
    third = st.integers(0, 3).map(str) if kind == "label" else NUMBERS
    rows = draw(st.lists(st.tuples(NUMBERS, NUMBERS, third).map(list), min_size=2, max_size=8))
    for _ in range(draw(st.integers(0, 2))):
        row = draw(st.sampled_from(rows))
        if draw(st.booleans()):
            row[draw(st.integers(0, len(row) - 1))] = draw(ODD_CELLS)
        else:
            row[:] = row[:draw(st.integers(0, 2))] or row + ["0"]  # too few or too many cells
    lines = ([header] if header else []) + [",".join(row) for row in rows]
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)
    return ("\ufeff" if draw(st.booleans()) else "") + text


@given(st.one_of(csv_texts(), csv_texts(), csv_texts(), st.text(max_size=60)))
def test_csv_text_is_refused_by_line_or_gives_points_within_bounds(text):
    try:
        points, y, problem = parse_csv(text)
    except ValueError as exc:
        assert type(exc) is ValueError
        assert re.search(r"\bline \d+\b|the file", str(exc)), exc
        event("refused")
        return
    event(f"read as {problem}")
    assert points.shape == (len(y), 2) and len(y) >= 2
    assert np.all(np.isfinite(points)) and np.all(np.abs(points) <= MAX_DATA_VALUE)
    assert np.all(np.isfinite(y)) and np.all(np.abs(y) <= MAX_DATA_VALUE)
    if problem != "regression":
        assert y.dtype.kind == "i" and 0 <= y.min() and y.max() < MAX_CLASSES and len(np.unique(y)) >= 2


@given(st.lists(st.tuples(st.floats(-MAX_DATA_VALUE, MAX_DATA_VALUE), st.floats(-MAX_DATA_VALUE, MAX_DATA_VALUE),
                          st.floats(-MAX_DATA_VALUE, MAX_DATA_VALUE)), min_size=2, max_size=20))
def test_well_formed_rows_come_back_as_the_numbers_written(rows):
    text = "x1,x2,target\n" + "".join(f"{a!r},{b!r},{c!r}\n" for a, b, c in rows)
    points, y, problem = parse_csv(text)
    assert problem == "regression"
    assert points.tolist() == [[a, b] for a, b, _ in rows] and y.tolist() == [c for _, _, c in rows]
