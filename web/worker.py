"""Training worker: runs in a PyScript worker on Pyodide, never on the page's main thread.

The page calls the exported functions through ``worker.sync``; each returns a JSON string
(plain numbers only, so no Python object ever crosses to JavaScript and nothing leaks).
Training advances in bounded chunks: ``train`` runs whole epochs until a time budget or
an epoch limit is reached, then returns their metrics for the page to draw.

Non-goals: no drawing, no DOM access; all of the maths lives in ``py_mlp``.
"""

import json
import time

import numpy as np

from py_mlp import TrainingDiverged, article
from py_mlp.config import ConfigError, build_run

_run = None
_trainer = None


def _error(message, field=None):
    return json.dumps({"ok": False, "error": message, "field": field})


def setup(config_json):
    """Build data, network and trainer from a ``py_mlp.config`` dict (as JSON)."""
    global _run, _trainer
    _run = _trainer = None
    try:
        _run = build_run(json.loads(config_json))
    except ConfigError as exc:
        return _error(exc.message, exc.key)
    except (ValueError, TypeError) as exc:
        return _error(str(exc))
    _trainer = _run.trainer
    return json.dumps({
        "ok": True, "n_train": len(_run.X_train), "n_test": len(_run.X_test),
        "n_params": _run.model.n_params(),
    })


async def article_trace():
    """The tutorial's own experiment, on scikit-learn's make_circles: its 151-line log.

    scikit-learn (with scipy) is loaded here, on first use only, from the pinned runtime.
    """
    import pyodide_js

    await pyodide_js.loadPackage("scikit-learn")
    from sklearn.datasets import make_circles

    np.random.seed(article.DATA_SEED)
    X, y = make_circles(n_samples=1000, factor=0.5, noise=0.1)
    return json.dumps({"ok": True, "lines": article.trace(X, y)})


def set_learning_rate(lr):
    """Change the learning rate of the live optimiser; the model is kept."""
    if _trainer is None:
        return _error("no model yet")
    try:
        _trainer.optimizer.lr = float(lr)
    except (ValueError, TypeError) as exc:
        return _error(str(exc), "learning_rate")
    return json.dumps({"ok": True})


def train(max_epochs, budget_ms):
    """Run whole epochs until ``max_epochs`` or ``budget_ms`` is spent; return their metrics."""
    if _trainer is None:
        return _error("the network is not set up; press Reset")
    deadline = time.perf_counter() + float(budget_ms) / 1000.0
    epochs, loss, accuracy = [], [], []
    stopped = None
    for _ in range(int(max_epochs)):
        try:
            record = _trainer.train_epoch()
        except TrainingDiverged as exc:
            stopped = str(exc)
            break
        epochs.append(record["epoch"])
        loss.append(record["loss"])
        accuracy.append(record["accuracy"])
        if time.perf_counter() >= deadline:
            break
    return json.dumps({
        "ok": True, "epoch": _trainer.epoch, "epochs": epochs, "loss": loss,
        "accuracy": accuracy, "stopped": stopped,
    })


def version():
    import sys

    return json.dumps({"python": sys.version.split()[0], "numpy": np.__version__})


__export__ = ["setup", "set_learning_rate", "train", "article_trace", "version"]
