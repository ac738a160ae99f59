"""Versioned JSON: exact round trips, and a clear ValueError for every kind of bad file."""

import json

import numpy as np
import pytest

from py_mlp import MLP, Trainer, build_run, datasets, make_optimizer, serialization


def _trained(optimizer_name, epochs=3, **options):
    X, y = datasets.circles(n_samples=60, noise=0.1, seed=0)
    model = MLP([2, 5, 3, 1], activations=["tanh", "relu", "sigmoid"], seed=4)
    optimizer = make_optimizer(optimizer_name, **options)
    trainer = Trainer(model, X, y, optimizer=optimizer, batch_size=16, seed=1)
    trainer.run(epochs)
    return model, optimizer, trainer


@pytest.mark.parametrize("name, options", [
    ("sgd", dict(lr=0.3)),
    ("momentum", dict(lr=0.1, momentum=0.8, nesterov=True)),
    ("adam", dict(lr=0.01, beta1=0.85)),
])
def test_round_trip_is_exact_and_training_continues_identically(name, options):
    model, optimizer, trainer = _trained(name, **options)
    text = serialization.to_json(model, optimizer, extra={"epoch": trainer.epoch, "note": "é"})
    model2, optimizer2, extra = serialization.from_json(text)
    assert extra == {"epoch": 3, "note": "é"}
    assert model2.sizes == model.sizes and model2.activations == model.activations
    assert model2.init == model.init and model2.seed == model.seed
    for a, b in zip(model.params, model2.params):
        assert a.shape == b.shape and np.array_equal(a, b)  # bit for bit
    assert optimizer2.state_dict() == optimizer.state_dict()
    assert serialization.to_json(model2, optimizer2, extra) == text

    # The restored pair continues exactly as the original would.
    X, y = trainer.X, trainer.y
    rng_state = trainer.rng.bit_generator.state
    t1 = Trainer(model, X, y, optimizer=optimizer, batch_size=16)
    t2 = Trainer(model2, X, y, optimizer=optimizer2, batch_size=16)
    t1.rng.bit_generator.state = t2.rng.bit_generator.state = rng_state
    assert t1.run(3) == t2.run(3)


def test_fresh_optimizer_and_no_optimizer_round_trip():
    model = MLP([3, 4, 2], activations="tanh", output_activation="softmax", init="small_normal", seed=9)
    for optimizer in (None, make_optimizer("adam"), make_optimizer("momentum")):
        m2, o2, extra = serialization.from_json(serialization.to_json(model, optimizer))
        assert extra == {}
        assert (o2 is None) == (optimizer is None)
        if optimizer is not None:
            assert o2.state_dict() == optimizer.state_dict()
        assert all(np.array_equal(a, b) for a, b in zip(model.params, m2.params))
        assert np.array_equal(m2.predict(np.ones((2, 3))), model.predict(np.ones((2, 3))))


def test_save_and_load_files(tmp_path):
    model, optimizer, _ = _trained("adam", lr=0.01)
    path = tmp_path / "model.json"
    serialization.save(path, model, optimizer, extra={"config": {"hidden": [5, 3]}})
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "py_mlp.model" and doc["version"] == 1
    model2, optimizer2, extra = serialization.load(path)
    assert extra == {"config": {"hidden": [5, 3]}}
    assert all(np.array_equal(a, b) for a, b in zip(model.params, model2.params))
    assert optimizer2.t == optimizer.t


