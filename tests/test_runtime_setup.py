"""Tests for the runtime setup (py_mlp.server.runtime): fetch, verify, refuse bad bytes,
lock check, and the per-user cache the runtime goes into.

Runs on CPython under pytest. Most tests use a small temp manifest in a temp web folder,
a temp cache (PY_MLP_CACHE), a temp mirror folder and (for the URL path) a local HTTP
server, with the CDN and the npm/pip fallbacks switched off. The last tests check the
real manifest, and, through the `runtime_ready` fixture, the real files against the
real lock.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import json
import os
import random
import tarfile
from pathlib import Path

import pytest

from py_mlp.server import command, compress, files, locations, runtime
import support

LOCK = "pyodide/pyodide-lock.json"
PKG = "pyodide/fakepkg-1.0-py3-none-any.whl"
JS = "pyscript/core.js"
OFFICIAL_LOCK_SHA256 = "9c45b916001a750f4102fc287494f3eab215909c7535c626a20db80fd6333e2c"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry(name: str, data: bytes, **extra) -> dict:
    return {"name": name, "group": "core", "size": len(data), "sha256": sha(data), "sources": [], **extra}


class Case:
    """A temp web root with its manifest, a temp cache the runtime goes into (PY_MLP_CACHE
    names it), and a mirror holding the pinned files."""

    def __init__(self, tmp_path: Path):
        self.root = tmp_path / "web"
        self.cache = tmp_path / "cache"
        self.mirror = tmp_path / "mirror"
        self.pkg_bytes = b"PK fake wheel " * 1000
        self.js_bytes = b"export default 'core';\n"
        self.lock_bytes = json.dumps(
            {"packages": {"fakepkg": {"file_name": PKG.split("/")[1], "sha256": sha(self.pkg_bytes)}}}
        ).encode()
        self.files = {LOCK: self.lock_bytes, PKG: self.pkg_bytes, JS: self.js_bytes}
        for name, data in self.files.items():
            self.put_mirror(name, data)
        self.manifest = {
            "pyodide_version": "0.0.1",
            "lock": LOCK,
            "sources": {},
            "files": [
                entry(LOCK, self.lock_bytes),
                entry(PKG, self.pkg_bytes, lock_package="fakepkg"),
                entry(JS, self.js_bytes),
            ],
        }
        self.write_manifest()
        (self.root / "index.html").write_text("<!doctype html><title>app</title>")  # a web folder
        self.log = io.StringIO()

    def put_mirror(self, name: str, data: bytes) -> None:
        (self.mirror / name).parent.mkdir(parents=True, exist_ok=True)
        (self.mirror / name).write_bytes(data)

    def write_manifest(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / locations.MANIFEST_NAME).write_text(json.dumps(self.manifest))

    def entry(self, name: str) -> dict:
        return next(e for e in self.manifest["files"] if e["name"] == name)

    @property
    def manifest_path(self) -> Path:
        return self.root / locations.MANIFEST_NAME

    @property
    def runtime(self) -> Path:
        """Where the runtime goes: the cache's folder for the manifest's Pyodide version."""
        return self.cache / "runtime" / "pyodide-0.0.1"

    def dest(self, name: str) -> Path:
        return self.runtime / name

    def setup(self, **kwargs) -> dict:
        kwargs = {"mirror": self.mirror, "use_cdn": False, "use_registries": False,
                  "stream": self.log, **kwargs}
        return runtime.setup_runtime(self.runtime, self.manifest_path, **kwargs)

    def leftovers(self) -> list[Path]:
        """Temp files that setup should always have removed."""
        return list(self.cache.rglob("*.part"))


@pytest.fixture
def case(tmp_path, monkeypatch):
    made = Case(tmp_path)
    monkeypatch.setenv(locations.ENV_CACHE, str(made.cache))
    return made


# ------------------------------------------------------------- happy path ---


def test_good_files_are_fetched_and_verified(case):
    result = case.setup()
    assert sorted(result["fetched"]) == sorted(case.files)
    for name, data in case.files.items():
        assert case.dest(name).read_bytes() == data
    assert case.leftovers() == []


def test_second_run_keeps_valid_files_and_fetches_nothing(case):
    case.setup()
    mtimes = {name: case.dest(name).stat().st_mtime_ns for name in case.files}
    result = case.setup(mirror=case.root / "no-such-mirror")  # would fail if it fetched
    assert result == {"fetched": [], "present": [LOCK, PKG, JS], "gzipped": []}
    assert {name: case.dest(name).stat().st_mtime_ns for name in case.files} == mtimes


def test_mirror_comes_from_the_environment(case, monkeypatch):
    monkeypatch.setenv(runtime.ENV_MIRROR, str(case.mirror))
    result = runtime.setup_runtime(case.runtime, case.manifest_path, use_cdn=False,
                                   use_registries=False, stream=case.log)
    assert len(result["fetched"]) == 3


def test_setup_writes_gzip_forms_once_and_keeps_them_current(case):
    big_js = b"export const table = [" + b"0.5, " * 4000 + b"];\n"
    stored = (b"PK\x03\x04" + bytes(range(256)) * 4) * 8  # a zip stored uncompressed: shrinks
    noise = random.Random(0).randbytes(4096)  # gzip cannot shrink it
    extra = {"pyodide/pyodide.asm.js": big_js, "pyodide/openblas.zip": stored,
             "pyodide/python_stdlib.zip": noise}
    for name, data in extra.items():
        case.put_mirror(name, data)
        case.manifest["files"].append(entry(name, data))
    case.write_manifest()

    result = case.setup()
    assert sorted(result["gzipped"]) == ["pyodide/openblas.zip.gz", "pyodide/pyodide.asm.js.gz"]
    for name in ("pyodide/pyodide.asm.js", "pyodide/openblas.zip"):
        sibling = case.dest(name + ".gz")
        assert gzip.decompress(sibling.read_bytes()) == extra[name]
        assert sibling.stat().st_size < len(extra[name])
        assert sibling.stat().st_mtime_ns == case.dest(name).stat().st_mtime_ns  # what the server checks
    # Not worth it (noise), or a type that never shrinks (a wheel), or too small (JS).
    for name in ("pyodide/python_stdlib.zip", PKG, JS, LOCK):
        assert not case.dest(name + ".gz").exists(), name

    sibling = case.dest("pyodide/pyodide.asm.js.gz")
    before = sibling.stat()
    assert case.setup()["gzipped"] == []  # current: kept as it is
    assert sibling.stat().st_mtime_ns == before.st_mtime_ns and sibling.stat().st_ino == before.st_ino

    sibling.write_bytes(gzip.compress(b"stale content"))
    assert case.setup()["gzipped"] == ["pyodide/pyodide.asm.js.gz"]
    assert gzip.decompress(sibling.read_bytes()) == big_js
    assert case.leftovers() == []


def test_a_refetched_file_gets_a_current_gzip_form(case):
    big_js = b"export const table = [" + b"0.5, " * 4000 + b"];\n"
    case.put_mirror("pyodide/pyodide.asm.js", big_js)
    case.manifest["files"].append(entry("pyodide/pyodide.asm.js", big_js))
    case.write_manifest()
    case.setup()
    dest = case.dest("pyodide/pyodide.asm.js")
    dest.write_bytes(b"corrupted")
    assert case.setup()["fetched"] == ["pyodide/pyodide.asm.js"]
    assert gzip_sibling_mtime(dest) == dest.stat().st_mtime_ns


def gzip_sibling_mtime(path: Path) -> int:
    return path.with_name(path.name + ".gz").stat().st_mtime_ns


# ------------------------------------------------------------- bad bytes ---


def test_corrupted_mirror_file_is_rejected_and_not_kept(case):
    bad = b"export default 'evil';\n"
    case.put_mirror(JS, bad)
    with pytest.raises(files.SetupError) as exc:
        case.setup()
    message = str(exc.value)
    assert JS in message
    assert case.entry(JS)["sha256"] in message  # expected
    assert sha(bad) in message  # actual
    assert f"mirror {case.mirror / JS}" in message  # source
    assert "PY_MLP_RUNTIME_MIRROR" in message  # what to do
    assert not case.dest(JS).exists()
    assert case.leftovers() == []


def test_truncated_mirror_file_is_rejected(case):
    case.put_mirror(JS, case.js_bytes[:-1])
    with pytest.raises(files.SetupError, match=f"{JS}.*{len(case.js_bytes) - 1} bytes"):
        case.setup()
    assert not case.dest(JS).exists()


def test_corrupted_present_file_is_detected_and_replaced(case):
    case.setup()
    dest = case.dest(PKG)
    data = bytearray(dest.read_bytes())
    data[100] ^= 0xFF  # same size, different bytes: only the hash can tell
    dest.write_bytes(bytes(data))
    result = case.setup()
    assert result["fetched"] == [PKG]
    assert dest.read_bytes() == case.pkg_bytes
    assert "corrupted" in case.log.getvalue()


def test_corrupted_present_file_is_removed_even_when_no_source_has_it(case):
    case.setup()
    case.dest(JS).write_bytes(b"garbage")
    (case.mirror / JS).unlink()
    with pytest.raises(files.SetupError, match="could not get pyscript/core.js"):
        case.setup()
    assert not case.dest(JS).exists()


def test_missing_everywhere_says_what_to_do(case):
    (case.mirror / JS).unlink()
    with pytest.raises(files.SetupError) as exc:
        case.setup()
    message = str(exc.value)
    assert "could not get pyscript/core.js" in message
    assert "PY_MLP_RUNTIME_MIRROR" in message and "internet" in message and "npm" in message


@pytest.mark.parametrize("argv", [["setup"], ["--setup-only"]])  # the command, its older spelling
def test_main_exits_nonzero_with_the_message(case, capsys, monkeypatch, argv):
    (case.mirror / JS).unlink()
    monkeypatch.setenv(runtime.ENV_MIRROR, str(case.mirror))
    monkeypatch.setenv(runtime.ENV_OFFLINE, "1")
    monkeypatch.setattr(runtime.Fetcher, "_download_archive", lambda self, src: pytest.fail("no registries"))
    assert command.main([*argv, "--root", str(case.root)]) == 1
    assert "error: could not get pyscript/core.js" in capsys.readouterr().err


def test_the_setup_command_fetches_builds_the_wheel_and_exits(case, monkeypatch):
    monkeypatch.setenv(runtime.ENV_MIRROR, str(case.mirror))
    monkeypatch.setenv(runtime.ENV_OFFLINE, "1")
    wheels = []
    monkeypatch.setattr(command, "ensure_wheel", lambda folder, stream=None: wheels.append(folder))
    monkeypatch.setattr(command, "make_server", lambda *args: pytest.fail("setup must not serve"))
    assert command.main(["setup", "--root", str(case.root)]) == 0
    for name, data in case.files.items():  # into the cache, not beside the web files
        assert case.dest(name).read_bytes() == data
    assert not (case.root / "runtime").exists()
    assert wheels == [locations.Layout.default(case.root).wheels]
    assert wheels[0].parent == case.cache / "wheels"


# --------------------------------------------------------- the per-user cache ---


def test_the_cache_folder_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(locations.ENV_CACHE, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert locations.cache_folder() == tmp_path / "home" / ".cache" / "py_mlp"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the XDG spec: only absolute paths count
    assert locations.cache_folder() == tmp_path / "home" / ".cache" / "py_mlp"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert locations.cache_folder() == tmp_path / "xdg" / "py_mlp"
    monkeypatch.setenv(locations.ENV_CACHE, str(tmp_path / "mine"))
    assert locations.cache_folder() == tmp_path / "mine"
    layout = locations.Layout.default(support.LAYOUT.web)
    version = runtime.load_manifest(support.LAYOUT.manifest)["pyodide_version"]
    assert layout.runtime == tmp_path / "mine" / "runtime" / f"pyodide-{version}"
    assert layout.wheels.parent == tmp_path / "mine" / "wheels"


def test_a_second_project_shares_the_cache_and_fetches_nothing(case, tmp_path, monkeypatch):
    """Two web folders with the same manifest (two docs projects, say) share one runtime."""
    monkeypatch.setattr(command, "ensure_wheel", lambda folder, stream=None: None)
    monkeypatch.setenv(runtime.ENV_MIRROR, str(case.mirror))
    other = tmp_path / "other-project" / "web"
    other.mkdir(parents=True)
    for name in (locations.MANIFEST_NAME, "index.html"):
        (other / name).write_bytes((case.root / name).read_bytes())
    first, second = (locations.Layout.default(root) for root in (case.root, other))
    assert first.runtime == second.runtime == case.runtime

    log = io.StringIO()
    command.set_up(first, offline=True, stream=log)
    (case.mirror / LOCK).unlink()  # nothing left to fetch from: the second must not need it
    command.set_up(second, offline=True, stream=log)
    assert "runtime: 3 files verified (3 fetched, 0 already present)" in log.getvalue()
    assert "runtime: 3 files verified (0 fetched, 3 already present)" in log.getvalue()


def test_a_new_pyodide_version_gets_its_own_cache_folder(case):
    case.setup()
    case.manifest["pyodide_version"] = "0.0.2"
    case.write_manifest()
    newer = locations.Layout.default(case.root).runtime
    assert newer == case.cache / "runtime" / "pyodide-0.0.2"
    result = runtime.setup_runtime(newer, case.manifest_path, mirror=case.mirror, use_cdn=False,
                                   use_registries=False, stream=case.log)
    assert len(result["fetched"]) == 3  # the old version's files are not taken for the new one
    assert all(case.dest(name).is_file() for name in case.files)  # and are left for who uses them


# ------------------------------------------------------ a disk it cannot write ---


def test_a_runtime_folder_that_cannot_be_written_names_it_not_a_mirror(case):
    case.cache.write_text("a file where the cache folder should be")
    with pytest.raises(files.WriteError) as exc:
        case.setup()
    message = str(exc.value)
    assert f"cannot write {case.dest(LOCK).parent}" in message
    assert "Not a directory" in message  # the OS's reason
    assert "PY_MLP_CACHE" in message  # what to do
    assert "PY_MLP_RUNTIME_MIRROR" not in message  # another source would not help


def test_a_read_only_disk_stops_setup_at_the_first_file(case, monkeypatch):
    tried = []

    def read_only(*args, dir=None, **kwargs):
        tried.append(dir)
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), dir)

    monkeypatch.setattr(files.tempfile, "mkstemp", read_only)
    with pytest.raises(files.SetupError) as exc:
        case.setup()
    message = str(exc.value)
    assert os.strerror(errno.EROFS) in message and str(case.dest(LOCK).parent) in message
    assert "PY_MLP_RUNTIME_MIRROR" not in message
    assert len(tried) == 1  # not once per source, nor once per file


# ------------------------------------------------------------ the lock ---


def test_package_must_match_the_lock_even_if_the_manifest_is_edited(case):
    evil = b"PK evil wheel " * 1000
    case.put_mirror(PKG, evil)
    case.entry(PKG).update(size=len(evil), sha256=sha(evil))  # manifest "agrees" with the evil bytes
    case.write_manifest()
    with pytest.raises(files.SetupError) as exc:
        case.setup()
    message = str(exc.value)
    assert PKG in message and "pyodide-lock.json" in message
    assert sha(case.pkg_bytes) in message
    assert not case.dest(PKG).exists()


def test_lock_file_itself_is_verified_first(case):
    forged = json.loads(case.lock_bytes)
    evil = b"PK evil wheel " * 1000
    forged["packages"]["fakepkg"]["sha256"] = sha(evil)
    case.put_mirror(LOCK, json.dumps(forged).encode())
    case.put_mirror(PKG, evil)
    with pytest.raises(files.SetupError, match=LOCK):
        case.setup()
    assert not case.dest(LOCK).exists()
    assert not case.dest(PKG).exists()


def test_package_missing_from_the_lock_is_an_error(case):
    case.entry(PKG)["lock_package"] = "notinlock"
    case.write_manifest()
    with pytest.raises(files.SetupError, match="'notinlock' is not in pyodide-lock.json"):
        case.setup()


# --------------------------------------------------- manifest validation ---


@pytest.mark.parametrize("name", ["../evil.js", "/etc/evil", "pyscript/../../evil", "a\\b.js", ""])
def test_unsafe_names_in_the_manifest_are_refused(case, name):
    case.manifest["files"].append(entry(name, b"x"))
    case.write_manifest()
    with pytest.raises(files.SetupError, match="unsafe file name"):
        case.setup()
    assert not case.cache.exists()  # refused before anything was written


def test_unknown_source_in_the_manifest_is_refused(case):
    case.entry(JS)["sources"] = ["nowhere"]
    case.write_manifest()
    with pytest.raises(files.SetupError, match="unknown source 'nowhere'"):
        case.setup()


# ------------------------------------------------ URL and registry sources ---


def test_url_source_is_used_after_a_bad_mirror(case, tmp_path, serving):
    case.put_mirror(JS, b"bad")
    good = tmp_path / "cdn"
    (good / "dist").mkdir(parents=True)
    (good / "dist" / "core.js").write_bytes(case.js_bytes)
    with serving(good) as url:
        case.manifest["sources"]["cdn"] = {"kind": "url", "base": url + "dist/", "strip": "pyscript/"}
        case.entry(JS)["sources"] = ["cdn"]
        case.write_manifest()
        case.setup(use_cdn=True)
    assert case.dest(JS).read_bytes() == case.js_bytes
    log = case.log.getvalue()
    assert "rejected" in log and f"from {url}dist/core.js" in log


def make_tgz(path: Path, members: dict[str, bytes]) -> Path:
    """An npm-style tarball with the given member names and bytes."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_unreachable_cdn_is_tried_once_per_run(case, tmp_path, monkeypatch, serving):
    with serving(tmp_path) as url:
        pass  # the server is closed now: its port refuses connections
    tgz = make_tgz(tmp_path / "pkg.tgz", {"package/" + n.split("/")[1]: d for n, d in case.files.items()})
    monkeypatch.setattr(runtime.Fetcher, "_download_archive", lambda self, src: tarfile.open(tgz, "r:gz"))
    opened = []
    real_open_url = runtime.Fetcher._open_url
    monkeypatch.setattr(runtime.Fetcher, "_open_url", staticmethod(lambda u: opened.append(u) or real_open_url(u)))
    case.manifest["sources"] = {
        "cdn": {"kind": "url", "base": url, "strip": ""},
        "npm": {"kind": "npm", "spec": "fake@1", "member_prefix": "package/", "strip": "pyodide/"},
        "npm-js": {"kind": "npm", "spec": "fake@1", "member_prefix": "package/", "strip": "pyscript/"},
    }
    for e in case.manifest["files"]:
        e["sources"] = ["npm-js" if e["name"] == JS else "npm", "cdn"]  # URL sources go first anyway
    case.write_manifest()

    case.setup(use_cdn=True, use_registries=True)  # the mirror has every file
    assert opened == []

    for name in case.files:
        case.dest(name).unlink()
    case.setup(use_cdn=True, use_registries=True, mirror=tmp_path / "no-mirror")
    assert opened == [url + LOCK]  # refused once; the other two files skip the CDN
    assert case.log.getvalue().count("CDN unreachable") == 1
    for name, data in case.files.items():
        assert case.dest(name).read_bytes() == data


