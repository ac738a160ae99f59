"""The hosting recipes of the docs, run with the real servers from Debian's packages
(`nginx-light`, `caddy`): the static build at a sub-path (/docs/mlp/) of each, the wasm
sent gzipped from its .gz form, the module scripts with a JavaScript MIME type, the app's
security headers, and the app starting and training in Chromium (under that policy).

The servers' configuration is the recipe as the docs print it (read from README or the
docs pages), placed in a minimal config file around it.
"""

from __future__ import annotations

import io
import re
import shutil
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest

import support
from conftest import LOAD_TIMEOUT_MS, App
from py_mlp.server.static_site import build_site

SUB_PATH = "docs/mlp/"
WASM = SUB_PATH + "runtime/pyodide/pyodide.asm.wasm"
MODULE = SUB_PATH + "runtime/pyodide/pyodide.mjs"


def recipe(pattern: str) -> str:
    """The first text of the docs pages or README that matches PATTERN (group 1)."""
    texts = [*sorted((support.REPO / "docs").rglob("*.rst")), support.REPO / "README.md"]
    for path in texts:
        found = re.search(pattern, path.read_text(encoding="utf-8"), re.S) if path.is_file() else None
        if found:
            return found.group(1)
    pytest.fail(f"no hosting recipe matching {pattern!r} in README or docs/", pytrace=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if path is None:
        pytest.fail(f"{name} is not installed: `apt-get install nginx-light caddy` (see README)", pytrace=False)
    return path


def wait_listening(port: int, process: subprocess.Popen, what: str) -> None:
    """Until PORT accepts a connection (the server is up); fails if the server exits first."""
    while process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            try:
                process.wait(timeout=0.1)  # paces the loop, and notices an early exit
            except subprocess.TimeoutExpired:
                pass
    pytest.fail(f"{what} exited with {process.returncode}: {process.stderr.read()}", pytrace=False)


@pytest.fixture(scope="module")
def host_root(tmp_path_factory, runtime_ready, wheel_ready) -> Path:
    root = tmp_path_factory.mktemp("host")
    build_site(root / SUB_PATH, support.LAYOUT, stream=io.StringIO())
    return root


def nginx_conf(root: Path, port: int, work: Path) -> str:
    location = recipe(r"(?:```|code-block::) nginx\n\s*(location /docs/mlp/ \{.*?\n\s*\})\n")
    location = "\n".join(line.strip() for line in location.splitlines())
    # `user root`: the workers must read pytest's folders (mode 0700); a host's own is readable.
    return f"""daemon off;
user root;
pid {work}/nginx.pid;
error_log stderr;
events {{}}
http {{
  include mime.types;
  access_log off;
  client_body_temp_path {work}/body;
  proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fastcgi;
  uwsgi_temp_path {work}/uwsgi;
  scgi_temp_path {work}/scgi;
  server {{
    listen 127.0.0.1:{port};
    root {root};
    {location}
  }}
}}
"""


def caddyfile(root: Path, port: int) -> str:
    headers = recipe(r"(?:```caddy|code-block:: text)\n\s*example\.org \{.*?(header /docs/mlp/\* \{.*?\n\s*\})\n")
    file_server = recipe(r"(?:```caddy|code-block:: text)\n\s*example\.org \{.*?(file_server \{.*?\n\s*\})\n")
    return f"""{{
  admin off
  auto_https off
}}
http://127.0.0.1:{port} {{
  root * {root}
  {headers}
  {file_server}
}}
"""


@pytest.fixture(params=["nginx", "caddy"], scope="module")
def hosted(request, host_root, tmp_path_factory):
    """The static build served by the real server at /docs/mlp/: its base URL."""
    port, work = free_port(), tmp_path_factory.mktemp(request.param)
    if request.param == "nginx":
        (work / "nginx.conf").write_text(nginx_conf(host_root, port, work))
        shutil.copy("/etc/nginx/mime.types", work)  # `include mime.types` is relative to the prefix
        cmd = [tool("nginx"), "-c", str(work / "nginx.conf"), "-p", str(work)]
    else:
        (work / "Caddyfile").write_text(caddyfile(host_root, port))
        cmd = [tool("caddy"), "run", "--config", str(work / "Caddyfile"), "--adapter", "caddyfile"]
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env={"HOME": str(work), "PATH": "/usr/sbin:/usr/bin:/bin"})
    try:
        wait_listening(port, process, request.param)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=10)


def get(url: str, gzip: bool) -> tuple[dict, bytes]:
    """Headers (lower-case names) and the body as sent (urllib does not decompress)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return {key.lower(): value for key, value in response.getheaders()}, response.read()


def test_the_recipe_sends_the_wasm_gzipped_and_the_pages_types(hosted, host_root):
    headers, body = get(hosted + WASM, gzip=True)
    assert headers.get("content-encoding") == "gzip"
    assert body == (host_root / (WASM + ".gz")).read_bytes()  # the build's .gz form, not compressed anew
    assert headers["content-type"].startswith("application/wasm")
    for name, wanted in [(MODULE, ("text/javascript", "application/javascript")), (SUB_PATH, ("text/html",)),
                         (SUB_PATH + "style.css", ("text/css",))]:
        assert get(hosted + name, gzip=False)[0]["content-type"].split(";")[0] in wanted, name


def test_the_recipe_sends_the_apps_security_headers(hosted):
    """Issue 21: the policy serve.py sends (the page's and, as the worker starts from a blob:
    URL, the worker's), nosniff and no-referrer, on the page and on the worker's script."""
    from py_mlp.server.http_server import SECURITY_HEADERS

    for name in (SUB_PATH, SUB_PATH + "pyworker.js"):
        headers = get(hosted + name, gzip=False)[0]
        assert {key: headers.get(key.lower()) for key in SECURITY_HEADERS} == SECURITY_HEADERS, name


def test_the_app_starts_and_trains_from_the_sub_path(hosted, page):
    app = App(page, hosted + SUB_PATH).open()
    app.by("step").click()
    app.expect_state("paused", timeout=LOAD_TIMEOUT_MS)
    assert app.by("epoch").text_content() == "1"
