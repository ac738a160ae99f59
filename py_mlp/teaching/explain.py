"""Follow one derivative through the network: the chain rule for one sample, with numbers.

Runs on CPython and unchanged in the Pyodide worker (the page's "follow one derivative"
panel); imports numpy only. Non-goals: drawing, batches (everything here is about one
sample), speed on large networks.

Notation (the tutorial's). Layers are numbered from 1 as in ``a_k = f_k(a_{k-1} W_k + b_k)``,
``a_0 = x`` the input and layer ``L`` the output; neurons are numbered from 0 (they index
arrays). ``W_k`` is (fan_in, fan_out), so the weight "in layer k from neuron j to neuron
i" is ``W_k[j, i]``: j is a neuron of layer k-1 (an input when k = 1), i one of layer k.
Backward, one line each:

    dL/dz_k     = dL/da_k * f_k'(z_k)       (at the output: the model's own dL/dz, below)
    dL/dW_k     = a_{k-1}^T dL/dz_k         so dL/dw = dL/dz_i * a_j for w = W_k[j, i]
    dL/db_k     = dL/dz_k                   (one sample: the sum over the batch is that sample)
    dL/da_{k-1} = dL/dz_k W_k^T             so dL/da_i = sum over m of dL/dz_m * w_mi

with ``w_mi = W_{k+1}[i, m]`` the weight from neuron i to neuron m of the next layer.

The loss explained is the one training minimises on a batch of this one sample: the
model's loss of the sample plus the L1/L2 penalty on the weights (``Trainer.gradients``).
So a regularised weight's derivative has a second term, ``l2 w + l1 sign(w)``, that no
neuron carries; ``weight_terms`` shows it as ``penalty_term``, the path sum counts it as
one more path (w straight to the loss) and the matrix form and the finite difference
include it by construction. Biases are not regularised.

The output layer. Where the loss is paired with its natural output activation
(sigmoid + binary cross-entropy, softmax + cross-entropy, identity + squared error), the
model uses the fused ``dL/dz = yhat - y`` (``losses.py``); ``trace`` reports that as the
output's dL/dz, next to the unfused ``dL/da`` of the loss. The path sum does not use the
shortcut: it writes the total derivative out through every node, ``z -> a -> L``, and a
softmax output goes through its full Jacobian ``da_p/dz_n = a_p (delta_pn - a_n)``: a
change of ``z_n`` travels to every output ``a_p``, so each path through a softmax layer of
``c`` outputs splits into ``c``. The path sum is thus an independent derivation, and its
agreement with the matrix form checks the shortcut too. (Where an output is within 1e-12
of 0 or 1 the loss is clipped, and the unfused and fused forms may part; the result then
carries a warning.)

Every function takes the model as a ``Trainer`` (its loss and L1/L2 rates are used) or as
an ``MLP`` with ``loss`` (by default the natural loss of its output activation) and
``l1``, ``l2`` (default 0), then one sample ``x`` (n_inputs,) and its target ``y``: a class
label or a number, or a full target row (one-hot for multi-class). The worker passes
``trainer.X[n], trainer.y[n]``. Results are plain dicts of floats, ints, strings, lists
and None, safe for JSON: a non-finite number becomes None (``jsonsafe.finite``). The
model's parameters and its pending backward pass are left as they were.
"""

import math

import numpy as np

from .._check import number
from ..gradient_check import KINKED
from ..jsonsafe import finite
from ..losses import EPS, natural_loss
from ..training import Trainer

MAX_PATHS = 100_000  # the path sum is computed up to this many paths
STEP = 1e-3  # the finite difference's step h (fourth order: truncation ~h^4, rounding ~eps/h)
TOP_PATHS = 10  # the largest paths listed with their factors


