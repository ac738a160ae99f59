"""MLPClassifier and MLPRegressor: scikit-learn's own estimator checks, the same numbers as
MLP + Trainer, the parameters meaning what scikit-learn's mean, any labels, and the
estimators in a Pipeline, cross_val_score and GridSearchCV on a real data set.

Runs on CPython with scikit-learn (tests/conftest.py sets SCIPY_ARRAY_API so that no
estimator check skips itself; pandas is in the test extra for the same reason).
"""

import os
import subprocess
import sys
import unittest
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn import neural_network as sk_nn  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_iris  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import estimator_checks_generator, parametrize_with_checks  # noqa: E402

from py_mlp import MLP, SGD, Adam, Momentum, Trainer, TrainingDiverged, datasets  # noqa: E402
from py_mlp.estimators import InvalidParameterError, MLPClassifier, MLPRegressor  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


# ---- the oracle: scikit-learn's own checks ------------------------------------------------

@parametrize_with_checks([MLPClassifier(), MLPRegressor()])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # max_iter=200 on the checks' data
def test_scikit_learn_estimator_checks(estimator, check):
    """Every check scikit-learn yields for these estimators' tags, none skipped, none expected to fail."""
    try:
        check(estimator)
    except unittest.SkipTest as skip:  # e.g. pandas missing: that is a gap, not a pass
        pytest.fail(f"{check} skipped itself ({skip}); install the test extra (pip install -e '.[test]')")


def _check_names(estimator):
    return {getattr(c, "func", c).__name__ for _, c in estimator_checks_generator(estimator, mark="skip")}


def test_the_checks_cover_what_a_classifier_and_a_regressor_are_held_to():
    classifier, regressor = _check_names(MLPClassifier()), _check_names(MLPRegressor())
    for name in ("check_classifiers_train", "check_classifiers_classes", "check_classifiers_one_label",
                 "check_estimators_unfitted", "check_fit_idempotent", "check_n_features_in_after_fitting",
                 "check_estimators_partial_fit_n_features", "check_supervised_y_2d", "check_estimators_pickle"):
        assert name in classifier
    for name in ("check_regressors_train", "check_regressor_multioutput", "check_regressors_int"):
        assert name in regressor
    assert len(classifier) > 50 and len(regressor) > 45


# ---- the same numbers as MLP + Trainer ----------------------------------------------------

def _trainer_run(X, y, sizes, output, loss, optimizer, batch, alpha, seed, epochs, activation="relu"):
    """The documented recipe: what an estimator with random_state=seed must give."""
    model = MLP(sizes, activations=[activation] * (len(sizes) - 2) + [output], output_activation=output,
                seed=[seed, 2])
    trainer = Trainer(model, X, y, loss=loss, optimizer=optimizer, batch_size=batch, l2=alpha / batch,
                      seed=[seed, 3])
    return [trainer.train_epoch()["loss"] for _ in range(epochs)], model


