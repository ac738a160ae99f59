"""The Sphinx directive and the MkDocs plugin, run by the real tools on tests/docs/, and
the checks and copy they share (py_mlp/docs_plugins/embed.py) on their own.

Runs on CPython under pytest, no browser (tests/e2e/test_docs_sites.py opens the same
builds in Chromium). The session builds each docs project once (tests/conftest.py);
each has a page of mistakes, so `sphinx-build -W` and `mkdocs build --strict` fail, and
the tests read every warning they print.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest

import support
from docs_projects import DOCS, MKDOCS_GUIDE, SPHINX_GUIDE, embed_options
from py_mlp import settings
from py_mlp.docs_plugins import embed as docs_embed
from py_mlp.server import files, static_site

SPHINX_BAD = DOCS / "sphinx" / "bad.rst"
MKDOCS_BAD = DOCS / "mkdocs" / "docs" / "bad.md"


def line_of(path: Path, text: str) -> int:
    """The 1-based number of the line of PATH that holds TEXT."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


class Tags(HTMLParser):
    """The <div data-py-mlp> elements (their attributes) and <script> sources of a page."""

    def __init__(self, path: Path):
        super().__init__()
        self.embeds, self.scripts = [], []
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and "data-py-mlp" in attrs:
            self.embeds.append({k: v for k, v in attrs.items() if k != "data-py-mlp"})
        if tag == "script" and attrs.get("src"):
            self.scripts.append(attrs)


def warnings_of(output: str, marker: str) -> list[str]:
    return [line for line in output.splitlines() if marker in line]


# ---- the real tools ---------------------------------------------------------------------

def test_sphinx_build_W_fails_on_each_bad_option_naming_its_file_and_line(sphinx_docs):
    assert sphinx_docs.returncode == 1, sphinx_docs.output
    found = warnings_of(sphinx_docs.output, "WARNING")
    expected = [(":hiden:", "hiden: unknown option (did you mean hidden?)"),
                (":learning_rate:", 'learning_rate: enter a number for the learning rate, got "fast"'),
                (":panels:", 'panels: no panel named "graph"')]
    assert len(found) == len(expected), "\n".join(found)  # and nothing else warned
    for line, (option, words) in zip(found, expected):
        assert line.startswith(f"{SPHINX_BAD}:{line_of(SPHINX_BAD, option)}: WARNING: py-mlp: {words}"), line


def test_mkdocs_build_strict_fails_on_each_bad_option_naming_its_file_and_line(mkdocs_docs):
    assert mkdocs_docs.returncode == 1, mkdocs_docs.output
    assert "Aborted with 4 warnings in strict mode!" in mkdocs_docs.output
    found = warnings_of(mkdocs_docs.output, "WARNING")
    expected = [("hiden:", "hiden: unknown option (did you mean hidden?)"),
                ("learning_rate:", 'learning_rate: enter a number for the learning rate, got "fast"'),
                ("panels:", 'panels: no panel named "graph"'),
                ("just some words", 'write one "option: value" a line')]
    assert len(found) == len(expected), "\n".join(found)
    # MkDocs strips the page's front matter before plugins see it: the lines still count it.
    assert MKDOCS_BAD.read_text().startswith("---\n")
    for line, (text, words) in zip(found, expected):
        match = re.search(rf"py_mlp: (\S+):{line_of(MKDOCS_BAD, text)}: (.*)", line)
        assert match and Path(match[1]).resolve() == MKDOCS_BAD, line
        assert match[2].startswith(words), line


@pytest.mark.parametrize("source", [SPHINX_GUIDE, MKDOCS_GUIDE], ids=["sphinx", "mkdocs"])
def test_the_fixtures_two_embeds_differ(source):
    """What the browser tests rely on: two embeds, and settings that tell them apart."""
    first, second = embed_options(source)
    assert first["preset"] == "xor-features" and "preset" not in second
    assert first["epochs"] != second["epochs"]


def test_sphinx_pages_hold_their_embeds_and_the_app_is_in_the_output(sphinx_docs, app_build):
    html = sphinx_docs.site
    page = Tags(html / "guide" / "networks.html")
    options = embed_options(SPHINX_GUIDE)
    assert page.embeds == [docs_embed.check_embed(o)[0] for o in options]
    assert page.embeds[0]["config"] == "epochs=40" and page.embeds[0]["panels"] == "controls,chart"
    embed_js = [s for s in page.scripts if s["src"].endswith("embed.js")]
    assert embed_js == [{"src": "../py-mlp/embed.js", "defer": None}]  # once, relative, deferred
    index = Tags(html / "index.html")
    assert index.embeds == [] and not any("embed.js" in s["src"] for s in index.scripts)
    assert Tags(html / "bad.html").embeds == []  # an embed with a mistake is left out

    # The extension wrote the whole app, byte for byte what `py-mlp build` writes.
    record = json.loads((app_build / static_site.BUILD_RECORD).read_text())
    assert record["files"] == json.loads((html / "py-mlp" / static_site.BUILD_RECORD).read_text())["files"]
    for entry in record["files"]:
        copied = html / "py-mlp" / entry["name"]
        assert hashlib.sha256(copied.read_bytes()).hexdigest() == entry["sha256"], entry["name"]


