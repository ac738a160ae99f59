"""Training worker: runs in the page's Python worker (pyworker.js) on Pyodide, never on the
page's main thread.

The page calls the functions named in ``__export__``; each returns a JSON string (plain
numbers only, never NaN or Infinity, so no Python object crosses to JavaScript, nothing
leaks and ``JSON.parse`` reads every answer). Every way a call can end is an answer: an
exception the reader's own code raises while the network uses it, SystemExit and
KeyboardInterrupt included, is ``{"ok": false, "fault": "code", ...}``; JSON the page
sends is read with a limit on its nesting.
Training advances in bounded chunks: ``train`` runs whole epochs until a time budget or
an epoch limit is reached, then returns their metrics for the page to draw.

Non-goals: no drawing, no DOM access; the maths lives in ``py_mlp``, unchanged from
CPython, and this module only adapts it to the page.
"""

import builtins
import contextlib
import functools
import math
import os
import sys
import time
import types

import numpy as np

from py_mlp import activations, jsonsafe, losses, metrics, serialization
from py_mlp.data import csvdata, datasets
from py_mlp.teaching import article
from py_mlp._check import number
from py_mlp.app import settings
from py_mlp.app.config import ConfigError, build_run, check_config
from py_mlp.teaching.explain import explain as explain_sample
from py_mlp.teaching.explain import trace
from py_mlp.gradient_check import TOLERANCE, check_activation, check_gradients
from py_mlp.training import TrainingDiverged

GRADCHECK_SAMPLES = 64
# The current run (its config is the one config: what training uses) and the page's settings
# it was made from, the user's own points, and per run: the data square and the grid inputs
# the heatmaps are drawn from (made once, not at every refresh).
_state = {"run": None, "page": None, "custom": None, "domain": None, "grids": {}}


def _needs_run(export):
    """Pass the current run to ``export``, or answer that there is none yet."""

    @functools.wraps(export)
    def wrapper(*args):
        if _state["run"] is None:
            return _error("the network is not set up; press Reset")
        return export(_state["run"], *args)

    return wrapper


def _ok(**fields):
    return jsonsafe.dumps({"ok": True, **fields})


def _error(message, field=None, **fields):
    return jsonsafe.dumps({"ok": False, "error": message, "field": field, **fields})


def _domain(points):
    """The square of data coordinates the page plots: every point, at least [-1.5, 1.5]."""
    extent = datasets.plot_extent(points)
    return [-extent, extent, -extent, extent]


def _points(points, y):
    return {"x": points[:, 0].tolist(), "y": points[:, 1].tolist(), "label": np.asarray(y).tolist()}


def _metric(run):
    return "r2" if run.config["problem"] == "regression" else "accuracy"


def _labels(run, y2d):
    """Class index per row (classification) or the target (regression), from 2-D targets."""
    return y2d[:, 0] if run.config["problem"] == "regression" else metrics.true_labels(y2d)


def _describe(run):
    model = run.model
    t = run.trainer
    return {
        "sizes": model.sizes,
        "activations": model.activations,
        "n_params": model.n_params(),
        "features": run.config["features"],
        "problem": run.config["problem"],
        "loss": run.config["loss"],
        "classes": model.sizes[-1] if run.config["problem"] == "multiclass" else 2,
        "n_train": len(run.X_train),
        "n_test": len(run.X_test),
        "batch_size": t.batch_size,
        "domain": _state["domain"],
        "train": _points(run.points_train, _labels(run, t.y)),
        "test": _points(run.points_test, _labels(run, t.y_test) if t.y_test is not None else []),
        "target_range": [float(t.y.min()), float(t.y.max())],
    }


def run_config(page_json):
    """The ``build_run`` configuration the page's settings (as JSON) make: what ``setup`` builds."""
    try:
        return _ok(config=settings.run_config(jsonsafe.loads(page_json, "the settings")))
    except ConfigError as exc:
        return _error(exc.message, exc.key)
    except (ValueError, TypeError) as exc:
        return _error(str(exc))


