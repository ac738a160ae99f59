// The playground's whole configuration: one plain, serialisable object. Main thread.
//
// The object is mirrored in the URL (only the values that differ from the defaults, so
// links stay short) and in local storage (the last configuration survives a reload).
// Every value is parsed by a parser made from the settings table (web/schema.js, generated
// from py_mlp/app/settings.py), whatever its source (a form field, a link, local storage),
// and a bad value gets a message that says what to do.
// The worker turns it into the dict `py_mlp.app.config.build_run` takes
// (`py_mlp.app.settings.run_config`, the one mapping).

import { SCHEMA } from "./schema.js";

// The table of settings, generated from py_mlp/app/settings.py: names, kinds, ranges,
// choices, the page's defaults and which settings change live.
export const SPEC = Object.freeze(Object.fromEntries(SCHEMA.settings.map((s) => [s.name, s])));
const values = (name) => SPEC[name].choices.map((c) => c.value);
export const LIMITS = { layers: SCHEMA.limits.layers, neurons: SPEC.hidden.high };
export const DATASETS = values("dataset");
export const FEATURES = values("features");
export const ACTIVATIONS = values("activation");
const STORAGE_KEY = "py_mlp.app.config.v1";

export const DEFAULTS = Object.freeze({
  ...Object.fromEntries(SCHEMA.settings.map((s) => [s.name, s.default])),
  speed: Number(SPEC.speed.default),
});

// Plain decimals only, as py_mlp.app.settings reads them ("0x10", "1_000" and "Infinity" are refused).
const WHOLE = /^[+-]?[0-9]+$/;
const DECIMAL = /^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$/;
const ok = (value) => ({ value });
const bad = (error) => ({ error });

function wholeNumber(label, low, high) {
  return (text) => {
    const t = String(text).trim();
    if (!WHOLE.test(t)) return bad(`Enter a whole number for ${label}, e.g. ${low === 0 ? 0 : low}.`);
    const n = Number(t);
    if (n < low) return bad(`${cap(label)} must be at least ${low} (got ${n}).`);
    if (n > high) return bad(`Use at most ${high} for ${label} (got ${n}).`);
    return ok(n);
  };
}

function number(label, low, high, { positive = false, example = "0.1" } = {}) {
  return (text) => {
    const t = String(text).trim();
    const n = Number(t);
    if (!DECIMAL.test(t) || !Number.isFinite(n)) return bad(`Enter a ${positive ? "positive " : ""}number for ${label}, e.g. ${example}.`);
    if (positive && n <= 0) return bad(`${cap(label)} must be above 0 (got ${t}).`);
    if (n < low) return bad(`${cap(label)} must be at least ${low} (got ${t}).`);
    if (n > high) return bad(`Use ${label} of at most ${high} (got ${t}).`);
    return ok(n);
  };
}

function oneOf(label, choices) {
  return (text) => {
    const t = String(text).trim();
    return choices.includes(t) ? ok(t) : bad(`Unknown ${label} "${t}"; choose one of: ${choices.filter(Boolean).join(", ")}.`);
  };
}

function cap(s) { return s[0].toUpperCase() + s.slice(1); }

function list(text) {
  return (Array.isArray(text) ? text.map(String) : String(text).split(/[\s,]+/)).filter(Boolean);
}

function parseHidden(text) {
  if (Array.isArray(text)) text = text.join(",");
  const t = String(text).trim();
  if (t.toLowerCase() === "none") return ok([]);
  const parts = list(t);
  if (!parts.length) return bad('Enter the hidden layer sizes, e.g. 8, 8 (or "none" for no hidden layer).');
  if (parts.length > LIMITS.layers) return bad(`Use at most ${LIMITS.layers} hidden layers.`);
  const sizes = [];
  for (const part of parts) {
    if (!WHOLE.test(part)) return bad(`"${part}" is not a whole number; layer sizes are whole numbers like 8.`);
    const n = Number(part);
    if (n < 1) return bad(`Layer sizes must be at least 1 (got ${n}).`);
    if (n > LIMITS.neurons) return bad(`Use at most ${LIMITS.neurons} neurons per layer (got ${n}).`);
    sizes.push(n);
  }
  return ok(sizes);
}

export function formatHidden(sizes) {
  return sizes.length ? sizes.join(", ") : "none";
}

function parseFeatures(text) {
  const names = list(text);
  const unknown = names.find((n) => !FEATURES.includes(n));
  if (unknown) return bad(`Unknown feature "${unknown}"; choose from: ${FEATURES.join(", ")}.`);
  if (!names.length) return bad("Turn on at least one input feature.");
  return ok(FEATURES.filter((f) => names.includes(f)));
}

function parseActivations(text) {
  const names = list(text);
  const unknown = names.find((n) => !ACTIVATIONS.includes(n));
  if (unknown) return bad(`Unknown activation "${unknown}"; choose one of: ${ACTIVATIONS.join(", ")}.`);
  return names.length ? ok(names) : bad("Choose an activation.");
}

// One parser per key, made from the table. Each takes text (from a field, a link or
// storage) and returns {value} or {error}.
const KINDS = {
  choice: (s) => oneOf(s.label, s.choices.map((c) => c.value)),
  int: (s) => wholeNumber(s.label, s.low, s.high),
  float: (s) => number(s.label, s.low, s.high, { positive: s.above, example: s.example }),
  widths: () => parseHidden,
  names: () => parseFeatures,
  activations: () => parseActivations,
};
export const PARSERS = Object.fromEntries(SCHEMA.settings.map((s) => [s.name, KINDS[s.kind](s)]));

// Own keys only: a link or stored settings may say "constructor" or "__proto__".
export const isSetting = (key) => Object.hasOwn(PARSERS, key);
export const isPreset = (name) => Object.hasOwn(PRESETS, name);

