"""A workspace of SPEC folders whose reconcile is a fake, and a `Daemon` running on it with real
watchdog observers: for the daemon's tests in tests/daemon/ (the fixture is ``fake_ws``)."""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from kanbanger_daemon.boards.own_writes import OwnWrites
from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions
from kanbanger_daemon.daemon.triggers import Run
from kanbanger_daemon.models.status import ReconcileResult
from kanbanger_daemon.settings import Settings, load_settings


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
    """The settings of ``root`` with a short debounce (100 ms quiet, 1 s at most), ``flags``
    on top."""
    values: dict[str, object] = {"quiet_ms": 100, "max_wait_ms": 1000}
    values.update(flags)
    return load_settings(root, environ={"HOME": str(root)}, flags=values)


def make_daemon(
    workspace: FakeWorkspace, settings: Settings | None = None, **options: object
) -> Daemon:
    """A daemon on ``workspace`` with its fake reconcile, no signal handlers and quick heartbeat
    and watcher checks; ``options`` set other `RuntimeOptions`."""
    opts = RuntimeOptions(
        install_signal_handlers=False, heartbeat_interval_s=0.2, supervise_interval_s=0.1
    )
    for name, value in options.items():
        setattr(opts, name, value)
    return Daemon(
        workspace.root,
        settings or make_settings(workspace.root),
        reconcile=workspace.reconcile,
        discover=workspace.discover,
        board_for_path=workspace.route,
        own_writes=workspace.registry,
        options=opts,
    )


@asynccontextmanager
async def running(daemon: Daemon) -> AsyncIterator[Daemon]:
    """Runs ``daemon`` from its first idle after the start-up rescan; on leaving, stops it and
    checks that it exited 0."""
    task = asyncio.create_task(daemon.run())
    try:
        async with asyncio.timeout(10):
            await daemon.ready.wait()
        await daemon.wait_until(lambda: daemon.idle.is_set() and daemon.rescans >= 1)
        yield daemon
    finally:
        daemon.request_stop()
        assert await asyncio.wait_for(task, 15) == 0