def test_non_finite_models_are_not_saved():
    model = MLP([2, 2, 1], seed=0)
    model.weights[0][0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        serialization.to_json(model)


def _doc():
    model, optimizer, _ = _trained("momentum", lr=0.1)
    return json.loads(serialization.to_json(model, optimizer))


def _mutate(change):
    doc = _doc()
    change(doc)
    return json.dumps(doc)


BAD_FILES = {
    "not json": ("{'format': 1", "malformed"),
    "empty": ("", "malformed"),
    "a list": ("[1, 2]", "not a py_mlp model file"),
    "other format": (_mutate(lambda d: d.update(format="keras")), "not a py_mlp model file"),
    "newer version": (_mutate(lambda d: d.update(version=2)), "version 2 but this py_mlp reads version 1"),
    "no version": (_mutate(lambda d: d.pop("version")), "version None"),
    "no weights": (_mutate(lambda d: d.pop("weights")), "no 'weights' entry"),
    "bad sizes": (_mutate(lambda d: d.update(sizes=[2, 0, 1])), "whole number >= 1, got 0"),
    "too many layers": (_mutate(lambda d: d.update(sizes=[2] * 66)), "at most 64 layers, this one lists 65"),
    "float sizes": (_mutate(lambda d: d.update(sizes=[2, 5.5, 3, 1])), "whole number"),
    "wrong weight shape": (_mutate(lambda d: d["weights"][1].pop()), r"weights\[1\] has shape \(4, 3\)"),
    "ragged weights": (_mutate(lambda d: d["weights"][0][0].pop()), "rectangular"),
    "wrong bias shape": (_mutate(lambda d: d["biases"][2].append(0.0)), r"biases\[2\] has shape \(2,\)"),
    "missing layer": (_mutate(lambda d: d["weights"].pop()), "need 3 weight matrices"),
    "text in weights": (_mutate(lambda d: d["weights"][0][0].__setitem__(0, "1.0")), "only numbers"),
    "nan": (json.dumps(_doc()).replace("[[", "[[NaN, ", 1), "NaN"),
    "unknown activation": (_mutate(lambda d: d["activations"].__setitem__(0, "swish")),
                           "the model uses the activation 'swish', which is not built in or registered here"),
    "activation count": (_mutate(lambda d: d["activations"].pop()), "3 layers need 3 activations"),
    "softmax hidden": (_mutate(lambda d: d["activations"].__setitem__(0, "softmax")), "output activation"),
    "unknown init": (_mutate(lambda d: d.update(init="lecun")), "unknown initialiser"),
    "bad seed": (_mutate(lambda d: d.update(seed="zero")), "'seed' must be"),
    "unknown optimiser": (_mutate(lambda d: d["optimizer"].update(name="lbfgs")), "unknown optimiser 'lbfgs'"),
    "optimiser lr": (_mutate(lambda d: d["optimizer"].update(lr=-1)), "positive"),
    "optimiser no lr": (_mutate(lambda d: d["optimizer"].pop("lr")), "no learning rate"),
    "velocity shape": (_mutate(lambda d: d["optimizer"]["velocities"][0].pop()), r"velocities\[0\] has shape"),
    "velocity count": (_mutate(lambda d: d["optimizer"]["velocities"].pop()), "6 arrays"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_raise_value_error_saying_what_is_wrong(case):
    text, message = BAD_FILES[case]
    with pytest.raises(ValueError, match=message):
        serialization.from_json(text)


def test_adam_state_is_checked():
    model, optimizer, _ = _trained("adam", lr=0.01)
    doc = json.loads(serialization.to_json(model, optimizer))
    doc["optimizer"]["m"] = None
    with pytest.raises(ValueError, match="'m' and 's' must all be present or all be null"):
        serialization.from_json(json.dumps(doc))
    doc = json.loads(serialization.to_json(model, optimizer))
    doc["optimizer"]["t"] = -1
    with pytest.raises(ValueError, match="step count"):
        serialization.from_json(json.dumps(doc))


def test_from_json_needs_text():
    with pytest.raises(TypeError, match="JSON string"):
        serialization.from_json({"format": "py_mlp.model"})


def test_brackets_and_quotes_inside_strings_do_not_count_as_nesting():
    model = MLP([2, 3, 1], seed=0)
    note = '"[' * 1000 + "{\\" * 10
    text = serialization.to_json(model, extra={"note": note, "deep": [[[["four"]]]]})
    assert serialization.from_json(text)[2] == {"note": note, "deep": [[[["four"]]]]}
    assert serialization.from_json(text.encode("utf-8-sig"))[2]["note"] == note  # bytes, with a BOM


def test_size_limit_applies_to_text_and_to_files_before_they_are_read(tmp_path, monkeypatch):
    model = MLP([2, 3, 1], seed=0)
    text = serialization.to_json(model)
    monkeypatch.setattr(serialization, "MAX_MODEL_BYTES", len(text))
    assert serialization.from_json(text)[0].sizes == [2, 3, 1]
    with pytest.raises(ValueError, match=f"larger than {len(text):,} bytes"):
        serialization.from_json(text + " ")
    with pytest.raises(ValueError, match=f"larger than {len(text):,} bytes"):
        serialization.from_json((text + "é").encode())  # counted in bytes, not characters
    path = tmp_path / "big.json"
    path.write_text(text + " " * 10)
    with pytest.raises(ValueError, match="big.json is larger than"):
        serialization.load(path)


def test_the_largest_network_the_configuration_allows_fits_in_a_file():
    from py_mlp.app.settings import MAX_PARAMS

    # Worst case: each parameter and Adam's two moments, as long as a float's repr gets.
    longest = json.dumps([-1.2345678901234567e-300] * 1000)
    assert 3 * MAX_PARAMS * len(longest) / 1000 + 10_000 < serialization.MAX_MODEL_BYTES
    model = MLP([2, 700, 700, 10], seed=0)
    assert MAX_PARAMS - 1_000 < model.n_params() <= MAX_PARAMS
    text = serialization.to_json(model, make_optimizer("sgd"), extra={"config": {"hidden": [700, 700]}})
    assert serialization.from_json(text)[0].sizes == [2, 700, 700, 10]


def test_extra_must_be_an_object_when_saving_too():
    with pytest.raises(TypeError, match="extra must be a dict"):
        serialization.to_json(MLP([2, 1]), extra=[1, 2])


def test_weights_whose_outputs_overflow_are_refused():
    doc = json.loads(serialization.to_json(MLP([2, 2, 1], activations="relu", output_activation="identity")))
    doc["weights"] = [[[1e200, 0.0], [0.0, 1e200]], [[1e200], [1e200]]]
    with pytest.raises(ValueError, match="outputs overflow"):
        serialization.from_json(json.dumps(doc))
    doc["weights"][1] = [[1e-200], [1e-200]]  # large, but the outputs stay finite
    assert serialization.from_json(json.dumps(doc))[0].weights[0][0, 0] == 1e200


@pytest.mark.parametrize("extra, expected", [
    ({"config": {"hidden": [4]}, "epoch": 12}, ({"hidden": [4]}, 12)),  # the one layout
    ({"config": {"hidden": [4]}, "epochs": 12}, ({"hidden": [4]}, 12)),  # the command line's, before it
    ({}, (None, 0)),
    ({"config": [4], "epoch": True}, (None, 0)),
    ({"epoch": -3, "epochs": 5}, (None, 5)),
    ({"epoch": 2.5}, (None, 0)),
])
def test_saved_run_reads_the_config_and_epoch_of_every_layout(extra, expected):
    assert serialization.saved_run(extra) == expected


def test_a_run_saved_to_a_file_loads_back_with_its_config_and_epoch(tmp_path):
    run = build_run({"n_samples": 50, "hidden": [3], "optimizer": "momentum"})
    run.trainer.run(4)
    path = tmp_path / "run.json"
    serialization.save_run(path, run)
    assert path.read_text() == serialization.run_to_json(run)
    model, optimizer, extra = serialization.load(path)
    assert serialization.saved_run(extra) == (run.config, 4)
    assert optimizer.state_dict() == run.trainer.optimizer.state_dict()
    assert all((a == b).all() for a, b in zip(model.params, run.model.params))


def test_a_network_wider_than_the_pages_cap_saves_and_loads_exactly():
    """The page's caps are build_run's: a file holds any network MLP can be (issue 19)."""
    from py_mlp.app.settings import MAX_LAYER_SIZE

    model = MLP([3, MAX_LAYER_SIZE + 100, 2], output_activation="softmax", seed=1)
    loaded = serialization.from_json(serialization.to_json(model))[0]
    assert loaded.sizes == model.sizes
    assert all(np.array_equal(a, b) for a, b in zip(model.params, loaded.params))
