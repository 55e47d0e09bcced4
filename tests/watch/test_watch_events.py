"""The observer bridge and supervisor in isolation: never raise, route moves, fall back."""

from __future__ import annotations

import asyncio
import errno
import threading
from pathlib import Path

import pytest
from watchdog.events import FileModifiedEvent, FileOpenedEvent
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from kanbanger_daemon.watch.events import FsEvent, LoopBridge, relevant_paths
from kanbanger_daemon.watch.observer import INOTIFY_LIMIT_HINT, WatchSupervisor, WatchTarget

pytestmark = pytest.mark.usefixtures("no_leaked_threads")  # every test stops its threads


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


@pytest.mark.skipif(not Path("/proc/sys/fs/inotify").is_dir(), reason="needs Linux inotify")
def test_reads_of_watched_files_queue_no_kernel_events(tmp_path: Path) -> None:
    """The daemon reads every SPEC file on each pass. If inotify queued those opens and closes,
    thousands of folders would overflow its queue, and each overflow forces another full pass."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler

    seen: list[str] = []
    sentinel = tmp_path / "sentinel"
    arrived = threading.Event()

    class Recorder(FileSystemEventHandler):
        def dispatch(self, event: FileSystemEvent) -> None:
            seen.append(event.event_type)
            if str(event.src_path) == str(sentinel) and event.event_type == "closed":
                arrived.set()

    spec = tmp_path / "spec_x.md"
    spec.write_text("## Task 1: T\n")
    supervisor = WatchSupervisor(lambda: [WatchTarget(tmp_path, recursive=True)], Recorder())
    supervisor.start()
    try:
        if supervisor.kind != "native":
            pytest.skip(f"no inotify observer here ({supervisor.kind})")
        for _ in range(50):
            spec.read_bytes()
        sentinel.write_text("written after the reads")
        assert arrived.wait(10), "the write after the reads was never seen"
    finally:
        supervisor.stop()
    assert "opened" not in seen and "closed_no_write" not in seen
    assert "closed" in seen  # changes still arrive
