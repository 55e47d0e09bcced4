"""The MCP server and a running daemon on one workspace: 50 alternating edits, none lost.

The executor's log moves tasks (the daemon rewrites the board and pushes it) while the
assistant adds hand-written cards through the MCP server (which writes the same board under
the same `.kanban.lock`), one after the other with no wait in between. At the end the board
and the fake GitHub hold every hand card once and every task where the log puts it; `sync`
then goes through the daemon.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.daemon_process import (
    expected,
    log_progress,
    on_github,
    settled,
    start_daemon,
    write_long_spec,
)
from tests.helpers.mcp import Calls, columns, mcp_session, server_env
from tests.helpers.waiting import wait_for

pytestmark = [pytest.mark.timeout(180),
              pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")]
TASKS = 25


@pytest.fixture
def env(tmp_path: Path, fake: FakeGitHub) -> dict[str, str]:
    return server_env(tmp_path, fake, KANBANGER_QUIET_MS="20", KANBANGER_MAX_WAIT_MS="200")


@pytest.fixture
def daemon(tmp_path: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """`kanbanger-daemon run` on a workspace with one SPEC of 25 tasks, settled."""
    root = tmp_path / "ws"
    folder = root / "SPECs" / "run"
    write_long_spec(folder, "run", TASKS)
    log_progress(folder, "run", 0, TASKS)
    inherited = {k: v for k, v in os.environ.items()
                 if k not in ("KANBANGER_CONFIG", "XDG_CONFIG_HOME")}
    proc = start_daemon(root, {**inherited, **env})
    try:
        wait_for(lambda: settled(root, 1) and (folder / "_kanban.md").exists(), 60,
                 "the daemon to start")
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0


async def test_fifty_alternating_edits_from_the_server_and_the_daemon_lose_nothing(
    tmp_path: Path, fake: FakeGitHub, env: dict[str, str], daemon: subprocess.Popen[bytes]
) -> None:
    root = tmp_path / "ws"
    folder = root / "SPECs" / "run"
    board = folder / "_kanban.md"
    last = f"[x] Task {TASKS}: Part {TASKS} (SPEC: spec_run.md)"
    async with mcp_session(root, env) as client:
        call = Calls(client)
        for n in range(1, TASKS + 1):
            log_progress(folder, "run", n, TASKS)  # the daemon's edit: task n done, n+1 started
            await call.ok("add_task", spec="run", text=f"Note {n}")  # the server's edit
        await asyncio.to_thread(
            wait_for, lambda: settled(root, 1) and on_github(fake) == expected(root)
            and last in columns(board).get("DONE", []), 60,
            "the daemon to settle with GitHub showing the board")
        final = columns(board)
        assert final["TODO"] == [f"[ ] Note {n}" for n in range(1, TASKS + 1)]
        assert final["DONE"] == [f"[x] Task {n}: Part {n} (SPEC: spec_run.md)"
                                 for n in range(1, TASKS + 1)]
        titles = [item.title for item in fake.items(include_archived=False)]
        assert len(titles) == len(set(titles)) == 2 * TASKS

        through = await call.ok("sync")
        assert through["via"] == f"the running daemon (pid {daemon.pid})"
        assert through["boards"][0]["error"] is None
