"""What the daemon understood of a file, as JSON-able dicts (``kanbanger-daemon inspect --json``).

Pure: models in, plain dicts out. Diagnostics appear as ``"file:line: message"`` strings, split
into ``errors`` and ``warnings``; a file is usable when ``errors`` is empty.
"""

from __future__ import annotations

from typing import Literal

from kanbanger_daemon.core.board.format import board_cards, board_columns, parse_board
from kanbanger_daemon.models.board import ColumnKind
from kanbanger_daemon.models.spec import Diagnostic, Progress, Spec, TaskProgress

NOT_OURS = "not a SPEC, progress or board file"


def kind_by_content(spec: Spec, board_text: str) -> Literal["spec", "board", "other"]:
    """What a markdown file whose *name* says nothing is, from its content.

    ``spec`` is the file parsed as a spec: it is one when it has tasks. Else it is a board when
    it has kanban columns (``## TODO``, ``## DONE``, …): two kinds of them, or one holding a
    card, so a README with a lone ``## Done when`` section is not a board. Else ``other``.
    """
    if spec.tasks:
        return "spec"
    board = parse_board(board_text)
    kinds = {kind for _, kind, _ in board_columns(board) if kind is not ColumnKind.OTHER}
    carded = any(card.column_kind is not ColumnKind.OTHER for card in board_cards(board))
    return "board" if len(kinds) >= 2 or carded else "other"


def diagnostic_text(diagnostic: Diagnostic) -> str:
    """``"spec_x.md:12: message"`` (``"spec_x.md: message"`` without a line)."""
    where = diagnostic.file if diagnostic.line is None else f"{diagnostic.file}:{diagnostic.line}"
    return f"{where}: {diagnostic.message}"


def _split(diagnostics: list[Diagnostic]) -> dict[str, list[str]]:
    """``errors`` (the file cannot be used), ``warnings`` and ``notes`` (a normal state)."""
    return {
        key: [diagnostic_text(d) for d in diagnostics if d.severity == severity]
        for key, severity in (("errors", "error"), ("warnings", "warning"), ("notes", "note"))
    }


def spec_report(spec: Spec) -> dict[str, object]:
    """A spec/speclet as understood: goal, tasks with steps, SPECLets, errors and warnings."""
    return {
        "kind": "spec",
        "file": spec.file,
        "title": spec.title,
        "goal": spec.goal,
        "tasks": [
            {
                "id": task.id,
                "title": task.title,
                "speclet": task.speclet,
                "steps": [
                    {
                        "id": step.id,
                        "title": step.title,
                        "critical": step.critical,
                        "backups": len(step.backups),
                    }
                    for step in task.steps
                ],
            }
            for task in spec.tasks
        ],
        "speclets": [
            {"id": s.id, "title": s.title, "depends_on": list(s.depends_on)}
            for s in spec.speclets
        ],
        **_split(spec.diagnostics),
    }


def parameters_report(spec: Spec) -> dict[str, object]:
    """A ``parameters_<d>.toml`` read on its own: the spec report's shape, kind ``parameters``."""
    return {**spec_report(spec), "kind": "parameters"}


def _task_entry(task: TaskProgress) -> dict[str, object]:
    return {
        "status": task.status.value,
        "raw": task.raw_status,
        "backup_used": task.backup_used,
        "backups_exhausted": task.backups_exhausted,
        "steps": {s.id: {"status": s.status.value, "raw": s.raw_status} for s in task.steps},
    }


def progress_report(progress: Progress, pairs_with: str | None) -> dict[str, object]:
    """A progress log as understood: per-task statuses (and per-SPECLet ones for a MASTER log).

    Give it the log as joined with its SPEC (``core.specs.progress_join``) when the SPEC is known:
    statuses are then those the board shows, and entries the SPEC lacks are reported."""
    return {
        "kind": "progress",
        "file": progress.file,
        "is_spec_progress": progress.is_spec_progress,
        "pairs_with": pairs_with,
        "tasks": {task_id: _task_entry(task) for task_id, task in progress.tasks.items()},
        "speclets": {sid: _task_entry(task) for sid, task in progress.speclets.items()},
        **_split(progress.diagnostics),
    }
