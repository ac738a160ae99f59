"""Nothing a reader does breaks the page: non-finite numbers, hostile files and links, a
cross-site embed, a broken runtime. Each case ends in a defined state with a message in
the page's own words, and keeps what the person made.

Most tests share one page (Python starts once for them); the link, storage and broken
runtime cases need a fresh load each.
"""

import json
import os
import shutil

import pytest
from playwright.sync_api import expect


import support
from conftest import LOAD_TIMEOUT_MS, App, Watchdog

STARTS = ["ready", "paused"]


def download_model(app):
    with app.page.expect_download() as info:
        app.by("download-model").click()
    return json.loads(open(info.value.path()).read())


def upload(app, testid, name, data):
    app.by(testid).set_input_files(files=[{"name": name, "mimeType": "text/plain", "buffer": data}])
    app.settled()


# ---- non-finite numbers ----------------------------------------------------------------------

DIVERGING = [
    pytest.param({"learning-rate": 10, "epochs": 3000}, None, id="plane-lr-10"),
    pytest.param({"learning-rate": 10, "epochs": 3000, "hidden": "64, 64, 64"}, "identity", id="plane-identity-64x3"),
]


@pytest.mark.parametrize("fields, activation", DIVERGING)
def test_a_diverging_run_stops_with_a_message_and_keeps_a_finite_model(shared_app, fields, activation):
    app = shared_app
    app.to_defaults()
    app.by("dataset-plane").check()
    app.settled()
    for testid, value in fields.items():
        app.fill(testid, value)
    if activation:
        app.by("activation").select_option(activation)
    app.settled()
    app.by("train").click()
    app.expect_state("paused", timeout=LOAD_TIMEOUT_MS)
    expect(app.by("status")).to_contain_text("Training stopped")
    expect(app.by("status")).to_contain_text("diverged")
    epoch = int(app.by("epoch").text_content())
    assert 0 < epoch < 3000
    model = download_model(app)  # the last finite model, and it is finite
    assert model["format"] == "py_mlp.model"
    expect(app.by("train")).to_be_enabled()


# ---- hostile files -----------------------------------------------------------------------------

def test_hostile_model_files_are_refused_and_the_current_model_survives(shared_app):
    app = shared_app
    app.to_defaults()
    app.fill("epochs", 20)
    app.by("train").click()
    app.expect_state("paused")
    before = download_model(app)

    wrong_extra = dict(before, extra=1)
    for name, data in [
        ("extra-number.json", json.dumps(wrong_extra).encode()),
        ("extra-list.json", json.dumps(dict(before, extra=[1])).encode()),
        ("deep.json", b"[" * 100_000),
        ("deep-object.json", b'{"a":' * 50_000),
        ("not-json.json", b"\xff\xfe not json"),
    ]:
        upload(app, "load-model", name, data)
        expect(app.by("model-error")).to_contain_text(name)
        expect(app.by("status")).to_contain_text("the current network is kept")
        assert app.root.get_attribute("data-state") in STARTS

    after = download_model(app)
    assert (after["weights"], after["biases"]) == (before["weights"], before["biases"])
    app.by("step").click()  # still trains
    app.expect_state("paused")
    expect(app.by("epoch")).to_have_text("21")


def test_a_csv_with_huge_numbers_or_too_few_points_is_refused_saying_why(shared_app):
    app = shared_app
    app.to_defaults()
    points = app.by("boundary").get_attribute("data-points")
    for text, line in [
        ("x1,x2,label\n0,0,0\n1e308,1e308,0\n", "line 3"),
        ("x1,x2,label\n0.5,0.5,1\n1_000,0,0\n", "line 3"),
        ("x1,x2,label\n\u0661,0,1\n", "line 2"),
        # issue 21: two points hold out no test point at the default share; the settings say so
        ("x1,x2,label\n0,0,0\n1,1,1\n", "at least 3 points"),
    ]:
        upload(app, "csv-upload", "points.csv", text.encode())
        expect(app.by("csv-error")).to_contain_text(line)
        expect(app.by("status")).to_contain_text("your current data is kept")
        expect(app.by("dataset-circles")).to_be_checked()
        assert app.by("boundary").get_attribute("data-points") == points


# ---- crafted links and stored settings ----------------------------------------------------------

