"""Issues 9 and 21, "nothing a reader does breaks the page": every reproduction on CPython,
as a fixed corpus, grouped by surface.

Each case once broke something (a non-finite number reached the page, an exception other
than ValueError escaped, a message blamed the wrong thing, memory ran out, the reader's
own code killed the worker or changed how later code is judged, a docs setting became
script, a slow client held a thread); each must now be refused with a message that says
what to do, or train and stop cleanly. Issue 21's browser reproductions (the page on a
static host without headers) are tests/e2e/test_hostile_static.py; the property-based
versions of the issue 9 checks live in ``tests/fuzz``.
"""

import hashlib
import importlib.util
import io
import json
import math
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from py_mlp import (SGD, Adam, MLP, Trainer, activations, build_run, csvdata, datasets, jsonsafe, serialization,
                    settings)
from py_mlp.docs_plugins import embed as docs_embed
from py_mlp.cli import main
from py_mlp.app.config import ConfigError
from py_mlp.training import TrainingDiverged

# The page's defaults, as the page hands them to build_run.
PAGE = settings.run_config(settings.page_config())


def _finite(record):
    numbers = [v for k, v in record.items() if k != "grad_norms"] + list(record["grad_norms"])
    return all(math.isfinite(v) for v in numbers)


def _plot_corners(run):
    """The network's inputs at the corners and edge midpoints of the plotted square."""
    e = run.extent()
    return run.inputs(np.array([[x, y] for x in (-e, 0.0, e) for y in (-e, 0.0, e)]))


# ---------------------------------------------------------------- 1. non-finite numbers

DIVERGING = {
    "huge learning rate": ({"learning_rate": 1e100}, 5),
    "page: plane at learning rate 10": ({**PAGE, "dataset": "plane", "learning_rate": 10}, 3000),
    "page: plane, 64x3 identity, rate 10": (
        {**PAGE, "dataset": "plane", "learning_rate": 10, "hidden": [64, 64, 64], "activation": "identity"}, 3000),
    "same, no test set": (
        {**PAGE, "dataset": "plane", "learning_rate": 10, "hidden": [64, 64, 64], "activation": "identity",
         "test_fraction": 0.0}, 3000),
}


@pytest.mark.parametrize("case", list(DIVERGING))
def test_divergence_stops_before_any_non_finite_number_is_reported(case):
    config, epochs = DIVERGING[case]
    run = build_run(config)
    corners = _plot_corners(run)
    with pytest.raises(TrainingDiverged, match="Lower the learning rate") as info:
        for _ in range(epochs):
            record = run.trainer.train_epoch()
            assert _finite(record), record
            assert np.all(np.isfinite(run.model.predict(corners))), f"the heatmap would hold NaN at {record}"
    assert "became" in str(info.value) or "overflow" in str(info.value)
    # The model kept is the last one reported: finite, and its outputs too.
    assert all(np.all(np.isfinite(p)) for p in run.model.params)
    assert np.all(np.isfinite(run.model.predict(corners)))
    assert len(run.trainer.history) == run.trainer.epoch


def test_json_without_nan_or_infinity():
    text = jsonsafe.dumps({"a": [1.0, math.nan, -math.inf], "b": np.float32(np.inf), "c": np.array([0.5, np.nan]),
                           "d": np.int64(3), "e": (math.inf, "x")})
    assert json.loads(text) == {"a": [1.0, None, None], "b": None, "c": [0.5, None], "d": 3, "e": [None, "x"]}
    assert "NaN" not in text and "Infinity" not in text


# ---------------------------------------------------------------- 4. hostile model files

def _good_doc():
    model = MLP([2, 3, 1], seed=0)
    return json.loads(serialization.to_json(model, Adam(0.01)))


def _with(**changes):
    return json.dumps({**_good_doc(), **changes})