@pytest.mark.parametrize("solver, optimizer", [
    (dict(solver="adam", learning_rate_init=0.01), lambda: Adam(0.01)),
    (dict(solver="sgd", learning_rate_init=0.1, momentum=0.8, nesterovs_momentum=False), lambda: Momentum(0.1, 0.8)),
    (dict(solver="sgd", learning_rate_init=0.1, momentum=0.0), lambda: SGD(0.1)),
], ids=["adam", "momentum", "sgd"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_the_classifier_gives_the_numbers_of_mlp_and_trainer(solver, optimizer, n_classes):
    X, y = datasets.gaussians(n_samples=150, noise=0.3, seed=1, n_classes=n_classes)
    clf = MLPClassifier(hidden_layer_sizes=(6, 5), alpha=0.01, batch_size=32, max_iter=15, tol=0,
                        n_iter_no_change=100, random_state=4, **solver)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    output, loss = ("sigmoid", "binary_cross_entropy") if n_classes == 2 else ("softmax", "softmax_cross_entropy")
    sizes = [2, 6, 5, 1 if n_classes == 2 else n_classes]
    losses, model = _trainer_run(X, y, sizes, output, loss, optimizer(), 32, 0.01, 4, 15)
    assert clf.loss_curve_ == losses and clf.n_iter_ == 15 and clf.loss_ == losses[-1]
    assert abs(losses[-1] - losses[0]) > 1e-2  # it trained
    for ours, theirs in zip(clf.coefs_ + clf.intercepts_, model.params):
        assert np.array_equal(ours, theirs)
    assert np.array_equal(clf.predict_proba(X)[:, -1], model.predict(X)[:, -1])


def test_the_regressor_gives_the_numbers_of_mlp_and_trainer():
    X, y = datasets.gaussian_mix(n_samples=120, noise=0.05, seed=2)
    Y = np.column_stack([y, 2 * y - X[:, 0]])  # two targets
    for target in (y, Y):
        reg = MLPRegressor(hidden_layer_sizes=(8,), activation="tanh", solver="sgd", learning_rate_init=0.05,
                           momentum=0.9, alpha=0.001, batch_size=40, max_iter=12, tol=0, random_state=9)
        with pytest.warns(ConvergenceWarning):
            reg.fit(X, target)
        sizes = [2, 8, 1 if target.ndim == 1 else 2]
        losses, model = _trainer_run(X, target, sizes, "identity", "mean_squared_error",
                                     Momentum(0.05, 0.9, nesterov=True), 40, 0.001, 9, 12, activation="tanh")
        assert reg.loss_curve_ == losses
        expected = model.predict(X)
        assert np.array_equal(reg.predict(X), expected[:, 0] if target.ndim == 1 else expected)


def _sklearn_from(model):
    """scikit-learn's own estimator class, started from ``model``'s initial weights."""
    cls = sk_nn.MLPClassifier if model.activations[-1] != "identity" else sk_nn.MLPRegressor

    class Preset(cls):
        def _init_coef(self, fan_in, fan_out, dtype):
            k = self._next_layer = getattr(self, "_next_layer", -1) + 1
            return model.weights[k].copy(), model.biases[k].copy()

    return Preset


@pytest.mark.parametrize("params", [
    dict(solver="sgd", learning_rate_init=0.2, momentum=0.9, nesterovs_momentum=True, alpha=0.01),
    dict(solver="sgd", learning_rate_init=0.2, momentum=0.5, nesterovs_momentum=False, alpha=0.0),
    dict(solver="adam", learning_rate_init=0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-7, alpha=0.003),
], ids=["nesterov", "momentum", "adam"])
def test_parameters_mean_what_scikit_learns_mean(params):
    """From the same initial weights and in data order, sklearn's MLPClassifier with the same
    parameters gives the same loss curve: batches of 50 that divide the 200 samples."""
    X, y = datasets.moons(n_samples=200, noise=0.2, seed=3)
    common = dict(hidden_layer_sizes=(7, 4), activation="tanh", batch_size=50, max_iter=25, shuffle=False,
                  tol=0.0, n_iter_no_change=100, random_state=5, **params)
    ours = MLPClassifier(**common)
    start = MLP([2, 7, 4, 1], activations=["tanh", "tanh", "sigmoid"], seed=[5, 2])
    theirs = _sklearn_from(start)(**common)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        theirs.fit(X, y)
    assert abs(ours.loss_curve_[-1] - ours.loss_curve_[0]) > 1e-2
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=0, atol=1e-9)


# ---- labels ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("labels", [(-1, 1), (1, 2), ("benign", "malignant"), (False, True), (-3, 10**12)])
def test_any_two_labels_train_exactly_as_0_and_1(cancer, labels):
    """The issue's -1/1 and 1/2 on breast cancer: the labels are mapped to 0 and 1, not trained on."""
    X, y01 = cancer
    y = np.array(labels)[y01]
    settings = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = MLPClassifier(**settings).fit(X, y01)
        clf = MLPClassifier(**settings).fit(X, y)
    assert list(clf.classes_) == list(labels)
    assert clf.loss_curve_ == reference.loss_curve_ and reference.loss_curve_[-1] > 0
    assert np.array_equal(clf.predict_proba(X), reference.predict_proba(X))
    assert np.array_equal(clf.predict(X), np.array(labels)[reference.predict(X)])
    assert clf.score(X, y) == np.mean(clf.predict(X) == y) > 0.9


def test_more_classes_with_text_labels_and_their_probabilities():
    X, y = load_iris(return_X_y=True)
    names = np.array(["virginica", "setosa", "versicolor"])[y]  # not in sorted order
    clf = MLPClassifier(hidden_layer_sizes=(10,), learning_rate_init=0.02, max_iter=300, random_state=1)
    clf.fit(StandardScaler().fit_transform(X), names)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    Xs = StandardScaler().fit_transform(X)
    proba = clf.predict_proba(Xs)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(clf.predict(Xs), clf.classes_[proba.argmax(axis=1)])
    np.testing.assert_array_equal(clf.predict_log_proba(Xs), np.log(proba))
    assert clf.score(Xs, names) == np.mean(clf.predict(Xs) == names) > 0.9


def test_partial_fit_needs_the_classes_first_and_equals_fit_epoch_by_epoch():
    X, y = datasets.spiral(n_samples=90, noise=0.05, seed=0, n_classes=3)
    labels = np.array(["a", "b", "c"])[y]
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        MLPClassifier().partial_fit(X, labels)
    settings = dict(hidden_layer_sizes=(6,), batch_size=30, random_state=2, tol=0, n_iter_no_change=50)
    some = MLPClassifier(**settings).partial_fit(X[labels != "c"], labels[labels != "c"], classes=["c", "a", "b"])
    assert list(some.classes_) == ["a", "b", "c"] and some.n_outputs_ == 3
    with pytest.raises(ValueError, match="not in classes_"):
        some.partial_fit(X, np.where(labels == "a", "z", labels))
    stepwise = MLPClassifier(**settings)
    for _ in range(5):
        stepwise.partial_fit(X, labels, classes=["a", "b", "c"])
    with pytest.warns(ConvergenceWarning):
        whole = MLPClassifier(**settings, max_iter=5).fit(X, labels)
    assert stepwise.loss_curve_ == whole.loss_curve_ and len(set(whole.loss_curve_)) == 5
    assert stepwise.n_iter_ == 1 and stepwise.t_ == whole.t_ == 5 * len(X)


def test_warm_start_goes_on_where_the_last_fit_stopped():
    X, y = datasets.plane(n_samples=80, noise=0.1, seed=1)
    settings = dict(hidden_layer_sizes=(5,), tol=0, n_iter_no_change=50, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm = MLPRegressor(**settings, max_iter=4, warm_start=True).fit(X, y).fit(X, y)
        cold = MLPRegressor(**settings, max_iter=8).fit(X, y)
    assert warm.loss_curve_ == cold.loss_curve_ and warm.n_iter_ == 4
    with pytest.raises(ValueError, match="fit anew"):
        warm.set_params(hidden_layer_sizes=(6,)).fit(X, y)


def test_training_stops_by_scikit_learns_rule_on_the_loss():
    """No improvement by tol for more than n_iter_no_change epochs ends the fit without a warning."""
    X, y = datasets.circles(n_samples=100, noise=0.1, seed=0)
    clf = MLPClassifier(hidden_layer_sizes=(4,), tol=0.01, n_iter_no_change=3, max_iter=500, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, y)
    losses, _ = _trainer_run(X, y, [2, 4, 1], "sigmoid", "binary_cross_entropy", Adam(0.001), 100, 0.0001, 0, 500)
    best, count = np.inf, 0
    for n_iter, loss in enumerate(losses, start=1):
        count = count + 1 if loss > best - 0.01 else 0
        best = min(best, loss)
        if count > 3:
            break
    assert clf.n_iter_ == n_iter < 500 and clf.loss_curve_ == losses[:n_iter] and clf.best_loss_ == best


# ---- errors scikit-learn users expect, and py_mlp's ----------------------------------------

def test_not_fitted_and_bad_parameters():
    with pytest.raises(NotFittedError):
        MLPClassifier().predict([[0.0, 1.0]])
    X, y = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1]
    for params, message in [
        (dict(solver="lbfgs"), "solver must be one of 'adam', 'sgd', got 'lbfgs'; py_mlp has no lbfgs"),
        (dict(batch_size=0), "batch_size must be 'auto' or a whole number >= 1, got 0"),
        (dict(activation="softmax"), "can only be an output activation"),
        (dict(activation="swish"), "unknown activation 'swish'"),
        (dict(hidden_layer_sizes=(8, 0)), "every hidden layer size must be a whole number >= 1, got 0"),
        (dict(hidden_layer_sizes="8"), "hidden_layer_sizes must be a width or a tuple of widths"),
        (dict(learning_rate_init=0), "learning_rate_init must be a positive number"),
        (dict(momentum=1.0), "momentum must be a number >= 0 and below 1"),
        (dict(shuffle="yes"), "shuffle must be True or False"),
        (dict(random_state=-1), "random_state must be None, a whole number >= 0"),
    ]:
        with pytest.raises(InvalidParameterError, match=message) as info:
            MLPClassifier(**params).fit(X, y)
        assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)
    with pytest.raises(ValueError, match="one class only"):
        MLPClassifier().fit(X, [1, 1, 1])


