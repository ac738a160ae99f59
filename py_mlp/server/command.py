"""The server side's command line: ``setup``, ``serve`` (the default) and ``build DIR``.

``py-mlp serve|build|setup`` (an installed py_mlp) and ``python serve.py`` (a checkout)
both run ``main``; they differ only in which web folder they serve.

Standard library only; CPython only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .files import SetupError
from .http_server import make_server, run_server
from .locations import ENV_CACHE, Layout, web_folder
from .runtime import ENV_MIRROR, ENV_OFFLINE, setup_runtime
from .static_site import build_site
from .wheel import ensure_wheel

def port_number(text: str) -> int:
    """argparse type for --port: an integer in 0-65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number: use 0-65535 (0 = any free port)")
    return port


COMMANDS = {
    "setup": "fetch and verify the pinned runtime and write the browser's py_mlp wheel, then exit",
    "serve": "set up, then serve the app on this machine until Ctrl-C (the default command)",
    "build": "set up, then write a static site into DIR for any static host, then exit",
}
ENVIRONMENT = (f"environment: {ENV_CACHE}=DIR (the runtime cache; default $XDG_CACHE_HOME/py_mlp or "
               f"~/.cache/py_mlp); {ENV_MIRROR}=DIR (a local mirror of the runtime, tried first); "
               f"{ENV_OFFLINE}=1 (skip the CDN)")


def examples(prog: str) -> str:
    return f"""\
examples:
  {prog:<28} set up, then serve http://127.0.0.1:8000/
  {prog + ' setup':<28} set up only
  {prog + ' serve --port 0 --quiet':<28} any free port, no access log
  {prog + ' build dist/py-mlp':<28} set up, then write the static site

`{prog} COMMAND --help` lists a command's options. The older spellings
`--setup-only` (= setup) and `--build DIR` (= build DIR) still work.

{ENVIRONMENT}"""


def make_parser(prog: str = "py-mlp") -> argparse.ArgumentParser:
    """The command line: PROG COMMAND [options], one sub-parser per command."""
    parser = argparse.ArgumentParser(
        prog=prog, formatter_class=argparse.RawDescriptionHelpFormatter, epilog=examples(prog),
        description="Set up py_mlp's web app (pinned runtime, the browser's py_mlp wheel), then\n"
                    "serve it on this machine or write it as a static site.")
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    setup_options = argparse.ArgumentParser(add_help=False)
    setup_options.add_argument("--root", type=Path, default=None,
                               help=f"the app's web folder (default: {web_folder()})")
    setup_options.add_argument("--offline", action="store_true",
                               help=f"skip the CDN (same as {ENV_OFFLINE}=1)")
    skip_setup = argparse.ArgumentParser(add_help=False)
    skip_setup.add_argument("--no-setup", action="store_true",
                            help="use the runtime and the wheel as they are, without the setup")

    def command(name: str, *parents: argparse.ArgumentParser) -> argparse.ArgumentParser:
        what = COMMANDS[name]
        sub = commands.add_parser(name, parents=[setup_options, *parents], help=what,
                                  description=what[0].upper() + what[1:] + ".", epilog=ENVIRONMENT)
        sub.set_defaults(no_setup=False)
        return sub

    command("setup")
    serving = command("serve", skip_setup)
    serving.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    serving.add_argument("--port", type=port_number, default=8000,
                         help="0 = any free port (default: %(default)s)")
    serving.add_argument("--quiet", action="store_true", help="no access log")
    command("build", skip_setup).add_argument(
        "dest", type=Path, metavar="DIR", help="the site's folder: missing, empty, or a previous build")
    return parser


def with_command(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """ARGV with its command first: no command means serve, and the older spellings
    --setup-only and --build DIR mean setup and build DIR."""
    if not argv or not argv[0].startswith("-") or argv[0] in ("-h", "--help"):
        return argv or ["serve"]  # a word that is no command: argparse lists the commands
    rest, args, setup_only, build = [], iter(argv), False, None
    for arg in args:
        if arg == "--setup-only":
            setup_only = True
        elif arg == "--build" or arg.startswith("--build="):
            build = arg.partition("=")[2] if "=" in arg else next(args, "")
            if not build:
                parser.error(f"--build needs a folder: {parser.prog} build DIR")
        else:
            rest.append(arg)
    if setup_only and build is not None:
        parser.error("--build already runs the setup; drop --setup-only")
    if setup_only and "--no-setup" in rest:
        parser.error("--setup-only and --no-setup contradict each other: drop one")
    if build is not None:
        return ["build", *rest, "--", build]
    return ["setup" if setup_only else "serve", *rest]


def parse_args(argv=None, prog: str = "py-mlp") -> argparse.Namespace:
    """Parse ARGV (default: sys.argv[1:]); a usage error exits with status 2."""
    parser = make_parser(prog)
    argv = list(sys.argv[1:] if argv is None else argv)
    return parser.parse_args(with_command(argv, parser))


def set_up(layout: Layout, offline: bool = False, stream=None) -> None:
    """Make LAYOUT ready to serve: the pinned runtime fetched and verified, the browser's wheel written."""
    setup_runtime(layout.runtime, layout.manifest, use_cdn=False if offline else None, stream=stream)
    ensure_wheel(layout.wheels, stream=stream if stream is not None else sys.stderr)


def main(argv=None, prog: str = "py-mlp") -> int:
    """Run a command (``serve`` when none is given); returns the exit status."""
    args = parse_args(argv, prog)
    layout = Layout.default(web=args.root)
    try:
        if not (layout.web / "index.html").is_file():
            raise SetupError(f"{layout.web} holds no index.html: it is not the app's web folder. "
                             "Name the right folder with --root, or leave --root out.")
        if not args.no_setup:
            set_up(layout, args.offline)
        if args.command == "build":
            build_site(args.dest, layout)
        if args.command != "serve":
            return 0
        try:
            server = make_server(layout, args.host, args.port, args.quiet)
        except OSError as e:
            raise SetupError(
                f"cannot listen on {args.host}:{args.port}: {e.strerror or e}. "
                "Pass --port 0 for any free port, or another --port."
            ) from e
    except SetupError as e:
        print(f"error: {e}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr, flush=True)
        return 130
    return run_server(server)
