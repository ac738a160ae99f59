"""Your own activation, end to end: written in the page, checked, used, and never run unasked.

One page for the file (Python starts once, and again only where a test makes it restart).
"""

from urllib.parse import urlencode

from conftest import App
from playwright.sync_api import expect

SOFTPLUS = """def f(z):
    return np.logaddexp(0, z)

def df(z, a):
    return 1 / (1 + np.exp(-z))
"""
# sigmoid(-z) instead of sigmoid(z): right at z = 0 only
WRONG = SOFTPLUS.replace("1 / (1 + np.exp(-z))", "1 / (1 + np.exp(z))")
NEVER_RETURNS = "while True:\n    pass\n"
# Right, and quick on the check's small arrays; never returns on the plot's grid.
HANGS_ON_BIG_ARRAYS = """def f(z):
    while z.shape[0] > 100:
        pass
    return np.tanh(z)

def df(z, a):
    return 1 - a * a
"""


def check(app, code):
    app.by("activation-code").fill(code)
    app.by("check-code").click()
    app.settled()


def train_a_little(app, epochs=20):
    """Train a short run and wait for its end: the page is usable."""
    app.fill("epochs", epochs)
    app.by("train").click()
    app.settled()
    app.expect_state("paused")
    assert app.number("epoch") >= epochs


def test_a_right_derivative_is_used_and_trains_the_circles(shared_app):
    app = shared_app.to_defaults()
    check(app, SOFTPLUS)
    expect(app.by("code-result")).to_have_attribute("data-passed", "true")
    expect(app.by("code-plot")).to_have_attribute("data-wrong-points", "0")
    expect(app.by("confirm-wrong")).to_be_hidden()
    app.by("use-code").click()
    app.settled()
    app.expect_state("ready")
    expect(app.by("layer-1-activation")).to_have_value("custom")
    expect(app.by("layer-2-activation")).to_have_value("custom")
    expect(app.by("code")).to_contain_text("np.logaddexp(0, z)")  # the Python that runs is yours
    app.by("speed").select_option("0")
    app.fill("batch-size", 32)
    app.fill("epochs", 100)
    app.by("train").click()
    app.settled()
    app.expect_state("paused")
    assert app.number("accuracy") >= 0.95


def test_a_wrong_derivative_is_flagged_before_training(shared_app):
    app = shared_app.to_defaults()
    check(app, WRONG)
    expect(app.by("code-result")).to_have_attribute("data-passed", "false")
    wrong = int(app.by("code-plot").get_attribute("data-wrong-points"))
    assert wrong > 0
    expect(app.by("use-code")).to_be_disabled()
    app.by("confirm-wrong").check()
    expect(app.by("use-code")).to_be_enabled()
    app.by("activation-code").fill(WRONG + "\n")  # an edit: checked code only
    expect(app.by("use-code")).to_be_disabled()


def test_a_syntax_error_and_an_exception_say_so_and_the_page_trains(shared_app):
    app = shared_app.to_defaults()
    check(app, "def f(z):\n    return z +\n")
    expect(app.by("code-error")).to_contain_text("syntax error at line 2")
    train_a_little(app)
    check(app, "def f(z):\n    return z\n\ndef df(z, a):\n    return undefined_name\n")
    expect(app.by("code-error")).to_contain_text("NameError")
    expect(app.by("code-error")).to_contain_text("line 5 of your code")
    expect(app.by("use-code")).to_be_disabled()
    train_a_little(app, 40)


def parameters(app, names=("link-1-0-0", "neuron-1-3", "neuron-2-5", "neuron-3-0")):
    """What the network's read-out says of a few weights and a bias, hovered one by one."""
    said = []
    for name in names:
        app.by(name).hover()
        said.append(app.by("network-readout").text_content())
    return said


def test_code_that_never_returns_restarts_python_and_keeps_the_network(shared_app):
    app = shared_app.to_defaults()
    train_a_little(app)
    epoch, trained = app.by("epoch").text_content(), parameters(app)
    check(app, NEVER_RETURNS)
    expect(app.by("status")).to_contain_text("did not return", timeout=60_000)
    app.expect_state("ready")
    expect(app.by("epoch")).to_have_text(epoch)
    assert parameters(app) == trained
    train_a_little(app, int(epoch) + 10)


def test_an_activation_that_hangs_in_use_is_taken_out_and_the_page_trains(shared_app):
    app = shared_app.to_defaults()
    check(app, HANGS_ON_BIG_ARRAYS)
    expect(app.by("code-result")).to_have_attribute("data-passed", "true")
    app.by("use-code").click()
    expect(app.by("status")).to_contain_text("taken out of the network", timeout=60_000)
    app.settled()
    app.expect_state("ready")
    expect(app.by("layer-1-activation")).to_have_value("tanh")
    expect(app.by("activation-code")).to_have_value(HANGS_ON_BIG_ARRAYS)  # kept, to be fixed
    train_a_little(app)


def test_code_in_a_link_is_shown_and_runs_only_when_asked(browser, server_url, watchdog):
    context = browser.new_context()
    watchdog.attach(context)
    try:
        page = context.new_page()
        query = urlencode({"hidden": "4", "activation": "custom", "code": NEVER_RETURNS + SOFTPLUS})
        app = App(page, server_url).open("?" + query)
        expect(app.by("status")).to_contain_text("has not run yet")
        expect(app.by("code-notice")).to_be_visible()
        expect(app.by("activation-code")).to_have_value(NEVER_RETURNS + SOFTPLUS)
        # Python answers at once, so it is not busy running the loop: the code did not run.
        answer = page.evaluate("window.pyMlp.worker().history().then(JSON.parse)")
        assert answer == {"ok": False, "error": "the network is not set up; press Reset", "field": None}
        app.by("activation-code").fill(SOFTPLUS)
        app.by("check-code").click()
        app.settled()
        app.by("use-code").click()
        app.settled()
        app.expect_state("ready")
        expect(app.by("layer-1-activation")).to_have_value("custom")
        assert "code=" in app.by("share-link").input_value()
    finally:
        context.close()
    assert not watchdog.problems, "\n".join(watchdog.problems)
