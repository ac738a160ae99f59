// The network diagram: an SVG of neurons and weighted links inside a container element.
// Main thread; knows nothing of training: it takes plain arrays and reports gestures.
//
//   const net = new NetworkView(container, {onHoverNeuron(layer, index) {}, onLeave() {}});
//   net.setArchitecture({sizes: [2, 4, 3, 1], inputNames: ["x1", "x2"], activations: ["tanh", "tanh", "sigmoid"]});
//   net.setWeights(weights, biases);   // weights[k]: fan_in x fan_out arrays; biases[k]: fan_out
//   net.showNeuronMap(1, 0, {n, values, range: [-1, 1]});  net.hideNeuronMap();
//
// Layers are numbered 0 (the input features) to L (the output); neuron (layer, index) is the
// element data-testid="neuron-{layer}-{index}", aria-label "layer {layer} neuron {index}…",
// focusable; pointerenter or focus calls onHoverNeuron(layer, index), pointerleave or blur
// calls onLeave(). With onClickNeuron(layer, index), a click or Enter/Space calls it too.
// The link from neuron i of layer L-1 to neuron j of layer L is data-testid="link-{L}-{i}-{j}".
//
// Links: stroke width grows with |w| (0.5 + 2|w| px, clamped to the node pitch), orange for
// negative and blue for positive weights, fainter for small |w| and in dense layers. A
// neuron's fill shows its bias on the same scale. setWeights only rewrites attributes whose
// drawn value changed; the DOM is rebuilt only by setArchitecture. The layout follows the
// container's width (ResizeObserver), from a 360 px phone up; with many neurons per layer
// the nodes shrink so that the diagram stays within `maxHeight` (default 420 px); shorter
// columns spread out over the same height.
//
// Test hooks: container.dataset.weightUpdates (setWeights calls), .neurons (count).

import { BLUE, ORANGE, css, lighten, rangeColor, signedColor } from "./colors.js";
import { formatNumber } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";

const el = (name, attrs = {}) => {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
};
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

