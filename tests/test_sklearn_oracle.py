"""scikit-learn's MLPClassifier / MLPRegressor as the oracle for training, epoch by epoch.

Both start from our initial weights: a subclass's ``_init_coef`` hands sklearn our arrays
layer by layer (sklearn calls it once per layer from ``_initialize``), so no private state
has to be patched after the fact. sklearn then runs with a constant learning rate, no
early stopping (tol 0 and more patience than epochs), shuffle=False.

Mapping: sklearn's L2 term is ``alpha / (2 n) * sum W^2`` with gradient ``alpha W / n``
(n = samples in the batch), ours is ``l2 / 2 * sum W^2``, so ``l2 = alpha / n`` (full batch).

Tolerance: SGD, momentum and Nesterov use the same update formulas in the same order, so
the only differences are the summation order inside ``a^T dz`` and where the ``1/n``
is applied (~1e-16 relative per epoch); 1e-9 over 60 epochs leaves orders of magnitude of
room. Adam is held to the same 1e-9: its update is also the same formula, but it divides
by ``sqrt(v) + eps``, which for parameters whose gradient is near zero could amplify
rounding differences, so it is the one case where a failure would first point at
conditioning rather than at a bug. Measured here: all agree to about 1e-15.
"""

import warnings

import numpy as np
import pytest

sklearn_nn = pytest.importorskip("sklearn.neural_network")

from py_mlp import MLP, Trainer, datasets, make_optimizer  # noqa: E402

EPOCHS = 60
TOL = 1e-9
SK_ACTIVATION = {"tanh": "tanh", "relu": "relu", "sigmoid": "logistic", "identity": "identity"}
OUTPUT = {"binary_cross_entropy": "sigmoid", "softmax_cross_entropy": "softmax", "mean_squared_error": "identity"}


def _preset(estimator_class, model):
    """An sklearn estimator class whose initial weights are ``model``'s."""

    class Preset(estimator_class):
        def _init_coef(self, fan_in, fan_out, dtype):
            k = self._next_layer
            self._next_layer += 1
            assert model.weights[k].shape == (fan_in, fan_out)
            return model.weights[k].copy(), model.biases[k].copy()

    return Preset


def _run_both(X, y, *, hidden, activation, loss, optimizer, sk_solver, n_out=1, l2=0.0, batch_size=None):
    n = len(X)
    model = MLP([X.shape[1], *hidden, n_out], activations=activation, output_activation=OUTPUT[loss], seed=7)
    estimator_class = sklearn_nn.MLPRegressor if loss == "mean_squared_error" else sklearn_nn.MLPClassifier
    estimator = _preset(estimator_class, model)(
        hidden_layer_sizes=hidden, activation=SK_ACTIVATION[activation], batch_size=batch_size or n,
        shuffle=False, alpha=l2 * n, max_iter=EPOCHS, tol=0.0, n_iter_no_change=EPOCHS + 1,
        learning_rate="constant", **sk_solver,
    )
    estimator._next_layer = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter reached, as intended
        estimator.fit(X, y)
    trainer = Trainer(model, X, y, loss=loss, optimizer=optimizer, l2=l2, batch_size=batch_size, shuffle=False)
    ours = np.array([record["loss"] for record in trainer.run(EPOCHS)])
    theirs = np.array(estimator.loss_curve_)
    assert len(theirs) == EPOCHS, "sklearn stopped early; the comparison needs every epoch"
    # The run must actually move, or agreement would prove little.
    assert abs(ours[-1] - ours[0]) > 1e-3
    return ours, theirs, model, estimator


@pytest.fixture(scope="module")
def circles():
    return datasets.circles(n_samples=200, noise=0.1, seed=0)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("l2", [0.0, 0.01])
def test_sgd_matches_sklearn(circles, activation, l2):
    X, y = circles
    ours, theirs, model, est = _run_both(
        X, y, hidden=(5, 4), activation=activation, loss="binary_cross_entropy",
        optimizer=make_optimizer("sgd", lr=0.5), l2=l2,
        sk_solver=dict(solver="sgd", learning_rate_init=0.5, momentum=0.0),
    )
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL)
    for ours_W, their_W in zip(model.weights, est.coefs_):
        np.testing.assert_allclose(ours_W, their_W, rtol=0, atol=TOL)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_matches_sklearn(circles, nesterov):
    X, y = circles
    ours, theirs, _, _ = _run_both(
        X, y, hidden=(5, 4), activation="tanh", loss="binary_cross_entropy", l2=0.005,
        optimizer=make_optimizer("momentum", lr=0.1, momentum=0.9, nesterov=nesterov),
        sk_solver=dict(solver="sgd", learning_rate_init=0.1, momentum=0.9, nesterovs_momentum=nesterov),
    )
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_adam_matches_sklearn(circles, activation):
    X, y = circles
    ours, theirs, _, _ = _run_both(
        X, y, hidden=(5, 4), activation=activation, loss="binary_cross_entropy", l2=0.001,
        optimizer=make_optimizer("adam", lr=0.01), sk_solver=dict(solver="adam", learning_rate_init=0.01),
    )
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL)


def test_softmax_cross_entropy_matches_sklearn():
    X, y = datasets.spiral(n_samples=300, noise=0.05, seed=0, n_classes=3)
    ours, theirs, _, _ = _run_both(
        X, y, hidden=(8,), activation="tanh", loss="softmax_cross_entropy", n_out=3, l2=0.001,
        optimizer=make_optimizer("sgd", lr=0.5), sk_solver=dict(solver="sgd", learning_rate_init=0.5, momentum=0.0),
    )
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL)


@pytest.mark.parametrize("l2", [0.0, 0.001])
def test_regression_matches_sklearn(l2):
    X, y = datasets.gaussian_mix(n_samples=200, noise=0.05, seed=0)
    ours, theirs, _, _ = _run_both(
        X, y, hidden=(8, 8), activation="tanh", loss="mean_squared_error", l2=l2,
        optimizer=make_optimizer("sgd", lr=0.3), sk_solver=dict(solver="sgd", learning_rate_init=0.3, momentum=0.0),
    )
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL)


def test_mini_batches_in_order_match_sklearn():
    """Batches of 50 in data order: the epoch loss is the size-weighted mean of batch losses."""
    X, y = datasets.gaussian_mix(n_samples=200, noise=0.05, seed=1)
    ours, theirs, _, _ = _run_both(
        X, y, hidden=(8,), activation="relu", loss="mean_squared_error", batch_size=50,
        optimizer=make_optimizer("sgd", lr=0.1), sk_solver=dict(solver="sgd", learning_rate_init=0.1, momentum=0.0),
    )
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL)
