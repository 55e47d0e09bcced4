"""Recognise the daemon's own writes by content, never by timers.

The local reconciler calls :meth:`OwnWrites.record` with the exact bytes it writes to a board
file. When the watcher later sees an event on that file, the router reads the file's current
bytes and asks :meth:`OwnWrites.is_own`: if they hash to what we wrote, the event is an echo of
our own write and causes no work. If a user edited the file since, the hash
differs and the board is reconciled as usual — no time window can swallow a real edit.

Only the last write per path is remembered: an event always reflects the file's *current*
bytes, so older hashes can never match anything that matters.

One registry per daemon, shared by its reconciles and its event router (passed explicitly).
Thread-safe: the reconciler may run in a worker thread while the event loop checks events.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

__all__ = ["OwnWrites"]


def _key(path: Path | str) -> str:
    # Absolute and normalised but not resolved: resolving symlinks would need I/O and the
    # reconciler and the watcher both see the same workspace-relative paths anyway.
    return os.path.normpath(os.path.abspath(os.fspath(path)))


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


class OwnWrites:
    """Per-path sha256 of the bytes this process last wrote."""

    def __init__(self) -> None:
        self._hashes: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def record(self, path: Path | str, data: bytes) -> None:
        """Remember that we just wrote ``data`` to ``path``."""
        digest = _digest(data)
        with self._lock:
            self._hashes[_key(path)] = digest

    def is_own(self, path: Path | str, data: bytes) -> bool:
        """True if ``data`` (the file's current bytes) is exactly what we last wrote there."""
        with self._lock:
            expected = self._hashes.get(_key(path))
        return expected is not None and expected == _digest(data)

    def is_own_file(self, path: Path | str) -> bool:
        """Read ``path`` and check it against our last write; unreadable → not ours."""
        key = _key(path)
        with self._lock:
            if key not in self._hashes:
                return False  # cheap answer without touching the disk
        try:
            data = Path(key).read_bytes()
        except OSError:
            return False
        return self.is_own(key, data)

    def forget(self, path: Path | str) -> None:
        """Drop what we know about ``path`` (e.g. the board was deleted)."""
        with self._lock:
            self._hashes.pop(_key(path), None)

    def clear(self) -> None:
        with self._lock:
            self._hashes.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._hashes)

