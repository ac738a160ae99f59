// The playground's controller: main thread. Wires the settings, the player and the views
// to the training worker. It keeps state and draws; all of the maths runs in the worker.
//
// States, mirrored on the root element's data-state: loading -> ready -> training <->
// paused; error when the runtime cannot start.
//
// Every answer of the worker is data: checked against what its call returns (answers.js)
// before it is used, and shown with textContent. The worker runs the reader's own code, so
// every call has a time limit; past it (or when the worker breaks) a fresh worker goes on
// from the last checkpoint, and the message blames what actually ran (recover).

import { LineChart } from "./chart.js";
import { Controls, fillChoices } from "./controls.js";
import { prefetch, runtimeFiles, startWorker } from "./loader.js";
import { cut, readAnswer } from "./answers.js";
import { Player } from "./player.js";
import { describeBackprop } from "./backprop.js";
import { ActivationEditor, EXAMPLE } from "./activation-editor.js";
import { DerivativePanel } from "./derivative.js";
import { initEmbedded } from "./embedded.js";
import { download, chartsPNG } from "./downloads.js";
import { SCHEMA } from "./schema.js";
import * as settings from "./state.js";
import { BoundaryView } from "./views/boundary.js";
import { formatNumber } from "./views/format.js";
import { NetworkView } from "./views/network.js";

// While training, the boundary and the network redraw as often as their cost allows: the
// next snapshot waits ten times as long as the last one took (at most a tenth of the
// worker's time), and never more than 100 ms (at least 10 redraws a second).
const SNAPSHOT_MAX_GAP_MS = 100;
// The boundary's grid: as fine as about 20 ms of worker time a snapshot allows (measured in
// Chromium: some 7 ms, plus 0.05 to 0.08 µs per neuron and grid point), 96 x 96 down to 48 x 48.
const gridSize = (sizes) => [96, 80, 64].find((n) => n * n * sizes.reduce((a, b) => a + b, 0) <= 300_000) ?? 48;
const NEURON_GRID = 16;          // the heatmap inside each neuron
const AUTO_GRADCHECK_MAX_PARAMS = 400;
// Python cannot be interrupted in the worker: past these limits the worker is stopped and a
// fresh one goes on from the last checkpoint (recover).
const CHECK_LIMIT_MS = 5_000;    // running and checking your activation's code
const CALL_LIMIT_MS = 10_000;    // any call, once code of yours has run in this worker
const SAFETY_LIMIT_MS = 60_000;  // any call before that (a gradient check of a huge network, say)
const CODE_CALLS = new Set(["check_code", "use_code"]);
// Longer links are refused by many web servers (HTTP 414): nginx's and Apache's default
// limits are about 8 kB for the request line; serve.py's is 65,536 bytes.
const LINK_LIMIT = 8_000;

const $ = (id) => document.getElementById(id);
const root = $("app");
// Embedded in another page (embed.js): compact layout, and no shared local storage, so
// two embeds on one page, or an embed and the full page, never change each other.
const embedded = initEmbedded(root);
const form = $("controls");
const buttons = { train: $("train"), pause: $("pause"), step: $("step"), reset: $("reset") };
const show = {
  epoch: $("epoch"), loss: $("loss"), accuracy: $("accuracy"), testLoss: $("test-loss"),
  testAccuracy: $("test-accuracy"), status: $("status"),
};

const charts = {
  loss: new LineChart($("loss-chart"), {
    series: [{ name: "train loss" }, { name: "test loss", dash: [4, 3] }], readout: $("loss-readout"),
  }),
  metric: new LineChart($("accuracy-chart"), {
    series: [{ name: "train accuracy" }, { name: "test accuracy", dash: [4, 3] }], readout: $("accuracy-readout"),
  }),
  gradients: new LineChart($("gradient-chart"), { series: [], readout: $("gradient-readout") }),
};
const boundary = new BoundaryView($("boundary"), {
  onAddPoint: (x, y, cls) => act(() => editPoint("add_point", [x, y, cls],
    "Added a point to the training set. The network keeps what it learned: press Train to see how it reacts (Reset starts over).")),
  onRemovePoint: (set, index) => act(() => editPoint("remove_point", [set, index],
    `Removed a ${set === "train" ? "training" : "test"} point. The network keeps what it learned (Reset starts over).`)),
  onPickPoint: (index) => derivative.pickSample(index),
  readout: $("boundary-readout"),
  legend: $("boundary-legend"),
});
let hovered = null;           // the neuron under the pointer (or focus), if any
const network = new NetworkView($("network-view"), {
  onHoverNeuron: (layer, index) => {
    hovered = `${layer}-${index}`;
    act(() => showNeuron(layer, index));
  },
  onLeave: () => {
    hovered = null;
    network.hideNeuronMap();
  },
  readout: $("network-readout"),
  legend: $("network-legend"),
});

