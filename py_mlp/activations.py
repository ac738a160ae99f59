"""Activation functions and their derivatives, in one table keyed by name.

Convention: each entry holds ``fn(z)`` and ``grad(z, a)``, the elementwise derivative
``f'(z)`` given both the pre-activation ``z`` and the output ``a = fn(z)`` (whichever is
cheaper to use). The backward pass is then ``dz = da * grad(z, a)``, as in the tutorial.

``softmax`` is not elementwise: its Jacobian couples the outputs of a row. It is offered
only as an output activation paired with softmax cross-entropy, where the combined
gradient simplifies to ``yhat - y`` (see ``losses.py``); asking for its elementwise
derivative is an error.

Your own activation: ``register_activation("swish", f, df)`` adds ``f(z)`` and
``df(z, a)`` (same convention) to the table, after checking on a probe array that both
return finite arrays of z's shape; from then on the name works wherever a built-in one
does (``MLP``, ``config.build_run``, model files). Registering the same name again
replaces the pair (the page re-registers an edited function this way); a model keeps the
functions it was built with, so build it again to use the new ones. ``unregister_activation``
removes a registered name. Built-in names cannot be replaced or removed. Whether ``df``
really is the derivative of ``f`` is not checked here: ``check_activation`` does that (the
page lets a reader train with a wrong one on purpose).
"""

import keyword
import re
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ._check import lookup

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
    registered: bool = False  # added by register_activation (see output_bound)

    def output_bound(self, z_bound):
        """Per unit, a bound on ``|fn(z)|`` for ``|z| <= z_bound`` (the array of per-unit bounds).

        Built-ins are bounded (``bound``) or no larger than their input. A registered
        function may be neither (softplus(0) = log 2), so its bound is the largest ``|fn|``
        sampled on a grid over the layer's widest range: an estimate, used only to stop
        training before the outputs overflow. A non-finite sample gives infinity.
        """
        if self.bound is not None:
            return np.full_like(z_bound, self.bound)
        if not self.registered:
            return z_bound
        top = float(np.max(z_bound, initial=0.0))
        steps = np.concatenate([np.geomspace(1e-9, 1.0, 200), np.linspace(0.0, 1.0, 201)])
        grid = top * np.concatenate([-steps, steps]).reshape(1, -1)
        with np.errstate(all="ignore"):
            values = np.abs(np.asarray(self.fn(grid), dtype=float))
        largest = float(values.max()) if np.all(np.isfinite(values)) else np.inf
        return np.full_like(z_bound, largest)


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

HIDDEN_ACTIVATIONS = tuple(name for name, a in ACTIVATIONS.items() if a.elementwise)  # built-ins only
BUILT_IN = frozenset(ACTIVATIONS)
MAX_NAME_LENGTH = 40
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# The probe every registered pair must pass: a 2-D batch, as the network passes them,
# holding 0, small and moderate values of both signs.
_PROBE = np.linspace(-6.0, 6.0, 25).reshape(5, 5)


def get_activation(name):
    """Look up an activation by name; unknown names list the known ones."""
    return lookup(ACTIVATIONS, name, "activation")


def check_hidden(name):
    """The activation ``name`` for a hidden layer: known, and elementwise (softmax is an output only)."""
    act = get_activation(name)
    if not act.elementwise:
        raise ValueError(f"{name!r} can only be an output activation; pick relu, tanh, ...")
    return act


def _name_error(name):
    """Why ``name`` cannot name a registered activation, or None."""
    if not isinstance(name, str):
        return f"the activation name must be a string such as 'swish', got {type(name).__name__}"
    if not name:
        return "the activation name is empty; use letters, digits and _, such as 'swish'"
    if len(name) > MAX_NAME_LENGTH:
        return f"the activation name is {len(name)} characters long; use at most {MAX_NAME_LENGTH}"
    if not _NAME.match(name) or keyword.iskeyword(name):
        return (f"{name[:MAX_NAME_LENGTH]!r} is not a usable activation name; start with a letter "
                "and use only letters, digits and _ (not a Python keyword), such as 'my_swish'")
    if name in BUILT_IN:
        return f"{name!r} is a built-in activation and cannot be replaced; pick another name, such as 'my_{name}'"
    return None


