// The "follow one derivative" panel: one training sample, one parameter, and its derivative
// through the chain rule with every number, then the same number three more ways (the
// matrix form, a finite difference, the sum over every path). Main thread; the maths is
// py_mlp.teaching.explain in the worker (worker.py `explain`), this module only draws it.
//
//   const panel = new DerivativePanel(section, {call, say, boundary, pickToggle, isTraining, onWorkerLost});
//   panel.setNetwork(info);           // after each (re)build or point edit; null: no network
//   panel.setWeights(weights, biases) // each snapshot: refreshes the numbers (throttled in training)
//   panel.pickSample(index)           // from the plot, in pick mode (null: no point there)
//
// Picking: the sample by its index (a field) or on the plot (the "Click picks a sample"
// box, `pickToggle`, puts the plot in pick mode); the parameter on the panel's own network
// drawing: a link for its weight, a neuron for its bias (keyboard: Tab to the links or
// neurons, arrow keys, Enter). Conventions as py_mlp.teaching.explain: layers from 1 (layer 0 the
// inputs), neurons from 0, the weight from neuron j to neuron i of layer k is W_k[j, i];
// in the drawing that is link-{k}-{j}-{i}.
//
// Stepping: "Forward" walks layer 1 .. L, then the loss; "Backward" walks layer L .. 1;
// each step marks the layer being computed and shows only the numbers computed so far.
// "Every number" shows them all again.
//
// Refreshing costs the worker one explain call (a few ms on small networks). While
// training runs it happens at most every TRAINING_GAP_MS (or 20 times its own cost), and
// only while the panel is on screen; when training stops it happens at once.
//
// Hooks (on the section): data-state "empty" (no network), "loading", "ready", "error";
// data-sample, data-layer, data-i, data-j ("" for a bias) once ready; data-step-pass
// ("all", "forward", "backward") and data-step-layer (1..L, "loss" or "").
// data-testids: derivative-chain, -matrix, -fd, -paths (data-value: the full number),
// derivative-rel-matrix, -rel-fd, -rel-paths, derivative-path-count, derivative-terms.

import { SCHEMA } from "./schema.js";
import { formatNumber } from "./views/format.js";
import { NetworkView } from "./views/network.js";

const TRAINING_GAP_MS = 400;
const DIGITS = 10;                 // significant digits of the four numbers
const SUB = "₀₁₂₃₄₅₆₇₈₉";
const sub = (n) => String(n).replace(/[0-9]/g, (d) => SUB[d]);
const fmt = (v, digits = 4) => formatNumber(v, digits);
// Weights of a network of these sizes (a snapshot asked for just before a rebuild has not).
const fits = (weights, sizes) => weights.length === sizes.length - 1 && weights.every((w, k) => w.length === sizes[k]);
const factor = (v) => (v < 0 ? `(${fmt(v)})` : fmt(v));  // a negative factor in a product, bracketed
const lossLabel = (name) => SCHEMA.losses[name]?.label ?? name;

function node(tag, { text, cls, testid, attrs = {} } = {}, children = []) {
  const element = document.createElement(tag);
  if (text !== undefined) element.textContent = text;
  if (cls) element.className = cls;
  if (testid) element.dataset.testid = testid;
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, value);
  element.append(...children);
  return element;
}

