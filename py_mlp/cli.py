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

from . import __version__, jsonsafe, serialization
from .app import settings
from .teaching import article
from .app.config import ConfigError, build_run
from .training import TrainingDiverged

MAX_CONFIG_BYTES = 1_000_000
GROUPS = {"data": "data", "network": "network", "training": "optimisation"}
METAVARS = {"int": "N", "float": "F", "choice": "NAME", "widths": "WIDTHS", "names": "LIST", "activations": "NAME"}


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


def _activations(text):
    """'tanh' -> 'tanh'; 'relu,tanh' -> one per hidden layer."""
    names = _name_list(text)
    return names[0] if len(names) == 1 else names


TYPES = {"int": int, "float": float, "widths": _int_list, "names": _name_list, "activations": _activations}


def _option(setting):
    return "--" + (setting.cli or setting.name).replace("_", "-")


def _add_options(train):
    """One option per library setting, from ``settings.SETTINGS``."""
    groups = {key: train.add_argument_group(title) for key, title in GROUPS.items()}
    for s in settings.LIBRARY:
        names = [_option(s), "--lr"] if s.name == "learning_rate" else [_option(s)]
        text = s.help.replace("%", "%%")
        if s.kind == "bool":
            groups[s.group].add_argument(*names, dest=s.name, action="store_const", const=True, help=text)
            continue
        if s.kind == "choice":
            text += f" ({', '.join(s.choices)})"
        groups[s.group].add_argument(*names, dest=s.name, type=TYPES.get(s.kind), metavar=METAVARS[s.kind],
                                     help=f"{text} [{settings.default_text(s)}]")


# The web app's commands (py_mlp.server.command, standard library only).
SERVER_COMMANDS = {
    "serve": "serve the web app on this machine (fetches the pinned runtime once into a cache)",
    "build": "write the web app as a static site into DIR, for any static host",
    "setup": "fetch the pinned runtime into the cache and write the browser's wheel, then exit",
}


def make_parser():
    parser = argparse.ArgumentParser(prog="py-mlp", description="A multilayer perceptron in plain numpy.")
    parser.add_argument("--version", action="version", version=f"py_mlp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    train = commands.add_parser(
        "train", help="train a network on a toy data set",
        description="Train a network on a toy data set. Unset options take the defaults of "
        "py_mlp.app.config (shown in brackets), after any --config file.",
    )
    _add_options(train)
    out = train.add_argument_group("input and output")
    out.add_argument("--config", metavar="FILE", help="a JSON file with configuration keys; options override it")
    out.add_argument("--save-model", metavar="PATH", help="write the trained model as JSON")
    out.add_argument("--metrics-csv", metavar="PATH", help="write per-epoch metrics as CSV")
    out.add_argument("--json", action="store_true", help="print the final summary as JSON")
    out.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    train.set_defaults(command_parser=train)

    schema = commands.add_parser(
        "web-schema", help="write the page's settings table (web/schema.js) from py_mlp.app.settings",
        description="Write the settings table the page builds its form from (for developers: "
        "run after changing py_mlp/app/settings.py).",
    )
    schema.add_argument("path", help="where to write it, normally web/schema.js")
    schema.add_argument("--readme", metavar="PATH", help="also make README's settings tables anew in PATH")
    commands.add_parser(
        "reproduce-article", help="print the reference tutorial's 151-line training log",
        description="Run the reference tutorial's experiment (py_mlp.teaching.article) and print its log.",
    )
    for name, what in SERVER_COMMANDS.items():  # parsed by py_mlp.server.command; listed here
        commands.add_parser(name, help=what)
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
    for s in settings.LIBRARY:
        value = getattr(args, s.name)
        if value is not None:
            config[s.name] = value
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
        setting = settings.BY_NAME.get(exc.key)
        where = _option(setting) if setting and setting.in_library else f"configuration key {exc.key!r}"
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


def _write_text(path, text):
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        print(f"py-mlp: error: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SERVER_COMMANDS:
        from .server.command import main as server_main

        return server_main(argv, prog="py-mlp")
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "web-schema":
            if args.readme:
                with open(args.readme, encoding="utf-8") as f:
                    readme = settings.with_readme_tables(f.read())
                if _write_text(args.readme, readme):
                    return 1
            return _write_text(args.path, settings.web_module())
        if args.command == "reproduce-article":
            print("\n".join(article.trace()))
            return 0
        return train(args, args.command_parser)
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, and keep Python's exit flush quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
