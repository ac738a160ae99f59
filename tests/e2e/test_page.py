"""The page end to end: load, train two-circles, pause, resume, reset, refuse bad input.

After the first load, the tests share one started page and begin from the defaults.
"""

from playwright.sync_api import expect


def wait_frames(page, n=10):
    """Let the page render ``n`` animation frames (a state to wait on, not a sleep)."""
    page.evaluate(
        "n => new Promise(done => { const tick = k => k ? requestAnimationFrame(() => tick(k - 1)) : done(); tick(n); })",
        n,
    )


def wait_points_above(page, n):
    page.wait_for_function(
        "n => Number(document.querySelector('[data-testid=loss-chart]').dataset.points) > n", arg=n
    )


RECORD_PROGRESS = """
new MutationObserver(() => {
  const bar = document.querySelector('[data-testid=progress]');
  if (bar && !bar.dataset.watched) {
    bar.dataset.watched = '1';
    window.progressSeen = [];
    new MutationObserver(() => window.progressSeen.push(bar.value)).observe(bar, {attributes: true});
  }
}).observe(document, {childList: true, subtree: true});
"""


def test_loads_with_a_real_progress_bar_then_is_ready(app):
    app.page.add_init_script(RECORD_PROGRESS)
    wasm = []  # serve.py sends the 10 MB wasm gzipped (3 MB); streaming compilation takes it
    app.page.on("response", lambda r: r.url.endswith("/pyodide.asm.wasm") and wasm.append(r.headers))
    app.page.goto(app.base_url)
    expect(app.by("progress")).to_be_visible()
    # Useful at once: the controls and the network drawing are there while Python loads,
    # and a change made meanwhile is kept and used once it is ready.
    app.expect_state("loading")
    expect(app.by("neuron-2-7")).to_be_attached()
    app.fill("hidden", "4, 2")
    expect(app.by("neuron-1-4")).not_to_be_attached()
    app.expect_state("ready", timeout=120_000)
    app.settled()
    expect(app.by("hidden")).to_have_value("4, 2")
    expect(app.by("neuron-2-1")).to_be_attached()
    expect(app.by("neuron-1-4")).not_to_be_attached()
    seen = app.page.evaluate("window.progressSeen")
    assert seen == sorted(seen), "the progress bar went backwards"
    assert len([v for v in seen if 0 < v < 1]) >= 5, f"too few intermediate steps: {seen}"
    assert seen[-1] == 1
    assert wasm and all(h.get("content-encoding") == "gzip" for h in wasm), wasm
    expect(app.by("progress")).to_be_hidden()
    expect(app.by("train")).to_be_enabled()
    expect(app.by("pause")).to_be_disabled()
    expect(app.by("status")).to_contain_text("Ready")


def test_trains_two_circles_to_high_accuracy_with_live_chart(shared_app):
    app = shared_app.to_defaults()
    app.fill("epochs", 1000)
    app.by("speed").select_option("0")  # as fast as it goes
    app.by("train").click()
    app.expect_state("training")
    wait_points_above(app.page, 0)
    seen = app.chart_points()
    wait_points_above(app.page, seen)  # the chart keeps growing while training runs
    app.expect_state("paused", timeout=120_000)
    expect(app.by("epoch")).to_have_text("1000")
    assert app.chart_points() == 1000
    assert app.number("accuracy") >= 0.97
    assert app.number("loss") < 0.2
    expect(app.by("status")).to_contain_text("Finished 1000 epochs")


def test_pause_freezes_and_train_resumes(shared_app):
    app = shared_app.to_defaults()
    app.fill("epochs", 100000)
    app.by("train").click()
    wait_points_above(app.page, 20)
    app.by("pause").click()
    app.expect_state("paused")
    expect(app.root).to_have_attribute("data-loop", "idle")
    frozen = app.by("epoch").text_content()
    wait_frames(app.page, 20)
    expect(app.by("epoch")).to_have_text(frozen)
    assert app.chart_points() == int(frozen)

    app.by("train").click()
    app.expect_state("training")
    wait_points_above(app.page, int(frozen))
    assert int(app.by("epoch").text_content()) > int(frozen)
    app.by("pause").click()
    app.expect_state("paused")


def test_reset_clears_chart_and_counter(shared_app):
    app = shared_app.to_defaults()
    app.fill("epochs", 50)
    app.by("train").click()
    app.expect_state("paused")
    expect(app.by("epoch")).to_have_text("50")
    app.by("reset").click()
    app.expect_state("ready")
    expect(app.by("epoch")).to_have_text("0")
    expect(app.by("loss-chart")).to_have_attribute("data-points", "0")
    expect(app.by("loss")).to_have_text("–")


INVALID_LAYERS = [
    ("0", "at least 1"),
    ("-4", "at least 1"),
    ("", "Enter the hidden layer sizes"),
    ("8, x", "not a whole number"),
    ("100000", "at most"),
]

INVALID_RATES = [
    ("abc", "positive number"),
    ("0", "above 0"),
    ("-0.1", "above 0"),
    ("1e9", "at most"),
]


def test_invalid_layer_sizes_show_a_message_and_do_not_train(shared_app):
    app = shared_app.to_defaults()
    for value, message in INVALID_LAYERS:
        app.fill("hidden", value)
        app.by("train").click()
        expect(app.by("hidden-error")).to_contain_text(message)
        expect(app.by("hidden")).to_have_attribute("aria-invalid", "true")
        app.expect_state("ready")
        expect(app.by("epoch")).to_have_text("0")
        assert app.chart_points() == 0

    app.fill("hidden", "4")  # fixing the field clears the message and training starts
    app.fill("epochs", 5)
    app.by("train").click()
    app.expect_state("paused")
    expect(app.by("hidden-error")).to_have_text("")
    expect(app.by("epoch")).to_have_text("5")


def test_invalid_learning_rates_are_refused(shared_app):
    app = shared_app.to_defaults()
    for value, message in INVALID_RATES:
        app.fill("learning-rate", value)
        app.by("train").click()
        expect(app.by("learning-rate-error")).to_contain_text(message)
        app.expect_state("ready")
        expect(app.by("epoch")).to_have_text("0")


def test_the_default_run_can_be_watched(shared_app):
    """At the default speed (100 epochs a second) the boundary and the network redraw as
    training goes, many times in a run rather than a few."""
    app = shared_app.to_defaults()
    expect(app.by("speed")).to_have_value("100")
    app.fill("epochs", 300)
    grid = lambda: int(app.by("boundary").get_attribute("data-grid-updates"))  # noqa: E731
    weights = lambda: int(app.by("network").get_attribute("data-weight-updates"))  # noqa: E731
    before = grid(), weights()
    app.by("train").click()
    app.expect_state("paused", timeout=60_000)
    redraws = grid() - before[0]
    assert redraws >= 20, f"the boundary redrew {redraws} times in a 300-epoch run"
    assert weights() - before[1] == redraws
