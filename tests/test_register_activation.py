"""Your own activation: register_activation's checks, check_activation, and a registered
function used like a built-in one (config, training, model files, the explain module)."""

import json

import numpy as np
import pytest

import py_mlp
from py_mlp import MLP, build_run, check_activation, explain, register_activation, serialization
from py_mlp.activations import ACTIVATIONS, BUILT_IN, HIDDEN_ACTIVATIONS, get_activation, registered_activations
from py_mlp.app.config import ConfigError
from py_mlp.gradient_check import TOLERANCE


def softplus(z):
    return np.logaddexp(0.0, z)


def softplus_grad(z, a):
    return 1.0 / (1.0 + np.exp(-z))


def swish(z):
    return z / (1.0 + np.exp(-z))


def swish_grad(z, a):
    return a + (1.0 - a) / (1.0 + np.exp(-z))


@pytest.fixture(autouse=True)
def clean_table():
    """Every test starts and ends with the built-ins only."""
    yield
    for name in registered_activations():
        py_mlp.unregister_activation(name)
    assert set(ACTIVATIONS) == BUILT_IN


def test_exported_from_the_package():
    assert py_mlp.register_activation is register_activation
    assert callable(py_mlp.unregister_activation) and py_mlp.check_activation is check_activation


def test_a_registered_activation_is_used_by_name():
    entry = register_activation("softplus", softplus, softplus_grad)
    assert get_activation("softplus") is entry and entry.registered and entry.elementwise
    assert registered_activations() == ["softplus"]
    model = MLP([2, 3, 1], activations=["softplus", "sigmoid"], seed=0)
    X = np.array([[0.5, -1.0]])
    np.testing.assert_allclose(model.forward(X), model.predict(X))
    z = X @ model.weights[0] + model.biases[0]
    expected = 1 / (1 + np.exp(-(softplus(z) @ model.weights[1] + model.biases[1])))
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-14)


@pytest.mark.parametrize("name, message", [
    (3, "must be a string"),
    ("", "is empty"),
    ("2fast", "start with a letter"),
    ("my-act", "only letters, digits and _"),
    ("lambda", "not a Python keyword"),
    ("x" * 41, "at most 40"),
    ("relu", "'relu' is a built-in activation and cannot be replaced; pick another name, such as 'my_relu'"),
    ("softmax", "built-in"),
])
def test_bad_names(name, message):
    with pytest.raises(ValueError, match=message):
        register_activation(name, softplus, softplus_grad)


def _raises(z):
    raise ZeroDivisionError("my message")


@pytest.mark.parametrize("fn, grad, error, message", [
    ("np.tanh", softplus_grad, TypeError, r"the activation f\(z\) must be a function, got str"),
    (softplus, None, TypeError, r"the derivative df\(z, a\) must be a function, got NoneType"),
    (_raises, softplus_grad, ValueError, r"f\(z\) raised ZeroDivisionError: my message"),
    (softplus, lambda z, a: _raises(z), ValueError, r"df\(z, a\) raised ZeroDivisionError: my message"),
    (softplus, lambda z: z, ValueError, r"df\(z, a\) raised TypeError: .*positional argument"),
    (lambda z: float(np.sum(z)), softplus_grad, ValueError, r"f\(z\) returned shape \(\) for an input of shape \(5, 5\)"),
    (softplus, lambda z, a: 1.0, ValueError, r"df\(z, a\) returned shape \(\).*np.ones_like\(z\)"),
    (lambda z: z.ravel(), softplus_grad, ValueError, r"returned shape \(25,\)"),
    (np.log, softplus_grad, ValueError, r"f\(z\) returned nan at z = -6; it must be finite for every z"),
    (softplus, lambda z, a: 1 / z, ValueError, r"df\(z, a\) returned inf at z = 0"),
    (lambda z: z.astype(complex), softplus_grad, ValueError, "must return real numbers"),
    (lambda z: np.array(["a"] * z.size).reshape(z.shape), softplus_grad, ValueError, "must return real numbers"),
    (lambda z: np.tanh(z, out=z), softplus_grad, ValueError, r"f\(z\) changed its input z in place"),
    (softplus, lambda z, a: np.multiply(a, 0, out=a), ValueError, r"df\(z, a\) changed its input"),
])
def test_bad_functions_each_give_their_message(fn, grad, error, message):
    with pytest.raises(error, match=message):
        register_activation("mine", fn, grad)
    assert "mine" not in ACTIVATIONS  # nothing half-registered


