"""What the tests, the browser tests and the benchmark share: serve.py started in a
subprocess with its URL read from its output, servers run in a thread, the settings of
Debian's Chromium, and the rule for a request that leaves the machine.

Runs on CPython: imported by tests/conftest.py, tests/e2e/*, tests/test_serve.py and
tests/bench/harness.py (and so by the benchmark scripts). Standard library and serve.py
only: no pytest and no Playwright, so that scripts outside pytest can use it too.
Non-goals: fixtures (the conftest files hold those) and anything that drives a page.
"""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # this checkout's py_mlp, whatever else is installed

from py_mlp.server import command, http_server  # noqa: E402
from py_mlp.server.locations import Layout  # noqa: E402

# The app as the tests serve it: this checkout's web/, the runtime and the browser's wheel
# in the per-user cache (PY_MLP_CACHE names another).
LAYOUT = Layout.default(REPO / "web")


def set_up() -> None:
    """The runtime fetched and verified, the browser's wheel written (as `py-mlp setup` does)."""
    command.set_up(LAYOUT, stream=sys.stderr)

CHROMIUM = os.environ.get("PY_MLP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
LOOPBACK_URL = r"http://127\.0\.0\.1:\d+/"


class StartError(RuntimeError):
    """Something the tests need did not start; the message says what and why."""


def chromium() -> dict:
    """Playwright's launch options for Debian's Chromium (or the one PY_MLP_CHROMIUM names)."""
    if not os.path.exists(CHROMIUM):
        raise StartError(f"no Chromium at {CHROMIUM}: install Debian's 'chromium' package "
                         "(apt-get install chromium) or set PY_MLP_CHROMIUM to a Chromium executable")
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def off_machine(url: str) -> bool:
    """True for a request that would leave this machine (data: and blob: URLs stay)."""
    return not url.startswith(("data:", "blob:")) and urlsplit(url).hostname not in LOOPBACK_HOSTS


# --------------------------------------------------------------------------- #
# Subprocesses
# --------------------------------------------------------------------------- #


class Spawned:
    """A command in a subprocess whose stdout and stderr are read line by line on
    background threads: it never blocks on a full pipe, and a test can wait on a line."""

    def __init__(self, *cmd: str, name: str = "", cwd: str | Path | None = None, env: dict | None = None):
        self.name = name or Path(cmd[0]).name  # for messages
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue = queue.Queue()  # stdout lines, then None at its end
        self._stderr: list[str] = []
        self._stderr_done = threading.Event()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _read_stderr(self):
        for line in self.proc.stderr:
            self._stderr.append(line)
        self._stderr_done.set()

    def wait_for_stdout(self, pattern: str, timeout: float = 60) -> re.Match:
        """The match of `pattern` (a regex) in the first stdout line that has one."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise StartError(f"{self.name} printed no line matching {pattern!r} "
                                 f"in {timeout} s") from None
            if line is None:
                raise StartError(f"{self.name} exited with {self.proc.wait()} before printing "
                                 f"a line matching {pattern!r}: {self.stderr()[-2000:]}")
            match = re.search(pattern, line)
            if match:
                return match

    def stderr(self, timeout: float = 20) -> str:
        """All of stderr, once the process has closed it."""
        if not self._stderr_done.wait(timeout):
            raise StartError(f"{self.name} did not close its stderr in {timeout} s")
        return "".join(self._stderr)

    def wait(self, timeout: float = 20) -> int:
        return self.proc.wait(timeout=timeout)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        """Send `sig` and return the exit status."""
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)

    def kill(self):
        """Kill the process unless it has ended."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def serve_py(*args: str, cwd: str | Path | None = None) -> Spawned:
    """``python serve.py ARGS`` in a subprocess."""
    return Spawned(sys.executable, str(REPO / "serve.py"), *args, name="serve.py", cwd=cwd)


@contextlib.contextmanager
def url_of(process: Spawned, timeout: float = 60):
    """Yield the first loopback URL `process` prints; stop it (SIGTERM) afterwards."""
    try:
        yield process.wait_for_stdout(LOOPBACK_URL, timeout).group(0)
    finally:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.stop(timeout=10)
        process.kill()


def serve_py_url(*args: str, timeout: float = 60):
    """``with serve_py_url("--no-setup") as url``: ``python serve.py serve --port 0 --quiet
    ARGS`` in a subprocess, and its URL."""
    return url_of(serve_py("serve", "--port", "0", "--quiet", *args), timeout)


# --------------------------------------------------------------------------- #
# Servers in a thread
# --------------------------------------------------------------------------- #


@contextlib.contextmanager
def in_thread(server):
    """Run `server.serve_forever()` on a daemon thread; yield the server; shut it down after."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"test-{type(server).__name__}", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def serving(where: Layout | Path = LAYOUT, host: str = "127.0.0.1"):
    """Serve a layout, or one folder holding it all (a static build), with py_mlp's server on a
    free port in a thread; yield the base URL."""
    layout = where if isinstance(where, Layout) else Layout.one_folder(where)
    with in_thread(http_server.make_server(layout, host=host, port=0, quiet=True)) as server:
        yield http_server.server_url(server)


class PlainHandler(SimpleHTTPRequestHandler):
    """A plain static host (no gzip, no headers of ours) that records (path, status) of each request."""

    def log_request(self, code="-", size="-"):
        self.server.requests.append((self.path, int(code)))

    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def plain_server(directory: Path, host: str = "127.0.0.1"):
    """Serve `directory` as a plain static host would, on a free port; yield (base URL, requests)."""
    server = ThreadingHTTPServer((host, 0), functools.partial(PlainHandler, directory=str(directory)))
    server.daemon_threads = True
    server.requests = []
    with in_thread(server):
        yield f"http://{host}:{server.server_address[1]}/", server.requests


@contextlib.contextmanager
def one_at_a_time(name: str):
    """Hold an exclusive lock named NAME (a file in the system's temp folder) for the block:
    the test processes pytest-xdist starts then set up web/ one after another."""
    import fcntl
    import tempfile

    with open(Path(tempfile.gettempdir()) / f"py_mlp-tests-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
