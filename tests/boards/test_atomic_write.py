"""Whole-file writes: a person's save that races the daemon's write is put back, never lost.

The races are made deterministic by saving "as the person" from inside the swap call, at the
exact moment the real race would need microseconds to hit.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kanbanger_daemon.boards import atomic, renames
from kanbanger_daemon.boards.atomic import FileIdentity, Snapshot, replace_if_unchanged

OLD = b"# Board\n\n## TODO\n\n*   [ ] old\n"
OURS = b"# Board\n\n## TODO\n\n*   [ ] planned by the daemon\n"
PERSON = b"# Board\n\n## TODO\n\n*   [ ] old\n*   [ ] saved by the person\n"
LATER = b"# Board\n\n## TODO\n\n*   [ ] saved again, later\n"


def _snapshot(path: Path) -> Snapshot:
    return Snapshot(path.read_bytes(), FileIdentity.of(os.stat(path)))


def _rename_save(path: Path, data: bytes) -> None:
    tmp = path.with_name(".person.swp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "_kanban.md")


@pytest.fixture
def board(tmp_path: Path) -> Path:
    path = tmp_path / "_kanban.md"
    path.write_bytes(OLD)
    return path


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _on_first_swap(monkeypatch: pytest.MonkeyPatch, before: Callable[[], None],
                   after: Callable[[], None] = lambda: None) -> None:
    """Run ``before`` just before the daemon's first swap and ``after`` just after it."""
    real, calls = renames.exchange, []

    def exchange(a: Path, b: Path) -> bool:
        calls.append(1)
        if len(calls) == 1:
            before()
            done = real(a, b)
            after()
            return done
        return real(a, b)

    monkeypatch.setattr(renames, "exchange", exchange)


