"""Serve py_mlp's web app from this checkout: ``python serve.py`` (or ``setup``, ``build DIR``).

The same command as an installed py_mlp's ``py-mlp serve``, run against this checkout's
``web/`` and ``py_mlp/`` (``py_mlp.server.command``). Standard library only: it runs on a
fresh machine with Python 3.10 or newer, before anything is installed.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from py_mlp.server.command import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(prog="python serve.py"))