// Follow one derivative: its own drawing of the network; the sample picked on the plot.
const derivative = new DerivativePanel($("derivative"), {
  call: (...args) => call(...args), say: (message) => say(message), boundary, pickToggle: $("pick-sample"),
  isTraining: () => root.dataset.loop === "running", onWorkerLost: (error) => fail(error),
});

let worker = null;
let state = "loading";
let config = settings.copyDefaults();
let info = null;             // what the worker says of the current network (sizes, data, ...)
let lastSnapshot = 0;
let snapshotBusy = false;
let snapshotCost = 0;        // ms the last snapshot took, worker and drawing
let runTarget = 0;           // the epoch the current run stops at
let articleMode = false;     // ?preset=article: the tutorial's network, data and first weights
let customUsed = null;       // the code of your own activation, once checked and in use
let ran = [];                // code checked in this worker, in order (it may have left work behind)
let checkpoint = null;       // {points, model} from the worker, to go on from after a restart
let recovering = null;       // the restart under way, if any

fillChoices(document);
const controls = new Controls(form, { current: () => config, onChange: settingChanged });
const player = new Player({
  train: (max, budget) => call("train", max, budget),
  onChunk: takeChunk,
  onEnd: runEnded,
});

// Hook for tests, the benchmark and embedding pages.
window.pyMlp = {
  history: async () => {
    const { ok, ...columns } = await call("history");
    return ok ? columns : null;
  },
  state: () => state,
  points: () => info && { train: info.train, test: info.test, domain: info.domain },
  config: async () => (await call("run_config", JSON.stringify(config))).config,  // what build_run gets
  worker: () => worker,
};

// Every action that talks to the worker runs in order, one after another, so a setting
// changed just before Train is applied before training starts. data-busy tells tests
// (and embedding pages) when the queue has drained.
let queue = Promise.resolve();
let pending = 0;

function act(fn) {
  pending += 1;
  root.dataset.busy = "true";
  queue = queue.then(fn).catch(fail).finally(() => {
    pending -= 1;
    if (!pending) root.dataset.busy = "false";
  });
  return queue;
}

// A worker call's answer, checked (answers.js). An answer that your activation raised an
// exception while the network used it is an error named "YourCodeFailed" (fail() handles
// it); one that is not what the call returns means the worker cannot be trusted: it is
// replaced, as when it does not return.
async function call(name, ...args) {
  return checked(name, await worker.timed(limitFor(name), name, ...args));
}

function limitFor(name) {
  if (CODE_CALLS.has(name)) return CHECK_LIMIT_MS;
  return customUsed !== null || ran.length ? CALL_LIMIT_MS : SAFETY_LIMIT_MS;
}

function checked(name, text) {
  let answer;
  try {
    answer = readAnswer(name, text);
  } catch (error) {
    throw Object.assign(error, { lost: true, call: name, started: true, from: worker, malformed: true });
  }
  if (answer.fault === "code" && !CODE_CALLS.has(name)) {
    throw Object.assign(new Error(answer.error), { name: "YourCodeFailed", from: worker });
  }
  return answer;
}

function setState(next, message) {
  state = next;
  root.dataset.state = next;
  const idle = next === "ready" || next === "paused";
  // The player's buttons are marked unavailable with aria-disabled, not disabled: a
  // disabled button drops keyboard focus to the page when Space starts training.
  const off = { train: !idle || !info, step: !idle || !info, pause: next !== "training",
    reset: next === "loading" || next === "error" };
  for (const [name, unavailable] of Object.entries(off)) buttons[name].setAttribute("aria-disabled", String(unavailable));
  for (const id of ["download-model", "download-metrics", "gradcheck"]) $(id).disabled = !idle || !info;
  $("check-code").disabled = next === "loading" || next === "error";
  if (message !== undefined) say(message);
}

function say(message) {
  show.status.textContent = message;
}

const fmt = formatNumber;

function showStats(r) {
  show.epoch.textContent = String(r ? r.epoch : 0);
  show.loss.textContent = r ? fmt(r.loss) : "–";
  show.accuracy.textContent = r ? fmt(r.metric, 3) : "–";
  show.testLoss.textContent = r ? fmt(r.test_loss) : "–";
  show.testAccuracy.textContent = r ? fmt(r.test_metric, 3) : "–";
}

// ---- building and resetting the network ------------------------------------------------

