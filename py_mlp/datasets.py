"""Toy data sets as pure functions of (n_samples, noise, seed).

Each returns ``(X, y)`` with X of shape (n_samples, 2) and y of shape (n_samples,):
class labels 0/1 (or 0..k-1) for classification sets, real targets for regression sets.
Same arguments, same arrays, on CPython and in Pyodide.
"""

import numpy as np

MAX_SAMPLES = 100_000


def _check(n_samples, noise):
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)):
        raise TypeError(f"n_samples must be a whole number, got {n_samples!r}")
    if not 2 <= n_samples <= MAX_SAMPLES:
        raise ValueError(f"n_samples must be between 2 and {MAX_SAMPLES}, got {n_samples}")
    if not (isinstance(noise, (int, float)) and np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a number >= 0, got {noise!r}")


def circles(n_samples=1000, noise=0.1, seed=0, factor=0.5):
    """Two concentric circles: outer ring class 0, inner ring (radius ``factor``) class 1."""
    _check(n_samples, noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be between 0 and 1, got {factor}")
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


DATASETS = {"circles": circles}


def make_dataset(name, n_samples=1000, noise=0.1, seed=0):
    try:
        fn = DATASETS[name]
    except (KeyError, TypeError):
        known = ", ".join(DATASETS)
        raise ValueError(f"unknown dataset {name!r}; choose one of: {known}") from None
    return fn(n_samples=n_samples, noise=noise, seed=seed)
