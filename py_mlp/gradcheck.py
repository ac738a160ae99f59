"""Gradient check: backprop against central finite differences, over every parameter."""

import numpy as np


def gradcheck(trainer_or_model, X=None, y=None, loss="binary_cross_entropy", h=1e-6, l1=0.0, l2=0.0):
    """Largest relative error between backprop and central differences over all parameters.

    Accepts a ``Trainer`` (its loss and regularisation are used, on its full training set
    unless X, y are given) or an ``MLP`` with ``X``, ``y`` and a loss name.
    Relative error per entry is ``|g - n| / max(|g| + |n|, 1e-8)``.
    """
    from .training import Trainer

    if isinstance(trainer_or_model, Trainer):
        trainer = trainer_or_model
        X = trainer.X if X is None else trainer.model.check_input(X)
        y = trainer.y if y is None else y
    else:
        trainer = Trainer(trainer_or_model, X, y, loss=loss, l1=l1, l2=l2)
        X, y = trainer.X, trainer.y
    _, _, grads = trainer.gradients(X, y)
    worst = 0.0
    for p, g in zip(trainer.model.params, grads):
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + h
            up = trainer.loss.value(trainer.model.forward(X), y) + trainer.penalty()
            flat[i] = old - h
            down = trainer.loss.value(trainer.model.forward(X), y) + trainer.penalty()
            flat[i] = old
            numeric = (up - down) / (2 * h)
            err = abs(gflat[i] - numeric) / max(abs(gflat[i]) + abs(numeric), 1e-8)
            worst = max(worst, err)
    return worst
