"""SPEC metrics in `status --json`: the real daemon (`kanbanger-daemon run`) on a workspace whose
progress log is written here with known timestamps and backups.

The daemon runs in its own process; the test waits on what that daemon publishes about itself
(its board's reconcile count and its idle flag), polled with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kanbanger_daemon.daemon.status import StatusPublisher, read_status, render_table
from kanbanger_daemon.models.status import (
    BoardStatus,
    DaemonStatus,
    ObserverStatus,
    ReconcileResult,
    RunState,
)
from tests.helpers.metrics_spec import PARAMETERS, SPEC_MD
from tests.helpers.waiting import wait_for

pytestmark = pytest.mark.timeout(60)

BOARD = "SPECs/analysis"

# The SPEC of tests/helpers/metrics_spec.py: steps 1.1, 2.1 and 3.1 are critical; 1.2 is not;
# 4.1 does not say.

TASK_1 = {"id": 1, "status": "completed", "started_at": "2025-11-03T09:00:00Z",
          "completed_at": "2025-11-03T09:30:00Z",
          "steps": [{"id": "1.1", "status": "completed", "method_used": "primary"},
                    {"id": "1.2", "status": "completed", "method_used": "backup_1"}]}
TASK_2 = {"id": 2, "status": "completed", "started_at": "2025-11-03T09:30:00Z",
          "completed_at": "2025-11-03T11:00:00Z",
          "steps": [{"id": "2.1", "status": "completed", "method_used": "backup_2"}]}
# First run: task 3's critical step fails after its backups; task 4 never starts.
FIRST_RUN = {"descriptor": "analysis", "tasks": [
    TASK_1, TASK_2,
    {"id": 3, "status": "failed", "started_at": "2025-11-03T11:00:00Z",
     "steps": [{"id": "3.1", "status": "failed", "backup_attempts": 2}]},
]}
# Then Spec_Engine retries task 3, which completes at 12:30 with its first backup.
SECOND_RUN = {"descriptor": "analysis", "tasks": [
    TASK_1, TASK_2,
    {"id": 3, "status": "completed", "started_at": "2025-11-03T11:00:00Z",
     "completed_at": "2025-11-03T12:30:00Z",
     "steps": [{"id": "3.1", "status": "completed", "method_used": "backup_1"}]},
]}


def _cli(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kanbanger_daemon", *args, "--root", str(root)],
                          capture_output=True, text=True, env=env, timeout=30)


def _board(root: Path) -> dict[str, Any]:
    status = read_status(root).status or {}
    board = (status.get("boards") or {}).get(BOARD)
    return board if isinstance(board, dict) else {}


def _settled_after(root: Path, reconciles: int) -> Callable[[], bool]:
    """The daemon has reconciled the board more than ``reconciles`` times and is idle."""
    def check() -> bool:
        status = read_status(root).status or {}
        return bool(status.get("idle")) and _board(root).get("reconciles", 0) > reconciles
    return check


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    root = tmp_path / "ws"
    folder = root / "SPECs" / "analysis"
    folder.mkdir(parents=True)
    (folder / "spec_analysis.md").write_text(SPEC_MD)
    (folder / "parameters_analysis.toml").write_text(PARAMETERS)
    (folder / "progress_analysis.json").write_text(json.dumps(FIRST_RUN))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "KANBANGER_")) and k != "XDG_CONFIG_HOME"}
    env.update(HOME=str(tmp_path), KANBANGER_QUIET_MS="100")
    return root, env


@pytest.fixture
def daemon(workspace: tuple[Path, dict[str, str]]) -> Iterator[subprocess.Popen[bytes]]:
    root, env = workspace
    proc = subprocess.Popen([sys.executable, "-m", "kanbanger_daemon", "run", "--root", str(root)],
                            env=env, stderr=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def test_status_json_shows_the_metrics_a_user_works_out_from_the_log(
    workspace: tuple[Path, dict[str, str]], daemon: subprocess.Popen[bytes]
) -> None:
    root, env = workspace
    wait_for(_settled_after(root, 0), 20.0, "the first reconcile, idle")
    done = _cli(root, env, "status", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    board = json.loads(done.stdout)["status"]["boards"][BOARD]
    assert board["last_ok"] is True
    [metrics] = board["metrics"]
    assert metrics == {
        "path": "SPECs/analysis/spec_analysis.md",
        "spec": "spec_analysis.md",
        "descriptor": "analysis",
        "as_of": "2025-11-03T11:00:00+00:00",  # the log's latest timestamp
        "tasks": {"total": 4, "completed": 2, "in_progress": 0, "blocked": 1, "skipped": 0},
        # 2 tasks completed between 09:00 (first start) and 11:00 (last completion).
        "velocity_tasks_per_hour": 1.0,
        # Steps 1.2 and 2.1 needed a backup, out of 4 recorded steps.
        "backups": {"used": 2, "steps_recorded": 4, "steps_with_backup": 2,
                    "usage_rate": 0.5, "tasks_with_backup": 2},
        # Critical steps recorded: 1.1, 2.1, 3.1; 3.1 failed.
        "critical_steps": {"recorded": 3, "failed": 1, "failure_rate": 0.333},
        # TODO: task 2 waited 30 min, tasks 3 and 4 two hours each; DOING: 30 min + 1.5 h
        # (task 3 failed the moment it started); DONE: task 1 from 09:30 to 11:00.
        "time_in_column_s": {"TODO": 16200.0, "DOING": 7200.0, "DONE": 5400.0},
    }

    before = board["reconciles"]
    log = root / "SPECs" / "analysis" / "progress_analysis.json"
    log.with_suffix(".tmp").write_text(json.dumps(SECOND_RUN))
    log.with_suffix(".tmp").replace(log)  # never half a log, whenever the daemon reads it
    wait_for(_settled_after(root, before), 20.0, "the next reconcile, idle")
    done = _cli(root, env, "status", "--json")
    board = json.loads(done.stdout)["status"]["boards"][BOARD]
    assert board["last_ok"] is True
    [metrics] = board["metrics"]
    assert metrics["as_of"] == "2025-11-03T12:30:00+00:00"
    assert metrics["tasks"] == {"total": 4, "completed": 3, "in_progress": 0, "blocked": 0,
                                "skipped": 0}
    assert metrics["velocity_tasks_per_hour"] == 0.857  # 3 tasks in 3.5 h
    assert metrics["backups"] == {"used": 3, "steps_recorded": 4, "steps_with_backup": 3,
                                  "usage_rate": 0.75, "tasks_with_backup": 3}
    assert metrics["critical_steps"] == {"recorded": 3, "failed": 0, "failure_rate": 0.0}
    assert metrics["time_in_column_s"] == {"TODO": 21600.0, "DOING": 12600.0, "DONE": 16200.0}

    table = _cli(root, env, "status")
    assert table.returncode == 0, table.stdout + table.stderr
    lines = table.stdout.splitlines()
    header = next(line for line in lines if line.startswith("BOARD"))
    row = next(line for line in lines if line.startswith(BOARD))
    assert "TASKS  BACKUPS" in header
    assert row.split()[-2:] == ["3/4", "3"]  # tasks completed/total, backups used

    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(15) == 0


def test_a_failed_reconcile_keeps_the_last_measured_metrics() -> None:
    board = BoardStatus(key=BOARD)
    assert board.metrics is None  # not measured yet
    measured = [{"spec": "spec_analysis.md", "tasks": {"total": 4, "completed": 2}}]
    board.record(ReconcileResult(metrics=measured), at=1.0)
    assert board.metrics == measured
    board.record(ReconcileResult.failed("bad SPEC", file="spec_analysis.md", line=3), at=2.0)
    board.record_retry("GitHub timed out", 1, 3.0, 5.0)
    assert board.metrics == measured
    board.record(ReconcileResult(metrics=[]), at=4.0)  # the board shows no SPEC any more
    assert board.metrics == []


def test_the_table_sums_tasks_and_backups_over_the_boards_specs(tmp_path: Path) -> None:
    now = 1_000_000.0
    two_specs = [{"tasks": {"total": 3, "completed": 1}, "backups": {"used": 2}},
                 {"tasks": {"total": 5, "completed": 5}, "backups": {"used": 0}}]
    boards = {
        "SPECs/split": BoardStatus(key="SPECs/split", last_ok=True, last_reconcile_at=now - 5,
                                   metrics=two_specs),
        "SPECs/new": BoardStatus(key="SPECs/new"),
    }
    StatusPublisher(tmp_path).publish(DaemonStatus(
        pid=os.getpid(), root=str(tmp_path), state=RunState.RUNNING, started_at=now - 60,
        heartbeat_at=now - 1, heartbeat_interval_s=2.0,
        observer=ObserverStatus(alive=True, kind="native"), boards=boards,
    ))
    lines = render_table(read_status(tmp_path, now=now), now=now).splitlines()
    split = next(line for line in lines if line.startswith("SPECs/split"))
    new = next(line for line in lines if line.startswith("SPECs/new"))
    assert split.split()[-2:] == ["6/8", "2"]
    assert new.split()[-2:] == ["-", "-"]  # never reconciled: nothing measured
    assert all(len(line) <= 88 for line in lines)
