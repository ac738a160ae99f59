"""Trainer: plain-number records, seeded mini-batches, regularisation, divergence handling."""

import math

import numpy as np
import pytest

from py_mlp import MLP, Trainer, TrainingDiverged, datasets, make_optimizer


@pytest.fixture
def circles():
    return datasets.circles(n_samples=120, noise=0.1, seed=0)


def _model(**kw):
    return MLP([2, 6, 1], activations="tanh", seed=kw.pop("seed", 0), **kw)


def test_records_are_plain_numbers(circles):
    X, y = circles
    trainer = Trainer(_model(), X[:80], y[:80], X_test=X[80:], y_test=y[80:])
    records = trainer.run(3)
    assert [r["epoch"] for r in records] == [1, 2, 3]
    for record in records:
        assert set(record) == {"epoch", "loss", "accuracy", "test_loss", "test_accuracy", "grad_norms"}
        norms = record.pop("grad_norms")
        assert len(norms) == 2 and all(type(v) is float and v > 0 for v in norms)
        assert all(type(v) in (int, float) for v in record.values())
    assert [r["epoch"] for r in trainer.history] == [1, 2, 3]
    assert trainer.run(0) == []


def test_full_batch_epoch_is_one_gradient_step(circles):
    """batch_size = n gives exactly W -= lr * dW of the mean loss, and reports that loss."""
    X, y = circles
    model = _model()
    trainer = Trainer(model, X, y, optimizer=make_optimizer("sgd", lr=0.2), batch_size=len(X), l2=0.01)
    before = model.copy_params()
    loss, _, grads = trainer.gradients(trainer.X, trainer.y)
    record = trainer.train_epoch()
    assert record["loss"] == loss
    assert record["grad_norms"] == pytest.approx([np.linalg.norm(g) for g in grads[:2]], rel=1e-12)
    for p0, g, p1 in zip(before, grads, model.params):
        np.testing.assert_array_equal(p1, p0 - 0.2 * g)


def test_mini_batches_are_seeded_and_cover_every_sample(circles):
    X, y = circles
    runs = []
    for seed in (5, 5, 6):
        trainer = Trainer(_model(), X, y, batch_size=32, seed=seed)
        runs.append([r["loss"] for r in trainer.run(4)])
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]

    # One epoch of batches of 32 over 120 samples: four steps, the last of 24 samples.
    trainer = Trainer(_model(), X, y, batch_size=32, seed=5)
    sizes = []
    original = trainer.gradients
    trainer.gradients = lambda Xb, yb: (sizes.append(len(Xb)), original(Xb, yb))[1]
    trainer.train_epoch()
    assert sizes == [32, 32, 32, 24]


def test_epoch_loss_is_the_size_weighted_mean_of_batch_losses(circles):
    X, y = circles
    model = _model()
    trainer = Trainer(model, X, y, batch_size=50, shuffle=False, optimizer=make_optimizer("sgd", lr=0.1))
    shadow = _model()
    expected = 0.0
    for start in range(0, len(X), 50):
        t = Trainer(shadow, X[start:start + 50], y[start:start + 50], optimizer=make_optimizer("sgd", lr=0.1))
        expected += t.train_epoch()["loss"] * len(X[start:start + 50])
    assert trainer.train_epoch()["loss"] == pytest.approx(expected / len(X), rel=1e-12)


def test_regularisation_adds_its_penalty_and_gradient(circles):
    X, y = circles
    plain = Trainer(_model(), X, y)
    reg = Trainer(_model(), X, y, l1=0.01, l2=0.1)
    weights = reg.model.weights
    penalty = 0.5 * 0.1 * sum((W**2).sum() for W in weights) + 0.01 * sum(np.abs(W).sum() for W in weights)
    loss0, _, g0 = plain.gradients(plain.X, plain.y)
    loss1, _, g1 = reg.gradients(reg.X, reg.y)
    assert loss1 == pytest.approx(loss0 + penalty, rel=1e-12)
    n_layers = len(weights)
    for W, a, b in zip(weights, g0[:n_layers], g1[:n_layers]):
        np.testing.assert_allclose(b, a + 0.1 * W + 0.01 * np.sign(W), rtol=1e-12)
    for a, b in zip(g0[n_layers:], g1[n_layers:]):  # biases are not regularised
        np.testing.assert_array_equal(a, b)


