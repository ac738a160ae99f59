"""Data set thumbnails: the committed web/thumbs/*.svg are current, parse, and show every point."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from py_mlp.app import thumbnails
from py_mlp.data.datasets import DATASETS, EXTENT, PROBLEM_OF, make_dataset

REPO = Path(__file__).resolve().parents[1]
THUMBS = REPO / "web" / "thumbs"
SVG = "{http://www.w3.org/2000/svg}"


def test_committed_thumbnails_match_a_fresh_run(tmp_path):
    assert thumbnails.main([str(tmp_path)]) == 0
    fresh = sorted(p.name for p in tmp_path.glob("*.svg"))
    assert fresh == sorted(f"{name}.svg" for name in DATASETS)
    committed = sorted(p.name for p in THUMBS.glob("*.svg"))
    assert committed == fresh, "web/thumbs holds other files than the data sets"
    for name in fresh:
        assert (THUMBS / name).read_bytes() == (tmp_path / name).read_bytes(), (
            f"web/thumbs/{name} is stale: run `python -m py_mlp.app.thumbnails web/thumbs` and commit"
        )


@pytest.mark.parametrize("name", list(DATASETS))
def test_each_thumbnail_parses_and_has_every_point(name):
    root = ET.fromstring((THUMBS / f"{name}.svg").read_text(encoding="utf-8"))
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 64 64"
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == 200
    fills = {g.get("fill") for g in root.iter(f"{SVG}g") if g.get("fill")}
    if name in ("plane", "gaussian_mix"):
        assert len(fills) > 5, "regression points should be shaded by their target"
        assert thumbnails.ORANGE in fills or thumbnails.BLUE in fills  # the largest |target|
        reds = [int(f[1:3], 16) > int(f[5:7], 16) for f in fills]
        assert any(reds) and not all(reds), "both signs of the target should show"
    else:
        assert fills == {thumbnails.ORANGE, thumbnails.BLUE}


def test_size_and_count_follow_the_arguments():
    root = ET.fromstring(thumbnails.dataset_svg("moons", size=32, n_samples=50, seed=3))
    assert root.get("width") == "32"
    assert len(list(root.iter(f"{SVG}circle"))) == 50


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="circles"):
        thumbnails.dataset_svg("donut")


def test_colours_match_the_browser_views():
    """thumbnails.py and web/views/colors.js name the same three colours."""
    js = (REPO / "web" / "views" / "colors.js").read_text(encoding="utf-8")
    for const in ("ORANGE", "NEUTRAL", "BLUE"):
        match = re.search(rf'export const {const} = "(#[0-9a-f]{{6}})"', js)
        assert match and match.group(1) == getattr(thumbnails, const)
    assert thumbnails.diverging(0.5) == thumbnails.NEUTRAL
    assert thumbnails.diverging(-3) == thumbnails.ORANGE


def test_embed_js_holds_the_data_sets_and_presets_as_py_mlp_makes_them():
    """The placeholder embed.js draws before Run: the data sets' own points and colours, and
    the data set of every preset (a test of the generated block, as for the docs' settings tables)."""
    embed = (REPO / "web" / "embed.js").read_text(encoding="utf-8")
    assert thumbnails.with_embed_block(embed) == embed, (
        "web/embed.js is stale: run `python -m py_mlp.app.thumbnails web/thumbs web/embed.js` and commit")
    plots = thumbnails.embed_plots()
    assert set(plots) == set(DATASETS)
    for name, plot in plots.items():
        assert sum(len(points) for points in plot.values()) == 4 * 100
        if PROBLEM_OF[name] != "regression":
            assert set(plot) == {thumbnails.ORANGE, thumbnails.BLUE}
    # Decoded as embed.js does, the points are the generator's, to the grid's step.
    X, y = make_dataset("moons", n_samples=100, seed=7)
    blue = plots["moons"][thumbnails.BLUE]
    digits = [thumbnails.DIGITS.index(blue[i]) * 64 + thumbnails.DIGITS.index(blue[i + 1]) for i in range(0, 8, 2)]
    half = EXTENT * thumbnails.MARGIN
    first = X[y == 1][0]
    assert abs(digits[0] / 4095 * 2 * half - half - first[0]) < half / 4095 + 1e-12
    assert abs(digits[1] / 4095 * 2 * half - half - first[1]) < half / 4095 + 1e-12
