"""Settings are declared once, with help text, documented in the README, and read strictly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kgraph.errors import BadParameter
from kgraph.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_has_help_and_is_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    for variable, _default, help_text in Settings.describe():
        assert help_text.strip(), variable
        assert f"`{variable}`" in readme, f"{variable} is not documented in README.md"


@pytest.mark.parametrize(
    ("variable", "raw", "reason"),
    [
        ("KGRAPH_QUERY_TIMEOUT", "soon", "KGRAPH_QUERY_TIMEOUT='soon' is not a number"),
        ("KGRAPH_QUERY_TIMEOUT", "-1", "KGRAPH_QUERY_TIMEOUT='-1': give a number from 0 to 86400"),
        (
            "KGRAPH_QUERY_TIMEOUT",
            "inf",
            "KGRAPH_QUERY_TIMEOUT='inf': give a number from 0 to 86400",
        ),
        (
            "KGRAPH_QUERY_TIMEOUT",
            "nan",
            "KGRAPH_QUERY_TIMEOUT='nan': give a number from 0 to 86400",
        ),
        ("KGRAPH_MAX_ROWS", "1.5", "KGRAPH_MAX_ROWS='1.5' is not a whole number"),
        (
            "KGRAPH_QUERY_WORKERS",
            "100000",
            "KGRAPH_QUERY_WORKERS='100000': give a number from 0 to 64",
        ),
        ("KGRAPH_PORT", "70000", "KGRAPH_PORT='70000': give a number from 0 to 65535"),
    ],
)
def test_a_bad_value_is_one_clear_reason(variable: str, raw: str, reason: str) -> None:
    with pytest.raises(BadParameter) as caught:
        Settings.from_env({variable: raw})
    assert caught.value.reason == reason


def test_good_values_are_read_as_their_kind() -> None:
    settings = Settings.from_env(
        {"KGRAPH_QUERY_TIMEOUT": "2.5", "KGRAPH_MAX_ROWS": " 7 ", "KGRAPH_DATA_DIR": "/tmp/x"}
    )
    assert settings.query_timeout == 2.5
    assert settings.max_rows == 7
    assert settings.data_dir == Path("/tmp/x")


def test_the_cli_stops_on_a_bad_setting_with_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kgraph", "query", "ASK {}"],
        capture_output=True,
        text=True,
        env={**os.environ, "KGRAPH_QUERY_TIMEOUT": "soon"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "kgraph: KGRAPH_QUERY_TIMEOUT='soon' is not a number\n"