def test_a_diverging_fit_raises_and_a_logistic_activation_is_sigmoid():
    X, y = datasets.plane(n_samples=50, noise=0.1, seed=0)
    with pytest.raises(TrainingDiverged, match="Lower the learning rate"):
        MLPRegressor(hidden_layer_sizes=(8,), activation="identity", solver="sgd", learning_rate_init=1e4, momentum=0,
                     max_iter=50, random_state=0).fit(X, y)
    reg = MLPRegressor(hidden_layer_sizes=(3,), activation="logistic", max_iter=1, random_state=0)
    with pytest.warns(ConvergenceWarning):
        reg.fit(X, y)
    assert reg.model_.activations == ["sigmoid", "identity"]


def test_ctrl_c_keeps_the_last_whole_epoch_with_a_warning(monkeypatch):
    X, y = datasets.moons(n_samples=60, noise=0.1, seed=0)
    settings = dict(hidden_layer_sizes=(5,), batch_size=20, tol=0, random_state=1)
    with pytest.warns(ConvergenceWarning):
        expected = MLPClassifier(**settings, max_iter=3).fit(X, y)
    calls = {"n": 0}
    gradients = Trainer.gradients

    def interrupted(self, X_batch, y_batch):
        calls["n"] += 1
        if calls["n"] == 3 * 3 + 2:  # the second batch of the fourth epoch
            raise KeyboardInterrupt
        return gradients(self, X_batch, y_batch)

    monkeypatch.setattr(Trainer, "gradients", interrupted)
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        clf = MLPClassifier(**settings, max_iter=10).fit(X, y)
    assert clf.n_iter_ == 3 and clf.loss_curve_ == expected.loss_curve_
    for ours, theirs in zip(clf.coefs_ + clf.intercepts_, expected.coefs_ + expected.intercepts_):
        assert np.array_equal(ours, theirs)


