"""`run` says what it is about to do: one line at start-up with the workspace, the boards it
found, where each goes and whether two-way sync is on; and it warns, saying where it looked,
when there is no SPECs folder."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.fake_github import point_at_fake
from tests.helpers.paths import EXAMPLES
from tests.helpers.waiting import wait_for

pytestmark = pytest.mark.timeout(60)
BOARDS = ("SPECs/ACGTACGT/spec_data_pipeline", "SPECs/website")


def start_and_read_until_started(root: Path) -> list[dict[str, Any]]:
    """Start `kanbanger-daemon run` (logs are JSON lines off a terminal), wait until it has
    published its status (it is watching), stop it with SIGTERM as systemd would, and return
    its log up to and including the start-up line."""
    proc = subprocess.Popen([sys.executable, "-m", "kanbanger_daemon", "run", "--root", str(root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: (root / ".kanbanger" / "status.json").is_file() or
                 proc.poll() is not None, within_s=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    lines = [json.loads(line) for line in err.splitlines()]
    events = [line["event"] for line in lines]
    assert "daemon.start" in events, err
    return lines[:events.index("daemon.start") + 1]


def test_run_names_the_workspace_its_boards_and_where_they_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeGitHub
) -> None:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    (root / "SPECs" / "website" / ".env").write_text("GITHUB_PROJECT_NUMBER=7\n")
    point_at_fake(monkeypatch, tmp_path, fake)
    monkeypatch.setenv("KANBANGER_TWO_WAY", "false")
    start = start_and_read_until_started(root)[-1]
    assert start["event"] == "daemon.start" and start["level"] == "info"
    assert start["workspace"] == str(root)
    assert start["boards_found"] == 2
    assert start["boards"] == {BOARDS[0]: "octo/specs#1", BOARDS[1]: "octo/specs#7"}
    assert start["two_way"] == "off"


def test_run_local_only_says_so_and_two_way_is_off(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    start = start_and_read_until_started(root)[-1]
    assert start["boards"] == {key: "local-only" for key in BOARDS}
    assert start["two_way"] == "off"


def test_run_without_a_specs_folder_warns_where_it_looked(tmp_path: Path) -> None:
    root = tmp_path / "not-a-workspace"
    root.mkdir()
    lines = start_and_read_until_started(root)
    warning = next(line for line in lines if line["level"] == "warning")
    assert warning["event"].startswith("no SPECs/ folder")
    assert warning["looked_in"] == str(root / "SPECs")
    assert lines[-1]["boards_found"] == 0
