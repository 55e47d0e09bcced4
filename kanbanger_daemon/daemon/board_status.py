"""What the daemon knows of each board: its status (shown by ``status``) and when it changed.

One owner for both: the router notes when a board's files changed, the reconcile workers record
each run's result (and how long the change took to reach GitHub), the rescanner drops boards
that are gone, the status publisher reads them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from kanbanger_daemon.logging import get_logger
from kanbanger_daemon.models.status import BoardStatus, ReconcileResult

BoardKey = str
log = get_logger("kanbanger_daemon.daemon")


class Boards:
    def __init__(self, wall_clock: Callable[[], float]) -> None:
        self._wall_clock = wall_clock
        self._status: dict[BoardKey, BoardStatus] = {}
        self._changed_at: dict[BoardKey, float] = {}  # wall time of a board's latest file event
        self.reconciles_total = 0  # runs recorded, retries included

    def __iter__(self) -> Iterator[BoardKey]:
        return iter(list(self._status))

    def __len__(self) -> int:
        return len(self._status)

    def get(self, key: BoardKey) -> BoardStatus | None:
        return self._status.get(key)

    def ensure(self, key: BoardKey) -> BoardStatus:
        board = self._status.get(key)
        if board is None:
            board = self._status[key] = BoardStatus(key=key)
        return board

    def drop(self, key: BoardKey) -> None:
        self._status.pop(key, None)
        self._changed_at.pop(key, None)

    def sorted(self) -> dict[BoardKey, BoardStatus]:
        return {k: self._status[k] for k in sorted(self._status)}

    def failing(self) -> int:
        return sum(1 for b in self._status.values() if b.last_error)

    # -- change times: how long a change takes to reach GitHub ---------------------------
    def note_change(self, key: BoardKey) -> None:
        self._changed_at[key] = self._wall_clock()

    def take_change(self, key: BoardKey) -> float | None:
        """When the change a run starting now takes in was made (None: no file changed)."""
        return self._changed_at.pop(key, None)

    def keep_change(self, key: BoardKey, changed_at: float | None) -> None:
        """A failed run's change is pushed by a later one: time it from the change."""
        if changed_at is not None:
            self._changed_at.setdefault(key, changed_at)

    # -- results ------------------------------------------------------------------------
    def record(self, key: BoardKey, result: ReconcileResult, changed_at: float | None = None
               ) -> None:
        board = self.ensure(key)
        self.reconciles_total += 1
        # Logged once per change of what the files say, not on every reconcile or poll.
        new_error = (result.error, result.error_file, result.error_line) != (
            board.last_error, board.error_file, board.error_line)
        new_notes = [n for n in result.notes or [] if n not in board.notes]
        now = self._wall_clock()
        board.record(result, at=now)
        if changed_at is not None and result.remote_ops:
            board.last_push_latency_ms = max(0, round((now - changed_at) * 1000))
        for note in new_notes:
            log.info("reconcile.note", board=key, note=note)
        if not result.ok and new_error:
            where = result.error_file
            if where and result.error_line is not None:
                where = f"{where}:{result.error_line}"
            log.warning("reconcile.error", board=key, error=result.error, where=where)

    def record_retry(self, key: BoardKey, message: str, failures: int, delay_s: float) -> None:
        self.reconciles_total += 1
        self.ensure(key).record_retry(message, failures, self._wall_clock(), delay_s)
        log.info("reconcile.retry", board=key, delay_s=round(delay_s, 2), error=message)
