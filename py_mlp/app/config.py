"""One configuration dict -> data, model and trainer: the single path every front end takes.

Runs on CPython (the command line, tests) and in the Pyodide worker alike, so the same
configuration and seed give the same per-epoch numbers everywhere. Non-goals: running
the epochs (the caller does, in chunks), drawing, files.

Every key, its default, range and meaning is in the one table ``settings.SETTINGS``
(the docs' settings table is made from it). Every key is optional; unknown keys are
rejected. Each value is checked by ``settings.check``; the rules between values (classes
only for the data sets that have them, a loss that fits the problem, a switch such as
nesterov only with an optimiser that has it, the size caps) are written out in
``check_config``. Each optimiser takes its own hyper-parameters (``optimizers.Hyper``).

The output layer follows the problem, through its loss (``losses.FOR_PROBLEM``): one
sigmoid unit (binary), one softmax unit per class (multiclass), one identity unit
(regression). Random streams are independent:
the data use ``seed``, the split ``[seed, 1]``, the initial weights ``[seed, 2]`` and the
mini-batch order ``[seed, 3]`` (numpy ``default_rng`` seeds).

Your own points: ``build_run({"dataset": "custom", ...}, data=(points, y))`` with points
of shape (n, 2) and y of shape (n,) (a third item, the problem, may follow, as
``csvdata.parse_csv`` returns). Whole-number labels mean classification (binary for 0/1,
else multiclass), other values regression. Coordinates and targets must lie within
``±datasets.MAX_DATA_VALUE`` (1,000,000); the key of their errors is "data".

Size caps, so that no configuration can exhaust a browser's memory (the numbers are
explained in ``settings.py``; ``MLP`` and ``Trainer`` have none): at most
``settings.MAX_PARAMS`` (500,000) weights and biases, refused on ``hidden``; and the
points times the hidden units, summed over the layers, at most
``settings.MAX_ACTIVATIONS`` (2**24, about 16.8 million), refused on ``n_samples`` when the
layers would fit the default 1,000 points, else on ``hidden``.

Every bad value raises ``ConfigError`` (a ``ValueError``) whose ``key`` names the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np

from ..data import datasets
from .._check import checked_already, number
from ..activations import check_hidden
from ..initializers import get_initializer
from ..losses import FOR_PROBLEM, PROBLEMS, get_loss
from ..model import MLP, count_params
from ..optimizers import OPTIMIZERS
from .settings import (DEFAULTS, LIBRARY, MAX_ACTIVATIONS, MAX_EPOCHS, MAX_LAYER_SIZE, MAX_LAYERS, MAX_PARAMS,
                       ConfigError, check)
from ..training import Trainer

CUSTOM = "custom"
# Settings whose own check is all of their rules (``settings.check``): the numbers, the
# switches and the optimiser. The others are checked below, with what lies between them.
PLAIN = tuple(s.name for s in LIBRARY if s.kind in ("int", "float", "bool") or s.name == "optimizer")
# The settings the table calls live: ``Run.update`` applies each of them to a running trainer.
LIVE = tuple(s.name for s in LIBRARY if s.live)
__all__ = ["DEFAULTS", "LIVE", "MAX_EPOCHS", "ConfigError", "Run", "build_run", "check_config"]


def _name(config, key, lookup):
    value = config[key]
    try:
        lookup(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(key, str(exc)) from None
    return value


def _custom_data(data):
    """``(points, y, problem, n_classes)`` from user data ``(points, y[, problem])``."""
    if not isinstance(data, (tuple, list)) or len(data) not in (2, 3):
        raise ConfigError("data", "pass data as (points, y), points of shape (n, 2) and y of shape (n,)")
    try:
        points, y = np.asarray(data[0], dtype=float), np.asarray(data[1], dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError("data", "points and targets must be numbers: points (n, 2), y (n,)") from None
    if points.ndim != 2 or points.shape[1] != 2 or y.shape != (len(points),):
        raise ConfigError("data", f"points must be (n, 2) and y (n,), got {points.shape} and {y.shape}")
    if len(points) < 2 or len(points) > datasets.MAX_SAMPLES:
        raise ConfigError("data", f"between 2 and {datasets.MAX_SAMPLES} points are needed, got {len(points)}")
    if not (np.all(np.isfinite(points)) and np.all(np.isfinite(y))):
        raise ConfigError("data", "points and targets must be finite numbers; remove NaN or infinite values")
    limit = datasets.MAX_DATA_VALUE
    if np.abs(points).max() > limit or np.abs(y).max() > limit:
        raise ConfigError(
            "data", f"every coordinate and target must be within ±{limit:,.0f}; scale your data down"
        )
    problem = data[2] if len(data) == 3 else None
    whole = bool(np.all(y == np.round(y)) and y.min() >= 0)
    if problem is None:
        problem = "regression" if not whole else ("binary" if y.max() <= 1 else "multiclass")
    if not isinstance(problem, str) or problem not in PROBLEMS:
        raise ConfigError("data", f"the data's problem must be one of {', '.join(PROBLEMS)}, got {problem!r}")
    if problem == "regression":
        return points, y, problem, 2
    if not whole or y.max() >= datasets.MAX_CLASSES:
        raise ConfigError("data", f"class labels must be whole numbers 0 to {datasets.MAX_CLASSES - 1}")
    if problem == "binary" and y.max() > 1:
        raise ConfigError("data", "binary labels must be 0 or 1; use 'multiclass' for more classes")
    return points, y.astype(int), problem, max(2, int(y.max()) + 1)


def fewest_points(test_fraction: float) -> int:
    """The fewest points from which ``test_fraction`` holds out at least one (``train_test_split``
    holds out ``round(test_fraction * n)``)."""
    n = max(1, math.floor(0.5 / test_fraction))  # round(0.5) is 0: one more than 0.5 / share, or so
    return next((m for m in (n, n + 1, n + 2) if round(test_fraction * m) >= 1), n + 2)


def check_config(config: Optional[dict] = None, data: Optional[Sequence[Any]] = None) -> dict[str, Any]:
    """A complete, validated copy of ``config`` with defaults filled in and problem/loss derived."""
    return _checked(config, data)[0]


def _checked(config, data):
    """``(the checked configuration, your own points checked as _custom_data gives them, or None)``."""
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise TypeError(f"the configuration must be a dict, got {type(config).__name__}")
    unknown = sorted(set(config) - set(DEFAULTS), key=str)
    if unknown:
        raise ConfigError(unknown[0], f"unknown setting; the known ones are: {', '.join(DEFAULTS)}")
    c = {**DEFAULTS, **config}

    custom = isinstance(c["dataset"], str) and c["dataset"] == CUSTOM
    if custom and data is None:
        raise ConfigError("dataset", "'custom' needs your points: pass data=(points, y), or pick a built-in data set")
    if data is not None and not custom:
        raise ConfigError("dataset", "points were given as data; set dataset to 'custom' to train on them")
    if not custom:
        c["dataset"] = _name(c, "dataset", datasets.get_dataset)
    for key in PLAIN:
        c[key] = check(key, c[key])
    own = _custom_data(data) if custom else None
    if custom:
        points, _, natural, c["n_classes"] = own
    elif c["n_classes"] != 2 and c["dataset"] not in datasets.MULTICLASS:
        raise ConfigError(
            "n_classes", f"only {' and '.join(datasets.MULTICLASS)} take a number of classes; "
            f"{c['dataset']!r} has 2"
        )
    else:
        natural = datasets.problem_of(c["dataset"], c["n_classes"])
    n_points = len(points) if custom else c["n_samples"]
    if c["test_fraction"] and round(c["test_fraction"] * n_points) < 1:
        share, fewest = c["test_fraction"], fewest_points(c["test_fraction"])
        need = f"at least {fewest:,}" if fewest <= datasets.MAX_SAMPLES else f"more than {datasets.MAX_SAMPLES:,}"
        raise ConfigError("test_fraction", f"the test share {share:g} of {n_points} points holds out no point: "
                                           f"at this share a test set needs {need} points; "
                                           "use more points, a larger share, or 0 for no test set")
    try:
        c["features"] = datasets.check_features(c["features"])
    except (TypeError, ValueError) as exc:
        raise ConfigError("features", str(exc)) from None

    hidden = c["hidden"]
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, (list, tuple)):
        raise ConfigError("hidden", f"must be a list of layer widths such as [8, 8], got {hidden!r}")
    if len(hidden) > MAX_LAYERS - 1:
        raise ConfigError("hidden", f"at most {MAX_LAYERS - 1} hidden layers are supported, got {len(hidden)}")
    try:
        c["hidden"] = [number(width, "every width", 1, MAX_LAYER_SIZE, whole=True) for width in hidden]
    except (TypeError, ValueError) as exc:
        raise ConfigError("hidden", str(exc)) from None
    acts = c["activation"]
    if isinstance(acts, (list, tuple)):
        if len(acts) != len(c["hidden"]):
            raise ConfigError(
                "activation", f"give one activation per hidden layer ({len(c['hidden'])}), got {len(acts)}; "
                "or a single name for all of them"
            )
        c["activation"] = [_name({"activation": a}, "activation", check_hidden) for a in acts]
    else:
        c["activation"] = _name(c, "activation", check_hidden)

    if c["loss"] is not None:
        c["loss"] = _name(c, "loss", get_loss)
    if c["problem"] is None:
        c["problem"] = natural if c["loss"] is None else get_loss(c["loss"]).task
    if not isinstance(c["problem"], str) or c["problem"] not in PROBLEMS:
        raise ConfigError("problem", f"must be one of {', '.join(PROBLEMS)}, got {c['problem']!r}")
    if natural == "regression" and c["problem"] != "regression":
        raise ConfigError("problem", f"the {c['dataset']!r} data have real-valued targets; use 'regression'")
    if natural == "multiclass" and c["problem"] == "binary":
        raise ConfigError("problem", f"{c['n_classes']} classes need 'multiclass', not 'binary'")
    if c["loss"] is None:
        c["loss"] = FOR_PROBLEM[c["problem"]].name
    loss = get_loss(c["loss"])
    c["loss"] = loss.name
    if loss.task != c["problem"]:
        raise ConfigError(
            "loss", f"{loss.name} is for {loss.task} problems, this is {c['problem']}; "
            f"use {FOR_PROBLEM[c['problem']].name} or leave loss unset"
        )

    chosen = OPTIMIZERS[c["optimizer"]]
    for h in {h.key: h for cls in OPTIMIZERS.values() for h in cls.hyper if h.switch}.values():
        if c[h.key] and h not in chosen.hyper:
            takers = " or ".join(repr(cls.name) for cls in OPTIMIZERS.values() if h in cls.hyper)
            raise ConfigError(h.key, f"applies to the {takers} optimiser only; choose it or turn {h.key} off")
    if c["init"] is not None:
        c["init"] = _name(c, "init", get_initializer)
    _check_size(c, n_points, custom)
    return c, own


def _check_size(c, n_points, custom):
    """Refuse networks and data too big for memory (see ``settings.MAX_PARAMS``), naming the field."""
    n_out = c["n_classes"] if c["problem"] == "multiclass" else 1
    n_params = count_params([len(c["features"]), *c["hidden"], n_out])
    if n_params > MAX_PARAMS:
        raise ConfigError(
            "hidden", f"this network would have {n_params:,} weights and biases, but at most {MAX_PARAMS:,} "
            "are allowed; use fewer or narrower layers"
        )
    units = sum(c["hidden"])
    if n_points * units <= MAX_ACTIVATIONS:
        return
    # Blame the points when these layers would fit the default number of them.
    key = "n_samples" if not custom and DEFAULTS["n_samples"] * units <= MAX_ACTIVATIONS else "hidden"
    raise ConfigError(
        key, f"{n_points:,} points x {units:,} hidden units would keep {n_points * units:,} values in memory, "
        f"but at most {MAX_ACTIVATIONS:,} are allowed; use at most {MAX_ACTIVATIONS // units:,} points with "
        f"these layers, or at most {MAX_ACTIVATIONS // n_points:,} hidden units in total for these points"
    )


def _apply_live(trainer: Trainer, c: dict) -> None:
    """Give a running trainer the live settings of the checked configuration ``c``: its
    optimiser's live hyper-parameters, the batch size and the penalty rates. (``epochs`` is
    how long a driver trains, which the configuration itself records.)"""
    optimizer = trainer.optimizer
    for h in type(optimizer).hyper:
        if h.live:
            setattr(optimizer, h.name, c[h.key])
    trainer.set_batch_size(c["batch_size"])
    trainer.set_regularization(c["l1"], c["l2"])


@dataclass
class Run:
    """What ``build_run`` makes: the (featurised) data, the network and its trainer.

    ``points_train`` / ``points_test`` are the raw 2-D points (for plotting); ``X_*`` are
    the network inputs made from them by ``inputs``; ``config`` is the complete config.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    model: MLP
    trainer: Trainer
    config: dict
    points_train: np.ndarray
    points_test: np.ndarray

    def inputs(self, points: np.ndarray) -> np.ndarray:
        """Network inputs for raw 2-D points (e.g. a grid for a decision-boundary heatmap)."""
        return datasets.add_features(points, self.config["features"])

    def update(self, changes: dict, data: Optional[Sequence[Any]] = None) -> None:
        """Apply ``changes`` to the running network: the settings the table calls live (``LIVE``).

        The whole configuration is checked with them first (``data``: your own points, for a
        "custom" run), and nothing is applied unless all of it is valid. A change to any other
        setting raises ``ConfigError`` naming it: it needs a new network (``build_run``).
        """
        checked = check_config({**self.config, **changes}, data)
        fixed = [key for key in changes if key not in LIVE and checked[key] != self.config[key]]
        if fixed:
            raise ConfigError(fixed[0], f"{fixed[0]} needs a new network: build the run again with it (the page's Reset)")
        with checked_already():
            _apply_live(self.trainer, checked)
        self.config = {**self.config, **{key: checked[key] for key in LIVE}}

    def extent(self) -> float:
        """Half the side of the square to plot the data in, ``[-e, e]`` on both axes.

        Training keeps the network's outputs finite over this square (``Trainer.input_bound``).
        """
        return datasets.plot_extent(np.concatenate([self.points_train, self.points_test]))


