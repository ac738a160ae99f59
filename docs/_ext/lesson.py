"""Sphinx extension for py_mlp's lesson: live networks whose numbers the text states, and
code cells a reader edits and runs with PyScript.

- ``.. lesson-network:: NAME`` is ``.. py-mlp::`` (the same options, checked the same way)
  with a name, so that the text can state what that embed will show:
  ``:trained:`NAME.loss``` is the loss the embed reads after its epochs, computed while
  the docs are built by the code the page runs (``build_run`` on the embed's settings,
  then ``Trainer.run``; the browser gives the same numbers to 1e-9, see
  ``tests/e2e/test_library_in_browser.py``) and written as the page writes numbers
  (``views/format.js``: four significant digits). The keys are those of
  ``network_numbers``.
- ``.. py-cell::`` holds Python that the reader can edit and run in the page: a
  ``<script type="py-editor">`` cell of PyScript 0.7.31, served from the site
  (``vendor.py``), on the app's own Pyodide 0.27.7 and py_mlp wheel (``py-mlp/runtime/``
  and ``py-mlp/wheels/`` of the built docs). Every cell of a page shares one Python
  worker, started by the first Run, not when the page opens. Other builders show the code.

CPython, at docs build time; Sphinx, docutils and py_mlp.
"""

from __future__ import annotations

import contextlib
import functools
import html
import io
import json
import re
from pathlib import Path

import numpy as np
from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole
from sphinx.util.osutil import relative_uri

from py_mlp import build_run, settings
from py_mlp.docs_plugins import embed as docs_embed
from py_mlp.docs_plugins.sphinx_directive import HTML_BUILDERS, PyMlpDirective, py_mlp_embed
from py_mlp.server.wheel import WHEEL_TAG, package_version
from py_mlp.teaching import article, explain
from py_mlp.training import TrainingDiverged

logger = logging.getLogger(__name__)
CELL_ENV = "py-mlp-docs"  # one Python worker for every cell of a page


# ---- numbers for the text ------------------------------------------------------------

