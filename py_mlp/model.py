"""The multilayer perceptron: forward pass, backward pass, parameters.

Runs on CPython and unchanged in the Pyodide worker; imports numpy only.

Layer k computes ``a_k = f_k(a_{k-1} W_k + b_k)`` with batch-first shapes: X is
(n_samples, n_features), ``W_k`` is (fan_in, fan_out), ``b_k`` is (fan_out,). The backward
pass is the tutorial's, one line each:

    dz       = da * f'(z)            (or the loss's paired output delta at the top)
    dW       = a_{k-1}^T dz
    db       = sum over the batch of dz
    da_{k-1} = dz W^T

Example: ``MLP([2, 4, 3, 1], activations=["relu", "relu", "sigmoid"])`` is the tutorial's
2-4-3-1 network. Non-goals: convolutions, dropout, batch norm, GPUs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Sequence, Union

import numpy as np

from . import kernels
from ._check import checking, number
from .activations import check_hidden, get_activation
from .initializers import get_initializer

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    Array = NDArray[np.float64]
# A seed as numpy's default_rng takes it (an int, a list of ints, ...), or a Generator to draw from.
Seed = Union[int, Sequence[int], np.random.Generator, None]


def count_params(sizes: Sequence[int]) -> int:
    """Weights and biases of a network with these layer widths: sum of (fan_in + 1) * fan_out."""
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:]))


def check_layer_sizes(sizes: Sequence[int]) -> list[int]:
    """Validate a list of layer widths (input, hidden..., output): at least two, each a whole number >= 1.

    No upper bound: on CPython a network may be as large as memory allows. The page's and
    the command line's caps are the configuration's (``settings.MAX_PARAMS``, checked by
    ``config.build_run``).
    """
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"layer sizes must be a list of integers such as [2, 8, 1], got {sizes!r}")
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError("layer sizes need at least an input and an output size, e.g. [2, 1]")
    return [number(s, "every layer size", 1, whole=True) for s in sizes]


def _check_activations(activations: Any, n_layers: int) -> None:
    """One name per layer, the hidden ones elementwise."""
    if not isinstance(activations, (list, tuple)):
        raise TypeError(
            f"activations must be a name such as 'relu' or a list with one name per layer, got {activations!r}"
        )
    if len(activations) != n_layers:
        raise ValueError(
            f"{n_layers} layers need {n_layers} activations (one per layer, output last), got {len(activations)}"
        )
    for name in activations[:-1]:
        check_hidden(name)


def _default_init(activations: Sequence[str]) -> str:
    """He for a network that starts with a relu-like layer, else Glorot."""
    return "he" if activations[0] in ("relu", "leaky_relu") else "glorot"


class MLP:
    """A fully connected network; ``sizes`` lists the widths from input to output."""

    def __init__(self, sizes: Sequence[int], activations: Union[str, Sequence[str]] = "relu",
                 output_activation: str = "sigmoid", init: Optional[str] = None, seed: Seed = 0) -> None:
        self.sizes = check_layer_sizes(sizes) if checking() else list(sizes)
        n_layers = len(self.sizes) - 1
        if isinstance(activations, str):
            activations = [activations] * (n_layers - 1) + [output_activation]
        if checking():
            _check_activations(activations, n_layers)
        activations = list(activations)
        self.activations: list[str] = activations
        self._fns = [get_activation(name) for name in activations]
        self.init: str = _default_init(activations) if init is None else init
        self.seed = seed
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        initializer = get_initializer(self.init)
        self.weights: list[Array] = []
        self.biases: list[Array] = []
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:]):
            W, b = initializer(rng, fan_in, fan_out)
            self.weights.append(W)
            self.biases.append(b)
        self._cache: Any = None

    def __repr__(self) -> str:
        """``MLP([2, 8, 8, 1], activations=['tanh', 'tanh', 'sigmoid'])``, with init and seed when not the defaults."""
        parts = [repr(self.sizes), f"activations={self.activations!r}"]
        if self.init != _default_init(self.activations):
            parts.append(f"init={self.init!r}")
        if not isinstance(self.seed, np.random.Generator) and self.seed != 0:
            parts.append(f"seed={self.seed!r}")
        return f"MLP({', '.join(parts)})"

    def __getstate__(self) -> dict:
        """Pickled without the forward pass's cache (a fitted estimator holds an MLP)."""
        return {**vars(self), "_cache": None}

    @property
    def params(self) -> list[Array]:
        """Every weight matrix, then every bias vector: the order gradients come in."""
        return [*self.weights, *self.biases]

    def check_input(self, X: ArrayLike) -> Array:
        """``X`` as a float array of shape (n_samples, n_inputs), all finite."""
        X = np.asarray(X, dtype=float)
        if not checking():
            return X
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(
                f"X must have shape (n_samples, {self.sizes[0]}), got {X.shape}; "
                "reshape a single sample with X.reshape(1, -1)"
            )
        if not np.all(np.isfinite(X)):
            raise ValueError("X contains NaN or infinite values; clean or drop those rows first")
        return X

    def forward(self, X: Array) -> Array:
        """Network output for a batch, remembering what ``backward`` needs."""
        a = X
        inputs, zs, outs = [], [], []
        for W, b, act in zip(self.weights, self.biases, self._fns):
            inputs.append(a)
            z = kernels.matmul(a, W) + b
            a = act.fn(z)
            zs.append(z)
            outs.append(a)
        self._cache = (inputs, zs, outs)
        return a

    def predict(self, X: ArrayLike) -> Array:
        """Output for a batch, validating X; does not disturb a pending backward pass."""
        a = self.check_input(X)
        for k in range(len(self.weights)):
            a = self.layer_output(k, a)
        return a

    def layer_output(self, k: int, a: Array) -> Array:
        """Layer ``k``'s output ``f_k(a W_k + b_k)`` for its input ``a`` (0 is the first layer)."""
        return self._fns[k].fn(kernels.matmul(a, self.weights[k]) + self.biases[k])

    def backward(self, d_out: Array, out_is_dz: bool = False) -> tuple[list[Array], list[Array]]:
        """Gradients of the loss for the last ``forward``.

        ``d_out`` is ``dL/da`` at the output, or ``dL/dz`` when ``out_is_dz`` (a loss paired
        with its natural output activation). Returns ``(dWs, dbs)`` in layer order.
        """
        if self._cache is None:
            raise RuntimeError("call forward() before backward()")
        inputs, zs, outs = self._cache
        n_layers = len(self.weights)
        dWs: list = [None] * n_layers  # filled from the output layer down
        dbs: list = [None] * n_layers
        da = d_out
        for k in range(n_layers - 1, -1, -1):
            if k == n_layers - 1 and out_is_dz:
                dz = da
            else:
                dz = da * self._fns[k].grad(zs[k], outs[k])
            dWs[k] = kernels.matmul_tn(inputs[k], dz)
            dbs[k] = kernels.column_sum(dz)
            if k > 0:
                da = kernels.matmul_nt(dz, self.weights[k])
        return dWs, dbs

    def output_bound(self, input_bound: ArrayLike) -> float:
        """An upper bound on every ``|pre-activation|`` and ``|activation|`` of every layer, for
        inputs with ``|x_j| <= input_bound[j]``.

        Each built-in activation is at most as large as its input (identity, relu,
        leaky_relu) or bounded by 1 (tanh, sigmoid, softmax), so ``|a_k| <= |a_{k-1}| |W_k| + |b_k|``
        unit by unit; a registered one is bounded by sampling it (``Activation.output_bound``).
        The bound also covers every partial sum of the forward pass, so if it is finite no
        layer can overflow. NaN or infinite parameters give infinity.
        """
        a = np.asarray(input_bound, dtype=float)
        worst = 0.0
        with np.errstate(over="ignore", invalid="ignore"):
            for W, b, act in zip(self.weights, self.biases, self._fns):
                z = a @ np.abs(W) + np.abs(b)
                top = float(z.max())
                if not np.isfinite(top):
                    return np.inf
                a = act.output_bound(z)
                top_a = float(a.max())
                if not np.isfinite(top_a):
                    return np.inf
                worst = max(worst, top, top_a)
        return worst

    def n_params(self) -> int:
        """Weights and biases, all layers together."""
        return sum(p.size for p in self.params)

    def copy_params(self) -> list[Array]:
        return [p.copy() for p in self.params]

    def set_params(self, values: Sequence[ArrayLike]) -> None:
        """Copy ``values`` (in the order of ``params``) into the parameters, in place."""
        for p, v in zip(self.params, values):
            p[...] = v
