"""``python -m py_mlp``: the command line (see ``py_mlp.cli``)."""

from .cli import main

raise SystemExit(main())
