"""Settings (web/state.js): every setting survives a share link and a reload.

The round trips run state.js alone in Chromium (no Python starts); one end-to-end test
then copies a link in the page and opens it in a fresh browser context.
"""

import pytest
from playwright.sync_api import expect

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
