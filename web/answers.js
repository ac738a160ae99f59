// What each of the worker's answers must look like: main thread, before anything of an
// answer is used. The worker runs the reader's own code, which can change what the
// worker's functions return, so an answer is data to check, never markup: it must be JSON
// of one object, {ok: true, ...the fields its call returns} or {ok: false, error: text,
// field: text or null}, and every field below of its kind (numbers finite; the views draw
// them and textContent shows the text). One that is not is refused whole.
//
// Kinds: "n" a finite number, "s" text, "b" true or false, "o" an object, "a" an array,
// "[n]" an array of numbers (at any depth), "[s]" an array of text; a trailing "?" also
// allows null ("[n?]": numbers or nulls, at any depth).

const COLUMNS = { epoch: "[n]", loss: "[n]", metric: "[n?]", test_loss: "[n?]", test_metric: "[n?]", grad_norms: "[n?]" };
const NETWORK = {
  sizes: "[n]", activations: "[s]", n_params: "n", features: "[s]", problem: "s", loss: "s", classes: "n",
  n_train: "n", n_test: "n", batch_size: "n", domain: "[n]", train: "o", test: "o", target_range: "[n]",
};
const POINTS = { x: "[n]", y: "[n]", label: "[n]" };
const TEXT = { text: "s" };

export const SHAPES = {
  setup: NETWORK, article_setup: NETWORK, add_point: NETWORK, remove_point: NETWORK,
  set_data: { n: "n", problem: "s" },
  run_config: { config: "o" },
  update: { batch_size: "n" },
  train: { metric_name: "s", stopped: "s?", ...COLUMNS },
  history: COLUMNS,
  metrics_csv: TEXT, source: TEXT, backward_source: TEXT, model_json: TEXT,
  snapshot: { grid: "o", weights: "[n]", biases: "[n]" },
  neuron_map: { n: "n", values: "[n?]", range: "[n?]" },
  neuron_maps: { n: "n", values: "[n?]", ranges: "[n?]" },
  gradient_check: { error: "n?", floor: "n", checked: "n", skipped: "n", samples: "n", tolerance: "n" },
  shapes: { layers: "a", batch: "n", loss: "s", l1: "n", l2: "n", optimizer: "o", epoch: "n" },
  explain: { sample: "n", n_train: "n", point: "[n]", label: "n", epoch: "n", sizes: "[n]", parameter: "o",
    trace: "o", derivative: "o" },
  link_gradients: { dW: "[n?]", db: "[n?]", largest: "n?", epoch: "n" },
  load_model: { config: "o?", epoch: "n", loss: "n?", metric: "n?", test_loss: "n?", test_metric: "n?" },
  article_trace: { lines: "[s]", records: "a" },
  check_code: { z: "[n]", f: "[n?]", df: "[n?]", numeric: "[n?]", errors: "[n?]", error: "n?", worst_z: "n?",
    corners: "[n]", tolerance: "n", pointwise_passed: "b", network: "o?", passed: "b" },
  use_code: { name: "s" },
  checkpoint: { points: "o?", model: "s?" },
  restore_points: { n: "n" },
};
// Fields of the parts the page reads inside those objects.
const INSIDE = {
  setup: { train: POINTS, test: POINTS }, add_point: { train: POINTS, test: POINTS },
  remove_point: { train: POINTS, test: POINTS }, article_setup: { train: POINTS, test: POINTS },
  snapshot: { grid: { n: "n", values: "[n?]?", classIndex: "[n]?", confidence: "[n?]?" } },
  explain: { parameter: { layer: "n", i: "n", j: "n?" } },
  check_code: { network: { error: "n?", passed: "b" } },
  shapes: { optimizer: { name: "s", choice: "s", lr: "n" } },
};

const FAILED = { error: "s", field: "s?" };
export const MESSAGE_LIMIT = 600;  // characters of the worker's text shown in a message

function numbers(value, nullable) {
  if (Array.isArray(value)) return value.every((item) => numbers(item, nullable));
  return (nullable && value === null) || (typeof value === "number" && Number.isFinite(value));
}

function fits(value, kind) {
  if (kind.endsWith("?") && value === null) return true;
  switch (kind.replace(/\?$/, "")) {
    case "n": return typeof value === "number" && Number.isFinite(value);
    case "s": return typeof value === "string";
    case "b": return typeof value === "boolean";
    case "o": return value !== null && typeof value === "object" && !Array.isArray(value);
    case "a": return Array.isArray(value);
    case "[n]": return Array.isArray(value) && numbers(value, false);
    case "[n?]": return Array.isArray(value) && numbers(value, true);
    case "[s]": return Array.isArray(value) && value.every((item) => typeof item === "string");
    default: return false;
  }
}

function problem(object, shape, where) {
  for (const [key, kind] of Object.entries(shape)) {
    const value = Object.hasOwn(object, key) ? object[key] : undefined;
    if (value === undefined && kind.endsWith("?")) continue;
    if (!fits(value, kind)) return `${where}${key} is not ${kind}`;
  }
  return null;
}

// `text`, the worker's answer to `name`, as an object; throws an Error named
// "MalformedAnswer" when it is not what that call returns.
export function readAnswer(name, text) {
  let answer;
  try {
    answer = typeof text === "string" ? JSON.parse(text) : undefined;
  } catch {
    answer = undefined;
  }
  let why = fits(answer, "o") && typeof answer.ok === "boolean" ? null : "it is not an object with ok";
  if (!why && !answer.ok) why = problem(answer, FAILED, "");
  if (!why && answer.ok && Object.hasOwn(SHAPES, name)) {
    why = problem(answer, SHAPES[name], "");
    for (const [key, shape] of Object.entries(INSIDE[name] ?? {})) {
      if (!why && answer[key] !== null && answer[key] !== undefined) why = problem(answer[key], shape, `${key}.`);
    }
  }
  if (why) {
    const error = new Error(`Python's answer to ${name} was not what that call returns (${why})`);
    error.name = "MalformedAnswer";
    throw error;
  }
  if (!answer.ok) answer.error = cut(answer.error);
  return answer;
}

// Text from the worker, cut to a length a message can show.
export function cut(text, limit = MESSAGE_LIMIT) {
  const s = String(text);
  return s.length <= limit ? s : `${s.slice(0, limit)}… (cut; ${s.length.toLocaleString("en")} characters in all)`;
}
