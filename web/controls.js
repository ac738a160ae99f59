// The settings form: shows a configuration and turns a person's edits into changes.
// Main thread; knows nothing of training.
//
// The form keeps no settings of its own: `current()` gives the page's one configuration
// and `render(config)` puts it on the form. Every edit is parsed with the table in
// state.js; a bad value gets its message next to its field and is not applied, a good
// one is reported through `onChange(key, value)`, which updates that configuration
// before it returns.

import { LIMITS, PARSERS, SPEC, formatHidden } from "./state.js";
import { SCHEMA } from "./schema.js";

const FIELDS = ["n_samples", "noise", "test_fraction", "n_classes", "seed", "hidden", "problem",
  "optimizer", "learning_rate", "batch_size", "regularization", "reg_rate", "epochs", "speed"];
const SLIDERS = ["n_samples", "noise", "test_fraction"];
const SELECTS = ["speed", "activation", "problem", "optimizer", "regularization"];

function option(value, label) {
  const el = document.createElement("option");
  el.value = value;
  el.textContent = label;
  return el;
}

// A data set's radio button with its thumbnail (web/thumbs, made by py_mlp.app.thumbnails).
function datasetChoice({ value, label }) {
  const wrap = document.createElement("label");
  const input = Object.assign(document.createElement("input"), { type: "radio", name: "dataset", value });
  input.dataset.testid = `dataset-${value}`;
  let picture;
  if (value === "custom") {
    input.disabled = true;  // enabled once there are points of your own
    picture = Object.assign(document.createElement("span"), { className: "thumb-custom", textContent: "✎" });
    picture.setAttribute("aria-hidden", "true");
  } else {
    picture = Object.assign(document.createElement("img"), { src: `thumbs/${value}.svg`, alt: "", width: 48, height: 48 });
  }
  wrap.append(input, picture, Object.assign(document.createElement("span"), { textContent: label }));
  return wrap;
}

// A feature's toggle button; render() marks it pressed or not.
function featureButton({ value, label }) {
  const button = Object.assign(document.createElement("button"), { type: "button", textContent: label });
  button.dataset.feature = value;
  button.dataset.testid = `feature-${value}`;
  return button;
}

// The form's lists, from the settings table: each select's options, the data sets, the
// features, the presets.
export function fillChoices(root) {
  for (const name of SELECTS) {
    root.querySelector(`select[name="${name}"]`).append(...SPEC[name].choices.map((c) => option(c.value, c.label)));
  }
  root.querySelector(".datasets").append(...SPEC.dataset.choices.map(datasetChoice));
  root.querySelector(".features").append(...SPEC.features.choices.map(featureButton));
  root.querySelector("#preset").append(...Object.entries(SCHEMA.presetTitles).map(([name, title]) => option(name, title)));
}

export class Controls {
  constructor(form, { current, onChange }) {
    this.form = form;
    this.current = current;
    this.onChange = onChange;
    this.layers = form.querySelector("#layers");
    form.addEventListener("change", (event) => this.#changed(event.target));
    for (const name of SLIDERS) {
      form.elements[name].addEventListener("input", () => this.#showSlider(name));
    }
    form.querySelectorAll("[data-feature]").forEach((button) => {
      button.addEventListener("click", () => this.#toggleFeature(button));
    });
    form.querySelector("#add-layer").addEventListener("click", () => this.#editLayers("add"));
    form.querySelector("#remove-layer").addEventListener("click", () => this.#editLayers("remove"));
    this.layers.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-layer]");
      if (button) this.#editNeurons(Number(button.dataset.layer), Number(button.dataset.delta));
    });
  }

  render(config) {
    const el = this.form.elements;
    for (const radio of this.form.querySelectorAll('input[name="dataset"]')) radio.checked = radio.value === config.dataset;
    for (const name of FIELDS) {
      const value = config[name];
      el[name].value = name === "hidden" ? formatHidden(value) : String(value);
      this.#setError(name, "");
    }
    SLIDERS.forEach((name) => this.#showSlider(name));
    const acts = config.activation;
    el.activation.value = acts.length && acts.every((a) => a === acts[0]) ? acts[0] : "";
    this.form.querySelectorAll("[data-feature]").forEach((button) => {
      button.setAttribute("aria-pressed", String(config.features.includes(button.dataset.feature)));
    });
    this.#setError("features", "");
    this.#renderLayers(config);
  }

  // Re-read every field; returns true when all are valid (messages shown otherwise).
  validate() {
    let valid = true;
    for (const name of FIELDS) {
      const input = this.form.elements[name];
      const result = PARSERS[name](input.value);
      this.#setError(name, result.error ?? "");
      if (result.error) valid = false;
    }
    return valid;
  }

  setError(name, message) {
    this.#setError(name, message);
  }

  #setError(name, message) {
    const box = this.form.querySelector(`#${name}-error`) ?? document.getElementById(`${name}-error`);
    if (box) box.textContent = message;
    const input = this.form.elements[name];
    if (input && input.setAttribute) input.setAttribute("aria-invalid", message ? "true" : "false");
  }

  #showSlider(name) {
    const out = document.getElementById(`${name}-value`);
    const value = Number(this.form.elements[name].value);
    out.textContent = name === "test_fraction" ? `${Math.round(value * 100)}%` : String(value);
  }

  #changed(target) {
    const name = target.name;
    if (name === "dataset") return this.#emit("dataset", target.value);
    if (name === "activation") {
      if (!target.value) return;  // "mixed": per-layer choices stay as they are
      return this.#emit("activation", this.current().hidden.map(() => target.value));
    }
    if (target.dataset.layerActivation !== undefined) {
      const acts = [...this.current().activation];
      acts[Number(target.dataset.layerActivation)] = target.value;
      return this.#emit("activation", acts);
    }
    if (!FIELDS.includes(name)) return;
    const result = PARSERS[name](target.value);
    this.#setError(name, result.error ?? "");
    if (result.error) return;
    this.#emit(name, result.value);
  }

