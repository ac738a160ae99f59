"""The app on this machine: its files served with the MIME types, cache and security
headers it needs, gzip when the browser accepts it, loopback by default, nothing served
from outside its folders.

``ThreadingHTTPServer`` answers each request on its own daemon thread. Non-goals: a
production server (no TLS, brotli, range requests or auth).

Standard library only; CPython only.
"""

from __future__ import annotations

import email.utils
import functools
import io
import ipaddress
import os
import signal
import socket
import sys
import time
import typing
import urllib.parse
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

from .compress import GzipForms, accepts_gzip
from .locations import RUNTIME_DIR, Layout

def entity_tag(st: os.stat_result, gzipped: bool) -> str:
    """A strong ETag from size and mtime; the gzip form has its own."""
    return f'"{st.st_size:x}-{st.st_mtime_ns:x}{"-gzip" if gzipped else ""}"'


MIME_TYPES = {
    ".wasm": "application/wasm",  # needed for WebAssembly.instantiateStreaming
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".whl": "application/zip",  # Pyodide reads the bytes; any type works
    ".zip": "application/zip",
    ".py": "text/x-python",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".map": "application/json",
    ".gz": "application/gzip",  # a gzip form asked for by its own name: sent as a file
}


IMMUTABLE = "public, max-age=31536000, immutable"  # pinned, hash-verified runtime files


NO_CACHE = "no-cache"  # app files and wheels: revalidate every time


CONNECTION_TIMEOUT = 30  # seconds a connection may sit idle or stall mid-request
REQUEST_DEADLINE = 30  # seconds for a request's line and headers, however slowly they trickle in


LISTEN_BACKLOG = 128  # http.server's 5 drops connections when a page opens many at once


# What the app needs, and no more. Pyodide compiles WebAssembly ('wasm-unsafe-eval') and
# builds JS glue with eval; the page starts its worker from a blob: URL (so that the worker
# has this policy too: loader.js), which imports pyworker.js from this origin (a module
# worker's static imports are checked against worker-src, hence 'self' there too); its
# downloads (the charts PNG, the model) are data: and blob: URLs. No frame-ancestors:
# embed.js frames the app from pages on any origin. web/index.html carries the same policy
# in a <meta> for static hosts, which send no headers (a test keeps the two equal).
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'",
    "worker-src 'self' blob:",
    "connect-src 'self'",
    "img-src 'self' data: blob:",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
])


SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",  # the app never needs to tell anyone where it runs
    "X-Content-Type-Options": "nosniff",
}


