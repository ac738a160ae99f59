"""``extensions = ["py_mlp.sphinxext"]`` in a Sphinx ``conf.py``: the ``py-mlp`` directive.

The extension lives in ``py_mlp.docs_plugins.sphinx_directive``; this name is the one
docs authors type.
"""

from .docs_plugins.sphinx_directive import setup

__all__ = ["setup"]
