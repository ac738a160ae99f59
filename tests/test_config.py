"""build_run: one validated configuration dict -> data, model, trainer."""

import json

import numpy as np
import pytest

from py_mlp import datasets
from py_mlp.app import settings
from py_mlp.app.config import DEFAULTS, LIVE, ConfigError, build_run, check_config
from py_mlp.optimizers import OPTIMIZERS


def test_defaults_are_complete_and_derived():
    c = check_config()
    assert set(c) == set(DEFAULTS)
    assert c["problem"] == "binary" and c["loss"] == "binary_cross_entropy"
    json.dumps(c)  # plain JSON, so the browser and files can carry it


def test_default_run_shapes():
    run = build_run()
    assert run.model.sizes == [2, 8, 8, 1]
    assert run.model.activations == ["relu", "relu", "sigmoid"]
    assert run.X_train.shape == (1000, 2) and len(run.X_test) == 0
    assert run.trainer.X_test is None
    X, y = datasets.circles(n_samples=1000, noise=0.1, seed=0)
    assert np.array_equal(run.points_train, X) and np.array_equal(run.y_train, y)


def test_same_config_same_numbers_and_seed_matters():
    config = {"dataset": "moons", "n_samples": 200, "test_fraction": 0.25, "batch_size": 16, "seed": 3}
    a = build_run(config).trainer.run(3)
    b = build_run(dict(config)).trainer.run(3)
    c = build_run({**config, "seed": 4}).trainer.run(3)
    assert a == b and a != c


def test_the_run_is_made_of_the_documented_parts():
    """Rebuild a run by hand from the public pieces, following the module's stated seeds."""
    from py_mlp import MLP, Trainer, make_optimizer

    config = {"dataset": "xor", "n_samples": 100, "noise": 0.05, "seed": 2, "test_fraction": 0.2,
              "features": ["x1", "x2", "x1*x2"], "hidden": [4], "activation": "tanh",
              "optimizer": "momentum", "learning_rate": 0.2, "momentum": 0.5, "nesterov": True,
              "batch_size": 10, "l2": 0.01}
    run = build_run(config)
    points, y = datasets.xor(n_samples=100, noise=0.05, seed=2)
    p_train, p_test, y_train, y_test = datasets.train_test_split(points, y, 0.2, [2, 1])
    X_train = datasets.add_features(p_train, config["features"])
    model = MLP([3, 4, 1], activations="tanh", output_activation="sigmoid", seed=[2, 2])
    trainer = Trainer(model, X_train, y_train, optimizer=make_optimizer("momentum", lr=0.2, momentum=0.5, nesterov=True),
                      batch_size=10, l2=0.01, seed=[2, 3],
                      X_test=datasets.add_features(p_test, config["features"]), y_test=y_test)
    assert np.array_equal(run.X_train, X_train) and np.array_equal(run.y_test, y_test)
    assert run.trainer.run(5) == trainer.run(5)
    assert np.array_equal(run.inputs(p_test), datasets.add_features(p_test, config["features"]))


def test_problem_and_loss_follow_the_data_set():
    spiral = build_run({"dataset": "spiral", "n_classes": 4, "n_samples": 80})
    assert spiral.config["problem"] == "multiclass"
    assert spiral.config["loss"] == "softmax_cross_entropy"
    assert spiral.model.sizes[-1] == 4 and spiral.model.activations[-1] == "softmax"
    plane = build_run({"dataset": "plane", "n_samples": 50})
    assert plane.config["problem"] == "regression" and plane.model.activations[-1] == "identity"
    assert plane.trainer.run(1)[0].keys() == {"epoch", "loss", "r2", "grad_norms"}
    # Two classes as a two-unit softmax, and labels regressed with MSE, are both allowed.
    two = build_run({"problem": "multiclass", "n_samples": 50})
    assert two.model.sizes[-1] == 2 and two.config["loss"] == "softmax_cross_entropy"
    reg = build_run({"loss": "mse", "n_samples": 50})
    assert reg.config["problem"] == "regression"


