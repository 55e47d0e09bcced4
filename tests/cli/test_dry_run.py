"""`--dry-run` writes nothing anywhere: no board, no retrospective, no `.kanbanger/` state,
whatever the command (checked by snapshotting the whole workspace and the home folder)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kanbanger_daemon.cli import main
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.fake_github import point_at_fake


def tree(*folders: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file and folder: mode, modification time and content."""
    out: dict[str, tuple[int, int, bytes]] = {}
    for folder in folders:
        for path in [folder, *folder.rglob("*")]:
            stat = path.lstat()
            data = path.read_bytes() if path.is_file() else b""
            out[str(path)] = (stat.st_mode, stat.st_mtime_ns, data)
    return out


@pytest.mark.parametrize("command", ["generate", "progress", "retrospective",
                                     "spec-to-kanban", "sync-spec-progress",
                                     "spec-retrospective"])
def test_a_local_dry_run_writes_nothing(
    ws: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    home = Path(os.environ["HOME"])
    before = tree(ws, home)
    assert main([command, str(ws / "SPECs" / "website"), "--dry-run",
                 "--root", str(ws)]) == 0
    assert capsys.readouterr().out  # it printed what it would write
    assert tree(ws, home) == before


def test_sync_dry_run_writes_nothing_not_even_workspace_state(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub,
) -> None:
    point_at_fake(monkeypatch, tmp_path / "home", fake)
    (tmp_path / "home").mkdir()
    before = tree(ws, tmp_path / "home")
    assert main(["sync", "--dry-run", "--root", str(ws)]) == 0
    assert "+ create" in capsys.readouterr().out
    assert tree(ws, tmp_path / "home") == before
    assert not (ws / ".kanbanger").exists()
    # The real run afterwards makes the state a dry run did not.
    assert main(["sync", "--root", str(ws)]) == 0
    assert (ws / ".kanbanger" / "workspace-id").is_file()


def test_sync_dry_run_after_a_sync_writes_nothing(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub,
) -> None:
    point_at_fake(monkeypatch, tmp_path, fake)
    assert main(["sync", "--root", str(ws)]) == 0
    log = ws / "SPECs" / "website" / "progress_website.json"
    log.write_text(log.read_text().replace('"in_progress"', '"completed"'))
    before = tree(ws)
    assert main(["sync", "--dry-run", "--root", str(ws)]) == 0
    assert "~ update" in capsys.readouterr().out
    assert tree(ws) == before
