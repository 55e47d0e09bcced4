"""Two daemons on two clones of a workspace, one fake GitHub: edits on both converge.

The daemons are the real runtime (watchdog observers, debouncer, work queue, local reconcile,
BoardPusher, two-way Puller) wired as `kanbanger-daemon run` wires them, in one event loop.
Waits are on the daemons' own state changes, never fixed sleeps.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest

from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions
from kanbanger_daemon.daemon.wiring import wire_github_daemon
from kanbanger_daemon.settings import load_settings
from kanbanger_daemon.sync.pusher import BoardPusher, client_from
from kanbanger_daemon.testing import FakeGitHub
from tests.test_two_workspaces import (  # the same clones, edits and board checks as the sync loops
    BUILD,
    LAUNCH,
    board_snapshot,
    clones,
    set_task_status,
    status_of,
)

__all__ = ["clones"]  # a fixture, re-used
pytestmark = [pytest.mark.timeout(60),
              pytest.mark.usefixtures("no_leaked_threads", "no_leaked_tasks")]
WAIT_S = 20.0


@dataclass
class Running:
    daemon: Daemon
    pusher: BoardPusher
    task: asyncio.Task[int]

    async def stop(self) -> int:
        self.daemon.request_stop()
        try:
            return await asyncio.wait_for(self.task, 15)
        finally:
            await self.pusher.aclose()

    async def settled(self) -> None:
        """A poll of GitHub (two-way sync), then a full rescan, each waited for until idle."""
        before = self.daemon.idle_count
        self.daemon.request_poll()
        await self.daemon.wait_idle_after(before, WAIT_S)
        rescans = self.daemon.rescans
        self.daemon.request_rescan()
        await self.daemon.wait_until(
            lambda: self.daemon.rescans > rescans and self.daemon.idle.is_set(), WAIT_S)


def start(root: Path) -> Running:
    """A daemon wired as `kanbanger-daemon run` wires it, two-way sync included."""
    settings = load_settings(root, flags={"quiet_ms": 50, "max_wait_ms": 500})
    pusher = BoardPusher(root, settings, client_from(settings))
    options = RuntimeOptions(install_signal_handlers=False, heartbeat_interval_s=0.2,
                             supervise_interval_s=0.2, retry_base_s=0.05,
                             poll_interval_s=3600.0)  # polls come from the test
    daemon = wire_github_daemon(root, settings, pusher, options=options)
    return Running(daemon, pusher, asyncio.create_task(daemon.run()))


async def test_two_daemons_converge_with_no_duplicate_and_no_flapping(
    clones: tuple[Path, Path], fake: FakeGitHub, tmp_path: Path
) -> None:
    a_root, b_root = clones
    a = start(a_root)
    b: Running | None = None
    try:
        await a.daemon.wait_until(lambda: a.daemon.rescans >= 1 and a.daemon.idle.is_set(),
                                  WAIT_S)
        first = board_snapshot(fake)
        b = start(b_root)  # B has no sync state: it adopts A's items by marker
        await b.daemon.wait_until(lambda: b is not None and b.daemon.rescans >= 1
                                  and b.daemon.idle.is_set(), WAIT_S)
        assert board_snapshot(fake) == first
        cards = len(first)

        # A finishes Build while B (without A's progress log) starts Launch.
        set_task_status(a_root, 2, "completed")
        set_task_status(b_root, 3, "in_progress")
        await a.daemon.wait_until(lambda: status_of(fake, BUILD) == "Done"
                                  and a.daemon.idle.is_set(), WAIT_S)
        await b.daemon.wait_until(lambda: status_of(fake, LAUNCH) == "In Progress"
                                  and b.daemon.idle.is_set(), WAIT_S)
        converged = board_snapshot(fake)

        # Polls and rescans on both (every poll_interval; at start, SIGHUP, every ~10 min)
        # change nothing: no flapping, though each clone's progress disagrees with a card.
        for _ in range(2):
            await a.settled()
            await b.settled()
            assert board_snapshot(fake) == converged
        assert status_of(fake, BUILD) == "Done"
        assert status_of(fake, LAUNCH) == "In Progress"
        assert len(fake.items()) == cards  # nothing was ever created twice
    finally:
        codes = [await a.stop()] + ([await b.stop()] if b is not None else [])
    assert codes == [0] * len(codes)
