"""py_mlp's benchmark: the app in Chromium against a floor page and native CPython, one run.

Runs on CPython: ``python tests/bench/run.py [--quick] [--json PATH]``. One run, one
machine, one browser (Debian's Chromium, headless, off-machine requests sent to a dead
proxy), prints a table and writes JSON (default ``tests/bench/results/latest.json``):

1. time to ready, cold (fresh profile) and warm (same profile, next launch), of the app
   and of ``web/bench/floor.html`` (only ``loadPyodide`` + ``loadPackage("numpy")``);
2. training throughput in the page's worker (driven directly through
   ``window.pyMlp.worker()``) against the same ``py_mlp`` on CPython in this process, for
   tasks (a) TensorFlow Playground's default, (b) the tutorial's 2-4-3-1 and (c) a large
   2-64-64-1;
3. streaming overhead: the page training task (a) from its own Train button, with every
   view it draws, against its worker trained directly with nothing drawn;
4. main-thread health during those runs, and with 6 hidden layers of 8: frames per second
   (requestAnimationFrame) and long tasks (PerformanceObserver);
5. memory after a GC: page JS heap, worker JS heap and worker wasm heap, after a short
   and a long run;
6. a first visit over an emulated link (20 Mbit/s both ways, 40 ms round trip), the app
   beside TensorFlow Playground (its build in ``../shared/peers/tfpg``, on a plain static
   server): seconds to ready, bytes on the wire and requests, cold (new on-disk profile)
   and warm (same profile, browser relaunched); for the app also its first contentful
   paint, when its network drawing appears, and its biggest downloads.

Every figure names what ran and its repetitions (min, median, max). ``--quick`` runs the
same code on tiny sizes in about 90 s; tests/test_bench_quick.py runs it so the
benchmark cannot rot. Native numpy's BLAS is pinned to one thread: the browser worker
has one, and on a busy 2-core machine threaded BLAS is slower, not faster.

Non-goals: pass/fail on timings (targets are reported, never asserted), other browsers.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads; see the module docstring

import argparse
import contextlib
import datetime
import json
import math
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
for _path in (REPO, HERE):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import harness  # noqa: E402
import support  # noqa: E402
from py_mlp.server.files import SetupError  # noqa: E402
from harness import BenchError  # noqa: E402

DEFAULT_JSON = HERE / "results" / "latest.json"
APP_CHUNK_MS = 40      # the page's player asks the worker for 40 ms per round trip (web/player.js)
BARE_CHUNK_MS = 1000   # throughput runs: long chunks, so round trips cost next to nothing
PEER = {
    "name": "TensorFlow Playground",
    "task_a_epochs_per_s": 40, "task_a_fps": 40, "deep_6x8_epochs_per_s": 11, "deep_6x8_fps": 11,
    "source": "quoted from a measurement outside this repository (built from its own repository, "
              "same Chromium); not measured in this run",
}

# The tasks as the page's settings: the worker's setup takes them (settings.run_config maps them
# to a run), and the native side builds the same run from them.
TASK_A = {"dataset": "circles", "n_samples": 500, "noise": 0.1, "seed": 0, "test_fraction": 0.5,
          "batch_size": 10, "hidden": [4, 2], "activation": "tanh", "learning_rate": 0.03}
TASKS = {
    "a": {"label": "(a) TF Playground default: circles 500 pts, 50% train, batch 10, [4,2] tanh, lr 0.03",
          "config": TASK_A, "unit": "epochs/s"},
    "b": {"label": "(b) tutorial: 2-4-3-1 relu/sigmoid, 1000 pts, full batch, lr 0.005",
          "config": {"dataset": "circles", "n_samples": 1000, "noise": 0.1, "seed": 0, "test_fraction": 0.0,
                     "hidden": [4, 3], "activation": "relu", "learning_rate": 0.005},
          "unit": "ms/epoch"},
    "c": {"label": "(c) large: 2-64-64-1 relu/sigmoid, 10,000 pts, full batch, lr 0.005",
          "config": {"dataset": "circles", "n_samples": 10000, "noise": 0.1, "seed": 0, "test_fraction": 0.0,
                     "hidden": [64, 64], "activation": "relu", "learning_rate": 0.005},
          "unit": "ms/epoch"},
}
DEEP = {**TASK_A, "hidden": [8] * 6}
# Memory: task (a) at full batch (250 training points), so 50,000 epochs take minutes, not hours.
MEMORY = {**TASK_A, "batch_size": 0}

SIZES = {
    "full": {
        "ready_reps": 3,
        "throughput": {"a": (200, 3), "b": (1000, 3), "c": (10, 3)},   # (epochs per rep, reps)
        "stream": {"a": (300, 3), "deep": (150, 3)},
        "idle_s": 3.0,
        "memory": (1_000, 50_000),
        "first_visit": {"reps": 3, "link": {"down_mbit_s": 20, "up_mbit_s": 20, "latency_ms": 40}},
    },
    "quick": {
        "ready_reps": 1,
        "throughput": {"a": (10, 2), "b": (40, 2), "c": (1, 2)},
        "stream": {"a": (40, 1), "deep": (20, 1)},
        "idle_s": 1.0,
        "memory": (100, 1_000),
        # A faster link than full mode's: quick mode shows the rows work, not the figures.
        "first_visit": {"reps": 1, "link": {"down_mbit_s": 200, "up_mbit_s": 200, "latency_ms": 5}},
    },
}
SECTIONS = ("ready", "throughput", "stream", "memory", "first_visit")
TARGETS_TEXT = {
    "a_epochs_per_s": ">= 200 epochs/s in the browser",
    "a_fps": ">= 55 fps while training (a)",
    "c_ratio": "browser <= 4x native ms/epoch",
    "ready_cold_ratio": "app <= 1.3x floor, cold",
    "ready_warm_ratio": "app <= 1.3x floor, warm",
    "ready_warm_s": "warm <= 2 s",
    "streaming_overhead": "<= 10% fewer epochs/s",
    "memory_growth": "<= 10% growth",
    "first_visit_ready_s": "first visit ready <= 6 s, cold (20 Mbit/s, 40 ms)",
    "first_visit_mb": "first visit <= 9 MB on the wire, cold",
    "first_visit_network_s": "network drawing shown <= 1 s, cold",
}


def stat(values, unit):
    """min / median / max of repeated measurements (raw values kept)."""
    values = [math.nan if v is None else float(v) for v in values]
    return {"unit": unit, "n": len(values), "min": min(values), "median": statistics.median(values),
            "max": max(values), "values": values}


def ratio(a, b):
    return a / b if b else math.nan


# ---- 1. time to ready ------------------------------------------------------------------------

def measure_ready(browser, url, reps, log):
    """Cold then warm load of the app and of the floor page, alternating, ``reps`` times."""
    pages = {"app": url, "floor": url + "bench/floor.html"}
    times = {(kind, which): [] for kind in ("cold", "warm") for which in pages}
    chromium, profile_of = None, {}
    for rep in range(reps):
        for which, target in pages.items():
            profile = profile_of[which] = browser.new_profile()
            for kind in ("cold", "warm"):
                context = browser.open(profile)
                try:
                    page = context.new_page()
                    ms = harness.goto_ready(page, target)
                    chromium = chromium or harness.chromium_version(context, page)
                finally:
                    context.close()
                times[(kind, which)].append(ms / 1000)
                log(f"ready: {which} {kind} rep {rep + 1}/{reps}: {ms / 1000:.2f} s")
    result = {"chromium": chromium, "reps": reps, "profile": profile_of["app"],
              "definition": "performance.now() when data-state first becomes 'ready' (ms since navigation "
                            "start); cold = new empty profile, warm = same profile, browser relaunched"}
    for kind in ("cold", "warm"):
        app, floor = stat(times[(kind, "app")], "s"), stat(times[(kind, "floor")], "s")
        result[kind] = {"app": app, "floor": floor, "ratio": ratio(app["median"], floor["median"])}
    return result


# ---- 2-4. the page --------------------------------------------------------------------------

def page_query(config, epochs):
    """The playground's URL for a run config (the page's own link format)."""
    values = {k: v for k, v in config.items()}
    values["hidden"] = ",".join(map(str, config["hidden"])) or "none"
    values["batch_size"] = config.get("batch_size") or 0
    values.update(epochs=epochs, speed=0)
    return "?" + urlencode(values)


def open_task(page, url, config, epochs, problems):
    """Load the page configured for ``config``; returns the run config the page reports."""
    harness.goto_ready(page, url + page_query(config, epochs))
    got = page.evaluate("window.pyMlp.config ? window.pyMlp.config() : null")
    differ = [k for k, v in config.items() if got is None or got.get(k) != (v if k != "batch_size" else v or None)]
    if differ:
        problems.append(f"the page did not take {', '.join(differ)} from its URL (it reports {got}); "
                        "its figures are not for the intended task")
    return got


def wait_state(page, state, timeout_ms=900_000):
    page.wait_for_function("s => window.pyMlp.state() === s", arg=state, timeout=timeout_ms, polling=100)


def page_run(page, epochs_wanted):
    """Press Train on a fresh network and wait for the run to end; rate, frames, drawn views."""
    # Reset always: a bare run may have trained the worker's network behind the page's back.
    # The reset is over when the page is ready again and has said so in its status line.
    page.evaluate("document.querySelector('[data-testid=status]').textContent = ''")
    page.get_by_test_id("reset").click()
    page.wait_for_function("window.pyMlp.state() === 'ready' && "
                           "document.querySelector('[data-testid=status]').textContent !== ''",
                           timeout=120_000, polling=50)
    page.evaluate("() => { window.__bench.states = []; }")
    page.evaluate(harness.FRAME_PROBE)
    page.get_by_test_id("train").click()
    wait_state(page, "paused")
    frames = page.evaluate(harness.FRAME_STOP)
    states = page.evaluate("window.__bench.states")
    start = next(s["t"] for s in states if s["state"] == "training")
    end = next(s["t"] for s in states if s["state"] == "paused" and s["t"] >= start)
    epochs = page.evaluate("Number(document.querySelector('[data-testid=epoch]').textContent)")
    if epochs != epochs_wanted:
        raise BenchError(f"the page trained {epochs} epochs, not {epochs_wanted}: "
                         f"{page.get_by_test_id('status').text_content()}")
    return {"epochs": epochs, "seconds": (end - start) / 1000, "frames": frames,
            "views": page.evaluate(harness.DRAWN_VIEWS)}


def bare_run(page, config, epochs, budget_ms):
    return page.evaluate(harness.TRAIN_BARE, [config, epochs, budget_ms])


def measure_throughput_browser(page, sizes, log):
    out = {}
    for key, (epochs, reps) in sizes.items():
        runs = []
        for rep in range(reps):
            r = bare_run(page, TASKS[key]["config"], epochs, BARE_CHUNK_MS)
            runs.append(r["ms"] / r["epochs"])
            log(f"throughput browser {key} rep {rep + 1}/{reps}: {runs[-1]:.2f} ms/epoch")
        out[key] = {"ms_per_epoch": stat(runs, "ms/epoch"), "epochs": epochs, "reps": reps,
                    "chunk_ms": BARE_CHUNK_MS}
    return out


def measure_stream(page, config, got, epochs, reps, log, name):
    """Page (Train button, everything drawn) vs bare worker runs, alternating; frames too."""
    drawn, bare, bare_long, frames, views = [], [], [], [], None
    for rep in range(reps):
        run = page_run(page, epochs)
        drawn.append(run["epochs"] / run["seconds"])
        frames.append(run["frames"])
        views = run["views"]
        r = bare_run(page, config, epochs, APP_CHUNK_MS)
        bare.append(r["epochs"] / r["ms"] * 1000)
        r = bare_run(page, config, epochs, BARE_CHUNK_MS)
        bare_long.append(r["epochs"] / r["ms"] * 1000)
        log(f"stream {name} rep {rep + 1}/{reps}: page {drawn[-1]:.1f}, bare {bare[-1]:.1f}, "
            f"bare 1 s chunks {bare_long[-1]:.1f} epochs/s, {frames[-1]['fps']:.1f} fps")
    drawn_s, bare_s = stat(drawn, "epochs/s"), stat(bare, "epochs/s")
    return {
        "config": config, "page_config": got, "epochs": epochs, "reps": reps,
        "page": drawn_s, "bare": bare_s, "bare_long_chunks": stat(bare_long, "epochs/s"),
        "overhead": 1 - drawn_s["median"] / bare_s["median"],
        "overhead_vs_long_chunks": 1 - drawn_s["median"] / statistics.median(bare_long),
        "views": views,
        "fps": stat([f["fps"] for f in frames], "fps"),
        "worst_frame_ms": stat([f["worst_frame_ms"] for f in frames], "ms"),
        "long_tasks": stat([f["long_tasks"] for f in frames], "count"),
        "long_task_ms": stat([f["long_task_ms"] for f in frames], "ms"),
        "frames": frames,
    }


def measure_idle(page, seconds):
    page.evaluate(harness.FRAME_PROBE)
    page.wait_for_timeout(seconds * 1000)
    return page.evaluate(harness.FRAME_STOP)


def measure_memory(page, probe, url, first, last, problems, log):
    """Train to ``first`` epochs, sample; train on to ``last``, sample (after a GC each time)."""
    got = open_task(page, url, MEMORY, first, problems)
    samples = {"loaded": probe.memory()}
    page.get_by_test_id("train").click()
    wait_state(page, "paused")
    samples[str(first)] = probe.memory()
    log(f"memory after {first}: {samples[str(first)]}")
    epochs = page.get_by_test_id("epochs")
    epochs.fill(str(last - first))
    epochs.dispatch_event("change")
    page.get_by_test_id("train").click()
    page.wait_for_function("n => window.pyMlp.state() === 'paused' && Number(document.querySelector('[data-testid=epoch]').textContent) >= n",
                           arg=last, timeout=1_800_000, polling=500)
    trained = page.evaluate("Number(document.querySelector('[data-testid=epoch]').textContent)")
    if trained != last:
        raise BenchError(f"the memory run trained {trained} epochs, not {last}")
    samples[str(last)] = probe.memory()
    log(f"memory after {last}: {samples[str(last)]}")
    growth = {k: ratio(samples[str(last)][k] - samples[str(first)][k], samples[str(first)][k])
              for k in samples[str(first)]}
    return {"config": MEMORY, "page_config": got, "epochs": [first, last], "bytes": samples, "growth": growth,
            "method": "CDP after HeapProfiler.collectGarbage: Runtime.getHeapUsage usedSize (page, worker); "
                      "worker wasm = largest WebAssembly.Memory, noted by a hook installed as the worker starts"}


# ---- 6. a first visit over a realistic link ---------------------------------------------------

TOP_FILES = 6
READY_DEFINITIONS = {
    "app": "performance.now() when #app's data-state first becomes 'ready' (Python, numpy and py_mlp "
           "loaded, the first network built: Train works)",
    "tfpg": "performance.now() when its network drawing (#svg) first holds a node (g.node): its bundle "
            "builds controls, data and network in one synchronous run, so Play works from then",
}


def peer_folder():
    """TensorFlow Playground's build: ``shared/peers/tfpg`` beside the repository, or, when
    this is a linked git worktree, beside its main checkout. Returns (folder or None, looked in)."""
    places = [REPO.parent / "shared" / "peers" / "tfpg"]
    common = subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=REPO,
                            capture_output=True, text=True).stdout.strip()
    if common:
        places.append(Path(common).parent.parent / "shared" / "peers" / "tfpg")
    places = list(dict.fromkeys(p.resolve() for p in places))
    found = next((p for p in places if (p / "index.html").is_file()), None)
    return found, [str(p) for p in places]


def short(url):
    """A loopback URL's path (the file); other URLs whole."""
    parts = urlsplit(url)
    return parts.path if parts.hostname == "127.0.0.1" else url


