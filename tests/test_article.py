"""Article mode against an independent oracle: the tutorial's own class, written out here.

``TutorialNetwork`` below is the plain numpy class the tutorial describes, with
scikit-learn's ``make_circles`` (global random state after ``np.random.seed(0)``) and
``accuracy_score``; it prints its log, which we capture. ``py_mlp.teaching.article`` must print
the same lines, character for character.
"""

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sklearn_datasets = pytest.importorskip("sklearn.datasets")
from sklearn.metrics import accuracy_score  # noqa: E402

from py_mlp import article  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


class TutorialNetwork:
    """The tutorial's network, as the tutorial writes it (quirks included)."""

    def __init__(self, layers, activations):
        np.random.seed(42)
        self.layers = layers
        self.activations = activations
        self.params = {}
        for i in range(1, len(layers)):
            self.params["W" + str(i)] = np.random.randn(layers[i - 1], layers[i]) * 0.1
            self.params["b" + str(i)] = np.random.randn(1, layers[i]) * 0.1

    def sigmoid(self, z):
        z = np.clip(z, -500, 500)
        return 1 / (1 + np.exp(-z))

    def sigmoid_derivative(self, z):
        s = self.sigmoid(z)
        return 2 * s * (1 - s)

    def relu(self, z):
        return np.maximum(0, z)

    def relu_derivative(self, z):
        return np.where(z > 0, 1.0, 0.0)

    def forward(self, X):
        self.cache = {"A0": X}
        A = X
        for i in range(1, len(self.layers)):
            Z = np.dot(A, self.params["W" + str(i)]) + self.params["b" + str(i)]
            A = self.relu(Z) if self.activations[i - 1] == "relu" else self.sigmoid(Z)
            self.cache["Z" + str(i)] = Z
            self.cache["A" + str(i)] = A
        return A

    def compute_loss(self, y, y_hat):
        m = y.shape[1]
        eps = np.finfo(float).eps
        loss = -np.sum(y * np.log(np.maximum(y_hat, eps)) + (1 - y) * np.log(np.maximum(1 - y_hat, eps)),
                       axis=0, keepdims=True) / m
        return loss

    def backward(self, y, y_hat):
        eps = np.finfo(float).eps
        grads = {}
        dA = -y / np.maximum(y_hat, eps) + (1 - y) / np.maximum(1 - y_hat, eps)
        for i in reversed(range(1, len(self.layers))):
            Z = self.cache["Z" + str(i)]
            if self.activations[i - 1] == "relu":
                dZ = dA * self.relu_derivative(Z)
            else:
                dZ = dA * self.sigmoid_derivative(Z)
            grads["dW" + str(i)] = np.dot(self.cache["A" + str(i - 1)].T, dZ)
            grads["db" + str(i)] = np.mean(dZ, axis=0, keepdims=True)
            dA = np.dot(dZ, self.params["W" + str(i)].T)
        return grads

    def update(self, grads, learning_rate):
        for i in range(1, len(self.layers)):
            self.params["W" + str(i)] -= learning_rate * grads["dW" + str(i)]
            self.params["b" + str(i)] -= learning_rate * grads["db" + str(i)]

    def train(self, X, y, epochs, learning_rate):
        y_hat = self.forward(X)
        print(f"Before training - loss value {self.compute_loss(y, y_hat)} "
              f"accuracy {accuracy_score(y, y_hat > 0.5)}")
        for i in range(epochs):
            y_hat = self.forward(X)
            loss = self.compute_loss(y, y_hat)
            print(f"Iteration {i} - loss value {loss} accuracy {accuracy_score(y, y_hat > 0.5)}")
            self.update(self.backward(y, y_hat), learning_rate)


def _tutorial_data():
    np.random.seed(0)
    X, y = sklearn_datasets.make_circles(n_samples=1000, factor=0.5, noise=0.1)
    return X, y.reshape(-1, 1)


def _tutorial_log(X, y):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        TutorialNetwork([2, 4, 3, 1], ["relu", "relu", "sigmoid"]).train(X, y, epochs=150, learning_rate=0.005)
    return out.getvalue().splitlines()


