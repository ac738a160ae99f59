"""Tests for serve.py's py_mlp wheel step: build, reuse, rebuild, clear failures.

Runs on CPython under pytest. Builds with `pip wheel` from a small temp copy of
a package tree (flit_core backend, fetched by pip's build isolation), so the
tests don't depend on, or touch, the real working tree.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

import serve

PYPROJECT = """\
[build-system]
requires = ["flit_core==3.12.0"]  # as in the real pyproject.toml
build-backend = "flit_core.buildapi"

[project]
name = "py_mlp"
version = "{version}"
description = "test copy"
requires-python = ">=3.10"
"""


def make_tree(repo: Path, version: str = "0.0.1", body: str = "X = 1\n") -> Path:
    (repo / "py_mlp").mkdir(parents=True, exist_ok=True)
    (repo / "pyproject.toml").write_text(PYPROJECT.format(version=version))
    (repo / "py_mlp" / "__init__.py").write_text(body)
    return repo


def test_build_reuse_and_rebuild_when_sources_or_wheel_change(tmp_path, monkeypatch):
    repo, root = make_tree(tmp_path / "repo"), tmp_path / "web"
    wheels = root / "wheels"

    index = serve.ensure_wheel(root, repo, stream=io.StringIO())
    wheel = wheels / index["wheel"]
    assert index["wheel"] == "py_mlp-0.0.1-py3-none-any.whl"
    assert index["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert index["source_hash"] == serve.source_hash(repo)
    assert json.loads((wheels / "index.json").read_text()) == index
    with zipfile.ZipFile(wheel) as z:
        assert z.read("py_mlp/__init__.py") == b"X = 1\n"

    def no_build(*args):
        raise AssertionError("rebuilt although the sources did not change")

    with monkeypatch.context() as m:
        m.setattr(serve, "build_wheel", no_build)
        (repo / "README.md").write_text("not part of the source hash")
        assert serve.ensure_wheel(root, repo, stream=io.StringIO()) == index

    wheel.write_bytes(b"tampered")  # same sources, but the wheel no longer matches index.json
    log = io.StringIO()
    rebuilt = serve.ensure_wheel(root, repo, stream=log)
    assert "building" in log.getvalue()
    assert rebuilt["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert zipfile.is_zipfile(wheel)

    make_tree(repo, version="0.0.2", body="X = 2\n")
    index2 = serve.ensure_wheel(root, repo, stream=io.StringIO())
    assert index2["wheel"] == "py_mlp-0.0.2-py3-none-any.whl"
    assert index2["source_hash"] != index["source_hash"]
    assert sorted(p.name for p in wheels.glob("*.whl")) == [index2["wheel"]]  # old one removed


def test_source_hash_tracks_package_sources_and_pyproject(tmp_path):
    repo = make_tree(tmp_path / "repo")
    before = serve.source_hash(repo)
    (repo / "py_mlp" / "sub").mkdir()
    (repo / "py_mlp" / "sub" / "m.py").write_text("")
    after_new_file = serve.source_hash(repo)
    (repo / "pyproject.toml").write_text((repo / "pyproject.toml").read_text() + "\n")
    assert len({before, after_new_file, serve.source_hash(repo)}) == 3


def test_broken_project_is_a_clear_error(tmp_path):
    repo, root = make_tree(tmp_path / "repo"), tmp_path / "web"
    (repo / "pyproject.toml").write_text("[project\nname = ")
    with pytest.raises(serve.SetupError, match="building the py_mlp wheel failed"):
        serve.ensure_wheel(root, repo, stream=io.StringIO())
    assert not (root / "wheels" / "index.json").exists()


def test_missing_pyproject_is_a_clear_error(tmp_path):
    with pytest.raises(serve.SetupError, match="no pyproject.toml"):
        serve.ensure_wheel(tmp_path / "web", tmp_path, stream=io.StringIO())


def test_a_wheels_folder_that_cannot_be_written_is_a_clear_error(tmp_path, monkeypatch):
    repo = make_tree(tmp_path / "repo")
    (tmp_path / "a-file").write_text("x")
    root = tmp_path / "a-file" / "web"
    monkeypatch.setattr(serve, "build_wheel", lambda *args: pytest.fail("built before checking the folder"))
    with pytest.raises(serve.SetupError) as exc:
        serve.ensure_wheel(root, repo, stream=io.StringIO())
    message = str(exc.value)
    assert f"cannot write the py_mlp wheel into {root / 'wheels'}" in message
    assert "Not a directory" in message and "--root" in message


def test_the_browser_wheel_leaves_out_the_readme_and_the_docs_plugins(wheel_ready):
    """The real wheel, as readers download it: what pip users need, not what the browser never reads."""
    import base64
    import csv

    wheel = serve.DEFAULT_ROOT / "wheels" / wheel_ready["wheel"]
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        assert not names & serve.NOT_IN_BROWSER
        assert {"py_mlp/__init__.py", "py_mlp/explain.py", "py_mlp/settings.py"} <= names
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        text = whl.read(metadata).decode()
        assert "Name: py_mlp" in text and "## Quick start" not in text and "\n\n" not in text
        record = next(n for n in names if n.endswith(".dist-info/RECORD"))
        rows = list(csv.reader(io.StringIO(whl.read(record).decode())))
        assert {row[0] for row in rows} == names
        for name, digest, size in rows:
            if name == record:
                continue
            data = whl.read(name)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert digest == f"sha256={expected}" and int(size) == len(data), name
