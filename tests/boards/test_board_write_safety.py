"""A person's save of ``_kanban.md`` is never lost, whatever the daemon is doing (issue 10 §3).

First each race on its own, made deterministic; then the experiment of the issue against the
real daemon (watchers, debouncer, local reconcile): progress is rewritten every 50 ms, so the
daemon keeps rewriting the board, while a person adds card lines under ``## TODO``, saving in
place (truncate, then write) or as editors like vim do (temp file + rename). At the end every
line the person added must be on the board.

The stress writers' pace (50 ms, a few ms between saves) is the workload, not a wait: every
wait on the daemon is on its own idle signal. ``KANBANGER_STRESS_SAVES`` sets the saves per
case (default 30, about 6 s for the six cases; the issue's run used 100 to 250).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kanbanger_daemon.boards import reconcile as local
from kanbanger_daemon.boards.board_memory import SETTLE_S, BoardMemory
from kanbanger_daemon.boards.clock import BoardClock
from kanbanger_daemon.boards.own_writes import OwnWrites
from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions
from kanbanger_daemon.daemon.wiring import wire_daemon
from kanbanger_daemon.errors import FileChangedError
from kanbanger_daemon.settings import Settings, load_settings

pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("no_leaked_threads")]

SAVES = int(os.environ.get("KANBANGER_STRESS_SAVES", "30"))
KEY = "SPECs/site"
SPEC = """# Goal
A site.

## Task 1: Design
### Step 1.1: Sketch

## Task 2: Build
### Step 2.1: Write it

## Task 3: Launch
### Step 3.1: Publish
"""


def _progress(tick: int, *, launched: bool = False) -> str:
    """Task 2 flips between DOING and DONE every tick, Task 1 every other tick: any two ticks
    apart by less than four give different boards, whatever the daemon's rhythm."""
    build = "completed" if tick % 2 else "in_progress"
    design = "completed" if tick // 2 % 2 else "in_progress"
    tasks = [
        {"id": 1, "name": "Design", "status": design, "steps": [{"id": "1.1", "status": design}]},
        {"id": 2, "name": "Build", "status": build, "steps": [{"id": "2.1", "status": build}]},
        {"id": 3, "name": "Launch", "status": "completed" if launched else "pending",
         "steps": [{"id": "3.1", "status": "completed" if launched else "pending"}]},
    ]
    return json.dumps({"descriptor": "site", "status": "in_progress", "tasks": tasks})


