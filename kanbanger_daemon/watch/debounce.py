"""Per-board debouncing: a burst of events on one board becomes one reconcile.

A board fires ``quiet_s`` after its last event, or ``max_wait_s`` after its first event of the
burst at the latest (so a file rewritten continuously still reaches the board regularly).
The class is a pure state machine over times passed in; :func:`run_debouncer` drives it on
the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

BoardKey = str


@dataclass
class _Burst:
    first_at: float
    last_at: float
    events: int


class Debouncer:
    def __init__(self, quiet_s: float, max_wait_s: float) -> None:
        self.quiet_s = quiet_s
        self.max_wait_s = max(max_wait_s, quiet_s)
        self._bursts: dict[BoardKey, _Burst] = {}

    def note(self, key: BoardKey, now: float) -> None:
        """Record one event for ``key`` at ``now``."""
        burst = self._bursts.get(key)
        if burst is None:
            self._bursts[key] = _Burst(now, now, 1)
        else:
            burst.last_at = now
            burst.events += 1

    def _deadline(self, burst: _Burst) -> float:
        return min(burst.last_at + self.quiet_s, burst.first_at + self.max_wait_s)

    def pop_due(self, now: float) -> list[BoardKey]:
        """Keys whose burst is over (or has lasted long enough); they are forgotten here."""
        due = [k for k, b in self._bursts.items() if self._deadline(b) <= now]
        for key in due:
            del self._bursts[key]
        return due

    def next_deadline(self) -> float | None:
        if not self._bursts:
            return None
        return min(self._deadline(b) for b in self._bursts.values())

    def pending_events(self, key: BoardKey) -> int:
        burst = self._bursts.get(key)
        return burst.events if burst else 0

    def clear(self) -> None:
        self._bursts.clear()

    def __len__(self) -> int:
        return len(self._bursts)


async def wait_event(event: asyncio.Event, within_s: float | None) -> bool:
    """Wait for ``event`` at most ``within_s`` seconds (None: forever); True if it was set.

    Not ``asyncio.wait_for``: on Python 3.11 it can swallow a cancellation that arrives just as
    the event is set, and a task that ignores its cancellation hangs the daemon's shutdown.
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(within_s):
            await event.wait()
            return True
    return False


async def run_debouncer(
    debouncer: Debouncer,
    wakeup: asyncio.Event,
    fire: Callable[[BoardKey], None],
    clock: Callable[[], float],
) -> None:
    """Fire due keys forever; ``wakeup`` is set by whoever calls ``note`` (cancel to stop)."""
    while True:
        for key in debouncer.pop_due(clock()):
            fire(key)
        wakeup.clear()
        deadline = debouncer.next_deadline()
        timeout = None if deadline is None else max(0.0, deadline - clock())
        await wait_event(wakeup, timeout)