def test_registering_again_replaces_and_a_built_model_keeps_its_functions():
    register_activation("mine", np.tanh, lambda z, a: 1 - a * a)
    before = MLP([1, 1, 1], activations=["mine", "identity"], seed=0)
    register_activation("mine", softplus, softplus_grad)
    after = MLP([1, 1, 1], activations=["mine", "identity"], seed=0)
    assert get_activation("mine").fn is softplus and registered_activations() == ["mine"]
    X = np.array([[2.0]])
    w = before.weights[0][0, 0]
    np.testing.assert_allclose(before.predict(X)[0, 0], np.tanh(2 * w) * before.weights[1][0, 0])
    np.testing.assert_allclose(after.predict(X)[0, 0], softplus(2 * w) * after.weights[1][0, 0])


def test_unregister():
    register_activation("mine", softplus, softplus_grad)
    assert py_mlp.unregister_activation("mine") is True
    assert py_mlp.unregister_activation("mine") is False  # gone already: nothing to do
    with pytest.raises(ValueError, match="unknown activation 'mine'"):
        get_activation("mine")
    with pytest.raises(ValueError, match="'tanh' is a built-in activation and cannot be removed"):
        py_mlp.unregister_activation("tanh")


@pytest.mark.parametrize("name", HIDDEN_ACTIVATIONS)
def test_every_built_in_passes_the_check(name):
    result = check_activation(name)
    assert result["passed"] and result["error"] < TOLERANCE / 100 and result["network"]["passed"]
    assert result["corners"] == ([0.0] if "relu" in name else [])
    assert result["network"]["checked"] > 10


@pytest.mark.parametrize("fn, grad", [(softplus, softplus_grad), (swish, swish_grad)])
def test_a_right_derivative_passes(fn, grad):
    result = check_activation(fn, grad)
    assert result["passed"] and result["pointwise_passed"] and result["network"]["passed"]
    z = np.array(result["z"])
    assert len(z) == 201 and z[0] == -4 and z[-1] == 4
    np.testing.assert_allclose(result["f"], fn(z), rtol=1e-15)
    np.testing.assert_allclose(result["df"], grad(z, fn(z)), rtol=1e-15)
    np.testing.assert_allclose(result["numeric"], result["df"], rtol=1e-9)
    json.dumps(result, allow_nan=False)


def test_a_wrong_derivative_fails_and_says_where():
    # softplus's derivative with the sign of z flipped: right at 0 only, worst at the ends
    result = check_activation(softplus, lambda z, a: 1.0 / (1.0 + np.exp(z)))
    assert not result["passed"] and not result["pointwise_passed"] and not result["network"]["passed"]
    assert result["error"] > 0.9 and abs(result["worst_z"]) == 4.0
    errors = result["errors"]
    assert errors[100] < TOLERANCE  # z = 0, where the two agree
    json.dumps(result, allow_nan=False)


def test_a_slightly_wrong_derivative_fails_too():
    result = check_activation(np.tanh, lambda z, a: 1.001 * (1.0 - a * a))
    assert not result["passed"] and 1e-4 < result["error"] < 1e-3


def test_a_corner_is_skipped_not_failed():
    """A relu of your own: the numerical derivative at 0 (1/2) is no derivative at all."""
    result = check_activation(lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(float))
    assert result["passed"] and result["corners"] == [0.0] and result["errors"][100] is None
    wrong = check_activation(lambda z: np.maximum(z, 0.0), lambda z, a: (z < 0).astype(float))
    assert not wrong["passed"]


def test_check_options_and_bad_values():
    result = check_activation(np.tanh, lambda z, a: 1 - a * a, z_range=(-1, 2), n=7, network=False)
    assert result["z"] == [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0] and result["network"] is None and result["passed"]
    with pytest.raises(ValueError, match=r"f\(z\) returned nan at z = -1"):
        check_activation(np.log, lambda z, a: 1 / z, z_range=(-1, 1))
    with pytest.raises(ValueError, match="the highest z must be"):
        check_activation(np.tanh, lambda z, a: 1 - a * a, z_range=(1, 1))
    with pytest.raises(TypeError, match="z_range must be a pair"):
        check_activation(np.tanh, lambda z, a: 1 - a * a, z_range=4)
    with pytest.raises(ValueError, match="no elementwise derivative"):
        check_activation("softmax")
    with pytest.raises(ValueError, match="unknown activation"):
        check_activation("nonesuch")


