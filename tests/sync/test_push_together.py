"""Boards changed together, as `kanbanger-daemon run` wires them: one mutation document for ten
boards, the time from a change to its confirmed push in ``status``, and polls that read no
settings (a board's target is read again when it is pushed, not per board per poll).
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import kanbanger_daemon.sync.pusher as pusher_module
from kanbanger_daemon.boards.workspace import find_boards
from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions
from kanbanger_daemon.daemon.wiring import wire_github_daemon
from kanbanger_daemon.github import GitHubClient, PacingConfig
from kanbanger_daemon.settings import Settings, load_settings
from kanbanger_daemon.sync.pull import Puller
from kanbanger_daemon.sync.pusher import BoardPusher
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.fake_github import point_at_fake
from tests.helpers.paths import EXAMPLES

pytestmark = [pytest.mark.timeout(60),
              pytest.mark.usefixtures("no_leaked_threads", "no_leaked_tasks"),
              pytest.mark.fake_github(second_project="Other")]
WEBSITE = EXAMPLES / "SPECs" / "website"
BOARDS = 10
WAIT_S = 30.0


@pytest.fixture
def workspace(tmp_path: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> Path:
    point_at_fake(monkeypatch, tmp_path, fake)
    monkeypatch.setenv("KANBANGER_STATUS_UPDATES", "false")
    root = tmp_path / "ws"
    for n in range(BOARDS):
        shutil.copytree(WEBSITE, root / "SPECs" / f"s{n:02d}")
    return root


def pusher_for(root: Path, settings: Settings, fake: FakeGitHub) -> BoardPusher:
    # A generous gathering window: on a loaded machine ten local reconciles may take a while,
    # and what is tested is that the boards under way share the document, not how fast.
    client = GitHubClient(token=fake.token, url=fake.url,
                          pacing=PacingConfig(min_mutation_interval=0.0, gather_s=10.0))
    return BoardPusher(root, settings, client, health_delay_s=None)


@pytest.fixture
async def daemon(workspace: Path, fake: FakeGitHub) -> AsyncIterator[Daemon]:
    settings = load_settings(workspace, flags={"quiet_ms": 50, "max_wait_ms": 500})
    pusher = pusher_for(workspace, settings, fake)
    options = RuntimeOptions(install_signal_handlers=False, heartbeat_interval_s=0.2,
                             supervise_interval_s=0.2, retry_base_s=0.05,
                             poll_interval_s=3600.0)
    daemon = wire_github_daemon(workspace, settings, pusher, options=options)
    task = asyncio.create_task(daemon.run())
    await daemon.wait_until(lambda: daemon.rescans >= 1 and daemon.idle.is_set(), WAIT_S)
    try:
        yield daemon
    finally:
        daemon.request_stop()
        assert await asyncio.wait_for(task, 15) == 0
        await pusher.aclose()


def finish_build(folder: Path) -> None:
    """The website log's task 2 completes: its card goes to Done."""
    path = folder / "progress_website.json"
    log = json.loads(path.read_text())
    log["tasks"][1]["status"] = "completed"
    path.write_text(json.dumps(log))


def builds_done(fake: FakeGitHub) -> int:
    return sum(1 for i in fake.items() if i.title.startswith("Task 2:") and i.status == "Done")


async def test_ten_boards_changed_together_are_one_mutation_document(
    daemon: Daemon, fake: FakeGitHub, workspace: Path
) -> None:
    assert builds_done(fake) == 0 and len(fake.items()) == 3 * BOARDS
    fake.reset_counters()
    for n in range(BOARDS):
        finish_build(workspace / "SPECs" / f"s{n:02d}")
    await daemon.wait_until(lambda: builds_done(fake) == BOARDS and daemon.idle.is_set(),
                            WAIT_S)
    assert fake.counters.mutation_documents == 1
    assert fake.counters.requests == 1  # planned from each board's saved state: no listing
    for n in range(BOARDS):
        board = daemon.board(f"SPECs/s{n:02d}")
        assert board is not None and board.last_push_latency_ms is not None
        assert 0 < board.last_push_latency_ms < WAIT_S * 1000


async def test_polls_read_no_settings_and_a_push_reads_its_boards_again(
    workspace: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kanbanger_daemon.boards.reconcile import reconcile_local

    settings = load_settings(workspace)
    pusher = pusher_for(workspace, settings, fake)
    keys = find_boards(workspace, settings.specs_dir, settings.effective_layout)
    try:
        for key in keys:
            await pusher.push(key, reconcile_local(workspace, key, settings))
        reads: list[Path | None] = []
        real = load_settings

        def counting(*args: object, **kwargs: object) -> Settings:
            reads.append(kwargs.get("spec_dir"))  # type: ignore[arg-type]
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(pusher_module, "load_settings", counting)
        puller = Puller(pusher, settings, lambda: keys)
        for _round in range(3):
            for key in keys:
                await puller.pull(key)
        assert reads == []  # was 1 + BOARDS per board per poll round
        assert pusher.describe_target(keys[0]) == "octo/specs#1"

        # The board's files change: its next push reads its settings again, and only its.
        (workspace / keys[0] / ".env").write_text("GITHUB_PROJECT_NUMBER=2\n")
        await pusher.push(keys[0], reconcile_local(workspace, keys[0], settings))
        assert reads == [workspace / keys[0]]
        assert pusher.describe_target(keys[0]) == "octo/specs#2"
        assert len(fake.items(2)) == 3
    finally:
        await pusher.aclose()


async def test_the_last_push_time_in_status_comes_from_the_pushers_clock(
    workspace: Path, fake: FakeGitHub
) -> None:
    from kanbanger_daemon.boards.reconcile import reconcile_local

    settings = load_settings(workspace)
    pusher = pusher_for(workspace, settings, fake)
    pusher.wall_clock = lambda: 1_234_567.0
    key = find_boards(workspace, settings.specs_dir, settings.effective_layout)[0]
    try:
        await pusher.push(key, reconcile_local(workspace, key, settings))
        assert pusher.status().last_push_at == 1_234_567.0
    finally:
        await pusher.aclose()