def test_settings_parsing_ignores_inherited_keys(page, server_url):
    """state.js alone, no Python: every key that a plain object inherits is refused."""
    page.goto(server_url + "runtime-manifest.json")
    result = page.evaluate("""async () => {
      const s = await import('/state.js');
      const keys = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__',
                    'isPrototypeOf', '__defineGetter__', 'propertyIsEnumerable'];
      const out = {presets: keys.map(s.isPreset), settings: keys.map(s.isSetting)};
      const link = s.fromQuery('?' + keys.map(k => k + '=1').join('&'));
      out.linkProblems = link.problems.length;
      out.linkConfig = JSON.stringify(link.config) === JSON.stringify(s.normalise(s.copyDefaults()));
      localStorage.setItem('py_mlp.app.config.v1', '{"__proto__": 1, "hasOwnProperty": 1, "constructor": {}}');
      const stored = s.load();
      out.storedProblems = stored.problems.length;
      out.storedPrototype = Object.getPrototypeOf(stored.config) === Object.prototype;
      localStorage.setItem('py_mlp.app.config.v1', '{not json');
      const broken = s.load();
      out.broken = [broken.config, broken.problems.join(' '), localStorage.getItem('py_mlp.app.config.v1')];
      localStorage.clear();
      return out;
    }""")
    assert result["presets"] == [False] * 8 and result["settings"] == [False] * 8
    assert result["linkProblems"] == 8 and result["linkConfig"]
    assert result["storedProblems"] == 3 and result["storedPrototype"]
    assert result["broken"][0] is None and "discarded" in result["broken"][1] and result["broken"][2] is None


@pytest.mark.parametrize("query", ["?preset=constructor&valueOf=1", "?hasOwnProperty=1&toString=1&hidden=4"])
def test_a_crafted_link_gets_a_message_and_a_working_page(app, query):
    app.open(query)
    expect(app.by("status")).to_contain_text("preset" if "preset" in query else "unknown setting")
    app.by("step").click()
    app.expect_state("paused")


def test_hostile_stored_settings_are_ignored_with_a_message(app):
    app.page.add_init_script("""localStorage.setItem('py_mlp.app.config.v1',
        JSON.stringify({"hasOwnProperty": 1, "hidden": [4]}).replace('"hasOwnProperty"', '"__proto__": 1, "hasOwnProperty"'))""")
    app.open()
    expect(app.by("status")).to_contain_text("unknown setting")
    expect(app.by("hidden")).to_have_value("4")
    app.by("step").click()
    app.expect_state("paused")


# ---- a broken runtime ---------------------------------------------------------------------------

def _link_tree(layout, dest):
    """The app as one folder (a static build's layout: runtime/ and wheels/ inside), made of
    hard links (cheap); `_replace` breaks a link before writing."""
    ignore = shutil.ignore_patterns("runtime", "wheels")  # an older setup's, if any
    shutil.copytree(layout.web, dest, copy_function=os.link, ignore=ignore)
    shutil.copytree(layout.runtime, dest / "runtime", copy_function=os.link)
    shutil.copytree(layout.wheels, dest / "wheels", copy_function=os.link)


def _replace(path, data):
    path.unlink()
    path.write_bytes(data)


def _wasm(web):
    return web / "runtime/pyodide/pyodide.asm.wasm"


def _wheel(web):
    return next((web / "wheels").glob("*.whl"))


BREAKAGES = {
    "truncated wasm": (lambda web: _replace(_wasm(web), _wasm(web).read_bytes()[:500_000]), "pyodide.asm.wasm"),
    "corrupted wasm": (lambda web: _replace(_wasm(web), b"\0" * 64 + _wasm(web).read_bytes()[64:]), "pyodide.asm.wasm"),
    "worker.py missing": (lambda web: (web / "worker.py").unlink(), "worker.py"),
    "wheel missing": (lambda web: _wheel(web).unlink(), ".whl"),
    "worker.py raises": (lambda web: _replace(web / "worker.py", (web / "worker.py").read_bytes()
                                              + b"\nraise RuntimeError('broken on purpose')\n"), "broken on purpose"),
    "worker.py syntax error": (lambda web: _replace(web / "worker.py", b"def (:\n"), "SyntaxError"),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_a_broken_runtime_ends_in_an_error_that_says_what_failed(browser, serving, tmp_path, runtime_ready,
                                                                wheel_ready, breakage):
    web = tmp_path / "web"
    _link_tree(support.LAYOUT, web)
    breaks, words = BREAKAGES[breakage]
    breaks(web)
    watchdog = Watchdog()
    # The failed download is logged by the browser itself, and the page says why.
    watchdog.expected = [r"status of 404", r"wasm|WebAssembly"]
    context = browser.new_context()
    watchdog.attach(context)
    try:
        with serving(web) as url:
            app = App(context.new_page(), url)
            app.page.goto(url)
            app.expect_state("error", timeout=LOAD_TIMEOUT_MS)
            expect(app.by("status")).to_contain_text(words)
            expect(app.by("status")).to_contain_text("serve.py")
            expect(app.root).to_have_attribute("data-busy", "false")
            expect(app.by("train")).to_be_disabled()
    finally:
        context.close()
    assert not watchdog.problems, "\n".join(watchdog.problems)
