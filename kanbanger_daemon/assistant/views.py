"""What the read tools and resources return: boards, one board's cards, a SPEC's status. JSON-able.

Everything is read afresh from the files on every call (the boards, the SPECs and their logs,
``.kanban.json`` for what GitHub shows, the daemon's ``status.json``); nothing is written.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kanbanger_daemon.assistant.workspace import BoardRef, Workspace, boards, resolve
from kanbanger_daemon.boards.reconcile import load_folder, read_guarded
from kanbanger_daemon.core.board.cards import card_identity
from kanbanger_daemon.core.board.edits import is_gated
from kanbanger_daemon.core.board.format import board_cards, board_columns, board_title, parse_board
from kanbanger_daemon.core.insight.health import project_health
from kanbanger_daemon.core.insight.metrics import metrics_report, spec_metrics
from kanbanger_daemon.core.specs.decode import decode_text
from kanbanger_daemon.core.sync.desired import desired_cards
from kanbanger_daemon.core.sync.links import item_url
from kanbanger_daemon.daemon.status import read_status
from kanbanger_daemon.errors import InputError, KanbangerError
from kanbanger_daemon.models import Board, ColumnKind, Diagnostic
from kanbanger_daemon.models.board import SpecInput
from kanbanger_daemon.models.spec import Status
from kanbanger_daemon.settings import Settings, load_settings
from kanbanger_daemon.sync.pusher import STATE_FILE
from kanbanger_daemon.sync.state_file import load_state

NEXT_TASKS = 5
_KIND_RE = re.compile(r"^(?:\[[^\]]*\]\s+)?(Task|Step|SPECLet)\s")
_NOTE_RE = re.compile(r"\[[^\[\]]*\]|\([^()]*\)")
_SPEC_REF = "(SPEC: "
_FINISHED = (Status.COMPLETED, Status.SKIPPED)
_NEXT_FIRST = {Status.IN_PROGRESS: 0, Status.BLOCKED: 1, Status.FAILED: 1}


def iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat("T", "seconds")


def read_board(ws: Workspace, ref: BoardRef) -> Board | None:
    """The board as it is on disk, None when it has not been written yet."""
    if not ref.path.exists():
        return None
    return parse_board(decode_text(read_guarded(ref.path, ws.root), file=ws.shown(ref.path)))


def goes_to(ws: Workspace, settings: Settings, key: str) -> str:
    """``owner/repo#N`` for a board that is pushed, else why it is not (as ``status`` says)."""
    if key != ".":
        settings = load_settings(ws.root, spec_dir=ws.root / key, config=ws.config)
    if not settings.github_enabled:
        return "local-only"
    return f"{settings.github_repo}#{settings.github_project_number}"


def load_inputs(ws: Workspace, ref: BoardRef) -> tuple[list[tuple[Path, SpecInput]],
                                                       list[Diagnostic]]:
    """Every SPEC of the board with its log (by SPEC path), and what reading them noted."""
    out: list[tuple[Path, SpecInput]] = []
    notes: list[Diagnostic] = []
    for folder in sorted({spec.parent for spec in ref.specs}):
        found, warnings = load_folder(ws.root, folder)
        out.extend((folder / item.spec.file, item) for item in found)
        notes.extend(warnings)
    return out, notes


def _columns(board: Board | None) -> dict[str, int]:
    if board is None:
        return {}
    counts = {name: 0 for name, _kind, _index in board_columns(board)}
    for card in board_cards(board):
        counts[card.column] = counts.get(card.column, 0) + 1
    return counts


def _health(ws: Workspace, ref: BoardRef) -> str:
    try:
        inputs, _notes = load_inputs(ws, ref)
    except KanbangerError as exc:
        return f"error: {exc}"
    return project_health([item for _path, item in inputs]).status.value


def _daemon_board(doc: dict[str, Any] | None, key: str) -> dict[str, Any] | None:
    board = ((doc or {}).get("boards") or {}).get(key)
    if not isinstance(board, dict):
        return None
    return {"last_reconcile": iso(board.get("last_reconcile_at")), "ok": board.get("last_ok"),
            "error": board.get("last_error")}


def _last_push(ref: BoardRef) -> str | None:
    try:
        return iso((ref.path.parent / STATE_FILE).stat().st_mtime)
    except OSError:
        return None


def list_boards(ws: Workspace) -> list[dict[str, Any]]:
    """Every board: where it is and goes, its SPECs, cards per column, health, last push."""
    settings = ws.settings()
    doc = read_status(ws.root).status
    out: list[dict[str, Any]] = []
    for ref in boards(ws, settings):
        try:
            board = read_board(ws, ref)
            target = goes_to(ws, settings, ref.key)
        except KanbangerError as exc:
            out.append({"board": ref.key, "path": ws.shown(ref.path), "error": str(exc)})
            continue
        columns = _columns(board)
        review = sum(1 for c in board_cards(board) if c.column_kind is ColumnKind.REVIEW) \
            if board else 0
        out.append({
            "board": ref.key,
            "path": ws.shown(ref.path),
            "specs": [ws.shown(spec) for spec in ref.specs],
            "goes_to": target,
            "written": board is not None,
            "columns": columns,
            "review_gate": is_gated(board, settings.review_gate) if board else
            settings.review_gate,
            "awaiting_review": review,
            "health": _health(ws, ref),
            "daemon": _daemon_board(doc, ref.key),
            "last_push": _last_push(ref),
        })
    return out