def setup(page_json):
    """Build data, network and trainer from the page's settings (as JSON; any left out take
    the page's defaults), through ``py_mlp.app.settings.run_config``."""
    _state["run"] = None
    try:
        page = jsonsafe.loads(page_json, "the settings")
        config = settings.run_config(page)
        run = build_run(config, data=_state["custom"] if config["dataset"] == "custom" else None)
    except ConfigError as exc:
        return _error(exc.message, exc.key)
    except (ValueError, TypeError) as exc:
        return _error(str(exc))
    _state["run"], _state["page"] = run, page
    _state["domain"] = _domain(np.concatenate([run.points_train, run.points_test]))
    _state["grids"] = {}
    return _ok(**_describe(run))


def set_data(csv_text, page_json=None):
    """Parse uploaded or edited points as CSV; keep them for ``dataset: "custom"``. With
    ``page_json`` (the page's settings) they are kept only if those settings can build a
    network on them: a file that cannot train is refused, and the points held are kept."""
    try:
        points, y, problem = csvdata.parse_csv(csv_text)
        if page_json is not None:
            config = settings.run_config({**jsonsafe.loads(page_json, "the settings"), "dataset": "custom"})
            # The activation has nothing to do with the data (and yours may not be registered yet).
            check_config({**config, "activation": "tanh"}, (points, y, problem))
    except ConfigError as exc:
        return _error(f"these {len(points)} points cannot train with the current settings ({exc.key}): {exc.message}",
                      "csv")
    except (ValueError, TypeError) as exc:
        return _error(str(exc), "csv")
    _state["custom"] = (points, y, problem)
    return _ok(n=len(points), problem=problem)


def _edit_points(run, train, test):
    """Set the run's points to ``train`` and ``test`` ((points, labels) each), keeping the
    network and its training; the data become the run's own ("custom") for a Reset."""
    t = run.trainer
    (p_train, y_train), (p_test, y_test) = train, test
    for point in (p_train, p_test):
        if len(point) and np.abs(point).max() > datasets.MAX_DATA_VALUE:
            raise ValueError(f"a point must lie within ±{datasets.MAX_DATA_VALUE:,}")
    t.set_data(run.inputs(p_train), y_train, run.inputs(p_test) if len(p_test) else None, y_test)
    run.points_train, run.points_test = p_train, p_test
    run.X_train, run.X_test = t.X, t.X_test if t.X_test is not None else run.inputs(p_test)
    points = np.concatenate([p_train, p_test])
    _state["custom"] = (points, np.concatenate([y_train, y_test]), run.config["problem"])
    domain = _domain(points)
    if domain != _state["domain"]:
        _state["domain"], _state["grids"] = domain, {}


def _point_sets(run):
    t = run.trainer
    test = _labels(run, t.y_test) if t.y_test is not None else np.empty(0)
    return (run.points_train, _labels(run, t.y)), (run.points_test, test)


@_needs_run
def add_point(run, x, y, label):
    """Add a point to the training set; the network keeps its weights and training goes on."""
    (p_train, y_train), test = _point_sets(run)
    classes = run.model.sizes[-1] if run.config["problem"] == "multiclass" else 2
    if run.config["problem"] != "regression" and label not in range(classes):
        return _error(f"class {label} does not exist here; the classes are 0 to {classes - 1}", "data")
    try:
        _edit_points(run, (np.vstack([p_train, [[float(x), float(y)]]]), np.append(y_train, label)), test)
    except ValueError as exc:
        return _error(str(exc), "data")
    return _ok(**_describe(run))


@_needs_run
def remove_point(run, which, index):
    """Remove point ``index`` of the ``which`` ("train" or "test") set; training goes on."""
    sets = dict(zip(("train", "test"), _point_sets(run)))
    points, labels = sets[which]
    keep = np.arange(len(points)) != int(index)
    sets[which] = (points[keep], labels[keep])
    try:
        _edit_points(run, sets["train"], sets["test"])
    except ValueError as exc:
        return _error(str(exc), "data")
    return _ok(**_describe(run))


