// The network diagram: an SVG of neurons and weighted links inside a container element.
// Main thread; knows nothing of training: it takes plain arrays and reports gestures.
//
//   const net = new NetworkView(container, {onHoverNeuron(layer, index) {}, onLeave() {}, readout, legend});
//   net.setArchitecture({sizes: [2, 4, 3, 1], inputNames: ["x1", "x2"], activations: ["tanh", "tanh", "sigmoid"]});
//   net.setWeights(weights, biases);   // weights[k]: fan_in x fan_out arrays; biases[k]: fan_out
//   net.showNeuronMap(1, 0, {n, values, range: [-1, 1]});  net.hideNeuronMap();
//   if (net.wantsNeuronMaps) net.setNeuronMaps({n, values, ranges});  // values[layer][index]: n*n
//
// Layers are numbered 0 (the input features) to L (the output); neuron (layer, index) is the
// element data-testid="neuron-{layer}-{index}", aria-label "layer {layer} neuron {index}…",
// focusable; pointerenter or focus calls onHoverNeuron(layer, index), pointerleave or blur
// calls onLeave(). With onClickNeuron(layer, index), a click or Enter/Space calls it too.
// The link from neuron i of layer L-1 to neuron j of layer L is data-testid="link-{L}-{i}-{j}".
// A second diagram on the same page takes {testidPrefix: "other-"}: "other-link-1-0-0", ...
//
// Links: stroke width grows with |w| (0.5 + 2|w| px, clamped to the node pitch), orange for
// negative and blue for positive weights, fainter for small |w| and in dense layers. A
// neuron's fill shows its bias on the same scale. setWeights only rewrites attributes whose
// drawn value changed; the DOM is rebuilt only by setArchitecture. The layout follows the
// container's width (ResizeObserver), from a 360 px phone up; with many neurons per layer
// the nodes shrink so that the diagram stays within `maxHeight` (default 420 px); shorter
// columns spread out over the same height.
//
// Read-out (an element, optional): the link nearest the pointer (within a few px, so thin
// links are easy to hit) or the neuron under it, else the focused one: "x1 → layer 1
// neuron 0: weight -1.5", "layer 1 neuron 0 (tanh): bias 0.1"; it follows setWeights. The
// links are one tab stop (before the neurons): arrow keys move from link to link, PageUp/
// PageDown from layer to layer, Home/End to the first and last; the focused link's
// aria-label is the read-out.
// Legend (an element, optional): filled with a list saying orange = negative, blue =
// positive, width = |w|, the neuron's colour = its bias (and, with heatmaps, what they show).
//
// Neuron heatmaps: setNeuronMaps draws each neuron's output over the input square inside
// it (bias as a frame around it), like TensorFlow Playground, while the nodes are large
// enough to read (at least THUMB_MIN_NODE px and at most THUMB_MAX_NEURONS neurons after
// the inputs); `wantsNeuronMaps` says whether they would be drawn, so the caller can skip
// asking for them. Colours as showNeuronMap's: rangeColor over each neuron's range.
//
// Links by gradient: setLinkMode("gradient") draws each link by its dL/dw instead of its
// weight (setGradients(dW, db), the same shapes as setWeights'): orange negative, blue
// positive, width and opacity growing with sqrt(|dL/dw| / the largest |dL/dw| of any
// layer), so a layer whose gradients vanish fades out; a neuron's fill is its dL/db on
// that scale. The legend and the read-out say so; setLinkMode("weight") goes back.
//
// Picking: with onClickLink(k, i, j), a click on a link (the nearest within a few px) or
// Enter/Space on the focused link calls it; links then have role "button".
// Marks: mark(name, {links: [[k, i, j], ...], neurons: [[layer, index], ...]}) puts the
// CSS class `name` on exactly those elements (and "has-{name}" on the container while
// any is marked), so a caller can show what it is explaining; mark(name) clears them.
// Notes: with {notes: true} the diagram keeps room on the right, and setNotes(notes)
// writes up to two short lines beside each neuron (notes[layer][index] = [line, line],
// or null), while the columns are wide and tall enough to read them
// (container.dataset.notes "shown" or "hidden").
//
// Test hooks: container.dataset.weightUpdates (setWeights calls), .neurons (count),
// .thumbnails (neurons with a heatmap drawn), .links ("weight" or "gradient").

