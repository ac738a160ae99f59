"""Optimisers: update parameter arrays in place from gradients of the same shapes.

``step(params, grads)`` takes parallel lists (for the MLP: every weight matrix, then every
bias vector). State (velocities, moments, step count) is created on the first step and
can be saved and restored as plain lists with ``state_dict`` / ``load_state_dict``.

Each optimiser describes itself, and the rest of the package reads that description
rather than repeating it:

- ``hyper``: its hyper-parameters (``Hyper``: the keyword, the symbol in the update rule,
  the range, the meaning, the settings table's key, whether it may change between
  epochs). The constructor's signature gives their defaults. Setting one checks it.
- ``arrays``: its state arrays, one per parameter (attribute: symbol), and ``counters``:
  its step counts. ``state_dict`` and model files (``serialization``) hold exactly these.
- ``choices``: what the page offers of it (momentum: plain and Nesterov's), each with the
  settings it fixes and its update rule as text in the page's notation: ``p`` a parameter,
  ``g`` its gradient, the hyper-parameters and state by their symbols, assignments
  ``x ← ...`` run in order. ``tests/test_optimizers.py`` reads each rule as maths and
  checks that it computes what ``step`` does, so the page shows the rule that runs.

The settings table (``py_mlp.app.settings``) makes the optimiser setting and one setting
per hyper-parameter from these, ``config.build_run`` passes each optimiser its own, and
the page's schema carries the choices and their rules to the back-propagation panel.
Adding an optimiser is a class here and its entry in ``OPTIMIZERS``.

The update rules follow scikit-learn's ``_stochastic_optimizers`` so its MLP can serve as
an oracle; Adam is Kingma & Ba's section 2 form (the bias corrections folded into the
step size, so ε is added to √s, not to √ŝ).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Optional, Sequence

import numpy as np

from ._check import checking, lookup, number

if TYPE_CHECKING:
    from numpy.typing import NDArray

    Arrays = Sequence[NDArray[np.float64]]
    State = Optional[list[NDArray[np.float64]]]


@dataclass(frozen=True)
class Hyper:
    """One hyper-parameter: the constructor's keyword, its symbol in the rules, its range and meaning.

    A number lies in ``low``..``high`` (exclusive where ``above`` or ``below``); a ``switch``
    is True or False. ``setting`` is the settings table's key when it is not ``name``,
    ``label`` names the value in messages, and ``live`` says it may change between epochs.
    """

    name: str
    symbol: str  # in the update rule's text; "" for a switch, which changes the rule instead
    help: str
    low: Optional[float] = None
    high: Optional[float] = None
    above: bool = False
    below: bool = False
    switch: bool = False
    setting: str = ""
    label: str = ""
    live: bool = False

    @property
    def key(self) -> str:
        """The settings table's key for it (``learning_rate`` for ``lr``)."""
        return self.setting or self.name

    def check(self, value: Any) -> Any:
        """``value`` as a plain float (or bool, for a switch), or an error saying what to pass."""
        what = self.label or self.name
        if self.switch:
            if checking() and not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{what} must be True or False, got {value!r}")
            return bool(value)
        return number(value, what, self.low, self.high, above=self.above, below=self.below)


@dataclass(frozen=True)
class Choice:
    """One of the page's optimiser choices: its value and label, the switches it sets and its rule.

    ``rule`` holds lines of assignments ``x ← expression`` separated by ``",  "``.
    """

    value: str
    label: str
    rule: tuple[str, ...]
    sets: dict = field(default_factory=dict)


LR = Hyper("lr", "η", "the step size, eta in W -= eta * dW", low=0.0, above=True, setting="learning_rate",
           label="the learning rate", live=True)
MOMENTUM = Hyper("momentum", "μ", "the momentum optimiser's mu", low=0.0, high=1.0, below=True, live=True)
NESTEROV = Hyper("nesterov", "", "Nesterov's look-ahead, for the momentum optimiser", switch=True)
BETA1 = Hyper("beta1", "β₁", "Adam's decay rate of the running mean of g", low=0.0, high=1.0, below=True)
BETA2 = Hyper("beta2", "β₂", "Adam's decay rate of the running mean of g²", low=0.0, high=1.0, below=True)
EPS = Hyper("eps", "ε", "added to the root of s, so that no step divides by zero", low=0.0, high=1.0,
            above=True, below=True)
RHO = Hyper("rho", "ρ", "RMSprop's decay rate of the running mean of g²", low=0.0, high=1.0, below=True)


