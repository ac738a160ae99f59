"""Sphinx extension: ``.. py-mlp::`` puts a live, trainable network in a page.

In ``conf.py``::

    extensions = ["py_mlp.sphinxext"]
    py_mlp_app = "https://example.org/mlp/"   # where the app is served (another site), or
    py_mlp_app = "py-mlp/"                    # a folder inside the HTML output (the default),
    py_mlp_build = "../dist/py-mlp"           # filled from this `python serve.py build DIR`

and in a page::

    .. py-mlp::
       :preset: xor-features
       :hidden: 4, 2
       :panels: controls, chart

The options are the embed's own (preset, panels, height, title, load) and the page's
settings, checked by ``py_mlp.app.settings`` as the page checks a link: an unknown option or
a bad value is a warning naming the file and the option's line (``-W`` makes it fail the
build) and the embed is left out. Each embed becomes the element ``web/embed.js`` turns
into a placeholder with a Run button; the page gets that script once. With a path,
``py_mlp_build`` (relative to the folder of conf.py) is copied into the output when the
HTML build ends, so ``sphinx-build`` alone makes docs that work on any static host.

Imports Sphinx, so only Sphinx imports this module (``py_mlp`` itself never does).
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.errors import ConfigError, ExtensionError
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
    """``.. py-mlp::`` with options; no arguments, no content."""

    has_content = False
    option_spec = _EveryOption(dict.fromkeys(docs_embed.OPTIONS, directives.unchanged))

    def run(self):
        attributes, problems = docs_embed.check_embed(self.options)
        for problem in problems:
            logger.warning("py-mlp: %s", problem, location=self._option_location(problem.option),
                           type="py_mlp", subtype="option")
        if problems:
            return []
        return [py_mlp_embed("", attributes=attributes)]

    def _option_location(self, name):
        """"file:line" of the line that sets option NAME (else of the directive)."""
        offset = 0
        for i, line in enumerate(self.block_text.splitlines()):
            if line.strip().startswith(f":{name}:"):
                offset = i
                break
        source, line = self.state_machine.get_source_and_line(self.lineno + offset)
        return f"{source}:{line}"


def _visit_html(translator, node):
    app = translator.builder.config.py_mlp_app
    kind, where = docs_embed.app_location(app, "py_mlp_app")
    if kind == "path":
        page = translator.builder.get_target_uri(translator.builder.current_docname)
        where = relative_uri(page, where)
    if not getattr(translator, "_py_mlp_script", False):  # once per page
        translator._py_mlp_script = True
        translator.body.append(f'<script src="{where}embed.js" defer></script>\n')
    translator.body.append(docs_embed.embed_html(node["attributes"]) + "\n")
    raise nodes.SkipNode


def _skip(translator, node):
    raise nodes.SkipNode  # a live network has no place in PDF, man or text output


def _check_config(app):
    """Before any page is read: a bad setting fails at once, with what to write."""
    kind, _ = _location(app.config)
    if kind == "path" and app.builder.format == "html":
        _build_folder(app, app.config)


def _location(config):
    try:
        return docs_embed.app_location(config.py_mlp_app, "py_mlp_app")
    except docs_embed.AppError as e:
        raise ConfigError(str(e)) from None


def _build_folder(app, config):
    if not config.py_mlp_build:
        raise ConfigError(
            f"py_mlp_app = {config.py_mlp_app!r} is a folder in the HTML output, so the py_mlp extension copies "
            "the app there: set py_mlp_build to a folder made by `python serve.py build DIR` (in a py_mlp "
            "checkout), or set py_mlp_app to the URL where the app is served")
    build = Path(app.confdir, config.py_mlp_build)
    try:
        docs_embed.read_build(build)
    except docs_embed.AppError as e:
        raise ConfigError(f"py_mlp_build: {e}") from None
    return build


def _copy_app(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    kind, path = _location(app.config)
    if kind != "path":
        return
    dest = Path(app.outdir, path)
    try:
        written = docs_embed.copy_app(_build_folder(app, app.config), dest)
    except (docs_embed.AppError, OSError) as e:
        raise ExtensionError(f"py_mlp: copying the app into the output failed: {e}") from None
    logger.info("py_mlp: the app is in %s (%d files copied)", dest, written)


def setup(app):
    app.add_config_value("py_mlp_app", "py-mlp/", "html", types=(str,))
    app.add_config_value("py_mlp_build", None, "html", types=(str, type(None)))
    app.add_node(py_mlp_embed, html=(_visit_html, None), latex=(_skip, None), text=(_skip, None),
                 man=(_skip, None), texinfo=(_skip, None))
    app.add_directive("py-mlp", PyMlpDirective)
    app.connect("builder-inited", _check_config)
    app.connect("build-finished", _copy_app)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