ERROR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>%(code)d %(message)s</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 4em auto">
<h1>%(code)d %(message)s</h1>
<p>%(explain)s</p>
<p><a href="/">Go to the py_mlp start page</a></p>
</body></html>
"""


def resolve_url_path(root: str, url_path: str, mounts: dict | None = None) -> str | None:
    """Map a request path to a real file path inside `root` (already realpath'd), or inside
    ``mounts[first segment]`` when the path's first segment is mounted (``runtime/``).

    Returns None for anything that could leave its folder or that is hidden:
    '..' or '.' segments (raw or percent-encoded), encoded slashes, backslashes,
    NUL bytes, dot-files, and symlinks resolving outside the root.
    """
    path = url_path.split("?", 1)[0].split("#", 1)[0]
    if "\\" in path:
        return None
    parts = []
    for raw in path.split("/"):
        if raw == "":
            continue  # '//' collapses: '//etc/passwd' is root/etc/passwd
        seg = urllib.parse.unquote(raw, errors="strict") if "%" in raw else raw
        if seg.startswith(".") or any(c in seg for c in "/\\\0"):
            return None
        parts.append(seg)
    if parts and mounts and parts[0] in mounts:
        root, parts = os.path.realpath(mounts[parts[0]]), parts[1:]
    real = os.path.realpath(os.path.join(root, *parts))
    if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        return None
    return real


def printable(text: str, limit: int = 200) -> str:
    """`text` for a log line: control characters escaped, cut to `limit` characters."""
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text[:limit + 1])
    return text if len(text) <= limit else text[:limit] + "..."


class _DeadlineReader(io.RawIOBase):
    """The socket's bytes for the handler's rfile, each read cut short at the handler's
    deadline: a client that sends a byte now and then (slowloris) never lets one read time
    out, but it cannot stretch the request past the deadline."""

    def __init__(self, handler: AppRequestHandler) -> None:
        self.handler = handler

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: typing.Any) -> int:
        handler = self.handler
        left = handler.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request line and headers took too long")
        handler.connection.settimeout(left if handler.timeout is None else min(handler.timeout, left))
        return handler.connection.recv_into(buffer)


class AppRequestHandler(SimpleHTTPRequestHandler):
    """Serves files under `directory`: safe paths, app MIME types, cache and security headers.

    GET and HEAD only. Every connection gets `timeout` seconds per read or write, and each
    request the server's `deadline` (REQUEST_DEADLINE) from the wait for its first byte to
    the end of its headers.
    """

    server_version = "py_mlp"
    protocol_version = "HTTP/1.1"  # keep-alive: the page loads ~45 files
    default_request_version = "HTTP/1.0"  # errors for lines without a version get a status line
    error_message_format = ERROR_PAGE
    error_content_type = "text/html; charset=utf-8"

    def __init__(self, *args, timeout: float = CONNECTION_TIMEOUT, mounts: dict | None = None, **kwargs):
        self.timeout = timeout  # type: ignore[misc]  # StreamRequestHandler.setup applies it to the socket
        self.mounts = mounts or {}
        super().__init__(*args, **kwargs)

    def setup(self) -> None:
        super().setup()
        self.deadline = float("inf")
        self.rfile = io.BufferedReader(_DeadlineReader(self))

    def handle_one_request(self) -> None:
        self.deadline = time.monotonic() + getattr(self.server, "deadline", REQUEST_DEADLINE)
        super().handle_one_request()

    def version_string(self) -> str:
        return self.server_version  # no Python version in the Server header

    def end_headers(self):
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def parse_request(self) -> bool:
        parsed = super().parse_request()
        self.deadline = float("inf")  # the headers are in: writes get the usual per-write timeout
        self.connection.settimeout(self.timeout)
        if not parsed:
            return False
        if len(self.requestline.split()) != 3:
            self.send_error(HTTPStatus.BAD_REQUEST, "No HTTP version",
                            "A request line needs a version, e.g. GET / HTTP/1.1.")
            return False
        if self.headers.defects:
            self.send_error(HTTPStatus.BAD_REQUEST, "Malformed header lines")
            return False
        return True

    def _method_not_allowed(self):
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")  # any request body stays unread
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _method_not_allowed

    def send_head(self):
        root = os.path.realpath(self.directory)
        url_path = self.path.split("?", 1)[0].split("#", 1)[0]
        try:
            real = resolve_url_path(root, url_path, self.mounts)
        except UnicodeDecodeError:
            real = None
        if real is not None and os.path.isdir(real):
            if not url_path.endswith("/"):
                # Relative redirect: never lets '//host' style paths become an open redirect.
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", url_path.rsplit("/", 1)[-1] + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            real = os.path.join(real, "index.html")  # no directory listings, ever
        elif url_path.endswith("/"):
            real = None  # '/app.js/' names a folder, and there is none
        if real is None or not os.path.isfile(real):
            self.send_error(HTTPStatus.NOT_FOUND, "Not found",
                            "There is no such file in py_mlp's web folder.")
            return None
        try:
            f = open(real, "rb")
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "Not found")
            return None
        try:
            return self._send_file(url_path, real, f)
        except BaseException:
            f.close()
            raise

    def _send_file(self, url_path: str, real: str, f):
        """Headers for the open file `f`, gzipped when it has a gzip form and the client
        accepts it; return what to copy as the body (None after a 304)."""
        fs = os.fstat(f.fileno())
        form = typing.cast(AppServer, self.server).gzip_forms.find(real, f, fs)
        body = f
        if form is not None and accepts_gzip(self.headers.get("Accept-Encoding")):
            try:
                body = io.BytesIO(form) if isinstance(form, bytes) else open(form, "rb")
            except OSError:
                pass  # the .gz went away since find(): send the file as it is
        use_gzip = body is not f
        etag = entity_tag(fs, use_gzip)
        if use_gzip:
            f.close()
        if self._not_modified(fs.st_mtime, etag):
            body.close()
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self._send_validators(url_path, fs, etag, vary=form is not None)
            self.end_headers()
            return None
        length = len(form) if isinstance(body, io.BytesIO) else os.fstat(body.fileno()).st_size
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(real))
        self.send_header("Content-Length", str(length))
        if use_gzip:
            self.send_header("Content-Encoding", "gzip")
        self._send_validators(url_path, fs, etag, vary=form is not None)
        self.end_headers()
        return body

    def _send_validators(self, url_path: str, fs, etag: str, vary: bool) -> None:
        """Last-Modified, ETag, Cache-Control, and Vary when the file has a gzip form."""
        pinned = url_path.lstrip("/").startswith(RUNTIME_DIR + "/")
        self.send_header("Last-Modified", self.date_time_string(int(fs.st_mtime)))
        self.send_header("ETag", etag)
        self.send_header("Cache-Control", IMMUTABLE if pinned else NO_CACHE)
        if vary:
            self.send_header("Vary", "Accept-Encoding")

    def _not_modified(self, mtime: float, etag: str) -> bool:
        """If-None-Match against this form's ETag when sent, else If-Modified-Since."""
        match = self.headers.get("If-None-Match")
        if match is not None:
            tags = [tag.strip().removeprefix("W/") for tag in match.split(",")]
            return "*" in tags or etag in tags
        header = self.headers.get("If-Modified-Since")
        if not header:
            return False
        try:
            since = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        return since is not None and since.tzinfo is not None and int(mtime) <= since.timestamp()

    def list_directory(self, path):
        self.send_error(HTTPStatus.NOT_FOUND, "Not found")
        return None

    def guess_type(self, path):
        return MIME_TYPES.get(os.path.splitext(path)[1].lower()) or super().guess_type(path)

    def log_request(self, code="-", size="-"):
        # A request that did not parse has no command (and maybe no path): log its raw line.
        if self.command:
            what = f"{self.command} {printable(self.path)}"
        else:
            what = printable(self.requestline) or "(request line over 64 kB)"
        self.log_message("%s %s", what, getattr(code, "value", code))

    def log_error(self, format, *args):
        pass  # log_request already records the status of every error; timeouts need no line

    def log_message(self, format, *args):
        if not getattr(self.server, "quiet", False):
            sys.stderr.write(f"{self.address_string()} {format % args}\n")


class AppServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that shrugs off clients closing connections early."""

    daemon_threads = True  # an idle connection never keeps the process alive
    request_queue_size = LISTEN_BACKLOG
    quiet = False
    deadline: float = REQUEST_DEADLINE  # seconds for a request's line and headers

    def __init__(self, *args, **kwargs):
        self.gzip_forms = GzipForms()
        super().__init__(*args, **kwargs)

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def make_server(layout: Layout, host: str = "127.0.0.1", port: int = 8000,
                quiet: bool = False, timeout: float = CONNECTION_TIMEOUT,
                deadline: float | None = None) -> AppServer:
    """Bind (port 0 = any free port) a server for the app's LAYOUT; call serve_forever() on it.

    `timeout`: seconds a connection may wait for the client before it is closed;
    `deadline`: seconds for a request's line and headers (default REQUEST_DEADLINE).
    """
    server_class: type[AppServer] = AppServer
    if ":" in host:
        server_class = AppServer6
    handler = functools.partial(AppRequestHandler, directory=str(layout.web), timeout=timeout,
                                mounts={k: str(v) for k, v in layout.mounts().items()})
    server = server_class((host, port), handler)
    server.quiet = quiet
    server.deadline = REQUEST_DEADLINE if deadline is None else deadline
    return server


class AppServer6(AppServer):
    address_family = socket.AF_INET6


def _address(server: AppServer) -> tuple[str, int]:
    host, port = server.server_address[:2]
    return str(host), int(port)


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def server_url(server: AppServer) -> str:
    """The URL to open on this machine, e.g. 'http://127.0.0.1:8000/'."""
    host, port = _address(server)
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1" if host == "0.0.0.0" else "::1"
    return _url(host, port)


def exposure_warning(server: AppServer) -> str | None:
    """One line for stderr when the server is reachable from other machines, else None."""
    host, _ = _address(server)
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    ip = getattr(ip, "ipv4_mapped", None) or ip
    if ip.is_loopback:
        return None
    where = (f"every network interface ({host})" if ip.is_unspecified
             else f"{host}, which is not a loopback address")
    return (f"warning: listening on {where}: other machines that can reach this one can load "
            f"the app. Open {server_url(server)} here; pass --host 127.0.0.1 to keep it to "
            "this machine.")


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def run_server(server: AppServer) -> int:
    """Serve until SIGINT or SIGTERM; return 0 after a clean stop."""
    previous = {sig: signal.signal(sig, _raise_interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(f"Serving py_mlp at {_url(*_address(server))}", flush=True)
        warning = exposure_warning(server)
        if warning:
            print(warning, file=sys.stderr, flush=True)
        print("Press Ctrl-C to stop.", file=sys.stderr, flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("Stopped.", file=sys.stderr, flush=True)
    return 0

