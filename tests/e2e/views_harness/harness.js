// Test harness for the view modules: builds each view the way web/app.js does and records
// every callback in window.h.calls. The tests feed data through window.h.

import { LineChart } from "../web/chart.js";
import { BoundaryView } from "../web/views/boundary.js";
import { NetworkView } from "../web/views/network.js";
import * as colors from "../web/views/colors.js";

const $ = (id) => document.getElementById(id);
const calls = [];
const data = { train: { x: [], y: [], label: [] }, test: { x: [], y: [], label: [] } };

const chart = new LineChart($("chart"), {
  series: [{ name: "train loss" }, { name: "test loss", dash: [5, 3] }],
  readout: $("chart-readout"),
});
const grad = new LineChart($("grad"), { seriesName: (i) => `layer ${i + 1}` });
const big = new LineChart($("big"), { series: [{ name: "train loss" }, { name: "test loss" }], readout: $("big-readout") });

// Like the page: the view reports a gesture, the owner edits its data and hands it back.
function setPoints(train, test) {
  data.train = train;
  data.test = test;
  boundary.setPoints(data);
}
const boundary = new BoundaryView($("boundary"), {
  readout: $("boundary-readout"),
  legend: $("boundary-legend"),
  onPickPoint(index) {
    calls.push(["pick", index]);
  },
  onAddPoint(x, y, label) {
    calls.push(["add", x, y, label]);
    const t = data.train;
    setPoints({ x: [...t.x, x], y: [...t.y, y], label: [...t.label, label] }, data.test);
  },
  onRemovePoint(set, index) {
    calls.push(["remove", set, index]);
    const s = data[set];
    const drop = (a) => a.filter((_, i) => i !== index);
    const kept = { x: drop(s.x), y: drop(s.y), label: drop(s.label) };
    setPoints(set === "train" ? kept : data.train, set === "test" ? kept : data.test);
  },
});

const net = new NetworkView($("net"), {
  readout: $("net-readout"),
  legend: $("net-legend"),
  onHoverNeuron(layer, index) {
    calls.push(["hover", layer, index]);
    const n = 8;
    const values = Array.from({ length: n * n }, (_, k) => ((k % n) - (n - 1) / 2) / 4);
    net.showNeuronMap(layer, index, { n, values, range: [-1, 1] });
  },
  onLeave() {
    calls.push(["leave"]);
    net.hideNeuronMap();
  },
});
const phone = new NetworkView($("net-phone"));
// As the derivative panel holds its own: links and neurons pick, notes beside the neurons.
const pick = new NetworkView($("net-pick"), {
  onClickLink: (k, i, j) => calls.push(["link", k, i, j]),
  onClickNeuron: (layer, index) => calls.push(["neuron", layer, index]),
  notes: true, testidPrefix: "pick-",
});

// The data set picker's thumbnails, on demand (each request costs the test a round trip).
function showThumbs() {
  for (const name of ["circles", "moons", "xor", "gaussians", "spiral", "plane", "gaussian_mix"]) {
    const img = document.createElement("img");
    img.src = `../web/thumbs/${name}.svg`;
    img.alt = name;
    img.className = "dataset-thumb";
    $("thumbs").append(img);
  }
}

// Deterministic pseudo-random numbers for test weights.
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
function randomWeights(sizes, seed = 1) {
  const r = rng(seed);
  const weights = [], biases = [];
  for (let k = 1; k < sizes.length; k++) {
    weights.push(Array.from({ length: sizes[k - 1] }, () => Array.from({ length: sizes[k] }, () => 2 * r() - 1)));
    biases.push(Array.from({ length: sizes[k] }, () => 2 * r() - 1));
  }
  return { weights, biases };
}

// What the worker's neuron_maps(n) answers: neuron i of layer k runs from -1 (left) to 1
// (right) when k + i is even, from -1 (bottom) to 1 (top) when it is odd.
function neuronMaps(sizes, n = 16) {
  const at = (t) => -1 + 2 * t / (n - 1);
  const values = sizes.map((m, k) => Array.from({ length: m }, (_, i) => Array.from({ length: n * n },
    (_, p) => ((k + i) % 2 ? at(n - 1 - Math.floor(p / n)) : at(p % n)))));
  return { n, values, ranges: sizes.map((m) => Array(m).fill([-1, 1])) };
}

window.h = { chart, grad, big, boundary, net, phone, pick, calls, data, setPoints, colors, randomWeights, showThumbs, neuronMaps };
document.body.dataset.ready = "1";
