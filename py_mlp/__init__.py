"""py_mlp: a multilayer perceptron in plain numpy that trains on CPython and in the browser.

The same package runs under pytest on CPython and unchanged inside a Pyodide worker; it
imports numpy and the standard library only.

    >>> from py_mlp import MLP, Trainer, datasets
    >>> X, y = datasets.circles(n_samples=200, noise=0.1, seed=0)
    >>> model = MLP([2, 8, 8, 1], activations="tanh", output_activation="sigmoid", seed=0)
    >>> trainer = Trainer(model, X, y, loss="binary_cross_entropy")
    >>> records = trainer.run(epochs=5)   # five dicts: epoch, loss, accuracy

Or from one configuration dict, as the command line and the browser worker do:

    >>> run = build_run({"dataset": "moons", "hidden": [8, 8], "test_fraction": 0.5})
    >>> run.trainer.run(10)[-1]["test_accuracy"]   # doctest: +SKIP

The folders show the roles:

- here, the maths and its training: ``model`` (MLP), ``training`` (Trainer), ``history``
  (its per-epoch columns and metrics CSV), ``activations``, ``losses``, ``initializers``,
  ``optimizers``, ``kernels``, ``metrics``, ``gradcheck``, ``serialization`` (JSON
  save/load), ``jsonsafe`` (JSON with null for NaN, for the page), ``cli`` (command line);
- ``data``: the data sets (``datasets``) and points from CSV (``csvdata``);
- ``app``: the page's settings (``settings``, the one table), ``config`` (``build_run``)
  and the data sets' thumbnails;
- ``teaching``: ``explain`` (one sample's derivative, four ways) and ``article`` (the
  reference tutorial's experiment, quirks kept apart);
- ``estimators``: ``MLPClassifier`` and ``MLPRegressor`` for scikit-learn users (CPython
  with scikit-learn, which only they import);
- ``docs_plugins``: the Sphinx directive and the MkDocs plugin (CPython only);
- ``server``: the runtime fetcher, the browser's wheel, the static server and the static
  site writer (CPython only, standard library only);
- ``web``: the app's files, in an installed package (``web/`` in a checkout).

The browser's wheel holds the first four and leaves out the last four folders.
Names are imported on first use, so ``import py_mlp.server`` needs no numpy and the
browser's worker pays only for what it uses.

Your own activation, checked, then used by name like a built-in one:

    >>> import numpy as np
    >>> swish = register_activation("swish", lambda z: z / (1 + np.exp(-z)),
    ...                             lambda z, a: a + (1 - a) / (1 + np.exp(-z)))
    >>> check_activation("swish")["passed"]
    True
    >>> model = MLP([2, 8, 1], activations=["swish", "sigmoid"])
    >>> unregister_activation("swish")
    True
"""

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what a type checker sees; at run time each name loads on first use
    from . import history, jsonsafe, kernels, metrics, serialization
    from .activations import ACTIVATIONS, get_activation, register_activation, unregister_activation
    from .app import config, settings
    from .app.config import ConfigError, build_run
    from .data import csvdata, datasets
    from .estimators import MLPClassifier, MLPRegressor
    from .gradient_check import check_activation, gradcheck
    from .losses import LOSSES, get_loss
    from .model import MLP
    from .optimizers import SGD, Adam, Momentum, make_optimizer
    from .teaching import article, explain
    from .training import Trainer, TrainingDiverged

__version__ = "0.1.0"
# name -> the module (relative to this package) that defines it; a module maps to itself.
_EXPORTS = {
    "ACTIVATIONS": ".activations", "get_activation": ".activations",
    "register_activation": ".activations", "unregister_activation": ".activations",
    "ConfigError": ".app.config", "build_run": ".app.config",
    "check_activation": ".gradient_check", "gradcheck": ".gradient_check",
    "LOSSES": ".losses", "get_loss": ".losses",
    "MLP": ".model",
    "SGD": ".optimizers", "Adam": ".optimizers", "Momentum": ".optimizers", "make_optimizer": ".optimizers",
    "Trainer": ".training", "TrainingDiverged": ".training",
    "history": ".history", "jsonsafe": ".jsonsafe", "kernels": ".kernels", "metrics": ".metrics",
    "serialization": ".serialization",
    "datasets": ".data.datasets", "csvdata": ".data.csvdata",
    "settings": ".app.settings", "config": ".app.config",
    "explain": ".teaching.explain", "article": ".teaching.article",
    "MLPClassifier": ".estimators", "MLPRegressor": ".estimators",  # these import scikit-learn
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'py_mlp' has no attribute {name!r}")
    loaded = import_module(module, __name__)
    value = loaded if module.rsplit(".", 1)[-1] == name else getattr(loaded, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
