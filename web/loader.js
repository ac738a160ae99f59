// Runtime loader: main thread. Starts the Python worker (pyworker.js) that runs py_mlp on
// Pyodide, reports its downloads to a progress bar, and turns its exported functions into
// async calls: `(await startWorker()).train(5, 40)` resolves to worker.py's JSON string.
//
// Every call has a time limit (`limit(name)`, or `api.timed(ms, name, ...args)`): a busy
// Python worker cannot be interrupted, so past it the worker is stopped and every call
// rejects with an error whose `lost` is true (name "WorkerTimeout"; `call` names the call,
// `started` says whether the worker had begun it). A call next in line that the worker
// has not begun within START_MS means it is busy with something no call asked for (work
// the reader's code left behind, a timer say): that stops it too. So does a worker that
// breaks (name "WorkerLost"). The page then starts another (app.js, recover); `onLost`
// hears of a loss that no call was waiting on.
//
// Trust: the worker runs the reader's own code, which can post anything on the worker's
// own channel. The page reads only a MessagePort it hands to pyworker.js, ignores start-up
// messages once the worker is ready, takes a result only for a call it is waiting on,
// and downloads for the worker only files of its own runtime folder. The worker starts
// from a blob: URL, so it has the page's Content-Security-Policy (from serve.py's header,
// or index.html's <meta> on a static host): a worker started from its own URL has only
// that response's headers, which a static host does not send.
//
// The worker counts the bytes of its own downloads, so the bar shows the real transfer
// (there is no second copy), and it names every failure. A worker that goes silent while
// starting (no progress, no answer) is given up on after STALL_MS, so the page always
// ends in a state. All URLs are relative to this module: the app works from any
// sub-path and from another origin.

import { cut } from "./answers.js";

const STALL_MS = 60_000;
const START_MS = 4_000;      // a free worker begins a call at once; this long, and it is busy elsewhere
const DOWNLOAD_SHARE = 0.8;  // of the bar; the two later stages fill the rest
const STAGES = ["Downloading Python", "Loading numpy and py_mlp", "Starting py_mlp"];
const RUNTIME_FILE = /^pyodide\/[A-Za-z0-9_.+-]+\.(whl|zip)$/;  // what the page downloads for the worker

function lostError(name, message, fields) {
  return Object.assign(new Error(message), { name, lost: true, call: null, started: false, ...fields });
}

export function startWorker({ onProgress = () => {}, onLost = () => {}, limit = () => 60_000 } = {}) {
  const script = new URL("pyworker.js", import.meta.url).href;
  const blob = URL.createObjectURL(new Blob([`import ${JSON.stringify(script)};\n`], { type: "text/javascript" }));
  const worker = new Worker(blob, { type: "module", name: "py_mlp" });
  const channel = new MessageChannel();
  worker.postMessage({ type: "connect" }, [channel.port2]);
  const port = channel.port1;
  const pending = new Map();   // call id -> {name, limit, started, timer, resolve, reject}, in the order sent
  let nextId = 0;
  let ready = false;
  let lost = null;             // why the worker can no longer answer, once it cannot
  let ours = 0;                // bytes the page downloaded for the worker (numpy)
  let last = null;             // the worker's last progress message
  let api = null;

  // The worker can answer no more: stop it, and tell every call waiting (and, once it was
  // ready, the page).
  const lose = (error) => {
    if (lost) return;
    lost = error;
    error.from = api;
    worker.terminate();
    port.close();
    URL.revokeObjectURL(blob);
    for (const call of pending.values()) {
      clearTimeout(call.timer);
      call.reject(error);
    }
    pending.clear();
    if (ready) onLost(error);
  };

  // The oldest call not yet begun gets START_MS, while no call runs; a call that runs gets its limit.
  const watch = () => {
    const running = [...pending.values()].some((call) => call.started);
    let next = !running;
    for (const call of pending.values()) {
      if (call.started) continue;
      if (next && !call.timer) {
        const armed = performance.now();
        call.timer = setTimeout(() => {
          // Fired late, this page's own thread was busy (the worker's "started" may wait
          // behind this timer): the worker gets its time again rather than the blame. Else a
          // message to ourselves first, so that one already queued is read before deciding.
          if (performance.now() - armed > START_MS + 250) {
            call.timer = null;
            return watch();
          }
          const settle = new MessageChannel();
          settle.port1.onmessage = () => {
            settle.port1.close();
            if (call.started || lost || !pending.has(call.id)) return;
            lose(lostError("WorkerTimeout", "Python was stopped: it was busy with something no call asked for " +
              `(work left behind by code that ran before) and did not begin ${call.name} within ${START_MS / 1000} s`,
              { call: call.name }));
          };
          settle.port2.postMessage(null);
        }, START_MS);
      } else if (!next && call.timer) {
        clearTimeout(call.timer);
        call.timer = null;
      }
      next = false;
    }
  };

  function call(name, args, limitMs) {
    if (lost) return Promise.reject(lost);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { id, name, limit: limitMs, started: false, timer: null, resolve, reject });
      port.postMessage({ type: "call", id, name, args });
      watch();
    });
  }

  return new Promise((resolve, reject) => {
    let stall;
    const stalled = () => {
      clearTimeout(stall);
      stall = setTimeout(() => failed(`Python did not start: nothing happened for ${STALL_MS / 1000} s. ` +
        "Check your connection and reload the page."), STALL_MS);
    };
    const failed = (message) => {
      clearTimeout(stall);
      lose(lostError("WorkerLost", message));
      reject(new Error(message));
    };

    // Downloads fill most of the bar, each later stage a tenth: it never goes back.
    const draw = () => {
      if (!last) return;
      const downloaded = last.total ? Math.min((last.loaded + ours) / last.total, 1) : 0;
      const mb = (n) => (n / 1e6).toFixed(1);
      const bytes = last.total && downloaded < 1 ? ` (${mb(last.loaded + ours)} of ${mb(last.total)} MB)` : "";
      onProgress(downloaded * DOWNLOAD_SHARE + last.stage * 0.1, `${STAGES[last.stage]}…${bytes}`);
    };
    const number = (value) => typeof value === "number" && Number.isFinite(value) && value >= 0;

    worker.addEventListener("error", (event) => {
      event.preventDefault();
      const why = `Python's worker could not run (${event.message || "it did not load"})`;
      if (!ready) failed(`${why}. Reload the page; if this persists, run "py-mlp serve" again.`);
      else lose(lostError("WorkerLost", `${why}: something the code you ran left behind broke it`));
    });
    port.addEventListener("message", ({ data }) => {
      if (!data || typeof data !== "object" || lost) return;
      if (!ready && data.type === "progress") {
        if (![data.loaded, data.total].every(number) || ![0, 1, 2].includes(data.stage)) return;
        stalled();
        last = data;
        draw();
      } else if (!ready && data.type === "prefetch" && typeof data.name === "string" && RUNTIME_FILE.test(data.name)) {
        // Into the HTTP cache, where the worker's own request then finds it; a failure
        // here is the worker's to report, when it asks for the file itself.
        fetch(new URL(`runtime/${data.name}`, import.meta.url)).then(async (response) => {
          const reader = response.body.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            ours += value.length;
            stalled();
            draw();
          }
        }).catch(() => {});
      } else if (!ready && data.type === "ready" && Array.isArray(data.exports)) {
        ready = true;
        clearTimeout(stall);
        onProgress(1, "Ready");
        api = {};
        for (const name of data.exports) if (typeof name === "string") api[name] = (...args) => call(name, args, limit(name));
        api.timed = (ms, name, ...args) => call(name, args, ms);
        resolve(api);
      } else if (!ready && data.type === "failed") {
        failed(cut(data.message));
      } else if (ready && data.type === "started" && pending.get(data.id)?.started === false) {
        const started = pending.get(data.id);
        started.started = true;
        clearTimeout(started.timer);
        started.timer = setTimeout(() => lose(lostError("WorkerTimeout", `Python was stopped: ${started.name} did ` +
          `not return within ${started.limit / 1000} s`, { call: started.name, started: true })), started.limit);
        watch();
      } else if (ready && data.type === "result" && pending.get(data.id)?.started) {
        const answered = pending.get(data.id);
        clearTimeout(answered.timer);
        pending.delete(data.id);
        if (typeof data.lost === "string") {
          lose(lostError("WorkerLost", `Python broke while it ran ${answered.name} (${cut(data.lost, 200)})`,
            { call: answered.name, started: true }));
        } else if (typeof data.error === "string") {
          answered.reject(new Error(cut(data.error.trim().split("\n").at(-1))));
        } else {
          answered.resolve(data.value);
        }
        watch();
      }
    });
    port.start();
    stalled();
  });
}

// Download `files` ({name, size}) into the HTTP cache with one combined progress figure
// (the article preset's scikit-learn, before the worker loads it from there).
export async function prefetch(files, onProgress) {
  const total = files.reduce((sum, f) => sum + f.size, 0);
  let done = 0;
  await Promise.all(files.map(async (file) => {
    if (!RUNTIME_FILE.test(file.name)) throw new Error(`runtime-manifest.json names a file outside the runtime: ${cut(file.name, 80)}`);
    const response = await fetch(new URL(`runtime/${file.name}`, import.meta.url));
    if (!response.ok) throw new Error(`runtime/${file.name} answered ${response.status}`);
    const reader = response.body.getReader();
    for (;;) {
      const { done: finished, value } = await reader.read();
      if (finished) break;
      done += value.length;
      onProgress(Math.min(done / total, 1), `Downloading (${(done / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB)`);
    }
  }));
}

let manifest = null;

// The pinned files of one manifest group ("core" or "sklearn").
export async function runtimeFiles(group) {
  if (!manifest) {
    const response = await fetch(new URL("runtime-manifest.json", import.meta.url), { cache: "no-cache" });
    if (!response.ok) throw new Error(`runtime-manifest.json answered ${response.status}; run "python serve.py" to set up the app`);
    manifest = await response.json();
  }
  return manifest.files.filter((f) => f.group === group);
}
