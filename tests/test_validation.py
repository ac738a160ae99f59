"""Bad input anywhere in the public API raises ValueError or TypeError saying what to do."""

import numpy as np
import pytest

from py_mlp import MLP, Trainer, datasets, get_activation, get_loss, make_optimizer
from py_mlp.initializers import get_initializer

X = np.random.default_rng(0).normal(size=(10, 2))
Y = (X[:, 0] > 0).astype(int)


def _model(**kw):
    return MLP([2, 3, 1], **kw)


@pytest.mark.parametrize("make, error, message", [
    (lambda: MLP([2]), ValueError, "at least an input and an output"),
    (lambda: MLP([2, 0, 1]), ValueError, "every layer size must be a whole number >= 1, got 0"),
    (lambda: MLP([2, -3, 1]), ValueError, "every layer size must be a whole number >= 1, got -3"),
    (lambda: MLP([2, 2.5, 1]), TypeError, "whole number"),
    (lambda: MLP("2,3,1"), TypeError, "list of integers"),
    (lambda: MLP([2, 3, 1], activations="swish"), ValueError, "unknown activation 'swish'; choose one of"),
    (lambda: MLP([2, 3, 1], output_activation="swish"), ValueError, "choose one of"),
    (lambda: MLP([2, 3, 1], activations=["relu"]), ValueError, "need 2 activations"),
    (lambda: MLP([2, 3, 1], activations=None), TypeError, "one name per layer"),
    (lambda: MLP([2, 3, 1], activations=["softmax", "sigmoid"]), ValueError, "can only be an output activation"),
    (lambda: MLP([2, 3, 1], init="lecun"), ValueError, "unknown initialiser 'lecun'; choose one of"),
])
def test_model_construction(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("data, message", [
    (np.zeros((4, 3)), r"shape \(n_samples, 2\)"),
    (np.zeros(2), "reshape a single sample"),
    (np.array([[0.0, np.nan]]), "NaN or infinite"),
    (np.array([[0.0, np.inf]]), "NaN or infinite"),
])
def test_predict_checks_its_input(data, message):
    with pytest.raises(ValueError, match=message):
        _model().predict(data)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(X=X[:, :1]), ValueError, r"shape \(n_samples, 2\)"),
    (dict(X=np.where(X > 1, np.nan, X)), ValueError, "NaN or infinite values; clean or drop"),
    (dict(y=Y[:-1]), ValueError, "rows but y has"),
    (dict(y=np.where(Y > 0, np.nan, 0.0)), ValueError, "y contains NaN"),
    (dict(X=X[:0], y=Y[:0]), ValueError, "no training samples"),
    (dict(loss="hinge"), ValueError, "unknown loss 'hinge'; choose one of"),
    (dict(batch_size=-1), ValueError, r"batch size must be a whole number >= 0, got -1 \(0 for full batch\)"),
    (dict(batch_size=2.5), TypeError, "batch size must be a whole number"),
    (dict(l1=-1), ValueError, "l1 regularisation rate must be a number >= 0"),
    (dict(l2=float("nan")), ValueError, "l2 regularisation rate"),
    (dict(X_test=X), ValueError, "without y_test"),
    (dict(X_test=X, y_test=Y[:3]), ValueError, "rows but y has"),
    (dict(X_test=X[:, :1], y_test=Y), ValueError, "shape"),
    (dict(y=np.column_stack([Y, Y])), ValueError, "make the last layer size match"),
])
def test_trainer_checks_its_data_and_settings(kwargs, error, message):
    args = dict(X=X, y=Y)
    args.update(kwargs)
    with pytest.raises(error, match=message):
        Trainer(_model(), args.pop("X"), args.pop("y"), **args)


