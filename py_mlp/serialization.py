"""Save and load a model (and its optimiser's state) as versioned JSON.

Runs on CPython and in the Pyodide worker (``to_json`` / ``from_json`` need no files).
A file looks like this (version 1)::

    {"format": "py_mlp.model", "version": 1,
     "sizes": [2, 8, 1], "activations": ["relu", "sigmoid"], "init": "he", "seed": 0,
     "weights": [[[...], [...]], [[...]]],     # one (fan_in, fan_out) nested list per layer
     "biases": [[...], [...]],                 # one (fan_out,) list per layer
     "optimizer": {"name": "adam", "lr": 0.001, ..., "t": 12, "m": [...], "s": [...]} or null,
     "extra": {...}}                           # anything JSON, e.g. the run's configuration

A trained run (``config.build_run``'s), from the command line's ``--save-model`` or the
page's download alike, is saved by ``run_to_json`` / ``save_run`` with
``"extra": {"config": <the complete configuration it was trained with>, "epoch": <epochs
trained>}``; ``saved_run(extra)`` reads that back, and also the two layouts written
before there was one: the command line's ``"epochs"`` for the epoch count, the page's
configuration as the page sent it.

Floats are written with Python's shortest round-trip repr, so loading gives back the very
same bits. ``from_json`` checks the whole file before it returns anything, and every
problem raises ``ValueError`` saying what is wrong: not JSON, larger than
``MAX_MODEL_BYTES`` (50 MB; the largest network ``config`` allows needs under 40 MB),
lists or objects nested more than ``MAX_DEPTH`` (64) deep, another format, an unknown
version, a missing or unknown key, more than ``settings.MAX_LAYERS`` (64) layers (the
layer widths are not capped: a file holds whatever ``MLP`` can), an activation that is
neither built in nor registered (``activations.register_activation``), a wrong shape, a
non-number, NaN or infinity anywhere (``extra`` included), an ``extra`` that is not an
object, weights so large that the outputs overflow on the data's own square
(``datasets.EXTENT``).
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy as np

from .data import datasets
from ._check import number
from .activations import ACTIVATIONS, get_activation
from .jsonsafe import MAX_DEPTH, nesting, plain
from .initializers import get_initializer
from .model import MLP, check_layer_sizes
from .optimizers import OPTIMIZERS, SGD, make_optimizer
from .app.settings import MAX_LAYERS

if TYPE_CHECKING:
    from .app.config import Run
Path = Union[str, "os.PathLike[str]"]

FORMAT = "py_mlp.model"
VERSION = 1
MAX_MODEL_BYTES = 50_000_000
KEYS = ("format", "version", "sizes", "activations", "init", "seed", "weights", "biases", "optimizer", "extra")

# Every input the page can give on its smallest square (x1^2 at the corner of ±EXTENT).
_SMALLEST_PLOT_INPUT = float(datasets.feature_bounds(datasets.EXTENT, list(datasets.FEATURES)).max())


def to_json(model: MLP, optimizer: Optional[SGD] = None, extra: Optional[dict[str, Any]] = None) -> str:
    """The model (and optionally the optimiser's state and a JSON object ``extra``) as a JSON string."""
    if extra is not None and not isinstance(extra, dict):
        raise TypeError(f"extra must be a dict of JSON values, got {type(extra).__name__}")
    seed = model.seed
    if isinstance(seed, np.integer):
        seed = int(seed)
    elif not isinstance(seed, (int, list)) or isinstance(seed, bool):
        seed = None  # a Generator cannot be stored; the weights are what matter
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "sizes": list(model.sizes),
        "activations": list(model.activations),
        "init": model.init,
        "seed": seed,
        "weights": [W.tolist() for W in model.weights],
        "biases": [b.tolist() for b in model.biases],
        "optimizer": None if optimizer is None else optimizer.state_dict(),
        "extra": {} if extra is None else extra,
    }
    try:
        text = json.dumps(doc, allow_nan=False, default=plain)
    except TypeError as exc:
        raise TypeError(f"extra cannot be saved: {exc}") from None
    except ValueError:
        raise ValueError(
            "the model, optimiser or extra holds NaN or infinite values and cannot be saved; "
            "reset or reload the last good model"
        ) from None
    _check_text(text, "extra holds too much to be read back")
    return text


def _check_text(text, advice):
    """Refuse text too large or nested too deeply to parse safely, before parsing it."""
    size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_MODEL_BYTES:
        raise ValueError(f"the file is larger than {MAX_MODEL_BYTES:,} bytes ({size:,}); {advice}")
    try:
        depth = nesting(text)
    except ValueError as exc:
        raise ValueError(f"not a py_mlp model file: {exc}") from None
    if depth > MAX_DEPTH:
        raise ValueError(f"the file nests lists or objects more than {MAX_DEPTH} deep; {advice}")


def _reject_constant(name):
    raise ValueError(f"the file holds {name}; every number must be finite")


