"""The playground's controls, each used as a person would, and what the page shows back.

The tests share one started page and begin from the defaults (the preset menu), except
those about links and reloads, which load the page themselves.
"""

import csv
import io
import json
import re

from playwright.sync_api import expect

from py_mlp import optimizers
from py_mlp.serialization import from_json


def boundary_points(app):
    return int(app.by("boundary").get_attribute("data-points"))


def record_epochs(page):
    """Collect every value the epoch counter shows from now on."""
    page.evaluate("""() => {
      window.epochsSeen = [];
      const el = document.querySelector('[data-testid=epoch]');
      new MutationObserver(() => window.epochsSeen.push(Number(el.textContent)))
        .observe(el, {childList: true, characterData: true, subtree: true});
    }""")


def expect_gradients_agree(app):
    """Press "Check the gradients": backprop and finite differences agree, far below 1e-5."""
    app.by("gradcheck").click()
    app.settled()
    result = app.by("gradcheck-result")
    expect(result).to_contain_text("backprop agrees with finite differences")
    assert float(result.get_attribute("data-error")) < 1e-6


def wait_epoch_at_least(page, n):
    page.wait_for_function(
        "n => Number(document.querySelector('[data-testid=epoch]').textContent) >= n", arg=n)


def test_data_set_picker_sliders_and_regenerate(shared_app):
    app = shared_app.to_defaults()
    assert boundary_points(app) == 1000
    expect(app.by("problem-help")).to_contain_text("800 training and 200 test points")

    app.page.get_by_text("Moons", exact=True).click()
    app.settled()
    expect(app.by("dataset-moons")).to_be_checked()
    axes = app.by("boundary").get_attribute("data-axes").split(", ")
    assert all(len(a.lstrip("-").replace(".", "")) <= 3 for a in axes), axes  # 1.9, not 1.9011866265584003
    expect(app.by("status")).to_contain_text("Settings changed (dataset): the network was reset")

    slider = app.by("n-samples")
    slider.focus()
    for _ in range(16):  # 1000 - 16 x 50
        slider.press("ArrowLeft")
    app.settled()
    expect(app.page.locator("#n_samples-value")).to_have_text("200")
    assert boundary_points(app) == 200
    expect(app.by("problem-help")).to_contain_text("160 training and 40 test points")

    share = app.by("test-fraction")
    share.focus()
    share.press("ArrowRight")  # 20% -> 30%
    app.settled()
    expect(app.by("problem-help")).to_contain_text("140 training and 60 test points")

    noise = app.by("noise")
    noise.focus()
    noise.press("ArrowRight")  # 0.10 -> 0.15
    app.settled()
    expect(app.page.locator("#noise-value")).to_have_text("0.15")
    assert app.page.evaluate("window.pyMlp.config()")["noise"] == 0.15

    app.by("show-test").uncheck()
    expect(app.by("boundary")).to_have_attribute("data-test-shown", "false")
    app.by("show-test").check()
    expect(app.by("boundary")).to_have_attribute("data-test-shown", "true")

    app.fill("seed", 7)
    app.settled()
    expect(app.by("status")).to_contain_text("Settings changed (seed)")

    before = app.page.evaluate("window.pyMlp.config()")
    app.by("regenerate").click()
    app.settled()
    expect(app.by("seed")).to_have_value(str(before["seed"] + 1))
    assert app.page.evaluate("window.pyMlp.config()")["seed"] == before["seed"] + 1
    expect(app.by("status")).to_contain_text("New data")


def test_multiclass_and_regression_choose_their_output(shared_app):
    app = shared_app.to_defaults()
    app.by("dataset-gaussians").check()
    app.fill("n-classes", 3)
    app.settled()
    expect(app.by("problem-help")).to_contain_text("3 softmax outputs, softmax cross-entropy")
    expect(app.by("neuron-3-2")).to_be_attached()  # output layer of [8, 8] has three units

    app.by("dataset-plane").check()
    app.settled()
    expect(app.by("problem-help")).to_contain_text("one identity output, mean squared error")
    expect(app.page.locator("#accuracy-label")).to_have_text("R²")

    app.by("dataset-circles").check()
    app.by("problem").select_option("regression")
    app.settled()
    expect(app.by("problem-help")).to_contain_text("regression")


