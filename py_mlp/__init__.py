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

Modules: ``model`` (MLP), ``training`` (Trainer), ``history`` (its per-epoch columns
and metrics CSV), ``activations``, ``losses``, ``initializers``, ``optimizers``,
``kernels``, ``metrics``, ``gradcheck``, ``datasets``, ``settings`` (the one table of
settings), ``config`` (build_run), ``serialization`` (JSON save/load), ``csvdata``
(points from CSV), ``jsonsafe`` (JSON with null for NaN and infinities, for the page),
``explain`` (one sample's derivative through the network, four ways), ``article`` (the
reference tutorial's experiment, quirks kept apart), ``cli`` (command line, CPython only),
``estimators`` (``MLPClassifier`` and ``MLPRegressor`` for scikit-learn users: CPython with
scikit-learn, loaded only when one of them is first used, so ``import py_mlp`` never
imports scikit-learn).

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

from . import article, csvdata, datasets, explain, history, jsonsafe, kernels, metrics, serialization, settings
from .activations import ACTIVATIONS, get_activation, register_activation, unregister_activation
from .config import ConfigError, build_run
from .gradcheck import check_activation, gradcheck
from .losses import LOSSES, get_loss
from .model import MLP
from .optimizers import SGD, Adam, Momentum, make_optimizer
from .training import Trainer, TrainingDiverged

__version__ = "0.1.0"
_ESTIMATORS = ("MLPClassifier", "MLPRegressor")


def __getattr__(name: str) -> object:
    """``MLPClassifier`` and ``MLPRegressor`` load ``py_mlp.estimators``, and scikit-learn, on first use."""
    if name in _ESTIMATORS:
        from . import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module 'py_mlp' has no attribute {name!r}")


__all__ = [
    "ACTIVATIONS", "LOSSES", "MLP", "SGD", "Adam", "ConfigError", "Momentum", "Trainer",
    "TrainingDiverged", "article", "build_run", "check_activation", "csvdata", "datasets", "explain",
    "get_activation", "get_loss", "gradcheck", "history", "jsonsafe", "kernels", "make_optimizer", "metrics",
    "register_activation", "serialization", "settings", "unregister_activation",
]
