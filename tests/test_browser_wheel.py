"""Tests for the py_mlp wheel the browser installs (py_mlp.server.wheel): what it holds,
the same bytes for the same sources, written once per source change, clear failures.

Runs on CPython under pytest. Most tests write the wheel of a small temp copy of a
package tree (no build tool: the wheel is a zip written by py_mlp.server.wheel), so they
don't depend on, or touch, the real package or the cache. The last tests write the
real package's wheel into a temp folder and pin what it holds.
"""

from __future__ import annotations

import base64
import csv
import errno
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from py_mlp.server import files, wheel
import support

LEFT_OUT = wheel.NOT_IN_BROWSER  # ("server", "docs_plugins", "estimators", "web")
DIST_INFO = ("METADATA", "WHEEL", "RECORD")


def make_package(parent: Path, version: str = "0.0.1", body: str = "X = 1\n") -> Path:
    """A package tree like py_mlp's: modules at the top and in a folder the browser gets,
    and the folders it never gets, each with a module; returns the package folder."""
    package = parent / "py_mlp"
    modules = {
        "__init__.py": f'"""A test copy."""\n__version__ = "{version}"\n{body}',
        "model.py": "W = 2\n",
        "data/__init__.py": "",
        "data/sets.py": "SETS = []\n",
        "server/__init__.py": "",
        "server/command.py": "def main(): pass\n",
        "docs_plugins/embed.py": "EMBED = 1\n",
        "web/worker.py": "__export__ = []\n",
        "__pycache__/model.cpython-311.pyc": "compiled",
        "data/notes.txt": "not a module",
    }
    for name, text in modules.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    return package


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as whl:
        return {name: whl.read(name) for name in whl.namelist()}


def test_the_wheel_holds_the_modules_but_not_the_left_out_folders(tmp_path):
    package = make_package(tmp_path / "src")
    index = wheel.ensure_wheel(tmp_path / "wheels", package, stream=io.StringIO())
    assert index["wheel"] == "py_mlp-0.0.1-py3-none-any.whl"
    held = members(tmp_path / "wheels" / index["wheel"])
    assert set(held) == {"py_mlp/__init__.py", "py_mlp/model.py", "py_mlp/data/__init__.py",
                         "py_mlp/data/sets.py",
                         *(f"py_mlp-0.0.1.dist-info/{name}" for name in DIST_INFO)}
    assert held["py_mlp/data/sets.py"] == b"SETS = []\n"
    assert wheel.browser_files(package) == sorted(n for n in held if not n.startswith("py_mlp-"))


