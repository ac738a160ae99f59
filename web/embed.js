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

  // A still plot of the data, drawn here with no request: 100 points of each data set (drawn
  // by py_mlp's own generators, in its colours), and the data set each preset shows.
  // ---- made by py_mlp.app.thumbnails.embed_block(); do not edit ----
  const PLOTS = {"circles":{"#0877bd":"WEO4brV6eJd6PVb4hzYlf6PMbGKkQVaCd8OCNdWQO0QNadP8ZTc8ftcWd7UZK8W1avg3PBNSMPWVMPPmLyUYcaTBL5SbSEe8cKc0gVWATwdNaDOOT3P3RwcYarOfQYOtY7hIhPTvamK3X5jKPGSafUYWW2fHRzMmUGKpN3MBNfdVKpcPVZLmheYNL7WLRzcVc1SVZJfK","#f59322":"idD4BEUqmHesCBZ7JQGhFjjGb8qiqWYOq4aA9HaElFM-gMByMYnyoOSYQKDTCJQlXbpXhDkjQj9RlcH5N7mdh9lil9KIDzMZTFBRpQUfF0fMaIFhQ0regKlWoGUoDOcspMPcEvS8a-p8m3d7Rsp1HIKUKRj1GbGoM1ErkAi5LRFcNCnZYgCV8MUghLJfEvfQfqFXa3n1"},"moons":{"#0877bd":"u4Q1ISZyMmYNbWHePdWJ-8UkxkOrYXFsydTEerFYmFIkusUySaKvQXTSx2aVgJK9OWTDo1Iaf5GljRFHjfLTwEZCf5E3Y9JdONQ-NEYZTLJYwBT0rqN-TWIGxoS9pULKTIO--tZzyAMrUMQ8kRFKOwRZLMQnqtKTspKqlgFxdGLeYhJgtnMoOjYKVBCMVlH_weY7QTPL","#f59322":"73W_IvljeMVbMLlDD6hzQrjKa-f0gwSMgrS-KEjt1XVBAQa7V9i82ZTm7Eg0GKlyaceqceZLAwcB5NVdWoicbJas31VmFljf6rdRfkPpQXhi7QfUW2ivd8Zp1xSNOqj_4PUNKulGZHdKdNUrWPfBGbjEUygzDBgy9VhRdCXyC5hjUbgA8-dZHQjC3Jb0QXk86-blbVbi"},"xor":{"#0877bd":"dNkkKWOSK2S-YmVml8iGbZoWKdGscXVaTeJoBKK4QuGhUXitdZfjZVkcA-KbNUKkmocUb9c9UPMWRsE9kUcxqCkyj1bgSPLRFKRdDyHZnicOZBcWgtlNjUVzJKOqJbPMlZaaT2M7pIV7Vco3eAc2EmRJV4ngbfdJanowOTRiKgDvaaZaBaR3fOjqkhfqknXVBVFWN-NtAbPbmlYp","#f59322":"k4IVPLliEVmSkoReYBDwC2ULUnmDcXKigRK1MIkzG8XwLfZFijOKdNIFpCJDfQLDEvn1b2IjEenEYnJRZCSnG-jmT5VCRXi6SVanlnPBSpYfG1mpEVfXhzHESGfVCha2gQNwnEQzVIlPSsqLOkk6KOmhjLHkeQVQOgkCR2dMdKJ6jqHCk3EZIcaRDoZYI4b0"},"gaussians":{"#0877bd":"N0LjMGM3U5KzQdLSPsT7K-K9LOVNM1FxM-O6IZLKPyK8QVImG8THKtGjS9SiKrK2JJGKRWQRKmAuHvJgKYHQNTKLI4L2DIMeFnQFGZLfD9P2E0NiPPKpIJFyJeFLUVHkLpIGJzNnBxPcEOOmGKJANTPQIURTM-G_MaHmJ5NUKHHCKjIzTjEaJIKCJDMuOsItKyFPPYMg","#f59322":"VHh8bOepf1lvjGgfZHeShwkyk9lSl6ghibZnkgdnXydKqIj7ZlfahGggcunUbTbZd8aJf9l8hdepmoZBXCg7hggzk5XCULbie0c7bgfRiIgFl1kSZWdJfOeJSae0fAqOb6dxcUm8mbe-XMVrfdmcjBbdkligZ2cHeDdZfqjVXMejeVj2bkoxhKT7ebgelqaqhJlDfLcd"},"spiral":{"#0877bd":"d7kRS8V6UQXnbvP5XsUoVvmwaMj4ZSMKWimLeJOthLXuM5kbW8OdWzUSM5oVdrWeTkVUgvZUeAQogGSffgZlJDlJdkOuZNPfUCSfWVUwVZORWZmngNh6VNNXcemeh2d2WMT6LvjyfAhNW-UfiZQzV-RpP_Tbg_cxfeeWfjV_d3UIYnRiengwXUVoVrJIXGNeQ6pAUYSe","#f59322":"WiDEKna4WiWBNGbAKER3QCcOWvbjXfV_Y3VWKmaYaJFYVZFeTecVfaHfKPMKJVYaXXahWpXgMOJ3ZcDRVacZUsZsZYEkJjVNLsJJW1UfQ8aEQRKyTqe1XwXYgvIPP0bMfLGNNMYmUfaWV8WMTnagLVU3U1aVJ8QvJOOzW8XjKXP_SkawPyJAInYNVEHwQQc6ULHWXxXz"},"plane":{"#0877bd":"aslPpDhMkWcInGlggIltnOYroeWccreQb1oIgFiEm1hj","#539dcc":"OGkVhXUmalozUimBoaZVkvbVo7c7SsiEWqlOfQZ8SamPWmnVkfWvm_XV","#9dc4dc":"WBY4b0WZM_klWOjTbQfOWJkPiHRKa4bMo9KyHjjOK4mbhNWWnXTsT9kgMMhtZgcBOWnu","#e8eaeb":"giLMdSKOipIccgOGYiRCE5kbUlXsP6flkTPzZWd7IUmpemLPjCG-a1VCUhazm7EQJ3cv","#eccda8":"CqiTMVTtaNEKQdZpcrITYjIGY1JdSZLvTDWwQPWli2HwPWS3Ktm7bFJlewH0JuYcE7ZW","#f1b065":"ONNQVuMDGAXcEwRfThLvSEGNDbR2CpfpDAa-KJQiJaQ1PpN8FHTIF0SaMQMF","#f59322":"KzIqD_WaD4K4QyCmP8IRDoHOKUEaDoDPDROf"},"gaussian_mix":{"#0877bd":"VuMDThLvkWcIkvbVSZLvMMhtm1hjJ3cv","#539dcc":"HjjOY1JdYiRCgFiEJuYc","#9dc4dc":"aslPOGkVpDhMaNEKb0WZYjIGgIltDAa-nOYrfQZ8creQE7ZW","#e8eaeb":"hXUmMVTtWBY4UimBdSKOQyCmM_klGAXcP8IRoaZVSEGNcgOGK4mbE5kbP6flDbR2DoHOo7c7QPWlIUmpCpfphNWWPpN8oeWcSamPb1oIPWS3KUEajCG-a1VCbFJlF0SaewH0kfWvm7EQm_XV","#eccda8":"CqiTONNQalozD_WaipIcWJkPQdZpEwRfcrITo9KynGlgUlXsTDWwi2HwSsiEnXTsWqlOT9kgFHTIWmnVOWnuDoDPDROf","#f1b065":"KzIqD4K4WOjTbQfOa4bMemLPKtm7ZgcBMQMF","#f59322":"giLMiHRKkTPzZWd7KJQiJaQ1Uhaz"}};
  const PRESET_DATA = {"circles":"circles","xor-features":"xor","spiral":"spiral","vanishing":"circles","diverging":"plane"};
  // ---- end of what py_mlp.app.thumbnails made ----
  const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  const digits = (text, i) => DIGITS.indexOf(text[i]) * 64 + DIGITS.indexOf(text[i + 1]);

  // Built as elements, not markup: nothing of the host page's attributes becomes HTML.
  function dataPlot(name, size) {
    const SVG = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(SVG, "svg");
    for (const [key, value] of [["viewBox", "-100 -100 4296 4296"], ["width", size], ["height", size],
      ["aria-hidden", "true"], ["focusable", "false"]]) svg.setAttribute(key, String(value));
    for (const [color, points] of Object.entries(Object.hasOwn(PLOTS, name) ? PLOTS[name] : PLOTS.circles)) {
      for (let i = 0; i < points.length; i += 4) {
        const dot = document.createElementNS(SVG, "circle");
        for (const [key, value] of [["cx", digits(points, i)], ["cy", 4095 - digits(points, i + 2)], ["r", 72],
          ["fill", color]]) dot.setAttribute(key, String(value));
        svg.append(dot);
      }
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
    let dataset = Object.hasOwn(PRESET_DATA, preset) ? PRESET_DATA[preset] : "circles";
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
