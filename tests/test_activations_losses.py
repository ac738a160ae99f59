"""The activation and loss tables: values, derivatives, and numerical safety at the extremes."""

import warnings

import numpy as np
import pytest

from py_mlp.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, get_activation
from py_mlp.app.config import build_run
from py_mlp.losses import FOR_PROBLEM, LOSSES, PROBLEMS, allows_output, get_loss, natural_loss

Z = np.linspace(-4, 4, 81).reshape(9, 9) + 0.013  # no exact zeros: relu has a kink there


def test_table_holds_the_issue_list():
    assert set(ACTIVATIONS) == {"identity", "relu", "leaky_relu", "tanh", "sigmoid", "softmax"}
    assert set(HIDDEN_ACTIVATIONS) == set(ACTIVATIONS) - {"softmax"}
    assert set(LOSSES) == {"binary_cross_entropy", "softmax_cross_entropy", "mean_squared_error"}


@pytest.mark.parametrize("name", HIDDEN_ACTIVATIONS)
def test_derivatives_match_central_differences(name):
    act = get_activation(name)
    h = 1e-6
    numeric = (act.fn(Z + h) - act.fn(Z - h)) / (2 * h)
    np.testing.assert_allclose(act.grad(Z, act.fn(Z)), numeric, rtol=1e-7, atol=1e-9)


def test_known_values():
    z = np.array([[-2.0, 0.5]])
    np.testing.assert_array_equal(get_activation("relu").fn(z), [[0.0, 0.5]])
    np.testing.assert_array_equal(get_activation("leaky_relu").fn(z), [[-0.02, 0.5]])
    np.testing.assert_allclose(get_activation("sigmoid").fn(z), 1 / (1 + np.exp(-z)), rtol=1e-15)
    s = get_activation("softmax").fn(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(s[0], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum(), rtol=1e-15)


def test_sigmoid_and_softmax_never_overflow():
    big = np.array([[-1e300, -800.0, 0.0, 800.0, 1e300]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning would fail the test
        s = get_activation("sigmoid").fn(big)
        p = get_activation("softmax").fn(big)
    assert np.all(np.isfinite(s)) and s[0, 0] < 1e-200 and s[0, -1] == 1.0
    assert np.all(np.isfinite(p)) and p.sum() == pytest.approx(1.0)


def test_softmax_has_no_elementwise_derivative():
    with pytest.raises(ValueError, match="softmax_cross_entropy"):
        get_activation("softmax").grad(Z, Z)


def test_loss_values_against_their_formulas():
    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 0.95, size=(7, 1))
    y = rng.integers(0, 2, size=(7, 1)).astype(float)
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert get_loss("bce").value(p, y) == pytest.approx(bce, rel=1e-14)
    q = rng.dirichlet(np.ones(3), size=7)
    onehot = np.eye(3)[rng.integers(0, 3, size=7)]
    ce = -np.mean(np.log(q[onehot == 1]))
    assert get_loss("ce").value(q, onehot) == pytest.approx(ce, rel=1e-14)
    r, t = rng.normal(size=(7, 2)), rng.normal(size=(7, 2))
    assert get_loss("mse").value(r, t) == pytest.approx(0.5 * np.mean(np.sum((r - t) ** 2, axis=1)), rel=1e-14)


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_gradients_match_central_differences(name):
    loss = get_loss(name)
    rng = np.random.default_rng(1)
    if name == "softmax_cross_entropy":
        yhat, y = rng.dirichlet(np.ones(3), size=5), np.eye(3)[rng.integers(0, 3, 5)]
    elif name == "binary_cross_entropy":
        yhat, y = rng.uniform(0.1, 0.9, size=(5, 1)), rng.integers(0, 2, size=(5, 1)).astype(float)
    else:
        yhat, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    grad = loss.grad(yhat, y)
    h = 1e-6
    for idx in np.ndindex(yhat.shape):
        up, down = yhat.copy(), yhat.copy()
        up[idx] += h
        down[idx] -= h
        numeric = (loss.value(up, y) - loss.value(down, y)) / (2 * h)
        assert grad[idx] == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_cross_entropy_is_finite_at_certain_wrong_answers():
    y = np.array([[1.0], [0.0]])
    certain_wrong = np.array([[0.0], [1.0]])
    assert np.isfinite(get_loss("bce").value(certain_wrong, y))
    assert np.all(np.isfinite(get_loss("bce").grad(certain_wrong, y)))
    assert np.isfinite(get_loss("ce").value(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]])))


def test_clipping_only_where_a_log_needs_it():
    """Away from 0 and 1 the clip changes nothing: the value is the unclipped formula."""
    p = np.array([[1e-9], [0.5], [1 - 1e-9]])
    y = np.array([[1.0], [0.0], [0.0]])
    exact = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert get_loss("bce").value(p, y) == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize("name, output", [
    ("binary_cross_entropy", "sigmoid"), ("softmax_cross_entropy", "softmax"), ("mean_squared_error", "identity"),
])
def test_paired_output_delta_is_the_chain_rule(name, output):
    """(yhat - y) / n equals dL/dyhat * dyhat/dz for the loss's natural output."""
    loss, act = get_loss(name), get_activation(output)
    rng = np.random.default_rng(2)
    z = rng.normal(size=(4, 3 if output == "softmax" else 1))
    yhat = act.fn(z)
    y = np.eye(3)[[0, 2, 1, 1]] if output == "softmax" else rng.integers(0, 2, size=(4, 1)).astype(float)
    assert loss.output_activation == output
    h = 1e-6
    numeric = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        up, down = z.copy(), z.copy()
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (loss.value(act.fn(up), y) - loss.value(act.fn(down), y)) / (2 * h)
    np.testing.assert_allclose(loss.output_delta(yhat, y), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("problem", PROBLEMS)
def test_each_problem_builds_its_losss_natural_output(problem):
    """The one pairing table decides the output layer build_run makes for each problem."""
    loss = FOR_PROBLEM[problem]
    output = get_activation(loss.output_activation)
    assert loss.task == problem and allows_output(loss, output.name, output.elementwise)
    assert natural_loss(output.name) is loss
    dataset = {"binary": "circles", "multiclass": "spiral", "regression": "plane"}[problem]
    run = build_run({"dataset": dataset, "n_classes": 3 if problem == "multiclass" else 2, "n_samples": 30})
    assert run.config["problem"] == problem and run.config["loss"] == loss.name
    assert run.model.activations[-1] == loss.output_activation
