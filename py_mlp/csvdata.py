"""Points from CSV text: ``x1,x2,label`` (classification) or ``x1,x2,target`` (regression).

Runs on CPython and in the browser worker (for uploads and points a person draws). The
header is optional; without one, a third column of whole numbers means class labels and
anything else means regression targets. Every problem is a ``ValueError`` whose message
names the line and says what to do; nothing is half-read.
"""

import csv
import math

import numpy as np

MAX_ROWS = 100_000
MAX_CLASSES = 10
HEADERS = {("x1", "x2", "label"): "classification", ("x1", "x2", "target"): "regression"}


def _number(cell, line, column):
    try:
        value = float(cell)
    except ValueError:
        raise ValueError(f"line {line}, column {column}: {cell.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"line {line}, column {column}: {cell.strip()} is not allowed; every value must be a finite number")
    return value


def parse_csv(text):
    """``(points, y, problem)``: points (n, 2), y (n,), problem binary/multiclass/regression."""
    if not isinstance(text, str):
        raise TypeError(f"CSV text must be a string, got {type(text).__name__}")
    rows = list(csv.reader(text.lstrip("\ufeff").splitlines()))
    kind = None
    values = []
    for line, row in enumerate(rows, start=1):
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
            raise ValueError(f"line {line}: the header must be x1,x2,label or x1,x2,target, found {','.join(row)}")
        values.append([_number(cell, line, column) for column, cell in enumerate(row, start=1)])
    if not values:
        raise ValueError("the file has no data rows; it needs lines like 0.5,-1.2,1 (x1,x2,label)")
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
            f"data row {bad + 1}: label {y[bad]:g} is not a class; labels are whole numbers "
            f"0 to {MAX_CLASSES - 1} (use the header x1,x2,target for regression)"
        )
    labels = y.astype(int)
    if len(np.unique(labels)) < 2:
        raise ValueError("every point has the same label; a classifier needs at least two classes")
    return points, labels, "binary" if labels.max() <= 1 else "multiclass"


def _is_text(cell):
    try:
        float(cell)
    except ValueError:
        return True
    return False