@_needs_run
def update(run, page_json):
    """Change settings that keep the network: those the settings table calls live.

    They merge into the page's settings (a key left out keeps its value), become the run's
    configuration through ``settings.run_config``, and ``Run.update`` checks the whole of it
    before anything is applied; so the config, and a saved model, record what training
    really uses. Any other change needs a new network (``setup``, the page's Reset)."""
    try:
        changes = jsonsafe.loads(page_json, "the settings")
    except ValueError as exc:
        return _error(str(exc))
    if not isinstance(changes, dict):
        return _error("update takes an object of settings, such as {\"learning_rate\": 0.1}")
    page = {**_state["page"], **changes}
    data = _state["custom"] if run.config["dataset"] == "custom" else None
    try:
        run.update(settings.run_config(page), data)
    except ConfigError as exc:
        return _error(exc.message, exc.key)
    _state["page"] = page
    return _ok(batch_size=run.trainer.batch_size)


@_needs_run
def train(run, max_epochs, budget_ms):
    """Run whole epochs until ``max_epochs`` or ``budget_ms`` is spent; return their metrics,
    as ``history`` gives them (``epoch``, ``loss``, ``metric``, ... one list each)."""
    trainer = run.trainer
    deadline = time.perf_counter() + float(budget_ms) / 1000.0
    start = trainer.epoch
    stopped = None
    for _ in range(int(max_epochs)):
        try:
            trainer.train_epoch()
        except TrainingDiverged as exc:
            stopped = str(exc)
            break
        if time.perf_counter() >= deadline:
            break
    return _ok(metric_name=_metric(run), stopped=stopped, **trainer.history.columns(since=start))


def _grid(run, n):
    """The network's inputs at the centres of an n x n grid over the data square."""
    if n not in _state["grids"]:
        x0, x1, y0, y1 = _state["domain"]
        xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
        ys = y1 - (np.arange(n) + 0.5) * (y1 - y0) / n  # row 0 at the top
        gx, gy = np.meshgrid(xs, ys)
        _state["grids"][n] = run.inputs(np.column_stack([gx.ravel(), gy.ravel()]))
    return _state["grids"][n]


@_needs_run
def snapshot(run, n):
    """The model's output over an n x n grid of the data square, with its weights."""
    n = max(2, min(int(n), 128))
    out = run.model.predict(_grid(run, n))
    grid = {"n": n}
    if run.config["problem"] == "multiclass":
        grid["classIndex"] = out.argmax(axis=1).tolist()
        grid["confidence"] = out.max(axis=1).tolist()
    else:
        grid["values"] = out[:, 0].tolist()
    return _ok(grid=grid, weights=[w.tolist() for w in run.model.weights],
               biases=[b.tolist() for b in run.model.biases])


@_needs_run
def neuron_map(run, layer, index, n):
    """One neuron's output over the grid: layer 0 is the input features, 1.. the layers."""
    n = max(2, min(int(n), 64))
    layer, index = int(layer), int(index)
    a = _grid(run, n)
    model = run.model
    if not 0 <= layer <= len(model.weights) or not 0 <= index < model.sizes[layer]:
        return _error(f"there is no neuron {index} in layer {layer}")
    for k in range(layer):
        a = model.layer_output(k, a)
    values = a[:, index]
    return _ok(n=n, values=values.tolist(), range=[float(values.min()), float(values.max())])


@_needs_run
def neuron_maps(run, n):
    """Every neuron's output over an n x n grid, as ``neuron_map`` gives one: ``values[layer]
    [index]`` (n*n, row 0 at the top) and ``ranges[layer][index]`` ([min, max]); layer 0 is
    the input features. One forward pass for the lot, for the small heatmap in each neuron.
    Values keep three significant digits of their neuron's largest: a thumbnail shows no
    more, and the answer is a third of the size (JSON time is most of the cost)."""
    n = max(2, min(int(n), 32))
    a = _grid(run, n)
    values, ranges = [], []
    for k in range(len(run.model.weights) + 1):
        if k:
            a = run.model.layer_output(k - 1, a)
        lo, hi = a.min(axis=0), a.max(axis=0)
        top = np.maximum(np.abs(lo), np.abs(hi))
        digits = 2 - np.floor(np.log10(np.where(top > 0, top, 1)))
        values.append([np.round(column, int(d)).tolist() for column, d in zip(a.T, digits)])
        ranges.append(np.column_stack([lo, hi]).tolist())
    return _ok(n=n, values=values, ranges=ranges)


