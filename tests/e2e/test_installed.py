"""py_mlp as a user installs it: its wheel built with `python -m build`, installed into a new
virtual environment and run from a folder outside this checkout (so the checkout is not
importable), with a runtime cache of its own.

- `py-mlp serve` serves the app, and it trains in Chromium;
- a Sphinx project whose conf.py holds only the extension, and an MkDocs project whose
  mkdocs.yml names only the plugin, build with -W / --strict, each with the app in its
  output, and the embed trains in Chromium from a plain static server;
- once `py-mlp setup` has filled the cache, neither docs project downloads anything: the
  runtime cache is shared by every project on the machine.

The venv sees the suite's site-packages (numpy, Sphinx, MkDocs) but its own py_mlp, from
the wheel; its cache starts empty and is filled from the suite's as a mirror.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from playwright.sync_api import expect

import support
from conftest import LOAD_TIMEOUT_MS, App

RUN = re.compile(r"^Run")


@pytest.fixture(scope="module")
def installed(tmp_path_factory, runtime_ready):
    """(venv's bin folder, the environment to run it with, a work folder outside the checkout)."""
    root = tmp_path_factory.mktemp("installed")
    built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", root / "dist",
                            support.REPO], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    wheel, = (root / "dist").glob("py_mlp-*-py3-none-any.whl")
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", root / "venv"], check=True, timeout=120)
    bin_ = root / "venv" / "bin"
    subprocess.run([bin_ / "python", "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel],
                   check=True, timeout=300)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update(PY_MLP_CACHE=str(root / "cache"), PY_MLP_RUNTIME_MIRROR=str(support.LAYOUT.runtime),
               PY_MLP_RUNTIME_OFFLINE="1", NO_MKDOCS_2_WARNING="1")
    work = root / "work"
    work.mkdir()
    return bin_, env, work


def run(installed, *args, cwd=None):
    bin_, env, work = installed
    done = subprocess.run([bin_ / "python", *map(str, args)], capture_output=True, text=True, env=env,
                          cwd=cwd or work, timeout=300)
    return done.returncode, done.stdout + done.stderr


def cache_files(installed):
    cache = Path(installed[1]["PY_MLP_CACHE"])
    return {path: (path.stat().st_ino, path.stat().st_mtime_ns) for path in cache.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def filled_cache(installed):
    """`py-mlp setup` run once: the cache's files (inode and mtime of each) after it."""
    code, out = run(installed, "-m", "py_mlp", "setup")
    assert code == 0, out
    return cache_files(installed)


def test_the_wheel_carries_the_app_and_the_checkout_is_not_used(installed):
    code, out = run(installed, "-c", "import py_mlp, py_mlp.server.locations as l; "
                                     "print(py_mlp.__file__); print(l.web_folder())")
    assert code == 0, out
    package, web = out.split()
    assert "/venv/" in package and not package.startswith(str(support.REPO))
    assert web == str(Path(package).parent / "web") and (Path(web) / "index.html").is_file()


def test_py_mlp_serve_from_the_installed_package_trains(installed, page):
    bin_, env, work = installed
    spawned = support.Spawned(bin_ / "py-mlp", "serve", "--port", "0", "--quiet", name="py-mlp serve",
                              cwd=work, env=env)
    with support.url_of(spawned, timeout=120) as url:
        app = App(page, url).open()
        app.by("train").click()
        app.expect_state("paused", timeout=LOAD_TIMEOUT_MS)
        assert int(app.by("epoch").text_content()) > 0


def train_the_embed(page, url, epochs):
    page.goto(url)
    embed = page.locator("[data-py-mlp]")
    expect(embed).to_have_attribute("data-py-mlp-state", "placeholder")
    embed.get_by_role("button", name=RUN).click()
    frame = embed.locator("iframe").element_handle().content_frame()
    expect(frame.locator("#app")).to_have_attribute("data-state", "ready", timeout=LOAD_TIMEOUT_MS)
    frame.get_by_test_id("train").click()
    expect(frame.locator("#app")).to_have_attribute("data-state", "paused", timeout=LOAD_TIMEOUT_MS)
    expect(frame.get_by_test_id("epoch")).to_have_text(str(epochs))


def test_a_sphinx_project_with_only_the_extension_builds_and_its_embed_trains(installed, filled_cache, page):
    project = installed[2] / "sphinx"
    (project / "source").mkdir(parents=True)
    (project / "source" / "conf.py").write_text('extensions = ["py_mlp.sphinxext"]\n')
    (project / "source" / "index.rst").write_text(textwrap.dedent("""\
        A network
        =========

        .. py-mlp::
           :hidden: 4
           :epochs: 30
        """))
    code, out = run(installed, "-m", "sphinx", "-W", "-q", "-b", "html", "source", "html", cwd=project)
    assert code == 0, out
    assert "Traceback" not in out
    assert (project / "html" / "py-mlp" / "runtime" / "pyodide" / "pyodide.asm.wasm").is_file()
    assert cache_files(installed) == filled_cache  # nothing downloaded, nothing rewritten
    with support.plain_server(project / "html") as (url, _):
        train_the_embed(page, url + "index.html", 30)


def test_an_mkdocs_project_with_only_the_plugin_builds_from_the_cache_and_its_embed_trains(
        installed, filled_cache, page):
    project = installed[2] / "mkdocs"
    (project / "docs").mkdir(parents=True)
    (project / "mkdocs.yml").write_text(  # Material, fonts off: the default theme loads a CDN
        "site_name: A network\ntheme: {name: material, font: false}\nplugins: [py-mlp]\n")
    (project / "docs" / "index.md").write_text("# A network\n\n```py-mlp\nhidden: 4\nepochs: 20\n```\n")
    code, out = run(installed, "-m", "mkdocs", "build", "--strict", cwd=project)
    assert code == 0, out
    assert "Traceback" not in out
    assert cache_files(installed) == filled_cache  # nothing downloaded, nothing rewritten
    assert (project / "site" / "py-mlp" / "runtime" / "pyodide" / "pyodide.asm.wasm").is_file()
    with support.plain_server(project / "site") as (url, _):
        train_the_embed(page, url + "index.html", 20)