def test_ensure_wheel_writes_once_and_rewrites_a_damaged_wheel(tmp_path, monkeypatch):
    package, wheels = make_package(tmp_path / "src"), tmp_path / "wheels"
    log = io.StringIO()
    index = wheel.ensure_wheel(wheels, package, stream=log)
    path = wheels / index["wheel"]
    assert index == {"wheel": "py_mlp-0.0.1-py3-none-any.whl",
                     "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                     "source_hash": wheel.source_hash(package)}
    assert json.loads((wheels / "index.json").read_text()) == index
    assert f"wrote {index['wheel']}" in log.getvalue()

    def no_write(*args):
        raise AssertionError("wrote the wheel again although its sources did not change")

    with monkeypatch.context() as m:
        m.setattr(wheel, "write_wheel", no_write)
        (package / "data" / "notes.txt").write_text("not in the wheel, so not in its hash")
        (package / "server" / "command.py").write_text("def main(): return 1\n")
        (package / "__pycache__" / "model.cpython-311.pyc").write_text("recompiled")
        log = io.StringIO()
        assert wheel.ensure_wheel(wheels, package, stream=log) == index
        assert log.getvalue() == ""  # nothing to say when nothing was written

    path.write_bytes(b"tampered")  # same sources, but the wheel no longer matches index.json
    assert wheel.ensure_wheel(wheels, package, stream=io.StringIO()) == index
    assert hashlib.sha256(path.read_bytes()).hexdigest() == index["sha256"]

    (wheels / "index.json").write_text("{not json")
    assert wheel.ensure_wheel(wheels, package, stream=io.StringIO()) == index
    assert json.loads((wheels / "index.json").read_text()) == index
    assert not list(wheels.glob("*.part")) and not list(wheels.glob(".*"))  # no temp files left


def test_a_source_change_gives_a_new_hash_and_a_new_cache_folder(tmp_path):
    package = make_package(tmp_path / "src")
    hashes = [wheel.source_hash(package)]
    (package / "data" / "more.py").write_text("")  # a new module
    hashes.append(wheel.source_hash(package))
    (package / "model.py").write_text("W = 3\n")  # a module's bytes
    hashes.append(wheel.source_hash(package))
    make_package(tmp_path / "src", version="0.0.2")  # the version alone
    hashes.append(wheel.source_hash(package))
    assert len(set(hashes)) == 4

    (package / "docs_plugins" / "embed.py").write_text("EMBED = 2\n")  # left out: no change
    (package / "web" / "worker.py").write_text("# changed\n")
    assert wheel.source_hash(package) == hashes[-1]

    folders = [wheel.wheel_folder(tmp_path / "cache" / "wheels", package)]
    old = wheel.ensure_wheel(folders[0], package, stream=io.StringIO())
    (package / "model.py").write_text("W = 4\n")
    folders.append(wheel.wheel_folder(tmp_path / "cache" / "wheels", package))
    assert folders[0] != folders[1] and folders[0].parent == folders[1].parent
    assert len(folders[1].name) == 16 and folders[1].name == wheel.source_hash(package)[:16]
    new = wheel.ensure_wheel(folders[1], package, stream=io.StringIO())
    assert new["source_hash"] != old["source_hash"]
    # The old folder is left as it was: another checkout sharing the cache may serve it.
    assert json.loads((folders[0] / "index.json").read_text()) == old


def test_the_same_sources_give_the_same_bytes(tmp_path):
    first = make_package(tmp_path / "a")
    second = make_package(tmp_path / "elsewhere" / "b")  # another place, other file times
    os.utime(second / "model.py", (0, 0))
    os.chmod(second / "model.py", 0o600)
    made = []
    for package in (first, first, second):
        out = io.BytesIO()
        wheel.write_wheel(out, package)
        made.append(out.getvalue())
    assert made[0] == made[1] == made[2]
    assert wheel.source_hash(first) == wheel.source_hash(second)
    with zipfile.ZipFile(io.BytesIO(made[0])) as whl:
        for info in whl.infolist():
            assert info.date_time == wheel.ZIP_TIME and info.external_attr >> 16 == 0o644, info.filename


def test_a_package_without_a_version_is_a_clear_error(tmp_path):
    package = make_package(tmp_path / "src")
    (package / "__init__.py").write_text("X = 1\n")
    with pytest.raises(files.SetupError, match=r"__init__.py has no __version__ line"):
        wheel.ensure_wheel(tmp_path / "wheels", package, stream=io.StringIO())
    assert not (tmp_path / "wheels").exists()


def test_a_wheels_folder_that_cannot_be_written_is_a_clear_write_error(tmp_path, monkeypatch):
    package = make_package(tmp_path / "src")
    (tmp_path / "a-file").write_text("x")
    wheels = tmp_path / "a-file" / "wheels"  # a cache folder under a file
    monkeypatch.setattr(wheel, "write_wheel", lambda *args: pytest.fail("wrote before the folder was made"))
    with pytest.raises(files.WriteError) as exc:
        wheel.ensure_wheel(wheels, package, stream=io.StringIO())
    message = str(exc.value)
    assert f"cannot write the py_mlp wheel into {wheels}" in message
    assert "Not a directory" in message and "PY_MLP_CACHE" in message

    def read_only(*args, dir=None, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), dir)

    monkeypatch.setattr(files.tempfile, "mkstemp", read_only)
    with pytest.raises(files.WriteError, match=f"into {tmp_path / 'w'}: Read-only file system"):
        wheel.ensure_wheel(tmp_path / "w", package, stream=io.StringIO())


