"""Fixtures of the daemon's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.fake_workspace import FakeWorkspace


@pytest.fixture
def fake_ws(tmp_path: Path) -> FakeWorkspace:
    """Two boards, `SPECs/alpha` and `SPECs/beta`, both "todo", with a fake reconcile."""
    workspace = FakeWorkspace(tmp_path)
    workspace.add_board("alpha")
    workspace.add_board("beta")
    return workspace
