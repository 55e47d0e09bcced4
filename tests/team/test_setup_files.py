"""The files setup writes: `.gitignore` entries and the private `.env`."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kanbanger_daemon.errors import ConfigError
from kanbanger_daemon.team import gitignore
from kanbanger_daemon.team.dotenv_file import read_env, update_env
from kanbanger_daemon.team.inotify import InotifyLimits, folders_to_watch, watches_problem


def test_gitignore_keeps_every_existing_byte_and_adds_only_what_is_missing(
    tmp_path: Path
) -> None:
    (tmp_path / ".gitignore").write_bytes(b"node_modules\r\n/.env\r\n*.pyc")
    assert gitignore.add_missing_entries(tmp_path) == [".kanban.json", ".kanbanger/"]
    data = (tmp_path / ".gitignore").read_bytes()
    assert data.startswith(b"node_modules\r\n/.env\r\n*.pyc\r\n")
    assert data.endswith(b"\r\n.kanban.json\r\n.kanbanger/\r\n")
    assert gitignore.missing_entries(tmp_path) == []
    before = (tmp_path / ".gitignore").stat().st_mtime_ns
    assert gitignore.add_missing_entries(tmp_path) == []
    assert (tmp_path / ".gitignore").stat().st_mtime_ns == before


def test_gitignore_notices_an_ignored_board(tmp_path: Path) -> None:
    assert not gitignore.ignores_board(tmp_path)
    (tmp_path / ".gitignore").write_text("# boards\n**/_kanban.md\n")
    assert gitignore.ignores_board(tmp_path)


@pytest.mark.parametrize("value", [
    "ghp_plainTOKEN0123456789",
    "with spaces and # hash",
    "dollar $HOME",
    "quote ' and \" both",
    "back\\slash",
])
def test_env_values_read_back_exactly(tmp_path: Path, value: str) -> None:
    path = tmp_path / ".env"
    assert update_env(path, {"GITHUB_TOKEN": value, "GITHUB_REPO": "o/n"}) == [
        "GITHUB_TOKEN", "GITHUB_REPO"]
    assert read_env(path) == {"GITHUB_TOKEN": value, "GITHUB_REPO": "o/n"}


def test_env_refuses_a_value_dotenv_would_expand(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="GITHUB_TOKEN cannot contain"):
        update_env(tmp_path / ".env", {"GITHUB_TOKEN": "a${HOME}b"})
    assert not (tmp_path / ".env").exists()


def test_env_is_private_whatever_the_umask_and_unchanged_values_are_not_rewritten(
    tmp_path: Path
) -> None:
    path = tmp_path / ".env"
    old = os.umask(0o000)
    try:
        update_env(path, {"GITHUB_REPO": "o/n"})
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.stat().st_mtime_ns
    assert update_env(path, {"GITHUB_REPO": "o/n"}) == []
    assert path.stat().st_mtime_ns == before


def test_env_update_keeps_comments_and_other_keys_and_drops_shadowing_duplicates(
    tmp_path: Path
) -> None:
    path = tmp_path / ".env"
    path.write_text("# team\nexport GITHUB_REPO=a/b\nKANBANGER_QUIET_MS=500\nGITHUB_REPO=c/d\n")
    assert update_env(path, {"GITHUB_REPO": "o/n"}) == ["GITHUB_REPO"]
    assert path.read_text() == "# team\nGITHUB_REPO=o/n\nKANBANGER_QUIET_MS=500\n"


def test_inotify_limits_are_judged_against_the_folders_to_watch(tmp_path: Path) -> None:
    for name in ("a/x", "a/y", "b", ".hidden/z"):
        (tmp_path / "SPECs" / name).mkdir(parents=True)
    assert folders_to_watch(tmp_path / "SPECs") == 5  # SPECs, a, a/x, a/y, b
    assert folders_to_watch(tmp_path / "missing") == 0
    assert watches_problem(InotifyLimits(8192, 128, 16384), 5) is None
    problem = watches_problem(InotifyLimits(1000, 128, 16384), 5)
    assert problem is not None and "max_user_watches is 1000" in problem