# --------------------------------------------------------------------------- #
# The real package's wheel
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="module")
def real_wheel(tmp_path_factory) -> Path:
    """The browser's wheel of this checkout's py_mlp, written into a temp folder."""
    folder = tmp_path_factory.mktemp("wheels")
    return folder / wheel.ensure_wheel(folder, stream=io.StringIO())["wheel"]


def test_the_browser_wheel_holds_every_module_but_the_server_side(real_wheel, wheel_ready):
    package = wheel.PACKAGE
    folders = {p.name for p in package.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert {"server", "docs_plugins", "estimators"} <= folders  # web/ is in the package once installed
    kept = folders - set(LEFT_OUT)
    assert {"data", "app", "teaching"} <= kept
    expected = set()
    for top, dirs, names in os.walk(package):
        rel = Path(top).relative_to(package)
        if rel.parts and (rel.parts[0] in LEFT_OUT or "__pycache__" in rel.parts):
            continue
        expected |= {f"py_mlp/{(rel / name).as_posix()}" for name in names if name.endswith(".py")}
    info = f"py_mlp-{wheel.package_version()}.dist-info"
    expected |= {f"{info}/{name}" for name in DIST_INFO}

    with zipfile.ZipFile(real_wheel) as whl:
        names = set(whl.namelist())
        assert names == expected
        for folder in kept:
            assert f"py_mlp/{folder}/__init__.py" in names, folder
        assert not [n for n in names if n.startswith(tuple(f"py_mlp/{f}/" for f in LEFT_OUT))]
        metadata = whl.read(f"{info}/METADATA").decode()
        assert "Name: py_mlp\n" in metadata and f"Version: {wheel.package_version()}\n" in metadata
        assert "Requires-Dist: numpy" in metadata
        rows = list(csv.reader(io.StringIO(whl.read(f"{info}/RECORD").decode())))
        assert {row[0] for row in rows} == names
        for name, digest, size in rows:
            if name == f"{info}/RECORD":
                assert (digest, size) == ("", "")
                continue
            data = whl.read(name)
            expected_digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert digest == f"sha256={expected_digest}" and int(size) == len(data), name
    # The cache's wheel (the tests' server sends it) is these very bytes.
    assert hashlib.sha256(real_wheel.read_bytes()).hexdigest() == wheel_ready["sha256"]


def test_the_browser_wheel_imports_on_its_own(real_wheel, tmp_path):
    """Every module of the wheel imports from the wheel alone, without the server side;
    a module that cannot is one that imports a left-out folder (a CPython-only name such
    as py_mlp.sphinxext), which the browser never imports."""
    with zipfile.ZipFile(real_wheel) as whl:
        whl.extractall(tmp_path / "site")
        modules = sorted(n[:-3].replace("/", ".").removesuffix(".__init__")
                         for n in whl.namelist() if n.endswith(".py") and not n.endswith("__main__.py"))
    script = f"""
import importlib, json, sys
sys.path.insert(0, {str(tmp_path / 'site')!r})
failed = {{}}
for name in {modules!r}:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as e:
        failed[name] = e.name
files = {{m.__name__: getattr(m, "__file__", "") for n, m in list(sys.modules.items()) if n.startswith("py_mlp")}}
print(json.dumps({{"failed": failed, "files": files}}))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.splitlines()[-1])
    left_out = tuple(f"py_mlp.{f}" for f in LEFT_OUT)
    for module, missing in result["failed"].items():
        assert missing.startswith(left_out), f"{module} needs {missing}, which the browser's wheel lacks"
    loaded = result["files"]
    assert set(modules) - set(result["failed"]) <= set(loaded)
    for name, path in loaded.items():
        assert not name.startswith(left_out), f"importing the wheel's modules loaded {name}"
        assert path.startswith(str(tmp_path / "site")), f"{name} came from {path}, not the wheel"