class SGD:
    """Plain gradient descent, ``W -= eta * dW``."""

    name: ClassVar[str] = "sgd"
    hyper: ClassVar[tuple[Hyper, ...]] = (LR,)
    arrays: ClassVar[dict[str, str]] = {}  # attribute: symbol in the rule
    counters: ClassVar[dict[str, str]] = {}
    choices: ClassVar[tuple[Choice, ...]] = (Choice("sgd", "SGD", ("p ← p − η g",)),)
    _by_name: ClassVar[dict[str, Hyper]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._by_name = {h.name: h for h in cls.hyper}

    def __init__(self, lr: float = 0.1) -> None:
        self.lr = lr

    def __setattr__(self, name: str, value: Any) -> None:
        hyper = self._by_name.get(name)
        object.__setattr__(self, name, value if hyper is None else hyper.check(value))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.hyperparameters().items())})"

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Each hyper-parameter's default, as the constructor's signature gives it."""
        parameters = inspect.signature(cls.__init__).parameters
        return {h.name: parameters[h.name].default for h in cls.hyper}

    def hyperparameters(self) -> dict[str, Any]:
        """The hyper-parameters' values now, by keyword."""
        return {h.name: getattr(self, h.name) for h in self.hyper}

    @property
    def choice(self) -> Choice:
        """The page's choice this optimiser is: the one whose switches it has (the most of them)."""
        fits = [c for c in self.choices if all(getattr(self, k) == v for k, v in c.sets.items())]
        return max(fits, key=lambda c: len(c.sets))

    def step(self, params: Arrays, grads: Arrays) -> None:
        for p, g in zip(params, grads):
            p -= self.lr * g

    def state_dict(self) -> dict[str, Any]:
        """Name, hyper-parameters, step counts and state arrays as plain JSON values."""
        state: dict[str, Any] = {"name": self.name, **self.hyperparameters()}
        state.update({key: getattr(self, key) for key in self.counters})
        for key in self.arrays:
            arrays = getattr(self, key)
            state[key] = None if arrays is None else [a.tolist() for a in arrays]
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for h in self.hyper:
            if h.name in state:
                setattr(self, h.name, state[h.name])
        for key in self.counters:
            setattr(self, key, int(state.get(key, 0)))
        for key in self.arrays:
            arrays = state.get(key)
            setattr(self, key, None if arrays is None else [np.array(a, dtype=float) for a in arrays])


class Momentum(SGD):
    """Gradient descent with a velocity; ``nesterov=True`` looks one step ahead."""

    name = "momentum"
    hyper = (LR, MOMENTUM, NESTEROV)
    arrays = {"velocities": "v"}
    choices = (
        Choice("momentum", "Momentum", ("v ← μ v − η g,  p ← p + v",)),
        Choice("nesterov", "Nesterov momentum", ("v ← μ v − η g,  p ← p + μ v − η g",), {"nesterov": True}),
    )

    def __init__(self, lr: float = 0.1, momentum: float = 0.9, nesterov: bool = False) -> None:
        super().__init__(lr)
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocities: State = None

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


class Adam(SGD):
    """Adaptive moments (Kingma & Ba 2015)."""

    name = "adam"
    hyper = (LR, BETA1, BETA2, EPS)
    arrays = {"m": "m", "s": "s"}
    counters = {"t": "t"}
    choices = (Choice("adam", "Adam", (
        "t ← t + 1,  m ← β₁ m + (1 − β₁) g,  s ← β₂ s + (1 − β₂) g²",
        "p ← p − η √(1 − β₂ᵗ) / (1 − β₁ᵗ) · m / (√s + ε)",
    )),)

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.t = 0
        self.m: State = None
        self.s: State = None

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


class RMSprop(SGD):
    """Each step divided by a running root mean square of the gradient (Tieleman & Hinton 2012)."""

    name = "rmsprop"
    hyper = (LR, RHO, EPS)
    arrays = {"s": "s"}
    choices = (Choice("rmsprop", "RMSprop", ("s ← ρ s + (1 − ρ) g²,  p ← p − η g / (√s + ε)",)),)

    def __init__(self, lr: float = 0.001, rho: float = 0.9, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.rho = rho
        self.eps = eps
        self.s: State = None

    def step(self, params: Arrays, grads: Arrays) -> None:
        if self.s is None:
            self.s = [np.zeros_like(p) for p in params]
        rho = self.rho
        for p, g, s in zip(params, grads, self.s):
            s *= rho
            s += (1.0 - rho) * g * g
            p -= self.lr * g / (np.sqrt(s) + self.eps)


SGD._by_name = {h.name: h for h in SGD.hyper}
OPTIMIZERS: dict[str, type[SGD]] = {cls.name: cls for cls in (SGD, Momentum, Adam, RMSprop)}
# The page's choices, by value: (the optimiser's name, the choice).
CHOICES = {c.value: (cls.name, c) for cls in OPTIMIZERS.values() for c in cls.choices}


def make_optimizer(name: str, **options: Any) -> SGD:
    """Build an optimiser by name (``OPTIMIZERS``: sgd, momentum, adam, ...) with its keyword options."""
    cls = lookup(OPTIMIZERS, name, "optimiser")
    accepted = [h.name for h in cls.hyper]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise TypeError(f"optimiser {name!r} does not take {unknown}; it takes {accepted}")
    return cls(**options)
