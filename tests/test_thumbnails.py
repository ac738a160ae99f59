"""Data set thumbnails: the committed web/thumbs/*.svg are current, parse, and show every point."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from py_mlp.app import thumbnails
from py_mlp.data.datasets import DATASETS

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