def _one_sample(model, x, y, loss=None, l1=None, l2=None):
    """A Trainer on just this sample, with the loss and rates of ``model`` (a Trainer) or the given ones."""
    if isinstance(model, Trainer):
        base = model
        model, loss = base.model, base.loss.name if loss is None else loss
        l1, l2 = base.l1 if l1 is None else l1, base.l2 if l2 is None else l2
    elif loss is None:
        output = model.activations[-1]
        try:
            loss = natural_loss(output).name
        except ValueError:
            raise ValueError(f"the output activation is {output!r}; say which loss to explain with loss=...") from None
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x.reshape(1, -1)
    if x.ndim != 2 or x.shape[0] != 1:
        raise ValueError(f"x must be one sample of shape ({model.sizes[0]},), got shape {x.shape}")
    y = np.asarray(y)
    if y.ndim == 0:
        y = y.reshape(1)  # a label or a single target
    elif y.ndim == 1:
        y = y.reshape(1, -1)  # a full target row
    if y.shape[0] != 1:
        raise ValueError(f"y must be the target of one sample (a number or a row), got shape {y.shape}")
    return Trainer(model, x, y, loss=loss, l1=l1 or 0.0, l2=l2 or 0.0, shuffle=False, keep_history=False)


def _forward(model, X):
    """Every layer's z and a for X, through ``MLP.forward``, leaving its pending backward pass alone."""
    saved = model._cache
    try:
        model.forward(X)
        _, zs, outs = model._cache
    finally:
        model._cache = saved
    return [z[0] for z in zs], [a[0] for a in outs]


def _parameter(model, layer, i, j):
    """(0-based layer index, i, j) validated: layer 1..L, neuron i of that layer, j of the one before."""
    n_layers = len(model.weights)
    layer = number(layer, "layer", 1, n_layers, whole=True)
    i = number(i, f"neuron i (of layer {layer})", 0, model.sizes[layer] - 1, whole=True)
    if j is not None:
        before = "input" if layer == 1 else f"neuron of layer {layer - 1}"
        j = number(j, f"j (the {before} the weight comes from)", 0, model.sizes[layer - 1] - 1, whole=True)
    return layer - 1, i, j


def _backward(trainer, zs, outs):
    """Per layer (0-based): dL/da and dL/dz of every neuron, the output's dL/dz as the model uses it."""
    model, loss = trainer.model, trainer.loss
    Y = trainer.y
    yhat = outs[-1].reshape(1, -1)
    n_layers = len(model.weights)
    das, dzs = [None] * n_layers, [None] * n_layers
    das[-1] = loss.grad(yhat, Y)[0]
    if trainer._paired:
        dzs[-1] = loss.output_delta(yhat, Y)[0]
    else:
        dzs[-1] = das[-1] * model._fns[-1].grad(zs[-1], outs[-1])
    for k in range(n_layers - 2, -1, -1):
        das[k] = model.weights[k + 1] @ dzs[k + 1]  # dL/da_k = dL/dz_{k+1} W_{k+1}^T for one row
        dzs[k] = das[k] * model._fns[k].grad(zs[k], outs[k])
    return das, dzs


def _slope(model, k, z, a):
    """f_k'(z) of layer k (0-based) for every neuron, or None for softmax (no elementwise derivative)."""
    act = model._fns[k]
    return act.grad(z, a) if act.elementwise else None


def _softmax_jacobian(a):
    """``J[p, n] = da_p / dz_n = a_p (delta_pn - a_n)``."""
    return np.diag(a) - np.outer(a, a)


def _penalty_slope(trainer, w):
    """d(penalty)/dw for one weight: ``l2 w + l1 sign(w)``."""
    return trainer.l2 * w + trainer.l1 * float(np.sign(w))


def _warnings(trainer, zs, outs):
    notes = []
    if trainer.loss.name != "mean_squared_error":
        yhat = outs[-1]
        if np.any(yhat < EPS) or np.any(yhat > 1.0 - EPS):
            notes.append(
                "an output is within 1e-12 of 0 or 1, where the loss is clipped: the finite difference "
                "and the unfused path sum may differ from the model's fused dL/dz there"
            )
    return notes


