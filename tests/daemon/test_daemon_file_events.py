"""How file changes reach boards, with the daemon against real watchdog observers in temp
folders and a fake reconcile: the start, a progress edit, every editor's way of saving, our own
writes, new and deleted SPEC folders, event storms and inotify queue overflows, and why each
reconcile runs. Failures and supervision are in ``test_daemon_supervision``.

Every wait is on the daemon's own signals (idle, state predicates), never a fixed sleep. To
prove that something did NOT cause work (our own write, an editor's temp file), a sentinel
change on another board is made afterwards: events are routed in order, so once the sentinel
has been reconciled, the earlier events have been seen and dropped.
"""

from __future__ import annotations

import asyncio
import json
import mmap
import os
import stat
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from kanbanger_daemon.daemon.runtime import Daemon
from kanbanger_daemon.daemon.status import EXIT_HEALTHY, read_status
from kanbanger_daemon.daemon.triggers import Trigger
from kanbanger_daemon.watch.events import is_ignored_name
from tests.helpers.fake_workspace import FakeWorkspace, make_daemon, make_settings, running

pytestmark = [pytest.mark.timeout(30),
              pytest.mark.usefixtures("no_leaked_threads", "no_leaked_tasks")]


async def settle_with_sentinel(daemon: Daemon, workspace: FakeWorkspace,
                               key: str = "SPECs/beta") -> None:
    """Make a change on ``key`` and wait until it was reconciled and the daemon is idle."""
    before = workspace.calls[key]
    progress = workspace.root / key / f"progress_{Path(key).name}.json"
    progress.write_text(json.dumps({"status": f"sentinel-{before}"}))
    await daemon.wait_until(lambda: workspace.calls[key] > before and daemon.idle.is_set())


async def test_start_reconciles_every_board_once_and_publishes_private_status(
    fake_ws: FakeWorkspace,
) -> None:
    async with running(make_daemon(fake_ws)) as daemon:
        assert fake_ws.calls == Counter({"SPECs/alpha": 1, "SPECs/beta": 1})
        assert '"todo"' in fake_ws.board_text("SPECs/alpha")
        status_file = fake_ws.root / ".kanbanger" / "status.json"
        await daemon.wait_until(
            lambda: json.loads(status_file.read_text()).get("idle") is True
        )
        assert stat.S_IMODE(status_file.stat().st_mode) == 0o600
        report = read_status(fake_ws.root)
        assert report.code == EXIT_HEALTHY, report.reasons
        assert report.status is not None and report.status["state"] == "running"
        assert set(report.status["boards"]) == {"SPECs/alpha", "SPECs/beta"}
        # The board writes above were our own: they caused no further reconcile.
        await settle_with_sentinel(daemon, fake_ws)
        assert fake_ws.calls["SPECs/alpha"] == 1
    assert read_status(fake_ws.root).code == 3  # stopped cleanly → "not running"


async def test_a_progress_edit_reaches_the_board_once(fake_ws: FakeWorkspace) -> None:
    async with running(make_daemon(fake_ws)) as daemon:
        progress = fake_ws.specs / "alpha" / "progress_alpha.json"
        progress.write_text(json.dumps({"status": "doing"}))
        await daemon.wait_until(lambda: fake_ws.calls["SPECs/alpha"] == 2 and daemon.idle.is_set())
        assert '"doing"' in fake_ws.board_text("SPECs/alpha")
        await settle_with_sentinel(daemon, fake_ws)
        assert fake_ws.calls["SPECs/alpha"] == 2


