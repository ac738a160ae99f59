"""Issue 9, "nothing a reader does breaks the page": every reproduction, as a fixed corpus.

Each case once broke something (a non-finite number reached the page, an exception other
than ValueError escaped, a message blamed the wrong thing, or memory ran out); each must
now be refused with a message that says what to do, or train and stop cleanly.
The property-based versions of these checks live in ``tests/fuzz``.
"""

import json
import math

import numpy as np
import pytest

from py_mlp import SGD, Adam, MLP, Trainer, build_run, csvdata, datasets, jsonsafe, serialization, settings
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