def test_l2_shrinks_the_weights(circles):
    X, y = circles
    free = Trainer(_model(), X, y, optimizer=make_optimizer("sgd", lr=0.5))
    held = Trainer(_model(), X, y, optimizer=make_optimizer("sgd", lr=0.5), l2=0.05)
    free.run(100)
    held.run(100)
    norm = lambda t: sum(float((W**2).sum()) for W in t.model.weights)  # noqa: E731
    assert norm(held) < 0.8 * norm(free)


@pytest.mark.parametrize("optimizer, batch_size", [
    ("sgd", None), ("momentum", None), ("adam", None), ("momentum", 16), ("adam", 16),
])
def test_divergence_raises_and_keeps_the_last_finite_state(optimizer, batch_size):
    # Adam's steps are about lr in size whatever the gradient, so it needs a far larger lr.
    lr = 1e160 if optimizer == "adam" else 1e4
    X, y = datasets.plane(n_samples=64, noise=0.1, seed=0)
    model = MLP([2, 8, 8, 1], activations="relu", output_activation="identity", seed=0)
    trainer = Trainer(model, X, y, loss="mse", optimizer=make_optimizer(optimizer, lr=lr),
                      batch_size=batch_size, seed=0)
    with pytest.raises(TrainingDiverged, match="Lower the learning rate") as info:
        for _ in range(1000):
            params = model.copy_params()
            state = trainer.optimizer.state_dict()
            epoch = trainer.epoch
            trainer.train_epoch()
    assert " became " in str(info.value) and f"at epoch {epoch + 1})" in str(info.value)
    assert trainer.epoch == epoch and len(trainer.history) == epoch
    for before, after in zip(params, model.params):
        assert np.array_equal(before, after)
        assert np.all(np.isfinite(after))
    assert trainer.optimizer.state_dict() == state
    assert isinstance(info.value, FloatingPointError)


def test_evaluate_accepts_1d_labels_and_checks_them(circles):
    X, y = circles
    trainer = Trainer(_model(), X, y)
    result = trainer.evaluate(X, y)
    assert result == trainer.evaluate(X, y.reshape(-1, 1))
    assert set(result) == {"loss", "accuracy"}
    with pytest.raises(ValueError, match="rows"):
        trainer.evaluate(X, y[:-1])


def test_regression_records_r2_of_the_pre_update_outputs():
    X, y = datasets.plane(n_samples=100, noise=0.0, seed=0)
    model = MLP([2, 1], output_activation="identity", seed=0)
    trainer = Trainer(model, X, y, loss="mse", optimizer=make_optimizer("sgd", lr=0.5))
    yhat = model.predict(X)
    expected = 1 - np.sum((y - yhat[:, 0]) ** 2) / np.sum((y - y.mean()) ** 2)
    record = trainer.train_epoch()
    assert set(record) == {"epoch", "loss", "r2", "grad_norms"}
    assert record["r2"] == pytest.approx(expected, rel=1e-12)
    assert trainer.run(200)[-1]["r2"] > 0.999


def test_multiclass_targets_and_accuracy():
    X, y = datasets.gaussians(n_samples=90, noise=0.0, seed=0, n_classes=3)
    model = MLP([2, 3], output_activation="softmax", seed=0)
    trainer = Trainer(model, X, y, loss="ce", optimizer=make_optimizer("adam", lr=0.05))
    assert trainer.y.shape == (90, 3) and np.array_equal(trainer.y.argmax(axis=1), y)
    last = trainer.run(100)[-1]
    assert last["accuracy"] > 0.9 and math.isfinite(last["loss"])


def test_grad_norms_are_the_size_weighted_mean_over_batches(circles):
    X, y = circles
    trainer = Trainer(_model(), X, y, batch_size=50, shuffle=False, optimizer=make_optimizer("sgd", lr=0.1))
    shadow = Trainer(_model(), X, y, optimizer=make_optimizer("sgd", lr=0.1))
    expected = np.zeros(2)
    for start in range(0, len(X), 50):
        _, _, grads = shadow.gradients(shadow.X[start:start + 50], shadow.y[start:start + 50])
        expected += [np.linalg.norm(g) * len(shadow.X[start:start + 50]) for g in grads[:2]]
        shadow.optimizer.step(shadow.model.params, grads)
    assert trainer.train_epoch()["grad_norms"] == pytest.approx(list(expected / len(X)), rel=1e-12)