import { BLUE, ORANGE, css, lighten, rangeColor, signedColor } from "./colors.js";
import { formatNumber } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const HIT_PX = 5;                // a link this near the pointer counts as hovered
const THUMB_MIN_NODE = 16;       // px: smaller nodes get no heatmap
const THUMB_MAX_NEURONS = 64;    // hidden + output neurons: more get no heatmap
const NOTE_WIDTH = 160;          // px kept on the right for the output column's notes
const NOTE_MIN_GAP = 160;        // px between columns below which notes are not drawn
const NOTE_MIN_PITCH = 24;       // px between neurons below which notes are not drawn
const biasFill = (b) => css(lighten(signedColor(b, 1), 0.15));

const el = (name, attrs = {}) => {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
};
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

export class NetworkView {
  constructor(container, {
    onHoverNeuron = () => {}, onLeave = () => {}, onClickNeuron = null, onClickLink = null, readout = null, legend = null,
    maxHeight = 420, notes = false, testidPrefix = "",
  } = {}) {
    this.container = container;
    this.onHoverNeuron = onHoverNeuron;
    this.onLeave = onLeave;
    this.onClickNeuron = onClickNeuron;
    this.onClickLink = onClickLink;
    this.notesWanted = notes;
    this.prefix = testidPrefix;
    this.notes = null;       // [layer][index] -> [line, line] or null
    this.mode = "weight";    // links drawn by "weight" or by "gradient"
    this.gradients = null;   // {dW, db, largest} for the gradient mode
    this.marks = new Map();  // mark name -> the elements carrying it
    this.readout = readout;
    this.legend = legend;
    this.maxHeight = maxHeight;
    this.arch = null;
    this.weightUpdates = 0;
    this.weights = null;
    this.pointed = null;     // {link: [k, i, j]} or {neuron: [layer, index]} under the pointer
    this.focused = null;     // the same, with the keyboard focus
    this.tabLink = [1, 0];   // [layer k, flat index i * fan_out + j]: the link that takes Tab
    this.thumbs = null;      // [layer][index] -> {fo, canvas}, while heatmaps are drawn
    container.classList.add("network-view");
    container.dataset.weightUpdates = "0";
    container.dataset.thumbnails = "0";
    container.dataset.links = this.mode;
    if (onClickLink) container.classList.add("picks-links");
    this.svg = el("svg", { class: "network-svg", role: "group", "aria-label": "Network diagram" });
    this.map = null;         // the large heatmap of one neuron, made on first use (showNeuronMap)
    container.append(this.svg);
    this.abort = new AbortController();
    const opts = { signal: this.abort.signal };
    this.svg.addEventListener("pointermove", (e) => this.#pointerMove(e), opts);
    this.svg.addEventListener("pointerdown", (e) => this.#pointerMove(e), opts);  // a tap moves nothing
    this.svg.addEventListener("pointerleave", () => this.#point(null), opts);
    // On the container: Chromium makes an SVG element with a focus listener focusable (a tab stop).
    container.addEventListener("focusin", (e) => this.#focusIn(e), opts);
    container.addEventListener("focusout", () => { this.focused = null; this.#showReadout(); }, opts);
    this.svg.addEventListener("keydown", (e) => this.#linkKey(e), opts);
    this.svg.addEventListener("click", (e) => this.#click(e), opts);
    if (legend) {
      legend.classList.add("network-legend");
      legend.dataset.testid ||= `${testidPrefix}network-legend`;
    }
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
    this.gradients = null;
    this.notes = null;
    this.marks.clear();
    this.pointed = this.focused = null;
    this.tabLink = [1, 0];
    this.hideNeuronMap();
    this.#build();
    this.#layout();
    this.#showReadout();
  }

  #build() {
    const { sizes, inputNames, activations } = this.arch;
    const L = sizes.length - 1;
    this.svg.replaceChildren();
    this.thumbs = null;
    this.container.dataset.thumbnails = "0";
    this.headers = [];
    this.neurons = sizes.map(() => []);   // [layer][index] -> {g, rect, label?}
    this.links = [];                      // [layer-1] -> flat array of <line>, i * fan_out + j
    this.drawn = [];                      // [layer-1] -> Float64Array of drawn widths (signed)
    const linkGroup = el("g", { class: "links", role: "group", "aria-label": "Weights: arrow keys move from link to link" });
    const headerGroup = el("g", { class: "headers", "aria-hidden": "true" });
    const neuronGroup = el("g", { class: "neurons" });
    for (let k = 1; k <= L; k++) {
      const fanIn = sizes[k - 1], fanOut = sizes[k];
      const lines = new Array(fanIn * fanOut);
      const frag = document.createDocumentFragment();
      for (let i = 0; i < fanIn; i++) {
        for (let j = 0; j < fanOut; j++) {
          const line = el("line", { class: "link", "data-testid": `${this.prefix}link-${k}-${i}-${j}`, stroke: "#ced4da", "stroke-width": "1" });
          lines[i * fanOut + j] = line;
          frag.append(line);
        }
      }
      linkGroup.append(frag);
      this.links.push(lines);
      this.drawn.push(new Float64Array(fanIn * fanOut).fill(NaN));
    }
    this.links[0][0].setAttribute("tabindex", "0");
    sizes.forEach((size, layer) => {
      const header = el("text", { class: "column-title" });
      headerGroup.append(header);
      this.headers.push(header);
      for (let index = 0; index < size; index++) {
        const name = layer === 0 ? inputNames[index] ?? `x${index + 1}` : null;
        const role = layer === 0 ? `input ${name}` : layer === L ? "output" : activations[layer - 1] ?? "";
        const g = el("g", {
          class: `neuron ${layer === 0 ? "input" : layer === L ? "output" : "hidden"}`,
          // One tab stop for all the neurons (the first); arrow keys move among them.
          tabindex: layer === 0 && index === 0 ? "0" : "-1", role: this.onClickNeuron ? "button" : "img",
          "data-testid": `${this.prefix}neuron-${layer}-${index}`,
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
    this.noteTexts = null;
    if (this.notesWanted) {
      const noteGroup = el("g", { class: "notes", "aria-hidden": "true" });
      this.noteTexts = sizes.map((size) => Array.from({ length: size }, () => {
        const text = el("text", { class: "note" });
        const lines = [el("tspan", { class: "forward" }), el("tspan", { class: "backward" })];
        text.append(...lines);
        noteGroup.append(text);
        return { text, lines };
      }));
      this.svg.append(noteGroup);
      this.noteGroup = noteGroup;
    }
    this.container.dataset.neurons = String(sizes.reduce((a, b) => a + b, 0));
  }

  #wire(g, layer, index) {
    const opts = { signal: this.abort.signal };
    g.addEventListener("pointerenter", () => this.onHoverNeuron(layer, index), opts);
    g.addEventListener("focus", () => this.onHoverNeuron(layer, index), opts);
    g.addEventListener("pointerleave", () => this.onLeave(), opts);
    g.addEventListener("blur", () => this.onLeave(), opts);
    g.addEventListener("keydown", (e) => this.#neuronKey(e, layer, index), opts);
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
    // Room for the output's notes on a wide diagram only (a phone would lose a third of it).
    this.noteRoom = this.notesWanted && W >= 3 * NOTE_WIDTH ? NOTE_WIDTH : 0;
    const left = 10 + longest * 6.5, right = 8 + this.noteRoom;
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
    this.positions = { xs, ys, sides };
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
    if (this.thumbs && !this.wantsNeuronMaps) this.#dropThumbs();
    this.#placeThumbs();
    this.#placeNotes();
    this.#renderLegend();
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
    if (this.pointed || this.focused) this.#showReadout();
  }

  // The links and neurons by the weights and biases, or by their gradients (setLinkMode).
  #paintWeights() {
    const gradient = this.mode === "gradient";
    if (gradient && !this.gradients) return;  // drawn once they arrive
    const { sizes } = this.arch;
    const { maxW } = this.geometry;
    const orange = ORANGE, blue = BLUE;
    const largest = gradient ? this.gradients.largest : 0;
    for (let k = 1; k < sizes.length; k++) {
      const W = gradient ? this.gradients.dW[k - 1] : this.weights[k - 1];
      const lines = this.links[k - 1], drawn = this.drawn[k - 1];
      const fanIn = sizes[k - 1], fanOut = sizes[k];
      const density = clamp(6 / Math.sqrt(fanIn * fanOut), 0.12, 1);  // thousands of links: fainter
      for (let i = 0; i < fanIn; i++) {
        const row = W[i];
        for (let j = 0; j < fanOut; j++) {
          const w = Number(row[j]);
          const a = Number.isFinite(w) ? Math.abs(w) : 0;
          // sqrt: a gradient 100 times smaller than the largest is still seen, faintly.
          const size = gradient ? (largest > 0 ? Math.sqrt(a / largest) : 0) : a;
          const width = gradient ? 0.5 + (maxW - 0.5) * size : clamp(0.5 + 2 * a, 0.5, maxW);
          const opacity = gradient ? clamp(0.04 + size, 0.04, 1) : clamp(0.2 + a, 0.2, 1);
          // Quantised (to 0.05 px, or 1% of the largest gradient) so that slow drifts don't
          // rewrite every link every frame.
          const step = gradient ? Math.round(size * 100) + 1 : Math.round(width * 20);
          const signed = w < 0 ? -step : step;
          const at = i * fanOut + j;
          if (drawn[at] === signed) continue;
          const line = lines[at];
          if (!(Math.sign(drawn[at]) === Math.sign(signed))) line.setAttribute("stroke", w < 0 ? orange : blue);
          line.setAttribute("stroke-width", String(Math.round(width * 20) / 20));
          line.setAttribute("stroke-opacity", (density * opacity).toFixed(2));
          drawn[at] = signed;
        }
      }
      const b = gradient ? this.gradients.db[k - 1] : this.biases[k - 1];
      this.neurons[k].forEach((n, j) => {
        const fill = gradient ? css(lighten(signedColor(Number(b[j]) || 0, largest), 0.15)) : biasFill(Number(b[j]));
        if (n.fill !== fill) { n.rect.setAttribute("fill", fill); n.fill = fill; }
      });
    }
  }

  // "weight" (the default) or "gradient": what the links' colour and width show.
  setLinkMode(mode) {
    if (mode !== "weight" && mode !== "gradient") throw new Error(`link mode must be "weight" or "gradient", got ${JSON.stringify(mode)}`);
    if (mode === this.mode) return;
    this.mode = mode;
    this.container.dataset.links = mode;
    this.drawn?.forEach((d) => d.fill(NaN));
    if (this.weights) this.#paintWeights();
    this.#renderLegend();
    if (this.pointed || this.focused) this.#showReadout();
  }

  get linkMode() {
    return this.mode;
  }

  // dW[k][i][j] = dL/dW of layer k+1 (as setWeights' weights), db[k][j]; null entries count as 0.
  setGradients(dW, db) {
    if (!this.arch) throw new Error("call setArchitecture before setGradients");
    const { sizes } = this.arch;
    const L = sizes.length - 1;
    const fits = dW.length === L && db.length === L && dW.every((m, k) => m.length === sizes[k] &&
      m.every((row) => row.length === sizes[k + 1]) && db[k].length === sizes[k + 1]);
    if (!fits) throw new Error(`gradients must have the shapes of the weights and biases for sizes ${JSON.stringify(sizes)}`);
    let largest = 0;
    for (const m of dW) for (const row of m) for (const g of row) if (Math.abs(g) > largest) largest = Math.abs(g);
    this.gradients = { dW, db, largest };
    if (this.mode === "gradient") {
      this.#paintWeights();
      this.#renderLegend();
      if (this.pointed || this.focused) this.#showReadout();
    }
  }

  // Put the CSS class `name` on exactly these links and neurons (none: clear it).
  mark(name, { links = [], neurons = [] } = {}) {
    for (const element of this.marks.get(name) ?? []) element.classList.remove(name);
    const marked = [];
    if (this.arch) {
      const { sizes } = this.arch;
      for (const [k, i, j] of links) {
        const line = k >= 1 && k < sizes.length && i < sizes[k - 1] && j < sizes[k] ? this.#linkElement([k, i, j]) : null;
        if (line) marked.push(line);
      }
      for (const [layer, index] of neurons) {
        const g = this.neuronElement(layer, index);
        if (g) marked.push(g);
      }
    }
    for (const element of marked) element.classList.add(name);
    this.marks.set(name, marked);
    this.container.classList.toggle(`has-${name}`, marked.length > 0);
  }

  // Up to two lines of text beside each neuron: notes[layer][index] = [first, second] or null.
  setNotes(notes) {
    if (!this.noteTexts) throw new Error("construct the NetworkView with {notes: true} to write notes");
    this.notes = notes;
    this.noteTexts.forEach((column, layer) => column.forEach(({ lines }, index) => {
      const note = notes?.[layer]?.[index] ?? [];
      lines.forEach((tspan, n) => {
        const text = note[n] ?? "";
        if (tspan.textContent !== text) tspan.textContent = text;
      });
    }));
  }

  #placeNotes() {
    if (!this.noteTexts || !this.positions) return;
    const { xs, ys, sides } = this.positions;
    const { colGap, pitch } = this.geometry;
    // `pitch` is the tallest column's spacing, the tightest of all.
    const fits = this.noteRoom > 0 && colGap - Math.max(...sides) >= NOTE_MIN_GAP && pitch >= NOTE_MIN_PITCH;
    this.container.dataset.notes = fits ? "shown" : "hidden";
    this.noteGroup.setAttribute("display", fits ? "inline" : "none");
    this.noteTexts.forEach((column, c) => column.forEach(({ lines }, i) => {
      const x = (xs[c] + sides[c] + 3).toFixed(1);
      lines[0].setAttribute("x", x);
      lines[0].setAttribute("y", (ys[c][i] - 2).toFixed(1));
      lines[1].setAttribute("x", x);
      lines[1].setAttribute("y", (ys[c][i] + 9).toFixed(1));
    }));
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
    if (!this.map) {
      this.map = document.createElement("div");
      this.map.className = "neuron-map";
      this.map.dataset.testid = `${this.prefix}neuron-map`;
      this.mapCanvas = document.createElement("canvas");
      this.mapCaption = document.createElement("span");
      this.map.append(this.mapCanvas, this.mapCaption);
      this.container.append(this.map);
    }
    const cv = this.mapCanvas;
    if (cv.width !== n) { cv.width = n; cv.height = n; }
    paintMap(cv, values, range);
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
    if (this.map) this.map.hidden = true;
  }

  // True while the nodes are large enough for a heatmap inside each (and the diagram is shown).
  get wantsNeuronMaps() {
    if (!this.arch || !this.positions || !this.container.clientWidth) return false;
    const { sizes } = this.arch;
    const neurons = sizes.slice(1).reduce((a, b) => a + b, 0);
    return neurons <= THUMB_MAX_NEURONS && Math.min(...this.positions.sides) >= THUMB_MIN_NODE;
  }

  // Every neuron's output over the input square, drawn inside it: values[layer][index] (n*n,
  // row 0 at the top) with ranges[layer][index] = [min, max]. False (nothing drawn) when the
  // nodes are too small to read.
  setNeuronMaps({ n, values, ranges }) {
    if (!this.arch) throw new Error("call setArchitecture before setNeuronMaps");
    const { sizes } = this.arch;
    if (values.length !== sizes.length || ranges.length !== sizes.length) {
      throw new Error(`neuron maps need ${sizes.length} layers (the inputs, then each layer), got ${values.length}`);
    }
    sizes.forEach((m, k) => {
      if (values[k].length !== m || ranges[k].length !== m) {
        throw new Error(`neuron maps: layer ${k} has ${m} neurons, got maps for ${values[k].length}`);
      }
      if (values[k].some((v) => v.length !== n * n)) throw new Error(`neuron maps: layer ${k} needs n*n = ${n * n} values a neuron`);
    });
    if (!this.wantsNeuronMaps) {
      this.#dropThumbs();
      return false;
    }
    const created = !this.thumbs;
    if (created) {
      this.thumbs = this.neurons.map((column) => column.map(({ g }) => {
        const fo = el("foreignObject", { class: "neuron-thumb" });
        const canvas = document.createElement("canvas");
        fo.append(canvas);
        g.append(fo);
        return { fo, canvas };
      }));
      this.#placeThumbs();
    }
    this.thumbs.forEach((column, k) => column.forEach(({ canvas }, i) => {
      if (canvas.width !== n) { canvas.width = n; canvas.height = n; }
      paintMap(canvas, values[k][i], ranges[k][i]);
    }));
    this.container.dataset.thumbnails = String(sizes.reduce((a, b) => a + b, 0));
    if (created) this.#renderLegend();
    return true;
  }

  #placeThumbs() {
    if (!this.thumbs) return;
    const { xs, ys, sides } = this.positions;
    this.thumbs.forEach((column, c) => {
      const side = sides[c], inset = clamp(side * 0.12, 2, 3.5);  // the bias shows as a frame
      column.forEach(({ fo }, i) => {
        fo.setAttribute("x", (xs[c] + inset).toFixed(1));
        fo.setAttribute("y", (ys[c][i] - side / 2 + inset).toFixed(1));
        fo.setAttribute("width", (side - 2 * inset).toFixed(1));
        fo.setAttribute("height", (side - 2 * inset).toFixed(1));
      });
    });
  }

  #dropThumbs() {
    if (!this.thumbs) return;
    this.thumbs.flat().forEach(({ fo }) => fo.remove());
    this.thumbs = null;
    this.container.dataset.thumbnails = "0";
    this.#renderLegend();
  }

  destroy() {
    this.observer?.disconnect();
    this.abort.abort();
    this.svg.remove();
    this.map?.remove();
    this.legend?.replaceChildren();
  }

  // ---- read-out ----------------------------------------------------------------------

  #name(layer, index) {
    const L = this.arch.sizes.length - 1;
    if (layer === 0) return this.arch.inputNames[index] ?? `x${index + 1}`;
    return layer === L ? `output neuron ${index}` : `layer ${layer} neuron ${index}`;
  }

  #describe(item) {
    if (item.link) {
      const [k, i, j] = item.link;
      const w = this.weights?.[k - 1]?.[i]?.[j];
      const g = this.mode === "gradient" ? this.gradients?.dW[k - 1]?.[i]?.[j] : undefined;
      return `${this.#name(k - 1, i)} → ${this.#name(k, j)}` + (w === undefined ? "" : `: weight ${formatNumber(Number(w), 3)}`) +
        (g === undefined ? "" : `, dL/dw ${formatNumber(g, 3)}`);
    }
    const [layer, index] = item.neuron;
    if (layer === 0) return `input ${this.#name(0, index)}`;
    const b = this.biases?.[layer - 1]?.[index];
    const g = this.mode === "gradient" ? this.gradients?.db[layer - 1]?.[index] : undefined;
    const act = this.arch.activations[layer - 1];
    return `${this.#name(layer, index)}${act ? ` (${act})` : ""}` + (b === undefined ? "" : `: bias ${formatNumber(Number(b), 3)}`) +
      (g === undefined ? "" : `, dL/db ${formatNumber(g, 3)}`);
  }

  #showReadout() {
    const item = this.pointed ?? this.focused;
    const link = item?.link ? this.#linkElement(item.link) : null;
    if (this.active !== link) {
      this.active?.classList.remove("active");
      link?.classList.add("active");
      this.active = link;
    }
    const text = item ? this.#describe(item) : "";
    if (this.focused?.link) this.#linkElement(this.focused.link).setAttribute("aria-label", this.#describe(this.focused));
    if (this.readout) this.readout.textContent = text;
  }

  #linkElement([k, i, j]) {
    return this.links[k - 1][i * this.arch.sizes[k] + j];
  }

  #point(item) {
    const same = JSON.stringify(item) === JSON.stringify(this.pointed);
    this.pointed = item;
    if (!same) this.#showReadout();
  }

  #pointerMove(e) {
    if (!this.arch || !this.positions) return;
    const g = e.target.closest?.(".neuron");
    if (g) {
      const [layer, index] = this.#numbers(g);
      this.#point({ neuron: [layer, index] });
      return;
    }
    this.#point(this.#linkAt(e.clientX, e.clientY));
  }

  // A click on a link (not on a neuron, which has its own) picks it, with onClickLink.
  #click(e) {
    if (!this.onClickLink || !this.arch || !this.positions || e.target.closest?.(".neuron")) return;
    const hit = this.#linkAt(e.clientX, e.clientY);
    if (hit) this.onClickLink(...hit.link);
  }

  // The link nearest to a viewport point, within HIT_PX; null if none.
  #linkAt(clientX, clientY) {
    const m = this.svg.getScreenCTM();
    if (!m) return null;
    const p = new DOMPoint(clientX, clientY).matrixTransform(m.inverse());
    const { xs, ys, sides } = this.positions;
    const { sizes } = this.arch;
    const k = xs.findIndex((x, c) => c > 0 && p.x <= x);  // links into column k span its gap
    if (k < 1 || p.x < xs[k - 1] + sides[k - 1]) return null;
    const x1 = xs[k - 1] + sides[k - 1], x2 = xs[k], dx = x2 - x1;
    let best = null, bestD = HIT_PX / Math.abs(m.a || 1);
    for (let i = 0; i < sizes[k - 1]; i++) {
      const y1 = ys[k - 1][i];
      for (let j = 0; j < sizes[k]; j++) {
        const dy = ys[k][j] - y1;
        const t = clamp(((p.x - x1) * dx + (p.y - y1) * dy) / (dx * dx + dy * dy), 0, 1);
        const d = Math.hypot(p.x - x1 - t * dx, p.y - y1 - t * dy);
        if (d <= bestD) { bestD = d; best = { link: [k, i, j] }; }
      }
    }
    return best;
  }

