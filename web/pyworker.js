// The Python worker: a module Web Worker that starts Pyodide, installs numpy and the
// py_mlp wheel, runs worker.py and answers the page's calls to its exported functions.
//
// Why not PyScript's PyWorker: PyScript 0.7 opens IndexedDB in its worker before Python
// starts, and a page framed by another site (the embed on a docs site) is denied storage,
// so it failed there ("Event object could not be cloned"); its `py:progress` events reach
// the page only when the page is cross-origin isolated; and a damaged runtime file left
// it waiting forever. Here every download is counted as it arrives, everything starts at
// once, and every failure is reported to the page in words.
//
// The page's own channel. The reader's code runs in this worker (the activation editor) and
// can post anything on the worker's default channel (`js.postMessage`); the page does not
// read that channel. Its first message hands this module a MessagePort, and every message
// between the page and this module goes over that port, which only this module holds (in
// module scope, beyond the reach of Python's `js`), sent with functions captured before any
// of the reader's code runs (so patching MessagePort.prototype later changes nothing here).
//
// Messages to the page: {type: "progress", loaded, total, stage}, {type: "prefetch", name}
// (download runtime/NAME into the HTTP cache and count it), {type: "ready", exports},
// {type: "failed", message}, {type: "started", id} (a call began), {type: "result", id,
// value | error | lost} (lost: Python itself broke and cannot answer again). From the
// page: {type: "connect"} with the port, then {type: "call", id, name, args} on it.
// Values are strings and numbers only.

import { loadPyodide } from "./runtime/pyodide/pyodide.mjs";

const at = (path) => new URL(path, import.meta.url).href;
const INDEX_URL = at("runtime/pyodide/");
// The files whose bytes the progress bar counts (pyodide.asm.js comes by import()).
const COUNTED = /^pyodide\/(pyodide-lock\.json|pyodide\.asm\.wasm|python_stdlib\.zip|numpy-.*\.whl)$/;

const send = MessagePort.prototype.postMessage;
const apply = Reflect.apply;
const hasOwn = Object.hasOwn;
let port = null;
const outbox = [];  // messages from before the port arrived
function post(message) {
  if (port) apply(send, port, [message]);
  else outbox.push(message);
}

let failed = false;
function fail(message) {
  if (!failed) post({ type: "failed", message });
  failed = true;
}

// ---- downloads: counted, started early, every failure named ------------------------------

// stage: 0 downloading, 1 loading numpy and py_mlp, 2 starting py_mlp (loader.js names them)
const progress = { loaded: 0, total: 0, stage: 0 };
function report(stage = progress.stage) {
  progress.stage = stage;
  post({ type: "progress", ...progress });
}

const early = new Map();  // url -> the response promise of a download started ahead of need
const delegated = new Set();  // urls the page downloads into the HTTP cache (and counts) for us
// Python starts once the wasm and the standard library are in; numpy is needed only after
// that, so its download waits for them rather than sharing their bandwidth.
const firstNeeded = new Set(["pyodide/pyodide.asm.wasm", "pyodide/python_stdlib.zip"]);
let firstArrived;
const firstIn = new Promise((resolve) => { firstArrived = resolve; });
const nativeFetch = globalThis.fetch.bind(globalThis);

async function counted(input, init) {
  const href = new URL(String(input instanceof Request ? input.url : input), import.meta.url).href;
  const response = await (early.get(href) ?? nativeFetch(input, init));
  early.delete(href);
  if (!response.ok) {
    fail(`${href.replace(at("."), "")} answered HTTP ${response.status}. ` +
      'The app is not fully set up on its server: run "python serve.py" (or rebuild the static site) and reload.');
    return response;
  }
  // Count a copy of the body, so the original keeps its URL (the browser caches compiled
  // wasm by URL, which makes the second visit faster).
  const name = href.replace(at("runtime/"), "");
  if (response.body && COUNTED.test(name) && !delegated.has(href)) {
    const reader = response.clone().body.getReader();
    (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        progress.loaded += value.length;
        report();
      }
      firstNeeded.delete(name);
      if (!firstNeeded.size) firstArrived();
    })().catch(() => {});
  }
  return response;
}
globalThis.fetch = counted;

// Pyodide swallows a failed wasm compile ("wasm instantiation failed!") and then waits
// forever; catch it on the way.
for (const name of ["instantiateStreaming", "instantiate"]) {
  const native = WebAssembly[name].bind(WebAssembly);
  WebAssembly[name] = (...args) => native(...args).catch((error) => {
    fail(`Python's runtime (pyodide.asm.wasm) is damaged and cannot run (${error.message}). ` +
      'Run "python serve.py" again: it checks every runtime file and fetches it anew.');
    throw error;
  });
}

