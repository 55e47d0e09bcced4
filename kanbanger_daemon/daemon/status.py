"""The status file: published atomically by the daemon, judged by ``kanbanger-daemon status``.

The daemon rewrites ``<root>/.kanbanger/status.json`` (mode 0600, ``write_atomic``, so a
reader never sees half a document) whenever something changes, and ``heartbeat`` (one
wall-clock timestamp, same care) every heartbeat interval — kept apart so that an idle daemon
with a thousand boards does not re-serialise them all every few seconds.

The reader works from another process with nothing but ``json`` and ``os``: it answers in
milliseconds whether the daemon is healthy, frozen (SIGSTOP: the heartbeat goes stale),
crashed (its pid is gone) or was never started. Importing this module stays cheap on purpose
(no pydantic, no watchdog) so that the ``status`` command answers within 0.5 s.

Exit codes follow the LSB: 0 healthy, 150 running but degraded, 3 not running, 4 unknown.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kanbanger_daemon.boards.atomic import write_atomic
from kanbanger_daemon.core.board.text import terminal_safe

if TYPE_CHECKING:
    from kanbanger_daemon.models.status import DaemonStatus

STATUS_FILE = "status.json"
HEARTBEAT_FILE = "heartbeat"
EXIT_HEALTHY = 0
EXIT_NOT_RUNNING = 3
EXIT_UNKNOWN = 4
EXIT_DEGRADED = 150
_HEALTH_NAMES = {
    EXIT_HEALTHY: "healthy",
    EXIT_DEGRADED: "degraded",
    EXIT_NOT_RUNNING: "not running",
    EXIT_UNKNOWN: "unknown",
}


def status_path(root: Path) -> Path:
    return root / ".kanbanger" / STATUS_FILE


def stale_after_s(heartbeat_interval_s: float) -> float:
    """How old a heartbeat may be before the daemon counts as wedged."""
    return 3 * heartbeat_interval_s + 0.5


# -- publishing ---------------------------------------------------------------------------
def _write_private(path: Path, data: bytes) -> None:
    """Atomically replace ``path`` by ``data``, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(path, data, mode=0o600)


class StatusPublisher:
    """Writes the status document and the heartbeat atomically with owner-only permissions."""

    def __init__(self, root: Path) -> None:
        self.path = status_path(root)
        self.heartbeat_path = self.path.with_name(HEARTBEAT_FILE)

    def publish(self, status: DaemonStatus) -> None:
        _write_private(self.path, status.model_dump_json(indent=1).encode("utf-8"))
        self.beat(status.heartbeat_at)

    def beat(self, wall_time: float) -> None:
        _write_private(self.heartbeat_path, f"{os.getpid()} {wall_time:.3f}\n".encode())


# -- reading and judging ------------------------------------------------------------------
@dataclass
class StatusReport:
    """The verdict of ``status``: an exit code, why, and the document when there is one."""

    code: int
    reasons: list[str] = field(default_factory=list)
    status: dict[str, Any] | None = None
    heartbeat_age_s: float | None = None

    @property
    def health(self) -> str:
        return _HEALTH_NAMES.get(self.code, "unknown")

    def to_json(self) -> dict[str, Any]:
        return {
            "health": self.health,
            "exit_code": self.code,
            "reasons": self.reasons,
            "heartbeat_age_s": self.heartbeat_age_s,
            "status": self.status,
        }


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return True


def _lock_holder(root: Path) -> int | None:
    try:
        text = (root / ".kanbanger" / "daemon.lock").read_text("ascii", errors="replace")
    except OSError:
        return None
    text = text.strip()
    return int(text) if text.isdigit() else None


def _last_beat(root: Path, pid: int) -> float:
    """The heartbeat file's time if that same daemon wrote it, else 0."""
    try:
        beat_pid, at = (root / ".kanbanger" / HEARTBEAT_FILE).read_text("ascii").split()
        return float(at) if int(beat_pid) == pid else 0.0
    except (OSError, ValueError):
        return 0.0


