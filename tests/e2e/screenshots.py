"""Take the screenshots of the page that README and the docs show: ``python tests/e2e/screenshots.py``.

Starts serve.py on a free port, drives Debian's Chromium (``PY_MLP_CHROMIUM``) and writes
PNGs to web/screenshots/. Not part of the test suite. ``python tests/e2e/screenshots.py
activation`` takes only the panels named (``page`` is the page's main states; ``derivative``
the "follow one derivative" panel and the links by gradient).
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


def derivative(browser, url):
    """The "follow one derivative" panel after 30 epochs on the two circles: a weight of
    layer 1, the backward pass at layer 2, the pointer on one term of the sum; then the
    network's links by their gradient in the vanishing-gradients preset."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url + "?preset=circles")
    expect(page.locator("#app")).to_have_attribute("data-busy", "false", timeout=120_000)
    page.get_by_test_id("epochs").fill("30")
    page.get_by_test_id("epochs").press("Tab")
    page.get_by_test_id("train").click()
    expect(page.locator("#app")).to_have_attribute("data-state", "paused", timeout=120_000)
    panel = page.get_by_test_id("derivative")
    page.get_by_test_id("derivative-link-1-0-0").focus()  # the links' tab stop: x1 to neuron 0
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(panel).to_have_attribute("data-i", "3")
    expect(panel).to_have_attribute("data-state", "ready")
    for _ in range(2):
        page.get_by_test_id("derivative-backward").click()
    expect(panel).to_have_attribute("data-step-layer", "2")
    page.get_by_test_id("derivative-terms").locator("tr[data-m]").nth(2).hover()
    panel.screenshot(path=OUT / "derivative.png")

    page.goto(url + "?preset=vanishing")
    expect(page.locator("#app")).to_have_attribute("data-busy", "false", timeout=120_000)
    page.get_by_test_id("link-gradients").check()
    expect(page.locator("#app")).to_have_attribute("data-busy", "false")
    page.get_by_test_id("network").evaluate("e => e.scrollIntoView({block: 'center'})")
    boxes = [page.get_by_test_id(t).bounding_box() for t in ("network", "network-legend", "link-gradients")]
    top, bottom = boxes[0]["y"] - 8, max(b["y"] + b["height"] for b in boxes) + 8
    left, right = boxes[0]["x"] - 8, boxes[0]["x"] + boxes[0]["width"] + 8
    page.screenshot(path=OUT / "gradients.png",
                    clip={"x": left, "y": top, "width": right - left, "height": bottom - top})
    page.close()


def main(names):
    OUT.mkdir(exist_ok=True)
    shots = {"page": states, "activation": activation, "derivative": derivative}
    with support.serve_py_url(timeout=600) as url:  # the first start sets up the runtime
        with sync_playwright() as p:
            browser = p.chromium.launch(**support.chromium())
            for name in names or shots:
                shots[name](browser, url)
            browser.close()
    print("wrote", ", ".join(sorted(p.name for p in OUT.glob("*.png"))))


if __name__ == "__main__":
    main(sys.argv[1:])
