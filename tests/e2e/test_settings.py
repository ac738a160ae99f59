"""Settings (web/state.js): every setting survives a share link and a reload.

The round trips run state.js alone in Chromium (no Python starts), and so does the check
that the page reads every value as py_mlp.app.settings does (both are made from the one
table); one end-to-end test then copies a link in the page and opens it in a fresh
browser context.
"""

import pytest
from playwright.sync_api import expect

from py_mlp import settings

# A valid value other than the default for every setting (as a person would type it). The
# test fails when a setting is added to state.js without a sample here.
SAMPLES = {
    "dataset": "spiral", "n_samples": "300", "noise": "0.25", "test_fraction": "0.5", "n_classes": "3",
    "seed": "7", "features": "x1,x2,x1*x2", "hidden": "4,2", "activation": "relu,sigmoid",
    "problem": "multiclass", "optimizer": "adam", "learning_rate": "0.03", "batch_size": "10",
    "regularization": "l2", "reg_rate": "0.001", "epochs": "300", "speed": "10",
}
VANISHING = {"hidden": "8,8,8,8,8,8", "activation": "sigmoid"}  # a preset's network, by link

ROUND_TRIP = """async ([samples, together]) => {
  const s = await import('/state.js');
  const parsed = (values) => s.applyValues(s.copyDefaults(), values, 'test');
  const cases = together ? [samples] : Object.entries(samples).map(([k, v]) => ({[k]: v}));
  return {
    keys: Object.keys(s.PARSERS),
    results: cases.map((values) => {
      const {config, problems} = parsed(values);
      const link = s.fromQuery('?' + s.toQuery(config));
      s.save(config);
      const stored = s.load();
      localStorage.clear();
      return {values, problems, config, link: link.config, linkProblems: link.problems,
              stored: stored.config, storedProblems: stored.problems, query: s.toQuery(config)};
    }),
  };
}"""


@pytest.fixture
def state_page(page, server_url):
    """A page of the app's origin that runs no app: state.js is imported on its own."""
    page.goto(server_url + "runtime-manifest.json")
    return page


@pytest.mark.parametrize("together", [False, True], ids=["each-alone", "all-together"])
def test_every_setting_survives_a_link_and_local_storage(state_page, together):
    out = state_page.evaluate(ROUND_TRIP, [SAMPLES, together])
    assert set(SAMPLES) == set(out["keys"]), "give every setting a sample value"
    for r in out["results"]:
        assert r["problems"] == [], r["problems"]
        assert r["query"], f"{r['values']} left no trace in the link"
        assert r["link"] == r["config"] and r["linkProblems"] == [], (r["values"], r["query"])
        assert r["stored"] == r["config"] and r["storedProblems"] == [], r["values"]


def test_a_preset_network_survives_a_link(state_page):
    out = state_page.evaluate(ROUND_TRIP, [VANISHING, True])["results"][0]
    assert out["link"]["hidden"] == [8] * 6 and out["link"]["activation"] == ["sigmoid"] * 6, out["query"]


def _texts(s):
    """Texts a person or a link might give setting ``s``: edges, just past them, junk."""
    if s.kind in ("int", "float"):
        low, high = settings.page_range(s)
        step = 1 if s.kind == "int" else 1e-6
        return [str(low), str(high), str(low - step), str(high + step), " 7 ", "", "0x10", "1_0", "Infinity",
                "1e3", "-0", "+5", ".5", "5.", "NaN"]
    if s.kind == "widths":
        return ["8, 8", "none", "None", "", "0", "64", "65", "4 2", "1,1,1,1,1,1,1,1", "1,1,1,1,1,1,1,1,1", "8.5"]
    choices = [c for c in settings.page_choices(s)]
    return [*choices, "nope", "", " ".join(choices[:2]), ",".join(choices[-2:]), "constructor"]


PARSE = """([cases]) => import('/state.js').then((s) => cases.map(([name, text]) => s.PARSERS[name](text)))"""
PRESET_CONFIGS = """([presets]) => import('/state.js').then((s) => presets.map((p) => s.presetConfig(p)))"""


def test_the_page_reads_every_value_as_py_mlp_settings_does(state_page):
    cases = [(s.name, text) for s in settings.PAGE for text in _texts(s)]
    answers = state_page.evaluate(PARSE, [cases])
    for (name, text), answer in zip(cases, answers):
        try:
            expected = {"value": settings.parse_page_value(name, text)}
        except settings.ConfigError:
            expected = None
        if expected is None:
            assert "error" in answer, f"the page accepts {name}={text!r}, py_mlp.app.settings refuses it"
        else:
            assert answer == expected, f"{name}={text!r}: the page reads {answer}, py_mlp.app.settings {expected}"


def test_every_preset_is_the_page_configuration_py_mlp_settings_says(state_page):
    """What the page sends its worker for a preset (which settings.run_config then maps to a run)."""
    presets = list(settings.PRESETS)
    page = state_page.evaluate(PRESET_CONFIGS, [presets])
    assert page == [{**settings.page_config(p), "speed": int(settings.page_config(p)["speed"])} for p in presets]


def test_a_copied_link_and_a_reload_rebuild_the_network(shared_app, browser, server_url, watchdog):
    app = shared_app.to_defaults()
    app.fill("hidden", "4, 2")
    app.fill("learning-rate", 0.2)
    app.by("optimizer").select_option("adam")
    app.settled()
    app.by("copy-link").click()
    app.settled()
    expect(app.by("status")).to_contain_text("rebuilds this run")
    link = app.by("share-link").input_value()

    context = browser.new_context()  # someone else opening the link
    watchdog.attach(context)
    try:
        other = context.new_page()
        other.goto(link)
        root = other.locator("#app")
        expect(root).to_have_attribute("data-state", "ready", timeout=120_000)
        expect(other.get_by_test_id("hidden")).to_have_value("4, 2")
        expect(other.get_by_test_id("learning-rate")).to_have_value("0.2")
        expect(other.get_by_test_id("optimizer")).to_have_value("adam")
        expect(other.get_by_test_id("neuron-2-1")).to_be_attached()
        expect(other.get_by_test_id("neuron-1-4")).not_to_be_attached()
        other.reload()
        expect(root).to_have_attribute("data-state", "ready", timeout=120_000)
        expect(other.get_by_test_id("hidden")).to_have_value("4, 2")
    finally:
        context.close()
