"""Every setting, written down once: its kind, range or choices, defaults and help.

``SETTINGS`` is the one table. It drives ``config.check_config`` (each field's own check;
only the rules between fields are written by hand there), the command line's options and
help (``cli.py``), the docs' two settings tables (``markdown_table``, in
``docs/guide/settings.rst``) and ``web/schema.js``, from which the page builds its lists,
limits, defaults and parsers. ``python -m py_mlp web-schema web/schema.js --docs
docs/guide/settings.rst`` writes the schema and the tables; a test says when either is
stale.

Two sets of defaults, on purpose: the library's (``default``) are the plain textbook
choices a script starts from; the page's (``page``) are chosen to be watched training in
a browser: a test share to compare against, tanh for smooth boundaries, a larger step,
1,000 epochs a run. The page also narrows a few ranges (``page_low``/``page_high``: a
network it can draw, data it can plot quickly) and has three settings of its own
(``regularization`` with ``reg_rate``, which it turns into l1/l2, and ``speed``).

Runs everywhere ``py_mlp`` does (numpy and the standard library only).
"""

import json
import math
import re
from dataclasses import dataclass, field
from typing import Optional

from ..data import datasets
from .._check import number, shown
from ..activations import HIDDEN_ACTIVATIONS
from ..initializers import INITIALIZERS
from ..losses import ALIASES, FOR_PROBLEM, LOSSES, PROBLEMS
from ..optimizers import CHOICES, OPTIMIZERS

NOT_ON_PAGE = "not on the page"  # a library setting the page does not show
PAGE_ONLY = "page only"  # a page setting build_run does not take
MAX_EPOCHS = 1_000_000

# Size caps of the configuration path (``config.build_run``: the page's worker, the command
# line, the docs' embeds), so that no configuration can exhaust a browser tab's memory.
# ``MLP`` and ``Trainer`` themselves take any size memory allows. Parameters: a model file
# holds each parameter and Adam's two moments, at most 26 characters a number, so 500,000
# parameters stay under 40 MB, within serialization.MAX_MODEL_BYTES (50 MB); training keeps
# about 8 copies (parameters, gradients, moments, the copies an epoch can be undone to) of
# 8 bytes: 32 MB. Activations: a forward pass keeps z and a (8 bytes each) for every sample
# and every hidden unit, and the full batch is always possible (it can be chosen mid-run),
# so samples x hidden units is capped at 2**24: 268 MB kept, plus the backward pass's three
# temporaries for one layer at a time (at most 400 MB). That allows everything the page
# offers (10,000 points x 8 layers of 64 = 5.1 million) and one layer of 4,096 units for up
# to 4,096 points.
MAX_LAYER_SIZE = 4096
MAX_LAYERS = 64
MAX_PARAMS = 500_000
MAX_ACTIVATIONS = 2**24


@dataclass(frozen=True)
class Setting:
    """One setting: how to check a value, what it defaults to, and how to explain it.

    ``cli`` is the command line's option (``--NAME``) when it differs from the key, and
    ``group`` the heading it is listed under; ``default_text`` says what a default of
    None means. ``kind`` is ``int``, ``float``, ``choice``, ``bool``, ``widths`` (hidden layer sizes),
    ``names`` (a set of choices, the features) or ``activations`` (one name, or one per
    hidden layer). Numbers lie in ``low``..``high`` (exclusive where ``above`` or
    ``below``). ``label`` names the setting in the page's messages.
    """

    name: str
    kind: str
    default: object
    help: str
    label: str = ""
    low: Optional[float] = None
    high: Optional[float] = None
    above: bool = False
    below: bool = False
    choices: tuple = ()
    nullable: bool = False
    page: object = NOT_ON_PAGE
    page_low: Optional[float] = None
    page_high: Optional[float] = None
    page_choices: Optional[tuple] = None
    live: bool = False
    cli: str = ""
    group: str = ""
    default_text: str = ""
    example: str = ""
    labels: dict = field(default_factory=dict)

    @property
    def in_library(self):
        return self.default is not PAGE_ONLY

    @property
    def on_page(self):
        return self.page is not NOT_ON_PAGE