@pytest.mark.parametrize("output, loss, message", [
    ("identity", "bce", "use sigmoid as the output activation"),
    ("relu", "ce", "use softmax or sigmoid"),
    ("softmax", "mse", "softmax output only works with softmax_cross_entropy"),
])
def test_loss_and_output_must_fit_together(output, loss, message):
    n_out = 2 if output == "softmax" else 1
    model = MLP([2, 3, n_out], output_activation=output)
    with pytest.raises(ValueError, match=message):
        Trainer(model, X, Y, loss=loss)


def test_multiclass_labels_are_checked():
    model = MLP([2, 3, 3], output_activation="softmax")
    with pytest.raises(ValueError, match="whole numbers 0, 1, 2"):
        Trainer(model, X, Y + 0.5, loss="ce")
    with pytest.raises(ValueError, match="one unit per class"):
        Trainer(model, X, Y * 3, loss="ce")


@pytest.mark.parametrize("name, options, error, message", [
    ("lbfgs", {}, ValueError, "unknown optimiser 'lbfgs'; choose one of: sgd, momentum, adam"),
    ("sgd", dict(lr=0), ValueError, "learning rate must be a positive number"),
    ("sgd", dict(lr=-0.1), ValueError, "learning rate must be a positive number"),
    ("adam", dict(lr=float("inf")), ValueError, "learning rate must be a positive number"),
    ("sgd", dict(lr="0.1"), TypeError, "learning rate must be a positive number"),
    ("sgd", dict(momentum=0.9), TypeError, "does not take"),
    ("momentum", dict(momentum=1.0), ValueError, "momentum must be a number >= 0 and below 1"),
    ("momentum", dict(momentum="high"), TypeError, "momentum must be a number"),
    ("adam", dict(beta1=1.5), ValueError, "beta1"),
    ("adam", dict(eps=0), ValueError, "eps must be a number above 0 and below 1"),
])
def test_optimiser_settings(name, options, error, message):
    with pytest.raises(error, match=message):
        make_optimizer(name, **options)


def test_run_checks_the_epoch_count():
    trainer = Trainer(_model(), X, Y)
    for bad in (-1, 10**9):
        with pytest.raises(ValueError, match="whole number between 0 and 100000"):
            trainer.run(bad)
    for bad in (2.0, True, "3"):
        with pytest.raises(TypeError, match="whole number"):
            trainer.run(bad)


def test_lookups_list_the_known_names():
    for lookup, kind in ((get_activation, "activation"), (get_loss, "loss"), (get_initializer, "initialiser"),
                         (datasets.get_dataset, "dataset")):
        with pytest.raises(ValueError, match=f"unknown {kind} 'nope'; choose one of: "):
            lookup("nope")
        with pytest.raises(ValueError, match="choose one of"):
            lookup(["unhashable"])


def test_settings_that_change_between_epochs_are_checked():
    trainer = Trainer(_model(), X, Y, optimizer=make_optimizer("sgd", lr=0.1))
    trainer.set_batch_size(4)
    assert trainer.batch_size == 4
    trainer.set_batch_size(0)
    assert trainer.batch_size == len(X)
    trainer.set_batch_size(None)
    assert trainer.batch_size == len(X)
    with pytest.raises(ValueError, match="0 for full batch"):
        trainer.set_batch_size(-3)
    trainer.set_regularization(0.1, 0.2)
    assert (trainer.l1, trainer.l2) == (0.1, 0.2)
    with pytest.raises(ValueError, match="l2 regularisation rate must be a number >= 0"):
        trainer.set_regularization(0.0, -1.0)
    assert (trainer.l1, trainer.l2) == (0.1, 0.2)  # a refused change leaves the old values
    trainer.optimizer.lr = 0.5
    assert trainer.optimizer.lr == 0.5
    for bad in (0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="positive number"):
            trainer.optimizer.lr = bad
    assert trainer.optimizer.lr == 0.5


# ---- labels checked against the loss (issue 19) ------------------------------------------
# Before, -1/1 or 1/2 trained binary cross-entropy into a negative loss without a word, and
# text labels failed inside numpy ("invalid literal for int()").

