"""Losses: each carries its value and its gradient together.

Every loss is the mean over the batch of a per-sample loss, so its gradient with respect
to the network output carries a ``1 / n`` factor; ``dW = a^T dz`` then sums over the
batch, which is exactly the gradient of that mean.

``value(yhat, y)`` is the scalar loss, ``grad(yhat, y)`` is ``dL/dyhat``. ``LOSSES`` is the
one table of how a loss pairs with the rest: the problem it is for (``task``), the form
of its targets (``target``), the output activations it can follow (``outputs``) and its
*natural* output activation (``output_activation``), from which the configuration, the
estimators, ``explain``, the page's schema and its scripts all read. Paired with its
natural output, the chain rule collapses:
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
    """A loss and its pairing: the problem it is for, its targets and its output activations."""

    name: str
    value: Callable
    grad: Callable
    output_activation: str  # its natural output: paired with it, dL/dz = (yhat - y) / n
    task: str  # the problem it is for: "binary", "multiclass" or "regression"
    label: str = ""  # in words, for people: "binary cross-entropy"
    target: str = ""  # the targets it takes, in words
    outputs: tuple = ()  # the output activations it can follow; () for any elementwise one

    def output_delta(self, yhat, y):
        """``dL/dz`` at the output when paired with ``output_activation``: ``(yhat - y) / n``."""
        return (yhat - y) / yhat.shape[0]


# The cross-entropies take logarithms of the outputs, so they need outputs in (0, 1).
LOSSES = {
    loss.name: loss
    for loss in (
        Loss("binary_cross_entropy", _bce_value, _bce_grad, "sigmoid", "binary", "binary cross-entropy",
             "targets in [0, 1] (the labels 0 and 1, or probabilities)", ("sigmoid",)),
        Loss("softmax_cross_entropy", _ce_value, _ce_grad, "softmax", "multiclass", "softmax cross-entropy",
             "class indices, whole numbers 0, 1, 2, ... (or one-hot rows)", ("softmax", "sigmoid")),
        Loss("mean_squared_error", _mse_value, _mse_grad, "identity", "regression", "mean squared error",
             "numbers as targets"),
    )
}

ALIASES = {"bce": "binary_cross_entropy", "ce": "softmax_cross_entropy", "mse": "mean_squared_error"}
# Each problem's loss: the network's output layer follows from it (its natural output).
FOR_PROBLEM = {loss.task: loss for loss in LOSSES.values()}
PROBLEMS = tuple(FOR_PROBLEM)


def get_loss(name: str) -> Loss:
    """Look up a loss by name or short alias (bce, ce, mse)."""
    return lookup(LOSSES, name, "loss", ALIASES)


def natural_loss(output_activation: str) -> Loss:
    """The loss whose natural output activation this is (sigmoid: binary cross-entropy, ...)."""
    for loss in LOSSES.values():
        if loss.output_activation == output_activation:
            return loss
    raise ValueError(f"no loss pairs naturally with a {output_activation!r} output; say which loss to use")


def allows_output(loss: Loss, output_activation: str, elementwise: bool = True) -> bool:
    """True if ``loss`` can follow this output activation (``elementwise``: it is, unlike softmax)."""
    return output_activation in loss.outputs if loss.outputs else elementwise
