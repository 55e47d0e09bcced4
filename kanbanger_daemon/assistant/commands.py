"""``sync`` and ``doctor`` for the assistant.

``sync`` goes through the running daemon when there is one: it is sent SIGHUP (a full rescan:
every board reconciled and pushed) and the answer is read from its ``status.json`` once it is
idle again. Otherwise it is the one-shot ``kanbanger-daemon sync``: every board reconciled and
pushed from here, with the plan and the number of HTTP requests made. Never both at once: two
pushers on one project would race each other.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

from kanbanger_daemon.assistant.workspace import Workspace
from kanbanger_daemon.boards.reconcile import reconcile_local
from kanbanger_daemon.boards.workspace import find_boards
from kanbanger_daemon.core.sync.plan_text import format_plan
from kanbanger_daemon.daemon.status import EXIT_DEGRADED, EXIT_HEALTHY, read_status
from kanbanger_daemon.errors import KanbangerError, TransientError
from kanbanger_daemon.settings import Settings
from kanbanger_daemon.sync.pusher import BoardPusher, client_from
from kanbanger_daemon.team.checks import DoctorContext, run_checks
from kanbanger_daemon.team.service_state import ServiceControl

DAEMON_WAIT_S = 120.0  # a rescan of many boards, paced by GitHub's creation budget
_POLL_S = 0.05


async def sync(ws: Workspace) -> dict[str, Any]:
    """Reconcile and push every board now; what was done, and by whom."""
    report = read_status(ws.root)
    if report.code in (EXIT_HEALTHY, EXIT_DEGRADED) and report.status:
        return await _through_daemon(ws, report.status)
    settings = ws.settings()
    return await _one_shot(ws, settings)


async def _through_daemon(ws: Workspace, doc: dict[str, Any]) -> dict[str, Any]:
    pid, rescans = int(doc["pid"]), int(doc.get("rescans", 0))
    os.kill(pid, signal.SIGHUP)  # the daemon's "rescan now"
    deadline = time.monotonic() + DAEMON_WAIT_S
    while True:
        await asyncio.sleep(_POLL_S)  # status.json is rewritten at most ~4 times a second
        now = read_status(ws.root).status or {}
        if int(now.get("rescans", 0)) > rescans and now.get("idle"):
            break
        if time.monotonic() > deadline:
            raise TransientError(f"the daemon (pid {pid}) is still busy after "
                                 f"{DAEMON_WAIT_S:g} s; see kanbanger-daemon status")
    boards = now.get("boards") or {}
    return {
        "via": f"the running daemon (pid {pid})",
        "http_requests": None,  # counted by the daemon, not reported per rescan
        "boards": [{"board": key, "board_written": b.get("last_wrote_board"),
                    "remote_ops": b.get("last_remote_ops"), "target": b.get("target"),
                    "error": b.get("last_error")} for key, b in sorted(boards.items())],
    }


async def _one_shot(ws: Workspace, settings: Settings) -> dict[str, Any]:
    keys = find_boards(ws.root, settings.specs_dir, settings.effective_layout)
    if not settings.github_enabled:
        reports = []
        for key in keys:
            local = await asyncio.to_thread(reconcile_local, ws.root, key, settings,
                                            memory=ws.memory)
            reports.append({"board": key, "board_written": local.written})
        return {"via": "one-shot sync (no daemon running)", "http_requests": 0,
                "github": "not configured: GITHUB_TOKEN, GITHUB_REPO, GITHUB_PROJECT_NUMBER",
                "boards": reports}
    pusher = BoardPusher(ws.root, settings, client_from(settings), config=ws.config,
                         health_delay_s=None)
    reports = []
    try:
        for key in keys:
            report: dict[str, Any] = {"board": key}
            reports.append(report)
            try:
                local = await asyncio.to_thread(reconcile_local, ws.root, key, settings,
                                            memory=ws.memory)
                result = await pusher.push(key, local)
            except KanbangerError as exc:
                report["error"] = str(exc)
                continue
            report.update(board_written=local.written, in_sync=result.in_sync,
                          plan=format_plan(result.plan).splitlines(), errors=result.errors)
        await pusher.post_health()
    finally:
        requests = pusher.client.stats.http_requests
        await pusher.aclose()
    return {"via": "one-shot sync (no daemon running)", "http_requests": requests,
            "boards": reports}


def doctor(ws: Workspace) -> dict[str, Any]:
    """The checks of ``kanbanger-daemon doctor``, as data."""
    ctx = DoctorContext(root=ws.root, environ=os.environ, config=ws.config, network=True,
                        service=ServiceControl(home=Path.home()))
    checks = run_checks(ctx)
    return {"ok": not any(c.is_problem for c in checks),
            "checks": [c.to_json() for c in checks]}
