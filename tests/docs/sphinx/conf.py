# A tiny Sphinx project for tests/test_docs_tools.py and tests/e2e/test_docs_sites.py:
# the extension writes the app into the output itself (py_mlp_app's default, "py-mlp/").
project = "py_mlp docs test"
extensions = ["py_mlp.sphinxext"]
html_theme = "furo"
html_title = "py_mlp in Sphinx"
exclude_patterns = []