_DATASET_LABELS = {
    "circles": "Circles", "moons": "Moons", "xor": "XOR", "gaussians": "Gaussians", "spiral": "Spiral",
    "plane": "Plane (regression)", "gaussian_mix": "Bumps (regression)", "custom": "Your data",
}
_FEATURE_LABELS = {
    "x1": "x₁", "x2": "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1*x2": "x₁x₂", "sin(x1)": "sin(x₁)", "sin(x2)": "sin(x₂)",
}
_ACTIVATION_LABELS = {
    "relu": "ReLU", "leaky_relu": "leaky ReLU", "tanh": "tanh", "sigmoid": "sigmoid",
    "identity": "identity (linear)", "custom": "your own (f, df)",
}

# What the page does differently with the optimisers' hyper-parameters (the rest is theirs).
_PAGE_HYPER = {"learning_rate": dict(page=0.5, page_high=10, example="0.1")}


def _optimizer_settings():
    """The optimiser setting (the page's choices and labels included) and one setting per
    hyper-parameter, in the order the optimisers declare them, from ``py_mlp.optimizers``."""
    rows = [Setting("optimizer", "choice", "sgd", "how the gradient moves the weights",
                    group="training", label="optimiser", choices=tuple(OPTIMIZERS), page="sgd",
                    page_choices=tuple(CHOICES), labels={value: c.label for value, (_, c) in CHOICES.items()})]
    seen = set()
    for cls in OPTIMIZERS.values():
        defaults = cls.defaults()
        for h in cls.hyper:
            if h.key not in seen:
                seen.add(h.key)
                rows.append(Setting(h.key, "bool" if h.switch else "float", defaults[h.name], h.help,
                                    group="training", label=h.label or h.name, low=h.low, high=h.high,
                                    above=h.above, below=h.below, live=h.live, **_PAGE_HYPER.get(h.key, {})))
    return rows


SETTINGS = (
    # data
    Setting("dataset", "choice", "circles", "a built-in data set, or custom for your own points",
            group="data", label="data set", choices=(*datasets.DATASETS, "custom"), labels=_DATASET_LABELS,
            page="circles"),
    Setting("n_samples", "int", 1000, "points generated, before the split",
            group="data", label="the number of points", cli="samples", low=2, high=datasets.MAX_SAMPLES,
            page=1000, page_low=10, page_high=10_000, example="1000"),
    Setting("noise", "float", 0.1, "standard deviation of the jitter (not for your own data)",
            group="data", label="noise", low=0.0, high=datasets.MAX_NOISE, page=0.1, page_high=2, example="0.1"),
    Setting("seed", "int", 0, "seeds the data, the split, the weights and the batch order",
            group="data", label="the seed", low=0, high=2**63 - 1, page=0, page_high=2**31 - 1, example="0"),
    Setting("n_classes", "int", 2, "classes, for gaussians and spiral only",
            group="data", label="the number of classes", cli="classes", low=2, high=datasets.MAX_CLASSES,
            page=2, example="3"),
    Setting("test_fraction", "float", 0.0, "share of the points held out as a test set; 0 = none",
            group="data", label="the test share", low=0.0, high=1.0, below=True, page=0.2, page_high=0.9,
            example="0.2"),
    Setting("features", "names", ["x1", "x2"], "the network's inputs, made from the point (x1, x2)",
            group="data", label="feature", choices=tuple(datasets.FEATURES), labels=_FEATURE_LABELS,
            page=["x1", "x2"]),
    # network
    Setting("hidden", "widths", [8, 8], "hidden layer widths; none (an empty list) for no hidden layer",
            group="network", label="hidden layers", low=1, high=MAX_LAYER_SIZE, page=[8, 8], page_high=64),
    Setting("activation", "activations", "relu",
            "hidden activation, one name or one per hidden layer; custom: your own (register_activation, "
            "or the page's editor)",
            group="network", label="activation", choices=HIDDEN_ACTIVATIONS, labels=_ACTIVATION_LABELS,
            page=["tanh", "tanh"], page_choices=("relu", "leaky_relu", "tanh", "sigmoid", "identity", "custom")),
    Setting("problem", "choice", None, "the task", default_text="the data set's",
            group="network", label="problem", choices=PROBLEMS, nullable=True,
            page="", page_choices=("", *PROBLEMS),
            labels={"": "From the data", "binary": "Binary classification",
                    "multiclass": "Multi-class classification", "regression": "Regression"}),
    Setting("loss", "choice", None, "the loss", default_text="the problem's",
            group="network", label="loss", choices=(*LOSSES, *ALIASES), nullable=True),
    Setting("init", "choice", None, "how the first weights are drawn",
            default_text="he for relu-like layers, else glorot",
            group="network", label="init", choices=tuple(INITIALIZERS), nullable=True),
    # training: the optimiser and its hyper-parameters, as py_mlp.optimizers declares them
    *_optimizer_settings(),
    Setting("batch_size", "int", None, "mini-batch size; 0 or none = the full batch", default_text="full batch",
            group="training", label="the batch size", low=0, nullable=True, live=True,
            page=0, page_high=100_000, example="32"),
    Setting("l1", "float", 0.0, "L1 regularisation rate on the weights",
            group="training", label="l1", low=0.0, live=True),
    Setting("l2", "float", 0.0, "L2 regularisation rate on the weights",
            group="training", label="l2", low=0.0, live=True),
    Setting("epochs", "int", 100, "epochs a run trains (for a driver: build_run itself trains none)",
            group="training", label="the number of epochs", low=0, high=MAX_EPOCHS, live=True,
            page=1000, page_low=1, page_high=100_000, example="300"),
    # the page's own
    Setting("regularization", "choice", PAGE_ONLY, "the page's penalty: none, l1 or l2, at reg_rate",
            group="training", label="regularisation", choices=("none", "l1", "l2"), live=True,
            labels={"none": "None", "l1": "L1", "l2": "L2"}, page="none"),
    Setting("reg_rate", "float", PAGE_ONLY, "the page's regularisation rate",
            group="training", label="the regularisation rate", low=0.0, high=10, live=True,
            page=0, example="0.001"),
    Setting("speed", "choice", PAGE_ONLY, "epochs a second the page trains at; 0 = as fast as it goes",
            group="training", label="speed", choices=("1", "10", "100", "0"), live=True, page="100",
            labels={"1": "1 epoch/s", "10": "10 epochs/s", "100": "100 epochs/s", "0": "As fast as it goes"}),
)