def read_status(root: Path, *, now: float | None = None) -> StatusReport:
    """Judge the daemon serving ``root`` from its status file (never blocks on the daemon)."""
    now = time.time() if now is None else now
    holder = _lock_holder(root)
    holder_alive = holder is not None and _pid_alive(holder)
    try:
        raw = status_path(root).read_bytes()
    except FileNotFoundError:
        if holder_alive:
            why = f"pid {holder} holds the lock but has published no status yet"
            return StatusReport(EXIT_UNKNOWN, [why])
        return StatusReport(EXIT_NOT_RUNNING, ["no daemon has run in this workspace"])
    except OSError as exc:
        return StatusReport(EXIT_UNKNOWN, [f"cannot read {status_path(root)}: {exc.strerror}"])
    try:
        doc = json.loads(raw)
        if not isinstance(doc, dict):
            raise ValueError("not an object")
        pid = int(doc["pid"])
        heartbeat_at = float(doc["heartbeat_at"])
        interval = float(doc["heartbeat_interval_s"])
        state = str(doc.get("state", ""))
    except (ValueError, KeyError, TypeError):
        code = EXIT_UNKNOWN if holder_alive else EXIT_NOT_RUNNING
        return StatusReport(code, ["the status file is unreadable"])
    if state == "stopped" or not _pid_alive(pid):
        reason = "stopped" if state == "stopped" else f"pid {pid} is gone (crashed or killed)"
        return StatusReport(EXIT_NOT_RUNNING, [reason], doc)
    age = now - max(heartbeat_at, _last_beat(root, pid))
    reasons = _degradations(doc, now)
    if age > stale_after_s(interval):
        reasons.insert(0, f"heartbeat is stale ({age:.1f} s old): the daemon is frozen or wedged")
    return StatusReport(EXIT_DEGRADED if reasons else EXIT_HEALTHY, reasons, doc, round(age, 3))


def _degradations(doc: dict[str, Any], now: float) -> list[str]:
    reasons: list[str] = []
    observer = doc.get("observer") or {}
    if doc.get("state") == "running" and not observer.get("alive", False):
        reasons.append("the filesystem observer is not running")
    if observer.get("degraded_reason"):
        reasons.append(str(observer["degraded_reason"]))
    github = doc.get("github") or {}
    paused = github.get("paused_until")
    if isinstance(paused, int | float) and paused > now:
        reasons.append(f"GitHub paused by rate limits for {paused - now:.0f} s")
    if github.get("last_error"):
        reasons.append(f"GitHub: {github['last_error']}")
    boards = doc.get("boards") or {}
    failing = sorted(k for k, b in boards.items() if isinstance(b, dict) and b.get("last_error"))
    if failing:
        shown = ", ".join(failing[:5]) + (" …" if len(failing) > 5 else "")
        reasons.append(f"{len(failing)} board(s) in error: {shown}")
    return reasons


# -- rendering ----------------------------------------------------------------------------
def render_json(report: StatusReport) -> str:
    return json.dumps(report.to_json(), indent=2, sort_keys=True)