HOSTILE_FILES = {
    "extra is a number": _with(extra=1),
    "extra is text": _with(extra="notes"),
    "extra is a list": _with(extra=[1, 2]),
    "20,000 nested lists": "[" * 20_000,
    "100,000 nested lists": "[" * 100_000 + "]" * 100_000,
    "nested objects": '{"a":' * 50_000,
    "deep extra in a valid file": _with(extra={"deep": json.loads("[" * 500 + "]" * 500)}),
    "optimiser name is a list": json.dumps({**_good_doc(), "optimizer": {"name": ["adam"], "lr": 0.1}}),
    "a key sgd does not have": _with(optimizer={"name": "sgd", "lr": 0.1, "velocities": 5}),
    "adam step count beyond any run": _with(optimizer={**_good_doc()["optimizer"], "t": 10**30}),
    "infinity in extra": _with(extra={}).replace('"extra": {}', '"extra": {"x": 1e999}'),
    "unknown top-level key": _with(weigths=[]),
}


@pytest.mark.parametrize("case", list(HOSTILE_FILES))
def test_hostile_model_files_are_a_value_error(case):
    with pytest.raises(ValueError) as info:
        serialization.from_json(HOSTILE_FILES[case])
    assert type(info.value) is ValueError and len(str(info.value)) > 20


def test_model_files_larger_than_the_limit_are_refused_before_parsing():
    text = json.dumps(_good_doc()) + " " * serialization.MAX_MODEL_BYTES
    with pytest.raises(ValueError, match="larger than"):
        serialization.from_json(text)


# ---------------------------------------------------------------- 6. numbers in data

CSV_CASES = [
    ("1e308,1e308,0\n0,0,1\n", "line 1"),
    ("0,0,1\n5,-2e7,0\n", "line 2, column 2"),
    ("0,0,1\n1_000,0,0\n", "line 2, column 1"),
    ("0,0,1\n\u0661,0,0\n", "line 2, column 1"),      # Arabic-Indic one
    ("0,0,1\n0,\uff11,0\n", "line 2, column 2"),      # full-width one
    ("0,0,1.5\n0,0,1e300\n", "line 2, column 3"),     # a regression target too large
    ("0,0,1\n" + "1" * 200_000 + ",0,0\n", "line 2"),  # a cell beyond the csv module's limit
]


@pytest.mark.parametrize("text, fragment", CSV_CASES, ids=[f"csv-{i}" for i in range(len(CSV_CASES))])
def test_csv_numbers_are_plain_decimals_within_bounds(text, fragment):
    with pytest.raises(ValueError) as info:
        csvdata.parse_csv(text)
    assert fragment in str(info.value)


@pytest.mark.parametrize("points, y", [
    (np.array([[1e308, 0.0], [0.0, 0.0]]), np.array([0, 1])),
    (np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([0.5, 2e6])),
    ([["a", "b"], ["c", "d"]], [0, 1]),
    ([[0.0, 0.0], [1.0]], [0, 1]),
])
def test_custom_data_out_of_bounds_or_not_numbers_names_the_data(points, y):
    with pytest.raises(ConfigError) as info:
        build_run({"dataset": "custom"}, data=(points, y))
    assert info.value.key == "data"


# ---------------------------------------------------------------- 7. memory bombs

@pytest.mark.parametrize("config, key", [
    ({"hidden": [4096] * 63}, "hidden"),
    ({"hidden": [2048, 2048]}, "hidden"),
    ({"hidden": [4096, 4096, 4096], "n_samples": 100_000}, "hidden"),
    ({"hidden": [512], "n_samples": 100_000}, "n_samples"),
])
def test_networks_too_big_for_memory_are_refused_by_field(config, key):
    with pytest.raises(ConfigError) as info:
        build_run(config)
    assert info.value.key == key and "at most" in info.value.message


