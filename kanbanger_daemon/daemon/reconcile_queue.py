"""The boards waiting to be reconciled, and why: the work queue plus each board's reasons.

Every way a board gets work (a file change, a rescan, a poll, a retry) goes through here, so
the queue's rules (a board pending once, never run twice at a time, retried with backoff) and
the reasons handed to the run (:class:`~kanbanger_daemon.daemon.triggers.Run`) stay together.

A board GitHub told to wait (a rate limit) is *held* until its retry comes due at GitHub's
reset: a rescan or a poll meanwhile only adds its reason to that retry's run. A file change
still runs it at once (the local board must not lag by an hour; its push waits for the reset).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from kanbanger_daemon.daemon.triggers import Reasons, Trigger
from kanbanger_daemon.daemon.workqueue import AsyncWorkQueue, KeyQueue

BoardKey = str


class ReconcileQueue:
    def __init__(self, *, retry_base_s: float, retry_max_s: float, rng: random.Random,
                 on_change: Callable[[], None]) -> None:
        self.keys = KeyQueue(base_delay_s=retry_base_s, max_delay_s=retry_max_s, rng=rng)
        self._queue = AsyncWorkQueue(self.keys, on_change=on_change)
        self._reasons = Reasons()
        self._held: set[BoardKey] = set()  # waiting for a retry at GitHub's reset

    def add(self, key: BoardKey, trigger: Trigger) -> None:
        self._reasons.add(key, trigger)
        if key in self._held and trigger is not Trigger.CHANGE:
            return  # runs at GitHub's reset, with this reason among the retry's
        self._queue.add(key)

    def retry_later(self, key: BoardKey, at_least_s: float = 0.0) -> float:
        """Run ``key`` again after its backoff (at least ``at_least_s``: GitHub's wait, during
        which only a file change runs it); returns the delay."""
        self._reasons.add(key, Trigger.RETRY)
        if at_least_s > 0:
            self._held.add(key)
            if Trigger.CHANGE not in self._reasons.pending(key):
                self.keys.drop_rerun(key)  # a rescan or poll that came during the run waits too
        return self._queue.add_rate_limited(key, at_least_s)

    async def get(self) -> tuple[BoardKey, frozenset[Trigger]] | None:
        """The next board to run and its reasons; None once the queue is closed."""
        key = await self._queue.get()
        if key is None:
            return None
        self._held.discard(key)
        return key, self._reasons.take(key)

    def done(self, key: BoardKey) -> None:
        self._queue.done(key)

    def close(self) -> None:
        self._queue.close()

    def succeeded(self, key: BoardKey) -> None:
        """Forget the failures of ``key`` (it succeeded, failed for good, or went away)."""
        self.keys.forget(key)

    def failures(self, key: BoardKey) -> int:
        return self.keys.failures(key)

    def is_busy(self) -> bool:
        return self.keys.is_busy()

    def holds(self, key: BoardKey) -> bool:
        """``key`` is waiting or running."""
        return self.keys.is_pending(key) or self.keys.is_processing(key)
