"""The time the local edge reads: given by the process that runs a reconcile, faked by tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class BoardClock:
    """The system's clock unless a test gives its own. ``wall`` is compared with file mtimes,
    ``monotonic`` times waits (a board looking odd, a lock held by another program), ``sleep``
    waits (blocking: reconciles run in threads)."""

    wall: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