def test_network_check_reports_an_exception_from_the_users_code():
    def picky(z):
        if z.shape[0] == 16:  # the network's batch, not the pointwise probe
            raise RuntimeError("not this shape")
        return np.tanh(z)

    with pytest.raises(ValueError, match="the network check stopped: f or df raised RuntimeError: not this shape"):
        check_activation(picky, lambda z, a: 1 - a * a)


@pytest.mark.parametrize("name, fn, grad", [("softplus", softplus, softplus_grad), ("swish", swish, swish_grad)])
def test_a_registered_activation_trains_the_two_circles(name, fn, grad):
    register_activation(name, fn, grad)
    run = build_run({"dataset": "circles", "n_samples": 200, "hidden": [8, 8], "activation": name,
                     "optimizer": "adam", "learning_rate": 0.03, "seed": 0})
    assert run.model.activations == [name, name, "sigmoid"]
    records = run.trainer.run(150)
    assert records[-1]["accuracy"] >= 0.95
    assert records[-1]["loss"] < records[0]["loss"] / 5


def test_config_and_model_files_name_a_registered_activation():
    with pytest.raises(ConfigError, match="unknown activation 'softplus'"):
        build_run({"activation": "softplus", "n_samples": 50})
    register_activation("softplus", softplus, softplus_grad)
    run = build_run({"activation": ["softplus", "tanh"], "n_samples": 50})
    text = serialization.to_json(run.model)
    model, _, _ = serialization.from_json(text)
    assert model.activations == ["softplus", "tanh", "sigmoid"]
    X = run.X_train[:5]
    np.testing.assert_array_equal(model.predict(X), run.model.predict(X))
    py_mlp.unregister_activation("softplus")
    with pytest.raises(ValueError, match=r"the model uses the activation 'softplus', which is not built in or "
                                         r"registered here .* py_mlp.register_activation\('softplus', f, df\)"):
        serialization.from_json(text)


def test_output_bound_covers_a_registered_activation():
    """Softplus is not bounded by its input (softplus(0) = log 2): the bound samples it."""
    register_activation("softplus", softplus, softplus_grad)
    model = MLP([2, 6, 6, 1], activations=["softplus", "softplus", "identity"], seed=1)
    bound = model.output_bound(np.array([3.0, 3.0]))
    X = np.random.default_rng(0).uniform(-3, 3, size=(2000, 2))
    model.forward(X)
    _, zs, outs = model._cache
    assert max(np.abs(v).max() for v in [*zs, *outs]) <= bound
    register_activation("exp", np.exp, lambda z, a: a)
    steep = MLP([2, 4, 1], activations=["exp", "identity"], seed=0)
    steep.weights[0][...] = 400.0
    assert steep.output_bound(np.array([1.0, 1.0])) == np.inf  # exp(800) overflows


def test_training_with_an_exploding_registered_activation_stops_cleanly():
    register_activation("exp", np.exp, lambda z, a: a)
    run = build_run({"dataset": "circles", "n_samples": 50, "hidden": [4], "activation": "exp",
                     "learning_rate": 50.0, "seed": 0})
    with pytest.raises(py_mlp.TrainingDiverged, match="Lower the learning rate"):
        run.trainer.run(200)
    assert all(np.all(np.isfinite(p)) for p in run.model.params)


def test_explain_with_a_registered_activation():
    register_activation("swish", swish, swish_grad)
    model = MLP([2, 4, 3, 3], activations=["swish", "swish", "softmax"], seed=2)
    for b in model.biases:
        b[...] = 0.2
    d = explain.derivative(model, [0.3, -0.8], 2, 1, 2, 1)
    v = d["values"]
    assert v["matrix"] == pytest.approx(v["chain_rule"], rel=1e-12)
    assert v["path_sum"] == pytest.approx(v["chain_rule"], rel=1e-12)
    assert d["relative_differences"]["finite_difference"] < 1e-7
