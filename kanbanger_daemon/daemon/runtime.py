"""The daemon: a small supervisor of separate tasks, each in its own module.

    watcher threads ─▶ EventRouter ─▶ Debouncer ─▶ ReconcileQueue ─▶ Reconciler workers
                                                     ▲        ▲
                                  Rescanner (start, SIGHUP, overflow, periodic)   polls

plus the StatusLoop (status file, heartbeat, systemd status), the systemd watchdog feed and
the watcher's keeper. Every piece of state has one owner, created here and passed explicitly:
the boards' statuses (``Boards``), the queue and its reasons (``ReconcileQueue``), our own
writes (``OwnWrites``, shared with the reconcile function), idleness and waiters (``Pulse``).
Time comes from the event loop (timers, backoff, debounce) and from ``wall_clock``
(timestamps people read); randomness from an injected ``random.Random``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kanbanger_daemon.boards.own_writes import OwnWrites
from kanbanger_daemon.daemon import observing, publishing, rescans
from kanbanger_daemon.daemon.board_status import Boards
from kanbanger_daemon.daemon.lock import WorkspaceLock
from kanbanger_daemon.daemon.pulse import Pulse
from kanbanger_daemon.daemon.reconcile_queue import ReconcileQueue
from kanbanger_daemon.daemon.reconciler import ReconcileFn, Reconciler
from kanbanger_daemon.daemon.rescans import DiscoverFn, Rescanner
from kanbanger_daemon.daemon.router import EventRouter, RouteFn
from kanbanger_daemon.daemon.sdnotify import SdNotifier
from kanbanger_daemon.daemon.signals import installed_signal_handlers
from kanbanger_daemon.daemon.status import StatusPublisher
from kanbanger_daemon.daemon.triggers import Trigger
from kanbanger_daemon.logging import get_logger
from kanbanger_daemon.models.status import (
    BoardStatus,
    DaemonStatus,
    GitHubStatus,
    Mode,
    ObserverStatus,
    RunState,
)
from kanbanger_daemon.settings import Settings
from kanbanger_daemon.watch.debounce import Debouncer, run_debouncer
from kanbanger_daemon.watch.events import LoopBridge, OverflowDetector
from kanbanger_daemon.watch.observer import ObserverFactory, WatchSupervisor, WatchTarget

__all__ = ["Daemon", "DiscoverFn", "ReconcileFn", "RouteFn", "RuntimeOptions"]
BoardKey = str
log = get_logger("kanbanger_daemon.daemon")


@dataclass
class RuntimeOptions:
    """Knobs of the runtime that are not user settings (tests and benches turn them)."""

    # Boards reconciled at once. Reconciles mostly wait (threads, GitHub): boards changed
    # together must all be under way for their pushes to share one document.
    workers: int = 16
    heartbeat_interval_s: float = 2.0
    supervise_interval_s: float = 3.0
    retry_base_s: float = 0.5
    retry_max_s: float = 300.0
    reconcile_stuck_after_s: float = 1800.0
    install_signal_handlers: bool = True
    use_lock: bool = True
    watch_targets: Callable[[], Sequence[WatchTarget]] | None = None
    native_observer: ObserverFactory | None = None
    polling_observer: ObserverFactory | None = None
    environ: Mapping[str, str] | None = None
    wall_clock: Callable[[], float] = time.time
    github_status: Callable[[], GitHubStatus] | None = None
    notes: list[str] = field(default_factory=list)
    # Two-way sync: every ``poll_interval_s`` each board is reconciled with a look at its
    # GitHub project first (the run's reasons include ``Trigger.POLL``); None: no polls.
    poll_interval_s: float | None = None


class Daemon:
    """One workspace's daemon. ``await Daemon(...).run()`` returns the process exit code."""

    def __init__(
        self,
        root: Path,
        settings: Settings,
        *,
        reconcile: ReconcileFn,
        discover: DiscoverFn,
        board_for_path: RouteFn,
        own_writes: OwnWrites | None = None,
        rng: random.Random | None = None,
        ready: asyncio.Event | None = None,
        idle: asyncio.Event | None = None,
        options: RuntimeOptions | None = None,
    ) -> None:
        self.root = root
        self.settings = settings
        self.options = opts = options or RuntimeOptions()
        self._rng = rng or random.Random()
        self.ready = ready or asyncio.Event()
        self.pulse = Pulse(self.is_idle, idle)
        changed = self.pulse.changed
        self.boards = Boards(opts.wall_clock)
        self.queue = ReconcileQueue(retry_base_s=opts.retry_base_s, retry_max_s=opts.retry_max_s,
                                    rng=self._rng, on_change=changed)
        self.debouncer = Debouncer(settings.quiet_ms / 1000, settings.max_wait_ms / 1000)
        self.rescanner = Rescanner(discover, self.queue, self.boards, changed=changed)
        own = own_writes if own_writes is not None else OwnWrites()  # an empty one is falsy
        self.router = EventRouter(board_for_path, own, self.debouncer, self.boards,
                                  on_overflow=self.request_rescan, changed=changed)
        self.reconciler = Reconciler(root, reconcile, self.queue, self.boards,
                                     stuck_after_s=opts.reconcile_stuck_after_s,
                                     wall_clock=opts.wall_clock, changed=changed)
        self.supervisor: WatchSupervisor | None = None
        self._notifier = SdNotifier(opts.environ)
        self._status = publishing.StatusLoop(
            StatusPublisher(root), self._notifier, snapshot=self.snapshot,
            status_line=self._status_line, dirty=self.pulse.status_dirty,
            interval_s=opts.heartbeat_interval_s, wall_clock=opts.wall_clock)
        self._started_wall = opts.wall_clock()
        self._started = False
        self._state = RunState.STARTING
        self._exit_code = 0
        self._stop = asyncio.Event()

    # -- public control and views -------------------------------------------------------
    def request_stop(self, exit_code: int = 0) -> None:
        self._exit_code = self._exit_code or exit_code
        self._stop.set()

    def request_rescan(self, *, periodic: bool = False) -> None:
        self.rescanner.request(periodic=periodic)

    def request_poll(self) -> None:
        """Reconcile every board with a look at its GitHub project first (two-way sync)."""
        if self.options.poll_interval_s is not None:
            rescans.poll_all(self.queue, self.boards)

    @property
    def idle(self) -> asyncio.Event:
        return self.pulse.idle

    @property
    def idle_count(self) -> int:
        return self.pulse.idle_count

    @property
    def reconciles_total(self) -> int:
        return self.boards.reconciles_total

    @property
    def rescans(self) -> int:
        return self.rescanner.rescans

    @property
    def overflows(self) -> int:
        return self.router.overflows

    def board(self, key: BoardKey) -> BoardStatus | None:
        return self.boards.get(key)

    def reconciles_of(self, key: BoardKey) -> int:
        board = self.boards.get(key)
        return board.reconciles if board else 0

    async def wait_until(self, predicate: Callable[[], bool], within_s: float = 10.0) -> None:
        """Wait until ``predicate()`` holds, re-checking on every state change."""
        await self.pulse.wait_until(predicate, within_s)

    async def wait_idle_after(self, count: int, within_s: float = 10.0) -> None:
        """Wait until the daemon has become idle more than ``count`` times and is idle now."""
        await self.wait_until(lambda: self.idle_count > count and self.idle.is_set(), within_s)

    def is_idle(self) -> bool:
        return (self._started and not self.router.is_busy() and len(self.debouncer) == 0
                and not self.queue.is_busy() and not self.rescanner.is_busy())

    def healthy(self) -> bool:
        """What the systemd watchdog vouches for: observer alive, no reconcile stuck."""
        alive = self.supervisor is not None and self.supervisor.is_alive()
        return alive and self.reconciler.none_stuck()

    def snapshot(self) -> DaemonStatus:
        watcher = self.supervisor
        alive = watcher.is_alive() if watcher else False
        observer = ObserverStatus(
            alive=alive, kind=watcher.kind if watcher else "none",
            restarts=watcher.restarts if watcher else 0, overflows=self.overflows,
            degraded_reason=watcher.degraded_reason if watcher else None)
        github = (self.options.github_status() if self.options.github_status
                  else GitHubStatus(enabled=self.settings.github_enabled))
        mode = Mode.GITHUB if self.settings.github_enabled else Mode.LOCAL_ONLY
        if observer.degraded_reason or (self._started and not alive):
            mode = Mode.DEGRADED
        boards = self.boards.sorted()
        for key, board in boards.items():
            board.pending_events = self.debouncer.pending_events(key)
        return DaemonStatus(
            pid=os.getpid(), root=str(self.root), state=self._state, mode=mode,
            started_at=self._started_wall, heartbeat_at=self.options.wall_clock(),
            heartbeat_interval_s=self.options.heartbeat_interval_s, observer=observer,
            github=github, boards=boards, idle=self.idle.is_set(), idle_count=self.idle_count,
            reconciles_total=self.reconciles_total, rescans=self.rescans,
            notes=self.options.notes)

    def _status_line(self) -> str:
        busy = "idle" if self.idle.is_set() else "working"
        return f"{len(self.boards)} boards, {self.boards.failing()} in error, {busy}"

    # -- lifecycle ----------------------------------------------------------------------
    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        lock = WorkspaceLock(self.root) if self.options.use_lock else None
        if lock is not None:
            lock.acquire()
        try:
            with contextlib.ExitStack() as stack:
                if self.options.install_signal_handlers:
                    stack.enter_context(installed_signal_handlers(
                        loop, on_stop=self.request_stop, on_rescan=self.request_rescan))
                return await self._run_started(loop)
        finally:
            if lock is not None:
                lock.release()

    def _intake_tasks(self) -> list[asyncio.Task[None]]:
        """Everything that brings work in or tells about it; cancelled first at a stop."""
        opts, spawn, changed = self.options, self._spawn, self.pulse.changed
        assert self.supervisor is not None
        interval = self.settings.rescan_interval_s
        tasks = [
            spawn(self._status.serve(), "status"),
            spawn(self.router.route_events(), "router"),
            spawn(run_debouncer(self.debouncer, self.router.debouncer_wakeup, self._fire,
                                asyncio.get_running_loop().time), "debouncer"),
            spawn(self.rescanner.serve(), "rescanner"),
            spawn(rescans.every(lambda: interval * self._rng.uniform(0.75, 1.25),
                                lambda: self.request_rescan(periodic=True)), "periodic-rescan"),
            spawn(observing.keep_alive(self.supervisor, opts.supervise_interval_s,
                                       on_missed=self.request_rescan, changed=changed),
                  "supervisor"),
        ]
        if opts.poll_interval_s:
            tasks.append(spawn(rescans.every(lambda: opts.poll_interval_s or 0.0,
                                             self.request_poll), "poller"))
        if self._notifier.watchdog_interval_s:
            tasks.append(spawn(publishing.feed_watchdog(
                self._notifier, self.healthy, self._notifier.watchdog_interval_s), "wd"))
        return tasks

    def _fire(self, key: BoardKey) -> None:
        self.queue.add(key, Trigger.CHANGE)
        self.pulse.changed()

    async def _run_started(self, loop: asyncio.AbstractEventLoop) -> int:
        bridge = LoopBridge(loop, self.router.events)
        overflow = OverflowDetector(bridge)
        overflow.install()
        opts = self.options
        self.supervisor = watcher = observing.make_watcher(
            bridge, opts.watch_targets or observing.default_targets(self.root,
                                                                    self.settings.specs_dir),
            native=opts.native_observer, polling=opts.polling_observer)
        tasks: list[asyncio.Task[None]] = []
        workers: list[asyncio.Task[None]] = []
        try:
            self._status.publish()
            await asyncio.to_thread(watcher.start)
            for note in opts.notes:
                log.info("daemon.note", note=note)
            self._state, self._started = RunState.RUNNING, True
            self.request_rescan()  # the initial full scan
            tasks = self._intake_tasks()
            workers = [self._spawn(self.reconciler.work(), f"worker-{i}")
                       for i in range(opts.workers)]
            self._status.publish()
            self._notifier.ready(self._status_line())
            self.ready.set()
            self.pulse.changed()
            await self._stop.wait()
            return await self._shutdown(tasks, workers)
        finally:
            overflow.uninstall()
            for task in tasks + workers:
                task.cancel()
            await asyncio.gather(*tasks, *workers, return_exceptions=True)
            await asyncio.to_thread(watcher.stop)

    def _spawn(self, coro: Awaitable[None], name: str) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        task.set_name(f"kanbanger-{name}")
        task.add_done_callback(self._task_finished)
        return task

    def _task_finished(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        log.error("daemon.task_crashed", task=task.get_name(), exc_info=task.exception())
        self.request_stop(exit_code=1)  # let the service manager restart us cleanly

    async def _shutdown(
        self, tasks: list[asyncio.Task[None]], workers: list[asyncio.Task[None]]
    ) -> int:
        """Stop intake, let in-flight reconciles finish (or abandon them), persist, exit."""
        self._state = RunState.STOPPING
        self._notifier.stopping("stopping")
        self._status.publish()
        intake = [t for t in tasks if t.get_name() != "kanbanger-status"]
        for task in intake:
            task.cancel()
        await asyncio.gather(*intake, return_exceptions=True)
        assert self.supervisor is not None
        await asyncio.to_thread(self.supervisor.stop)
        self.debouncer.clear()  # not lost: the next start rescans every board
        self.queue.close()
        grace = max(0.5, self.settings.stop_timeout_s - 1.0)
        _, unfinished = await asyncio.wait(workers, timeout=grace) if workers else ((), set())
        for task in unfinished:
            task.cancel()  # abandon: reconciles are written to be safe to cut short
        await asyncio.gather(*workers, return_exceptions=True)
        self._state = RunState.STOPPED
        self._started = False
        self._status.publish()
        return self._exit_code
