"""Toy data sets as pure functions of (n_samples, noise, seed), a split, and input features.

Runs on CPython and in the Pyodide worker alike. Every generator returns ``(X, y)`` with
X of shape (n_samples, 2) and y of shape (n_samples,): class labels 0, 1, ... (int) for
the classification sets, real targets (float) for the regression sets. Same arguments,
same arrays, on CPython and in Pyodide (each draws from its own ``default_rng(seed)``).

Scale: every set lives on the same unit scale as scikit-learn's ``make_circles`` (the
reference tutorial's data), so one fixed square serves them all: noise-free points lie
within ``[-EXTENT, EXTENT]`` on both axes, and ``noise`` is the standard deviation of the
Gaussian jitter added to each coordinate (for regression sets, to each target), in those
same units, from 0 to ``MAX_NOISE`` (10). That square sits well inside TensorFlow
Playground's ``[-6, 6]``; ``plot_extent`` gives the square that shows a set of points.
Your own points (``csvdata``, ``config.build_run(data=...)``) must lie within
``±MAX_DATA_VALUE`` (1,000,000), targets too.

=============== ============== ============================================================
name            problem        what it is
=============== ============== ============================================================
circles         binary         outer ring (radius 1) class 0, inner ring (``factor``) class 1
moons           binary         scikit-learn's two interleaving half circles, centred
xor             binary         uniform square; class 1 where x1 * x2 > 0
gaussians       binary/multi   ``n_classes`` round blobs on a circle of radius 0.75
spiral          binary/multi   ``n_classes`` interleaved spiral arms
plane           regression     target (x1 + x2) / 2 on a uniform square
gaussian_mix    regression     six signed Gaussian bumps, as TensorFlow Playground's
=============== ============== ============================================================

Input features (``FEATURES``, keyed by name) turn the two raw coordinates into the
network's inputs, as in TensorFlow Playground: ``x1``, ``x2``, ``x1^2``, ``x2^2``,
``x1*x2``, ``sin(x1)``, ``sin(x2)``. Non-goals: loading real data sets, normalisation.
"""

import numpy as np

from .._check import checking, lookup, number

MAX_SAMPLES = 100_000
MAX_CLASSES = 10
EXTENT = 1.5
# Noise is in the data's units (points within ±EXTENT); at 10 the shape is long gone.
MAX_NOISE = 10.0
# The largest |coordinate| or |target| accepted in your own points (CSV or build_run data):
# far beyond the toy scale, yet squared features (1e12) and plotting stay finite.
MAX_DATA_VALUE = 1e6


def _check(n_samples, noise):
    """``(n_samples, noise)`` as plain numbers, if in range."""
    return (number(n_samples, "n_samples", 2, MAX_SAMPLES, whole=True),
            number(noise, "noise", 0.0, MAX_NOISE))


def _check_classes(n_classes):
    return number(n_classes, "n_classes", 2, MAX_CLASSES, whole=True)


def plot_extent(points):
    """Half the side of the square, centred on 0, that shows every point: at least ``EXTENT``.

    The page plots the data and the decision boundary over ``[-e, e]`` on both axes,
    with a 10% margin around the farthest point.
    """
    points = np.asarray(points, dtype=float)
    return max(EXTENT, 1.1 * float(np.abs(points).max())) if points.size else EXTENT


