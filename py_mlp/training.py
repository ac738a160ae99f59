"""Training: one epoch (or a bounded chunk of epochs) per call, returning plain numbers.

Runs on CPython and in the browser worker alike; the worker calls ``run`` in chunks and
streams the returned records to the page.

A ``Trainer`` holds the data, the loss, the optimiser and the mini-batch schedule. Each
epoch reshuffles (from its own seeded generator; ``shuffle=False`` keeps the data's order)
and walks the batches; ``batch_size`` ``None`` or >= n means full batch. The reported
epoch loss is the mean of the batch losses weighted by batch size, each measured on the
forward pass just before its update (as scikit-learn's ``loss_curve_``), plus the
regularisation penalty; ``grad_norms`` lists, per layer, the Euclidean norm of the weight
gradient (penalty included), averaged over the epoch's batches by size. Batch size and
regularisation may change between epochs (``set_batch_size``, ``set_regularization``);
the learning rate is ``optimizer.lr``. ``Trainer.history`` keeps every record
(``history.History``: numpy columns, the epochs since one, the metrics CSV).

Regularisation on weights (not biases): ``l2 * sum(W^2) / 2`` and ``l1 * sum(|W|)``.

Divergence: if any number of an epoch's record (loss, accuracy or R^2, their test
versions, a gradient norm) or any parameter becomes NaN or infinite, or the network's
outputs could overflow for inputs within ``input_bound`` (by default the largest of the
training and test inputs; ``config.build_run`` passes the plotted square), the epoch is
undone (the parameters and the optimiser state from before it are restored) and
``TrainingDiverged`` is raised, naming what went wrong. So every record a ``Trainer``
returns holds finite numbers only, and so does ``predict`` within ``input_bound``.
"""

from __future__ import annotations

import copy
import math
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy as np

from . import metrics
from ._check import checking, number
from .history import History
from .losses import LOSSES, Loss, allows_output, get_loss
from .optimizers import SGD

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from .activations import Activation
    from .model import MLP, Seed

    Array = NDArray[np.float64]
Record = dict[str, Any]  # one epoch: plain floats, and a list of floats under "grad_norms"

MAX_CHUNK = 100_000
# Pre-activations may not pass this; far enough below float64's 1.8e308 that the bound's
# own rounding cannot hide an overflow.
OUTPUT_LIMIT = 1e300


class TrainingDiverged(FloatingPointError):
    """The loss or the parameters became non-finite; the model holds its last finite state."""


def _found(y: ArrayLike) -> str:
    """The distinct labels in ``y`` for a message: "-1 and 1", "'no' and 'yes'", or a count and range."""
    values = list(dict.fromkeys(v.item() if hasattr(v, "item") else v for v in np.ravel(y)))
    try:
        values.sort()
    except TypeError:  # labels of several types: keep their order of appearance
        pass
    shown = [format(v, "g") if isinstance(v, float) else repr(v) for v in values]
    if len(values) > 6:
        return f"{len(values)} different values, from {shown[0]} to {shown[-1]}"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


_ANY_LABELS = "or use py_mlp.MLPClassifier, which takes any labels"
_FIX = {  # what to do with targets a loss does not take (the form it takes is the loss's own)
    "binary": f"map your two classes to 0 and 1 first (y == label_of_class_1), {_ANY_LABELS}",
    "multiclass": f"map your labels to 0 .. k-1 first (np.unique(y, return_inverse=True)[1]), {_ANY_LABELS}",
    "regression": "convert them to numbers first",
}


def _refuse(y: ArrayLike, loss: Loss) -> ValueError:
    return ValueError(f"{loss.name} takes {loss.target}, but y holds {_found(y)}; {_FIX[loss.task]}")


def _numbers(y: np.ndarray, loss: Loss) -> Array:
    """``y`` as floats, or the loss's ValueError naming the text (or other non-numbers) it holds."""
    if y.dtype.kind in "biuf":
        return y.astype(float)
    if y.dtype.kind == "O":
        try:
            return y.astype(float)
        except (TypeError, ValueError):
            pass
    raise _refuse(y, loss)


