"""The one fake clock of the suite."""

from __future__ import annotations

import asyncio


class FakeClock:
    """A monotonic and a wall clock that move only when someone sleeps or a test moves ``now``.

    ``now`` is the monotonic reading, from 0; ``wall()`` (also ``time()``, for code that takes one
    clock for both) is ``wall_start + now``. ``sleeps`` records every sleep asked for.
    """

    def __init__(self, wall_start: float = 1_700_000_000.0) -> None:
        self.now = 0.0
        self.wall_start = wall_start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.wall_start + self.now

    def time(self) -> float:
        return self.wall()

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)
