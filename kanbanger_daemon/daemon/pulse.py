"""Every change of the daemon's state goes through one call: idleness, waiters, the publisher.

The parts of the daemon call :meth:`Pulse.changed` after they change anything; the pulse then
tells whether the daemon is idle (no event, burst, run or rescan left: what tests and benches
wait for), wakes whoever waits for a condition, and marks the status as due for publishing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable


class Pulse:
    def __init__(self, is_idle: Callable[[], bool], idle: asyncio.Event | None = None) -> None:
        self._is_idle = is_idle
        self.idle = idle or asyncio.Event()
        self.idle_count = 0  # how many times the daemon became idle
        # Set on every change; the status publisher clears it when it writes the status.
        self.status_dirty = asyncio.Event()
        self._waiters: list[asyncio.Event] = []

    def changed(self) -> None:
        if self._is_idle():
            if not self.idle.is_set():
                self.idle_count += 1
                self.idle.set()
        else:
            self.idle.clear()
        self.status_dirty.set()
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            waiter.set()

    async def wait_until(self, predicate: Callable[[], bool], within_s: float) -> None:
        """Wait until ``predicate()`` holds, re-checking on every change."""
        async with asyncio.timeout(within_s):
            while not predicate():
                waiter = asyncio.Event()
                self._waiters.append(waiter)
                try:
                    await waiter.wait()
                finally:
                    with contextlib.suppress(ValueError):
                        self._waiters.remove(waiter)
