"""Embedding end to end: the static build on a plain static host, under a sub-path, and a
docs-like page on another origin that embeds two playgrounds with embed.js.

Both servers are the standard library's SimpleHTTPRequestHandler with nothing added (no
COOP/COEP, no cache headers, no MIME types of our own), as a static host would be. They
record every request, so the tests can show that nothing of the app loads before Run.
"""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from py_mlp.app import thumbnails
from py_mlp.server.static_site import build_site
import support

SUB_PATH = "docs/mlp/"
LOAD_TIMEOUT_MS = 120_000
PLOTTED = sum(map(len, thumbnails.embed_plots()["circles"].values())) // 4  # points in a placeholder's plot
RUN = re.compile(r"^Run")

DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Back-propagation, explained</title>
<link rel="icon" href="data:,">
<script src="{app}embed.js" defer></script>
<style>body {{ max-width: 60rem; margin: 0 auto; font: 16px/1.6 serif; }} .spacer {{ height: 300px; }}</style>
</head><body>
<h1>Back-propagation, explained</h1>
<p class="spacer">A layer computes a = f(aW + b). Its gradient flows back through f'(z)...</p>
<div id="first" data-py-mlp preset="circles" height="420"><p>Enable JavaScript to train this network.</p></div>
<p>Now the same idea on XOR, with a network of one hidden layer...</p>
<div id="second" data-py-mlp height="380" panels="controls,chart"
     config='{{"dataset": "xor", "hidden": [4], "epochs": 100000}}'></div>
