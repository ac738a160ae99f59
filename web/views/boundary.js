// Decision boundary / regression surface with the data points, on a canvas. Main thread;
// knows nothing of training: it takes plain arrays and reports gestures through callbacks.
//
//   const view = new BoundaryView(canvas, {onAddPoint(x, y, label) {}, onRemovePoint(set, index) {}, readout, legend});
//   view.setDomain([-1.5, 1.5, -1.5, 1.5]);
//   view.setProblem({kind: "binary"});                  // or "multiclass" + classes, "regression" + range
//   view.setPoints({train: {x, y, label}, test: {x, y, label}});
//   view.setGrid({n, values});                          // n*n row-major, row 0 at the top
//
// Grid: values[i*n + j] is the model at x = xmin + (j + 0.5) dx, y = ymax - (i + 0.5) dy.
// binary: P(class 1); regression: the prediction; multiclass: {n, classIndex, confidence}.
// Each setGrid paints an n x n image once (O(n^2)); frames only scale it up (smoothed).
// Points are painted to their own layer when they change, so a grid update costs two
// drawImage calls however many points there are.
//
// Colours (colors.js): binary orange (class 0) <-> blue (class 1) through grey at 0.5, the
// heatmap a lighter shade than the points; multiclass a 10-colour palette, faded towards
// grey as the confidence falls; regression orange (negative) <-> blue (positive) over
// `range`. Train points are filled with a white outline, test points are hollow rings.
// Legend (an element, optional; data-testid "boundary-legend" unless it has one): a list
// of the classes' heatmap shades with their point colour ("class 0", ...; each item
// data-class="k"), or for regression a colour scale of the surface over `range` with its
// ends (and 0, when inside) formatted (data-testid "boundary-scale", labels .scale-label);
// then a filled "train" and a hollow "test" point (hidden while showTest(false)).
//
// Editing (mouse or touch), label = what onAddPoint receives:
//   click                 add a point with the brush label: 1 by default (setBrush changes it)
//   Shift+click           the other label: binary/multiclass class 0 (class 1 if the brush is 0),
//                         regression -brush (so 1 normally, -1 with Shift)
//   hold digit d + click  class d (binary and multiclass, d < classes)
//   Alt+click, right-click  remove the nearest shown point within 6 px: onRemovePoint("train"|"test", i)
// Keyboard, once the plot has focus: the arrow keys move a cursor (a cross; the read-out
// follows it), Enter adds a point there (Shift+Enter the other label, a held digit its
// class), Delete or Backspace removes the nearest point.
// The view never edits its own points: the caller updates its data and calls setPoints.
// Picking instead (setPicking(true), with onPickPoint): a click, or Enter at the keyboard's
// cursor, picks the nearest training point within PICK_PX, onPickPoint(index), or calls
// onPickPoint(null) when none is that near; nothing is added or removed meanwhile.
// markPoint(index) rings one training point (markPoint(null): none).
//
// Test hooks: canvas.dataset.gridUpdates (setGrid calls), .points (train + test count),
// .domain (the data square, JSON), .mode ("edit" or "pick"), .marked (the ringed point's
// index, or ""); toCanvas(x, y) maps data to canvas CSS pixels.

import { binaryHeat, classColor, classHeat, css, diverging, lighten, rangeColor } from "./colors.js";
import { formatNumber } from "./format.js";

const HIT_PX = 6;
const PICK_PX = 12;
const FONT = "10px system-ui, -apple-system, 'Segoe UI', sans-serif";
const EMPTY = { x: [], y: [], label: [] };
const SVG = "http://www.w3.org/2000/svg";
const SCALE_PX = 128;    // the regression colour scale's width in CSS px (and pixels painted)