def test_layer_outputs_compose_to_predict(circles):
    X, _ = circles
    model = MLP([2, 5, 3, 1], activations=["tanh", "relu", "sigmoid"], seed=0)
    a = X
    for k in range(3):
        a = model.layer_output(k, a)
        assert a.shape == (len(X), model.sizes[k + 1])
    np.testing.assert_array_equal(a, model.predict(X))
    hidden = np.tanh(X @ model.weights[0] + model.biases[0])
    np.testing.assert_allclose(model.layer_output(0, X), hidden, rtol=1e-15)


def _one_unit(output, weights):
    model = MLP([1, 1, 1], activations="identity", output_activation=output, seed=0)
    model.weights[0][:] = weights[0]
    model.weights[1][:] = weights[1]
    return model


def _assert_undone(trainer, params, info, fragment):
    assert fragment in str(info.value) and "at epoch 1)" in str(info.value)
    assert trainer.epoch == 0 and len(trainer.history) == 0
    assert all(np.array_equal(a, b) for a, b in zip(params, trainer.model.params))


def test_a_non_finite_test_loss_stops_training_even_when_the_training_loss_is_finite():
    model = _one_unit("identity", (1.0, 1.0))
    trainer = Trainer(model, [[0.0], [1.0]], [0.0, 1.0], loss="mse", optimizer=make_optimizer("sgd", lr=1e-9),
                      X_test=[[1e200]], y_test=[0.0])
    params = model.copy_params()
    with pytest.raises(TrainingDiverged) as info:
        trainer.train_epoch()
    _assert_undone(trainer, params, info, "the test loss became inf")


def test_a_gradient_norm_too_large_to_compute_stops_training():
    # The clipped cross-entropy stays finite, but the gradient's squared norm overflows.
    model = _one_unit("sigmoid", (1.0, 1.0))
    trainer = Trainer(model, [[1e160], [-1e160]], [0, 1], optimizer=make_optimizer("sgd", lr=1e-300))
    params = model.copy_params()
    with pytest.raises(TrainingDiverged) as info:
        trainer.train_epoch()
    _assert_undone(trainer, params, info, "the gradient norm of layer 1 became inf")


def test_outputs_must_stay_finite_over_the_input_bound_not_only_on_the_data():
    model = _one_unit("identity", (1e150, 1e-150))  # outputs about x: fine on the data
    X, y = [[-1.0], [1.0]], [-1.0, 1.0]
    lr = make_optimizer("sgd", lr=1e-300)
    assert Trainer(model, X, y, loss="mse", optimizer=lr).run(1)[0]["loss"] < 1
    trainer = Trainer(model, X, y, loss="mse", optimizer=lr, input_bound=[1e200])
    params = model.copy_params()
    with pytest.raises(TrainingDiverged) as info:
        trainer.train_epoch()
    _assert_undone(trainer, params, info, "the outputs became too large to compute")


def test_the_message_names_the_regularisation_when_it_is_on():
    X, y = datasets.plane(n_samples=50, noise=0.0, seed=0)
    model = MLP([2, 1], output_activation="identity", seed=0)
    trainer = Trainer(model, X, y, loss="mse", optimizer=make_optimizer("sgd", lr=1.0), l2=1e308)
    with pytest.raises(TrainingDiverged, match=r"Lower the learning rate \(or the L1/L2 rate\)"):
        trainer.run(10)