def trace(model, x, y, loss=None, l1=None, l2=None):
    """The forward and backward pass of one sample, neuron by neuron.

    Returns ``{"loss", "paired", "value", "penalty", "total", "l1", "l2", "x", "y", "layers",
    "warnings"}``: the loss's name; whether the output's dL/dz is the fused ``yhat - y``; the
    sample's loss, the penalty and their sum; the rates; the input and the target row; and
    ``layers``, one dict per layer k = 1..L::

        {"layer": k, "activation": name,
         "z": [...], "a": [...],           # forward, one number per neuron
         "df_dz": [...] or None,           # f_k'(z); None for softmax, which has instead
         "jacobian": [[...]] or None,      # da_p/dz_n (row p, column n), softmax only
         "dL_da": [...], "dL_dz": [...]}   # backward; at the output dL/dz is what the model uses
    """
    trainer = _one_sample(model, x, y, loss, l1, l2)
    model = trainer.model
    zs, outs = _forward(model, trainer.X)
    das, dzs = _backward(trainer, zs, outs)
    value = trainer.loss.value(outs[-1].reshape(1, -1), trainer.y)
    penalty = trainer.penalty()
    layers = []
    for k, (z, a, da, dz) in enumerate(zip(zs, outs, das, dzs)):
        slope = _slope(model, k, z, a)
        layers.append({
            "layer": k + 1, "activation": model.activations[k], "z": z, "a": a,
            "df_dz": slope, "jacobian": _softmax_jacobian(a) if slope is None else None,
            "dL_da": da, "dL_dz": dz,
        })
    return finite({
        "loss": trainer.loss.name, "paired": trainer._paired, "value": value, "penalty": penalty,
        "total": value + penalty, "l1": trainer.l1, "l2": trainer.l2,
        "x": trainer.X[0], "y": trainer.y[0], "layers": layers, "warnings": _warnings(trainer, zs, outs),
    })


def _weight_terms(trainer, k, i, j):
    model = trainer.model
    zs, outs = _forward(model, trainer.X)
    das, dzs = _backward(trainer, zs, outs)
    a_prev = trainer.X[0] if k == 0 else outs[k - 1]
    slope = _slope(model, k, zs[k], outs[k])
    output = k == len(model.weights) - 1
    terms = []
    if output:
        da_i, dz_i = das[k][i], dzs[k][i]
        rule = "fused" if trainer._paired else "output"
    else:
        W_next = model.weights[k + 1]
        terms = [{"m": m, "dL_dz_m": float(dzs[k + 1][m]), "w_mi": float(W_next[i, m]),
                  "product": float(dzs[k + 1][m] * W_next[i, m])} for m in range(W_next.shape[1])]
        da_i = math.fsum(t["product"] for t in terms)
        dz_i = slope[i] * da_i
        rule = "hidden"
    bias = j is None
    w = model.biases[k][i] if bias else model.weights[k][j, i]
    data_term = dz_i if bias else dz_i * a_prev[j]
    penalty_term = 0.0 if bias else _penalty_slope(trainer, w)
    return {
        "param": "b" if bias else "W", "layer": k + 1, "i": i, "j": j, "value": w,
        "a_j": None if bias else a_prev[j], "z_i": zs[k][i], "a_i": outs[k][i],
        "df_dz_i": None if slope is None else slope[i], "output": output, "rule": rule,
        "y_i": trainer.y[0][i] if output else None,
        "terms": terms, "dL_da_i": da_i, "dL_dz_i": dz_i,
        "data_term": data_term, "penalty_term": penalty_term, "dL_dw": data_term + penalty_term,
    }


def weight_terms(model, x, y, layer, i, j=None, loss=None, l1=None, l2=None):
    """The chain rule for one parameter: ``w = W_layer[j, i]``, or the bias ``b_i`` when j is None.

    ``dL/dw = dL/dz_i * a_j (+ the penalty's l2 w + l1 sign(w))``, and for a bias
    ``dL/db_i = dL/dz_i``. In a hidden layer ``dL/dz_i = f'(z_i) * sum over m of
    dL/dz_m * w_mi``, each term listed. At the output (``"output": True``) there is no sum:
    ``dL/dz_i`` is ``a_i - y_i`` where the loss is paired with the output activation
    (``"rule": "fused"``), else ``dL/da_i * f'(z_i)`` (``"rule": "output"``).

    Returns ``{"param": "W" or "b", "layer", "i", "j", "value" (the parameter), "a_j" (None for
    a bias), "z_i", "a_i", "df_dz_i" (None for softmax), "output", "rule", "y_i" (output only),
    "terms": [{"m", "dL_dz_m", "w_mi", "product"}, ...] ([] at the output), "dL_da_i",
    "dL_dz_i", "data_term", "penalty_term", "dL_dw"}``; ``dL_dw`` is the derivative.
    """
    trainer = _one_sample(model, x, y, loss, l1, l2)
    return finite(_weight_terms(trainer, *_parameter(trainer.model, layer, i, j)))