// A promise awaited later: its failure is already reported (fail), so it must not also
// surface as an unhandled rejection before then.
function handled(promise) {
  promise.catch(() => {});
  return promise;
}

function fetchEarly(path) {
  const href = at(path);
  early.set(href, handled(nativeFetch(href)));
}

async function text(path) {
  const response = await counted(at(path));
  if (!response.ok) throw new Error(`${path} answered HTTP ${response.status}`);
  return response.text();
}

// ---- start ---------------------------------------------------------------------------------

const exports = Object.create(null);  // name -> the Python function

async function start() {
  // The start's downloads go out together: the py_mlp wheel, worker.py, then Pyodide's own
  // files (by loadPyodide), and numpy once Python's first files are in.
  const wheelIndex = handled(counted(at("wheels/index.json")).then((r) => r.json()));
  const source = handled(text("worker.py"));
  // The manifest first (a few kB): with the sizes known, the bar counts from the first byte.
  const manifest = await (await counted(at("runtime-manifest.json"))).json();
  const files = manifest.files.filter((f) => COUNTED.test(f.name));
  progress.total = files.reduce((sum, f) => sum + f.size, 0);
  // numpy is downloaded by the page, into the HTTP cache: this thread is busy starting
  // Python for seconds, and a download it cannot read meanwhile stalls on the wire.
  const numpyName = files.find((f) => f.name.includes("/numpy-")).name;
  delegated.add(at(`runtime/${numpyName}`));
  const numpy = handled(firstIn.then(() => post({ type: "prefetch", name: numpyName })));
  const wheel = handled(wheelIndex.then((index) => {
    fetchEarly(`wheels/${index.wheel}`);
    return at(`wheels/${index.wheel}`);
  }));
  report(0);

  const pyodide = await loadPyodide({ indexURL: INDEX_URL, stdout: () => {}, stderr: () => {} });
  report(1);
  await numpy;  // the page is downloading it (since the wasm and the standard library were in)
  await pyodide.loadPackage(["numpy", await wheel], { messageCallback: () => {}, errorCallback: fail });
  report(2);
  pyodide.FS.writeFile("/home/pyodide/py_mlp_worker.py", await source);
  let module;
  try {
    module = pyodide.pyimport("py_mlp_worker");
  } catch (error) {
    // A Python traceback: its last line says what went wrong.
    const last = String(error.message).trim().split("\n").at(-1);
    throw new Error(`worker.py failed to start (${last}). Reinstall the app ("python serve.py") and reload`);
  }
  for (const name of module.__export__.toJs()) exports[name] = module[name];
  PythonError = pyodide.ffi.PythonError;
  withdrawStorage();
  post({ type: "ready", exports: Object.keys(exports) });
}

// The reader's code needs no storage and no workers of its own: take away what would let
// it read or write the app's origin's storage (shared with every page of that origin on a
// docs host) or start a worker outside this one. (The network is the page's policy's
// to close: this worker is started from a blob: URL, so it has the page's policy.)
function withdrawStorage() {
  for (const name of ["indexedDB", "caches", "BroadcastChannel", "Worker", "SharedWorker"]) {
    for (let scope = globalThis; scope; scope = Object.getPrototypeOf(scope)) delete scope[name];
  }
  for (let nav = navigator; nav; nav = Object.getPrototypeOf(nav)) delete nav.storage;
}

// ---- calls ---------------------------------------------------------------------------------

// A Python exception is an answer; anything else thrown out of Python (an exit, a stack
// overflow in the wasm) leaves the interpreter unusable, and the page must replace it.
let PythonError = null;

async function answer({ id, name, args }) {
  const fn = typeof name === "string" && hasOwn(exports, name) ? exports[name] : null;
  post({ type: "started", id });
  try {
    if (!fn) throw new Error(`the worker has no function "${name}"`);
    let value = apply(fn, undefined, args);
    if (value && typeof value.then === "function") value = await value;  // an async def
    post({ type: "result", id, value });
  } catch (error) {
    const message = String(error?.message ?? error);
    if (fn && PythonError && !(error instanceof PythonError)) post({ type: "result", id, lost: message });
    else post({ type: "result", id, error: message });
  }
}

addEventListener("message", (event) => {
  if (port || event.data?.type !== "connect" || !event.ports?.[0]) return;
  port = event.ports[0];
  port.onmessage = (message) => { if (message.data?.type === "call") answer(message.data); };
  for (const message of outbox.splice(0)) apply(send, port, [message]);
});

start().catch((error) => fail(`Python could not start: ${error.message ?? error}`));