@_needs_run
def history(run):
    """Every epoch of the current network: loss, accuracy (or R^2), test metrics, gradient norms."""
    return _ok(**run.trainer.history.columns())


@_needs_run
def metrics_csv(run):
    """The same as CSV: one row per epoch, as the command line's ``--metrics-csv`` writes it."""
    return _ok(text=run.trainer.history.csv())


@_needs_run
def gradient_check(run):
    """Backprop against central finite differences, on a few training samples."""
    t = run.trainer
    k = min(GRADCHECK_SAMPLES, len(t.X))
    return _ok(**check_gradients(t, t.X[:k], t.y[:k]), samples=k, tolerance=TOLERANCE)


@_needs_run
def shapes(run):
    """The backward pass as the page explains it: each layer's live array shapes for one
    batch, the norms of dW and db on the training data now, the penalty rates, and the
    optimiser: its choice on the page (whose rule the schema holds) and its hyper-parameters."""
    t = run.trainer
    n = t.batch_size
    _, _, grads = t.gradients(t.X, t.y)
    n_layers = len(run.model.weights)
    layers = []
    for k, (fan_in, fan_out) in enumerate(zip(run.model.sizes[:-1], run.model.sizes[1:])):
        layers.append({
            "layer": k + 1, "activation": run.model.activations[k],
            "a_prev": [n, fan_in], "W": [fan_in, fan_out], "b": [fan_out], "z": [n, fan_out],
            "dW_norm": float(np.linalg.norm(grads[k])), "db_norm": float(np.linalg.norm(grads[n_layers + k])),
        })
    opt = t.optimizer
    optimizer = {"name": opt.name, "choice": opt.choice.value, **opt.hyperparameters()}
    return _ok(layers=layers, batch=n, loss=run.config["loss"], l1=t.l1, l2=t.l2, optimizer=optimizer,
               epoch=t.epoch)


@_needs_run
def source(run):
    """The Python source of the activations and the loss in use, as loaded here."""
    import inspect  # here, not at the top: a large import the first screen does not need

    parts, seen = [], set()
    for name in run.model.activations:
        if name in seen:
            continue
        seen.add(name)
        if name == CUSTOM and _code["used"]:
            parts.append(f"# activation {name!r}: your code\n{_code['used'].rstrip()}\n")
            continue
        act = activations.get_activation(name)
        parts.append(f"# activation {name!r}\n" + inspect.getsource(act.fn) + inspect.getsource(act.grad))
    loss = losses.get_loss(run.config["loss"])
    parts.append(f"# loss {loss.name!r}\n" + inspect.getsource(loss.value) + inspect.getsource(loss.grad))
    return _ok(text="\n".join(parts))


@_needs_run
def backward_source(run):
    """The Python of the backward pass as training runs it here: ``Trainer.gradients``, the
    output's dL/dz (the paired shortcut, when the loss has one) and the loss's own gradient,
    then ``MLP.backward``."""
    return _ok(text=_backward_source(run.trainer.loss.name, run.trainer._paired))


@functools.lru_cache(maxsize=None)
def _backward_source(loss_name, paired):
    """The text ``backward_source`` answers: the same for every network with this loss, so
    read from the source files once, not at every rebuild."""
    import inspect
    import textwrap

    from py_mlp.model import MLP
    from py_mlp.training import Trainer

    def code(fn):
        return textwrap.dedent(inspect.getsource(fn))

    loss = losses.get_loss(loss_name)
    parts = ["# Trainer.gradients (py_mlp/training.py): one batch's loss, then the backward pass and the penalty\n"
             + code(Trainer.gradients)]
    if paired:
        parts.append(f"# Loss.output_delta: dL/dz at the output, as {loss.name!r} paired with "
                     f"{loss.output_activation!r} collapses the chain rule\n" + code(losses.Loss.output_delta))
        used = "the paired shortcut above replaces it here"
    else:
        used = "multiplied by the output activation's derivative in MLP.backward"
    parts.append(f"# loss {loss.name!r}: its gradient dL/dyhat ({used})\n" + code(loss.grad))
    parts.append("# MLP.backward (py_mlp/model.py): dz, dW, db and da, layer by layer from the output\n"
                 + code(MLP.backward))
    return "\n".join(parts)


