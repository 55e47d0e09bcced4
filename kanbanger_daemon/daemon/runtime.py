"""The daemon's event loop: watch → route → debounce → work queue → reconcile, plus health.

Everything here is composition: the file watching, debouncing and queueing live in their own
modules, the actual reconcile is a function passed in. Time comes from the event loop (or an
injected clock), randomness from an injected ``random.Random``. The only I/O done here is
publishing the status file, reading a ``_kanban.md`` (in a thread) to tell our own writes from
a person's, and checking that a board's folder still exists before reconciling it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from kanbanger_daemon.daemon import own_writes
from kanbanger_daemon.daemon.lock import WorkspaceLock
from kanbanger_daemon.daemon.sdnotify import SdNotifier
from kanbanger_daemon.daemon.signals import installed_signal_handlers
from kanbanger_daemon.daemon.status import StatusPublisher
from kanbanger_daemon.daemon.workqueue import AsyncWorkQueue, KeyQueue
from kanbanger_daemon.errors import (
    InputError,
    KanbangerError,
    RateLimitError,
    SecondaryRateLimitError,
)
from kanbanger_daemon.logging import get_logger
from kanbanger_daemon.models.status import (
    BoardStatus,
    DaemonStatus,
    GitHubStatus,
    Mode,
    ObserverStatus,
    ReconcileResult,
    RunState,
)
from kanbanger_daemon.settings import Settings
from kanbanger_daemon.watch.debounce import Debouncer, run_debouncer, wait_event
from kanbanger_daemon.watch.events import FsEvent, LoopBridge, OverflowDetector, relevant_paths
from kanbanger_daemon.watch.observer import ObserverFactory, WatchSupervisor, WatchTarget

BoardKey = str
ReconcileFn = Callable[[BoardKey], Awaitable[ReconcileResult]]
DiscoverFn = Callable[[], list[BoardKey]]
RouteFn = Callable[[Path], BoardKey | None]
BOARD_FILE = "_kanban.md"

# Why a board is being reconciled, readable by the reconcile function (e.g. to force a full
# re-listing of the GitHub project on periodic rescans only):
#   "change"   files of the board changed        "rescan"  start, SIGHUP, overflow, restart
#   "periodic" the ~10-minute safety rescan       "retry"   a failed run comes back
reconcile_trigger: ContextVar[str] = ContextVar("reconcile_trigger", default="change")
_alive_hook: ContextVar[Callable[[], None] | None] = ContextVar("_alive_hook", default=None)


def reconcile_alive() -> None:
    """Tell the daemon that the current reconcile is slow but moving (e.g. a long paced push).

    The systemd watchdog is withheld while a reconcile runs longer than
    ``reconcile_stuck_after_s`` without calling this. Safe from the reconcile's task and from
    threads it started with ``asyncio.to_thread`` (they inherit its context); a no-op elsewhere.
    """
    hook = _alive_hook.get()
    if hook is not None:
        hook()
# "poll" ranks lowest: a board whose trigger is "poll" was polled and nothing else.
_TRIGGER_RANK = {"poll": 0, "retry": 1, "change": 2, "rescan": 3, "periodic": 4}
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
    # Two-way sync: every ``poll_interval_s`` each board is reconciled with ``on_poll(key)``
    # called first (the reconcile then lists the project and takes its changes in).
    on_poll: Callable[[BoardKey], None] | None = None
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
        clock: Callable[[], float] | None = None,
        rng: random.Random | None = None,
        ready: asyncio.Event | None = None,
        idle: asyncio.Event | None = None,
        options: RuntimeOptions | None = None,
    ) -> None:
        self.root = root
        self.settings = settings
        self.options = options or RuntimeOptions()
        self._reconcile = reconcile
        self._discover = discover
        self._route = board_for_path
        self._clock_override = clock
        self._rng = rng or random.Random()
        self.ready = ready or asyncio.Event()
        self.idle = idle or asyncio.Event()
        self.idle_count = 0
        self.reconciles_total = 0
        self.rescans = 0
        self.overflows = 0
        self._debouncer = Debouncer(settings.quiet_ms / 1000, settings.max_wait_ms / 1000)
        self._keys = KeyQueue(
            base_delay_s=self.options.retry_base_s,
            max_delay_s=self.options.retry_max_s,
            rng=self._rng,
        )
        self._boards: dict[BoardKey, BoardStatus] = {}
        self._running_since: dict[BoardKey, float] = {}
        self._routing = 0
        self._rescanning = 0
        self._started = False
        self._state = RunState.STARTING
        self._exit_code = 0
        self._waiters: list[asyncio.Event] = []
        self.supervisor: WatchSupervisor | None = None
        self._publisher = StatusPublisher(root)
        self._notifier = SdNotifier(self.options.environ)
        self._started_wall = self.options.wall_clock()
        # asyncio primitives bind to the running loop on first use, so creating them here
        # lets request_stop()/request_rescan() be called before run() has started.
        self._events: asyncio.Queue[FsEvent] = asyncio.Queue()
        self._stop = asyncio.Event()
        self._rescan_wanted = asyncio.Event()
        self._rescan_periodic = False
        self._triggers: dict[BoardKey, str] = {}
        self._changed_at: dict[BoardKey, float] = {}  # wall time of a board's latest file event
        self._status_dirty = asyncio.Event()
        self._debouncer_wakeup = asyncio.Event()
        self._wq = AsyncWorkQueue(self._keys, clock=self._clock_override, on_change=self._poke)

    # -- time ---------------------------------------------------------------------------
    def _now(self) -> float:
        if self._clock_override is not None:
            return self._clock_override()
        return asyncio.get_running_loop().time()

    # -- public control -----------------------------------------------------------------
    def request_stop(self, exit_code: int = 0) -> None:
        self._exit_code = self._exit_code or exit_code
        self._stop.set()

    def request_rescan(self, *, periodic: bool = False) -> None:
        self._rescan_periodic = self._rescan_periodic or periodic
        self._rescan_wanted.set()
        self._poke()

    def request_poll(self) -> None:
        """Reconcile every board with a look at its GitHub project first (two-way sync)."""
        if self.options.on_poll is None:
            return
        for key in list(self._boards):
            self.options.on_poll(key)
            self._mark(key, "poll")
            self._wq.add(key)
        self._poke()

    def reconciles_of(self, key: BoardKey) -> int:
        board = self._boards.get(key)
        return board.reconciles if board else 0

    def board(self, key: BoardKey) -> BoardStatus | None:
        return self._boards.get(key)

    async def wait_until(self, predicate: Callable[[], bool], within_s: float = 10.0) -> None:
        """Wait until ``predicate()`` holds, re-checking on every state change."""
        async with asyncio.timeout(within_s):
            while not predicate():
                waiter = asyncio.Event()
                self._waiters.append(waiter)
                try:
                    await waiter.wait()
                finally:
                    with contextlib.suppress(ValueError):
                        self._waiters.remove(waiter)

    async def wait_idle_after(self, count: int, within_s: float = 10.0) -> None:
        """Wait until the daemon has become idle more than ``count`` times and is idle now."""
        await self.wait_until(lambda: self.idle_count > count and self.idle.is_set(), within_s)

    # -- idle and status bookkeeping ----------------------------------------------------
    def is_idle(self) -> bool:
        return (
            self._started
            and self._events.empty()
            and self._routing == 0
            and len(self._debouncer) == 0
            and not self._keys.is_busy()
            and self._rescanning == 0
            and not self._rescan_wanted.is_set()
        )

    def _poke(self) -> None:
        """Called after every state change: track idleness, wake waiters and the publisher."""
        if self.is_idle():
            if not self.idle.is_set():
                self.idle_count += 1
                self.idle.set()
        else:
            self.idle.clear()
        self._status_dirty.set()
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            waiter.set()

    def _board(self, key: BoardKey) -> BoardStatus:
        board = self._boards.get(key)
        if board is None:
            board = self._boards[key] = BoardStatus(key=key)
        return board

    def snapshot(self) -> DaemonStatus:
        supervisor = self.supervisor
        alive = supervisor.is_alive() if supervisor else False
        observer = ObserverStatus(
            alive=alive,
            kind=supervisor.kind if supervisor else "none",
            restarts=supervisor.restarts if supervisor else 0,
            overflows=self.overflows,
            degraded_reason=supervisor.degraded_reason if supervisor else None,
        )
        github = (
            self.options.github_status()
            if self.options.github_status
            else GitHubStatus(enabled=self.settings.github_enabled)
        )
        mode = Mode.GITHUB if self.settings.github_enabled else Mode.LOCAL_ONLY
        if observer.degraded_reason or (self._started and not alive):
            mode = Mode.DEGRADED
        for key, board in self._boards.items():
            board.pending_events = self._debouncer.pending_events(key)
        return DaemonStatus(
            pid=os.getpid(),
            root=str(self.root),
            state=self._state,
            mode=mode,
            started_at=self._started_wall,
            heartbeat_at=self.options.wall_clock(),
            heartbeat_interval_s=self.options.heartbeat_interval_s,
            observer=observer,
            github=github,
            boards={k: self._boards[k] for k in sorted(self._boards)},
            idle=self.idle.is_set(),
            idle_count=self.idle_count,
            reconciles_total=self.reconciles_total,
            rescans=self.rescans,
            notes=self.options.notes,
        )

    def _publish(self) -> None:
        try:
            self._publisher.publish(self.snapshot())
        except OSError as exc:  # a full disk must not stop the boards from being kept
            log.warning("status.write_failed", error=str(exc))

    def healthy(self) -> bool:
        """What the systemd watchdog vouches for: observer alive, no reconcile stuck."""
        if self.supervisor is None or not self.supervisor.is_alive():
            return False
        now = self._now()
        limit = self.options.reconcile_stuck_after_s
        return all(now - since < limit for since in self._running_since.values())

    # -- the pipeline ---------------------------------------------------------------------
    async def _route_events(self) -> None:
        while True:
            event = await self._events.get()
            self._routing += 1
            try:
                await self._route_one(event)
            except Exception:
                log.exception("watch.route_failed", path=event.path)
            finally:
                self._routing -= 1
                self._poke()

    async def _route_one(self, event: FsEvent) -> None:
        if event.kind == "overflow":
            self.overflows += 1
            log.warning("watch.overflow", action="full rescan")
            self.request_rescan()
            return
        if event.is_dir:
            return  # files inside new or moved folders arrive as their own events
        for raw in relevant_paths(event):
            path = Path(raw)
            key = self._route(path)
            if key is None:
                continue
            # The board holds what we wrote: the echo of our own write. Checked even when the
            # event says the board went away: our write swaps it with a temp file, reported as
            # the board moving away, yet the board is there.
            if path.name == BOARD_FILE and await asyncio.to_thread(own_writes.is_own_file, path):
                continue
            self._debouncer.note(key, self._now())
            self._changed_at[key] = self.options.wall_clock()
            self._debouncer_wakeup.set()

    def _mark(self, key: BoardKey, trigger: str) -> None:
        """Remember the strongest reason a pending board has to run."""
        current = self._triggers.get(key)
        if current is None or _TRIGGER_RANK[trigger] > _TRIGGER_RANK[current]:
            self._triggers[key] = trigger

    def _fire(self, key: BoardKey) -> None:
        self._mark(key, "change")
        self._wq.add(key)
        self._poke()

    async def _worker(self) -> None:
        while True:
            key = await self._wq.get()
            if key is None:
                return
            token = reconcile_trigger.set(self._triggers.pop(key, "change"))
            alive_token = _alive_hook.set(self._alive_hook_for(key))
            try:
                await self._reconcile_one(key)
            finally:
                _alive_hook.reset(alive_token)
                reconcile_trigger.reset(token)
                self._wq.done(key)
                self._poke()

    def _alive_hook_for(self, key: BoardKey) -> Callable[[], None]:
        loop = asyncio.get_running_loop()

        def refresh() -> None:
            if key in self._running_since:
                self._running_since[key] = self._now()

        def hook() -> None:
            loop.call_soon_threadsafe(refresh)

        return hook

    def _vanished(self, key: BoardKey) -> bool:
        """The board's folder is gone (a SPEC folder deleted or moved away): nothing to keep."""
        return key != "." and not (self.root / key).is_dir()

    async def _reconcile_one(self, key: BoardKey) -> None:
        if self._vanished(key):
            self._boards.pop(key, None)
            self._changed_at.pop(key, None)
            self._keys.forget(key)
            return
        board = self._board(key)
        self._running_since[key] = self._now()
        changed_at = self._changed_at.pop(key, None)
        try:
            result = await self._reconcile(key)
        except KanbangerError as exc:
            if exc.retryable:
                self._still_to_push(key, changed_at)
                self._retry_later(key, board, exc.message, self._wait_demanded_by(exc))
            else:
                self._keys.forget(key)
                if isinstance(exc, InputError):  # the place is shown apart from the message
                    result = ReconcileResult.failed(exc.detail, file=exc.file, line=exc.line)
                else:
                    result = ReconcileResult.failed(exc.message)
                self._record(board, result)
        except Exception as exc:  # a bug or an OS error: log it, retry with backoff
            log.exception("reconcile.crashed", board=key)
            self._still_to_push(key, changed_at)
            self._retry_later(key, board, f"{type(exc).__name__}: {exc}")
        else:
            self._keys.forget(key)
            self._record(board, result)
            if changed_at is not None and result.remote_ops:
                latency = self.options.wall_clock() - changed_at
                board.last_push_latency_ms = max(0, round(latency * 1000))
        finally:
            self._running_since.pop(key, None)

    def _still_to_push(self, key: BoardKey, changed_at: float | None) -> None:
        """A failed reconcile's change is pushed by a later one: time it from the change."""
        if changed_at is not None:
            self._changed_at.setdefault(key, changed_at)

    def _record(self, board: BoardStatus, result: ReconcileResult) -> None:
        self.reconciles_total += 1
        # Logged once per change of what the files say, not on every reconcile or poll.
        new_error = (result.error, result.error_file, result.error_line) != (
            board.last_error, board.error_file, board.error_line)
        new_notes = [n for n in result.notes or [] if n not in board.notes]
        board.record(result, at=self.options.wall_clock())
        for note in new_notes:
            log.info("reconcile.note", board=board.key, note=note)
        if not result.ok and new_error:
            where = result.error_file
            if where and result.error_line is not None:
                where = f"{where}:{result.error_line}"
            log.warning("reconcile.error", board=board.key, error=result.error, where=where)

    def _wait_demanded_by(self, exc: KanbangerError) -> float:
        """Seconds GitHub told us to keep quiet (rate limits); 0 when it said nothing."""
        if isinstance(exc, RateLimitError) and exc.reset_at is not None:
            return max(0.0, exc.reset_at - self.options.wall_clock())
        if isinstance(exc, SecondaryRateLimitError):
            return exc.retry_after if exc.retry_after is not None else 60.0
        return 0.0

    def _retry_later(
        self, key: BoardKey, board: BoardStatus, message: str, at_least_s: float = 0.0
    ) -> None:
        self._mark(key, "retry")
        delay = self._wq.add_rate_limited(key, at_least_s)
        self.reconciles_total += 1
        board.record_retry(message, self._keys.failures(key), self.options.wall_clock(), delay)
        log.info("reconcile.retry", board=key, delay_s=round(delay, 2), error=message)

    # -- rescans, supervision, heartbeat --------------------------------------------------
    async def _rescanner(self) -> None:
        while True:
            await self._rescan_wanted.wait()
            self._rescanning += 1
            self._rescan_wanted.clear()
            trigger = "periodic" if self._rescan_periodic else "rescan"
            self._rescan_periodic = False
            try:
                keys = await asyncio.to_thread(self._discover)
                for key in keys:
                    self._mark(key, trigger)
                    self._wq.add(key)
                for gone in set(self._boards) - set(keys):
                    if not self._keys.is_pending(gone) and not self._keys.is_processing(gone):
                        del self._boards[gone]
                self.rescans += 1
            except Exception:
                log.exception("rescan.failed")
            finally:
                self._rescanning -= 1
                self._poke()

    async def _periodic_rescan(self) -> None:
        interval = self.settings.rescan_interval_s
        while True:
            await asyncio.sleep(interval * self._rng.uniform(0.75, 1.25))
            self.request_rescan(periodic=True)

    async def _poller(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self.request_poll()

    async def _supervise(self) -> None:
        assert self.supervisor is not None
        while True:
            await asyncio.sleep(self.options.supervise_interval_s)
            try:
                missed = await asyncio.to_thread(self.supervisor.ensure_running)
            except Exception:
                log.exception("watch.restart_failed")
                missed = False
            if missed:
                self.request_rescan()
            self._poke()

    async def _publish_status(self) -> None:
        """Rewrite status.json on change (≤ ~20/s); otherwise only beat the heartbeat file."""
        interval = self.options.heartbeat_interval_s
        last_line = ""
        changed = True
        while True:
            if changed:
                self._status_dirty.clear()
                self._publish()
            else:
                self._beat()
            line = self._status_line()
            if line != last_line:
                self._notifier.status(line)
                last_line = line
            changed = await wait_event(self._status_dirty, interval)
            # Coalesce bursts of changes: a thousand boards reconciling must not mean a
            # thousand rewrites of the status file.
            await asyncio.sleep(min(0.25, interval / 4))

    def _beat(self) -> None:
        try:
            self._publisher.beat(self.options.wall_clock())
        except OSError as exc:
            log.warning("status.heartbeat_failed", error=str(exc))

    def _status_line(self) -> str:
        failing = sum(1 for b in self._boards.values() if b.last_error)
        busy = "idle" if self.idle.is_set() else "working"
        return f"{len(self._boards)} boards, {failing} in error, {busy}"

    async def _watchdog_pings(self, interval: float) -> None:
        while True:
            if self.healthy():
                self._notifier.watchdog()
            await asyncio.sleep(interval)

    # -- lifecycle ----------------------------------------------------------------------
    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        lock = WorkspaceLock(self.root) if self.options.use_lock else None
        if lock is not None:
            lock.acquire()
        try:
            with contextlib.ExitStack() as stack:
                if self.options.install_signal_handlers:
                    stack.enter_context(
                        installed_signal_handlers(
                            loop, on_stop=self.request_stop, on_rescan=self.request_rescan
                        )
                    )
                return await self._run_started(loop)
        finally:
            if lock is not None:
                lock.release()

    def _make_supervisor(self, bridge: LoopBridge) -> WatchSupervisor:
        targets = self.options.watch_targets or (
            lambda: [
                WatchTarget(self.root, recursive=False),
                WatchTarget(self.root / self.settings.specs_dir, recursive=True),
            ]
        )
        kwargs: dict[str, ObserverFactory] = {}
        if self.options.native_observer:
            kwargs["native_factory"] = self.options.native_observer
        if self.options.polling_observer:
            kwargs["polling_factory"] = self.options.polling_observer
        return WatchSupervisor(targets, bridge, **kwargs)

    async def _run_started(self, loop: asyncio.AbstractEventLoop) -> int:
        bridge = LoopBridge(loop, self._events)
        overflow = OverflowDetector(bridge)
        overflow.install()
        self.supervisor = self._make_supervisor(bridge)
        tasks: list[asyncio.Task[None]] = []
        workers: list[asyncio.Task[None]] = []
        try:
            self._publish()
            await asyncio.to_thread(self.supervisor.start)
            for note in self.options.notes:
                log.info("daemon.note", note=note)
            self._state = RunState.RUNNING
            self._started = True
            self.request_rescan()  # the initial full scan
            spawn = self._spawn
            tasks += [
                spawn(self._publish_status(), "status"),
                spawn(self._route_events(), "router"),
                spawn(
                    run_debouncer(self._debouncer, self._debouncer_wakeup, self._fire, self._now),
                    "debouncer",
                ),
                spawn(self._rescanner(), "rescanner"),
                spawn(self._periodic_rescan(), "periodic-rescan"),
                spawn(self._supervise(), "supervisor"),
            ]
            if self.options.on_poll is not None and self.options.poll_interval_s:
                tasks.append(spawn(self._poller(self.options.poll_interval_s), "poller"))
            if self._notifier.watchdog_interval_s:
                tasks.append(spawn(self._watchdog_pings(self._notifier.watchdog_interval_s), "wd"))
            workers = [spawn(self._worker(), f"worker-{i}") for i in range(self.options.workers)]
            self._publish()
            self._notifier.ready(self._status_line())
            self.ready.set()
            self._poke()
            await self._stop.wait()
            return await self._shutdown(tasks, workers)
        finally:
            overflow.uninstall()
            for task in tasks + workers:
                task.cancel()
            await asyncio.gather(*tasks, *workers, return_exceptions=True)
            await asyncio.to_thread(self.supervisor.stop)

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
        self._publish()
        intake = [t for t in tasks if t.get_name() != "kanbanger-status"]
        for task in intake:
            task.cancel()
        await asyncio.gather(*intake, return_exceptions=True)
        assert self.supervisor is not None
        await asyncio.to_thread(self.supervisor.stop)
        self._debouncer.clear()  # not lost: the next start rescans every board
        self._wq.close()
        grace = max(0.5, self.settings.stop_timeout_s - 1.0)
        _, unfinished = await asyncio.wait(workers, timeout=grace) if workers else ((), set())
        for task in unfinished:
            task.cancel()  # abandon: reconciles are written to be safe to cut short
        await asyncio.gather(*workers, return_exceptions=True)
        self._state = RunState.STOPPED
        self._started = False
        self._publish()
        return self._exit_code
