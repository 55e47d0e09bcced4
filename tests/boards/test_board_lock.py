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
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kanbanger_daemon.boards import board_lock
from kanbanger_daemon.boards.board_memory import BoardMemory
from kanbanger_daemon.boards.clock import BoardClock
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


class NotingClock:
    """The system's board clock, noting when a reconcile waits for the lock."""

    def __init__(self) -> None:
        self.waiting = threading.Event()
        self.board_clock = BoardClock(sleep=self.sleep)

    def sleep(self, seconds: float) -> None:
        self.waiting.set()
        time.sleep(seconds)


async def test_the_daemon_waits_for_a_kanbanger_writer_and_loses_neither_edit(
    ws: Path, tmp_path: Path
) -> None:
    settings = load_settings(ws, environ={"HOME": str(tmp_path)},
                             flags={"quiet_ms": 20, "max_wait_ms": 200})
    layout = settings.effective_layout

    lock_waits = NotingClock()
    files = BoardFiles(memory=BoardMemory(lock_waits.board_clock))

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
            assert await asyncio.to_thread(lock_waits.waiting.wait, 20), "the daemon never waited"
            # ... and kanbanger writes its edit while the daemon waits for the lock.
            kanbanger_write(board, text.replace("## TODO\n\n", f"## TODO\n\n{HAND}\n"))
        await daemon.wait_until(
            lambda: daemon.idle.is_set() and BUILD_DONE in board.read_text("utf-8"), 20)
        final = board.read_text("utf-8")
        assert HAND in final and BUILD_DONE in final
    finally:
        daemon.request_stop()
        await asyncio.wait_for(task, 15)


def test_a_lock_held_too_long_is_a_clear_retryable_error(ws: Path) -> None:
    folder, now = ws / "SPECs" / "website", [0.0]

    def wait(seconds: float) -> None:
        now[0] += seconds

    clock = BoardClock(monotonic=lambda: now[0], sleep=wait)
    with kanbanger_lock(folder), pytest.raises(BoardBusyError) as caught:  # noqa: SIM117
        with board_lock.board_lock(folder, clock=clock):
            pass
    assert board_lock.WAIT_S <= now[0] < board_lock.WAIT_S + 1  # its 30 s, on the test's clock
    assert caught.value.retryable and ".kanban.lock" in str(caught.value)
    assert str(folder) in str(caught.value)
