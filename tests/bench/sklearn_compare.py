"""py_mlp's MLPClassifier beside scikit-learn's, in the same pipeline, on data sets that ship
with scikit-learn: accuracy and fit time side by side, measured in one run.

Runs on CPython: ``python tests/bench/sklearn_compare.py [--folds 5] [--seeds 3] [--json
PATH]``. Each data set is scored by 5-fold cross-validation (the same shuffled folds for
both) of ``make_pipeline(StandardScaler(), MLPClassifier(**PARAMS, random_state=seed))``
for seeds 0, 1, 2, where MLPClassifier is ``py_mlp.MLPClassifier`` or
``sklearn.neural_network.MLPClassifier`` and PARAMS are the same for both: one hidden
layer of 64 relu units, Adam at 0.001, batches of up to 200, alpha 1e-4, at most 200
epochs with scikit-learn's stopping rule. Accuracy is the mean (and standard deviation)
over the 15 held-out folds, fit time the mean time of one 5-fold run. BLAS is pinned to
one thread, so both run their matrix products alike. It prints a Markdown table for
the docs (the date, the versions and the machine with it): docs/guide/sklearn.rst holds it
in a ``markdown-table`` directive, the table's lines indented by three spaces.

Non-goals: a race. The two start from different initial weights (each library's own
scheme) and shuffle with different generators, so their accuracies differ by a fold or so
of noise; what the table shows is that they land in the same place at a comparable cost.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import datetime
import json
import platform
import sys
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn import datasets as sk_datasets  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import KFold, cross_validate  # noqa: E402
from sklearn.neural_network import MLPClassifier as SklearnMLP  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import py_mlp  # noqa: E402
from py_mlp import MLPClassifier  # noqa: E402

PARAMS = dict(hidden_layer_sizes=(64,), activation="relu", solver="adam", learning_rate_init=0.001,
              batch_size="auto", alpha=1e-4, max_iter=200)
DATASETS = {"iris": sk_datasets.load_iris, "wine": sk_datasets.load_wine,
            "breast cancer": sk_datasets.load_breast_cancer, "digits": sk_datasets.load_digits}


def score(estimator_class, X, y, folds, params, n_seeds):
    """Held-out accuracy (mean and standard deviation over every fold of every seed), the
    mean seconds of one cross-validation's fits, the mean epochs a fit trained."""
    scores, seconds, epochs = [], [], []
    for seed in range(n_seeds):
        pipeline = make_pipeline(StandardScaler(), estimator_class(**params, random_state=seed))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            result = cross_validate(pipeline, X, y, cv=folds, return_estimator=True)
        scores += list(result["test_score"])
        seconds.append(np.sum(result["fit_time"]))
        epochs += [p[-1].n_iter_ for p in result["estimator"]]
    return {"accuracy": float(np.mean(scores)), "accuracy_std": float(np.std(scores)),
            "fit_seconds": float(np.mean(seconds)), "epochs": float(np.mean(epochs))}


def compare(names=tuple(DATASETS), n_folds=5, n_seeds=3, params=PARAMS):
    """One row per data set: its shape and both libraries' scores."""
    rows = []
    for name in names:
        X, y = DATASETS[name](return_X_y=True)
        folds = KFold(n_folds, shuffle=True, random_state=0)
        rows.append({"dataset": name, "samples": X.shape[0], "features": X.shape[1], "classes": len(np.unique(y)),
                     "py_mlp": score(MLPClassifier, X, y, folds, params, n_seeds),
                     "sklearn": score(SklearnMLP, X, y, folds, params, n_seeds)})
    return rows


def markdown(rows, n_folds, n_seeds):
    today = datetime.date.today().isoformat()
    lines = [
        f"Measured {today} by `python tests/bench/sklearn_compare.py` (py_mlp {py_mlp.__version__}, scikit-learn "
        f"{sklearn.__version__}, numpy {np.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}, BLAS on one thread); {n_folds}-fold cross-validation, random_state 0 to "
        f"{n_seeds - 1}; fit time: one {n_folds}-fold run:",
        "",
        "| data set | samples x features, classes | py_mlp accuracy | scikit-learn accuracy "
        "| py_mlp fit time | scikit-learn fit time | epochs (py_mlp / sklearn) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ours, theirs = r["py_mlp"], r["sklearn"]
        lines.append(
            f"| {r['dataset']} | {r['samples']} x {r['features']}, {r['classes']} | "
            f"{ours['accuracy']:.3f} ± {ours['accuracy_std']:.3f} | {theirs['accuracy']:.3f} ± "
            f"{theirs['accuracy_std']:.3f} | {ours['fit_seconds']:.2f} s | {theirs['fit_seconds']:.2f} s | "
            f"{ours['epochs']:.0f} / {theirs['epochs']:.0f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds [5]")
    parser.add_argument("--seeds", type=int, default=3, help="random_state 0 .. seeds-1 for each library [3]")
    parser.add_argument("--json", metavar="PATH", help="also write the numbers as JSON")
    args = parser.parse_args(argv)
    rows = compare(n_folds=args.folds, n_seeds=args.seeds)
    print(markdown(rows, args.folds, args.seeds))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
