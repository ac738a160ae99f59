"""A live network in a docs page, for docs tools: an embed's options checked by the
settings table, the HTML that ``web/embed.js`` turns into a playground, and the static
build of the app copied into a docs site.

Shared by the Sphinx extension (``py_mlp.sphinxext``) and the MkDocs plugin
(``py_mlp.docs_plugins.mkdocs_plugin``), which add only what their tool needs. An embed's options are
the page's settings (``hidden``, ``dataset``, ... with the text a share link takes) and
the embed's own (``preset``, ``panels``, ``height``, ``title``, ``load``). The app is
served at a URL (often another site than the docs) or from a folder inside the docs'
output (``py-mlp/`` by default), where ``install_app`` writes it: the installed package's
web files, the pinned runtime from the per-user cache (fetched once per machine) and the
browser's wheel, writing only what changed since the last build.

Standard library, ``py_mlp.app.settings`` and ``py_mlp.server`` only: no docs tool is
imported here.
"""

from __future__ import annotations

import difflib
import html
import io
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from ..app import settings

APP_FOLDER = "py-mlp/"  # where the app goes in the docs' output unless told otherwise
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


def embed_html(attributes, app=None, inner=None):
    """The element ``embed.js`` turns into a placeholder and, on Run, a playground.

    Until the script runs (and if it never can) the element shows INNER, HTML the author
    wrote, or else a line with a link to the app at APP (a URL or a relative path ending
    in "/").
    """
    return embed_open(attributes) + (fallback_html(attributes, app) if inner is None else inner) + "</div>"


def embed_open(attributes):
    """The embed element's opening tag, every attribute escaped."""
    attrs = "".join(f' {key}="{html.escape(str(value), quote=True)}"' for key, value in attributes.items())
    return f"<div data-py-mlp{attrs}>"


def fallback_html(attributes, app):
    """What an embed shows before ``embed.js`` runs, or where it cannot: a link to the app."""
    text = "A live neural network trains here in your browser when JavaScript runs"
    if not app:
        return f'<p class="py-mlp-fallback">{text}.</p>'
    query = [("preset", attributes["preset"])] if "preset" in attributes else []
    query += parse_qsl(attributes.get("config", ""))
    query += [("panels", attributes["panels"])] if "panels" in attributes else []
    href = app + "index.html" + ("?" + urlencode(query) if query else "")
    return (f'<p class="py-mlp-fallback">{text}; or <a href="{html.escape(href, quote=True)}">open it '
            "on its own page</a>.</p>")


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
    if not re.fullmatch(r"[0-9]{1,9}", text) or not MIN_HEIGHT <= int(text) <= MAX_HEIGHT:
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise EmbedError("height", f'enter a whole number of CSS pixels from {MIN_HEIGHT} to {MAX_HEIGHT}, got "{shown}"')
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

# A folder name in the docs' output (py-mlp/, _static/mlp/): plain names only, so that no
# browser resolves it to anything else (py-mlp/%2e%2e/ is "..") and no scheme hides in it.
_FOLDER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.~-]*")
_HOST = re.compile(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]")
_URL_PATH = re.compile(r"[A-Za-z0-9_.~!$&'()*+,;=:@/-]*")  # RFC 3986's path characters, without %


def app_location(value, setting="the app setting"):
    """``("url", URL)`` or ``("path", path)``, each ending in "/", for where the app is served.

    A URL (``https://example.org/mlp/``) is served by someone else, usually another site
    than the docs; a path (``py-mlp/``) is a folder inside the docs' output, relative to
    its root, into which ``install_app`` writes the app. Only an http(s) URL (or one
    starting ``//``) with a plain host and path, or a folder of plain names (letters,
    digits, ``_ - . ~``, none starting with a dot), is accepted: the plugins write it into
    a script's ``src``, where anything else could run as script (``data:...``,
    ``javascript:...``, a quote that ends the attribute). Raises ``AppError`` otherwise.
    """
    text = str(value or "").strip()
    if "://" in text or text.startswith("//"):
        parts = urlsplit(text)
        try:
            port = parts.port
        except ValueError:
            port = -1
        host = parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc
        if (parts.scheme.lower() not in ("http", "https", "") or not parts.hostname or parts.username is not None
                or not _HOST.fullmatch(host) or not (port is None or 0 < port < 65536)
                or not _URL_PATH.fullmatch(parts.path) or "?" in text or "#" in text):
            raise AppError(f"{setting} = {text[:200]!r} is not an http(s) URL of the app's folder; write e.g. "
                           "https://example.org/mlp/ (where index.html and embed.js are served): a host, and a "
                           "path of letters, digits and - _ . ~ / (no quotes, spaces, % or query)")
        return "url", text.rstrip("/") + "/"
    names = text.replace("\\", "/").strip("/").split("/")
    if not text or text.startswith(("/", "\\")) or not all(_FOLDER.fullmatch(name) for name in names):
        raise AppError(f"{setting} = {text[:200]!r}: write the URL where the app is served "
                       "(https://example.org/mlp/) or a folder inside the docs' output, relative to "
                       "its root (py-mlp/), made of plain names (letters, digits and - _ . ~, none "
                       "starting with a dot), not the root itself nor a path outside it")
    return "path", "/".join(names) + "/"


def install_app(dest, inside=None):
    """Write the app into the folder DEST of the docs' output; returns a one-line summary.

    The app's files come from the installed package, the pinned runtime from the per-user
    cache (fetched and verified on first use, then shared by every docs project on the
    machine), the browser's wheel from this package. A rebuild writes only what changed.
    With INSIDE (the docs' output folder), DEST must lie inside it once links are followed.
    Raises ``AppError`` with one line that names the fix.
    """
    from pathlib import Path

    from ..server import command, static_site
    from ..server.files import SetupError
    from ..server.locations import ENV_CACHE, Layout
    from ..server.runtime import ENV_MIRROR

    if inside is not None:
        real, root = Path(dest).resolve(), Path(inside).resolve()
        if real != root and not real.is_relative_to(root):
            raise AppError(f"the py_mlp app could not be written into {dest}: it leads outside the docs' output "
                           f"(to {real}, by a link). Remove the link, or set the app option to another folder")
    log, layout = io.StringIO(), Layout.default()
    try:
        command.set_up(layout, stream=log)
    except SetupError as e:
        what = " ".join(str(e).split("\n")[0].split())
        raise AppError(f"the py_mlp app could not be written into {dest}: {what} To fix: set "
                       f"{ENV_MIRROR} to a folder holding the pinned runtime (as in {layout.runtime}), "
                       f"or run `py-mlp setup` once with internet access (the runtime is cached in "
                       f"{layout.runtime.parent.parent}, or in {ENV_CACHE}); or set the app option to the URL "
                       "where the app is served") from None
    try:
        record = static_site.build_site(dest, layout, stream=log)
    except SetupError as e:  # about DEST itself: its message says what to do there
        what = " ".join(str(e).split("\n")[0].split())
        raise AppError(f"the py_mlp app could not be written into {dest}: {what}") from None
    summary = [line for line in log.getvalue().splitlines() if line.startswith("build: ") and " files, " in line]
    return summary[-1].removeprefix("build: ") if summary else f"{len(record['files'])} files"
