"""web/ as shipped: facts the page's files must agree on, checked without a browser."""

import posixpath
import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[1] / "web"


def module_graph(entry="app.js"):
    """Every module app.js imports, directly or not, as paths relative to web/."""
    seen, todo = set(), [entry]
    while todo:
        name = todo.pop()
        for target in re.findall(r'^import [^;]*? from "(\.[^"]+)";', (WEB / name).read_text(), re.M):
            path = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
            if path not in seen:
                seen.add(path)
                todo.append(path)
    return seen


def test_modulepreload_hints_name_the_whole_module_graph():
    """index.html asks for every module at once; a module added without its hint would
    load one round trip later (issue 11)."""
    hinted = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', (WEB / "index.html").read_text()))
    graph = module_graph()
    assert "views/colors.js" in graph  # the walk follows imports of imports
    assert hinted == graph, f"missing hints: {graph - hinted}; stale hints: {hinted - graph}"


def test_the_settings_table_names_the_pages_panels_in_order():
    """Docs tools check an embed's `panels` against py_mlp.app.settings.PANELS, and embedded.js
    takes its default set from it (via schema.js): the page must have exactly those panels."""
    from py_mlp import settings

    names = re.findall(r'data-panel="([^"]+)"', (WEB / "index.html").read_text())
    assert names == list(settings.PANELS)
    assert set(settings.DEFAULT_PANELS) <= set(names)