def test_feature_toggles_change_the_inputs(shared_app):
    app = shared_app.to_defaults()
    product = app.by("feature-x1*x2")
    expect(product).to_have_attribute("aria-pressed", "false")
    product.click()
    app.settled()
    expect(product).to_have_attribute("aria-pressed", "true")
    expect(app.by("neuron-0-2")).to_be_attached()  # a third input
    assert app.page.evaluate("window.pyMlp.config()")["features"] == ["x1", "x2", "x1*x2"]

    for name in ("x1", "x2", "x1*x2"):
        app.by(f"feature-{name}").click()
        app.settled()
    expect(app.by("features-error")).to_contain_text("at least one")
    expect(product).to_have_attribute("aria-pressed", "true")  # the last one stays on


def test_layer_editor_buttons_and_per_layer_activation(shared_app):
    app = shared_app.to_defaults()
    app.by("add-layer").click()
    app.settled()
    expect(app.by("hidden")).to_have_value("8, 8, 8")
    expect(app.by("neuron-3-7")).to_be_attached()

    app.by("layer-1-more").click()
    app.settled()
    expect(app.by("layer-1-size")).to_have_text("9")
    expect(app.by("hidden")).to_have_value("9, 8, 8")
    expect(app.by("neuron-1-8")).to_be_attached()
    app.by("layer-2-fewer").click()
    app.settled()
    expect(app.by("hidden")).to_have_value("9, 7, 8")
    expect(app.by("neuron-2-7")).not_to_be_attached()

    app.by("layer-2-activation").select_option("relu")
    app.settled()
    assert app.page.evaluate("window.pyMlp.config()")["activation"] == ["tanh", "relu", "tanh"]
    expect(app.by("code")).to_contain_text("def relu(z)")

    for _ in range(3):
        app.by("remove-layer").click()
        app.settled()
    expect(app.by("hidden")).to_have_value("none")
    expect(app.by("remove-layer")).to_be_disabled()
    expect(app.by("backprop-1-dW")).to_contain_text("(2 × 1)")  # logistic regression


def test_learning_rate_changes_live_but_optimiser_resets(shared_app):
    app = shared_app.to_defaults()
    app.fill("epochs", 100000)
    app.by("train").click()
    wait_epoch_at_least(app.page, 5)
    app.fill("learning-rate", 0.1)
    expect(app.by("status")).to_contain_text("learning rate is now 0.1")
    at_change = int(app.by("epoch").text_content())
    wait_epoch_at_least(app.page, at_change + 5)  # training went on, from where it was
    app.expect_state("training")

    app.by("optimizer").select_option("adam")
    app.settled()
    app.expect_state("ready")
    expect(app.by("status")).to_contain_text("Settings changed (optimizer): the network was reset")
    expect(app.by("epoch")).to_have_text("0")
    expect(app.by("loss-chart")).to_have_attribute("data-points", "0")


def test_batch_size_and_regularisation_settings_reach_the_trainer(shared_app):
    app = shared_app.to_defaults()
    app.fill("batch-size", 50)
    app.by("regularization").select_option("l2")
    app.fill("reg-rate", 0.001)
    app.fill("epochs", 3)
    app.settled()
    config = app.page.evaluate("window.pyMlp.config()")
    assert (config["batch_size"], config["l2"], config["l1"]) == (50, 0.001, 0)
    app.by("train").click()
    app.expect_state("paused")
    expect(app.by("epoch")).to_have_text("3")
    expect(app.by("backprop-1-dW")).to_contain_text("(2 × 50)")  # the live batch shape

    app.fill("batch-size", -3)
    expect(app.by("batch-size-error")).to_contain_text("at least 0")


def test_step_speed_and_a_player_that_never_runs_twice(shared_app):
    app = shared_app.to_defaults()
    app.by("step").click()
    app.expect_state("paused")
    expect(app.by("epoch")).to_have_text("1")

    app.by("speed").select_option("10")
    app.fill("epochs", 40)
    record_epochs(app.page)
    app.by("train").click()
    wait_epoch_at_least(app.page, 6)
    app.by("pause").click()
    app.expect_state("paused")
    seen = [e for e in app.page.evaluate("window.epochsSeen") if e]
    assert seen == list(range(seen[0], seen[-1] + 1)), f"at 10 epochs/s every epoch shows: {seen}"

    app.by("speed").select_option("0")
    # Two presses in one task, so the second surely comes while the first run is on: it
    # changes nothing (two presses from here could straddle a 40-epoch run's end).
    app.by("train").evaluate("button => { button.click(); button.click(); }")
    app.expect_state("paused", timeout=60_000)
    expect(app.root).to_have_attribute("data-loop", "idle")
    history = app.page.evaluate("window.pyMlp.history()")
    assert history["epoch"] == list(range(1, len(history["epoch"]) + 1))
    assert history["epoch"][-1] == 41  # the one Step plus Stop after (40) epochs


