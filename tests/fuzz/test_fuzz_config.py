"""Any configuration dict: refused by field, or a run whose short training stays finite.

Property: ``build_run(config, data)`` raises ``ConfigError`` naming a known field (or the
unknown key), or gives a run whose first epochs each return a record of finite numbers,
with finite outputs over the plotted square, or stop with ``TrainingDiverged`` keeping a
finite model. Any other exception fails. Values are drawn per key from plausible ones
and from hostile ones (wrong kinds, huge, NaN, numpy scalars, 400-digit integers).
"""

import math

import numpy as np
from hypothesis import event, given
from hypothesis import strategies as st

from py_mlp import build_run, datasets
from py_mlp.activations import HIDDEN_ACTIVATIONS
from py_mlp.app.config import DEFAULTS, PROBLEMS, ConfigError
from py_mlp.initializers import INITIALIZERS
from py_mlp.losses import ALIASES, LOSSES
from py_mlp.optimizers import OPTIMIZERS
from py_mlp.training import TrainingDiverged

EPOCHS = 3
MAX_STEPS = 40  # per epoch: a tiny batch on many points is slow, and no more revealing

ODD = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=6),
    st.lists(st.integers(-2, 9), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from([np.float32(0.1), np.int64(3), np.float64("nan"), np.uint8(7), 10**400, -(10**30), 1e308,
                     -1e-320, np.array([1.0])]),
)


def _names(*names):
    return st.sampled_from(sorted({*names}, key=str))


VALID = {
    "dataset": _names(*datasets.DATASETS, "custom"),
    "n_samples": st.integers(2, 300),
    "noise": st.floats(0, 2),
    "seed": st.integers(0, 2**63 - 1),
    "n_classes": st.integers(2, 10),
    "test_fraction": st.floats(0, 0.9),
    "features": st.lists(_names(*datasets.FEATURES), min_size=1, max_size=7, unique=True),
    "hidden": st.one_of(st.lists(st.integers(1, 64), max_size=4), st.lists(st.integers(1, 4096), max_size=2)),
    "activation": st.one_of(_names(*HIDDEN_ACTIVATIONS), st.lists(_names(*HIDDEN_ACTIVATIONS), max_size=4)),
    "problem": _names(*PROBLEMS, None),
    "loss": _names(*LOSSES, *ALIASES, None),
    "optimizer": _names(*OPTIMIZERS),
    "learning_rate": st.one_of(st.floats(1e-4, 1e4), st.sampled_from([1e100, 1e308])),
    "batch_size": st.one_of(st.none(), st.integers(0, 64)),
    "l1": st.one_of(st.floats(0, 1), st.sampled_from([10.0, 1e308])),
    "l2": st.one_of(st.floats(0, 1), st.sampled_from([10.0, 1e308])),
    "init": _names(*INITIALIZERS, None),
    "epochs": st.integers(0, 10),
}
# Values of the right kind but out of range or unknown; any key may also get an ODD one.
INVALID = {
    "dataset": st.just("rings"),
    "n_samples": st.sampled_from([0, 1, 100_001, 10**400]),
    "noise": st.sampled_from([10.5, -0.1, 1e308]),
    "n_classes": st.sampled_from([1, 11]),
    "test_fraction": st.sampled_from([1e-6, 1.0, -0.5]),
    "features": st.sampled_from([[], ["x3"], ["x1", "x1"]]),
    "hidden": st.sampled_from([[0], [4097], [4096] * 63, [1] * 65, [2048, 2048]]),
    "activation": _names("softmax", "gelu"),
    "problem": st.just("ranking"),
    "loss": st.just("hinge"),
    "optimizer": st.just("lbfgs"),
    "learning_rate": st.sampled_from([0.0, -1.0, 10**400]),
    "batch_size": st.sampled_from([-1, 2.5]),
    "l1": st.sampled_from([-1.0, 10**400]),
    "l2": st.sampled_from([-1.0, float("inf")]),
    "init": st.just("lecun"),
    "epochs": st.sampled_from([-1, 10**7]),
}
# Every optimiser's other hyper-parameters, from their declarations: in range, and just outside.
for _h in {h.key: h for cls in OPTIMIZERS.values() for h in cls.hyper}.values():
    if _h.switch:
        VALID.setdefault(_h.key, st.booleans())
        continue
    VALID.setdefault(_h.key, st.floats(_h.low, _h.high if _h.high is not None else 1e4,
                                       exclude_min=_h.above, exclude_max=_h.below))
    INVALID.setdefault(_h.key, st.sampled_from([_h.low - 0.1, 10**400, *([_h.high + 0.1] if _h.high else [])]))