def source_line(exc):
    """" (line N of your code)" when the error came from code compiled from text, else ""."""
    frames = traceback.extract_tb(exc.__traceback__)
    if frames and frames[-1].filename.startswith("<"):
        return f" (line {frames[-1].lineno} of {frames[-1].filename.strip('<>')})"
    return ""


def call_checked(label, call, z):
    """``call()`` (a user function applied to ``z``) as a finite float array of z's shape,
    or a ValueError saying what is wrong, ``label`` first ("f(z) raised ZeroDivisionError: ...")."""
    shape = z.shape
    try:
        with np.errstate(all="ignore"):
            out = call()
    except Exception as exc:  # the user's code: any exception becomes a message
        raise ValueError(f"{label} raised {type(exc).__name__}: {exc}{source_line(exc)}") from None
    try:
        arr = np.asarray(out)
    except Exception as exc:
        raise ValueError(f"{label} returned something that is not an array ({type(exc).__name__}: {exc})") from None
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{label} must return real numbers, got an array of {arr.dtype} ({type(out).__name__})")
    if arr.shape != shape:
        raise ValueError(
            f"{label} returned shape {arr.shape} for an input of shape {shape}; it must work elementwise "
            "and return an array of the input's shape (use np.ones_like(z) rather than 1.0 for a constant)"
        )
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        where = z[~np.isfinite(arr)][0]
        value = arr[~np.isfinite(arr)][0]
        raise ValueError(f"{label} returned {value} at z = {where:g}; it must be finite for every z")
    return arr


def register_activation(name, fn, grad):
    """Add (or replace) the activation ``name`` with ``fn(z)`` and its derivative ``grad(z, a)``.

    ``fn`` maps a 2-D array of pre-activations to activations of the same shape; ``grad(z, a)``
    returns ``f'(z)`` elementwise given ``z`` and ``a = fn(z)``, like the built-ins. Both are
    called once on a probe array (z from -6 to 6, 0 included) and must return finite real
    arrays of its shape without changing their input; otherwise a ``ValueError`` says what is
    wrong (an exception's type and message included). A name already registered is
    replaced; a built-in name is refused. Returns the ``Activation`` entered in the table.

    Example, swish ``f(z) = z sigmoid(z)`` with ``f'(z) = a + sigmoid(z) (1 - a)``::

        register_activation("swish", lambda z: z / (1 + np.exp(-z)),
                            lambda z, a: a + (1 - a) / (1 + np.exp(-z)))
    """
    problem = _name_error(name)
    if problem:
        raise ValueError(problem)
    for label, value in (("the activation f(z)", fn), ("the derivative df(z, a)", grad)):
        if not callable(value):
            raise TypeError(f"{label} must be a function, got {type(value).__name__}")
    z = _PROBE.copy()
    a = call_checked("f(z)", lambda: fn(z), z)
    if not np.array_equal(z, _PROBE):
        raise ValueError("f(z) changed its input z in place; compute a new array instead (z = z + 1, not z += 1)")
    a_given = a.copy()
    call_checked("df(z, a)", lambda: grad(z, a_given), z)
    if not np.array_equal(z, _PROBE) or not np.array_equal(a_given, a):
        raise ValueError("df(z, a) changed its input z or a in place; compute a new array instead")
    entry = Activation(name, fn, grad, registered=True)
    ACTIVATIONS[name] = entry
    return entry


def unregister_activation(name):
    """Remove a registered activation; True if it was there, False if not. Built-ins stay."""
    if isinstance(name, str) and name in BUILT_IN:
        raise ValueError(f"{name!r} is a built-in activation and cannot be removed")
    return ACTIVATIONS.pop(name, None) is not None if isinstance(name, str) else False


def registered_activations():
    """The names added with ``register_activation``, in the order they were first added."""
    return [name for name, act in ACTIVATIONS.items() if act.registered]


@contextmanager
def trial(fn, grad):
    """Enter ``fn``, ``grad`` in the table under a name no one can register, for the length of
    a ``with`` block (to build a model that tries them before they are registered); yields the name."""
    name = "<trial>"
    ACTIVATIONS[name] = Activation(name, fn, grad, registered=True)
    try:
        yield name
    finally:
        ACTIVATIONS.pop(name, None)
