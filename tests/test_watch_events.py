"""The observer bridge and supervisor in isolation: never raise, route moves, fall back."""

from __future__ import annotations

import asyncio
import errno
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from watchdog.events import FileModifiedEvent, FileOpenedEvent
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from kanbanger_daemon.watch.events import FsEvent, LoopBridge, relevant_paths
from kanbanger_daemon.watch.observer import INOTIFY_LIMIT_HINT, WatchSupervisor, WatchTarget


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    leaked = [t for t in set(threading.enumerate()) - before
              if t.is_alive() and not t.name.startswith("asyncio_")]
    for thread in leaked:
        thread.join(timeout=5)
    assert not [t for t in leaked if t.is_alive()], f"threads leaked: {leaked}"


async def test_the_bridge_hands_events_to_the_loop_and_skips_noise() -> None:
    queue: asyncio.Queue[FsEvent] = asyncio.Queue()
    bridge = LoopBridge(asyncio.get_running_loop(), queue)
    await asyncio.to_thread(bridge.dispatch, FileOpenedEvent("/w/SPECs/a/spec_a.md"))
    await asyncio.to_thread(bridge.dispatch, FileModifiedEvent(b"/w/SPECs/a/progress_a.json"))
    event = await asyncio.wait_for(queue.get(), 5)
    assert event == FsEvent("modified", "/w/SPECs/a/progress_a.json")
    assert queue.empty()  # "opened" carries no change


def test_the_bridge_never_raises_into_the_observer_thread() -> None:
    loop = asyncio.new_event_loop()
    loop.close()
    bridge = LoopBridge(loop, asyncio.Queue())
    bridge.dispatch(FileModifiedEvent("/w/x"))  # loop closed: dropped quietly
    bridge.dispatch(object())  # type: ignore[arg-type]  # garbage: dropped quietly


def test_a_rename_onto_a_real_file_routes_its_destination_only() -> None:
    save = FsEvent("moved", "/w/SPECs/a/.progress_a.json.tmp", "/w/SPECs/a/progress_a.json")
    assert relevant_paths(save) == ["/w/SPECs/a/progress_a.json"]
    backup = FsEvent("moved", "/w/SPECs/a/progress_a.json", "/w/SPECs/a/progress_a.json~")
    assert relevant_paths(backup) == ["/w/SPECs/a/progress_a.json"]


def _instances_exhausted() -> BaseObserver:
    raise OSError(errno.EMFILE, "inotify instance limit reached")


def test_an_exhausted_inotify_falls_back_to_polling_with_the_sysctl_to_raise(
    tmp_path: Path,
) -> None:
    from watchdog.events import FileSystemEventHandler

    supervisor = WatchSupervisor(
        lambda: [WatchTarget(tmp_path, recursive=True)],
        FileSystemEventHandler(),
        native_factory=_instances_exhausted,
        polling_factory=lambda: PollingObserver(timeout=0.1),
    )
    supervisor.start()
    try:
        assert supervisor.kind == "polling" and supervisor.is_alive()
        assert supervisor.degraded_reason == INOTIFY_LIMIT_HINT
        assert "fs.inotify.max_user_instances" in INOTIFY_LIMIT_HINT
    finally:
        supervisor.stop()


def test_other_observer_errors_are_not_mistaken_for_limits(tmp_path: Path) -> None:
    from watchdog.events import FileSystemEventHandler

    def denied() -> BaseObserver:
        raise PermissionError(errno.EACCES, "permission denied")

    supervisor = WatchSupervisor(lambda: [WatchTarget(tmp_path, recursive=True)],
                                 FileSystemEventHandler(), native_factory=denied)
    with pytest.raises(PermissionError):
        supervisor.start()


def test_reading_a_watched_file_queues_no_event(tmp_path: Path) -> None:
    """Reads are not changes: at thousands of boards, a rescan's reads (an open and a close
    each) overflowed the kernel's event queue and asked for another rescan, forever."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler

    seen: list[str] = []
    changed = threading.Event()

    class Recorder(FileSystemEventHandler):
        def dispatch(self, event: FileSystemEvent) -> None:
            seen.append(event.event_type)
            if event.event_type == "closed":
                changed.set()

    spec = tmp_path / "spec_a.md"
    spec.write_text("# Goal\n")
    supervisor = WatchSupervisor(lambda: [WatchTarget(tmp_path, recursive=True)], Recorder())
    supervisor.start()
    try:
        for _ in range(20):
            spec.read_text()
        (tmp_path / "progress_a.json").write_text("{}")  # a change, after the reads
        assert changed.wait(10)
    finally:
        supervisor.stop()
    assert "opened" not in seen and "closed_no_write" not in seen
    assert {"created", "modified", "closed"} <= set(seen)
