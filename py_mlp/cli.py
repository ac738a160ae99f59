"""Command line: ``py-mlp train`` (or ``python -m py_mlp train``) and ``reproduce-article``.

Runs on CPython only (a terminal, files); everything it trains comes from
``config.build_run``, so a configuration gives the same per-epoch numbers here as in the
browser. Bad options (a --config file too large, nested too deeply or not JSON
included) print a usage message and exit with status 2, never a traceback; a run that
diverges keeps what it has (CSV rows, the last finite model) and exits with 1, as does
an output that cannot be written (named, with the system's reason) or a closed pipe.

    python -m py_mlp train --dataset moons --hidden 8,8 --optimizer adam \\
        --learning-rate 0.03 --epochs 300 --test-fraction 0.5 --json
    python -m py_mlp reproduce-article
"""

import argparse
import json
import os
import sys
import time

from . import __version__, article, jsonsafe, serialization
from .config import DEFAULTS, ConfigError, build_run
from .datasets import DATASETS, FEATURES
from .training import TrainingDiverged

MAX_CONFIG_BYTES = 1_000_000
# Option -> config key, for every option that sets one.
OPTION_KEYS = {
    "dataset": "dataset", "samples": "n_samples", "noise": "noise", "seed": "seed",
    "classes": "n_classes", "test_fraction": "test_fraction", "features": "features",
    "hidden": "hidden", "activation": "activation", "problem": "problem", "loss": "loss",
    "optimizer": "optimizer", "learning_rate": "learning_rate", "momentum": "momentum",
    "nesterov": "nesterov", "batch_size": "batch_size", "l1": "l1", "l2": "l2", "init": "init",
    "epochs": "epochs",
}


def _int_list(text):
    """'8,8' -> [8, 8]; '' or 'none' -> [] (no hidden layer)."""
    if text.strip().lower() in ("", "none"):
        return []
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths separated by commas such as 8,8, got {text!r}") from None


def _name_list(text):
    return [part.strip() for part in text.split(",") if part.strip()]


def make_parser():
    parser = argparse.ArgumentParser(prog="py-mlp", description="A multilayer perceptron in plain numpy.")
    parser.add_argument("--version", action="version", version=f"py_mlp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    train = commands.add_parser(
        "train", help="train a network on a toy data set",
        description="Train a network on a toy data set. Unset options take the defaults of "
        "py_mlp.config (shown in brackets), after any --config file.",
    )
    d = DEFAULTS
    data = train.add_argument_group("data")
    data.add_argument("--dataset", help=f"one of {', '.join(DATASETS)} [{d['dataset']}]")
    data.add_argument("--samples", type=int, metavar="N", help=f"points generated [{d['n_samples']}]")
    data.add_argument("--noise", type=float, help=f"jitter standard deviation [{d['noise']}]")
    data.add_argument("--seed", type=int, help=f"random seed [{d['seed']}]")
    data.add_argument("--classes", type=int, metavar="K", help="classes, for gaussians and spiral [2]")
    data.add_argument("--test-fraction", type=float, metavar="F", help="share held out for testing [0]")
    data.add_argument("--features", type=_name_list, metavar="LIST",
                      help=f"input features from {', '.join(FEATURES)}, comma separated [x1,x2]")
    net = train.add_argument_group("network")
    net.add_argument("--hidden", type=_int_list, metavar="WIDTHS", help="hidden layer widths, e.g. 8,8 [8,8]")
    net.add_argument("--activation", help=f"hidden activation [{d['activation']}]")
    net.add_argument("--problem", help="binary, multiclass or regression [from the data set]")
    net.add_argument("--loss", help="bce, ce or mse (or full names) [from the problem]")
    net.add_argument("--init", help="glorot, he or small_normal [he for relu, else glorot]")
    opt = train.add_argument_group("optimisation")
    opt.add_argument("--optimizer", help=f"sgd, momentum or adam [{d['optimizer']}]")
    opt.add_argument("--learning-rate", "--lr", type=float, metavar="RATE", help=f"[{d['learning_rate']}]")
    opt.add_argument("--momentum", type=float, help=f"for --optimizer momentum [{d['momentum']}]")
    opt.add_argument("--nesterov", action="store_const", const=True, help="Nesterov momentum")
    opt.add_argument("--batch-size", type=int, metavar="N", help="mini-batch size; 0 = full batch [0]")
    opt.add_argument("--l1", type=float, metavar="RATE", help="L1 regularisation rate [0]")
    opt.add_argument("--l2", type=float, metavar="RATE", help="L2 regularisation rate [0]")
    opt.add_argument("--epochs", type=int, help=f"epochs to train [{d['epochs']}]")
    out = train.add_argument_group("input and output")
    out.add_argument("--config", metavar="FILE", help="a JSON file with configuration keys; options override it")
    out.add_argument("--save-model", metavar="PATH", help="write the trained model as JSON")
    out.add_argument("--metrics-csv", metavar="PATH", help="write per-epoch metrics as CSV")
    out.add_argument("--json", action="store_true", help="print the final summary as JSON")
    out.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    train.set_defaults(command_parser=train)

    commands.add_parser(
        "reproduce-article", help="print the reference tutorial's 151-line training log",
        description="Run the reference tutorial's experiment (py_mlp.article) and print its log.",
    )
    return parser


