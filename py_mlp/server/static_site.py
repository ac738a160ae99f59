"""The app as a static site: a folder with the app, the pinned runtime files and the
browser's py_mlp wheel, each with its gzip form where gzip shrinks it, relative URLs only,
for any static host and any sub-path; rebuilt in place, writing only what changed.

Standard library only; CPython only.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
import typing
import urllib.parse
from pathlib import Path

from .compress import gunzip_sha256, gzip_bytes, gzip_candidate, gzip_sibling
from .files import (CHUNK, IntegrityError, SetupError, file_matches, human_size, is_safe_relpath,
                    sha256_file, staged, writing)
from .http_server import resolve_url_path
from .locations import RUNTIME_DIR, WHEELS_DIR, Layout
from .runtime import load_manifest

BUILD_RECORD = "py-mlp-build.json"  # in a built folder: marks it and lists every file


# The app's own files are these types anywhere in its web folder.
APP_SUFFIXES = frozenset({".html", ".js", ".mjs", ".css", ".py", ".json", ".svg", ".png",
                          ".jpg", ".webp", ".ico", ".txt"})


SNIPPET = """\
  <script src="https://YOUR-SITE/PATH/embed.js" defer></script>
  <div data-py-mlp preset="circles" height="420"></div>"""


class AppFiles(typing.NamedTuple):
    copied: list[str]  # the app's files, copied into the site
    skipped: list[str]  # files of other types
    refused: list[str]  # links to outside the web folder: the server would not serve them


def served(layout: Layout, name: str) -> bool:
    """True if the server would serve the app's file NAME (a relative URL path): the build's rule too."""
    mounts = {key: str(value) for key, value in layout.mounts().items()}
    return resolve_url_path(os.path.realpath(layout.web), "/" + urllib.parse.quote(name), mounts) is not None


def app_files(layout: Layout) -> AppFiles:
    """The app's own files in its web folder as sorted relative names, and those left out.

    Leaves out runtime/ and wheels/ (a checkout set up by an older py_mlp may still hold
    them; the build takes the runtime and the wheel from the layout), the benchmark's
    floor page and README's screenshots (not part of the app), dot-files and dot-folders,
    __pycache__, files of other types (skipped) and links to outside the folder
    (refused, as the server refuses them).
    """
    root = layout.web
    files = AppFiles([], [], [])
    for path in sorted(Path(root).rglob("*")):
        rel = path.relative_to(root)
        if (rel.parts[0] in (RUNTIME_DIR, WHEELS_DIR, "bench", "screenshots")
                or any(part.startswith(".") or part == "__pycache__" for part in rel.parts)
                or not path.is_file()):
            continue
        if not served(layout, rel.as_posix()):
            files.refused.append(rel.as_posix())
        elif path.suffix.lower() in APP_SUFFIXES:
            files.copied.append(rel.as_posix())
        else:
            files.skipped.append(rel.as_posix())
    return files


def build_plan(layout: Layout, manifest: dict, app: AppFiles) -> list[tuple[str, str, Path, str | None]]:
    """Every file of the static site: (group, name in the site, source, pinned sha256).

    Groups: "app" (`app.copied`; sha256 None: taken as it is), "runtime" (each file of
    the runtime manifest, pinned) and "wheel" (wheels/index.json and the wheel it names,
    pinned).
    """
    plan = [("app", name, layout.web / name, None) for name in app.copied]
    for entry in manifest["files"]:
        plan.append(("runtime", f"{RUNTIME_DIR}/{entry['name']}", layout.runtime / entry["name"],
                     entry["sha256"]))
    index_path = layout.wheels / "index.json"
    try:
        wheel = json.loads(index_path.read_text(encoding="utf-8"))
        wheel_name, wheel_sha = wheel["wheel"], wheel["sha256"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SetupError(f"cannot read {index_path}: {e}. Run `py-mlp setup` "
                         "to write the browser's py_mlp wheel, then build again.") from e
    if not is_safe_relpath(wheel_name) or "/" in wheel_name:
        raise SetupError(f"{index_path} names an unsafe wheel file {wheel_name!r}")
    plan.append(("wheel", f"{WHEELS_DIR}/index.json", index_path, None))
    plan.append(("wheel", f"{WHEELS_DIR}/{wheel_name}", layout.wheels / wheel_name, wheel_sha))
    for group, name, src, _ in plan:
        if group != "app" and src.exists() and not served(layout, name):
            raise SetupError(f"{src} is a link to outside its folder: the server would not "
                             "serve it, so the build does not copy it. Delete the link and "
                             "run `py-mlp setup`, then build again.")
    return sorted(plan, key=lambda item: item[1])


def check_build_dir(dest: Path, layout: Layout) -> dict | None:
    """Refuse a destination that would harm the sources (the layout's web, runtime and
    wheels folders) or someone's files.

    Returns the previous build's record when DEST holds one, else None (DEST is
    missing or empty).
    """
    for root in (layout.web, layout.runtime, layout.wheels):
        root = Path(os.path.realpath(root))
        if dest == root or dest.is_relative_to(root):
            raise SetupError(f"refusing to build into {dest}: it is inside {root}, a folder the "
                             "build copies from. Pick a folder outside it, e.g. dist/py-mlp.")
        if root.is_relative_to(dest):
            raise SetupError(f"refusing to build into {dest}: it contains {root}, a folder the "
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
        except (OSError, ValueError, AttributeError, RecursionError):  # RecursionError: nested too deeply
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
        raise SetupError(f"{src} is missing. Run `py-mlp setup` to fetch the "
                         "runtime and build the wheel, then build again.")
    actual = sha256_file(src)
    if pinned is not None and actual != pinned:
        raise IntegrityError(f"{src} has sha256 {actual}, but {pinned} is pinned. Run "
                             "`py-mlp setup` to repair it, then build again.")
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


def _check_inside(dest: Path, name: str) -> None:
    """Refuse to write NAME when a link in DEST would take the write outside DEST."""
    real = os.path.realpath(dest / name)
    if not real.startswith(str(dest) + os.sep):
        raise SetupError(f"refusing to write {dest / name}: a link in {dest} leads outside it "
                         f"(to {real}). Remove the link, then build again.")


def _write_record(dest: Path, manifest: dict, files: list[dict]) -> dict:
    """Write DEST/py-mlp-build.json, one line per file, and return its content."""
    record: dict[str, typing.Any] = {
        "generator": "py_mlp build",
        "pyodide_version": manifest.get("pyodide_version"),
        "files": [],
    }
    lines = ",\n".join(f"  {json.dumps(f)}" for f in files)
    text = json.dumps(record, indent=1).replace('"files": []', f'"files": [\n{lines}\n ]')
    with staged(dest / BUILD_RECORD) as out:
        out.write((text + "\n").encode())
    return {**record, "files": files}


def build_site(dest: Path, layout: Layout, stream=None) -> dict:
    """Write the static site (app, pinned runtime, py_mlp wheel, embed.js) into DEST.

    LAYOUT must be set up already (setup_runtime, ensure_wheel). Every URL in the app
    is relative, so DEST works from any sub-path of any static host. Beside each file
    that gzip shrinks goes its gzip form NAME.gz, for hosts that serve those (nginx's
    gzip_static, Caddy's precompressed). DEST must be missing, empty or a previous
    build; a rebuild rewrites only files that changed and removes those the new build
    no longer has. Writes DEST/py-mlp-build.json (every file with size and sha256; a
    gzip form also names its file, "gzip_of") and returns its content. Deterministic:
    the same layout gives the same files and bytes.
    """
    out = stream if stream is not None else sys.stdout
    root, dest = layout.web, Path(dest).resolve()
    previous = check_build_dir(dest, layout)
    start = time.monotonic()
    manifest = load_manifest(layout.manifest)
    app = app_files(layout)
    # Every source is checked, and every gzip form made, before anything is written.
    plan = [(group, name, src, _source_digest(src, pinned))
            for group, name, src, pinned in build_plan(layout, manifest, app)]
    packed = [(name, data, hashlib.sha256(data).hexdigest(), of) for name, data, of in gzip_plan(plan)]
    groups = [group for group, *_ in plan] + ["gzip"] * len(packed)
    files: list[dict[str, typing.Any]] = ([{"name": name, "size": src.stat().st_size, "sha256": digest}
              for _, name, src, digest in plan]
             + [{"name": name, "size": len(data), "sha256": digest, "gzip_of": of}
                for name, data, digest, of in packed])
    listed = [f.get("name") for f in (previous or {}).get("files", []) if isinstance(f, dict)]
    old = {name for name in listed if isinstance(name, str) and is_safe_relpath(name)}
    new: set[str] = {str(f["name"]) for f in files}
    if BUILD_RECORD in new:
        raise SetupError(f"{root / BUILD_RECORD} clashes with the build's own record; rename it")
    for name in sorted(new | old):
        _check_inside(dest, name)

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