def test_mkdocs_pages_hold_their_embeds_and_link_the_app_on_its_site(mkdocs_docs, app_site):
    page = Tags(mkdocs_docs.site / "guide" / "index.html")
    assert page.embeds == [docs_embed.check_embed(o)[0] for o in embed_options(MKDOCS_GUIDE)]
    assert [s for s in page.scripts if "embed.js" in s["src"]] == [{"src": urljoin(app_site, "embed.js"),
                                                                    "defer": None}]
    assert "```py-mlp" in (mkdocs_docs.site / "guide" / "index.html").read_text()  # the shown one stays code
    assert Tags(mkdocs_docs.site / "bad" / "index.html").embeds == []
    assert not (mkdocs_docs.site / "py-mlp").exists()  # a URL: nothing copied


def test_no_docs_tool_is_imported_by_py_mlp_or_the_worker():
    """The browser's wheel holds the extensions, but py_mlp and web/worker.py never load them,
    nor scikit-learn (only py_mlp.estimators does, tests/test_estimators.py)."""
    code = ("import pkgutil, importlib, sys; sys.path.insert(0, 'web'); import py_mlp, worker; "
            "[importlib.import_module('py_mlp.' + m.name) for m in pkgutil.iter_modules(py_mlp.__path__) "
            " if m.name not in ('sphinxext', 'mkdocs_plugin', 'estimators', '__main__')]; "
            "print(sorted({n.split('.')[0] for n in sys.modules} & {'sphinx', 'docutils', 'mkdocs', 'markdown', "
            "'sklearn', 'scipy'}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=support.REPO, capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


# ---- the checks and the copy they share ---------------------------------------------------

def test_every_page_setting_is_an_option_checked_by_the_pages_rules():
    for s in settings.PAGE:
        assert s.name in docs_embed.OPTIONS
        attributes, problems = docs_embed.check_embed({s.name: "not a value, surely"})
        assert [p.option for p in problems] == [s.name] and not attributes
        # the same message as the page's parser gives
        with pytest.raises(settings.ConfigError) as err:
            settings.parse_page_values({s.name: "not a value, surely"})
        assert problems[0].message == err.value.message


@pytest.mark.parametrize("options, option, words", [
    ({"preset": "circle"}, "preset", 'unknown preset "circle"; choose one of: circles,'),
    ({"panels": "chart, graph"}, "panels", 'no panel named "graph"'),
    ({"panels": " , "}, "panels", "name at least one panel"),
    ({"height": "tall"}, "height", "enter a whole number of CSS pixels from 120"),
    ({"height": "119"}, "height", "from 120 to 20000"),
    ({"title": ""}, "title", "write the heading"),
    ({"load": "later"}, "load", "choose lazy"),
    ({"hiden": "4"}, "hiden", "did you mean hidden?"),
    ({"momentum": "0.5"}, "momentum", "unknown option"),  # a library setting the page does not show
    ({"dataset": "custom"}, "dataset", "your own data cannot travel in a link"),
    ({"preset": "article", "hidden": "4"}, "hidden", "the article preset"),
])
def test_bad_options_are_named_with_what_to_do(options, option, words):
    attributes, problems = docs_embed.check_embed(options)
    assert [p.option for p in problems] == [option]
    assert words in problems[0].message


def test_every_problem_of_an_embed_is_reported_at_once():
    _, problems = docs_embed.check_embed({"hiden": "4", "epochs": "-1", "load": "soon", "preset": "spiral"})
    assert [p.option for p in problems] == ["hiden", "epochs", "load"]


def test_good_options_become_the_attributes_embed_js_reads():
    attributes, problems = docs_embed.check_embed({
        "title": 'Say "hi" <b>', "load": "eager", "hidden": " 4, 2 ", "panels": "Chart, controls",
        "height": "0300", "preset": "spiral", "features": "x1 x2"})
    assert problems == []
    assert list(attributes) == ["preset", "config", "panels", "height", "title", "load"]
    assert attributes["config"] == "hidden=4%2C+2&features=x1+x2"
    assert attributes["panels"] == "chart,controls" and attributes["height"] == "300"
    assert docs_embed.embed_open(attributes) == (
        '<div data-py-mlp preset="spiral" config="hidden=4%2C+2&amp;features=x1+x2" panels="chart,controls" '
        'height="300" title="Say &quot;hi&quot; &lt;b&gt;" load="eager">')
    assert docs_embed.check_embed({"panels": "all"})[0] == {"panels": "all"}
    assert docs_embed.check_embed({}) == ({}, [])


@pytest.mark.parametrize("value, expected", [
    ("https://example.org/mlp", ("url", "https://example.org/mlp/")),
    ("http://127.0.0.1:8000/", ("url", "http://127.0.0.1:8000/")),
    ("//cdn.example.org/mlp/", ("url", "//cdn.example.org/mlp/")),
    ("py-mlp", ("path", "py-mlp/")),
    ("_static/mlp/", ("path", "_static/mlp/")),
])
def test_the_app_is_at_a_url_or_a_folder_of_the_output(value, expected):
    assert docs_embed.app_location(value) == expected


@pytest.mark.parametrize("value", ["", ".", "/srv/mlp", "../mlp", "ftp://example.org/mlp/",
                                   "https://example.org/mlp/?v=1", "https:///mlp"])
def test_where_the_app_is_must_be_a_url_or_a_folder_inside_the_output(value):
    with pytest.raises(docs_embed.AppError, match="app"):
        docs_embed.app_location(value, "app")


def test_install_app_writes_the_app_and_a_rebuild_writes_nothing(tmp_path, runtime_ready, wheel_ready):
    dest = tmp_path / "site" / "py-mlp"
    first = docs_embed.install_app(dest)
    assert re.search(r"\(\d+ written, 0 unchanged, 0 removed\)", first), first
    assert (dest / "index.html").is_file() and (dest / "embed.js").is_file()
    assert (dest / "runtime" / "pyodide" / "pyodide.asm.wasm").stat().st_size > 1_000_000
    again = docs_embed.install_app(dest)
    assert re.search(r"\(0 written, \d+ unchanged, 0 removed\)", again), again


def test_install_app_says_in_one_line_what_to_do_when_the_runtime_cannot_be_had(tmp_path, monkeypatch):
    from py_mlp.server import runtime

    monkeypatch.setenv("PY_MLP_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("PY_MLP_RUNTIME_MIRROR", str(tmp_path / "no-mirror"))
    monkeypatch.setenv("PY_MLP_RUNTIME_OFFLINE", "1")
    monkeypatch.setattr(runtime.Fetcher, "_download_archive", lambda self, src: (_ for _ in ()).throw(
        files.SetupError(f"{src['kind']} cannot be reached")))  # as on a machine with no network
    with pytest.raises(docs_embed.AppError) as caught:
        docs_embed.install_app(tmp_path / "site" / "py-mlp")
    message = str(caught.value)
    assert "\n" not in message and "PY_MLP_RUNTIME_MIRROR" in message and "py-mlp setup" in message
    assert not (tmp_path / "site" / "py-mlp" / "index.html").exists()


def test_the_mkdocs_plugin_writes_the_app_into_the_site_by_itself(tmp_path, runtime_ready, wheel_ready):
    """The path case of the MkDocs plugin, through its hooks (the session's one MkDocs build
    links to the app on another site): with no settings at all, the app goes to py-mlp/."""
    from mkdocs.config.defaults import MkDocsConfig

    from py_mlp.docs_plugins.mkdocs_plugin import PyMlpPlugin

    config = MkDocsConfig(config_file_path=str(tmp_path / "mkdocs.yml"))
    (tmp_path / "docs").mkdir()
    config.load_dict({"site_name": "t", "site_dir": str(tmp_path / "site"), "docs_dir": "docs"})
    assert config.validate() == ([], [])
    plugin = PyMlpPlugin()
    assert plugin.load_config({}, str(tmp_path / "mkdocs.yml")) == ([], [])
    plugin.on_config(config)
    script = config.extra_javascript[-1]
    assert (script.path, script.defer) == ("py-mlp/embed.js", True)
    plugin.on_post_build(config)
    built = json.loads((tmp_path / "site" / "py-mlp" / static_site.BUILD_RECORD).read_text())
    assert {"index.html", "embed.js", "runtime/pyodide/pyodide.asm.wasm"} <= {f["name"] for f in built["files"]}


def test_an_embed_shows_a_link_to_the_app_until_its_script_runs():
    attributes, problems = docs_embed.check_embed({"preset": "spiral", "hidden": "4, 2", "panels": "chart"})
    assert problems == []
    element = docs_embed.embed_html(attributes, "../py-mlp/")
    found = re.search(r'<a href="([^"]+)">open it on its own page</a>', element)
    assert found and element.startswith("<div data-py-mlp") and element.endswith("</p></div>")
    assert html.unescape(found.group(1)) == "../py-mlp/index.html?preset=spiral&hidden=4%2C+2&panels=chart"
    assert docs_embed.embed_html(attributes, "x/", inner="<p>mine</p>").endswith("><p>mine</p></div>")
