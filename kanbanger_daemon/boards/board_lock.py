"""kanbanger's board lock: an exclusive ``flock`` on ``.kanban.lock`` in the board's folder.

kanbanger's MCP server and tools (``kanban_io.kanban_lock``) hold it around every read → modify
→ write of ``_kanban.md``. The daemon and our own MCP server take the same lock around their
read → plan → replace of a board (``boards.reconcile.reconcile_local``), so none of them ever
writes over an update another one made in between.

The file is created if missing and left in place, as kanbanger does. We open it read-only
(``flock`` needs no write access): closing a descriptor opened for writing raises inotify's
IN_CLOSE_WRITE, which would wake the watcher after every reconcile. A folder where the file
cannot be created is one nobody can write a board in either: we go on without the lock there.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kanbanger_daemon.boards.clock import BoardClock
from kanbanger_daemon.errors import BoardBusyError

LOCK_FILE = ".kanban.lock"
WAIT_S = 30.0  # kanbanger holds the lock for one edit; longer means it is stuck
_FIRST_PAUSE_S = 0.002
_MAX_PAUSE_S = 0.05


def _open(path: Path) -> int | None:
    try:
        return os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT, errno.ENOTDIR):
            return None  # the reconcile then fails (or not) as it would without the lock
        raise


def _acquire(fd: int, path: Path, wait_s: float, clock: BoardClock) -> None:
    deadline = clock.monotonic() + wait_s
    pause = _FIRST_PAUSE_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if clock.monotonic() >= deadline:
                raise BoardBusyError(
                    f"another program has held {LOCK_FILE} for over {wait_s:g} s; "
                    "will try again", file=str(path)) from None
            clock.sleep(pause)
            pause = min(pause * 2, _MAX_PAUSE_S)


@contextmanager
def board_lock(folder: Path, *, wait_s: float = WAIT_S, clock: BoardClock | None = None
               ) -> Iterator[None]:
    """``with board_lock(board_folder):`` — held for the whole read → plan → replace.

    Raises :class:`BoardBusyError` (retryable) when another holder keeps it over ``wait_s``
    (as ``clock`` counts; the system's by default).
    """
    path = folder / LOCK_FILE
    fd = _open(path)
    if fd is None:
        yield
        return
    try:
        _acquire(fd, path, wait_s, clock or BoardClock())
        yield
    finally:
        os.close(fd)  # closing drops the flock