// Settings that can change while a network trains; every other change resets it.
export const LIVE = new Set(SCHEMA.settings.filter((s) => s.live).map((s) => s.name));

function format(key, value) {
  if (key === "hidden") return value.join(",") || "none";
  return Array.isArray(value) ? value.join(",") : String(value);
}

export function copyDefaults() {
  return structuredClone({ ...DEFAULTS });
}

// One activation per hidden layer: a single name applies to all of them.
export function normalise(config) {
  const acts = config.activation;
  const n = config.hidden.length;
  config.activation = Array.from({ length: n }, (_, i) => acts[Math.min(i, acts.length - 1)] ?? "tanh");
  if (config.speed !== undefined) config.speed = Number(config.speed);
  return config;
}

// Apply {key: text} pairs onto a copy of `base`; returns {config, problems}.
export function applyValues(base, values, source) {
  const config = structuredClone(base);
  const problems = [];
  for (const [key, text] of Object.entries(values)) {
    const parse = isSetting(key) ? PARSERS[key] : null;
    if (!parse) {
      problems.push(`${source}: unknown setting "${key}" was ignored.`);
      continue;
    }
    const result = parse(text);
    if (result.error) problems.push(`${source}: ${key}=${text} was ignored. ${result.error}`);
    else config[key] = result.value;
  }
  if (config.dataset === "custom") {
    config.dataset = DEFAULTS.dataset;
    problems.push(`${source}: your own data cannot travel in a link; the default data set is used.`);
  }
  return { config: normalise(config), problems };
}

// Link parameters that are not settings: the preset's name, the embed's own, and the code
// of your own activation (shown on arrival, never run until you ask).
export const NOT_SETTINGS = ["preset", "embed", "panels", "code"];

// One activation of your own, "custom", defined by code in the page's editor.
export const CUSTOM = "custom";
export const usesCustom = (config) => config.activation.includes(CUSTOM);

export function fromQuery(search) {
  const params = new URLSearchParams(search);
  const values = Object.create(null);  // so "__proto__=1" is a key like any other
  for (const [key, value] of params) if (!NOT_SETTINGS.includes(key)) values[key] = value;
  return applyValues(copyDefaults(), values, "The link");
}

export function toQuery(config) {
  const params = new URLSearchParams();
  for (const key of Object.keys(PARSERS)) {
    if (key === "dataset" && config.dataset === "custom") continue;
    const text = format(key, config[key]);
    // Activations are compared with the defaults' spread over this network's layers, so
    // "tanh" on three layers stays out of the link; every other key with the defaults.
    const base = key === "activation" ? normalise({ ...copyDefaults(), hidden: config.hidden }) : DEFAULTS;
    if (text !== format(key, base[key])) params.set(key, text);
  }
  return params.toString();
}

const CODE_KEY = "py_mlp.code.v1";

// Your activation's code, kept as typed (storage can be blocked: then it is not kept).
export function saveCode(code) {
  try {
    localStorage.setItem(CODE_KEY, code);
  } catch {
    // blocked or full: the code stays in the editor for this visit
  }
}

export function loadCode() {
  try {
    return localStorage.getItem(CODE_KEY);
  } catch {
    return null;
  }
}

export function save(config) {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(config));
  } catch {
    // Storage can be full or blocked (private windows, sandboxed embeds): not worth an error.
  }
}

export function load() {
  let text = null;
  try {
    text = localStorage.getItem(STORAGE_KEY);
  } catch {
    return { config: null, problems: [] };  // storage is blocked: nothing was saved
  }
  if (text === null) return { config: null, problems: [] };
  let stored = null;
  try {
    stored = JSON.parse(text);
  } catch {
    stored = null;
  }
  if (!stored || typeof stored !== "object" || Array.isArray(stored)) {
    try {
      localStorage.removeItem(STORAGE_KEY);
    } catch {
      // blocked since it was read: nothing to clean up
    }
    return { config: null, problems: ["The saved settings could not be read and were discarded; the defaults are used."] };
  }
  const values = Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : v]));
  if (Array.isArray(stored.hidden) && !stored.hidden.length) values.hidden = "none";
  return applyValues(copyDefaults(), values, "The saved settings");
}

// The network a configuration will build, as the worker will describe it: sizes and
// activations per layer. Drawn while Python loads; the worker's own answer replaces it.
export function plannedNetwork(config) {
  const data = SCHEMA.datasets[config.dataset] ?? { problem: "binary", classes: false };
  const problem = config.problem || (data.classes && config.n_classes > 2 ? "multiclass" : data.problem);
  const outputs = problem === "multiclass" ? config.n_classes : 1;
  const output = SCHEMA.losses[SCHEMA.problems[problem]].output;
  return {
    sizes: [config.features.length, ...config.hidden, outputs],
    inputNames: config.features,
    activations: [...config.activation, output],
  };
}

// Presets: a few instructive configurations (the article preset is handled by the app).
export const PRESETS = SCHEMA.presets;

// The tutorial's setup for Train in the article preset (its data come from the worker):
// 2-4-3-1 relu, relu, sigmoid, full batch, plain gradient descent, 150 epochs. Its
// learning rate 0.005 multiplies a loss summed over 1,000 points; with py_mlp's mean loss
// the same step is 0.005 x 1,000 = 5.
export const ARTICLE = {
  dataset: "custom", n_samples: 1000, noise: 0.1, test_fraction: 0, features: ["x1", "x2"], hidden: [4, 3],
  activation: ["relu", "relu"], optimizer: "sgd", learning_rate: 5, batch_size: 0, regularization: "none",
  epochs: 150,
};

export function presetConfig(name) {
  return normalise({ ...copyDefaults(), ...structuredClone(PRESETS[name]) });
}