def one_visit(browser, profile, url, which, conditions, notes, problems):
    """Open ``url`` on ``profile`` over the emulated link and wait until ready and quiet."""
    context = browser.open(profile, notes=notes if which == "tfpg" else None)
    try:
        context.add_init_script(harness.DRAWN_MARK if which == "app" else harness.PEER_READY_MARK)
        page = context.new_page()
        wire = harness.Wire(context, page, conditions)
        ready_ms = harness.goto_ready(page, url)
        chromium = harness.chromium_version(context, page)
        if not wire.settle():
            problems.append(f"first visit, {which}: requests still in flight 20 s after ready")
        paint_ms = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null")
        drawn_ms = page.evaluate("window.__benchDrawn ? window.__benchDrawn.networkAt : null")
        requests = wire.requests()
    finally:
        context.close()
    for r in requests:
        r["url"] = short(r["url"])
    loopback = [r for r in requests if r["url"].startswith("/")]
    failed = [r for r in loopback if "failed" in r]
    if which == "app" and failed:
        problems.extend(f"first visit, app: {r['url']} failed ({r['failed']})" for r in failed)
    done = [r for r in loopback if "failed" not in r]
    visit = {
        "ready_s": ready_ms / 1000, "first_paint_s": paint_ms / 1000 if paint_ms is not None else None,
        "mb": sum(r["bytes"] for r in done) / 1e6, "requests": len(loopback),
        "from_cache": sum(1 for r in done if r["bytes"] == 0),
        "by_worker": sum(1 for r in loopback if r["by"] == "worker"),
        "densest_mb_per_s": harness.densest_rate(done) / 1e6,
        "blocked": [r["url"] for r in requests if not r["url"].startswith("/")],
        "requests_list": requests, "chromium": chromium,
    }
    if which == "app":
        visit["network_s"] = drawn_ms / 1000 if drawn_ms is not None else None
    return visit