  #emit(key, value) {
    this.onChange(key, value);
    if (key === "hidden" || key === "activation") this.#renderLayers(this.current());
  }

  #toggleFeature(button) {
    const pressed = button.getAttribute("aria-pressed") !== "true";
    const features = new Set(this.current().features);
    if (pressed) features.add(button.dataset.feature); else features.delete(button.dataset.feature);
    const result = PARSERS.features([...features]);
    this.#setError("features", result.error ?? "");
    if (result.error) return;
    button.setAttribute("aria-pressed", String(pressed));
    this.#emit("features", result.value);
  }

  #editLayers(op) {
    const hidden = [...this.current().hidden];
    if (op === "add" && hidden.length < LIMITS.layers) hidden.push(hidden.at(-1) ?? 4);
    else if (op === "remove" && hidden.length) hidden.pop();
    else return;
    this.#applyHidden(hidden);
  }

  #editNeurons(layer, delta) {
    const hidden = [...this.current().hidden];
    const next = hidden[layer] + delta;
    if (next < 1 || next > LIMITS.neurons) return;
    hidden[layer] = next;
    this.#applyHidden(hidden);
  }

  #applyHidden(hidden) {
    this.form.elements.hidden.value = formatHidden(hidden);
    this.#setError("hidden", "");
    this.#emit("hidden", hidden);
  }

  #renderLayers({ hidden, activation }) {
    this.form.querySelector("#add-layer").disabled = hidden.length >= LIMITS.layers;
    this.form.querySelector("#remove-layer").disabled = hidden.length === 0;
    this.layers.replaceChildren(...hidden.map((size, i) => {
      const li = document.createElement("li");
      li.dataset.testid = `layer-${i + 1}`;
      const make = (tag, props, attrs = {}) => {
        const el = Object.assign(document.createElement(tag), props);
        for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
        return el;
      };
      const step = (delta, label, disabled) => make("button", { type: "button", textContent: delta < 0 ? "−" : "+", disabled },
        { "data-layer": i, "data-delta": delta, "data-testid": `layer-${i + 1}-${delta < 0 ? "fewer" : "more"}`,
          "aria-label": `${label} neurons in layer ${i + 1}` });
      const select = make("select", { id: `layer-${i + 1}-activation` },
        { "data-layer-activation": i, "data-testid": `layer-${i + 1}-activation` });
      select.append(...SPEC.activation.choices.map(({ value, label }) =>
        make("option", { value, textContent: label, selected: value === activation[i] })));
      li.append(
        make("span", { className: "layer-name", textContent: `Layer ${i + 1}` }),
        step(-1, "Fewer", size <= 1),
        make("output", { textContent: String(size) },
          { "data-testid": `layer-${i + 1}-size`, "aria-label": `Neurons in layer ${i + 1}` }),
        step(1, "More", size >= LIMITS.neurons),
        make("label", { className: "visually-hidden", htmlFor: `layer-${i + 1}-activation`,
          textContent: `Activation of layer ${i + 1}` }),
        select);
      return li;
    }));
    const acts = activation;
    this.form.elements.activation.value = acts.length && acts.every((a) => a === acts[0]) ? acts[0] : "";
  }
}
