"""Tests for `py-mlp build DIR` (`python serve.py build DIR`, py_mlp.server.static_site):
the static site for any static host and sub-path.

Runs on CPython under pytest; no browser (tests/e2e/test_embed.py serves a build and
trains in it). One test builds the real web/ with its pinned runtime from the per-user
cache; the rest build a small fake web folder with a fake runtime and wheel in a cache of
their own (PY_MLP_CACHE), so they are fast and touch nothing outside tmp_path.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from py_mlp.server import command, files, locations, static_site
import support

REPO = Path(__file__).resolve().parents[1]

# A URL that starts at the host's root or leaves for another host breaks under a sub-path.
ROOT_RELATIVE = re.compile(
    r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?/"""   # src="/x", href=/x
    r"""|\b(?:fetch|import|Worker|PyWorker)\s*\(\s*["'`]/"""   # fetch("/x"), import("/x")
    r"""|\bfrom\s+["']/"""                                      # import ... from "/x"
    r"""|\bnew\s+URL\s*\(\s*["'`]/"""                           # new URL("/x")
    r"""|url\(\s*["']?/)""",                                    # CSS url(/x)
)
ABSOLUTE_LOAD = re.compile(r"""\b(?:src|import|from)\s*=?\s*\(?\s*["'`](?:https?:)?//""")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by relative name, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def layout_of(web: Path) -> locations.Layout:
    """WEB's layout: the runtime and the wheel in the cache PY_MLP_CACHE names."""
    return locations.Layout.default(web)


def build(dest: Path, where: Path | locations.Layout) -> tuple[dict, str]:
    """Build DEST from a layout, or from a web folder with the runtime and wheel in the cache."""
    out = io.StringIO()
    layout = where if isinstance(where, locations.Layout) else layout_of(where)
    record = static_site.build_site(dest, layout, stream=out)
    return record, out.getvalue()


# --------------------------------------------------------------------------- #
# The real app
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="module")
def real_build(tmp_path_factory, runtime_ready, wheel_ready):
    dest = tmp_path_factory.mktemp("build") / "site"
    record, output = build(dest, support.LAYOUT)
    return dest, record, output


def test_build_holds_the_app_every_pinned_file_and_the_wheel(real_build, wheel_ready):
    dest, record, output = real_build
    web = support.LAYOUT.web
    manifest = json.loads((web / locations.MANIFEST_NAME).read_text())
    for entry in manifest["files"]:
        built = dest / "runtime" / entry["name"]
        assert built.stat().st_size == entry["size"], entry["name"]
        assert sha256(built) == entry["sha256"], entry["name"]
    assert json.loads((dest / "wheels/index.json").read_text()) == wheel_ready
    assert sha256(dest / "wheels" / wheel_ready["wheel"]) == wheel_ready["sha256"]
    for name in static_site.app_files(support.LAYOUT).copied:
        assert (dest / name).read_bytes() == (web / name).read_bytes(), name
    for name in ("index.html", "app.js", "loader.js", "worker.py", "runtime-manifest.json",
                 "embed.js", "embedded.js", "embedded.css"):
        assert (dest / name).is_file(), name
    # Not the app: the benchmark's floor page and README's screenshots.
    assert not (dest / "bench").exists() and not (dest / "screenshots").exists()

    # Nothing else: no .cache, no stray runtime files, no other wheels; and gzip forms.
    originals = ({f"runtime/{e['name']}" for e in manifest["files"]}
                 | {"wheels/index.json", f"wheels/{wheel_ready['wheel']}"}
                 | set(static_site.app_files(support.LAYOUT).copied))
    packed = {name for name in tree(dest) if name.endswith(".gz")}
    assert set(tree(dest)) == originals | packed | {static_site.BUILD_RECORD}
    assert {name[:-3] for name in packed} <= originals
    for name in ("runtime/pyodide/pyodide.asm.wasm", "runtime/pyodide/pyodide.asm.js",
                 "runtime/pyodide/pyodide-lock.json", "app.js", "index.html", "worker.py"):
        assert name + ".gz" in packed, name
    for name in ("runtime/pyodide/python_stdlib.zip", f"wheels/{wheel_ready['wheel']}"):
        assert name + ".gz" not in packed, name
    # The record lists every file it wrote, with the bytes' sha256; a gzip form names its file.
    listed = {f["name"]: f for f in json.loads((dest / static_site.BUILD_RECORD).read_text())["files"]}
    assert set(listed) == originals | packed
    for name, entry in listed.items():
        assert entry["sha256"] == sha256(dest / name) and entry["size"] == (dest / name).stat().st_size
        if name in packed:
            assert entry["gzip_of"] == name[:-3]
            assert hashlib.sha256(gzip.decompress((dest / name).read_bytes())).hexdigest() == \
                listed[name[:-3]]["sha256"], name
        else:
            assert "gzip_of" not in entry
    assert re.search(r"runtime +\d+ files +[\d.]+ MB", output)
    assert re.search(r"gzip +\d+ files +[\d.]+ MB +gzip forms", output)
    assert '<script src="https://YOUR-SITE/PATH/embed.js" defer></script>' in output


