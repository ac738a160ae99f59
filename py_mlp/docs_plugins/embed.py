"""A live network in a docs page, for docs tools: an embed's options checked by the
settings table, the HTML that ``web/embed.js`` turns into a playground, and the static
build of the app copied into a docs site.

Shared by the Sphinx extension (``py_mlp.sphinxext``) and the MkDocs plugin
(``py_mlp.docs_plugins.mkdocs_plugin``), which add only what their tool needs. An embed's options are
the page's settings (``hidden``, ``dataset``, ... with the text a share link takes) and
the embed's own (``preset``, ``panels``, ``height``, ``title``, ``load``). The app is
served at a URL (often another site than the docs) or from a path inside the docs' output,
where ``copy_app`` puts a folder written by ``python serve.py build DIR``.

Standard library and ``py_mlp.app.settings`` only: no docs tool is imported here.
"""

from __future__ import annotations

import difflib
import hashlib
import html
import json
import os
import re
import shutil
from pathlib import Path, PurePosixPath
from urllib.parse import urlencode, urlsplit

from ..app import settings

BUILD_RECORD = "py-mlp-build.json"  # what `python serve.py build` writes into its folder
BUILD_COMMAND = "python serve.py build DIR"
MIN_HEIGHT, MAX_HEIGHT = 120, 20_000

EMBED_OPTIONS = {
    "preset": "a preset: " + ", ".join(settings.PRESET_TITLES),
    "panels": "the panels to show, comma separated, or all: " + ", ".join(settings.PANELS),
    "height": f"the placeholder's height in CSS pixels, {MIN_HEIGHT} to {MAX_HEIGHT:,}",
    "title": "the placeholder's heading",
    "load": "lazy (open on Run, the default) or eager (open at once)",
}
SETTING_OPTIONS = tuple(s.name for s in settings.PAGE)
OPTIONS = (*EMBED_OPTIONS, *SETTING_OPTIONS)


class EmbedError(ValueError):
    """One of an embed's options is wrong; ``option`` names it."""

    def __init__(self, option, message):
        super().__init__(f"{option}: {message}")
        self.option, self.message = option, message


class AppError(ValueError):
    """Where the app is served, or the build to copy there, is wrong; the message says what to do."""


# ---- an embed ------------------------------------------------------------------------

def check_embed(options):
    """``{option: text}`` as the embed's HTML attributes, and the problems found.

    Returns ``(attributes, problems)``: ``problems`` is a list of ``EmbedError`` (each
    option is checked, so every mistake is reported at once); an embed with problems is
    not to be emitted. Settings are checked with the page's own rules
    (``settings.parse_page_values``) and passed on as written, in ``config``.
    """
    attributes, values, problems = {}, {}, []
    for name, text in options.items():
        text = "" if text is None else str(text).strip()
        try:
            if name in EMBED_OPTIONS:
                attributes[name] = _EMBED_CHECKS[name](text)
            elif name in SETTING_OPTIONS:
                settings.parse_page_values({name: text})
                values[name] = text
            else:
                raise EmbedError(name, _unknown(name))
        except settings.ConfigError as e:
            problems.append(EmbedError(name, e.message))
        except EmbedError as e:
            problems.append(e)
    if attributes.get("preset") == "article":
        problems += [EmbedError(name, "the article preset runs the tutorial's own experiment and takes "
                                      "no settings; remove this option or pick another preset")
                     for name in values]
    if values:
        attributes["config"] = urlencode(values)
    return {key: attributes[key] for key in ("preset", "config", "panels", "height", "title", "load")
            if key in attributes}, problems


def embed_html(attributes):
    """The element ``embed.js`` turns into a placeholder and, on Run, a playground."""
    attrs = "".join(f' {key}="{html.escape(str(value), quote=True)}"' for key, value in attributes.items())
    return f"<div data-py-mlp{attrs}></div>"