def _matrix_form(trainer, k, i, j):
    saved = trainer.model._cache
    try:
        _, _, grads = trainer.gradients(trainer.X, trainer.y)
    finally:
        trainer.model._cache = saved
    n_layers = len(trainer.model.weights)
    if j is None:
        return {"value": grads[n_layers + k][i], "matrix": "db", "shape": list(grads[n_layers + k].shape)}
    return {"value": grads[k][j, i], "matrix": "dW", "shape": list(grads[k].shape)}


def matrix_form(model, x, y, layer, i, j=None, loss=None, l1=None, l2=None):
    """The derivative as the (j, i) entry of ``dW_layer`` (or entry i of ``db_layer``) from
    ``MLP.backward`` on a batch of this one sample, penalty included, as training computes it.

    Returns ``{"value", "matrix": "dW" or "db", "shape": [fan_in, fan_out] or [fan_out]}``.
    """
    trainer = _one_sample(model, x, y, loss, l1, l2)
    return finite(_matrix_form(trainer, *_parameter(trainer.model, layer, i, j)))


def _finite_difference(trainer, k, i, j, h):
    model = trainer.model
    p = model.biases[k] if j is None else model.weights[k]
    idx = (i,) if j is None else (j, i)
    kinked = [n for n, name in enumerate(model.activations) if name in KINKED]

    def loss_and_signs():
        zs, outs = _forward(model, trainer.X)
        value = trainer.loss.value(outs[-1].reshape(1, -1), trainer.y) + trainer.penalty()
        return value, [zs[n] > 0 for n in kinked]

    old = p[idx]
    base, base_signs = loss_and_signs()
    values, crossed = {}, j is not None and trainer.l1 > 0 and abs(old) <= 2 * h
    try:
        for step in (h, -h, 2 * h, -2 * h):
            p[idx] = old + step
            values[step], signs = loss_and_signs()
            crossed = crossed or any((a != b).any() for a, b in zip(signs, base_signs))
    finally:
        p[idx] = old
    fourth = (8.0 * (values[h] - values[-h]) - (values[2 * h] - values[-2 * h])) / (12.0 * h)
    second = (values[h] - values[-h]) / (2.0 * h)
    return {
        "value": fourth, "second_order": second, "h": h, "loss": base,
        "resolution": float(np.finfo(float).eps * (abs(base) + 1.0) / h),
        "kink": bool(crossed),
    }


def finite_difference(model, x, y, layer, i, j=None, loss=None, l1=None, l2=None, h=STEP):
    """The derivative from the loss alone: a central difference of the sample's loss (penalty included).

    ``value`` is the fourth-order central difference
    ``(8 (L(w+h) - L(w-h)) - (L(w+2h) - L(w-2h))) / 12h``, error about ``h^4`` from the
    curvature and ``eps L / h`` from rounding (``resolution``), which with the default
    ``h = 1e-3`` in float64 matches the chain rule to 1e-7 and better wherever the
    derivative is well above ``resolution``. ``second_order`` is the textbook
    ``(L(w+h) - L(w-h)) / 2h`` with the same h, less accurate (error about ``h^2``).
    ``kink`` is True when a step moved a relu or leaky relu input across 0, or an
    L1-penalised weight across 0: the loss has a corner there and no difference can match.

    Returns ``{"value", "second_order", "h", "loss", "resolution", "kink"}``.
    """
    h = number(h, "the step h (such as 1e-3)", 0.0, 1.0, above=True, below=True)
    trainer = _one_sample(model, x, y, loss, l1, l2)
    return finite(_finite_difference(trainer, *_parameter(trainer.model, layer, i, j), h))


def count_paths(sizes, layer, softmax=False, penalty=False):
    """How many paths lead from a parameter of ``layer`` (1-based) to the loss in a network of ``sizes``.

    A path runs through one neuron of every later layer: ``sizes[layer+1] * ... * sizes[-1]``
    of them, times the number of outputs again for a softmax output (its Jacobian links every
    ``z_n`` to every ``a_p``), plus one for the penalty's direct path of a regularised weight.
    An exact Python int, however large.
    """
    count = 1
    for width in sizes[layer + 1:]:
        count *= int(width)
    if softmax:
        count *= int(sizes[-1])
    return count + (1 if penalty else 0)


