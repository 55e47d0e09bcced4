"""Boards pushed together hand their expected-caller handle down every path that sends
mutations (the boards' changes, the project status update), in ``sync`` and in the daemon.

The shared document waits for the boards still planning, never for a caller that is already
handing in its calls. With a gathering window of an hour, a handle not handed down shows as
a push that never ends.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from kanbanger_daemon.boards.reconcile import reconcile_local
from kanbanger_daemon.boards.workspace import find_boards
from kanbanger_daemon.settings import load_settings
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.fake_github import point_at_fake
from tests.helpers.github_daemon import (
    builds_done,
    finish_build,
    pusher_for,
    running_daemon,
    website_boards,
)

pytestmark = [pytest.mark.timeout(60),
              pytest.mark.usefixtures("no_leaked_threads", "no_leaked_tasks")]
FOLDERS = ("SPECs/a", "SPECs/b")
HOLD_S = 3600.0  # the gathering window: never waited out by a push that works
WAIT_S = 30.0


@pytest.fixture
def workspace(tmp_path: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> Path:
    point_at_fake(monkeypatch, tmp_path, fake)
    return website_boards(tmp_path / "ws", FOLDERS)


async def test_a_sync_of_boards_and_their_status_update_never_waits_out_the_window(
    workspace: Path, fake: FakeGitHub
) -> None:
    settings = load_settings(workspace)
    assert settings.status_updates
    pusher = pusher_for(workspace, settings, fake, gather_s=HOLD_S)
    try:
        keys = find_boards(workspace, settings.specs_dir, settings.effective_layout)
        planned = [(key, await asyncio.to_thread(reconcile_local, workspace, key, settings))
                   for key in keys]
        results = await asyncio.wait_for(pusher.push_all(planned), WAIT_S)
    finally:
        await pusher.aclose()
    assert sorted(keys) == list(FOLDERS)
    assert all(not isinstance(r, Exception) and r.in_sync for r in results), results
    assert len(fake.items()) == 2 * 3 and len(fake.status_updates()) == 1


async def test_the_daemon_hands_each_reconcile_s_handle_to_its_push(
    workspace: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KANBANGER_STATUS_UPDATES", "false")
    settings = load_settings(workspace, flags={"quiet_ms": 50, "max_wait_ms": 500})
    pusher = pusher_for(workspace, settings, fake, gather_s=HOLD_S)
    async with running_daemon(workspace, settings, pusher) as daemon:
        await daemon.wait_until(lambda: len(fake.items()) == 2 * 3 and daemon.idle.is_set(),
                                WAIT_S)
        for folder in FOLDERS:  # both boards change at once: task 2 is done
            finish_build(workspace / folder)
        await daemon.wait_until(lambda: builds_done(fake) == 2 and daemon.idle.is_set(), WAIT_S)