<p class="spacer" style="height: 3000px">The end.</p>
</body></html>
"""
# Tall enough that both embeds stay in view as they grow (a browser slows frames that
# are out of view, as it should), yet the page still scrolls.
VIEWPORT = {"width": 1280, "height": 2200}


@pytest.fixture(scope="module")
def static_site(tmp_path_factory, runtime_ready, wheel_ready):
    """The static build at /docs/mlp/ of a plain static host: (app URL, its request log)."""
    host_root = tmp_path_factory.mktemp("static-host")
    build_site(host_root / SUB_PATH, support.LAYOUT, stream=io.StringIO())
    with support.plain_server(host_root) as (url, requests):
        yield url + SUB_PATH, requests


@pytest.fixture(scope="module")
def docs_site(tmp_path_factory, static_site):
    """A docs page on another origin embedding two playgrounds: (page URL, its request log)."""
    app_url, _ = static_site
    root = tmp_path_factory.mktemp("docs-host")
    (root / "guide").mkdir()
    (root / "guide" / "index.html").write_text(DOCS_PAGE.format(app=app_url))
    (root / "guide" / "attributes.html").write_text(ATTRIBUTES_PAGE.format(app=app_url))
    with support.plain_server(root) as (url, requests):
        yield url + "guide/", requests


def fill(frame, testid, value):
    """Type a value and leave the field, as a person does (fields commit on change)."""
    field = frame.get_by_test_id(testid)
    field.fill(str(value))
    field.press("Tab")


def points(frame):
    return int(frame.get_by_test_id("loss-chart").get_attribute("data-points"))


def wait_points_above(frame, n):
    frame.wait_for_function(
        "n => Number(document.querySelector('[data-testid=loss-chart]').dataset.points) > n", arg=n
    )


def content_frame(embed):
    """The Frame of the iframe inside an embed (it stays the same Frame as it navigates)."""
    return embed.locator("iframe").element_handle().content_frame()


def expect_fits(frame):
    """The iframe is exactly as tall as its content: no inner scrollbar, no gap."""
    frame.wait_for_function(
        "() => Math.abs(document.documentElement.getBoundingClientRect().height - innerHeight) <= 1"
    )
    assert frame.evaluate("document.documentElement.scrollHeight <= innerHeight")


def test_the_static_build_trains_from_a_sub_path_of_a_plain_host(page, static_site):
    app_url, _ = static_site
    page.goto(app_url)
    root = page.locator("#app")
    expect(root).to_have_attribute("data-state", "ready", timeout=LOAD_TIMEOUT_MS)
    fill(page, "epochs", 50)
    page.get_by_test_id("train").click()
    expect(root).to_have_attribute("data-state", "paused", timeout=LOAD_TIMEOUT_MS)
    expect(page.get_by_test_id("epoch")).to_have_text("50")
    assert points(page) == 50


def test_two_embeds_load_only_on_run_fit_their_content_and_train_independently(page, docs_site, static_site):
    docs_url, _ = docs_site
    app_url, all_requests = static_site
    seen = len(all_requests)
    page.set_viewport_size(VIEWPORT)
    page.goto(docs_url)
    first, second = page.locator("#first"), page.locator("#second")
    for embed in (first, second):
        expect(embed).to_have_attribute("data-py-mlp-state", "placeholder")
        expect(embed.get_by_role("button", name=RUN)).to_be_enabled()
        expect(embed.locator("svg circle")).to_have_count(PLOTTED)  # the data plot, drawn in place
    expect(first).not_to_contain_text("Enable JavaScript")
    assert first.bounding_box()["height"] == 420

    # Nothing of the app has loaded: only embed.js itself, and no frame exists.
    before_run = [path for path, _ in all_requests[seen:] if not path.endswith("/embed.js")]
    assert before_run == [], f"loaded before Run: {before_run}"
    assert len(page.frames) == 1

    # Run the first; the host page must not scroll while it loads, sizes and trains.
    page.evaluate("scrollTo(0, 200)")
    scroll_y = page.evaluate("scrollY")
    assert scroll_y == 200
    first.get_by_role("button", name=RUN).click()
    # While Python loads (seconds), the frame keeps the author's height: one shift, not two.
    expect(first).to_have_attribute("data-py-mlp-state", re.compile(r"^(loading|starting)$"))
    assert first.locator("iframe").bounding_box()["height"] == 420
    a = content_frame(first)
    expect(a.locator("#app")).to_have_attribute("data-state", "ready", timeout=LOAD_TIMEOUT_MS)
    src = first.locator("iframe").get_attribute("src")
    assert src.startswith(app_url + "index.html?embed=1&preset=circles")
    expect(first).to_have_attribute("data-py-mlp-state", "live")  # the app told its height
    expect_fits(a)
    # The compact layout: controls, boundary and chart; the other panels stay out.
    for panel in ("controls", "boundary", "chart"):
        expect(a.locator(f'[data-panel="{panel}"]').first).to_be_visible()
    for panel in ("data", "network", "code", "share"):
        expect(a.locator(f'[data-panel="{panel}"]')).to_be_hidden()
    # The second has not loaded anything.
    expect(second).to_have_attribute("data-py-mlp-state", "placeholder")
    assert page.locator("iframe").count() == 1

    fill(a, "epochs", 100000)
    a.get_by_test_id("train").click()
    expect(a.locator("#app")).to_have_attribute("data-state", "training")
    wait_points_above(a, 0)

    # Run the second while the first trains.
    second.get_by_role("button", name=RUN).click()
    b = content_frame(second)
    expect(b.locator("#app")).to_have_attribute("data-state", "ready", timeout=LOAD_TIMEOUT_MS)
    src = second.locator("iframe").get_attribute("src")
    assert "embed=1" in src and "dataset=xor" in src and "hidden=4" in src and "panels=controls%2Cchart" in src
    expect(second).to_have_attribute("data-py-mlp-state", "live")
    expect_fits(b)
    expect(b.locator('[data-panel="chart"]')).to_be_visible()
    expect(b.locator('[data-panel="boundary"]')).to_be_hidden()
    expect(b.get_by_test_id("epochs")).to_have_value("100000")  # from the config attribute
    b.get_by_test_id("train").click()
    expect(b.locator("#app")).to_have_attribute("data-state", "training")

    # Both train and draw at once.
    pa, pb = points(a), points(b)
    wait_points_above(a, pa)
    wait_points_above(b, pb)
    assert a.evaluate("""() => {
        const c = document.querySelector('[data-testid=boundary]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const colours = new Set();
        for (let i = 0; i < d.length; i += 4 * 97) colours.add(d[i] << 16 | d[i + 1] << 8 | d[i + 2]);
        return colours.size;
    }""") > 8, "the decision boundary was not drawn"

    # Pausing one leaves the other training.
    a.get_by_test_id("pause").click()
    expect(a.locator("#app")).to_have_attribute("data-state", "paused")
    expect(a.locator("#app")).to_have_attribute("data-loop", "idle")
    frozen = a.get_by_test_id("epoch").text_content()
    pb = points(b)
    wait_points_above(b, pb + 20)
    expect(b.locator("#app")).to_have_attribute("data-state", "training")
    expect(a.get_by_test_id("epoch")).to_have_text(frozen)
    b.get_by_test_id("pause").click()
    expect(b.locator("#app")).to_have_attribute("data-state", "paused")

    assert page.evaluate("scrollY") == scroll_y, "an embed scrolled the host page"


def test_the_browser_cache_serves_the_runtime_once_for_two_embeds(browser, docs_site, static_site,
                                                                   tmp_path):
    """The HTTP cache, with the plain host's headers only (Last-Modified, nothing else).

    Its own browser profile, on disk like a reader's: Playwright turns the HTTP cache off
    wherever requests are routed (as the shared `context` fixture does to block requests
    that leave the machine), and a fresh context's cache lives in memory, too small for
    the 10 MB pyodide.asm.wasm. Requests that leave the machine are recorded here instead,
    and fail the test all the same.
    """
    docs_url, _ = docs_site
    app_url, all_requests = static_site
    problems = []
    context = browser.browser_type.launch_persistent_context(
        tmp_path / "profile", **support.chromium(), viewport=VIEWPORT)
    context.on("request", lambda r: support.off_machine(r.url)
               and problems.append(f"request off the machine: {r.url}"))
    context.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    context.on("weberror", lambda e: problems.append(f"page error: {e.error}"))
    try:
        page = context.pages[0] if context.pages else context.new_page()
        seen = len(all_requests)
        page.goto(docs_url)
        for embed in ("#first", "#second"):
            page.locator(embed).get_by_role("button", name=RUN).click()
            frame = page.frame_locator(f"{embed} iframe")
            expect(frame.locator("#app")).to_have_attribute("data-state", "ready", timeout=LOAD_TIMEOUT_MS)
        downloads = {}
        for path, code in all_requests[seen:]:
            if code == 200 and path.startswith(f"/{SUB_PATH}runtime/"):
                downloads[path] = downloads.get(path, 0) + 1
        assert downloads and all(n == 1 for n in downloads.values()), downloads
        assert any(path.endswith("pyodide.asm.wasm") for path in downloads)
    finally:
        context.close()
    assert not problems, "\n".join(problems)


ATTRIBUTES_PAGE = """<!doctype html><html><head><link rel="icon" href="data:,">
<script src="{app}embed.js" defer></script></head><body>
<div id="plain" data-py-mlp></div>
<div id="data" data-py-mlp data-preset="spiral" data-height="300" data-panels="all"
     data-config="hidden=8,8&amp;activation=relu" data-title="A spiral"></div>
<div id="bad" data-py-mlp config='{{"hidden": [8,'></div>
<div id="reserved" data-py-mlp config="embed=0"></div>
<div id="eager" data-py-mlp load="eager" height="200"></div>
</body></html>"""

# Each stub reports a height of its own (500 + the length of its query string), so a
# frame that took another frame's height would show.
STUB_APP = """<!doctype html><title>stub</title><script>
parent.postMessage({type: "py-mlp:size", height: 500 + location.search.length}, "*");
</script>"""


def test_embed_attributes_and_size_messages(browser, docs_site, static_site):
    """embed.js alone, against a stub app: the URL it opens, whom it believes, bad config."""
    docs_url, _ = docs_site
    app_url, _ = static_site
    errors = []
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if "//127.0.0.1:" in route.request.url
                  else (errors.append(route.request.url), route.abort()))
    context.on("console", lambda m: m.type == "error" and errors.append(m.text))
    context.on("weberror", lambda e: errors.append(str(e.error)))
    # The app is replaced by a stub that only reports a height.
    context.route(re.compile(re.escape(app_url + "index.html")), lambda route: route.fulfill(
        body=STUB_APP, content_type="text/html"))
    try:
        page = context.new_page()
        page.goto(docs_url + "attributes.html")
        plain, data = page.locator("#plain"), page.locator("#data")
        expect(plain).to_have_attribute("data-py-mlp-state", "placeholder")
        assert plain.locator(".py-mlp-embed").bounding_box()["height"] == 420  # the default
        assert data.locator(".py-mlp-embed").bounding_box()["height"] == 300
        expect(data.get_by_role("button", name="Run: A spiral (spiral). Loads about 17 MB.")).to_be_visible()

        # A message from anything but our frame is ignored, even with the right shape.
        page.evaluate('postMessage({type: "py-mlp:size", height: 50}, "*")')
        data.get_by_role("button", name=RUN).click()
        frame = data.locator("iframe")
        expect(data).to_have_attribute("data-py-mlp-state", "live")
        query = "?embed=1&preset=spiral&hidden=8%2C8&activation=relu&panels=all"
        assert frame.get_attribute("src") == f"{app_url}index.html{query}"
        expect(frame).to_have_css("height", f"{500 + len(query) + 2}px")  # + the 1px borders
        assert frame.get_attribute("title") == "A spiral (py_mlp playground)"
        expect(plain).to_have_attribute("data-py-mlp-state", "placeholder")

        plain.get_by_role("button", name=RUN).click()
        assert plain.locator("iframe").get_attribute("src") == f"{app_url}index.html?embed=1"
        expect(plain.locator("iframe")).to_have_css("height", f"{500 + len('?embed=1') + 2}px")
        expect(frame).to_have_css("height", f"{500 + len(query) + 2}px")

        # load="eager" opens at once; an element added later (a docs theme's instant
        # navigation) still becomes a playground.
        expect(page.locator("#eager")).to_have_attribute("data-py-mlp-state", "live")
        page.evaluate("""document.body.insertAdjacentHTML('beforeend',
            '<section><div id="later" data-py-mlp preset="moons"></div></section>')""")
        expect(page.locator("#later")).to_have_attribute("data-py-mlp-state", "placeholder")
        expect(page.locator("#later svg circle")).to_have_count(PLOTTED)

        for bad, words in (("#bad", "bad config"), ("#reserved", "cannot set embed")):
            expect(page.locator(bad).get_by_role("button", name=RUN)).to_be_disabled()
            expect(page.locator(bad)).to_contain_text(words)
        # Exactly the two bad attributes were reported as errors, and nothing else.
        assert len(errors) == 2 and all("py_mlp embed: bad config" in e for e in errors), errors
    finally:
        context.close()


CROSS_SITE_PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script src="{app}embed.js" defer></script></head><body>
<h1>Docs on one site, the app on another</h1>
<div id="cross" data-py-mlp preset="circles" height="420"></div>
</body></html>"""


def test_an_embed_from_another_site_trains_where_storage_is_denied(context, server_url, tmp_path):
    """Docs at localhost, the app at 127.0.0.1: another site, so the browser denies the
    framed app every storage (localStorage, caches, IndexedDB), in its worker too."""
    (tmp_path / "index.html").write_text(CROSS_SITE_PAGE.format(app=server_url))
    with support.plain_server(tmp_path) as (url, _):
        page = context.new_page()
        page.goto(url.replace("127.0.0.1", "localhost"))
        embed = page.locator("#cross")
        embed.get_by_role("button", name=RUN).click()
        frame = content_frame(embed)
        expect(frame.locator("#app")).to_have_attribute("data-state", "ready", timeout=LOAD_TIMEOUT_MS)
        assert frame.evaluate("() => { try { localStorage.length; return false; } catch { return true; } }"), \
            "storage is not denied here, so this is not the cross-site case"
        fill(frame, "epochs", 30)
        frame.get_by_test_id("train").click()
        expect(frame.locator("#app")).to_have_attribute("data-state", "paused", timeout=LOAD_TIMEOUT_MS)
        expect(frame.get_by_test_id("epoch")).to_have_text("30")


def test_an_embed_whose_app_does_not_start_says_so_with_a_link(page, watchdog, tmp_path):
    """A host that has embed.js but not the app beside it (a half upload): the frame gets a 404."""
    watchdog.expected += [r"Failed to load resource.*404", r"py_mlp embed: the app at .* did not start"]
    (tmp_path / "mlp").mkdir()
    (tmp_path / "mlp" / "embed.js").write_bytes((support.LAYOUT.web / "embed.js").read_bytes())
    (tmp_path / "index.html").write_text(
        '<!doctype html><meta charset="utf-8"><title>t</title><script src="mlp/embed.js" defer></script>'
        '<div data-py-mlp preset="moons"><p>Needs JavaScript.</p></div>')
    with support.plain_server(tmp_path) as (url, _):
        page.goto(url + "index.html")
        embed = page.locator("[data-py-mlp]")
        expect(embed).to_have_attribute("data-py-mlp-state", "placeholder")
        embed.get_by_role("button", name=RUN).click()
        expect(embed).to_have_attribute("data-py-mlp-state", "failed", timeout=40_000)
        alert = embed.get_by_role("alert")
        expect(alert).to_contain_text("could not start")
        assert alert.get_by_role("link").get_attribute("href") == url + "mlp/index.html?preset=moons"
