"""py_mlp.history: the per-epoch columns a Trainer keeps, their slices and their CSV."""

import csv
import io
import math

import pytest

from py_mlp import MLP, Trainer, build_run, datasets
from py_mlp.history import History


def _trainer(test=True, **config):
    run = build_run({"n_samples": 120, "hidden": [5, 3], "test_fraction": 0.25 if test else 0, **config})
    return run.trainer


@pytest.mark.parametrize("config", [{}, {"dataset": "plane"}, {"dataset": "spiral", "n_classes": 3}],
                         ids=["binary", "regression", "multiclass"])
@pytest.mark.parametrize("test", [True, False], ids=["test set", "no test set"])
def test_the_history_gives_back_every_record_exactly(config, test):
    trainer = _trainer(test, **config)
    records = trainer.run(6)
    assert len(trainer.history) == 6
    assert list(trainer.history) == records  # same keys, same order, same bits
    assert trainer.history[-1] == records[-1] and trainer.history[0] == records[0]
    assert all(type(r["epoch"]) is int for r in trainer.history)


def test_columns_since_an_epoch_are_the_epochs_after_it():
    trainer = _trainer()
    records = trainer.run(5)
    everything = trainer.history.columns()
    assert everything["epoch"] == [1, 2, 3, 4, 5]
    assert everything["loss"] == [r["loss"] for r in records]
    assert everything["metric"] == [r["accuracy"] for r in records]
    assert everything["test_metric"] == [r["test_accuracy"] for r in records]
    assert everything["grad_norms"] == [r["grad_norms"] for r in records]
    late = trainer.history.columns(since=3)
    assert late["epoch"] == [4, 5] and late["loss"] == everything["loss"][3:]
    assert trainer.history.columns(since=5)["epoch"] == []
    # After a model is loaded at epoch 30, its history starts there.
    trainer.history.clear()
    trainer.epoch = 30
    trainer.run(2)
    assert trainer.history.columns()["epoch"] == [31, 32]
    assert trainer.history.columns(since=31)["epoch"] == [32]


def test_epochs_without_test_data_hold_none_in_the_columns_and_no_test_keys():
    trainer = _trainer()
    trainer.run(1)
    trainer.set_data(trainer.X, trainer.y)  # the test points are gone
    second = trainer.run(1)[0]
    assert "test_loss" not in second and trainer.history[1] == second
    columns = trainer.history.columns()
    assert columns["test_loss"][0] is not None and columns["test_loss"][1] is None


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_has_one_row_per_record_with_repr_exact_numbers():
    trainer = _trainer()
    records = trainer.run(4)
    text = trainer.history.csv()
    rows = _rows(text)
    assert list(rows[0]) == ["epoch", "loss", "accuracy", "test_loss", "test_accuracy",
                             "grad_norm_layer_1", "grad_norm_layer_2", "grad_norm_layer_3"]
    for row, record in zip(rows, records, strict=True):
        assert int(row["epoch"]) == record["epoch"]
        for key in ("loss", "accuracy", "test_loss", "test_accuracy"):
            assert float(row[key]) == record[key]
        assert [float(row[f"grad_norm_layer_{k}"]) for k in (1, 2, 3)] == record["grad_norms"]


def test_the_csv_leaves_out_test_columns_no_epoch_had_and_blanks_missing_ones():
    trainer = _trainer(test=False, dataset="plane")
    trainer.run(2)
    assert list(_rows(trainer.history.csv())[0]) == ["epoch", "loss", "r2", "grad_norm_layer_1",
                                                      "grad_norm_layer_2", "grad_norm_layer_3"]
    trainer = _trainer()
    trainer.run(1)
    trainer.set_data(trainer.X, trainer.y)
    trainer.run(1)
    rows = _rows(trainer.history.csv())
    assert rows[0]["test_loss"] != "" and rows[1]["test_loss"] == ""


def test_an_empty_history_writes_the_header_only(tmp_path):
    history = History(2, "accuracy")
    path = tmp_path / "m.csv"
    history.write_csv(path)
    assert path.read_text() == "epoch,loss,accuracy,grad_norm_layer_1,grad_norm_layer_2\n"
    assert history.columns()["epoch"] == [] and list(history) == []


def test_the_columns_grow_past_their_first_allocation():
    history = History(1, "r2")
    n = 3000
    for k in range(n):
        history.append({"epoch": k + 1, "loss": 1.0 / (k + 1), "r2": 0.5, "grad_norms": [float(k)]})
    assert len(history) == n and history[n - 1]["loss"] == 1.0 / n
    assert history.columns(since=n - 2)["grad_norms"] == [[n - 2.0], [n - 1.0]]


def test_a_record_of_the_wrong_shape_is_refused():
    history = History(2, "accuracy")
    with pytest.raises(ValueError, match="2 gradient norms"):
        history.append({"epoch": 1, "loss": 0.5, "accuracy": 1.0, "grad_norms": [1.0]})
    assert len(history) == 0


def test_a_trainer_without_history_keeps_none():
    X, y = datasets.circles(n_samples=40, seed=0)
    trainer = Trainer(MLP([2, 3, 1], activations=["tanh", "sigmoid"]), X, y, keep_history=False)
    trainer.run(2)
    assert trainer.history is None and trainer.epoch == 2


def test_no_nan_reaches_the_columns():
    history = History(1, "accuracy")
    history.append({"epoch": 1, "loss": 0.25, "accuracy": 0.5, "grad_norms": [0.1]})
    columns = history.columns()
    assert columns["test_loss"] == [None] and columns["test_metric"] == [None]
    assert not any(isinstance(v, float) and math.isnan(v) for v in columns["loss"])
