"""Gradient check: backprop against central finite differences, over every parameter.

Runs on CPython and in the browser; it is slow (a few forward passes per parameter), so
it is meant for small networks and tests.

The measure is the relative error of each derivative, with an absolute floor: finite
differences resolve a derivative only to about ``eps (|L| + 1) / h`` (rounding in the
differences of the loss), so a derivative far below that, as in a deep sigmoid network's
first layers, is compared by its absolute error over the floor ``floor(L, h)`` instead.
Rounding then scores about ``TOLERANCE / 100`` and a wrong derivative scores far above
``TOLERANCE``, for tiny and large gradients alike.
"""

import numpy as np

from ._check import number


TOLERANCE = 1e-5  # above it, backprop and finite differences disagree
KINKED = ("relu", "leaky_relu")  # activations whose derivative jumps at z = 0


def floor(loss_value, h=1e-4):
    """The smallest derivative size judged by relative error (see the module docstring)."""
    noise = np.finfo(float).eps * (abs(loss_value) + 1.0) / h
    return float(100.0 * noise / TOLERANCE)


def gradcheck(trainer_or_model, X=None, y=None, loss="binary_cross_entropy", h=1e-4, l1=0.0, l2=0.0):
    """Largest error between backprop and central differences over all parameters.

    Accepts a ``Trainer`` (its loss and regularisation are used, on its full training set
    unless X, y are given) or an ``MLP`` with ``X``, ``y`` and a loss name. Below
    ``TOLERANCE`` the two agree; ``check_gradients`` says more.
    """
    return check_gradients(trainer_or_model, X, y, loss, h, l1, l2)["error"]


def check_gradients(trainer_or_model, X=None, y=None, loss="binary_cross_entropy", h=1e-4, l1=0.0, l2=0.0):
    """``{"error", "floor", "checked", "skipped"}``: the largest error (see the module
    docstring) over the derivatives checked, and how many were skipped.

    The error per entry is ``|g - n| / max(|g| + |n|, floor(L, h))``. The numerical
    derivative is the fourth-order central difference
    ``(8 (L(p+h) - L(p-h)) - (L(p+2h) - L(p-2h))) / 12h``: its truncation error is
    O(h^4) and its rounding error about ``eps L / h``. A derivative whose steps move a
    relu or leaky relu input across its kink at 0, or a weight across the L1 term's kink,
    has no finite difference to compare with: it is skipped and counted.
    """
    from .training import Trainer

    if isinstance(trainer_or_model, Trainer):
        trainer = trainer_or_model
        if X is None and y is None:
            X, y = trainer.X, trainer.y
        else:
            X, y = trainer._check_data(X, y)
    else:
        trainer = Trainer(trainer_or_model, X, y, loss=loss, l1=l1, l2=l2)
        X, y = trainer.X, trainer.y
    h = number(h, "the step h (such as 1e-4)", 0.0, 1.0, above=True, below=True)
    model = trainer.model
    kinked = [k for k, name in enumerate(model.activations) if name in KINKED]

    def loss_and_signs():
        value = trainer.loss.value(model.forward(X), y) + trainer.penalty()
        zs = model._cache[1]
        return value, [zs[k] > 0 for k in kinked]

    _, _, grads = trainer.gradients(X, y)
    base_loss, base_signs = loss_and_signs()
    smallest = floor(base_loss, h)
    n_weights = len(model.weights)
    worst, checked, skipped = 0.0, 0, 0
    for i, (p, g) in enumerate(zip(model.params, grads)):
        for idx in np.ndindex(p.shape):
            old = p[idx]
            values, crossed = {}, i < n_weights and trainer.l1 > 0 and abs(old) <= 2 * h
            for step in (h, -h, 2 * h, -2 * h):
                p[idx] = old + step
                values[step], signs = loss_and_signs()
                crossed = crossed or any((a != b).any() for a, b in zip(signs, base_signs))
            p[idx] = old
            if crossed:
                skipped += 1
                continue
            numeric = (8.0 * (values[h] - values[-h]) - (values[2 * h] - values[-2 * h])) / (12.0 * h)
            worst = max(worst, abs(g[idx] - numeric) / max(abs(g[idx]) + abs(numeric), smallest))
            checked += 1
    model.forward(X)  # leave the cache as backprop left it
    return {"error": float(worst), "floor": smallest, "checked": checked, "skipped": skipped}