def measure_first_visit(browser, url, reps, link, log):
    """Cold then warm visits of the app and of TensorFlow Playground, alternating, ``reps`` times."""
    conditions = harness.link_conditions(**link)
    folder, looked_in = peer_folder()
    problems, notes = [], []
    targets = {"app": url}
    if folder is None:
        log(f"first visit: TensorFlow Playground not found (looked in {', '.join(looked_in)})")
    visits = {(which, kind): [] for which in ("app", "tfpg") for kind in ("cold", "warm")}
    with contextlib.ExitStack() as stack:
        if folder is not None:
            targets["tfpg"] = stack.enter_context(harness.static_server(folder))
        for rep in range(reps):
            for which, target in targets.items():
                profile = browser.new_profile()
                for kind in ("cold", "warm"):
                    visit = one_visit(browser, profile, target, which, conditions, notes, problems)
                    visits[(which, kind)].append(visit)
                    log(f"first visit: {which} {kind} rep {rep + 1}/{reps}: ready {visit['ready_s']:.2f} s, "
                        f"{visit['mb']:.2f} MB in {visit['requests']} requests")
    link_mb_per_s = conditions["downloadThroughput"] / 1e6
    densest = max(v["densest_mb_per_s"] for vs in visits.values() for v in vs)
    if densest > 1.1 * link_mb_per_s:
        problems.append(f"first visit: {densest:.2f} MB/s arrived over a link of {link_mb_per_s:.2f} MB/s: "
                        "some requests were not throttled, the figures are too good")
    result = {
        "link": {**link, "method": "CDP Network.emulateNetworkConditions on the page's session; it throttles "
                                   "the page's dedicated worker too, over one shared link"},
        "reps": reps, "chromium": visits[("app", "cold")][0]["chromium"],
        "definitions": {
            "ready": READY_DEFINITIONS,
            "cold": "new, empty on-disk profile (launch_persistent_context); warm: same profile, browser relaunched",
            "mb": "sum of Network.loadingFinished encodedDataLength (headers and body as sent) of every "
                  "loopback request of the page and of its worker until ready and 0.5 s without requests; "
                  "a cache hit counts 0; off-machine requests (the peer's) are blocked and not counted. Chromium "
                  "reports only the response headers for the worker's own script (pyworker.js), not its body",
            "first_paint_s": "performance paint entry 'first-contentful-paint'",
            "network_s": "performance.now() when #network-view first gets data-neurons > 0",
            "densest_mb_per_s": "bytes over the busiest interval (>= 0.5 s) that whole requests fill; "
                                "never above the link's throughput if every request is throttled",
        },
        "link_mb_per_s": link_mb_per_s, "densest_mb_per_s": densest,
        "peer_folder": str(folder) if folder else None, "peer_looked_in": looked_in,
        "problems": problems,
    }
    for which in targets:
        out = result[which] = {"served": "web/ by serve.py" if which == "app" else f"{folder} by python -m http.server"}
        for kind in ("cold", "warm"):
            vs = visits[(which, kind)]
            keys = ["ready_s", "first_paint_s", "mb", "requests", "from_cache", "by_worker"]
            keys += ["network_s"] if which == "app" else []
            out[kind] = {k: stat([v[k] for v in vs], "count" if k in ("requests", "from_cache", "by_worker")
                                 else "MB" if k == "mb" else "s") for k in keys}
            out[kind]["requests_first_rep"] = vs[0]["requests_list"]
        out["blocked"] = sorted({u for kind in ("cold", "warm") for v in visits[(which, kind)] for u in v["blocked"]})
    if "tfpg" in targets:
        result["tfpg"]["notes"] = sorted(set(notes))
    else:
        result["tfpg"] = {"not_found": f"TensorFlow Playground's build is not in {' or '.join(looked_in)}"}
    # The biggest downloads of the app's cold visits, with when each started and ended.
    cold = visits[("app", "cold")]
    # A file can be requested twice (numpy: by the page, then by the worker from the cache):
    # the request that brought its bytes is the one shown.
    def transfer(requests, url):
        return max((r for r in requests if r["url"] == url and "failed" not in r), key=lambda r: r["bytes"])

    sizes = {r["url"]: transfer(cold[0]["requests_list"], r["url"])["bytes"]
             for r in cold[0]["requests_list"] if "failed" not in r}
    top = sorted(sizes, key=sizes.get, reverse=True)[:TOP_FILES]
    result["app"]["top_files"] = [
        {"url": u, "mb": sizes[u] / 1e6, "by": transfer(cold[0]["requests_list"], u)["by"],
         "start_s": stat([transfer(v["requests_list"], u)["start_ms"] / 1000 for v in cold], "s"),
         "end_s": stat([transfer(v["requests_list"], u)["end_ms"] / 1000 for v in cold], "s")}
        for u in top]
    return result


