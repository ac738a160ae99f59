"""The py_mlp wheel the browser installs, made from this package's own files.

py_mlp is pure Python, so its wheel is a zip of its modules with three metadata files;
this module writes it directly (no build tool, no subprocess), the same bytes for the
same sources. The browser gets the maths, the data, the app's settings and the teaching
tools; it leaves out whole folders that it never imports: the server side, the docs
plug-ins and the web files (which the page loads itself).

The wheel goes into the cache, in a folder named by a hash of what goes into it, beside
``index.json`` (``{"wheel", "sha256", "source_hash"}``), which the page's worker reads.

Standard library only; CPython only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import zipfile
from pathlib import Path

from .files import SetupError, sha256_file, staged, writing

PACKAGE = Path(__file__).resolve().parents[1]
NOT_IN_BROWSER = ("server", "docs_plugins", "estimators", "web")  # folders of py_mlp the browser never imports
WHEEL_TAG = "py3-none-any"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # a fixed date: the same sources give the same bytes


def browser_files(package: Path = PACKAGE) -> list[str]:
    """The wheel's modules, as sorted POSIX paths relative to the package's parent."""
    package = Path(package)
    names = []
    for path in package.rglob("*.py"):
        rel = path.relative_to(package)
        if rel.parts[0] in NOT_IN_BROWSER or "__pycache__" in rel.parts or not path.is_file():
            continue
        names.append((Path(package.name) / rel).as_posix())
    return sorted(names)


def package_version(package: Path = PACKAGE) -> str:
    """``__version__`` as written in the package's ``__init__.py``."""
    text = (Path(package) / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    if not found:
        raise SetupError(f"{package / '__init__.py'} has no __version__ line")
    return found.group(1)


def source_hash(package: Path = PACKAGE) -> str:
    """sha256 over everything that goes into the wheel, so a change builds it again."""
    package = Path(package)
    digest = hashlib.sha256(f"{package_version(package)}\0{WHEEL_TAG}\0".encode())
    for name in browser_files(package):
        digest.update(name.encode() + b"\0" + (package.parent / name).read_bytes() + b"\0")
    return digest.hexdigest()


def wheel_folder(cache_wheels: Path, package: Path = PACKAGE) -> Path:
    """The cache's folder for this package's browser wheel."""
    return Path(cache_wheels) / source_hash(package)[:16]


def ensure_wheel(wheels: Path, package: Path = PACKAGE, stream=None) -> dict:
    """Write the browser's wheel and WHEELS/index.json unless they are current; return the index."""
    wheels, package = Path(wheels), Path(package)
    index_path = wheels / "index.json"
    wanted = source_hash(package)
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
        if (index.get("source_hash") == wanted and "/" not in index["wheel"]
                and sha256_file(wheels / index["wheel"]) == index["sha256"]):
            return index
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    name = f"py_mlp-{package_version(package)}-{WHEEL_TAG}.whl"
    with writing(f"the py_mlp wheel into {wheels}", "Make that folder writable, or point "
                 "PY_MLP_CACHE at a folder you can write to."):
        with staged(wheels / name) as out:
            write_wheel(out, package)
        index = {"wheel": name, "sha256": sha256_file(wheels / name), "source_hash": wanted}
        with staged(index_path) as out:
            out.write((json.dumps(index, indent=2) + "\n").encode())
    if stream is not None:
        print(f"wheel: wrote {name} for the browser into {wheels}", file=stream, flush=True)
    return index


def write_wheel(out, package: Path = PACKAGE) -> None:
    """Write the browser's wheel of PACKAGE to the binary file OUT."""
    package = Path(package)
    version = package_version(package)
    info = f"py_mlp-{version}.dist-info"
    entries = [(name, (package.parent / name).read_bytes()) for name in browser_files(package)]
    entries += [
        (f"{info}/METADATA", f"Metadata-Version: 2.1\nName: py_mlp\nVersion: {version}\n"
                             "Requires-Dist: numpy>=1.24\n".encode()),
        (f"{info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: py_mlp.server.wheel\n"
                          f"Root-Is-Purelib: true\nTag: {WHEEL_TAG}\n".encode()),
    ]
    rows = [f"{name},sha256={_digest(data)},{len(data)}" for name, data in entries]
    entries.append((f"{info}/RECORD", ("\n".join([*rows, f"{info}/RECORD,,"]) + "\n").encode()))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as whl:
        for name, data in entries:
            item = zipfile.ZipInfo(name, ZIP_TIME)
            item.external_attr = 0o644 << 16
            whl.writestr(item, data, zipfile.ZIP_DEFLATED)


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