def test_full_batch_spellings():
    assert build_run({"batch_size": 0, "n_samples": 40}).trainer.batch_size == 40
    assert build_run({"batch_size": None, "n_samples": 40}).trainer.batch_size == 40
    assert build_run({"batch_size": 500, "n_samples": 40}).trainer.batch_size == 40


def test_no_hidden_layer_and_features():
    run = build_run({"hidden": [], "features": ["x1^2", "x2^2"], "n_samples": 40})
    assert run.model.sizes == [2, 1]
    assert np.array_equal(run.X_train, run.points_train**2)


BAD = [
    ({"hiden": [3]}, "hiden", "unknown setting"),
    ({"dataset": "rings"}, "dataset", "choose one of"),
    ({"n_samples": 1}, "n_samples", "between 2"),
    ({"n_samples": 10.5}, "n_samples", "whole number"),
    ({"noise": -1}, "noise", "between 0 and 10"),
    ({"noise": 10.5}, "noise", "between 0 and 10"),
    ({"seed": -1}, "seed", "between 0"),
    ({"n_classes": 3}, "n_classes", "only gaussians and spiral"),
    ({"test_fraction": 1.0}, "test_fraction", "below 1"),
    ({"test_fraction": 0.0001, "n_samples": 100}, "test_fraction", "holds out no point"),
    ({"features": ["x3"]}, "features", "choose from"),
    ({"features": []}, "features", "at least one"),
    ({"hidden": "8,8"}, "hidden", "list of layer widths"),
    ({"hidden": [8, 0]}, "hidden", "between 1 and 4096"),
    ({"activation": "softmax"}, "activation", "only be an output"),
    ({"activation": "gelu"}, "activation", "choose one of"),
    ({"problem": "ranking"}, "problem", "must be one of"),
    ({"dataset": "plane", "problem": "binary"}, "problem", "regression"),
    ({"dataset": "spiral", "n_classes": 3, "problem": "binary"}, "problem", "multiclass"),
    ({"problem": "binary", "loss": "mse"}, "loss", "for regression problems"),
    ({"loss": "hinge"}, "loss", "choose one of"),
    ({"optimizer": "lbfgs"}, "optimizer", "choose one of"),
    ({"learning_rate": 0}, "learning_rate", "positive"),
    ({"learning_rate": float("nan")}, "learning_rate", "positive"),
    ({"learning_rate": "0.1"}, "learning_rate", "must be a positive number"),
    ({"momentum": 1.0}, "momentum", "below 1"),
    ({"nesterov": True}, "nesterov", "momentum"),
    ({"nesterov": "yes", "optimizer": "momentum"}, "nesterov", "true or false"),
    ({"batch_size": -2}, "batch_size", ">= 0"),
    ({"l1": -0.1}, "l1", ">= 0"),
    ({"l2": True}, "l2", "must be a number"),
    ({"init": "lecun"}, "init", "choose one of"),
    ({"epochs": -1}, "epochs", "between 0"),
]


@pytest.mark.parametrize("config, key, message", BAD, ids=[f"{k}-{i}" for i, (_, k, _) in enumerate(BAD)])
def test_bad_values_name_the_field_and_say_what_to_do(config, key, message):
    with pytest.raises(ConfigError, match=message) as info:
        build_run(config)
    assert info.value.key == key
    assert str(info.value).startswith(f"{key}: ")
    assert isinstance(info.value, ValueError)


def test_config_must_be_a_dict():
    with pytest.raises(TypeError, match="must be a dict"):
        build_run([("dataset", "circles")])