def _read_config(path, parser):
    """The JSON object in a --config file, or a usage error saying what is wrong with it."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        parser.error(f"cannot read --config {path}: {exc.strerror or exc}")
    if len(data) > MAX_CONFIG_BYTES:
        parser.error(f"--config {path} is larger than {MAX_CONFIG_BYTES:,} bytes; a configuration holds a few keys")
    try:
        config = json.loads(data.decode("utf-8-sig"))
    except RecursionError:
        parser.error(f"cannot read --config {path}: it nests lists or objects too deeply")
    except ValueError as exc:  # not UTF-8, not JSON, or an integer too long to read
        parser.error(f"cannot read --config {path}: {exc}")
    if not isinstance(config, dict):
        parser.error(f"--config {path} must hold a JSON object of configuration keys")
    return config


def _config_from(args, parser):
    config = _read_config(args.config, parser) if args.config else {}
    for option, key in OPTION_KEYS.items():
        value = getattr(args, option)
        if value is not None:
            config[key] = value
    return config


class Progress:
    """A one-line progress bar on stderr, redrawn at most ~20 times a second."""

    def __init__(self, total, enabled):
        self.total, self.enabled, self.last = total, enabled, 0.0

    def update(self, record):
        now = time.perf_counter()
        if not self.enabled or (now - self.last < 0.05 and record["epoch"] < self.total):
            return
        self.last = now
        done = record["epoch"] / max(self.total, 1)
        bar = "#" * int(30 * done) + "-" * (30 - int(30 * done))
        score = " ".join(f"{k} {v:.4f}" for k, v in record.items() if isinstance(v, float))
        sys.stderr.write(f"\r[{bar}] {record['epoch']}/{self.total} {score}")
        sys.stderr.flush()

    def close(self):
        if self.enabled:
            sys.stderr.write("\n")


def _summary(run, seconds, diverged):
    trainer = run.trainer
    summary = {"epochs": trainer.epoch, "seconds": round(seconds, 3)}
    summary.update(trainer.evaluate(trainer.X, trainer.y, prefix="train_"))
    if trainer.X_test is not None:
        summary.update(trainer.evaluate(trainer.X_test, trainer.y_test, prefix="test_"))
    summary["n_params"] = run.model.n_params()
    summary["diverged"] = diverged
    # JSON has no NaN or Infinity; a diverged run's numbers become null.
    return jsonsafe.finite(summary)


def train(args, parser):
    try:
        run = build_run(_config_from(args, parser))
    except ConfigError as exc:
        option = {key: option for option, key in OPTION_KEYS.items()}.get(exc.key)
        where = f"--{option.replace('_', '-')}" if option else f"configuration key {exc.key!r}"
        parser.error(f"{where}: {exc.message}")
    except (ValueError, TypeError) as exc:
        parser.error(str(exc))
    epochs = run.config["epochs"]
    progress = Progress(epochs, sys.stderr.isatty() and not args.no_progress)
    diverged = None
    start = time.perf_counter()
    try:
        for _ in range(epochs):
            progress.update(run.trainer.train_epoch())
    except TrainingDiverged as exc:
        diverged = str(exc)
    finally:
        progress.close()
    seconds = time.perf_counter() - start
    target = None
    try:
        if args.metrics_csv:
            target = args.metrics_csv
            run.trainer.history.write_csv(target)
        if args.save_model:
            target = args.save_model
            serialization.save_run(target, run)
    except (OSError, ValueError) as exc:  # OSError.filename is None when the error comes at close
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"py-mlp: error: cannot write {target}: {reason}", file=sys.stderr)
        return 1
    summary = _summary(run, seconds, diverged)
    if args.json:
        print(jsonsafe.dumps(summary))
    else:
        for key, value in summary.items():
            if value is not None:
                print(f"{key:>16}  {value}")
    if diverged:
        print(f"py-mlp: {diverged}", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "reproduce-article":
            print("\n".join(article.trace()))
            return 0
        return train(args, args.command_parser)
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, and keep Python's exit flush quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
