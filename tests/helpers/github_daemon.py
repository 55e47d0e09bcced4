"""A daemon wired as `kanbanger-daemon run` wires it, pushing to the fake GitHub, for tests
of boards pushed together."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions
from kanbanger_daemon.daemon.wiring import wire_github_daemon
from kanbanger_daemon.github import GitHubClient, PacingConfig
from kanbanger_daemon.settings import Settings
from kanbanger_daemon.sync.pusher import BoardPusher
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.paths import EXAMPLES

WEBSITE = EXAMPLES / "SPECs" / "website"


def website_boards(root: Path, folders: Iterable[str]) -> Path:
    """A workspace whose every folder (``SPECs/a``, …) is a copy of the example SPEC."""
    for folder in folders:
        shutil.copytree(WEBSITE, root / folder)
    return root


def finish_build(folder: Path) -> None:
    """The website log's task 2 completes: its card goes to Done."""
    path = folder / "progress_website.json"
    log = json.loads(path.read_text())
    log["tasks"][1]["status"] = "completed"
    path.write_text(json.dumps(log))


def builds_done(fake: FakeGitHub) -> int:
    """How many boards' task 2 shows as Done on the fake."""
    return sum(1 for i in fake.items() if i.title.startswith("Task 2:") and i.status == "Done")


def pusher_for(root: Path, settings: Settings, fake: FakeGitHub, *, gather_s: float) -> BoardPusher:
    """A pusher with no pause between documents and a gathering window of ``gather_s``."""
    client = GitHubClient(token=fake.token, url=fake.url,
                          pacing=PacingConfig(min_mutation_interval=0.0, gather_s=gather_s))
    return BoardPusher(root, settings, client, health_delay_s=None)


@asynccontextmanager
async def running_daemon(root: Path, settings: Settings,
                         pusher: BoardPusher) -> AsyncIterator[Daemon]:
    """The daemon runs (no polling, quick retries) until the block ends; then it stops with
    exit code 0 and the pusher is closed."""
    options = RuntimeOptions(install_signal_handlers=False, heartbeat_interval_s=0.2,
                             supervise_interval_s=0.2, retry_base_s=0.05,
                             poll_interval_s=3600.0)
    daemon = wire_github_daemon(root, settings, pusher, options=options)
    task = asyncio.create_task(daemon.run())
    try:
        yield daemon
    finally:
        daemon.request_stop()
        assert await asyncio.wait_for(task, 15) == 0
        await pusher.aclose()
