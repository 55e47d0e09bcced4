"""A warning worth one line is shown once per process: settings are loaded again for every push,
and a note about them (a misspelt name, a token file others can read) is not repeated each time.
The logging configuration owns what was already shown; reconfiguring keeps it."""

from __future__ import annotations

from pathlib import Path

import pytest
import structlog

from kanbanger_daemon.logging import configure_cli_logging, configure_logging, get_logger
from kanbanger_daemon.settings import load_settings, warn_exposed_token_files

MISSPELT = {"KANBANGER_LAYOT": "single"}
NOTE = "unknown setting KANBANGER_LAYOT (did you mean KANBANGER_LAYOUT?)"


def test_a_warning_marked_once_is_shown_once_and_others_every_time(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_cli_logging()
    log = get_logger("test")
    for _ in range(3):
        log.warning("the token file is loose", once=True)
        log.warning("GitHub did not answer")
    err = capsys.readouterr().err
    assert err.count("the token file is loose") == 1, err
    assert err.count("GitHub did not answer") == 3, err
    assert "once" not in err  # the mark is not part of the line


def test_settings_notes_are_shown_once_however_often_settings_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    configure_cli_logging()
    for _ in range(3):
        assert load_settings(tmp_path, environ=MISSPELT).notes
    assert capsys.readouterr().err.count(NOTE) == 1


def test_the_daemon_s_second_logging_configuration_keeps_what_was_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # `run` configures logging, loads the settings, then configures again from them.
    configure_logging(level="info", fmt="json")
    load_settings(tmp_path, environ=MISSPELT)
    configure_logging(level="debug", fmt="json")
    load_settings(tmp_path, environ=MISSPELT)
    assert capsys.readouterr().err.count(NOTE) == 1


def test_a_token_file_others_can_read_is_pointed_out_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("GITHUB_TOKEN=ghp_" + "a" * 36 + "\n")
    env_file.chmod(0o644)
    configure_cli_logging()
    for _ in range(2):
        assert warn_exposed_token_files(tmp_path, "SPECs") == [env_file]
    assert capsys.readouterr().err.count(f"chmod 600 {env_file}") == 1


def test_a_fresh_logging_configuration_starts_with_nothing_shown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # What one command showed does not silence the next one (or the next test).
    for _ in range(2):
        structlog.reset_defaults()
        configure_cli_logging()
        get_logger("test").warning("the token file is loose", once=True)
    assert capsys.readouterr().err.count("the token file is loose") == 2
