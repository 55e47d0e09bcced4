"""GitHub's rate limits as the fake applies them: the primary point budget and the
content-creation cap (80 a minute, 500 an hour, each aliased create counted)."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

CREATION_LIMITS: tuple[tuple[float, int], ...] = ((60.0, 80), (3600.0, 500))
PRIMARY_WINDOW = 3600.0


@dataclass
class PrimaryBudget:
    """Points per hour; every document costs one (GitHub's minimum cost)."""

    limit: int
    clock: Callable[[], float]
    used: int = 0
    window_start: float | None = None

    def _roll(self) -> None:
        now = self.clock()
        if self.window_start is None or now >= self.window_start + PRIMARY_WINDOW:
            self.window_start, self.used = now, 0

    @property
    def reset_at(self) -> int:
        self._roll()
        assert self.window_start is not None
        return math.ceil(self.window_start + PRIMARY_WINDOW)

    @property
    def remaining(self) -> int:
        self._roll()
        return max(0, self.limit - self.used)

    def spend(self, cost: int = 1) -> None:
        self._roll()
        self.used += cost


class CreationWindow:
    """A sliding window of content-creating mutations, like GitHub's secondary limit."""

    def __init__(self, clock: Callable[[], float],
                 limits: tuple[tuple[float, int], ...] = CREATION_LIMITS) -> None:
        self.clock = clock
        self.limits = limits
        self._times: deque[float] = deque()

    def admit(self, count: int) -> float | None:
        """Record `count` creates now, or refuse them all: seconds to wait before retrying."""
        if count <= 0:
            return None
        now = self.clock()
        longest = max(span for span, _ in self.limits)
        while self._times and self._times[0] <= now - longest:
            self._times.popleft()
        wait = 0.0
        for span, cap in self.limits:
            recent = [t for t in self._times if t > now - span]
            over = len(recent) + count - cap
            if over > 0:
                # The window frees a slot when its oldest create leaves it.
                index = min(over, len(recent)) - 1
                wait = max(wait, recent[index] + span - now) if recent else span
        if wait > 0:
            return wait
        self._times.extend([now] * count)
        return None
