// Benchmark floor page: main thread. The least any Pyodide + numpy page can do before it
// is ready: loadPyodide from the same self-hosted runtime, then loadPackage("numpy").
// tests/bench/run.py times it against the app. Sets <html data-state="ready"> and
// window.floor = {pyodide, readyAt} when done; data-state="error" on failure.
// Non-goals: no worker, no app code, no progress bar.

const root = document.documentElement;
const status = document.getElementById("status");
const indexURL = new URL("../runtime/pyodide/", import.meta.url).href;

try {
  const { loadPyodide } = await import(new URL("pyodide.mjs", indexURL).href);
  const pyodide = await loadPyodide({ indexURL });
  await pyodide.loadPackage("numpy", { messageCallback: () => {} });
  window.floor = { pyodide, readyAt: performance.now() };
  root.dataset.state = "ready";
  status.textContent = "Ready.";
} catch (error) {
  root.dataset.state = "error";
  status.textContent = `Failed: ${error.message}`;
  throw error;
}