def _parameter_of(request, trainer, x, y):
    """(layer, i, j) from the request; with no layer, one of layer 1 whose derivative is not 0
    for this sample: the neuron with the largest |dL/dz| and the input with the largest |x|."""
    if request.get("layer") is not None:
        return request["layer"], request.get("i", 0), request.get("j")
    first = trace(trainer, x, y)["layers"][0]
    i = int(np.argmax(np.abs(np.nan_to_num(np.asarray(first["dL_dz"], dtype=float)))))
    return 1, i, int(np.argmax(np.abs(x)))


@_needs_run
def explain(run, request_json):
    """One training sample's forward and backward pass, neuron by neuron, and one parameter's
    derivative four ways (``py_mlp.teaching.explain.explain``), for the "follow one derivative" panel.

    ``request_json``: ``{"sample": row of the training set, "layer": 1..L, "i": neuron of
    that layer, "j": neuron of the layer before, or null for the bias b_i}``; without
    "layer", a weight of layer 1 whose derivative is not zero is chosen. The answer adds
    the sample's point, label and index, and the epoch."""
    t = run.trainer
    try:
        request = jsonsafe.loads(request_json)
        if not isinstance(request, dict):
            raise TypeError("explain takes an object such as {\"sample\": 0, \"layer\": 1, \"i\": 0, \"j\": 0}")
        n = number(request.get("sample"), "the sample (a training point's index)", 0, len(t.X) - 1, whole=True)
    except (ValueError, TypeError) as exc:
        return _error(str(exc), "sample")
    try:
        layer, i, j = _parameter_of(request, t, t.X[n], t.y[n])
        answer = explain_sample(t, t.X[n], t.y[n], layer, i, j)
    except (ValueError, TypeError) as exc:
        return _error(str(exc), "parameter")
    chain = answer["derivative"]["chain_rule"]
    return _ok(sample=n, n_train=len(t.X), point=run.points_train[n].tolist(),
               label=float(_labels(run, t.y[n:n + 1])[0]), epoch=t.epoch, sizes=run.model.sizes,
               parameter={"layer": chain["layer"], "i": chain["i"], "j": chain["j"]}, **answer)


@_needs_run
def link_gradients(run):
    """dL/dW and dL/db of every layer over the whole training set now (the full-batch
    gradient, penalty included; a mini-batch's is a noisy sample of it), for drawing the
    network's links by their gradient; ``largest`` is the largest |dL/dW| of any layer."""
    t = run.trainer
    _, _, grads = t.gradients(t.X, t.y)
    n_layers = len(run.model.weights)
    dWs = grads[:n_layers]
    largest = max(float(np.abs(dW).max()) for dW in dWs)
    return _ok(dW=[g.tolist() for g in dWs], db=[g.tolist() for g in grads[n_layers:]], largest=largest,
               epoch=t.epoch)


@_needs_run
def model_json(run):
    """The trained model as py_mlp's versioned JSON, in the command line's layout."""
    return _ok(text=_model_text(run))


