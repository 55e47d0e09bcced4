"""Pydantic models shared by every layer. Plain data: no I/O, no behaviour beyond validation.

Split by domain so that each part stays small: ``spec`` (what a SPEC and its progress log say),
``board`` (a ``_kanban.md`` and planning options), ``github`` (what GitHub says: projects,
items, fields), ``sync`` (desired cards, plans, the sync state), ``metrics``, ``status`` (what the
daemon publishes about itself).
"""

from kanbanger_daemon.models.board import (
    Board,
    BoardLine,
    BoardOptions,
    Card,
    ColumnKind,
    ColumnMapping,
    Layout,
    SpecInput,
)
from kanbanger_daemon.models.spec import (
    Diagnostic,
    Progress,
    Spec,
    Speclet,
    Status,
    Step,
    StepProgress,
    Task,
    TaskProgress,
)

__all__ = [
    "Board",
    "BoardLine",
    "BoardOptions",
    "Card",
    "ColumnKind",
    "ColumnMapping",
    "Diagnostic",
    "Layout",
    "Progress",
    "Spec",
    "SpecInput",
    "Speclet",
    "Status",
    "Step",
    "StepProgress",
    "Task",
    "TaskProgress",
]