export class BoundaryView {
  constructor(canvas, {
    onAddPoint = () => {}, onRemovePoint = () => {}, onPickPoint = () => {}, readout = null, legend = null, axes = true,
  } = {}) {
    this.canvas = canvas;
    this.onPickPoint = onPickPoint;
    this.picking = false;
    this.marked = null;
    canvas.dataset.mode = "edit";
    canvas.dataset.marked = "";
    this.onAddPoint = onAddPoint;
    this.onRemovePoint = onRemovePoint;
    this.readout = readout;
    this.legend = legend;
    if (legend) {
      legend.classList.add("boundary-legend");
      legend.dataset.testid ||= "boundary-legend";
    }
    this.axes = axes;
    this.domain = [-1.5, 1.5, -1.5, 1.5];
    this.problem = { kind: "binary", classes: 2, range: [-1, 1] };
    this.points = { train: EMPTY, test: EMPTY };
    this.testShown = true;
    this.discrete = false;
    this.brush = 1;
    this.grid = null;             // the last setGrid argument
    this.heat = null;             // n x n canvas painted from it
    this.pointLayer = document.createElement("canvas");
    this.pointsDirty = true;
    this.heldDigit = null;
    this.pending = false;
    this.gridUpdates = 0;
    canvas.classList.add("boundary-view");
    canvas.dataset.gridUpdates = "0";
    this.cursor = null;
    if (!canvas.hasAttribute("tabindex")) canvas.tabIndex = 0;  // the keyboard edits points too
    canvas.dataset.points = "0";
    this.#listen();
    this.#renderLegend();
    this.#scheduleDraw();
  }

  setDomain([xmin, xmax, ymin, ymax]) {
    if (!(xmax > xmin && ymax > ymin)) throw new Error(`domain must be [xmin, xmax, ymin, ymax] with min < max, got ${[xmin, xmax, ymin, ymax]}`);
    this.domain = [xmin, xmax, ymin, ymax];
    this.canvas.dataset.domain = JSON.stringify(this.domain);
    this.#pointsChanged();
  }

  setProblem({ kind = "binary", classes = 2, range = [-1, 1] } = {}) {
    if (!["binary", "multiclass", "regression"].includes(kind)) {
      throw new Error(`problem kind must be "binary", "multiclass" or "regression", got ${JSON.stringify(kind)}`);
    }
    if (kind !== this.problem.kind) this.clearGrid();  // the old grid answers another problem
    this.problem = { kind, classes: kind === "binary" ? 2 : classes, range };
    this.#paintHeat();
    this.#renderLegend();
    this.#pointsChanged();
  }

  setPoints({ train = EMPTY, test = EMPTY } = {}) {
    for (const [name, set] of [["train", train], ["test", test]]) {
      if (set.x.length !== set.y.length || set.x.length !== set.label.length) {
        throw new Error(`${name} points need x, y and label arrays of one length`);
      }
    }
    this.points = { train, test };
    this.canvas.dataset.points = String(train.x.length + test.x.length);
    this.#pointsChanged();
  }

  setGrid(grid) {
    const { n } = grid;
    const data = this.problem.kind === "multiclass" ? grid.classIndex : grid.values;
    if (!data || data.length !== n * n) {
      const field = this.problem.kind === "multiclass" ? "classIndex" : "values";
      throw new Error(`setGrid needs ${field} with n*n = ${n * n} entries, got ${data ? data.length : "none"}`);
    }
    this.grid = grid;
    this.#paintHeat();
    this.gridUpdates += 1;
    this.canvas.dataset.gridUpdates = String(this.gridUpdates);
    this.#scheduleDraw();
  }

  clearGrid() {
    this.grid = null;
    this.heat = null;
    this.#scheduleDraw();
  }

  showTest(on) {
    this.testShown = Boolean(on);
    this.canvas.dataset.testShown = String(this.testShown);
    const item = this.legend?.querySelector("[data-legend=test]");
    if (item) item.hidden = !this.testShown;
    this.#pointsChanged();
  }

  // Binary: colour by the predicted class only (P >= 0.5); regression: by sign.
  setDiscretize(on) {
    this.discrete = Boolean(on);
    this.#paintHeat();
    this.#scheduleDraw();
  }

  // On: a click (or Enter) picks a training point (onPickPoint) instead of adding one.
  setPicking(on) {
    this.picking = Boolean(on);
    this.canvas.dataset.mode = this.picking ? "pick" : "edit";
  }