async function rebuild(message) {
  player.pause();
  await player.idle();
  info = null;
  if (settings.usesCustom(config) && !customUsed) {
    for (const chart of Object.values(charts)) chart.reset();
    setState("ready", "This network uses your own activation, whose code has not run yet: read it under " +
      "“Your own activation”, then press “Run and check this code” and “Use it”.");
    return false;
  }
  const result = await call(articleMode ? "article_setup" : "setup", JSON.stringify(config));
  player.epoch = 0;
  runTarget = 0;
  showStats();
  if (!result.ok) {
    for (const chart of Object.values(charts)) chart.reset();
    if (result.field) controls.setError(result.field === "activation" ? "hidden" : result.field, result.error);
    derivative.setNetwork(null);
    setState("ready", `These settings cannot build a network: ${result.error}`);
    return false;
  }
  info = result;
  const regression = info.problem === "regression";
  $("accuracy-label").textContent = regression ? "R²" : "Accuracy";
  $("test-accuracy-label").textContent = regression ? "Test R²" : "Test accuracy";
  const metric = regression ? "R²" : "accuracy";
  charts.loss.reset();
  charts.metric.reset([{ name: `train ${metric}` }, { name: `test ${metric}`, dash: [4, 3] }]);
  charts.gradients.reset(info.sizes.slice(1).map((_, k) => ({ name: `layer ${k + 1}` })));
  boundary.setDomain(info.domain);
  boundary.setProblem({ kind: info.problem, classes: info.classes, range: info.target_range });
  boundary.setPoints({ train: info.train, test: info.test });
  network.setArchitecture({ sizes: info.sizes, inputNames: info.features, activations: info.activations });
  derivative.setNetwork(info);
  $("problem-help").textContent = describeProblem(info);
  setState("ready", message ?? "Ready. Press Train.");
  await refreshSnapshot();  // after "ready", as the panels: Train is usable while they fill in
  await refreshPanels();
  await saveCheckpoint();
  return true;
}

function describeProblem(i) {
  const loss = SCHEMA.losses[i.loss], n = i.sizes.at(-1);
  const out = `${n === 1 ? "one" : n} ${loss.output} output${n === 1 ? "" : "s"}, ${loss.label}`;
  return `${i.problem}: ${out}; ${i.n_train} training and ${i.n_test} test points.`;
}

async function refreshSnapshot() {
  if (snapshotBusy || !info) return;
  snapshotBusy = true;
  const started = performance.now();
  try {
    // Asked together, so no training chunk runs between the two: the same weights.
    const [snap, maps, grads] = await Promise.all([call("snapshot", gridSize(info.sizes)),
      network.wantsNeuronMaps ? call("neuron_maps", NEURON_GRID) : null,
      network.linkMode === "gradient" ? call("link_gradients") : null]);
    if (snap.ok) {
      boundary.setGrid(snap.grid);
      network.setWeights(snap.weights, snap.biases);
      derivative.setWeights(snap.weights, snap.biases);
    }
    if (maps?.ok) network.setNeuronMaps(maps);
    if (grads?.ok) network.setGradients(grads.dW, grads.db);
  } catch (error) {
    if (error.lost || error.name === "YourCodeFailed") fail(error);  // Python must be recovered
    else console.warn("py_mlp: the boundary and network could not be redrawn", error);
  } finally {
    snapshotBusy = false;
    lastSnapshot = performance.now();
    snapshotCost = lastSnapshot - started;
  }
}

async function refreshBackprop() {
  const shapes = await call("shapes");
  if (shapes.ok && info) $("backprop").replaceChildren(describeBackprop(shapes, info));
}

async function refreshPanels() {
  const [, code] = await Promise.all([refreshBackprop(), call("source")]);
  if (code.ok) $("code").textContent = code.text;
  await showBackwardSource();
  $("gradcheck-result").textContent = "";
  if (info && info.n_params <= AUTO_GRADCHECK_MAX_PARAMS) await gradientCheck();
}

async function showBackwardSource() {
  const code = await call("backward_source");
  if (code.ok) $("backward-code").textContent = code.text;
}

// The network's links by their gradient dL/dw over the training data, or by their weight.
async function colourLinks(byGradient) {
  network.setLinkMode(byGradient ? "gradient" : "weight");
  if (!byGradient || !info) return;
  const grads = await call("link_gradients");
  if (grads.ok && network.linkMode === "gradient") network.setGradients(grads.dW, grads.db);
}

