// Line chart on a canvas: main thread; knows nothing of training.
//
//   const chart = new LineChart(canvas, {series: [{name: "train loss"}, {name: "test loss", dash: [4, 3]}],
//                                        readout: element});
//   chart.addPoint(epoch, [trainLoss, testLoss]);   // one value per series; redraws once per frame
//   chart.setLogScale(true); chart.reset(); chart.toPNG();
//
// Drawing cost per frame is bounded by `capacity`, not by the length of the run: points are
// kept in at most `capacity` buckets; when the buckets fill, neighbours merge (a bucket keeps
// its last epoch, its last finite value and the min/max of its values, which set the y
// range), so a run of 100,000 epochs draws at most `capacity` vertices per series, like a
// run of 100. NaN/Infinity (and, on the log scale, values <= 0) are counted but not drawn:
// the line breaks there.
//
// API: reset(series?) forgets the points (and renames/recounts the series if given);
// addPoint(x, ys); setLogScale(on); draw() (synchronous; normally scheduled); toPNG();
// toCanvasX(x); names; destroy().
//
// Read-out: pointer hover, or the Left/Right/Home/End keys while the canvas has focus, picks
// the nearest bucket; the chart draws a guide and a label, and writes
// "epoch N: name value, name value" to `options.readout` (cleared on pointerleave/blur/Escape).
//
// Test hooks: canvas.dataset.points (points added), .vertices (most vertices drawn for one
// series in the last frame, also `lastDrawnVertices`), .scale ("linear"/"log"), .yTicks.
//
// Options: capacity (even, default 512), series [{name, color?, dash?}], seriesName(i) for
// series that appear later (default "series i+1"), colors (palette), readout (element),
// logScale, xLabel ("epoch"), background ("#fff"). The canvas is sized by CSS; the bitmap
// follows its box and devicePixelRatio.

import { formatNumber } from "./views/format.js";

const PALETTE = ["#d9480f", "#1c7ed6", "#2f9e44", "#7048e8", "#e67700", "#1098ad", "#c2255c", "#5c940d", "#495057", "#862e9c"];
const FONT = "11px system-ui, -apple-system, 'Segoe UI', sans-serif";
const INK = "#495057";

// Four significant digits, without trailing zeros (views/format.js).
const formatValue = (v) => formatNumber(v, 4);

export class LineChart {
  constructor(canvas, {
    capacity = 512, colors = PALETTE, series = [], seriesName = (i) => `series ${i + 1}`,
    readout = null, logScale = false, xLabel = "epoch", background = "#fff",
  } = {}) {
    this.canvas = canvas;
    this.capacity = Math.max(4, capacity + (capacity % 2));  // even: pairs merge cleanly
    this.colors = colors;
    this.seriesName = seriesName;
    this.readout = readout;
    this.xLabel = xLabel;
    this.background = background;
    this.log = Boolean(logScale);
    this.meta = series.map((s, i) => this.#meta(s, i));
    this.cursor = null;         // {px} while hovering, {x} after a key press
    this.layout = null;         // plot geometry of the last frame, for pointer mapping
    this.lastDrawnVertices = 0;
    this.yTickLabels = [];
    this.pending = false;
    canvas.dataset.scale = this.log ? "log" : "linear";
    this.#listen();
    this.reset();
  }

  #meta(s, i) {
    return {
      name: s.name ?? this.seriesName(i),
      color: s.color ?? this.colors[i % this.colors.length],
      dash: s.dash ?? [],
    };
  }

  // Names of the series, in order (including those that appeared with addPoint).
  get names() { return this.meta.map((m) => m.name); }