def test_registry_archive_is_fetched_once_per_run(case, tmp_path, monkeypatch):
    tgz = make_tgz(tmp_path / "pkg.tgz", {"package/" + LOCK.split("/")[1]: case.lock_bytes})
    calls = []

    def fake_download(self, src):
        calls.append(src["spec"])
        return tarfile.open(tgz, "r:gz")

    monkeypatch.setattr(runtime.Fetcher, "_download_archive", fake_download)
    case.manifest["sources"]["npm"] = {"kind": "npm", "spec": "fake@1", "member_prefix": "package/",
                                       "strip": "pyodide/"}
    case.entry(LOCK)["sources"] = ["npm"]
    case.entry(PKG)["sources"] = ["npm"]  # not in the archive: must end in a clear error
    case.write_manifest()
    for name in (LOCK, PKG):
        (case.mirror / name).unlink()
    with pytest.raises(files.SetupError, match=r"npm fake@1: .*fakepkg-1.0-py3-none-any.whl"):
        case.setup(use_registries=True)
    assert case.dest(LOCK).read_bytes() == case.lock_bytes
    assert calls == ["fake@1"]  # one download, used for both files


def test_registry_fallbacks_can_be_switched_off(case, monkeypatch):
    monkeypatch.setattr(runtime.Fetcher, "_download_archive", lambda self, src: pytest.fail("called"))
    case.manifest["sources"]["npm"] = {"kind": "npm", "spec": "fake@1"}
    case.entry(JS)["sources"] = ["npm"]
    case.write_manifest()
    (case.mirror / JS).unlink()
    with pytest.raises(files.SetupError, match="could not get pyscript/core.js") as exc:
        case.setup(use_registries=False)
    assert "npm fake@1" not in str(exc.value)
    assert str(case.mirror / JS) in str(exc.value)  # the mirror was tried and is named


