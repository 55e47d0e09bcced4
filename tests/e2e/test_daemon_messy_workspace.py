"""The real daemon (local-only) on a messy workspace: a SPEC with no tasks yet, a progress log
alone, a README, one SPEC that cannot be read. Only the broken board is in error; the draft SPEC
shows one note; what the files say is logged once per change, not on every reconcile."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from kanbanger_daemon.daemon.runtime import RuntimeOptions
from kanbanger_daemon.daemon.wiring import wire_daemon
from kanbanger_daemon.settings import load_settings
from tests.helpers.paths import EXAMPLES

pytestmark = [pytest.mark.timeout(30), pytest.mark.usefixtures("no_leaked_threads")]


def _messy(root: Path) -> None:
    shutil.copytree(EXAMPLES, root)
    specs = root / "SPECs"
    (specs / "README.md").write_text("# SPECs\n")
    draft = specs / "draft"
    draft.mkdir()
    (draft / "spec_draft.md").write_text("# Draft\n\n## Goal\nLater.\n\n## Tasks\n\n")
    lone = specs / "troubleshooting"
    lone.mkdir()
    (lone / "progress_Troubleshoot.json").write_text(json.dumps({"tasks": []}))
    broken = specs / "broken"
    broken.mkdir()
    (broken / "spec_broken.md").write_bytes(b"# B\n## Task 1: x\x00\n")


async def test_one_bad_spec_degrades_only_its_board_and_notes_are_logged_once(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ws"
    _messy(root)
    settings = load_settings(root, environ={"HOME": str(tmp_path)}, flags={"quiet_ms": 50})
    daemon = wire_daemon(root, settings, options=RuntimeOptions(
        install_signal_handlers=False, heartbeat_interval_s=0.2, supervise_interval_s=0.1))
    with capture_logs() as logs:
        task = asyncio.create_task(daemon.run())
        try:
            await daemon.wait_until(lambda: daemon.rescans >= 1 and daemon.idle.is_set())
            for n in (2, 3):  # rescans reconcile every board again: nothing new to say
                daemon.request_rescan()
                def rescanned(n: int = n) -> bool:
                    return daemon.rescans >= n and daemon.idle.is_set()

                await daemon.wait_until(rescanned)
            snapshot = daemon.snapshot().model_dump(mode="json")
        finally:
            daemon.request_stop()
            await task
    boards = snapshot["boards"]
    assert {"SPECs/website", "SPECs/draft", "SPECs/broken"} <= set(boards)
    assert "SPECs/troubleshooting" not in boards
    failing = {k for k, b in boards.items() if b["last_ok"] is False}
    assert failing == {"SPECs/broken"}
    assert boards["SPECs/broken"]["error_file"] == "SPECs/broken/spec_broken.md"
    assert "SPECs/broken" not in boards["SPECs/broken"]["last_error"]  # the path shown once
    (note,) = boards["SPECs/draft"]["notes"]
    assert "no tasks yet" in note
    assert (root / "SPECs/draft/_kanban.md").is_file()
    assert not (root / "SPECs/troubleshooting/_kanban.md").exists()
    events = [e["event"] for e in logs]
    assert events.count("reconcile.note") == 1
    assert events.count("reconcile.error") == 1