export class DerivativePanel {
  constructor(root, {
    call, say = () => {}, boundary = null, pickToggle = null, isTraining = () => false, onWorkerLost = () => {},
  }) {
    this.root = root;
    this.call = call;
    this.say = say;
    this.boundary = boundary;
    this.pickToggle = pickToggle;
    this.isTraining = isTraining;
    this.onWorkerLost = onWorkerLost;  // Python stopped, or your code failed in it: the app recovers
    this.info = null;
    this.sample = 0;
    this.param = null;          // {layer, i, j}; null: the worker picks one of layer 1
    this.step = null;           // null (every number), {pass: "forward"|"backward", layer}
    this.answer = null;         // the last explain answer shown
    this.weights = null;
    this.generation = 0;        // answers asked for an older network are dropped
    this.busy = false;
    this.again = false;
    this.stale = false;
    this.cost = 0;
    this.last = 0;
    this.onScreen = true;
    const $ = (id) => root.querySelector(`#${id}`);
    this.el = {
      sample: $("derivative-sample"), sampleError: $("derivative-sample-error"), about: $("derivative-about"),
      pick: $("derivative-pick"), message: $("derivative-message"), param: $("derivative-param"),
      forward: $("derivative-forward"), backward: $("derivative-backward"), all: $("derivative-all"),
      stepText: $("derivative-step"), rule: $("derivative-rule"), ways: $("derivative-ways"),
      paths: $("derivative-top-paths"), neurons: $("derivative-neurons"), warnings: $("derivative-warnings"),
    };
    this.net = new NetworkView($("derivative-network"), {
      onClickLink: (k, from, to) => this.#choose({ layer: k, i: to, j: from }),
      onClickNeuron: (layer, index) => this.#chooseNeuron(layer, index),
      readout: $("derivative-network-readout"), legend: $("derivative-network-legend"),
      maxHeight: 520, notes: true, testidPrefix: "derivative-",
    });
    root.dataset.state = "empty";
    this.#wire();
    this.#showStep();
  }

  // ---- what the app tells the panel -----------------------------------------------------

  setNetwork(info) {
    this.generation += 1;
    if (!info) {
      this.info = null;
      this.root.dataset.state = "empty";
      return;
    }
    const key = (i) => JSON.stringify([i.sizes, i.activations, i.features]);
    const same = this.info && key(this.info) === key(info);
    this.info = info;
    if (!same) {
      this.net.setArchitecture({ sizes: info.sizes, inputNames: info.features, activations: info.activations });
      this.weights = null;
      this.tableOpened = false;
      this.param = null;
      this.step = null;
      this.answer = null;
      this.#showStep();
    }
    if (this.sample >= info.n_train) this.sample = 0;
    this.el.sample.value = String(this.sample);
    this.el.sample.setAttribute("aria-invalid", "false");
    this.el.sampleError.textContent = "";
    this.boundary?.markPoint(this.sample);
    // Asked now, answered after the worker's setup: the snapshot that follows has the same
    // parameters, so it only brings the weights for the drawing.
    this.weightsOnly = true;
    this.#refresh();
  }

  setWeights(weights, biases) {
    if (!this.info || !fits(weights, this.info.sizes)) return;
    this.weights = { weights, biases };
    if (this.weightsOnly) {
      this.weightsOnly = false;
      if (this.answer) this.net.setWeights(weights, biases);
      return;
    }
    const hidden = !this.root.getClientRects().length;  // not shown at all (an embed without it)
    const training = this.isTraining();
    const soon = performance.now() - this.last < Math.max(TRAINING_GAP_MS, 20 * this.cost);
    if (hidden || (training && (!this.onScreen || soon))) {
      this.stale = true;
      return;
    }
    this.#refresh();
  }

  pickSample(index) {
    if (!this.info) return;
    if (index === null) {
      this.say("No training point there: click on a filled point (the hollow ones are test points).");
      return;
    }
    this.#setSample(index);
    this.say(`Following training sample ${index}: see "Follow one derivative". ` +
      "Untick \"Click picks a sample\" to add points with a click again.");
  }

  // ---- gestures --------------------------------------------------------------------------

