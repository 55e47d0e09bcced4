"""One daemon per workspace: an exclusive ``flock`` on ``<root>/.kanbanger/daemon.lock``.

``flock`` (not POSIX record locks) because it belongs to the open file description: a second
open of the same file in the same process is refused too, and closing an unrelated descriptor
never drops it. The kernel releases it when the process dies, even on ``kill -9``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from types import TracebackType

from kanbanger_daemon.errors import LockError

LOCK_NAME = "daemon.lock"


def state_dir(root: Path) -> Path:
    return root / ".kanbanger"


def lock_path(root: Path) -> Path:
    return state_dir(root) / LOCK_NAME


def read_lock_pid(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


class WorkspaceLock:
    """``with WorkspaceLock(root):`` — raises :class:`LockError` naming the holder's pid."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = lock_path(root)
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = read_lock_pid(self.path)
            who = f"pid {holder}" if holder else "another process"
            raise LockError(
                f"another kanbanger-daemon ({who}) already serves {self.root}; "
                f"stop it first (lock: {self.path})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing drops the flock

    def __enter__(self) -> WorkspaceLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
