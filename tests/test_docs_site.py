"""py_mlp's own docs (docs/), built once a session by `sphinx-build -W` (tests/conftest.py,
``site_docs``): the build is clean, each lesson page has a network of its own, the numbers
its text states are what those networks compute, its code cells say true things, and
nothing in the site points off it. The vendored KaTeX and PyScript are the pinned bytes.

Runs on CPython under pytest, no browser (tests/e2e/test_docs_site_in_chromium.py reads the
same build in Chromium, served from a sub-path).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import sys
import tarfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest

import support
from py_mlp import build_run, settings
from py_mlp.docs_plugins import embed as docs_embed
from py_mlp.teaching import article

sys.path.insert(0, str(support.REPO / "docs" / "_ext"))
import vendor  # noqa: E402  (docs/_ext/vendor.py: the pins)

LESSON = ["1-one-neuron", "2-chain-rule", "3-backprop", "4-tutorial-class", "5-training", "6-your-activation"]


class Page(HTMLParser):
    """What a built page holds: its networks (each embed's attributes, with the name the text
    gives it), the numbers it states, its code cells with what the build printed, how many
    formulas, and every URL it loads or links to."""

    def __init__(self, path: Path):
        super().__init__(convert_charrefs=True)
        self.embeds, self.numbers, self.cells, self.printed, self.urls = [], [], [], [], []
        self.math, self._network, self._text = 0, None, None
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if "lesson-network" in classes:
            self._network = a["id"].removeprefix("network-")
        if tag == "div" and "data-py-mlp" in a:
            self.embeds.append({**a, "network": self._network})
        if "math-tex" in classes:
            self.math += 1
        if "lesson-number" in classes:
            self._text = ("number", a, [])
        elif tag == "script" and a.get("type") == "py-editor":
            self._text = ("cell", a, [])
        elif tag == "pre" and len(self.printed) < len(self.cells):
            self._text = ("printed", a, [])
        for key in ("src", "href"):
            if a.get(key):
                self.urls.append((tag, a[key]))

    def handle_data(self, data):
        if self._text:
            self._text[2].append(data)

    def handle_endtag(self, tag):
        if self._text and tag == {"number": "span", "cell": "script", "printed": "pre"}[self._text[0]]:
            kind, a, parts = self._text
            text = "".join(parts)
            if kind == "number":
                self.numbers.append({**a, "text": text})
            else:
                (self.cells if kind == "cell" else self.printed).append(text.strip("\n"))
            self._text = None


@pytest.fixture(scope="module")
def pages(site_docs):
    return {name: Page(site_docs.site / "lesson" / f"{name}.html") for name in LESSON}


def run_code(code: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<cell>", "exec"), {"__name__": "__main__"})
    return out.getvalue()


def test_the_docs_build_with_W_and_nothing_to_warn(site_docs):
    assert site_docs.returncode == 0, site_docs.output[-3000:]
    assert "WARNING" not in site_docs.output and "ERROR" not in site_docs.output, site_docs.output[-3000:]
    assert (site_docs.site / "py-mlp" / "index.html").is_file()  # the extension wrote the app in
    assert (site_docs.site / "reference" / "api.html").read_text().count('class="sig-name descname"') > 100


def test_each_lesson_page_has_networks_of_its_own_formulas_and_numbers(pages):
    for name, page in pages.items():
        assert page.embeds, f"{name} has no live network"
        assert page.math >= 3, f"{name} has {page.math} formulas"
        assert page.numbers, f"{name} states no number of its network"
    embeds = [tuple(sorted(e.items())) for page in pages.values() for e in page.embeds]
    assert len(embeds) >= 6 and len(set(embeds)) == len(embeds), "each network is configured for its page"


def _trained(embed: dict):
    """An embed's run, from its HTML attributes as embed.js reads them: (page config, the
    records of every epoch until the end or a divergence, where the page stops too)."""
    values = settings.parse_page_values(dict(parse_qsl(embed.get("config", ""))))
    page = settings.page_config(embed.get("preset", "circles"), **values)
    run = build_run(settings.run_config(page))
    records = []
    with contextlib.suppress(FloatingPointError):  # TrainingDiverged
        for _ in range(page["epochs"]):
            records.append(run.trainer.train_epoch())
    return page, records


def test_the_numbers_the_text_states_are_what_its_networks_compute(pages):
    """Each network's epochs, final loss and accuracy in the text, against a run made here
    from the embed's HTML (what the page will train), written as the page writes them."""
    from lesson import format_number  # docs/_ext/lesson.py: the page's formatNumber, in Python

    checked = 0
    for name, page in pages.items():
        for embed in page.embeds:
            stated = {n["data-key"]: n for n in page.numbers if n["data-network"] == embed["network"]}
            assert stated, f"{name}: the text states nothing of network {embed['network']}"
            if embed.get("preset") == "article":
                log = article.trace()
                assert (stated["log_first"]["text"], stated["log_last"]["text"]) == (log[0], log[-1])
                continue
            config, records = _trained(embed)
            last = records[-1]
            metric = last.get("accuracy", last.get("r2"))
            assert {"loss", "metric", "epochs", "epoch"} & set(stated), f"{name}: say what {embed['network']} reaches"
            numbers = (("loss", last["loss"], 4), ("metric", metric, 3), ("epoch", len(records), 0),
                       ("epochs", config["epochs"], 0))
            for key, value, digits in numbers:
                if key in stated:
                    assert float(stated[key]["data-value"]) == pytest.approx(value, rel=1e-12), (name, key)
                    assert stated[key]["text"] == (str(value) if digits == 0 else format_number(value, digits))
            checked += 1
    assert checked >= 6


