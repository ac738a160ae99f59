"""Small SVG pictures of the toy data sets, for the page's data set picker, and the plots
``web/embed.js`` draws on a host page before a reader presses Run.

Runs on CPython (and would in Pyodide); numpy and the standard library only. The page uses
the files this writes, ``web/thumbs/<name>.svg``, and embed.js holds ``embed_block()``
(each data set's points, and the data set of each preset) between its markers, both
committed to the repository:

    python -m py_mlp.app.thumbnails web/thumbs web/embed.js

``dataset_svg("circles")`` draws ``n_samples`` points of the data set on one square for
all sets, ``[-EXTENT, EXTENT]`` (see ``py_mlp.data.datasets``) plus a 10% margin, in TensorFlow
Playground's colours: class 0 orange, class 1 blue; regression targets from orange
(negative) through grey to blue (positive), full colour from the 90th percentile of
``|target|`` on. The colours match ``web/views/colors.js``.
Points sharing a colour share one ``<g fill=...>`` so that the files stay small.
Non-goals: axes, legends, multi-class palettes (the picker shows the two-class sets).
"""

import json
import sys
from pathlib import Path

import numpy as np

from ..data.datasets import DATASETS, EXTENT, PROBLEM_OF, get_dataset, make_dataset
from .settings import BY_NAME, PRESETS

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


def _colors(name, y, shades=SHADES):
    if PROBLEM_OF[name] == "regression":
        # Scaled so that the top tenth of |target| shows at full colour; the rest shade off.
        scale = float(np.quantile(np.abs(y), 0.9)) or 1.0
        steps = np.round(np.clip(y / scale, -1, 1) * shades) / shades
        return [diverging(0.5 + 0.5 * s) for s in steps]
    return [BLUE if label == 1 else ORANGE for label in y]


def dataset_svg(name, size=64, n_samples=200, seed=0):
    """The data set ``name`` as a ``size`` x ``size`` px SVG document with ``n_samples`` circles."""
    get_dataset(name)
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


# embed.js's plots: each coordinate on the plotted square as 0 .. 4095, in two digits of 64.
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
EMBED_MARKERS = ("  // ---- made by py_mlp.app.thumbnails.embed_block(); do not edit ----\n",
                 "  // ---- end of what py_mlp.app.thumbnails made ----\n")


def embed_plots(n_samples=100, seed=7):
    """Every data set as embed.js plots it: ``{colour: points}``, each point four digits
    (x then y, from the bottom left of the square ``datasets_svg`` shows)."""
    half = EXTENT * MARGIN
    plots = {}
    for name in DATASETS:
        X, y = make_dataset(name, n_samples=n_samples, seed=seed)
        grid = np.clip(np.round((X + half) / (2 * half) * 4095), 0, 4095).astype(int)
        groups = {}
        for point, color in zip(grid, _colors(name, y, shades=3)):
            groups.setdefault(color, []).append("".join(DIGITS[v // 64] + DIGITS[v % 64] for v in point))
        plots[name] = {color: "".join(points) for color, points in sorted(groups.items())}
    return plots


def embed_block():
    """What embed.js holds between its markers: the plots, and each preset's data set."""
    default = BY_NAME["dataset"].page
    presets = {name: values.get("dataset", default) for name, values in PRESETS.items()}
    return (EMBED_MARKERS[0]
            + f"  const PLOTS = {json.dumps(embed_plots(), separators=(',', ':'))};\n"
            + f"  const PRESET_DATA = {json.dumps(presets, separators=(',', ':'))};\n"
            + EMBED_MARKERS[1])


def with_embed_block(text):
    """embed.js's text with its block made anew between the markers."""
    start, end = text.index(EMBED_MARKERS[0]), text.index(EMBED_MARKERS[1]) + len(EMBED_MARKERS[1])
    return text[:start] + embed_block() + text[end:]


def main(argv=None):
    """``python -m py_mlp.app.thumbnails DIR [EMBED_JS]``: (re)write DIR/<name>.svg for every
    data set, and the plots in EMBED_JS (web/embed.js)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2) or any(a.startswith("-") for a in args):
        print("usage: python -m py_mlp.app.thumbnails DIR [EMBED_JS]   (e.g. web/thumbs web/embed.js)",
              file=sys.stderr)
        return 2
    for path in write_all(args[0]):
        print(path)
    if len(args) == 2:
        path = Path(args[1])
        path.write_text(with_embed_block(path.read_text(encoding="utf-8")), encoding="utf-8", newline="\n")
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