def as_targets(y: ArrayLike, loss: Loss, n_classes: Optional[int] = None) -> Array:
    """Targets as a 2-D float array (n_samples, n_outputs), one-hot for multi-class losses,
    checked against the loss.

    Binary cross-entropy takes targets in [0, 1] (0/1 labels or probabilities); softmax
    cross-entropy takes class indices 0 .. k-1, which become ``n_classes`` columns
    (default: the largest label + 1), or rows of k non-negative numbers summing to 1
    (one-hot rows); mean squared error takes any numbers. Anything else is a ValueError
    that names the labels found and says how to map them.
    """
    array = np.asarray(y)
    if loss.task == "multiclass" and array.ndim == 1:
        numbers = _numbers(array, loss)
        if not np.all(np.isfinite(numbers)):
            raise ValueError("y contains NaN or infinite values; clean or drop those rows first")
        labels = numbers.astype(int)
        if not np.array_equal(labels, numbers) or (labels.size and labels.min() < 0):
            raise _refuse(array, loss)
        width = n_classes if n_classes is not None else labels.max() + 1
        if labels.size and labels.max() >= width:
            raise ValueError(
                f"label {labels.max()} does not fit a network with {width} outputs; "
                "give the last layer one unit per class"
            )
        array = np.eye(width)[labels]
    targets = _numbers(array, loss)
    if targets.ndim == 1:
        targets = targets.reshape(-1, 1)
    if not np.all(np.isfinite(targets)):
        raise ValueError("y contains NaN or infinite values; clean or drop those rows first")
    if loss.task == "binary" and targets.size and (targets.min() < 0 or targets.max() > 1):
        raise _refuse(targets, loss)
    if loss.task == "multiclass" and targets.size and (targets.min() < 0 or not np.allclose(targets.sum(axis=1), 1)):
        raise ValueError(
            f"{loss.name} takes one-hot rows (k numbers >= 0 summing to 1, one per class) or class indices "
            "0 .. k-1; the rows of y do not sum to 1. Pass class indices, or np.eye(k)[labels]"
        )
    return targets


_NAMES = {"loss": "the loss", "accuracy": "the accuracy", "r2": "R\u00b2"}


def _non_finite(record: Record) -> Optional[str]:
    """What in an epoch's record is NaN or infinite, in words ("the test loss became inf"), or None."""
    for key, value in record.items():
        if key == "grad_norms":
            for k, norm in enumerate(value):
                if not math.isfinite(norm):
                    return f"the gradient norm of layer {k + 1} became {norm}"
        elif not math.isfinite(value):
            test = key.startswith("test_")
            name = _NAMES.get(key.removeprefix("test_"), key)
            return f"{'the test ' + name.removeprefix('the ') if test else name} became {value}"
    return None


def _check_pairing(output: Activation, loss: Loss) -> None:
    """Reject an output activation the loss cannot follow (``Loss.outputs``), before any training."""
    if allows_output(loss, output.name, output.elementwise):
        return
    if loss.outputs:
        raise ValueError(
            f"{loss.name} needs outputs in (0, 1), but the output activation is "
            f"{output.name!r}; use {' or '.join(loss.outputs)} as the output activation"
        )
    able = [other.name for other in LOSSES.values() if output.name in other.outputs]
    raise ValueError(
        f"a {output.name} output only works with {' or '.join(able)}, not {loss.name}; "
        "change the loss or the output activation"
    )


