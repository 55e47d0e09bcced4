"""Failures and supervision, with the daemon against real watchdog observers in temp folders
and a fake reconcile: a dead observer, exhausted inotify watches, failing, slow, stuck and rate
limited reconciles, one daemon per workspace, signals, the stop timeout, and systemd's notify
socket and watchdog. How file changes reach boards is in ``test_daemon_file_events``.

Every wait is on the daemon's own signals (idle, state predicates), never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import signal
import socket
from pathlib import Path

import pytest
import structlog.testing
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from kanbanger_daemon.daemon.status import EXIT_DEGRADED, read_status
from kanbanger_daemon.daemon.triggers import Run
from kanbanger_daemon.errors import FileChangedError, InputError, LockError
from kanbanger_daemon.models.status import ReconcileResult
from tests.helpers.fake_workspace import FakeWorkspace, make_daemon, make_settings, running

pytestmark = [pytest.mark.timeout(30),
              pytest.mark.usefixtures("no_leaked_threads", "no_leaked_tasks")]


@pytest.mark.parametrize("victim", ["observer", "emitter"])
async def test_a_dead_observer_is_restarted_and_followed_by_a_rescan(
    fake_ws: FakeWorkspace, victim: str
) -> None:
    async with running(make_daemon(fake_ws)) as daemon:
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
        progress = fake_ws.specs / "alpha" / "progress_alpha.json"
        progress.write_text(json.dumps({"status": "after-restart"}))
        await daemon.wait_until(
            lambda: "after-restart" in fake_ws.board_text("SPECs/alpha") and daemon.idle.is_set()
        )


async def test_exhausted_inotify_limits_fall_back_to_polling_and_report_degraded(
    fake_ws: FakeWorkspace,
) -> None:
    def exhausted() -> BaseObserver:
        class NoWatches(Observer):  # type: ignore[misc, valid-type]
            def schedule(self, *args: object, **kwargs: object) -> object:
                raise OSError(errno.ENOSPC, "inotify watch limit reached")

        return NoWatches()

    daemon = make_daemon(fake_ws, native_observer=exhausted)
    async with running(daemon):
        assert daemon.supervisor is not None and daemon.supervisor.kind == "polling"
        await daemon.wait_until(lambda: read_status(fake_ws.root).code == EXIT_DEGRADED)
        report = read_status(fake_ws.root)
        assert any("fs.inotify.max_user_watches" in r for r in report.reasons)
        assert report.status is not None and report.status["mode"] == "degraded"


async def test_retryable_failures_back_off_and_permanent_ones_wait_for_a_change(
    fake_ws: FakeWorkspace,
) -> None:
    fake_ws.fail_with["SPECs/alpha"] = [FileChangedError("torn write", file="progress_alpha.json")]
    fake_ws.fail_with["SPECs/beta"] = [
        InputError("bad JSON", file="SPECs/beta/progress.json", line=3)]
    daemon = make_daemon(fake_ws, retry_base_s=0.05)
    async with running(daemon):
        await daemon.wait_until(lambda: fake_ws.calls["SPECs/alpha"] == 2 and daemon.idle.is_set())
        alpha = daemon.board("SPECs/alpha")
        assert alpha is not None and alpha.last_ok and alpha.last_error is None
        beta = daemon.board("SPECs/beta")
        assert beta is not None and beta.last_ok is False
        assert (beta.error_file, beta.error_line) == ("SPECs/beta/progress.json", 3)
        assert fake_ws.calls["SPECs/beta"] == 1
        await daemon.wait_until(lambda: read_status(fake_ws.root).code == EXIT_DEGRADED)
        assert any("SPECs/beta" in r for r in read_status(fake_ws.root).reasons)


async def test_an_error_without_a_line_is_logged_at_its_file(fake_ws: FakeWorkspace) -> None:
    fake_ws.fail_with["SPECs/beta"] = [InputError("not UTF-8", file="SPECs/beta/spec_beta.md")]
    daemon = make_daemon(fake_ws)
    with structlog.testing.capture_logs() as logs:
        async with running(daemon):
            pass
    errors = [e for e in logs if e["event"] == "reconcile.error"]
    assert [e["where"] for e in errors] == ["SPECs/beta/spec_beta.md"]


async def test_a_slow_board_does_not_block_the_others(fake_ws: FakeWorkspace) -> None:
    daemon = make_daemon(fake_ws)
    async with running(daemon):
        gate = fake_ws.block["SPECs/alpha"] = asyncio.Event()
        (fake_ws.specs / "alpha" / "progress_alpha.json").write_text('{"status": "slow"}')
        await daemon.wait_until(lambda: fake_ws.calls["SPECs/alpha"] == 2)
        (fake_ws.specs / "beta" / "progress_beta.json").write_text('{"status": "fast"}')
        await daemon.wait_until(lambda: '"fast"' in fake_ws.board_text("SPECs/beta"))
        # alpha changes again while it is being reconciled: it runs exactly once more.
        (fake_ws.specs / "alpha" / "progress_alpha.json").write_text('{"status": "slower"}')
        await daemon.wait_until(lambda: daemon.board("SPECs/alpha") is not None)
        await daemon.wait_until(lambda: len(daemon.debouncer) == 0)
        gate.set()
        del fake_ws.block["SPECs/alpha"]
        await daemon.wait_until(lambda: daemon.idle.is_set() and fake_ws.calls["SPECs/alpha"] == 3)
        assert '"slower"' in fake_ws.board_text("SPECs/alpha")


async def test_a_second_daemon_on_the_same_workspace_is_refused(fake_ws: FakeWorkspace) -> None:
    async with running(make_daemon(fake_ws)):
        with pytest.raises(LockError, match=rf"pid {os.getpid()}"):
            await make_daemon(fake_ws).run()


async def test_sighup_rescans_and_sigterm_stops_cleanly(fake_ws: FakeWorkspace) -> None:
    daemon = make_daemon(fake_ws, install_signal_handlers=True)
    task = asyncio.create_task(daemon.run())
    await daemon.wait_until(lambda: daemon.rescans >= 1 and daemon.idle.is_set())
    os.kill(os.getpid(), signal.SIGHUP)
    await daemon.wait_until(lambda: daemon.rescans >= 2 and daemon.idle.is_set())
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(task, 10) == 0
    assert read_status(fake_ws.root).code == 3


async def test_stop_abandons_a_stuck_reconcile_within_the_stop_timeout(
    fake_ws: FakeWorkspace,
) -> None:
    daemon = make_daemon(fake_ws, make_settings(fake_ws.root, stop_timeout_s=1.5))
    task = asyncio.create_task(daemon.run())
    await daemon.wait_until(lambda: daemon.idle.is_set() and daemon.rescans >= 1)
    fake_ws.block["SPECs/alpha"] = asyncio.Event()  # never set: the reconcile hangs
    (fake_ws.specs / "alpha" / "progress_alpha.json").write_text('{"status": "hang"}')
    await daemon.wait_until(lambda: fake_ws.calls["SPECs/alpha"] == 2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    daemon.request_stop()
    assert await asyncio.wait_for(task, 5) == 0
    assert loop.time() - started < 1.5


async def test_sd_notify_ready_status_watchdog_and_stopping(
    fake_ws: FakeWorkspace, tmp_path: Path
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
        daemon = make_daemon(fake_ws, environ=env)
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
async def test_a_rate_limited_board_waits_for_the_reset_github_gave(fake_ws: FakeWorkspace) -> None:
    """On loop time: the hour GitHub asked for passes at once."""
    from kanbanger_daemon.errors import SecondaryRateLimitError

    fake_ws.fail_with["SPECs/alpha"] = [SecondaryRateLimitError("slow down", retry_after=3600)]
    loop = asyncio.get_running_loop()
    # Within the hour: periodic rescans (they leave the waiting board alone), few heartbeats
    # and watcher checks (file writes and threads take real time).
    settings = make_settings(fake_ws.root, rescan_interval_s=600)
    daemon = make_daemon(fake_ws, settings, retry_base_s=0.01, supervise_interval_s=600,
                         heartbeat_interval_s=60, wall_clock=lambda: 1e9 + loop.time())
    async with running(daemon):
        board = daemon.board("SPECs/alpha")
        assert board is not None and board.backoff_until is not None
        assert board.backoff_until - daemon.options.wall_clock() > 3500
        assert fake_ws.calls["SPECs/alpha"] == 1  # not retried before the hour is up
        started = loop.time()
        await daemon.wait_until(lambda: fake_ws.calls["SPECs/alpha"] == 2, within_s=4000)
        assert loop.time() - started > 3500
        await daemon.wait_until(lambda: daemon.idle.is_set())
        assert daemon.board("SPECs/alpha").last_ok  # type: ignore[union-attr]


async def test_a_slow_reconcile_that_reports_progress_keeps_the_watchdog_fed(
    fake_ws: FakeWorkspace,
) -> None:
    progressed = asyncio.Event()
    finish = asyncio.Event()
    plain = fake_ws.reconcile

    async def slow_but_moving(key: str, run: Run) -> ReconcileResult:
        if key == "SPECs/alpha" and fake_ws.calls[key] >= 1:
            loop = asyncio.get_running_loop()
            started = loop.time()
            while not finish.is_set():  # a long paced push, reporting after each batch
                await asyncio.to_thread(run.alive)
                if loop.time() - started > 0.6:
                    progressed.set()
                await asyncio.sleep(0.05)
        return await plain(key, run)

    fake_ws.reconcile = slow_but_moving  # type: ignore[method-assign]
    daemon = make_daemon(fake_ws, reconcile_stuck_after_s=0.3)
    async with running(daemon):
        (fake_ws.specs / "alpha" / "progress_alpha.json").write_text('{"status": "slow"}')
        await asyncio.wait_for(progressed.wait(), 10)
        assert daemon.healthy()  # twice the stuck limit, but it said it was alive
        finish.set()
        await daemon.wait_until(lambda: daemon.idle.is_set() and fake_ws.calls["SPECs/alpha"] == 2)


async def test_the_systemd_watchdog_is_withheld_while_a_reconcile_is_stuck(
    fake_ws: FakeWorkspace,
) -> None:
    daemon = make_daemon(fake_ws, reconcile_stuck_after_s=0.3)
    async with running(daemon):
        assert daemon.healthy()
        gate = fake_ws.block["SPECs/alpha"] = asyncio.Event()
        (fake_ws.specs / "alpha" / "progress_alpha.json").write_text('{"status": "stuck"}')
        await daemon.wait_until(lambda: not daemon.healthy())
        gate.set()
        await daemon.wait_until(lambda: daemon.healthy() and daemon.idle.is_set())
