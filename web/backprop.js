// The backprop panel: the matrix equations of the backward pass, layer by layer, with the
// live array shapes of the current network and batch. Main thread; pure DOM building.

const shape = (dims) => `(${dims.join(" × ")})`;
const PAIRED = {
  binary_cross_entropy: "sigmoid",
  softmax_cross_entropy: "softmax",
  mean_squared_error: "identity",
};

// `shapes` is the worker's shapes() answer; `info` its setup() answer.
export function describeBackprop(shapes, info) {
  const table = document.createElement("table");
  table.className = "backprop";
  table.innerHTML = `<caption>Forward <code>z = a W + b</code>, <code>a = f(z)</code>; batch of n = ${shapes.batch}.
    Read from the output down: each row is what back-propagation computes for that layer.</caption>
    <thead><tr><th scope="col">layer</th><th scope="col">step</th><th scope="col">equation</th><th scope="col">shape</th></tr></thead>`;
  const body = document.createElement("tbody");
  const last = shapes.layers.length;
  for (const layer of [...shapes.layers].reverse()) {
    const k = layer.layer;
    const [n, fanIn] = layer.a_prev;
    const fanOut = layer.W[1];
    const rows = [];
    if (k === last && PAIRED[shapes.loss] === layer.activation) {
      rows.push(["dz", `dz${k} = (ŷ − y) / n`, shape([n, fanOut]),
        `${layer.activation} output with ${shapes.loss.replaceAll("_", " ")}: the chain rule collapses`]);
    } else if (k === last) {
      rows.push(["dz", `dz${k} = dL/dŷ ⊙ ${layer.activation}′(z${k})`, shape([n, fanOut])]);
    } else {
      rows.push(["dz", `dz${k} = da${k} ⊙ ${layer.activation}′(z${k})`, shape([n, fanOut])]);
    }
    rows.push(["dW", `dW${k} = a${k - 1}ᵀ dz${k}`, `${shape([fanIn, n])} ${shape([n, fanOut])} → ${shape([fanIn, fanOut])}`]);
    rows.push(["db", `db${k} = Σ over the batch of dz${k}`, shape([fanOut])]);
    if (k > 1) rows.push(["da", `da${k - 1} = dz${k} W${k}ᵀ`, `${shape([n, fanOut])} ${shape([fanOut, fanIn])} → ${shape([n, fanIn])}`]);
    rows.forEach(([step, eq, dims, note], i) => {
      const tr = document.createElement("tr");
      tr.dataset.testid = `backprop-${k}-${step}`;
      if (i === 0) {
        const th = document.createElement("th");
        th.scope = "rowgroup";
        th.rowSpan = rows.length;
        th.textContent = `${k} (${layer.activation}${k === last ? ", output" : ""})`;
        tr.append(th);
      }
      for (const [text, cls] of [[step, "step"], [eq, "eq"], [dims, "dims"]]) {
        const td = document.createElement("td");
        td.className = cls;
        td.textContent = text;
        if (cls === "eq" && note) td.title = note;
        tr.append(td);
      }
      body.append(tr);
    });
  }
  const update = document.createElement("tr");
  update.innerHTML = `<th scope="row">all</th><td class="step">update</td><td class="eq">W −= η dW,  b −= η db</td><td class="dims">(${info.n_train} training points)</td>`;
  body.append(update);
  table.append(body);
  return table;
}