def test_words_and_states_agree(shared_app):
    app = shared_app.to_defaults()
    # "Epochs per run": Train after a Pause and two Steps finishes the run, no more.
    app.fill("epochs", 200)
    app.by("speed").select_option("10")
    app.by("train").click()
    wait_epoch_at_least(app.page, 3)
    app.by("pause").click()
    app.expect_state("paused")
    app.by("speed").select_option("0")
    for _ in range(2):
        app.by("step").click()
        app.expect_state("paused")
    app.by("train").click()
    app.expect_state("paused", timeout=60_000)
    expect(app.by("epoch")).to_have_text("200")
    expect(app.page.get_by_label("Epochs per run")).to_have_value("200")

    # A regularisation rate with no regularisation says when it will apply.
    app.fill("reg-rate", 0.01)
    expect(app.by("status")).to_contain_text("applies once you choose L1 or L2")

    # The preset menu shows the preset chosen, until a setting is changed by hand.
    app.by("preset").select_option("spiral")
    app.settled()
    expect(app.by("preset")).to_have_value("spiral")
    app.fill("seed", 3)
    app.settled()
    expect(app.by("preset")).to_have_value("")


def test_charts_log_scale_and_hover_readout(shared_app):
    app = shared_app.to_defaults()
    app.fill("epochs", 200)
    app.by("train").click()
    app.expect_state("paused")
    chart = app.by("loss-chart")
    expect(chart).to_have_attribute("data-points", "200")
    expect(app.by("accuracy-chart")).to_have_attribute("data-points", "200")
    expect(app.by("gradient-chart")).to_have_attribute("data-points", "200")

    app.by("log-scale").check()
    expect(chart).to_have_attribute("data-scale", "log")
    box = chart.bounding_box()
    chart.hover(position={"x": box["width"] * 0.6, "y": box["height"] / 2})
    expect(app.by("loss-readout")).to_contain_text(re.compile(r"epoch \d+"))
    readout = app.by("loss-readout").text_content()
    epoch = int(re.search(r"epoch (\d+)", readout).group(1))
    shown = float(re.search(r"train loss ([-+\d.e]+)", readout).group(1))
    train_loss = app.page.evaluate("window.pyMlp.history()")["loss"][epoch - 1]
    assert abs(shown - train_loss) <= 5e-4 * abs(train_loss)  # four significant digits
    app.by("log-scale").uncheck()


def test_points_are_added_and_removed_on_the_plot(shared_app):
    app = shared_app.to_defaults()
    app.fill("epochs", 30)
    app.by("train").click()
    app.expect_state("paused")
    weights = app.page.evaluate("window.pyMlp.history()")["loss"][-1]
    canvas = app.by("boundary")
    box = canvas.bounding_box()
    hollow = app.by("problem-help").text_content()
    # The centre of the plot: no point of the circles lies exactly there.
    canvas.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    app.settled()
    expect(app.by("dataset-custom")).to_be_checked()
    assert boundary_points(app) == 1001
    expect(app.by("status")).to_contain_text("The network keeps what it learned")
    expect(app.by("epoch")).to_have_text("30")  # not reset
    expect(app.by("problem-help")).to_contain_text("801 training and 200 test points")  # the split is kept
    assert "800 training and 200 test points" in hollow

    canvas.click(position={"x": box["width"] / 2 + 3, "y": box["height"] / 2 + 3}, modifiers=["Shift"])
    app.settled()
    assert boundary_points(app) == 1002

    canvas.click(position={"x": box["width"] / 2, "y": box["height"] / 2}, modifiers=["Alt"])
    app.settled()
    assert boundary_points(app) == 1001
    expect(app.by("problem-help")).to_contain_text("801 training and 200 test points")

    app.fill("epochs", 5)  # training goes on from where it was, with the new point
    app.by("train").click()
    app.expect_state("paused")
    expect(app.by("epoch")).to_have_text("35")
    history = app.page.evaluate("window.pyMlp.history()")
    assert history["epoch"] == list(range(1, 36)) and history["loss"][29] == weights

    app.by("reset").click()  # Reset starts over, on the points as they are now
    app.settled()
    expect(app.by("epoch")).to_have_text("0")
    assert boundary_points(app) == 1001


