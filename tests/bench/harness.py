"""Benchmark plumbing: the server, Chromium profiles, a request guard and in-page probes.

Runs on CPython (the benchmark driver, tests/bench/run.py); the JavaScript strings below
run in the page or in its worker. Nothing here measures: it starts things, and it reads
counters the measuring code asks for.

- ``Server``: ``python serve.py --port 0 --no-setup --quiet`` in a subprocess.
- ``Browser.open(profile)``: Debian's Chromium with a persistent profile, so "cold" is a
  fresh profile folder and "warm" the same folder opened again (an incognito context's
  memory cache cannot hold the 10 MB wasm). Off-machine requests go to a dead proxy
  (127.0.0.1:9; loopback bypasses it) and are recorded as problems. No ``page.route``:
  routing would switch the HTTP cache off.
- ``WorkerProbe``: attaches to the page's worker over the Chrome DevTools Protocol as it
  starts, before any of its code runs, and notes every ``WebAssembly.Memory`` it creates
  or exports, so the worker's wasm heap can be read without changing the app.

Non-goals: timing, statistics, reporting (run.py does those).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PY_MLP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
DEAD_PROXY = {"server": "http://127.0.0.1:9", "bypass": "127.0.0.1"}
LOAD_TIMEOUT_MS = 180_000


class BenchError(RuntimeError):
    """The benchmark could not run as designed; the message says why."""


class Server:
    """serve.py on a free loopback port, in a subprocess (setup must already be done)."""

    def __enter__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "serve.py", "--port", "0", "--no-setup", "--quiet"],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for line in self.proc.stdout:
            match = re.search(r"http://127\.0\.0\.1:\d+/", line)
            if match:
                self.url = match.group(0)
                return self
        raise BenchError(f"serve.py exited with {self.proc.wait()} before printing its URL")

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=10)


# Records, at document start, when an element's data-state first becomes "ready"
# (performance.now(), i.e. ms since navigation start) and every state change of #app.
READY_MARK = """
(() => {
  window.__bench = { readyAt: null, states: [] };
  new MutationObserver((records) => {
    for (const r of records) {
      const state = r.target.getAttribute('data-state');
      if (r.target.id === 'app') window.__bench.states.push({ state, t: performance.now() });
      if (state === 'ready' && window.__bench.readyAt === null) window.__bench.readyAt = performance.now();
    }
  }).observe(document, { attributes: true, attributeFilter: ['data-state'], subtree: true });
})();
"""


class Browser:
    """A Playwright driver; ``open`` launches Chromium on one persistent profile folder."""

    def __init__(self, playwright):
        if not os.path.exists(CHROMIUM):
            raise BenchError(f"no Chromium at {CHROMIUM}: apt-get install chromium, or set PY_MLP_CHROMIUM")
        self.playwright = playwright
        self.problems = []
        self._tmp = tempfile.TemporaryDirectory(prefix="py_mlp-bench-")
        self._profiles = itertools.count(1)

    def new_profile(self) -> str:
        """A fresh, empty profile folder: a cold HTTP cache and no compiled-code cache."""
        path = Path(self._tmp.name) / f"profile-{next(self._profiles)}"
        path.mkdir()
        return str(path)

    def open(self, profile: str):
        context = self.playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, proxy=DEAD_PROXY,
            viewport={"width": 1280, "height": 900},
        )
        context.on("request", self._check_request)
        context.on("weberror", lambda e: self.problems.append(f"page error: {e.error}"))
        context.on("console", lambda m: m.type == "error" and self.problems.append(f"console error: {m.text}"))
        context.add_init_script(READY_MARK)
        return context

    def _check_request(self, request):
        url = request.url
        if not url.startswith(("data:", "blob:")) and urlsplit(url).hostname != "127.0.0.1":
            self.problems.append(f"request off the machine: {url}")

    def close(self):
        self._tmp.cleanup()


def goto_ready(page, url: str) -> float:
    """Open ``url`` and wait for its ready marker; returns ms from navigation start to ready."""
    page.goto(url)
    page.wait_for_function("window.__bench && window.__bench.readyAt !== null", timeout=LOAD_TIMEOUT_MS,
                           polling=50)
    failed = page.evaluate("document.querySelector('[data-state=error]') !== null")
    if failed:
        raise BenchError(f"{url} reached data-state=error: {page.evaluate('document.body.innerText')[:500]}")
    return page.evaluate("window.__bench.readyAt")


def chromium_version(context, page) -> str:
    """E.g. 'HeadlessChrome/156.0.8078.108' (the user agent string hides the minor numbers)."""
    session = context.new_cdp_session(page)
    try:
        return session.send("Browser.getVersion")["product"]
    finally:
        session.detach()


# ---- in-page probes (main thread) -----------------------------------------------------------

# Counts animation frames and long tasks from start() to stop(); stop() returns the summary.
FRAME_PROBE = """
() => {
  const probe = { frames: 0, gaps: [], longTasks: [], running: true, t0: null, last: null };
  const tick = (t) => {
    if (!probe.running) return;
    if (probe.t0 === null) { probe.t0 = probe.last = t; }
    else { probe.frames += 1; probe.gaps.push(t - probe.last); probe.last = t; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  probe.observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) probe.longTasks.push(e.duration);
  });
  probe.observer.observe({ type: 'longtask' });
  window.__benchFrames = probe;
}
"""
FRAME_STOP = """
() => {
  const p = window.__benchFrames;
  p.running = false;
  p.observer.disconnect();
  const gaps = [...p.gaps].sort((a, b) => a - b);
  const seconds = (p.last - p.t0) / 1000;
  return {
    frames: p.frames, seconds, fps: seconds > 0 ? p.frames / seconds : null,
    worst_frame_ms: gaps.length ? gaps[gaps.length - 1] : null,
    p95_frame_ms: gaps.length ? gaps[Math.floor(0.95 * (gaps.length - 1))] : null,
    long_tasks: p.longTasks.length, long_task_ms: p.longTasks.reduce((a, b) => a + b, 0),
    longest_task_ms: p.longTasks.length ? Math.max(...p.longTasks) : 0,
  };
}
"""

# Every view the page updates while training, by data-testid, with its update counters
# (charts: data-points; the decision-boundary heatmap: data-grid-updates; the network
# diagram: data-weight-updates; any later view with a *points / *updates counter).
DRAWN_VIEWS = """
() => {
  const views = {};
  for (const el of document.querySelectorAll('[data-testid]')) {
    const counters = Object.entries(el.dataset).filter(([k]) => /points$|updates$/i.test(k) && k !== 'testid');
    if (counters.length) views[el.dataset.testid] = Object.fromEntries(counters.map(([k, v]) => [k, Number(v)]));
  }
  return views;
}
"""

# Trains the worker directly, nothing drawn: setup(config), one untimed epoch, then
# `epochs` epochs in chunks of at most `budget` ms. Returns the timed ms and epochs.
TRAIN_BARE = """
async ([config, epochs, budget]) => {
  const w = window.pyMlp.worker();
  const call = async (name, ...args) => {
    const r = JSON.parse(await w[name](...args));
    if (!r.ok) throw new Error(`${name}: ${r.error}`);
    return r;
  };
  await call('setup', JSON.stringify(config));
  await call('train', 1, budget);
  let done = 0, chunks = 0;
  const t0 = performance.now();
  while (done < epochs) {
    const r = await call('train', epochs - done, budget);
    if (r.stopped) throw new Error(`training stopped: ${r.stopped}`);
    done += r.epochs.length;
    chunks += 1;
  }
  return { ms: performance.now() - t0, epochs: done, chunks };
}
"""


# ---- the worker, over the DevTools protocol --------------------------------------------------

# Runs in the worker before its first line: remembers each WebAssembly.Memory created or
# exported (the Pyodide heap is the largest). It never enumerates an imports object:
# Emscripten's dynamic-linking imports are proxies that resolve symbols on access.
WASM_HOOK = """
(() => {
  const seen = globalThis.__benchMemories = [];
  const Memory = WebAssembly.Memory;
  const keep = (m) => { if (m instanceof Memory && !seen.includes(m)) seen.push(m); };
  WebAssembly.Memory = new Proxy(Memory, {
    construct(target, args, newTarget) { const m = Reflect.construct(target, args, newTarget); keep(m); return m; },
  });
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const original = WebAssembly[name];
    WebAssembly[name] = async function () {
      const result = await original.apply(this, arguments);
      const exports = (result.instance ?? result).exports;
      if (exports) for (const value of Object.values(exports)) keep(value);
      return result;
    };
  }
  return true;
})()
"""
WASM_BYTES = "Math.max(0, ...globalThis.__benchMemories.map((m) => m.buffer.byteLength))"


class WorkerProbe:
    """Reads the page's worker (wasm heap, JS heap) through a DevTools session.

    Create it before navigating: it asks Chromium to hold each new worker of the page
    until the wasm hook is installed, then lets it run.
    """

    def __init__(self, context, page):
        self.page = page
        self.cdp = context.new_cdp_session(page)
        self._ids = itertools.count(1)
        self._replies = {}
        self.worker = None  # DevTools session id of the newest worker
        self.cdp.on("Target.receivedMessageFromTarget", self._on_message)
        self.cdp.on("Target.attachedToTarget", self._on_attached)
        self.cdp.send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": False})

    def browser_version(self) -> str:
        return self.cdp.send("Browser.getVersion")["product"]

    def _on_message(self, event):
        message = json.loads(event["message"])
        if "id" in message:
            self._replies[message["id"]] = message

    def _post(self, session, method, params=None):
        i = next(self._ids)
        self.cdp.send("Target.sendMessageToTarget", {
            "sessionId": session, "message": json.dumps({"id": i, "method": method, "params": params or {}}),
        })
        return i

    def _on_attached(self, event):
        session = event["sessionId"]
        if event["targetInfo"]["type"] == "worker":
            self.worker = session
            self._post(session, "Runtime.evaluate", {"expression": WASM_HOOK})
        self._post(session, "Runtime.runIfWaitingForDebugger")

    def _call(self, method, params=None, timeout=30.0):
        if self.worker is None:
            raise BenchError("no worker has started in the page")
        i = self._post(self.worker, method, params)
        deadline = time.monotonic() + timeout
        while i not in self._replies:
            if time.monotonic() > deadline:
                raise BenchError(f"the worker did not answer {method}")
            self.page.wait_for_timeout(10)  # lets Playwright deliver the reply event
        reply = self._replies.pop(i)
        if "error" in reply:
            raise BenchError(f"{method} in the worker: {reply['error']}")
        return reply["result"]

    def memory(self) -> dict:
        """Bytes after a garbage collection: page JS heap, worker JS heap, worker wasm heap."""
        self.cdp.send("HeapProfiler.collectGarbage")
        self._call("HeapProfiler.collectGarbage")
        page_heap = self.cdp.send("Runtime.getHeapUsage")["usedSize"]
        worker_heap = self._call("Runtime.getHeapUsage")["usedSize"]
        wasm = self._call("Runtime.evaluate", {"expression": WASM_BYTES, "returnByValue": True})
        return {"page_js_heap": page_heap, "worker_js_heap": worker_heap, "worker_wasm": wasm["result"]["value"]}
