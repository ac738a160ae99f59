// The "your own activation" panel: an editor for f(z) and df(z, a), the check of df
// against a numerical derivative (plotted, with where it is wrong), and the buttons that
// run the code. Main thread; pure DOM and canvas. The code runs in the worker, and only
// when the reader presses a button that says so (app.js).
//
// A plain <textarea> rather than an editor component: it costs nothing to load (the page
// has no PyScript, whose editor brings its own worker and a code editor bundle), works
// in a cross-site embed, and is a native, accessible form field.

import { cut } from "./answers.js";
import { formatNumber } from "./views/format.js";

export const EXAMPLE = `# Your activation f(z) and its derivative df(z, a), where a = f(z).
# z is a numpy array; np is numpy. This one is softplus, a smooth relu.
def f(z):
    return np.logaddexp(0, z)

def df(z, a):
    return 1 / (1 + np.exp(-z))
`;

const COLORS = { f: "#555", df: "#1f6fd1", numeric: "#d9480f", wrong: "#c92a2a" };

export class ActivationEditor {
  constructor({ text, check, use, confirm, confirmLabel, notice, error, result, plot }) {
    Object.assign(this, { text, checkButton: check, useButton: use, confirm, confirmLabel, notice, error, result, plot });
    this.checked = null;  // {code, passed} of the last check
    text.addEventListener("input", () => this.#edited());
    confirm.addEventListener("change", () => this.#updateUse());
  }

  get code() {
    return this.text.value;
  }

  // Code from elsewhere (a link, local storage) is shown, never run: `note` says so.
  setCode(code, note = "") {
    this.text.value = code;
    this.notice.textContent = note;
    this.notice.hidden = !note;
    this.#edited();
  }

  clearError() {
    this.error.textContent = "";
  }

  showError(answer) {
    this.checked = null;
    const shown = answer.line ? (this.code.split("\n")[answer.line - 1] ?? "").slice(0, 200) : "";
    const line = answer.line ? `\n${answer.line}: ${shown}` : "";
    this.error.textContent = `Your code: ${cut(answer.error)}${line}`;
    this.result.textContent = "";
    this.result.dataset.passed = "";
    this.#clearPlot();
    this.#updateUse();
  }

  // The worker's check_code answer: the derivative compared point by point, and in a network.
  showCheck(code, answer) {
    this.error.textContent = "";
    this.notice.hidden = true;
    this.checked = { code, passed: answer.passed };
    const net = answer.network;
    const where = answer.worst_z === null ? "" : ` (worst at z = ${formatNumber(answer.worst_z, 3)})`;
    const corners = answer.corners.length ? `; skipped ${answer.corners.length} z at a corner of f` : "";
    this.result.textContent = [
      `Largest relative error of df against the numerical derivative: ${formatNumber(answer.error, 2)}${where}, ` +
        `tolerance ${formatNumber(answer.tolerance, 2)}${corners}.`,
      net ? `In a 2-4-3-1 network: gradient check error ${formatNumber(net.error, 2)}` +
        ` (${net.passed ? "passed" : "failed"}).` : "",
      answer.passed ? "The derivative is right: use it." : "The derivative is wrong where the plot marks it in red.",
    ].join(" ");
    this.result.dataset.passed = String(answer.passed);
    this.#draw(answer);
    this.#updateUse();
  }

  markUsed() {
    this.result.textContent += " In use.";
  }

  #edited() {
    if (this.checked && this.checked.code !== this.code) {
      this.checked = null;
      this.result.textContent = "The code changed since it was checked: check it again.";
      this.result.dataset.passed = "";
    }
    this.#updateUse();
  }

  #updateUse() {
    const wrong = this.checked && !this.checked.passed;
    this.confirmLabel.hidden = !wrong;
    if (!wrong) this.confirm.checked = false;
    this.useButton.disabled = !this.checked || (wrong && !this.confirm.checked);
  }

  #clearPlot() {
    const g = this.plot.getContext("2d");
    g.clearRect(0, 0, this.plot.width, this.plot.height);
    this.plot.dataset.drawn = "false";
  }

  // f, the reader's df and the numerical derivative over z; red ticks where df is wrong.
  #draw({ z, f, df, numeric, errors, tolerance }) {
    const canvas = this.plot;
    const g = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height, pad = 28;
    g.clearRect(0, 0, w, h);
    const ys = [...f, ...df, ...numeric].filter(Number.isFinite);
    let lo = Math.min(...ys), hi = Math.max(...ys);
    if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
    const sx = (v) => pad + ((v - z[0]) / (z.at(-1) - z[0])) * (w - 2 * pad);
    const sy = (v) => h - pad - ((v - lo) / (hi - lo)) * (h - 2 * pad);
    g.strokeStyle = "#8886";
    g.beginPath();
    g.moveTo(pad, sy(0)); g.lineTo(w - pad, sy(0));
    g.moveTo(sx(0), pad); g.lineTo(sx(0), h - pad);
    g.stroke();
    const line = (values, color, dash = []) => {
      g.strokeStyle = color;
      g.setLineDash(dash);
      g.lineWidth = 2;
      g.beginPath();
      values.forEach((v, i) => (i ? g.lineTo(sx(z[i]), sy(v)) : g.moveTo(sx(z[i]), sy(v))));
      g.stroke();
      g.setLineDash([]);
    };
    line(f, COLORS.f);
    line(numeric, COLORS.numeric, [6, 4]);
    line(df, COLORS.df);
    g.fillStyle = COLORS.wrong;
    let wrong = 0;
    errors.forEach((e, i) => {
      if (e !== null && e > tolerance) {
        wrong += 1;
        g.fillRect(sx(z[i]) - 1, h - pad + 4, 3, 8);
      }
    });
    g.font = "12px system-ui, sans-serif";
    [["f(z)", COLORS.f], ["your df", COLORS.df], ["numerical df", COLORS.numeric]].forEach(([label, color], i) => {
      g.fillStyle = color;
      g.fillText(label, pad + 4 + i * 110, 14);
    });
    g.fillStyle = "#555";
    g.textAlign = "center";
    for (const v of [z[0], 0, z.at(-1)]) g.fillText(`z = ${formatNumber(v, 2)}`, sx(v), h - 2);
    g.textAlign = "start";
    canvas.dataset.drawn = "true";
    canvas.dataset.wrongPoints = String(wrong);
    canvas.setAttribute("aria-label", `f, your df and the numerical derivative of f for z from ${z[0]} to ${z.at(-1)}; ` +
      (wrong ? `df is wrong at ${wrong} of ${z.length} points (red ticks).` : "df agrees everywhere."));
  }
}