async function gradientCheck() {
  const result = await call("gradient_check");
  const out = $("gradcheck-result");
  if (!result.ok) {
    out.textContent = result.error;
    return;
  }
  const verdict = result.error < result.tolerance ? "backprop agrees with finite differences"
    : "backprop and finite differences disagree";
  const skipped = result.skipped ? ` (${result.skipped} more skipped: a relu input or an L1 weight sits at its kink)` : "";
  out.textContent = `Largest error ${fmt(result.error, 3)} over ${result.checked} derivatives${skipped}, ` +
    `on ${result.samples} samples, floor ${fmt(result.floor, 2)}: ${verdict}.`;
  out.dataset.error = String(result.error);
}

// ---- training ---------------------------------------------------------------------------

function takeChunk(chunk) {
  if (!chunk.ok) {
    say(chunk.error);
    return "stop";
  }
  chunk.epoch.forEach((epoch, i) => {
    charts.loss.addPoint(epoch, [chunk.loss[i], chunk.test_loss[i] ?? NaN]);
    charts.metric.addPoint(epoch, [chunk.metric[i], chunk.test_metric[i] ?? NaN]);
    charts.gradients.addPoint(epoch, chunk.grad_norms[i]);
  });
  const i = chunk.epoch.length - 1;  // the worker keeps every epoch; the page shows the latest
  if (i >= 0) {
    showStats({ epoch: chunk.epoch[i], loss: chunk.loss[i], metric: chunk.metric[i],
      test_loss: chunk.test_loss[i], test_metric: chunk.test_metric[i] });
  }
  if (performance.now() - lastSnapshot > Math.min(SNAPSHOT_MAX_GAP_MS, 10 * snapshotCost)) refreshSnapshot();
  if (chunk.stopped) {
    say(`Training stopped: ${chunk.stopped}`);
    return "stop";
  }
  return undefined;
}

async function runEnded(reason) {
  root.dataset.loop = "idle";
  await refreshSnapshot();  // never rejects, so the run always ends in a state below
  if (reason instanceof Error) return fail(reason);
  act(saveCheckpoint);
  act(refreshBackprop);  // the sizes of dW and db where training stopped
  if (reason === "stopped") return setState("paused");
  if (reason === "paused") return setState("paused", `Paused at epoch ${player.epoch}.`);
  setState("paused", `Finished ${player.epoch} epochs. Press Train to go on.`);
}

function train(epochs) {
  if (!controls.validate()) {
    say("Fix the highlighted fields, then press Train.");
    return;
  }
  if (!info) {
    say("These settings cannot build a network; change them and press Reset.");
    return;
  }
  // A run is "Epochs per run" epochs long; Train after a Pause (or a few Steps) finishes
  // it, and Train after a finished run starts the next one.
  if (epochs === undefined && !(state === "paused" && player.epoch < runTarget)) runTarget = player.epoch + config.epochs;
  const target = epochs === undefined ? runTarget : player.epoch + epochs;
  setState("training", epochs === 1 ? "One epoch…" : `Training to epoch ${target}…`);
  root.dataset.loop = "running";
  player.play(target);
}

function pause() {
  if (state === "training") player.pause();
}

// ---- settings ---------------------------------------------------------------------------

// A person changed one setting on the form: the one configuration takes it at once (so a
// second quick edit builds on it); what it means for the network waits its turn.
function settingChanged(key, value) {
  $("preset").value = "";  // the settings are no longer the preset's
  if (articleMode && !settings.LIVE.has(key)) articleMode = false;  // the tutorial's setup no more
  config = settings.normalise({ ...config, [key]: value });
  remember();
  act(() => applySetting(key, value));
}

async function applySetting(key, value) {
  if (state === "loading" || state === "error") {
    network.setArchitecture(settings.plannedNetwork(config));
    return;  // the first build will use it
  }
  if (key === "speed") {
    player.speed = value;
    return;
  }
  if (settings.LIVE.has(key)) {
    if (key === "epochs") {  // the length of the next run; the run's configuration records it
      if (info) await call("update", JSON.stringify(liveSettings()));
      return;
    }
    if (key === "reg_rate" && config.regularization === "none") {
      return say(`The regularisation rate is now ${value}; it applies once you choose L1 or L2.`);
    }
    if (info) {
      const result = await call("update", JSON.stringify(liveSettings()));
      if (!result.ok) return say(result.error);
      const when = state === "training" ? "training goes on with it" : "the next epochs use it, on the same network";
      say(`${key.replace("_", " ")} is now ${value}; ${when}.`);
      if (key === "batch_size") await refreshPanels();
      else await refreshBackprop();
    }
    return;
  }
  await rebuild(`Settings changed (${key.replace("_", " ")}): the network was reset.`);
}

function liveSettings() {
  return Object.fromEntries([...settings.LIVE].map((key) => [key, config[key]]));
}

