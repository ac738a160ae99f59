"""Weight initialisers, each drawing from a ``numpy.random.Generator`` passed in.

``init(rng, fan_in, fan_out)`` returns ``(W, b)`` with ``W`` of shape (fan_in, fan_out)
and ``b`` of shape (fan_out,). Same generator state, same numbers, on CPython and in
Pyodide (numpy's PCG64 and its normal/uniform samplers are platform independent).
"""

import numpy as np

from ._check import lookup


def glorot(rng, fan_in, fan_out):
    """Glorot/Xavier uniform: keeps variance through tanh and sigmoid layers."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)), np.zeros(fan_out)


def he(rng, fan_in, fan_out):
    """He normal, ``sigma = sqrt(2 / fan_in)``: keeps variance through ReLU layers."""
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out)), np.zeros(fan_out)


def small_normal(rng, fan_in, fan_out):
    """The tutorial's choice: weights and biases drawn from N(0, 0.1^2)."""
    return rng.normal(0.0, 0.1, size=(fan_in, fan_out)), rng.normal(0.0, 0.1, size=fan_out)


INITIALIZERS = {"glorot": glorot, "he": he, "small_normal": small_normal}


def get_initializer(name):
    """Look up an initialiser by name; unknown names list the known ones."""
    return lookup(INITIALIZERS, name, "initialiser")