  // Forget all points (series names stay). Pass `series` to rename/recount them too.
  reset(series) {
    if (series) this.meta = series.map((s, i) => this.#meta(s, i));
    this.xs = [];              // last epoch of each bucket
    this.cols = this.meta.map(() => this.#column(0));
    this.stride = 1;           // points per bucket
    this.points = 0;           // points received (per series)
    this.cursor = null;
    this.#writeReadout("");
    this.canvas.dataset.points = "0";
    this.#scheduleDraw();
  }

  setLogScale(on) {
    this.log = Boolean(on);
    this.canvas.dataset.scale = this.log ? "log" : "linear";
    this.#scheduleDraw();
  }

  // Per bucket: last value, finite min and max, smallest positive value (for the log scale).
  #column(n) {
    return { y: Array(n).fill(NaN), lo: Array(n).fill(Infinity), hi: Array(n).fill(-Infinity), pos: Array(n).fill(Infinity) };
  }

  // Append one point per series at epoch x, e.g. addPoint(12, [trainLoss, testLoss]).
  addPoint(x, ys) {
    if (!Array.isArray(ys) && !ArrayBuffer.isView(ys)) ys = [ys];
    while (this.cols.length < ys.length) {
      this.meta.push(this.#meta({}, this.meta.length));
      this.cols.push(this.#column(this.xs.length));
    }
    const n = this.xs.length;
    const into = n > 0 && this.points % this.stride !== 0;  // still filling the last bucket
    if (into) this.xs[n - 1] = x; else this.xs.push(x);
    const k = into ? n - 1 : n;
    for (let i = 0; i < this.cols.length; i++) {
      const c = this.cols[i];
      const v = i < ys.length ? Number(ys[i]) : NaN;
      const finite = Number.isFinite(v);
      if (into) {
        if (finite || !Number.isFinite(c.y[k])) c.y[k] = v;  // the bucket's last finite value
        if (finite) {
          if (v < c.lo[k]) c.lo[k] = v;
          if (v > c.hi[k]) c.hi[k] = v;
          if (v > 0 && v < c.pos[k]) c.pos[k] = v;
        }
      } else {
        c.y.push(v);
        c.lo.push(finite ? v : Infinity);
        c.hi.push(finite ? v : -Infinity);
        c.pos.push(finite && v > 0 ? v : Infinity);
      }
    }
    this.points += 1;
    if (this.xs.length > this.capacity) this.#merge();
    this.canvas.dataset.points = String(this.points);
    this.#scheduleDraw();
  }

  #merge() {
    const pairs = (a, f) => {
      const out = [];
      for (let i = 0; i < a.length; i += 2) out.push(i + 1 < a.length ? f(a[i], a[i + 1]) : a[i]);
      return out;
    };
    const last = (a, b) => b;
    this.xs = pairs(this.xs, last);
    for (const c of this.cols) {
      c.y = pairs(c.y, (a, b) => (Number.isFinite(b) || !Number.isFinite(a) ? b : a));
      c.lo = pairs(c.lo, Math.min);
      c.hi = pairs(c.hi, Math.max);
      c.pos = pairs(c.pos, Math.min);
    }
    this.stride *= 2;
  }

  #scheduleDraw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { if (this.pending) this.draw(); });
  }

  // Canvas x (CSS px from the canvas's left edge) of epoch x in the last drawn frame.
  toCanvasX(x) {
    if (!this.layout || this.pending) this.draw();
    const { left, w, xMax } = this.layout;
    return left + (x / xMax) * w;
  }

  // The chart as a PNG data URL (without the hover guide).
  toPNG() {
    const cursor = this.cursor;
    this.cursor = null;
    this.draw();
    const url = this.canvas.toDataURL("image/png");
    this.cursor = cursor;
    if (cursor) this.draw();
    return url;
  }

  destroy() {
    this.observer?.disconnect();
    this.abort.abort();
  }

  #listen() {
    const c = this.canvas;
    this.abort = new AbortController();
    const opts = { signal: this.abort.signal };
    c.addEventListener("pointermove", (e) => {
      this.cursor = { px: e.clientX - c.getBoundingClientRect().left };
      this.#scheduleDraw();
    }, opts);
    c.addEventListener("pointerleave", () => this.#clearCursor(), opts);
    c.addEventListener("blur", () => this.#clearCursor(), opts);
    c.addEventListener("keydown", (e) => {
      const n = this.xs.length;
      if (e.key === "Escape") { this.#clearCursor(); return; }
      if (!n || !["ArrowLeft", "ArrowRight", "Home", "End"].includes(e.key)) return;
      e.preventDefault();
      const at = this.#cursorIndex();
      const step = e.shiftKey ? 10 : 1;
      let i;
      if (e.key === "Home") i = 0;
      else if (e.key === "End" || at === null) i = n - 1;
      else i = Math.max(0, Math.min(n - 1, at + (e.key === "ArrowLeft" ? -step : step)));
      this.cursor = { x: this.xs[i] };
      this.#scheduleDraw();
    }, opts);
    if (typeof ResizeObserver !== "undefined") {
      this.observer = new ResizeObserver(() => this.#scheduleDraw());
      this.observer.observe(c);
    }
  }

  #clearCursor() {
    if (!this.cursor) return;
    this.cursor = null;
    this.#writeReadout("");
    this.#scheduleDraw();
  }

  #writeReadout(text) {
    if (this.readout && this.readout.textContent !== text) this.readout.textContent = text;
  }

  // Bucket index nearest to the cursor, or null.
  #cursorIndex() {
    const n = this.xs.length;
    if (!this.cursor || !n) return null;
    let x = this.cursor.x;
    if (x === undefined) {
      if (!this.layout) return null;
      const { left, w, xMax } = this.layout;
      x = ((this.cursor.px - left) / w) * xMax;
    }
    let lo = 0, hi = n - 1;  // first bucket with xs >= x, then the closer neighbour
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.xs[mid] < x) lo = mid + 1; else hi = mid;
    }
    return lo > 0 && x - this.xs[lo - 1] <= this.xs[lo] - x ? lo - 1 : lo;
  }

  #yRange() {
    let lo = Infinity, hi = -Infinity;
    for (const c of this.cols) {
      const low = this.log ? c.pos : c.lo;
      for (let i = 0; i < c.y.length; i++) {
        if (low[i] < lo) lo = low[i];
        if (c.hi[i] > hi) hi = c.hi[i];
      }
    }
    if (this.log) {
      if (!(hi > 0) || lo === Infinity) return null;
      let a = Math.log10(lo), b = Math.log10(hi);
      if (b - a < 1e-9) { a -= 0.5; b += 0.5; }
      const pad = (b - a) * 0.05;
      return [a - pad, b + pad];
    }
    if (lo === Infinity) return null;
    if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
      const d = Math.abs(hi) * 0.1 || 1;
      lo -= d; hi += d;
    }
    const pad = (hi - lo) * 0.05;
    const a = lo >= 0 && lo - pad < 0 ? 0 : lo - pad;  // non-negative data keep a floor at 0
    return [a, hi + pad];
  }

  // Tick values (in plot units: log10 on the log scale) and their labels.
  #ticks(a, b, target) {
    if (this.log) {
      let decades = [];
      for (let k = Math.ceil(a); k <= Math.floor(b); k++) decades.push(k);
      let values = decades.map((k) => [k, 1]);
      if (decades.length < 2) {
        values = [];
        for (let k = Math.floor(a); k <= Math.ceil(b); k++) {
          for (const m of [1, 2, 5]) {
            const t = k + Math.log10(m);
            if (t >= a && t <= b) values.push([k, m]);
          }
        }
      } else {
        const every = Math.ceil(decades.length / Math.max(2, target));
        values = values.filter(([k]) => k % every === 0);
      }
      return values.map(([k, m]) => ({
        at: k + Math.log10(m),
        label: formatNumber(m * 10 ** k, 1),
      }));
    }
    const step = niceStep((b - a) / Math.max(1, target));
    const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    const out = [];
    for (let v = Math.ceil(a / step) * step; v <= b + step * 1e-9; v += step) {
      const r = Math.abs(v) < step * 1e-9 ? 0 : v;
      const big = Math.abs(r) >= 1e5;
      out.push({ at: r, label: big ? formatNumber(r, 2) : r.toFixed(Math.min(digits, 20)) });
    }
    return out;
  }

  draw() {
    this.pending = false;
    const { canvas } = this;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (!width || !height) return;  // not displayed
    const dpr = window.devicePixelRatio || 1;
    const W = Math.round(width * dpr), H = Math.round(height * dpr);
    if (canvas.width !== W) canvas.width = W;
    if (canvas.height !== H) canvas.height = H;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = this.background;
    ctx.fillRect(0, 0, width, height);
    ctx.font = FONT;

    // Legend rows across the top.
    const items = this.meta.map((m) => ({ m, w: 22 + ctx.measureText(m.name).width + 12 }));
    const rows = [];
    let row = [], used = 0;
    for (const it of items) {
      if (row.length && used + it.w > width - 8) { rows.push(row); row = []; used = 0; }
      row.push(it); used += it.w;
    }
    if (row.length) rows.push(row);
    const n = this.xs.length;
    const xMax = Math.max(n ? this.xs[n - 1] : 0, 1);
    const lastLabel = ctx.measureText(String(xMax)).width / 2 + 4;  // the last x tick stays inside
    const top = 10 + rows.length * 16, bottom = 30;
    const h = Math.max(10, height - top - bottom);
    const range = this.#yRange();
    const ticks = range ? this.#ticks(range[0], range[1], Math.max(2, Math.floor(h / 36))) : [];
    const widest = Math.max(0, ...ticks.map((t) => ctx.measureText(t.label).width));  // no label is cut
    const pad = { left: Math.max(52, Math.ceil(widest) + 10), right: Math.max(14, lastLabel), top, bottom };
    const w = Math.max(10, width - pad.left - pad.right);
    rows.forEach((r, j) => {
      let x = pad.left;
      const y = 10 + j * 16;
      for (const { m, w: iw } of r) {
        ctx.strokeStyle = m.color; ctx.lineWidth = 2; ctx.setLineDash(m.dash);
        ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 16, y); ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = INK; ctx.textAlign = "left"; ctx.textBaseline = "middle";
        ctx.fillText(m.name, x + 20, y);
        x += iw;
      }
    });

    this.layout = { left: pad.left, top: pad.top, w, h, xMax };
    const px = (x) => pad.left + (x / xMax) * w;

    // Axes, ticks and grid lines.
    ctx.strokeStyle = "#e9ecef"; ctx.lineWidth = 1; ctx.fillStyle = INK;
    let py = () => NaN;
    this.yTickLabels = [];
    if (range) {
      const [a, b] = range;
      py = (v) => pad.top + h - ((v - a) / (b - a)) * h;
      ctx.textAlign = "right"; ctx.textBaseline = "middle";
      for (const t of ticks) {
        const Y = Math.round(py(t.at)) + 0.5;
        ctx.beginPath(); ctx.moveTo(pad.left, Y); ctx.lineTo(pad.left + w, Y); ctx.stroke();
        ctx.fillText(t.label, pad.left - 5, Y);
        this.yTickLabels.push(t.label);
      }
    }
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    const xStep = niceStep(xMax / Math.max(1, Math.floor(w / 70)));
    for (let x = 0; x <= xMax + 1e-9; x += Math.max(1, xStep)) {
      ctx.fillText(String(Math.round(x)), px(x), pad.top + h + 5);
    }
    ctx.textAlign = "left";
    ctx.fillText(this.xLabel, 4, pad.top + h + 5);
    ctx.strokeStyle = "#adb5bd";
    ctx.strokeRect(pad.left + 0.5, pad.top + 0.5, w, h);
    this.canvas.dataset.yTicks = this.yTickLabels.join(", ");

    // Series: one vertex per bucket; a non-drawable value lifts the pen.
    let most = 0;
    const value = (v) => (this.log ? (v > 0 ? Math.log10(v) : NaN) : v);
    ctx.save();
    ctx.beginPath(); ctx.rect(pad.left, pad.top, w, h); ctx.clip();
    this.cols.forEach((c, k) => {
      const m = this.meta[k];
      ctx.strokeStyle = m.color; ctx.fillStyle = m.color;
      ctx.lineWidth = 2; ctx.lineJoin = "round"; ctx.setLineDash(m.dash);
      ctx.beginPath();
      let vertices = 0, run = 0, lastX = 0, lastY = 0;
      const dot = () => { if (run === 1) { ctx.moveTo(lastX + 2, lastY); ctx.arc(lastX, lastY, 2, 0, 2 * Math.PI); } };
      for (let i = 0; i < n; i++) {
        const v = value(c.y[i]);
        if (!Number.isFinite(v) || !range) { dot(); run = 0; continue; }
        const X = px(this.xs[i]), Y = py(v);
        if (run === 0) ctx.moveTo(X, Y); else ctx.lineTo(X, Y);
        run += 1; vertices += 1; lastX = X; lastY = Y;
      }
      dot();
      ctx.stroke();
      ctx.setLineDash([]);
      most = Math.max(most, vertices);
    });
    ctx.restore();
    this.lastDrawnVertices = most;
    this.canvas.dataset.vertices = String(most);

    this.#drawCursor(ctx, px, py, pad, w, width);
  }

  #drawCursor(ctx, px, py, pad, w, width) {
    const i = this.#cursorIndex();
    if (i === null) { this.#writeReadout(""); return; }
    const x = this.xs[i];
    const parts = this.meta.map((m, k) => `${m.name} ${formatValue(this.cols[k].y[i])}`);
    this.#writeReadout(`${this.xLabel} ${x}: ${parts.join(", ")}`);
    const X = Math.round(px(x)) + 0.5;
    ctx.strokeStyle = "#868e96"; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(X, pad.top); ctx.lineTo(X, pad.top + this.layout.h); ctx.stroke();
    this.cols.forEach((c, k) => {
      const v = this.log ? (c.y[i] > 0 ? Math.log10(c.y[i]) : NaN) : c.y[i];
      const Y = py(v);
      if (!Number.isFinite(Y)) return;
      ctx.fillStyle = this.meta[k].color;
      ctx.beginPath(); ctx.arc(X, Y, 3, 0, 2 * Math.PI); ctx.fill();
    });
    const lines = [`${this.xLabel} ${x}`, ...parts];
    const boxW = 12 + Math.max(...lines.map((l) => ctx.measureText(l).width)) + 10;
    const boxH = 6 + lines.length * 14;
    let bx = X + 8;
    if (bx + boxW > width - 2) bx = Math.max(2, X - 8 - boxW);
    const by = pad.top + 4;
    ctx.fillStyle = "rgba(255, 255, 255, 0.92)"; ctx.strokeStyle = "#ced4da";
    ctx.fillRect(bx, by, boxW, boxH); ctx.strokeRect(bx + 0.5, by + 0.5, boxW - 1, boxH - 1);
    ctx.textAlign = "left"; ctx.textBaseline = "middle";
    lines.forEach((line, j) => {
      const y = by + 10 + j * 14;
      if (j > 0) { ctx.fillStyle = this.meta[j - 1].color; ctx.fillRect(bx + 6, y - 3, 6, 6); }
      ctx.fillStyle = "#212529";
      ctx.fillText(line, bx + (j > 0 ? 16 : 6), y);
    });
  }
}

// 1, 2 or 5 times a power of ten, at least `raw`.
function niceStep(raw) {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}