BY_NAME = {s.name: s for s in SETTINGS}
LIBRARY = tuple(s for s in SETTINGS if s.in_library)
PAGE = tuple(s for s in SETTINGS if s.on_page)
DEFAULTS = {s.name: s.default for s in LIBRARY}
PAGE_LIMITS = {"layers": 8}  # hidden layers the page can draw and edit

# The page's presets: a few instructive configurations, as page settings, and their titles.
PRESET_TITLES = {
    "circles": "Two circles (the default)", "xor-features": "XOR with the x1·x2 feature, no hidden layer",
    "spiral": "Spiral, a wider network", "vanishing": "Vanishing gradients: deep sigmoid",
    "diverging": "A learning rate that diverges", "article": "The tutorial's own experiment",
}
PRESETS = {
    "circles": {},
    "xor-features": {"dataset": "xor", "features": ["x1", "x2", "x1*x2"], "hidden": [], "activation": ["tanh"],
                     "learning_rate": 0.5, "epochs": 300},
    "spiral": {"dataset": "spiral", "hidden": [16, 16], "activation": ["tanh", "tanh"], "optimizer": "adam",
               "learning_rate": 0.03, "batch_size": 20, "noise": 0.05, "epochs": 300},
    "vanishing": {"hidden": [8] * 6, "activation": ["sigmoid"] * 6, "learning_rate": 0.5, "epochs": 2000},
    "diverging": {"dataset": "plane", "hidden": [8], "activation": ["relu"], "learning_rate": 10, "epochs": 200},
}

# The page's panels by their data-panel names (web/index.html), in page order, and the ones
# an embed shows when it names none (web/embedded.js; "trace" shows only for the article).
PANELS = {
    "trace": "the tutorial's own log (preset article only)",
    "controls": "the player: Train, Pause, Step, the epoch and the loss",
    "data": "the data set, its noise, features and test share",
    "network": "the hidden layers and activations",
    "boundary": "the decision boundary with the points",
    "training": "the optimiser, learning rate, batch size and regularisation",
    "chart": "loss and accuracy by epoch",
    "gradients": "the gradient norm of each layer by epoch",
    "backprop": "back-propagation, layer by layer",
    "derivative": "follow one derivative: one sample, one parameter, the chain rule with numbers",
    "code": "the Python source that runs",
    "activation": "your own activation: its code, its check and its plot",
    "share": "the share link and the model file",
}
DEFAULT_PANELS = ("controls", "boundary", "chart", "trace")


