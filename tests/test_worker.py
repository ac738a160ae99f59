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

from py_mlp import article, jsonsafe, serialization
from py_mlp.app import settings
from py_mlp.app.config import build_run
from py_mlp.cli import main

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


def setup(worker, **page):
    """``setup`` with the page's settings ``page`` (the rest: the page's defaults)."""
    result = answer(worker.setup(json.dumps({"n_samples": 200, "test_fraction": 0.2, "hidden": [4], **page})))
    assert result["ok"], result
    return result


def test_the_page_sends_its_settings_and_the_run_is_what_settings_run_config_makes(worker):
    """The one page-to-run mapping (py_mlp.app.settings.run_config), applied by the worker."""
    page = {"dataset": "spiral", "n_classes": 3, "hidden": [5, 3], "activation": ["relu", "tanh"],
            "optimizer": "nesterov", "regularization": "l1", "reg_rate": 0.01, "batch_size": 16, "epochs": 40}
    setup(worker, **page)
    run = worker._state["run"]
    want = build_run(settings.run_config({"n_samples": 200, "test_fraction": 0.2, **page}))
    assert run.config == want.config and repr(run.trainer) == repr(want.trainer)
    assert (run.trainer.optimizer.nesterov, run.trainer.l1, run.config["epochs"]) == (True, 0.01, 40)
    assert answer(worker.run_config(json.dumps(page)))["config"] == settings.run_config(page)
    refused = answer(worker.setup(json.dumps({"optimizer": "lbfgs"})))
    assert not refused["ok"] and refused["field"] == "optimizer"


def test_live_changes_merge_into_the_one_config_a_saved_model_records(worker):
    setup(worker, learning_rate=0.5, regularization="l2", reg_rate=0.01)
    assert answer(worker.update(json.dumps({"batch_size": 10})))["ok"]
    t = worker._state["run"].trainer
    assert (t.l1, t.l2, t.batch_size) == (0.0, 0.01, 10)  # l2 is kept, not reset to 0
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
    assert answer(worker.train(1, 10_000))["epoch"] == [6]
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


def test_a_refused_change_changes_nothing_and_names_its_field(worker):
    setup(worker, regularization="l2", reg_rate=0.01)
    run = worker._state["run"]
    t = run.trainer
    before = (t.l1, t.l2, t.batch_size, t.optimizer.lr, dict(run.config))
    refused = answer(worker.update(json.dumps({"regularization": "l1", "reg_rate": 0.5, "batch_size": -1})))
    assert not refused["ok"] and refused["field"] == "batch_size"
    assert (t.l1, t.l2, t.batch_size, t.optimizer.lr, run.config) == before
    assert answer(worker.update(json.dumps({"learning_rate": "fast"})))["field"] == "learning_rate"


def test_a_setting_that_needs_a_new_network_is_refused_by_update(worker):
    setup(worker, learning_rate=0.1)
    refused = answer(worker.update(json.dumps({"hidden": [3], "learning_rate": 0.2})))
    assert not refused["ok"] and refused["field"] == "hidden" and "Reset" in refused["error"]
    assert worker._state["run"].trainer.optimizer.lr == 0.1  # nothing of it applied
    assert answer(worker.update(json.dumps({"nonsense": 1})))["field"] == "nonsense"


def test_the_run_config_is_what_training_uses_after_live_changes(worker):
    setup(worker, learning_rate=0.5, batch_size=20)
    changes = {"learning_rate": 0.05, "batch_size": 0, "regularization": "l2", "reg_rate": 0.002, "epochs": 30}
    assert answer(worker.update(json.dumps(changes)))["ok"]
    run = worker._state["run"]
    t = run.trainer
    assert run.config["learning_rate"] == t.optimizer.lr == 0.05
    assert run.config["batch_size"] is None and t.batch_size == len(t.X)
    assert (run.config["l1"], run.config["l2"]) == (t.l1, t.l2) == (0.0, 0.002)
    assert run.config["epochs"] == 30
    saved = json.loads(answer(worker.model_json())["text"])["extra"]["config"]
    assert saved == run.config


def test_train_and_history_answer_the_same_columns(worker):
    setup(worker)
    first, second = answer(worker.train(3, 60_000)), answer(worker.train(2, 60_000))
    assert first["epoch"] == [1, 2, 3] and second["epoch"] == [4, 5]
    history = answer(worker.history())
    columns = ("epoch", "loss", "metric", "test_loss", "test_metric", "grad_norms")
    assert set(columns) <= set(history) and set(columns) <= set(second)
    for key in columns:
        assert history[key] == first[key] + second[key]


def test_the_page_writes_the_command_lines_metrics_csv_and_model_file(worker, tmp_path):
    """One layout: the same configuration trained as long gives the same bytes from both."""
    page = {"dataset": "moons", "n_samples": 120, "hidden": [5], "test_fraction": 0.25,
            "optimizer": "adam", "learning_rate": 0.02, "epochs": 7}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(settings.run_config(page)))
    csv_path, model_path = tmp_path / "m.csv", tmp_path / "m.json"
    assert main(["train", "--config", str(path), "--no-progress", "--json",
                 "--metrics-csv", str(csv_path), "--save-model", str(model_path)]) == 0
    assert answer(worker.setup(json.dumps(page)))["ok"]
    assert answer(worker.train(7, 60_000))["epoch"][-1] == 7
    assert answer(worker.metrics_csv())["text"] == csv_path.read_text()
    assert answer(worker.model_json())["text"] == model_path.read_text()
    assert json.loads(model_path.read_text())["extra"]["epoch"] == 7


