"""Boards pushed together hand their expected-caller handle down every path that sends
mutations (the boards' changes, the project status update), in ``sync`` and in the daemon.

The shared document waits for the boards still planning, never for a caller that is already
handing in its calls. With a gathering window of an hour, a handle not handed down shows as
a push that never ends.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from kanbanger_daemon.boards.reconcile import reconcile_local
from kanbanger_daemon.boards.workspace import find_boards
from kanbanger_daemon.daemon.runtime import RuntimeOptions
from kanbanger_daemon.daemon.wiring import wire_github_daemon
from kanbanger_daemon.github import GitHubClient, PacingConfig
from kanbanger_daemon.settings import Settings, load_settings
from kanbanger_daemon.sync.pusher import BoardPusher
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.fake_github import point_at_fake
from tests.helpers.paths import EXAMPLES

pytestmark = [pytest.mark.timeout(60),
              pytest.mark.usefixtures("no_leaked_threads", "no_leaked_tasks")]
WEBSITE = EXAMPLES / "SPECs" / "website"
FOLDERS = ("SPECs/a", "SPECs/b")
HOLD_S = 3600.0  # the gathering window: never waited out by a push that works
WAIT_S = 30.0


@pytest.fixture
def workspace(tmp_path: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> Path:
    point_at_fake(monkeypatch, tmp_path, fake)
    root = tmp_path / "ws"
    for folder in FOLDERS:
        shutil.copytree(WEBSITE, root / folder)
    return root


def pusher_for(root: Path, settings: Settings, fake: FakeGitHub) -> BoardPusher:
    client = GitHubClient(token=fake.token, url=fake.url,
                          pacing=PacingConfig(min_mutation_interval=0.0, gather_s=HOLD_S))
    return BoardPusher(root, settings, client, health_delay_s=None)


def builds_done(fake: FakeGitHub) -> int:
    return sum(1 for i in fake.items() if i.title.startswith("Task 2:") and i.status == "Done")


async def test_a_sync_of_boards_and_their_status_update_never_waits_out_the_window(
    workspace: Path, fake: FakeGitHub
) -> None:
    settings = load_settings(workspace)
    assert settings.status_updates
    pusher = pusher_for(workspace, settings, fake)
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
    pusher = pusher_for(workspace, settings, fake)
    options = RuntimeOptions(install_signal_handlers=False, heartbeat_interval_s=0.2,
                             supervise_interval_s=0.2, retry_base_s=0.05,
                             poll_interval_s=3600.0)
    daemon = wire_github_daemon(workspace, settings, pusher, options=options)
    task = asyncio.create_task(daemon.run())
    try:
        await daemon.wait_until(lambda: len(fake.items()) == 2 * 3 and daemon.idle.is_set(),
                                WAIT_S)
        for folder in FOLDERS:  # both boards change at once: task 2 is done
            path = workspace / folder / "progress_website.json"
            log = json.loads(path.read_text())
            log["tasks"][1]["status"] = "completed"
            path.write_text(json.dumps(log))
        await daemon.wait_until(lambda: builds_done(fake) == 2 and daemon.idle.is_set(), WAIT_S)
    finally:
        daemon.request_stop()
        assert await asyncio.wait_for(task, 15) == 0
        await pusher.aclose()
