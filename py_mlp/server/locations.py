"""Where the app's pieces live: its own web files, the pinned runtime and the browser's wheel.

- The web files are ``py_mlp/web/`` in an installed package and ``web/`` beside the
  package in a checkout (``pip install -e .`` or ``python serve.py``).
- The runtime (Pyodide and its packages, about 43 MB) and the browser's wheel go into one
  per-user cache, shared by every project, docs site and command on the machine:
  ``$PY_MLP_CACHE`` if set, else ``$XDG_CACHE_HOME/py_mlp``, else ``~/.cache/py_mlp``.
  A second docs project on the same machine downloads nothing.

The app's URLs do not change with this: the server and the static site put the runtime
at ``runtime/`` and the wheel at ``wheels/`` beside the web files.

Standard library only; CPython only.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # the py_mlp package folder
MANIFEST_NAME = "runtime-manifest.json"
RUNTIME_DIR = "runtime"  # the URL path the runtime is served at, beside the web files
WHEELS_DIR = "wheels"  # likewise for the browser's wheel and its index.json
ENV_CACHE = "PY_MLP_CACHE"


def web_folder() -> Path:
    """The app's web files: inside the installed package, or beside it in a checkout."""
    installed = PACKAGE / "web"
    return installed if (installed / "index.html").is_file() else PACKAGE.parent / "web"


def cache_folder() -> Path:
    """The per-user cache: $PY_MLP_CACHE, else $XDG_CACHE_HOME/py_mlp, else ~/.cache/py_mlp."""
    if os.environ.get(ENV_CACHE, "").strip():
        return Path(os.environ[ENV_CACHE]).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "py_mlp"


@dataclass(frozen=True)
class Layout:
    """The three folders the app is served from: ``web`` at the root of its URLs,
    ``runtime`` at ``runtime/`` and ``wheels`` at ``wheels/``."""

    web: Path
    runtime: Path
    wheels: Path

    @property
    def manifest(self) -> Path:
        return self.web / MANIFEST_NAME

    def mounts(self) -> dict[str, Path]:
        """URL path prefix -> folder, for what is not served from ``web``."""
        return {RUNTIME_DIR: self.runtime, WHEELS_DIR: self.wheels}

    @classmethod
    def one_folder(cls, root: Path) -> "Layout":
        """A folder that holds all three, as a static build does: ROOT, ROOT/runtime, ROOT/wheels."""
        root = Path(root).resolve()
        return cls(root, root / RUNTIME_DIR, root / WHEELS_DIR)

    @classmethod
    def default(cls, web: Path | None = None, cache: Path | None = None) -> "Layout":
        """The app's web files (WEB, default ``web_folder()``) with the runtime its manifest
        pins and the browser's wheel, both in the per-user cache (CACHE, default
        ``cache_folder()``)."""
        from .wheel import wheel_folder

        web = Path(web or web_folder()).resolve()
        cache = Path(cache or cache_folder())
        return cls(web, cache / RUNTIME_DIR / runtime_key(web / MANIFEST_NAME),
                   wheel_folder(cache / WHEELS_DIR))


def runtime_key(manifest: Path) -> str:
    """The cache's folder name for the runtime a manifest pins, e.g. 'pyodide-0.27.7'."""
    try:
        version = json.loads(manifest.read_text(encoding="utf-8")).get("pyodide_version")
    except (OSError, ValueError, AttributeError):
        version = None
    text = str(version or "unknown")
    return "pyodide-" + "".join(c if c.isalnum() or c in ".-_" else "_" for c in text)
