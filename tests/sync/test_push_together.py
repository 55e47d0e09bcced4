"""Boards changed together, as `kanbanger-daemon run` wires them: one mutation document for ten
boards, the time from a change to its confirmed push in ``status``, and polls that read no
settings (a board's target is read again when it is pushed, not per board per poll).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import kanbanger_daemon.sync.pusher as pusher_module
from kanbanger_daemon.boards.workspace import find_boards
from kanbanger_daemon.daemon.runtime import Daemon
from kanbanger_daemon.settings import Settings, load_settings
from kanbanger_daemon.sync.pull import Puller
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
              pytest.mark.usefixtures("no_leaked_threads", "no_leaked_tasks"),
              pytest.mark.fake_github(second_project="Other")]
BOARDS = 10
WAIT_S = 30.0


@pytest.fixture
def workspace(tmp_path: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> Path:
    point_at_fake(monkeypatch, tmp_path, fake)
    monkeypatch.setenv("KANBANGER_STATUS_UPDATES", "false")
    return website_boards(tmp_path / "ws", (f"SPECs/s{n:02d}" for n in range(BOARDS)))


# A generous gathering window: on a loaded machine ten local reconciles may take a while, and
# what is tested is that the boards under way share the document, not how fast.
GATHER_S = 10.0


@pytest.fixture
async def daemon(workspace: Path, fake: FakeGitHub) -> AsyncIterator[Daemon]:
    settings = load_settings(workspace, flags={"quiet_ms": 50, "max_wait_ms": 500})
    pusher = pusher_for(workspace, settings, fake, gather_s=GATHER_S)
    async with running_daemon(workspace, settings, pusher) as running:
        await running.wait_until(lambda: running.rescans >= 1 and running.idle.is_set(), WAIT_S)
        yield running


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
    pusher = pusher_for(workspace, settings, fake, gather_s=GATHER_S)
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
    pusher = pusher_for(workspace, settings, fake, gather_s=GATHER_S)
    pusher.wall_clock = lambda: 1_234_567.0
    key = find_boards(workspace, settings.specs_dir, settings.effective_layout)[0]
    try:
        await pusher.push(key, reconcile_local(workspace, key, settings))
        assert pusher.status().last_push_at == 1_234_567.0
    finally:
        await pusher.aclose()