def test_custom_points():
    rng = np.random.default_rng(0)
    points = rng.uniform(-1, 1, size=(40, 2))
    labels = (points[:, 0] > 0).astype(int)
    run = build_run({"dataset": "custom", "test_fraction": 0.25, "hidden": [3]}, data=(points, labels))
    assert run.config["problem"] == "binary" and len(run.X_test) == 10
    assert sorted(map(tuple, np.concatenate([run.points_train, run.points_test]))) == sorted(map(tuple, points))
    three = build_run({"dataset": "custom"}, data=(points, labels + (points[:, 1] > 0)))
    assert three.config["problem"] == "multiclass" and three.model.sizes[-1] == 3
    targets = points[:, 0] * 0.3
    reg = build_run({"dataset": "custom"}, data=(points, targets, "regression"))
    assert reg.config["problem"] == "regression" and "r2" in reg.trainer.run(1)[0]


@pytest.mark.parametrize("config, data, key, message", [
    ({"dataset": "custom"}, None, "dataset", "pass data="),
    ({}, (np.zeros((4, 2)), np.zeros(4)), "dataset", "set dataset to 'custom'"),
    ({"dataset": "custom"}, (np.zeros((4, 3)), np.zeros(4)), "data", r"\(n, 2\)"),
    ({"dataset": "custom"}, (np.zeros((4, 2)), np.zeros(3)), "data", r"\(n, 2\)"),
    ({"dataset": "custom"}, (np.full((4, 2), np.nan), np.zeros(4)), "data", "finite"),
    ({"dataset": "custom"}, (np.zeros((4, 2)), np.arange(4), "binary"), "data", "0 or 1"),
    ({"dataset": "custom", "problem": "binary"}, (np.zeros((4, 2)), np.arange(4) * 0.5), "problem", "regression"),
])
def test_bad_custom_data(config, data, key, message):
    with pytest.raises(ConfigError, match=message) as info:
        build_run(config, data=data)
    assert info.value.key == key


def test_one_activation_per_hidden_layer():
    run = build_run({"hidden": [4, 3], "activation": ["tanh", "relu"]})
    assert run.model.activations == ["tanh", "relu", "sigmoid"]
    same = build_run({"hidden": [4, 3], "activation": "tanh"})
    assert same.model.activations == ["tanh", "tanh", "sigmoid"]


@pytest.mark.parametrize("acts, fragment", [
    (["tanh"], "one activation per hidden layer (2), got 1"),
    (["tanh", "softmax"], "can only be an output"),
    (["tanh", "nope"], "unknown activation"),
])
def test_bad_activation_lists_name_the_field(acts, fragment):
    with pytest.raises(ConfigError) as info:
        build_run({"hidden": [4, 3], "activation": acts})
    assert info.value.key == "activation" and fragment in str(info.value)


def test_size_caps_allow_what_the_page_and_the_readme_offer():
    every_feature = list(datasets.FEATURES)
    page_max = build_run({"dataset": "spiral", "n_classes": 10, "n_samples": 10_000, "features": every_feature,
                          "hidden": [64] * 8, "activation": "tanh", "test_fraction": 0.5})
    assert page_max.model.sizes == [7, *[64] * 8, 10]
    assert build_run({"hidden": [4096], "n_samples": 4096}).model.sizes == [2, 4096, 1]
    rng = np.random.default_rng(0)
    points = rng.uniform(-1, 1, size=(100_000, 2))
    assert len(build_run({"dataset": "custom"}, data=(points, points[:, 0] > 0)).X_train) == 100_000


@pytest.mark.parametrize("config, key, fragment", [
    ({"hidden": [4096], "n_samples": 4097}, "n_samples", "use at most 4,096 points with these layers"),
    ({"hidden": [1024, 500]}, "hidden", "at most 500,000 are allowed"),
    ({"hidden": [64] * 64}, "hidden", "at most 63 hidden layers"),
])
def test_just_past_the_size_caps(config, key, fragment):
    with pytest.raises(ConfigError) as info:
        build_run(config)
    assert info.value.key == key and fragment in info.value.message