# ---- native CPython ------------------------------------------------------------------------

def measure_native(sizes, log):
    import numpy as np

    from py_mlp.app.config import build_run
    from py_mlp.app.settings import run_config

    out = {"python": platform.python_version(), "numpy": np.__version__,
           "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS")}
    for key, (epochs, reps) in sizes.items():
        runs = []
        for rep in range(reps):
            trainer = build_run(run_config(TASKS[key]["config"])).trainer  # as the worker builds it
            trainer.train_epoch()
            t0 = time.perf_counter()
            for _ in range(epochs):
                trainer.train_epoch()
            runs.append((time.perf_counter() - t0) * 1000 / epochs)
            log(f"throughput native {key} rep {rep + 1}/{reps}: {runs[-1]:.2f} ms/epoch")
        out[key] = {"ms_per_epoch": stat(runs, "ms/epoch"), "epochs": epochs, "reps": reps}
    return out


# ---- the run --------------------------------------------------------------------------------

def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return {"cpus": os.cpu_count(), "cpu": cpu, "os": platform.platform(), "load_avg_start": os.getloadavg()}


def git_state():
    def git(*args):
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()
    return {"commit": git("rev-parse", "--short", "HEAD"), "dirty": bool(git("status", "--porcelain"))}


def run(mode, sections, log):
    from playwright.sync_api import sync_playwright

    sizes = SIZES[mode]
    result = {"meta": {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"), "mode": mode,
                       "machine": machine(), "git": git_state(), "sizes": sizes}}
    problems = result["problems"] = []
    try:
        support.set_up()
    except SetupError as exc:
        raise BenchError(f"runtime or wheel setup failed: {exc}") from exc

    with harness.app_server() as app_url, sync_playwright() as playwright:
        browser = harness.Browser(playwright)
        try:
            profile = None
            if "ready" in sections:
                result["ready"] = measure_ready(browser, app_url, sizes["ready_reps"], log)
                profile = result["ready"].pop("profile")  # the app's, warm by now
            if "first_visit" in sections:
                fv = sizes["first_visit"]
                result["first_visit"] = measure_first_visit(browser, app_url, fv["reps"], fv["link"], log)
                problems.extend(result["first_visit"].pop("problems"))
            if sections & {"throughput", "stream", "memory"}:
                # The work page: a warm profile, the worker probe attached before any load,
                # one page load per configuration (the page's own link format).
                context = browser.open(profile or browser.new_profile())
                try:
                    page = context.new_page()
                    probe = harness.WorkerProbe(context, page)
                    result["meta"]["chromium"] = probe.browser_version()
                    if sections & {"throughput", "stream"}:
                        got = open_task(page, app_url, TASK_A, sizes["stream"]["a"][0], problems)
                    if "stream" in sections:
                        result["stream"] = {"a": measure_stream(page, TASK_A, got, *sizes["stream"]["a"], log, "a")}
                        result["idle"] = measure_idle(page, sizes["idle_s"])
                    if "throughput" in sections:
                        result["throughput"] = {"browser": measure_throughput_browser(page, sizes["throughput"], log)}
                    if "stream" in sections:
                        got = open_task(page, app_url, DEEP, sizes["stream"]["deep"][0], problems)
                        result["stream"]["deep"] = measure_stream(page, DEEP, got, *sizes["stream"]["deep"], log,
                                                                  "6x8")
                    if "memory" in sections:
                        result["memory"] = measure_memory(page, probe, app_url, *sizes["memory"], problems, log)
                finally:
                    context.close()
        finally:
            problems.extend(browser.problems)
            browser.close()
    if "throughput" in sections:
        native = measure_native(sizes["throughput"], log)
        result["meta"]["native"] = {k: native.pop(k) for k in ("python", "numpy", "blas_threads")}
        result["throughput"]["native"] = native
        result["throughput"]["ratio"] = {
            k: ratio(result["throughput"]["browser"][k]["ms_per_epoch"]["median"], native[k]["ms_per_epoch"]["median"])
            for k in native}
        result["throughput"]["tasks"] = {k: TASKS[k] for k in native}
    result["peer"] = PEER
    result["meta"]["machine"]["load_avg_end"] = os.getloadavg()
    result["targets"] = targets(result)
    return result


