"""Points from CSV text: ``x1,x2,label`` (classification) or ``x1,x2,target`` (regression).

Runs on CPython and in the browser worker (for uploads and points a person draws). The
header is optional; without one, a third column of whole numbers means class labels and
anything else means regression targets. Numbers are plain decimals as a program writes
them: an optional sign, ASCII digits, an optional fraction and exponent (``-1.5``,
``2e-3``; not ``1_000``, other scripts' digits, ``nan`` or ``inf``), and every coordinate
and target lies within ``±datasets.MAX_DATA_VALUE`` (1,000,000). Every problem is a
``ValueError`` whose message names the line (and column) and says what to do; nothing is
half-read.
"""

import csv
import re

import numpy as np

from .datasets import MAX_CLASSES, MAX_DATA_VALUE, MAX_SAMPLES

MAX_ROWS = MAX_SAMPLES
HEADERS = {("x1", "x2", "label"): "classification", ("x1", "x2", "target"): "regression"}
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_EXAMPLE = "0.5,-1.2,1 (x1,x2,label)"


def _shown(cell):
    return repr(cell if len(cell) <= 24 else cell[:21] + "...")


def _number(cell, line, column):
    text = cell.strip(" \t")
    where = f"line {line}, column {column}"
    if not _NUMBER.fullmatch(text):
        if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise ValueError(f"{where}: {text} is not allowed; every value must be a finite number")
        # Python's float also reads 1_000 and other scripts' digits; a CSV reader need not.
        kind = "a number" if _is_text(text) else "a plain number"
        raise ValueError(f"{where}: {_shown(text)} is not {kind}; write numbers such as -1.5 or 2e-3")
    value = float(text)
    if abs(value) > MAX_DATA_VALUE:
        raise ValueError(
            f"{where}: {_shown(text)} is outside ±{MAX_DATA_VALUE:,.0f}; scale your data down so "
            "every value lies within it"
        )
    return value


def _rows(lines):
    """``(line number, cells)`` for each CSV record; a malformed one is a ValueError naming its line."""
    reader = csv.reader(lines)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ValueError(f"line {reader.line_num}: cannot be read as CSV ({exc}); write lines like {_EXAMPLE}")
        yield reader.line_num, row


def parse_csv(text):
    """``(points, y, problem)``: points (n, 2), y (n,), problem binary/multiclass/regression."""
    if not isinstance(text, str):
        raise TypeError(f"CSV text must be a string, got {type(text).__name__}")
    # Lines end at \n, \r\n or \r only (as an editor counts them), so line numbers match.
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kind = None
    values, where = [], []
    for line, row in _rows(lines):
        if not row or all(not cell.strip() for cell in row):
            continue
        cells = tuple(cell.strip().lower() for cell in row)
        if not values and kind is None and cells in HEADERS:
            kind = HEADERS[cells]
            continue
        if len(row) != 3:
            raise ValueError(f"line {line}: expected 3 columns (x1,x2,label or x1,x2,target), found {len(row)}")
        if len(values) >= MAX_ROWS:
            raise ValueError(f"line {line}: more than {MAX_ROWS:,} rows; use a smaller sample of your data")
        if not values and kind is None and any(_is_text(c) for c in row):
            shown = ",".join(row)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            raise ValueError(f"line {line}: the header must be x1,x2,label or x1,x2,target, found {shown}")
        values.append([_number(cell, line, column) for column, cell in enumerate(row, start=1)])
        where.append(line)
    if not values:
        raise ValueError(f"the file has no data rows; it needs lines like {_EXAMPLE}")
    if len(values) < 2:
        raise ValueError("the file has only one data row; a network needs at least 2 points")
    data = np.array(values)
    points, y = data[:, :2], data[:, 2]
    whole = np.all(y == np.round(y))
    if kind is None:
        kind = "classification" if whole else "regression"
    if kind == "regression":
        return points, y, "regression"
    if not whole or y.min() < 0 or y.max() >= MAX_CLASSES:
        bad = next(i for i, v in enumerate(y) if v != round(v) or not 0 <= v < MAX_CLASSES)
        raise ValueError(
            f"line {where[bad]}: label {y[bad]:g} is not a class; labels are whole numbers "
            f"0 to {MAX_CLASSES - 1} (use the header x1,x2,target for regression)"
        )
    labels = y.astype(int)
    if len(np.unique(labels)) < 2:
        raise ValueError(
            f"every point in the file has the label {labels[0]}; a classifier needs at least two classes"
        )
    return points, labels, "binary" if labels.max() <= 1 else "multiclass"


def _is_text(cell):
    """True if not even Python's lenient ``float`` reads ``cell`` as a number."""
    try:
        float(cell)
    except ValueError:
        return True
    return False
