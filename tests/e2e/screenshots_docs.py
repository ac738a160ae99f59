"""Take the docs' screenshots of docs built with the real tools: ``python tests/e2e/screenshots_docs.py``.

Builds the app (``static_site.build_site``, after the usual setup), the Sphinx project of
tests/docs/ (furo; the app copied into its output) and the MkDocs one (Material; the app
served on its own port), opens each guide page in Debian's Chromium (``PY_MLP_CHROMIUM``),
runs and trains its second embed (the first stays a placeholder), and writes web/screenshots/docs-sphinx.png and
docs-mkdocs.png. Not part of the test suite.
"""

import io
import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import docs_projects  # noqa: E402
import support
from py_mlp.server import static_site  # noqa: E402

OUT = support.REPO / "web" / "screenshots"
EPOCHS = 300  # the fixture's 30 epochs show little of a spiral; a reader would train longer


def shoot(browser, url, path):
    page = browser.new_page(viewport={"width": 1060, "height": 1160})
    page.goto(url)
    embed = page.locator("[data-py-mlp]").nth(1)
    embed.scroll_into_view_if_needed()
    embed.get_by_role("button", name=re.compile("^Run")).click()
    frame = embed.locator("iframe").element_handle().content_frame()
    app = frame.locator("#app")
    expect(app).to_have_attribute("data-state", "ready", timeout=180_000)
    expect(app).to_have_attribute("data-busy", "false")
    frame.get_by_test_id("epochs").fill(str(EPOCHS))
    frame.get_by_test_id("epochs").press("Tab")
    frame.get_by_test_id("train").click()
    expect(app).to_have_attribute("data-state", "paused", timeout=300_000)
    page.evaluate("window.scrollTo(0, 0)")  # the heading, the first embed's placeholder, the trained one
    page.screenshot(path=path)
    page.close()


def main():
    support.set_up()
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        static_site.build_site(tmp / "app", support.LAYOUT, stream=io.StringIO())
        sphinx = docs_projects.build_sphinx(tmp / "sphinx", tmp / "app")
        with support.plain_server(tmp / "app") as (app_url, _):
            mkdocs = docs_projects.build_mkdocs(tmp / "mkdocs", app_url)
            for built in (sphinx, mkdocs):  # the fixtures' page of mistakes fails the build, nothing else
                if not (built.site / "index.html").is_file():
                    raise SystemExit(built.output)
            with support.plain_server(sphinx.site) as (sphinx_url, _), \
                    support.plain_server(mkdocs.site) as (mkdocs_url, _), sync_playwright() as p:
                browser = p.chromium.launch(**support.chromium())
                shoot(browser, sphinx_url + "guide/networks.html", OUT / "docs-sphinx.png")
                shoot(browser, mkdocs_url.replace("127.0.0.1", "localhost") + "guide/", OUT / "docs-mkdocs.png")
                browser.close()
    print("wrote", OUT / "docs-sphinx.png", OUT / "docs-mkdocs.png")


if __name__ == "__main__":
    main()
