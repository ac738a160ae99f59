"""py_mlp in the browser gives CPython's numbers: the tutorial's log and a training run."""

import numpy as np
from playwright.sync_api import expect

from py_mlp import article
from py_mlp.app.config import build_run


def test_article_preset_prints_the_same_log_as_cpython_and_trains_its_network(app):
    app.open("?preset=article")
    trace = app.by("trace")
    expect(trace).to_be_visible(timeout=120_000)
    app.settled()
    app.expect_state("ready")
    browser_lines = trace.text_content().split("\n")
    assert browser_lines == article.trace()
    assert len(browser_lines) == 151
    # The whole page shows the tutorial's setup: its network, its data, its address.
    expect(app.by("hidden")).to_have_value("4, 3")
    for present, absent in (("neuron-1-3", "neuron-1-4"), ("neuron-2-2", "neuron-2-3"), ("neuron-3-0", "neuron-3-1")):
        expect(app.by(present)).to_be_attached()
        expect(app.by(absent)).not_to_be_attached()
    assert int(app.by("boundary").get_attribute("data-points")) == 1000
    assert "preset=article" in app.page.url
    assert app.by("trace-panel").bounding_box()["y"] < 720, "the log is not where it is seen"
    expect(app.by("article-differences")).to_contain_text("2 s (1 − s)")

    # Train runs py_mlp's textbook maths from the tutorial's first weights, on its data.
    app.by("speed").select_option("0")
    app.by("train").click()
    app.expect_state("paused")
    expect(app.by("epoch")).to_have_text("150")
    browser = app.page.evaluate("window.pyMlp.history()")
    X, y = article.reference_circles()
    run = build_run(app.page.evaluate("window.pyMlp.config()"), data=(X, y.ravel()))
    run.model.set_params(article.as_mlp_params(article.initial_params()))
    records = run.trainer.run(150)
    np.testing.assert_allclose(browser["loss"], [r["loss"] for r in records], rtol=1e-9, atol=0)
    assert "preset=article" in app.page.url


def test_training_matches_cpython_epoch_by_epoch(app):
    app.open()
    app.by("activation").select_option("tanh")
    app.fill("hidden", "8, 4")
    app.fill("learning-rate", 0.3)
    app.fill("epochs", 60)
    app.by("train").click()
    app.expect_state("paused")
    browser = app.page.evaluate("window.pyMlp.history()")
    config = app.page.evaluate("window.pyMlp.config()")
    assert config["hidden"] == [8, 4] and config["activation"] == "tanh" and config["learning_rate"] == 0.3

    records = build_run(config).trainer.run(60)
    assert browser["epoch"] == [r["epoch"] for r in records]
    # Same seeds, same algorithm; only the order of floating-point summation differs
    # (einsum without BLAS in the browser, BLAS matmul natively), worth ~1e-15 per step.
    np.testing.assert_allclose(browser["loss"], [r["loss"] for r in records], rtol=1e-9, atol=0)
    np.testing.assert_allclose(browser["test_loss"], [r["test_loss"] for r in records], rtol=1e-9, atol=0)
    assert browser["metric"] == [r["accuracy"] for r in records]
