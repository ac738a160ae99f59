"""The docs tools' plug-ins: the Sphinx directive (``sphinx_directive``, also
importable as ``py_mlp.sphinxext``) and the MkDocs plugin (``mkdocs_plugin``), on one
core (``embed``) that imports no docs tool.

CPython only: the browser's wheel leaves this folder out.
"""