  // Ring training point `index` (null: none).
  markPoint(index) {
    this.marked = Number.isInteger(index) ? index : null;
    this.canvas.dataset.marked = this.marked === null ? "" : String(this.marked);
    this.#scheduleDraw();
  }

  // The label a plain click adds (class index, or regression target).
  setBrush(label) {
    this.brush = label;
  }

  toPNG() {
    this.draw();
    return this.canvas.toDataURL("image/png");
  }

  // Canvas CSS-pixel position of data point (x, y).
  toCanvas(x, y) {
    const [xmin, xmax, ymin, ymax] = this.domain;
    return [
      ((x - xmin) / (xmax - xmin)) * this.canvas.clientWidth,
      ((ymax - y) / (ymax - ymin)) * this.canvas.clientHeight,
    ];
  }

  // Data coordinates of canvas CSS-pixel position (px, py).
  toData(px, py) {
    const [xmin, xmax, ymin, ymax] = this.domain;
    return [
      xmin + (px / this.canvas.clientWidth) * (xmax - xmin),
      ymax - (py / this.canvas.clientHeight) * (ymax - ymin),
    ];
  }

  destroy() {
    this.observer?.disconnect();
    this.abort.abort();
  }

  // --- painting ---------------------------------------------------------------------

  #cellColor(i) {
    const g = this.grid;
    const { kind, classes, range } = this.problem;
    if (kind === "multiclass") {
      const conf = this.discrete ? 1 : (g.confidence ? g.confidence[i] : 1);
      return classHeat(g.classIndex[i], conf, classes);
    }
    const v = g.values[i];
    if (kind === "regression") {
      const scale = Math.max(Math.abs(range[0]), Math.abs(range[1]));
      return lighten(rangeColor(this.discrete ? Math.sign(v) * scale : v, range));
    }
    return binaryHeat(this.discrete ? (v >= 0.5 ? 1 : 0) : v);
  }

  #paintHeat() {
    if (!this.grid) return;
    const { n } = this.grid;
    if (!this.heat || this.heat.width !== n) {
      this.heat = document.createElement("canvas");
      this.heat.width = n; this.heat.height = n;
    }
    const ctx = this.heat.getContext("2d");
    const image = ctx.createImageData(n, n);
    const px = image.data;
    for (let i = 0; i < n * n; i++) {
      const [r, g, b] = this.#cellColor(i);
      px[4 * i] = r; px[4 * i + 1] = g; px[4 * i + 2] = b; px[4 * i + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
  }

  #pointColor(label) {
    const { kind, range } = this.problem;
    return css(kind === "regression" ? rangeColor(label, range) : classColor(label));
  }

  #paintPoints(W, H, dpr) {
    const layer = this.pointLayer;
    layer.width = W; layer.height = H;
    const ctx = layer.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const w = W / dpr;
    const r = Math.max(2.5, Math.min(4, w / 90));
    const sets = this.testShown ? ["train", "test"] : ["train"];
    for (const name of sets) {
      const { x, y, label } = this.points[name];
      const hollow = name === "test";
      for (let i = 0; i < x.length; i++) {
        const [X, Y] = this.toCanvas(x[i], y[i]);
        const color = this.#pointColor(label[i]);
        ctx.beginPath();
        ctx.arc(X, Y, r, 0, 2 * Math.PI);
        if (hollow) {
          ctx.strokeStyle = "rgba(255, 255, 255, 0.9)"; ctx.lineWidth = 3.2; ctx.stroke();
          ctx.strokeStyle = color; ctx.lineWidth = 1.6; ctx.stroke();
        } else {
          ctx.fillStyle = color; ctx.fill();
          ctx.strokeStyle = "#fff"; ctx.lineWidth = 1; ctx.stroke();
        }
      }
    }
    this.pointsDirty = false;
  }

  #pointsChanged() {
    this.pointsDirty = true;
    this.#scheduleDraw();
  }

  #scheduleDraw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { if (this.pending) this.draw(); });
  }

  draw() {
    this.pending = false;
    const { canvas } = this;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    if (!width || !height) return;
    const dpr = window.devicePixelRatio || 1;
    const W = Math.round(width * dpr), H = Math.round(height * dpr);
    if (canvas.width !== W || canvas.height !== H) {
      canvas.width = W; canvas.height = H;
      this.pointsDirty = true;
    }
    if (this.pointsDirty) this.#paintPoints(W, H, dpr);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    if (this.heat) {
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = "low";  // bilinear: "high" is bicubic and overshoots colours at edges
      ctx.drawImage(this.heat, 0, 0, this.heat.width, this.heat.height, 0, 0, W, H);
    } else {
      ctx.fillStyle = "#f8f9fa";
      ctx.fillRect(0, 0, W, H);
    }
    ctx.drawImage(this.pointLayer, 0, 0);
    if (this.axes) this.#drawAxes(ctx, dpr, width, height);
    if (this.marked !== null && this.marked < this.points.train.x.length) this.#drawMark(ctx, dpr, width);
    if (this.cursor) this.#drawCursor(ctx, dpr);
  }

  #drawMark(ctx, dpr, width) {
    const { x, y } = this.points.train;
    const [px, py] = this.toCanvas(x[this.marked], y[this.marked]);
    const r = Math.max(2.5, Math.min(4, width / 90)) + 3;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.beginPath();
    ctx.arc(px, py, r, 0, 2 * Math.PI);
    ctx.lineWidth = 4; ctx.strokeStyle = "#fff"; ctx.stroke();
    ctx.lineWidth = 2; ctx.strokeStyle = "#212529"; ctx.stroke();
  }

  #drawCursor(ctx, dpr) {
    const [px, py] = this.toCanvas(...this.cursor);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = "#212529";
    ctx.beginPath();
    ctx.moveTo(px - 7, py); ctx.lineTo(px + 7, py);
    ctx.moveTo(px, py - 7); ctx.lineTo(px, py + 7);
    ctx.stroke();
  }

  // The keyboard's cursor, in data coordinates: one arrow press moves it 1/40 of the plot.
  #key(e) {
    const [xmin, xmax, ymin, ymax] = this.domain;
    const step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[e.key];
    const [x, y] = this.cursor ?? [(xmin + xmax) / 2, (ymin + ymax) / 2];
    if (step) {
      const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
      this.cursor = [clamp(x + step[0] * (xmax - xmin) / 40, xmin, xmax), clamp(y + step[1] * (ymax - ymin) / 40, ymin, ymax)];
    } else if (e.key === "Enter" && this.picking) {
      this.#pick(...this.toCanvas(x, y));
    } else if (e.key === "Enter") {
      this.onAddPoint(x, y, this.#labelFor(e));
    } else if ((e.key === "Delete" || e.key === "Backspace") && !this.picking) {
      this.#removeNear(...this.toCanvas(x, y));
    } else {
      return;
    }
    e.preventDefault();
    this.cursor ??= [x, y];
    this.canvas.dataset.cursor = this.cursor.map((v) => formatNumber(v, 3)).join(", ");
    this.#hover(...this.toCanvas(...this.cursor));
    this.#scheduleDraw();
  }

  #drawAxes(ctx, dpr, width, height) {
    const [xmin, xmax, ymin, ymax] = this.domain;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.font = FONT;
    ctx.lineWidth = 3; ctx.strokeStyle = "rgba(255, 255, 255, 0.85)"; ctx.fillStyle = "#495057";
    const label = (text, x, y, align, baseline) => {
      ctx.textAlign = align; ctx.textBaseline = baseline;
      ctx.strokeText(text, x, y); ctx.fillText(text, x, y);
    };
    const f = (v) => formatNumber(v, 3);
    label(f(xmin), 3, height - 2, "left", "bottom");
    label(f(xmax), width - 3, height - 2, "right", "bottom");
    label(f(ymax), 3, 2, "left", "top");
    if (f(ymin) !== f(xmin)) label(f(ymin), 3, height - 14, "left", "bottom");  // one corner label serves both
    this.canvas.dataset.axes = [xmin, xmax, ymin, ymax].map(f).join(", ");  // one corner label serves both
  }

  // --- legend -------------------------------------------------------------------------

  #renderLegend() {
    if (!this.legend) return;
    const { kind, classes, range } = this.problem;
    const icon = (...children) => {
      const svg = document.createElementNS(SVG, "svg");
      for (const [k, v] of Object.entries({ width: "14", height: "14", viewBox: "0 0 14 14", "aria-hidden": "true" })) svg.setAttribute(k, v);
      for (const [name, attrs] of children) {
        const node = document.createElementNS(SVG, name);
        for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
        svg.append(node);
      }
      return svg;
    };
    const item = (data, children, ...content) => {
      const li = document.createElement("li");
      Object.assign(li.dataset, data);
      li.append(...children, ...content);
      return li;
    };
    const list = document.createElement("ul");
    list.className = "view-legend";
    list.setAttribute("aria-label", "Legend of the plot");
    if (kind === "regression") {
      list.append(item({ legend: "scale", testid: "boundary-scale" }, [], "prediction ", this.#scale(range)));
    } else {
      for (let k = 0; k < classes; k++) {
        const heat = kind === "binary" ? binaryHeat(k) : classHeat(k, 1, classes);
        list.append(item({ class: String(k) }, [icon(
          ["rect", { x: "0.5", y: "0.5", width: "13", height: "13", rx: "2", fill: css(heat), stroke: "#ced4da" }],
          ["circle", { cx: "7", cy: "7", r: "3.5", fill: css(classColor(k)), stroke: "#fff" }],
        )], `class ${k}`));
      }
    }
    list.append(
      item({ legend: "train" }, [icon(["circle", { cx: "7", cy: "7", r: "4", fill: "#495057", stroke: "#fff" }])], "train"),
      item({ legend: "test" }, [icon(["circle", { cx: "7", cy: "7", r: "3.8", fill: "none", stroke: "#495057", "stroke-width": "1.6" }])], "test"),
    );
    list.lastChild.hidden = !this.testShown;
    this.legend.replaceChildren(list);
  }

  // The regression colour scale: the surface's shades from range[0] to range[1], labelled.
  #scale([lo, hi]) {
    const box = document.createElement("span");
    box.className = "scale";
    const bar = document.createElement("canvas");
    bar.width = SCALE_PX; bar.height = 1;
    const ctx = bar.getContext("2d");
    const image = ctx.createImageData(SCALE_PX, 1);
    for (let x = 0; x < SCALE_PX; x++) {
      const v = lo + (hi - lo) * (x / (SCALE_PX - 1));
      image.data.set([...lighten(hi > lo ? rangeColor(v, [lo, hi]) : diverging(0.5)), 255], 4 * x);
    }
    ctx.putImageData(image, 0, 0);
    const labels = document.createElement("span");
    labels.className = "scale-labels";
    const at = [[lo, 0]];
    if (lo < 0 && hi > 0 && -lo / (hi - lo) > 0.15 && hi / (hi - lo) > 0.15) at.push([0, -lo / (hi - lo)]);
    if (hi !== lo) at.push([hi, 1]);
    for (const [v, t] of at) {
      const label = document.createElement("span");
      label.className = "scale-label";
      label.textContent = formatNumber(v, 3);
      label.style.left = `${(t * 100).toFixed(2)}%`;
      if (t === 0) label.classList.add("start");
      if (t === 1) label.classList.add("end");
      labels.append(label);
    }
    box.append(bar, labels);
    box.dataset.min = String(lo);
    box.dataset.max = String(hi);
    return box;
  }

  // --- gestures -----------------------------------------------------------------------

  #listen() {
    const c = this.canvas;
    this.abort = new AbortController();
    const opts = { signal: this.abort.signal };
    const local = (e) => { const r = c.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    c.addEventListener("click", (e) => {
      const [px, py] = local(e);
      if (this.picking) { this.#pick(px, py); return; }
      if (e.altKey) { this.#removeNear(px, py); return; }
      const [x, y] = this.toData(px, py);
      this.onAddPoint(x, y, this.#labelFor(e));
    }, opts);
    c.addEventListener("contextmenu", (e) => {
      if (this.picking) return;
      const [px, py] = local(e);
      if (this.#removeNear(px, py)) e.preventDefault();
    }, opts);
    c.addEventListener("pointermove", (e) => this.#hover(...local(e)), opts);
    c.addEventListener("keydown", (e) => this.#key(e), opts);
    c.addEventListener("blur", () => { this.cursor = null; this.#scheduleDraw(); }, opts);
    c.addEventListener("pointerleave", () => { if (this.readout) this.readout.textContent = ""; }, opts);
    window.addEventListener("keydown", (e) => { if (/^Digit\d$/.test(e.code)) this.heldDigit = Number(e.code[5]); }, opts);
    window.addEventListener("keyup", (e) => { if (/^Digit\d$/.test(e.code)) this.heldDigit = null; }, opts);
    window.addEventListener("blur", () => { this.heldDigit = null; }, opts);
    if (typeof ResizeObserver !== "undefined") {
      this.observer = new ResizeObserver(() => this.#scheduleDraw());
      this.observer.observe(c);
    }
  }

  #labelFor(e) {
    const { kind, classes } = this.problem;
    if (kind !== "regression" && this.heldDigit !== null && this.heldDigit < classes) return this.heldDigit;
    if (!e.shiftKey) return this.brush;
    if (kind === "regression") return -this.brush;
    return this.brush === 0 ? 1 : 0;
  }

  // Nearest shown point within HIT_PX of (px, py): [set, index], or null.
  nearestPoint(px, py) {
    let best = null, bestD = HIT_PX * HIT_PX;
    for (const name of this.testShown ? ["train", "test"] : ["train"]) {
      const { x, y } = this.points[name];
      for (let i = 0; i < x.length; i++) {
        const [X, Y] = this.toCanvas(x[i], y[i]);
        const d = (X - px) ** 2 + (Y - py) ** 2;
        if (d <= bestD) { bestD = d; best = [name, i]; }
      }
    }
    return best;
  }

  // The nearest training point within PICK_PX of (px, py), shown or not, to onPickPoint.
  #pick(px, py) {
    let best = null, bestD = PICK_PX * PICK_PX;
    const { x, y } = this.points.train;
    for (let i = 0; i < x.length; i++) {
      const [X, Y] = this.toCanvas(x[i], y[i]);
      const d = (X - px) ** 2 + (Y - py) ** 2;
      if (d <= bestD) { bestD = d; best = i; }
    }
    this.onPickPoint(best);
  }

  #removeNear(px, py) {
    const hit = this.nearestPoint(px, py);
    if (hit) this.onRemovePoint(hit[0], hit[1]);
    return Boolean(hit);
  }

  #hover(px, py) {
    if (!this.readout) return;
    const [x, y] = this.toData(px, py);
    let text = `x1 ${formatNumber(x, 3)}, x2 ${formatNumber(y, 3)}`;
    const g = this.grid;
    if (g) {
      const [xmin, xmax, ymin, ymax] = this.domain;
      const j = Math.min(g.n - 1, Math.max(0, Math.floor(((x - xmin) / (xmax - xmin)) * g.n)));
      const i = Math.min(g.n - 1, Math.max(0, Math.floor(((ymax - y) / (ymax - ymin)) * g.n)));
      const k = i * g.n + j;
      const p = (v) => Number(v).toFixed(3);  // a probability: fixed decimals read best
      if (this.problem.kind === "multiclass") {
        text += `: class ${g.classIndex[k]}` + (g.confidence ? ` (confidence ${p(g.confidence[k])})` : "");
      } else if (this.problem.kind === "regression") {
        text += `: prediction ${formatNumber(Number(g.values[k]), 3)}`;
      } else {
        text += `: P(class 1) ${p(g.values[k])}`;
      }
    }
    this.readout.textContent = text;
  }
}
