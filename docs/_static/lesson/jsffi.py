"""What PyScript 0.7.31's own ``pyscript`` package needs from Pyodide 0.27.7, which the
docs' code cells run on (the app's pinned Pyodide).

PyScript 0.7.31 imports ``jsnull`` from ``pyodide.ffi``, which Pyodide has from 0.28 on;
failing that, it falls back to a module named ``jsffi`` (its MicroPython path). This is
that module for Pyodide 0.27: ``create_proxy`` and ``to_js`` (with JavaScript objects for
dicts, as PyScript's own wrapper passes). The docs' cell configuration writes it into the
worker's home folder before PyScript starts (``docs/_ext/lesson.py``).
"""

import js
from pyodide.ffi import create_proxy
from pyodide.ffi import to_js as _to_js

__all__ = ["create_proxy", "to_js"]


def to_js(value, **options):
    options.setdefault("dict_converter", js.Object.fromEntries)
    return _to_js(value, **options)