def _split_counts(n_samples, k):
    """``n_samples`` shared out over ``k`` classes, the first classes taking the remainder."""
    return [n_samples // k + (1 if j < n_samples % k else 0) for j in range(k)]


def _shuffle_and_jitter(rng, X, y, noise):
    order = rng.permutation(len(X))
    X, y = X[order], y[order]
    return X + rng.normal(0.0, noise, size=X.shape), y


def circles(n_samples=1000, noise=0.1, seed=0, factor=0.5):
    """Two concentric circles: outer ring class 0, inner ring (radius ``factor``) class 1."""
    n_samples, noise = _check(n_samples, noise)
    factor = number(factor, "factor", 0.0, 1.0, above=True, below=True)
    rng = np.random.default_rng(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate([
        np.column_stack([np.cos(t_out), np.sin(t_out)]),
        factor * np.column_stack([np.cos(t_in), np.sin(t_in)]),
    ])
    y = np.concatenate([np.zeros(n_out, dtype=int), np.ones(n_in, dtype=int)])
    order = rng.permutation(n_samples)
    X, y = X[order], y[order]
    X = X + rng.normal(0.0, noise, size=X.shape)
    return X, y


def moons(n_samples=1000, noise=0.1, seed=0):
    """Two interleaving half circles (scikit-learn's ``make_moons`` shape), centred on 0."""
    n_samples, noise = _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    n_a = n_samples // 2
    n_b = n_samples - n_a
    t_a = np.linspace(0, np.pi, n_a)
    t_b = np.linspace(0, np.pi, n_b)
    X = np.concatenate([
        np.column_stack([np.cos(t_a), np.sin(t_a)]),
        np.column_stack([1.0 - np.cos(t_b), 0.5 - np.sin(t_b)]),
    ]) - [0.5, 0.25]
    y = np.concatenate([np.zeros(n_a, dtype=int), np.ones(n_b, dtype=int)])
    return _shuffle_and_jitter(rng, X, y, noise)


def xor(n_samples=1000, noise=0.1, seed=0, margin=0.05):
    """Uniform points in the square, kept ``margin`` off the axes; class 1 where x1 * x2 > 0."""
    n_samples, noise = _check(n_samples, noise)
    margin = number(margin, "margin", 0.0, 1.0, below=True)
    rng = np.random.default_rng(seed)
    u = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    # Push each coordinate away from 0 so that noise 0 gives a clean margin, as Playground does.
    X = u * (1.0 - margin) + np.where(u >= 0, margin, -margin)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    return X + rng.normal(0.0, noise, size=X.shape), y


def gaussians(n_samples=1000, noise=0.1, seed=0, n_classes=2, spread=0.25):
    """``n_classes`` round blobs (std ``spread``) centred on a circle of radius 0.75.

    With two classes the centres sit at (0.53, 0.53) (class 0) and (-0.53, -0.53) (class 1).
    """
    n_samples, noise = _check(n_samples, noise)
    k = _check_classes(n_classes)
    spread = number(spread, "spread", 0.0, MAX_NOISE)
    rng = np.random.default_rng(seed)
    angles = np.pi / 4 + 2 * np.pi * np.arange(k) / k
    centres = 0.75 * np.column_stack([np.cos(angles), np.sin(angles)])
    y = np.repeat(np.arange(k), _split_counts(n_samples, k))
    X = centres[y] + rng.normal(0.0, spread, size=(n_samples, 2))
    return _shuffle_and_jitter(rng, X, y, noise)


def spiral(n_samples=1000, noise=0.1, seed=0, n_classes=2, turns=0.875):
    """``n_classes`` spiral arms from the centre to radius 1, each ``turns`` of a full turn.

    Arm j is ``r (cos t, sin t)`` with ``r`` from 0 to 1 and
    ``t = 2 pi (turns r + j / n_classes)``; class j is arm j.
    """
    n_samples, noise = _check(n_samples, noise)
    k = _check_classes(n_classes)
    turns = number(turns, "turns", 0.0, 10.0, above=True)
    rng = np.random.default_rng(seed)
    parts, labels = [], []
    for j, count in enumerate(_split_counts(n_samples, k)):
        r = np.arange(count) / max(count, 1)
        t = 2 * np.pi * (turns * r + j / k)
        parts.append(r[:, None] * np.column_stack([np.cos(t), np.sin(t)]))
        labels.append(np.full(count, j, dtype=int))
    return _shuffle_and_jitter(rng, np.concatenate(parts), np.concatenate(labels), noise)


def plane(n_samples=1000, noise=0.1, seed=0):
    """Regression: uniform points in the square, target ``(x1 + x2) / 2`` plus noise."""
    n_samples, noise = _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = 0.5 * (X[:, 0] + X[:, 1])
    return X, y + rng.normal(0.0, noise, size=n_samples)


# Playground's six signed bumps, scaled from its [-6, 6] square to [-1, 1].
_BUMPS = np.array([
    [-2 / 3, 5 / 12, 1.0], [0.0, 5 / 12, -1.0], [2 / 3, 5 / 12, 1.0],
    [-2 / 3, -5 / 12, -1.0], [0.0, -5 / 12, 1.0], [2 / 3, -5 / 12, -1.0],
])


def gaussian_mix(n_samples=1000, noise=0.1, seed=0, width=0.15):
    """Regression: target is a sum of six signed Gaussian bumps (std ``width``), in [-1, 1]."""
    n_samples, noise = _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    d2 = ((X[:, None, :] - _BUMPS[None, :, :2]) ** 2).sum(axis=2)
    y = (_BUMPS[:, 2] * np.exp(-d2 / (2 * width**2))).sum(axis=1)
    return X, y + rng.normal(0.0, noise, size=n_samples)


DATASETS = {
    "circles": circles, "moons": moons, "xor": xor, "gaussians": gaussians, "spiral": spiral,
    "plane": plane, "gaussian_mix": gaussian_mix,
}
PROBLEM_OF = {  # the problem each set poses (gaussians and spiral: multiclass past 2 classes)
    "circles": "binary", "moons": "binary", "xor": "binary", "gaussians": "binary",
    "spiral": "binary", "plane": "regression", "gaussian_mix": "regression",
}
MULTICLASS = ("gaussians", "spiral")


def get_dataset(name):
    """Look up a generator by name; unknown names list the known ones."""
    return lookup(DATASETS, name, "dataset")


def make_dataset(name, n_samples=1000, noise=0.1, seed=0, **options):
    """``(X, y)`` from the generator called ``name``; ``options`` such as ``n_classes`` pass on."""
    fn = get_dataset(name)
    try:
        return fn(n_samples=n_samples, noise=noise, seed=seed, **options)
    except TypeError as exc:
        if "unexpected keyword" not in str(exc):
            raise
        raise TypeError(f"dataset {name!r} does not take the options {sorted(options)}") from None


def problem_of(name, n_classes=2):
    """``"binary"``, ``"multiclass"`` or ``"regression"``: the task a data set poses."""
    get_dataset(name)
    if PROBLEM_OF[name] == "binary" and name in MULTICLASS and n_classes > 2:
        return "multiclass"
    return PROBLEM_OF[name]


def train_test_split(X, y, test_fraction=0.5, seed=0):
    """``(X_train, X_test, y_train, y_test)`` after one seeded shuffle (scikit-learn's order).

    The test set takes ``round(test_fraction * n)`` rows; at least one row always stays in
    the training set. With no test rows the data come back unshuffled.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}; they must match")
    test_fraction = number(test_fraction, "test_fraction", 0.0, 1.0, below=True)
    n = len(X)
    n_test = min(int(round(test_fraction * n)), n - 1)
    if n_test == 0:
        return X, X[:0], y, y[:0]
    order = np.random.default_rng(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


FEATURES = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1*x2": lambda X: X[:, 0] * X[:, 1],
    "sin(x1)": lambda X: np.sin(X[:, 0]),
    "sin(x2)": lambda X: np.sin(X[:, 1]),
}
DEFAULT_FEATURES = ("x1", "x2")


def check_features(names):
    """Validate a list of feature names: known, non-empty, no repeats."""
    if not checking():
        return list(names)
    if isinstance(names, str) or not hasattr(names, "__iter__"):
        raise TypeError(f"features must be a list of names such as ['x1', 'x2'], got {names!r}")
    names = list(names)
    if not names:
        raise ValueError("choose at least one input feature, e.g. ['x1', 'x2']")
    for name in names:
        if not isinstance(name, str) or name not in FEATURES:
            known = ", ".join(FEATURES)
            raise ValueError(f"unknown feature {name!r}; choose from: {known}")
    if len(set(names)) != len(names):
        raise ValueError(f"features {names} name one feature twice; list each once")
    return names


def feature_bounds(extent, names=DEFAULT_FEATURES):
    """The largest ``|value|`` each feature takes over the square ``[-extent, extent]^2``.

    Every feature is either a product of coordinates, largest in size at a corner, or a
    sine, at most 1: so its value at the corner (extent, extent), or 1, bounds it.
    """
    corner = np.abs(add_features(np.array([[extent, extent]], dtype=float), names))[0]
    return np.maximum(corner, 1.0)


def add_features(X, names=DEFAULT_FEATURES):
    """The network inputs for raw 2-D points ``X``: one column per feature name, in order."""
    names = check_features(names)
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"features are computed from 2-D points of shape (n, 2), got {X.shape}")
    return np.column_stack([FEATURES[name](X) for name in names])