def _ago(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 90:
        return f"{seconds:.1f} s ago"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


def _count(section: object, name: str) -> int:
    value = section.get(name) if isinstance(section, dict) else None
    return value if isinstance(value, int) else 0


def _metrics_summary(board: dict[str, Any]) -> tuple[str, str]:
    """TASKS (completed/total) and BACKUPS (used) over the board's SPECs; "-" if unmeasured."""
    metrics = board.get("metrics")
    if not isinstance(metrics, list):
        return "-", "-"
    done = total = backups = 0
    for spec in metrics:
        if not isinstance(spec, dict):
            continue
        done += _count(spec.get("tasks"), "completed")
        total += _count(spec.get("tasks"), "total")
        backups += _count(spec.get("backups"), "used")
    return f"{done}/{total}", str(backups)


def _board_lines(boards: dict[str, Any], now: float) -> list[str]:
    """The table of boards (one line each), then their notes."""
    if not boards:
        return []
    width = max(5, *(len(k) for k in boards))
    goes = max(8, *(len(str(b.get("target") or "-")) for b in boards.values()))
    lines = ["", f"{'BOARD':<{width}}  {'GOES TO':<{goes}}  {'LAST RECONCILE':<16}  "
             f"{'RESULT':<7}  PENDING  {'TASKS':>7}  BACKUPS  ERROR"]
    for key in sorted(boards):
        board = boards[key]
        at = board.get("last_reconcile_at")
        result = {True: "ok", False: "error", None: "-"}[board.get("last_ok")]
        where = board.get("error_file") or ""
        if where and board.get("error_line"):
            where += f":{board['error_line']}"
        error = f"{where} {board.get('last_error') or ''}".strip()
        retry_at = board.get("backoff_until")
        if isinstance(retry_at, int | float) and retry_at > now:
            error += f" (retry {board.get('retries', 0)} in {retry_at - now:.0f} s)"
        tasks, backups = _metrics_summary(board)
        target = str(board.get("target") or "-")
        lines.append(
            f"{key:<{width}}  {target:<{goes}}  {_ago(now - at if at else None):<16}  "
            f"{result:<7}  "
            f"{board.get('pending_events', 0):>7}  {tasks:>7}  {backups:>7}  {error}".rstrip()
        )
    for key in sorted(boards):
        lines.extend(f"  {key}: {note}" for note in boards[key].get("notes") or [])
    return lines


def render_table(report: StatusReport, *, now: float | None = None,
                 service: str | None = None) -> str:
    """A short human summary, then one line per board. ``service``: this workspace's unit."""
    now = time.time() if now is None else now
    doc = report.status
    lines: list[str] = []
    if doc is None:
        lines.append(f"kanbanger-daemon: {report.health}")
    elif report.code == EXIT_NOT_RUNNING:
        lines.append(f"kanbanger-daemon: not running (last run: pid {doc.get('pid')})")
    else:
        up = now - float(doc.get("started_at", now))
        lines.append(
            f"kanbanger-daemon: {report.health} (pid {doc.get('pid')}, "
            f"up {up:.0f} s, mode {doc.get('mode')}, {doc.get('state')})"
        )
    if doc is not None and report.code != EXIT_NOT_RUNNING:
        observer = doc.get("observer") or {}
        lines.append(
            f"  heartbeat {_ago(report.heartbeat_age_s)} · observer {observer.get('kind')} "
            f"({'alive' if observer.get('alive') else 'DOWN'}, {observer.get('restarts', 0)} "
            f"restarts) · {doc.get('reconciles_total', 0)} reconciles · "
            f"{'idle' if doc.get('idle') else 'busy'}"
        )
        github = doc.get("github") or {}
        if github.get("enabled"):
            last = github.get("last_push_at")
            remaining = github.get("rate_limit_remaining")
            # Known only once GitHub has answered a request of this daemon.
            limit = (f"{remaining} requests left" if isinstance(remaining, int)
                     else "not yet known")
            verified = github.get("auth_verified_at")
            lines.append(f"  GitHub: last push {_ago(now - last if last else None)}, "
                         f"token verified {_ago(now - verified) if verified else 'not yet'}, "
                         f"rate limit: {limit}")
        for note in doc.get("notes") or []:
            lines.append(f"  note: {note}")
    for reason in report.reasons:
        lines.append(f"  ! {reason}")
    if service:
        lines.append(f"  service: {service}")
    lines.extend(_board_lines((doc or {}).get("boards") or {}, now))
    # Folder names, file names and errors come from files anyone may write.
    return terminal_safe("\n".join(lines))


def status_main(root: Path, *, as_json: bool = False, service: dict[str, Any] | None = None
                ) -> int:
    """What ``kanbanger-daemon status [--json]`` does: print the verdict, return its exit code.

    ``service``: this workspace's user service (``name``, ``installed``, ``text``), if known.
    """
    report = read_status(root)
    if as_json:
        doc = report.to_json() | ({"service": service} if service is not None else {})
        text = json.dumps(doc, indent=2, sort_keys=True)
    else:
        text = render_table(report, service=service["text"] if service else None)
    try:
        print(text, flush=True)
    except BrokenPipeError:  # `status | head -1`: the reader left, the verdict still stands
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return report.code
