// Benchmark floor page: main thread. The least any Pyodide + numpy page can do before it
// is ready: loadPyodide from the same self-hosted runtime, then loadPackage("numpy").
// tests/bench/run.py times it against the app. Sets <html data-state="ready"> and
// window.floor = {pyodide, readyAt, phases} when done (phases: performance.now() after
// each step); data-state="error" on failure.
// Non-goals: no worker, no app code, no progress bar.

const root = document.documentElement;
const status = document.getElementById("status");
const indexURL = new URL("../runtime/pyodide/", import.meta.url).href;

try {
  const phases = {};
  const { loadPyodide } = await import(new URL("pyodide.mjs", indexURL).href);
  phases.module = performance.now();
  const pyodide = await loadPyodide({ indexURL });
  phases.loadPyodide = performance.now();
  await pyodide.loadPackage("numpy", { messageCallback: () => {} });
  phases.loadPackage = performance.now();
  window.floor = { pyodide, readyAt: phases.loadPackage, phases };
  root.dataset.state = "ready";
  status.textContent = "Ready.";
} catch (error) {
  root.dataset.state = "error";
  status.textContent = `Failed: ${error.message}`;
  throw error;
}
