"""py_mlp: a multilayer perceptron in plain numpy that trains on CPython and in the browser.

The same package runs under pytest on CPython and unchanged inside a Pyodide worker; it
imports numpy and the standard library only.

    >>> from py_mlp import MLP, Trainer, datasets
    >>> X, y = datasets.circles(n_samples=200, noise=0.1, seed=0)
    >>> model = MLP([2, 8, 8, 1], activations="tanh", output_activation="sigmoid", seed=0)
    >>> trainer = Trainer(model, X, y, loss="binary_cross_entropy")
    >>> records = trainer.run(epochs=5)   # five dicts: epoch, loss, accuracy
"""

from . import datasets, kernels, metrics
from .activations import ACTIVATIONS, get_activation
from .gradcheck import gradcheck
from .losses import LOSSES, get_loss
from .model import MLP
from .optimizers import SGD, Adam, Momentum, make_optimizer
from .training import Trainer, TrainingDiverged

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "LOSSES", "MLP", "SGD", "Adam", "Momentum", "Trainer", "TrainingDiverged",
    "datasets", "get_activation", "get_loss", "gradcheck", "kernels", "make_optimizer", "metrics",
]
