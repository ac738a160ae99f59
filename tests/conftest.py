"""Shared pytest fixtures: the pinned runtime, the py_mlp wheel, a local server.

Runs on CPython under pytest. The runtime and wheel fixtures are session-scoped
and do real work on first use (runtime: ~10-30 s when nothing is cached, via the
mirror/CDN/npm/pip chain of serve.py); tests that don't ask for them pay nothing.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

# scikit-learn's estimator checks (tests/test_estimators.py) include one that enables its
# array API dispatch, which needs scipy's array API support switched on before scipy is
# first imported; without it the check skips itself, and no check may be skipped there.
# With numpy inputs, as everywhere else in the suite, scipy computes the same either way.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import pytest

import support  # first: it puts this checkout first on sys.path
import docs_projects
from py_mlp.server import static_site
from py_mlp.server.files import SetupError
from py_mlp.server.runtime import setup_runtime
from py_mlp.server.wheel import ensure_wheel


def pytest_collection_modifyitems(items):
    """Mark every test that drives Chromium ``browser``."""
    for item in items:
        path = Path(str(item.fspath))
        if "e2e" in path.parts or path.name == "test_bench_quick.py":
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def serving():
    """A context manager: ``with serving(folder) as url`` serves a folder in a thread."""
    return support.serving


@pytest.fixture(scope="session")
def runtime_ready() -> Path:
    """The runtime in the cache with every pinned file present and verified; returns its folder."""
    try:
        with support.one_at_a_time("setup"):  # pytest-xdist's workers share web/
            setup_runtime(support.LAYOUT.runtime, support.LAYOUT.manifest)
    except SetupError as e:
        pytest.fail(f"runtime setup failed:\n{e}", pytrace=False)
    return support.LAYOUT.runtime


@pytest.fixture(scope="session")
def wheel_ready() -> dict:
    """web/wheels/ holding a current py_mlp wheel; returns wheels/index.json's content."""
    try:
        with support.one_at_a_time("setup"):
            return ensure_wheel(support.LAYOUT.wheels)
    except SetupError as e:
        pytest.fail(f"building the py_mlp wheel failed:\n{e}", pytrace=False)


@pytest.fixture(scope="session")
def live_server(runtime_ready, wheel_ready) -> str:
    """Base URL (e.g. 'http://127.0.0.1:PORT/') of the app served with runtime and wheel ready."""
    with support.serving(support.LAYOUT) as url:
        yield url




# --------------------------------------------------------------------------- #
# Docs tools: one Sphinx build and one MkDocs build a session (tests/docs/)
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="session")
def app_build(tmp_path_factory, runtime_ready, wheel_ready) -> Path:
    """The app's static build (`py-mlp build DIR`), as a static host would serve it."""
    dest = tmp_path_factory.mktemp("app") / "py-mlp"
    static_site.build_site(dest, support.LAYOUT, stream=io.StringIO())
    return dest


@pytest.fixture(scope="session")
def app_site(app_build) -> str:
    """The app's build served on a site of its own, for docs on another site to link to."""
    with support.plain_server(app_build) as (url, _):
        yield url


@pytest.fixture(scope="session")
def sphinx_docs(tmp_path_factory, runtime_ready, wheel_ready) -> docs_projects.DocsBuild:
    """tests/docs/sphinx built by `sphinx-build -W` (furo), the app written into its output by
    the extension, and served. It has a page of mistakes, so the build fails: with every page
    written."""
    built = docs_projects.build_sphinx(tmp_path_factory.mktemp("sphinx"))
    with support.plain_server(built.site) as (url, _):
        yield built._replace(url=url)


@pytest.fixture(scope="session")
def mkdocs_docs(tmp_path_factory, app_site) -> docs_projects.DocsBuild:
    """tests/docs/mkdocs built by `mkdocs build --strict` (Material) and served at localhost,
    linking to the app on another site (127.0.0.1). It has a page of mistakes, so the build
    fails: with every page written."""
    site = tmp_path_factory.mktemp("mkdocs") / "site"
    with support.plain_server(site) as (url, _):  # first: the build is told where it is served
        url = url.replace("127.0.0.1", "localhost")
        built = docs_projects.build_mkdocs(site, app_site, url)
        if 'The "py-mlp" plugin is not installed' in built.output:
            pytest.fail("MkDocs finds no py-mlp plugin: run `python -m pip install -e .` again to register "
                        "its entry point (pyproject.toml)", pytrace=False)
        yield built._replace(url=url)


@pytest.fixture(scope="session")
def site_docs(tmp_path_factory, runtime_ready, wheel_ready) -> docs_projects.DocsBuild:
    """py_mlp's own docs (docs/) built by `sphinx-build -W` once a session (every pytest-xdist
    process shares the build, in the session's base folder) and served from /py_mlp/ by a
    plain static server, as GitHub Pages serves a project."""
    session = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # each worker has a folder of its own in the session's
        session = session.parent
    built = docs_projects.build_site_docs(session / "site-docs")
    with docs_projects.serving_site_docs(built) as served:
        yield served