def test_the_built_app_uses_relative_urls_only(real_build):
    dest, record, _ = real_build
    app = [f["name"] for f in record["files"]
           if not f["name"].startswith(("runtime/", "wheels/"))
           and f["name"].endswith((".html", ".js", ".mjs", ".css"))]
    assert "index.html" in app and "embed.js" in app
    problems = []
    for name in app:
        text = (dest / name).read_text(encoding="utf-8")
        for pattern in (ROOT_RELATIVE, ABSOLUTE_LOAD):
            problems += [f"{name}: {m.group(0)!r}" for m in pattern.finditer(text)]
    assert not problems, "URLs that break under a sub-path or leave the host:\n" + "\n".join(problems)


def test_url_checks_catch_what_they_should():
    bad = ['<script src="/app.js">', "<link href='/style.css'>", 'fetch("/wheels/index.json")',
           'import x from "/chart.js"', 'new URL("/runtime/", import.meta.url)', "url(/a.png)",
           'await import("/runtime/pyscript/core.js")']
    good = ['<script src="app.js">', 'fetch(url("wheels/index.json"))', 'new URL(".", import.meta.url)',
            'import { x } from "./chart.js"', "a / b", "// a comment", '"</div>"']
    assert all(ROOT_RELATIVE.search(text) for text in bad)
    assert not any(ROOT_RELATIVE.search(text) for text in good)
    assert ABSOLUTE_LOAD.search('<script src="https://example.invalid/x.js">')
    assert ABSOLUTE_LOAD.search('import("//example.invalid/x.js")')


def test_placeholder_download_size_matches_the_manifest():
    embed = (support.LAYOUT.web / "embed.js").read_text()
    manifest = json.loads((support.LAYOUT.web / locations.MANIFEST_NAME).read_text())
    sizes = {}
    for entry in manifest["files"]:
        sizes[entry["group"]] = sizes.get(entry["group"], 0) + entry["size"]
    core = int(re.search(r"DOWNLOAD_MB = (\d+);", embed).group(1))
    extra = int(re.search(r"ARTICLE_EXTRA_MB = (\d+);", embed).group(1))
    assert core == round(sizes["core"] / 1e6), "update DOWNLOAD_MB in web/embed.js"
    assert extra == round(sizes["sklearn"] / 1e6), "update ARTICLE_EXTRA_MB in web/embed.js"


# --------------------------------------------------------------------------- #
# A small fake web folder, its runtime and wheel in a cache of its own
# --------------------------------------------------------------------------- #

PINNED = {"pyodide/pyodide.mjs": b"export default 1;\n", "pyscript/core.js": b"export {};\n"}
WHEEL = "py_mlp-0.0.1-py3-none-any.whl"


