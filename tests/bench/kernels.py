"""Where an epoch's time goes: numpy kernels and py_mlp's functions, browser vs CPython.

Runs on CPython: ``python tests/bench/kernels.py [--scipy] [--json PATH]``. The same
Python code (``CODE`` below) runs in Pyodide, in ``web/bench/floor.html`` with the
``py_mlp`` wheel loaded (main thread, the same numpy 2.0.2 the worker has), and then
natively in this process (BLAS pinned to one thread, as in run.py). It prints

1. micro-benchmarks of every kernel an epoch uses and of the alternatives, at the shapes
   of task (c) (10,000 x 64) and of one task (a) batch (10 x 4), float64 and float32;
2. a cProfile of whole epochs of tasks (a) and (c): the functions that take the time.

Non-goals: targets, the app, the worker (run.py measures those). ``--scipy`` also loads
scipy (20 MB more in the browser) to time its OpenBLAS ``dgemm``.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
for _path in (REPO, HERE):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import harness  # noqa: E402
import support  # noqa: E402

CODE = r'''
import cProfile, io, json, pstats, sys, time
import numpy as np
from py_mlp.app.config import build_run

def best_ms(f, budget_s=0.3, reps=5):
    """Best of `reps` timings of a loop sized to ~budget_s / reps; ms per call."""
    t = time.perf_counter(); f(); once = max(time.perf_counter() - t, 1e-7)
    if once > 0.05:
        reps = 3
    inner = max(1, int(budget_s / reps / once))
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(inner):
            f()
        out.append((time.perf_counter() - t) / inner * 1000)
    return min(out)

def micro(scipy_blas):
    rng = np.random.default_rng(0)
    rows = []
    for shape, n, i, j in (("10000x64", 10000, 64, 64), ("batch 10x4", 10, 4, 2)):
        A, D, W = rng.standard_normal((n, i)), rng.standard_normal((n, j)), rng.standard_normal((i, j))
        b = rng.standard_normal(i)
        AT, WT = np.ascontiguousarray(A.T), np.ascontiguousarray(W.T)
        A32, D32, W32 = A.astype(np.float32), D.astype(np.float32), W.astype(np.float32)
        out_ij, out_ni = np.empty((i, j)), np.empty((n, i))
        cases = [
            ("dW = a.T @ dz", "einsum ni,nj->ij (browser choice)", lambda: np.einsum("ni,nj->ij", A, D, optimize=False)),
            ("dW = a.T @ dz", "a.T @ dz (native choice)", lambda: A.T @ D),
            ("dW = a.T @ dz", "ascontiguousarray(a.T) @ dz", lambda: np.ascontiguousarray(A.T) @ D),
            ("dW = a.T @ dz", "a_T kept contiguous @ dz", lambda: AT @ D),
            ("dW = a.T @ dz", "tensordot axes 0", lambda: np.tensordot(A, D, axes=(0, 0))),
            ("dW = a.T @ dz", "einsum, out= preallocated", lambda: np.einsum("ni,nj->ij", A, D, optimize=False, out=out_ij)),
            ("dW = a.T @ dz", "einsum float32", lambda: np.einsum("ni,nj->ij", A32, D32, optimize=False)),
            ("dW = a.T @ dz", "a.T @ dz float32", lambda: A32.T @ D32),
            ("da = dz @ W.T", "einsum nj,ij->ni (browser choice)", lambda: np.einsum("nj,ij->ni", D, W, optimize=False)),
            ("da = dz @ W.T", "dz @ W.T (native choice)", lambda: D @ W.T),
            ("da = dz @ W.T", "dz @ W_T kept contiguous", lambda: D @ WT),
            ("da = dz @ W.T", "dz @ W_T, out= preallocated", lambda: np.matmul(D, WT, out=out_ni)),
            ("da = dz @ W.T", "dz @ W.T float32", lambda: D32 @ W32.T),
            ("z = a @ W", "a @ W", lambda: A @ W),
            ("z = a @ W", "einsum ni,ij->nj", lambda: np.einsum("ni,ij->nj", A, W, optimize=False)),
            ("z = a @ W", "a @ W float32", lambda: A32 @ W32),
            ("elementwise", "np.maximum(z, 0) (relu)", lambda: np.maximum(A, 0)),
            ("elementwise", "np.tanh(z)", lambda: np.tanh(A)),
            ("elementwise", "1 - a * a (tanh grad)", lambda: 1 - A * A),
            ("elementwise", "z + b", lambda: A + b),
            ("elementwise", "np.tanh(z) float32", lambda: np.tanh(A32)),
            ("reduction", "dz.sum(axis=0)", lambda: D.sum(axis=0)),
            ("reduction", "np.all(np.isfinite(a))", lambda: np.all(np.isfinite(A))),
            ("reduction", "float(np.sum(a * a)) (norm)", lambda: float(np.sum(A * A))),
            ("copies", "a.copy()", lambda: A.copy()),
        ]
        if scipy_blas:
            from scipy.linalg import blas
            F, FD, FW = np.asfortranarray(A), np.asfortranarray(D), np.asfortranarray(W)
            cases += [
                ("dW = a.T @ dz", "scipy blas dgemm(trans_a) (Fortran order)", lambda: blas.dgemm(1.0, F, FD, trans_a=True)),
                ("dW = a.T @ dz", "scipy blas dgemm(trans_a) (C order in)", lambda: blas.dgemm(1.0, A, D, trans_a=True)),
                ("z = a @ W", "scipy blas dgemm (Fortran order)", lambda: blas.dgemm(1.0, F, FW)),
            ]
        for group, name, f in cases:
            rows.append({"shape": shape, "group": group, "case": name, "ms": best_ms(f)})
    return rows

def profile(config, epochs):
    trainer = build_run(config).trainer
    trainer.train_epoch()
    t = time.perf_counter()
    for _ in range(epochs):
        trainer.train_epoch()
    wall = (time.perf_counter() - t) * 1000 / epochs
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(epochs):
        trainer.train_epoch()
    prof.disable()
    stats = pstats.Stats(prof)
    rows = []
    for (file, line, fn), (cc, nc, tt, ct, callers) in stats.stats.items():
        where = file.replace("\\", "/").split("/py_mlp/")[-1] if "/py_mlp/" in file.replace("\\", "/") else file
        rows.append({"function": f"{where}:{line}({fn})" if line else fn, "calls_per_epoch": nc / epochs,
                     "self_ms_per_epoch": tt * 1000 / epochs, "cum_ms_per_epoch": ct * 1000 / epochs})
    rows.sort(key=lambda r: -r["self_ms_per_epoch"])
    return {"wall_ms_per_epoch": wall, "top": rows[:18]}

def main(scipy_blas):
    return json.dumps({
        "numpy": np.__version__, "platform": sys.platform, "micro": micro(scipy_blas),
        "profile_a": profile({"dataset": "circles", "n_samples": 500, "test_fraction": 0.5, "batch_size": 10,
                              "hidden": [4, 2], "activation": "tanh", "learning_rate": 0.03}, 30),
        "profile_c": profile({"dataset": "circles", "n_samples": 10000, "hidden": [64, 64], "activation": "relu",
                              "learning_rate": 0.005}, 3),
    })
'''

LOAD = """
async ([wheel, scipy]) => {
  const py = window.floor.pyodide;
  await py.loadPackage(new URL(`../wheels/${wheel}`, location.href).href);
  if (scipy) await py.loadPackage('scipy');
}
"""


def browser_side(use_scipy):
    from playwright.sync_api import sync_playwright

    support.set_up()
    wheel = json.loads((support.LAYOUT.wheels / "index.json").read_text())["wheel"]
    with harness.app_server() as app_url, sync_playwright() as playwright:
        browser = harness.Browser(playwright)
        context = browser.open(browser.new_profile())
        try:
            page = context.new_page()
            harness.goto_ready(page, app_url + "bench/floor.html")
            page.evaluate(LOAD, [wheel, use_scipy])
            text = page.evaluate("([code, scipy]) => { const py = window.floor.pyodide; py.runPython(code); "
                                 "return py.globals.get('main')(scipy); }", [CODE, use_scipy])
        finally:
            context.close()
            browser.close()
        if browser.problems:
            raise harness.BenchError("; ".join(browser.problems))
    return json.loads(text)


def native_side(use_scipy):
    scope = {}
    exec(compile(CODE, "kernels-code", "exec"), scope)
    try:
        return json.loads(scope["main"](use_scipy))
    except ImportError:
        return json.loads(scope["main"](False))


def report(browser, native):
    lines = [f"numpy {browser['numpy']} (browser, no BLAS) vs {native['numpy']} (native, BLAS 1 thread); "
             "best of 5, ms per call", "", "| shape | operation | way | browser ms | native ms | browser/native |",
             "|---|---|---|---|---|---|"]
    nat = {(r["shape"], r["case"]): r["ms"] for r in native["micro"]}
    for r in browser["micro"]:
        n = nat.get((r["shape"], r["case"]))
        native_ms = "–" if n is None else f"{n:.4f}"
        times = "–" if not n else f"{r['ms'] / n:.1f}x"
        lines.append(f"| {r['shape']} | {r['group']} | {r['case']} | {r['ms']:.4f} | {native_ms} | {times} |")
    for key, name in (("profile_a", "task (a)"), ("profile_c", "task (c)")):
        for side, res in (("browser", browser), ("native", native)):
            p = res[key]
            lines += ["", f"{name}, {side}: {p['wall_ms_per_epoch']:.2f} ms/epoch without the profiler; "
                          "cProfile, per epoch:", "",
                      "| function | calls | self ms | cumulative ms |", "|---|---|---|---|"]
            for row in p["top"]:
                lines.append(f"| {row['function']} | {row['calls_per_epoch']:.0f} | {row['self_ms_per_epoch']:.3f} | "
                             f"{row['cum_ms_per_epoch']:.3f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tests/bench/kernels.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scipy", action="store_true", help="also time scipy's BLAS (loads scipy in the browser)")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args(argv)
    browser = browser_side(args.scipy)
    native = native_side(args.scipy)
    if args.json:
        args.json.write_text(json.dumps({"browser": browser, "native": native}, indent=2) + "\n")
    print(report(browser, native))
    return 0


if __name__ == "__main__":
    sys.exit(main())
