"""Reference-compatible mode: the tutorial's own experiment, quirks and all, line for line.

Runs on CPython and in the Pyodide worker; numpy only (scikit-learn's ``make_circles`` is
reproduced here, bit for bit, from numpy's legacy ``RandomState``). Kept apart from the
rest of py_mlp on purpose: the main package has the correct defaults, this module has the
tutorial's, and nothing here is shared with ``MLP`` or ``Trainer``.

The experiment:

- data: ``np.random.seed(0)`` then ``make_circles(n_samples=1000, factor=0.5, noise=0.1)``,
  labels as a column vector;
- network 2-4-3-1, activations relu, relu, sigmoid; weights ``randn(fan_in, fan_out) * 0.1``
  then biases ``randn(1, fan_out) * 0.1``, layer by layer, after ``np.random.seed(42)``;
- loss: binary cross-entropy *summed* over the samples and divided by ``y.shape[1]`` (1),
  with ``yhat`` and ``1 - yhat`` clipped below at machine epsilon;
- backward: ``dz = da * f'(z)``, ``dW = a_prev.T @ dz`` (a sum over the batch), ``db`` the
  *mean* of ``dz`` over the batch, ``da_prev = dz @ W.T``; full batch, learning rate 0.005,
  150 iterations.

The quirks, kept deliberately (they are what makes the numbers the tutorial's):
the sigmoid derivative is written ``2 * s * (1 - s)``, a factor 2 too many; the loss is a
sum (so ``dW`` is a sum) while ``db`` is a mean; the loss prints as numpy prints a 1x1
array (``[[693.14...]]``); and the line for iteration 0 repeats the "Before training"
numbers, since both come from the forward pass of the untouched network.

Iterations are numbered 0 to 149, as ``for i in range(150)`` numbers them; each line
reports the forward pass made at the start of that iteration, before its update.
"""

import numpy as np

SIZES = (2, 4, 3, 1)
LEARNING_RATE = 0.005
ITERATIONS = 150
DATA_SEED = 0
INIT_SEED = 42
EPS = np.finfo(float).eps


def reference_circles(n_samples=1000, factor=0.5, noise=0.1, seed=DATA_SEED):
    """scikit-learn's ``make_circles`` after ``np.random.seed(seed)``, bit for bit; y as a column.

    Same steps as scikit-learn (1.6.1 in the browser and 1.9.1 here are identical): two
    ``linspace`` rings, ``shuffle`` (an ``arange`` permuted in place by the global
    ``RandomState``), then ``normal(scale=noise)`` added. A private ``RandomState(seed)``
    gives the same stream as the seeded global one without touching it.
    """
    random_state = np.random.RandomState(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    linspace_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    linspace_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack([
        np.append(np.cos(linspace_out), np.cos(linspace_in) * factor),
        np.append(np.sin(linspace_out), np.sin(linspace_in) * factor),
    ]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    indices = np.arange(n_samples)
    random_state.shuffle(indices)
    X, y = X[indices], y[indices]
    X += random_state.normal(scale=noise, size=X.shape)
    return X, y.reshape(-1, 1)


def _relu(z):
    return np.maximum(0, z)


def _relu_grad(z):
    return (z > 0).astype(float)


def _sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))


def _sigmoid_grad(z):
    s = _sigmoid(z)
    return 2 * s * (1 - s)  # the tutorial's factor 2, kept on purpose


ACTIVATIONS = ((_relu, _relu_grad), (_relu, _relu_grad), (_sigmoid, _sigmoid_grad))


def initial_params(seed=INIT_SEED):
    """``[(W, b), ...]`` as the tutorial draws them: W then b, layer by layer, from seed 42."""
    random_state = np.random.RandomState(seed)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        W = random_state.randn(fan_in, fan_out) * 0.1
        b = random_state.randn(1, fan_out) * 0.1
        params.append((W, b))
    return params


def as_mlp_params(params):
    """``[(W, b), ...]`` as ``MLP.params`` orders them: every W, then every b as a vector."""
    return [W for W, _ in params] + [b[0] for _, b in params]


def loss(yhat, y):
    """Binary cross-entropy summed over the samples, divided by ``y.shape[1]``: a 1x1 array."""
    m = y.shape[1]
    p = np.maximum(yhat, EPS)
    q = np.maximum(1 - yhat, EPS)
    return -np.sum(y * np.log(p) + (1 - y) * np.log(q), axis=0, keepdims=True) / m


def loss_grad(yhat, y):
    p = np.maximum(yhat, EPS)
    q = np.maximum(1 - yhat, EPS)
    return -y / p + (1 - y) / q


def accuracy(yhat, y):
    """scikit-learn's ``accuracy_score`` of ``yhat > 0.5``: a float k / n."""
    return float(np.mean((yhat > 0.5).astype(int) == y))


def _forward(params, X):
    a, cache = X, []
    for (W, b), (f, _) in zip(params, ACTIVATIONS):
        z = a @ W + b
        cache.append((a, z))
        a = f(z)
    return a, cache


def _step(params, cache, yhat, y):
    """One backward pass and update; every gradient uses the weights from before it."""
    da = loss_grad(yhat, y)
    grads = []
    for (W, _), (_, f_grad), (a_prev, z) in reversed(list(zip(params, ACTIVATIONS, cache))):
        dz = da * f_grad(z)
        grads.append((a_prev.T @ dz, np.mean(dz, axis=0, keepdims=True)))
        da = dz @ W.T
    for (W, b), (dW, db) in zip(params, reversed(grads)):
        W -= LEARNING_RATE * dW
        b -= LEARNING_RATE * db


def _check_data(X, y):
    if X is None and y is None:
        return reference_circles()
    if X is None or y is None:
        raise ValueError("pass both X and y, or neither to use reference_circles()")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n_samples, 2) like make_circles gives, got {X.shape}")
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.shape != (X.shape[0], 1):
        raise ValueError(f"y must hold one 0/1 label per row of X (shape ({X.shape[0]},)), got {y.shape}")
    if not np.all(np.isfinite(X)) or not np.all((y == 0) | (y == 1)):
        raise ValueError("X must be finite and y must hold only 0 and 1 labels")
    return X, y


def _iterations(X, y, iterations):
    """("Before training", yhat), then ("Iteration i", yhat) before each update."""
    params = initial_params()
    yhat, _ = _forward(params, X)
    yield "Before training", yhat
    for i in range(iterations):
        yhat, cache = _forward(params, X)
        yield f"Iteration {i}", yhat
        _step(params, cache, yhat, y)


def trace(X=None, y=None, iterations=ITERATIONS):
    """The tutorial's printed log: "Before training ..." then one line per iteration (151 lines).

    ``X`` and ``y`` default to ``reference_circles()``; ``y`` may be 1-D or a column.
    """
    X, y = _check_data(X, y)
    return [f"{label} - loss value {loss(yhat, y)} accuracy {accuracy(yhat, y)}"
            for label, yhat in _iterations(X, y, iterations)]


def records(X=None, y=None, iterations=ITERATIONS):
    """The log's numbers, line by line: ``[{"loss", "accuracy"}, ...]`` (151 of them)."""
    X, y = _check_data(X, y)
    return [{"loss": float(loss(yhat, y).item()), "accuracy": float(accuracy(yhat, y))}
            for _, yhat in _iterations(X, y, iterations)]
