"""JSON that every browser can parse: NaN and infinities become null.

Runs on CPython and in the browser worker. ``json.dumps`` writes NaN and Infinity, which
are not JSON (``JSON.parse`` refuses them); ``dumps`` here writes ``null`` in their place
and turns numpy arrays and scalars into plain lists and numbers.
"""

import json
import math

import numpy as np


def finite(obj):
    """``obj`` with numpy values made plain and every NaN or infinite float replaced by None."""
    if isinstance(obj, (np.ndarray, np.generic)):
        obj = obj.tolist()
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {key: finite(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(value) for value in obj]
    return obj


def plain(obj):
    """json's ``default``: numpy arrays and scalars as plain lists and numbers; anything else is a TypeError."""
    if isinstance(obj, (np.ndarray, np.generic)):
        return obj.tolist()
    raise TypeError(f"a {type(obj).__name__} cannot be written as JSON; pass plain values")


def dumps(obj, **options):
    """``json.dumps(obj)`` with no NaN or Infinity in it (they become null); options pass on."""
    try:  # the usual case, all finite, at json's own speed
        return json.dumps(obj, allow_nan=False, default=plain, **options)
    except ValueError:
        return json.dumps(finite(obj), allow_nan=False, default=plain, **options)
