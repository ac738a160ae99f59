# py_mlp's documentation: the lesson (one page per step, each with a live network),
# the user guide and the API reference. Build it with
#
#     python -m pip install -e ".[docs]"
#     python -m sphinx -W -b html docs docs/_build/html
#
# py_mlp.sphinxext (the project's own extension, loaded by docs/_ext/lesson.py) writes
# the app into the output, py-mlp/, from the per-user runtime cache; docs/_ext/vendor.py
# fetches the pinned KaTeX and PyScript into the same cache. Nothing is read from a CDN
# when the docs are read: every URL in the built site is relative, so it can be served
# from any sub-path (https://USER.github.io/py_mlp/).
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent))  # this checkout's py_mlp, for autodoc and the numbers

import py_mlp  # noqa: E402

project = "py_mlp"
author = "the py_mlp authors"
copyright = "the py_mlp authors"
release = version = py_mlp.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.githubpages",  # .nojekyll, so GitHub Pages serves _static/ too
    "lesson",  # lesson-network, :trained:, py-cell; sets up py_mlp.sphinxext
    "site_assets",  # KaTeX for the mathematics, markdown-table
]
html_math_renderer = "katex"

html_theme = "furo"
html_title = f"py_mlp {release}"
html_static_path = ["_static"]
html_css_files = ["lesson/lesson.css"]
html_permalinks_icon = "#"
html_favicon = "_static/lesson/favicon.svg"  # a page served from a sub-path asks for no /favicon.ico

exclude_patterns = ["_build"]
nitpicky = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": False}
# Module docstrings hold their own small reST; a few of them are plain text.
suppress_warnings = []