def _save(path: Path, text: str, mode: str) -> None:
    if mode == "in_place":  # truncate, then write: the file is empty for a moment
        with path.open("w", encoding="utf-8") as fh:
            fh.write(text)
    else:  # write a temp file, rename it over the board (vim, most IDEs)
        tmp = path.with_name(".person.swp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)


def _with_line(board: str, line: str) -> str:
    head, sep, tail = board.partition("## TODO\n")
    assert sep, f"no ## TODO column on the board:\n{head}"
    return f"{head}{sep}{line}\n{tail}"


def _add_line(board: Path, line: str, mode: str) -> None:
    """What the person does: open the board, add a card under ``## TODO``, save."""
    _save(board, _with_line(board.read_text(encoding="utf-8"), line), mode)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


@dataclass
class Site:
    root: Path
    board: Path
    progress: Path
    settings: Settings
    # What one process (a daemon) knows of the board, kept from one reconcile to the next.
    memory: BoardMemory = field(default_factory=BoardMemory)
    own_writes: OwnWrites = field(default_factory=OwnWrites)

    def reconcile(self, memory: BoardMemory | None = None) -> local.LocalResult:
        return local.reconcile_local(self.root, KEY, self.settings,
                                     memory=memory or self.memory, own_writes=self.own_writes)


def _site(tmp_path: Path, quiet_ms: int = 300) -> Site:
    root = tmp_path / "ws"
    folder = root / KEY
    folder.mkdir(parents=True)
    _write(folder / "spec_site.md", SPEC)
    progress = folder / "progress_site.json"
    _write(progress, _progress(0))
    # max_wait as short as the quiet allows: the daemon rewrites the board as often as it can.
    settings = load_settings(root, environ={"HOME": str(tmp_path)},
                             flags={"quiet_ms": quiet_ms, "max_wait_ms": max(quiet_ms, 1)})
    return Site(root, folder / "_kanban.md", progress, settings)


LINE = "*   [ ] added by hand"


def test_a_board_caught_empty_mid_save_is_read_again_not_written_over(tmp_path: Path) -> None:
    site = _site(tmp_path)
    site.reconcile()  # the process now knows the board with its cards
    text = _read(site.board)
    _write(site.progress, _progress(1))  # the daemon has a reason to rewrite the board
    with site.board.open("w", encoding="utf-8") as editor:  # the save begins: board empty
        with pytest.raises(FileChangedError, match="board is empty") as caught:
            site.reconcile()
        assert caught.value.retryable  # the daemon requeues the board
        editor.write(_with_line(text, LINE))
    result = site.reconcile()
    assert result.written
    assert LINE in _read(site.board).splitlines()
    assert "*   [x] Task 2: Build (SPEC: spec_site.md)" in _read(site.board)


class StillClock:
    """A board clock (wall and monotonic alike) that moves only when the reconcile waits."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.waits: list[float] = []
        self.on_wait: Callable[[], None] = lambda: None

    def board_clock(self) -> BoardClock:
        return BoardClock(wall=lambda: self.now, monotonic=lambda: self.now, sleep=self.sleep)

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds
        self.on_wait()


def _mtime(path: Path) -> float:
    return path.stat().st_mtime_ns / 1e9


def test_a_board_emptied_on_purpose_gets_a_fresh_board_once_it_settles(tmp_path: Path) -> None:
    site, clock = _site(tmp_path), StillClock(0.0)
    memory = BoardMemory(clock.board_clock())
    site.reconcile(memory)
    _write(site.board, "")
    with pytest.raises(FileChangedError):
        site.reconcile(memory)
    clock.now += SETTLE_S
    assert site.reconcile(memory).written
    assert "Task 3: Launch" in _read(site.board)


def test_a_fresh_process_waits_for_a_board_emptied_a_moment_ago(tmp_path: Path) -> None:
    site = _site(tmp_path)
    site.reconcile()
    text = _read(site.board)
    _write(site.board, "")  # a one-shot command starts while an editor is saving
    clock = StillClock(_mtime(site.board) + 0.1)
    clock.on_wait = lambda: _write(site.board, _with_line(text, LINE))  # the save finishes
    site.reconcile(BoardMemory(clock.board_clock()))  # a new process: it never saw the board
    assert clock.waits and max(clock.waits) <= SETTLE_S
    assert LINE in _read(site.board).splitlines()


def test_a_fresh_process_believes_a_board_emptied_long_ago_at_once(tmp_path: Path) -> None:
    site = _site(tmp_path)
    site.reconcile()
    _write(site.board, "")  # emptied by a person, a minute before the command runs
    clock = StillClock(_mtime(site.board) + 60)
    assert site.reconcile(BoardMemory(clock.board_clock())).written
    assert clock.waits == []
    assert "Task 3: Launch" in _read(site.board)


@pytest.mark.parametrize("mode", ["in_place", "rename"])
def test_a_save_landing_while_the_daemon_writes_is_planned_from_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    site = _site(tmp_path)
    site.reconcile()
    _write(site.progress, _progress(1))
    record = site.own_writes.record

    def save_then_record(path: Path, data: bytes) -> None:  # just before the board is written
        if LINE not in _read(site.board):
            _add_line(site.board, LINE, mode)
        record(path, data)

    monkeypatch.setattr(site.own_writes, "record", save_then_record)
    assert site.reconcile().written
    board = _read(site.board)
    assert LINE in board.splitlines()
    assert "*   [x] Task 2: Build (SPEC: spec_site.md)" in board


def test_the_board_gets_the_umask_mode_and_keeps_a_mode_given_to_it(tmp_path: Path) -> None:
    site = _site(tmp_path)
    previous = os.umask(0o022)
    try:
        site.reconcile()
    finally:
        os.umask(previous)
    assert site.board.stat().st_mode & 0o777 == 0o644
    site.board.chmod(0o664)
    _write(site.progress, _progress(1))
    assert site.reconcile().written
    assert site.board.stat().st_mode & 0o777 == 0o664


def _daemon(site: Site) -> Daemon:
    return wire_daemon(site.root, site.settings, options=RuntimeOptions(
        install_signal_handlers=False, heartbeat_interval_s=0.2, supervise_interval_s=0.2))


async def test_the_daemons_own_write_wakes_no_second_reconcile(tmp_path: Path) -> None:
    site = _site(tmp_path, quiet_ms=50)
    other = site.root / "SPECs" / "other"
    other.mkdir()
    _write(other / "spec_other.md", SPEC)
    daemon = _daemon(site)
    task = asyncio.create_task(daemon.run())
    try:
        await daemon.wait_until(lambda: daemon.rescans >= 1 and daemon.idle.is_set()
                                and site.board.is_file())
        runs, first = daemon.reconciles_of(KEY), _read(site.board)
        _save(site.progress, _progress(1), "rename")  # one event: one reconcile, one write
        await daemon.wait_until(lambda: _read(site.board) != first)
        # The write's echo (the swap also reports the board as moved away) needs no work.
        # Another board's change, seen after the echo, proves the echo has been handled.
        sentinel = daemon.reconciles_of("SPECs/other")
        _write(other / "parameters_other.toml", "")
        await daemon.wait_until(lambda: daemon.reconciles_of("SPECs/other") > sentinel
                                and daemon.idle.is_set())
        assert daemon.reconciles_of(KEY) == runs + 1
    finally:
        daemon.request_stop()
        assert await asyncio.wait_for(task, 10) == 0


async def _rewrite_progress(path: Path, stop: asyncio.Event, rng: random.Random) -> None:
    tick = 0
    while not stop.is_set():
        tick += 1
        _write(path, _progress(tick))
        await asyncio.sleep(rng.uniform(0.04, 0.06))  # every 50 ms, not locked to the daemon


async def _person(board: Path, mode: str, saves: int, rng: random.Random) -> list[str]:
    lines = []
    for index in range(saves):
        line = f"*   [ ] person {mode} {index}"
        _add_line(board, line, mode)
        lines.append(line)
        await asyncio.sleep(rng.uniform(0.002, 0.03))
    return lines


async def _settled(daemon: Daemon, board: Path) -> str:
    """The board once the daemon has taken in a last progress change and has nothing to do."""
    def done() -> bool:
        status = daemon.board(KEY)
        return (daemon.idle.is_set() and status is not None and bool(status.last_ok)
                and status.backoff_until is None
                and "[x] Task 3: Launch" in _read(board))

    await daemon.wait_until(done, within_s=20)
    return _read(board)


@pytest.mark.parametrize("quiet_ms", [0, 50, 300])
@pytest.mark.parametrize("mode", ["in_place", "rename"])
async def test_no_saved_line_is_lost_while_the_daemon_rewrites_the_board(
    tmp_path: Path, mode: str, quiet_ms: int
) -> None:
    site = _site(tmp_path, quiet_ms)
    board, progress, daemon = site.board, site.progress, _daemon(site)
    task = asyncio.create_task(daemon.run())
    stop = asyncio.Event()
    try:
        await daemon.wait_until(lambda: daemon.rescans >= 1 and daemon.idle.is_set()
                                and board.is_file())
        rng = random.Random(f"{mode}{quiet_ms}")
        writer = asyncio.create_task(_rewrite_progress(progress, stop, rng))
        lines = await _person(board, mode, SAVES, rng)
        stop.set()
        await writer
        _write(progress, _progress(0, launched=True))
        final = await _settled(daemon, board)
    finally:
        stop.set()
        daemon.request_stop()
        assert await asyncio.wait_for(task, 10) == 0
    lost = [line for line in lines if line not in final.splitlines()]
    assert not lost, f"{len(lost)} of {len(lines)} saved lines lost ({mode}, quiet_ms={quiet_ms})"
