"""Take README's screenshots of the page in its main states: ``python tests/e2e/screenshots.py [NAME ...]``.

Starts serve.py on a free port, drives Debian's Chromium (``PY_MLP_CHROMIUM``) and writes
PNGs to web/screenshots/: all of them, or only those named (loading, ready, trained,
article, phone, derivative, gradients). Not part of the test suite.
"""

import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import support  # noqa: E402

OUT = support.REPO / "web" / "screenshots"
NAMES = ("loading", "ready", "trained", "article", "phone", "derivative", "gradients")
WIDE = {"width": 1280, "height": 900}


def settled(page, timeout=60_000):
    expect(page.locator("#app")).to_have_attribute("data-busy", "false", timeout=timeout)


def first_visit(browser, url, wanted):
    page = browser.new_page(viewport=WIDE)
    page.goto(url)
    page.wait_for_function("document.getElementById('progress').value > 0.2")
    if "loading" in wanted:
        page.screenshot(path=OUT / "loading.png")
    settled(page, 120_000)
    if "ready" in wanted:
        page.screenshot(path=OUT / "ready.png")
    if "trained" in wanted:
        page.get_by_test_id("preset").select_option("spiral")
        settled(page)
        page.get_by_test_id("train").click()
        expect(page.locator("#app")).to_have_attribute("data-state", "paused", timeout=300_000)
        page.screenshot(path=OUT / "trained.png", full_page=True)


def article(browser, url):
    page = browser.new_page(viewport=WIDE)
    page.goto(url + "?preset=article")
    expect(page.get_by_test_id("trace-summary")).not_to_be_empty(timeout=180_000)
    settled(page)
    page.screenshot(path=OUT / "article.png")


def phone(browser, url):
    page = browser.new_page(viewport={"width": 360, "height": 780})
    page.goto(url)
    settled(page, 120_000)
    page.screenshot(path=OUT / "phone.png")


def derivative(browser, url):
    """The panel after 30 epochs on the two circles: a hidden weight, the backward pass at
    layer 2, the pointer on one term of the sum."""
    page = browser.new_page(viewport=WIDE)
    page.goto(url + "?preset=circles")
    settled(page, 120_000)
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


def gradients(browser, url):
    """The network's links by their gradient in the vanishing-gradient preset."""
    page = browser.new_page(viewport=WIDE)
    page.goto(url + "?preset=vanishing")
    settled(page, 120_000)
    page.get_by_test_id("link-gradients").check()
    settled(page)
    page.get_by_test_id("network").evaluate("e => e.scrollIntoView({block: 'center'})")
    boxes = [page.get_by_test_id(t).bounding_box() for t in ("network", "network-legend", "link-gradients")]
    top, bottom = boxes[0]["y"] - 8, max(b["y"] + b["height"] for b in boxes) + 8
    left, right = boxes[0]["x"] - 8, boxes[0]["x"] + boxes[0]["width"] + 8
    page.screenshot(path=OUT / "gradients.png",
                    clip={"x": left, "y": top, "width": right - left, "height": bottom - top})


def main(names):
    wanted = set(names) or set(NAMES)
    unknown = wanted - set(NAMES)
    if unknown:
        sys.exit(f"no screenshot named {', '.join(sorted(unknown))}; the names are {', '.join(NAMES)}")
    OUT.mkdir(exist_ok=True)
    with support.serve_py_url(timeout=600) as url:  # the first start sets up the runtime
        with sync_playwright() as p:
            browser = p.chromium.launch(**support.chromium())
            if wanted & {"loading", "ready", "trained"}:
                first_visit(browser, url, wanted)
            for name, take in (("article", article), ("phone", phone), ("derivative", derivative),
                               ("gradients", gradients)):
                if name in wanted:
                    take(browser, url)
            browser.close()
    print("wrote", ", ".join(sorted(f"{name}.png" for name in wanted)))


if __name__ == "__main__":
    main(sys.argv[1:])