def test_csv_upload_accepts_good_files_and_names_the_bad_line(shared_app, tmp_path):
    app = shared_app.to_defaults()
    good = tmp_path / "points.csv"
    good.write_text("x1,x2,label\n" + "".join(f"{i / 50 - 1},{(i % 7) / 7},{i % 2}\n" for i in range(100)))
    app.by("csv-upload").set_input_files(str(good))
    app.settled()
    expect(app.by("status")).to_contain_text("Loaded 100 points from points.csv")
    assert boundary_points(app) == 100
    expect(app.by("dataset-custom")).to_be_checked()

    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n0.1,0.2,1\n0.3,oops,0\n")
    app.by("csv-upload").set_input_files(str(bad))
    app.settled()
    expect(app.by("csv-error")).to_contain_text("bad.csv: line 3, column 2: 'oops' is not a number")
    assert boundary_points(app) == 100  # the current data is kept

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    app.by("csv-upload").set_input_files(str(empty))
    app.settled()
    expect(app.by("csv-error")).to_contain_text("no data rows")


def test_hovering_a_neuron_shows_its_own_heatmap(shared_app):
    app = shared_app.to_defaults()
    app.by("neuron-1-0").hover()
    app.settled()
    neuron_map = app.page.locator(".neuron-map")
    expect(neuron_map).to_be_visible()
    expect(neuron_map).to_contain_text("layer 1 neuron 0")
    app.page.mouse.move(0, 0)
    expect(neuron_map).to_be_hidden()


