"""Files for the server side: sha256, whole-or-nothing writes, errors that say what to do.

Standard library only; CPython only.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

CHUNK = 1 << 16  # bytes read at a time when copying or hashing


class SetupError(Exception):
    """A setup step failed; the message says what happened and what to do."""


class IntegrityError(SetupError):
    """Bytes from some source do not match the pinned size or sha256."""


class WriteError(SetupError):
    """A file could not be written where it must go: another source would not help."""


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

