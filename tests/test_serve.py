"""Tests for the app's HTTP server (py_mlp.server.http_server) and its command line
(py_mlp.server.command, run as `python serve.py` and `py-mlp`): MIME types, cache
headers, path safety, the runtime and wheels served from their own folders, CLI.

Runs on CPython under pytest; no browser. In-process servers come from
the `serving` fixture; CLI tests start `python serve.py --no-setup --port 0` as a
subprocess and wait on its output, never on sleeps.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from py_mlp.server import command, http_server
from py_mlp.server.locations import Layout
import support

SECRET = b"SECRET-outside-the-web-root-7f3a"
LIB_JS = b"export const table = [" + b"0.25, " * 5000 + b"];\n"  # 30 kB, gzips well
ASM_JS = b"var Module = {};" + b"function f(x) { return x + 1; }\n" * 2000
BIG_TXT = b"a line of text that repeats\n" * 40_000  # 1.1 MB: too big to gzip per request


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture(scope="module")
def site(tmp_path_factory, serving):
    """A web root at tmp/web with app and runtime files; secrets beside it, outside."""
    tmp_path = tmp_path_factory.mktemp("site")
    root = tmp_path / "web"
    _write(tmp_path / "serve.py", SECRET)  # what '/../serve.py' would reach
    _write(tmp_path / "outside" / "secret.txt", SECRET)
    files = {
        "index.html": b"<!doctype html><title>app</title>",
        "app.js": b"export const x = 1;\n",
        "worker.py": b"__export__ = []\n",
        "style.css": b"body{}",
        "runtime-manifest.json": b'{"files": []}',
        "runtime/pyodide/pyodide.asm.wasm": b"\0asm\x01\0\0\0",
        "runtime/pyodide/pyodide.mjs": b"export default 1;\n",
        "runtime/pyodide/numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl": b"PK\x05\x06" + bytes(18),
        "runtime/pyodide/openblas-0.3.26.zip": b"PK\x05\x06" + bytes(18),
        "runtime/pyodide/pyodide-lock.json": b'{"packages": {}}',
        "wheels/py_mlp-0.1.0-py3-none-any.whl": b"PK\x05\x06" + bytes(18),
        "wheels/index.json": b'{"wheel": "py_mlp-0.1.0-py3-none-any.whl"}',
        "emptydir/notes.txt": b"not listed",
        "sub/index.html": b"<p>sub index</p>",
        ".hidden": b"dotfile",
        "lib.js": LIB_JS,
        "big.txt": BIG_TXT,
        "runtime/pyodide/pyodide.asm.js": ASM_JS,
        "runtime/pyscript/stale.js": ASM_JS,
    }
    for name, data in files.items():
        _write(root / name, data)
    (root / "leak.txt").symlink_to(tmp_path / "outside" / "secret.txt")
    (root / "leakdir").symlink_to(tmp_path / "outside", target_is_directory=True)
    (root / "inner.js").symlink_to(root / "app.js")  # inside the root: allowed
    # Gzip forms beside runtime files, as setup writes them (same mtime) and a stale one.
    # Level 1 and a timestamp make them differ from what the server would compress itself.
    for name, mtime_offset in [("runtime/pyodide/pyodide.asm.js", 0), ("runtime/pyscript/stale.js", 10**9)]:
        sibling = root / (name + ".gz")
        sibling.write_bytes(gzip.compress(b"stale" if mtime_offset else files[name], compresslevel=1, mtime=1))
        mtime = (root / name).stat().st_mtime_ns + mtime_offset
        os.utime(sibling, ns=(mtime, mtime))
    with serving(root) as url:
        yield url, root, files


def fetch(base_url: str, path: str, method: str = "GET", headers=None):
    """Send `path` verbatim (no client-side normalisation); return (status, headers, body)."""
    parts = urllib.parse.urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for key, value in (headers or {}).items():
            conn.putheader(key, value)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


# ----------------------------------------------------------------- content ---


def test_ordinary_file_returns_200_and_its_bytes(site):
    url, _, files = site
    status, headers, body = fetch(url, "/app.js")
    assert status == 200
    assert body == files["app.js"]
    assert headers["Content-Length"] == str(len(files["app.js"]))


def test_head_sends_headers_without_body(site):
    url, _, files = site
    status, headers, body = fetch(url, "/runtime/pyodide/pyodide.asm.wasm", method="HEAD")
    assert status == 200
    assert body == b""
    assert headers["Content-Length"] == str(len(files["runtime/pyodide/pyodide.asm.wasm"]))
    assert headers["Content-Type"] == "application/wasm"


def test_query_string_is_ignored(site):
    url, _, files = site
    status, _, body = fetch(url, "/app.js?v=3#frag")
    assert (status, body) == (200, files["app.js"])


@pytest.mark.parametrize(
    "path, mime",
    [
        ("/runtime/pyodide/pyodide.asm.wasm", "application/wasm"),
        ("/runtime/pyodide/pyodide.mjs", "text/javascript"),
        ("/app.js", "text/javascript"),
        ("/runtime/pyodide/numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl", "application/zip"),
        ("/wheels/py_mlp-0.1.0-py3-none-any.whl", "application/zip"),
        ("/runtime/pyodide/openblas-0.3.26.zip", "application/zip"),
        ("/runtime/pyodide/pyodide-lock.json", "application/json"),
        ("/wheels/index.json", "application/json"),
        ("/worker.py", "text/x-python"),
        ("/style.css", "text/css"),
        ("/index.html", "text/html; charset=utf-8"),
    ],
)
def test_mime_types(site, path, mime):
    url, _, _ = site
    status, headers, _ = fetch(url, path)
    assert status == 200
    assert headers["Content-Type"] == mime
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/runtime/pyodide/pyodide.asm.wasm",
        "/runtime/pyodide/pyodide-lock.json",
        "/runtime/pyodide/numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl",
    ],
)
def test_runtime_files_are_cached_for_a_year_as_immutable(site, path):
    url, _, _ = site
    _, headers, _ = fetch(url, path)
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "path",
    ["/", "/index.html", "/app.js", "/worker.py", "/runtime-manifest.json",
     "/wheels/index.json", "/wheels/py_mlp-0.1.0-py3-none-any.whl"],
)
def test_app_files_and_wheels_must_revalidate(site, path):
    url, _, _ = site
    status, headers, _ = fetch(url, path)
    assert status == 200
    assert headers["Cache-Control"] == "no-cache"


def test_if_modified_since_gives_304(site):
    url, _, _ = site
    _, headers, _ = fetch(url, "/app.js")
    status, headers2, body = fetch(url, "/app.js", headers={"If-Modified-Since": headers["Last-Modified"]})
    assert (status, body) == (304, b"")
    assert headers2["Cache-Control"] == "no-cache"


# ------------------------------------------------------------- directories ---


def test_directory_without_index_is_404_not_a_listing(site):
    url, _, _ = site
    status, _, body = fetch(url, "/emptydir/")
    assert status == 404
    assert b"notes.txt" not in body


def test_root_and_subdirectory_serve_their_index(site):
    url, _, files = site
    assert fetch(url, "/")[::2] == (200, files["index.html"])
    assert fetch(url, "/sub/")[::2] == (200, files["sub/index.html"])


def test_directory_without_slash_redirects_relatively(site):
    url, _, _ = site
    status, headers, _ = fetch(url, "/sub")
    assert status == 301
    assert headers["Location"] == "sub/"


def test_missing_file_gets_a_friendly_404_page(site):
    url, _, _ = site
    status, headers, body = fetch(url, "/nope.js")
    assert status == 404
    assert headers["Content-Type"].startswith("text/html")
    assert b"py_mlp" in body and b'href="/"' in body


# -------------------------------------------------------------- path safety ---

TRAVERSALS = [
    "/../serve.py",
    "/%2e%2e/serve.py",
    "/%2E%2E/serve.py",
    "/%2e%2e%2fserve.py",
    "/..%2fserve.py",
    "/..%2Fserve.py",
    "/runtime/../../serve.py",
    "/runtime/%2e%2e/%2e%2e/serve.py",
    "/runtime/..%2f..%2fserve.py",
    "/..\\serve.py",
    "/..%5cserve.py",
    "/%5c..%5cserve.py",
    "/runtime\\..\\..\\serve.py",
    "/.%2e/serve.py",
    "/%2e%2e%2f%2e%2e%2foutside%2fsecret.txt",
    "/../outside/secret.txt",
    "/leak.txt",
    "/leakdir/secret.txt",
    "/leakdir/",
    "/leakdir",
    "/serve.py%00.js",
    "/%ff%fe/../serve.py",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_paths_leaving_the_root_never_return_the_file(site, path):
    url, _, _ = site
    status, _, body = fetch(url, path)
    assert status in (403, 404)
    assert SECRET not in body


def test_absolute_path_of_a_real_file_is_not_served(site):
    url, root, _ = site
    secret = (root.parent / "outside" / "secret.txt").as_posix()
    for path in ("/" + secret, "/" + secret.lstrip("/"), "//" + secret.lstrip("/"),
                 "/" + urllib.parse.quote(secret, safe="")):
        status, _, body = fetch(url, path)
        assert status == 404 and SECRET not in body, path


def test_double_slash_does_not_reach_the_filesystem_root(site):
    url, _, _ = site
    status, _, body = fetch(url, "//etc/passwd")
    assert status == 404
    assert b"root:" not in body


def test_dotfiles_are_hidden(site):
    url, _, _ = site
    assert fetch(url, "/.hidden")[0] == 404


def test_symlink_inside_the_root_is_served(site):
    url, _, files = site
    assert fetch(url, "/inner.js")[::2] == (200, files["app.js"])


@pytest.mark.parametrize("path", ["/a/../b", "/%2e%2e", "/x%2fy", "/a\\b", "/.git/config"])
def test_resolve_url_path_rejects_unsafe_segments(tmp_path, path):
    root = os.path.realpath(tmp_path)
    assert http_server.resolve_url_path(root, path) is None


def test_resolve_url_path_maps_inside_the_root(tmp_path):
    root = os.path.realpath(tmp_path)
    assert http_server.resolve_url_path(root, "/a%20b/c.js?x=1") == os.path.join(root, "a b", "c.js")
    assert http_server.resolve_url_path(root, "/") == root


# ------------------------------------------- runtime and wheels in the cache ---


@pytest.fixture(scope="module")
def split_site(tmp_path_factory, serving):
    """The app as `py-mlp serve` lays it out: web files in one folder, the runtime and the
    wheel in the cache's folders, served at runtime/ and wheels/."""
    tmp_path = tmp_path_factory.mktemp("split")
    layout = Layout(tmp_path / "web", tmp_path / "cache" / "runtime" / "pyodide-1", tmp_path / "cache" / "wheels" / "ab")
    _write(layout.web / "index.html", b"<p>app</p>")
    _write(layout.web / "runtime" / "pyodide" / "pyodide.mjs", b"an older setup's copy")
    _write(layout.web / "wheels" / "index.json", b"an older setup's copy")
    _write(layout.runtime / "pyodide" / "pyodide.mjs", b"export default 1;\n")
    _write(layout.runtime / "pyodide" / "pyodide.asm.js", ASM_JS)
    _write(layout.wheels / "index.json", b'{"wheel": "py_mlp-0.1.0-py3-none-any.whl"}')
    _write(tmp_path / "cache" / "runtime" / "secret.txt", SECRET)  # beside the mount, not in it
    sibling = layout.runtime / "pyodide" / "pyodide.asm.js.gz"
    sibling.write_bytes(gzip.compress(ASM_JS, compresslevel=1, mtime=1))
    mtime = (layout.runtime / "pyodide" / "pyodide.asm.js").stat().st_mtime_ns
    os.utime(sibling, ns=(mtime, mtime))
    (layout.runtime / "leak.txt").symlink_to(tmp_path / "cache" / "runtime" / "secret.txt")
    (layout.runtime / "web-link.html").symlink_to(layout.web / "index.html")  # out of the mount
    with serving(layout) as url:
        yield url, layout