def _whole_number(text):
    if len(text.lstrip("-")) > 100:
        raise ValueError(f"the file holds a whole number of {len(text)} digits; no entry needs more than 100")
    return int(text)


def _holds_a_bool(value):
    """True if the nested lists ``value`` hold true or false anywhere (numpy would read them as 1 and 0)."""
    if isinstance(value, list):
        if value and isinstance(value[0], list):
            return any(_holds_a_bool(item) for item in value)
        return bool in set(map(type, value))
    return isinstance(value, bool)


def _array(value, shape, what):
    """``value`` as a float array of exactly ``shape``, or a ValueError naming ``what``."""
    if _holds_a_bool(value):
        raise ValueError(f"{what} must hold only numbers (not text, true/false or null)")
    try:
        a = np.array(value)
    except (ValueError, OverflowError):
        raise ValueError(f"{what} is not a rectangular array of numbers") from None
    if a.size and a.dtype.kind not in "iuf":
        raise ValueError(f"{what} must hold only numbers (not text, true/false or null)")
    if a.shape != tuple(shape):
        raise ValueError(f"{what} has shape {a.shape} but the layer sizes need {tuple(shape)}")
    a = a.astype(float)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{what} holds a number too large for a float")
    return a


def _field(doc, key, kinds, what):
    if key not in doc:
        raise ValueError(f"the file has no {key!r} entry; it must hold {what}")
    value = doc[key]
    if not isinstance(value, kinds):
        raise ValueError(f"{key!r} must be {what}, got {type(value).__name__}")
    return value


def _load_optimizer(state, shapes):
    if not isinstance(state, dict):
        raise ValueError("'optimizer' must be null or an object with a 'name'")
    name = state.get("name")
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise ValueError(f"unknown optimiser {name!r} in the file; known: {', '.join(OPTIMIZERS)}")
    cls = OPTIMIZERS[name]  # its entries: its hyper-parameters, step counts and state arrays
    known = {"name", *(h.name for h in cls.hyper), *cls.counters, *cls.arrays}
    unknown = sorted(set(state) - known)
    if unknown:
        raise ValueError(
            f"the {name} optimiser has no entry {unknown[0]!r}; its entries are {', '.join(sorted(known))}"
        )
    if "lr" not in state:
        raise ValueError("the optimiser state has no learning rate 'lr'")
    options = {h.name: state[h.name] for h in cls.hyper if h.name in state}
    try:
        optimizer = make_optimizer(name, **options)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad optimiser settings in the file: {exc}") from None
    for key in cls.arrays:
        arrays = state.get(key)
        if arrays is None:
            continue
        if not isinstance(arrays, list) or len(arrays) != len(shapes):
            raise ValueError(f"optimiser {key!r} must list {len(shapes)} arrays, one per parameter")
        setattr(optimizer, key, [
            _array(a, shape, f"optimiser {key}[{i}]") for i, (a, shape) in enumerate(zip(arrays, shapes))
        ])
    for key in cls.counters:
        try:
            setattr(optimizer, key, number(state.get(key, 0), f"optimiser step count {key!r}", 0, 10**15, whole=True))
        except TypeError as exc:
            raise ValueError(str(exc)) from None
    present = [key for key in cls.arrays if state.get(key) is not None]
    if present and len(present) < len(cls.arrays):
        names = " and ".join(repr(key) for key in cls.arrays)
        raise ValueError(f"optimiser {names} must all be present or all be null")
    return optimizer


def _check_extra(value, where="extra"):
    """Every number in ``extra`` finite (JSON cannot carry NaN or infinity back out)."""
    if isinstance(value, float) and not np.isfinite(value):
        raise ValueError(f"{where} holds a number too large for a float; every number must be finite")
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        _check_extra(item, f"{where}[{key!r}]")


def _known_activation(name):
    """A ValueError for an activation name this py_mlp does not know, saying how to make it known."""
    if isinstance(name, str) and name not in ACTIVATIONS:
        known = ", ".join(ACTIVATIONS)
        raise ValueError(
            f"the model uses the activation {name[:60]!r}, which is not built in or registered here "
            f"(known: {known}); register it first with py_mlp.register_activation({name[:60]!r}, f, df) "
            "(on the page: write it in the activation editor), then load the file again"
        )
    get_activation(name)