// The link's query: the settings, and your activation's code when the network uses it.
function linkQuery() {
  if (articleMode) return "preset=article";
  const query = new URLSearchParams(settings.toQuery(config));
  if (settings.usesCustom(config)) query.set("code", customUsed ?? editor.code);
  return query.toString();
}

function remember() {
  if (!embedded && !articleMode) settings.save(config);
  const query = linkQuery();
  const url = new URL(location.href);
  url.search = query;
  for (const key of ["embed", "panels"]) {
    const keep = new URLSearchParams(location.search).get(key);
    if (keep) url.searchParams.set(key, keep);
  }
  // Your code can make the address too long to load again (HTTP 414): then it stays out of
  // the address (local storage keeps it), so a reload works.
  if (url.href.length > LINK_LIMIT) url.searchParams.delete("code");
  window.history.replaceState(null, "", url);
  $("share-link").value = shareURL();
}

function shareURL() {
  const url = new URL(location.href);
  url.search = linkQuery();
  return url.href;
}

async function applyConfig(next, message) {
  config = settings.normalise(next);
  controls.render(config);
  player.speed = config.speed;
  remember();
  await rebuild(message);
}

// ---- data editing -----------------------------------------------------------------------

// Add or remove one point: the worker keeps the network, the split and the training, and
// the points become the run's own data (a Reset trains afresh on them).
async function editPoint(name, args, message) {
  if (!info || state === "loading" || state === "error") return;
  const result = await call(name, ...args);  // between two chunks, if training runs
  if (!result.ok) return say(`The point was not changed: ${result.error}`);
  info = { ...info, ...result };
  boundary.setDomain(info.domain);
  boundary.setPoints({ train: info.train, test: info.test });
  derivative.setNetwork(info);
  $("problem-help").textContent = describeProblem(info);
  useOwnData();
  await refreshSnapshot();
  await saveCheckpoint();
  say(message);
}

// The points the worker holds (uploaded, edited, or the tutorial's) are the data set now.
function useOwnData() {
  document.querySelector('input[name="dataset"][value="custom"]').disabled = false;
  config.dataset = "custom";
  controls.render(config);
  remember();
}

async function uploadCSV(file) {
  const text = await file.text();
  // With the settings: points they cannot train on are refused here, and the data kept.
  const result = await call("set_data", text, JSON.stringify(config));
  if (!result.ok) {
    $("csv-error").textContent = `${file.name}: ${result.error}`;
    say("The file was refused; your current data is kept.");
    return;
  }
  $("csv-error").textContent = "";
  useOwnData();
  await rebuild(`Loaded ${result.n} points from ${file.name}: the network was reset.`);
}

// ---- your own activation ------------------------------------------------------------------

const editor = new ActivationEditor({
  text: $("activation-code"), check: $("check-code"), use: $("use-code"), confirm: $("confirm-wrong"),
  confirmLabel: $("confirm-wrong-label"), notice: $("code-notice"), error: $("code-error"),
  result: $("code-result"), plot: $("code-plot"),
});

// Runs the editor's code, for the first time here, with a time limit: code that never
// returns stops the worker, and recover() starts another from the checkpoint taken now.
async function checkCode() {
  const code = editor.code;
  if (!embedded) settings.saveCode(code);
  editor.clearError();
  await saveCheckpoint();
  say("Running your code and checking its derivative…");
  ran.push(code);  // from now on, this worker may hold what it left behind
  const answer = await call("check_code", code);
  if (!answer.ok) {
    editor.showError(answer);
    return say(`Your code could not be used: ${answer.error}. The network is unchanged.`);
  }
  editor.showCheck(code, answer);
  say(answer.passed ? "Your derivative is right: press “Use it” to train with it."
    : "Your derivative is wrong (marked in red on its plot); fix it, or confirm to train with it anyway.");
}

async function useCode() {
  const code = editor.code;
  const answer = await call("use_code", code);
  if (!answer.ok) return say(answer.error);
  customUsed = code;
  editor.markUsed();
  if (!embedded) settings.saveCode(code);
  if (!config.hidden.length) {
    return say("Your activation is ready, but this network has no hidden layer: add one, then pick “your own”.");
  }
  config = settings.normalise({ ...config, activation: config.hidden.map(() => settings.CUSTOM) });
  controls.render(config);
  remember();
  await rebuild("Every hidden layer now uses your activation (each layer's menu can change that): the network was reset.");
}

async function saveCheckpoint() {
  if (!worker) return;
  const answer = await call("checkpoint");  // your points even before a network is built
  if (answer.ok) checkpoint = answer;
}

