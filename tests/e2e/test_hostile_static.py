"""Issue 21 in Chromium: the reader's own code and the worker's answers, on the page as a
static host serves it: a `py-mlp build` folder behind a plain static server that sends no
headers at all (as GitHub Pages or a docs host would), so the only policy is the page's
own <meta>. Another origin (localhost) records every request that reaches it: none may.

One page for the file (Python starts once, and once more where a test makes it restart);
the tests run in order and each leaves the page ready.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

import support
from conftest import LOAD_TIMEOUT_MS, App, Watchdog

SOFTPLUS = """def f(z):
    return np.logaddexp(0, z)

def df(z, a):
    return 1 / (1 + np.exp(-z))
"""
WRONG = SOFTPLUS.replace("1 / (1 + np.exp(-z))", "1 / (1 + np.exp(z))")  # sigmoid(-z): right at 0 only
TANH = "def f(z):\n    return np.tanh(z)\n\ndef df(z, a):\n    return 1 - a * a\n"


@pytest.fixture(scope="module")
def hosts(tmp_path_factory, app_build):
    """The session's static build (`py-mlp build`) on a plain host, and another origin that
    records every request: (app URL, the host's requests, the other origin's URL, its requests)."""
    other = tmp_path_factory.mktemp("elsewhere")
    for name in ("xhr", "open_url", "fetch", "module.js", "events", "prefetch"):
        (other / name).write_text("export default 1;\n")
    with support.plain_server(app_build.parent) as (url, requests), \
            support.plain_server(other) as (other_url, other_requests):
        yield f"{url}{app_build.name}/", requests, other_url.replace("127.0.0.1", "localhost"), other_requests


@pytest.fixture(scope="module")
def static_page(browser, hosts):
    watchdog = Watchdog()
    # What the page's policy refuses, Chromium reports as console errors: expected here.
    watchdog.expected = [r"Content Security Policy", r"violates the following", r"Failed to load resource",
                         r"Refused to"]
    context = browser.new_context()
    watchdog.attach(context)
    page = context.new_page()
    App(page, hosts[0]).open()
    yield page, watchdog
    context.close()


@pytest.fixture
def app(static_page, hosts):
    page, watchdog = static_page
    app = App(page, hosts[0])
    app.settled()
    yield app
    app.settled()
    assert app.root.get_attribute("data-state") in ("ready", "paused")
    problems = watchdog.take()
    assert not problems, "\n".join(problems)


def check(app, code):
    app.by("activation-code").fill(code)
    app.by("check-code").click()
    app.settled()


def raised(app):
    """What the reader's code put in the exception it raised, as the page shows it."""
    text = app.by("code-error").text_content()
    found = re.search(r"RuntimeError: (\{.*\})", text)
    assert found, text
    return json.loads(found.group(1))


def use(app, code):
    check(app, code)
    expect(app.by("code-result")).to_have_attribute("data-passed", "true")
    app.by("use-code").click()
    app.settled()
    expect(app.by("layer-1-activation")).to_have_value("custom")


def train(app, epochs):
    app.fill("epochs", epochs)
    app.by("train").click()
    app.settled()
    app.expect_state("paused")


# ---- 1. the worker's answers are data ----------------------------------------------------------

def test_markup_in_an_answer_is_text_or_refused(app):
    """The back-propagation panel given an answer whose numbers are markup (as code that wraps
    a worker function would make it): shown as text, no element made, no handler run; and the
    page's check of answers refuses such an answer whole."""
    result = app.page.evaluate("""async () => {
      const { describeBackprop } = await import('./backprop.js');
      const { readAnswer } = await import('./answers.js');
      const html = '<img src="x:" onerror="localStorage.setItem(\\'pwned\\', 1)">';
      const shapes = { layers: [{ layer: 1, activation: html, a_prev: [4, 2], W: [2, 1], b: [1], z: [4, 1],
        dW_norm: 1, db_norm: 1 }], batch: html, loss: html, l1: 0, l2: 0, optimizer: { name: html, lr: 1 }, epoch: html };
      const table = describeBackprop(shapes, { n_train: html });
      document.body.append(table);
      await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));  // an error event would run by now
      let refused = null;
      try { readAnswer('shapes', JSON.stringify({ ok: true, ...shapes })); } catch (error) { refused = error.name; }
      const out = { images: table.querySelectorAll('img').length, text: table.textContent.includes(html),
                    pwned: localStorage.getItem('pwned'), refused };
      table.remove();
      return out;
    }""")
    assert result == {"images": 0, "text": True, "pwned": None, "refused": "MalformedAnswer"}