def test_drawings_read_out_and_explain_themselves_and_the_plot_sits_near_train_on_a_phone(shared_app):
    app = shared_app.to_defaults()
    page = app.page
    # Every neuron of the default 8-8 network shows its own output, drawn.
    expect(app.by("network")).to_have_attribute("data-thumbnails", str(2 + 8 + 8 + 1))
    alphas = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=network] .neuron')].map(g => {
             const c = g.querySelector('canvas');
             return c ? c.getContext('2d').getImageData(c.width >> 1, c.height >> 1, 1, 1).data[3] : 0; })"""
    )
    assert alphas == [255] * 19, alphas
    expect(app.by("network-legend")).to_contain_text("negative weight")

    # Hovering a link reads out its weight, as the worker holds it.
    point = page.evaluate(
        """() => { const l = document.querySelector('[data-testid=link-1-0-0]');
             l.ownerSVGElement.scrollIntoView({block: 'center'});
             const [x1, y1, x2, y2] = ['x1', 'y1', 'x2', 'y2'].map(k => +l.getAttribute(k));
             const p = new DOMPoint(x1 + (x2 - x1) / 4, y1 + (y2 - y1) / 4).matrixTransform(l.getScreenCTM());
             return [p.x, p.y]; }"""
    )
    page.mouse.move(*point)
    weight = page.evaluate(
        """async () => { const {formatNumber} = await import('./views/format.js');
             return formatNumber(JSON.parse(await pyMlp.worker().snapshot(2)).weights[0][0][0], 3); }"""
    )
    expect(app.by("network-readout")).to_have_text(f"x1 → layer 1 neuron 0: weight {weight}")
    page.mouse.move(0, 0)

    # The regression surface has a colour scale with its range.
    expect(app.by("boundary-scale")).to_have_count(0)
    app.by("dataset-plane").check()
    app.settled()
    scale = app.by("boundary-scale")
    expect(scale).to_be_visible()
    labels = [float(t) for t in scale.locator(".scale-label").all_text_contents()]
    assert len(labels) >= 2 and labels[0] < labels[-1], labels

    # On a phone the plot comes right after the player, not below every setting.
    page.set_viewport_size({"width": 360, "height": 740})
    try:
        app.to_defaults()
        train, plot = app.by("train").bounding_box(), app.by("boundary").bounding_box()
        assert 0 < plot["y"] - train["y"] <= 900, (train, plot)
    finally:
        page.set_viewport_size({"width": 1280, "height": 720})


def test_backprop_panel_and_live_gradient_check(shared_app):
    app = shared_app.to_defaults()
    expect(app.by("backprop-3-dz")).to_contain_text("(ŷ − y) / n")
    expect(app.by("backprop-2-dW")).to_contain_text("(8 × 800) (800 × 8) → (8 × 8)")
    expect(app.by("backprop-2-da")).to_contain_text("da1 = dz2 W2ᵀ")
    expect_gradients_agree(app)


def test_the_gradient_check_trusts_tiny_gradients_after_the_vanishing_lesson(shared_app):
    app = shared_app.to_defaults()
    app.by("preset").select_option("vanishing")
    app.settled()
    app.by("speed").select_option("0")
    app.fill("epochs", 300)  # the first layers' gradients are tiny from the start
    app.by("train").click()
    app.expect_state("paused", timeout=120_000)
    expect(app.by("epoch")).to_have_text("300")
    expect_gradients_agree(app)


def test_backprop_panel_follows_the_optimiser_the_penalty_and_training(shared_app):
    app = shared_app.to_defaults()
    expect(app.by("backprop-update")).to_have_text(re.compile("p ← p − η g  \\(η = 0.5\\)"))
    for value, (_, choice) in optimizers.CHOICES.items():  # every choice the page offers, RMSprop's too
        app.by("optimizer").select_option(value)
        app.settled()
        expect(app.by("backprop-update")).to_contain_text(choice.rule[0])
    app.by("optimizer").select_option("adam")
    app.by("regularization").select_option("l2")
    app.fill("reg-rate", 0.01)
    app.settled()
    adam = optimizers.Adam.choices[0].rule  # the rule that runs, as py_mlp.optimizers declares it
    expect(app.by("backprop-update")).to_contain_text(adam[0])
    expect(app.by("backprop-update-2")).to_contain_text(f"{adam[1]}  (η = 0.5, β₁ = 0.9, β₂ = 0.999, ε = 1 × 10⁻⁸)")
    expect(app.by("backprop-2-dW")).to_contain_text("dW2 = a1ᵀ dz2 + λ₂ W2  (λ₂ = 0.01)")
    norm = app.by("backprop-1-dW").locator("td.norm")
    before = norm.text_content()
    assert before.startswith("‖dW1‖ = ")
    app.by("step").click()  # the sizes follow training
    app.expect_state("paused")
    app.settled()
    expect(norm).not_to_have_text(before)
    app.by("regularization").select_option("l1")
    app.settled()
    expect(app.by("backprop-2-dW")).to_contain_text("+ λ₁ sign(W2)  (λ₁ = 0.01)")


def test_python_source_of_what_runs(shared_app):
    app = shared_app.to_defaults()
    code = app.by("code")
    expect(code).to_contain_text("def tanh(z):")
    expect(code).to_contain_text("def _bce_value(yhat, y):")
    app.by("activation").select_option("sigmoid")
    app.settled()
    expect(code).to_contain_text("def sigmoid_grad(z, a):")


def test_configuration_lives_in_the_url_and_survives_a_reload(app):
    app.open("?dataset=xor&hidden=4,2&activation=relu&learning_rate=0.2&seed=5")
    expect(app.by("dataset-xor")).to_be_checked()
    expect(app.by("hidden")).to_have_value("4, 2")
    expect(app.by("learning-rate")).to_have_value("0.2")
    assert app.page.evaluate("window.pyMlp.config()")["activation"] == "relu"

    app.fill("learning-rate", 0.05)
    app.settled()
    assert "learning_rate=0.05" in app.page.url
    app.by("copy-link").click()
    app.settled()
    link = app.by("share-link").input_value()
    assert "dataset=xor" in link and "seed=5" in link

    app.page.goto(app.base_url)  # no settings in the link: the last ones come back
    app.expect_state("ready", timeout=120_000)
    app.settled()
    expect(app.by("dataset-xor")).to_be_checked()
    expect(app.by("learning-rate")).to_have_value("0.05")


def test_a_bad_link_says_what_was_ignored(app):
    app.open("?learning_rate=abc&hidden=0&nonsense=1")
    status = app.by("status")
    expect(status).to_contain_text("learning_rate=abc was ignored")
    expect(status).to_contain_text("hidden=0 was ignored")
    expect(status).to_contain_text('unknown setting "nonsense"')
    expect(app.by("learning-rate")).to_have_value("0.5")


def test_downloads_and_loading_a_model_back(shared_app, tmp_path):
    app = shared_app.to_defaults()
    app.fill("epochs", 30)
    app.by("train").click()
    app.expect_state("paused")

    with app.page.expect_download() as info:
        app.by("download-model").click()
    model_file = tmp_path / "model.json"
    info.value.save_as(model_file)
    model, _, extra = from_json(model_file.read_text())
    assert model.sizes == [2, 8, 8, 1] and extra["epoch"] == 30

    with app.page.expect_download() as info:
        app.by("download-metrics").click()
    rows = list(csv.DictReader(io.StringIO(open(info.value.path()).read())))
    assert [int(r["epoch"]) for r in rows] == list(range(1, 31))
    history = app.page.evaluate("window.pyMlp.history()")
    assert [float(r["loss"]) for r in rows] == history["loss"]

    with app.page.expect_download() as info:
        app.by("download-charts").click()
    assert open(info.value.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"

    app.by("reset").click()
    app.settled()
    app.by("load-model").set_input_files(str(model_file))
    app.settled()
    expect(app.by("status")).to_contain_text("Loaded the weights from model.json")
    expect(app.by("epoch")).to_have_text("30")  # the file's epoch, and the loaded model's loss
    assert 0 < app.number("loss") < 1
    with app.page.expect_download() as info:
        app.by("download-model").click()
    reloaded, _, _ = from_json(open(info.value.path()).read())
    assert all((a == b).all() for a, b in zip(reloaded.params, model.params))

    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"format": "py_mlp.model", "version": 99}))
    app.by("load-model").set_input_files(str(broken))
    app.settled()
    expect(app.by("model-error")).to_contain_text("broken.json")
    expect(app.by("model-error")).to_contain_text("version")


def test_presets_vanishing_gradients_and_divergence(shared_app):
    app = shared_app.to_defaults()
    app.by("preset").select_option("vanishing")
    app.settled()
    expect(app.by("hidden")).to_have_value("8, 8, 8, 8, 8, 8")
    assert app.page.evaluate("window.pyMlp.config()")["activation"] == "sigmoid"

    app.by("preset").select_option("diverging")
    app.settled()
    app.by("train").click()
    app.expect_state("paused", timeout=60_000)
    expect(app.by("status")).to_contain_text("Training stopped")
    expect(app.by("status")).to_contain_text("Lower the learning rate")
    assert app.number("epoch") < 200
    # Huge numbers read as people write them, and the chart's labels fit beside it.
    expect(app.by("loss")).to_have_text(re.compile(r"^-?\d(\.\d+)? × 10[⁰¹²³⁴⁵⁶⁷⁸⁹]+$"))
    ticks = app.by("loss-chart").get_attribute("data-y-ticks").split(", ")
    assert ticks and all(re.fullmatch(r"-?[\d.]+( × 10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)?", t) for t in ticks), ticks


def test_keyboard_alone_can_pick_data_and_train(shared_app):
    app = shared_app.to_defaults()
    app.by("dataset-circles").focus()
    app.page.keyboard.press("ArrowRight")  # radio group: the next data set
    app.settled()
    expect(app.by("dataset-moons")).to_be_checked()
    app.by("feature-x1^2").focus()
    app.page.keyboard.press("Space")
    app.settled()
    expect(app.by("feature-x1^2")).to_have_attribute("aria-pressed", "true")
    app.by("epochs").fill("5")
    app.by("epochs").press("Enter")  # commits the field, and only that
    app.settled()
    assert app.page.evaluate("window.pyMlp.config()") and app.root.get_attribute("data-state") == "ready"
    app.by("learning-rate").fill("0.3")
    app.by("learning-rate").press("Enter")
    app.settled()
    expect(app.by("status")).to_contain_text("learning rate is now 0.3")
    expect(app.by("epoch")).to_have_text("0")
    app.by("train").focus()
    app.page.keyboard.press("Space")  # Train, and the focus stays on it
    app.expect_state("paused")
    expect(app.by("epoch")).to_have_text("5")
    assert app.page.evaluate("document.activeElement.dataset.testid") == "train"
    app.by("step").focus()
    app.page.keyboard.press("Enter")
    app.expect_state("paused")
    expect(app.by("epoch")).to_have_text("6")
    assert app.page.evaluate("document.activeElement.dataset.testid") == "step"
    expect(app.by("status")).to_have_attribute("role", "status")


def test_layout_fits_a_phone(shared_app):
    app = shared_app
    app.page.set_viewport_size({"width": 360, "height": 740})
    try:
        app.to_defaults()
        app.page.evaluate("scrollTo(0, 0)")
        width = app.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"the page scrolls sideways on a phone ({width}px wide)"
        expect(app.by("train")).to_be_in_viewport()
        app.fill("epochs", 3)
        app.by("train").click()
        app.expect_state("paused")
    finally:
        app.page.set_viewport_size({"width": 1280, "height": 720})
