"""Docs built by the real tools, read in Chromium: a Sphinx site (furo) with the app inside
its output, and a MkDocs site (Material) on one site with the app on another. On each,
a reader presses Run on the guide's two embeds, trains both, and each trains the
configuration its directive or fenced block asked for.

The builds are the session's (tests/conftest.py, tests/docs/); each site is served by
a plain static server, as a static host would serve it.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from docs_projects import MKDOCS_GUIDE, SPHINX_GUIDE, embed_options
from py_mlp import settings
from py_mlp.docs_plugins import embed as docs_embed

LOAD_TIMEOUT_MS = 120_000
RUN = re.compile(r"^Run")
VIEWPORT = {"width": 1280, "height": 2400}  # both embeds in view: a browser slows frames out of view


def expected_run_config(options):
    """What the page sends to build_run for an embed's options, from the settings table."""
    values = settings.parse_page_values({k: v for k, v in options.items() if k in docs_embed.SETTING_OPTIONS})
    return settings.run_config(settings.page_config(options.get("preset", "circles"), **values))


def run_and_train_both(page, sources_options, app_url):
    """Press Run on both embeds of the page, then train each and check what it trained."""
    embeds = page.locator("[data-py-mlp]")
    expect(embeds).to_have_count(len(sources_options))
    for i in range(len(sources_options)):
        expect(embeds.nth(i)).to_have_attribute("data-py-mlp-state", "placeholder")
    for i in range(len(sources_options)):
        embeds.nth(i).get_by_role("button", name=RUN).click()
    for i, options in enumerate(sources_options):
        embed = embeds.nth(i)
        assert embed.locator("iframe").get_attribute("src").startswith(app_url + "index.html?embed=1")
        frame = embed.locator("iframe").element_handle().content_frame()
        app = frame.locator("#app")
        expect(app).to_have_attribute("data-state", "ready", timeout=LOAD_TIMEOUT_MS)
        expect(app).to_have_attribute("data-busy", "false")
        assert frame.evaluate("window.pyMlp.config()") == expected_run_config(options)
        wanted = options.get("panels")
        if wanted:
            names = [name.strip() for name in wanted.split(",")]
            for name in settings.PANELS:
                if name != "trace":  # the tutorial's log shows only for its preset
                    panel = frame.locator(f'[data-panel="{name}"]').first
                    expect(panel).to_be_visible() if name in names else expect(panel).to_be_hidden()
        frame.get_by_test_id("train").click()
        expect(app).to_have_attribute("data-state", "paused", timeout=LOAD_TIMEOUT_MS)
        expect(frame.get_by_test_id("epoch")).to_have_text(options["epochs"])


def test_sphinx_docs_with_the_app_in_their_output_train_two_embeds(page, sphinx_docs):
    page.set_viewport_size(VIEWPORT)
    page.goto(sphinx_docs.url + "guide/networks.html")
    expect(page.locator("body")).to_contain_text("A spiral needs a wider network")
    run_and_train_both(page, embed_options(SPHINX_GUIDE), sphinx_docs.url + "py-mlp/")


def test_mkdocs_docs_on_another_site_than_the_app_train_two_embeds(page, mkdocs_docs, app_site):
    """Docs at localhost, the app at 127.0.0.1: two sites. The reader arrives at the guide
    by Material's instant navigation (no reload), so the embeds appear after embed.js ran."""
    assert mkdocs_docs.url.startswith("http://localhost:") and app_site.startswith("http://127.0.0.1:")
    page.set_viewport_size(VIEWPORT)
    with page.expect_response(mkdocs_docs.url + "sitemap.xml") as sitemap:  # instant navigation reads it
        page.goto(mkdocs_docs.url)
    sitemap.value.finished()  # before that, Material lets a click load the page as usual
    page.evaluate("window.notReloaded = true")
    page.get_by_role("link", name="the guide").click()
    expect(page).to_have_url(mkdocs_docs.url + "guide/")
    expect(page.locator("[data-py-mlp]").first).to_have_attribute("data-py-mlp-state", "placeholder")
    assert page.evaluate("window.notReloaded === true"), "the page was reloaded, not swapped"
    run_and_train_both(page, embed_options(MKDOCS_GUIDE), app_site)
