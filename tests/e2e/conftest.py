"""Fixtures of the whole-system tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.fake_github import point_at_fake
from tests.helpers.paths import copy_examples


@pytest.fixture
def clones(tmp_path: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
           ) -> tuple[Path, Path]:
    """Two copies of examples/ (two machines' clones of one workspace), pushing to ``fake``."""
    point_at_fake(monkeypatch, tmp_path, fake)
    return copy_examples(tmp_path / "machine-a"), copy_examples(tmp_path / "machine-b")
