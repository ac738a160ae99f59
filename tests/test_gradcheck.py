"""Backprop against finite differences for every activation x loss x regularisation pairing."""

import numpy as np
import pytest

from py_mlp import MLP, Trainer, gradcheck, make_optimizer, settings
from py_mlp.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, Activation
from py_mlp.gradient_check import TOLERANCE

TOL = 1e-6
REGULARISATION = {"none": (0.0, 0.0), "l1": (0.01, 0.0), "l2": (0.0, 0.02), "l1+l2": (0.01, 0.02)}


def _data(n=16, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return X, rng


def _targets(loss, X, rng):
    if loss == "binary_cross_entropy":
        return (X[:, 0] * X[:, 1] > 0).astype(float), 1
    if loss == "softmax_cross_entropy":
        return rng.integers(0, 3, size=len(X)), 3
    return np.column_stack([X[:, 0] - X[:, 1], 0.5 * X[:, 0]]), 2


PAIRED_OUTPUT = {
    "binary_cross_entropy": "sigmoid",
    "softmax_cross_entropy": "softmax",
    "mean_squared_error": "identity",
}


@pytest.mark.parametrize("reg", list(REGULARISATION))
@pytest.mark.parametrize("loss", list(PAIRED_OUTPUT))
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_paired_output_gradients_match_finite_differences(hidden, loss, reg):
    X, rng = _data()
    y, n_out = _targets(loss, X, rng)
    l1, l2 = REGULARISATION[reg]
    model = MLP([2, 5, 4, n_out], activations=hidden, output_activation=PAIRED_OUTPUT[loss], seed=1)
    assert gradcheck(model, X, y, loss=loss, l1=l1, l2=l2) < TOL


@pytest.mark.parametrize("output, loss", [
    ("tanh", "mean_squared_error"),
    ("sigmoid", "mean_squared_error"),
    ("leaky_relu", "mean_squared_error"),
    ("sigmoid", "softmax_cross_entropy"),
])
@pytest.mark.parametrize("reg", ["none", "l1+l2"])
def test_generic_backward_path_matches_finite_differences(output, loss, reg):
    """Outputs not paired with their loss go through dL/dyhat * f'(z), not the shortcut."""
    X, rng = _data(seed=3)
    y, n_out = _targets(loss, X, rng)
    if loss == "mean_squared_error":
        y = np.tanh(y)  # reachable by a tanh or sigmoid-shaped output
    l1, l2 = REGULARISATION[reg]
    model = MLP([2, 6, n_out], activations="tanh", output_activation=output, seed=2)
    trainer = Trainer(model, X, y, loss=loss, l1=l1, l2=l2)
    assert not trainer._paired
    assert gradcheck(trainer) < TOL


def test_generic_path_agrees_with_the_paired_shortcut():
    """Sigmoid + BCE through the generic path (dL/dyhat * s(1-s)) equals the shortcut yhat - y."""
    X, rng = _data(seed=4)
    y = (X[:, 0] > 0).astype(float)
    model = MLP([2, 4, 1], activations="tanh", output_activation="sigmoid", seed=0)
    trainer = Trainer(model, X, y)
    _, _, shortcut = trainer.gradients(trainer.X, trainer.y)
    trainer._paired = False
    _, _, generic = trainer.gradients(trainer.X, trainer.y)
    for a, b in zip(shortcut, generic):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-15)


def test_gradcheck_detects_a_wrong_derivative(monkeypatch):
    """The check can fail: a tanh whose derivative is off by 10% is caught."""
    X, rng = _data()
    y = (X[:, 0] > 0).astype(float)
    wrong = Activation("tanh", np.tanh, lambda z, a: 1.1 * (1.0 - a * a))
    monkeypatch.setitem(ACTIVATIONS, "tanh", wrong)
    model = MLP([2, 4, 1], activations="tanh", output_activation="sigmoid", seed=0)
    assert gradcheck(model, X, y) > 1e-3


def test_gradcheck_uses_the_trainer_regularisation():
    X, rng = _data()
    y = (X[:, 0] > 0).astype(float)
    model = MLP([2, 4, 1], activations="tanh", seed=0)
    trainer = Trainer(model, X, y, l2=0.5)
    assert gradcheck(trainer) < TOL
    # Dropping the L2 term from the gradient must show up as a large error.
    trainer.l2 = 0.0
    _, _, grads = trainer.gradients(trainer.X, trainer.y)
    trainer.l2 = 0.5
    trainer.gradients = lambda X, y: (None, None, grads)
    assert gradcheck(trainer) > 1e-3


# The page's presets as build_run configurations, with the page's defaults (1,000
# points, 20 % held out, full batch). The page checks the first 64 training samples.
PRESETS = list(settings.PRESETS)


def _page_run(preset):
    from py_mlp import build_run
    from py_mlp.training import TrainingDiverged

    page = settings.page_config(preset)
    epochs = page["epochs"]
    run = build_run(settings.run_config(page))
    yield "before training", run
    try:
        run.trainer.run(epochs)
    except TrainingDiverged:
        pass  # the last finite model is kept, and that is what the page checks
    yield "after training", run


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_passes_before_and_after_training(preset):
    for when, run in _page_run(preset):
        t = run.trainer
        assert gradcheck(t, t.X[:64], t.y[:64]) < TOLERANCE, f"{preset}, {when}"


def test_tiny_gradients_are_no_false_alarm_but_a_wrong_derivative_still_is(monkeypatch):
    """The vanishing preset after training: first-layer gradients near 1e-7, which relative
    error alone scores at about 1e-5 (the false alarm); a sigmoid derivative 1 % off is
    still caught there."""
    *_, (_, run) = _page_run("vanishing")
    t = run.trainer
    X, y = t.X[:64], t.y[:64]
    _, _, grads = t.gradients(X, y)
    assert np.abs(grads[0]).max() < 1e-5  # the lesson's tiny gradients are really there
    assert gradcheck(t, X, y) < TOLERANCE / 10
    sigmoid = ACTIVATIONS["sigmoid"]
    wrong = Activation("sigmoid", sigmoid.fn, lambda z, a: 1.01 * a * (1 - a))
    monkeypatch.setattr(t.model, "_fns", [wrong] * 6 + t.model._fns[6:])  # the hidden layers only
    assert gradcheck(t, X, y) > 100 * TOLERANCE


@pytest.mark.parametrize("loss", list(PAIRED_OUTPUT))
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_every_activation_and_loss_passes_after_training(hidden, loss):
    X, rng = _data(n=64, seed=5)
    y, n_out = _targets(loss, X, rng)
    model = MLP([2, 6, 5, n_out], activations=hidden, output_activation=PAIRED_OUTPUT[loss], seed=3)
    trainer = Trainer(model, X, y, loss=loss, optimizer=make_optimizer("adam", lr=0.01))
    trainer.run(300)
    assert gradcheck(trainer) < TOLERANCE