// What a lost worker, or an exception out of your code, is to blame on: "checked" (code
// being checked, or checked earlier, which left work behind), "used" (your activation in
// the network) or null (nothing of yours: a call of the page's own that took too long).
function blame(error) {
  const earlier = ran.some((code) => code !== customUsed);
  if (error.name === "YourCodeFailed") return customUsed !== null ? "used" : earlier ? "checked" : null;
  if (CODE_CALLS.has(error.call) && error.started && !error.malformed) return "checked";
  if (error.started && !error.malformed && error.name === "WorkerTimeout") return customUsed !== null ? "used" : null;
  // Not begun, broken between calls, or answers that cannot be believed: what code left behind.
  return earlier ? "checked" : customUsed !== null ? "used" : null;
}

// The network no longer uses your activation: tanh takes its layers (your code stays in
// the editor, to be fixed).
function dropActivation() {
  customUsed = null;
  config = settings.normalise({ ...config, activation: config.activation.map((a) => (a === settings.CUSTOM ? "tanh" : a)) });
  controls.render(config);
  remember();
}

const TAKEN_OUT = "your activation was taken out of the network (tanh in its layers, a fresh network). " +
  "Your code is still in the editor: fix it, check it and use it again.";

// Python stopped (a call past its limit, a broken worker, answers not to be believed) or
// your activation raised an exception in the network: go on with what is known to work.
// A stopped worker is replaced by a fresh one with your activation in use (unless it is to
// blame), your points, the configuration and the checkpoint's parameters.
async function recover(error) {
  console.warn("py_mlp: recovering", error);
  player.pause();
  try {
    const culprit = blame(error);
    if (error.name === "YourCodeFailed" && culprit === "used") {  // the worker itself is fine
      await player.idle();
      dropActivation();
      editor.showError({ error: error.message });
      await rebuild(`${error.message.replace(/^./, (c) => c.toUpperCase())}: ${TAKEN_OUT}`);
      return;
    }
    await replaceWorker(error, culprit);
  } finally {
    recovering = null;
  }
}

// A stopped (or untrustworthy) worker: a fresh one, and a message that blames `culprit`.
async function replaceWorker(error, culprit) {
  info = null;
  const saved = checkpoint;
  let drop = culprit === "used";
  if (drop) dropActivation();
  editor.clearError();
  if (culprit === "checked") {
    editor.showError({ error: error.started && CODE_CALLS.has(error.call)
      ? `it did not return within ${CHECK_LIMIT_MS / 1000} s, so Python was stopped`
      : "work it left behind (a timer or a callback) kept Python busy, so Python was stopped" });
  }
  setState("loading", "Python was stopped; a fresh one is starting with your last network…");
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await restart(saved, drop);
        break;
      } catch (failure) {
        // The activation in use broke the fresh worker too (it left work behind as it was
        // registered): once more without it.
        if (!failure.lost || attempt || customUsed === null) throw failure;
        drop = true;
        dropActivation();
      }
    }
    const what = {
      used: `Python was restarted with your data and settings, but ${TAKEN_OUT}`,
      checked: "Python was restarted with your last network, data and settings; the code you checked was not kept.",
      null: "Python was restarted with your last network, data and settings.",
    }[drop ? "used" : culprit];
    setState(info ? "ready" : state, `${cut(error.message, 300)}. ${what}`);
  } catch (failure) {
    setState("error", `Python could not be restarted: ${cut(failure.message, 300)}. Reload the page.`);
  }
}

// A fresh worker, with your activation (if kept), your points and the saved parameters.
async function restart(saved, dropped) {
  worker = await startWorker({ onProgress: showProgress, onLost: lostBetweenCalls, limit: limitFor });
  ran = [];
  if (customUsed !== null) {
    ran.push(customUsed);
    if ((await call("check_code", customUsed)).ok) await call("use_code", customUsed);
  }
  if (saved?.points) await call("restore_points", JSON.stringify(saved.points));
  if (await rebuild() && saved?.model && !dropped) {
    const loaded = await call("load_model", saved.model);
    if (loaded.ok) {
      player.epoch = loaded.epoch;
      showStats(loaded);
      await refreshSnapshot();
    }
  }
}

// The worker stopped while no call waited for it (work your code left behind broke it):
// recover in the queue of actions, as for any other call.
function lostBetweenCalls(error) {
  act(() => { throw error; });
}

// ---- the network view -------------------------------------------------------------------

async function showNeuron(layer, index) {
  const map = await call("neuron_map", layer, index, 24);
  if (map.ok && hovered === `${layer}-${index}`) network.showNeuronMap(layer, index, map);
}

// ---- sharing and files ------------------------------------------------------------------