def _another(key, now):
    """A valid value of the library setting ``key`` other than ``now``."""
    s = settings.BY_NAME[key]
    if s.kind == "int":
        return (now or 0) + 7
    value = s.low + ((s.high if s.high is not None else s.low + 1) - s.low) * 0.37
    assert value != now
    return value


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_update_applies_every_setting_the_table_calls_live(name):
    """Each live setting changed on a running network reaches its trainer, with any optimiser."""
    shows = {"batch_size": lambda t: t.batch_size, "l1": lambda t: t.l1, "l2": lambda t: t.l2,
             "epochs": lambda t: None}  # epochs: how long a driver trains; the config records it
    run = build_run({"n_samples": 50, "hidden": [3], "optimizer": name})
    optimizer = run.trainer.optimizer
    assert set(LIVE) == {s.name for s in settings.LIBRARY if s.live} and LIVE
    for key in LIVE:
        new = _another(key, run.config[key])
        run.update({key: new})
        assert run.config[key] == new, key
        hyper = [h for h in type(optimizer).hyper if h.key == key]
        if hyper:
            assert getattr(optimizer, hyper[0].name) == new, key
        elif key in shows:
            assert shows[key](run.trainer) in (new, None), key
        else:
            assert any(h.key == key for cls in OPTIMIZERS.values() for h in cls.hyper), \
                f"{key} is live, but nothing says how a running network takes it"


def test_update_refuses_what_needs_a_new_network_and_then_changes_nothing():
    run = build_run({"n_samples": 50, "hidden": [3], "optimizer": "momentum"})
    before = dict(run.config)
    for changes, key in [({"hidden": [4], "learning_rate": 0.3}, "hidden"), ({"momentum": 1.5}, "momentum"),
                         ({"nonsense": 1}, "nonsense")]:
        with pytest.raises(ConfigError) as err:
            run.update(changes)
        assert err.value.key == key
        assert run.config == before and run.trainer.optimizer.lr == before["learning_rate"]
    run.update({"momentum": 0.5})  # live in the table, so live here
    assert run.trainer.optimizer.momentum == 0.5 == run.config["momentum"]


def test_one_build_run_checks_each_value_once():
    """check_config checks every value at the boundary; what build_run makes from them trusts
    them (``_check.checked_already``): one check per number, none of them twice."""
    import sys
    from collections import Counter

    from py_mlp import _check, activations, model, training
    from py_mlp.app import config as config_module
    from py_mlp.optimizers import Hyper

    checks = {f.__code__: name for name, f in [
        ("number", _check.number), ("features", datasets.check_features), ("sizes", model.check_layer_sizes),
        ("hidden", activations.check_hidden), ("pairing", training._check_pairing),
        ("input", model.MLP.check_input), ("hyper", Hyper.check), ("own data", config_module._custom_data)]}
    done = Counter()

    def profile(frame, event, arg):
        if event == "call" and frame.f_code in checks and _check.checking():
            done[checks[frame.f_code]] += 1

    points = np.random.default_rng(0).normal(size=(40, 2))
    for config, data, own in [({"hidden": [8, 8]}, None, 0),
                              ({"dataset": "custom", "hidden": [4, 3], "activation": ["tanh", "relu"]},
                               (points, (points[:, 0] > 0).astype(int)), 1)]:
        done.clear()
        sys.setprofile(profile)
        try:
            build_run(config, data=data)
        finally:
            sys.setprofile(None)
        c = check_config(config, data)
        numbers = [s for s in settings.LIBRARY if s.kind in ("int", "float") and c[s.name] is not None]
        hidden = c["activation"] if isinstance(c["activation"], list) else [c["activation"]]
        expected = {"number": len(numbers) + len(c["hidden"]), "features": 1, "hidden": len(hidden), "own data": own}
        assert done == Counter({k: v for k, v in expected.items() if v}), config
