"""Two daemons on two clones of a workspace, one fake GitHub: edits on both converge.

The daemons are the real runtime (watchdog observers, debouncer, work queue, local reconcile,
BoardPusher, two-way Puller) wired as `kanbanger-daemon run` wires them, in one event loop.
Waits are on the daemons' own state changes, never fixed sleeps.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.two_clones import (
    BUILD,
    LAUNCH,
    WAIT_S,
    Running,
    board_snapshot,
    set_task_status,
    start,
    status_of,
)

pytestmark = [pytest.mark.timeout(60),
              pytest.mark.usefixtures("no_leaked_threads", "no_leaked_tasks")]


async def test_two_daemons_converge_with_no_duplicate_and_no_flapping(
    clones: tuple[Path, Path], fake: FakeGitHub, tmp_path: Path
) -> None:
    a_root, b_root = clones
    a = start(a_root)
    b: Running | None = None
    try:
        await a.first_rescan()
        first = board_snapshot(fake)
        b = start(b_root)  # B has no sync state: it adopts A's items by marker
        await b.first_rescan()
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
