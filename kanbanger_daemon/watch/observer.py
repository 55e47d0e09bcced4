"""Start, check and rebuild the watchdog observer; fall back to polling when inotify runs out.

``WatchSupervisor`` owns one observer at a time. ``ensure_running()`` is called every few
seconds by the runtime: if the observer or one of its emitter threads died, it is rebuilt and
the caller is told to rescan (events were lost while it was down).
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirModifiedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from kanbanger_daemon.logging import get_logger

log = get_logger(__name__)

INOTIFY_LIMIT_HINT = (
    "inotify limits exhausted; watching by polling (slower). Raise them with: "
    "sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=1024"
)
_LIMIT_ERRNOS = frozenset({errno.ENOSPC, errno.EMFILE})

ObserverFactory = Callable[[], BaseObserver]

# The events that can mean a change. Left out: a file opened, or closed without a write. Every
# read the daemon makes would queue two of those; at thousands of boards a rescan's reads
# overflowed the kernel's queue (16,384 events), and the overflow asked for another rescan.
CHANGE_EVENTS: tuple[type[FileSystemEvent], ...] = (
    FileCreatedEvent, DirCreatedEvent, FileModifiedEvent, DirModifiedEvent, FileDeletedEvent,
    DirDeletedEvent, FileMovedEvent, DirMovedEvent, FileClosedEvent,
)


@dataclass(frozen=True)
class WatchTarget:
    path: Path
    recursive: bool


def is_inotify_limit_error(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in _LIMIT_ERRNOS


class WatchSupervisor:
    """Keeps one observer alive over ``targets`` and reports how it is watching."""

    def __init__(
        self,
        targets: Callable[[], Sequence[WatchTarget]],
        handler: FileSystemEventHandler,
        *,
        native_factory: ObserverFactory = Observer,
        polling_factory: ObserverFactory = lambda: PollingObserver(timeout=1.0),
    ) -> None:
        self._targets = targets
        self._handler = handler
        self._native_factory = native_factory
        self._polling_factory = polling_factory
        self.observer: BaseObserver | None = None
        self.kind = "none"
        self.degraded_reason: str | None = None
        self.restarts = 0
        self._watched: set[WatchTarget] = set()
        # start/stop/ensure_running run in worker threads; never two at once.
        self._lock = threading.RLock()

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> None:
        """Start watching (blocking; run it in a thread). Falls back to polling on limits."""
        with self._lock:
            self._start_any()

    def _start_any(self) -> None:
        try:
            self.observer = self._start(self._native_factory)
            self.kind = "native"
            self.degraded_reason = None
        except OSError as exc:
            if not is_inotify_limit_error(exc):
                raise
            log.warning("watch.polling_fallback", hint=INOTIFY_LIMIT_HINT, error=str(exc))
            self.observer = self._start(self._polling_factory)
            self.kind = "polling"
            self.degraded_reason = INOTIFY_LIMIT_HINT

    def _start(self, factory: ObserverFactory) -> BaseObserver:
        observer = factory()
        observer.daemon = True
        self._watched = set()
        try:
            self._schedule_missing(observer)
            observer.start()
        except BaseException:
            self._stop(observer)
            raise
        return observer

    def _schedule_missing(self, observer: BaseObserver) -> bool:
        """Watch targets that exist and are not watched yet; True if any was added."""
        added = False
        for target in self._targets():
            if target in self._watched or not target.path.is_dir():
                continue
            observer.schedule(self._handler, str(target.path), recursive=target.recursive,
                              event_filter=list(CHANGE_EVENTS))
            self._watched.add(target)
            added = True
        return added

    @staticmethod
    def _stop(observer: BaseObserver) -> None:
        try:
            observer.stop()
            if observer.is_alive():
                observer.join(timeout=5.0)
        except Exception:
            log.debug("watch.stop_failed", exc_info=True)

    def stop(self) -> None:
        with self._lock:
            if self.observer is not None:
                self._stop(self.observer)
                self.observer = None
            self.kind = "none"

    # -- health -------------------------------------------------------------------------
    def is_alive(self) -> bool:
        observer = self.observer
        if observer is None or not observer.is_alive():
            return False
        return all(emitter.is_alive() for emitter in observer.emitters)

    def ensure_running(self) -> bool:
        """Rebuild a dead observer, watch targets that appeared. True: events may have been
        missed, so the caller must rescan. Blocking; run it in a thread."""
        with self._lock:
            return self._ensure_running()

    def _ensure_running(self) -> bool:
        if self.is_alive():
            assert self.observer is not None
            try:
                return self._schedule_missing(self.observer)
            except OSError as exc:
                if not is_inotify_limit_error(exc):
                    raise
                # A new folder could not be watched: switch everything to polling.
                self.stop()
                self.observer = self._start(self._polling_factory)
                self.kind = "polling"
                self.degraded_reason = INOTIFY_LIMIT_HINT
                self.restarts += 1
                return True
        log.warning("watch.observer_died", action="restart and rescan")
        self.stop()
        self.start()
        self.restarts += 1
        return True