class ConfigError(ValueError):
    """A configuration value is wrong; ``key`` names the field."""

    def __init__(self, key, message):
        super().__init__(f"{key}: {message}")
        self.key, self.message = key, message


def check(name, value):
    """``value`` checked against the library's rules for setting ``name``, as a plain value.

    Numpy scalars are accepted; a bad value raises ``ConfigError`` saying what to pass.
    For numbers, booleans and plain choices; names with a table of their own (data sets,
    activations, losses, initialisers) are looked up there by ``config.check_config``.
    """
    s = BY_NAME[name]
    if value is None and s.nullable:
        return None
    try:
        if s.kind in ("int", "float"):
            value = number(value, None, s.low, s.high, above=s.above, below=s.below, whole=s.kind == "int")
            return None if (s.nullable and value == 0) else value
        if s.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"must be true or false, got {value!r}")
            return value
        if s.kind == "choice":
            if not isinstance(value, str) or value not in s.choices:
                raise ValueError(f"unknown {s.label} {shown(value)}; choose one of: {', '.join(s.choices)}")
            return value
    except (TypeError, ValueError) as exc:
        raise ConfigError(name, str(exc)) from None
    raise AssertionError(f"{name} ({s.kind}) is checked by config.check_config")


# ---- the page's text values: the same rules as web/state.js's parsers -----------------

def page_range(s):
    """The page's (low, high) for a number setting."""
    low = s.low if s.page_low is None else s.page_low
    return low, s.high if s.page_high is None else s.page_high


def page_choices(s):
    return s.choices if s.page_choices is None else s.page_choices


WHOLE = r"[+-]?[0-9]+"  # the page's patterns too (web/state.js): plain decimals only
DECIMAL = r"[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?"


def parse_page_value(name, text):
    """A page setting's value from its text (a link, an embed's option), or ``ConfigError``.

    The same rules as the page's parsers (``web/state.js``, built from the same table),
    so a docs build can check an embed's options before a reader ever opens the page.
    """
    s = BY_NAME.get(name) if isinstance(name, str) else None
    if s is None or not s.on_page:
        raise ConfigError(str(name), f"unknown setting; the page's settings are: {', '.join(x.name for x in PAGE)}")
    text = ",".join(map(str, text)) if isinstance(text, (list, tuple)) else str(text).strip()
    choices = page_choices(s)
    if s.kind == "choice":
        if text not in choices:
            raise ConfigError(name, f'unknown {s.label} "{text}"; choose one of: {", ".join(filter(None, choices))}')
        return text
    if s.kind in ("int", "float"):
        return _page_number(s, text, *page_range(s))
    parts = [p for p in re.split(r"[\s,]+", text) if p]
    if s.kind == "widths":
        if text.lower() == "none":
            return []
        if not parts:
            raise ConfigError(name, 'enter the hidden layer sizes, e.g. 8, 8 (or "none" for no hidden layer)')
        if len(parts) > PAGE_LIMITS["layers"]:
            raise ConfigError(name, f"use at most {PAGE_LIMITS['layers']} hidden layers")
        return [_page_number(s, p, 1, page_range(s)[1], what="a layer size") for p in parts]
    unknown = [p for p in parts if p not in choices]
    if unknown:
        raise ConfigError(name, f'unknown {s.label} "{unknown[0]}"; choose from: {", ".join(choices)}')
    if not parts:
        raise ConfigError(name, f"choose at least one {s.label}")
    return [c for c in choices if c in parts] if s.kind == "names" else parts


def parse_page_values(values):
    """``{name: text}`` (a link's settings, an embed's options) as page values, or ``ConfigError``.

    Adds the one rule between values that a link has: your own points cannot travel in it.
    """
    parsed = {name: parse_page_value(name, text) for name, text in values.items()}
    if parsed.get("dataset") == "custom":
        raise ConfigError("dataset", "your own data cannot travel in a link; pick a built-in data set")
    return parsed