def put(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture
def fake_web(tmp_path, monkeypatch) -> Path:
    """A web folder; its runtime and wheel are in tmp_path/cache, which PY_MLP_CACHE names."""
    monkeypatch.setenv(locations.ENV_CACHE, str(tmp_path / "cache"))
    root = tmp_path / "web"
    files = {
        "index.html": b'<!doctype html><script type="module" src="app.js"></script>',
        "app.js": b'import "./views/chart.js";\n',
        "views/chart.js": b"export const chart = 1;\n",
        "thumbs/circles.svg": b"<svg/>",
        "embed.js": b"(() => {})();\n",
        "worker.py": b"__export__ = []\n",
        "style.css": b"body{}",
        "notes.bak": b"an editor's backup",
        ".hidden": b"dot-file",
        ".idea/workspace.xml": b"ide",
        "__pycache__/worker.cpython-311.pyc": b"pyc",
        # What a checkout set up by an older py_mlp holds: the build takes neither.
        "runtime/pyodide/pyodide.mjs": b"an older runtime beside the web files",
        "wheels/index.json": b'{"wheel": "py_mlp-0.0.0-py3-none-any.whl"}',
    }
    for name, data in files.items():
        put(root / name, data)
    manifest = {"pyodide_version": "0.0.1",
                "files": [{"name": name, "group": "core", "size": len(data),
                           "sha256": hashlib.sha256(data).hexdigest()}
                          for name, data in PINNED.items()]}
    (root / locations.MANIFEST_NAME).write_text(json.dumps(manifest))
    layout = layout_of(root)
    assert layout.runtime.is_relative_to(tmp_path / "cache") and layout.wheels.is_relative_to(tmp_path / "cache")
    cached = {**{f"{layout.runtime}/{name}": data for name, data in PINNED.items()},
              f"{layout.runtime}/.cache/npm-pyodide.tgz": b"cache",
              f"{layout.runtime}/pyodide/unpinned.whl": b"not in the manifest",
              f"{layout.wheels}/py_mlp-0.0.0-py3-none-any.whl": b"an older wheel",
              f"{layout.wheels}/{WHEEL}": b"PK wheel bytes"}
    for name, data in cached.items():
        put(Path(name), data)
    index = {"wheel": WHEEL, "sha256": hashlib.sha256(b"PK wheel bytes").hexdigest(), "source_hash": "x"}
    (layout.wheels / "index.json").write_text(json.dumps(index))
    return root


FAKE_SITE = {"index.html", "app.js", "views/chart.js", "thumbs/circles.svg", "embed.js",
             "worker.py", "style.css", locations.MANIFEST_NAME, "runtime/pyodide/pyodide.mjs",
             "runtime/pyscript/core.js", "wheels/index.json", f"wheels/{WHEEL}", static_site.BUILD_RECORD}


def test_build_copies_app_files_and_pinned_files_only(fake_web, tmp_path):
    record, output = build(tmp_path / "site", fake_web)
    site = tree(tmp_path / "site")
    assert set(site) == FAKE_SITE
    # The runtime and the wheel come from the cache, never from web/ (an older setup's copies).
    for name, data in PINNED.items():
        assert site[f"runtime/{name}"] == data, name
    assert site["wheels/index.json"] == (layout_of(fake_web).wheels / "index.json").read_bytes()
    assert "left out (not an app file type): notes.bak" in output
    assert "13 files" in output
    assert {f["name"] for f in record["files"]} == FAKE_SITE - {static_site.BUILD_RECORD}


def test_build_is_deterministic_and_a_rebuild_writes_only_changes(fake_web, tmp_path):
    build(tmp_path / "a", fake_web)
    build(tmp_path / "b", fake_web)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")

    _, output = build(tmp_path / "a", fake_web)  # a rebuild over a previous build
    assert "(0 written, 12 unchanged, 0 removed)" in output
    (fake_web / "app.js").write_bytes(b"export const changed = 2;\n")
    (fake_web / "views/chart.js").unlink()
    (tmp_path / "a" / "CNAME").write_text("docs.example.invalid\n")  # the author's own file
    _, output = build(tmp_path / "a", fake_web)
    assert "(1 written, 10 unchanged, 1 removed)" in output
    site = tree(tmp_path / "a")
    assert site["app.js"] == b"export const changed = 2;\n"
    assert "views/chart.js" not in site and not (tmp_path / "a" / "views").exists()
    assert site["CNAME"] == b"docs.example.invalid\n"


def test_build_writes_gzip_forms_beside_files_that_shrink(fake_web, tmp_path):
    heavy = b"export const table = [" + b"0.125, " * 3000 + b"];\n"
    (fake_web / "views" / "heavy.js").write_bytes(heavy)
    record, output = build(tmp_path / "site", fake_web)
    site = tree(tmp_path / "site")
    assert set(site) == FAKE_SITE | {"views/heavy.js", "views/heavy.js.gz"}  # small files: none
    assert gzip.decompress(site["views/heavy.js.gz"]) == heavy
    assert {"name": "views/heavy.js.gz", "size": len(site["views/heavy.js.gz"]),
            "sha256": hashlib.sha256(site["views/heavy.js.gz"]).hexdigest(),
            "gzip_of": "views/heavy.js"} in record["files"]
    assert re.search(r"gzip +1 files", output)

    assert "(0 written, 14 unchanged, 0 removed)" in build(tmp_path / "site", fake_web)[1]
    (fake_web / "views" / "heavy.js").write_bytes(heavy.replace(b"0.125", b"0.250"))
    assert "(2 written, 12 unchanged, 0 removed)" in build(tmp_path / "site", fake_web)[1]
    (fake_web / "views" / "heavy.js").unlink()
    assert "(0 written, 12 unchanged, 2 removed)" in build(tmp_path / "site", fake_web)[1]
    assert set(tree(tmp_path / "site")) == FAKE_SITE


def test_build_takes_setups_gzip_form_only_when_it_holds_the_file(fake_web, tmp_path):
    pinned = b"export const core = [" + b"1, " * 3000 + b"];\n"
    core = layout_of(fake_web).runtime / "pyscript" / "core.js"
    core.write_bytes(pinned)
    manifest = json.loads((fake_web / locations.MANIFEST_NAME).read_text())
    manifest["files"][1].update(size=len(pinned), sha256=hashlib.sha256(pinned).hexdigest())
    (fake_web / locations.MANIFEST_NAME).write_text(json.dumps(manifest))
    sibling = core.with_name("core.js.gz")
    sibling.write_bytes(gzip.compress(pinned, compresslevel=1, mtime=7))  # not what the build makes
    build(tmp_path / "a", fake_web)
    assert (tmp_path / "a" / "runtime/pyscript/core.js.gz").read_bytes() == sibling.read_bytes()

    sibling.write_bytes(gzip.compress(b"something else"))  # stale: the build compresses itself
    build(tmp_path / "b", fake_web)
    assert gzip.decompress((tmp_path / "b" / "runtime/pyscript/core.js.gz").read_bytes()) == pinned


def test_build_refuses_folders_it_would_harm(fake_web, tmp_path):
    layout = layout_of(fake_web)
    for dest, words in [
        (fake_web, "inside"),
        (fake_web / "dist", "inside"),
        (layout.runtime, "inside"),
        (layout.runtime / "x", "inside"),
        (layout.wheels / "x", "inside"),
        (tmp_path, "contains"),
        (tmp_path / "cache", "contains"),
    ]:
        with pytest.raises(files.SetupError, match=words):
            build(dest, fake_web)

    someone = tmp_path / "docs"
    someone.mkdir()
    (someone / "index.md").write_text("my notes")
    with pytest.raises(files.SetupError, match="not empty and is not a previous py_mlp build"):
        build(someone, fake_web)
    assert tree(someone) == {"index.md": b"my notes"}

    (tmp_path / "a-file").write_text("x")
    with pytest.raises(files.SetupError, match="is a file"):
        build(tmp_path / "a-file", fake_web)

    empty = tmp_path / "empty"
    empty.mkdir()
    build(empty, fake_web)  # an empty folder is fine
    assert static_site.BUILD_RECORD in tree(empty)


def test_build_checks_every_pinned_file_before_writing(fake_web, tmp_path):
    core = layout_of(fake_web).runtime / "pyscript/core.js"
    core.write_bytes(b"tampered")
    with pytest.raises(files.IntegrityError, match="pyscript/core.js.*py-mlp setup"):
        build(tmp_path / "site", fake_web)
    assert not (tmp_path / "site").exists()

    core.unlink()
    with pytest.raises(files.SetupError, match="core.js is missing.*py-mlp setup"):
        build(tmp_path / "site", fake_web)


def test_build_without_the_wheels_index_says_to_run_setup(fake_web, tmp_path):
    (layout_of(fake_web).wheels / "index.json").unlink()
    with pytest.raises(files.SetupError, match="index.json.*Run `py-mlp setup`"):
        build(tmp_path / "site", fake_web)
    assert not (tmp_path / "site").exists()


def test_a_build_that_failed_half_way_can_be_rerun(fake_web, tmp_path, monkeypatch):
    real_copy = static_site._copy_file
    calls = []

    def failing_copy(src, dest, digest):
        calls.append(src)
        if len(calls) == 3:
            raise OSError("disk full")
        return real_copy(src, dest, digest)

    monkeypatch.setattr(static_site, "_copy_file", failing_copy)
    with pytest.raises(files.SetupError, match="disk full"):
        build(tmp_path / "site", fake_web)
    monkeypatch.setattr(static_site, "_copy_file", real_copy)
    build(tmp_path / "site", fake_web)  # not refused as "someone's folder"
    assert set(tree(tmp_path / "site")) == FAKE_SITE


def test_build_leaves_out_what_the_server_would_not_serve(fake_web, tmp_path, serving):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"SECRET")
    (outside / "lib.js").write_bytes(b"export const lib = 1;\n")
    (fake_web / "leak.txt").symlink_to(outside / "secret.txt")
    (fake_web / "views" / "lib.js").symlink_to(outside / "lib.js")
    (fake_web / "linked").symlink_to(outside, target_is_directory=True)
    (fake_web / "alias.js").symlink_to(fake_web / "app.js")  # inside web/: served, so built
    _, output = build(tmp_path / "site", fake_web)
    site = tree(tmp_path / "site")
    assert set(site) == FAKE_SITE | {"alias.js"}
    assert site["alias.js"] == (fake_web / "app.js").read_bytes()
    assert "left out (a link to outside web/, which the server refuses): leak.txt, views/lib.js" in output
    with serving(layout_of(fake_web)) as url:  # the server's own rule, for the same names
        for name, status in [("leak.txt", 404), ("views/lib.js", 404), ("linked/lib.js", 404),
                             ("alias.js", 200)]:
            try:
                got = urllib.request.urlopen(url + name, timeout=10).status
            except urllib.error.HTTPError as e:
                got = e.code
            assert got == status, name


