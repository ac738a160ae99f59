// Runtime loader: main thread. Starts the PyScript worker that runs py_mlp on Pyodide.
//
// Progress: PyScript's `py:progress` events reach the main thread from a worker only
// when the page is cross-origin isolated (COOP/COEP), which an embedded page cannot
// demand. So the loader first downloads the large pinned files itself, streaming the
// bytes into the progress bar, and the worker then gets them from the HTTP cache (the
// server marks pinned files immutable). `py:progress` steps, where they do arrive, move
// the bar through the last stretch. All URLs are relative to this module, so the app
// works from any sub-path and from another origin.

const BASE = new URL(".", import.meta.url);
const url = (path) => new URL(path, BASE).href;

// Files the worker fetches while starting: Pyodide's core and numpy. The rest of the
// manifest (scikit-learn and its dependencies) loads only for the article preset.
const STARTUP = /^pyodide\/(pyodide\.mjs|pyodide\.asm\.(js|wasm)|python_stdlib\.zip|pyodide-lock\.json|numpy-.*\.whl)$/;
const DOWNLOAD_SHARE = 0.85;  // of the bar; starting the interpreter fills the rest

async function getJSON(path) {
  const response = await fetch(url(path), { cache: "no-cache" });
  if (!response.ok) {
    throw new Error(`${path} answered ${response.status}; run "python serve.py" to set up the app`);
  }
  return response.json();
}

// Download `files` ({name, size}) with one combined progress figure.
export async function prefetch(files, onProgress) {
  const total = files.reduce((sum, f) => sum + f.size, 0);
  let done = 0;
  await Promise.all(files.map(async (file) => {
    const response = await fetch(url(`runtime/${file.name}`));
    if (!response.ok) throw new Error(`runtime/${file.name} answered ${response.status}`);
    const reader = response.body.getReader();
    for (;;) {
      const { done: finished, value } = await reader.read();
      if (finished) break;
      done += value.length;
      onProgress(Math.min(done / total, 1), `Downloading Python (${(done / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB)`);
    }
  }));
}

let manifest = null;

// The pinned files of one manifest group ("core" or "sklearn").
export async function runtimeFiles(group) {
  manifest ??= await getJSON("runtime-manifest.json");
  return manifest.files.filter((f) => f.group === group);
}

// Load the runtime and return the started worker's `sync` API.
export async function startWorker({ onProgress = () => {} } = {}) {
  const [core, wheel] = await Promise.all([runtimeFiles("core"), getJSON("wheels/index.json")]);
  const startup = core.filter((f) => STARTUP.test(f.name));
  await prefetch(startup, (fraction, label) => onProgress(fraction * DOWNLOAD_SHARE, label));

  onProgress(DOWNLOAD_SHARE, "Starting Python…");
  let steps = 0;
  const onStep = (event) => {
    steps += 1;
    onProgress(Math.min(DOWNLOAD_SHARE + steps * 0.014, 0.99), `${event.detail}…`);
  };
  window.addEventListener("py:progress", onStep);
  try {
    const { PyWorker } = await import(url("runtime/pyscript/core.js"));
    const worker = await PyWorker(url("worker.py"), {
      // An absolute URL of our own pyodide.mjs is what selects the self-hosted interpreter.
      version: url("runtime/pyodide/pyodide.mjs"),
      config: {
        packages: ["numpy", url(`wheels/${wheel.wheel}`)],
        packages_cache: "passthrough",
      },
    });
    onProgress(1, "Ready");
    return worker.sync;
  } finally {
    window.removeEventListener("py:progress", onStep);
  }
}
