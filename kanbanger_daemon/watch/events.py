"""From watchdog's threads to the asyncio loop, and which file names are noise.

The handler runs on watchdog's dispatcher thread. It must never block the observer, never do
I/O and never raise (an exception there kills the observer thread), so all it does is hand a
small immutable :class:`FsEvent` to the loop with ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import logging
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from watchdog.events import FileSystemEvent, FileSystemEventHandler

EventKind = Literal["created", "modified", "deleted", "moved", "closed", "overflow", "other"]


@dataclass(frozen=True, slots=True)
class FsEvent:
    kind: EventKind
    path: str
    dest_path: str | None = None
    is_dir: bool = False


# Editors' and tools' scratch files. Their events are noise: the real change arrives as the
# rename onto the real name (routed by its destination) or as a write to the real file.
_IGNORED_NAME_PATTERNS = (
    "*.swp", "*.swx", "*.swo", "*.swn",  # vim swap files
    "4913",  # vim's "can I write here" probe
    "*~",  # backups (vim, emacs, nano)
    ".#*", "#*#",  # emacs lock and autosave
    "*.tmp", "*.temp", "*.part", "*.bak", "*.orig",
    "sed??????",  # sed -i temp file
    ".goutputstream-*",  # GNOME/gio atomic save
    ".~lock.*#",  # LibreOffice
    ".*.kanbanger-tmp*",  # our own atomic-write temp files
    ".DS_Store",
)
_IGNORED_DIR_PARTS = frozenset({".git", ".kanbanger", "__pycache__", ".hg", ".svn", ".idea"})


def is_ignored_name(path: str | PurePath) -> bool:
    """True for editor swap/backup/temp files and anything inside VCS or daemon folders."""
    pure = PurePath(path)
    if any(part in _IGNORED_DIR_PARTS for part in pure.parts):
        return True
    name = pure.name
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in _IGNORED_NAME_PATTERNS)


def relevant_paths(event: FsEvent) -> list[str]:
    """The paths of ``event`` that can feed a board: a move counts for both ends."""
    paths = [event.path]
    if event.dest_path:
        paths.append(event.dest_path)
    return [p for p in paths if p and not is_ignored_name(p)]


def _to_str(value: bytes | str) -> str:
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


class LoopBridge(FileSystemEventHandler):
    """watchdog handler that forwards events into an ``asyncio.Queue`` owned by ``loop``."""

    def __init__(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[FsEvent]) -> None:
        self._loop = loop
        self._queue = queue

    def post(self, event: FsEvent) -> None:
        # RuntimeError: the loop is closed, the daemon is shutting down; nothing left to tell.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._queue.put_nowait, event)

    def dispatch(self, event: FileSystemEvent) -> None:
        try:
            kind: EventKind = (
                event.event_type  # type: ignore[assignment]
                if event.event_type in ("created", "modified", "deleted", "moved")
                else "closed" if event.event_type == "closed" else "other"
            )
            if kind == "other":
                return  # opened / closed_no_write carry no change
            dest = _to_str(event.dest_path) if event.dest_path else None
            self.post(FsEvent(kind, _to_str(event.src_path), dest, bool(event.is_directory)))
        except Exception:  # a handler exception would kill the observer thread
            logging.getLogger(__name__).debug("dropped a filesystem event", exc_info=True)


# watchdog reports a kernel queue overflow (IN_Q_OVERFLOW) only through its logger: once from
# the inotify reader ("events were lost"), and once per recursive watch it then rebuilds from
# ``watchdog.observers.inotify``, which we leave out so one overflow counts once.
_OVERFLOW_LOGGERS = ("watchdog.observers.inotify_c",)


class OverflowDetector(logging.Handler):
    """Turns watchdog's "queue overflowed" log records into an ``overflow`` event."""

    def __init__(self, bridge: LoopBridge) -> None:
        super().__init__(level=logging.WARNING)
        self._bridge = bridge

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if "overflow" in record.getMessage().lower():
                self._bridge.post(FsEvent("overflow", ""))
        except Exception:
            pass

    def install(self) -> None:
        for name in _OVERFLOW_LOGGERS:
            logging.getLogger(name).addHandler(self)

    def uninstall(self) -> None:
        for name in _OVERFLOW_LOGGERS:
            logging.getLogger(name).removeHandler(self)