def test_runtime_and_wheels_are_served_from_the_layouts_folders(split_site):
    url, layout = split_site
    status, headers, body = fetch(url, "/runtime/pyodide/pyodide.mjs")
    assert (status, body) == (200, b"export default 1;\n")  # the cache's, not web/runtime's
    assert headers["Cache-Control"] == http_server.IMMUTABLE
    status, headers, body = fetch(url, "/wheels/index.json")
    assert (status, body) == (200, (layout.wheels / "index.json").read_bytes())
    assert headers["Cache-Control"] == "no-cache"
    _, headers, body = fetch(url, "/runtime/pyodide/pyodide.asm.js", headers=GZIP)
    assert headers["Content-Encoding"] == "gzip"  # setup's gzip form, beside the file in the cache
    assert body == (layout.runtime / "pyodide" / "pyodide.asm.js.gz").read_bytes()
    assert fetch(url, "/")[::2] == (200, b"<p>app</p>")
    assert fetch(url, "/runtime/")[0] == 404  # no listing of the mount either


@pytest.mark.parametrize("path", ["/runtime/../runtime/secret.txt", "/runtime/%2e%2e/secret.txt",
                                  "/runtime/leak.txt", "/runtime/web-link.html", "/runtime/..%2fsecret.txt"])
def test_nothing_outside_a_mounted_folder_is_served_through_it(split_site, path):
    url, _ = split_site
    status, _, body = fetch(url, path)
    assert status == 404 and SECRET not in body and b"<p>app</p>" not in body


