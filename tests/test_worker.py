"""web/worker.py on CPython: the answers the page gets, without a browser.

worker.py imports only py_mlp, numpy and the standard library at module level, so its
exports run here as they do in the page's Python worker (the article's scikit-learn path
is the browser test's).
"""

import importlib.util
import json
import math
from pathlib import Path

import pytest

from py_mlp import article, serialization

WORKER = Path(__file__).resolve().parents[1] / "web" / "worker.py"


@pytest.fixture
def worker():
    spec = importlib.util.spec_from_file_location("py_mlp_worker", WORKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answer(text):
    assert "NaN" not in text and "Infinity" not in text  # JSON.parse would refuse it
    return json.loads(text)


def setup(worker, **config):
    result = answer(worker.setup(json.dumps({"n_samples": 200, "test_fraction": 0.2, "hidden": [4], **config})))
    assert result["ok"], result
    return result


def test_live_changes_merge_into_the_one_config_a_saved_model_records(worker):
    setup(worker, learning_rate=0.5, l2=0.01)
    assert answer(worker.update(json.dumps({"l1": 0.03})))["ok"]
    t = worker._state["run"].trainer
    assert (t.l1, t.l2) == (0.03, 0.01)  # l2 is kept, not reset to 0
    assert answer(worker.update(json.dumps({"learning_rate": 0.1})))["ok"]
    saved = json.loads(answer(worker.model_json())["text"])
    assert saved["extra"]["config"]["learning_rate"] == 0.1 == saved["optimizer"]["lr"]
    refused = answer(worker.update(json.dumps({"learning_rate": -1})))
    assert not refused["ok"] and t.optimizer.lr == 0.1


def test_a_point_added_or_removed_keeps_the_network_and_the_split(worker):
    before = setup(worker)
    answer(worker.train(5, 10_000))
    params = [p.copy() for p in worker._state["run"].model.params]
    added = answer(worker.add_point(0.0, 0.0, 1))
    assert added["n_train"] == before["n_train"] + 1 and added["n_test"] == before["n_test"]
    assert added["train"]["x"][-1] == 0.0 and added["train"]["label"][-1] == 1
    run = worker._state["run"]
    assert run.trainer.epoch == 5
    assert all((a == b).all() for a, b in zip(params, run.model.params))
    assert not answer(worker.add_point(0.0, 0.0, 7))["ok"]  # no class 7 in a binary problem
    removed = answer(worker.remove_point("test", 0))
    assert removed["n_test"] == before["n_test"] - 1
    assert answer(worker.train(1, 10_000))["epochs"] == [6]
    # A Reset rebuilds on the edited points.
    again = answer(worker.setup(json.dumps({"dataset": "custom", "test_fraction": 0.2, "hidden": [4]})))
    assert again["n_train"] + again["n_test"] == 200


def test_a_diverging_run_answers_plain_json_and_keeps_a_finite_model(worker):
    setup(worker, dataset="plane", learning_rate=10, hidden=[64, 64, 64], activation="identity")
    chunk = answer(worker.train(3000, 60_000))
    assert chunk["stopped"] and "diverged" in chunk["stopped"]
    assert all(math.isfinite(v) for v in chunk["loss"])
    assert answer(worker.snapshot(16))["ok"]


def test_a_model_is_refused_when_its_outputs_would_overflow_over_these_data(worker):
    """Fine on the ±1.5 square the model file is checked on, but these points reach ±1,000."""
    rows = "".join(f"{x},{x},{int(x > 0)}\n" for x in (-1000, -1, -0.5, 0.5, 1, 1000))
    assert answer(worker.set_data("x1,x2,label\n" + rows))["ok"]
    setup(worker, dataset="custom", test_fraction=0, activation="identity")
    run = worker._state["run"]
    kept = [p.copy() for p in run.model.params]
    for W in run.model.weights:
        W[...] = 1e149
    text = serialization.to_json(run.model)
    run.model.set_params(kept)
    refused = answer(worker.load_model(text))
    assert not refused["ok"] and refused["field"] == "model" and "overflow" in refused["error"]
    assert all((a == b).all() for a, b in zip(kept, run.model.params))


def test_a_loaded_model_reports_its_epoch_and_loss(worker):
    setup(worker)
    answer(worker.train(20, 10_000))
    text = answer(worker.model_json())["text"]
    setup(worker)
    loaded = answer(worker.load_model(text))
    assert loaded["ok"] and loaded["epoch"] == 20 and 0 < loaded["loss"] < 1


def test_the_article_setup_is_the_tutorials_network_data_and_first_weights(worker):
    config = {"dataset": "custom", "test_fraction": 0, "hidden": [4, 3], "activation": "relu", "learning_rate": 5}
    result = answer(worker.article_setup(json.dumps(config)))
    assert result["ok"] and result["sizes"] == [2, 4, 3, 1] and result["n_train"] == 1000
    run = worker._state["run"]
    first = article.initial_params()
    assert all((W == w).all() for W, (w, _) in zip(run.model.weights, first))
    X, _ = article.reference_circles()
    assert (run.points_train == X).all()