# -------------------------------------------------------- the real manifest ---


@pytest.fixture(scope="module")
def real_manifest():
    return runtime.load_manifest(support.LAYOUT.web / locations.MANIFEST_NAME)


def test_real_manifest_pins_the_official_lock(real_manifest):
    lock = next(e for e in real_manifest["files"] if e["name"] == real_manifest["lock"])
    assert lock["name"] == LOCK
    assert lock["sha256"] == OFFICIAL_LOCK_SHA256


def test_real_manifest_is_consistent(real_manifest):
    files = {e["name"]: e for e in real_manifest["files"]}
    assert real_manifest["pyodide_version"] == "0.27.7"
    for name in ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip"):
        assert files["pyodide/" + name]["group"] == "core"
    assert not [n for n in files if n.endswith(".map")]
    by_package = {e["lock_package"]: e for e in files.values() if "lock_package" in e}
    assert {p for p, e in by_package.items() if e["group"] == "core"} == {"numpy"}
    assert {p for p, e in by_package.items() if e["group"] == "sklearn"} == {
        "scipy", "scikit-learn", "joblib", "threadpoolctl", "openblas"}
    for e in files.values():
        assert e["group"] in ("core", "sklearn")
        assert e["name"].split("/")[0] == "pyodide"
        assert e["sources"], e["name"]
        kinds = {real_manifest["sources"][s]["kind"] for s in e["sources"]}
        assert "url" in kinds and kinds & {"npm", "pip"}, e["name"]  # a CDN and an offline way
    for src in real_manifest["sources"].values():
        if src["kind"] == "url":
            assert src["base"].startswith("https://cdn.jsdelivr.net/") and src["base"].endswith("/")