def build_run(config: Optional[dict] = None, data: Optional[Sequence[Any]] = None) -> Run:
    """Data, model and trainer for a configuration dict (see the module docstring).

    ``data=(points, y)`` trains on your own points; the config's dataset is then "custom".
    Every value is checked once, here, by ``check_config``; what is built from them trusts them.
    """
    c, own = _checked(config, data)
    with checked_already():
        return _build(c, own)


def _build(c, own):
    seed = c["seed"]
    if own is not None:
        points, y, _, _ = own
    else:
        options = {"n_classes": c["n_classes"]} if c["dataset"] in datasets.MULTICLASS else {}
        points, y = datasets.make_dataset(c["dataset"], c["n_samples"], c["noise"], seed, **options)
    if c["problem"] == "regression":
        y = y.astype(float)
    p_train, p_test, y_train, y_test = datasets.train_test_split(points, y, c["test_fraction"], [seed, 1])
    X_train = datasets.add_features(p_train, c["features"])
    X_test = datasets.add_features(p_test, c["features"])

    n_out = c["n_classes"] if c["problem"] == "multiclass" else 1
    sizes = [X_train.shape[1], *c["hidden"], n_out]
    output = get_loss(c["loss"]).output_activation
    acts = c["activation"]
    acts = [*acts, output] if isinstance(acts, list) else acts
    model = MLP(sizes, activations=acts, output_activation=output, init=c["init"], seed=[seed, 2])
    optimizer_class = OPTIMIZERS[c["optimizer"]]
    optimizer = optimizer_class(**{h.name: c[h.key] for h in optimizer_class.hyper})
    has_test = len(X_test) > 0
    # The outputs must stay finite wherever the page draws them: the square plot_extent gives.
    bound = datasets.feature_bounds(datasets.plot_extent(points), c["features"])
    trainer = Trainer(
        model, X_train, y_train, loss=c["loss"], optimizer=optimizer, batch_size=c["batch_size"],
        l1=c["l1"], l2=c["l2"], seed=[seed, 3],
        X_test=X_test if has_test else None, y_test=y_test if has_test else None, input_bound=bound,
    )
    return Run(X_train, y_train, X_test, y_test, model, trainer, c, p_train, p_test)
