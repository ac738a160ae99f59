// py_mlp embed: runs on the HOST page (a tutorial, a docs site), not in the app. Include
// it once with <script src=".../embed.js" defer></script>; it turns every
//   <div data-py-mlp preset="circles" height="420"></div>
// into a light placeholder (a plot of the data drawn here, a title, a Run button). Only
// on Run does it open the app in an iframe: index.html?embed=1&... beside this script.
// Nothing is fetched from the app before that, so a docs page never pays for Python
// until a reader asks. The app posts its content height and the iframe follows it.
//
// Attributes (each also as data-NAME): preset, config (JSON object or query string),
// panels (comma list or "all"), height (px), title, load="eager" (open without Run).
// Whatever the element holds is shown until this script runs: a note for readers
// without JavaScript, and what stays when this script cannot be loaded at all.
// An app that does not start (a wrong URL, a file missing on the host, a script sent with
// the wrong MIME type) says so in the box with a link to the app, and in the console.
// Non-goals: talking to the app beyond its size; any dependency; styling the host page.
(() => {
  "use strict";
  if (window.pyMlpEmbed) { window.pyMlpEmbed.scan(); return; }  // included twice

  const script = document.currentScript || document.querySelector('script[src*="embed.js"]');
  const APP = new URL("index.html", script.src);
  const DEFAULT_HEIGHT = 420;
  const DOWNLOAD_MB = 17;          // the runtime's core group (runtime-manifest.json)
  const ARTICLE_EXTRA_MB = 26;     // scikit-learn and its dependencies, for preset=article
  const RESERVED = new Set(["embed", "panels", "preset"]);
  const frames = new WeakMap();    // iframe.contentWindow -> iframe
  // The app posts its size as soon as its page runs, long before Python: no word this long
  // after the frame loaded means its page did not run.
  const START_GRACE_MS = 4000, START_LIMIT_MS = 30000;

  const CSS = `
.py-mlp-embed{box-sizing:border-box;display:flex;flex-wrap:wrap;align-items:center;justify-content:center;
 gap:.5rem 1.5rem;padding:1rem;border:1px solid #8884;border-radius:8px;background:#8881;overflow:hidden}
.py-mlp-embed svg{flex:none;border-radius:6px;background:#fff}
.py-mlp-embed-text{flex:1 1 12rem;max-width:24rem}
.py-mlp-embed-title{font-weight:600;margin:0 0 .25rem}
.py-mlp-embed-note{margin:0 0 .75rem;font-size:.85em;opacity:.8}
.py-mlp-embed button{font:inherit;font-weight:600;padding:.45rem 1.4rem;border:0;border-radius:6px;cursor:pointer;
 background:var(--py-mlp-accent,#d9480f);color:#fff}
.py-mlp-embed button:disabled{opacity:.5;cursor:default}
.py-mlp-embed button:focus-visible{outline:3px solid var(--py-mlp-accent,#d9480f);outline-offset:2px}
.py-mlp-failed{margin:.5rem 0;padding:.75rem 1rem;border:1px solid #c92a2a;border-radius:8px}
.py-mlp-frame{display:block;box-sizing:border-box;width:100%;border:1px solid #8884;border-radius:8px;background:#fff}`;

  const attr = (el, name) => el.getAttribute(name) ?? el.getAttribute(`data-${name}`);

  // config="..." as [key, value] pairs for the app's query string; throws on bad input.
  function configPairs(text) {
    text = (text || "").trim();
    if (!text) return [];
    let pairs;
    if (text.startsWith("{")) {
      const object = JSON.parse(text);
      pairs = Object.entries(object).map(([key, value]) => [key,
        Array.isArray(value) ? value.join(",") : typeof value === "object" ? JSON.stringify(value) : String(value)]);
    } else {
      pairs = [...new URLSearchParams(text.replace(/^\?/, ""))];
    }
    const bad = pairs.filter(([key]) => RESERVED.has(key)).map(([key]) => key);
    if (bad.length) throw new Error(`config cannot set ${bad.join(", ")}; use the attribute of that name`);
    return pairs;
  }

  function appURL(el, pairs) {
    const url = new URL(APP);
    url.searchParams.set("embed", "1");
    const preset = attr(el, "preset");
    if (preset) url.searchParams.set("preset", preset);
    for (const [key, value] of pairs) url.searchParams.append(key, value);
    const panels = attr(el, "panels");
    if (panels) url.searchParams.set("panels", panels);
    return url.href;
  }

  // A still plot of the data, drawn here from a seeded generator: no request, ~100 points.
  function random(seed) {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const DATA = {
    circles: (r, c) => { const a = 2 * Math.PI * r(), d = c ? 0.45 : 0.9; return [d * Math.cos(a), d * Math.sin(a)]; },
    moons: (r, c) => { const a = Math.PI * r(); return c ? [0.5 - Math.cos(a), 0.25 - Math.sin(a) * 0.8] : [Math.cos(a) - 0.5, Math.sin(a) * 0.8 - 0.25]; },
    xor: (r, c) => { const x = r() * 1.8 - 0.9, y = (r() * 0.85 + 0.05) * (x > 0 === !c ? 1 : -1); return [x, y]; },
    gaussians: (r, c) => { const m = c ? 0.45 : -0.45; return [m + (r() - 0.5) * 0.7, m + (r() - 0.5) * 0.7]; },
    spiral: (r, c) => { const t = r(), a = 3 * Math.PI * t + c * Math.PI; return [0.9 * t * Math.cos(a), 0.9 * t * Math.sin(a)]; },
  };
  const ALIASES = { "xor-features": "xor" };

  // Built as elements, not markup: nothing of the host page's attributes becomes HTML.
  function dataPlot(name, size) {
    const known = Object.hasOwn(ALIASES, name) ? ALIASES[name] : name;
    const make = Object.hasOwn(DATA, known) ? DATA[known] : DATA.circles;
    const r = random(7);
    const SVG = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(SVG, "svg");
    for (const [key, value] of [["viewBox", "-1.1 -1.1 2.2 2.2"], ["width", size], ["height", size],
      ["aria-hidden", "true"], ["focusable", "false"]]) svg.setAttribute(key, String(value));
    for (let i = 0; i < 120; i++) {
      const c = i % 2, [x, y] = make(r, c);
      const jx = x + (r() - 0.5) * 0.16, jy = y + (r() - 0.5) * 0.16;
      const dot = document.createElementNS(SVG, "circle");
      for (const [key, value] of [["cx", jx.toFixed(3)], ["cy", (-jy).toFixed(3)], ["r", ".04"],
        ["fill", c ? "#0877bd" : "#f59322"]]) dot.setAttribute(key, value);
      svg.append(dot);
    }
    return svg;
  }

  function setup(el) {
    if (el.dataset.pyMlpState) return;
    el.dataset.pyMlpState = "placeholder";
    const height = Math.max(120, parseInt(attr(el, "height"), 10) || DEFAULT_HEIGHT);
    const preset = attr(el, "preset") || "";
    const title = attr(el, "title") || "A neural network you can train";
    let pairs = [], problem = null;
    try {
      pairs = configPairs(attr(el, "config"));
    } catch (error) {
      problem = `py_mlp embed: bad config attribute (${error.message}). Write a JSON object such as {"hidden": [8, 8]} or a query string such as hidden=8,8.`;
      console.error(problem, el);
    }
    let dataset = preset;
    for (const [key, value] of pairs) if (key === "dataset") dataset = value;

    const box = document.createElement("div");
    box.className = "py-mlp-embed";
    box.style.height = `${height}px`;
    box.append(dataPlot(dataset, Math.min(height - 32, 220)));
    const text = document.createElement("div");
    text.className = "py-mlp-embed-text";
    const heading = document.createElement("p");
    heading.className = "py-mlp-embed-title";
    heading.textContent = title;
    const note = document.createElement("p");
    note.className = "py-mlp-embed-note";
    const mb = DOWNLOAD_MB + (preset === "article" ? ARTICLE_EXTRA_MB : 0);
    note.textContent = problem || `Python and numpy train it in your browser. Run downloads about ${mb} MB, once.`;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Run ▶";
    button.setAttribute("aria-label", `Run: ${title}${preset ? ` (${preset})` : ""}. Loads about ${mb} MB.`);
    button.disabled = problem !== null;
    button.addEventListener("click", () => open(el, appURL(el, pairs), height, title, true));
    text.append(heading, note, button);
    box.append(text);
    el.replaceChildren(box);
    if (attr(el, "load") === "eager" && !problem) open(el, appURL(el, pairs), height, title, false);
  }

  function open(el, src, height, title, byReader) {
    if (el.dataset.pyMlpState !== "placeholder") return;
    el.dataset.pyMlpState = "loading";
    const frame = document.createElement("iframe");
    frame.className = "py-mlp-frame";
    frame.title = `${title} (py_mlp playground)`;
    frame.style.height = `${height}px`;
    frame.src = src;
    el.replaceChildren(frame);
    frames.set(frame.contentWindow, frame);
    // Keep keyboard focus where the Run button was, without moving the page.
    if (byReader) frame.focus({ preventScroll: true });
    const check = () => { if (el.dataset.pyMlpState === "loading") failed(el, frame, src); };
    frame.addEventListener("load", () => setTimeout(check, START_GRACE_MS), { once: true });
    setTimeout(check, START_LIMIT_MS);
  }

  function failed(el, frame, src) {
    el.dataset.pyMlpState = "failed";
    console.error(`py_mlp embed: the app at ${src} did not start. Open that URL to see why: ` +
      "a wrong app URL, index.html or a script missing on the host (HTTP 404), or a .js/.mjs " +
      "file sent with a MIME type other than text/javascript.");
    const box = document.createElement("p");
    box.className = "py-mlp-failed";
    box.setAttribute("role", "alert");
    const link = document.createElement("a");
    const page = new URL(src);
    page.searchParams.delete("embed");
    link.href = page.href;
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = "open the network in its own page";
    box.append("This live network could not start here: ", link, ".");
    frame.remove();
    el.replaceChildren(box);
  }

  // The app's messages: only from our origin, only from a frame we opened. It says it
  // started as soon as its page runs, then its size whenever that changes.
  window.addEventListener("message", (event) => {
    if (event.origin !== APP.origin) return;
    const frame = frames.get(event.source);
    if (!frame || !frame.isConnected) return;
    if (event.data?.type === "py-mlp:started") {
      if (frame.parentElement?.dataset.pyMlpState === "loading") frame.parentElement.dataset.pyMlpState = "starting";
      return;
    }
    const height = Number(event.data?.height);
    if (event.data?.type !== "py-mlp:size" || !Number.isFinite(height) || height <= 0) return;
    frame.style.height = `${Math.min(Math.ceil(height), 20000) + 2}px`;  // + the 1px borders
    frame.parentElement?.setAttribute("data-py-mlp-state", "live");
  });

  function scan(root = document) {
    if (!document.getElementById("py-mlp-embed-style")) {
      const style = document.createElement("style");
      style.id = "py-mlp-embed-style";
      style.textContent = CSS;
      document.head.append(style);
    }
    if (root.matches?.("[data-py-mlp]")) setup(root);
    root.querySelectorAll?.("[data-py-mlp]").forEach(setup);
  }

  window.pyMlpEmbed = { scan: () => scan() };
  const start = () => {
    scan();
    // Docs themes that swap pages without a reload (instant navigation) add embeds later.
    new MutationObserver((records) => {
      for (const record of records) record.addedNodes.forEach((node) => node.nodeType === 1 && scan(node));
    }).observe(document.body, { childList: true, subtree: true });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