@pytest.mark.parametrize("layout", ["command line before", "page before"])
def test_model_files_in_the_older_layouts_still_load(worker, layout):
    """The extras the two writers used before one layout: the command line wrote the run's
    epoch count as "epochs", the page its raw configuration with "epoch"."""
    raw = {"n_samples": 200, "test_fraction": 0.2, "hidden": [4]}
    run = build_run(raw)
    run.trainer.run(12)
    extra = {"config": run.config, "epochs": 12} if layout == "command line before" else {"config": raw, "epoch": 12}
    text = serialization.to_json(run.model, run.trainer.optimizer, extra=extra)
    setup(worker, activation="relu")  # the library's default, as build_run(raw) used
    loaded = answer(worker.load_model(text))
    assert loaded["ok"] and loaded["epoch"] == 12 and loaded["config"] == extra["config"]
    assert all((a == b).all() for a, b in zip(worker._state["run"].model.params, run.model.params))
    assert answer(worker.train(1, 60_000))["epoch"] == [13]


def test_explain_follows_one_training_sample_as_py_mlp_explain_does(worker):
    from py_mlp.teaching.explain import explain

    setup(worker, regularization="l2", reg_rate=0.01, activation="tanh")
    answer(worker.train(3, 10_000))
    run = worker._state["run"]
    t = run.trainer
    got = answer(worker.explain(json.dumps({"sample": 5, "layer": 1, "i": 2, "j": 1})))
    want = json.loads(jsonsafe.dumps(explain(t, t.X[5], t.y[5], 1, 2, 1)))
    assert got["ok"] and got["trace"] == want["trace"]
    assert got["derivative"]["values"] == want["derivative"]["values"]
    assert got["sample"] == 5 and got["epoch"] == 3 and got["n_train"] == len(t.X)
    assert got["point"] == run.points_train[5].tolist() and got["label"] == t.y[5, 0]
    assert got["parameter"] == {"layer": 1, "i": 2, "j": 1}
    bias = answer(worker.explain(json.dumps({"sample": 0, "layer": 2, "i": 0, "j": None})))
    assert bias["derivative"]["chain_rule"]["param"] == "b"


def test_explain_without_a_parameter_picks_one_whose_derivative_is_not_zero(worker):
    setup(worker, activation="relu")
    for sample in range(5):
        got = answer(worker.explain(json.dumps({"sample": sample})))
        first = got["trace"]["layers"][0]["dL_dz"]
        i, j = got["parameter"]["i"], got["parameter"]["j"]
        assert got["parameter"]["layer"] == 1 and abs(first[i]) == max(abs(v) for v in first)
        assert abs(got["trace"]["x"][j]) == max(abs(v) for v in got["trace"]["x"])
        assert got["derivative"]["values"]["chain_rule"] != 0


def test_explain_answers_bad_requests_with_a_message_naming_the_field(worker):
    setup(worker)
    n = worker._state["run"].trainer.X.shape[0]
    for request, field, words in [
        ({"sample": n}, "sample", f"between 0 and {n - 1}"),
        ({"sample": -1}, "sample", "a whole number"),
        ({"sample": "3"}, "sample", "a whole number"),
        ([3], "sample", "explain takes an object"),
        ({"sample": 0, "layer": 9, "i": 0, "j": 0}, "parameter", "layer must be"),
        ({"sample": 0, "layer": 1, "i": 0, "j": 7}, "parameter", "j (the input"),
    ]:
        refused = answer(worker.explain(json.dumps(request)))
        assert not refused["ok"] and refused["field"] == field and words in refused["error"], (request, refused)


def test_link_gradients_are_the_mean_of_every_samples_gradient(worker):
    """The full-batch dL/dW the links are coloured by, against its definition: the mean over
    the training samples of each one's gradient (penalty included in both)."""
    from py_mlp.teaching.explain import matrix_form

    setup(worker, regularization="l2", reg_rate=0.05, hidden=[3])
    answer(worker.train(2, 10_000))
    t = worker._state["run"].trainer
    got = answer(worker.link_gradients())
    for layer, i, j in [(1, 2, 0), (1, 0, 1), (2, 0, 2), (2, 0, None)]:
        mean = sum(matrix_form(t, x, y, layer, i, j)["value"] for x, y in zip(t.X, t.y)) / len(t.X)
        value = got["db"][layer - 1][i] if j is None else got["dW"][layer - 1][j][i]
        assert math.isclose(value, mean, rel_tol=1e-9, abs_tol=1e-15), (layer, i, j)
    assert got["largest"] == max(abs(v) for m in got["dW"] for row in m for v in row)


