"""MkDocs plugin ``py-mlp``: a fenced ``py-mlp`` block puts a live, trainable network in a page.

In ``mkdocs.yml``, one line::

    plugins: [search, py-mlp]

and in a page::

    ```py-mlp
    preset: xor-features
    hidden: 4, 2
    panels: controls, chart
    ```

Each line is ``option: value``, with the options of the Sphinx directive (the embed's
own and the page's settings, checked by ``py_mlp.app.settings``); blank lines and lines
starting with ``#`` are skipped. A bad option or value is a warning naming the file and
the line (``mkdocs build --strict`` fails on it) and the embed is left out. Blocks inside
another fence are left alone. Every page gets ``embed.js`` (deferred, a few KB, nothing
more until a reader presses Run), so themes that swap pages without a reload (Material's
instant navigation) still find the embeds. Until the script runs, and where it cannot,
an embed shows a line with a link to the app.

After each build, also under ``mkdocs serve``, the app is written into the site
(``py-mlp/``) from the installed package and the per-user runtime cache, writing only
what changed. ``app: https://example.org/mlp/`` points the embeds at an app served
elsewhere instead (nothing is written); ``app: other/folder/`` puts it elsewhere in the site.

Imports MkDocs, so only MkDocs loads this module (through the entry point
``mkdocs.plugins: py-mlp``); ``py_mlp`` itself never does.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger

from . import embed as docs_embed

log = get_plugin_logger(__name__)

INFO = "py-mlp"  # the fence's info string
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*?)[ \t]*$")
_OPTION = re.compile(r"^(?P<name>[A-Za-z_][\w-]*)[ \t]*:(?P<value>.*)$")


class PyMlpConfig(base.Config):
    app = c.Type(str, default=docs_embed.APP_FOLDER)


class PyMlpPlugin(BasePlugin[PyMlpConfig]):
    """Fenced ``py-mlp`` blocks to embeds, ``embed.js`` on every page, the app copied in."""

    def on_config(self, config):
        try:
            self.kind, self.where = docs_embed.app_location(self.config.app, "py-mlp's app")
        except docs_embed.AppError as e:
            raise PluginError(str(e)) from None
        script = c.ExtraScriptValue(self.where + "embed.js")
        script.defer = True
        config.extra_javascript.append(script)
        return config

    def on_page_markdown(self, markdown, page, config, files):
        source = page.file.content_string.replace("\r\n", "\n")
        first = source[:len(source) - len(markdown)].count("\n") + 1 if source.endswith(markdown) else 1
        name = _shown_path(page.file.abs_src_path or page.file.src_uri)
        app = self.where
        if self.kind == "path":  # relative to the page, as the browser will read it
            base = page.url if page.url.endswith("/") or not page.url else posixpath.dirname(page.url)
            app = posixpath.relpath(self.where, base or ".") + "/"
        return replace_blocks(markdown, lambda line, message: log.warning(f"{name}:{first + line}: {message}"),
                              app)

    def on_post_build(self, config):
        if self.kind != "path":
            return
        dest = Path(config.site_dir, self.where)
        try:
            log.info(f"the app is in {dest} ({docs_embed.install_app(dest, inside=config.site_dir)})")
        except docs_embed.AppError as e:
            log.warning(str(e))


def replace_blocks(markdown, warn, app=None):
    """MARKDOWN with each ``py-mlp`` fenced block replaced by its embed's HTML (whose
    fallback links to the app at APP).

    ``warn(line, message)`` is called for each problem, ``line`` counted from 0 in
    MARKDOWN; a block with problems is left out.
    """
    lines, out, i = markdown.split("\n"), [], 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening or (opening["fence"][0] == "`" and "`" in opening["info"]):
            out.append(lines[i])
            i += 1
            continue
        fence = opening["fence"]
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = next((j for j in range(i + 1, len(lines)) if closing.match(lines[j])), None)
        if opening["info"].split()[:1] != [INFO]:
            stop = len(lines) if end is None else end + 1
            out.extend(lines[i:stop])  # another fence: its content is not ours to read
            i = stop
            continue
        if end is None:
            warn(i, f"this py-mlp block has no closing {fence}; end it with a line of {fence}")
            out.extend(lines[i:])
            break
        out.extend(["", opening["indent"] + _embed(lines[i + 1:end], i + 1, warn, app), ""])
        i = end + 1
    return "\n".join(out)


def _embed(body, first, warn, app):
    options, lines, problems = {}, {}, []
    for k, text in enumerate(body):
        if not text.strip() or text.strip().startswith("#"):
            continue
        match = _OPTION.match(text.strip())
        if not match:
            problems.append((first + k, f'write one "option: value" a line, e.g. "preset: circles", '
                                        f'got "{text.strip()}"'))
        elif match["name"] in options:
            problems.append((first + k, f"{match['name']}: given twice; keep one"))
        else:
            options[match["name"]] = match["value"]
            lines[match["name"]] = first + k
    attributes, errors = docs_embed.check_embed(options)
    problems += [(lines[e.option], str(e)) for e in errors]
    for line, message in sorted(problems):
        warn(line, message)
    return "" if problems else docs_embed.embed_html(attributes, app)


def _shown_path(path):
    """PATH relative to the working folder when inside it (as a person would type it)."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative
