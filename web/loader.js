// Runtime loader: main thread. Starts the Python worker (pyworker.js) that runs py_mlp on
// Pyodide, reports its downloads to a progress bar, and turns its exported functions into
// async calls: `(await startWorker()).train(5, 40)` resolves to worker.py's JSON string.
// `api.timed(ms, name, ...args)` is the same call with a time limit, for calls that run a
// reader's own code: past it the worker is stopped (a busy worker cannot be interrupted)
// and the call rejects with an error named "WorkerTimeout"; the page then starts another.
//
// The worker counts the bytes of its own downloads, so the bar shows the real transfer
// (there is no second copy), and it names every failure. A worker that goes silent while
// starting (no progress, no answer) is given up on after STALL_MS, so the page always
// ends in a state. All URLs are relative to this module: the app works from any
// sub-path and from another origin.

const STALL_MS = 60_000;
const DOWNLOAD_SHARE = 0.8;  // of the bar; the two later stages fill the rest
const STAGES = ["Downloading Python", "Loading numpy and py_mlp", "Starting py_mlp"];

export function startWorker({ onProgress = () => {} } = {}) {
  const worker = new Worker(new URL("pyworker.js", import.meta.url), { type: "module", name: "py_mlp" });
  const waiting = new Map();   // call id -> {resolve, reject}
  let nextId = 0;
  let lost = null;             // why the worker can no longer answer, once it cannot
  let stopped = false;         // ... because a call ran past its time limit
  let ours = 0;                // bytes the page downloaded for the worker (numpy)
  let last = null;             // the worker's last progress message

  return new Promise((resolve, reject) => {
    let stall;
    const stalled = () => {
      clearTimeout(stall);
      stall = setTimeout(() => failed(`Python did not start: nothing happened for ${STALL_MS / 1000} s. ` +
        "Check your connection and reload the page."), STALL_MS);
    };
    const failed = (message) => {
      clearTimeout(stall);
      lost = message;
      worker.terminate();
      for (const { reject: no } of waiting.values()) no(new Error(message));
      waiting.clear();
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

    worker.addEventListener("error", (event) => {
      event.preventDefault();
      failed(`Python's worker could not run (${event.message || "it did not load"}). Reload the page; ` +
        'if this persists, run "python serve.py" again.');
    });
    worker.addEventListener("message", ({ data }) => {
      if (data.type === "progress") {
        stalled();
        last = data;
        draw();
      } else if (data.type === "prefetch") {
        // Into the HTTP cache, where the worker's own request then finds it; a failure
        // here is the worker's to report, when it asks for the file itself.
        fetch(data.url).then(async (response) => {
          const reader = response.body.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            ours += value.length;
            stalled();
            draw();
          }
        }).catch(() => {});
      } else if (data.type === "ready") {
        clearTimeout(stall);
        onProgress(1, "Ready");
        const api = {};
        for (const name of data.exports) api[name] = (...args) => call(name, args);
        api.timed = (ms, name, ...args) => call(name, args, ms);
        resolve(api);
      } else if (data.type === "failed") {
        failed(data.message);
      } else if (data.type === "result") {
        const pending = waiting.get(data.id);
        waiting.delete(data.id);
        if (!pending) return;
        if ("error" in data) pending.reject(new Error(data.error));
        else pending.resolve(data.value);
      }
    });
    stalled();
  });

  function call(name, args, timeoutMs = 0) {
    if (lost) return Promise.reject(stopped ? timedOut(lost) : new Error(lost));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      let timer = null;
      const settle = (fn) => (value) => { clearTimeout(timer); fn(value); };
      waiting.set(id, { resolve: settle(resolve), reject: settle(reject) });
      worker.postMessage({ type: "call", id, name, args });
      if (!timeoutMs) return;
      timer = setTimeout(() => {
        lost = `Python was stopped: ${name} did not return within ${timeoutMs / 1000} s`;
        stopped = true;
        worker.terminate();
        for (const pending of waiting.values()) pending.reject(timedOut(lost));
        waiting.clear();
      }, timeoutMs);
    });
  }
}

function timedOut(message) {
  const error = new Error(message);
  error.name = "WorkerTimeout";
  return error;
}

// Download `files` ({name, size}) into the HTTP cache with one combined progress figure
// (the article preset's scikit-learn, before the worker loads it from there).
export async function prefetch(files, onProgress) {
  const total = files.reduce((sum, f) => sum + f.size, 0);
  let done = 0;
  await Promise.all(files.map(async (file) => {
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
