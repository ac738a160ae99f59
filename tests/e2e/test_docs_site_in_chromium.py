"""py_mlp's own docs in Chromium, served from a sub-path (/py_mlp/) by a plain static host,
as GitHub Pages serves a project: a lesson page's formulas are set by the site's own
KaTeX, its network trains to the numbers its text states, and a code cell, edited as a
reader would, runs with PyScript on the app's Pyodide and prints what CPython prints.

The build is the session's (tests/conftest.py, ``site_docs``). Every request that leaves
127.0.0.1 fails the test, and so does any console error (tests/e2e/conftest.py).
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

LOAD_TIMEOUT_MS = 120_000
VIEWPORT = {"width": 1280, "height": 2400}  # the network in view: a browser slows frames out of view


def stated(page, network, key):
    """A number the text states about a named network: (as written, full value)."""
    number = page.locator(f'.lesson-number[data-network="{network}"][data-key="{key}"]').first
    return number.text_content(), float(number.get_attribute("data-value"))


def test_a_lesson_page_sets_its_formulas_and_its_network_trains_as_its_text_says(page, site_docs):
    page.set_viewport_size(VIEWPORT)
    page.goto(site_docs.url + "lesson/2-chain-rule.html")
    assert page.url.startswith("http://127.0.0.1:") and "/py_mlp/lesson/" in page.url
    expect(page.locator("html")).to_have_attribute("data-math", "ready")
    assert page.locator(".math-tex .katex").count() >= 10 and page.locator(".katex-error").count() == 0

    # Every formula of the site, set by the same KaTeX with errors thrown, without opening each page.
    site = site_docs.site
    pages = [p.relative_to(site).as_posix() for p in sorted(site.rglob("*.html"))
             if "py-mlp" not in p.relative_to(site).parts and "math-tex" in p.read_text(encoding="utf-8")]
    counted = page.evaluate("""async (pages) => {
      let n = 0;
      for (const path of pages) {
        const html = await (await fetch(new URL("../" + path, location.href))).text();
        for (const el of new DOMParser().parseFromString(html, "text/html").querySelectorAll(".math-tex")) {
          katex.renderToString(el.textContent, { displayMode: el.dataset.display === "block", throwOnError: true });
          n += 1;
        }
      }
      return n;
    }""", pages)
    assert len(pages) >= 7 and counted >= 100

    embed = page.locator("#network-chain [data-py-mlp]")
    expect(embed).to_have_attribute("data-py-mlp-state", "placeholder")
    embed.get_by_role("button", name=re.compile(r"^Run")).click()
    assert embed.locator("iframe").get_attribute("src").startswith(site_docs.url + "py-mlp/index.html?embed=1")
    frame = embed.locator("iframe").element_handle().content_frame()
    app = frame.locator("#app")
    expect(app).to_have_attribute("data-state", "ready", timeout=LOAD_TIMEOUT_MS)

    # Before training: the derivative the panel opens on is the one the text states.
    panel = frame.get_by_test_id("derivative")
    expect(panel).to_have_attribute("data-state", "ready", timeout=LOAD_TIMEOUT_MS)
    assert (panel.get_attribute("data-sample"), panel.get_attribute("data-layer")) == ("0", "1")
    assert panel.get_attribute("data-i") == stated(page, "chain", "dLdw_i")[0]
    assert panel.get_attribute("data-j") == stated(page, "chain", "dLdw_j")[0]
    chain = float(frame.get_by_test_id("derivative-chain").get_attribute("data-value"))
    assert chain == pytest.approx(stated(page, "chain", "dLdw")[1], rel=1e-9)

    # Trained: the epochs, the loss and the accuracy read as the text writes them.
    frame.get_by_test_id("train").click()
    expect(app).to_have_attribute("data-state", "paused", timeout=LOAD_TIMEOUT_MS)
    expect(frame.get_by_test_id("epoch")).to_have_text(stated(page, "chain", "epochs")[0])
    expect(frame.get_by_test_id("loss")).to_have_text(stated(page, "chain", "loss")[0])
    expect(frame.get_by_test_id("accuracy")).to_have_text(stated(page, "chain", "metric")[0])


def _cpython(code: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<cell>", "exec"), {"__name__": "__main__"})
    return out.getvalue()


def _losses(text: str) -> list[tuple[str, float, str]]:
    return [(m[1], float(m[2]), m[3]) for m in re.finditer(r"epoch (\d+): loss ([0-9.]+), accuracy ([0-9.]+)", text)]


def test_a_code_cell_edited_in_the_page_runs_on_the_apps_pyodide_and_prints_what_cpython_prints(page, site_docs):
    page.goto(site_docs.url + "lesson/5-training.html")
    cell = page.locator(".py-cell").first
    script = cell.locator("script")
    code = script.text_content().strip("\n")
    assert 'make_optimizer("sgd", lr=0.5)' in code
    edited = code.replace('make_optimizer("sgd", lr=0.5)', 'make_optimizer("momentum", lr=0.1)')

    editor = cell.locator(".cm-content")  # PyScript's editor (CodeMirror), in an open shadow root
    expect(editor).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(edited)
    assert script.evaluate("(s) => s.code") == edited  # what the cell will run is what was typed

    cell.get_by_role("button", name="Python Script Run Button").click()
    output = cell.locator(".py-editor-output")
    expect(output).to_contain_text("epoch 300:", timeout=LOAD_TIMEOUT_MS)
    expect(cell.get_by_role("button", name="Python Script Run Button")).not_to_have_class(re.compile("running"))
    browser = _losses(output.inner_text())
    expected = _losses(_cpython(edited))
    assert [(e, a) for e, _, a in browser] == [(e, a) for e, _, a in expected] and len(expected) == 3
    assert [loss for _, loss, _ in browser] == pytest.approx([loss for _, loss, _ in expected], rel=1e-9)
    assert expected != _losses(_cpython(code)), "the edit changes what the cell prints"
    assert output.locator("span").count() == 0, output.inner_text()  # PyScript writes errors as red spans
