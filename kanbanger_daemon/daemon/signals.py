"""Signal handling on the event loop: TERM/INT stop the daemon, HUP asks for a rescan."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def installed_signal_handlers(
    loop: asyncio.AbstractEventLoop,
    *,
    on_stop: Callable[[], None],
    on_rescan: Callable[[], None],
) -> Iterator[None]:
    """Install the handlers for the duration of the block and remove them afterwards."""
    installed: list[signal.Signals] = []
    try:
        for sig, callback in (
            (signal.SIGTERM, on_stop),
            (signal.SIGINT, on_stop),
            (signal.SIGHUP, on_rescan),
        ):
            loop.add_signal_handler(sig, callback)
            installed.append(sig)
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
