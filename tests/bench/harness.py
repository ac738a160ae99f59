"""Benchmark plumbing: the server, Chromium profiles, a request guard and in-page probes.

Runs on CPython (the benchmark driver, tests/bench/run.py); the JavaScript strings below
run in the page or in its worker. Nothing here measures: it starts things, and it reads
counters the measuring code asks for.

- ``app_server()``: ``python serve.py serve --port 0 --no-setup --quiet`` in a subprocess.
- ``Browser.open(profile)``: Debian's Chromium with a persistent profile, so "cold" is a
  fresh profile folder and "warm" the same folder opened again (an incognito context's
  memory cache cannot hold the 10 MB wasm). Off-machine requests go to a dead proxy
  (127.0.0.1:9; loopback bypasses it) and are recorded as problems (a peer's page: as
  notes). No ``page.route``: routing would switch the HTTP cache off.
- ``WorkerProbe``: attaches to the page's worker over the Chrome DevTools Protocol as it
  starts, before any of its code runs, and notes every ``WebAssembly.Memory`` it creates
  or exports, so the worker's wasm heap can be read without changing the app.
- ``static_server(folder)``: ``python -m http.server`` on loopback for a peer's static build.
- ``Wire``: an emulated link (``Network.emulateNetworkConditions`` on the page) and every
  request of the page and of its worker with its bytes on the wire.

Non-goals: timing, statistics, reporting (run.py does those). Starting a process and
reading its URL, Chromium's settings and what counts as off the machine come from
tests/support.py, shared with the test suite.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import support  # noqa: E402

DEAD_PROXY = {"server": "http://127.0.0.1:9", "bypass": "127.0.0.1"}
LOAD_TIMEOUT_MS = 180_000


class BenchError(RuntimeError):
    """The benchmark could not run as designed; the message says why."""


@contextlib.contextmanager
def started(process: support.Spawned):
    """The URL `process` prints (support.url_of), its failure to start as a BenchError."""
    try:
        with support.url_of(process) as url:
            yield url
    except support.StartError as e:
        raise BenchError(str(e)) from e


def app_server():
    """``with app_server() as url``: serve.py on a free loopback port, in a subprocess
    (setup must already be done)."""
    return started(support.serve_py("serve", "--port", "0", "--no-setup", "--quiet"))


def static_server(folder: Path):
    """``with static_server(folder) as url``: the standard library's plain static server
    (``python -m http.server``) for a folder."""
    return started(support.Spawned(
        sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(folder),
        name="python -m http.server"))


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
        try:
            self.chromium = support.chromium()
        except support.StartError as e:
            raise BenchError(str(e)) from e
        self.playwright = playwright
        self.problems = []
        self._tmp = tempfile.TemporaryDirectory(prefix="py_mlp-bench-")
        self._profiles = itertools.count(1)

    def new_profile(self) -> str:
        """A fresh, empty profile folder: a cold HTTP cache and no compiled-code cache."""
        path = Path(self._tmp.name) / f"profile-{next(self._profiles)}"
        path.mkdir()
        return str(path)

    def open(self, profile: str, notes: list | None = None):
        """A browser on ``profile``; a peer's page passes ``notes``, which then receive what
        would be problems in ours (requests off the machine, console and page errors)."""
        context = self.playwright.chromium.launch_persistent_context(
            profile, **self.chromium, headless=True, proxy=DEAD_PROXY,
            viewport={"width": 1280, "height": 900},
        )
        out = self.problems if notes is None else notes
        context.on("request", lambda r: support.off_machine(r.url) and out.append(f"request off the machine: {r.url}"))
        context.on("weberror", lambda e: out.append(f"page error: {e.error}"))
        context.on("console", lambda m: m.type == "error" and out.append(f"console error: {m.text}"))
        context.add_init_script(READY_MARK)
        return context

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

# Trains the worker directly, nothing drawn: setup(the page's settings), one untimed epoch, then
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
    done += r.epoch.length;
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


# ---- a first visit over an emulated link ---------------------------------------------------

# performance.now() when the network drawing first has neurons (#network-view data-neurons > 0).
DRAWN_MARK = """
(() => {
  window.__benchDrawn = { networkAt: null };
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      if (r.target.id === 'network-view' && Number(r.target.dataset.neurons) > 0) {
        window.__benchDrawn.networkAt = performance.now();
        observer.disconnect();
        return;
      }
    }
  });
  observer.observe(document, { attributes: true, attributeFilter: ['data-neurons'], subtree: true });
})();
"""

# TensorFlow Playground is ready when its network drawing (#svg) first has a node: its bundle
# builds the controls, the data and the network in one synchronous run, and a mutation
# observer's callback runs just after that script, when Play already works. Added after
# READY_MARK, it sets the same window.__bench.readyAt, so goto_ready waits for it.
PEER_READY_MARK = """
(() => {
  const observer = new MutationObserver(() => {
    if (document.querySelector('#svg g.node')) {
      window.__bench.readyAt = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true });
})();
"""


def link_conditions(down_mbit_s: float, up_mbit_s: float, latency_ms: float) -> dict:
    """Network.emulateNetworkConditions parameters (throughputs in bytes per second)."""
    return {"offline": False, "latency": latency_ms,
            "downloadThroughput": down_mbit_s * 1e6 / 8, "uploadThroughput": up_mbit_s * 1e6 / 8}


class Wire:
    """The page's link to the server, emulated, and every request made over it.

    ``Network.emulateNetworkConditions`` on the page's DevTools session throttles the
    page's dedicated worker too, over one shared link (measured on a cold visit: the
    worker's 10 MB wasm took 8.5 s with it, 0.8 s without; no stretch of the visit beat
    the link). The page's Network domain does not report the worker's requests, though,
    and a second DevTools client attached to the worker starts too late to see its module
    graph (Playwright resumes the worker first). Playwright's own worker session sees
    them all, so the requests come from Playwright's events; their sizes are Chromium's
    ``Network.loadingFinished`` ``encodedDataLength`` (0 for a cache hit). Create it
    before navigating.
    """

    def __init__(self, context, page, conditions: dict | None):
        self.page = page
        self.cdp = context.new_cdp_session(page)
        self.started, self.finished, self.failed = [], [], []
        self.page_session_urls = set()  # finished requests the page's own Network domain reported
        self._urls = {}
        context.on("request", lambda r: self.started.append(time.monotonic()))
        context.on("requestfinished", lambda r: self.finished.append(r))
        context.on("requestfailed", lambda r: self.failed.append(r))
        self.cdp.on("Network.requestWillBeSent", lambda e: self._urls.__setitem__(e["requestId"], e["request"]["url"]))
        self.cdp.on("Network.loadingFinished",
                    lambda e: self.page_session_urls.add(self._urls.get(e["requestId"])))
        self.cdp.send("Network.enable")
        if conditions:  # None: the bare loopback (to compare against)
            self.cdp.send("Network.emulateNetworkConditions", conditions)

    def settle(self, quiet_s: float = 0.5, timeout_s: float = 20.0) -> bool:
        """Wait until no request is in flight and none started for ``quiet_s``; False on timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            busy = len(self.started) > len(self.finished) + len(self.failed)
            if not busy and (not self.started or time.monotonic() - self.started[-1] >= quiet_s):
                return True
            self.page.wait_for_timeout(50)  # lets Playwright deliver the request events
        return False

    def requests(self) -> list[dict]:
        """Every request so far, in start order: ms after navigation start, bytes on the wire."""
        origin = self.page.evaluate("performance.timeOrigin")
        out = []
        for r in self.finished + self.failed:
            t = r.timing  # a request that failed before it was sent has no times (-1)
            start = t["startTime"] - origin if t["startTime"] > 0 else None
            end = start + t["responseEnd"] if start is not None and t["responseEnd"] >= 0 else None
            entry = {"url": r.url, "start_ms": start, "end_ms": end,
                     "by": "page" if r.url in self.page_session_urls else "worker"}
            if r.failure is not None:
                entry.update(bytes=0, failed=r.failure)
            else:
                sizes = r.sizes()
                response = r.response()
                entry.update(bytes=max(0, sizes["responseBodySize"] + sizes["responseHeadersSize"]),
                             status=response.status if response else None)
            out.append(entry)
        return sorted(out, key=lambda e: (e["start_ms"] is None, e["start_ms"] or 0))


def densest_rate(requests: list[dict], min_span_ms: float = 500.0) -> float:
    """Bytes per second over the busiest interval (at least ``min_span_ms``) that whole
    requests fill: from one request's start to another's end. An emulated link that
    throttles every request never exceeds its own throughput here."""
    done = [r for r in requests if r["bytes"] and r["end_ms"] is not None]
    best = 0.0
    for a in {r["start_ms"] for r in done}:
        for b in {r["end_ms"] for r in done}:
            if b - a >= min_span_ms:
                inside = sum(r["bytes"] for r in done if r["start_ms"] >= a and r["end_ms"] <= b)
                best = max(best, inside / (b - a) * 1000)
    return best