def _unknown(name):
    close = difflib.get_close_matches(name, OPTIONS, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return (f"unknown option{hint}; the options are {', '.join(EMBED_OPTIONS)} and the page's settings: "
            f"{', '.join(SETTING_OPTIONS)}")


def _preset(text):
    if text not in settings.PRESET_TITLES:
        raise EmbedError("preset", f'unknown preset "{text}"; choose one of: {", ".join(settings.PRESET_TITLES)}')
    return text


def _panels(text):
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    if names == ["all"]:
        return "all"
    unknown = [name for name in names if name not in settings.PANELS]
    if unknown or not names:
        what = f'no panel named "{unknown[0]}"' if unknown else "name at least one panel"
        raise EmbedError("panels", f"{what}; choose from: {', '.join(settings.PANELS)} (comma separated), or all")
    return ",".join(names)


def _height(text):
    if not re.fullmatch(r"[0-9]+", text) or not MIN_HEIGHT <= int(text) <= MAX_HEIGHT:
        raise EmbedError("height", f'enter a whole number of CSS pixels from {MIN_HEIGHT} to {MAX_HEIGHT}, got "{text}"')
    return str(int(text))


def _title(text):
    if not text:
        raise EmbedError("title", "write the heading to show, or leave the option out")
    return text


def _load(text):
    if text not in ("lazy", "eager"):
        raise EmbedError("load", f'choose lazy (open on Run) or eager (open at once), got "{text}"')
    return text


_EMBED_CHECKS = {"preset": _preset, "panels": _panels, "height": _height, "title": _title, "load": _load}


# ---- where the app is served -----------------------------------------------------------

def app_location(value, setting="the app setting"):
    """``("url", URL)`` or ``("path", path)``, each ending in "/", for where the app is served.

    A URL (``https://example.org/mlp/``) is served by someone else, usually another site
    than the docs; a path (``py-mlp/``) is a folder inside the docs' output, relative to
    its root, into which ``copy_app`` puts the build. Raises ``AppError`` otherwise.
    """
    text = str(value or "").strip()
    if "://" in text or text.startswith("//"):
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https", "") or not parts.netloc or parts.query or parts.fragment:
            raise AppError(f"{setting} = {text!r} is not an http(s) URL of the app's folder; write e.g. "
                           "https://example.org/mlp/ (where index.html and embed.js are served)")
        return "url", text.rstrip("/") + "/"
    path = PurePosixPath(text.replace("\\", "/"))
    if not text or path.is_absolute() or ".." in path.parts or str(path) == ".":
        raise AppError(f"{setting} = {text!r}: write the URL where the app is served "
                       "(https://example.org/mlp/) or a folder inside the docs' output, relative to "
                       "its root (py-mlp/), not the root itself nor a path outside it")
    return "path", path.as_posix() + "/"


def read_build(build):
    """The record of a folder written by ``python serve.py build``, or ``AppError``."""
    build = Path(build)
    try:
        record = json.loads((build / BUILD_RECORD).read_text(encoding="utf-8"))
        files = record["files"]
        if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
            raise ValueError("no list of files")
    except FileNotFoundError:
        raise AppError(f"{build} is not a build of the py_mlp app (it has no {BUILD_RECORD}). "
                       f"Make one with `{BUILD_COMMAND}` in a py_mlp checkout and name that DIR") from None
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise AppError(f"{build / BUILD_RECORD} is unreadable ({e}); build the app again with "
                       f"`{BUILD_COMMAND}`") from None
    return record


def copy_app(build, dest):
    """Copy the app built into BUILD (by ``python serve.py build``) to DEST; returns how
    many files were written.

    Only the files BUILD's record lists, each checked against its size and sha256 as it
    is copied (a damaged or half-written build is refused, naming the file). A file that
    DEST already holds with the same size and time is left as it is, so building the
    docs again copies nothing new; files an earlier copy made that the build no longer
    has are removed. DEST must be missing, empty or an earlier copy: the docs' own files
    are never overwritten.
    """
    build, dest = Path(build).resolve(), Path(dest).resolve()
    record = read_build(build)
    if dest == build or dest.is_relative_to(build) or build.is_relative_to(dest):
        raise AppError(f"cannot copy the app from {build} into {dest}: one folder holds the other")
    previous = _previous_copy(dest)
    files = [f for f in record["files"] if "name" in f]
    for entry in files:
        _check_entry(build, entry)
    dest.mkdir(parents=True, exist_ok=True)
    written = 0
    for entry in files:
        src, out = build / entry["name"], dest / entry["name"]
        stat = src.stat()
        if out.is_file() and not out.is_symlink() and (out.stat().st_size, out.stat().st_mtime_ns) == (
                stat.st_size, stat.st_mtime_ns):
            continue
        _copy_checked(src, out, entry["sha256"], build)
        written += 1
    names = {entry["name"] for entry in files}
    for name in sorted(previous - names):
        stale = dest / name
        if _safe_name(name) and stale.is_file() and not stale.is_symlink():
            stale.unlink()
    shutil.copy2(build / BUILD_RECORD, dest / BUILD_RECORD)
    return written


def _previous_copy(dest):
    """The names an earlier copy wrote into DEST; refuses a folder that is not one."""
    if not dest.exists():
        return set()
    if not dest.is_dir():
        raise AppError(f"cannot copy the app into {dest}: it is a file. Pick another folder for the app")
    if not (dest / BUILD_RECORD).is_file():
        if any(dest.iterdir()):
            raise AppError(f"refusing to copy the app into {dest}: the folder holds other files (it is "
                           "not an earlier copy of the app). Pick another folder for the app, or move them")
        return set()
    return {f["name"] for f in read_build(dest)["files"] if isinstance(f.get("name"), str)}


def _safe_name(name):
    path = PurePosixPath(name)
    return isinstance(name, str) and bool(name) and not path.is_absolute() and ".." not in path.parts \
        and name != BUILD_RECORD


def _check_entry(build, entry):
    name = entry.get("name")
    if not _safe_name(name) or not isinstance(entry.get("sha256"), str):
        raise AppError(f"{build / BUILD_RECORD} lists a file it should not ({name!r}); "
                       f"build the app again with `{BUILD_COMMAND}`")
    src = build / name
    if not src.is_file() or src.stat().st_size != entry.get("size"):
        raise AppError(f"{src} is missing or not the size {BUILD_RECORD} records: the build is "
                       f"incomplete or was changed. Build the app again with `{BUILD_COMMAND}`")


def _copy_checked(src, out, sha256, build):
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    digest = hashlib.sha256()
    with open(src, "rb") as f, open(part, "wb") as w:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
            w.write(block)
    if digest.hexdigest() != sha256:
        part.unlink()
        raise AppError(f"{src} does not match the sha256 that {build / BUILD_RECORD} records: the build "
                       f"was changed. Build the app again with `{BUILD_COMMAND}`")
    shutil.copystat(src, part)
    os.replace(part, out)