async function downloadModel() {
  const result = await call("model_json");
  if (result.ok) download("py_mlp-model.json", result.text, "application/json");
}

async function loadModel(file) {
  const result = await call("load_model", await file.text());
  const box = $("model-error");
  if (!result.ok) {
    box.textContent = `${file.name}: ${result.error}`;
    say("The model file was refused; the current network is kept.");
    return;
  }
  box.textContent = "";
  for (const chart of Object.values(charts)) chart.reset();
  player.epoch = result.epoch;
  showStats(result);
  await refreshSnapshot();
  await saveCheckpoint();
  say(`Loaded the weights from ${file.name} (epoch ${result.epoch}): loss ${fmt(result.loss)} on the training data.`);
}

async function copyLink() {
  const link = shareURL();
  $("share-link").value = link;
  const keeps = config.dataset === "custom"
    ? "it keeps every setting, but not your own points (a link cannot carry data): it opens with the two circles"
    : "it rebuilds this run: the same data, network and settings, from the same seed";
  const long = link.length > LINK_LIMIT
    ? ` But it is ${link.length.toLocaleString("en")} characters long, and web servers refuse links over about ` +
      `${LINK_LIMIT.toLocaleString("en")} characters (HTTP 414; serve.py's limit is 65,536): shorten your ` +
      "activation's code (its comments, say), or share the code itself."
    : "";
  try {
    await navigator.clipboard.writeText(link);
    say(`Link copied: ${keeps}.${long}`);
  } catch {
    $("share-link").select();
    say(`Copy the link from the box below: ${keeps}.${long}`);
  }
}

// ---- presets ----------------------------------------------------------------------------

// A preset's settings; `overrides` ({key: text}, e.g. from a link) apply on top of them.
async function applyPreset(name, overrides = {}) {
  if (name === "article") return runArticle();
  if (!settings.isPreset(name)) {
    return applyConfig(settings.copyDefaults(), `There is no preset "${name}"; the default settings are used.`);
  }
  const { config: next, problems } = settings.applyValues(settings.presetConfig(name), overrides, "The link");
  await applyConfig(next, [`Preset "${name}" loaded. Press Train.`, ...problems].join(" "));
  $("preset").value = name;
}

// ?preset=article: the tutorial's own experiment. The page shows its 2-4-3-1 network on its
// 1,000 circles from its first weights, runs its own code for its log (with scikit-learn's
// make_circles, as the tutorial does), and Train runs py_mlp's textbook maths from the same
// start; the panel says where the two differ.
async function runArticle() {
  articleMode = true;
  config = settings.normalise({ ...settings.copyDefaults(), ...structuredClone(settings.ARTICLE) });
  document.querySelector('input[name="dataset"][value="custom"]').disabled = false;  // its circles are the data
  controls.render(config);
  player.speed = config.speed;
  $("preset").value = "article";
  const trace = $("trace");
  trace.closest("section").hidden = false;
  trace.textContent = "";
  await rebuild("The tutorial's experiment: its network, data and first weights.");
  remember();
  setState("training", "The tutorial's experiment: loading scikit-learn for its data…");
  const files = await runtimeFiles("sklearn");
  await prefetch(files, (fraction, label) => say(`The tutorial's experiment: ${label} of scikit-learn`));
  say("The tutorial's experiment: running its code, 150 iterations…");
  const result = await call("article_trace");
  trace.textContent = result.lines.join("\n");
  const last = result.records.at(-1);
  $("trace-summary").textContent = `Its code: loss ${fmt(last.loss)} (summed over the 1,000 points) and ` +
    `accuracy ${fmt(last.accuracy, 3)} after 150 iterations.`;
  setState("ready", "The tutorial's experiment: its own code's log is shown above the controls. " +
    "Train runs py_mlp's textbook maths from the same start.");
}

// ---- start ------------------------------------------------------------------------------

function fail(error) {
  if (error.from && error.from !== worker) return undefined;  // about a worker already replaced
  if (error.lost && state === "error" && !recovering) return undefined;  // already says: reload the page
  if (error.lost || error.name === "YourCodeFailed" || recovering) return (recovering ??= recover(error));
  console.warn(error);
  setState("error", `Something went wrong: ${error.message}. Reload the page to try again.`);
}