@_needs_run
def load_model(run, text):
    """Replace the network's parameters with those of a model JSON file of the same shape."""
    try:
        model, optimizer, extra = serialization.from_json(text)
    except ValueError as exc:
        return _error(str(exc), "model")
    if CUSTOM in model.activations and extra.get("activation_code") != _code["used"]:
        return _error("this model was trained with another activation of your own than the one in use (the file "
                      "holds its code under extra.activation_code, or none); check and use that code, "
                      "then load the file again", "model")
    if model.sizes != run.model.sizes or model.activations != run.model.activations:
        return _error(
            f"this file holds a {'-'.join(map(str, model.sizes))} network with {', '.join(model.activations)}; "
            f"the page has {'-'.join(map(str, run.model.sizes))} with {', '.join(run.model.activations)}. "
            "Set the same features, layers and activations, then load it again", "model")
    saved = run.model.copy_params()
    run.model.set_params(model.params)
    t = run.trainer
    if not t.outputs_in_range():
        run.model.set_params(saved)
        return _error("this model's outputs overflow over the plotted square of these data; "
                      "it was trained on other data. Your network is kept", "model")
    config, t.epoch = serialization.saved_run(extra)
    t.history.clear()  # the history starts from the file's model
    metric = _metric(run)
    scores = t.evaluate(t.X, t.y)
    if t.X_test is not None:
        scores.update(t.evaluate(t.X_test, t.y_test, prefix="test_"))
    return _ok(config=config, epoch=t.epoch, loss=scores["loss"], metric=scores[metric],
               test_loss=scores.get("test_loss"), test_metric=scores.get("test_" + metric))


def article_setup(page_json):
    """The tutorial's network on the tutorial's data, from the tutorial's initial weights,
    for py_mlp's own (textbook) training: ``setup`` on its 1,000 circles, then its weights."""
    X, y = article.reference_circles()
    _state["custom"] = (X, y.ravel(), "binary")
    answer = setup(page_json)
    run = _state["run"]
    if run is None:
        return answer
    if run.model.sizes != list(article.SIZES):
        return _error(f"the tutorial's network is {'-'.join(map(str, article.SIZES))}", "hidden")
    run.model.set_params(article.as_mlp_params(article.initial_params()))
    return answer


async def article_trace():
    """The tutorial's own experiment, on scikit-learn's make_circles: its 151-line log and
    the numbers of each line.

    scikit-learn (with scipy) is loaded here, on first use only, from the pinned runtime.
    """
    import pyodide_js

    await pyodide_js.loadPackage("scikit-learn")
    from sklearn.datasets import make_circles

    np.random.seed(article.DATA_SEED)
    X, y = make_circles(n_samples=1000, factor=0.5, noise=0.1)
    return _ok(lines=article.trace(X, y), records=article.records(X, y))


# ---- the reader's own activation ------------------------------------------------------
# The code comes from the page's editor, and runs only when the reader presses the button
# that says so. A call that never returns cannot be interrupted here: the page stops this
# worker after a time limit and starts another (loader.js), from a ``checkpoint``.

CUSTOM = "custom"  # the page's name for it (a choice of the activation setting)
_code = {"checked": None, "used": None}  # (code, f, df) last checked; the code in use
MESSAGE_LIMIT = 500  # characters of an error message the page shows (an exception's can be 1 MB)


def _cut(text, limit=MESSAGE_LIMIT):
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}… (cut; {len(text):,} characters in all)"


def _described(exc):
    """"SystemExit: 0 (line 2 of your code)": an exception of the reader's code, in one line."""
    message = _cut(exc)
    return f"{type(exc).__name__}{': ' + message if message else ''}{activations.source_line(exc)}"


