"""The file watcher's keeper: start the observer, restart it when it dies, report what it missed.

A dead observer (its thread crashed, an inotify reader stopped) is restarted every
``interval_s`` check; the events it missed are made up for by a full rescan.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

from kanbanger_daemon.logging import get_logger
from kanbanger_daemon.watch.events import LoopBridge
from kanbanger_daemon.watch.observer import ObserverFactory, WatchSupervisor, WatchTarget

log = get_logger("kanbanger_daemon.daemon")


def default_targets(root: Path, specs_dir: str) -> Callable[[], Sequence[WatchTarget]]:
    """The workspace root (its own files) and the SPECs tree, recursively."""
    return lambda: [WatchTarget(root, recursive=False),
                    WatchTarget(root / specs_dir, recursive=True)]


def make_watcher(bridge: LoopBridge, targets: Callable[[], Sequence[WatchTarget]], *,
                 native: ObserverFactory | None = None,
                 polling: ObserverFactory | None = None) -> WatchSupervisor:
    kwargs: dict[str, ObserverFactory] = {}
    if native:
        kwargs["native_factory"] = native
    if polling:
        kwargs["polling_factory"] = polling
    return WatchSupervisor(targets, bridge, **kwargs)


async def keep_alive(watcher: WatchSupervisor, interval_s: float, *,
                     on_missed: Callable[[], None], changed: Callable[[], None]) -> None:
    """Check the watcher every ``interval_s``, restarting it as needed, forever."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            missed = await asyncio.to_thread(watcher.ensure_running)
        except Exception:
            log.exception("watch.restart_failed")
            missed = False
        if missed:
            on_missed()
        changed()