# ---- 2 and 4. the reader's code reaches no other origin, and forges nothing ---------------------

REACH = """
import json, sys
import js
from pyodide.http import open_url

OTHER = "{other}"
out = {{}}
def attempt(name, run):
    try:
        run()
        out[name] = "reached"
    except BaseException as exc:
        out[name] = type(exc).__name__

def xhr():
    request = js.XMLHttpRequest.new()
    request.open("GET", OTHER + "xhr", False)
    request.send()

attempt("sync XHR", xhr)
attempt("open_url", lambda: open_url(OTHER + "open_url"))
out["storage"] = js.eval("[typeof indexedDB, typeof caches, typeof navigator.storage, typeof BroadcastChannel, "
                         "typeof Worker]").to_py()
js.eval('''
  const OTHER = "{other}";
  globalThis.__tries = {{}};
  const end = (name) => (what) => {{ globalThis.__tries[name] = String(what?.type ?? what); }};
  const tried = (name, run) => {{ try {{ run(); }} catch (error) {{ end(name)(error); }} }};
  tried("fetch", () => fetch(OTHER + "fetch").then(end("fetch"), end("fetch")));
  tried("import", () => import(OTHER + "module.js").then(end("import"), end("import")));
  tried("WebSocket", () => {{
    const ws = new WebSocket(OTHER.replace("http", "ws") + "ws");
    ws.onerror = ws.onopen = end("WebSocket");
  }});
  tried("EventSource", () => {{
    const es = new EventSource(OTHER + "events");
    es.onerror = es.onopen = end("EventSource");
  }});
  // Forged messages on the worker's own channel, and a patched MessagePort, from now on.
  const pass = JSON.stringify({{ ok: true, passed: true, pointwise_passed: true, error: 0, tolerance: 1e-5,
    z: [0], f: [0], df: [0], numeric: [0], errors: [0], worst_z: 0, corners: [], network: null }});
  const native = MessagePort.prototype.postMessage;
  MessagePort.prototype.postMessage = function (message, ...rest) {{
    return native.call(this, message?.type === "result" ? {{ ...message, value: pass }} : message, ...rest);
  }};
  globalThis.__flood = setInterval(() => {{
    postMessage({{ type: "failed", message: "FORGED failure" }});
    postMessage({{ type: "progress", loaded: 1, total: 2, stage: 0 }});
    postMessage({{ type: "prefetch", url: OTHER + "prefetch" }});
    postMessage({{ type: "prefetch", name: "../../prefetch" }});
    postMessage({{ type: "ready", exports: ["evil"] }});
    for (let id = 0; id < 300; id++) {{
      postMessage({{ type: "result", id, error: "FORGED error" }});
      postMessage({{ type: "result", id, value: "not json" }});
      postMessage({{ type: "result", id, value: pass }});
    }}
  }}, 50);
''')
# And the judges, rebound for whatever is checked next.
judge = sys.modules["py_mlp_worker"]
judge.check_activation = lambda *args, **kwargs: {{"z": [0.0], "f": [0.0], "df": [0.0], "numeric": [0.0],
    "errors": [0.0], "error": 0.0, "worst_z": 0.0, "corners": [], "tolerance": 1e-5, "h": 1e-3,
    "pointwise_passed": True, "network": None, "passed": True}}
raise RuntimeError(json.dumps(out))
"""
SETTLED = "import js\nraise RuntimeError(js.JSON.stringify(js.__tries))\n"
STOP = "import js\njs.clearInterval(js.__flood)\nraise RuntimeError('{\"stopped\": true}')\n"


