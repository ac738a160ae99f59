// Colour scales shared by the views (main thread; no DOM). TensorFlow Playground's palette:
// orange for class 0 / negative, blue for class 1 / positive, through a light grey.
//
// Colours are [r, g, b] arrays of 0..255 integers; `css(rgb)` makes a CSS string. The
// same constants are used by py_mlp/app/thumbnails.py (tests/test_thumbnails.py checks).
//
//   diverging(t)           t in [0, 1]: 0 orange, 0.5 neutral, 1 blue (clamped)
//   binaryHeat(p)          P(class 1) -> the lighter heatmap shade of diverging(p)
//   signedColor(v, scale)  v in [-scale, scale] around 0: negative orange, positive blue
//   rangeColor(v, [lo,hi]) signedColor around 0 when lo < 0 < hi, else lo..hi -> orange..blue
//   classColor(k)          categorical palette (10); classHeat(k, confidence, nClasses)

export const ORANGE = "#f59322";
export const NEUTRAL = "#e8eaeb";
export const BLUE = "#0877bd";
const WHITE = [255, 255, 255];
// Class 0 and 1 match the binary colours, so a 2-class multiclass problem looks the same.
const CATEGORICAL = [
  ORANGE, BLUE, "#2f9e44", "#c92a2a", "#7048e8", "#8d5a3b", "#d6336c", "#495057", "#a9a018", "#1098ad",
];
// How far heatmap shades are mixed towards white, so the data points stand out on them.
const HEAT_LIGHTEN = 0.35;

export function hexToRgb(hex) {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

export function css([r, g, b]) {
  return `rgb(${r}, ${g}, ${b})`;
}

// Linear mix in sRGB: t = 0 gives a, t = 1 gives b (rounded to integers).
export function mix(a, b, t) {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));
}

const O = hexToRgb(ORANGE);
const N = hexToRgb(NEUTRAL);
const B = hexToRgb(BLUE);
const PALETTE = CATEGORICAL.map(hexToRgb);

const clamp01 = (t) => (t < 0 ? 0 : t > 1 ? 1 : t);

export function diverging(t) {
  t = Number.isFinite(t) ? clamp01(t) : 0.5;
  return t < 0.5 ? mix(O, N, t * 2) : mix(N, B, t * 2 - 1);
}

export const lighten = (rgb, amount = HEAT_LIGHTEN) => mix(rgb, WHITE, amount);

export const binaryHeat = (p) => lighten(diverging(p));

export function signedColor(v, scale = 1) {
  return diverging(0.5 + 0.5 * v / (scale > 0 ? scale : 1));
}

export function rangeColor(v, [lo, hi]) {
  if (lo < 0 && hi > 0) return signedColor(v, Math.max(-lo, hi));
  return diverging(hi > lo ? (v - lo) / (hi - lo) : 0.5);
}

export function classColor(k) {
  return PALETTE[((k % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

// Heatmap shade for a multiclass cell: the class colour, faded towards neutral as the
// confidence falls to chance (1 / nClasses), then lightened like the binary heatmap.
export function classHeat(k, confidence, nClasses = 2) {
  const chance = 1 / Math.max(nClasses, 2);
  const c = Number.isFinite(confidence) ? clamp01((confidence - chance) / (1 - chance)) : 0;
  return lighten(mix(N, classColor(k), c));
}