def test_resolve_url_path_maps_a_mounted_prefix_to_its_folder(tmp_path):
    root, cache = os.path.realpath(tmp_path / "web"), os.path.realpath(tmp_path / "cache")
    mounts = {"runtime": cache}
    assert http_server.resolve_url_path(root, "/runtime/pyodide/a.js", mounts) == os.path.join(cache, "pyodide", "a.js")
    assert http_server.resolve_url_path(root, "/runtime", mounts) == cache
    assert http_server.resolve_url_path(root, "/runtimes/a.js", mounts) == os.path.join(root, "runtimes", "a.js")
    assert http_server.resolve_url_path(root, "/x/runtime/a.js", mounts) == os.path.join(root, "x", "runtime", "a.js")
    assert http_server.resolve_url_path(root, "/runtime/a.js") == os.path.join(root, "runtime", "a.js")


# --------------------------------------------------------------------- CLI ---


def serve_process(*args: str) -> support.Spawned:
    """`python serve.py ARGS` from another folder: any cwd works, paths are relative to serve.py."""
    return support.serve_py(*args, cwd="/")


@pytest.fixture
def cli_site(tmp_path, monkeypatch):
    """A web folder, and a runtime file in a cache of its own (PY_MLP_CACHE)."""
    root = tmp_path / "web"
    _write(root / "index.html", b"<p>cli</p>")
    monkeypatch.setenv("PY_MLP_CACHE", str(tmp_path / "cache"))
    _write(Layout.default(root).runtime / "pyodide" / "pyodide.asm.wasm", b"\0asm\x01\0\0\0")
    return root


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cli_prints_url_for_port_0_serves_and_stops_cleanly(cli_site, sig):
    proc = serve_process("--no-setup", "--port", "0", "--root", str(cli_site), "--quiet")
    try:
        url = proc.wait_for_stdout(r"^Serving py_mlp at (\S+)$").group(1)
        parts = urllib.parse.urlsplit(url)
        assert parts.scheme == "http" and parts.hostname == "127.0.0.1" and parts.port > 0
        assert url.endswith("/")
        status, headers, body = fetch(url, "/runtime/pyodide/pyodide.asm.wasm")
        assert (status, headers["Content-Type"], body) == (200, "application/wasm", b"\0asm\x01\0\0\0")
        assert proc.stop(sig) == 0
    finally:
        proc.kill()
    stderr = proc.stderr()
    assert "Traceback" not in stderr
    assert "Stopped." in stderr