def page_config(preset="circles", **values):
    """The page's whole configuration for a preset with ``values`` (page values) on top."""
    config = {s.name: s.page for s in PAGE}
    config.update(PRESETS[preset])
    config.update(values)
    acts, n = config["activation"], len(config["hidden"])
    acts = [acts] if isinstance(acts, str) else acts
    config["activation"] = [acts[min(i, len(acts) - 1)] for i in range(n)] if acts else ["tanh"] * n
    return config


def run_config(page):
    """The ``build_run`` dict for the page's settings ``page`` (page values; any left out take
    the page's defaults): the one mapping from the page to a run. The page's worker applies it
    to every configuration the page sends; the command line's presets go through it too.

    An unknown key, or an optimiser choice the page does not offer, raises ``ConfigError``;
    the values themselves are checked by ``build_run``, as those of every configuration are.
    """
    if not isinstance(page, dict):
        raise TypeError(f"the page's settings must be an object such as {{\"hidden\": [8, 8]}}, got {shown(page)}")
    unknown = [key for key in page if not (isinstance(key, str) and key in BY_NAME and BY_NAME[key].on_page)]
    if unknown:
        raise ConfigError(str(unknown[0]), f"unknown setting; the page's settings are: {', '.join(s.name for s in PAGE)}")
    chosen = page.get("optimizer", "sgd")
    if not isinstance(chosen, str) or chosen not in CHOICES:
        raise ConfigError("optimizer", f"unknown optimiser {shown(chosen)}; choose one of: {', '.join(CHOICES)}")
    page = page_config(**page)
    acts = page["activation"]
    optimizer, choice = CHOICES[page["optimizer"]]
    run = {key: page[key] for key in ("dataset", "n_samples", "noise", "seed", "test_fraction", "features",
                                      "hidden", "learning_rate", "epochs")}
    run.update(
        activation=acts[0] if acts and all(a == acts[0] for a in acts) else list(acts) or "tanh",
        optimizer=optimizer,
        batch_size=page["batch_size"] or None,
        l1=page["reg_rate"] if page["regularization"] == "l1" else 0,
        l2=page["reg_rate"] if page["regularization"] == "l2" else 0,
        **choice.sets,
    )
    if page["problem"]:
        run["problem"] = page["problem"]
    if page["dataset"] in datasets.MULTICLASS:
        run["n_classes"] = page["n_classes"]
    return run


def _page_number(s, text, low, high, what=None):
    what = what or s.label
    whole = s.kind in ("int", "widths")
    shown = text if len(text) <= 40 else text[:37] + "..."
    if not re.fullmatch(WHOLE if whole else DECIMAL, text):
        raise ConfigError(s.name, f'enter {"a whole number" if whole else "a number"} for {what}, got "{shown}"')
    if whole and len(text.lstrip("+-0")) > 18:  # beyond every range here (and int() refuses 4,300 digits)
        value = math.inf if not text.startswith("-") else -math.inf
    else:
        value = int(text) if whole else float(text)
    if s.above and value <= low:
        raise ConfigError(s.name, f"{what} must be above {low:g} (got {shown})")
    if value < low or (high is not None and value > high):
        raise ConfigError(s.name, f"{what} must be between {low:g} and {high:g} (got {shown})")
    return value


# ---- generated views of the table --------------------------------------------------------

def web_schema():
    """What the page needs of the table, as plain JSON: ``web/schema.js`` holds it."""
    settings = []
    for s in PAGE:
        low, high = page_range(s)
        entry = {"name": s.name, "kind": s.kind, "label": s.label, "default": s.page, "help": s.help,
                 "live": s.live}
        if s.kind in ("int", "float", "widths"):
            entry.update(low=low, high=high, above=s.above)
        if s.example:
            entry["example"] = s.example
        if s.kind in ("choice", "names", "activations"):
            entry["choices"] = [{"value": c, "label": s.labels.get(c, c)} for c in page_choices(s)]
        settings.append(entry)
    return {
        "settings": settings,
        "limits": {"layers": PAGE_LIMITS["layers"]},
        "datasets": {name: {"problem": datasets.PROBLEM_OF[name], "classes": name in datasets.MULTICLASS}
                     for name in datasets.DATASETS},
        "losses": {loss.name: {"label": loss.label, "problem": loss.task, "output": loss.output_activation,
                               "target": loss.target} for loss in LOSSES.values()},
        "problems": {problem: loss.name for problem, loss in FOR_PROBLEM.items()},
        "optimizers": {value: {"optimizer": name, "label": choice.label, "rule": list(choice.rule),
                               "symbols": [[h.name, h.symbol] for h in OPTIMIZERS[name].hyper if h.symbol]}
                       for value, (name, choice) in CHOICES.items()},
        "presets": PRESETS,
        "presetTitles": PRESET_TITLES,
        "panels": {"names": list(PANELS), "default": list(DEFAULT_PANELS)},
    }