  // [k, i, j] of a link element, [layer, index] of a neuron's, from its data-testid.
  #numbers(element) {
    return element.dataset.testid.slice(this.prefix.length).split("-").slice(1).map(Number);
  }

  #focusIn(e) {
    const t = e.target;
    if (t.classList?.contains("link")) {
      const [k, i, j] = this.#numbers(t);
      this.focused = { link: [k, i, j] };
      t.setAttribute("role", this.onClickLink ? "button" : "img");
    } else if (t.classList?.contains("neuron")) {
      const [layer, index] = this.#numbers(t);
      this.focused = { neuron: [layer, index] };
    }
    this.#showReadout();
  }

  // Arrow keys move the focus among the neurons: up and down a layer, left and right
  // between layers (the neurons are one tab stop, whichever was focused last).
  #neuronKey(e, layer, index) {
    const { sizes } = this.arch;
    let [l, i] = [layer, index];
    if (e.key === "ArrowDown") i = Math.min(i + 1, sizes[l] - 1);
    else if (e.key === "ArrowUp") i = Math.max(i - 1, 0);
    else if (e.key === "ArrowRight" && l < sizes.length - 1) [l, i] = [l + 1, Math.min(i, sizes[l + 1] - 1)];
    else if (e.key === "ArrowLeft" && l > 0) [l, i] = [l - 1, Math.min(i, sizes[l - 1] - 1)];
    else return;
    e.preventDefault();
    this.neurons[layer][index].g.setAttribute("tabindex", "-1");
    const next = this.neurons[l][i].g;
    next.setAttribute("tabindex", "0");
    next.focus();
  }

  // Arrow keys move the focus from link to link (the links are one tab stop).
  #linkKey(e) {
    if (!e.target.classList?.contains("link")) return;
    const { sizes } = this.arch;
    const L = sizes.length - 1;
    let [k, at] = this.tabLink;
    const count = (layer) => sizes[layer - 1] * sizes[layer];
    if ((e.key === "Enter" || e.key === " ") && this.onClickLink) {
      e.preventDefault();
      this.onClickLink(k, Math.floor(at / sizes[k]), at % sizes[k]);
      return;
    }
    if (e.key === "ArrowDown" || e.key === "ArrowRight") {
      if (at + 1 < count(k)) at += 1; else if (k < L) [k, at] = [k + 1, 0];
    } else if (e.key === "ArrowUp" || e.key === "ArrowLeft") {
      if (at > 0) at -= 1; else if (k > 1) [k, at] = [k - 1, count(k - 1) - 1];
    } else if (e.key === "PageDown") {
      if (k < L) [k, at] = [k + 1, 0];
    } else if (e.key === "PageUp") {
      [k, at] = at > 0 ? [k, 0] : [Math.max(1, k - 1), 0];
    } else if (e.key === "Home") {
      [k, at] = [1, 0];
    } else if (e.key === "End") {
      [k, at] = [L, count(L) - 1];
    } else {
      return;
    }
    e.preventDefault();
    this.#focusLink(k, at);
  }

  #focusLink(k, at) {
    const [k0, at0] = this.tabLink;
    const old = this.links[k0 - 1][at0], next = this.links[k - 1][at];
    if (old !== next) {
      old.removeAttribute("tabindex");
      old.removeAttribute("aria-label");
      old.removeAttribute("role");
      next.setAttribute("tabindex", "0");
    }
    this.tabLink = [k, at];
    next.focus();
  }

  // ---- legend ------------------------------------------------------------------------

  #renderLegend() {
    if (!this.legend) return;
    const thumbs = Boolean(this.thumbs);
    const gradient = this.mode === "gradient";
    const largest = gradient && this.gradients ? formatNumber(this.gradients.largest, 2) : null;
    const key = `${thumbs} ${this.mode} ${largest}`;
    if (this.legendKey === key) return;
    this.legendKey = key;
    const line = (stroke, width, y = 6) => el("line", { x1: "1", y1: String(y), x2: "23", y2: String(y), stroke, "stroke-width": String(width), "stroke-linecap": "round" });
    const swatch = (...children) => {
      const svg = el("svg", { width: "24", height: "12", viewBox: "0 0 24 12", "aria-hidden": "true" });
      svg.append(...children);
      return svg;
    };
    const widths = swatch(...[0.8, 2, 3.6].map((w, n) => el("line", {
      x1: String(3 + n * 8), y1: "1.5", x2: String(3 + n * 8), y2: "10.5", stroke: "#495057", "stroke-width": String(w),
    })));
    const bias = swatch(...[-1, 0, 1].map((b, n) => el("rect", {
      x: String(n * 8 + 0.5), y: "2", width: "7", height: "8", rx: "1", fill: biasFill(b), stroke: "#868e96", "stroke-width": "0.6",
    })));
    const where = thumbs ? "frame" : "fill";
    const items = gradient ? [
      ["negative", swatch(line(ORANGE, 2.5)), "negative dL/dw (a descent step raises the weight)"],
      ["positive", swatch(line(BLUE, 2.5)), "positive dL/dw (a step lowers it)"],
      ["width", widths, `width, opacity: |dL/dw| over all the training data${largest ? `, up to ${largest}` : ""}; faint = vanishing`],
      ["bias", bias, `${where}: the neuron's dL/db`],
    ] : [
      ["negative", swatch(line(ORANGE, 2.5)), "negative weight"],
      ["positive", swatch(line(BLUE, 2.5)), "positive weight"],
      ["width", widths, "width: |weight|"],
      ["bias", bias, `${where}: the neuron's bias`],
    ];
    if (thumbs) {
      const output = swatch(...[-1, -0.5, 0, 0.5, 1].map((v, n) => el("rect", {
        x: String(7 + n * 2), y: "1", width: "2.2", height: "10", fill: css(rangeColor(v, [-1, 1])),
      })));
      items.push(["output", output, "inside: its output over the plot (hover for a larger one)"]);
    }
    const list = document.createElement("ul");
    list.className = "view-legend";
    list.setAttribute("aria-label", "Legend of the network diagram");
    list.dataset.links = this.mode;
    for (const [name, icon, text] of items) {
      const li = document.createElement("li");
      li.dataset.legend = name;
      li.append(icon, text);
      list.append(li);
    }
    this.legend.replaceChildren(list);
  }
}

// Paint values (n*n, row 0 at the top) into an n x n canvas with rangeColor over `range`.
function paintMap(canvas, values, range) {
  const n = canvas.width;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    const [r, g, b] = rangeColor(values[i], range);
    image.data[4 * i] = r; image.data[4 * i + 1] = g; image.data[4 * i + 2] = b; image.data[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}
