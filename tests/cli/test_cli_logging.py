"""What one-shot commands say: their result on stdout, and on stderr only warnings and worse,
as plain lines (info too with -v). No JSON log line ever reaches a person's terminal from them;
the daemon (`run`) keeps structured logs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kanbanger_daemon.cli import main
from kanbanger_daemon.logging import configure_cli_logging, get_logger
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.fake_github import point_at_fake


def json_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("{")]


def test_sync_prints_its_result_and_no_log_line(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub,
) -> None:
    point_at_fake(monkeypatch, tmp_path, fake)
    assert main(["sync", "--root", str(ws)]) == 0
    out = capsys.readouterr()
    assert re.fullmatch(r"\d+ HTTP requests", out.out.splitlines()[-1])
    assert out.err == ""  # "status update posted" is info: not shown unless asked
    (ws / "SPECs" / "website" / "progress_website.json").write_text(
        (ws / "SPECs" / "website" / "progress_website.json").read_text()
        .replace('"in_progress"', '"completed"'))
    assert main(["sync", "--root", str(ws), "-v"]) == 0
    out = capsys.readouterr()
    assert json_lines(out.out + out.err) == []
    assert "kanbanger-daemon: info: status update posted (project=1, status=" in out.err


def test_sync_json_is_the_only_thing_on_stdout(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub,
) -> None:
    point_at_fake(monkeypatch, tmp_path, fake)
    assert main(["sync", "--json", "-v", "--root", str(ws)]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["failed"] == 0
    assert "status update posted" in out.err and json_lines(out.err) == []


def test_a_warning_reads_as_one_plain_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_cli_logging(verbose=False)
    log = get_logger("kanbanger_daemon.test")
    log.info("not shown")
    log.warning("status update refused", project=3, error="bad\x1b[31m")
    assert capsys.readouterr().err == (
        "kanbanger-daemon: warning: status update refused (project=3, error=bad\\x1b[31m)\n")


def test_generate_with_a_misspelt_setting_warns_plainly(
    ws: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KANBANGER_LAYOT", "single")
    assert main(["generate", str(ws / "SPECs" / "website"), "--root", str(ws)]) == 0
    err = capsys.readouterr().err
    assert json_lines(err) == []
    assert "kanbanger-daemon: warning: " in err and "KANBANGER_LAYOUT" in err