@pytest.mark.parametrize("command", [[], ["serve"]])  # serve is the default command
def test_cli_access_log_is_concise(cli_site, command):
    proc = serve_process(*command, "--no-setup", "--port", "0", "--root", str(cli_site))
    try:
        url = proc.wait_for_stdout(r"^Serving py_mlp at (\S+)$").group(1)
        assert fetch(url, "/index.html")[0] == 200
        assert fetch(url, "/missing")[0] == 404
        assert proc.stop(signal.SIGINT) == 0
    finally:
        proc.kill()
    log = [line for line in proc.stderr().splitlines() if "GET" in line]
    assert [line.split(" ", 1)[1].strip() for line in log] == ["GET /index.html 200", "GET /missing 404"]


def test_cli_busy_port_is_a_clear_error(cli_site, serving):
    with serving(cli_site) as url:
        port = str(urllib.parse.urlsplit(url).port)
        proc = serve_process("--no-setup", "--port", port, "--root", str(cli_site))
        try:
            assert proc.wait(timeout=20) == 1
        finally:
            proc.kill()
    stderr = proc.stderr()
    assert f"cannot listen on 127.0.0.1:{port}" in stderr and "--port 0" in stderr
    assert "Traceback" not in stderr


def test_the_server_side_imports_without_numpy():
    """`python serve.py` runs on a fresh Python before anything is installed: the server
    side needs the standard library only, and importing it must not pull in numpy."""
    script = ("import sys, pkgutil, importlib; sys.path.insert(0, sys.argv[1]); "
              "import py_mlp.server.command, py_mlp.server as s; "
              "[importlib.import_module('py_mlp.server.' + m.name) for m in pkgutil.iter_modules(s.__path__)]; "
              "print(sorted(n for n in sys.modules if n == 'numpy' or n.startswith('numpy.')), "
              "py_mlp.server.command.__file__)")
    done = subprocess.run([sys.executable, "-c", script, str(support.REPO)], cwd="/",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", str(support.REPO / "py_mlp" / "server" / "command.py")]


def test_setup_only_and_no_setup_are_exclusive(capsys):
    with pytest.raises(SystemExit) as exc:
        command.main(["--setup-only", "--no-setup"])
    assert exc.value.code == 2


@pytest.mark.parametrize("argv, says", [
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["setup", "--port", "0"], "unrecognized arguments: --port 0"),
    (["build"], "required: DIR"),
    (["--build"], "--build needs a folder"),
    (["serve", "--port"], "--port: expected one argument"),
])
@pytest.mark.parametrize("prog", ["python serve.py", "py-mlp"])  # the checkout's, the installed one
def test_a_bad_command_or_option_is_a_usage_error(argv, says, prog, capsys):
    with pytest.raises(SystemExit) as exc:
        command.main(argv, prog=prog)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: {prog} ") and says in err


