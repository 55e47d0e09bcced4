"""Fixtures of the sync engine's tests: a client and its project on conftest's ``fake``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kanbanger_daemon.github import GitHubClient, ProjectInfo
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.clock import FakeClock


@pytest.fixture
async def client(fake: FakeGitHub, clock: FakeClock) -> AsyncIterator[GitHubClient]:
    """A GitHubClient on ``fake`` that sleeps on ``clock`` (mark the fake ``on_clock`` too)."""
    async with GitHubClient(token=fake.token, url=fake.url, clock=clock.wall,
                            wall_clock=clock.wall, sleep=clock.sleep, timeout=5.0) as gh:
        yield gh


@pytest.fixture
async def project(client: GitHubClient, fake: FakeGitHub) -> ProjectInfo:
    """The fake's project 1, as ``client`` discovers it."""
    return await client.discover(f"{fake.owner}/{fake.repo}", 1)
