"""The daemon recognises its own board writes by content, so a user's edit is never swallowed."""

from __future__ import annotations

from pathlib import Path

from kanbanger_daemon.boards.own_writes import OwnWrites


def test_echo_of_our_write_is_ignored_but_a_user_edit_is_not(tmp_path: Path) -> None:
    registry = OwnWrites()
    board = tmp_path / "_kanban.md"
    ours = b"# Board\n\n## TODO\n\n*   [ ] one\n"
    board.write_bytes(ours)
    registry.record(board, ours)
    assert registry.is_own(board, ours)
    assert registry.is_own_file(board)

    board.write_bytes(ours + b"*   [ ] added by hand\n")
    assert not registry.is_own_file(board)


def test_only_the_last_write_counts_and_paths_are_normalised(tmp_path: Path) -> None:
    registry = OwnWrites()
    board = tmp_path / "spec" / "_kanban.md"
    registry.record(board, b"first")
    registry.record(tmp_path / "spec" / ".." / "spec" / "_kanban.md", b"second")
    assert not registry.is_own(board, b"first")
    assert registry.is_own(str(board), b"second")


def test_unknown_missing_or_forgotten_files_are_not_ours(tmp_path: Path) -> None:
    registry = OwnWrites()
    board = tmp_path / "_kanban.md"
    assert not registry.is_own(board, b"")
    registry.record(board, b"x")
    assert not registry.is_own_file(board)  # recorded, but the file is gone
    registry.forget(board)
    assert not registry.is_own(board, b"x")
    assert len(registry) == 0
