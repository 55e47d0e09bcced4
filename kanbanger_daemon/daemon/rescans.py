"""Full rescans and the timers that ask for work: the periodic rescan and two-way polls.

A rescan lists every board afresh and queues each one (level-triggered: nothing is trusted
from events). It is asked for at start, on SIGHUP, after an event overflow or an observer
restart, and every ``rescan_interval_s`` (± 25 %, so that daemons started together spread
out). Boards gone from the listing are forgotten unless they are waiting or running. A board
waiting out a GitHub rate limit is not run early: its rescan or poll joins the run at the reset
(:class:`~kanbanger_daemon.daemon.reconcile_queue.ReconcileQueue`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from kanbanger_daemon.daemon.board_status import Boards
from kanbanger_daemon.daemon.reconcile_queue import ReconcileQueue
from kanbanger_daemon.daemon.triggers import Trigger
from kanbanger_daemon.logging import get_logger

BoardKey = str
DiscoverFn = Callable[[], list[BoardKey]]
log = get_logger("kanbanger_daemon.daemon")


class Rescanner:
    def __init__(self, discover: DiscoverFn, queue: ReconcileQueue, boards: Boards, *,
                 changed: Callable[[], None]) -> None:
        self._discover = discover
        self._queue = queue
        self._boards = boards
        self._changed = changed
        self._wanted = asyncio.Event()
        self._periodic = False
        self._running = 0
        self.rescans = 0

    def request(self, *, periodic: bool = False) -> None:
        self._periodic = self._periodic or periodic
        self._wanted.set()
        self._changed()

    def is_busy(self) -> bool:
        return self._running > 0 or self._wanted.is_set()

    async def serve(self) -> None:
        """Rescan whenever asked, forever (cancel to stop)."""
        while True:
            await self._wanted.wait()
            self._running += 1
            self._wanted.clear()
            trigger = Trigger.PERIODIC if self._periodic else Trigger.RESCAN
            self._periodic = False
            try:
                await self.rescan(trigger)
            except Exception:
                log.exception("rescan.failed")
            finally:
                self._running -= 1
                self._changed()

    async def rescan(self, trigger: Trigger) -> None:
        keys = await asyncio.to_thread(self._discover)
        for key in keys:
            self._queue.add(key, trigger)
        for gone in set(self._boards) - set(keys):
            if not self._queue.holds(gone):
                self._boards.drop(gone)
        self.rescans += 1


async def every(interval_s: Callable[[], float], action: Callable[[], None]) -> None:
    """Call ``action`` after each ``interval_s()`` seconds of loop time, forever."""
    while True:
        await asyncio.sleep(interval_s())
        action()


def poll_all(queue: ReconcileQueue, boards: Boards) -> None:
    """Two-way sync: queue every known board for a look at its GitHub project first."""
    for key in boards:
        queue.add(key, Trigger.POLL)
