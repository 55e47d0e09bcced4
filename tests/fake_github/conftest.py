"""Fixtures of the fake GitHub server's own tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def server_threads_joined() -> Iterator[None]:
    """Every server a test starts is stopped, and stopping joins all of its threads: stricter
    than conftest's no_leaked_threads (no thread may be left at all, with no grace period)."""
    before = set(threading.enumerate())
    yield
    assert set(threading.enumerate()) - before == set()
