"""gzip forms of the app's files: made once (``NAME.gz`` beside a file, or in memory for
the app's small files), sent when the browser accepts gzip.

No brotli: the server side uses the standard library only. Standard library only; CPython only.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import stat
import threading
import zlib
from pathlib import Path

from .files import CHUNK, staged

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
    packed: bytes | None
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