def targets(r):
    """Each target of issues 5 and 11 with its measured figure (None when its section did not run)."""
    out = {}

    def put(key, value, ok):
        out[key] = {"target": TARGETS_TEXT[key], "measured": value, "met": None if value is None else bool(ok(value))}

    tp = r.get("throughput", {})
    a = tp.get("browser", {}).get("a")
    put("a_epochs_per_s", a and 1000 / a["ms_per_epoch"]["median"], lambda v: v >= 200)
    put("a_fps", r.get("stream") and r["stream"]["a"]["fps"]["median"], lambda v: v >= 55)
    put("c_ratio", tp.get("ratio", {}).get("c"), lambda v: v <= 4)
    ready = r.get("ready")
    put("ready_cold_ratio", ready and ready["cold"]["ratio"], lambda v: v <= 1.3)
    put("ready_warm_ratio", ready and ready["warm"]["ratio"], lambda v: v <= 1.3)
    put("ready_warm_s", ready and ready["warm"]["app"]["median"], lambda v: v <= 2)
    put("streaming_overhead", r.get("stream") and r["stream"]["a"]["overhead"], lambda v: v <= 0.10)
    mem = r.get("memory")
    put("memory_growth", mem and max(mem["growth"].values()), lambda v: v <= 0.10)
    fv = r.get("first_visit", {}).get("app", {}).get("cold")
    put("first_visit_ready_s", fv and fv["ready_s"]["median"], lambda v: v <= 6)
    put("first_visit_mb", fv and fv["mb"]["median"], lambda v: v <= 9)
    put("first_visit_network_s", fv and fv["network_s"]["median"], lambda v: v <= 1)
    return out


