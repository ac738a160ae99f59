"""What the docs serve besides their pages: KaTeX (the mathematics) and PyScript (the code
cells), each an npm package pinned by version and by the sha256 of its tarball.

At build time each tarball is taken from the per-user cache (``~/.cache/py_mlp/docs/``,
beside the app's runtime), or else fetched by ``npm pack`` (the registry's own client);
bytes that do not match the pin are refused and
never kept. The files the site needs are unpacked into the cache once and copied into
``_static/`` by Sphinx, so the built site reads nothing from a CDN.

Why fetched, not committed: about 1.6 MB of minified third-party code (and fonts) would
sit in every clone and every diff for a build step that the app's runtime already does
this way (pinned, verified, cached); the pins below are the whole of what is committed.

Standard library and ``py_mlp.server`` only; CPython, at docs build time.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from py_mlp.server.files import SetupError, staged
from py_mlp.server.locations import cache_folder


@dataclass(frozen=True)
class Package:
    """An npm package pinned by version and tarball sha256; ``keep(name)`` picks the files the site
    serves, by their path inside the tarball's ``package/`` folder, and where they go in ``_static/``."""

    name: str
    version: str
    sha256: str
    folder: str  # under _static/
    prefix: str  # the files kept are those under package/PREFIX
    suffixes: tuple[str, ...]

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def tarball(self) -> str:
        return f"{self.name.replace('@', '').replace('/', '-')}-{self.version}.tgz"

    def keep(self, member: str) -> str | None:
        """Where tarball member MEMBER goes under ``folder``, or None if the site does not need it."""
        path = PurePosixPath(member)
        if path.parts[:1] != ("package",) or ".." in path.parts:
            return None
        rest = PurePosixPath(*path.parts[1:]).as_posix()
        if not rest.startswith(self.prefix) or not rest.endswith(self.suffixes):
            return None
        return rest[len(self.prefix):]


# KaTeX: one script, its stylesheet and the woff2 fonts it names; it renders TeX
# synchronously with nothing loaded later (MathJax 3 loads TeX extensions on demand,
# MathJax 4 its fonts from a second package). katex.min.css names woff2 first, and every
# browser the app supports reads woff2, so the woff and ttf copies are left out.
KATEX = Package("katex", "0.19.1", "24da5a599eb2fcede2e270b99a6ff48bca816beecc95feeb84e8cccbd1bb34fd",
                "katex", "dist/", ("katex.min.js", "katex.min.css", ".woff2"))
# PyScript: core.js, its chunks (the editor, CodeMirror, ...) and core.css; no source maps.
PYSCRIPT = Package("@pyscript/core", "0.7.31", "b2ca1a0c0956aebd990a7c8524cca1eb061444a8319a7264d2f31ef30bea276a",
                   "pyscript", "dist/", (".js", ".css"))
PACKAGES = (KATEX, PYSCRIPT)


def vendor_folder() -> Path:
    """The folder of unpacked packages, to add to ``html_static_path``."""
    return cache_folder() / "docs" / "static"


def _fetch(package: Package, folder: Path) -> bytes:
    """The pinned tarball's bytes: from the cache, else from ``npm pack`` (npm's own client)."""
    cached = folder / package.tarball
    if cached.is_file():
        data = cached.read_bytes()
        if hashlib.sha256(data).hexdigest() == package.sha256:
            return data
    tried = []
    for source in (_npm_pack,):
        try:
            data = source(package)
        except (OSError, SetupError, subprocess.SubprocessError) as e:
            tried.append(f"{source.__name__.strip('_')}: {e}")
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest == package.sha256:
            with staged(cached) as out:
                out.write(data)
            return data
        tried.append(f"{source.__name__.strip('_')}: sha256 {digest}, not the pinned {package.sha256}")
    raise SetupError(f"cannot get {package.spec} for the docs ({'; '.join(tried)}). Put the tarball "
                     f"{package.tarball} with sha256 {package.sha256} in {folder}, or install npm (Node.js) "
                     "where the npm registry can be reached, and build again.")


def _npm_pack(package: Package) -> bytes:
    npm = shutil.which("npm")
    if npm is None:
        raise SetupError("npm is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([npm, "pack", package.spec, "--pack-destination", tmp], check=True, timeout=120,
                       capture_output=True)
        return (Path(tmp) / package.tarball).read_bytes()


def ensure_vendored() -> Path:
    """Every pinned package unpacked (its kept files only) under ``vendor_folder()``; returns it.

    A package's folder is written whole from a verified tarball and marked with the pin,
    so a rebuild reads only the mark.
    """
    static = vendor_folder()
    for package in PACKAGES:
        dest = static / package.folder
        mark = dest / ".pinned"
        if mark.is_file() and mark.read_text() == f"{package.spec} {package.sha256}\n":
            continue
        data = _fetch(package, static.parent)
        shutil.rmtree(dest, ignore_errors=True)
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar.getmembers():
                name = package.keep(member.name) if member.isfile() else None
                if name:
                    with staged(dest / name) as out:
                        out.write(tar.extractfile(member).read())
        mark.write_text(f"{package.spec} {package.sha256}\n")
    return static