@pytest.fixture(scope="module")
def oracle_log():
    state = np.random.get_state()
    try:
        return _tutorial_log(*_tutorial_data())
    finally:
        np.random.set_state(state)


def test_reference_circles_equal_sklearn_make_circles_bit_for_bit():
    X_ref, y_ref = article.reference_circles()
    state = np.random.get_state()
    try:
        X, y = _tutorial_data()
    finally:
        np.random.set_state(state)
    assert X_ref.dtype == X.dtype and X_ref.shape == (1000, 2)
    assert y_ref.shape == (1000, 1)
    assert np.array_equal(X_ref, X)  # exact, not approximate
    assert np.array_equal(y_ref, y)


@pytest.mark.parametrize("n_samples, factor, noise, seed", [(7, 0.3, 0.2, 5), (100, 0.8, 0.05, 123)])
def test_reference_circles_follow_other_arguments_too(n_samples, factor, noise, seed):
    X_ref, y_ref = article.reference_circles(n_samples, factor, noise, seed)
    X, y = sklearn_datasets.make_circles(n_samples=n_samples, factor=factor, noise=noise, random_state=seed)
    assert np.array_equal(X_ref, X) and np.array_equal(y_ref.ravel(), y)


def test_reference_circles_leave_the_global_random_state_alone():
    np.random.seed(7)
    expected = np.random.rand()
    np.random.seed(7)
    article.reference_circles()
    assert np.random.rand() == expected


def test_trace_equals_the_tutorial_log_line_for_line(oracle_log):
    lines = article.trace()
    assert len(oracle_log) == 151
    assert lines == oracle_log


def test_trace_format():
    lines = article.trace()
    assert len(lines) == 151
    number = r"\[\[[-+0-9.e ]+\]\]"
    assert re.fullmatch(rf"Before training - loss value {number} accuracy [0-9.]+", lines[0])
    for n, line in enumerate(lines[1:]):
        assert re.fullmatch(rf"Iteration {n} - loss value {number} accuracy [0-9.]+", line), line
    # The quirk kept on purpose: iteration 0 reports the same forward pass as "Before training".
    assert lines[1].split(" - ")[1] == lines[0].split(" - ")[1]
    # Accuracy is k / 1000 printed by str(float).
    for line in lines:
        accuracy = line.rsplit(" ", 1)[1]
        assert accuracy == str(round(float(accuracy) * 1000) / 1000)


def test_trace_accepts_sklearn_data_with_1d_or_column_labels(oracle_log):
    state = np.random.get_state()
    try:
        np.random.seed(0)
        X, y = sklearn_datasets.make_circles(n_samples=1000, factor=0.5, noise=0.1)
    finally:
        np.random.set_state(state)
    assert article.trace(X, y) == oracle_log
    assert article.trace(X, y.reshape(-1, 1)) == oracle_log


def test_trace_differs_on_other_data(oracle_log):
    X, y = sklearn_datasets.make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=1)
    assert article.trace(X, y) != oracle_log


@pytest.mark.parametrize("X, y, message", [
    (np.zeros((10, 3)), np.zeros(10), "shape"),
    (np.zeros((10, 2)), np.zeros(9), "one 0/1 label per row"),
    (np.zeros((10, 2)), np.full(10, 2), "only 0 and 1"),
    (np.zeros((10, 2)), None, "both X and y"),
])
def test_trace_rejects_bad_data(X, y, message):
    with pytest.raises(ValueError, match=message):
        article.trace(X, y)


def test_cli_reproduce_article_prints_the_trace():
    result = subprocess.run(
        [sys.executable, "-m", "py_mlp", "reproduce-article"], cwd=REPO, capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == article.trace()


def test_records_are_the_numbers_of_the_log():
    lines = article.trace()
    records = article.records()
    assert len(records) == len(lines) == article.ITERATIONS + 1
    for line, record in zip(lines, records):
        assert line.endswith(f"loss value {np.array([[record['loss']]])} accuracy {record['accuracy']}")
