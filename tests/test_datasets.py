"""Data sets are pure functions of (n_samples, noise, seed); split and features behave."""

import numpy as np
import pytest

from py_mlp import datasets

ALL = list(datasets.DATASETS)
CLASSIFICATION = [name for name in ALL if datasets.PROBLEM_OF[name] != "regression"]
REGRESSION = [name for name in ALL if datasets.PROBLEM_OF[name] == "regression"]


@pytest.mark.parametrize("name", ALL)
def test_same_arguments_same_arrays_and_seed_matters(name):
    X1, y1 = datasets.make_dataset(name, n_samples=101, noise=0.2, seed=3)
    X2, y2 = datasets.make_dataset(name, n_samples=101, noise=0.2, seed=3)
    X3, _ = datasets.make_dataset(name, n_samples=101, noise=0.2, seed=4)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert X1.shape == (101, 2) and y1.shape == (101,)
    assert X1.dtype == np.float64
    assert np.all(np.isfinite(X1)) and np.all(np.isfinite(y1))


@pytest.mark.parametrize("name", ALL)
def test_noise_free_points_lie_in_the_shared_square(name):
    X, y = datasets.make_dataset(name, n_samples=2000, noise=0.0, seed=0)
    # Gaussian blobs have unbounded tails; allow a sliver beyond the square for them.
    inside = np.mean(np.all(np.abs(X) <= datasets.EXTENT, axis=1))
    assert inside >= (0.995 if name == "gaussians" else 1.0)
    assert np.abs(X).max() <= 6.0  # TensorFlow Playground's square, always


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classification_sets_are_balanced_labels(name):
    X, y = datasets.make_dataset(name, n_samples=301, noise=0.1, seed=0)
    assert y.dtype.kind == "i"
    counts = np.bincount(y)
    # xor draws uniform points, so its classes are balanced only on average.
    assert len(counts) == 2 and abs(counts[0] - counts[1]) <= (40 if name == "xor" else 1)


@pytest.mark.parametrize("name", ["spiral", "gaussians"])
@pytest.mark.parametrize("k", [3, 5])
def test_multiclass_sets_have_k_balanced_classes(name, k):
    _, y = datasets.make_dataset(name, n_samples=100, noise=0.1, seed=0, n_classes=k)
    counts = np.bincount(y)
    assert len(counts) == k and counts.max() - counts.min() <= 1
    assert datasets.problem_of(name, k) == "multiclass"


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_targets_are_real_and_bounded(name):
    X, y = datasets.make_dataset(name, n_samples=500, noise=0.0, seed=0)
    assert y.dtype == np.float64 and np.abs(y).max() <= 1.0 + 1e-9
    assert np.std(y) > 0.1


def test_targets_follow_the_documented_rules_without_noise():
    X, y = datasets.xor(n_samples=400, noise=0.0, seed=1)
    assert np.array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(int))
    assert np.abs(X).min() >= 0.05  # the margin off the axes
    X, y = datasets.plane(n_samples=400, noise=0.0, seed=1)
    np.testing.assert_allclose(y, (X[:, 0] + X[:, 1]) / 2)
    X, y = datasets.circles(n_samples=400, noise=0.0, seed=1, factor=0.3)
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), np.where(y == 1, 0.3, 1.0))
    X, y = datasets.spiral(n_samples=400, noise=0.0, seed=1, n_classes=4)
    assert np.hypot(X[:, 0], X[:, 1]).max() < 1.0


def test_noise_is_gaussian_jitter_of_the_given_size():
    clean, y0 = datasets.moons(n_samples=4000, noise=0.0, seed=5)
    noisy, y1 = datasets.moons(n_samples=4000, noise=0.3, seed=5)
    assert np.array_equal(y0, y1)
    # Same shuffle, so the difference is the jitter alone.
    assert abs(np.std(noisy - clean) - 0.3) < 0.01


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(n_samples=1), ValueError, "between 2 and"),
    (dict(n_samples=10.0), TypeError, "whole number"),
    (dict(noise=-0.1), ValueError, "between 0 and 10"),
    (dict(noise=float("nan")), ValueError, "between 0 and 10"),
])
@pytest.mark.parametrize("name", ALL)
def test_bad_arguments_are_rejected(name, kwargs, error, message):
    with pytest.raises(error, match=message):
        datasets.make_dataset(name, **kwargs)


def test_unknown_names_and_options_say_what_to_do():
    with pytest.raises(ValueError, match="choose one of: circles"):
        datasets.make_dataset("rings")
    with pytest.raises(TypeError, match="does not take"):
        datasets.make_dataset("circles", n_classes=3)
    with pytest.raises(ValueError, match="n_classes must be a whole number between 2"):
        datasets.spiral(n_classes=1)


def test_train_test_split_partitions_the_rows():
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.arange(20)
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_fraction=0.25, seed=0)
    assert len(X_test) == 5 and len(X_train) == 15
    assert sorted(np.concatenate([y_train, y_test])) == list(range(20))
    assert np.array_equal(X_train[:, 0], 2 * y_train) and np.array_equal(X_test[:, 0], 2 * y_test)
    again = datasets.train_test_split(X, y, test_fraction=0.25, seed=0)
    assert np.array_equal(again[3], y_test)
    other = datasets.train_test_split(X, y, test_fraction=0.25, seed=1)
    assert not np.array_equal(other[3], y_test)


def test_train_test_split_edges():
    X, y = np.zeros((10, 2)), np.zeros(10)
    X_train, X_test, _, y_test = datasets.train_test_split(X, y, test_fraction=0.0)
    assert len(X_train) == 10 and X_test.shape == (0, 2) and len(y_test) == 0
    with pytest.raises(ValueError, match=">= 0 and below 1"):
        datasets.train_test_split(X, y, test_fraction=1.0)
    with pytest.raises(ValueError, match="must match"):
        datasets.train_test_split(X, y[:5], test_fraction=0.5)


def test_features_table_and_columns():
    X = np.array([[0.5, -2.0], [1.5, 3.0]])
    out = datasets.add_features(X, ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"])
    x1, x2 = X[:, 0], X[:, 1]
    expected = np.column_stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)])
    assert np.array_equal(out, expected)
    assert np.array_equal(datasets.add_features(X), X)  # default: the raw coordinates
    assert datasets.add_features(X, ["x1*x2"]).shape == (2, 1)


@pytest.mark.parametrize("names, error, message", [
    ([], ValueError, "at least one"),
    (["x3"], ValueError, "choose from: x1, x2"),
    (["x1", "x1"], ValueError, "twice"),
    ("x1", TypeError, "list of names"),
])
def test_bad_feature_lists_are_rejected(names, error, message):
    with pytest.raises(error, match=message):
        datasets.add_features(np.zeros((3, 2)), names)
