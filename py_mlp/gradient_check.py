"""Gradient check: backprop against central finite differences, over every parameter.

Runs on CPython and in the browser; it is slow (a few forward passes per parameter), so
it is meant for small networks and tests.

The measure is the relative error of each derivative, with an absolute floor: finite
differences resolve a derivative only to about ``eps (|L| + 1) / h`` (rounding in the
differences of the loss), so a derivative far below that, as in a deep sigmoid network's
first layers, is compared by its absolute error over the floor ``floor(L, h)`` instead.
Rounding then scores about ``TOLERANCE / 100`` and a wrong derivative scores far above
``TOLERANCE``, for tiny and large gradients alike.

``check_activation`` applies the same measure to one activation's derivative ``df(z, a)``
over a range of z, then runs the network check with it in a small network: the check the
page runs on an activation a reader wrote before training with it.
"""

import numpy as np

from ._check import number
from .activations import call_checked, get_activation, trial
from .jsonsafe import finite


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


def check_gradients(trainer_or_model, X=None, y=None, loss="binary_cross_entropy", h=1e-4, l1=0.0, l2=0.0,
                    corners=(), margin=0.0):
    """``{"error", "floor", "checked", "skipped"}``: the largest error (see the module
    docstring) over the derivatives checked, and how many were skipped.

    The error per entry is ``|g - n| / max(|g| + |n|, floor(L, h))``. The numerical
    derivative is the fourth-order central difference
    ``(8 (L(p+h) - L(p-h)) - (L(p+2h) - L(p-2h))) / 12h``: its truncation error is
    O(h^4) and its rounding error about ``eps L / h``. A derivative whose steps move a
    relu or leaky relu input across its kink at 0, or a weight across the L1 term's kink,
    has no finite difference to compare with: it is skipped and counted. So is one whose
    steps move an input of a registered activation across, or to within ``margin`` of,
    one of ``corners`` (the z where it has a corner, as ``check_activation`` finds them).
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
    # (layer, corner z, margin): the corners a step's pre-activations must not cross
    kinks = [(k, 0.0, None) for k, name in enumerate(model.activations) if name in KINKED]
    kinks += [(k, float(c), margin) for k, act in enumerate(model._fns) if act.registered for c in corners]

    def loss_and_zs():
        value = trainer.loss.value(model.forward(X), y) + trainer.penalty()
        return value, [model._cache[1][k] for k, _, _ in kinks]

    def crosses(zs, base_zs):
        for (_, c, near), z, base in zip(kinks, zs, base_zs):
            if near is None:  # a built-in kink at exactly 0
                if ((z > c) != (base > c)).any():
                    return True
                continue
            near_corner = ((z > c) != (base > c)) | (np.abs(z - c) <= near) | (np.abs(base - c) <= near)
            if ((z != base) & near_corner).any():
                return True
        return False

    _, _, grads = trainer.gradients(X, y)
    base_loss, base_zs = loss_and_zs()
    smallest = floor(base_loss, h)
    n_weights = len(model.weights)
    worst, checked, skipped = 0.0, 0, 0
    for i, (p, g) in enumerate(zip(model.params, grads)):
        for idx in np.ndindex(p.shape):
            old = p[idx]
            values, crossed = {}, i < n_weights and trainer.l1 > 0 and abs(old) <= 2 * h
            for step in (h, -h, 2 * h, -2 * h):
                p[idx] = old + step
                values[step], zs = loss_and_zs()
                crossed = crossed or crosses(zs, base_zs)
            p[idx] = old
            if crossed:
                skipped += 1
                continue
            numeric = (8.0 * (values[h] - values[-h]) - (values[2 * h] - values[-2 * h])) / (12.0 * h)
            worst = max(worst, abs(g[idx] - numeric) / max(abs(g[idx]) + abs(numeric), smallest))
            checked += 1
    model.forward(X)  # leave the cache as backprop left it
    return {"error": float(worst), "floor": smallest, "checked": checked, "skipped": skipped}


ACTIVATION_STEP = 1e-3  # f is cheap and smooth away from corners: the fourth-order error h^4 is ~1e-12
KINK = 1e-3  # one-sided slopes differing by more than this (relative, floor 1) mark a corner


def check_activation(fn, grad=None, z_range=(-4.0, 4.0), n=201, network=True, seed=0):
    """Does ``grad(z, a)`` give the derivative of ``fn(z)``? Pointwise over ``z_range``, then in a network.

    ``fn`` and ``grad`` are the two functions (as ``activations.register_activation`` takes
    them, registered or not), or ``fn`` is the name of an elementwise activation in the table
    and ``grad`` is None. At ``n`` evenly spaced z the user's ``df`` is compared with the
    fourth-order central difference of ``fn`` (step ``ACTIVATION_STEP``), by the module's
    relative error with a floor. A z where ``fn`` has a corner (its one-sided slopes differ,
    as relu's at 0) has no derivative to compare: it is skipped and listed in ``corners``.
    With ``network``, ``check_gradients`` then runs on a 2-4-3-1 network with this activation
    in both hidden layers, a sigmoid output and 16 random points (seeded by ``seed``).

    Returns ``{"z", "f", "df", "numeric", "errors"}`` (lists over z; ``errors`` holds None at
    a corner), ``"error"`` (the largest), ``"worst_z"`` (where it is; None if every z was
    skipped), ``"corners"``, ``"tolerance"`` (``TOLERANCE``), ``"h"``, ``"pointwise_passed"``,
    ``"network"`` (``check_gradients``'s dict plus ``"passed"``, or None) and ``"passed"``
    (both passed). ``fn`` or ``grad`` raising, returning the wrong shape, NaN or infinity is
    a ``ValueError`` saying which and where.
    """
    if isinstance(fn, str):
        act = get_activation(fn)
        if not act.elementwise:
            raise ValueError(f"{fn!r} has no elementwise derivative to check; pick relu, tanh, ...")
        fn, grad = act.fn, act.grad
    if not callable(fn) or not callable(grad):
        raise TypeError("check_activation needs the functions f(z) and df(z, a), or the name of an activation")
    if not isinstance(z_range, (tuple, list)) or len(z_range) != 2:
        raise TypeError(f"z_range must be a pair (low, high) such as (-4, 4), got {z_range!r}")
    low = number(z_range[0], "the lowest z", -1e6, 1e6)
    high = number(z_range[1], "the highest z", low, 1e6, above=True)
    n = number(n, "the number of points n", 3, 100_000, whole=True)
    h = ACTIVATION_STEP
    z = np.linspace(low, high, n)
    stencil = z + h * np.array([-2.0, -1.0, 0.0, 1.0, 2.0]).reshape(5, 1)  # one 2-D call, rows z-2h .. z+2h
    f = call_checked("f(z)", lambda: fn(stencil.copy()), stencil)
    a = f[2]
    row = z.reshape(1, -1)
    df = call_checked("df(z, a)", lambda: grad(row.copy(), a.reshape(1, -1).copy()), row)[0]
    numeric = (8.0 * (f[3] - f[1]) - (f[4] - f[0])) / (12.0 * h)
    left = (3.0 * f[2] - 4.0 * f[1] + f[0]) / (2.0 * h)
    right = (-3.0 * f[2] + 4.0 * f[3] - f[4]) / (2.0 * h)
    corner = np.abs(left - right) > KINK * np.maximum(1.0, np.maximum(np.abs(left), np.abs(right)))
    smallest = 100.0 * np.finfo(float).eps * (np.abs(a) + 1.0) / h / TOLERANCE
    errors = np.abs(df - numeric) / np.maximum(np.abs(df) + np.abs(numeric), smallest)
    checked = np.flatnonzero(~corner)
    worst = int(checked[np.argmax(errors[checked])]) if checked.size else None
    error = 0.0 if worst is None else float(errors[worst])
    result = {
        "z": z.tolist(), "f": a.tolist(), "df": df.tolist(), "numeric": numeric.tolist(),
        "errors": [None if c else float(e) for c, e in zip(corner, errors)],
        "error": error, "worst_z": None if worst is None else float(z[worst]),
        "corners": z[corner].tolist(), "tolerance": TOLERANCE, "h": h,
        "pointwise_passed": error < TOLERANCE, "network": None,
    }
    if network:
        result["network"] = _network_check(fn, grad, seed, result["corners"])
    result["passed"] = result["pointwise_passed"] and (result["network"] is None or result["network"]["passed"])
    return finite(result)


def _network_check(fn, grad, seed, corners):
    """``check_gradients`` on a small network whose hidden layers use ``fn``, ``grad``.

    The biases start random, not at 0, so no pre-activation sits exactly on a corner at 0
    (a dead unit's successors would) and f is tried away from 0 too.
    """
    from .model import MLP

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(16, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    with trial(fn, grad) as name:
        model = MLP([2, 4, 3, 1], activations=[name, name, "sigmoid"], init="glorot", seed=seed)
    for b in model.biases:
        b[...] = rng.normal(scale=0.5, size=b.shape)
    try:
        with np.errstate(all="ignore"):
            result = check_gradients(model, X, y, loss="binary_cross_entropy", corners=corners,
                                     margin=2 * ACTIVATION_STEP)
    except Exception as exc:  # the user's code, on the network's own z
        raise ValueError(f"the network check stopped: f or df raised {type(exc).__name__}: {exc}") from None
    result["passed"] = bool(result["error"] < TOLERANCE)  # False for NaN too
    return finite(result)
