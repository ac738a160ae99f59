// The backprop panel: the matrix equations of the backward pass, layer by layer, with the
// live array shapes of the current network and batch, the norms of dW and db now, the
// penalty term of L1 or L2 in dW, and the chosen optimiser's update rule. Main thread;
// pure DOM building, every value of the worker's answer as text (never as markup).

import { SCHEMA } from "./schema.js";
import { formatNumber } from "./views/format.js";

const shape = (dims) => `(${dims.join(" × ")})`;
const num = (v) => formatNumber(v, 3);

// The optimiser's update of every parameter p (W and b alike) from its gradient g: the rule
// py_mlp.optimizers declares for this choice (the schema), with the worker's values.
function updateRule(o) {
  if (!Object.hasOwn(SCHEMA.optimizers, o.choice)) return [`an optimiser the page does not know: ${o.choice}`];
  const { rule, symbols } = SCHEMA.optimizers[o.choice];
  const values = symbols.map(([name, symbol]) => `${symbol} = ${num(o[name])}`).join(", ");
  return rule.map((line, i) => (i === rule.length - 1 ? `${line}  (${values})` : line));
}

// `shapes` is the worker's shapes() answer; `info` its setup() answer.
export function describeBackprop(shapes, info) {
  const table = document.createElement("table");
  table.className = "backprop";
  const code = (text) => Object.assign(document.createElement("code"), { textContent: text });
  const caption = document.createElement("caption");
  caption.append("Forward ", code("z = a W + b"), ", ", code("a = f(z)"), `; batch of n = ${shapes.batch}. ` +
    "Read from the output down: each row is what back-propagation computes for that layer.");
  const head = document.createElement("tr");
  for (const text of ["layer", "step", "equation", "shape", `size now (epoch ${shapes.epoch}, all training data)`]) {
    head.append(Object.assign(document.createElement("th"), { scope: "col", textContent: text }));
  }
  const thead = document.createElement("thead");
  thead.append(head);
  table.append(caption, thead);
  const body = document.createElement("tbody");
  const last = shapes.layers.length;
  for (const layer of [...shapes.layers].reverse()) {
    const k = layer.layer;
    const [n, fanIn] = layer.a_prev;
    const fanOut = layer.W[1];
    const rows = [];
    if (k === last && SCHEMA.losses[shapes.loss]?.output === layer.activation) {
      rows.push(["dz", `dz${k} = (ŷ − y) / n`, shape([n, fanOut]),
        `${layer.activation} output with ${shapes.loss.replaceAll("_", " ")}: the chain rule collapses`]);
    } else if (k === last) {
      rows.push(["dz", `dz${k} = dL/dŷ ⊙ ${layer.activation}′(z${k})`, shape([n, fanOut])]);
    } else {
      rows.push(["dz", `dz${k} = da${k} ⊙ ${layer.activation}′(z${k})`, shape([n, fanOut])]);
    }
    const penalty = (shapes.l2 ? ` + λ₂ W${k}` : "") + (shapes.l1 ? ` + λ₁ sign(W${k})` : "");
    const rates = [shapes.l2 ? `λ₂ = ${num(shapes.l2)}` : "", shapes.l1 ? `λ₁ = ${num(shapes.l1)}` : ""].filter(Boolean);
    rows.push(["dW", `dW${k} = a${k - 1}ᵀ dz${k}${penalty}${rates.length ? `  (${rates.join(", ")})` : ""}`,
      `${shape([fanIn, n])} ${shape([n, fanOut])} → ${shape([fanIn, fanOut])}`, null, layer.dW_norm]);
    rows.push(["db", `db${k} = Σ over the batch of dz${k}`, shape([fanOut]), null, layer.db_norm]);
    if (k > 1) rows.push(["da", `da${k - 1} = dz${k} W${k}ᵀ`, `${shape([n, fanOut])} ${shape([fanOut, fanIn])} → ${shape([n, fanIn])}`]);
    rows.forEach(([step, eq, dims, note, norm], i) => {
      const tr = document.createElement("tr");
      tr.dataset.testid = `backprop-${k}-${step}`;
      if (i === 0) {
        const th = document.createElement("th");
        th.scope = "rowgroup";
        th.rowSpan = rows.length;
        th.textContent = `${k} (${layer.activation}${k === last ? ", output" : ""})`;
        tr.append(th);
      }
      const size = norm === undefined ? "" : `‖${step}${k}‖ = ${num(norm)}`;
      for (const [text, cls] of [[step, "step"], [eq, "eq"], [dims, "dims"], [size, "norm"]]) {
        const td = document.createElement("td");
        td.className = cls;
        td.textContent = text;
        if (cls === "eq" && note) td.title = note;
        tr.append(td);
      }
      body.append(tr);
    });
  }
  updateRule(shapes.optimizer).forEach((rule, i, all) => {
    const tr = document.createElement("tr");
    tr.dataset.testid = i ? `backprop-update-${i + 1}` : "backprop-update";
    if (i === 0) {
      const th = document.createElement("th");
      th.scope = "rowgroup";
      th.rowSpan = all.length;
      th.textContent = `all (${shapes.optimizer.name})`;
      tr.append(th);
    }
    for (const [text, cls] of [[i ? "" : "update", "step"], [rule, "eq"], [i ? "" : `(${info.n_train} training points)`, "dims"], ["", "norm"]]) {
      const td = document.createElement("td");
      td.className = cls;
      td.textContent = text;
      tr.append(td);
    }
    body.append(tr);
  });
  table.append(body);
  return table;
}
