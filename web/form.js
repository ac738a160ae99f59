// Form reading and validation: main thread, pure functions of the field values.
//
// Every problem is reported against its field with a message that says what to do;
// the worker validates again (py_mlp raises ValueError), so nothing here is the only
// line of defence.

export const LIMITS = { layers: 8, neurons: 256, learningRate: 10, epochs: 100000 };

export function parseHidden(text) {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (!parts.length) {
    return { error: "Enter at least one hidden layer size, e.g. 8, 8." };
  }
  if (parts.length > LIMITS.layers) {
    return { error: `Use at most ${LIMITS.layers} hidden layers.` };
  }
  const sizes = [];
  for (const part of parts) {
    if (!/^[+-]?\d+$/.test(part)) {
      return { error: `"${part}" is not a whole number; layer sizes are whole numbers like 8.` };
    }
    const n = Number(part);
    if (n < 1) return { error: `Layer sizes must be at least 1 (got ${n}).` };
    if (n > LIMITS.neurons) return { error: `Use at most ${LIMITS.neurons} neurons per layer (got ${n}).` };
    sizes.push(n);
  }
  return { value: sizes };
}

export function parseLearningRate(text) {
  const trimmed = text.trim();
  const n = Number(trimmed);
  if (!trimmed || !Number.isFinite(n)) {
    return { error: "Enter a positive number, e.g. 0.1." };
  }
  if (n <= 0) return { error: `The learning rate must be above 0 (got ${trimmed}).` };
  if (n > LIMITS.learningRate) return { error: `Use a learning rate of at most ${LIMITS.learningRate}.` };
  return { value: n };
}

export function parseEpochs(text) {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return { error: "Enter a whole number of epochs, e.g. 1000." };
  const n = Number(trimmed);
  if (n < 1) return { error: "Train for at least 1 epoch." };
  if (n > LIMITS.epochs) return { error: `Use at most ${LIMITS.epochs} epochs per run.` };
  return { value: n };
}

const PARSERS = { hidden: parseHidden, learning_rate: parseLearningRate, epochs: parseEpochs };

// Read and validate the form; show each field's message next to it.
// Returns the configuration, or null when any field is invalid.
export function readForm(form) {
  const config = {
    dataset: form.elements.dataset.value,
    n_samples: 1000,
    noise: 0.1,
    seed: 0,
    activation: form.elements.activation.value,
  };
  let valid = true;
  for (const [name, parse] of Object.entries(PARSERS)) {
    const input = form.elements[name];
    const result = parse(input.value);
    const message = document.getElementById(`${name}-error`);
    message.textContent = result.error ?? "";
    input.setAttribute("aria-invalid", result.error ? "true" : "false");
    if (result.error) valid = false; else config[name] = result.value;
  }
  return valid ? config : null;
}
