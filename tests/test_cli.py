"""The command line, run as a subprocess and checked against the library run in-process."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from py_mlp import csvdata, serialization, settings
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
    (["train", "--bogus"], "unrecognized arguments: --bogus\n"),
    (["train", "--hiden", "8"], "unrecognized arguments: --hiden 8 (did you mean --hidden?)"),
    (["train", "--metrics-cvs=m.csv"], "unrecognized arguments: --metrics-cvs=m.csv (did you mean --metrics-csv?)"),
    (["train", "--preset", "spirals"], "argument --preset: invalid choice: 'spirals'"),
    (["train", "--dataset", "custom"], "--dataset custom trains on your own points: give them with --data FILE.csv"),
    (["train", "--data", "/nonexistent/points.csv"], "cannot read --data /nonexistent/points.csv"),
    (["web-schema", "out.js", "--dosc", "settings.rst"], "(did you mean --docs?)"),
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


@pytest.mark.parametrize("option, path, reason", [
    ("--metrics-csv", "missing/m.csv", "No such file or directory (no folder"),
    ("--save-model", "missing/m.json", "No such file or directory (no folder"),
    ("--save-model", ".", "Is a directory"),
    ("--metrics-csv", "file.txt/m.csv", "Not a directory"),
])
def test_outputs_that_cannot_be_written_are_refused_before_training(tmp_path, capsys, monkeypatch, option, path,
                                                                    reason):
    """Before, --save-model /nonexistent/dir/m.json failed only once training had ended (issue 19)."""
    (tmp_path / "file.txt").write_text("")

    def no_training(self):
        raise AssertionError("an epoch was trained")

    monkeypatch.setattr("py_mlp.training.Trainer.train_epoch", no_training)
    with pytest.raises(SystemExit) as info:
        main(["train", "--epochs", "1000000", option, str(tmp_path / path)])
    err = capsys.readouterr().err
    assert info.value.code == 2 and f"{option}: cannot write {tmp_path / path}: {reason}" in err
    assert not (tmp_path / "missing").exists()


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


# ---- Ctrl-C keeps the run (issue 19: before, a traceback and neither file written) ----------

def _read_until(fd, needle, timeout=60):
    """What the pseudo-terminal ``fd`` shows, read until ``needle`` appears (or the process closes it)."""
    import select

    seen, deadline = b"", time.monotonic() + timeout
    while needle not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"no {needle!r} within {timeout} s; the terminal showed {seen[-500:]!r}")
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the process closed the terminal
            chunk = b""
        if not chunk:
            break
        seen += chunk
    return seen


def test_ctrl_c_ends_at_a_whole_epoch_writes_both_files_and_exits_130(tmp_path):
    import pty

    csv_path, model_path = tmp_path / "m.csv", tmp_path / "m.json"
    args = ["train", "--epochs", "1000000", "--samples", "2000", "--hidden", "8", "--optimizer", "adam", "--lr", "0.01",
            "--batch-size", "100", "--metrics-csv", str(csv_path), "--save-model", str(model_path), "--json"]
    terminal, stderr = pty.openpty()  # a terminal, so that the progress bar shows: the sign that training runs
    process = subprocess.Popen(
        [sys.executable, "-m", "py_mlp", *args], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE, stderr=stderr, text=True,
        # Python turns SIGINT into KeyboardInterrupt unless its parent ignores SIGINT; a test runner may.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.close(stderr)
    try:
        _read_until(terminal, b"\r[")  # the first progress line: an epoch is done
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=60)
        err = _read_until(terminal, b"interrupted at epoch").decode() + _read_until(terminal, b"\n").decode()
    finally:
        process.kill()
        os.close(terminal)
    assert process.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    epochs = int(err.split("interrupted at epoch ")[1].split(";")[0])
    assert f"{csv_path} and {model_path} hold the run as it stood" in err
    summary = json.loads(out)
    assert summary["epochs"] == epochs >= 1
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    expected = build_run({"n_samples": 2000, "hidden": [8], "optimizer": "adam", "learning_rate": 0.01,
                          "batch_size": 100, "epochs": 1_000_000})
    records = expected.trainer.run(epochs)
    assert [float(row["loss"]) for row in rows] == [r["loss"] for r in records]
    model, optimizer, extra = serialization.load(model_path)
    assert extra["epoch"] == epochs
    assert all(np.array_equal(a, b) for a, b in zip(model.params, expected.model.params))
    assert optimizer.state_dict() == expected.trainer.optimizer.state_dict()


# ---- your own points, the page's presets ---------------------------------------------------

def test_data_trains_on_the_points_of_a_csv_file_as_build_run_does(tmp_path):
    points = build_run({"dataset": "moons", "n_samples": 120, "seed": 3}).points_train.tolist()
    labels = [int(a + b > 0.5) for a, b in points]
    text = "x1,x2,label\n" + "".join(f"{a!r},{b!r},{c}\n" for (a, b), c in zip(points, labels))
    path = tmp_path / "points.csv"
    path.write_text(text)
    result = py_mlp("train", "--data", str(path), "--hidden", "5", "--epochs", "7", "--test-fraction", "0.25", "--json")
    assert result.returncode == 0, result.stderr
    run = build_run({"dataset": "custom", "hidden": [5], "test_fraction": 0.25}, data=csvdata.parse_csv(text))
    run.trainer.run(7)
    summary = json.loads(result.stdout)
    assert summary["train_loss"] == run.trainer.evaluate(run.trainer.X, run.trainer.y)["loss"]
    assert summary["test_accuracy"] == run.trainer.evaluate(run.trainer.X_test, run.trainer.y_test)["accuracy"]


def test_a_bad_data_file_is_a_usage_error_naming_its_line(tmp_path, capsys):
    path = tmp_path / "points.csv"
    path.write_text("x1,x2,label\n0,0,0\n1,one,1\n")
    with pytest.raises(SystemExit) as info:
        main(["train", "--data", str(path)])
    assert info.value.code == 2 and f"--data {path}: line 3, column 2" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--data", str(path), "--dataset", "moons"])
    assert "leave out --dataset moons" in capsys.readouterr().err


def test_a_preset_gives_the_pages_run_and_options_override_it(capsys):
    preset = settings.PRESETS["xor-features"]
    assert main(["train", "--preset", "xor-features", "--samples", "200", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["epochs"] == preset["epochs"]
    assert summary["n_params"] == len(preset["features"]) + 1  # no hidden layer: one weight per feature, a bias
    assert "test_loss" in summary  # the page holds out a test share
    assert main(["train", "--preset", "xor-features", "--samples", "200", "--epochs", "3", "--hidden", "4",
                 "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["epochs"] == 3 and summary["n_params"] == (len(preset["features"]) + 1) * 4 + 5