# ------------------------------------------------------------- compression ---


@pytest.mark.parametrize("accept, gzipped", [
    ("gzip", True),
    ("gzip, deflate, br, zstd", True),
    ("GZIP;q=0.5", True),
    ("x-gzip", True),
    ("*", True),
    ("br;q=1, gzip;q=0.1", True),
    ("gzip;q=0", False),
    ("gzip; q=0.000, *", False),
    ("*;q=0", False),
    ("br", False),
    ("identity", False),
    (None, False),
])
def test_gzip_is_sent_when_accepted_and_only_then(site, accept, gzipped):
    url, _, _ = site
    status, headers, body = fetch(url, "/lib.js", headers={"Accept-Encoding": accept} if accept else {})
    assert status == 200
    assert headers["Vary"] == "Accept-Encoding"
    assert headers["Content-Length"] == str(len(body))
    assert headers["Content-Type"] == "text/javascript"
    if gzipped:
        assert headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(body) == LIB_JS and len(body) < len(LIB_JS) / 10
    else:
        assert "Content-Encoding" not in headers and body == LIB_JS


GZIP = {"Accept-Encoding": "gzip"}


def test_a_runtime_file_is_sent_from_its_current_gzip_sibling_only(site):
    url, root, _ = site
    _, headers, body = fetch(url, "/runtime/pyodide/pyodide.asm.js", headers=GZIP)
    assert headers["Content-Encoding"] == "gzip"
    assert body == (root / "runtime/pyodide/pyodide.asm.js.gz").read_bytes()  # the file, as it is
    assert headers["Cache-Control"] == http_server.IMMUTABLE
    _, headers, body = fetch(url, "/runtime/pyscript/stale.js", headers=GZIP)  # sibling's mtime differs
    assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == ASM_JS


