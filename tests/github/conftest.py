"""Fixtures of the GitHub client's tests."""

from __future__ import annotations

import pytest

from tests.helpers.clock import FakeClock
from tests.helpers.mini_github import MiniGitHub


@pytest.fixture
def github(clock: FakeClock) -> MiniGitHub:
    """A scripted in-memory GitHub on ``clock``, for client tests that need exact faults."""
    return MiniGitHub(clock)