def test_backward_source_is_the_code_training_runs(worker):
    setup(worker, dataset="plane")
    text = answer(worker.backward_source())["text"]
    for line in ("def gradients(self, X: Array, y: Array)", "def backward(self, d_out: Array, out_is_dz: bool = False)",
                 "def output_delta(self, yhat, y):", "def _mse_grad(yhat, y):"):
        assert line in text


# ---- the reader's own activation: run only on request, checked, then used ----------------

SOFTPLUS = """def f(z):
    return np.logaddexp(0, z)

def df(z, a):
    return 1 / (1 + np.exp(-z))
"""
WRONG = SOFTPLUS.replace("1 / (1 + np.exp(-z))", "np.exp(-z) / (1 + np.exp(-z))")  # sigmoid(-z)


@pytest.fixture
def clean_registry():
    from py_mlp import activations

    yield
    if "custom" in activations.ACTIVATIONS:
        activations.unregister_activation("custom")


def test_a_right_derivative_passes_is_used_and_its_code_is_the_source(worker, clean_registry):
    checked = answer(worker.check_code(SOFTPLUS))
    assert checked["ok"] and checked["passed"] and checked["network"]["passed"], checked
    assert checked["error"] < checked["tolerance"]
    assert answer(worker.use_code(SOFTPLUS))["ok"]
    setup(worker, activation="custom")
    assert "np.logaddexp(0, z)" in answer(worker.source())["text"]
    assert answer(worker.train(30, 10_000))["ok"]


def test_a_wrong_derivative_is_flagged_where_it_is_wrong(worker, clean_registry):
    checked = answer(worker.check_code(WRONG))
    assert checked["ok"] and not checked["passed"] and not checked["pointwise_passed"]
    worst = checked["z"].index(checked["worst_z"])
    assert checked["errors"][worst] == checked["error"] > checked["tolerance"]
    # sigmoid(-z) and sigmoid(z) agree only at z = 0: the error is worst far from it
    assert abs(checked["worst_z"]) > 1


@pytest.mark.parametrize("code, words, line", [
    ("def f(z):\n    return z +\n", "syntax error at line 2", 2),
    ("def f(z):\n    return z\n\nraise RuntimeError('boom')\n", "RuntimeError: boom (line 4 of your code)", None),
    ("def f(z):\n    return 1 / 0\n\ndef df(z, a):\n    return z\n", "ZeroDivisionError", None),
    ("def f(z):\n    return z.sum()\n\ndef df(z, a):\n    return z\n", "shape", None),
    ("def f(z):\n    return np.log(z)\n\ndef df(z, a):\n    return 1 / z\n", "finite", None),
    ("f = 1\n", "define two functions", None),
])
def test_bad_code_gets_a_message_and_nothing_is_registered(worker, clean_registry, code, words, line):
    from py_mlp import activations

    result = answer(worker.check_code(code))
    assert not result["ok"] and words in result["error"], result
    assert result["field"] == "code"
    if line:
        assert result["line"] == line
    assert not answer(worker.use_code(code))["ok"], "unchecked code must not be used"
    assert "custom" not in activations.ACTIVATIONS


def test_an_exception_inside_f_names_its_line(worker, clean_registry):
    code = "def f(z):\n    x = 1\n    return z[99, 99]\n\ndef df(z, a):\n    return z\n"
    result = answer(worker.check_code(code))
    assert "IndexError" in result["error"] and "line 3 of your code" in result["error"], result


def test_a_checkpoint_restores_points_and_model_in_a_fresh_worker(worker):
    import importlib.util as util

    assert answer(worker.set_data("x1,x2,label\n0,0,0\n1,1,1\n0,1,1\n1,0,0\n0.5,0.5,1\n"))["ok"]
    setup(worker, dataset="custom", test_fraction=0)
    worker.train(5, 10_000)
    saved = answer(worker.checkpoint())

    spec = util.spec_from_file_location("py_mlp_worker_2", WORKER)
    fresh = util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    assert answer(fresh.restore_points(json.dumps(saved["points"])))["ok"]
    setup(fresh, dataset="custom", test_fraction=0)
    loaded = answer(fresh.load_model(saved["model"]))
    assert loaded["ok"] and loaded["epoch"] == 5
    assert answer(fresh.model_json())["text"] == saved["model"]


def test_every_live_page_setting_reaches_the_run_through_update(worker):
    """What app.js sends when a live setting changes: all of the page's live settings."""
    setup(worker)
    live = {s.name: s for s in settings.PAGE if s.live}
    changes = {"learning_rate": 0.2, "batch_size": 16, "regularization": "l1", "reg_rate": 0.003, "epochs": 77,
               "speed": "10"}
    assert set(changes) == set(live), "a live page setting this test does not change"
    assert answer(worker.update(json.dumps(changes)))["ok"]
    run = worker._state["run"]
    assert run.config == {**run.config, **settings.run_config({**worker._state["page"]})}
    assert (run.trainer.optimizer.lr, run.trainer.batch_size, run.trainer.l1, run.config["epochs"]) == (0.2, 16, 0.003, 77)
