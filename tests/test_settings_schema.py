"""The one settings table (py_mlp.app.settings) drives check_config, the CLI, the docs and the page.

Each copy made from the table is checked against it: web/schema.js and the docs' tables
(docs/guide/settings.rst) are regenerated and compared, every library setting's range is enforced by
check_config and reachable through its CLI option, and the page's presets build.
"""

import math
from pathlib import Path

import numpy as np
import pytest

from py_mlp import build_run, settings
from py_mlp.cli import main
from py_mlp.app.config import ConfigError, check_config

REPO = Path(__file__).resolve().parents[1]
SETTINGS_PAGE = REPO / "docs" / "guide" / "settings.rst"
WRITE = "`python -m py_mlp web-schema web/schema.js --docs docs/guide/settings.rst`"
NUMBERS = [s for s in settings.LIBRARY if s.kind in ("int", "float")]
CHOICES = [s for s in settings.LIBRARY if s.kind == "choice"]


def test_the_page_schema_is_current():
    committed = (REPO / "web" / "schema.js").read_text(encoding="utf-8")
    assert committed == settings.web_module(), (
        f"web/schema.js is stale: run {WRITE} and commit"
    )


@pytest.mark.parametrize("which", list(settings.DOCS_MARKERS))
def test_the_docs_settings_tables_are_current(which):
    page = SETTINGS_PAGE.read_text(encoding="utf-8")
    start_marker, end_marker = settings.DOCS_MARKERS[which]
    start = page.index(start_marker) + len(start_marker) + 1
    end = page.index(end_marker)
    assert page[start:end] == settings.docs_table(which), (
        f"the {which} settings table in {SETTINGS_PAGE.relative_to(REPO)} is stale: run {WRITE} and commit"
    )


def test_the_writer_writes_the_schema_and_the_docs_tables(tmp_path):
    page = tmp_path / "settings.rst"
    page.write_text(SETTINGS_PAGE.read_text(encoding="utf-8").replace("| `seed` |", "| `sead` |"))
    assert "| `sead` |" in page.read_text(encoding="utf-8")
    assert main(["web-schema", str(tmp_path / "schema.js"), "--docs", str(page)]) == 0
    assert (tmp_path / "schema.js").read_text(encoding="utf-8") == settings.web_module()
    assert page.read_text(encoding="utf-8") == settings.with_docs_tables(page.read_text(encoding="utf-8"))
    assert "| `sead` |" not in page.read_text(encoding="utf-8")


def _outside(s):
    """Values just outside a number setting's range, and one at each edge that is inside."""
    step = 1 if s.kind == "int" else 1e-9
    bad, good = [], []
    (bad if s.above else good).append(s.low)
    bad.append(s.low - step)
    if s.high is not None:
        (bad if s.below else good).append(s.high)
        bad.append(s.high + step if s.kind == "int" else s.high * (1 + 1e-9) + 1e-9)
    return bad, good


@pytest.mark.parametrize("s", NUMBERS, ids=lambda s: s.name)
def test_check_config_enforces_every_number_range(s):
    bad, good = _outside(s)
    for value in bad:
        with pytest.raises(ConfigError) as err:
            check_config({s.name: value})
        assert err.value.key == s.name, value
    for value in good:
        if s.nullable and value == 0:
            assert check_config({s.name: value})[s.name] is None
        elif s.name != "n_classes" or value == 2:  # more classes need gaussians or spiral
            assert check_config({s.name: value})[s.name] == value


@pytest.mark.parametrize("s", NUMBERS, ids=lambda s: s.name)
def test_numpy_scalars_are_plain_numbers_everywhere(s):
    value = s.default if s.default is not None else 8
    scalar = np.int64(value) if s.kind == "int" else np.float32(value)
    checked = check_config({s.name: scalar})[s.name]
    assert type(checked) is (int if s.kind == "int" else float)
    assert math.isclose(checked, value, rel_tol=1e-6)


@pytest.mark.parametrize("s", CHOICES, ids=lambda s: s.name)
def test_check_config_refuses_a_name_that_is_not_a_choice(s):
    with pytest.raises(ConfigError) as err:
        check_config({s.name: "no-such-thing"})
    assert err.value.key == s.name


def test_every_library_setting_has_its_option_in_the_cli(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    for s in settings.LIBRARY:
        option = "--" + (s.cli or s.name).replace("_", "-")
        assert option in text, s.name


@pytest.mark.parametrize("s", NUMBERS, ids=lambda s: s.name)
def test_a_bad_cli_value_names_its_option(s, capsys):
    option = "--" + (s.cli or s.name).replace("_", "-")
    value = _outside(s)[0][-1]
    with pytest.raises(SystemExit) as exit_:
        main(["train", f"{option}={value}"])
    assert exit_.value.code == 2
    assert f"{option}:" in capsys.readouterr().err


@pytest.mark.parametrize("preset", list(settings.PRESETS))
def test_every_preset_builds_as_the_page_sends_it(preset):
    page = settings.page_config(preset)
    run = build_run(settings.run_config(page))
    assert run.config["hidden"] == page["hidden"]
    assert run.trainer.optimizer.lr == page["learning_rate"]


def test_every_page_default_parses_back_from_its_text():
    for s in settings.PAGE:
        text = ",".join(map(str, s.page)) if isinstance(s.page, list) else str(s.page)
        if s.kind == "widths" and not s.page:
            text = "none"
        assert settings.parse_page_value(s.name, text) == s.page, s.name


@pytest.mark.parametrize("name, text", [
    ("learning_rate", "0"), ("learning_rate", "0x10"), ("learning_rate", "Infinity"), ("n_samples", "1_000"),
    ("n_samples", "9"), ("hidden", "8, 65"), ("hidden", "1,1,1,1,1,1,1,1,1"), ("features", "x3"),
    ("activation", "softmax"), ("speed", "5"), ("loss", "mse"), ("__proto__", "1"),
])
def test_page_values_are_refused_with_the_setting_named(name, text):
    with pytest.raises(ConfigError) as err:
        settings.parse_page_value(name, text)
    assert err.value.key == name


def test_own_data_cannot_travel_in_page_values():
    with pytest.raises(ConfigError, match="own data"):
        settings.parse_page_values({"dataset": "custom"})


def _another_page_value(s, page):
    """A valid page value of ``s`` other than the one in ``page``."""
    if s.kind in ("choice", "names", "activations"):
        others = [c for c in settings.page_choices(s) if c not in ("", "custom") and c != page[s.name]]
        return [others[0]] if s.kind != "choice" else others[0]
    if s.kind == "widths":
        return [3]
    low, high = settings.page_range(s)
    return type(page[s.name])(low + (high - low) / 4) if s.kind == "float" else int(low + 3)


def test_every_page_setting_reaches_build_run_through_the_one_mapping():
    """settings.run_config is the page's only way to a run (the worker applies it): each page
    setting changes the run it makes, except the page's own speed."""
    base = settings.page_config(regularization="l2", reg_rate=0.01, dataset="spiral")
    run = settings.run_config(base)
    for s in settings.PAGE:
        changed = settings.run_config({**base, s.name: _another_page_value(s, base)})
        assert (changed != run) == (s.name != "speed"), s.name
    assert settings.run_config({}) == settings.run_config(settings.page_config())  # the page's defaults
    with pytest.raises(ConfigError) as err:
        settings.run_config({"momentum": 0.5})  # a library setting the page does not have
    assert err.value.key == "momentum"
