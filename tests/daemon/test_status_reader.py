"""`status` verdicts from the status file: healthy, degraded, stale, gone, never started."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kanbanger_daemon.daemon.status import (
    EXIT_DEGRADED,
    EXIT_HEALTHY,
    EXIT_NOT_RUNNING,
    EXIT_UNKNOWN,
    StatusPublisher,
    read_status,
    render_json,
    render_table,
)
from kanbanger_daemon.models.status import (
    BoardStatus,
    DaemonStatus,
    GitHubStatus,
    ObserverStatus,
    RunState,
)

NOW = 1_000_000.0


def publish(root: Path, **changes: object) -> DaemonStatus:
    status = DaemonStatus(
        pid=os.getpid(),
        root=str(root),
        state=RunState.RUNNING,
        started_at=NOW - 60,
        heartbeat_at=NOW - 1,
        heartbeat_interval_s=2.0,
        observer=ObserverStatus(alive=True, kind="native"),
        boards={"SPECs/a": BoardStatus(key="SPECs/a", last_ok=True, last_reconcile_at=NOW - 5)},
    )
    status = status.model_copy(update=changes)
    StatusPublisher(root).publish(status)
    return status


def test_no_status_file_means_not_running(tmp_path: Path) -> None:
    assert read_status(tmp_path, now=NOW).code == EXIT_NOT_RUNNING


def test_a_fresh_heartbeat_is_healthy(tmp_path: Path) -> None:
    publish(tmp_path)
    report = read_status(tmp_path, now=NOW)
    assert report.code == EXIT_HEALTHY and report.reasons == []
    assert (tmp_path / ".kanbanger" / "status.json").stat().st_mode & 0o777 == 0o600


def test_a_stale_heartbeat_is_degraded(tmp_path: Path) -> None:
    publish(tmp_path, heartbeat_at=NOW - 30)
    report = read_status(tmp_path, now=NOW)
    assert report.code == EXIT_DEGRADED
    assert "stale" in report.reasons[0]


def test_a_dead_pid_is_not_running(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    publish(tmp_path, pid=int(proc.stdout))
    report = read_status(tmp_path, now=NOW)
    assert report.code == EXIT_NOT_RUNNING and "gone" in report.reasons[0]


def test_a_cleanly_stopped_daemon_is_not_running(tmp_path: Path) -> None:
    publish(tmp_path, state=RunState.STOPPED)
    assert read_status(tmp_path, now=NOW).code == EXIT_NOT_RUNNING


def test_board_errors_and_rate_limit_pauses_are_degraded(tmp_path: Path) -> None:
    bad = BoardStatus(key="SPECs/b", last_ok=False, last_error="bad JSON",
                      error_file="SPECs/b/progress_b.json", error_line=4)
    publish(tmp_path, boards={"SPECs/b": bad})
    report = read_status(tmp_path, now=NOW)
    assert report.code == EXIT_DEGRADED and "SPECs/b" in report.reasons[0]
    table = render_table(report, now=NOW)
    assert "SPECs/b/progress_b.json:4 bad JSON" in table
    doc = json.loads(render_json(report))
    assert doc["health"] == "degraded" and doc["exit_code"] == EXIT_DEGRADED


def test_a_corrupt_file_with_a_live_lock_holder_is_unknown(tmp_path: Path) -> None:
    state = tmp_path / ".kanbanger"
    state.mkdir()
    (state / "status.json").write_text("{not json")
    (state / "daemon.lock").write_text(f"{os.getpid()}\n")
    assert read_status(tmp_path, now=NOW).code == EXIT_UNKNOWN
    (state / "status.json").unlink()
    assert read_status(tmp_path, now=NOW).code == EXIT_UNKNOWN


def test_the_table_names_pid_mode_and_boards(tmp_path: Path) -> None:
    publish(tmp_path)
    table = render_table(read_status(tmp_path, now=NOW), now=NOW)
    assert table.startswith(f"kanbanger-daemon: healthy (pid {os.getpid()}")
    assert "SPECs/a" in table and "ok" in table


def test_the_table_shows_when_a_failing_board_is_retried(tmp_path: Path) -> None:
    retrying = BoardStatus(key="SPECs/c", last_ok=False, last_error="GitHub timed out",
                           retries=2, backoff_until=NOW + 40)
    publish(tmp_path, boards={"SPECs/c": retrying})
    table = render_table(read_status(tmp_path, now=NOW), now=NOW)
    assert "GitHub timed out (retry 2 in 40 s)" in table


def test_a_stopped_daemon_reads_as_not_running_with_its_last_boards(tmp_path: Path) -> None:
    publish(tmp_path, state=RunState.STOPPED)
    table = render_table(read_status(tmp_path, now=NOW), now=NOW)
    assert table.splitlines()[0] == f"kanbanger-daemon: not running (last run: pid {os.getpid()})"
    assert "heartbeat" not in table and "SPECs/a" in table


def test_the_table_shows_notes_and_never_sends_raw_escapes_to_the_terminal(
    tmp_path: Path,
) -> None:
    hostile = BoardStatus(key="SPECs/\x1b[2Jx", last_ok=False,
                          last_error="bad \x07 title", notes=["spec_x.md: note: no tasks yet"])
    publish(tmp_path, boards={"SPECs/\x1b[2Jx": hostile})
    table = render_table(read_status(tmp_path, now=NOW), now=NOW)
    assert "\x1b" not in table and "\x07" not in table
    assert "SPECs/\\x1b[2Jx" in table and "bad \\x07 title" in table
    assert "SPECs/\\x1b[2Jx: spec_x.md: note: no tasks yet" in table


def test_the_rate_limit_reads_not_yet_known_until_github_has_answered(tmp_path: Path) -> None:
    publish(tmp_path, github=GitHubStatus(enabled=True))
    table = render_table(read_status(tmp_path, now=NOW), now=NOW)
    assert "rate limit: not yet known" in table
    assert "None" not in table
    assert "token verified not yet" in table
    publish(tmp_path, github=GitHubStatus(enabled=True, rate_limit_remaining=4990,
                                          last_push_at=NOW - 3, auth_verified_at=NOW - 2))
    table = render_table(read_status(tmp_path, now=NOW), now=NOW)
    assert ("GitHub: last push 3.0 s ago, token verified 2.0 s ago, "
            "rate limit: 4990 requests left") in table
