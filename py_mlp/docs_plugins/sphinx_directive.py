"""Sphinx extension: ``.. py-mlp::`` puts a live, trainable network in a page.

In ``conf.py``, one line::

    extensions = ["py_mlp.sphinxext"]

and in a page::

    .. py-mlp::
       :preset: xor-features
       :hidden: 4, 2
       :panels: controls, chart

       Optional content: shown until the network loads, and where it cannot (no
       JavaScript, a PDF or an e-book).

The options are the embed's own (preset, panels, height, title, load) and the page's
settings, checked by ``py_mlp.app.settings`` as the page checks a link: an unknown option or
a bad value is a warning naming the file and the option's line (``-W`` makes it fail the
build) and the embed is left out. Each embed becomes the element ``web/embed.js`` turns
into a placeholder with a Run button; the page gets that script once.

When an HTML build ends, the app is written into the output (``py-mlp/``), from the
installed package and the per-user runtime cache: ``sphinx-build`` alone makes docs that
work on any static host. ``py_mlp_app = "https://example.org/mlp/"`` points the embeds at
an app served elsewhere instead (nothing is written), ``py_mlp_app = "other/folder/"``
puts it elsewhere in the output. Builders that are not HTML (latex, epub, man, text)
show an embed's content, if any, and say once that the live networks were left out.

Imports Sphinx, so only Sphinx imports this module (``py_mlp`` itself never does).
"""

from __future__ import annotations

import html
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri

from .. import __version__
from . import embed as docs_embed

logger = logging.getLogger(__name__)


class py_mlp_embed(nodes.General, nodes.Element):
    """An embed: its HTML attributes in ``node["attributes"]``."""


class _EveryOption(dict):
    """Takes any option name as text: the directive checks them all against the settings
    table itself, so an unknown option gets the same kind of message as a bad value."""

    def __missing__(self, name):
        return directives.unchanged


class PyMlpDirective(SphinxDirective):
    """``.. py-mlp::`` with options and, optionally, content to show without JavaScript."""

    has_content = True
    option_spec = _EveryOption(dict.fromkeys(docs_embed.OPTIONS, directives.unchanged))

    def run(self):
        attributes, problems = docs_embed.check_embed(self.options)
        for problem in problems:
            logger.warning("py-mlp: %s", problem, location=self._option_location(problem.option),
                           type="py_mlp", subtype="option")
        if problems:
            return []
        node = py_mlp_embed("", attributes=attributes)
        if self.content:
            self.state.nested_parse(self.content, self.content_offset, node)
        return [node]

    def _option_location(self, name):
        """"file:line" of the line that sets option NAME (else of the directive)."""
        offset = 0
        for i, line in enumerate(self.block_text.splitlines()):
            if line.strip().startswith(f":{name}:"):
                offset = i
                break
        source, line = self.state_machine.get_source_and_line(self.lineno + offset)
        return f"{source}:{line}"


HTML_BUILDERS = ("html", "dirhtml", "singlehtml")  # epub is HTML too, but no place for a live app


def _where(app):
    """("url" or "path", where) for the app, or None after a warning when the setting is wrong."""
    try:
        return docs_embed.app_location(app.config.py_mlp_app, "py_mlp_app")
    except docs_embed.AppError as e:
        logger.warning("py-mlp: %s", e, location="conf.py", type="py_mlp", subtype="config", once=True)
        return None


def _visit(translator, node):
    builder = translator.builder
    where = _where(builder.app) if builder.name in HTML_BUILDERS else None
    if where is None:
        if builder.name not in HTML_BUILDERS:
            builder.app._py_mlp_left_out = getattr(builder.app, "_py_mlp_left_out", 0) + 1
        if not node.children:
            raise nodes.SkipNode
        return  # the author's content stands in for the network
    kind, url = where
    if kind == "path":
        url = relative_uri(builder.get_target_uri(builder.current_docname), url)
    if not getattr(translator, "_py_mlp_script", False):  # once per page
        translator._py_mlp_script = True
        translator.body.append(f'<script src="{html.escape(url, quote=True)}embed.js" defer></script>\n')
    translator.body.append(docs_embed.embed_open(node["attributes"]))
    if not node.children:
        translator.body.append(docs_embed.fallback_html(node["attributes"], url) + "</div>\n")
        raise nodes.SkipNode
    node["py_mlp_open"] = True


def _depart(translator, node):
    if node.get("py_mlp_open"):
        translator.body.append("</div>\n")


def _write_app(app, exception):
    if exception is not None:
        return
    left_out = getattr(app, "_py_mlp_left_out", 0)
    if left_out:
        logger.info("py_mlp: the %s builder has no place for a live network: %d embed(s) left out "
                    "(their content, if any, is shown)", app.builder.name, left_out)
    if app.builder.name not in HTML_BUILDERS:
        return
    where = _where(app)
    if where is None or where[0] != "path":
        return
    dest = Path(app.outdir, where[1])
    try:
        logger.info("py_mlp: the app is in %s (%s)", dest, docs_embed.install_app(dest, inside=app.outdir))
    except docs_embed.AppError as e:
        logger.warning("py-mlp: %s", e, type="py_mlp", subtype="app")


def setup(app):
    app.add_config_value("py_mlp_app", docs_embed.APP_FOLDER, "html", types=(str,))
    visitors = (_visit, _depart)
    app.add_node(py_mlp_embed, html=visitors, latex=visitors, text=visitors, man=visitors,
                 texinfo=visitors, epub=visitors)
    app.add_directive("py-mlp", PyMlpDirective)
    app.connect("build-finished", _write_app)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
