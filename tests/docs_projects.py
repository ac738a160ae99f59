"""The docs projects under tests/docs/ (Sphinx with furo, MkDocs with Material) and py_mlp's
own docs (docs/): building them with the real tools, serving a built site as a plain
static host would, and the options each embed of their guide page asks for, read from
the source.

Runs on CPython: used by tests/conftest.py (the session's builds), tests/test_docs_tools.py,
tests/test_docs_site.py, tests/e2e/test_docs_sites.py, tests/e2e/test_docs_site_in_chromium.py and
tests/e2e/screenshots_docs.py. Standard library only.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import typing
from pathlib import Path

import support

DOCS = Path(__file__).resolve().parent / "docs"
SITE_DOCS = support.REPO / "docs"  # py_mlp's own
SUB_PATH = "py_mlp/"  # where the tests serve py_mlp's own docs, as GitHub Pages serves a project
SPHINX_GUIDE = DOCS / "sphinx" / "guide" / "networks.rst"
MKDOCS_GUIDE = DOCS / "mkdocs" / "docs" / "guide.md"
_BLOCKS = {".rst": r"\.\. py-mlp::\n((?:   .*\n)+)", ".md": r"\n\n```py-mlp\n((?s:.*?))```"}


class DocsBuild(typing.NamedTuple):
    site: Path  # the built HTML
    returncode: int
    output: str  # stdout and stderr
    url: str = ""  # where it is served, if it is


def run_docs_tool(args: list, site: Path, **env) -> DocsBuild:
    """``python -m ARGS`` (a docs tool) with this checkout's py_mlp first on the path."""
    path = os.pathsep.join(filter(None, [str(support.REPO), os.environ.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-m", *map(str, args)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": path, **env})
    return DocsBuild(site, done.returncode, done.stdout + done.stderr)


def build_sphinx(out: Path, *args: str) -> DocsBuild:
    """`sphinx-build -W` of tests/docs/sphinx into OUT/html; the extension writes the app into it."""
    return run_docs_tool(["sphinx", "-W", "-N", "-q", "-b", "html", *args,
                          "-d", out / "doctrees", DOCS / "sphinx", out / "html"], out / "html")


def build_mkdocs(site: Path, app_url: str, site_url: str = "") -> DocsBuild:
    """`mkdocs build --strict` of tests/docs/mkdocs into SITE, linking to the app at APP_URL;
    SITE_URL is where the site will be served (Material's instant navigation needs it)."""
    return run_docs_tool(["mkdocs", "build", "--strict", "-f", DOCS / "mkdocs" / "mkdocs.yml", "-d", site], site,
                         PY_MLP_DOCS_APP=app_url, PY_MLP_DOCS_SITE=site_url, NO_MKDOCS_2_WARNING="1")


def embed_options(source: Path) -> list[dict]:
    """The options of each embed in a guide page, in page order, read as a person would."""
    blocks = re.findall(_BLOCKS[source.suffix], source.read_text(encoding="utf-8"))
    return [dict(re.findall(r"^\s*:?(\w+):?:\s*(.+?)\s*$", block, re.M)) for block in blocks]


def build_site_docs(root: Path) -> DocsBuild:
    """`sphinx-build -W` of py_mlp's own docs into ROOT/py_mlp (ROOT is what a static host
    serves). Built once for every test process of a session: the first to come builds, under
    a lock, and leaves the result in ROOT for the others."""
    import fcntl

    record = root / "build.json"
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            built = run_docs_tool(["sphinx", "-W", "-b", "html", "-d", root / "doctrees", SITE_DOCS,
                                   root / SUB_PATH], root / SUB_PATH)
            record.write_text(json.dumps({"returncode": built.returncode, "output": built.output}))
        done = json.loads(record.read_text())
    return DocsBuild(root / SUB_PATH, done["returncode"], done["output"])


@contextlib.contextmanager
def serving_site_docs(built: DocsBuild):
    """Serve a build of ``build_site_docs`` from its sub-path on a plain static host; yield it
    with its URL (``http://127.0.0.1:PORT/py_mlp/``)."""
    with support.plain_server(built.site.parent) as (url, _):
        yield built._replace(url=url + SUB_PATH)
