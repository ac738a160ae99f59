"""jsonsafe.dumps: JSON a browser's JSON.parse accepts, whatever numbers the worker holds."""

import json
import math

import numpy as np
import pytest

from py_mlp import jsonsafe


def test_finite_values_are_written_exactly_as_json_writes_them():
    obj = {"loss": 0.1 + 0.2, "grid": [[1, 2.5], [-3e-300, 1e300]], "name": "é", "ok": True, "none": None}
    assert jsonsafe.dumps(obj) == json.dumps(obj)
    assert jsonsafe.dumps(obj, sort_keys=True, separators=(",", ":")) == json.dumps(
        obj, sort_keys=True, separators=(",", ":"))


def test_nan_and_infinities_become_null_at_any_depth():
    obj = {"a": [1.0, math.nan, [math.inf, {"b": -math.inf}]], "c": (2.0, math.nan)}
    text = jsonsafe.dumps(obj)
    assert json.loads(text) == {"a": [1.0, None, [None, {"b": None}]], "c": [2.0, None]}
    assert "NaN" not in text and "Infinity" not in text


def test_numpy_arrays_and_scalars_become_plain_json():
    obj = {"w": np.array([[0.5, np.nan], [np.inf, 2.0]]), "s": np.float32(0.25), "n": np.int64(7),
           "f": np.float64(np.nan), "b": np.bool_(True), "i": np.arange(3)}
    assert json.loads(jsonsafe.dumps(obj)) == {"w": [[0.5, None], [None, 2.0]], "s": 0.25, "n": 7, "f": None,
                                                "b": True, "i": [0, 1, 2]}


def test_what_json_cannot_hold_is_still_a_type_error():
    with pytest.raises(TypeError, match="cannot be written as JSON"):
        jsonsafe.dumps({"model": object()})