  #wire() {
    const { sample, pick, forward, backward, all } = this.el;
    const commit = () => {
      const text = sample.value.trim();
      const n = Number(text);
      const max = this.info ? this.info.n_train - 1 : 0;
      if (!/^[0-9]+$/.test(text) || n > max) {
        sample.setAttribute("aria-invalid", "true");
        this.el.sampleError.textContent = `Enter a training point's index, a whole number from 0 to ${max}.`;
        return;
      }
      sample.setAttribute("aria-invalid", "false");
      this.el.sampleError.textContent = "";
      if (n !== this.sample || this.root.dataset.state === "error") this.#setSample(n);
    };
    sample.addEventListener("change", commit);
    sample.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); commit(); } });
    this.pickToggle?.addEventListener("change", () => this.boundary?.setPicking(this.pickToggle.checked));
    pick.addEventListener("click", () => {
      if (!this.pickToggle || !this.boundary) return;
      this.pickToggle.checked = true;
      this.boundary.setPicking(true);
      this.boundary.canvas.scrollIntoView({ block: "center", behavior: "smooth" });
      this.boundary.canvas.focus({ preventScroll: true });
      this.say("Click a filled (training) point on the plot, or move the cross with the arrow keys and press Enter.");
    });
    const stepper = (button, fn) => button.addEventListener("click", () => {
      if (button.getAttribute("aria-disabled") !== "true") fn();
    });
    stepper(forward, () => this.#walk("forward"));
    stepper(backward, () => this.#walk("backward"));
    stepper(all, () => { this.step = null; this.#showStep(); });
    if (typeof IntersectionObserver !== "undefined") {
      new IntersectionObserver(([entry]) => {
        this.onScreen = entry.isIntersecting;
        if (this.onScreen && this.stale && this.weights) this.setWeights(this.weights.weights, this.weights.biases);
      }).observe(this.root);
    }
  }

  #setSample(index) {
    this.sample = index;
    this.el.sample.value = String(index);
    this.boundary?.markPoint(index);
    this.#refresh();
  }

  #choose(param) {
    this.param = param;
    this.el.message.textContent = "";
    this.#refresh();
  }

  #chooseNeuron(layer, index) {
    if (layer === 0) {
      this.el.message.textContent = "An input has no bias: click a link for its weight, or a neuron of a later layer for its bias.";
      return;
    }
    this.#choose({ layer, i: index, j: null });
  }

  #walk(pass) {
    const L = this.info ? this.info.sizes.length - 1 : 0;
    if (!L) return;
    const s = this.step;
    if (pass === "forward") this.step = { pass, layer: s?.pass === "forward" ? Math.min(s.layer + 1, L + 1) : 1 };
    else this.step = { pass, layer: s?.pass === "backward" ? Math.max(s.layer - 1, 1) : L };
    this.#showStep();
  }

  // ---- the worker ------------------------------------------------------------------------

  async #refresh() {
    if (!this.info) return;
    this.root.dataset.state = "loading";
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    this.stale = false;
    const generation = this.generation;
    const request = { sample: this.sample, ...(this.param ?? {}) };
    const started = performance.now();
    try {
      const answer = await this.call("explain", JSON.stringify(request));
      this.cost = performance.now() - started;
      if (generation !== this.generation || !this.info) {
        this.again = Boolean(this.info);
      } else if (!answer.ok) {
        this.#fail(answer.error);
      } else if (JSON.stringify(answer.sizes) !== JSON.stringify(this.info.sizes)) {
        this.again = true;  // asked just before a rebuild
      } else {
        this.answer = answer;
        this.param = answer.parameter;
        this.#render();
        if (!this.again) this.root.dataset.state = "ready";
      }
    } catch (error) {
      this.#fail(`the worker did not answer (${error.message})`);
      if (error.lost || error.name === "YourCodeFailed") this.onWorkerLost(error);
    } finally {
      this.busy = false;
      this.last = performance.now();
      if (this.again) {
        this.again = false;
        this.#refresh();
      }
    }
  }

  #fail(message) {
    this.el.message.textContent = `The derivative could not be computed: ${message}`;
    if (!this.again) this.root.dataset.state = "error";
  }

  // ---- drawing ---------------------------------------------------------------------------

  #render() {
    const a = this.answer;
    const { layer, i, j } = a.parameter;
    Object.assign(this.root.dataset, { sample: String(a.sample), layer: String(layer), i: String(i), j: j === null ? "" : String(j) });
    if (this.weights) this.net.setWeights(this.weights.weights, this.weights.biases);
    this.net.mark("chosen", j === null ? { neurons: [[layer, i]] } : { links: [[layer, j, i]], neurons: [[layer - 1, j], [layer, i]] });
    this.el.message.textContent = "";
    this.el.sample.value = String(a.sample);
    const [x1, x2] = a.point;
    const target = this.info.problem === "regression" ? `target ${fmt(a.label)}` : `class ${a.label}`;
    this.el.about.textContent = `of ${a.n_train} training points: (${fmt(x1, 3)}, ${fmt(x2, 3)}), ${target}; ` +
      `loss ${fmt(a.trace.value)}${a.trace.penalty ? ` + penalty ${fmt(a.trace.penalty)}` : ""}, epoch ${a.epoch}.`;
    this.el.param.textContent = this.#describeParameter(a.derivative.chain_rule);
    this.#renderRule(a.derivative.chain_rule, a.trace);
    this.#renderWays(a.derivative);
    this.#renderPaths(a.derivative.path_sum, a.parameter);
    this.#renderNeurons(a.trace);
    // No room for the numbers beside the neurons: the table holds them, opened once.
    const table = this.el.neurons.closest("details");
    if (table && this.net.container.dataset.notes === "hidden" && !this.tableOpened) table.open = this.tableOpened = true;
    this.el.warnings.replaceChildren(...a.derivative.warnings.map((w) => node("li", { text: w })));
    this.#showStep();
  }

  #name(layer, index) {
    if (layer === 0) return `input ${this.info.features[index] ?? index}`;
    return `neuron ${index} of layer ${layer}${layer === this.info.sizes.length - 1 ? " (the output)" : ""}`;
  }

  // What a weight of layer k multiplies: the input's name in layer 1, else a_j.
  #input(k, j) {
    return k === 1 ? this.info.features[j] ?? `x${sub(j + 1)}` : `a${sub(j)}`;
  }

  #describeParameter(c) {
    if (c.param === "b") return `The bias b${sub(c.layer)}[${c.i}] of ${this.#name(c.layer, c.i)}, now ${fmt(c.value)}.`;
    return `The weight W${sub(c.layer)}[${c.j}, ${c.i}], from ${this.#name(c.layer - 1, c.j)} to ${this.#name(c.layer, c.i)}, now ${fmt(c.value)}.`;
  }

  // The chain rule for the chosen parameter, one row per step, each with its numbers.
  #renderRule(c, trace) {
    const k = c.layer, i = c.i, j = c.j;
    const act = trace.layers[k - 1].activation;
    const rows = [];
    const row = (what, rule, numbers, value, attrs = {}) => rows.push(node("tr", { attrs }, [
      node("th", { text: what, attrs: { scope: "row" } }), node("td", { text: rule, cls: "eq" }),
      node("td", { text: numbers, cls: "eq" }), node("td", { text: value === null ? "" : `= ${fmt(value)}`, cls: "eq" }),
    ]));
    const dz = `dL/dz${sub(i)}`, da = `dL/da${sub(i)}`;
    if (c.param === "W") {
      const aj = this.#input(k, j);
      row("dL/dw", `${dz} · ${aj}`, `${factor(c.dL_dz_i)} × ${factor(c.a_j)}`, c.data_term);
      if (c.penalty_term) {
        row("+ penalty", `λ₂ w + λ₁ sign(w)  (λ₂ = ${fmt(trace.l2)}, λ₁ = ${fmt(trace.l1)})`, "", c.penalty_term);
        row("dL/dw", "the sum of both", `${factor(c.data_term)} + ${factor(c.penalty_term)}`, c.dL_dw);
      }
    } else {
      row("dL/db", `${dz}  (dz/db = 1)`, "", c.dL_dw);
    }
    if (c.rule === "fused") {
      row(dz, `a${sub(i)} − y${sub(i)}  (${act} output with ${lossLabel(trace.loss)}: the chain rule collapses)`,
        `${factor(c.a_i)} − ${factor(c.y_i)}`, c.dL_dz_i);
    } else {
      const slope = c.df_dz_i === null ? "the softmax Jacobian" : `${act}′(z${sub(i)})`;
      row(dz, `${slope} · ${da}`, c.df_dz_i === null ? "" : `${factor(c.df_dz_i)} × ${factor(c.dL_da_i)}`, c.dL_dz_i);
    }
    if (c.output && c.rule !== "fused") row(da, `the loss's gradient at output ${i}`, "", c.dL_da_i);
    if (!c.output) {
      const next = k + 1, count = c.terms.length;
      row(da, `Σ over m of dL/dz_m · w_m${sub(i)}  (m: the ${count} neuron${count === 1 ? "" : "s"} of layer ${next})`, "", c.dL_da_i);
      for (const t of c.terms) {
        row(`m = ${t.m}`, `dL/dz${sub(t.m)} · W${sub(next)}[${i}, ${t.m}]`, `${factor(t.dL_dz_m)} × ${factor(t.w_mi)}`, t.product,
          { "data-m": String(t.m), tabindex: "0", class: "term" });
      }
    }
    const where = [`z${sub(i)}, a${sub(i)}: ${this.#name(k, i)}`];
    if (c.param === "W" && k > 1) where.push(`a${sub(j)}: ${this.#name(k - 1, j)}`);
    if (!c.output) where.push(`m: the neurons of layer ${k + 1} (point at a term to see its link)`);
    const table = node("table", { cls: "derivative-rule" }, [
      node("caption", { text: `Each line uses the one below it. ${where.join("; ")}.` }),
      node("tbody", { testid: "derivative-terms" }, rows),
    ]);
    this.el.rule.replaceChildren(table);
    for (const tr of table.querySelectorAll("tr[data-m]")) {
      const m = Number(tr.dataset.m);
      const on = () => this.net.mark("term", { links: [[k + 1, i, m]], neurons: [[k + 1, m]] });
      const off = () => this.net.mark("term");
      tr.addEventListener("pointerenter", on);
      tr.addEventListener("focus", on);
      tr.addEventListener("pointerleave", off);
      tr.addEventListener("blur", off);
    }
  }

  // The same number four ways, with each one's relative difference from the chain rule.
  #renderWays(d) {
    const c = d.chain_rule, fd = d.finite_difference, paths = d.path_sum;
    const k = c.layer;
    const entry = c.param === "W" ? `entry [${c.j}, ${c.i}] of dW${sub(k)} = a${sub(k - 1)}ᵀ dz${sub(k)}` : `entry [${c.i}] of db${sub(k)}`;
    const count = paths.too_many
      ? `too many paths: ${paths.paths.toLocaleString("en")} (more than ${paths.max_paths.toLocaleString("en")} are not summed)`
      : `${paths.paths.toLocaleString("en")} path${paths.paths === 1 ? "" : "s"}${paths.penalty_path ? " (one is the penalty's)" : ""}`;
    const ways = [
      ["chain", "The chain rule", "the lines above", d.values.chain_rule, null],
      ["matrix", "The matrix form", `${entry}, from MLP.backward on a batch of this one sample`, d.values.matrix, "matrix"],
      ["fd", "A finite difference", `(8 (L(w+h) − L(w−h)) − (L(w+2h) − L(w−2h))) / 12h, h = ${fmt(fd.h)}` +
        (fd.kink ? "; a step crosses a kink of the loss, so it cannot match here" : ""), d.values.finite_difference, "finite_difference"],
      ["paths", "The sum over every path", "", d.values.path_sum, "path_sum"],
    ];
    const rows = ways.map(([id, name, how, value, rel]) => {
      const howCell = node("td", { text: how });
      if (id === "paths") howCell.append(node("span", { text: count, testid: "derivative-path-count" }), " from w to the loss, each a product of the local derivatives along it");
      const valueCell = node("td", { cls: "value", testid: `derivative-${id}`,
        text: value === null ? "not computed" : fmt(value, DIGITS) });
      valueCell.dataset.value = value === null ? "" : String(value);
      const r = rel ? d.relative_differences[rel] : null;
      const relCell = node("td", { cls: "value", text: rel === null ? "the reference" : r === null ? "–" : fmt(r, 2) });
      if (rel !== null) {
        relCell.dataset.testid = `derivative-rel-${id}`;
        relCell.dataset.value = r === null ? "" : String(r);
      }
      return node("tr", {}, [node("th", { text: name, attrs: { scope: "row" } }), howCell, valueCell, relCell]);
    });
    this.el.ways.replaceChildren(node("table", { cls: "derivative-ways" }, [
      node("thead", {}, [node("tr", {}, ["way", "how", "dL/dw", "relative difference from the chain rule"]
        .map((text) => node("th", { text, attrs: { scope: "col" } })))]),
      node("tbody", {}, rows),
    ]));
  }

  // The largest paths of the sum: the neurons each visits; pointing at one marks its links.
  #renderPaths(p, { layer, i, j }) {
    const list = this.el.paths;
    if (p.too_many || !p.top.length) {
      list.replaceChildren();
      return;
    }
    const L = this.info.sizes.length - 1;
    const items = p.top.map((path) => {
      if (path.penalty) return node("li", { text: `straight to the penalty: ${fmt(path.value)}` });
      const links = j === null ? [] : [[layer, j, i]];
      path.neurons.forEach((n, step) => { if (step) links.push([layer + step, path.neurons[step - 1], n]); });
      const neurons = path.neurons.map((n, step) => [layer + step, n]);
      if (path.output !== path.neurons.at(-1)) neurons.push([L, path.output]);
      const via = path.neurons.map((n, step) => (layer + step === L ? `out ${n}` : `${n}`)).join(" → ");
      const through = path.output !== path.neurons.at(-1) ? `, then a${sub(path.output)}` : "";
      const li = node("li", { text: `${via}${through}: ${path.factors.map(factor).join(" × ")} = ${fmt(path.value)}`,
        attrs: { tabindex: "0" } });
      const on = () => this.net.mark("path", { links, neurons });
      const off = () => this.net.mark("path");
      li.addEventListener("pointerenter", on);
      li.addEventListener("focus", on);
      li.addEventListener("pointerleave", off);
      li.addEventListener("blur", off);
      return li;
    });
    list.replaceChildren(...items);
  }

  // Every neuron's numbers, a row group per layer.
  #renderNeurons(trace) {
    const head = node("thead", {}, [node("tr", {}, ["neuron", "z", "a", "f′(z)", "dL/da", "dL/dz"]
      .map((text) => node("th", { text, attrs: { scope: "col" } })))]);
    const inputs = node("tbody", { attrs: { "data-layer": "0" } }, [
      node("tr", {}, [node("th", { text: "inputs", attrs: { colspan: "6", scope: "rowgroup" } })]),
      ...trace.x.map((x, n) => node("tr", {}, [node("th", { text: this.info.features[n] ?? `x${n + 1}` }), node("td"),
        node("td", { text: fmt(x) }), node("td"), node("td"), node("td")])),
    ]);
    const groups = trace.layers.map((l) => node("tbody", { attrs: { "data-layer": String(l.layer) } }, [
      node("tr", {}, [node("th", { text: `layer ${l.layer} (${l.activation})`, attrs: { colspan: "6", scope: "rowgroup" } })]),
      ...l.z.map((z, n) => node("tr", {}, [node("th", { text: String(n) }), ...[z, l.a[n], l.df_dz?.[n] ?? null, l.dL_da[n], l.dL_dz[n]]
        .map((v) => node("td", { text: fmt(v) }))])),
    ]));
    this.el.neurons.replaceChildren(node("table", { cls: "derivative-neurons" }, [head, inputs, ...groups]));
  }

  // The step: buttons, the sentence saying what is computed, the marks and notes on the drawing.
  #showStep() {
    const s = this.step;
    const L = this.info ? this.info.sizes.length - 1 : 0;
    this.root.dataset.stepPass = s ? s.pass : "all";
    this.root.dataset.stepLayer = !s ? "" : s.layer > L ? "loss" : String(s.layer);
    this.el.forward.setAttribute("aria-disabled", String(!L || (s?.pass === "forward" && s.layer > L)));
    this.el.backward.setAttribute("aria-disabled", String(!L || (s?.pass === "backward" && s.layer === 1)));
    this.el.all.setAttribute("aria-disabled", String(!s));
    this.el.stepText.textContent = this.#stepSentence();
    if (!this.info || !this.net.arch) return;
    const sizes = this.info.sizes;
    const all = (layer) => Array.from({ length: sizes[layer] }, (_, n) => [layer, n]);
    const linksBetween = (k) => Array.from({ length: sizes[k - 1] * sizes[k] }, (_, n) => [k, Math.floor(n / sizes[k]), n % sizes[k]]);
    if (!s) this.net.mark("computing");
    else if (s.pass === "forward" && s.layer > L) this.net.mark("computing", { neurons: all(L) });
    else if (s.pass === "forward") this.net.mark("computing", { neurons: all(s.layer), links: linksBetween(s.layer) });
    else this.net.mark("computing", { neurons: all(s.layer), links: s.layer < L ? linksBetween(s.layer + 1) : [] });
    this.el.neurons.querySelectorAll("tbody").forEach((group) => {
      group.classList.toggle("computing", Boolean(s) && Number(group.dataset.layer) === Math.min(s.layer, L));
    });
    if (this.answer) this.net.setNotes(this.#notes());
  }

  // What the drawing shows beside each neuron: the numbers computed up to this step.
  #notes() {
    const t = this.answer.trace, s = this.step;
    const L = t.layers.length;
    const forwardTo = !s || s.pass === "backward" ? L : Math.min(s.layer, L);
    const backwardFrom = !s ? 1 : s.pass === "backward" ? s.layer : L + 1;
    const v = (x) => fmt(x, 3);
    return [t.x.map((x) => [`x ${v(x)}`]), ...t.layers.map((l) => l.z.map((z, n) => [
      l.layer <= forwardTo ? `z ${v(z)}  a ${v(l.a[n])}` : "",
      l.layer >= backwardFrom ? `dL/da ${v(l.dL_da[n])}  dL/dz ${v(l.dL_dz[n])}` : "",
    ]))];
  }

  #stepSentence() {
    const s = this.step;
    if (!s || !this.info) return "Every number is shown. Forward and Backward walk through them layer by layer.";
    const t = this.answer?.trace;
    const L = this.info.sizes.length - 1;
    const act = this.info.activations[Math.min(s.layer, L) - 1];
    if (s.pass === "forward" && s.layer > L) {
      const loss = lossLabel(this.info.loss);
      return `The loss: ${loss} of the output a${sub(L)} and the target y` +
        (t ? ` = ${fmt(t.value)}${t.penalty ? ` + penalty ${fmt(t.penalty)} = ${fmt(t.total)}` : ""}` : "") + ". Now Backward.";
    }
    if (s.pass === "forward") {
      const from = s.layer === 1 ? "x" : `a${sub(s.layer - 1)}`;
      return `Forward, layer ${s.layer}${s.layer === L ? " (the output)" : ""}: z${sub(s.layer)} = ${from} W${sub(s.layer)} + b${sub(s.layer)}, ` +
        `then a${sub(s.layer)} = ${act}(z${sub(s.layer)}), for each of its ${this.info.sizes[s.layer]} neurons.`;
    }
    const k = s.layer;
    const grads = `; so dW${sub(k)} = ${k === 1 ? "x" : `a${sub(k - 1)}`}ᵀ dL/dz${sub(k)} and db${sub(k)} = dL/dz${sub(k)}.`;
    if (k === L) {
      const paired = SCHEMA.losses[this.info.loss]?.output === act;
      return `Backward, layer ${k} (the output): ` + (paired
        ? `dL/dz${sub(k)} = a${sub(k)} − y (${act} with ${lossLabel(this.info.loss)}: the chain rule collapses)`
        : `dL/da${sub(k)} from the loss, then dL/dz${sub(k)} = dL/da${sub(k)} · ${act}′(z${sub(k)})`) + grads;
    }
    return `Backward, layer ${k}: dL/da${sub(k)} = dL/dz${sub(k + 1)} W${sub(k + 1)}ᵀ (each neuron sums over its links ` +
      `to layer ${k + 1}), then dL/dz${sub(k)} = dL/da${sub(k)} · ${act}′(z${sub(k)})` + grads;
  }
}