assert set(VALID) == set(DEFAULTS) and set(INVALID) <= set(DEFAULTS)

COORDINATES = st.one_of(st.floats(-3, 3), st.floats(-3, 3), st.sampled_from([1e6, -1e6, 1e7, 1e308, math.nan]))
LABELS = st.one_of(st.integers(0, 3), st.integers(0, 3), st.floats(-2, 2), st.sampled_from([11, -1, 1e9]))
POINTS = st.integers(0, 60).flatmap(lambda n: st.tuples(
    st.lists(st.lists(COORDINATES, min_size=2, max_size=2), min_size=n, max_size=n),
    st.lists(LABELS, min_size=n, max_size=n),
))
ODD_DATA = st.sampled_from([([["a", "b"], ["c", "d"]], [0, 1]), ([[0.0, 0.0], [1.0]], [0, 1]), "points",
                            (1, 2, 3, 4), ([[0.0, 0.0], [1.0, 1.0]], [0.5, 1e7])])


@st.composite
def runs(draw):
    """``(config, data)``: valid values for some keys, then up to two of them spoilt (out of
    range, an odd kind, or a misspelt key); your own points when the data set is "custom"
    (and, rarely, when not)."""
    config = draw(st.fixed_dictionaries({}, optional=VALID))
    if config.get("dataset") not in datasets.MULTICLASS:
        config.pop("n_classes", None)
    for key in draw(st.lists(_names(*VALID, "hiden"), max_size=2, unique=True)):
        config[key] = draw(st.one_of(INVALID[key], ODD) if key in INVALID else ODD)
    if draw(st.integers(0, 9)) == 0:
        data = draw(st.one_of(st.none(), POINTS, ODD_DATA))  # the wrong way round, or odd
    elif config.get("dataset") == "custom":
        data = draw(POINTS)
        if draw(st.booleans()):
            data = (*data, draw(_names(*PROBLEMS, "ranking")))
    else:
        data = None
    return config, data


def _finite(record):
    norms = record.pop("grad_norms")
    return all(math.isfinite(v) for v in [*record.values(), *norms])


@given(runs())
def test_a_configuration_is_refused_by_field_or_trains_without_a_non_finite_number(config_and_data):
    config, data = config_and_data
    try:
        run = build_run(config, data=data)
    except ConfigError as exc:
        assert exc.key in {*DEFAULTS, "data"} or exc.key in config, exc
        assert exc.message and str(exc) == f"{exc.key}: {exc.message}"
        event(f"refused on {exc.key if exc.key in {*DEFAULTS, 'data'} else 'an unknown key'}")
        return
    trainer = run.trainer
    trainer.set_batch_size(max(trainer.batch_size, math.ceil(len(trainer.X) / MAX_STEPS)))
    e = run.extent()
    corners = run.inputs(np.array([[x, y] for x in (-e, 0.0, e) for y in (-e, 0.0, e)]))
    try:
        for _ in range(EPOCHS):
            record = trainer.train_epoch()
            assert _finite(dict(record)), record
            assert np.all(np.isfinite(run.model.predict(corners)))
        event("trained")
    except TrainingDiverged as exc:
        assert "Lower the learning rate" in str(exc)
        event("diverged")
    assert all(np.all(np.isfinite(p)) for p in run.model.params)
    assert np.all(np.isfinite(run.model.predict(corners)))
    assert len(trainer.history) == trainer.epoch
