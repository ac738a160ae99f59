"""Small SVG pictures of the toy data sets, for the page's data set picker.

Runs on CPython (and would in Pyodide); numpy and the standard library only. The page uses
the files this writes, ``web/thumbs/<name>.svg``, committed to the repository:

    python -m py_mlp.app.thumbnails web/thumbs

``dataset_svg("circles")`` draws ``n_samples`` points of the data set on one square for
all sets, ``[-EXTENT, EXTENT]`` (see ``py_mlp.data.datasets``) plus a 10% margin, in TensorFlow
Playground's colours: class 0 orange, class 1 blue; regression targets from orange
(negative) through grey to blue (positive), full colour from the 90th percentile of
``|target|`` on. The colours match ``web/views/colors.js``.
Points sharing a colour share one ``<g fill=...>`` so that the files stay small.
Non-goals: axes, legends, multi-class palettes (the picker shows the two-class sets).
"""

import sys
from pathlib import Path

import numpy as np

from ..data.datasets import DATASETS, EXTENT, PROBLEM_OF, make_dataset

ORANGE = "#f59322"
NEUTRAL = "#e8eaeb"
BLUE = "#0877bd"
BACKGROUND = "#f8f9fa"
SHADES = 16
MARGIN = 1.1  # the picture shows [-1.1 EXTENT, 1.1 EXTENT]: noisy points at the edge stay whole  # regression colours are quantised to this many steps on each side of 0


def _rgb(hex_color):
    v = int(hex_color[1:], 16)
    return np.array([(v >> 16) & 255, (v >> 8) & 255, v & 255], dtype=float)


def diverging(t):
    """Colour at ``t`` in [0, 1] (clamped): 0 orange, 0.5 neutral, 1 blue; as colors.js."""
    t = min(max(float(t), 0.0), 1.0)
    a, b, u = (_rgb(ORANGE), _rgb(NEUTRAL), 2 * t) if t < 0.5 else (_rgb(NEUTRAL), _rgb(BLUE), 2 * t - 1)
    r, g, bl = (int(np.floor(x + 0.5)) for x in a + (b - a) * u)  # Math.round
    return f"#{r:02x}{g:02x}{bl:02x}"


def _colors(name, y):
    if PROBLEM_OF[name] == "regression":
        # Scaled so that the top tenth of |target| shows at full colour; the rest shade off.
        scale = float(np.quantile(np.abs(y), 0.9)) or 1.0
        steps = np.round(np.clip(y / scale, -1, 1) * SHADES) / SHADES
        return [diverging(0.5 + 0.5 * s) for s in steps]
    return [BLUE if label == 1 else ORANGE for label in y]


def dataset_svg(name, size=64, n_samples=200, seed=0):
    """The data set ``name`` as a ``size`` x ``size`` px SVG document with ``n_samples`` circles."""
    X, y = make_dataset(name, n_samples=n_samples, seed=seed)
    half = EXTENT * MARGIN
    scale = size / (2 * half)
    px = (X[:, 0] + half) * scale
    py = (half - X[:, 1]) * scale  # y up
    radius = max(size / 48, 0.8)
    groups = {}
    for x_, y_, color in zip(px, py, _colors(name, y)):
        groups.setdefault(color, []).append(f'<circle cx="{x_:.1f}" cy="{y_:.1f}" r="{radius:.2f}"/>')
    body = "".join(f'<g fill="{color}">{"".join(circles)}</g>' for color, circles in sorted(groups.items()))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" role="img" aria-label="{name} data set">'
        f"<title>{name}</title>"
        f'<rect width="{size}" height="{size}" fill="{BACKGROUND}"/>'
        f'<g stroke="#fff" stroke-width="{radius / 3:.2f}">{body}</g></svg>\n'
    )


def write_all(directory, size=64, n_samples=200, seed=0):
    """Write ``<directory>/<name>.svg`` for every data set; returns the paths written."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in DATASETS:
        path = out / f"{name}.svg"
        path.write_text(dataset_svg(name, size=size, n_samples=n_samples, seed=seed), encoding="utf-8", newline="\n")
        paths.append(path)
    return paths


def main(argv=None):
    """``python -m py_mlp.app.thumbnails DIR``: (re)write DIR/<name>.svg for every data set."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m py_mlp.app.thumbnails DIR   (e.g. web/thumbs)", file=sys.stderr)
        return 2
    for path in write_all(args[0]):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
