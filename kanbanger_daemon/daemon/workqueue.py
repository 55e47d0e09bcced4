"""A work queue with client-go semantics, so that boards never pile up or block each other.

* A key is pending at most once: ten changes to one board before a worker gets to it are one run.
* A key being processed is never handed to a second worker; if it changes meanwhile it is marked
  dirty and queued again when the first run is done (so the last change is always seen).
* A failed key is requeued after a jittered exponential backoff; success forgets its failures.

:class:`KeyQueue` is the synchronous state machine (time passed in, tested on a fake clock);
:class:`AsyncWorkQueue` wraps it for asyncio workers, taking time from the event loop.
"""

from __future__ import annotations

import asyncio
import heapq
import random
from collections import deque
from collections.abc import Callable

from kanbanger_daemon.watch.debounce import wait_event

BoardKey = str


class KeyQueue:
    """The queue's bookkeeping, free of clocks and asyncio."""

    def __init__(
        self,
        *,
        base_delay_s: float = 0.5,
        max_delay_s: float = 300.0,
        rng: random.Random | None = None,
    ) -> None:
        self._queue: deque[BoardKey] = deque()
        self._dirty: set[BoardKey] = set()
        self._processing: set[BoardKey] = set()
        self._waiting: list[tuple[float, int, BoardKey]] = []  # heap of (ready_at, seq, key)
        self._seq = 0
        self._failures: dict[BoardKey, int] = {}
        self._base = base_delay_s
        self._max = max_delay_s
        self._rng = rng or random.Random()

    # -- adding -------------------------------------------------------------------------
    def add(self, key: BoardKey) -> bool:
        """Queue ``key`` now. Returns True if this made a new entry in the ready queue."""
        if key in self._dirty:
            return False
        self._dirty.add(key)
        if key in self._processing:
            return False  # re-queued by done()
        self._queue.append(key)
        return True

    def add_after(self, key: BoardKey, delay_s: float, now: float) -> None:
        if delay_s <= 0:
            self.add(key)
            return
        self._seq += 1
        heapq.heappush(self._waiting, (now + delay_s, self._seq, key))

    def backoff_delay(self, key: BoardKey) -> float:
        """The delay the next failure of ``key`` will get: base·2ⁿ capped, jittered to ±50 %."""
        failures = self._failures.get(key, 0)
        delay: float = min(self._base * 2.0**failures, self._max)
        return delay * self._rng.uniform(0.5, 1.5)

    def add_rate_limited(self, key: BoardKey, now: float, at_least_s: float = 0.0) -> float:
        """Requeue a failed ``key`` after its backoff (never sooner than ``at_least_s``, e.g. a
        rate limit's reset); returns the delay chosen."""
        delay = max(self.backoff_delay(key), at_least_s)
        self._failures[key] = self._failures.get(key, 0) + 1
        self.add_after(key, delay, now)
        return delay

    def forget(self, key: BoardKey) -> None:
        """Stop counting failures for ``key`` (it succeeded, or failed for good)."""
        self._failures.pop(key, None)

    def failures(self, key: BoardKey) -> int:
        return self._failures.get(key, 0)

    # -- time ---------------------------------------------------------------------------
    def promote_due(self, now: float) -> int:
        """Move every delayed key whose time has come into the ready queue."""
        moved = 0
        while self._waiting and self._waiting[0][0] <= now:
            _, _, key = heapq.heappop(self._waiting)
            if self.add(key):
                moved += 1
        return moved

    def next_due(self) -> float | None:
        return self._waiting[0][0] if self._waiting else None

    def due_at(self, key: BoardKey) -> float | None:
        times = [t for t, _, k in self._waiting if k == key]
        return min(times) if times else None

    # -- workers ------------------------------------------------------------------------
    def get(self) -> BoardKey | None:
        """Hand out the next ready key (None if none), marking it as processing."""
        if not self._queue:
            return None
        key = self._queue.popleft()
        self._processing.add(key)
        self._dirty.discard(key)
        return key

    def done(self, key: BoardKey) -> bool:
        """Mark ``key`` finished; returns True if it changed meanwhile and is queued again."""
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.append(key)
            return True
        return False

    def drop_rerun(self, key: BoardKey) -> None:
        """``key`` is being processed: do not queue it again when it is done, whatever asked
        for that meanwhile (a delayed entry still brings it back)."""
        if key in self._processing:
            self._dirty.discard(key)

    # -- introspection ------------------------------------------------------------------
    @property
    def ready_count(self) -> int:
        return len(self._queue)

    @property
    def processing_count(self) -> int:
        return len(self._processing)

    @property
    def waiting_count(self) -> int:
        return len(self._waiting)

    def is_pending(self, key: BoardKey) -> bool:
        return key in self._dirty

    def is_processing(self, key: BoardKey) -> bool:
        return key in self._processing

    def is_busy(self) -> bool:
        """Anything ready or running (delayed retries do not count: they are scheduled work)."""
        return bool(self._queue or self._processing)


class AsyncWorkQueue:
    """:class:`KeyQueue` for asyncio workers; time comes from ``clock`` (the loop's by default)."""

    def __init__(
        self,
        keys: KeyQueue,
        *,
        clock: Callable[[], float] | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.keys = keys
        self._clock = clock
        self._wakeup = asyncio.Event()
        self._on_change = on_change or (lambda: None)
        self._closed = False

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    def _changed(self) -> None:
        self._wakeup.set()
        self._on_change()

    def add(self, key: BoardKey) -> None:
        self.keys.add(key)
        self._changed()

    def add_rate_limited(self, key: BoardKey, at_least_s: float = 0.0) -> float:
        delay = self.keys.add_rate_limited(key, self._now(), at_least_s)
        self._changed()
        return delay

    def done(self, key: BoardKey) -> None:
        self.keys.done(key)
        self._changed()

    def close(self) -> None:
        """Wake every waiting worker; ``get`` returns None from now on."""
        self._closed = True
        self._wakeup.set()

    async def get(self) -> BoardKey | None:
        """Wait for the next ready key; None once the queue is closed."""
        while not self._closed:
            self.keys.promote_due(self._now())
            key = self.keys.get()
            if key is not None:
                self._on_change()
                return key
            self._wakeup.clear()
            due = self.keys.next_due()
            timeout = None if due is None else max(0.0, due - self._now())
            await wait_event(self._wakeup, timeout)
        return None