def from_json(text: Union[str, bytes]) -> tuple[MLP, Optional[SGD], dict[str, Any]]:
    """``(model, optimizer or None, extra)`` from a string made by ``to_json``; ValueError for a bad one."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("not a py_mlp model file: it is not UTF-8 text") from None
    if not isinstance(text, str):
        raise TypeError(f"from_json needs a JSON string, got {type(text).__name__}")
    text = text.lstrip("\ufeff")
    _check_text(text, "this is not a py_mlp model file")
    try:
        doc = json.loads(text, parse_constant=_reject_constant, parse_int=_whole_number)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a py_mlp model file: the JSON is malformed ({exc})") from None
    except RecursionError:  # cannot happen within MAX_DEPTH; kept as a second line of defence
        raise ValueError(f"the file nests lists or objects too deeply (at most {MAX_DEPTH})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"not a py_mlp model file: expected an object with \"format\": \"{FORMAT}\"")
    version = doc.get("version")
    if version != VERSION or isinstance(version, bool):
        raise ValueError(
            f"this model file has version {version!r} but this py_mlp reads version {VERSION}; "
            "save it again with this py_mlp or use the py_mlp that wrote it"
        )
    unknown = sorted(set(doc) - set(KEYS))
    if unknown:
        raise ValueError(
            f"a version {VERSION} model file has no entry {unknown[0]!r}; its entries are {', '.join(KEYS)} "
            "(keep your own data under \"extra\")"
        )
    try:
        sizes = check_layer_sizes(_field(doc, "sizes", list, "a list of layer widths"))
        if len(sizes) > MAX_LAYERS + 1:  # bounds the work done before the weights are read
            raise ValueError(f"a model file holds at most {MAX_LAYERS} layers, this one lists {len(sizes) - 1}")
    except TypeError as exc:
        raise ValueError(str(exc)) from None
    n_layers = len(sizes) - 1
    activations = _field(doc, "activations", list, "a list of activation names")
    if len(activations) != n_layers:
        raise ValueError(f"{n_layers} layers need {n_layers} activations, the file lists {len(activations)}")
    init = _field(doc, "init", str, "an initialiser name")
    get_initializer(init)
    for name in activations:
        _known_activation(name)
    seed = doc.get("seed")
    if seed is not None and not (type(seed) is int or type(seed) is list and all(type(s) is int for s in seed)):
        raise ValueError(f"'seed' must be a whole number, a list of them, or null, got {seed!r}")
    weights = _field(doc, "weights", list, "one weight matrix per layer")
    biases = _field(doc, "biases", list, "one bias vector per layer")
    if len(weights) != n_layers or len(biases) != n_layers:
        raise ValueError(f"{n_layers} layers need {n_layers} weight matrices and bias vectors")
    shapes = [(i, o) for i, o in zip(sizes[:-1], sizes[1:])]
    Ws = [_array(W, s, f"weights[{k}]") for k, (W, s) in enumerate(zip(weights, shapes))]
    bs = [_array(b, s[1:], f"biases[{k}]") for k, (b, s) in enumerate(zip(biases, shapes))]
    try:
        model = MLP(sizes, activations=activations, init=init, seed=0 if seed is None else seed)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the file describes an invalid network: {exc}") from None
    model.seed = seed
    model.weights[:], model.biases[:] = Ws, bs
    if not np.isfinite(model.output_bound(np.full(sizes[0], _SMALLEST_PLOT_INPUT))):
        raise ValueError(
            "the weights are so large that the outputs overflow even on the data's own square; "
            "this file does not hold a usable model"
        )
    optimizer = None
    if doc.get("optimizer") is not None:
        optimizer = _load_optimizer(doc["optimizer"], shapes + [s[1:] for s in shapes])
    extra = doc.get("extra", {})
    if not isinstance(extra, dict):
        raise ValueError(f"'extra' must be a JSON object ({{...}}) or left out, got {type(extra).__name__}")
    _check_extra(extra)
    return model, optimizer, extra


def save(path: Path, model: MLP, optimizer: Optional[SGD] = None, extra: Optional[dict[str, Any]] = None) -> None:
    """Write ``to_json(model, optimizer, extra)`` to ``path`` (UTF-8)."""
    _write(path, to_json(model, optimizer, extra))


def _write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def load(path: Path) -> tuple[MLP, Optional[SGD], dict[str, Any]]:
    """``(model, optimizer or None, extra)`` from a file written by ``save``; at most MAX_MODEL_BYTES are read."""
    with open(path, "rb") as f:
        data = f.read(MAX_MODEL_BYTES + 1)
    if len(data) > MAX_MODEL_BYTES:
        raise ValueError(f"{path} is larger than {MAX_MODEL_BYTES:,} bytes; this is not a py_mlp model file")
    return from_json(data)


def run_to_json(run: Run) -> str:
    """A run's model and optimiser state, with ``{"config": ..., "epoch": ...}`` as ``extra``."""
    return to_json(run.model, run.trainer.optimizer, extra={"config": run.config, "epoch": run.trainer.epoch})


def save_run(path: Path, run: Run) -> None:
    """Write ``run_to_json(run)`` to ``path`` (UTF-8)."""
    _write(path, run_to_json(run))


def saved_run(extra: dict[str, Any]) -> tuple[Optional[dict[str, Any]], int]:
    """``(config, epoch)`` a model file's ``extra`` records: the configuration dict (None if
    there is none) and the epochs trained (0 if not recorded), in any layout written so far."""
    config = extra.get("config")
    for key in ("epoch", "epochs"):  # the command line wrote "epochs" before one layout
        epoch = extra.get(key)
        if type(epoch) is int and epoch >= 0:
            break
    else:
        epoch = 0
    return (config if isinstance(config, dict) else None), epoch