def test_a_large_file_without_a_sibling_is_sent_as_it_is(site):
    url, _, _ = site
    status, headers, body = fetch(url, "/big.txt", headers=GZIP)
    assert (status, body) == (200, BIG_TXT)
    assert "Content-Encoding" not in headers and "Vary" not in headers


def test_small_and_incompressible_files_are_sent_as_they_are(site):
    url, _, files = site
    for path in ("/app.js", "/runtime/pyodide/numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"):
        _, headers, body = fetch(url, path, headers=GZIP)
        assert "Content-Encoding" not in headers and "Vary" not in headers, path
        assert body == files[path[1:]]


def test_head_with_gzip_gives_the_gzip_length(site):
    url, _, _ = site
    _, full, body = fetch(url, "/lib.js", headers=GZIP)
    status, headers, empty = fetch(url, "/lib.js", method="HEAD", headers=GZIP)
    assert (status, empty) == (200, b"")
    assert headers["Content-Length"] == str(len(body)) and headers["Content-Encoding"] == "gzip"


def test_a_gzip_file_asked_for_by_name_is_sent_as_a_file(site):
    url, root, _ = site
    _, headers, body = fetch(url, "/runtime/pyodide/pyodide.asm.js.gz", headers=GZIP)
    assert headers["Content-Type"] == "application/gzip" and "Content-Encoding" not in headers
    assert body == (root / "runtime/pyodide/pyodide.asm.js.gz").read_bytes()


def test_etags_differ_by_encoding_and_each_revalidates_only_itself(site):
    url, _, _ = site
    plain = fetch(url, "/lib.js")[1]["ETag"]
    packed = fetch(url, "/lib.js", headers=GZIP)[1]["ETag"]
    assert plain != packed and plain.startswith('"') and packed.startswith('"')

    status, headers, body = fetch(url, "/lib.js", headers={**GZIP, "If-None-Match": packed})
    assert (status, body) == (304, b"")
    assert headers["ETag"] == packed and headers["Vary"] == "Accept-Encoding"
    assert headers["Cache-Control"] == "no-cache"
    assert fetch(url, "/lib.js", headers={"If-None-Match": plain})[0] == 304
    assert fetch(url, "/lib.js", headers={"If-None-Match": f'"x", W/{plain}'})[0] == 304
    assert fetch(url, "/lib.js", headers={"If-None-Match": "*"})[0] == 304
    # A tag of the other form does not validate this one.
    status, headers, body = fetch(url, "/lib.js", headers={**GZIP, "If-None-Match": plain})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert fetch(url, "/lib.js", headers={"If-None-Match": packed})[0] == 200
    # If-None-Match wins over If-Modified-Since; without it, the date still works.
    last_modified = fetch(url, "/lib.js")[1]["Last-Modified"]
    assert fetch(url, "/lib.js", headers={"If-None-Match": packed, "If-Modified-Since": last_modified})[0] == 200
    assert fetch(url, "/lib.js", headers={**GZIP, "If-Modified-Since": last_modified})[0] == 304


# ------------------------------------------------------- edges and abuse ---


@contextlib.contextmanager
def own_server(root: Path, **options):
    """A server of our own (not quiet unless asked), for tests that read its log: its address."""
    layout = Layout.one_folder(root)
    with support.in_thread(http_server.make_server(layout, port=0, **{"quiet": False, **options})) as server:
        yield server.server_address[:2]


