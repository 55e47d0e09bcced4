"""How fast the client may talk to GitHub: one request at a time, spaced, within budgets.

* One request in flight per client (an ``asyncio.Lock`` held for the whole round trip).
* At least ``min_mutation_interval`` seconds between the end of one mutation document and the
  start of the next (GitHub's guidance for mutations).
* A sliding-window cap on content-creating mutations, counted one by one even when aliased
  (GitHub allows 80/min and 500/h and does not say how it counts aliases; stay under it).
* Pause-everything: after a primary limit until ``x-ratelimit-reset``, after a secondary one for
  ``retry-after`` or 60 s doubling. Every request waits for the pause to end.

All time comes from the injected ``clock`` (monotonic), ``wall_clock`` (epoch, for GitHub's reset
times) and ``sleep``; tests drive them with a fake clock.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class PacingConfig:
    """Speeds, budgets and batch sizes. The defaults follow DESIGN §6."""

    min_mutation_interval: float = 1.0
    creates_per_minute: int = 60
    creates_per_hour: int = 400
    create_batch_size: int = 25
    other_batch_size: int = 50
    page_size: int = 100
    min_page_size: int = 25
    secondary_default_wait: float = 60.0
    secondary_max_wait: float = 3600.0
    primary_default_wait: float = 60.0  # when GitHub gives no reset time
    reset_margin: float = 1.0  # GitHub's reset is in whole seconds; don't arrive early
    retry_base: float = 1.0
    retry_max: float = 60.0
    # How long a mutation document may wait for the other boards being reconciled at the same
    # time to hand in their changes (counted from the oldest change queued; see ``sender``).
    gather_s: float = 0.5

    def __post_init__(self) -> None:
        if self.creates_per_minute < 1 or self.creates_per_hour < 1:
            raise ValueError("creation caps must be at least 1")
        if self.create_batch_size < 1 or self.other_batch_size < 1:
            raise ValueError("batch sizes must be at least 1")
        if not 1 <= self.min_page_size <= self.page_size <= 100:
            raise ValueError("page sizes must satisfy 1 <= min_page_size <= page_size <= 100")

    @property
    def max_create_batch(self) -> int:
        """A create document never holds more calls than a window allows."""
        return min(self.create_batch_size, self.creates_per_minute, self.creates_per_hour)


_TOLD_AFTER_S = 2.0  # shorter waits are the ordinary rhythm, not worth a word


class Pacer:
    """Grants the right to send one request, after every wait the rules require."""

    def __init__(
        self,
        config: PacingConfig,
        *,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.config = config
        self._clock = clock
        self._wall_clock = wall_clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._last_mutation_end: float | None = None
        self._creates: deque[float] = deque()  # monotonic send times, one per created item
        self._paused_until: float | None = None  # monotonic
        self._secondary_wait: float | None = None  # next secondary wait when GitHub gives none
        self.total_waited = 0.0
        # Told of each wait longer than a moment, with its reason, so a person can be told too.
        self.on_wait: Callable[[float, str], None] | None = None

    # --- pauses ---------------------------------------------------------------------------

    @property
    def paused_until_wall(self) -> float | None:
        """The end of the current pause as epoch seconds (None when not paused)."""
        if self._paused_until is None:
            return None
        left = self._paused_until - self._clock()
        return self._wall_clock() + left if left > 0 else None

    def _extend_pause(self, seconds: float) -> None:
        until = self._clock() + max(0.0, seconds)
        if self._paused_until is None or until > self._paused_until:
            self._paused_until = until

    def pause_for_primary(self, reset_at: float | None) -> float:
        """Pause everything until GitHub's reset (epoch s). Returns the pause length."""
        if reset_at is None:
            seconds = self.config.primary_default_wait
        else:
            seconds = max(0.0, reset_at - self._wall_clock()) + self.config.reset_margin
        self._extend_pause(seconds)
        return seconds

    def pause_for_secondary(self, retry_after: float | None) -> float:
        """Pause for ``retry-after``, or 60 s doubling on each refusal without one."""
        if retry_after is not None:
            seconds = retry_after
        else:
            seconds = self._secondary_wait or self.config.secondary_default_wait
            self._secondary_wait = min(seconds * 2, self.config.secondary_max_wait)
        self._extend_pause(seconds)
        return seconds

    def note_success(self) -> None:
        """A request went through: the secondary back-off starts again from 60 s."""
        self._secondary_wait = None

    # --- waits ----------------------------------------------------------------------------

    def _creation_wait(self, now: float, creates: int) -> float:
        """How long until ``creates`` more creations fit in both sliding windows."""
        wait = 0.0
        for window, cap in (
            (60.0, self.config.creates_per_minute),
            (3600.0, self.config.creates_per_hour),
        ):
            inside = [t for t in self._creates if t > now - window]
            if not inside:
                continue  # an empty window admits any batch (batches are capped by config)
            excess = len(inside) + creates - cap
            if excess > 0:
                # The oldest `excess` entries must leave the window first.
                index = min(excess, len(inside)) - 1
                wait = max(wait, inside[index] + window - now)
        return wait

    def _wait_needed(self, *, mutation: bool, creates: int) -> float:
        now = self._clock()
        waits = [(0.0, "")]
        if self._paused_until is not None:
            waits.append((self._paused_until - now, "GitHub's rate limit"))
        if mutation and self._last_mutation_end is not None:
            waits.append((self._last_mutation_end + self.config.min_mutation_interval - now,
                          "the pacing between mutation documents"))
        if creates:
            waits.append((self._creation_wait(now, creates),
                          f"GitHub's creation limit ({self.config.creates_per_minute}/min, "
                          f"{self.config.creates_per_hour}/h)"))
        wait, why = max(waits)
        if wait >= _TOLD_AFTER_S and self.on_wait is not None:
            self.on_wait(wait, why)
        return wait

    async def wait_turn(self, *, mutation: bool = True) -> None:
        """Wait, without taking the slot, until a request could go (spacing and pauses): a
        mutation document is built only then, so changes made meanwhile join it."""
        while (wait := self._wait_needed(mutation=mutation, creates=0)) > 0:
            self.total_waited += wait
            await self._sleep(wait)

    @asynccontextmanager
    async def slot(self, *, mutation: bool = False, creates: int = 0) -> AsyncIterator[None]:
        """Hold the right to send one request; ``creates`` items are charged to the budget."""
        async with self._lock:
            while (wait := self._wait_needed(mutation=mutation, creates=creates)) > 0:
                self.total_waited += wait
                await self._sleep(wait)
            now = self._clock()
            self._creates.extend([now] * creates)
            while self._creates and self._creates[0] <= now - 3600.0:
                self._creates.popleft()
            try:
                yield
            finally:
                if mutation:
                    self._last_mutation_end = self._clock()
