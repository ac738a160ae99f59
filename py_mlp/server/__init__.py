"""The app's server side, on CPython: standard library only, never in the browser.

One module a job:
- ``locations``: where the app's pieces live (its web files, the per-user runtime cache,
  the browser's wheel);
- ``files``: hashing and whole-or-nothing writes, shared by the rest;
- ``compress``: the gzip forms of files, made once;
- ``runtime``: fetching the pinned runtime (Pyodide and its packages), sha256-verified;
- ``wheel``: the py_mlp wheel the browser installs, made from this package's own files;
- ``http_server``: the app on this machine, with the headers it needs;
- ``static_site``: the app as a folder for any static host;
- ``command``: ``py-mlp serve``, ``py-mlp build DIR``, ``py-mlp setup`` and ``python serve.py``.

Importing it needs no numpy: ``py_mlp`` imports its maths only on first use.
"""