def test_the_page_formats_numbers_as_the_app_does():
    """The Python copy of web/views/format.js's formatNumber, on the cases that file names."""
    from lesson import format_number

    assert format_number(2.5910539982962178e+303) == "2.591 × 10³⁰³"
    assert format_number(-1.146e-5) == "-1.146 × 10⁻⁵"
    assert [format_number(v) for v in (0.1500752, 693.62972747, 12345.6, 0.0, -0.24186)] == [
        "0.1501", "693.6", "12350", "0", "-0.2419"]
    assert format_number(0.99381, 3) == "0.994" and format_number(1.0, 3) == "1"


def test_each_code_cell_printed_what_it_prints_and_the_tutorial_cell_is_the_tutorial(pages):
    cells = {name: page.cells for name, page in pages.items() if page.cells}
    assert set(cells) >= {"1-one-neuron", "3-backprop", "4-tutorial-class", "5-training", "6-your-activation"}
    for name, page in pages.items():
        assert len(page.printed) == len(page.cells), name
        assert all(page.printed), f"{name}: a cell printed nothing when the docs were built"
    # Page 4's rewrite of the tutorial's class prints the tutorial's own losses (its log's last
    # line), and the page's claim holds: without the factor 2 and with lr doubled, the same digits.
    tutorial = cells["4-tutorial-class"][0]
    printed = run_code(tutorial)
    assert printed == pages["4-tutorial-class"].printed[0] + "\n"
    last = re.search(r"loss value \[\[([0-9.]+)\]\] accuracy ([0-9.]+)", article.trace()[-1])
    assert re.search(rf"Iteration 149 - loss {float(last[1]):.8f} accuracy {last[2]}", printed)
    edited = tutorial.replace("return 2 * sigmoid(z)", "return sigmoid(z)").replace("lr=0.005", "lr=0.01")
    assert edited != tutorial and run_code(edited) == printed
    assert run_code(tutorial.replace("return 2 * sigmoid(z)", "return sigmoid(z)")) != printed


def test_nothing_in_the_site_points_off_it(site_docs):
    """Every script, stylesheet, image, frame and icon a page loads is a relative URL inside
    the site (links to read elsewhere are allowed), and no stylesheet loads from elsewhere."""
    site = site_docs.site
    for path in site.rglob("*.html"):
        if "py-mlp" in path.relative_to(site).parts:
            continue  # the app: tests/test_build.py and the app's own tests
        page = Page(path)
        for tag, url in page.urls:
            parts = urlsplit(url)
            if tag not in ("script", "link", "img", "iframe", "source") or not (parts.path or parts.netloc):
                continue  # links to read elsewhere, and in-page references
            assert not parts.scheme and not parts.netloc and not url.startswith("/"), f"{path}: {tag} {url}"
            assert (path.parent / parts.path).resolve().is_file(), f"{path}: {tag} {url} is not in the site"
    for css in (site / "_static").rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text(encoding="utf-8")), css


@pytest.mark.parametrize("package", vendor.PACKAGES, ids=lambda p: p.name)
def test_the_vendored_files_are_the_pinned_packages_bytes(site_docs, package):
    tarball = vendor.vendor_folder().parent / package.tarball
    data = tarball.read_bytes()
    assert hashlib.sha256(data).hexdigest() == package.sha256
    served = {p.relative_to(site_docs.site / "_static" / package.folder).as_posix(): p
              for p in (site_docs.site / "_static" / package.folder).rglob("*") if p.is_file()}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        kept = {package.keep(m.name): m for m in tar.getmembers() if m.isfile() and package.keep(m.name)}
        assert set(served) == set(kept)
        for name, member in kept.items():
            assert served[name].read_bytes() == tar.extractfile(member).read(), name


def test_readme_is_a_front_door_whose_links_lead_into_the_docs():
    readme = (support.REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 300
    for command in ("python serve.py", 'python -m pip install -e ".[test]" && python -m pytest',
                    "python -m sphinx -W -b html docs docs/_build/html"):
        assert f"\n{command}\n" in readme or f"&& {command}\n" in readme, command
    links = re.findall(r"\]\(((?:docs|web)/[^)#]+)\)", readme)
    assert len(links) >= 15 and all((support.REPO / link).is_file() for link in links), links
    lesson = [f"docs/lesson/{name}.rst" for name in LESSON]
    assert [link for link in links if link.startswith("docs/lesson/")] == lesson
    ten_lines = re.search(r"## The library in ten lines\n\n```python\n(.*?)```", readme, re.S)[1]
    assert len(ten_lines.strip().splitlines()) == 10
    assert float(run_code(ten_lines)) > 0.9  # it prints the test accuracy
