"""Two clones of the example workspace (conftest's ``clones``) syncing one fake GitHub project:
their `sync` runs, forced rescans and real daemons, and what the project shows."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from kanbanger_daemon.boards.reconcile import reconcile_local
from kanbanger_daemon.boards.workspace import find_boards
from kanbanger_daemon.cli import main
from kanbanger_daemon.core.sync.markers import parse_marker_key
from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions
from kanbanger_daemon.daemon.wiring import wire_github_daemon
from kanbanger_daemon.settings import load_settings
from kanbanger_daemon.sync.pusher import BoardPusher, client_from
from kanbanger_daemon.testing import FakeGitHub

WEBSITE = "SPECs/website"
BUILD = "Task 2: Build (SPEC: spec_website.md)"
LAUNCH = "Task 3: Launch (SPEC: spec_website.md)"
WAIT_S = 20.0


def sync(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sync", "--json", "--root", str(root)])
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    assert all(not b.get("error") for b in json.loads(out.out)["boards"])


async def _forced(root: Path) -> None:
    settings = load_settings(root)
    pusher = BoardPusher(root, settings, client_from(settings))
    try:
        for key in find_boards(root, settings.specs_dir, settings.effective_layout):
            local = await asyncio.to_thread(reconcile_local, root, key, settings)
            result = await pusher.push(key, local, force=True)
            assert not result.errors, result.errors
    finally:
        await pusher.aclose()


def forced_rescan(root: Path) -> None:
    """What the daemon's periodic rescan does: push every board, trusting no cache."""
    asyncio.run(_forced(root))


def set_task_status(root: Path, task_id: int, status: str) -> None:
    path = root / WEBSITE / "progress_website.json"
    doc = json.loads(path.read_text())
    tasks = [t for t in doc["tasks"] if t["id"] != task_id]
    tasks.append({"id": task_id, "status": status})
    doc["tasks"] = sorted(tasks, key=lambda t: t["id"])
    path.write_text(json.dumps(doc, indent=2))


def board_snapshot(fake: FakeGitHub) -> dict[str, str | None]:
    """card marker key → Status, over live items; asserts one live item per card."""
    live = [i for i in fake.items() if not i.archived]
    keys = [parse_marker_key(i.body) for i in live]
    assert None not in keys, [i.title for i in live]
    duplicates = {k for k in keys if keys.count(k) > 1}
    assert not duplicates, f"duplicate items for {sorted(map(str, duplicates))}"
    return {str(parse_marker_key(i.body)): i.status for i in live}


def status_of(fake: FakeGitHub, title: str) -> str | None:
    return next(i.status for i in fake.items() if i.title == title and not i.archived)


@dataclass
class Running:
    """A daemon of one clone, running in the test's event loop."""

    daemon: Daemon
    pusher: BoardPusher
    task: asyncio.Task[int]

    async def first_rescan(self) -> None:
        """Wait until the daemon has pushed its boards once, at start, and is idle."""
        await self.daemon.wait_until(
            lambda: self.daemon.rescans >= 1 and self.daemon.idle.is_set(), WAIT_S)

    async def stop(self) -> int:
        self.daemon.request_stop()
        try:
            return await asyncio.wait_for(self.task, 15)
        finally:
            await self.pusher.aclose()

    async def settled(self) -> None:
        """A poll of GitHub (two-way sync), then a full rescan, each waited for until idle."""
        before = self.daemon.idle_count
        self.daemon.request_poll()
        await self.daemon.wait_idle_after(before, WAIT_S)
        rescans = self.daemon.rescans
        self.daemon.request_rescan()
        await self.daemon.wait_until(
            lambda: self.daemon.rescans > rescans and self.daemon.idle.is_set(), WAIT_S)


def start(root: Path) -> Running:
    """A daemon wired as `kanbanger-daemon run` wires it, two-way sync included."""
    settings = load_settings(root, flags={"quiet_ms": 50, "max_wait_ms": 500})
    pusher = BoardPusher(root, settings, client_from(settings))
    options = RuntimeOptions(install_signal_handlers=False, heartbeat_interval_s=0.2,
                             supervise_interval_s=0.2, retry_base_s=0.05,
                             poll_interval_s=3600.0)  # polls come from the test
    daemon = wire_github_daemon(root, settings, pusher, options=options)
    return Running(daemon, pusher, asyncio.create_task(daemon.run()))
