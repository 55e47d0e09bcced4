"""The workspace ``.gitignore`` is written whole (``write_atomic``): permissions as a plain
save would leave them, and a ``.gitignore`` that is a link keeps being one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kanbanger_daemon.team.gitignore import GITIGNORE, REQUIRED_ENTRIES, add_missing_entries


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("umask_022")
def test_a_new_gitignore_is_readable_by_all_and_an_existing_one_keeps_its_mode(
    tmp_path: Path,
) -> None:
    assert add_missing_entries(tmp_path) == list(REQUIRED_ENTRIES)
    path = tmp_path / GITIGNORE
    assert path.stat().st_mode & 0o777 == 0o644  # not 0600: git and other users read it
    path.write_text("node_modules/\n")
    path.chmod(0o664)
    assert add_missing_entries(tmp_path) == list(REQUIRED_ENTRIES)
    assert path.stat().st_mode & 0o777 == 0o664
    assert path.read_text().startswith("node_modules/\n")


def test_a_gitignore_that_is_a_link_stays_a_link_to_the_updated_file(tmp_path: Path) -> None:
    shared = tmp_path / "dotfiles" / "gitignore"
    shared.parent.mkdir()
    shared.write_text("*.log\n")
    root = tmp_path / "ws"
    root.mkdir()
    (root / GITIGNORE).symlink_to(shared)
    assert add_missing_entries(root) == list(REQUIRED_ENTRIES)
    assert (root / GITIGNORE).is_symlink()
    assert shared.read_text().startswith("*.log\n") and ".kanban.json" in shared.read_text()
    assert [p.name for p in shared.parent.iterdir()] == ["gitignore"]  # no temp file left