export class NetworkView {
  constructor(container, {
    onHoverNeuron = () => {}, onLeave = () => {}, onClickNeuron = null, readout = null, maxHeight = 420,
  } = {}) {
    this.container = container;
    this.onHoverNeuron = onHoverNeuron;
    this.onLeave = onLeave;
    this.onClickNeuron = onClickNeuron;
    this.readout = readout;
    this.maxHeight = maxHeight;
    this.arch = null;
    this.weightUpdates = 0;
    this.weights = null;
    container.classList.add("network-view");
    container.dataset.weightUpdates = "0";
    this.svg = el("svg", { class: "network-svg", role: "group", "aria-label": "Network diagram" });
    this.map = document.createElement("div");
    this.map.className = "neuron-map";
    this.map.dataset.testid = "neuron-map";
    this.map.hidden = true;
    this.mapCanvas = document.createElement("canvas");
    this.mapCaption = document.createElement("span");
    this.map.append(this.mapCanvas, this.mapCaption);
    container.append(this.svg, this.map);
    this.abort = new AbortController();
    this.svg.addEventListener("pointerover", (e) => this.#linkReadout(e), { signal: this.abort.signal });
    this.width = 0;
    if (typeof ResizeObserver !== "undefined") {
      this.observer = new ResizeObserver(() => {
        const w = Math.round(container.clientWidth);
        if (w && w !== this.width && this.arch) this.#layout();
      });
      this.observer.observe(container);
    }
  }

  // Build the diagram for `sizes` = [n_in, h1, ..., n_out]; activations has one name per layer after the inputs.
  setArchitecture({ sizes, inputNames = [], activations = [] }) {
    if (!Array.isArray(sizes) || sizes.length < 2 || !sizes.every((s) => Number.isInteger(s) && s > 0)) {
      throw new Error(`sizes must list at least two positive whole numbers, e.g. [2, 4, 1]; got ${JSON.stringify(sizes)}`);
    }
    const same = this.arch && JSON.stringify([sizes, inputNames, activations]) ===
      JSON.stringify([this.arch.sizes, this.arch.inputNames, this.arch.activations]);
    if (same) return;
    this.arch = { sizes: [...sizes], inputNames: [...inputNames], activations: [...activations] };
    this.weights = null;
    this.hideNeuronMap();
    this.#build();
    this.#layout();
  }

  #build() {
    const { sizes, inputNames, activations } = this.arch;
    const L = sizes.length - 1;
    this.svg.replaceChildren();
    this.headers = [];
    this.neurons = sizes.map(() => []);   // [layer][index] -> {g, rect, label?}
    this.links = [];                      // [layer-1] -> flat array of <line>, i * fan_out + j
    this.drawn = [];                      // [layer-1] -> Float64Array of drawn widths (signed)
    const linkGroup = el("g", { class: "links" });
    const headerGroup = el("g", { class: "headers", "aria-hidden": "true" });
    const neuronGroup = el("g", { class: "neurons" });
    for (let k = 1; k <= L; k++) {
      const fanIn = sizes[k - 1], fanOut = sizes[k];
      const lines = new Array(fanIn * fanOut);
      const frag = document.createDocumentFragment();
      for (let i = 0; i < fanIn; i++) {
        for (let j = 0; j < fanOut; j++) {
          const line = el("line", { class: "link", "data-testid": `link-${k}-${i}-${j}`, stroke: "#ced4da", "stroke-width": "1" });
          lines[i * fanOut + j] = line;
          frag.append(line);
        }
      }
      linkGroup.append(frag);
      this.links.push(lines);
      this.drawn.push(new Float64Array(fanIn * fanOut).fill(NaN));
    }
    sizes.forEach((size, layer) => {
      const header = el("text", { class: "column-title" });
      headerGroup.append(header);
      this.headers.push(header);
      for (let index = 0; index < size; index++) {
        const name = layer === 0 ? inputNames[index] ?? `x${index + 1}` : null;
        const role = layer === 0 ? `input ${name}` : layer === L ? "output" : activations[layer - 1] ?? "";
        const g = el("g", {
          class: `neuron ${layer === 0 ? "input" : layer === L ? "output" : "hidden"}`,
          tabindex: "0", role: this.onClickNeuron ? "button" : "img",
          "data-testid": `neuron-${layer}-${index}`,
          "aria-label": `layer ${layer} neuron ${index}${role ? ` (${role})` : ""}`,
        });
        const rect = el("rect", { rx: "2", fill: layer === 0 ? "#fff" : css(lighten(signedColor(0))) });
        g.append(rect);
        const node = { g, rect };
        if (layer === 0) {
          node.label = el("text", { class: "input-name", "text-anchor": "end", "dominant-baseline": "central" });
          node.label.textContent = name;
          g.append(node.label);
        }
        this.#wire(g, layer, index);
        neuronGroup.append(g);
        this.neurons[layer].push(node);
      }
    });
    this.svg.append(linkGroup, headerGroup, neuronGroup);
    this.container.dataset.neurons = String(sizes.reduce((a, b) => a + b, 0));
  }

