"""The command line, run as a subprocess and checked against the library run in-process."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from py_mlp import serialization
from py_mlp.cli import main
from py_mlp.app.config import build_run

REPO = Path(__file__).resolve().parents[1]


def py_mlp(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "py_mlp", *args], cwd=cwd or REPO, env=env, capture_output=True,
        text=True, timeout=120,
    )


ARGS = ["train", "--dataset", "moons", "--samples", "200", "--noise", "0.15", "--seed", "4",
        "--hidden", "6,5", "--activation", "tanh", "--optimizer", "adam", "--lr", "0.02",
        "--batch-size", "32", "--l2", "0.001", "--test-fraction", "0.25",
        "--features", "x1,x2,x1*x2", "--epochs", "12"]
CONFIG = {"dataset": "moons", "n_samples": 200, "noise": 0.15, "seed": 4, "hidden": [6, 5],
          "activation": "tanh", "optimizer": "adam", "learning_rate": 0.02, "batch_size": 32,
          "l2": 0.001, "test_fraction": 0.25, "features": ["x1", "x2", "x1*x2"], "epochs": 12}


@pytest.fixture(scope="module")
def expected():
    """The same configuration trained in-process through the library."""
    run = build_run(CONFIG)
    run.trainer.run(12)
    return run


def test_json_summary_matches_the_library(expected):
    result = py_mlp(*ARGS, "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    summary = json.loads(result.stdout)
    assert set(summary) == {"epochs", "seconds", "train_loss", "train_accuracy", "test_loss",
                            "test_accuracy", "n_params", "diverged"}
    trainer = expected.trainer
    assert summary["epochs"] == 12 and summary["diverged"] is None
    assert summary["n_params"] == expected.model.n_params()
    train = trainer.evaluate(trainer.X, trainer.y)
    test = trainer.evaluate(trainer.X_test, trainer.y_test)
    assert summary["train_loss"] == train["loss"] and summary["train_accuracy"] == train["accuracy"]
    assert summary["test_loss"] == test["loss"] and summary["test_accuracy"] == test["accuracy"]
    assert summary["seconds"] >= 0


def test_metrics_csv_and_saved_model(tmp_path, expected):
    csv_path, model_path = tmp_path / "metrics.csv", tmp_path / "model.json"
    result = py_mlp(*ARGS, "--metrics-csv", str(csv_path), "--save-model", str(model_path))
    assert result.returncode == 0, result.stderr
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    history = expected.trainer.history
    assert list(rows[0]) == ["epoch", "loss", "accuracy", "test_loss", "test_accuracy",
                             "grad_norm_layer_1", "grad_norm_layer_2", "grad_norm_layer_3"]
    assert len(rows) == len(history) == 12
    for row, record in zip(rows, history):
        assert int(row["epoch"]) == record["epoch"]
        for key in ("loss", "accuracy", "test_loss", "test_accuracy"):
            assert float(row[key]) == record[key]  # repr-exact floats
        assert [float(row[f"grad_norm_layer_{k}"]) for k in (1, 2, 3)] == record["grad_norms"]

    model, optimizer, extra = serialization.load(model_path)
    assert extra["epoch"] == 12 and extra["config"]["hidden"] == [6, 5]
    assert extra["config"] == expected.config
    for a, b in zip(model.params, expected.model.params):
        assert np.array_equal(a, b)
    assert optimizer.state_dict() == expected.trainer.optimizer.state_dict()
    # The human-readable summary goes to stdout.
    assert "train_accuracy" in result.stdout


def test_config_file_with_option_override(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"dataset": "plane", "n_samples": 60, "hidden": [3], "epochs": 4}))
    result = py_mlp("train", "--config", str(path), "--epochs", "2", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["epochs"] == 2 and "train_r2" in summary and "test_loss" not in summary


@pytest.mark.parametrize("args, message", [
    (["train", "--hidden", "8,x"], "--hidden"),
    (["train", "--lr", "-1"], "--learning-rate: must be a positive number"),
    (["train", "--dataset", "rings"], "--dataset: unknown dataset 'rings'; choose one of"),
    (["train", "--features", "x1,x9"], "--features: unknown feature 'x9'"),
    (["train", "--samples", "ten"], "--samples: invalid int value"),
    (["train", "--classes", "3"], "--classes: only gaussians and spiral"),
    (["train", "--epochs", "-5"], "--epochs"),
    (["train", "--bogus"], "unrecognized arguments: --bogus"),
    (["train", "--config", "/nonexistent/run.json"], "cannot read --config"),
    (["fly"], "invalid choice: 'fly'"),
    ([], "required: COMMAND"),
])
def test_bad_options_exit_2_with_a_message(args, message, capsys):
    """In-process (argparse exits through SystemExit), so the table stays fast."""
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert message in err and "usage:" in err
    assert out == ""


def test_a_bad_option_in_a_subprocess_has_no_traceback():
    result = py_mlp("train", "--noise", "-1")
    assert result.returncode == 2
    assert "--noise: must be a number between 0 and 10" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_divergence_exits_1_with_a_message_and_no_traceback():
    result = py_mlp("train", "--dataset", "plane", "--samples", "64", "--lr", "10000", "--epochs", "200", "--json")
    assert result.returncode == 1
    assert "Lower the learning rate" in result.stderr and "Traceback" not in result.stderr
    summary = json.loads(result.stdout)  # still valid JSON: non-finite numbers become null
    assert summary["diverged"] and summary["epochs"] < 200


def test_unwritable_output_is_an_error_not_a_traceback(tmp_path, capsys):
    code = main(["train", "--epochs", "1", "--metrics-csv", str(tmp_path / "missing" / "m.csv")])
    assert code == 1
    assert "cannot write" in capsys.readouterr().err


def test_progress_bar_only_on_a_terminal(capsys, monkeypatch):
    assert main(["train", "--samples", "40", "--epochs", "3", "--json"]) == 0
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["train", "--samples", "40", "--epochs", "3", "--json"]) == 0
    out, err = capsys.readouterr()
    assert "\r[" in err and "3/3" in err and err.endswith("\n")
    assert json.loads(out)["epochs"] == 3
    assert main(["train", "--samples", "40", "--epochs", "3", "--no-progress"]) == 0
    assert capsys.readouterr().err == ""


def test_config_files_larger_than_a_megabyte_are_refused_unread(tmp_path, capsys):
    path = tmp_path / "huge.json"
    path.write_text('{"seed": 1' + " " * 1_000_000 + "}")
    with pytest.raises(SystemExit) as info:
        main(["train", "--config", str(path)])
    assert info.value.code == 2
    assert "is larger than 1,000,000 bytes" in capsys.readouterr().err


def test_a_reader_that_goes_away_ends_the_run_quietly():
    read, write = os.pipe()
    os.close(read)  # nobody will read what the run prints
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-m", "py_mlp", "train", "--samples", "40", "--epochs", "2", "--json"],
                            cwd=REPO, env=env, stdout=write, stderr=subprocess.PIPE, text=True, timeout=120)
    os.close(write)
    assert result.returncode == 1
    assert result.stderr == ""