def format_number(value, digits=4):
    """A number as the page's ``formatNumber`` writes it (web/views/format.js)."""
    if value is None:
        return "–"
    if not np.isfinite(value):
        return "NaN" if np.isnan(value) else ("∞" if value > 0 else "−∞")
    size = abs(value)
    if size != 0 and (size >= 1e5 or size < 1e-4):
        mantissa, exponent = f"{value:.{max(0, digits - 1)}e}".split("e")
        power = str(int(exponent)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
        return f"{_plain(float(mantissa))} × 10{power}"
    return _plain(float(f"{value:.{digits}g}"))


def _plain(x):
    """JavaScript's String(number) for numbers of ordinary size: no trailing ".0"."""
    return str(int(x)) if x == int(x) else repr(x)


def page_settings(options):
    """(preset, page configuration) of an embed's options, as the page builds it."""
    preset = options.get("preset", "circles")
    values = settings.parse_page_values({k: v for k, v in options.items() if k in docs_embed.SETTING_OPTIONS})
    return preset, settings.page_config(preset, **values)


def network_numbers(options):
    """What an embed with these options shows, computed on CPython by the code it runs.

    Keys: ``epochs`` (a run), ``loss``, ``metric`` (accuracy or R²), ``test_loss``,
    ``test_metric``, ``epoch`` (where the run ends: ``epochs``, or the last finite epoch
    when it diverges) and ``diverged`` (1 or 0), after the run; ``loss0``, ``metric0``
    before it; ``grad_first``, ``grad_last`` (the gradient norms of the first and last
    layer at the end) and ``grad_ratio`` (first over last), ``grad_first_at1`` and
    ``grad_last_at1`` (the same after epoch 1); ``n_params``, ``n_train``;
    and the derivative the "follow one derivative" panel opens on (training sample 0, in
    layer 1 the neuron i with the largest |dL/dz| and the input j with the largest |x|):
    ``dLdw`` by the chain rule, ``dLdw_fd`` by finite differences, ``dLdw_i``, ``dLdw_j``.
    For ``preset: article``: the tutorial's log, ``loss0`` (before training), ``loss``
    and ``metric`` (its last line), ``epochs`` (150), and its first and last lines,
    ``log_first`` and ``log_last``.
    """
    return dict(_numbers(tuple(sorted(options.items()))))


@functools.lru_cache(maxsize=None)
def _numbers(items):
    options = dict(items)
    if options.get("preset") == "article":
        records, log = article.records(), article.trace()
        return (("epochs", article.ITERATIONS), ("loss0", records[0]["loss"]), ("loss", records[-1]["loss"]),
                ("metric", records[-1]["accuracy"]), ("log_first", log[0]), ("log_last", log[-1]))
    preset, page = page_settings(options)
    run = build_run(settings.run_config(page))
    t = run.trainer
    before = t.evaluate(t.X, t.y)
    numbers = {"epochs": page["epochs"], "n_params": run.model.n_params(), "n_train": len(t.X),
               "loss0": before["loss"], "metric0": before.get("accuracy", before.get("r2"))}
    first = explain.trace(t, t.X[0], t.y[0])["layers"][0]
    i = int(np.argmax(np.abs(np.nan_to_num(np.asarray(first["dL_dz"], dtype=float)))))
    j = int(np.argmax(np.abs(t.X[0])))
    values = explain.derivative(t, t.X[0], t.y[0], 1, i, j)["values"]
    numbers.update(dLdw=values["chain_rule"], dLdw_fd=values["finite_difference"], dLdw_i=i, dLdw_j=j)
    last, diverged = None, 0
    try:
        for _ in range(page["epochs"]):
            last = t.train_epoch()
            if t.epoch == 1:
                numbers.update(grad_first_at1=last["grad_norms"][0], grad_last_at1=last["grad_norms"][-1])
    except TrainingDiverged:
        diverged = 1
    if last is None:
        raise ValueError(f"the network diverged in its first epoch: {dict(items)}")
    metric = "accuracy" if "accuracy" in last else "r2"
    numbers.update(epoch=t.epoch, diverged=diverged, loss=last["loss"], metric=last[metric],
                   test_loss=last.get("test_loss"), test_metric=last.get("test_" + metric),
                   grad_first=last["grad_norms"][0], grad_last=last["grad_norms"][-1],
                   grad_ratio=last["grad_norms"][0] / last["grad_norms"][-1] if last["grad_norms"][-1] else None)
    return tuple(numbers.items())


class lesson_number(nodes.Inline, nodes.TextElement):
    """A number of a named network on the page, filled in once the page is read."""


class TrainedRole(SphinxRole):
    """``:trained:`NAME.KEY``` (a key of ``network_numbers``)."""

    def run(self):
        name, _, key = self.text.partition(".")
        node = lesson_number(self.rawtext, "", network=name, key=key)
        node.source, node.line = self.get_source_info()
        return [node], []


class LessonNetwork(PyMlpDirective):
    """``.. lesson-network:: NAME`` with the options of ``.. py-mlp::``."""

    required_arguments = 1

    def run(self):
        found = super().run()
        for node in found:
            node["lesson_name"] = self.arguments[0]
            node["lesson_options"] = dict(self.options)
        # Named in the page too (id "network-NAME"), so that a test can pair it with its numbers.
        return [nodes.container("", *found, classes=["lesson-network"], ids=[f"network-{self.arguments[0]}"])]


DIGITS = {"metric": 3, "metric0": 3, "test_metric": 3}  # as the page's accuracy read-out


def _fill_numbers(app, doctree, docname):
    networks = {node["lesson_name"]: node["lesson_options"] for node in doctree.findall(py_mlp_embed)
                if "lesson_name" in node}
    for node in list(doctree.findall(lesson_number)):
        options = networks.get(node["network"])
        numbers = None if options is None else network_numbers(options)
        if numbers is None or node["key"] not in numbers:
            known = ", ".join(networks) or "none on this page"
            what = (f"no lesson-network named {node['network']!r} on this page (named: {known})" if numbers is None
                    else f"no number {node['key']!r}; the keys are {', '.join(numbers)}")
            logger.warning("trained: %s", what, location=node)
            node += nodes.Text("?")
            continue
        value = numbers[node["key"]]
        text = str(value) if isinstance(value, (int, str)) else format_number(value, DIGITS.get(node["key"], 4))
        node["value"] = repr(value)
        node += nodes.Text(text)


def _visit_number_html(translator, node):
    translator.body.append(translator.starttag(node, "span", "", CLASS="lesson-number", **{
        "data-network": node["network"], "data-key": node["key"], "data-value": node.get("value", "")}))


def _depart_number_html(translator, node):
    translator.body.append("</span>")


def _pass(translator, node):
    pass


def _always_read_again(app, env, added, changed, removed):
    """Pages with networks or cells are read again on every build: their numbers and printed
    output come from py_mlp's code, which Sphinx does not watch."""
    return [name for name in env.found_docs
            if re.search(r"^\.\. (lesson-network|py-cell)::", _source(env, name), re.M)]


def _source(env, docname):
    try:
        return Path(env.doc2path(docname)).read_text(encoding="utf-8")
    except OSError:
        return ""


# ---- code cells ----------------------------------------------------------------------

class py_cell(nodes.General, nodes.FixedTextElement):
    """A cell of Python the reader edits and runs (its text is the code)."""


def run_cell(code, name="<cell>"):
    """What CODE prints when run on CPython, in a namespace of its own (the docs' build runs
    every cell so, and shows what it printed; an exception is the build's warning)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, name, "exec"), {"__name__": "__main__"})
    return out.getvalue()


class PyCell(SphinxDirective):
    """``.. py-cell::`` with the Python code as its content; the build runs it on CPython."""

    has_content = True

    def run(self):
        code = "\n".join(self.content)
        if "</script" in code.lower():
            raise self.error("py-cell: the code cannot hold '</script'; write it as '<' '/script'")
        source, line = self.get_source_info()
        try:
            printed = run_cell(code, f"{source}:{line}")
        except Exception as e:  # the reader's code may raise anything; the author's must not
            raise self.error(f"py-cell: the code raised {type(e).__name__}: {e}") from None
        node = py_cell(code, code, language="python", highlight_args={}, linenos=False, printed=printed)
        self.set_source_info(node)
        return [node]


def _cell_html(translator, node):
    builder = translator.builder
    kind, app_url = docs_embed.app_location(builder.config.py_mlp_app, "py_mlp_app")
    page = builder.get_target_uri(builder.current_docname)
    if kind == "path":
        app_url = relative_uri(page, app_url)
    static = relative_uri(page, "_static/")
    wheel = f"py_mlp-{package_version()}-{WHEEL_TAG}.whl"
    config = {
        "interpreter": app_url + "runtime/pyodide/pyodide.mjs",  # the app's Pyodide, not PyScript's CDN default
        "files": {static + "lesson/jsffi.py": "./jsffi.py",  # before PyScript's own start-up needs it
                  app_url + "wheels/" + wheel: "./*"},  # py_mlp, unpacked where Python imports from
    }
    # Run before each cell's code in the worker (py-editor's onbeforerun): numpy from the
    # same runtime; once loaded, loadPackage returns at once.
    before = "import pyodide_js; await pyodide_js.loadPackage('numpy')"
    attributes = (f'type="py-editor" env="{CELL_ENV}" env-override config="{html.escape(json.dumps(config))}" '
                  f'onbeforerun="{html.escape(before)}"')
    printed = html.escape(node["printed"].rstrip("\n"))
    translator.body.append(f'<div class="py-cell">\n<script {attributes}>\n{node.astext()}\n</script>\n'
                           f'<div class="py-cell-built"><p>It printed this on CPython when these docs were built; '
                           f'press ▶ to run it here, in your browser:</p><pre>{printed}</pre></div>\n</div>\n')
    raise nodes.SkipNode


def _visit_cell(translator, node):
    if translator.builder.name in HTML_BUILDERS:
        _cell_html(translator, node)
    translator.visit_literal_block(node)


def _depart_cell(translator, node):
    translator.depart_literal_block(node)


def _cell_assets(app, pagename, templatename, context, doctree):
    if app.builder.name in HTML_BUILDERS and doctree is not None and any(doctree.findall(py_cell)):
        app.add_css_file("pyscript/core.css")
        app.add_js_file("pyscript/core.js", type="module")


def setup(app):
    app.setup_extension("py_mlp.sphinxext")
    app.add_directive("lesson-network", LessonNetwork)
    app.add_role("trained", TrainedRole())
    plain = (_pass, _pass)
    app.add_node(lesson_number, html=(_visit_number_html, _depart_number_html), epub=plain, latex=plain,
                 text=plain, man=plain, texinfo=plain)
    app.connect("doctree-resolved", _fill_numbers)
    app.connect("env-get-outdated", _always_read_again)
    cell = (_visit_cell, _depart_cell)
    app.add_node(py_cell, html=cell, latex=cell, text=cell, man=cell, texinfo=cell, epub=cell)
    app.add_directive("py-cell", PyCell)
    app.connect("html-page-context", _cell_assets)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
