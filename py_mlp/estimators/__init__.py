"""scikit-learn estimators around ``MLP`` and ``Trainer``: ``MLPClassifier`` and ``MLPRegressor``.

Runs on CPython with scikit-learn installed. ``import py_mlp`` never loads this module:
``py_mlp.MLPClassifier`` does, on first use, and scikit-learn with it; the browser's wheel
leaves it out (``serve.NOT_IN_BROWSER``). Why scikit-learn is required here rather than
imitated: these classes exist to go into a ``Pipeline``, ``GridSearchCV`` or
``cross_val_score``, which need scikit-learn anyway, and subclassing its ``BaseEstimator``
gives ``get_params``/``set_params``, ``clone``, tags, the repr and input validation exactly
as scikit-learn's own estimator checks expect, with nothing re-implemented. Without
scikit-learn, ``MLP`` and ``Trainer`` (numpy only) do the same training.

Goal: the conventions a scikit-learn user relies on (``fit``, ``partial_fit``, ``predict``
returning the labels ``y`` held, ``predict_proba``, ``score``, ``classes_``,
``loss_curve_``, ``n_iter_``, ``NotFittedError``), with the parameter names of
``sklearn.neural_network`` where they mean the same thing. No maths here: ``fit`` builds
an ``MLP`` and a ``Trainer`` and calls ``Trainer.train_epoch``. With ``random_state=r``
it gives the very numbers of::

    model = MLP([n_features, *hidden_layer_sizes, n_outputs], activations=activation,
                output_activation=OUTPUT, seed=[r, 2])
    trainer = Trainer(model, X, y_indices, loss=LOSS, optimizer=OPTIMIZER, batch_size=b,
                      l2=alpha / b, seed=[r, 3], shuffle=shuffle)
    loss_curve_ = [trainer.train_epoch()["loss"] for _ in range(n_iter_)]

where OUTPUT/LOSS are sigmoid/binary cross-entropy (two classes), softmax/softmax
cross-entropy (more) or identity/mean squared error (regression); OPTIMIZER is ``Adam(
learning_rate_init, beta_1, beta_2, epsilon)`` for ``solver="adam"``, for ``"sgd"``
``SGD(learning_rate_init)`` or, with ``momentum`` > 0, ``Momentum(learning_rate_init,
momentum, nesterovs_momentum)``; b is ``batch_size`` (``"auto"``: min(200, n_samples)).

Differences from ``sklearn.neural_network`` (the docs list them too, docs/guide/sklearn.rst): solvers ``adam`` and
``sgd`` only (no ``lbfgs``), a constant learning rate (no ``learning_rate`` schedule, no
``power_t``), no ``early_stopping``/``validation_fraction``, no ``sample_weight``, no
multi-label targets or sparse input; initial weights are py_mlp's (He for relu-like
layers, else Glorot), ``activation`` also takes py_mlp's names (``sigmoid`` for
``logistic``, ``leaky_relu``, your registered ones); the L2 term is ``alpha / b`` for
every batch where scikit-learn divides by each batch's own size (they differ only on a
last, smaller batch); for several regression targets ``loss_curve_`` sums the squared
error over the targets (scikit-learn's averages it, while its gradient sums); training
that diverges raises ``TrainingDiverged`` and keeps the last finite model.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any, Optional

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.utils.multiclass import check_classification_targets, unique_labels
    from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by tests/test_estimators.py
    raise ImportError(
        "py_mlp.MLPClassifier and MLPRegressor follow scikit-learn's estimator API and need "
        "scikit-learn: pip install scikit-learn. Without it, py_mlp.MLP and py_mlp.Trainer "
        "train the same networks with numpy alone."
    ) from exc

from .._check import number
from ..activations import check_hidden
from ..losses import FOR_PROBLEM
from ..model import MLP
from ..optimizers import SGD, Adam, Momentum
from ..training import Trainer

__all__ = ["MLPClassifier", "MLPRegressor", "InvalidParameterError"]

# scikit-learn's activation names that py_mlp spells otherwise.
_SKLEARN_NAMES = {"logistic": "sigmoid"}
_SOLVERS = ("adam", "sgd")


class InvalidParameterError(ValueError, TypeError):
    """A parameter is wrong (caught as ValueError or TypeError, like scikit-learn's own)."""


def _in_range(owner: str, name: str, value: Any, low: float, high: Optional[float] = None, *,
              above: bool = False, below: bool = False, whole: bool = False) -> Any:
    try:
        return number(value, f"{owner}: {name}", low, high, above=above, below=below, whole=whole)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(str(exc)) from None


def _either(owner: str, name: str, allowed: str, value: Any, low: int) -> None:
    """A whole number >= low where a parameter also takes other kinds of value (named in ``allowed``)."""
    try:
        number(value, name, low, whole=True)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{owner}: {name} must be {allowed}, got {value!r}") from None


def _flag(owner: str, name: str, value: Any) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(f"{owner}: {name} must be True or False, got {value!r}")


def _seed(random_state: Any) -> int:
    """One whole number for ``random_state`` (None: fresh entropy; a RandomState or Generator: a draw)."""
    if random_state is None:
        return int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**63))
    return int(random_state)


