"""From file events to boards: each event names a board (or none), whose burst it joins.

Events come from the watcher threads through the loop's queue, in order. An overflow (the
kernel lost events) asks for a full rescan. A ``_kanban.md`` that holds exactly what this
daemon last wrote there is the echo of our own write and causes no work: the check reads the
file (in a thread), never trusts a time window.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from kanbanger_daemon.boards.own_writes import OwnWrites
from kanbanger_daemon.daemon.board_status import Boards
from kanbanger_daemon.logging import get_logger
from kanbanger_daemon.watch.debounce import Debouncer
from kanbanger_daemon.watch.events import FsEvent, relevant_paths

BoardKey = str
RouteFn = Callable[[Path], BoardKey | None]
BOARD_FILE = "_kanban.md"
log = get_logger("kanbanger_daemon.daemon")


class EventRouter:
    def __init__(self, route: RouteFn, own_writes: OwnWrites, debouncer: Debouncer,
                 boards: Boards, *, on_overflow: Callable[[], None],
                 changed: Callable[[], None]) -> None:
        self.events: asyncio.Queue[FsEvent] = asyncio.Queue()
        self.debouncer_wakeup = asyncio.Event()  # a burst started or grew
        self.overflows = 0
        self._route = route
        self._own_writes = own_writes
        self._debouncer = debouncer
        self._boards = boards
        self._on_overflow = on_overflow
        self._changed = changed
        self._routing = 0

    def is_busy(self) -> bool:
        return self._routing > 0 or not self.events.empty()

    async def route_events(self) -> None:
        """Route events forever (cancel to stop)."""
        while True:
            event = await self.events.get()
            self._routing += 1
            try:
                await self.route(event)
            except Exception:
                log.exception("watch.route_failed", path=event.path)
            finally:
                self._routing -= 1
                self._changed()

    async def route(self, event: FsEvent) -> None:
        if event.kind == "overflow":
            self.overflows += 1
            log.warning("watch.overflow", action="full rescan")
            self._on_overflow()
            return
        if event.is_dir:
            return  # files inside new or moved folders arrive as their own events
        for raw in relevant_paths(event):
            path = Path(raw)
            key = self._route(path)
            if key is None:
                continue
            # Checked even when the event says the board went away: our write swaps it with a
            # temp file, reported as the board moving away, yet the board is there.
            if path.name == BOARD_FILE and await asyncio.to_thread(
                    self._own_writes.is_own_file, path):
                continue
            self._debouncer.note(key, asyncio.get_running_loop().time())
            self._boards.note_change(key)
            self.debouncer_wakeup.set()
