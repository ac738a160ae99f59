"""py_mlp.teaching.explain: one sample's derivative four ways (chain rule, matrix form, finite
difference, path sum) agree for random small networks, activations, losses and parameters."""

import json
import math

import numpy as np
import pytest

from py_mlp import MLP, Trainer, explain
from py_mlp.activations import HIDDEN_ACTIVATIONS

# (output activation, loss, outputs, target kind): every loss, paired and unpaired
SETUPS = {
    "sigmoid+bce": ("sigmoid", "binary_cross_entropy", 1, "binary"),
    "softmax+ce": ("softmax", "softmax_cross_entropy", 3, "multiclass"),
    "identity+mse": ("identity", "mean_squared_error", 2, "regression"),
    "sigmoid+ce (unpaired)": ("sigmoid", "softmax_cross_entropy", 3, "multiclass"),
    "tanh+mse (unpaired)": ("tanh", "mean_squared_error", 1, "regression"),
}
SHAPES = ([2, 3, 4], [3, 4, 3, 2])  # input and hidden widths; the output width follows the setup
REGULARISATION = {"none": (0.0, 0.0), "l1+l2": (0.01, 0.03)}
ANALYTIC = 1e-12  # chain rule, matrix form and path sum: the same products, summed in other orders
FD_RELATIVE = 1e-7


def _network(hidden_act, setup, widths, seed):
    """A random network (biases random too, so no pre-activation sits at 0) and one sample."""
    output, loss, n_out, kind = SETUPS[setup]
    rng = np.random.default_rng(seed)
    model = MLP([*widths, n_out], activations=[hidden_act] * (len(widths) - 1) + [output], seed=seed)
    for b in model.biases:
        b[...] = rng.normal(scale=0.3, size=b.shape)
    x = rng.normal(size=widths[0])
    if kind == "binary":
        y = int(rng.integers(0, 2))
    elif kind == "multiclass":
        y = int(rng.integers(0, n_out))
    else:
        y = np.tanh(rng.normal(size=n_out))  # reachable by a tanh output
    return model, loss, x, y


