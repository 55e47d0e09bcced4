"""The reconcile workers: take a board from the queue, run its reconcile, record what happened.

A retryable failure (a torn read, GitHub unreachable or rate limited) comes back after a
backoff, never sooner than GitHub asked; a permanent one (a SPEC that cannot be read) is shown
in ``status`` until the files change. A reconcile that runs longer than
``stuck_after_s`` without saying it is alive (:attr:`Run.alive`) makes the daemon unhealthy,
which withholds the systemd watchdog.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from kanbanger_daemon.daemon.board_status import Boards
from kanbanger_daemon.daemon.reconcile_queue import ReconcileQueue
from kanbanger_daemon.daemon.triggers import Run
from kanbanger_daemon.errors import (
    InputError,
    KanbangerError,
    RateLimitError,
    SecondaryRateLimitError,
)
from kanbanger_daemon.logging import get_logger
from kanbanger_daemon.models.status import ReconcileResult

BoardKey = str
ReconcileFn = Callable[[BoardKey, Run], Awaitable[ReconcileResult]]
log = get_logger("kanbanger_daemon.daemon")


def wait_demanded_by(exc: KanbangerError, wall_now: float) -> float:
    """Seconds GitHub told us to keep quiet (rate limits); 0 when it said nothing."""
    if isinstance(exc, RateLimitError) and exc.reset_at is not None:
        return max(0.0, exc.reset_at - wall_now)
    if isinstance(exc, SecondaryRateLimitError):
        return exc.retry_after if exc.retry_after is not None else 60.0
    return 0.0


def failed_result(exc: KanbangerError) -> ReconcileResult:
    if isinstance(exc, InputError):  # the place is shown apart from the message
        return ReconcileResult.failed(exc.detail, file=exc.file, line=exc.line)
    return ReconcileResult.failed(exc.message)


class Reconciler:
    """Runs boards from ``queue`` through ``reconcile`` (see the module docstring)."""

    def __init__(self, root: Path, reconcile: ReconcileFn, queue: ReconcileQueue,
                 boards: Boards, *, stuck_after_s: float, wall_clock: Callable[[], float],
                 changed: Callable[[], None]) -> None:
        self._root = root
        self._reconcile = reconcile
        self._queue = queue
        self._boards = boards
        self._stuck_after_s = stuck_after_s
        self._wall_clock = wall_clock
        self._changed = changed
        self._running_since: dict[BoardKey, float] = {}  # loop time of each run's last sign

    async def work(self) -> None:
        """One worker: runs boards until the queue is closed."""
        while (taken := await self._queue.get()) is not None:
            key, reasons = taken
            try:
                await self._run(key, Run(reasons, self._alive_signal(key)))
            finally:
                self._queue.done(key)
                self._changed()

    def none_stuck(self) -> bool:
        now = asyncio.get_running_loop().time()
        return all(now - since < self._stuck_after_s for since in self._running_since.values())

    def _alive_signal(self, key: BoardKey) -> Callable[[], None]:
        loop = asyncio.get_running_loop()

        def refresh() -> None:
            if key in self._running_since:
                self._running_since[key] = loop.time()

        def alive() -> None:
            loop.call_soon_threadsafe(refresh)

        return alive

    def _vanished(self, key: BoardKey) -> bool:
        """The board's folder is gone (a SPEC folder deleted or moved away): nothing to keep."""
        return key != "." and not (self._root / key).is_dir()

    async def _run(self, key: BoardKey, run: Run) -> None:
        if self._vanished(key):
            self._boards.drop(key)
            self._queue.succeeded(key)
            return
        self._boards.ensure(key)
        self._running_since[key] = asyncio.get_running_loop().time()
        changed_at = self._boards.take_change(key)
        try:
            result = await self._reconcile(key, run)
        except KanbangerError as exc:
            if exc.retryable:
                self._boards.keep_change(key, changed_at)
                self._retry_later(key, exc.message, wait_demanded_by(exc, self._wall_clock()))
            else:
                self._queue.succeeded(key)
                self._boards.record(key, failed_result(exc))
        except Exception as exc:  # a bug or an OS error: log it, retry with backoff
            log.exception("reconcile.crashed", board=key)
            self._boards.keep_change(key, changed_at)
            self._retry_later(key, f"{type(exc).__name__}: {exc}")
        else:
            self._queue.succeeded(key)
            self._boards.record(key, result, changed_at)
        finally:
            self._running_since.pop(key, None)

    def _retry_later(self, key: BoardKey, message: str, at_least_s: float = 0.0) -> None:
        delay = self._queue.retry_later(key, at_least_s)
        self._boards.record_retry(key, message, self._queue.failures(key), delay)