def test_cli_refuses_a_memory_bomb(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--hidden", "4096,4096,4096", "--samples", "100000", "--epochs", "1"])
    assert info.value.code == 2
    assert "--hidden:" in capsys.readouterr().err


# ---------------------------------------------------------------- 10. messages that blame the wrong thing

@pytest.mark.parametrize("config, key", [
    ({"hidden": [1] * 65}, "hidden"),
    ({"noise": 1e308}, "noise"),
    ({"noise": 10**400}, "noise"),
    ({"learning_rate": 10**400}, "learning_rate"),
    ({1: 2, "a": 3}, "1"),
])
def test_config_errors_name_their_field(config, key):
    with pytest.raises(ConfigError) as info:
        build_run(config)
    assert str(info.value.key) == key


def test_cli_config_nested_too_deeply_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(SystemExit) as info:
        main(["train", "--config", str(path)])
    assert info.value.code == 2
    assert "--config" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--metrics-csv", "--save-model"])
def test_cli_write_errors_name_the_path_and_the_reason(option, capsys):
    code = main(["train", "--samples", "20", "--epochs", "1", "--no-progress", option, "/dev/full"])
    err = capsys.readouterr().err
    assert code == 1
    assert "/dev/full" in err and "No space left" in err and "None" not in err


# ---------------------------------------------------------------- numpy scalars are numbers

@pytest.mark.parametrize("make", [
    lambda: datasets.circles(n_samples=10, noise=np.float32(0.1)),
    lambda: datasets.train_test_split(np.zeros((10, 2)), np.zeros(10), test_fraction=np.float32(0.2)),
    lambda: SGD(np.int64(1)),
    lambda: datasets.spiral(n_samples=10, noise=np.float16(0.1)),
    lambda: Adam(np.float32(0.01), beta1=np.float32(0.9), eps=np.float32(1e-8)),
    lambda: MLP([np.int64(2), np.int32(3), 1]),
    lambda: Trainer(MLP([2, 1]), np.zeros((4, 2)), np.zeros(4), batch_size=np.int64(2),
                    l1=np.float32(0.1)).run(np.int64(1)),
], ids=["noise float32", "test_fraction float32", "lr int64", "noise float16", "adam float32", "sizes int64",
        "trainer settings"])
def test_numpy_scalars_are_accepted_as_numbers(make):
    make()


# ================================================================ issue 21
# The page's worker (web/worker.py, run here on CPython as test_worker.py does), the reader's
# own code in it, the files and requests the page hands it; then the docs plugins and serve.py.

WORKER = Path(__file__).resolve().parents[1] / "web" / "worker.py"
SOFTPLUS = "def f(z):\n    return np.logaddexp(0, z)\n\ndef df(z, a):\n    return 1 / (1 + np.exp(-z))\n"
WRONG = SOFTPLUS.replace("1 / (1 + np.exp(-z))", "1 / (1 + np.exp(z))")  # sigmoid(-z): wrong but at 0


@pytest.fixture
def worker(monkeypatch):
    """A fresh web/worker.py, registered as py_mlp_worker as the page's Pyodide has it."""
    spec = importlib.util.spec_from_file_location("py_mlp_worker", WORKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, "py_mlp_worker", module)
    yield module
    activations.ACTIVATIONS.pop("custom", None)


def undo_patches():
    """A function that puts back whatever hostile code rebinds in the modules the judges read
    (and in py_mlp's classes), fix or no fix, before pytest itself uses them again."""
    names = ("builtins", "json", "math", "numpy", "py_mlp")
    saved = {name: dict(vars(mod)) for name, mod in list(sys.modules.items()) if name.split(".")[0] in names}
    classes = {cls: dict(vars(cls)) for mod in list(sys.modules.values()) if mod.__name__.startswith("py_mlp.")
               for cls in vars(mod).values() if isinstance(cls, type) and cls.__module__ == mod.__name__}

    def undo():
        for name, items in saved.items():
            namespace = vars(sys.modules[name])
            for key in set(namespace) - set(items):
                del namespace[key]
            namespace.update(items)
        for cls, items in classes.items():
            for key in set(vars(cls)) - set(items):
                delattr(cls, key)
            for key, value in items.items():
                if key not in ("__dict__", "__weakref__") and vars(cls).get(key) is not value:
                    setattr(cls, key, value)

    return undo


def said(text):
    """A worker answer as the page reads it: JSON without NaN or Infinity, ok or an error."""
    assert "NaN" not in text and "Infinity" not in text
    answer = json.loads(text)
    assert isinstance(answer, dict) and isinstance(answer["ok"], bool)
    if not answer["ok"]:
        assert isinstance(answer["error"], str) and len(answer["error"]) <= 600, answer["error"][:200]
    return answer


def set_up(worker, **config):
    answer = said(worker.setup(json.dumps({"n_samples": 200, "test_fraction": 0.2, "hidden": [4], **config})))
    assert answer["ok"], answer
    return answer


# ---- 5. BaseException from the reader's code is a message like any other error

def _df_raising(statement):
    return SOFTPLUS.replace("    return 1 / (1 + np.exp(-z))", f"    {statement}\n    return 1 / (1 + np.exp(-z))")


BASE_EXCEPTIONS = {
    "sys.exit at import": ("import sys\nsys.exit(0)\n", "SystemExit"),
    "sys.exit in df": ("import sys\n" + _df_raising("sys.exit(3)"), "SystemExit"),
    "KeyboardInterrupt": ("raise KeyboardInterrupt\n", "KeyboardInterrupt"),
    "BaseException in f": (SOFTPLUS.replace("    return np.logaddexp(0, z)", "    raise BaseException('no')"),
                           "BaseException"),
    "GeneratorExit": ("raise GeneratorExit\n", "GeneratorExit"),
    "__array__ raises BaseException": (
        "class Odd:\n    def __array__(self, *args, **kwargs):\n        raise BaseException('odd')\n\n"
        "def f(z):\n    return Odd()\n\ndef df(z, a):\n    return z\n", "BaseException"),
}


@pytest.mark.parametrize("case", list(BASE_EXCEPTIONS))
def test_a_base_exception_from_the_readers_code_is_a_message_and_the_worker_trains_on(worker, case):
    code, kind = BASE_EXCEPTIONS[case]
    set_up(worker)
    answer = said(worker.check_code(code))
    assert not answer["ok"] and answer["field"] == "code" and kind in answer["error"], answer
    assert said(worker.train(3, 10_000))["epoch"] == [1, 2, 3]


def test_an_activation_in_use_that_raises_later_is_answered_as_its_fault(worker):
    """6: it passes the check on small arrays, then raises (an Exception or a BaseException)
    on a batch of over 40 rows: an answer that says so, not a traceback out of the worker."""
    for statement in ("raise ValueError('too many rows')", "raise SystemExit(2)"):
        code = SOFTPLUS.replace("    return np.logaddexp(0, z)",
                                f"    if z.shape[0] > 40:\n        {statement}\n    return np.logaddexp(0, z)")
        assert said(worker.check_code(code))["passed"]
        assert said(worker.use_code(code))["ok"]
        set_up(worker, activation="custom")
        answer = said(worker.train(1, 10_000))
        assert not answer["ok"] and answer["fault"] == "code" and answer["field"] == "code", answer
        assert statement.split("(")[0].split()[-1] in answer["error"] and "line 3 of your code" in answer["error"]
        assert said(worker.snapshot(16))["fault"] == "code"  # every call that runs it


# ---- 4. the reader's code cannot change how later code is judged

PATCHING = """
import builtins, json, sys
import numpy
import py_mlp.gradient_check, py_mlp.activations, py_mlp.model, py_mlp.jsonsafe

judge = sys.modules["py_mlp_worker"]
passed = {"z": [0.0], "f": [0.0], "df": [0.0], "numeric": [0.0], "errors": [0.0], "error": 0.0, "worst_z": 0.0,
          "corners": [], "tolerance": 1e-5, "h": 1e-3, "pointwise_passed": True, "passed": True,
          "network": {"error": 0.0, "floor": 0.0, "checked": 1, "skipped": 0, "passed": True}}
judge.check_activation = lambda *args, **kwargs: dict(passed)
judge._read_code = lambda code: (lambda z: z, lambda z, a: numpy.ones_like(z))
py_mlp.gradient_check.check_activation = judge.check_activation
py_mlp.gradient_check.check_gradients = lambda *args, **kwargs: dict(passed["network"])
py_mlp.activations.call_checked = lambda label, call, z: numpy.zeros(z.shape)
py_mlp.model.MLP.forward = lambda self, X: numpy.zeros((len(X), self.sizes[-1]))
numpy.abs = lambda x: x * 0
numpy.linspace = lambda *args, **kwargs: numpy.zeros(3)
builtins.max = lambda *args, **kwargs: 0.0
json.dumps = lambda *args, **kwargs: '{"ok": true, "passed": true}'

def f(z):
    return z

def df(z, a):
    return numpy.ones_like(z)
"""


def test_code_that_patches_the_judges_cannot_make_later_code_pass(worker):
    undo = undo_patches()
    try:  # the answers are read after the undo, so that pytest never runs patched code itself
        answers = [worker.check_code(PATCHING), worker.check_code(WRONG), worker.check_code(SOFTPLUS),
                   worker.setup(json.dumps({"n_samples": 200, "hidden": [4]})), worker.train(5, 10_000)]
    finally:
        undo()
    _, wrong, right, built, trained = (json.loads(text) for text in answers)
    assert wrong["ok"] and not wrong["passed"] and wrong["error"] > wrong["tolerance"], wrong
    assert right["ok"] and right["passed"] and right["error"] < right["tolerance"]
    assert built["ok"] and trained["loss"][-1] > 0  # and training is training again


# ---- 12. a NUL byte and an enormous message

def test_a_nul_byte_is_named_with_its_line_and_a_huge_message_is_cut(worker):
    answer = said(worker.check_code("def f(z):\n    return z\0\n"))
    assert not answer["ok"] and "line 2" in answer["error"] and "None" not in answer["error"], answer
    assert answer["line"] == 2
    answer = said(worker.check_code("raise ValueError('x' * 1_000_000)\n"))
    assert not answer["ok"] and "ValueError" in answer["error"] and "cut" in answer["error"]


# ---- 13. too few points for the test share: refused at upload, the data kept

def test_a_csv_too_small_for_the_test_share_is_refused_naming_the_minimum(worker):
    kept = "x1,x2,label\n" + "".join(f"{i / 10},{i / 20},{i % 2}\n" for i in range(10))
    config = json.dumps(settings.page_config())  # the page's settings, as it sends them: test share 0.2
    assert said(worker.set_data(kept, config))["ok"]
    before = worker._state["custom"]
    answer = said(worker.set_data("x1,x2,label\n0,0,0\n1,1,1\n", config))
    assert not answer["ok"] and answer["field"] == "csv", answer
    assert "2 points" in answer["error"] and "at least 3" in answer["error"] and "test share" in answer["error"]
    assert worker._state["custom"] is before
    with pytest.raises(ConfigError) as info:  # and the library names the setting in words too
        build_run({"dataset": "custom", "test_fraction": 0.2}, data=(np.zeros((2, 2)), np.array([0, 1])))
    assert info.value.key == "test_fraction" and "at least 3 points" in info.value.message


# ---- 14. model files: true is not a number; another activation of your own is not this one

def test_true_or_false_as_a_weight_is_refused():
    doc = _good_doc()
    doc["weights"][0][0][0] = True
    with pytest.raises(ValueError, match="true/false"):
        serialization.from_json(json.dumps(doc))
    doc = _good_doc()
    doc["biases"][1][0] = False
    with pytest.raises(ValueError, match="true/false"):
        serialization.from_json(json.dumps(doc))


def test_a_model_trained_with_another_activation_of_your_own_is_refused(worker):
    assert said(worker.check_code(SOFTPLUS))["passed"] and said(worker.use_code(SOFTPLUS))["ok"]
    set_up(worker, activation="custom")
    said(worker.train(5, 10_000))
    saved = said(worker.model_json())["text"]
    assert said(worker.load_model(saved))["ok"]  # the same code: loads
    other = SOFTPLUS + "\n# another version\n"
    assert said(worker.check_code(other))["passed"] and said(worker.use_code(other))["ok"]
    set_up(worker, activation="custom")
    answer = said(worker.load_model(saved))
    assert not answer["ok"] and answer["field"] == "model" and "another activation of your own" in answer["error"]


# ---- 17. requests nested too deeply are an answer, not a crash

@pytest.mark.parametrize("call", ["explain", "setup", "update", "restore_points"])
def test_page_requests_nested_100000_deep_get_an_error_answer(worker, call):
    set_up(worker)
    answer = said(getattr(worker, call)("[" * 100_000 + "]" * 100_000))
    assert not answer["ok"] and "nest" in answer["error"], answer


# ---- the docs plugins (3, 8, 15)

@pytest.mark.parametrize("value", [
    'http://127.0.0.1:9/mlp" onerror="alert(1)"', "https://example.org/mlp/<script>/", "https://example.org/a b/",
    "data:text/javascript,alert(1)", "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
    "vbscript:msgbox(1)", "py-mlp/%2e%2e/", "py-mlp/..%2f", "py-mlp/.hidden/", "a b/", "py-mlp/<x>/",
    "https://user:pass@example.org/mlp/", "https://example.org:port/mlp/",
])
def test_the_docs_app_setting_is_an_http_url_or_a_plain_folder(value):
    with pytest.raises(docs_embed.AppError, match="app"):
        docs_embed.app_location(value, "app")


def test_mkdocs_refuses_a_script_url_as_the_app(tmp_path):
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.exceptions import PluginError

    from py_mlp.docs_plugins.mkdocs_plugin import PyMlpPlugin

    config = MkDocsConfig(config_file_path=str(tmp_path / "mkdocs.yml"))
    (tmp_path / "docs").mkdir()
    config.load_dict({"site_name": "t", "site_dir": str(tmp_path / "site"), "docs_dir": "docs"})
    config.validate()
    plugin = PyMlpPlugin()
    plugin.load_config({"app": "data:text/javascript,alert(1)"}, str(tmp_path / "mkdocs.yml"))
    with pytest.raises(PluginError, match="app"):
        plugin.on_config(config)


@pytest.mark.parametrize("option", ["height", "seed", "hidden", "n_samples", "epochs"])
def test_an_embed_option_of_5000_digits_is_a_problem_not_a_traceback(option):
    _, problems = docs_embed.check_embed({option: "9" * 5000})
    assert [p.option for p in problems] == [option] and len(problems[0].message) < 300


def small_layout(folder):
    """A tiny app as py_mlp.server lays it out: web files, 20 pinned "runtime" files, a wheel."""
    from py_mlp.server.locations import Layout

    layout = Layout(folder / "web", folder / "runtime", folder / "wheels")
    for path in (layout.web, layout.runtime, layout.wheels):
        path.mkdir(parents=True)
    (layout.web / "index.html").write_bytes(b"<p>the app")
    entries = []
    for i in range(20):
        data = f"runtime file {i}".encode()
        (layout.runtime / f"f{i:02}.js").write_bytes(data)
        entries.append({"name": f"f{i:02}.js", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    (layout.web / "runtime-manifest.json").write_text(json.dumps({"pyodide_version": "0", "files": entries}))
    wheel = b"not really a wheel"
    (layout.wheels / "py_mlp-0-py3-none-any.whl").write_bytes(wheel)
    (layout.wheels / "index.json").write_text(json.dumps({"wheel": "py_mlp-0-py3-none-any.whl",
                                                          "sha256": hashlib.sha256(wheel).hexdigest()}))
    return layout


def test_a_half_written_app_in_the_docs_blocks_no_later_build(tmp_path, monkeypatch):
    """8: a damaged source is refused before anything is written; a write that fails half-way
    (a full disk, at the 14th file) leaves the folder marked as the app's, so the next build
    goes ahead and ends with exactly the app."""
    from py_mlp.server import static_site
    from py_mlp.server.files import SetupError

    layout = small_layout(tmp_path)
    dest = tmp_path / "site" / "py-mlp"
    (layout.runtime / "f13.js").write_bytes(b"runtime file XX")  # the pinned size, other bytes
    with pytest.raises(SetupError, match="f13.js has sha256"):
        static_site.build_site(dest, layout, stream=io.StringIO())
    assert not dest.exists()
    (layout.runtime / "f13.js").write_bytes(b"runtime file 13")

    real_copy, copied = static_site._copy_file, []

    def fails_at_the_14th(src, out, digest):
        if len(copied) == 13:
            raise OSError(28, "No space left on device")
        copied.append(src)
        return real_copy(src, out, digest)

    monkeypatch.setattr(static_site, "_copy_file", fails_at_the_14th)
    with pytest.raises(SetupError, match="No space left"):
        static_site.build_site(dest, layout, stream=io.StringIO())
    monkeypatch.undo()
    record = static_site.build_site(dest, layout, stream=io.StringIO())
    on_disk = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}
    assert on_disk == {f["name"] for f in record["files"]} | {static_site.BUILD_RECORD}


@pytest.mark.parametrize("record", [
    {"files": [{"name": 5}]},
    {"files": [{"name": ["index.html"]}]},
    {"files": [{"name": {"a": 1}, "size": "3"}]},
    {"files": [1, "x", None]},
    {"files": {"name": "index.html"}},
    [],
    "[" * 100_000 + "]" * 100_000,
    "{not json",
], ids=["name-number", "name-list", "name-object", "entries-not-objects", "files-object", "a-list",
        "nested-100000", "not-json"])
def test_a_broken_record_in_the_docs_output_is_a_message_that_says_to_delete_it(tmp_path, monkeypatch, record):
    """15: whatever the record of an earlier build holds, the docs build gets one line that
    says what to do (delete that folder), never a traceback nor "build the app again"."""
    from py_mlp.server import command
    from py_mlp.server.locations import Layout

    layout = small_layout(tmp_path)
    monkeypatch.setattr(Layout, "default", classmethod(lambda cls, *args, **kwargs: layout))
    monkeypatch.setattr(command, "set_up", lambda *args, **kwargs: None)
    dest = tmp_path / "site" / "py-mlp"
    dest.mkdir(parents=True)
    (dest / "py-mlp-build.json").write_text(record if isinstance(record, str) else json.dumps(record))
    try:
        docs_embed.install_app(dest, inside=tmp_path / "site")
    except docs_embed.AppError as e:
        message = str(e)
        assert "\n" not in message and f"Delete the folder {dest}" in message and "setup" not in message
    assert not (dest / "index.html").exists() or json.loads((dest / "py-mlp-build.json").read_text())["files"]


def test_links_cannot_take_the_app_out_of_the_docs_output(tmp_path, monkeypatch):
    """15: a folder of the app in the output that is a link, or the app's folder itself a
    link to outside the output: refused, and nothing is written outside."""
    from py_mlp.server import command
    from py_mlp.server.locations import Layout

    layout = small_layout(tmp_path)
    monkeypatch.setattr(Layout, "default", classmethod(lambda cls, *args, **kwargs: layout))
    monkeypatch.setattr(command, "set_up", lambda *args, **kwargs: None)
    outside = tmp_path / "outside"
    outside.mkdir()
    site = tmp_path / "site"
    docs_embed.install_app(site / "py-mlp", inside=site)
    shutil.rmtree(site / "py-mlp" / "runtime")
    (site / "py-mlp" / "runtime").symlink_to(outside, target_is_directory=True)
    with pytest.raises(docs_embed.AppError, match="link"):
        docs_embed.install_app(site / "py-mlp", inside=site)
    (site / "elsewhere").symlink_to(outside, target_is_directory=True)
    with pytest.raises(docs_embed.AppError, match="outside the docs' output"):
        docs_embed.install_app(site / "elsewhere", inside=site)
    assert list(outside.iterdir()) == []


# ---- serve.py (10)

def test_a_client_trickling_its_headers_is_cut_off_at_the_request_deadline(tmp_path, monkeypatch):
    """Slowloris: a header byte every 0.2 s never lets a read time out (2 s here), but the
    request line and headers together get 1 s (a short deadline, by configuration)."""
    import http.client
    import select
    import socket
    import time

    import support
    from py_mlp.server import http_server
    from py_mlp.server.locations import Layout

    monkeypatch.setattr(http_server, "REQUEST_DEADLINE", 1.0, raising=False)
    (tmp_path / "index.html").write_bytes(b"<p>")
    layout = Layout.one_folder(tmp_path)
    with support.in_thread(http_server.make_server(layout, port=0, quiet=True, timeout=2)) as server:
        with socket.create_connection(server.server_address[:2], timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            start = time.monotonic()
            while time.monotonic() - start < 4:
                if select.select([sock], [], [], 0.2)[0]:  # readable: the server closed it
                    break
                sock.sendall(b"x")
            held = time.monotonic() - start
            assert sock.recv(100) == b"", "the server answered a request that never ended"
        assert 0.9 <= held < 3.5, f"the connection was held {held:.1f} s"  # without a deadline: all 4 s
        # A request sent at once is answered, twice on one connection (the deadline is per request).
        connection = http.client.HTTPConnection(*server.server_address[:2], timeout=5)
        for _ in range(2):
            connection.request("GET", "/index.html")
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, b"<p>")
        connection.close()
