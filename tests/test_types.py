"""The public API's type hints, checked by mypy (pinned in the test extra), and the reprs a
user sees when printing a network, a trainer or an optimiser."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from py_mlp import MLP, SGD, Adam, Momentum, Trainer, make_optimizer

REPO = Path(__file__).resolve().parents[1]

# Each line marked "error" misuses the API in a way only the hints can tell.
USAGE = """\
import numpy as np
from py_mlp import MLP, Trainer, make_optimizer, serialization
from py_mlp.estimators import MLPClassifier

model = MLP([2, 3, 1], activations="tanh", seed=[1, 2])
trainer = Trainer(model, np.zeros((4, 2)), [0, 1, 0, 1], optimizer=make_optimizer("adam", lr=0.1))
records: list[dict] = trainer.run(3)
clf: MLPClassifier = MLPClassifier(hidden_layer_sizes=(8,)).fit([[0.0, 1.0]], [1])
width: str = model.n_params()  # error
Trainer(model, np.zeros((4, 2)), [0, 1, 0, 1], batch_size="all")  # error
make_optimizer("sgd").step(1, 2)  # error
serialization.to_json(model, extra=[1, 2])  # error
"""


def test_mypy_finds_no_error_in_py_mlp_and_the_misuses_of_its_api(tmp_path):
    pytest.importorskip("mypy", reason="mypy is in the test extra: pip install -e '.[test]'")
    usage = tmp_path / "usage.py"
    usage.write_text(USAGE)
    done = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), "py_mlp", str(usage)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert not [line for line in errors if not line.startswith(str(usage))], done.stdout
    flagged = sorted({int(line.split(":")[1]) for line in errors})
    expected = [n for n, line in enumerate(USAGE.splitlines(), start=1) if line.endswith("# error")]
    assert flagged == expected, done.stdout


def test_mlp_repr_names_its_sizes_and_activations_and_rebuilds_it():
    model = MLP([2, 8, 8, 1], activations=["tanh", "tanh", "sigmoid"])
    assert repr(model) == "MLP([2, 8, 8, 1], activations=['tanh', 'tanh', 'sigmoid'])"
    for model in (model, MLP([3, 4, 2], activations="relu", output_activation="softmax", init="glorot", seed=[5, 2])):
        again = eval(repr(model), {"MLP": MLP})
        assert again.sizes == model.sizes and again.activations == model.activations
        assert all(np.array_equal(a, b) for a, b in zip(again.params, model.params))
    assert "init='glorot'" in repr(model) and "seed=[5, 2]" in repr(model)


def test_optimiser_reprs_rebuild_them():
    for optimizer in (SGD(0.3), Momentum(0.1, 0.5, nesterov=True), Adam(0.02, beta2=0.99, eps=1e-7)):
        again = eval(repr(optimizer), {"SGD": SGD, "Momentum": Momentum, "Adam": Adam})
        assert type(again) is type(optimizer) and again.state_dict() == optimizer.state_dict()


def test_trainer_repr_shows_its_parts_and_where_it_stands():
    X = np.random.default_rng(0).normal(size=(10, 2))
    y = (X[:, 0] > 0).astype(int)
    model, optimizer = MLP([2, 3, 1]), make_optimizer("adam", lr=0.03)
    trainer = Trainer(model, X, y, optimizer=optimizer, batch_size=4, l2=0.001, X_test=X[:3], y_test=y[:3])
    trainer.run(2)
    assert repr(trainer) == (f"Trainer({model!r}, loss='binary_cross_entropy', optimizer={optimizer!r}, "
                             "batch_size=4, l2=0.001, n_samples=10, n_test=3, epoch=2)")
    plain = Trainer(model, X, y, loss="bce", shuffle=False)
    assert repr(plain) == f"Trainer({model!r}, loss='binary_cross_entropy', optimizer=SGD(lr=0.1), " \
                          "shuffle=False, n_samples=10, epoch=0)"
