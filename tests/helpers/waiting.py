"""Waiting on what another thread or process does: poll a condition with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest


def wait_for(condition: Callable[[], bool], within_s: float = 10.0,
             what: str = "the condition") -> None:
    """Return as soon as ``condition()`` holds; fail the test, naming ``what`` it waited for,
    after ``within_s`` seconds. The short poll interval only bounds how late we notice."""
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {within_s} s waiting for {what}")
        time.sleep(0.01)