class _BaseMLP(BaseEstimator):
    """What the classifier and the regressor share: the parameters, their check, the training loop."""

    _loss: str
    _output: str

    def __init__(self, hidden_layer_sizes: Any = (100,), activation: str = "relu", *, solver: str = "adam",
                 alpha: float = 0.0001, batch_size: Any = "auto", learning_rate_init: float = 0.001,
                 max_iter: int = 200, shuffle: bool = True, random_state: Any = None, tol: float = 1e-4,
                 verbose: bool = False, warm_start: bool = False, momentum: float = 0.9,
                 nesterovs_momentum: bool = True, n_iter_no_change: int = 10, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-8) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.n_iter_no_change = n_iter_no_change
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    # ---- the parameters, checked once at fit (the constructor stores them as given) -----

    def _hidden(self) -> list[int]:
        owner, sizes = type(self).__name__, self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            sizes = [sizes]
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
            raise InvalidParameterError(
                f"{owner}: hidden_layer_sizes must be a width or a tuple of widths such as (100,), got {sizes!r}")
        return [_in_range(owner, "every hidden layer size", s, 1, whole=True) for s in sizes]

    def _check_params(self) -> None:
        owner = type(self).__name__
        self._hidden()
        name = _SKLEARN_NAMES.get(self.activation, self.activation)
        try:
            check_hidden(name)
        except ValueError as exc:
            raise InvalidParameterError(f"{owner}: activation: {exc}") from None
        if not isinstance(self.solver, str) or self.solver not in _SOLVERS:
            raise InvalidParameterError(
                f"{owner}: solver must be one of {', '.join(map(repr, _SOLVERS))}, got {self.solver!r}"
                + ("; py_mlp has no lbfgs" if self.solver == "lbfgs" else ""))
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            _either(owner, "batch_size", "'auto' or a whole number >= 1", self.batch_size, 1)
        _in_range(owner, "alpha", self.alpha, 0.0)
        _in_range(owner, "learning_rate_init", self.learning_rate_init, 0.0, above=True)
        _in_range(owner, "max_iter", self.max_iter, 1, whole=True)
        _in_range(owner, "tol", self.tol, 0.0)
        _in_range(owner, "n_iter_no_change", self.n_iter_no_change, 1, whole=True)
        _in_range(owner, "momentum", self.momentum, 0.0, 1.0, below=True)
        _in_range(owner, "beta_1", self.beta_1, 0.0, 1.0, below=True)
        _in_range(owner, "beta_2", self.beta_2, 0.0, 1.0, below=True)
        _in_range(owner, "epsilon", self.epsilon, 0.0, 1.0, above=True, below=True)
        for flag in ("shuffle", "verbose", "warm_start", "nesterovs_momentum"):
            _flag(owner, flag, getattr(self, flag))
        state = self.random_state
        if not (state is None or isinstance(state, (np.random.RandomState, np.random.Generator))):
            _either(owner, "random_state", "None, a whole number >= 0, a RandomState or a Generator", state, 0)

    def _make_optimizer(self) -> SGD:
        if self.solver == "adam":
            return Adam(self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon)
        if self.momentum > 0:
            return Momentum(self.learning_rate_init, self.momentum, bool(self.nesterovs_momentum))
        return SGD(self.learning_rate_init)

    # ---- training -----------------------------------------------------------------------

    def _train(self, X: np.ndarray, targets: np.ndarray, n_outputs: int, first: bool, incremental: bool) -> None:
        """Build the network on a first fit, then train: one epoch (partial_fit) or up to max_iter."""
        hidden = self._hidden()
        sizes = [X.shape[1], *hidden, n_outputs]
        if first:
            seed = _seed(self.random_state)
            activation = _SKLEARN_NAMES.get(self.activation, self.activation)
            self.model_ = MLP(sizes, activations=[activation] * len(hidden) + [self._output],
                              output_activation=self._output, seed=[seed, 2])
            self._optimizer = self._make_optimizer()
            self._rng = np.random.default_rng([seed, 3])
            self.loss_curve_: list[float] = []
            self.best_loss_ = np.inf
            self._no_improvement = 0
            self.t_ = 0
        elif self.model_.sizes != sizes:
            raise ValueError(
                f"the fitted network is {self.model_.sizes} but these data and hidden_layer_sizes need {sizes}; "
                "fit anew (warm_start=False) to change the network")
        n = X.shape[0]
        batch = min(200 if self.batch_size == "auto" else self.batch_size, n)
        trainer = Trainer(self.model_, X, targets, loss=self._loss, optimizer=self._optimizer, batch_size=batch,
                          l2=self.alpha / batch, seed=self._rng, shuffle=self.shuffle, keep_history=False)
        self.n_iter_ = 0
        try:
            for _ in range(1 if incremental else self.max_iter):
                loss = trainer.train_epoch()["loss"]
                self.n_iter_ += 1
                self.t_ += n
                self.loss_ = loss
                self.loss_curve_.append(loss)
                if self.verbose:
                    print(f"Iteration {self.n_iter_}, loss = {loss:.8f}")
                if self._converged(loss) or incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                                  "optimization hasn't converged yet.", ConvergenceWarning)
        except KeyboardInterrupt:  # the model stands at the end of the last whole epoch
            warnings.warn("Training interrupted by user.")

    def _converged(self, loss: float) -> bool:
        """scikit-learn's rule: stop once the loss has not improved by tol for more than n_iter_no_change epochs."""
        self._no_improvement = self._no_improvement + 1 if loss > self.best_loss_ - self.tol else 0
        self.best_loss_ = min(self.best_loss_, loss)
        if self._no_improvement > self.n_iter_no_change:
            if self.verbose:
                print(f"Training loss did not improve more than tol={self.tol:f} for "
                      f"{self.n_iter_no_change} consecutive epochs. Stopping.")
            return True
        return False

    def _outputs(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.model_.predict(X)

    # ---- what scikit-learn's MLPs also show -----------------------------------------------

    @property
    def coefs_(self) -> list[np.ndarray]:
        """The weight matrices, (fan_in, fan_out) each: ``model_.weights``."""
        return self.model_.weights

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """The bias vectors: ``model_.biases``."""
        return self.model_.biases

    @property
    def n_layers_(self) -> int:
        """Layers counting the input, as scikit-learn counts them."""
        return len(self.model_.sizes)

    @property
    def n_outputs_(self) -> int:
        return self.model_.sizes[-1]


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """A multilayer perceptron classifier with scikit-learn's API, trained by py_mlp.

    Any hashable labels (``classes_``, sorted); two classes train one sigmoid unit with
    binary cross-entropy, more train one softmax unit per class with softmax cross-entropy.
    Parameters as ``sklearn.neural_network.MLPClassifier`` (see the module docstring for
    the differences).

    >>> from py_mlp import MLPClassifier
    >>> clf = MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.1, random_state=0)
    >>> clf.fit([[0, 0], [0, 1], [1, 0], [1, 1]], ["no", "yes", "yes", "yes"]).predict([[1, 1], [0, 0]])
    array(['yes', 'no'], dtype='<U3')
    """

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train on (X, y) from new initial weights (or from the fitted ones with warm_start)."""
        self._check_params()
        first = not (self.warm_start and hasattr(self, "model_"))
        return self._fit(X, y, first=first, incremental=False)

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> MLPClassifier:
        """One epoch on (X, y); the first call needs ``classes``, every label there will ever be."""
        self._check_params()
        first = not hasattr(self, "model_")
        if first:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            self.classes_ = unique_labels(classes)
        elif classes is not None and not np.array_equal(unique_labels(classes), self.classes_):
            raise ValueError(f"classes={classes!r} is not the same as on the first call to partial_fit "
                             f"({self.classes_!r})")
        return self._fit(X, y, first=first, incremental=True)

    def _fit(self, X: Any, y: Any, first: bool, incremental: bool) -> MLPClassifier:
        X, y = validate_data(self, X, y, reset=first, dtype=np.float64)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if first and not incremental:
            self.classes_ = unique_labels(y)
        classes = self.classes_
        if len(classes) < 2:
            raise ValueError(f"{type(self).__name__} needs at least two classes to learn from; y has one class "
                             f"only ({classes[0]!r})")
        indices = np.searchsorted(classes, y)
        unknown = (indices >= len(classes)) | (classes[np.minimum(indices, len(classes) - 1)] != y)
        if np.any(unknown):
            raise ValueError(f"y holds labels that are not in classes_ {list(classes)!r}: "
                             f"{sorted(set(np.asarray(y)[unknown].tolist()))[:5]!r}; give every label to the "
                             "first partial_fit as classes, or fit anew (warm_start=False)")
        n_outputs = 1 if len(classes) == 2 else len(classes)
        loss = FOR_PROBLEM["binary" if n_outputs == 1 else "multiclass"]
        self._loss, self._output = loss.name, loss.output_activation
        self._train(X, indices, n_outputs, first, incremental)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of each class in ``classes_``, one row per sample (rows sum to 1)."""
        out = self._outputs(X)
        return np.column_stack([1.0 - out[:, 0], out[:, 0]]) if out.shape[1] == 1 else out

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """The log of ``predict_proba``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each sample, as a label of ``classes_``."""
        most_probable = np.argmax(self.predict_proba(X), axis=1)
        return self.classes_[most_probable]


class MLPRegressor(RegressorMixin, _BaseMLP):
    """A multilayer perceptron regressor with scikit-learn's API, trained by py_mlp.

    Identity outputs, one per target column, trained on mean squared error
    (``0.5 * mean over samples of the summed squared errors``). Parameters as
    ``sklearn.neural_network.MLPRegressor`` (see the module docstring for the differences).
    """

    _loss, _output = FOR_PROBLEM["regression"].name, FOR_PROBLEM["regression"].output_activation

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train on (X, y) from new initial weights (or from the fitted ones with warm_start)."""
        self._check_params()
        first = not (self.warm_start and hasattr(self, "model_"))
        return self._fit(X, y, first=first, incremental=False)

    def partial_fit(self, X: Any, y: Any) -> MLPRegressor:
        """One epoch on (X, y), from the fitted weights if there are any."""
        self._check_params()
        return self._fit(X, y, first=not hasattr(self, "model_"), incremental=True)

    def _fit(self, X: Any, y: Any, first: bool, incremental: bool) -> MLPRegressor:
        X, y = validate_data(self, X, y, reset=first, dtype=np.float64, multi_output=True, y_numeric=True)
        targets = y.reshape(len(y), -1)
        self._train(X, targets, targets.shape[1], first, incremental)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The predicted targets: shape (n_samples,) for one target, else (n_samples, n_targets)."""
        out = self._outputs(X)
        return out[:, 0] if out.shape[1] == 1 else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
