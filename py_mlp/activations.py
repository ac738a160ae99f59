"""Activation functions and their derivatives, in one table keyed by name.

Convention: each entry holds ``fn(z)`` and ``grad(z, a)``, the elementwise derivative
``f'(z)`` given both the pre-activation ``z`` and the output ``a = fn(z)`` (whichever is
cheaper to use). The backward pass is then ``dz = da * grad(z, a)``, as in the tutorial.

``softmax`` is not elementwise: its Jacobian couples the outputs of a row. It is offered
only as an output activation paired with softmax cross-entropy, where the combined
gradient simplifies to ``yhat - y`` (see ``losses.py``); asking for its elementwise
derivative is an error.
"""

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

# exp(-z) overflows float64 beyond |z| ~ 709; sigmoid is 0 or 1 to the last bit long before.
_SIGMOID_CLIP = 500.0
LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    name: str
    fn: Callable
    grad: Callable
    elementwise: bool = True
    bound: Optional[float] = None  # the largest |fn(z)| for any z, if there is one


def identity(z):
    return z


def identity_grad(z, a):
    return np.ones_like(z)


def relu(z):
    return np.maximum(z, 0.0)


def relu_grad(z, a):
    return (z > 0).astype(z.dtype)


def leaky_relu(z):
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def leaky_relu_grad(z, a):
    return np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype)


def tanh(z):
    return np.tanh(z)


def tanh_grad(z, a):
    return 1.0 - a * a


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -_SIGMOID_CLIP, _SIGMOID_CLIP)))


def sigmoid_grad(z, a):
    return a * (1.0 - a)


def softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)  # same result, no overflow
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def softmax_grad(z, a):
    raise ValueError(
        "softmax has no elementwise derivative; use it as the output activation "
        "together with the 'softmax_cross_entropy' loss"
    )


ACTIVATIONS = {
    a.name: a
    for a in (
        Activation("identity", identity, identity_grad),
        Activation("relu", relu, relu_grad),
        Activation("leaky_relu", leaky_relu, leaky_relu_grad),
        Activation("tanh", tanh, tanh_grad, bound=1.0),
        Activation("sigmoid", sigmoid, sigmoid_grad, bound=1.0),
        Activation("softmax", softmax, softmax_grad, elementwise=False, bound=1.0),
    )
}

HIDDEN_ACTIVATIONS = tuple(name for name, a in ACTIVATIONS.items() if a.elementwise)


def get_activation(name):
    """Look up an activation by name; unknown names list the known ones."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        known = ", ".join(ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r}; choose one of: {known}") from None
