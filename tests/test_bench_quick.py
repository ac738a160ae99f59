"""The benchmark's quick mode runs end to end, so tests/bench/run.py cannot rot.

It checks that every section reports finite numbers and that the run saw no problem (page
error, request off the machine, a page that ignored its configuration). It never checks
a timing against a target: those are the benchmark's to report, on a quiet machine.
"""

import json
import math
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SECTIONS = ("ready", "throughput", "stream", "idle", "memory", "first_visit", "targets", "peer")


def figures(node, path=""):
    """Every (path, stat) pair in the results: dicts holding min / median / max."""
    if isinstance(node, dict):
        if {"min", "median", "max"} <= node.keys():
            yield path, node
        for key, value in node.items():
            yield from figures(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from figures(value, f"{path}[{i}]")


def finite(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def test_quick_benchmark_reports_every_section_with_finite_numbers(runtime_ready, wheel_ready, tmp_path):
    out = tmp_path / "quick.json"
    proc = subprocess.run([sys.executable, "tests/bench/run.py", "--quick", "--json", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-4000:]}"
    result = json.loads(out.read_text())
    assert result["problems"] == []
    for section in SECTIONS:
        assert result.get(section), f"no {section} section"

    stats = list(figures(result))
    assert len(stats) >= 20
    for path, s in stats:
        assert all(finite(s[k]) for k in ("min", "median", "max")), f"{path}: {s}"
        assert s["n"] >= 1 and s["min"] <= s["median"] <= s["max"], f"{path}: {s}"

    for kind in ("cold", "warm"):
        assert finite(result["ready"][kind]["ratio"])
    for task in ("a", "b", "c"):
        assert finite(result["throughput"]["ratio"][task])
    for network in ("a", "deep"):
        stream = result["stream"][network]
        assert finite(stream["overhead"]) and finite(stream["fps"]["median"])
        assert {"loss-chart"} <= stream["views"].keys(), "the page drew no loss chart while training"
    first, last = result["memory"]["epochs"]
    for when in (str(first), str(last)):
        assert all(finite(v) and v > 0 for v in result["memory"]["bytes"][when].values())
    assert result["memory"]["bytes"][str(first)]["worker_wasm"] >= 16 * 2**20  # Pyodide's heap, not a stray module
    for key, target in result["targets"].items():
        assert finite(target["measured"]) and isinstance(target["met"], bool), key

    # First visit: both rows for the app, its worker's downloads counted, the peer beside it.
    visit = result["first_visit"]
    for kind in ("cold", "warm"):
        assert all(finite(visit["app"][kind][k]["median"]) for k in ("ready_s", "mb", "requests", "network_s"))
        assert visit["app"][kind]["by_worker"]["median"] >= 1, "no request of the worker was counted"
    assert finite(visit["app"]["cold"]["first_paint_s"]["median"])
    wasm = [f for f in visit["app"]["top_files"] if f["url"].endswith("/pyodide.asm.wasm")]
    assert wasm and wasm[0]["by"] == "worker" and wasm[0]["mb"] > 0, visit["app"]["top_files"]
    if visit["peer_folder"]:
        for kind in ("cold", "warm"):
            assert all(finite(visit["tfpg"][kind][k]["median"]) for k in ("ready_s", "mb", "requests"))
    else:
        assert not any((Path(p) / "index.html").is_file() for p in visit["peer_looked_in"]), visit["peer_looked_in"]

    for heading in ("time to ready, cold", "throughput (a)", "throughput (b)", "throughput (c)", "streaming",
                    "main thread", "memory", "quoted, not measured", "first visit over", "first visit, warm",
                    "network drawn", "biggest downloads", "the emulated link holds"):
        assert heading in proc.stdout, f"the table has no '{heading}' row"
