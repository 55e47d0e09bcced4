"""The board edits over MCP: approve or reject a REVIEW card, add or move a hand-written card.

Each goes through ``reconcile_local(edit=…)``: under the board's ``.kanban.lock`` the board is
read, the edit applied to it (``core.board.edits``, which refuses what the board does not
allow), the result planned from the SPECs and logs as always, and written with a
compare-and-swap. It is then pushed like any other edit of ``_kanban.md``: by the running
daemon, which sees the file change, or by ``sync``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kanbanger_daemon.assistant.workspace import Target, Workspace, resolve
from kanbanger_daemon.boards.reconcile import LocalResult, reconcile_local
from kanbanger_daemon.core.board.edits import (
    add_hand_card,
    approve,
    find_card,
    move_hand_card,
    reject,
)
from kanbanger_daemon.daemon.status import EXIT_DEGRADED, EXIT_HEALTHY, read_status
from kanbanger_daemon.errors import BoardEditError
from kanbanger_daemon.models import Board
from kanbanger_daemon.settings import Settings

Edit = Callable[[Board, Target, Settings], Board]


def push_note(ws: Workspace, settings: Settings) -> str:
    """Who pushes a board edit to GitHub now."""
    report = read_status(ws.root)
    if report.code in (EXIT_HEALTHY, EXIT_DEGRADED) and report.status:
        pid = report.status.get("pid")
        if settings.github_enabled:
            return f"the running daemon (pid {pid}) pushes it to GitHub"
        return f"the running daemon (pid {pid}) keeps it; no GitHub settings, nothing to push"
    if not settings.github_enabled:
        return "no GitHub settings: the board stays local"
    return "not pushed yet: no daemon is running here; call sync() to push it"


def _edit(ws: Workspace, spec: str, change: Edit) -> tuple[dict[str, Any], LocalResult,
                                                            Target]:
    settings = ws.settings()
    target = resolve(ws, settings, spec)
    shown = ws.shown(target.board.path)
    if not target.board.path.exists():
        raise BoardEditError(f"{shown}: no board yet; call sync() (or start the daemon) first")
    try:
        result = reconcile_local(ws.root, target.board.key, settings, memory=ws.memory,
                                 edit=lambda board: change(board, target, settings))
    except BoardEditError as exc:
        raise BoardEditError(f"{shown}: {exc.message}") from None
    report = {"board": target.board.key, "path": shown, "written": result.written,
              "push": push_note(ws, settings)}
    return report, result, target


def _where(report: dict[str, Any], result: LocalResult, target: Target,
           task: str) -> dict[str, Any]:
    """The report with the card as it stands after the plan (text and column)."""
    card = find_card(result.board, task, spec_file=target.spec_file)
    return {**report, "card": card.text, "column": card.column}


def approve_done(ws: Workspace, spec: str, task: str) -> dict[str, Any]:
    """A person approves: the REVIEW card ``task`` goes to DONE."""
    report, result, target = _edit(
        ws, spec, lambda board, t, _s: approve(board, task, spec_file=t.spec_file))
    return _where(report, result, target, task)


def reject_review(ws: Workspace, spec: str, task: str, reason: str) -> dict[str, Any]:
    """A person rejects: the REVIEW card ``task`` goes back to DOING, ``reason`` noted on it."""
    report, result, target = _edit(
        ws, spec, lambda board, t, _s: reject(board, task, reason, spec_file=t.spec_file))
    return _where(report, result, target, task)


def add_task(ws: Workspace, spec: str, text: str, column: str = "TODO") -> dict[str, Any]:
    """A hand-written card on the board."""
    report, result, target = _edit(
        ws, spec, lambda board, _t, s: add_hand_card(board, text, column,
                                                     review_gate=s.review_gate))
    return _where(report, result, target, " ".join(text.split()))


def move_task(ws: Workspace, spec: str, task: str, column: str) -> dict[str, Any]:
    """A hand-written card moved to another column."""
    report, result, target = _edit(
        ws, spec, lambda board, _t, s: move_hand_card(board, task, column,
                                                      review_gate=s.review_gate))
    return _where(report, result, target, task)
