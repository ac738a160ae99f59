"""A training run's per-epoch metrics, kept as numpy columns: the one history format.

Runs on CPython and in the Pyodide worker alike. A ``Trainer`` appends each epoch's
record (``Trainer.history``); the command line writes ``csv()`` to ``--metrics-csv``, and
the page's worker answers ``columns(since=epoch)`` for the epochs a chunk trained and
``csv()`` for its download, so both write the same file for the same run.

The columns are ``epoch``, ``loss``, the metric (``accuracy``, or ``r2`` for regression),
``test_loss``, ``test_`` + metric and ``grad_norm_layer_1`` .. ``_k``, 8 bytes a number: a
run of 100,000 epochs costs a few MB, where a dict an epoch would cost tens. An epoch
without test data holds NaN in its test columns, which reads back as a record without
test keys, ``None`` in ``columns()`` and an empty CSV cell.

Non-goals: no plotting, no files other than the CSV.
"""

import math

import numpy as np

_FIRST_ROWS = 1024


class History:
    """Every epoch's record of one run, for ``n_layers`` layers and the metric ``metric``."""

    def __init__(self, n_layers, metric="accuracy"):
        self.metric = metric
        self.names = ["epoch", "loss", metric, "test_loss", "test_" + metric,
                      *[f"grad_norm_layer_{k + 1}" for k in range(n_layers)]]
        self._rows = np.empty((_FIRST_ROWS, len(self.names)))
        self._n = 0

    def append(self, record):
        """Add one epoch's record (as ``Trainer.train_epoch`` returns it), epochs in increasing order."""
        norms = record["grad_norms"]
        if len(norms) != len(self.names) - 5:
            raise ValueError(f"a record of this run holds {len(self.names) - 5} gradient norms, got {len(norms)}")
        if self._n == len(self._rows):
            self._rows = np.concatenate([self._rows, np.empty_like(self._rows)])
        test_loss, test_metric = record.get("test_loss", math.nan), record.get("test_" + self.metric, math.nan)
        self._rows[self._n] = (record["epoch"], record["loss"], record[self.metric], test_loss, test_metric, *norms)
        self._n += 1

    def clear(self):
        """Forget every epoch (a loaded model starts its own history)."""
        self._n = 0

    def __len__(self):
        return self._n

    def __getitem__(self, index):
        """Record ``index`` as the trainer returned it (a negative index counts from the end)."""
        if not -self._n <= index < self._n:
            raise IndexError(f"the history holds {self._n} epochs, there is no record {index}")
        return self._record(self._rows[index % self._n].tolist())

    def __iter__(self):
        return (self._record(row) for row in self._rows[:self._n].tolist())

    def _record(self, row):
        record = {"epoch": int(row[0]), "loss": row[1], self.metric: row[2]}
        if not math.isnan(row[3]):
            record["test_loss"] = row[3]
        if not math.isnan(row[4]):
            record["test_" + self.metric] = row[4]
        record["grad_norms"] = row[5:]
        return record

    def columns(self, since=0):
        """The epochs after epoch ``since`` as plain lists (``None`` where there were no test
        data): ``epoch``, ``loss``, ``metric``, ``test_loss``, ``test_metric``, and
        ``grad_norms`` with one list per epoch."""
        epochs = self._rows[:self._n, 0]
        rows = self._rows[int(np.searchsorted(epochs, since, side="right")):self._n]

        def plain(values):
            return [None if math.isnan(v) else v for v in values.tolist()]

        return {
            "epoch": rows[:, 0].astype(int).tolist(), "loss": rows[:, 1].tolist(), "metric": rows[:, 2].tolist(),
            "test_loss": plain(rows[:, 3]), "test_metric": plain(rows[:, 4]), "grad_norms": rows[:, 5:].tolist(),
        }

    def csv(self):
        """The metrics as CSV text, one row per epoch, numbers exact (Python's repr); the test
        columns only if some epoch had test data."""
        rows = self._rows[:self._n]
        keep = [k for k in range(len(self.names)) if k not in (3, 4) or not np.isnan(rows[:, k]).all()]
        lines = [",".join(self.names[k] for k in keep)]
        for row in rows[:, keep].tolist():
            lines.append(",".join([str(int(row[0])), *("" if math.isnan(v) else repr(v) for v in row[1:])]))
        return "\n".join(lines) + "\n"

    def write_csv(self, path):
        """Write ``csv()`` to ``path`` (UTF-8)."""
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(self.csv())