def _notes(text: str) -> list[str]:
    """The notes after a generated card's SPEC reference: ``[BLOCKED]``, ``(used Backup #1)``…"""
    at = text.rfind(_SPEC_REF)
    if at < 0:
        return []
    tail = text[text.find(")", at) + 1:]
    return _NOTE_RE.findall(tail)


def _card_name(text: str, identity: str) -> str:
    kind = _KIND_RE.match(text)
    local = identity.partition("#")[2]
    return f"{kind.group(1) if kind else 'Task'} {local.removeprefix('speclet:')}"


def _github(ws: Workspace, ref: BoardRef, board: Board) -> list[dict[str, Any] | None]:
    """What GitHub shows of each card, as ``.kanban.json`` last confirmed it (None: unknown):
    its item id, Status, and address on github.com (``url``; None until a push or listing
    made it known)."""
    try:
        state, _moved = load_state(ref.path.parent / STATE_FILE, set_aside=False)
    except KanbangerError:
        return [None] * len(board_cards(board))
    out: list[dict[str, Any] | None] = []
    for card in desired_cards(board, ref.key):
        known = state.cards.get(card.key)
        out.append({"item_id": known.item_id, "status": known.status,
                    "url": item_url(state.project_url, known.database_id)}
                   if known is not None and known.item_id and not known.archived else None)
    return out


def board_view(ws: Workspace, spec: str) -> dict[str, Any]:
    """One board's columns and cards (task, column, checked, notes, what GitHub shows)."""
    settings = ws.settings()
    target = resolve(ws, settings, spec)
    ref = target.board
    board = read_board(ws, ref)
    if board is None:
        return {"board": ref.key, "path": ws.shown(ref.path), "written": False, "columns": []}
    cards: dict[str, list[dict[str, Any]]] = {name: [] for name, _k, _i in board_columns(board)}
    for card, github in zip(board_cards(board), _github(ws, ref, board), strict=True):
        identity = card_identity(card.text)
        entry: dict[str, Any] = {"text": card.text, "checked": card.checked,
                                 "generated": identity is not None}
        if identity is not None:
            entry["task"] = _card_name(card.text, identity)
            entry["spec"] = identity.partition("#")[0].rsplit("/", 1)[-1]
            entry["notes"] = _notes(card.text)
        if github is not None:
            entry["github"] = github
        cards.setdefault(card.column, []).append(entry)
    return {
        "board": ref.key,
        "path": ws.shown(ref.path),
        "title": board_title(board),
        "review_gate": is_gated(board, settings.review_gate),
        "goes_to": goes_to(ws, settings, ref.key),
        "columns": [{"name": name, "cards": listed} for name, listed in cards.items()],
    }


def board_markdown(ws: Workspace, spec: str) -> str:
    """A board's ``_kanban.md`` text as it is now."""
    target = resolve(ws, ws.settings(), spec)
    if not target.board.path.exists():
        raise InputError("no board yet (sync, or the daemon, writes it)",
                         file=ws.shown(target.board.path))
    return decode_text(read_guarded(target.board.path, ws.root),
                       file=ws.shown(target.board.path))


def _next_tasks(item: SpecInput) -> list[dict[str, str]]:
    """The tasks left to do, what runs or is stuck first, then in SPEC order."""
    logged = item.progress.tasks if item.progress else {}
    left = [(task, logged.get(task.id)) for task in item.spec.tasks
            if logged.get(task.id) is None or logged[task.id].status not in _FINISHED]
    left.sort(key=lambda pair: _NEXT_FIRST.get(pair[1].status, 2) if pair[1] else 2)
    return [{"task": f"Task {task.id}", "title": task.title,
             "status": progress.status.value if progress else Status.PENDING.value}
            for task, progress in left[:NEXT_TASKS]]


def spec_status(ws: Workspace, spec: str) -> dict[str, Any]:
    """A SPEC's metrics and the next tasks to do, with the board's cards awaiting review."""
    settings = ws.settings()
    target = resolve(ws, settings, spec)
    inputs, notes = load_inputs(ws, target.board)
    chosen = [(path, item) for path, item in inputs
              if target.spec_file is None or path.name == target.spec_file]
    board = read_board(ws, target.board)
    review = [c.text for c in board_cards(board) if c.column_kind is ColumnKind.REVIEW] \
        if board else []
    return {
        "board": target.board.key,
        "specs": [_spec_entry(ws, path, item) for path, item in chosen],
        "awaiting_review": review,
        "review_gate": is_gated(board, settings.review_gate) if board else settings.review_gate,
        "notes": [str(note) for note in notes],
    }


def _spec_entry(ws: Workspace, path: Path, item: SpecInput) -> dict[str, Any]:
    return {"path": ws.shown(path), **metrics_report(spec_metrics(item.spec, item.progress)),
            "next_tasks": _next_tasks(item)}


def status_view(ws: Workspace) -> dict[str, Any]:
    """The daemon's health as ``status`` judges it, and every board's summary."""
    report = read_status(ws.root)
    doc = report.status or {}
    github = doc.get("github") or {}
    return {
        "daemon": {"health": report.health, "reasons": report.reasons, "pid": doc.get("pid"),
                   "last_push": iso(github.get("last_push_at"))},
        "boards": list_boards(ws),
    }
