"""The daemon against real watchdog observers in temp folders, with a fake reconcile.

Every wait is on the daemon's own signals (idle, state predicates), never a fixed sleep. To
prove that something did NOT cause work (our own write, an editor's temp file), a sentinel
change on another board is made afterwards: events are routed in order, so once the sentinel
has been reconciled, the earlier events have been seen and dropped.
"""

from __future__ import annotations

import asyncio
import errno
import json
import mmap
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import structlog.testing
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from kanbanger_daemon.boards.own_writes import OwnWrites
from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions
from kanbanger_daemon.daemon.status import EXIT_DEGRADED, EXIT_HEALTHY, read_status
from kanbanger_daemon.daemon.triggers import Run, Trigger
from kanbanger_daemon.errors import FileChangedError, InputError, LockError
from kanbanger_daemon.models.status import ReconcileResult
from kanbanger_daemon.settings import Settings, load_settings
from kanbanger_daemon.watch.events import is_ignored_name

pytestmark = [pytest.mark.timeout(30),
              pytest.mark.usefixtures("no_leaked_threads", "no_leaked_tasks")]


class FakeWorkspace:
    """SPEC folders under ``SPECs/``; the 'reconcile' copies progress into ``_kanban.md``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.specs = root / "SPECs"
        self.calls: Counter[str] = Counter()
        self.fail_with: dict[str, list[Exception]] = {}
        self.block: dict[str, asyncio.Event] = {}
        self.registry = OwnWrites()  # shared with the daemon, as the real wiring does
        self.runs: list[tuple[str, Run]] = []

    def add_board(self, name: str, progress: str = "todo") -> Path:
        folder = self.specs / name
        folder.mkdir(parents=True)
        (folder / f"spec_{name}.md").write_text(f"# {name}\n")
        (folder / f"progress_{name}.json").write_text(json.dumps({"status": progress}))
        return folder

    def discover(self) -> list[str]:
        if not self.specs.is_dir():
            return []
        return sorted(f"SPECs/{p.name}" for p in self.specs.iterdir() if p.is_dir())

    def route(self, path: Path) -> str | None:
        try:
            rel = path.relative_to(self.specs)
        except ValueError:
            return None
        return f"SPECs/{rel.parts[0]}" if len(rel.parts) == 2 else None

    def board_text(self, key: str) -> str:
        return (self.root / key / "_kanban.md").read_text()

    async def reconcile(self, key: str, run: Run) -> ReconcileResult:
        self.calls[key] += 1
        self.runs.append((key, run))
        if key in self.block:
            await self.block[key].wait()
        failures = self.fail_with.get(key)
        if failures:
            raise failures.pop(0)
        return await asyncio.to_thread(self._reconcile_sync, key)

    def _reconcile_sync(self, key: str) -> ReconcileResult:
        folder = self.root / key
        name = folder.name
        try:
            progress = (folder / f"progress_{name}.json").read_text()
        except FileNotFoundError:
            progress = "(none)"
        data = f"# {name}\n\n{progress}\n".encode()
        board = folder / "_kanban.md"
        if board.exists() and board.read_bytes() == data:
            return ReconcileResult()
        tmp = folder / ".~kanban-test.tmp"
        tmp.write_bytes(data)
        self.registry.record(board, data)
        os.replace(tmp, board)
        return ReconcileResult(wrote_board=True)


def make_settings(root: Path, **flags: object) -> Settings:
    values: dict[str, object] = {"quiet_ms": 100, "max_wait_ms": 1000}
    values.update(flags)
    return load_settings(root, environ={"HOME": str(root)}, flags=values)


@pytest.fixture
def ws(tmp_path: Path) -> FakeWorkspace:
    workspace = FakeWorkspace(tmp_path)
    workspace.add_board("alpha")
    workspace.add_board("beta")
    return workspace


def make_daemon(
    ws: FakeWorkspace, settings: Settings | None = None, **options: object
) -> Daemon:
    opts = RuntimeOptions(
        install_signal_handlers=False, heartbeat_interval_s=0.2, supervise_interval_s=0.1
    )
    for name, value in options.items():
        setattr(opts, name, value)
    return Daemon(
        ws.root,
        settings or make_settings(ws.root),
        reconcile=ws.reconcile,
        discover=ws.discover,
        board_for_path=ws.route,
        own_writes=ws.registry,
        options=opts,
    )


@asynccontextmanager
async def running(daemon: Daemon) -> AsyncIterator[Daemon]:
    task = asyncio.create_task(daemon.run())
    try:
        async with asyncio.timeout(10):
            await daemon.ready.wait()
        await daemon.wait_until(lambda: daemon.idle.is_set() and daemon.rescans >= 1)
        yield daemon
    finally:
        daemon.request_stop()
        assert await asyncio.wait_for(task, 15) == 0


async def settle_with_sentinel(daemon: Daemon, ws: FakeWorkspace, key: str = "SPECs/beta") -> None:
    """Make a change on ``key`` and wait until it was reconciled and the daemon is idle."""
    before = ws.calls[key]
    progress = ws.root / key / f"progress_{Path(key).name}.json"
    progress.write_text(json.dumps({"status": f"sentinel-{before}"}))
    await daemon.wait_until(lambda: ws.calls[key] > before and daemon.idle.is_set())


async def test_start_reconciles_every_board_once_and_publishes_private_status(
    ws: FakeWorkspace,
) -> None:
    async with running(make_daemon(ws)) as daemon:
        assert ws.calls == Counter({"SPECs/alpha": 1, "SPECs/beta": 1})
        assert '"todo"' in ws.board_text("SPECs/alpha")
        status_file = ws.root / ".kanbanger" / "status.json"
        await daemon.wait_until(
            lambda: json.loads(status_file.read_text()).get("idle") is True
        )
        assert stat.S_IMODE(status_file.stat().st_mode) == 0o600
        report = read_status(ws.root)
        assert report.code == EXIT_HEALTHY, report.reasons
        assert report.status is not None and report.status["state"] == "running"
        assert set(report.status["boards"]) == {"SPECs/alpha", "SPECs/beta"}
        # The board writes above were our own: they caused no further reconcile.
        await settle_with_sentinel(daemon, ws)
        assert ws.calls["SPECs/alpha"] == 1
    assert read_status(ws.root).code == 3  # stopped cleanly → "not running"


async def test_a_progress_edit_reaches_the_board_once(ws: FakeWorkspace) -> None:
    async with running(make_daemon(ws)) as daemon:
        progress = ws.specs / "alpha" / "progress_alpha.json"
        progress.write_text(json.dumps({"status": "doing"}))
        await daemon.wait_until(lambda: ws.calls["SPECs/alpha"] == 2 and daemon.idle.is_set())
        assert '"doing"' in ws.board_text("SPECs/alpha")
        await settle_with_sentinel(daemon, ws)
        assert ws.calls["SPECs/alpha"] == 2


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
    ws: FakeWorkspace, pattern: str
) -> None:
    async with running(make_daemon(ws, make_settings(ws.root, quiet_ms=250))) as daemon:
        progress = ws.specs / "alpha" / "progress_alpha.json"
        new = json.dumps({"status": "done"})
        SAVERS[pattern](progress, new)
        await daemon.wait_until(lambda: ws.calls["SPECs/alpha"] >= 2 and daemon.idle.is_set())
        await settle_with_sentinel(daemon, ws)
        assert ws.calls["SPECs/alpha"] == 2, f"{pattern} caused {ws.calls['SPECs/alpha'] - 1} runs"
        assert new in ws.board_text("SPECs/alpha")


def test_editor_scratch_names_are_ignored() -> None:
    for name in (".x.swp", "4913", "progress.json~", "sedAb12Cd", ".#x", ".~kanban-q.tmp"):
        assert is_ignored_name(f"/w/SPECs/a/{name}"), name
    for name in ("progress_a.json", "spec_a.md", "_kanban.md", "parameters_a.toml"):
        assert not is_ignored_name(f"/w/SPECs/a/{name}"), name


async def test_a_person_editing_the_board_is_not_mistaken_for_our_write(
    ws: FakeWorkspace,
) -> None:
    async with running(make_daemon(ws)) as daemon:
        board = ws.specs / "alpha" / "_kanban.md"
        board.write_text(board.read_text() + "*   [ ] added by hand\n")
        await daemon.wait_until(lambda: ws.calls["SPECs/alpha"] == 2 and daemon.idle.is_set())


async def test_a_new_spec_folder_is_picked_up(ws: FakeWorkspace) -> None:
    async with running(make_daemon(ws)) as daemon:
        ws.add_board("gamma")
        await daemon.wait_until(lambda: ws.calls["SPECs/gamma"] >= 1 and daemon.idle.is_set())
        assert '"todo"' in ws.board_text("SPECs/gamma")


async def test_a_queue_overflow_triggers_a_full_rescan(ws: FakeWorkspace) -> None:
    import logging

    async with running(make_daemon(ws)) as daemon:
        rescans = daemon.rescans
        # The exact record watchdog's inotify reader logs on IN_Q_OVERFLOW.
        logging.getLogger("watchdog.observers.inotify_c").warning(
            "Inotify queue overflowed; filesystem events were lost"
        )
        await daemon.wait_until(lambda: daemon.rescans > rescans and daemon.idle.is_set())
        assert daemon.overflows == 1
        assert ws.calls == Counter({"SPECs/alpha": 2, "SPECs/beta": 2})


async def test_an_event_storm_collapses_into_few_reconciles(ws: FakeWorkspace) -> None:
    async with running(make_daemon(ws, make_settings(ws.root, quiet_ms=200))) as daemon:
        progress = ws.specs / "alpha" / "progress_alpha.json"

        def storm() -> None:
            for i in range(500):
                progress.write_text(json.dumps({"status": f"step-{i}"}))

        await asyncio.to_thread(storm)
        await daemon.wait_until(
            lambda: '"step-499"' in ws.board_text("SPECs/alpha") and daemon.idle.is_set()
        )
        assert ws.calls["SPECs/alpha"] - 1 <= 3


@pytest.mark.parametrize("victim", ["observer", "emitter"])
async def test_a_dead_observer_is_restarted_and_followed_by_a_rescan(
    ws: FakeWorkspace, victim: str
) -> None:
    async with running(make_daemon(ws)) as daemon:
        assert daemon.supervisor is not None and daemon.supervisor.observer is not None
        rescans = daemon.rescans
        observer = daemon.supervisor.observer
        if victim == "observer":
            observer.stop()  # the dispatcher thread dies behind the daemon's back
        else:
            emitter = next(iter(observer.emitters))
            emitter.stop()  # one inotify reader thread dies, the rest looks alive
            await asyncio.to_thread(emitter.join, 5)
        await daemon.wait_until(
            lambda: daemon.supervisor is not None
            and daemon.supervisor.restarts == 1
            and daemon.rescans > rescans
            and daemon.idle.is_set()
        )
        assert daemon.supervisor.is_alive()
        progress = ws.specs / "alpha" / "progress_alpha.json"
        progress.write_text(json.dumps({"status": "after-restart"}))
        await daemon.wait_until(
            lambda: "after-restart" in ws.board_text("SPECs/alpha") and daemon.idle.is_set()
        )


async def test_exhausted_inotify_limits_fall_back_to_polling_and_report_degraded(
    ws: FakeWorkspace,
) -> None:
    def exhausted() -> BaseObserver:
        class NoWatches(Observer):  # type: ignore[misc, valid-type]
            def schedule(self, *args: object, **kwargs: object) -> object:
                raise OSError(errno.ENOSPC, "inotify watch limit reached")

        return NoWatches()  # type: ignore[no-any-return]

    daemon = make_daemon(ws, native_observer=exhausted)
    async with running(daemon):
        assert daemon.supervisor is not None and daemon.supervisor.kind == "polling"
        await daemon.wait_until(lambda: read_status(ws.root).code == EXIT_DEGRADED)
        report = read_status(ws.root)
        assert any("fs.inotify.max_user_watches" in r for r in report.reasons)
        assert report.status is not None and report.status["mode"] == "degraded"


async def test_retryable_failures_back_off_and_permanent_ones_wait_for_a_change(
    ws: FakeWorkspace,
) -> None:
    ws.fail_with["SPECs/alpha"] = [FileChangedError("torn write", file="progress_alpha.json")]
    ws.fail_with["SPECs/beta"] = [InputError("bad JSON", file="SPECs/beta/progress.json", line=3)]
    daemon = make_daemon(ws, retry_base_s=0.05)
    async with running(daemon):
        await daemon.wait_until(lambda: ws.calls["SPECs/alpha"] == 2 and daemon.idle.is_set())
        alpha = daemon.board("SPECs/alpha")
        assert alpha is not None and alpha.last_ok and alpha.last_error is None
        beta = daemon.board("SPECs/beta")
        assert beta is not None and beta.last_ok is False
        assert (beta.error_file, beta.error_line) == ("SPECs/beta/progress.json", 3)
        assert ws.calls["SPECs/beta"] == 1
        await daemon.wait_until(lambda: read_status(ws.root).code == EXIT_DEGRADED)
        assert any("SPECs/beta" in r for r in read_status(ws.root).reasons)


async def test_an_error_without_a_line_is_logged_at_its_file(ws: FakeWorkspace) -> None:
    ws.fail_with["SPECs/beta"] = [InputError("not UTF-8", file="SPECs/beta/spec_beta.md")]
    daemon = make_daemon(ws)
    with structlog.testing.capture_logs() as logs:
        async with running(daemon):
            pass
    errors = [e for e in logs if e["event"] == "reconcile.error"]
    assert [e["where"] for e in errors] == ["SPECs/beta/spec_beta.md"]


async def test_a_slow_board_does_not_block_the_others(ws: FakeWorkspace) -> None:
    daemon = make_daemon(ws)
    async with running(daemon):
        gate = ws.block["SPECs/alpha"] = asyncio.Event()
        (ws.specs / "alpha" / "progress_alpha.json").write_text('{"status": "slow"}')
        await daemon.wait_until(lambda: ws.calls["SPECs/alpha"] == 2)
        (ws.specs / "beta" / "progress_beta.json").write_text('{"status": "fast"}')
        await daemon.wait_until(lambda: '"fast"' in ws.board_text("SPECs/beta"))
        # alpha changes again while it is being reconciled: it runs exactly once more.
        (ws.specs / "alpha" / "progress_alpha.json").write_text('{"status": "slower"}')
        await daemon.wait_until(lambda: daemon.board("SPECs/alpha") is not None)
        await daemon.wait_until(lambda: len(daemon.debouncer) == 0)
        gate.set()
        del ws.block["SPECs/alpha"]
        await daemon.wait_until(lambda: daemon.idle.is_set() and ws.calls["SPECs/alpha"] == 3)
        assert '"slower"' in ws.board_text("SPECs/alpha")


async def test_a_second_daemon_on_the_same_workspace_is_refused(ws: FakeWorkspace) -> None:
    async with running(make_daemon(ws)):
        with pytest.raises(LockError, match=rf"pid {os.getpid()}"):
            await make_daemon(ws).run()


async def test_sighup_rescans_and_sigterm_stops_cleanly(ws: FakeWorkspace) -> None:
    daemon = make_daemon(ws, install_signal_handlers=True)
    task = asyncio.create_task(daemon.run())
    await daemon.wait_until(lambda: daemon.rescans >= 1 and daemon.idle.is_set())
    os.kill(os.getpid(), signal.SIGHUP)
    await daemon.wait_until(lambda: daemon.rescans >= 2 and daemon.idle.is_set())
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(task, 10) == 0
    assert read_status(ws.root).code == 3


async def test_stop_abandons_a_stuck_reconcile_within_the_stop_timeout(
    ws: FakeWorkspace,
) -> None:
    daemon = make_daemon(ws, make_settings(ws.root, stop_timeout_s=1.5))
    task = asyncio.create_task(daemon.run())
    await daemon.wait_until(lambda: daemon.idle.is_set() and daemon.rescans >= 1)
    ws.block["SPECs/alpha"] = asyncio.Event()  # never set: the reconcile hangs
    (ws.specs / "alpha" / "progress_alpha.json").write_text('{"status": "hang"}')
    await daemon.wait_until(lambda: ws.calls["SPECs/alpha"] == 2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    daemon.request_stop()
    assert await asyncio.wait_for(task, 5) == 0
    assert loop.time() - started < 1.5


async def test_sd_notify_ready_status_watchdog_and_stopping(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    sock_path = tmp_path / "notify.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(sock_path))
    server.setblocking(False)
    received: list[str] = []
    loop = asyncio.get_running_loop()
    loop.add_reader(server.fileno(), lambda: received.append(server.recv(4096).decode()))
    try:
        env = {"NOTIFY_SOCKET": str(sock_path), "WATCHDOG_USEC": "200000"}
        daemon = make_daemon(ws, environ=env)
        async with running(daemon):
            await daemon.wait_until(lambda: any("WATCHDOG=1" in m for m in received), 5)
        await daemon.wait_until(lambda: any("STOPPING=1" in m for m in received), 5)
    finally:
        loop.remove_reader(server.fileno())
        server.close()
    ready = [m for m in received if "READY=1" in m]
    assert len(ready) == 1 and "STATUS=" in ready[0]
    assert received.index(ready[0]) < min(i for i, m in enumerate(received) if "WATCHDOG=1" in m)


@pytest.mark.looptime
async def test_a_rate_limited_board_waits_for_the_reset_github_gave(ws: FakeWorkspace) -> None:
    """On loop time: the hour GitHub asked for passes at once."""
    from kanbanger_daemon.errors import SecondaryRateLimitError

    ws.fail_with["SPECs/alpha"] = [SecondaryRateLimitError("slow down", retry_after=3600)]
    loop = asyncio.get_running_loop()
    # Within the hour: periodic rescans (they leave the waiting board alone), few heartbeats
    # and watcher checks (file writes and threads take real time).
    settings = make_settings(ws.root, rescan_interval_s=600)
    daemon = make_daemon(ws, settings, retry_base_s=0.01, supervise_interval_s=600,
                         heartbeat_interval_s=60, wall_clock=lambda: 1e9 + loop.time())
    async with running(daemon):
        board = daemon.board("SPECs/alpha")
        assert board is not None and board.backoff_until is not None
        assert board.backoff_until - daemon.options.wall_clock() > 3500
        assert ws.calls["SPECs/alpha"] == 1  # not retried before the hour is up
        started = loop.time()
        await daemon.wait_until(lambda: ws.calls["SPECs/alpha"] == 2, within_s=4000)
        assert loop.time() - started > 3500
        await daemon.wait_until(lambda: daemon.idle.is_set())
        assert daemon.board("SPECs/alpha").last_ok  # type: ignore[union-attr]


async def test_a_slow_reconcile_that_reports_progress_keeps_the_watchdog_fed(
    ws: FakeWorkspace,
) -> None:
    progressed = asyncio.Event()
    finish = asyncio.Event()
    plain = ws.reconcile

    async def slow_but_moving(key: str, run: Run) -> ReconcileResult:
        if key == "SPECs/alpha" and ws.calls[key] >= 1:
            loop = asyncio.get_running_loop()
            started = loop.time()
            while not finish.is_set():  # a long paced push, reporting after each batch
                await asyncio.to_thread(run.alive)
                if loop.time() - started > 0.6:
                    progressed.set()
                await asyncio.sleep(0.05)
        return await plain(key, run)

    ws.reconcile = slow_but_moving  # type: ignore[method-assign]
    daemon = make_daemon(ws, reconcile_stuck_after_s=0.3)
    async with running(daemon):
        (ws.specs / "alpha" / "progress_alpha.json").write_text('{"status": "slow"}')
        await asyncio.wait_for(progressed.wait(), 10)
        assert daemon.healthy()  # twice the stuck limit, but it said it was alive
        finish.set()
        await daemon.wait_until(lambda: daemon.idle.is_set() and ws.calls["SPECs/alpha"] == 2)


async def test_the_systemd_watchdog_is_withheld_while_a_reconcile_is_stuck(
    ws: FakeWorkspace,
) -> None:
    daemon = make_daemon(ws, reconcile_stuck_after_s=0.3)
    async with running(daemon):
        assert daemon.healthy()
        gate = ws.block["SPECs/alpha"] = asyncio.Event()
        (ws.specs / "alpha" / "progress_alpha.json").write_text('{"status": "stuck"}')
        await daemon.wait_until(lambda: not daemon.healthy())
        gate.set()
        await daemon.wait_until(lambda: daemon.healthy() and daemon.idle.is_set())


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
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    count = _files_to_overflow()
    async with running(make_daemon(ws)) as daemon:
        rescans = daemon.rescans
        _flood_while_holding_the_gil(ws.specs / "alpha", tmp_path / "flag", count)
        await daemon.wait_until(
            lambda: daemon.overflows >= 1 and daemon.rescans > rescans and daemon.idle.is_set(),
            20,
        )
        assert ws.calls["SPECs/beta"] >= 2  # beta had no event at all: only a rescan runs it


async def test_the_reconcile_knows_why_it_runs(ws: FakeWorkspace) -> None:
    def seen() -> set[tuple[str, Trigger]]:
        return {(key, run.trigger) for key, run in ws.runs}

    # A short interval: the periodic rescan comes 0.15–0.25 s after the start.
    daemon = make_daemon(ws, make_settings(ws.root, rescan_interval_s=0.2))
    async with running(daemon):
        assert ("SPECs/alpha", Trigger.RESCAN) in seen()
        (ws.specs / "alpha" / "progress_alpha.json").write_text('{"status": "x"}')
        await daemon.wait_until(lambda: ("SPECs/alpha", Trigger.CHANGE) in seen())
        await daemon.wait_until(lambda: ("SPECs/beta", Trigger.PERIODIC) in seen())


async def test_a_deleted_spec_folder_leaves_no_error_behind(ws: FakeWorkspace) -> None:
    import shutil

    daemon = make_daemon(ws)
    async with running(daemon):
        await asyncio.to_thread(shutil.rmtree, ws.specs / "alpha")
        await daemon.wait_until(lambda: daemon.board("SPECs/alpha") is None)
        await settle_with_sentinel(daemon, ws)
        assert daemon.board("SPECs/alpha") is None
        assert read_status(ws.root).code == EXIT_HEALTHY


async def test_a_specs_folder_created_after_start_is_watched(tmp_path: Path) -> None:
    ws = FakeWorkspace(tmp_path)
    daemon = make_daemon(ws)
    async with running(daemon):
        ws.add_board("late")
        await daemon.wait_until(lambda: ws.calls["SPECs/late"] >= 1 and daemon.idle.is_set())
        (ws.specs / "late" / "progress_late.json").write_text('{"status": "seen"}')
        await daemon.wait_until(lambda: '"seen"' in ws.board_text("SPECs/late"))
