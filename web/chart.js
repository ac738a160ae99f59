// Line chart on a canvas. Main thread; knows nothing of training.
//
// Drawing cost per frame is bounded by the canvas width, not by the length of the run:
// points are kept in at most `capacity` buckets; when the buckets fill, neighbours merge
// (each bucket keeps its last value and its min/max), so a run of 100,000 epochs still
// draws at most `capacity` vertices per series.

export class LineChart {
  constructor(canvas, { capacity = 512, colors = ["#d9480f", "#1c7ed6"] } = {}) {
    this.canvas = canvas;
    this.capacity = capacity;
    this.colors = colors;
    this.reset();
  }

  reset() {
    this.series = [];      // per series: {x: [], y: [], lo: [], hi: []}
    this.stride = 1;       // epochs per bucket
    this.points = 0;       // data points received (per series)
    this.pending = false;
    this.canvas.dataset.points = "0";
    this.#scheduleDraw();
  }

  // Append one point per series at epoch x, e.g. addPoint(12, [trainLoss, testLoss]).
  addPoint(x, ys) {
    while (this.series.length < ys.length) this.series.push({ x: [], y: [], lo: [], hi: [] });
    ys.forEach((y, i) => {
      const s = this.series[i];
      const n = s.x.length;
      if (n && this.points % this.stride !== 0) {
        s.x[n - 1] = x;
        s.y[n - 1] = y;
        s.lo[n - 1] = Math.min(s.lo[n - 1], y);
        s.hi[n - 1] = Math.max(s.hi[n - 1], y);
      } else {
        s.x.push(x); s.y.push(y); s.lo.push(y); s.hi.push(y);
      }
    });
    this.points += 1;
    if (this.series[0].x.length > this.capacity) this.#merge();
    this.canvas.dataset.points = String(this.points);
    this.#scheduleDraw();
  }

  #merge() {
    for (const s of this.series) {
      const m = { x: [], y: [], lo: [], hi: [] };
      for (let i = 0; i < s.x.length; i += 2) {
        const j = Math.min(i + 1, s.x.length - 1);
        m.x.push(s.x[j]); m.y.push(s.y[j]);
        m.lo.push(Math.min(s.lo[i], s.lo[j])); m.hi.push(Math.max(s.hi[i], s.hi[j]));
      }
      Object.assign(s, m);
    }
    this.stride *= 2;
  }

  #scheduleDraw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }

  draw() {
    const { canvas } = this;
    const ctx = canvas.getContext("2d");
    const dpr = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || canvas.width;
    const height = canvas.clientHeight || canvas.height;
    if (canvas.width !== Math.round(width * dpr)) canvas.width = Math.round(width * dpr);
    if (canvas.height !== Math.round(height * dpr)) canvas.height = Math.round(height * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const pad = { left: 48, right: 12, top: 12, bottom: 24 };
    const w = width - pad.left - pad.right;
    const h = height - pad.top - pad.bottom;
    ctx.strokeStyle = "#adb5bd";
    ctx.lineWidth = 1;
    ctx.strokeRect(pad.left, pad.top, w, h);
    if (!this.series.length || !this.series[0].x.length) return;

    let yMax = -Infinity;
    let yMin = Infinity;
    for (const s of this.series) {
      for (let i = 0; i < s.x.length; i++) {
        if (Number.isFinite(s.hi[i])) yMax = Math.max(yMax, s.hi[i]);
        if (Number.isFinite(s.lo[i])) yMin = Math.min(yMin, s.lo[i]);
      }
    }
    yMin = Math.min(0, yMin);
    if (!(yMax > yMin)) yMax = yMin + 1;
    const xMax = Math.max(this.series[0].x.at(-1), 1);
    const px = (x) => pad.left + (x / xMax) * w;
    const py = (y) => pad.top + h - ((y - yMin) / (yMax - yMin)) * h;

    ctx.fillStyle = "#495057";
    ctx.font = "11px system-ui, sans-serif";
    ctx.textAlign = "right";
    ctx.fillText(yMax.toPrecision(3), pad.left - 4, pad.top + 10);
    ctx.fillText(yMin.toPrecision(3), pad.left - 4, pad.top + h);
    ctx.textAlign = "center";
    ctx.fillText(`epoch ${xMax}`, pad.left + w / 2, height - 6);

    this.series.forEach((s, k) => {
      ctx.strokeStyle = this.colors[k % this.colors.length];
      ctx.lineWidth = 2;
      ctx.beginPath();
      for (let i = 0; i < s.x.length; i++) {
        const X = px(s.x[i]);
        const Y = py(Math.min(s.y[i], yMax));
        if (i === 0) ctx.moveTo(X, Y); else ctx.lineTo(X, Y);
      }
      ctx.stroke();
    });
  }
}