def _needs_swap(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("a")
    b.write_text("b")
    if not renames.exchange(a, b):
        pytest.skip("this system or file system cannot swap two files atomically")
    a.unlink()
    b.unlink()


def test_a_rename_save_just_before_the_swap_is_put_back(
    board: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _needs_swap(board.parent)
    _on_first_swap(monkeypatch, lambda: _rename_save(board, PERSON))
    assert not replace_if_unchanged(board, OURS, _snapshot(board))
    assert board.read_bytes() == PERSON
    assert _leftovers(board.parent) == []


def test_an_in_place_save_begun_just_before_the_swap_lands_on_the_board(
    board: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _needs_swap(board.parent)
    opened = []
    _on_first_swap(monkeypatch, lambda: opened.append(board.open("wb")))  # truncates the board
    assert not replace_if_unchanged(board, OURS, _snapshot(board))
    with opened[0] as person:  # the editor writes through the descriptor it opened
        person.write(PERSON)
    assert board.read_bytes() == PERSON
    assert _leftovers(board.parent) == []


def test_of_two_saves_racing_the_swap_the_newest_wins(
    board: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _needs_swap(board.parent)
    _on_first_swap(monkeypatch, lambda: _rename_save(board, PERSON),
                   lambda: _rename_save(board, LATER))
    assert not replace_if_unchanged(board, OURS, _snapshot(board))
    assert board.read_bytes() == LATER
    assert _leftovers(board.parent) == []


def test_an_unchanged_board_is_replaced_and_nothing_is_left_behind(board: Path) -> None:
    assert replace_if_unchanged(board, OURS, _snapshot(board))
    assert board.read_bytes() == OURS
    assert _leftovers(board.parent) == []


def test_without_a_swap_the_plain_rename_still_writes_and_still_checks(
    board: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(renames, "exchange", lambda a, b: False)
    seen = _snapshot(board)
    board.write_bytes(PERSON)
    assert not replace_if_unchanged(board, OURS, seen)
    assert board.read_bytes() == PERSON
    assert replace_if_unchanged(board, OURS, _snapshot(board))
    assert board.read_bytes() == OURS
    assert _leftovers(board.parent) == []


def test_a_new_board_is_not_written_over_one_that_appeared_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "_kanban.md"
    path.write_bytes(PERSON)
    assert not replace_if_unchanged(path, OURS, None)
    assert path.read_bytes() == PERSON
    path.unlink()
    assert replace_if_unchanged(path, OURS, None)
    assert path.read_bytes() == OURS
    assert _leftovers(tmp_path) == []


@pytest.mark.usefixtures("umask_022")
def test_a_new_board_gets_the_umask_mode_and_an_existing_one_keeps_its_own(
    tmp_path: Path,
) -> None:
    path = tmp_path / "_kanban.md"
    assert replace_if_unchanged(path, OURS, None)
    assert path.stat().st_mode & 0o777 == 0o644
    path.chmod(0o640)
    assert replace_if_unchanged(path, PERSON, _snapshot(path))
    assert path.stat().st_mode & 0o777 == 0o640


@pytest.mark.usefixtures("umask_022")
def test_private_files_are_0600_when_new_and_keep_their_mode_after(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    atomic.write_atomic(state, b"{}")
    assert state.stat().st_mode & 0o777 == 0o600
    shared = tmp_path / "_retrospective.md"
    atomic.write_atomic(shared, b"# R\n", private=False)
    assert shared.stat().st_mode & 0o777 == 0o644
    shared.chmod(0o664)
    atomic.write_atomic(shared, b"# R2\n", private=False)
    assert shared.stat().st_mode & 0o777 == 0o664


class _Fsyncs:
    """Records what ``os.fsync`` flushed, by inode, and whether it was a folder."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: set[tuple[int, bool]] = set()
        real = os.fsync

        def fsync(fd: int) -> None:
            st = os.fstat(fd)
            self.seen.add((st.st_ino, stat.S_ISDIR(st.st_mode)))
            real(fd)

        monkeypatch.setattr(os, "fsync", fsync)

    def made_durable(self, path: Path) -> bool:
        """``path``'s bytes and its name in its folder both reached the disk."""
        return {(path.stat().st_ino, False), (path.parent.stat().st_ino, True)} <= self.seen


def _write_state(root: Path) -> Path:
    from kanbanger_daemon.models.sync import SyncState
    from kanbanger_daemon.sync.state_file import save_state

    save_state(root / ".kanban.json", SyncState())
    return root / ".kanban.json"


def _write_status(root: Path) -> Path:
    from kanbanger_daemon.daemon.status import StatusPublisher

    publisher = StatusPublisher(root)
    publisher.beat(1.0)
    return publisher.heartbeat_path


def _write_env(root: Path) -> Path:
    from kanbanger_daemon.team.dotenv_file import update_env

    update_env(root / ".env", {"GITHUB_REPO": "octo/specs"})
    return root / ".env"


def _write_hook(root: Path) -> Path:
    import shutil
    import subprocess

    from kanbanger_daemon.team import hooks

    if shutil.which("git") is None:
        pytest.skip("needs git")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    hooks.install(root, ["kanbanger-daemon", "sync"])
    return root / ".git" / "hooks" / "post-commit"


def _write_service_unit(root: Path) -> Path:
    from kanbanger_daemon.service import manage, units

    target = units.ServiceTarget(["/opt/kd/bin/kanbanger-daemon"], root, root)
    manage.install("systemd", target, runner=None)
    return units.service_file("systemd", root, root)


def _write_gitignore(root: Path) -> Path:
    from kanbanger_daemon.team.gitignore import GITIGNORE, add_missing_entries

    (root / GITIGNORE).write_text("node_modules/\n")
    assert add_missing_entries(root)
    return root / GITIGNORE


def _write_board(root: Path) -> Path:
    assert replace_if_unchanged(root / "_kanban.md", OURS, None)
    return root / "_kanban.md"


WRITERS: dict[str, Callable[[Path], Path]] = {
    "sync state": _write_state, "status": _write_status, ".env": _write_env,
    "hook": _write_hook, "board": _write_board, "service unit": _write_service_unit,
    ".gitignore": _write_gitignore,
}


@pytest.mark.parametrize("what", sorted(WRITERS))
def test_every_whole_file_write_survives_a_power_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    fsyncs = _Fsyncs(monkeypatch)
    path = WRITERS[what](tmp_path)
    assert fsyncs.made_durable(path)
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]  # no temp left


def test_status_and_env_files_stay_private_even_when_found_open(tmp_path: Path) -> None:
    from kanbanger_daemon.daemon.status import StatusPublisher
    from kanbanger_daemon.team.dotenv_file import update_env

    publisher = StatusPublisher(tmp_path)
    publisher.beat(1.0)
    publisher.heartbeat_path.chmod(0o644)
    publisher.beat(2.0)
    env = tmp_path / ".env"
    env.write_text("A=1\n")
    env.chmod(0o644)
    update_env(env, {"A": "2"})
    assert {p.stat().st_mode & 0o777 for p in (publisher.heartbeat_path, env)} == {0o600}