@pytest.mark.parametrize("labels, found", [
    ((-1, 1), "y holds -1 and 1"),
    ((1, 2), "y holds 1 and 2"),
    (("no", "yes"), "y holds 'no' and 'yes'"),
])
def test_binary_cross_entropy_refuses_labels_outside_0_and_1(labels, found):
    y = np.where(Y > 0, labels[1], labels[0])
    for make in (lambda: Trainer(_model(), X, y, loss="bce"),
                 lambda: Trainer(_model(), X, Y, loss="bce").evaluate(X, y)):
        with pytest.raises(ValueError) as info:
            make()
        message = str(info.value)
        assert found in message and "targets in [0, 1]" in message
        assert "map your two classes to 0 and 1" in message and "MLPClassifier" in message


def test_binary_cross_entropy_takes_0_and_1_booleans_and_probabilities():
    for y in (Y, Y.astype(bool), np.where(Y > 0, 0.9, 0.1), Y.astype(object)):
        record = Trainer(_model(), X, y, loss="bce").train_epoch()
        assert np.isfinite(record["loss"]) and record["loss"] > 0


@pytest.mark.parametrize("y, found", [
    (np.where(Y > 0, -1, 1), "y holds -1 and 1"),
    (np.where(Y > 0, "cat", "dog"), "y holds 'cat' and 'dog'"),
    (Y + 0.5, "y holds 0.5 and 1.5"),
    (np.arange(10) - 3, "y holds 10 different values, from -3 to 6"),
])
def test_softmax_cross_entropy_refuses_labels_that_are_not_class_indices(y, found):
    model = MLP([2, 3, 3], output_activation="softmax")
    with pytest.raises(ValueError) as info:
        Trainer(model, X, y, loss="ce")
    message = str(info.value)
    assert found in message and "class indices, whole numbers 0, 1, 2" in message
    assert "np.unique(y, return_inverse=True)" in message and "MLPClassifier" in message


def test_softmax_cross_entropy_takes_one_hot_rows_and_refuses_other_rows():
    model = MLP([2, 3, 3], output_activation="softmax")
    one_hot = np.eye(3)[Y]
    as_rows = Trainer(model, X, one_hot, loss="ce").evaluate(X, one_hot)["loss"]
    assert as_rows == Trainer(model, X, Y, loss="ce").evaluate(X, Y)["loss"]
    for bad in (one_hot * 2, one_hot - 0.5):
        with pytest.raises(ValueError, match="one-hot rows"):
            Trainer(model, X, bad, loss="ce")


def test_regression_targets_must_be_numbers():
    model = MLP([2, 3, 1], output_activation="identity")
    with pytest.raises(ValueError, match="mean_squared_error takes numbers as targets, but y holds 'a' and 'b'"):
        Trainer(model, X, np.where(Y > 0, "a", "b"), loss="mse")


# ---- the browser's caps are the configuration's, not the library's (issue 19) ---------------

def test_the_library_builds_and_trains_networks_past_the_pages_caps():
    from py_mlp import settings

    sizes = [784, 1024, 10]
    model = MLP(sizes, output_activation="softmax", seed=0)
    assert model.n_params() == 785 * 1024 + 1025 * 10 > settings.MAX_PARAMS
    rng = np.random.default_rng(0)
    X_big, y_big = rng.normal(size=(20, 784)), np.arange(20) % 10
    before = model.copy_params()
    record = Trainer(model, X_big, y_big, loss="ce", optimizer=make_optimizer("sgd", lr=0.01)).train_epoch()
    assert np.isfinite(record["loss"]) and any((a != b).any() for a, b in zip(before, model.params))
    wide = MLP([2, settings.MAX_LAYER_SIZE + 1, 1])
    deep = MLP([2] * (settings.MAX_LAYERS + 3))
    assert wide.sizes[1] > settings.MAX_LAYER_SIZE and len(deep.weights) > settings.MAX_LAYERS