# ---- the table ------------------------------------------------------------------------------

def fmt(v, digits=2):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return f"{v:,.{digits}f}"


def cell(s, digits=2):
    return f"{fmt(s['median'], digits)} ({fmt(s['min'], digits)}–{fmt(s['max'], digits)})"


def per_s(ms_stat):
    """epochs/s from a ms/epoch stat (min time gives the max rate)."""
    return {"median": 1000 / ms_stat["median"], "min": 1000 / ms_stat["max"], "max": 1000 / ms_stat["min"]}


def table(r):
    """Markdown: every figure with median (min–max), repetitions and what ran."""
    m = r["meta"]
    rows = [f"py_mlp benchmark, {m['date']}, mode {m['mode']}, commit {m['git']['commit']}"
            f"{' + uncommitted changes' if m['git']['dirty'] else ''}",
            f"Machine: {m['machine']['cpus']} CPUs ({m['machine']['cpu']}), load average "
            f"{m['machine']['load_avg_start'][0]:.1f} at start, {m['machine']['load_avg_end'][0]:.1f} at end; "
            f"{m.get('chromium') or r.get('ready', r.get('first_visit', {})).get('chromium', '?')}; "
            + (f"native CPython {m['native']['python']}, numpy {m['native']['numpy']}, BLAS threads "
               f"{m['native']['blas_threads']}." if "native" in m else ""),
            "Figures: median (min–max) over the repetitions shown.", "",
            "| figure | result | what ran |", "|---|---|---|"]
    if "ready" in r:
        rd = r["ready"]
        for kind in ("cold", "warm"):
            rows.append(f"| time to ready, {kind}: app / floor | {cell(rd[kind]['app'])} s / "
                        f"{cell(rd[kind]['floor'])} s = **{fmt(rd[kind]['ratio'])}x** | "
                        f"{rd['reps']} loads each; floor = loadPyodide + loadPackage(numpy) |")
    if "throughput" in r:
        tp = r["throughput"]
        for k, task in tp["tasks"].items():
            b, n = tp["browser"][k], tp["native"][k]
            if task["unit"] == "epochs/s":
                fig = f"{cell(per_s(b['ms_per_epoch']), 1)} vs native {cell(per_s(n['ms_per_epoch']), 1)} epochs/s"
            else:
                fig = f"{cell(b['ms_per_epoch'])} vs native {cell(n['ms_per_epoch'])} ms/epoch"
            rows.append(f"| throughput {task['label']}: browser vs native | {fig}; browser/native time "
                        f"**{fmt(tp['ratio'][k], 1)}x** | {b['epochs']} epochs x {b['reps']} reps each; "
                        f"worker called directly, {b['chunk_ms']} ms chunks |")
        rows.append(f"| throughput (a), {PEER['name']} | {PEER['task_a_epochs_per_s']} epochs/s at "
                    f"{PEER['task_a_fps']} fps; 6x8: {PEER['deep_6x8_epochs_per_s']} epochs/s | "
                    f"**quoted, not measured in this run** (measured outside this repository) |")
    if "stream" in r:
        for key, name in (("a", "task (a)"), ("deep", "task (a) with 6 hidden layers of 8")):
            s = r["stream"][key]
            views = "; ".join(f"{v} ({', '.join(f'{n:,} {k}' for k, n in c.items())})"
                              for v, c in s["views"].items()) or "none"
            rows.append(f"| streaming, {name}: page (Train, all drawn) vs bare worker | {cell(s['page'], 1)} vs "
                        f"{cell(s['bare'], 1)} epochs/s: overhead **{fmt(100 * s['overhead'], 1)}%** "
                        f"({fmt(100 * s['overhead_vs_long_chunks'], 1)}% vs 1 s chunks) | {s['epochs']} epochs x "
                        f"{s['reps']} reps; bare = same {APP_CHUNK_MS} ms chunks; drawn: {views} |")
            rows.append(f"| main thread, {name} training | **{cell(s['fps'], 1)} fps**; worst frame "
                        f"{cell(s['worst_frame_ms'], 0)} ms; long tasks {cell(s['long_tasks'], 0)} "
                        f"({cell(s['long_task_ms'], 0)} ms) | same runs; rAF count, PerformanceObserver longtask |")
        i = r["idle"]
        rows.append(f"| main thread, idle page | {fmt(i['fps'], 1)} fps; {i['long_tasks']} long tasks | "
                    f"{fmt(i['seconds'], 1)} s, ready page, nothing running |")
    if "memory" in r:
        mem = r["memory"]
        first, last = mem["epochs"]
        b = mem["bytes"]
        for k, name in (("page_js_heap", "page JS heap"), ("worker_js_heap", "worker JS heap"),
                        ("worker_wasm", "worker wasm heap")):
            rows.append(f"| memory, {name}: after {first:,} / {last:,} epochs | {fmt(b[str(first)][k] / 1e6, 1)} / "
                        f"{fmt(b[str(last)][k] / 1e6, 1)} MB: **{fmt(100 * mem['growth'][k], 1)}%** | task (a) at "
                        f"full batch through the page; after a GC; loaded: {fmt(b['loaded'][k] / 1e6, 1)} MB |")
    if "first_visit" in r:
        rows += first_visit_rows(r["first_visit"])
    rows += ["", "| target | measured | met |", "|---|---|---|"]
    for key, t in r["targets"].items():
        v = t["measured"]
        shown = "–" if v is None else (f"{fmt(100 * v, 1)}%" if key in ("streaming_overhead", "memory_growth")
                                       else fmt(v, 2))
        rows.append(f"| {t['target']} | {shown} | {'–' if t['met'] is None else 'yes' if t['met'] else '**no**'} |")
    if r["problems"]:
        rows += ["", "Problems:"] + [f"- {p}" for p in r["problems"]]
    return "\n".join(rows)