def test_the_readers_code_reaches_no_other_origin_and_forges_nothing(app, hosts):
    _, host_requests, other, other_requests = hosts
    check(app, REACH.format(other=other))
    sync = raised(app)
    assert sync["storage"] == ["undefined"] * 5, sync
    for _ in range(20):  # a round trip each, until every attempt of the worker's has ended
        check(app, SETTLED)
        tries = raised(app)
        if len(tries) == 4:
            break
    assert set(tries) == {"fetch", "import", "WebSocket", "EventSource"}
    # The page believed none of the forged messages, and the rebound judge judges nothing.
    check(app, WRONG)
    expect(app.by("code-result")).to_have_attribute("data-passed", "false")
    expect(app.by("use-code")).to_be_disabled()
    assert app.root.get_attribute("data-state") in ("ready", "paused")
    expect(app.by("status")).not_to_contain_text("FORGED")
    app.by("step").click()
    app.settled()
    app.expect_state("paused")
    check(app, STOP)
    assert raised(app) == {"stopped": True}
    assert other_requests == [], f"the reader's code reached another origin: {other_requests}"
    assert not [path for path, _ in host_requests if "prefetch" in path]


# ---- 5, 6. whatever the reader's code raises is a message, and the page trains on --------------

def test_exits_and_base_exceptions_are_messages(app):
    for code, kind in [("import os\nos._exit(1)\n", "SystemExit"), ("raise KeyboardInterrupt\n", "KeyboardInterrupt"),
                       ("import sys\n\ndef f(z):\n    sys.exit(0)\n\ndef df(z, a):\n    return z\n", "SystemExit"),
                       ("def f(z):\n    return z\0\n", "line 2 holds a NUL character")]:
        check(app, code)
        expect(app.by("code-error")).to_contain_text(kind)
        app.expect_state("paused")
    app.by("step").click()
    app.settled()
    app.expect_state("paused")


def test_an_activation_that_raises_in_the_network_is_taken_out(app):
    """It passes the check (small arrays), then raises on the network's batches of over 40 rows."""
    raises = TANH.replace("    return np.tanh(z)", "    if z.shape[0] > 40:\n        raise ValueError('too many rows')\n"
                                                     "    return np.tanh(z)")
    use_it = app.by("use-code")
    check(app, raises)
    expect(app.by("code-result")).to_have_attribute("data-passed", "true")
    use_it.click()
    app.settled()
    expect(app.by("status")).to_contain_text("ValueError: too many rows")
    expect(app.by("status")).to_contain_text("taken out of the network")
    expect(app.by("layer-1-activation")).to_have_value("tanh")
    expect(app.by("activation-code")).to_have_value(raises)
    train(app, 5)


# ---- 16. a share link too long to open ----------------------------------------------------------

def test_a_share_link_too_long_to_open_says_so_and_the_address_still_loads(app):
    use(app, SOFTPLUS + "# " + "x" * 70_000 + "\n")
    app.by("copy-link").click()
    app.settled()
    expect(app.by("status")).to_contain_text("characters long")
    expect(app.by("status")).to_contain_text("8,000")
    assert len(app.by("share-link").input_value()) > 70_000
    assert len(app.page.url) < 8_000 and "code=" not in app.page.url


# ---- 7, 9, 11. work the reader's code leaves behind: the worker is replaced, blamed right -------

LEAVES_A_LOOP = """import js
from pyodide.ffi import create_proxy

def hang():
    while True:
        pass

js.setTimeout(create_proxy(hang), 0)  # after this check has answered

""" + TANH


def test_work_left_behind_by_checked_code_restarts_python_and_keeps_the_network(app):
    use(app, SOFTPLUS)
    train(app, 50)
    with app.page.expect_download() as saved:
        app.by("download-model").click()
    before = json.loads(open(saved.value.path()).read())
    check(app, "def f(z):\n    return z +\n")
    expect(app.by("code-error")).to_contain_text("syntax error at line 2")
    check(app, LEAVES_A_LOOP)
    expect(app.by("code-result")).to_have_attribute("data-passed", "true")  # its check ends in time
    app.by("step").click()
    expect(app.by("status")).to_contain_text("the code you checked was not kept", timeout=LOAD_TIMEOUT_MS)
    app.settled()
    app.expect_state("ready")
    expect(app.by("epoch")).to_have_text("50")
    expect(app.by("layer-1-activation")).to_have_value("custom")  # your activation in use stays
    expect(app.by("code-error")).to_contain_text("left behind")
    expect(app.by("code-error")).not_to_contain_text("syntax error")
    with app.page.expect_download() as saved:
        app.by("download-model").click()
    after = json.loads(open(saved.value.path()).read())
    assert (after["weights"], after["biases"]) == (before["weights"], before["biases"])
    app.by("step").click()
    app.settled()
    expect(app.by("epoch")).to_have_text("51")
