"""kanbanger's `.kanban.lock`: the daemon waits while a kanbanger-style writer holds it.

kanbanger serialises its board writes with an exclusive flock on `.kanban.lock` in the board's
folder (`kanban_io.kanban_lock`: open "a+", flock LOCK_EX, read → modify → write, unlock). The
daemon takes the same lock around its read → plan → replace, so an edit kanbanger makes while
holding the lock is never written over, and the daemon's own update lands after it.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kanbanger_daemon.boards import board_lock
from kanbanger_daemon.boards.reconcile import reconcile_local
from kanbanger_daemon.boards.workspace import board_for_path, find_boards
from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions
from kanbanger_daemon.daemon.triggers import Run
from kanbanger_daemon.daemon.wiring import BoardFiles
from kanbanger_daemon.errors import BoardBusyError
from kanbanger_daemon.models.status import ReconcileResult
from kanbanger_daemon.settings import load_settings

pytestmark = pytest.mark.timeout(60)
HAND = "*   [ ] Call the printer about the flyers"
BUILD_DONE = "*   [x] Task 2: Build (SPEC: spec_website.md)"


@contextmanager
def kanbanger_lock(folder: Path) -> Iterator[None]:
    """kanbanger's own ``kanban_io.kanban_lock``, as it is written there."""
    fh = open(folder / ".kanban.lock", "a+")  # noqa: SIM115 - held across the yield
    try:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def kanbanger_write(path: Path, text: str) -> None:
    """kanbanger's atomic write: temp file in the same folder, fsync, os.replace."""
    tmp = path.with_name(path.name + ".tmp.kanbanger")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def complete_build(folder: Path) -> None:
    log = folder / "progress_website.json"
    doc = json.loads(log.read_text())
    doc["tasks"][1]["status"] = "completed"
    log.write_text(json.dumps(doc))


@pytest.fixture
def lock_waits(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Set when a reconcile finds the board locked and waits for it."""
    waiting = threading.Event()
    pause = board_lock._pause

    def noting_pause(seconds: float) -> None:
        waiting.set()
        pause(seconds)

    monkeypatch.setattr(board_lock, "_pause", noting_pause)
    return waiting


async def test_the_daemon_waits_for_a_kanbanger_writer_and_loses_neither_edit(
    ws: Path, tmp_path: Path, lock_waits: threading.Event
) -> None:
    settings = load_settings(ws, environ={"HOME": str(tmp_path)},
                             flags={"quiet_ms": 20, "max_wait_ms": 200})
    layout = settings.effective_layout

    files = BoardFiles()

    async def reconcile(key: str, run: Run) -> ReconcileResult:
        result = await asyncio.to_thread(reconcile_local, ws, key, settings,
                                         memory=files.memory, own_writes=files.own_writes)
        return ReconcileResult(wrote_board=result.written)

    daemon = Daemon(
        ws, settings, reconcile=reconcile,
        discover=lambda: find_boards(ws, settings.specs_dir, layout),
        board_for_path=lambda p: board_for_path(ws, p, settings.specs_dir, layout),
        own_writes=files.own_writes,
        options=RuntimeOptions(install_signal_handlers=False, heartbeat_interval_s=0.2,
                               supervise_interval_s=0.1),
    )
    task = asyncio.create_task(daemon.run())
    folder = ws / "SPECs" / "website"
    board = folder / "_kanban.md"
    try:
        await daemon.wait_until(lambda: daemon.rescans >= 1 and daemon.idle.is_set())
        with kanbanger_lock(folder):
            text = board.read_text("utf-8")  # kanbanger reads the board ...
            complete_build(folder)  # ... the executor logs progress: the daemon wakes up ...
            assert await asyncio.to_thread(lock_waits.wait, 20), "the daemon never waited"
            # ... and kanbanger writes its edit while the daemon waits for the lock.
            kanbanger_write(board, text.replace("## TODO\n\n", f"## TODO\n\n{HAND}\n"))
        await daemon.wait_until(
            lambda: daemon.idle.is_set() and BUILD_DONE in board.read_text("utf-8"), 20)
        final = board.read_text("utf-8")
        assert HAND in final and BUILD_DONE in final
    finally:
        daemon.request_stop()
        await asyncio.wait_for(task, 15)


def test_a_lock_held_too_long_is_a_clear_retryable_error(ws: Path, tmp_path: Path) -> None:
    folder = ws / "SPECs" / "website"
    with kanbanger_lock(folder), pytest.raises(BoardBusyError) as caught:  # noqa: SIM117
        with board_lock.board_lock(folder, wait_s=0.05):
            pass
    assert caught.value.retryable and ".kanban.lock" in str(caught.value)
    assert str(folder) in str(caught.value)