def test_real_runtime_files_match_the_manifest_and_the_lock(real_manifest, runtime_ready):
    lock_path = runtime_ready / LOCK
    assert sha(lock_path.read_bytes()) == OFFICIAL_LOCK_SHA256
    packages = json.loads(lock_path.read_text())["packages"]
    for e in real_manifest["files"]:
        data = (runtime_ready / e["name"]).read_bytes()
        assert (len(data), sha(data)) == (e["size"], e["sha256"]), e["name"]
        if "lock_package" in e:
            assert packages[e["lock_package"]]["sha256"] == sha(data), e["name"]
            assert packages[e["lock_package"]]["file_name"] == Path(e["name"]).name


def test_real_runtime_has_current_gzip_forms_where_gzip_pays(real_manifest, runtime_ready):
    files = {e["name"]: e for e in real_manifest["files"]}
    for name in ("pyodide/pyodide.asm.wasm", "pyodide/pyodide.asm.js", "pyodide/pyodide.mjs",
                 "pyodide/pyodide-lock.json", "pyodide/openblas-0.3.26.zip"):
        path = runtime_ready / name
        sibling = path.with_name(path.name + ".gz")
        assert sibling.stat().st_mtime_ns == path.stat().st_mtime_ns, name
        assert sibling.stat().st_size < 0.5 * files[name]["size"], name
        assert compress.gunzip_sha256(sibling) == files[name]["sha256"], name
    for name in files:
        if name.endswith(".whl") or name == "pyodide/python_stdlib.zip":  # already compressed
            assert not (runtime_ready / (name + ".gz")).exists(), name