function wire() {
  $("check-code").addEventListener("click", () => act(checkCode));
  $("use-code").addEventListener("click", () => act(useCode));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (buttons.train.getAttribute("aria-disabled") === "true") return;
    act(() => { if (state === "ready" || state === "paused") train(); });
  });
  const available = (name) => buttons[name].getAttribute("aria-disabled") !== "true";
  buttons.pause.addEventListener("click", () => { if (available("pause")) pause(); });
  buttons.step.addEventListener("click", () => {
    if (available("step")) act(() => { if (state === "ready" || state === "paused") train(1); });
  });
  buttons.reset.addEventListener("click", () => {
    if (available("reset")) act(() => rebuild("Reset: a fresh network with the same settings."));
  });
  // Enter in a field commits that field only; training starts from the Train button.
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.target.tagName !== "INPUT") return;
    event.preventDefault();
    if (event.target.type === "text") event.target.dispatchEvent(new Event("change", { bubbles: true }));
  });
  $("regenerate").addEventListener("click", () => act(() => {
    const seed = config.seed + 1;
    return applyConfig({ ...config, dataset: config.dataset === "custom" ? "circles" : config.dataset, seed },
      `New data (seed ${seed}): the network was reset.`);
  }));
  $("csv").addEventListener("change", (event) => {
    const [file] = event.target.files;
    event.target.value = "";
    if (file) act(() => uploadCSV(file));
  });
  $("load-model").addEventListener("change", (event) => {
    const [file] = event.target.files;
    event.target.value = "";
    if (file) act(() => loadModel(file));
  });
  $("download-model").addEventListener("click", () => act(downloadModel));
  $("download-metrics").addEventListener("click", () => act(async () => {
    const result = await call("metrics_csv");
    if (result.ok) download("py_mlp-metrics.csv", result.text, "text/csv");
  }));
  $("download-charts").addEventListener("click", () => {
    const metric = info && info.problem === "regression" ? "R²" : "Accuracy";
    download("py_mlp-charts.png", chartsPNG([
      { canvas: charts.loss.canvas, title: "Loss by epoch (train, and test dashed)" },
      { canvas: charts.metric.canvas, title: `${metric} by epoch (train, and test dashed)` },
      { canvas: charts.gradients.canvas, title: "Gradient norm ‖dW‖ of each layer by epoch" },
    ]));
  });
  $("copy-link").addEventListener("click", () => act(copyLink));
  $("gradcheck").addEventListener("click", () => act(gradientCheck));
  $("log-scale").addEventListener("change", (event) => {
    charts.loss.setLogScale(event.target.checked);
    charts.gradients.setLogScale(event.target.checked);
  });
  $("show-test").addEventListener("change", (event) => boundary.showTest(event.target.checked));
  $("link-gradients").addEventListener("change", (event) => act(() => colourLinks(event.target.checked)));
  $("preset").addEventListener("change", (event) => {
    const name = event.target.value;  // stays shown until a setting is changed by hand
    if (name && state !== "loading") act(() => applyPreset(name));
  });
}

function showProgress(fraction, label) {
  $("progress").value = fraction;
  $("progress-label").textContent = label;
}

// The editor's code: a link's or the last visit's is shown, and runs only when asked.
function showStartingCode(query) {
  const linked = query.get("code");
  const stored = embedded ? null : settings.loadCode();
  if (linked !== null) {
    editor.setCode(linked, "This link carries Python code for an activation of your own. It has not run: " +
      "read it, then press “Run and check this code” if you trust it.");
  } else if (stored !== null && stored !== EXAMPLE) {
    editor.setCode(stored, "Your code from your last visit. It has not run: press “Run and check this code” to run it.");
  } else {
    editor.setCode(EXAMPLE);
  }
}

async function main() {
  wire();
  const query = new URLSearchParams(location.search);
  const fromLink = settings.fromQuery(location.search);
  const hasLinkSettings = [...query.keys()].some(settings.isSetting);
  const stored = hasLinkSettings || embedded ? { config: null, problems: [] } : settings.load();
  const problems = [...fromLink.problems, ...stored.problems];
  config = hasLinkSettings ? fromLink.config : stored.config ?? settings.copyDefaults();
  controls.render(config);
  showStartingCode(query);
  network.setArchitecture(settings.plannedNetwork(config));  // drawn now; trained once Python is up
  player.speed = config.speed;
  setState("loading", "Loading Python and numpy…");
  try {
    worker = await startWorker({ onProgress: showProgress, onLost: lostBetweenCalls, limit: limitFor });
  } catch (error) {
    root.dataset.busy = "false";
    setState("error", error.message);
    return;
  }
  const preset = query.get("preset");
  act(async () => {
    if (preset) {
      const overrides = Object.fromEntries([...query].filter(([key]) => !settings.NOT_SETTINGS.includes(key)));
      await applyPreset(preset, overrides);
    } else {
      remember();
      await rebuild(problems.length ? problems.join(" ") : "Ready. Press Train.");
    }
  });
}

main();
