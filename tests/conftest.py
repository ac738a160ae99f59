"""Shared pytest fixtures: the pinned runtime, the py_mlp wheel, a local server.

Runs on CPython under pytest. The runtime and wheel fixtures are session-scoped
and do real work on first use (runtime: ~10-30 s when nothing is cached, via the
mirror/CDN/npm/pip chain of serve.py); tests that don't ask for them pay nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import support  # first: it puts the repository, where serve.py sits, on sys.path
import serve


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
    """web/runtime/ with every pinned file present and verified; returns its path."""
    try:
        serve.setup_runtime(serve.DEFAULT_ROOT)
    except serve.SetupError as e:
        pytest.fail(f"runtime setup failed:\n{e}", pytrace=False)
    return serve.DEFAULT_ROOT / serve.RUNTIME_DIR


@pytest.fixture(scope="session")
def wheel_ready() -> dict:
    """web/wheels/ holding a current py_mlp wheel; returns wheels/index.json's content."""
    try:
        return serve.ensure_wheel(serve.DEFAULT_ROOT)
    except serve.SetupError as e:
        pytest.fail(f"building the py_mlp wheel failed:\n{e}", pytrace=False)


@pytest.fixture(scope="session")
def live_server(runtime_ready, wheel_ready) -> str:
    """Base URL (e.g. 'http://127.0.0.1:PORT/') of web/ served with runtime and wheel ready."""
    with support.serving(serve.DEFAULT_ROOT) as url:
        yield url
