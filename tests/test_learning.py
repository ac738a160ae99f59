"""Seeded runs learn: held-out accuracy on the toy problems, through build_run as a user would."""

import pytest

from py_mlp.app.config import build_run

COMMON = dict(test_fraction=0.5, activation="tanh", optimizer="adam", seed=0)

CASES = {
    "circles": (dict(dataset="circles", n_samples=500, noise=0.1, hidden=[8, 8], learning_rate=0.03), 300, 0.97),
    "moons": (dict(dataset="moons", n_samples=500, noise=0.1, hidden=[8, 8], learning_rate=0.03), 300, 0.97),
    "xor": (dict(dataset="xor", n_samples=600, noise=0.05, hidden=[8, 8], learning_rate=0.03), 200, 0.97),
    "spiral": (dict(dataset="spiral", n_samples=600, noise=0.03, hidden=[32, 32], learning_rate=0.02), 1000, 0.90),
    "spiral, 3 arms": (dict(dataset="spiral", n_samples=600, noise=0.03, n_classes=3, hidden=[32, 32],
                            learning_rate=0.02), 1000, 0.90),
    "gaussians, 4 blobs": (dict(dataset="gaussians", n_samples=400, noise=0.1, n_classes=4, hidden=[8],
                                learning_rate=0.03), 200, 0.90),
}


@pytest.mark.parametrize("name", list(CASES))
def test_reaches_held_out_accuracy(name):
    config, epochs, target = CASES[name]
    run = build_run({**COMMON, **config})
    first = run.trainer.evaluate(run.X_test, run.y_test)["accuracy"]
    last = run.trainer.run(epochs)[-1]
    assert last["test_accuracy"] >= target, f"{name}: test accuracy {last['test_accuracy']}"
    assert first < 0.8  # it had to learn it


def test_xor_is_linear_with_the_product_feature():
    """No hidden layer: x1*x2 alone makes XOR linearly separable, x1, x2 alone cannot."""
    base = dict(dataset="xor", n_samples=400, noise=0.0, test_fraction=0.5, hidden=[], optimizer="adam",
                learning_rate=0.1)
    with_product = build_run({**base, "features": ["x1", "x2", "x1*x2"]}).trainer.run(300)[-1]
    raw = build_run({**base, "features": ["x1", "x2"]}).trainer.run(300)[-1]
    assert with_product["test_accuracy"] >= 0.97
    assert raw["test_accuracy"] < 0.75


@pytest.mark.parametrize("dataset, hidden, epochs, target", [("plane", [], 200, 0.95), ("gaussian_mix", [16, 16], 1000, 0.75)])
def test_regression_reaches_held_out_r2(dataset, hidden, epochs, target):
    run = build_run(dict(dataset=dataset, n_samples=400, noise=0.05, test_fraction=0.5, hidden=hidden,
                         activation="tanh", optimizer="adam", learning_rate=0.01 if hidden else 0.05))
    last = run.trainer.run(epochs)[-1]
    assert last["test_r2"] >= target
