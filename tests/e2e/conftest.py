"""Browser fixtures: serve.py in a subprocess, Debian's Chromium under Playwright, and a
page that fails its test on any page error, console error or request leaving 127.0.0.1.

Chromium: ``PY_MLP_CHROMIUM`` names the executable, default ``/usr/bin/chromium``
(Debian's ``chromium`` package). Playwright's own browser download is never used. How
serve.py is started and Chromium launched lives in tests/support.py, shared with the
benchmark.
"""

import re

import pytest
from playwright.sync_api import expect, sync_playwright

import support

LOAD_TIMEOUT_MS = 120_000

expect.set_options(timeout=60_000)


@pytest.fixture(scope="session")
def server_url(runtime_ready, wheel_ready):
    """Start ``python serve.py serve --port 0`` (setup already done) and yield its URL."""
    try:
        with support.serve_py_url("--no-setup") as url:
            yield url
    except support.StartError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def browser():
    try:
        options = support.chromium()
    except support.StartError as e:
        pytest.fail(str(e), pytrace=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(**options)
        yield browser
        browser.close()


class Watchdog:
    """Collects everything that must fail a browser test.

    ``expected`` holds patterns of console errors a test provokes on purpose (a 404 it
    arranged, say); every other console error is a problem.
    """

    def __init__(self):
        self.problems = []
        self.expected = []

    def attach(self, context):
        context.route("**/*", self._route)
        context.on("weberror", lambda e: self.problems.append(f"page error: {e.error}"))
        context.on("console", self._console)

    def _route(self, route):
        if support.off_machine(route.request.url):
            self.problems.append(f"request off the machine: {route.request.url}")
            route.abort()
        else:
            route.continue_()

    def _console(self, message):
        if message.type == "error" and not any(re.search(p, message.text) for p in self.expected):
            self.problems.append(f"console error: {message.text}")

    def take(self):
        """The problems so far, forgotten once returned."""
        problems, self.problems = self.problems, []
        return problems


@pytest.fixture
def watchdog():
    return Watchdog()


@pytest.fixture
def context(browser, watchdog):
    context = browser.new_context()
    watchdog.attach(context)
    yield context
    context.close()
    assert not watchdog.problems, "\n".join(watchdog.problems)


@pytest.fixture(scope="module")
def shared_page(browser):
    """One page for every test of a module, so Python starts once per file: (page, watchdog)."""
    watchdog = Watchdog()
    context = browser.new_context()
    watchdog.attach(context)
    yield context.new_page(), watchdog
    context.close()


@pytest.fixture
def shared_app(shared_page, server_url):
    """The App on the module's shared page: opened by the first test that uses it, and
    left as the previous test left it (start from a preset or Reset, as a person would)."""
    page, watchdog = shared_page
    app = App(page, server_url)
    if page.url == "about:blank":
        app.open()
    app.settled()
    yield app
    problems = watchdog.take()
    assert not problems, "\n".join(problems)


@pytest.fixture
def page(context):
    return context.new_page()


class App:
    """The py_mlp page, driven as a person would (by its data-testid hooks)."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.root = page.locator("#app")

    def by(self, testid):
        return self.page.get_by_test_id(testid)

    def open(self, query=""):
        self.page.goto(self.base_url + query)
        expect(self.root).to_have_attribute("data-state", "ready", timeout=LOAD_TIMEOUT_MS)
        self.settled()
        return self

    def to_defaults(self):
        """Back to the default settings and a fresh network, as a person would: the preset menu."""
        self.by("preset").select_option("")
        self.by("preset").select_option("circles")
        self.settled()
        self.expect_state("ready")
        return self

    def expect_state(self, state, **kwargs):
        expect(self.root).to_have_attribute("data-state", state, **kwargs)

    def fill(self, testid, value):
        """Type a value and leave the field, as a person does (the field commits on change)."""
        field = self.by(testid)
        field.fill(str(value))
        field.press("Tab")

    def settled(self):
        """Wait until every queued action (rebuilds, uploads, ...) has finished."""
        expect(self.root).to_have_attribute("data-busy", "false")

    def number(self, testid):
        return float(self.by(testid).text_content())

    def chart_points(self):
        return int(self.by("loss-chart").get_attribute("data-points"))


@pytest.fixture
def app(page, server_url):
    return App(page, server_url)