def _from_your_code(exc):
    """True if the reader's code (compiled as "<your code>") is on the exception's way out."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<your code>":
            return True
        tb = tb.tb_next
    return False


@contextlib.contextmanager
def _exits_refused():
    """While the page's call runs, os._exit and os.abort raise SystemExit instead of ending
    the interpreter (in Pyodide they leave it half torn down), so they are a message too."""
    def refused(*args):
        raise SystemExit(*args[:1])

    saved = [(module, name, getattr(module, name)) for module in (os, sys.modules.get("posix"))
             if module is not None for name in ("_exit", "abort") if hasattr(module, name)]
    for module, name, _ in saved:
        setattr(module, name, refused)
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


# The judges (check_activation and everything it calls, and the JSON of the answers) read
# names from these modules and classes at every call. The reader's code can rebind any of
# them (``import py_mlp_worker; py_mlp_worker.check_activation = ...``, ``numpy.abs = ...``,
# a function's ``__code__``), so a fresh namespace for the code alone would not keep a check
# of later code honest. What was there before any of the reader's code ran is recorded
# here, and put back before and after that code runs (check_code, use_code): rebinding
# persists no further than the call that did it. Why not a throwaway worker per check:
# starting Python costs 5 to 8 s, each time the reader presses "Run and check". What this
# cannot stop: code changing its own check while that check runs (f and df run inside it),
# and objects changed in place rather than rebound; Python has no walls inside a process.
_JUDGES = ("builtins", "json", "math", "traceback", "numpy", "py_mlp", "py_mlp_worker")


class _Pristine:
    """The namespaces the judges read, as they are when ``record()`` runs; ``restore()``
    puts back every name rebound or deleted since, deletes a name added since that hides a
    built-in one, and puts back the code and defaults of every function among them."""

    def record(self):
        here = [module for module in list(sys.modules.values()) if getattr(module, "__dict__", None) is globals()]
        modules = [module for name, module in list(sys.modules.items())
                   if name.split(".")[0] in _JUDGES and isinstance(module, types.ModuleType)]
        namespaces = [vars(module) for module in modules if module not in here] + [globals()]
        self.namespaces = [(namespace, dict(namespace)) for namespace in namespaces]
        ours = ("py_mlp.", __name__ + ".")
        self.classes = [(cls, dict(vars(cls))) for namespace in namespaces for cls in list(namespace.values())
                        if isinstance(cls, type) and (cls.__module__ + ".").startswith(ours)]
        self.functions = [(fn, fn.__code__, fn.__defaults__, fn.__kwdefaults__)
                          for _, items in self.namespaces + self.classes for fn in items.values()
                          if isinstance(fn, types.FunctionType)]

    def restore(self):
        shadows = vars(builtins)
        for namespace, items in self.namespaces:
            for key in [key for key in namespace if key not in items and key in shadows]:
                del namespace[key]
            for key, value in items.items():
                if namespace.get(key, _MISSING) is not value:
                    namespace[key] = value
        for cls, items in self.classes:
            for key in [key for key in vars(cls) if key not in items]:
                delattr(cls, key)
            for key, value in items.items():
                if key not in ("__dict__", "__weakref__") and vars(cls).get(key, _MISSING) is not value:
                    setattr(cls, key, value)
        for fn, code, defaults, kwdefaults in self.functions:
            if fn.__code__ is not code or fn.__defaults__ is not defaults or fn.__kwdefaults__ is not kwdefaults:
                fn.__code__, fn.__defaults__, fn.__kwdefaults__ = code, defaults, kwdefaults


_MISSING = object()


class _CodeError(ValueError):
    """What is wrong with the reader's code, and its line when known."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.line = line


def _read_code(code):
    """``f`` and ``df`` as the reader's code defines them, or a ValueError saying what is wrong."""
    if "\0" in code:
        line = code[:code.index("\0")].count("\n") + 1
        raise _CodeError(f"line {line} holds a NUL character (\\0), which Python cannot read; delete it", line)
    try:
        compiled = compile(code, "<your code>", "exec")
    except SyntaxError as exc:
        where = f" at line {exc.lineno}" if exc.lineno else ""
        raise _CodeError(f"a syntax error{where}: {_cut(exc.msg)}", exc.lineno) from None
    except (ValueError, MemoryError, RecursionError) as exc:  # nested too deeply, too large
        raise _CodeError(f"Python cannot read this code: {_cut(exc)}") from None
    namespace = {"np": np, "numpy": np, "math": math, "__builtins__": builtins}  # fresh for every run
    try:
        exec(compiled, namespace)
    except BaseException as exc:  # the reader's code: anything it raises, SystemExit too, is a message
        raise _CodeError(f"running your code raised {_described(exc)}") from None
    f, df = namespace.get("f"), namespace.get("df")
    if not callable(f) or not callable(df):
        raise _CodeError("define two functions, f(z) for the activation and df(z, a) for its derivative")
    return f, df