  #wire(g, layer, index) {
    const opts = { signal: this.abort.signal };
    g.addEventListener("pointerenter", () => this.onHoverNeuron(layer, index), opts);
    g.addEventListener("focus", () => this.onHoverNeuron(layer, index), opts);
    g.addEventListener("pointerleave", () => this.onLeave(), opts);
    g.addEventListener("blur", () => this.onLeave(), opts);
    if (this.onClickNeuron) {
      g.addEventListener("click", () => this.onClickNeuron(layer, index), opts);
      g.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); this.onClickNeuron(layer, index); }
      }, opts);
    }
  }

  // Positions from the container width; rewrites coordinates only (no new elements).
  #layout() {
    const { sizes, inputNames, activations } = this.arch;
    const L = sizes.length - 1;
    const W = Math.max(200, Math.round(this.container.clientWidth) || 600);
    this.width = Math.round(this.container.clientWidth);
    const maxN = Math.max(...sizes);
    const top = 34, bottom = 8;
    const longest = Math.max(2, ...inputNames.map((s) => String(s).length));
    const left = 10 + longest * 6.5, right = 8;
    const colGap = (W - left - right) / L;
    // Every column spreads its neurons over the height of the tallest one, at most 40 px apart.
    const pitch = clamp((this.maxHeight - top - bottom) / maxN, 5, 40);
    const span = maxN * pitch;
    const pitches = sizes.map((m) => Math.min(40, span / m));
    const nodeMax = clamp(colGap * 0.3, 3, 26);
    const node = clamp(pitch * 0.72, 3, nodeMax);  // the nodes of the tallest column
    const H = Math.round(top + span + bottom);
    this.geometry = { pitch, node, colGap, maxW: clamp(pitch * 0.45, 1.5, 6) };
    this.svg.style.setProperty("--node-stroke", node < 8 ? "0.6" : "1");
    this.svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    this.svg.setAttribute("width", String(W));
    this.svg.setAttribute("height", String(H));
    const sides = pitches.map((p) => clamp(p * 0.72, 3, nodeMax));
    const xs = sizes.map((_, c) => left + c * (W - left - right - nodeMax) / L + (nodeMax - sides[c]) / 2);
    const ys = sizes.map((m, c) => Array.from({ length: m }, (_, i) => top + (span - m * pitches[c]) / 2 + (i + 0.5) * pitches[c]));
    const f = (v) => v.toFixed(1);
    const font = clamp(colGap / 6, 8, 11);
    sizes.forEach((m, c) => {
      const header = this.headers[c];
      const wide = colGap >= 60;
      const title = c === 0 ? (wide ? "inputs" : "in") : c === L ? (wide ? "output" : "out") : wide ? `hidden ${c}` : `h${c}`;
      header.replaceChildren();
      const last = c === L && L > 0;
      const hx = f(last ? W - 2 : xs[c] + sides[c] / 2);
      const t1 = el("tspan", { x: hx, y: "12" });
      t1.textContent = title;
      header.append(t1);
      const act = c > 0 ? activations[c - 1] : null;
      if (act && colGap >= 36) {
        const t2 = el("tspan", { x: hx, y: "25", class: "activation" });
        t2.textContent = act;
        header.append(t2);
      }
      header.setAttribute("text-anchor", last ? "end" : "middle");
      header.setAttribute("font-size", f(font));
      const side = sides[c];
      this.neurons[c].forEach((n, i) => {
        n.rect.setAttribute("x", f(xs[c]));
        n.rect.setAttribute("y", f(ys[c][i] - side / 2));
        n.rect.setAttribute("width", f(side));
        n.rect.setAttribute("height", f(side));
        if (n.label) {
          n.label.setAttribute("x", f(xs[c] - 4));
          n.label.setAttribute("y", f(ys[c][i]));
          n.label.setAttribute("font-size", f(clamp(pitches[c] * 0.8, 8, 12)));
        }
      });
    });
    for (let k = 1; k <= L; k++) {
      const lines = this.links[k - 1];
      const fanOut = sizes[k];
      const x1 = f(xs[k - 1] + sides[k - 1]), x2 = f(xs[k]);
      for (let i = 0; i < sizes[k - 1]; i++) {
        const y1 = f(ys[k - 1][i]);
        for (let j = 0; j < fanOut; j++) {
          const line = lines[i * fanOut + j];
          line.setAttribute("x1", x1); line.setAttribute("y1", y1);
          line.setAttribute("x2", x2); line.setAttribute("y2", f(ys[k][j]));
        }
      }
    }
    if (this.weights) {
      this.drawn.forEach((d) => d.fill(NaN));  // widths depend on the pitch: redraw them all
      this.#paintWeights();
    }
  }

  // weights[k][i][j]: layer k+1's weight from neuron i (layer k) to neuron j; biases[k][j].
  setWeights(weights, biases) {
    if (!this.arch) throw new Error("call setArchitecture before setWeights");
    const { sizes } = this.arch;
    const L = sizes.length - 1;
    if (weights.length !== L || biases.length !== L) {
      throw new Error(`expected ${L} weight matrices and bias vectors for sizes ${JSON.stringify(sizes)}, got ${weights.length} and ${biases.length}`);
    }
    for (let k = 0; k < L; k++) {
      const bad = weights[k].length !== sizes[k] || weights[k].some((row) => row.length !== sizes[k + 1]);
      if (bad || biases[k].length !== sizes[k + 1]) {
        throw new Error(`layer ${k + 1}: weights must be ${sizes[k]} x ${sizes[k + 1]} and biases ${sizes[k + 1]} long`);
      }
    }
    this.weights = weights;
    this.biases = biases;
    this.#paintWeights();
    this.weightUpdates += 1;
    this.container.dataset.weightUpdates = String(this.weightUpdates);
  }

  #paintWeights() {
    const { sizes } = this.arch;
    const { maxW } = this.geometry;
    const orange = ORANGE, blue = BLUE;
    for (let k = 1; k < sizes.length; k++) {
      const W = this.weights[k - 1], lines = this.links[k - 1], drawn = this.drawn[k - 1];
      const fanIn = sizes[k - 1], fanOut = sizes[k];
      const density = clamp(6 / Math.sqrt(fanIn * fanOut), 0.12, 1);  // thousands of links: fainter
      for (let i = 0; i < fanIn; i++) {
        const row = W[i];
        for (let j = 0; j < fanOut; j++) {
          const w = Number(row[j]);
          const a = Number.isFinite(w) ? Math.abs(w) : 0;
          // Quantised to 0.05 px so that slow drifts don't rewrite every link every frame.
          const width = Math.round(clamp(0.5 + 2 * a, 0.5, maxW) * 20) / 20;
          const signed = w < 0 ? -width : width;
          const at = i * fanOut + j;
          if (drawn[at] === signed) continue;
          const line = lines[at];
          if (!(Math.sign(drawn[at]) === Math.sign(signed))) line.setAttribute("stroke", w < 0 ? orange : blue);
          line.setAttribute("stroke-width", String(width));
          line.setAttribute("stroke-opacity", (density * clamp(0.2 + a, 0.2, 1)).toFixed(2));
          drawn[at] = signed;
        }
      }
      const b = this.biases[k - 1];
      this.neurons[k].forEach((n, j) => {
        const fill = css(lighten(signedColor(Number(b[j]), 1), 0.15));
        if (n.fill !== fill) { n.rect.setAttribute("fill", fill); n.fill = fill; }
      });
    }
  }

  // The neuron's element (a focusable <g>), e.g. for focus management.
  neuronElement(layer, index) {
    return this.neurons?.[layer]?.[index]?.g ?? null;
  }

  // A small heatmap of one neuron's output over the input square, next to the neuron.
  // values: n*n row-major, row 0 at the top; colours diverge around 0 when range straddles it.
  showNeuronMap(layer, index, { n, values, range = [-1, 1] }) {
    const node = this.neurons?.[layer]?.[index];
    if (!node) return;
    if (values.length !== n * n) throw new Error(`neuron map needs n*n = ${n * n} values, got ${values.length}`);
    const cv = this.mapCanvas;
    if (cv.width !== n) { cv.width = n; cv.height = n; }
    const ctx = cv.getContext("2d");
    const image = ctx.createImageData(n, n);
    for (let i = 0; i < n * n; i++) {
      const [r, g, b] = rangeColor(values[i], range);
      image.data.set([r, g, b, 255], 4 * i);
    }
    ctx.putImageData(image, 0, 0);
    this.mapCaption.textContent = layer === 0 ? this.arch.inputNames[index] ?? `x${index + 1}` : `layer ${layer} neuron ${index}`;
    this.map.hidden = false;
    this.map.dataset.layer = String(layer);
    this.map.dataset.index = String(index);
    const box = this.container.getBoundingClientRect();
    const r = node.rect.getBoundingClientRect();
    const size = this.map.offsetWidth || 100;
    const height = this.map.offsetHeight || size;
    let x = r.right - box.left + 8;
    if (x + size > box.width) x = r.left - box.left - 8 - size;
    const y = clamp(r.top - box.top + r.height / 2 - height / 2, 0, Math.max(0, box.height - height));
    this.map.style.left = `${Math.max(0, x)}px`;
    this.map.style.top = `${y}px`;
  }

  hideNeuronMap() {
    this.map.hidden = true;
  }

  destroy() {
    this.observer?.disconnect();
    this.abort.abort();
    this.svg.remove();
    this.map.remove();
  }

  #linkReadout(e) {
    if (!this.readout || !this.weights) return;
    const id = e.target.dataset?.testid;
    const m = id && /^link-(\d+)-(\d+)-(\d+)$/.exec(id);
    if (!m) return;
    const [k, i, j] = m.slice(1).map(Number);
    const w = Number(this.weights[k - 1][i][j]);
    this.readout.textContent = `weight, layer ${k}: neuron ${i} → ${j} = ${formatNumber(w, 3)}`;
  }
}
