"""py_mlp in the browser gives CPython's numbers: the tutorial's log and a training run."""

import numpy as np
from playwright.sync_api import expect

from py_mlp import article
from py_mlp.config import build_run


def test_article_preset_prints_the_same_log_as_cpython(app):
    app.open("?preset=article")
    trace = app.by("trace")
    expect(trace).to_be_visible(timeout=120_000)
    app.expect_state("ready")
    browser_lines = trace.text_content().split("\n")
    assert browser_lines == article.trace()
    assert len(browser_lines) == 151
    assert app.chart_points() == 150


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
