"""Metrics on plain arrays: accuracy for classification, R^2 for regression."""

import numpy as np


def predicted_labels(yhat):
    """Class labels from network outputs: threshold 0.5 for one column, argmax otherwise."""
    if yhat.shape[1] == 1:
        return (yhat[:, 0] >= 0.5).astype(int)
    return yhat.argmax(axis=1)


def true_labels(y):
    return y[:, 0].astype(int) if y.shape[1] == 1 else y.argmax(axis=1)


def accuracy(yhat, y):
    """Fraction of samples whose predicted class equals the true class."""
    return float(np.mean(predicted_labels(yhat) == true_labels(y)))


def count_correct(yhat, labels):
    """How many rows of ``yhat`` predict their class in ``labels`` (from ``true_labels``)."""
    return int(np.count_nonzero(predicted_labels(yhat) == labels))


def r2_score(yhat, y):
    """Coefficient of determination, averaged over output columns (1 is perfect)."""
    ss_res = np.sum((y - yhat) ** 2, axis=0)
    ss_tot = np.sum((y - y.mean(axis=0)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(ss_tot > 0, 1.0 - ss_res / ss_tot, 0.0)
    return float(np.mean(r2))
