// Embedded mode: main thread of the app page when another page shows it in an iframe
// (embed.js on the host page opens index.html?embed=1&panels=...). It marks the root for
// the compact layout in embedded.css, hides the panels the host did not ask for, and
// tells the host page its content height so the iframe fits without inner scrollbars:
// once the app has loaded (until then the frame keeps the height the host gave it, so
// the host page shifts once, not twice), then on every change of size.
//
// Non-goals: presets and configuration in the URL (the app reads those); anything that
// moves focus or scrolls: a page inside an iframe must never scroll the page around it.

import { SCHEMA } from "./schema.js";

// The panels' names and the default set come from the settings table (py_mlp/app/settings.py,
// which docs tools also check an embed's panels against). "trace" is the tutorial's log,
// which the app itself shows only for preset=article.
export const DEFAULT_PANELS = SCHEMA.panels.default;
export const SIZE_MESSAGE = "py-mlp:size";
export const STARTED_MESSAGE = "py-mlp:started";  // at once, so embed.js knows this page runs

// The `panels` query value as a list of names: "chart, boundary" -> ["chart", "boundary"];
// missing or empty -> DEFAULT_PANELS; "all" -> null (show every panel).
function parsePanels(value) {
  if (value === null || !value.trim()) return DEFAULT_PANELS;
  const names = value.split(",").map((name) => name.trim().toLowerCase()).filter(Boolean);
  return names.includes("all") ? null : names;
}

// Hide every [data-panel] section not named in `wanted` (null: hide none). The app keeps
// its own `hidden` attribute for its own reasons, so this uses a separate one.
function applyPanels(root, wanted) {
  const known = new Set();
  for (const panel of root.querySelectorAll("[data-panel]")) {
    // getAttribute, not .dataset: on a <form>, .dataset can name a field called "dataset".
    const name = panel.getAttribute("data-panel");
    known.add(name);
    panel.toggleAttribute("data-embed-hidden", wanted !== null && !wanted.includes(name));
  }
  const unknown = (wanted ?? []).filter((name) => !known.has(name));
  if (unknown.length) {
    console.warn(`py_mlp embed: no panel named ${unknown.join(", ")}; the panels are ${[...known].join(", ")}`);
  }
}

// The height the iframe needs to show the whole page, in CSS pixels.
function contentHeight() {
  return Math.ceil(document.documentElement.getBoundingClientRect().height);
}

// Set up embedded mode when the URL asks for it (?embed=1); returns whether it did.
export function initEmbedded(root, search = location.search) {
  const params = new URLSearchParams(search);
  if (params.get("embed") !== "1") return false;
  root.dataset.embed = "1";
  const framed = window.parent !== window;
  document.documentElement.classList.toggle("py-mlp-framed", framed);
  applyPanels(root, parsePanels(params.get("panels")));

  const full = new URLSearchParams(params);
  full.delete("embed");
  full.delete("panels");
  const link = document.createElement("a");
  link.className = "embed-open";
  link.href = `?${full}`;
  link.target = "_blank";
  link.rel = "noopener";
  link.textContent = "Open the full playground ↗";
  root.append(link);

  if (framed) {
    window.parent.postMessage({ type: STARTED_MESSAGE }, "*");
    let last = -1;
    const post = () => {
      const height = contentHeight();
      if (root.dataset.state === "loading" || height === last) return;
      last = height;
      // "*": the host page's origin is not known here, and a height is no secret.
      window.parent.postMessage({ type: SIZE_MESSAGE, height }, "*");
    };
    new ResizeObserver(post).observe(document.documentElement);
    new MutationObserver(post).observe(root, { attributes: true, attributeFilter: ["data-state"] });
    post();
  }
  return true;
}
