"""Command line: ``py-mlp train`` (or ``python -m py_mlp train``) and ``reproduce-article``.

Runs on CPython only (a terminal, files); everything it trains comes from
``config.build_run``, so a configuration gives the same per-epoch numbers here as in the
browser. The settings come from, each over the last: the library's defaults, a page
preset (``--preset``), a JSON file (``--config``), the options; ``--data FILE.csv`` trains
on your own points (the page's CSV format, ``csvdata``).

Bad options (an unknown one with a "did you mean", a --config or --data file that cannot
be read, an output path that cannot be written, all checked before training) print a
usage message and exit with status 2, never a traceback. A run that diverges keeps what it
has (CSV rows, the last finite model) and exits with 1, as does an output that fails as it
is written (named, with the system's reason) or a closed pipe. Ctrl-C ends training at
the last whole epoch, writes the CSV and the model as they stood and exits with 130.

    python -m py_mlp train --dataset moons --hidden 8,8 --optimizer adam \\
        --learning-rate 0.03 --epochs 300 --test-fraction 0.5 --json
    python -m py_mlp train --preset spiral --data my_points.csv --save-model m.json
    python -m py_mlp reproduce-article
"""

import argparse
import difflib
import errno
import json
import os
import sys
import time

from . import __version__, jsonsafe, serialization
from .app import settings
from .app.config import CUSTOM, ConfigError, build_run
from .data import csvdata
from .teaching import article
from .training import TrainingDiverged

MAX_CONFIG_BYTES = 1_000_000
# The largest CSV a 100,000-row data set needs, three full-precision numbers a row, with room.
MAX_DATA_BYTES = 20_000_000
INTERRUPTED = 130  # the shell's status for a program ended by Ctrl-C (128 + SIGINT)
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
    out.add_argument("--preset", choices=tuple(settings.PRESETS), metavar="NAME",
                     help=f"start from one of the page's presets ({', '.join(settings.PRESETS)}), its epochs "
                     "included; --config and the options override it")
    out.add_argument("--config", metavar="FILE", help="a JSON file with configuration keys; options override it")
    out.add_argument("--data", metavar="FILE",
                     help="train on your own points: a CSV of x1,x2,label or x1,x2,target, as the page reads it")
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
    schema.add_argument("--docs", metavar="PATH",
                        help="also make the docs' settings tables anew in PATH (docs/guide/settings.rst)")
    schema.set_defaults(command_parser=schema)
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


def _preset(name):
    """The ``build_run`` configuration of the page's preset ``name``, with its epochs."""
    return settings.run_config(settings.page_config(name))


def _config_from(args, parser):
    config = _preset(args.preset) if args.preset else {}
    config.update(_read_config(args.config, parser) if args.config else {})
    for s in settings.LIBRARY:
        value = getattr(args, s.name)
        if value is not None:
            config[s.name] = value
    if args.data:
        if args.dataset not in (None, CUSTOM):
            parser.error(f"--data trains on the points in {args.data}; leave out --dataset {args.dataset}")
        config["dataset"] = CUSTOM
    elif config.get("dataset") == CUSTOM:
        parser.error("--dataset custom trains on your own points: give them with --data FILE.csv")
    return config


def _read_data(path, parser):
    """``(points, y, problem)`` from a --data CSV file, or a usage error naming the line at fault."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_DATA_BYTES + 1)
    except OSError as exc:
        parser.error(f"cannot read --data {path}: {exc.strerror or exc}")
    if len(data) > MAX_DATA_BYTES:
        parser.error(f"--data {path} is larger than {MAX_DATA_BYTES:,} bytes; "
                     f"at most {csvdata.MAX_ROWS:,} points are read")
    try:
        return csvdata.parse_csv(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        parser.error(f"cannot read --data {path}: it is not UTF-8 text")
    except ValueError as exc:
        parser.error(f"--data {path}: {exc}")


def _unwritable(path):
    """Why ``path`` cannot be written (the system's words), or None; nothing is created to find out."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        return os.strerror(errno.EISDIR)
    if not os.path.exists(folder):
        return os.strerror(errno.ENOENT) + f" (no folder {folder})"
    if not os.path.isdir(folder):
        return os.strerror(errno.ENOTDIR) + f" ({folder})"
    if not os.access(path if os.path.exists(path) else folder, os.W_OK):
        return os.strerror(errno.EACCES)
    return None


def _check_outputs(args, parser):
    """Refuse, before any training, an output that could not be written at the end."""
    for option, path in (("--metrics-csv", args.metrics_csv), ("--save-model", args.save_model)):
        reason = path and _unwritable(path)
        if reason:
            parser.error(f"{option}: cannot write {path}: {reason}")


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
    config = _config_from(args, parser)
    data = _read_data(args.data, parser) if args.data else None
    _check_outputs(args, parser)
    try:
        run = build_run(config, data=data)
    except ConfigError as exc:
        setting = settings.BY_NAME.get(exc.key)
        where = _option(setting) if setting and setting.in_library else f"configuration key {exc.key!r}"
        parser.error(f"{where}: {exc.message}")
    except (ValueError, TypeError) as exc:
        parser.error(str(exc))
    epochs = run.config["epochs"]
    progress = Progress(epochs, sys.stderr.isatty() and not args.no_progress)
    diverged = interrupted = None
    start = time.perf_counter()
    try:
        for _ in range(epochs):
            progress.update(run.trainer.train_epoch())
    except TrainingDiverged as exc:
        diverged = str(exc)
    except KeyboardInterrupt:  # train_epoch has undone the epoch it was in
        interrupted = f"interrupted at epoch {run.trainer.epoch}"
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
    if interrupted:
        written = [p for p in (args.metrics_csv, args.save_model) if p]
        hold = f"; {' and '.join(written)} {'hold' if len(written) > 1 else 'holds'} the run as it stood"
        print(f"py-mlp: {interrupted}" + (hold if written else ""), file=sys.stderr)
        return INTERRUPTED
    return 0


def _write_text(path, text):
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        print(f"py-mlp: error: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


def _parse(parser, argv):
    """``parser.parse_args(argv)``, but an unknown option also gets the nearest known one."""
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        hint = ""
        command = getattr(args, "command_parser", None) or parser
        names = [o[2:] for action in command._actions for o in action.option_strings if o.startswith("--")]
        close = difflib.get_close_matches(unknown[0].split("=", 1)[0].lstrip("-"), names, n=1, cutoff=0.7)
        if unknown[0].startswith("-") and close:
            hint = f" (did you mean --{close[0]}?)"
        parser.error(f"unrecognized arguments: {' '.join(unknown)}{hint}")
    return args


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SERVER_COMMANDS:
        from .server.command import main as server_main

        return server_main(argv, prog="py-mlp")
    parser = make_parser()
    try:
        return _main(parser, argv)
    except KeyboardInterrupt:  # before or after training (training itself ends gracefully)
        print("py-mlp: interrupted", file=sys.stderr)
        return INTERRUPTED


def _main(parser, argv):
    args = _parse(parser, argv)
    try:
        if args.command == "web-schema":
            if args.docs:
                with open(args.docs, encoding="utf-8") as f:
                    page = settings.with_docs_tables(f.read())
                if _write_text(args.docs, page):
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
