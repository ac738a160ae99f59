"""Optimisers: update parameter arrays in place from gradients of the same shapes.

``step(params, grads)`` takes parallel lists (for the MLP: every weight matrix, then every
bias vector). State (velocities, moments, step count) is created on the first step and
can be saved and restored as plain lists with ``state_dict`` / ``load_state_dict``.

The update rules follow scikit-learn's ``_stochastic_optimizers`` so its MLP can serve as
an oracle:

- SGD: ``p -= lr * g``
- momentum: ``v = mu v - lr g; p += v``; Nesterov: ``p += mu v - lr g`` (after updating v)
- Adam: ``m = b1 m + (1-b1) g; s = b2 s + (1-b2) g^2;
  p -= lr sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(s) + eps)`` (Kingma & Ba, section 2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Sequence

import numpy as np

from ._check import lookup, number

if TYPE_CHECKING:
    from numpy.typing import NDArray

    Arrays = Sequence[NDArray[np.float64]]


def _check_fraction(label: str, value: float) -> float:
    return number(value, label, 0.0, 1.0, below=True)


def _check_lr(lr: float) -> float:
    return number(lr, "the learning rate", 0.0, above=True)


class SGD:
    """Plain gradient descent, ``W -= eta * dW``."""

    name = "sgd"

    def __init__(self, lr: float = 0.1) -> None:
        self.lr = lr

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr!r})"

    @property
    def lr(self) -> float:
        """The learning rate; setting it checks it (a positive finite number)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _check_lr(value)

    def step(self, params: Arrays, grads: Arrays) -> None:
        for p, g in zip(params, grads):
            p -= self.lr * g

    def state_dict(self) -> dict[str, Any]:
        return {"name": self.name, "lr": self.lr}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.lr = state["lr"]


class Momentum(SGD):
    """Gradient descent with a velocity; ``nesterov=True`` looks one step ahead."""

    name = "momentum"

    def __init__(self, lr: float = 0.1, momentum: float = 0.9, nesterov: bool = False) -> None:
        super().__init__(lr)
        self.momentum = _check_fraction("momentum", momentum)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
        self.nesterov = bool(nesterov)
        self.velocities: Optional[list[NDArray[np.float64]]] = None

    def __repr__(self) -> str:
        return f"Momentum(lr={self.lr!r}, momentum={self.momentum!r}, nesterov={self.nesterov!r})"

    def step(self, params: Arrays, grads: Arrays) -> None:
        if self.velocities is None:
            self.velocities = [np.zeros_like(p) for p in params]
        mu, lr = self.momentum, self.lr
        for p, g, v in zip(params, grads, self.velocities):
            v *= mu
            v -= lr * g
            if self.nesterov:
                p += mu * v - lr * g
            else:
                p += v

    def state_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "lr": self.lr,
            "momentum": self.momentum,
            "nesterov": self.nesterov,
            "velocities": None if self.velocities is None else [v.tolist() for v in self.velocities],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        vs = state.get("velocities")
        self.velocities = None if vs is None else [np.array(v, dtype=float) for v in vs]


class Adam(SGD):
    """Adaptive moments (Kingma & Ba 2015)."""

    name = "adam"

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.beta1 = _check_fraction("beta1", beta1)
        self.beta2 = _check_fraction("beta2", beta2)
        self.eps = number(eps, "eps", 0.0, 1.0, above=True, below=True)
        self.t = 0
        self.m: Optional[list[NDArray[np.float64]]] = None
        self.s: Optional[list[NDArray[np.float64]]] = None

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr!r}, beta1={self.beta1!r}, beta2={self.beta2!r}, eps={self.eps!r})"

    def step(self, params: Arrays, grads: Arrays) -> None:
        if self.m is None or self.s is None:
            self.m = [np.zeros_like(p) for p in params]
            self.s = [np.zeros_like(p) for p in params]
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        lr_t = self.lr * np.sqrt(1.0 - b2**self.t) / (1.0 - b1**self.t)
        for p, g, m, s in zip(params, grads, self.m, self.s):
            m *= b1
            m += (1.0 - b1) * g
            s *= b2
            s += (1.0 - b2) * g * g
            p -= lr_t * m / (np.sqrt(s) + self.eps)

    def state_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "lr": self.lr,
            "beta1": self.beta1,
            "beta2": self.beta2,
            "eps": self.eps,
            "t": self.t,
            "m": None if self.m is None else [a.tolist() for a in self.m],
            "s": None if self.s is None else [a.tolist() for a in self.s],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.t = int(state.get("t", 0))
        self.m = None if state.get("m") is None else [np.array(a, dtype=float) for a in state["m"]]
        self.s = None if state.get("s") is None else [np.array(a, dtype=float) for a in state["s"]]


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Adam)}
OPTIONS = {
    "sgd": ("lr",),
    "momentum": ("lr", "momentum", "nesterov"),
    "adam": ("lr", "beta1", "beta2", "eps"),
}


def make_optimizer(name: str, **options: Any) -> SGD:
    """Build an optimiser by name (sgd, momentum, adam) with its keyword options."""
    cls = lookup(OPTIMIZERS, name, "optimiser")
    accepted = OPTIONS[name]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise TypeError(f"optimiser {name!r} does not take {unknown}; it takes {list(accepted)}")
    return cls(**options)