@pytest.mark.parametrize("activations", [["relu", "relu"], ["tanh", "leaky_relu"], ["identity", "sigmoid"]])
@pytest.mark.parametrize("output", ["identity", "sigmoid", "softmax"])
def test_output_bound_bounds_every_pre_activation(activations, output):
    rng = np.random.default_rng(1)
    model = MLP([3, 7, 5, 4], activations=[*activations, output], seed=2)
    for p in model.params:
        p *= 1 + 3 * rng.random(p.shape)  # larger than at initialisation, and biases non-zero
        p += rng.normal(size=p.shape)
    bound = np.array([2.0, 0.5, 3.0])
    corners = np.array(np.meshgrid(*[[-b, b] for b in bound])).reshape(3, -1).T
    X = np.concatenate([corners, rng.uniform(-bound, bound, size=(500, 3))])
    model.forward(X)
    largest = max(float(np.abs(z).max()) for z in model._cache[1])
    assert largest <= model.output_bound(bound) * (1 + 1e-12)


def test_output_bound_is_infinite_for_non_finite_parameters():
    model = MLP([2, 3, 1], activations=["tanh", "sigmoid"], seed=0)
    assert np.isfinite(model.output_bound([1.0, 1.0]))
    model.biases[0][1] = np.nan  # hidden behind a bounded tanh, still found
    assert model.output_bound([1.0, 1.0]) == np.inf


@pytest.mark.parametrize("bound", [[1.0], [1.0, -1.0], [1.0, np.inf]])
def test_input_bound_is_checked(bound):
    with pytest.raises(ValueError, match="input_bound must hold one finite number >= 0 per input"):
        Trainer(MLP([2, 1]), np.zeros((2, 2)), [0, 1], input_bound=bound)


def test_outputs_in_range_answers_for_parameters_set_from_elsewhere():
    model = _one_unit("identity", (1.0, 1.0))
    trainer = Trainer(model, [[-1.0], [1.0]], [-1.0, 1.0], loss="mse", input_bound=[10.0])
    assert trainer.outputs_in_range()
    model.weights[0][0, 0] = 1e299  # 10 * 1e299 passes the limit on the input bound's edge
    assert not trainer.outputs_in_range()
    model.weights[0][0, 0] = 1e298
    assert trainer.outputs_in_range()


def test_set_data_keeps_the_network_the_optimiser_and_full_batch():
    from py_mlp import build_run

    run = build_run({"n_samples": 100, "test_fraction": 0.2, "optimizer": "adam", "hidden": [4]})
    t = run.trainer
    t.run(5)
    params, moments = t.model.copy_params(), [m.copy() for m in t.optimizer.m]
    labels = t.y[:, 0]
    X = np.vstack([t.X, [[3.0, -3.0]]])
    t.set_data(X, np.append(labels, 1.0), t.X_test, t.y_test[:, 0])
    assert t.epoch == 5 and t.batch_size == 81  # still full batch, now of 81
    assert all(np.array_equal(a, b) for a, b in zip(params, t.model.params))
    assert all(np.array_equal(a, b) for a, b in zip(moments, t.optimizer.m))
    assert np.all(t.input_bound >= 3.0)  # the outputs are kept finite out to the new point
    record = t.train_epoch()
    assert record["epoch"] == 6
    with pytest.raises(ValueError, match="at least one point"):
        t.set_data(X[:0], labels[:0])


def test_an_interrupted_epoch_is_undone_so_training_goes_on_as_if_it_never_started(circles, monkeypatch):
    """Ctrl-C mid-epoch (KeyboardInterrupt) puts back the parameters, the optimiser's state
    and the batch order: the command line then saves the last whole epoch (issue 19)."""
    X, y = circles

    def trainer():
        return Trainer(_model(), X, y, optimizer=make_optimizer("adam", lr=0.01), batch_size=16)

    expected = trainer().run(3)
    t = trainer()
    t.run(1)
    state = (t.model.copy_params(), t.optimizer.state_dict())
    calls = {"n": 0}
    gradients = Trainer.gradients

    def interrupted(self, X_batch, y_batch):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return gradients(self, X_batch, y_batch)

    monkeypatch.setattr(Trainer, "gradients", interrupted)
    with pytest.raises(KeyboardInterrupt):
        t.train_epoch()
    assert calls["n"] == 3 and t.epoch == 1 and len(t.history) == 1
    assert all(np.array_equal(a, b) for a, b in zip(t.model.params, state[0]))
    assert t.optimizer.state_dict() == state[1]
    assert t.run(2) == expected[1:]