def _parameters(model, rng, n=6):
    """Some weights and biases of every layer: (layer, i, j or None for the bias)."""
    chosen = []
    for k in range(1, len(model.weights) + 1):
        fan_in, fan_out = model.weights[k - 1].shape
        for _ in range(n // 2):
            chosen.append((k, int(rng.integers(fan_out)), int(rng.integers(fan_in))))
        chosen.append((k, int(rng.integers(fan_out)), None))
    return chosen


def _fd_agrees(fd, exact):
    """Relative 1e-7, or, for a derivative too small for any difference of losses to
    resolve, an absolute error within 100 times the difference's rounding (``resolution``)."""
    return abs(fd["value"] - exact) <= FD_RELATIVE * abs(exact) + 100 * fd["resolution"]


@pytest.mark.parametrize("reg", list(REGULARISATION))
@pytest.mark.parametrize("setup", list(SETUPS))
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_four_ways_agree(hidden, setup, reg):
    l1, l2 = REGULARISATION[reg]
    rng = np.random.default_rng(7)
    compared = kinks = 0
    for s, widths in enumerate(SHAPES):
        model, loss, x, y = _network(hidden, setup, widths, seed=s)
        for layer, i, j in _parameters(model, rng):
            d = explain.derivative(model, x, y, layer, i, j, loss=loss, l1=l1, l2=l2)
            v = d["values"]
            assert v["matrix"] == pytest.approx(v["chain_rule"], rel=ANALYTIC, abs=1e-300)
            assert v["path_sum"] == pytest.approx(v["matrix"], rel=ANALYTIC, abs=1e-15)
            if d["finite_difference"]["kink"]:  # a relu input or an L1 weight at a corner: no derivative
                kinks += 1
                continue
            assert _fd_agrees(d["finite_difference"], v["matrix"]), (layer, i, j, v)
            compared += 1
    assert compared > 3 * kinks  # the skips are the exception


def test_finite_difference_agrees_relatively_for_derivatives_of_ordinary_size():
    """The floor above is not what makes them agree: derivatives above 1e-4 meet 1e-7 relative."""
    rng = np.random.default_rng(3)
    sizes = 0
    for setup in SETUPS:
        model, loss, x, y = _network("tanh", setup, [3, 4, 3], seed=5)
        for layer, i, j in _parameters(model, rng):
            d = explain.derivative(model, x, y, layer, i, j, loss=loss)
            exact = d["values"]["matrix"]
            if abs(exact) > 1e-4:
                assert d["relative_differences"]["finite_difference"] < FD_RELATIVE
                sizes += 1
    assert sizes > 20


def test_terms_of_the_sum_reproduce_dL_dz():
    model, loss, x, y = _network("tanh", "softmax+ce", [3, 4, 5, 3], seed=2)
    dbs = explain.trace(model, x, y)["layers"]
    for layer in (1, 2):
        for i in range(model.sizes[layer]):
            t = explain.weight_terms(model, x, y, layer, i, 0)
            assert [term["m"] for term in t["terms"]] == list(range(model.sizes[layer + 1]))
            for term in t["terms"]:
                assert term["product"] == term["dL_dz_m"] * term["w_mi"]
                assert term["w_mi"] == model.weights[layer][i, term["m"]]
                assert term["dL_dz_m"] == pytest.approx(dbs[layer]["dL_dz"][term["m"]], rel=1e-15)
            dz = t["df_dz_i"] * math.fsum(term["product"] for term in t["terms"])
            matrix = explain.matrix_form(model, x, y, layer, i)["value"]  # db_i = dL/dz_i
            assert t["dL_dz_i"] == pytest.approx(dz, rel=1e-15)
            assert dz == pytest.approx(matrix, rel=ANALYTIC)
            assert t["dL_dw"] == pytest.approx(t["dL_dz_i"] * x[0] if layer == 1 else t["dL_dz_i"] * t["a_j"])


def test_output_layer_rules():
    """Paired: dL/dz = a - y (the fused shortcut); unpaired: dL/da * f'(z); no sum at the output."""
    model, loss, x, y = _network("tanh", "softmax+ce", [2, 3], seed=1)
    t = explain.weight_terms(model, x, y, 2, 1, 0)
    assert t["output"] and t["rule"] == "fused" and t["terms"] == [] and t["df_dz_i"] is None
    assert t["dL_dz_i"] == pytest.approx(t["a_i"] - t["y_i"], rel=1e-15)
    model, loss, x, y = _network("tanh", "tanh+mse (unpaired)", [2, 3], seed=1)
    t = explain.weight_terms(model, x, y, 2, 0, None, loss=loss)
    assert t["rule"] == "output" and t["param"] == "b" and t["a_j"] is None
    assert t["dL_da_i"] == pytest.approx(t["a_i"] - y[0], rel=1e-15)  # mse for one sample: a - y
    assert t["dL_dz_i"] == pytest.approx(t["dL_da_i"] * (1 - t["a_i"] ** 2), rel=1e-15)
    assert t["dL_dw"] == t["dL_dz_i"]  # a bias: dL/db_i = dL/dz_i


def test_trace_matches_the_model_and_its_backward_pass():
    model, loss, x, y = _network("sigmoid", "softmax+ce", [2, 4, 3], seed=4)
    tr = explain.trace(model, x, y)
    model.forward(x.reshape(1, -1))
    _, zs, outs = model._cache
    onehot = np.eye(3)[y]
    dWs, dbs = model.backward(outs[-1] - onehot, out_is_dz=True)
    assert tr["loss"] == "softmax_cross_entropy" and tr["paired"]
    assert tr["value"] == pytest.approx(-math.log(outs[-1][0, y]), rel=1e-15)
    assert tr["y"] == onehot.tolist()
    for k, layer in enumerate(tr["layers"]):
        assert layer["layer"] == k + 1
        np.testing.assert_array_equal(layer["z"], zs[k][0])
        np.testing.assert_array_equal(layer["a"], outs[k][0])
        np.testing.assert_allclose(layer["dL_dz"], dbs[k], rtol=1e-14)
        if k < len(tr["layers"]) - 1:
            np.testing.assert_allclose(layer["dL_da"], model.weights[k + 1] @ dbs[k + 1], rtol=1e-14)
            np.testing.assert_allclose(layer["df_dz"], outs[k][0] * (1 - outs[k][0]), rtol=1e-15)
    out = tr["layers"][-1]
    assert out["df_dz"] is None
    # The output's dL/dz is the fused a - y, which equals the softmax Jacobian applied to dL/da.
    np.testing.assert_allclose(out["dL_dz"], outs[-1][0] - onehot, rtol=1e-15)
    np.testing.assert_allclose(np.array(out["jacobian"]).T @ out["dL_da"], out["dL_dz"], rtol=1e-12, atol=1e-16)


def test_nothing_is_disturbed():
    """Parameters, and a forward pass waiting for its backward pass, are as they were."""
    model, loss, x, y = _network("relu", "sigmoid+bce", [2, 5, 3], seed=0)
    X = np.random.default_rng(0).normal(size=(7, 2))
    before = model.copy_params()
    out = model.forward(X)
    expected = model.backward(out - 1.0, out_is_dz=True)
    explain.explain(model, x, y, 1, 2, 1, l2=0.1)
    got = model.backward(out - 1.0, out_is_dz=True)
    for a, b in zip([*expected[0], *expected[1]], [*got[0], *got[1]]):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(before, model.params):
        np.testing.assert_array_equal(a, b)


def test_a_trainer_gives_its_loss_and_penalty():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    y = rng.integers(0, 3, size=20)
    model = MLP([2, 4, 3], activations=["tanh", "softmax"], seed=0)
    trainer = Trainer(model, X, y, loss="softmax_cross_entropy", l2=0.2)
    via_trainer = explain.derivative(trainer, trainer.X[5], trainer.y[5], 1, 3, 0)
    via_model = explain.derivative(model, X[5], y[5], 1, 3, 0, loss="ce", l2=0.2)
    assert via_trainer["values"] == via_model["values"]
    assert via_trainer["chain_rule"]["penalty_term"] == pytest.approx(0.2 * model.weights[0][0, 3], rel=1e-15)
    assert explain.trace(trainer, trainer.X[5], trainer.y[5])["penalty"] == pytest.approx(trainer.penalty())


def test_regularised_weight_has_a_penalty_path_and_a_bias_has_none():
    model, loss, x, y = _network("tanh", "sigmoid+bce", [2, 3, 2], seed=3)
    w = model.weights[1][1, 0]
    d = explain.derivative(model, x, y, 2, 0, 1, l1=0.05, l2=0.1)
    assert d["chain_rule"]["penalty_term"] == pytest.approx(0.1 * w + 0.05 * np.sign(w), rel=1e-15)
    ps = d["path_sum"]
    assert ps["penalty_path"] and ps["paths"] == 1 + 1  # through the output neuron, and the penalty
    assert ps["top"][-1]["penalty"] and ps["top"][-1]["value"] == d["chain_rule"]["penalty_term"]
    bias = explain.derivative(model, x, y, 2, 0, None, l1=0.05, l2=0.1)
    assert bias["chain_rule"]["penalty_term"] == 0.0 and not bias["path_sum"]["penalty_path"]
    assert bias["path_sum"]["paths"] == 1


@pytest.mark.parametrize("setup", ["softmax+ce", "identity+mse"])
def test_every_path_is_listed_once_and_their_products_sum_to_the_derivative(setup):
    model, loss, x, y = _network("leaky_relu", setup, [2, 3, 2, 4], seed=6)
    softmax = setup == "softmax+ce"
    n_out = model.sizes[-1]
    ps = explain.path_sum(model, x, y, 1, 2, 1, top=10**6)
    assert ps["paths"] == 2 * 4 * n_out * (n_out if softmax else 1) == len(ps["top"])
    routes = {(tuple(p["neurons"]), p["output"]) for p in ps["top"]}
    assert len(routes) == ps["paths"]
    for p in ps["top"]:
        assert p["neurons"][0] == 2 and len(p["neurons"]) == 4  # one neuron in each of layers 1 .. 4
        assert p["value"] == pytest.approx(math.prod(p["factors"]), rel=1e-14, abs=1e-300)
        assert len(p["factors"]) == 1 + 2 * 3 + 2
        assert p["factors"][0] == x[1]  # dz_i/dw = a_j, the input for layer 1
        w_path = [model.weights[n][p["neurons"][n - 1], p["neurons"][n]] for n in (1, 2, 3)]
        assert p["factors"][2:7:2] == w_path
        if not softmax:
            assert p["output"] == p["neurons"][-1]
    assert math.fsum(p["value"] for p in ps["top"]) == pytest.approx(ps["value"], rel=1e-15, abs=1e-300)
    assert ps["sum_abs"] >= abs(ps["value"])
    sizes = [abs(p["value"]) for p in ps["top"]]
    assert sizes == sorted(sizes, reverse=True)


def test_count_paths():
    assert explain.count_paths([2, 3, 4, 5], 3) == 1
    assert explain.count_paths([2, 3, 4, 5], 1) == 20
    assert explain.count_paths([2, 3, 4, 5], 1, softmax=True, penalty=True) == 101
    assert explain.count_paths([2] + [4096] * 63 + [1], 1) == 4096**62  # exact, however large


def test_too_many_paths():
    rng = np.random.default_rng(0)
    model = MLP([2, 8, 50, 50, 50, 1], activations="tanh", seed=0)
    x, y = rng.normal(size=2), 1
    d = explain.derivative(model, x, y, 1, 0, 0)  # 50 * 50 * 50 = 125,000 paths
    ps = d["path_sum"]
    assert ps["too_many"] and ps["paths"] == 125_000 and ps["max_paths"] == explain.MAX_PATHS
    assert ps["value"] is None and ps["top"] == []
    assert d["values"]["path_sum"] is None and d["relative_differences"]["path_sum"] is None
    assert any("125,000 paths" in note for note in d["warnings"])
    assert d["relative_differences"]["matrix"] < ANALYTIC  # the other three still there
    # One layer nearer the output there are 2,500 paths: summed.
    near = explain.path_sum(model, x, y, 2, 0, 0)
    assert not near["too_many"] and near["paths"] == 2500
    assert near["value"] == pytest.approx(explain.matrix_form(model, x, y, 2, 0, 0)["value"], rel=ANALYTIC)
    # The limit is inclusive.
    assert not explain.path_sum(model, x, y, 2, 0, 0, max_paths=2500)["too_many"]
    assert explain.path_sum(model, x, y, 2, 0, 0, max_paths=2499)["too_many"]


def test_results_are_plain_json():
    model, loss, x, y = _network("relu", "softmax+ce", [2, 4, 3], seed=0)
    result = explain.explain(model, x, y, 1, 1, 0, l1=0.01)
    text = json.dumps(result, allow_nan=False)  # raises on NaN, infinity or a numpy value
    assert json.loads(text) == result


def test_saturated_output_is_flagged_and_stays_json():
    model = MLP([2, 3, 1], activations=["tanh", "sigmoid"], seed=0)
    model.weights[1][...] = 0.0
    model.biases[1][...] = 50.0  # z = 50: sigmoid gives exactly 1.0
    result = explain.explain(model, [0.5, 0.5], 0, 2, 0, 0)
    assert result["trace"]["layers"][-1]["a"] == [1.0]
    assert any("clipped" in note for note in result["derivative"]["warnings"])
    json.dumps(result, allow_nan=False)


def test_relu_corner_is_flagged():
    model = MLP([1, 1, 1], activations=["relu", "identity"], seed=0)
    model.weights[0][...] = 1.0
    model.biases[0][...] = -0.5  # z = x - 0.5 = 0 for x = 0.5: relu's corner
    fd = explain.finite_difference(model, [0.5], 1.0, 1, 0, 0)
    assert fd["kink"]
    d = explain.derivative(model, [0.5], 1.0, 1, 0, 0)
    assert any("corner" in note for note in d["warnings"])
    assert not explain.finite_difference(model, [2.0], 1.0, 1, 0, 0)["kink"]


@pytest.mark.parametrize("call, message", [
    (lambda m: explain.derivative(m, [0.1, 0.2], 1, 0, 0, 0), "layer must be a whole number between 1 and 2"),
    (lambda m: explain.derivative(m, [0.1, 0.2], 1, 3, 0, 0), "layer must be"),
    (lambda m: explain.derivative(m, [0.1, 0.2], 1, 1, 3, 0), r"neuron i \(of layer 1\) must be .* between 0 and 2"),
    (lambda m: explain.derivative(m, [0.1, 0.2], 1, 2, 0, 3), r"j \(the neuron of layer 1 .* between 0 and 2"),
    (lambda m: explain.derivative(m, [0.1, 0.2], 1, 1, 0, 2), r"j \(the input"),
    (lambda m: explain.derivative(m, [0.1, 0.2], 1, 1.5, 0, 0), "layer must be a whole number"),
    (lambda m: explain.trace(m, [0.1, 0.2, 0.3], 1), r"X must have shape \(n_samples, 2\)"),
    (lambda m: explain.trace(m, [[0.1, 0.2], [0.3, 0.4]], 1), "x must be one sample"),
    (lambda m: explain.trace(m, [0.1, 0.2], [[1], [0]]), "y must be the target of one sample"),
    (lambda m: explain.trace(m, [0.1, np.nan], 1), "NaN"),
    (lambda m: explain.derivative(m, [0.1, 0.2], 1, 1, 0, 0, h=0), "the step h"),
    (lambda m: explain.path_sum(m, [0.1, 0.2], 1, 1, 0, 0, max_paths=0), "max_paths"),
])
def test_bad_arguments_say_what_to_do(call, message):
    model = MLP([2, 3, 1], activations=["tanh", "sigmoid"], seed=0)
    with pytest.raises((TypeError, ValueError), match=message):
        call(model)


def test_an_output_without_a_natural_loss_needs_one():
    model = MLP([2, 3, 1], activations=["tanh", "tanh"], seed=0)
    with pytest.raises(ValueError, match="say which loss"):
        explain.trace(model, [0.1, 0.2], 0.5)
    assert explain.trace(model, [0.1, 0.2], 0.5, loss="mse")["loss"] == "mean_squared_error"


def test_relative_difference():
    assert explain.relative_difference(0.0, 0.0) == 0.0
    assert explain.relative_difference(1.0, 1.1) == pytest.approx(0.1 / 1.1)
    assert explain.relative_difference(None, 1.0) is None
    assert explain.relative_difference(math.inf, 1.0) is None
