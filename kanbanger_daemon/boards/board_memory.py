"""What this process last saw in each board file, to tell a save in progress from a real change.

An editor saving in place truncates the board first: for a moment it is empty. Planning from
that moment would write a fresh board over the person's, and their save would land on a file
that is no longer the board. So a board that reads empty, missing or undecodable where it
last held cards is not planned from until it has stayed that way for :data:`SETTLE_S` (a person
who really emptied or deleted the board then gets a fresh one).

One per process that keeps boards (the daemon, the MCP server), passed to each reconcile;
a one-shot command starts with an empty one. It carries the process's
:class:`~kanbanger_daemon.boards.clock.BoardClock`, the only time a reconcile reads.
Thread-safe: reconciles run in worker threads.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from kanbanger_daemon.boards.atomic import FileIdentity
from kanbanger_daemon.boards.clock import BoardClock

__all__ = ["SETTLE_S", "BoardMemory"]

SETTLE_S = 0.5
"""How long an odd-looking board must stay unchanged before it is believed."""


def _key(path: Path | str) -> str:
    return os.path.normpath(os.path.abspath(os.fspath(path)))


class BoardMemory:
    """Per board path: did it hold content when last seen, and since when has it looked odd."""

    def __init__(self, clock: BoardClock | None = None) -> None:
        self.clock = clock or BoardClock()
        self._had_content: dict[str, bool] = {}
        self._odd_since: dict[str, tuple[FileIdentity | None, float]] = {}
        self._lock = threading.Lock()

    def saw(self, path: Path | str, *, has_content: bool) -> None:
        """The board was read and planned from, or written, holding content or not."""
        key = _key(path)
        with self._lock:
            self._had_content[key] = has_content
            self._odd_since.pop(key, None)

    def had_content(self, path: Path | str) -> bool:
        with self._lock:
            return self._had_content.get(_key(path), False)

    def settle_left(self, path: Path | str, identity: FileIdentity | None) -> float:
        """Seconds before an odd-looking board (``identity`` None: missing) may be believed:
        none if it held no cards when last seen and was not modified a moment ago.

        The wait restarts whenever the board changes: only an unchanged file counts as settled.
        """
        key, now = _key(path), self.clock.monotonic()
        modified = identity.mtime_ns / 1e9 if identity is not None else 0.0
        if not self.had_content(path) and self.clock.wall() - modified >= SETTLE_S:
            return 0.0
        with self._lock:
            seen = self._odd_since.get(key)
            if seen is None or seen[0] != identity:
                self._odd_since[key] = (identity, now)
                return SETTLE_S
        return max(0.0, SETTLE_S - (now - seen[1]))

    def forget(self, path: Path | str) -> None:
        with self._lock:
            self._had_content.pop(_key(path), None)
            self._odd_since.pop(_key(path), None)