def _path_sum(trainer, k, i, j, max_paths, top):
    model = trainer.model
    n_layers = len(model.weights)
    softmax = not model._fns[-1].elementwise
    has_penalty = j is not None and (trainer.l1 > 0 or trainer.l2 > 0)
    n_paths = count_paths(model.sizes, k + 1, softmax, has_penalty)
    result = {"paths": n_paths, "max_paths": max_paths, "too_many": n_paths > max_paths,
              "penalty_path": has_penalty, "value": None, "sum_abs": None, "top": []}
    if result["too_many"]:
        return result
    zs, outs = _forward(model, trainer.X)
    dL_da = trainer.loss.grad(outs[-1].reshape(1, -1), trainer.y)[0]
    slopes = [_slope(model, n, zs[n], outs[n]) for n in range(n_layers)]
    a_prev = trainer.X[0] if k == 0 else outs[k - 1]
    first = 1.0 if j is None else float(a_prev[j])  # dz_i/dw: a_j for a weight, 1 for a bias
    # Path number t picks, at each later layer and (softmax) at the output, the digit of t
    # in a mixed radix of the layer widths: every combination once.
    dims = [model.sizes[n + 1] for n in range(k + 1, n_layers)] + ([model.sizes[-1]] if softmax else [])
    n_network = count_paths(model.sizes, k + 1, softmax)
    flat = np.arange(n_network)
    strides = [math.prod(dims[d + 1:]) for d in range(len(dims))]

    def digit(d, t=flat):
        return (t // strides[d]) % dims[d]

    products = np.full(n_network, first)
    here = np.full(n_network, i)
    for n in range(k, n_layers - 1):  # z_here -> a_here -> z_next of layer n + 1
        nxt = digit(n - k)
        products *= slopes[n][here] * model.weights[n + 1][here, nxt]
        here = nxt
    a_out = outs[-1]
    if softmax:  # z_here -> a_p for every output p, then a_p -> L
        p = digit(len(dims) - 1)
        products *= a_out[p] * ((p == here) - a_out[here]) * dL_da[p]
    else:  # z_here -> a_here -> L
        products *= slopes[-1][here] * dL_da[here]
    penalty = _penalty_slope(trainer, model.weights[k][j, i]) if has_penalty else 0.0
    result["value"] = math.fsum(products) + penalty  # fsum: the exact sum of the products
    result["sum_abs"] = math.fsum(np.abs(products)) + abs(penalty)

    order = np.argsort(-np.abs(products), kind="stable")[:top]
    for t in order:
        neurons = [i] + [int(digit(d, t)) for d in range(n_layers - 1 - k)]
        factors = [first]
        for n in range(k, n_layers - 1):
            factors += [slopes[n][neurons[n - k]], model.weights[n + 1][neurons[n - k], neurons[n - k + 1]]]
        last = neurons[-1]
        if softmax:
            out = int(digit(len(dims) - 1, t))
            factors += [a_out[out] * ((out == last) - a_out[last]), dL_da[out]]
        else:
            out = last
            factors += [slopes[-1][last], dL_da[last]]
        result["top"].append({"neurons": neurons, "output": out, "factors": factors, "value": products[t]})
    if has_penalty:
        result["top"].append({"neurons": [], "output": None, "factors": [penalty], "value": penalty,
                              "penalty": True})
    return result


def path_sum(model, x, y, layer, i, j=None, loss=None, l1=None, l2=None, max_paths=MAX_PATHS, top=TOP_PATHS):
    """The total derivative written out: the sum over every path from the parameter to the
    loss of the product of the local derivatives along it.

    A path from ``w = W_layer[j, i]`` starts with ``dz_i/dw = a_j`` (1 for a bias), then
    in each layer n takes ``f_n'(z)`` to its neuron's output and a weight ``W_{n+1}[.,.]``
    to one neuron of the next layer, and ends with the output's ``f'(z)`` (a softmax's
    Jacobian entry ``da_p/dz_n``, to each output p) and the loss's ``dL/da``: every node
    written out, the fused output shortcut not used (see the module docstring). A
    regularised weight has one more path, straight to the penalty: ``l2 w + l1 sign(w)``.

    The paths are counted first (``count_paths``); over ``max_paths`` (100,000) none is
    computed and ``too_many`` is True, ``value`` None. Else ``value`` is the exactly
    rounded sum (``math.fsum``) of the products, ``sum_abs`` the sum of their sizes (how
    much cancels), and ``top`` lists the ``top`` largest paths by size::

        {"neurons": [i, m_{layer+1}, ..., m_L],   # the neuron the path visits in each layer
         "output": p,                              # the output a_p it reaches the loss through
         "factors": [a_j, f'(z_i), w, f'(z_m), w, ..., f'(z_out) or da_p/dz_n, dL/da_p],
         "value": product}

    then the penalty's path ``{"neurons": [], "output": None, "factors": [l2 w + l1 sign w],
    "value", "penalty": True}`` when there is one.

    Returns ``{"paths", "max_paths", "too_many", "penalty_path", "value", "sum_abs", "top"}``.
    """
    max_paths = number(max_paths, "max_paths", 1, whole=True)
    top = number(top, "top", 0, whole=True)
    trainer = _one_sample(model, x, y, loss, l1, l2)
    return finite(_path_sum(trainer, *_parameter(trainer.model, layer, i, j), max_paths, top))


def relative_difference(a, b):
    """``|a - b| / max(|a|, |b|)``: 0 when both are 0, None when either is missing or not finite."""
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return None
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0.0 else abs(a - b) / scale


def derivative(model, x, y, layer, i, j=None, loss=None, l1=None, l2=None, h=STEP, max_paths=MAX_PATHS,
               top=TOP_PATHS):
    """One derivative four ways: the chain rule, the matrix form, a finite difference and the path sum.

    Returns ``{"chain_rule": weight_terms(...), "matrix": matrix_form(...),
    "finite_difference": finite_difference(...), "path_sum": path_sum(...),
    "values": {"chain_rule", "matrix", "finite_difference", "path_sum"},
    "relative_differences": {"matrix", "finite_difference", "path_sum"}, "warnings": [...]}``;
    each relative difference is against the chain rule's value (``relative_difference``),
    and ``path_sum``'s value and difference are None when there are too many paths.
    """
    h = number(h, "the step h (such as 1e-3)", 0.0, 1.0, above=True, below=True)
    max_paths = number(max_paths, "max_paths", 1, whole=True)
    top = number(top, "top", 0, whole=True)
    trainer = _one_sample(model, x, y, loss, l1, l2)
    k, i, j = _parameter(trainer.model, layer, i, j)
    parts = {
        "chain_rule": _weight_terms(trainer, k, i, j),
        "matrix": _matrix_form(trainer, k, i, j),
        "finite_difference": _finite_difference(trainer, k, i, j, h),
        "path_sum": _path_sum(trainer, k, i, j, max_paths, top),
    }
    values = {"chain_rule": float(parts["chain_rule"]["dL_dw"])}
    values.update({name: None if parts[name]["value"] is None else float(parts[name]["value"])
                   for name in ("matrix", "finite_difference", "path_sum")})
    parts["values"] = values
    parts["relative_differences"] = {
        name: relative_difference(values[name], values["chain_rule"])
        for name in ("matrix", "finite_difference", "path_sum")
    }
    zs, outs = _forward(trainer.model, trainer.X)
    notes = _warnings(trainer, zs, outs)
    if parts["finite_difference"]["kink"]:
        notes.append("the finite difference's steps cross a corner of the loss (a relu input or an "
                     "L1-penalised weight at 0): there the difference cannot match the derivative")
    if parts["path_sum"]["too_many"]:
        notes.append(f"{parts['path_sum']['paths']:,} paths lead from this parameter to the loss, more than "
                     f"the {max_paths:,} summed here; pick a parameter nearer the output or a smaller network")
    parts["warnings"] = notes
    return finite(parts)


def explain(model, x, y, layer, i, j=None, loss=None, l1=None, l2=None, h=STEP, max_paths=MAX_PATHS,
            top=TOP_PATHS):
    """Everything the panel shows in one call: ``{"trace": trace(...), "derivative": derivative(...)}``."""
    return {"trace": trace(model, x, y, loss, l1, l2),
            "derivative": derivative(model, x, y, layer, i, j, loss, l1, l2, h, max_paths, top)}