def web_module():
    """``web/schema.js``: the page's copy of the table, generated, never edited by hand."""
    body = json.dumps(web_schema(), indent=1, ensure_ascii=False)
    return (
        "// Generated by `python -m py_mlp web-schema web/schema.js` from py_mlp/app/settings.py;\n"
        "// do not edit: change the table there and run that command.\n"
        f"export const SCHEMA = Object.freeze({body});\n"
    )


def default_text(s):
    """The library default in words: ``8,8``, ``0.1``, ``false``, or what None means."""
    if s.default is None:
        return s.default_text or "none"
    return ",".join(map(str, s.default)) if isinstance(s.default, list) else json.dumps(s.default).strip('"')


def _plain(bound):
    if isinstance(bound, int) and bound > 10**12 and (bound + 1).bit_length() - 1 == bound.bit_length():
        return f"2**{bound.bit_length()} - 1"
    return f"{bound:,}" if isinstance(bound, int) else f"{bound:g}"


def _range_text(s, page=False):
    if s.kind in ("int", "float"):
        low, high = page_range(s) if page else (s.low, s.high)
        low = f"> {_plain(low)}" if s.above else _plain(low)
        if high is None:
            return low if s.above else f"{low} or more"
        return f"{low} .. {_plain(high)}" + (" (excluded)" if s.below else "")
    if s.kind == "widths":
        layers = PAGE_LIMITS["layers"] if page else MAX_LAYERS - 1
        return f"{layers} layers at most, {s.low} .. {page_range(s)[1] if page else s.high} each; `none`"
    if s.kind == "bool":
        return "true, false"
    return ", ".join(f"`{c}`" for c in (page_choices(s) if page else s.choices) if c)


def _page_default(s):
    value = s.page
    if isinstance(value, list):
        return ",".join(map(str, value)) or "none"
    return str(value) if value != "" else "from the data"


# The docs' two tables (docs/guide/settings.rst) sit between these reST comments, each as a
# ``markdown-table`` directive (docs/_ext/site_assets.py); tests/test_settings_schema.py compares them.
DOCS_MARKERS = {
    "library": (".. settings table: made by py_mlp.app.settings.markdown_table()", ".. end of settings table"),
    "page": (".. page settings: made by py_mlp.app.settings.markdown_table('page')", ".. end of page settings"),
}


def markdown_table(which="library"):
    """The table of the library's settings (``build_run``'s keys and the CLI's options),
    or with ``"page"`` of the page's (a share link's keys, an embed's options), in Markdown."""
    if which == "page":
        rows = ["| key | default | values | changes live | meaning |", "|---|---|---|---|---|"]
        for s in PAGE:
            rows.append(f"| `{s.name}` | {_page_default(s)} | {_range_text(s, page=True)} | "
                        f"{'yes' if s.live else ''} | {s.help} |")
        return "\n".join(rows) + "\n"
    rows = ["| key | option | default | values | meaning |", "|---|---|---|---|---|"]
    for s in LIBRARY:
        option = "--" + (s.cli or s.name).replace("_", "-")
        rows.append(f"| `{s.name}` | `{option}` | {default_text(s)} | {_range_text(s)} | {s.help} |")
    return "\n".join(rows) + "\n"


def docs_table(which="library"):
    """What the docs hold between a table's markers: the table in a ``markdown-table`` directive."""
    body = "".join(f"   {row}\n" for row in markdown_table(which).splitlines())
    return f"\n.. markdown-table::\n\n{body}\n"


def with_docs_tables(text):
    """The docs page's text with both settings tables made anew between their markers."""
    for which, (start, end) in DOCS_MARKERS.items():
        a, b = text.index(start) + len(start) + 1, text.index(end)
        text = text[:a] + docs_table(which) + text[b:]
    return text