def test_build_refuses_a_pinned_file_the_server_would_not_serve(fake_web, tmp_path):
    core = layout_of(fake_web).runtime / "pyscript" / "core.js"
    elsewhere = tmp_path / "elsewhere" / "core.js"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(core.read_bytes())  # the pinned bytes, but outside the runtime folder
    core.unlink()
    core.symlink_to(elsewhere)
    with pytest.raises(files.SetupError, match=f"^{re.escape(str(core))} is a link to outside"):
        build(tmp_path / "site", fake_web)
    assert not (tmp_path / "site").exists()


def test_a_folder_that_cannot_be_written_is_a_clear_error(fake_web, tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(files.SetupError) as exc:
        build(tmp_path / "a-file" / "site", fake_web)
    assert f"cannot write the static site into {tmp_path / 'a-file' / 'site'}" in str(exc.value)
    assert "Not a directory" in str(exc.value) and "Pick a folder you can write to" in str(exc.value)

    def read_only(*args, dir=None, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), dir)

    (tmp_path / "mounted").mkdir()
    monkeypatch.setattr(files.tempfile, "mkstemp", read_only)
    with pytest.raises(files.SetupError, match=f"into {tmp_path / 'mounted'}: .*Read-only file system"):
        build(tmp_path / "mounted", fake_web)