def exchange(address, data: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes, close our sending side, and return everything the server sends back."""
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        return read_to_eof(sock)


def read_to_eof(sock) -> bytes:
    chunks = []
    while block := sock.recv(65536):
        chunks.append(block)
    return b"".join(chunks)


def status_of(response: bytes) -> int | None:
    """The status code of a raw HTTP/1.x response, or None when nothing came back."""
    if not response:
        return None
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", response)
    assert match, f"not an HTTP/1.x response: {response[:80]!r}"
    return int(match.group(1))


def request(method: str, path: str, *headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers, "", ""]
    return "\r\n".join(lines).encode("latin-1")


LONG = "a" * 70_000
# (raw request, the statuses it may get; None = the server just closes).
CORPUS = [
    *[(request("GET", path), {403, 404}) for path in TRAVERSALS],
    (request("GET", "/app.js"), {200}),
    (request("GET", "/app.js/"), {404}),
    (request("GET", "/%zz"), {404}),
    (request("GET", "/%"), {404}),
    (request("GET", "/\x1b[31mred"), {404}),
    (request("GET", "http://elsewhere.invalid/app.js"), {404}),
    *[(request(method, "/app.js"), {405}) for method in ("POST", "PUT", "DELETE", "PATCH", "TRACE", "OPTIONS")],
    (request("OPTIONS", "*"), {405}),
    (request("CONNECT", "127.0.0.1:80"), {405}),
    (request("FROB", "/"), {501}),
    (request("POST", "/", "Content-Length: 5") + b"x=1&y", {405}),
    (request("POST", "/", "Content-Length: nonsense"), {405}),
    (b"GET / HTTP/9.9\r\n\r\n", {505}),
    (b"GET / HTTP/1.1.1\r\n\r\n", {400}),
    (b"GET / HTTPS/1.1\r\n\r\n", {400}),
    (b"GET / HTTP/1.1 extra\r\n\r\n", {400}),
    (b"GET /\r\n\r\n", {400}),  # HTTP/0.9: no version
    (b"GET\r\n\r\n", {400}),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", {400}),  # a TLS hello on the plain port
    (b"\xff\xfe\r\n\r\n", {400}),
    (f"GET /{LONG} HTTP/1.1\r\n\r\n".encode(), {414}),
    (request("GET", "/app.js", f"X-Long: {LONG}"), {431}),
    (request("GET", "/app.js", *[f"X-{i}: {i}" for i in range(120)]), {431}),
    (request("GET", "/app.js", "Host-without-a-colon"), {400}),
    (b"GET /app.js HTTP/1.1\r\n folded: header\r\nHost: 127.0.0.1\r\n\r\n", {400}),
    (b"", {None}),
    (b"\r\n", {None}),
]


def test_request_corpus_gets_a_proper_status_one_log_line_each_and_no_traceback(site, capfd):
    _, root, _ = site
    capfd.readouterr()
    answered = 0
    with own_server(root, timeout=5) as address:
        for data, allowed in CORPUS:
            status = status_of(exchange(address, data))
            assert status in allowed, f"{data[:60]!r}: got {status}, want one of {allowed}"
            answered += status is not None
    log = capfd.readouterr().err
    assert "Traceback" not in log and "Exception" not in log
    lines = log.splitlines()
    assert len(lines) == answered, log[-2000:]
    for line in lines:
        assert len(line) < 300 and line.isprintable(), repr(line[:300])
        assert re.search(r" (\d{3})$", line), line


def test_a_file_path_with_a_trailing_slash_is_404(site):
    url, _, _ = site
    assert fetch(url, "/app.js/")[0] == 404
    assert fetch(url, "/runtime/pyodide/pyodide.mjs/")[0] == 404


def test_idle_and_stalled_connections_are_closed_after_the_timeout(site, capfd):
    _, root, _ = site
    with own_server(root, timeout=0.5, quiet=True) as address:
        for data in (b"", b"GET /app.js HT", request("GET", "/app.js").replace(b"close", b"keep-alive")):
            with socket.create_connection(address, timeout=10) as sock:
                sock.sendall(data)
                response = read_to_eof(sock)  # the server closes it; the client never does
            assert status_of(response) == (200 if data.endswith(b"\r\n\r\n") else None)
    assert "Traceback" not in capfd.readouterr().err


def test_a_flood_of_idle_connections_does_not_delay_a_request(site):
    _, root, files = site
    idle = []
    with own_server(root, timeout=30, quiet=True) as address:
        try:
            for _ in range(64):
                # Under 1 s: Linux resends a dropped SYN after 1 s, so a full accept queue
                # (http.server's default holds 5) shows up as a timeout here.
                idle.append(socket.create_connection(address, timeout=0.9))
            with socket.create_connection(address, timeout=5) as sock:
                sock.sendall(request("GET", "/app.js"))
                response = read_to_eof(sock)
        finally:
            for sock in idle:
                sock.close()
    assert status_of(response) == 200 and response.endswith(files["app.js"])


def test_every_response_carries_the_security_headers(site):
    url, _, _ = site
    _, headers, _ = fetch(url, "/app.js")
    responses = [
        fetch(url, "/app.js"),
        fetch(url, "/nope.js"),
        fetch(url, "/sub"),
        fetch(url, "/app.js", headers={"If-Modified-Since": headers["Last-Modified"]}),
        fetch(url, "/app.js", method="POST"),
    ]
    assert [status for status, _, _ in responses] == [200, 404, 301, 304, 405]
    for status, headers, _ in responses:
        assert headers["Content-Security-Policy"] == http_server.CONTENT_SECURITY_POLICY, status
        assert headers["Referrer-Policy"] == "no-referrer", status
        assert headers["X-Content-Type-Options"] == "nosniff", status
        assert headers["Server"] == "py_mlp", status
        assert "X-Frame-Options" not in headers, status
    assert responses[-1][1]["Allow"] == "GET, HEAD"


def test_the_csp_lets_pyodide_run_and_any_page_embed_the_app():
    directives = {}
    for part in http_server.CONTENT_SECURITY_POLICY.split(";"):
        name, *values = part.split()
        directives[name] = values
    assert "frame-ancestors" not in directives  # embed.js frames the app from any origin
    assert {"'self'", "'wasm-unsafe-eval'", "'unsafe-eval'"} <= set(directives["script-src"])
    assert directives["worker-src"] == ["'self'", "blob:"] and directives["connect-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in http_server.CONTENT_SECURITY_POLICY


def test_the_docs_state_the_csp_that_is_sent():
    hosting = (support.REPO / "docs" / "guide" / "hosting.rst").read_text(encoding="utf-8")
    assert f"``{http_server.CONTENT_SECURITY_POLICY}``" in hosting, "update the policy in docs/guide/hosting.rst"


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_a_port_out_of_range_is_a_usage_error(cli_site, port, capsys):
    with pytest.raises(SystemExit) as exc:
        command.main(["--no-setup", "--root", str(cli_site), "--port", port])
    assert exc.value.code == 2
    assert "0-65535" in capsys.readouterr().err


class FakeServer:
    """Enough of a server for run_server: bound where the test says, stops at once."""

    def __init__(self, host: str, port: int = 8123):
        self.server_address = (host, port)

    def serve_forever(self):
        pass

    def server_close(self):
        pass


@pytest.mark.parametrize("host, url, warned", [
    ("127.0.0.1", "http://127.0.0.1:8123/", False),
    ("::1", "http://[::1]:8123/", False),
    ("0.0.0.0", "http://0.0.0.0:8123/", True),
    ("::", "http://[::]:8123/", True),
    ("192.168.1.20", "http://192.168.1.20:8123/", True),
])
def test_the_printed_address_is_the_real_one_and_non_loopback_is_warned(host, url, warned, capsys):
    assert http_server.run_server(FakeServer(host)) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == f"Serving py_mlp at {url}"
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == warned
    if warned:
        assert host in warnings[0] and "--host 127.0.0.1" in warnings[0]
        assert "other machines" in warnings[0]