def size_cell(mb_stat):
    """MB, or kB when under 0.1 MB (a warm visit's revalidations)."""
    if mb_stat["median"] >= 0.1:
        return f"{cell(mb_stat)} MB"
    return f"{cell({k: 1000 * mb_stat[k] for k in ('median', 'min', 'max')}, 1)} kB"


def first_visit_rows(fv):
    link = fv["link"]
    where = f"{fmt(link['down_mbit_s'], 0)} Mbit/s, {fmt(link['latency_ms'], 0)} ms"
    app, peer = fv["app"], fv["tfpg"]
    has_peer = "cold" in peer
    name = PEER["name"] if has_peer else f"{PEER['name']} (not found)"
    blocked = sorted({urlsplit(u).hostname for u in peer.get("blocked", [])})
    visits = f"{fv['reps']} visit{'s' if fv['reps'] > 1 else ''} each"
    rows = []
    for kind in ("cold", "warm"):
        a, p = app[kind], peer.get(kind)
        how = (f"{visits}, a new on-disk profile each; ready: the app's data-state=ready, {PEER['name']}'s first "
               "node in its network drawing" if kind == "cold" else
               f"{visits}, the cold visit's profile, browser relaunched")
        rows.append(f"| first visit over {where}, {kind}: ready, app / {name} | **{cell(a['ready_s'])} s** / "
                    f"{cell(p['ready_s']) + ' s' if p else '–'} | {how} |")
        wire = (f"**{size_cell(a['mb'])}** in {fmt(a['requests']['median'], 0)} requests "
                f"({fmt(a['by_worker']['median'], 0)} by its worker, {fmt(a['from_cache']['median'], 0)} from cache)")
        wire += (f" / {size_cell(p['mb'])} in {fmt(p['requests']['median'], 0)} requests "
                 f"({fmt(p['from_cache']['median'], 0)} from cache)" if p else " / –")
        how = "encodedDataLength of every request, page and worker; a cache hit is 0"
        if kind == "cold" and blocked:
            how += f"; {PEER['name']}'s off-machine requests blocked, not counted: {', '.join(blocked)}"
        rows.append(f"| first visit, {kind}: on the wire, app / {name} | {wire} | {how} |")
    c = app["cold"]
    rows.append(f"| first visit, cold, app: first contentful paint / network drawn | {cell(c['first_paint_s'])} s / "
                f"**{cell(c['network_s'])} s** | paint entry; #network-view gets data-neurons > 0 |")
    top = "; ".join(f"{f['url'].rsplit('/', 1)[-1]} {fmt(f['mb'])} MB, {fmt(f['start_s']['median'])} → "
                    f"{fmt(f['end_s']['median'])} s" for f in app["top_files"])
    by = " and ".join(sorted({f["by"] for f in app["top_files"]}))
    rows.append(f"| first visit, cold, app: biggest downloads, start → end | {top} | requested by the {by}; seconds "
                "after navigation start, median over the cold visits |")
    rows.append(f"| first visit: the emulated link holds | busiest interval {fmt(fv['densest_mb_per_s'])} MB/s, link "
                f"{fmt(fv['link_mb_per_s'])} MB/s | every visit; above the link would mean unthrottled requests |")
    return rows


def finite_or_null(value):
    """The result with NaN and infinities as null (JSON has no NaN) and tuples as lists."""
    if isinstance(value, dict):
        return {k: finite_or_null(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_null(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tests/bench/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (about 90 s): the test suite's mode")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write the results (%(default)s)")
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"comma-separated subset of {','.join(SECTIONS)}")
    parser.add_argument("--table-from", type=Path, metavar="JSON", help="print the table of a saved run and exit")
    args = parser.parse_args(argv)
    if args.table_from:
        print(table(json.loads(args.table_from.read_text())))
        return 0
    sections = set(args.sections.split(","))
    unknown = sections - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")

    def log(message):
        print(message, file=sys.stderr, flush=True)

    try:
        result = run("quick" if args.quick else "full", sections, log)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(finite_or_null(result), indent=2, allow_nan=False) + "\n")
    print(table(result))
    print(f"\nJSON: {args.json}", file=sys.stderr)
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