class Trainer:
    """Trains an ``MLP`` on (X, y) with a loss, an optimiser and a batch size."""

    def __init__(self, model: MLP, X: ArrayLike, y: ArrayLike, loss: str = "binary_cross_entropy",
                 optimizer: Optional[SGD] = None, batch_size: Optional[int] = None, l1: float = 0.0,
                 l2: float = 0.0, seed: Seed = 0, X_test: Optional[ArrayLike] = None,
                 y_test: Optional[ArrayLike] = None, shuffle: bool = True, keep_history: bool = True,
                 input_bound: Optional[ArrayLike] = None) -> None:
        self.model = model
        self.loss = get_loss(loss)
        if checking():
            _check_pairing(model._fns[-1], self.loss)
        self.X = model.check_input(X)
        self.y = as_targets(y, self.loss, model.sizes[-1])
        if self.y.shape[0] != self.X.shape[0]:
            raise ValueError(f"X has {self.X.shape[0]} rows but y has {self.y.shape[0]}; they must match")
        if self.X.shape[0] == 0:
            raise ValueError("there are no training samples; add data first")
        self._check_outputs(self.y)
        self._labels: Any = None if self.loss.task == "regression" else metrics.true_labels(self.y)
        self.X_test: Optional[Array] = None
        self.y_test: Optional[Array] = None
        if X_test is not None and np.size(X_test):
            if y_test is None:
                raise ValueError("X_test was given without y_test; pass both or neither")
            self.X_test, self.y_test = self._check_data(X_test, y_test)
        self.input_bound = self._check_input_bound(input_bound)
        self.optimizer = optimizer if optimizer is not None else SGD(0.1)
        self.set_batch_size(batch_size)
        self.set_regularization(l1, l2)
        self.shuffle = bool(shuffle)
        self.rng = np.random.default_rng(seed)
        self.epoch = 0
        # Every epoch's record, as compact columns (``history.History``); a driver that keeps
        # its own log passes keep_history=False.
        metric = "r2" if self.loss.task == "regression" else "accuracy"
        self.history = History(len(model.weights), metric) if keep_history else None
        out_act = model.activations[-1]
        self._paired = out_act == self.loss.output_activation

    def __repr__(self) -> str:
        """``Trainer(MLP(...), loss=..., optimizer=...)``, the settings that differ from the defaults, and where it stands."""
        parts = [repr(self.model), f"loss={self.loss.name!r}", f"optimizer={self.optimizer!r}"]
        n = self.X.shape[0]
        if self.batch_size < n:
            parts.append(f"batch_size={self.batch_size}")
        parts += [f"{name}={value!r}" for name, value in (("l1", self.l1), ("l2", self.l2)) if value]
        if not self.shuffle:
            parts.append("shuffle=False")
        parts.append(f"n_samples={n}")
        if self.X_test is not None:
            parts.append(f"n_test={self.X_test.shape[0]}")
        return f"Trainer({', '.join(parts)}, epoch={self.epoch})"

    def _check_input_bound(self, bound: Optional[ArrayLike]) -> Array:
        """Per input, the largest |value| at which the outputs must stay finite (checked each epoch)."""
        if bound is None:
            data = [self.X] if self.X_test is None else [self.X, self.X_test]
            return np.max(np.abs(np.concatenate(data)), axis=0)
        bound = np.asarray(bound, dtype=float)
        if checking() and (bound.shape != (self.X.shape[1],) or not np.all(np.isfinite(bound))
                           or np.any(bound < 0)):
            raise ValueError(
                f"input_bound must hold one finite number >= 0 per input ({self.X.shape[1]}), got {bound!r}"
            )
        return bound

    def set_batch_size(self, batch_size: Optional[int]) -> None:
        """Mini-batch size from the next epoch on; ``None`` or 0 means full batch."""
        n = self.X.shape[0]
        if batch_size is not None:
            try:
                batch_size = number(batch_size, "batch size", 0, whole=True)
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"{exc} (0 for full batch)") from None
        self.batch_size = min(batch_size or n, n)

    def set_data(self, X: ArrayLike, y: ArrayLike, X_test: Optional[ArrayLike] = None,
                 y_test: Optional[ArrayLike] = None) -> None:
        """Replace the data between epochs (a point added or removed): the network, the
        optimiser state and the epoch count are kept, and so is full batch."""
        full = self.batch_size >= self.X.shape[0]
        X, y = self._check_data(X, y)
        if X.shape[0] == 0:
            raise ValueError("there are no training samples; keep at least one point")
        test: tuple[Optional[Array], Optional[Array]] = (None, None)
        if X_test is not None and np.size(X_test):
            if y_test is None:
                raise ValueError("X_test was given without y_test; pass both or neither")
            test = self._check_data(X_test, y_test)
        self.X, self.y, (self.X_test, self.y_test) = X, y, test
        self._labels = None if self.loss.task == "regression" else metrics.true_labels(self.y)
        self.input_bound = np.maximum(self.input_bound, self._check_input_bound(None))
        self.set_batch_size(None if full else self.batch_size)

    def set_regularization(self, l1: float = 0.0, l2: float = 0.0) -> None:
        """L1 and L2 rates on the weights from the next step on."""
        l1 = number(l1, "l1 regularisation rate", 0.0)
        l2 = number(l2, "l2 regularisation rate", 0.0)
        self.l1, self.l2 = l1, l2

    def _check_data(self, X: ArrayLike, y: ArrayLike) -> tuple[Array, Array]:
        """X and y validated against the model and the loss: (X, 2-D targets)."""
        X = self.model.check_input(X)
        y = as_targets(y, self.loss, self.model.sizes[-1])
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]}; they must match")
        self._check_outputs(y)
        return X, y

    def _check_outputs(self, y: Array) -> None:
        if y.shape[1] != self.model.sizes[-1]:
            raise ValueError(
                f"the network has {self.model.sizes[-1]} outputs but y has {y.shape[1]} columns; "
                "make the last layer size match the number of targets (classes for multi-class)"
            )

    def penalty(self) -> float:
        total = 0.0
        if self.l2:
            total += 0.5 * self.l2 * sum(float(np.sum(W * W)) for W in self.model.weights)
        if self.l1:
            total += self.l1 * sum(float(np.sum(np.abs(W))) for W in self.model.weights)
        return total

    def gradients(self, X: Array, y: Array) -> tuple[float, Array, list[Array]]:
        """Loss and gradients (weights then biases) for one batch, penalty included."""
        yhat = self.model.forward(X)
        loss = self.loss.value(yhat, y) + self.penalty()
        if self._paired:
            dWs, dbs = self.model.backward(self.loss.output_delta(yhat, y), out_is_dz=True)
        else:
            dWs, dbs = self.model.backward(self.loss.grad(yhat, y))
        for W, dW in zip(self.model.weights, dWs):
            if self.l2:
                dW += self.l2 * W
            if self.l1:
                dW += self.l1 * np.sign(W)
        return loss, yhat, dWs + dbs

    def train_epoch(self) -> Record:
        """One pass over the training data; returns that epoch's record.

        An epoch happens whole or not at all: if it diverges (``TrainingDiverged``) or is
        interrupted (Ctrl-C's ``KeyboardInterrupt``), the parameters, the optimiser state and
        the batch order are put back as they were before it, and the error goes on.
        """
        saved = self.model.copy_params()
        saved_optimizer = copy.deepcopy(vars(self.optimizer))
        saved_order = self.rng.bit_generator.state
        try:
            return self._epoch(saved, saved_optimizer)
        except KeyboardInterrupt:
            self.model.set_params(saved)
            vars(self.optimizer).update(saved_optimizer)
            self.rng.bit_generator.state = saved_order
            raise

    def _epoch(self, saved: list[Array], saved_optimizer: dict) -> Record:
        n, bs = self.X.shape[0], self.batch_size
        order = self.rng.permutation(n) if bs < n and self.shuffle else None
        total, correct, outputs = 0.0, 0.0, []  # type: tuple[float, float, list[Array]]
        n_layers = len(self.model.weights)
        grad_norms = np.zeros(n_layers)
        labels = self._labels
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for start in range(0, n, bs):
                idx = slice(start, start + bs) if order is None else order[start:start + bs]
                X, y = self.X[idx], self.y[idx]
                loss, yhat, grads = self.gradients(X, y)
                # A non-finite gradient with a finite loss poisons the weights, which the
                # checks after the epoch catch; checking every gradient here costs ~13%.
                if not math.isfinite(loss):
                    self._diverged(saved, saved_optimizer, f"the loss became {loss}")
                total += loss * len(X)
                grad_norms += [math.sqrt(np.vdot(g, g)) * len(X) for g in grads[:n_layers]]
                if self.loss.task == "regression":
                    outputs.append(yhat)
                else:
                    correct += metrics.count_correct(yhat, labels[idx])
                self.optimizer.step(self.model.params, grads)
            if not all(np.all(np.isfinite(p)) for p in self.model.params):
                self._diverged(saved, saved_optimizer, "the weights became non-finite")
            record = {"epoch": self.epoch + 1, "loss": total / n}
            if self.loss.task == "regression":
                # Like the loss, R^2 is of the outputs seen just before each update.
                y_seen = self.y if order is None else self.y[order]
                record["r2"] = metrics.r2_score(np.concatenate(outputs), y_seen)
            else:
                record["accuracy"] = correct / n
            if self.X_test is not None and self.y_test is not None:
                record.update(self.evaluate(self.X_test, self.y_test, prefix="test_"))
            record["grad_norms"] = (grad_norms / n).tolist()
            problem = _non_finite(record)
            if problem:
                self._diverged(saved, saved_optimizer, problem)
            if not self.outputs_in_range():
                too_large = f"the outputs became too large to compute (over {OUTPUT_LIMIT:g})"
                self._diverged(saved, saved_optimizer, too_large)
        self.epoch += 1
        if self.history is not None:
            self.history.append(record)
        return record

    def outputs_in_range(self) -> bool:
        """True if no layer's output can pass ``OUTPUT_LIMIT`` for inputs within ``input_bound``.

        Checked after every epoch; check it too after setting parameters from elsewhere
        (a loaded model), before predicting over the plotted square.
        """
        return bool(self.model.output_bound(self.input_bound) < OUTPUT_LIMIT)

    def _diverged(self, params: list[Array], optimizer_state: dict, what: str) -> None:
        """Undo the epoch (parameters and optimiser state) and raise ``TrainingDiverged``."""
        self.model.set_params(params)
        vars(self.optimizer).update(optimizer_state)
        rates = "learning rate (or the L1/L2 rate)" if self.l1 or self.l2 else "learning rate"
        raise TrainingDiverged(
            f"the loss diverged ({what} at epoch {self.epoch + 1}). The last finite model was kept. "
            f"Lower the {rates} and reset."
        )

    def evaluate(self, X: ArrayLike, y: ArrayLike, prefix: str = "") -> dict[str, float]:
        """Loss and accuracy (or R^2) of the current model on a data set."""
        X, y = self._check_data(X, y)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            yhat = self.model.predict(X)
            result = {prefix + "loss": self.loss.value(yhat, y) + self.penalty()}
            if self.loss.task == "regression":
                result[prefix + "r2"] = metrics.r2_score(yhat, y)
            else:
                result[prefix + "accuracy"] = metrics.accuracy(yhat, y)
        return result

    def run(self, epochs: int) -> list[Record]:
        """Train ``epochs`` more epochs (at most ``MAX_CHUNK`` per call); returns their records."""
        epochs = number(epochs, "epochs per call", 0, MAX_CHUNK, whole=True)
        return [self.train_epoch() for _ in range(epochs)]
