"""The daemon's tasks one by one, on loop time (looptime fast-forwards the event loop: an hour
of backoff takes no real time), with fakes for what they talk to.

Each task has one job: the reconcile workers (results, retries, stuck runs), the rescanner, the
timers, the status loop and the watchdog feed, the event router. The whole daemon against real
file watchers is tested in ``test_daemon_file_events`` and ``test_daemon_supervision``.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from kanbanger_daemon.boards.own_writes import OwnWrites
from kanbanger_daemon.daemon import publishing, rescans
from kanbanger_daemon.daemon.board_status import Boards
from kanbanger_daemon.daemon.pulse import Pulse
from kanbanger_daemon.daemon.reconcile_queue import ReconcileQueue
from kanbanger_daemon.daemon.reconciler import Reconciler
from kanbanger_daemon.daemon.router import EventRouter
from kanbanger_daemon.daemon.triggers import Reasons, Run, Trigger
from kanbanger_daemon.errors import (
    FileChangedError,
    InputError,
    RateLimitError,
    SecondaryRateLimitError,
)
from kanbanger_daemon.models.status import DaemonStatus, ReconcileResult
from kanbanger_daemon.watch.debounce import Debouncer
from kanbanger_daemon.watch.events import FsEvent

pytestmark = [pytest.mark.looptime, pytest.mark.timeout(20),
              pytest.mark.usefixtures("no_leaked_tasks")]

EPOCH = 1_700_000_000.0


def wall() -> float:
    """A wall clock on loop time."""
    return EPOCH + asyncio.get_running_loop().time()


class Line:
    """A reconcile function that answers from a script and logs each run (loop time, run)."""

    def __init__(self, *answers: ReconcileResult | Exception) -> None:
        self.answers = list(answers)
        self.runs: list[tuple[float, str, Run]] = []
        self.ran = asyncio.Event()
        self.gate: asyncio.Event | None = None

    async def __call__(self, key: str, run: Run) -> ReconcileResult:
        self.runs.append((asyncio.get_running_loop().time(), key, run))
        self.ran.set()
        if self.gate is not None:
            await self.gate.wait()
        answer = self.answers.pop(0) if self.answers else ReconcileResult()
        if isinstance(answer, Exception):
            raise answer
        return answer


class Workers:
    """A reconciler with its queue and boards, one worker running."""

    def __init__(self, root: Path, line: Line, *, stuck_after_s: float = 1800.0) -> None:
        self.boards = Boards(wall)
        self.queue = ReconcileQueue(retry_base_s=1.0, retry_max_s=300.0, rng=random.Random(1),
                                    on_change=lambda: None)
        self.reconciler = Reconciler(root, line, self.queue, self.boards,
                                     stuck_after_s=stuck_after_s, wall_clock=wall,
                                     changed=lambda: None)
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Workers:
        self.task = asyncio.create_task(self.reconciler.work())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.queue.close()
        assert self.task is not None
        await asyncio.wait_for(self.task, 5)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "SPECs" / "a").mkdir(parents=True)
    return tmp_path


async def runs_of(line: Line, count: int) -> None:
    while len(line.runs) < count:
        line.ran.clear()
        await line.ran.wait()


# -- the reconcile workers ----------------------------------------------------------------
async def test_a_rate_limited_board_runs_again_when_github_said_and_not_before(root: Path
                                                                                ) -> None:
    line = Line(SecondaryRateLimitError("slow down", retry_after=3600), ReconcileResult())
    async with Workers(root, line) as w:
        w.queue.add("SPECs/a", Trigger.CHANGE)
        await runs_of(line, 2)
    (first, _, _), (second, _, run) = line.runs
    assert 3600 <= second - first < 3600 * 1.01
    assert run.trigger is Trigger.RETRY
    board = w.boards.get("SPECs/a")
    assert board is not None and board.last_ok and board.retries == 0


async def test_a_spent_primary_limit_waits_for_its_reset(root: Path) -> None:
    line = Line(RateLimitError("spent", reset_at=EPOCH + 900), ReconcileResult())
    async with Workers(root, line) as w:
        w.queue.add("SPECs/a", Trigger.CHANGE)
        await runs_of(line, 2)
    assert line.runs[1][0] >= 900


async def test_retries_back_off_exponentially_and_a_success_forgets_them(root: Path) -> None:
    torn = [FileChangedError("torn", file="x") for _ in range(4)]
    line = Line(*torn, ReconcileResult())
    async with Workers(root, line) as w:
        w.queue.add("SPECs/a", Trigger.CHANGE)
        await runs_of(line, 5)
        assert w.queue.failures("SPECs/a") == 0
    gaps = [b[0] - a[0] for a, b in zip(line.runs, line.runs[1:], strict=False)]
    # base 1 s doubling, jittered ±50 %: each gap within its band
    for n, gap in enumerate(gaps):
        assert 0.5 * 2**n <= gap <= 1.5 * 2**n, gaps


async def test_a_permanent_error_is_shown_and_not_retried(root: Path) -> None:
    line = Line(InputError("bad JSON", file="SPECs/a/progress_a.json", line=3))
    async with Workers(root, line) as w:
        w.queue.add("SPECs/a", Trigger.CHANGE)
        await runs_of(line, 1)
        await asyncio.sleep(3600)
    assert len(line.runs) == 1
    board = w.boards.get("SPECs/a")
    assert board is not None and board.last_ok is False
    assert (board.error_file, board.error_line) == ("SPECs/a/progress_a.json", 3)


async def test_a_board_whose_folder_is_gone_is_forgotten_without_a_run(root: Path) -> None:
    line = Line()
    async with Workers(root, line) as w:
        w.boards.ensure("SPECs/gone")
        w.queue.add("SPECs/gone", Trigger.CHANGE)
        await asyncio.sleep(1)
    assert line.runs == [] and w.boards.get("SPECs/gone") is None


async def test_a_stuck_run_is_unhealthy_until_it_says_it_is_alive(root: Path) -> None:
    line = Line()
    line.gate = asyncio.Event()
    async with Workers(root, line, stuck_after_s=60) as w:
        w.queue.add("SPECs/a", Trigger.CHANGE)
        await runs_of(line, 1)
        await asyncio.sleep(59)
        assert w.reconciler.none_stuck()
        await asyncio.sleep(2)
        assert not w.reconciler.none_stuck()
        line.runs[0][2].alive()  # a paced push reports progress
        await asyncio.sleep(0)
        assert w.reconciler.none_stuck()
        line.gate.set()


async def test_a_push_latency_is_timed_from_the_file_change(root: Path) -> None:
    line = Line(ReconcileResult(remote_ops=3))
    async with Workers(root, line) as w:
        w.boards.note_change("SPECs/a")
        await asyncio.sleep(2.5)  # debounce and queueing
        w.queue.add("SPECs/a", Trigger.CHANGE)
        await runs_of(line, 1)
    board = w.boards.get("SPECs/a")
    assert board is not None and board.last_push_latency_ms == 2500


# -- reasons --------------------------------------------------------------------------------
def test_a_run_gets_every_reason_and_is_named_by_the_strongest() -> None:
    reasons = Reasons()
    reasons.add("a", Trigger.POLL)
    reasons.add("a", Trigger.CHANGE)
    run = Run(reasons.take("a"))
    assert run.polled and run.trigger is Trigger.CHANGE
    assert Run(reasons.take("a")).reasons == {Trigger.CHANGE}  # taken: nothing left
    assert Run.of(Trigger.POLL).trigger is Trigger.POLL


# -- rescans and timers ---------------------------------------------------------------------
async def test_a_rescan_queues_every_board_and_forgets_the_gone_ones() -> None:
    boards = Boards(wall)
    queue = ReconcileQueue(retry_base_s=1, retry_max_s=1, rng=random.Random(1),
                           on_change=lambda: None)
    boards.ensure("SPECs/gone")
    boards.ensure("SPECs/a")
    rescanner = rescans.Rescanner(lambda: ["SPECs/a", "SPECs/b"], queue, boards,
                                  changed=lambda: None)
    await rescanner.rescan(Trigger.PERIODIC)
    assert list(boards) == ["SPECs/a"] and rescanner.rescans == 1
    got = [await queue.get(), await queue.get()]
    assert got == [("SPECs/a", frozenset({Trigger.PERIODIC})),
                   ("SPECs/b", frozenset({Trigger.PERIODIC}))]


async def test_a_rescan_leaves_a_board_in_its_rate_limit_wait_alone(root: Path) -> None:
    line = Line(SecondaryRateLimitError("slow down", retry_after=3600), ReconcileResult())
    async with Workers(root, line) as w:
        rescanner = rescans.Rescanner(lambda: ["SPECs/a"], w.queue, w.boards,
                                      changed=lambda: None)
        w.queue.add("SPECs/a", Trigger.CHANGE)
        await runs_of(line, 1)
        for _ in range(5):  # the periodic rescan, and a poll, come round during the hour
            await asyncio.sleep(600)
            await rescanner.rescan(Trigger.PERIODIC)
            rescans.poll_all(w.queue, w.boards)
        await runs_of(line, 2)
        await asyncio.sleep(3600)
    assert [t for t, _, _ in line.runs] == [0, 3600]  # once at GitHub's reset, not before
    assert line.runs[1][2].reasons == {Trigger.RETRY, Trigger.PERIODIC, Trigger.POLL}


async def test_a_rescan_during_the_run_github_then_limits_waits_for_the_reset(root: Path
                                                                               ) -> None:
    line = Line(SecondaryRateLimitError("slow down", retry_after=3600), ReconcileResult())
    line.gate = asyncio.Event()
    async with Workers(root, line) as w:
        w.queue.add("SPECs/a", Trigger.CHANGE)
        await runs_of(line, 1)
        w.queue.add("SPECs/a", Trigger.PERIODIC)  # while the run is waiting on GitHub
        line.gate.set()
        await runs_of(line, 2)
    assert [t for t, _, _ in line.runs] == [0, 3600]
    assert line.runs[1][2].reasons == {Trigger.RETRY, Trigger.PERIODIC}


async def test_a_file_change_during_a_rate_limit_wait_is_not_lost(root: Path) -> None:
    line = Line(RateLimitError("spent", reset_at=EPOCH + 900),
                RateLimitError("still spent", reset_at=EPOCH + 900), ReconcileResult())
    async with Workers(root, line) as w:
        w.queue.add("SPECs/a", Trigger.CHANGE)
        await runs_of(line, 1)
        await asyncio.sleep(300)
        w.queue.add("SPECs/a", Trigger.CHANGE)  # the board's files change: it runs now
        await runs_of(line, 2)
        await rescans.Rescanner(lambda: ["SPECs/a"], w.queue, w.boards,
                                changed=lambda: None).rescan(Trigger.PERIODIC)
        await runs_of(line, 3)
        await asyncio.sleep(900)
    assert [t for t, _, _ in line.runs] == [0, 300, 900]  # the push goes at the reset
    assert line.runs[1][2].trigger is Trigger.CHANGE
    board = w.boards.get("SPECs/a")
    assert board is not None and board.last_ok


async def test_periodic_rescans_spread_over_plus_minus_a_quarter() -> None:
    rng = random.Random(3)
    times: list[float] = []
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(rescans.every(lambda: 600 * rng.uniform(0.75, 1.25),
                                             lambda: times.append(loop.time())))
    await asyncio.sleep(6 * 3600)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    gaps = [b - a for a, b in zip([0.0, *times], times, strict=False)]
    assert 6 * 3600 / 750 <= len(times) <= 6 * 3600 / 450
    assert all(450 <= gap <= 750 for gap in gaps)


# -- status, heartbeat and the watchdog ------------------------------------------------------
class Publisher:
    def __init__(self) -> None:
        self.published: list[float] = []
        self.beats: list[float] = []

    def publish(self, status: DaemonStatus) -> None:
        self.published.append(asyncio.get_running_loop().time())

    def beat(self, wall_time: float) -> None:
        self.beats.append(asyncio.get_running_loop().time())


class Notifier:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.pings: list[float] = []

    def status(self, text: str) -> bool:
        self.lines.append(text)
        return True

    def watchdog(self) -> bool:
        self.pings.append(asyncio.get_running_loop().time())
        return True


async def test_an_idle_daemon_beats_its_heartbeat_and_rewrites_its_status_only_on_change(
) -> None:
    publisher, notifier, dirty = Publisher(), Notifier(), asyncio.Event()
    line = ["3 boards, 0 in error, idle"]
    loop = publishing.StatusLoop(
        publisher, notifier,  # type: ignore[arg-type]
        snapshot=lambda: None,  # type: ignore[arg-type, return-value]
        status_line=lambda: line[0], dirty=dirty, interval_s=2.0, wall_clock=wall)
    task = asyncio.create_task(loop.serve())
    try:
        await asyncio.sleep(60)
        assert len(publisher.published) == 1  # at the start, then nothing changed
        assert 25 <= len(publisher.beats) <= 27  # every 2 s (+ the 0.25 s coalescing pause)
        for _ in range(100):  # a burst of changes
            dirty.set()
            line[0] = "3 boards, 0 in error, working"
            await asyncio.sleep(0.01)
        await asyncio.sleep(1)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert 2 <= len(publisher.published) <= 6  # coalesced, not a hundred rewrites
    assert notifier.lines == ["3 boards, 0 in error, idle", "3 boards, 0 in error, working"]


async def test_the_watchdog_is_fed_only_while_healthy() -> None:
    notifier, healthy = Notifier(), [True]
    task = asyncio.create_task(publishing.feed_watchdog(
        notifier, lambda: healthy[0], 10.0))  # type: ignore[arg-type]
    await asyncio.sleep(95)
    healthy[0] = False
    await asyncio.sleep(100)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert len(notifier.pings) == 10 and max(notifier.pings) < 100


# -- the event router ----------------------------------------------------------------------
async def test_the_router_drops_our_own_echo_and_notes_a_persons_save(tmp_path: Path) -> None:
    board = tmp_path / "SPECs" / "a" / "_kanban.md"
    board.parent.mkdir(parents=True)
    board.write_bytes(b"ours")
    own = OwnWrites()
    own.record(board, b"ours")
    debouncer, boards, overflows = Debouncer(0.1, 1.0), Boards(wall), []
    router = EventRouter(lambda p: "SPECs/a", own, debouncer, boards,
                         on_overflow=lambda: overflows.append(1), changed=lambda: None)
    await router.route(FsEvent("modified", str(board)))
    assert len(debouncer) == 0
    board.write_bytes(b"a person's save")
    await router.route(FsEvent("modified", str(board)))
    assert debouncer.pending_events("SPECs/a") == 1
    await router.route(FsEvent("overflow", ""))
    assert overflows == [1] and router.overflows == 1


async def test_wait_until_wakes_on_a_change_and_gives_up_on_loop_time() -> None:
    state = {"n": 0}
    pulse = Pulse(lambda: state["n"] == 0)

    async def later() -> None:
        await asyncio.sleep(30)
        state["n"] = 2
        pulse.changed()

    task = asyncio.create_task(later())
    await pulse.wait_until(lambda: state["n"] == 2, within_s=60)
    await task
    assert asyncio.get_running_loop().time() == pytest.approx(30)
    assert not pulse.idle.is_set()
    with pytest.raises(TimeoutError):
        await pulse.wait_until(lambda: False, within_s=3600)


# -- wiring ----------------------------------------------------------------------------------
def test_wiring_a_daemon_leaves_the_callers_options_as_they_were(tmp_path: Path) -> None:
    from kanbanger_daemon.daemon.runtime import RuntimeOptions
    from kanbanger_daemon.daemon.wiring import LOCAL_ONLY_NOTE, wire_daemon
    from kanbanger_daemon.settings import load_settings

    settings = load_settings(tmp_path, environ={"HOME": str(tmp_path)})
    options = RuntimeOptions(install_signal_handlers=False, notes=["mine"])
    first = wire_daemon(tmp_path, settings, options=options)
    second = wire_daemon(tmp_path, settings, options=options)
    assert options == RuntimeOptions(install_signal_handlers=False, notes=["mine"])
    assert first.options.notes == second.options.notes == ["mine", LOCAL_ONLY_NOTE]
    assert first.options.poll_interval_s is None  # no GitHub: nothing to poll


async def test_a_dead_watcher_is_restarted_and_what_it_missed_is_rescanned() -> None:
    from kanbanger_daemon.daemon.observing import keep_alive

    class Watcher:
        def __init__(self) -> None:
            self.deaths = [False, True, False]  # it dies before the second check

        def ensure_running(self) -> bool:
            return self.deaths.pop(0) if self.deaths else False

    missed: list[float] = []
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(keep_alive(Watcher(), 3.0,  # type: ignore[arg-type]
                                          on_missed=lambda: missed.append(loop.time()),
                                          changed=lambda: None))
    await asyncio.sleep(30)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert missed == [6.0]
