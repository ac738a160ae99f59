"""Sphinx extension for py_mlp's own docs: mathematics set by KaTeX served from the site,
and Markdown pipe tables (the ones py_mlp's tools print) as real tables.

- ``html_math_renderer = "katex"``: ``:math:`` and ``.. math::`` become elements holding
  their TeX, which ``_static/lesson/math.js`` sets with ``katex.render`` on load (an error
  in the TeX is a page error, so the browser test sees it). KaTeX, like PyScript, comes
  from ``vendor.py``: pinned, verified, copied into ``_static/``; pages without
  mathematics load none of it.
- ``.. markdown-table::`` takes a Markdown pipe table (header, ``|---|`` line, rows) as
  its content, with `code` and **bold** in cells, so tables that py_mlp's generators print
  (the settings tables, the benchmark, the comparison with scikit-learn) are pasted as
  they are printed.

CPython, at docs build time; Sphinx and docutils only, besides ``vendor``.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective
from sphinx.util.math import get_node_equation_number

import vendor


# ---- mathematics ---------------------------------------------------------------------

def _visit_math(self, node):
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight math-tex",
                                   **{"data-display": "inline"}))
    self.body.append(self.encode(node.astext()) + "</span>")
    raise nodes.SkipNode


def _visit_displaymath(self, node):
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node["number"]:
        self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})')
        self.add_permalink_ref(node, "Link to this equation")
        self.body.append("</span>")
    # Equations apart (a blank line between them) are set one under the other.
    parts = [part.strip() for part in node.astext().split("\n\n") if part.strip()]
    tex = parts[0] if len(parts) == 1 else r"\begin{gathered}" + r" \\ ".join(parts) + r"\end{gathered}"
    self.body.append(f'<span class="math-tex" data-display="block">{self.encode(tex)}</span></div>\n')
    raise nodes.SkipNode


def _page_assets(app, pagename, templatename, context, doctree):
    if app.builder.format == "html" and context.get("has_maths_elements"):
        app.add_css_file("katex/katex.min.css")
        app.add_js_file("katex/katex.min.js", loading_method="defer")
        app.add_js_file("lesson/math.js", loading_method="defer")


def _static_path(app, config):
    """The vendored packages join ``html_static_path``: Sphinx copies them into ``_static/``."""
    try:
        folder = vendor.ensure_vendored()
    except vendor.SetupError as e:  # one line saying what to do, not a traceback
        raise ExtensionError(str(e)) from None
    config.html_static_path = [*config.html_static_path, str(folder)]


# ---- Markdown pipe tables -------------------------------------------------------------

_INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*")


def _cell(text):
    """A table cell's paragraph from Markdown text with `code` and **bold**."""
    para, at = nodes.paragraph(), 0
    for match in _INLINE.finditer(text):
        if match.start() > at:
            para += nodes.Text(text[at:match.start()])
        para += nodes.literal(text=match[1]) if match[1] is not None else nodes.strong(text=match[2])
        at = match.end()
    if at < len(text):
        para += nodes.Text(text[at:])
    return nodes.entry("", para)


def _row_cells(line):
    line = line.strip()
    if not (line.startswith("|") and line.endswith("|")):
        return None
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line[1:-1])]


class MarkdownTable(SphinxDirective):
    """``.. markdown-table::`` with a pipe table as its content."""

    has_content = True

    def run(self):
        rows = [_row_cells(line) for line in self.content if line.strip()]
        if len(rows) < 2 or None in rows or not all(re.fullmatch(r":?-{3,}:?", c) for c in rows[1]):
            raise self.error("markdown-table: write a header row, a |---|---| line, then the rows, "
                             "each line starting and ending with |")
        width = len(rows[0])
        if any(len(row) != width for row in rows):
            raise self.error(f"markdown-table: every row needs {width} cells, as the header has")
        group = nodes.tgroup(cols=width)
        group += [nodes.colspec(colwidth=1) for _ in range(width)]
        head, body = nodes.thead(), nodes.tbody()
        head += nodes.row("", *map(_cell, rows[0]))
        body += [nodes.row("", *map(_cell, row)) for row in rows[2:]]
        group += [head, body]
        table = nodes.table("", group, classes=["markdown-table"])
        return [table]


def setup(app):
    app.add_html_math_renderer("katex", inline_renderers=(_visit_math, None),
                               block_renderers=(_visit_displaymath, None))
    app.connect("config-inited", _static_path)
    app.connect("html-page-context", _page_assets)
    app.add_directive("markdown-table", MarkdownTable)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
