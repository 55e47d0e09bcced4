"""`status` against a real daemon process: healthy, frozen by SIGSTOP, resumed, stopped, killed.

The status command must answer within 0.5 s (interpreter start included) whatever the daemon
is doing, because it never talks to the daemon: it judges the heartbeat in the status file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kanbanger_daemon.daemon.status import (
    EXIT_DEGRADED,
    EXIT_HEALTHY,
    EXIT_NOT_RUNNING,
    read_status,
)
from tests.helpers.waiting import wait_for

pytestmark = pytest.mark.timeout(60)

DAEMON_SCRIPT = """
import asyncio, sys
from pathlib import Path
from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions
from kanbanger_daemon.models.status import ReconcileResult
from kanbanger_daemon.settings import load_settings

root = Path(sys.argv[1])

async def reconcile(key: str, run: object) -> ReconcileResult:
    return ReconcileResult()

async def main() -> int:
    settings = load_settings(root, environ={"HOME": str(root)})
    daemon = Daemon(root, settings, reconcile=reconcile, discover=lambda: ["SPECs/a"],
                    board_for_path=lambda p: None,
                    options=RuntimeOptions(heartbeat_interval_s=0.2))
    return await daemon.run()

sys.exit(asyncio.run(main()))
"""

STATUS_SCRIPT = (
    "import sys; from pathlib import Path;"
    "from kanbanger_daemon.daemon.status import status_main;"
    "sys.exit(status_main(Path(sys.argv[1]), as_json=True))"
)


def run_status(root: Path) -> tuple[int, dict[str, object], float]:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", STATUS_SCRIPT, str(root)], capture_output=True, text=True
    )
    elapsed = time.monotonic() - started
    return proc.returncode, json.loads(proc.stdout), elapsed


@pytest.fixture
def daemon_process(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    (tmp_path / "SPECs" / "a").mkdir(parents=True)
    proc = subprocess.Popen([sys.executable, "-c", DAEMON_SCRIPT, str(tmp_path)])
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
            proc.kill()
        proc.wait(10)


def test_status_follows_a_frozen_and_resumed_daemon(
    tmp_path: Path, daemon_process: subprocess.Popen[bytes]
) -> None:
    wait_for(lambda: read_status(tmp_path).code == EXIT_HEALTHY)
    code, doc, elapsed = run_status(tmp_path)
    assert code == EXIT_HEALTHY and doc["health"] == "healthy"
    assert elapsed <= 0.5, f"status took {elapsed:.2f} s"

    os.kill(daemon_process.pid, signal.SIGSTOP)
    wait_for(lambda: read_status(tmp_path).code == EXIT_DEGRADED)
    code, doc, elapsed = run_status(tmp_path)
    assert code == EXIT_DEGRADED and "stale" in str(doc["reasons"])
    assert elapsed <= 0.5, f"status took {elapsed:.2f} s against a frozen daemon"

    os.kill(daemon_process.pid, signal.SIGCONT)
    wait_for(lambda: read_status(tmp_path).code == EXIT_HEALTHY)

    daemon_process.send_signal(signal.SIGTERM)
    assert daemon_process.wait(10) == 0
    code, doc, _ = run_status(tmp_path)
    assert code == EXIT_NOT_RUNNING


def test_status_after_kill_9_says_not_running(
    tmp_path: Path, daemon_process: subprocess.Popen[bytes]
) -> None:
    wait_for(lambda: read_status(tmp_path).code == EXIT_HEALTHY)
    daemon_process.kill()
    daemon_process.wait(10)
    code, doc, elapsed = run_status(tmp_path)
    assert code == EXIT_NOT_RUNNING and "gone" in str(doc["reasons"])
    assert elapsed <= 0.5
    assert "token" not in json.dumps(doc).lower()
