// The page's controller: main thread. Wires the form, the player loop and the chart to
// the training worker. It draws and keeps state; all of the maths runs in the worker.
//
// States, mirrored on the root element's data-state: loading -> ready -> training <->
// paused; error when the runtime cannot start.

import { LineChart } from "./chart.js";
import { readForm } from "./form.js";
import { prefetch, runtimeFiles, startWorker } from "./loader.js";

const CHUNK_BUDGET_MS = 40;  // worker time per round trip: ~25 chunks a second
const ARCHITECTURE = ["dataset", "hidden", "activation"];

const root = document.getElementById("app");
const form = document.getElementById("controls");
const buttons = {
  train: document.getElementById("train"),
  pause: document.getElementById("pause"),
  reset: document.getElementById("reset"),
};
const show = {
  epoch: document.getElementById("epoch"),
  loss: document.getElementById("loss"),
  accuracy: document.getElementById("accuracy"),
  status: document.getElementById("status"),
  progress: document.getElementById("progress"),
  progressLabel: document.getElementById("progress-label"),
};
const chart = new LineChart(document.getElementById("loss-chart"));

let worker = null;
let state = "loading";
let model = null;        // {config, epoch, target} once the worker holds a network
let loopRunning = false; // the player loop runs at most once
let history = { epoch: [], loss: [], accuracy: [] };  // every epoch of the current model

// Hook for tests, the benchmark and embedding pages.
window.pyMlp = { history: () => structuredClone(history), state: () => state, worker: () => worker };

function setState(next, message) {
  state = next;
  root.dataset.state = next;
  buttons.train.disabled = !["ready", "paused"].includes(next);
  buttons.pause.disabled = next !== "training";
  buttons.reset.disabled = !["ready", "paused", "training"].includes(next);
  if (message !== undefined) show.status.textContent = message;
}

function showEpoch(epoch, loss, accuracy) {
  show.epoch.textContent = String(epoch);
  show.loss.textContent = loss === undefined ? "–" : loss.toFixed(4);
  show.accuracy.textContent = accuracy === undefined ? "–" : accuracy.toFixed(3);
}

function sameArchitecture(a, b) {
  return ARCHITECTURE.every((key) => JSON.stringify(a[key]) === JSON.stringify(b[key]));
}

async function buildModel(config) {
  const { epochs, ...settings } = config;
  const result = JSON.parse(await worker.setup(JSON.stringify(settings)));
  if (!result.ok) {
    const message = document.getElementById(`${result.field}-error`);
    if (message) message.textContent = result.error;
    throw new Error(result.error);
  }
  model = { config, epoch: 0, target: 0 };
  history = { epoch: [], loss: [], accuracy: [] };
  chart.reset();
  showEpoch(0);
}

async function train() {
  const config = readForm(form);
  if (!config) {
    show.status.textContent = "Fix the highlighted fields, then press Train.";
    return;
  }
  if (!model || !sameArchitecture(model.config, config)) {
    await buildModel(config);
  } else if (model.config.learning_rate !== config.learning_rate) {
    await worker.set_learning_rate(config.learning_rate);
    model.config.learning_rate = config.learning_rate;
  }
  if (state !== "paused" || model.epoch >= model.target) model.target = model.epoch + config.epochs;
  setState("training", `Training to epoch ${model.target}…`);
  runLoop();
}

async function runLoop() {
  if (loopRunning) return;
  loopRunning = true;
  root.dataset.loop = "running";
  try {
    while (state === "training" && model.epoch < model.target) {
      const chunk = JSON.parse(await worker.train(model.target - model.epoch, CHUNK_BUDGET_MS));
      if (!model) return;  // reset while the chunk ran
      chunk.epochs.forEach((epoch, i) => chart.addPoint(epoch, [chunk.loss[i]]));
      history.epoch.push(...chunk.epochs);
      history.loss.push(...chunk.loss);
      history.accuracy.push(...chunk.accuracy);
      model.epoch = chunk.epoch;
      const last = chunk.epochs.length - 1;
      if (last >= 0) showEpoch(chunk.epoch, chunk.loss[last], chunk.accuracy[last]);
      if (chunk.stopped) {
        setState("paused", `Training stopped: ${chunk.stopped}`);
        return;
      }
    }
    if (state === "training") setState("paused", `Finished ${model.epoch} epochs. Press Train to go on.`);
  } catch (error) {
    fail(error);
  } finally {
    loopRunning = false;
    root.dataset.loop = "idle";
  }
}

function pause() {
  if (state === "training") setState("paused", `Paused at epoch ${model.epoch}.`);
}

async function reset() {
  model = null;
  history = { epoch: [], loss: [], accuracy: [] };
  chart.reset();
  showEpoch(0);
  setState("ready", "Reset. Press Train to start again.");
}

function fail(error) {
  console.warn(error);
  setState("error", `Something went wrong: ${error.message}. Reload the page to try again.`);
}

function onInput(event) {
  const name = event.target.name;
  if (model && state !== "training" && ARCHITECTURE.includes(name)) {
    // The old network no longer matches the settings: start afresh on the next Train.
    reset().then(() => { show.status.textContent = "Settings changed: the network was reset."; });
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (state === "ready" || state === "paused") train().catch(fail);
});
buttons.pause.addEventListener("click", pause);
buttons.reset.addEventListener("click", () => reset().catch(fail));
form.addEventListener("change", onInput);

// ?preset=article: the tutorial's own experiment, its log shown line by line.
async function runArticle() {
  setState("training", "The tutorial's experiment: loading scikit-learn…");
  const files = await runtimeFiles("sklearn");
  await prefetch(files, (fraction, label) => {
    show.status.textContent = `The tutorial's experiment: ${label.replace("Python", "scikit-learn")}`;
  });
  show.status.textContent = "The tutorial's experiment: training 150 iterations…";
  const result = JSON.parse(await worker.article_trace());
  const trace = document.getElementById("trace");
  trace.textContent = result.lines.join("\n");
  trace.closest("section").hidden = false;
  chart.reset();
  const parsed = result.lines.map((line) => line.match(/loss value \[\[(\S+)\]\] accuracy (\S+)/));
  parsed.slice(1).forEach((m, i) => chart.addPoint(i + 1, [Number(m[1])]));
  const last = parsed.at(-1);
  showEpoch(parsed.length - 1, Number(last[1]), Number(last[2]));
  setState("ready", "The tutorial's experiment ran: 150 iterations of its 2-4-3-1 network, log below.");
}

async function main() {
  setState("loading", "Loading Python and numpy…");
  try {
    worker = await startWorker({
      onProgress(fraction, label) {
        show.progress.value = fraction;
        show.progressLabel.textContent = label;
      },
    });
  } catch (error) {
    fail(error);
    return;
  }
  setState("ready", "Ready. Press Train.");
  chart.draw();
  if (new URLSearchParams(location.search).get("preset") === "article") await runArticle().catch(fail);
}

main();
