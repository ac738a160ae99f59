"""Losses: each carries its value and its gradient together.

Every loss is the mean over the batch of a per-sample loss, so its gradient with respect
to the network output carries a ``1 / n`` factor; ``dW = a^T dz`` then sums over the
batch, which is exactly the gradient of that mean.

``value(yhat, y)`` is the scalar loss, ``grad(yhat, y)`` is ``dL/dyhat``. Each loss also
names its *natural* output activation. Paired with it, the chain rule collapses:
sigmoid + binary cross-entropy, softmax + softmax cross-entropy and identity + mean
squared error all give ``dL/dz = (yhat - y) / n`` (with MSE defined as
``mean(0.5 * (yhat - y)^2)`` summed over outputs). ``output_delta`` uses that shortcut,
which is both cheaper and better conditioned than dividing by ``yhat (1 - yhat)``.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._check import lookup

# Only where a log needs it: keeps log(p) and 1/p finite without moving p elsewhere.
EPS = 1e-12


def _bce_value(yhat, y):
    p = np.clip(yhat, EPS, 1.0 - EPS)
    return float(-np.mean(np.sum(y * np.log(p) + (1.0 - y) * np.log(1.0 - p), axis=1)))


def _bce_grad(yhat, y):
    p = np.clip(yhat, EPS, 1.0 - EPS)
    return (p - y) / (p * (1.0 - p)) / yhat.shape[0]


def _ce_value(yhat, y):
    return float(-np.mean(np.sum(y * np.log(np.clip(yhat, EPS, 1.0)), axis=1)))


def _ce_grad(yhat, y):
    return -y / np.clip(yhat, EPS, 1.0) / yhat.shape[0]


def _mse_value(yhat, y):
    return float(0.5 * np.mean(np.sum((yhat - y) ** 2, axis=1)))


def _mse_grad(yhat, y):
    return (yhat - y) / yhat.shape[0]


@dataclass(frozen=True)
class Loss:
    name: str
    value: Callable
    grad: Callable
    output_activation: str
    task: str  # "binary", "multiclass" or "regression"

    def output_delta(self, yhat, y):
        """``dL/dz`` at the output when paired with ``output_activation``: ``(yhat - y) / n``."""
        return (yhat - y) / yhat.shape[0]


LOSSES = {
    loss.name: loss
    for loss in (
        Loss("binary_cross_entropy", _bce_value, _bce_grad, "sigmoid", "binary"),
        Loss("softmax_cross_entropy", _ce_value, _ce_grad, "softmax", "multiclass"),
        Loss("mean_squared_error", _mse_value, _mse_grad, "identity", "regression"),
    )
}

ALIASES = {"bce": "binary_cross_entropy", "ce": "softmax_cross_entropy", "mse": "mean_squared_error"}


def get_loss(name: str) -> Loss:
    """Look up a loss by name or short alias (bce, ce, mse)."""
    return lookup(LOSSES, name, "loss", ALIASES)
