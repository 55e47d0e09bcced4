"""The environment of a workspace that pushes to a `FakeGitHub` (octo/specs, project 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kanbanger_daemon.testing import FakeGitHub


def github_env(fake: FakeGitHub) -> dict[str, str]:
    """The settings that send a workspace's pushes to ``fake``, with no pacing."""
    return {"GITHUB_GRAPHQL_URL": fake.url, "GITHUB_TOKEN": fake.token,
            "GITHUB_REPO": "octo/specs", "GITHUB_PROJECT_NUMBER": "1",
            "KANBANGER_MUTATION_INTERVAL_S": "0"}


def point_at_fake(monkeypatch: pytest.MonkeyPatch, home: Path, fake: FakeGitHub) -> None:
    """This process's environment pushes to ``fake``, with ``home`` as HOME so that no user
    config leaks in."""
    for name in ("KANBANGER_CONFIG", "XDG_CONFIG_HOME", "KANBANGER_GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    for name, value in github_env(fake).items():
        monkeypatch.setenv(name, value)