def test_verbose_prints_the_loss_of_every_epoch(capsys):
    X, y = datasets.circles(n_samples=40, noise=0.1, seed=0)
    with pytest.warns(ConvergenceWarning):
        clf = MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, verbose=True, random_state=0).fit(X, y)
    assert capsys.readouterr().out.splitlines() == [f"Iteration {k + 1}, loss = {loss:.8f}"
                                                     for k, loss in enumerate(clf.loss_curve_)]


def test_reprs_show_what_differs_from_the_defaults():
    assert repr(MLPClassifier()) == "MLPClassifier()"
    assert repr(MLPRegressor(hidden_layer_sizes=(8,), max_iter=50)) == "MLPRegressor(hidden_layer_sizes=(8,), max_iter=50)"


# ---- in scikit-learn's tools, on a real data set --------------------------------------------

def _pipeline(**params):
    return make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(16,), max_iter=60,
                                                         learning_rate_init=0.01, random_state=0, **params))


def test_a_pipeline_in_cross_val_score_scores_as_fitting_each_fold_by_hand(cancer):
    X, y = load_breast_cancer(return_X_y=True)  # unscaled: the pipeline's StandardScaler does it
    folds = KFold(5, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(_pipeline(), X, y, cv=folds)
        by_hand = [clone(_pipeline()).fit(X[train], y[train]).score(X[test], y[test])
                   for train, test in folds.split(X)]
    assert list(scores) == by_hand
    majority = max(np.mean(y), 1 - np.mean(y))
    assert scores.mean() > 0.95 > majority + 0.3


def test_grid_search_picks_the_best_of_its_grid_by_cross_validation():
    X, y = load_iris(return_X_y=True)
    grid = {"mlpclassifier__hidden_layer_sizes": [(2,), (16,)], "mlpclassifier__alpha": [1e-4, 1.0]}
    folds = KFold(3, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(_pipeline(), grid, cv=folds).fit(X, y)
        means = [cross_val_score(_pipeline().set_params(**params), X, y, cv=folds).mean()
                 for params in search.cv_results_["params"]]
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], means, rtol=0, atol=1e-12)
    assert search.best_params_ == search.cv_results_["params"][int(np.argmax(means))]
    assert len(set(means)) > 1 and search.best_estimator_.score(X, y) > 0.9