def _save_temp_and_rename(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _save_truncate_and_write(path: Path, text: str) -> None:
    with path.open("r+") as fh:
        fh.truncate(0)
        fh.flush()
        fh.write(text)


def _save_like_vim(path: Path, text: str) -> None:
    swap = path.with_name(f".{path.name}.swp")
    swap.write_bytes(b"vim swap")
    probe = path.with_name("4913")
    probe.write_bytes(b"")
    probe.unlink()
    backup = path.with_name(path.name + "~")
    os.rename(path, backup)
    path.write_text(text)
    backup.unlink()
    swap.unlink()


def _save_with_sed(path: Path, text: str) -> None:
    escaped = text.replace("/", r"\/")
    subprocess.run(["sed", "-i", f"s/.*/{escaped}/", str(path)], check=True)


SAVERS: dict[str, Callable[[Path, str], None]] = {
    "temp+rename": _save_temp_and_rename,
    "truncate+write": _save_truncate_and_write,
    "vim": _save_like_vim,
    "sed -i": _save_with_sed,
}


@pytest.mark.parametrize("pattern", sorted(SAVERS))
async def test_every_editor_save_pattern_lands_as_one_change(
    fake_ws: FakeWorkspace, pattern: str
) -> None:
    async with running(make_daemon(fake_ws, make_settings(fake_ws.root, quiet_ms=250))) as daemon:
        progress = fake_ws.specs / "alpha" / "progress_alpha.json"
        new = json.dumps({"status": "done"})
        SAVERS[pattern](progress, new)
        await daemon.wait_until(lambda: fake_ws.calls["SPECs/alpha"] >= 2 and daemon.idle.is_set())
        await settle_with_sentinel(daemon, fake_ws)
        assert fake_ws.calls["SPECs/alpha"] == 2, (
            f"{pattern} caused {fake_ws.calls['SPECs/alpha'] - 1} runs")
        assert new in fake_ws.board_text("SPECs/alpha")


def test_editor_scratch_names_are_ignored() -> None:
    for name in (".x.swp", "4913", "progress.json~", "sedAb12Cd", ".#x", ".~kanban-q.tmp"):
        assert is_ignored_name(f"/w/SPECs/a/{name}"), name
    for name in ("progress_a.json", "spec_a.md", "_kanban.md", "parameters_a.toml"):
        assert not is_ignored_name(f"/w/SPECs/a/{name}"), name


async def test_a_person_editing_the_board_is_not_mistaken_for_our_write(
    fake_ws: FakeWorkspace,
) -> None:
    async with running(make_daemon(fake_ws)) as daemon:
        board = fake_ws.specs / "alpha" / "_kanban.md"
        board.write_text(board.read_text() + "*   [ ] added by hand\n")
        await daemon.wait_until(lambda: fake_ws.calls["SPECs/alpha"] == 2 and daemon.idle.is_set())


async def test_a_new_spec_folder_is_picked_up(fake_ws: FakeWorkspace) -> None:
    async with running(make_daemon(fake_ws)) as daemon:
        fake_ws.add_board("gamma")
        await daemon.wait_until(lambda: fake_ws.calls["SPECs/gamma"] >= 1 and daemon.idle.is_set())
        assert '"todo"' in fake_ws.board_text("SPECs/gamma")


async def test_a_queue_overflow_triggers_a_full_rescan(fake_ws: FakeWorkspace) -> None:
    import logging

    async with running(make_daemon(fake_ws)) as daemon:
        rescans = daemon.rescans
        # The exact record watchdog's inotify reader logs on IN_Q_OVERFLOW.
        logging.getLogger("watchdog.observers.inotify_c").warning(
            "Inotify queue overflowed; filesystem events were lost"
        )
        await daemon.wait_until(lambda: daemon.rescans > rescans and daemon.idle.is_set())
        assert daemon.overflows == 1
        assert fake_ws.calls == Counter({"SPECs/alpha": 2, "SPECs/beta": 2})


async def test_an_event_storm_collapses_into_few_reconciles(fake_ws: FakeWorkspace) -> None:
    async with running(make_daemon(fake_ws, make_settings(fake_ws.root, quiet_ms=200))) as daemon:
        progress = fake_ws.specs / "alpha" / "progress_alpha.json"

        def storm() -> None:
            for i in range(500):
                progress.write_text(json.dumps({"status": f"step-{i}"}))

        await asyncio.to_thread(storm)
        await daemon.wait_until(
            lambda: '"step-499"' in fake_ws.board_text("SPECs/alpha") and daemon.idle.is_set()
        )
        assert fake_ws.calls["SPECs/alpha"] - 1 <= 3


FLOOD_SCRIPT = """
import mmap, os, sys
from pathlib import Path
folder, flag_file, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
# Alternate between two files: the kernel only merges an event identical to the last one
# queued, so every write here is one more IN_MODIFY in the queue.
fds = [os.open(folder / name, os.O_WRONLY | os.O_CREAT) for name in ("a.txt", "b.txt")]
for i in range(count):
    os.write(fds[i % 2], b"x")
with open(flag_file, "r+b") as fh:
    mmap.mmap(fh.fileno(), 1)[0] = 1
"""


def _flood_while_holding_the_gil(folder: Path, flag_file: Path, count: int) -> None:
    """Freeze every Python thread (the observer's reader too) while a child makes events.

    A huge switch interval plus a loop that makes no system call keeps the GIL here; the
    child says it is done through a shared memory map, which reads without a system call.
    """
    flag_file.write_bytes(b"\0")
    with flag_file.open("r+b") as fh:
        done = mmap.mmap(fh.fileno(), 1)
        previous = sys.getswitchinterval()
        proc = subprocess.Popen([sys.executable, "-c", FLOOD_SCRIPT, str(folder),
                                 str(flag_file), str(count)])
        sys.setswitchinterval(60)
        try:
            deadline = time.monotonic() + 30
            while done[0] == 0 and time.monotonic() < deadline:
                pass
        finally:
            sys.setswitchinterval(previous)
            done.close()
        assert proc.wait(30) == 0


def _files_to_overflow() -> int:
    limit = Path("/proc/sys/fs/inotify/max_queued_events")
    if not limit.is_file():
        pytest.skip("needs Linux inotify")
    queued = int(limit.read_text())
    if queued > 100_000:
        pytest.skip(f"max_queued_events is {queued}: too big to overflow in a test")
    return queued + 4000


async def test_a_real_inotify_queue_overflow_triggers_a_full_rescan(
    fake_ws: FakeWorkspace, tmp_path: Path
) -> None:
    count = _files_to_overflow()
    async with running(make_daemon(fake_ws)) as daemon:
        rescans = daemon.rescans
        _flood_while_holding_the_gil(fake_ws.specs / "alpha", tmp_path / "flag", count)
        await daemon.wait_until(
            lambda: daemon.overflows >= 1 and daemon.rescans > rescans and daemon.idle.is_set(),
            20,
        )
        assert fake_ws.calls["SPECs/beta"] >= 2  # beta had no event at all: only a rescan runs it


async def test_the_reconcile_knows_why_it_runs(fake_ws: FakeWorkspace) -> None:
    def seen() -> set[tuple[str, Trigger]]:
        return {(key, run.trigger) for key, run in fake_ws.runs}

    # A short interval: the periodic rescan comes 0.15–0.25 s after the start.
    daemon = make_daemon(fake_ws, make_settings(fake_ws.root, rescan_interval_s=0.2))
    async with running(daemon):
        assert ("SPECs/alpha", Trigger.RESCAN) in seen()
        (fake_ws.specs / "alpha" / "progress_alpha.json").write_text('{"status": "x"}')
        await daemon.wait_until(lambda: ("SPECs/alpha", Trigger.CHANGE) in seen())
        await daemon.wait_until(lambda: ("SPECs/beta", Trigger.PERIODIC) in seen())


async def test_a_deleted_spec_folder_leaves_no_error_behind(fake_ws: FakeWorkspace) -> None:
    import shutil

    daemon = make_daemon(fake_ws)
    async with running(daemon):
        await asyncio.to_thread(shutil.rmtree, fake_ws.specs / "alpha")
        await daemon.wait_until(lambda: daemon.board("SPECs/alpha") is None)
        await settle_with_sentinel(daemon, fake_ws)
        assert daemon.board("SPECs/alpha") is None
        assert read_status(fake_ws.root).code == EXIT_HEALTHY


async def test_a_specs_folder_created_after_start_is_watched(tmp_path: Path) -> None:
    fake_ws = FakeWorkspace(tmp_path)
    daemon = make_daemon(fake_ws)
    async with running(daemon):
        fake_ws.add_board("late")
        await daemon.wait_until(lambda: fake_ws.calls["SPECs/late"] >= 1 and daemon.idle.is_set())
        (fake_ws.specs / "late" / "progress_late.json").write_text('{"status": "seen"}')
        await daemon.wait_until(lambda: '"seen"' in fake_ws.board_text("SPECs/late"))
