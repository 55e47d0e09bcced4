"""What the daemon tells the world: ``status.json`` and the heartbeat, systemd's status line and
its watchdog.

The status is rewritten on change (bursts coalesced, ≤ ~4/s), otherwise only the heartbeat
file is beaten every ``heartbeat_interval_s``: an idle daemon with a thousand boards does not
re-serialise them all every few seconds. A write that fails (a full disk) is logged and does
not stop the daemon. The watchdog is pinged only while the daemon is healthy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from kanbanger_daemon.daemon.sdnotify import SdNotifier
from kanbanger_daemon.daemon.status import StatusPublisher
from kanbanger_daemon.logging import get_logger
from kanbanger_daemon.models.status import DaemonStatus
from kanbanger_daemon.watch.debounce import wait_event

log = get_logger("kanbanger_daemon.daemon")


class StatusLoop:
    def __init__(self, publisher: StatusPublisher, notifier: SdNotifier, *,
                 snapshot: Callable[[], DaemonStatus], status_line: Callable[[], str],
                 dirty: asyncio.Event, interval_s: float,
                 wall_clock: Callable[[], float]) -> None:
        self._publisher = publisher
        self._notifier = notifier
        self._snapshot = snapshot
        self._status_line = status_line
        self._dirty = dirty
        self._interval_s = interval_s
        self._wall_clock = wall_clock

    def publish(self) -> None:
        try:
            self._publisher.publish(self._snapshot())
        except OSError as exc:
            log.warning("status.write_failed", error=str(exc))

    def beat(self) -> None:
        try:
            self._publisher.beat(self._wall_clock())
        except OSError as exc:
            log.warning("status.heartbeat_failed", error=str(exc))

    async def serve(self) -> None:
        """Publish on change, beat otherwise, forever (cancel to stop)."""
        last_line = ""
        changed = True
        while True:
            if changed:
                self._dirty.clear()
                self.publish()
            else:
                self.beat()
            line = self._status_line()
            if line != last_line:
                self._notifier.status(line)
                last_line = line
            changed = await wait_event(self._dirty, self._interval_s)
            # Coalesce bursts of changes: a thousand boards reconciling must not mean a
            # thousand rewrites of the status file.
            await asyncio.sleep(min(0.25, self._interval_s / 4))


async def feed_watchdog(notifier: SdNotifier, healthy: Callable[[], bool],
                        interval_s: float) -> None:
    """Ping systemd's watchdog every ``interval_s`` while ``healthy()``, forever."""
    while True:
        if healthy():
            notifier.watchdog()
        await asyncio.sleep(interval_s)