def check_code(code):
    """Run the reader's code and check its derivative: pointwise over z, then in a network."""
    _code["checked"] = None
    _pristine.restore()  # whatever code that ran before rebound, it does not judge this code
    try:
        f, df = _read_code(code)
        _pristine.restore()  # nor does what this code rebound as it ran
        result = check_activation(f, df, z_range=(-4.0, 4.0), n=161)
    except _CodeError as exc:
        return _error(str(exc), "code", line=exc.line)
    except (TypeError, ValueError) as exc:
        return _error(_cut(exc), "code")
    except BaseException as exc:  # SystemExit, KeyboardInterrupt, ... from f or df
        return _error(f"your code raised {_described(exc)}", "code")
    finally:
        _pristine.restore()
    _code["checked"] = (code, f, df)
    return _ok(**result)


def use_code(code):
    """Make the checked code the activation ``custom``; networks built from now on use it."""
    if _code["checked"] is None or _code["checked"][0] != code:
        return _error("check this code first: the code in the editor is not the code that was checked", "code")
    _, f, df = _code["checked"]
    try:
        activations.register_activation(CUSTOM, f, df)
    except (TypeError, ValueError) as exc:
        return _error(_cut(exc), "code")
    except BaseException as exc:
        return _error(f"your code raised {_described(exc)}", "code")
    finally:
        _pristine.restore()
    _code["used"] = code
    return _ok(name=CUSTOM)


def _model_text(run):
    """The run as a model file; with an activation of the reader's own, its code goes along
    (``extra.activation_code``), so the file is never loaded under other code of that name."""
    extra = {"config": run.config, "epoch": run.trainer.epoch}
    if CUSTOM in run.model.activations:
        extra["activation_code"] = _code["used"]
    return serialization.to_json(run.model, run.trainer.optimizer, extra=extra)


def checkpoint():
    """What a fresh worker needs to go on from here: your own points and the trained model."""
    run, points = _state["run"], _state["custom"]
    saved = None
    if points is not None:
        saved = {"points": np.asarray(points[0]).tolist(), "y": np.asarray(points[1]).tolist(), "problem": points[2]}
    return _ok(points=saved, model=_model_text(run) if run is not None else None)


def restore_points(points_json):
    """Your own points, from a ``checkpoint`` of the worker this one replaces."""
    try:
        saved = jsonsafe.loads(points_json, "the saved points")
        points, y, problem = np.asarray(saved["points"], dtype=float), np.asarray(saved["y"]), saved["problem"]
        check_config({"dataset": "custom"}, (points, y, problem))
    except (ValueError, TypeError, KeyError) as exc:
        return _error(f"your points could not be restored: {_cut(exc)}", "data")
    _state["custom"] = (points, y, problem)
    return _ok(n=len(y))


def _answering(export):
    """``export`` whose every end is an answer: an exception the reader's code raises in it
    (an activation in use, or work that code left behind) becomes ``fault: "code"``; os._exit
    and os.abort raise SystemExit while it runs. Any other exception is a bug of py_mlp's
    and goes on to the page as it is."""

    @functools.wraps(export)
    def wrapper(*args):
        try:
            with _exits_refused():
                return export(*args)
        except BaseException as exc:
            if not _from_your_code(exc):
                raise
            return _error(f"your activation raised {_described(exc)} while the network used it", "code",
                          fault="code")

    return wrapper


__export__ = [
    "run_config", "setup", "set_data", "add_point", "remove_point", "update", "train", "history", "metrics_csv", "snapshot", "neuron_map",
    "neuron_maps",
    "gradient_check", "shapes",
    "explain", "link_gradients", "backward_source",
    "source", "model_json", "load_model", "article_setup", "article_trace",
    "check_code", "use_code", "checkpoint", "restore_points",
]
for _name in __export__:
    if _name != "article_trace":  # async, and runs no code of the reader's
        globals()[_name] = _answering(globals()[_name])
_pristine = _Pristine()
_pristine.record()  # last: what the judges read, before any of the reader's code can run