# ---- scikit-learn stays optional ------------------------------------------------------------

def _python(code):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)


def test_importing_py_mlp_does_not_import_scikit_learn_until_an_estimator_is_asked_for():
    """Every other module and web/worker.py leave it out too: tests/test_docs_tools.py imports them all."""
    done = _python("import sys, py_mlp; print('sklearn' in sys.modules); py_mlp.MLPRegressor; "
                   "print('sklearn' in sys.modules); from py_mlp import MLPClassifier; print(MLPClassifier())")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True", "MLPClassifier()"]


def test_without_scikit_learn_the_library_trains_and_the_estimators_say_what_to_install():
    code = ("import sys; sys.modules['sklearn'] = None; import numpy as np, py_mlp; "
            "X = np.array([[0., 0.], [1., 1.]]); "
            "print(py_mlp.Trainer(py_mlp.MLP([2, 3, 1]), X, [0, 1]).run(2)[-1]['epoch']); "
            "from py_mlp import MLPClassifier")
    done = _python(code)
    assert done.stdout.strip() == "2"
    assert "ImportError: py_mlp.MLPClassifier and MLPRegressor" in done.stderr
    assert "pip install scikit-learn" in done.stderr


def test_the_readme_comparison_script_runs_and_reports_both_libraries():
    sys.path.insert(0, str(REPO / "tests" / "bench"))
    try:
        import sklearn_compare
    finally:
        sys.path.remove(str(REPO / "tests" / "bench"))
    params = {**sklearn_compare.PARAMS, "max_iter": 3}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        rows = sklearn_compare.compare(["iris"], n_folds=2, n_seeds=1, params=params)
    assert [(r["dataset"], r["samples"], r["classes"]) for r in rows] == [("iris", 150, 3)]
    assert rows[0]["py_mlp"]["epochs"] == rows[0]["sklearn"]["epochs"] == 3
    table = sklearn_compare.markdown(rows, 2, 1)
    assert "| iris | 150 x 4, 3 |" in table and "2-fold cross-validation" in table


def test_the_docstring_example_runs():
    import doctest

    from py_mlp import estimators

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the example converges: no ConvergenceWarning either
        result = doctest.testmod(estimators)
    assert result.attempted >= 3 and result.failed == 0
