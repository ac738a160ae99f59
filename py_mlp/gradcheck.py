"""Gradient check: backprop against central finite differences, over every parameter.

Runs on CPython and in the browser; it is slow (a few forward passes per parameter), so
it is meant for small networks and tests.
"""

import numpy as np

from ._check import number


def gradcheck(trainer_or_model, X=None, y=None, loss="binary_cross_entropy", h=1e-4, l1=0.0, l2=0.0):
    """Largest relative error between backprop and central differences over all parameters.

    Accepts a ``Trainer`` (its loss and regularisation are used, on its full training set
    unless X, y are given) or an ``MLP`` with ``X``, ``y`` and a loss name.
    Relative error per entry is ``|g - n| / max(|g| + |n|, 1e-8)``.

    The numerical derivative is the fourth-order central difference
    ``(8 (L(p+h) - L(p-h)) - (L(p+2h) - L(p-2h))) / 12h``: its truncation error is
    O(h^4) and its rounding error about ``eps L / h``, so ``h = 1e-4`` keeps both near
    1e-12, where the plain ``(L(p+h) - L(p-h)) / 2h`` cannot get both below ~1e-10. Keep
    inputs away from the kinks of relu and of the L1 term (within ``2h``) or expect a
    large error there.
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

    def loss_at(p, idx, value):
        p[idx] = value
        return trainer.loss.value(trainer.model.forward(X), y) + trainer.penalty()

    _, _, grads = trainer.gradients(X, y)
    worst = 0.0
    for p, g in zip(trainer.model.params, grads):
        for idx in np.ndindex(p.shape):
            old = p[idx]
            near = loss_at(p, idx, old + h) - loss_at(p, idx, old - h)
            far = loss_at(p, idx, old + 2 * h) - loss_at(p, idx, old - 2 * h)
            p[idx] = old
            numeric = (8.0 * near - far) / (12.0 * h)
            err = abs(g[idx] - numeric) / max(abs(g[idx]) + abs(numeric), 1e-8)
            worst = max(worst, err)
    return float(worst)
