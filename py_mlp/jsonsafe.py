"""JSON that every browser can parse: NaN and infinities become null; and JSON from
outside read without risk.

Runs on CPython and in the browser worker. ``json.dumps`` writes NaN and Infinity, which
are not JSON (``JSON.parse`` refuses them); ``dumps`` here writes ``null`` in their place
and turns numpy arrays and scalars into plain lists and numbers. ``loads`` refuses text
that nests lists or objects more than ``MAX_DEPTH`` deep before parsing it: json's parser
recurses once per level, and in the browser's Python a deep enough text overflows the
stack ("Maximum call stack size exceeded") before Python's own recursion limit is reached.
"""

import json
import math
import re

import numpy as np

MAX_DEPTH = 64  # no file or request of py_mlp nests deeper
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


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


def nesting(text):
    """How deeply the JSON ``text`` nests lists and objects, counted without parsing it (the
    brackets outside strings, a running sum taken in chunks); a ValueError if a string is
    not closed."""
    outside = _STRING.sub("", text)
    if '"' in outside:
        raise ValueError("the JSON is malformed (a string is not closed)")
    steps = np.frombuffer(_NOT_BRACKET.sub("", outside).encode("ascii"), dtype=np.uint8)
    depth = deepest = 0
    for start in range(0, len(steps), 1 << 20):
        chunk = steps[start:start + (1 << 20)]
        running = depth + np.cumsum(np.where((chunk == ord("[")) | (chunk == ord("{")), 1, -1), dtype=np.int64)
        deepest = max(deepest, int(running.max()))
        depth = int(running[-1])
    return deepest


def loads(text, what="the request", max_depth=MAX_DEPTH):
    """``json.loads(text)``, or a ValueError naming ``what`` when it is not JSON or nests
    more than ``max_depth`` deep (checked before parsing)."""
    if not isinstance(text, str):
        raise TypeError(f"{what} must be JSON text, got {type(text).__name__}")
    try:
        if nesting(text) > max_depth:
            raise ValueError(f"it nests lists or objects more than {max_depth} deep")
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"{what} is not JSON py_mlp can read: {exc}") from None
