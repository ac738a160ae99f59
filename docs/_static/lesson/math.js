// Sets every formula of the page with KaTeX (served from _static/katex/): main thread,
// once, on load. The Sphinx extension docs/_ext/site_assets.py writes each formula's TeX
// into an element of class "math-tex" (data-display "inline" or "block"); until this runs,
// and where JavaScript does not, the reader sees the TeX itself. A mistake in the TeX
// throws, so it shows in the console and fails the docs' browser test.
for (const element of document.querySelectorAll(".math-tex")) {
  const tex = element.textContent;
  element.setAttribute("aria-label", tex);
  katex.render(tex, element, { displayMode: element.dataset.display === "block", throwOnError: true });
}
document.documentElement.dataset.math = "ready";
