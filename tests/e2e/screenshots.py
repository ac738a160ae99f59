"""Take README's screenshots of the page in its main states: ``python tests/e2e/screenshots.py``.

Starts serve.py on a free port, drives Debian's Chromium (``PY_MLP_CHROMIUM``) and writes
PNGs to web/screenshots/. Not part of the test suite. ``python tests/e2e/screenshots.py
activation`` takes only the panels named (``page`` is the page's main states).
"""

import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import support  # noqa: E402

OUT = support.REPO / "web" / "screenshots"


def states(browser, url):
    """Loading, ready, a trained spiral, the tutorial's experiment, and a phone."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    root = page.locator("#app")
    page.goto(url)
    page.wait_for_function("document.getElementById('progress').value > 0.2")
    page.screenshot(path=OUT / "loading.png")
    expect(root).to_have_attribute("data-busy", "false", timeout=120_000)
    page.screenshot(path=OUT / "ready.png")
    page.get_by_test_id("preset").select_option("spiral")
    expect(root).to_have_attribute("data-busy", "false")
    page.get_by_test_id("train").click()
    expect(root).to_have_attribute("data-state", "paused", timeout=300_000)
    page.screenshot(path=OUT / "trained.png", full_page=True)
    page.goto(url + "?preset=article")
    expect(page.get_by_test_id("trace-summary")).not_to_be_empty(timeout=180_000)
    expect(page.locator("#app")).to_have_attribute("data-busy", "false")
    page.screenshot(path=OUT / "article.png")
    phone = browser.new_page(viewport={"width": 360, "height": 780})
    phone.goto(url)
    expect(phone.locator("#app")).to_have_attribute("data-busy", "false", timeout=120_000)
    phone.screenshot(path=OUT / "phone.png")


WRONG_SOFTPLUS = """# softplus, with a derivative that is wrong away from z = 0
def f(z):
    return np.logaddexp(0, z)

def df(z, a):
    return 1 / (1 + np.exp(z))   # should be np.exp(-z)
"""


def activation(browser, url):
    """The "your own activation" panel after checking a wrong derivative."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url)
    expect(page.locator("#app")).to_have_attribute("data-busy", "false", timeout=120_000)
    page.get_by_test_id("activation-code").fill(WRONG_SOFTPLUS)
    page.get_by_test_id("check-code").click()
    expect(page.get_by_test_id("code-result")).to_have_attribute("data-passed", "false")
    page.locator('[data-panel="activation"]').screenshot(path=OUT / "activation.png")
    page.close()


def main(names):
    OUT.mkdir(exist_ok=True)
    shots = {"page": states, "activation": activation}
    with support.serve_py_url(timeout=600) as url:  # the first start sets up the runtime
        with sync_playwright() as p:
            browser = p.chromium.launch(**support.chromium())
            for name in names or shots:
                shots[name](browser, url)
            browser.close()
    print("wrote", ", ".join(sorted(p.name for p in OUT.glob("*.png"))))


if __name__ == "__main__":
    main(sys.argv[1:])