def test_staged_replaces_a_hard_link_and_keeps_the_old_file_on_failure(tmp_path):
    original = tmp_path / "web" / "app.js"
    original.parent.mkdir()
    original.write_bytes(b"old")
    linked = tmp_path / "app.js"
    os.link(original, linked)  # as the tests' linked copies of web/ are
    with files.staged(linked) as out:
        out.write(b"new")
    assert (linked.read_bytes(), original.read_bytes()) == (b"new", b"old")
    assert linked.stat().st_mode & 0o777 == 0o644
    with pytest.raises(RuntimeError, match="stop"):
        with files.staged(linked) as out:
            out.write(b"half")
            raise RuntimeError("stop")
    assert linked.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.js", "web"]  # no temp file left


# --------------------------------------------------------------------------- #
# Command line
# --------------------------------------------------------------------------- #


def run_cli(*args):
    return subprocess.run([sys.executable, "serve.py", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_cli_builds_and_explains_refusals(fake_web, tmp_path):
    done = run_cli("--root", str(fake_web), "--no-setup", "--build", str(tmp_path / "site"))
    assert done.returncode == 0, done.stderr
    assert "build: 13 files" in done.stdout and "embed.js" in done.stdout

    done = run_cli("--root", str(fake_web), "--no-setup", "--build", str(fake_web / "dist"))
    assert done.returncode == 1
    assert "inside" in done.stderr and "Pick a folder outside it" in done.stderr

    (tmp_path / "a-file").write_text("x")
    done = run_cli("--root", str(fake_web), "--no-setup", "--build", str(tmp_path / "a-file" / "site"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "cannot write the static site" in done.stderr

    done = run_cli("--setup-only", "--build", str(tmp_path / "x"))
    assert done.returncode == 2 and "drop --setup-only" in done.stderr


def test_the_build_command_and_its_older_spelling_write_the_same_site(fake_web, tmp_path, capsys):
    from py_mlp import cli

    assert command.main(["build", str(tmp_path / "new"), "--root", str(fake_web), "--no-setup"]) == 0
    assert command.main(["--root", str(fake_web), "--no-setup", "--build", str(tmp_path / "old")]) == 0
    # `py-mlp build DIR`, the installed command, runs the same code.
    assert cli.main(["build", str(tmp_path / "installed"), "--root", str(fake_web), "--no-setup"]) == 0
    assert capsys.readouterr().out.count("build: 13 files") == 3
    assert tree(tmp_path / "new") == tree(tmp_path / "old") == tree(tmp_path / "installed")
