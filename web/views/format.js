// Numbers for people, in one place: main thread, any view or read-out.
//
// formatNumber(v, digits = 4): `digits` significant digits with no trailing zeros; very
// large or small magnitudes in scientific notation with a superscript exponent
// (2.59 × 10³⁰³); NaN, ±∞ and missing values in words a reader knows.

const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

export function formatNumber(v, digits = 4) {
  if (v === null || v === undefined) return "–";
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  const size = Math.abs(v);
  if (size !== 0 && (size >= 1e5 || size < 1e-4)) {
    const [mantissa, exponent] = v.toExponential(Math.max(0, digits - 1)).split("e");
    const power = [...String(Number(exponent))].map((c) => SUPERSCRIPT[c]).join("");
    return `${Number(mantissa)} × 10${power}`;
  }
  return String(Number(v.toPrecision(digits)));
}
