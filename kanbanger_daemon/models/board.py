"""A ``_kanban.md`` board as lines, so that rendering gives back the exact bytes read."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from kanbanger_daemon.models.spec import Progress, Spec


class ColumnKind(StrEnum):
    """Column roles, matched from headings the way kanbanger does (by substring)."""

    BACKLOG = "BACKLOG"
    TODO = "TODO"
    DOING = "DOING"
    REVIEW = "REVIEW"
    BLOCKED = "BLOCKED"
    DONE = "DONE"
    OTHER = "OTHER"


class ColumnMapping(StrEnum):
    SEQUENTIAL = "sequential"
    HIERARCHICAL = "hierarchical"
    EXECUTION_STATE = "execution-state"


class Layout(StrEnum):
    PER_SPEC = "per-spec"
    SINGLE = "single"


class BoardLine(BaseModel):
    """One physical line: ``text`` without its ending, ``eol`` the ending as read ("" at EOF)."""

    text: str
    eol: str = "\n"
    kind: Literal["title", "marker", "heading", "card", "other"] = "other"


class Card(BaseModel):
    """A task line ``*   [ ] text`` in a column.

    ``text`` is what kanbanger calls the title (the text after the checkbox, stripped);
    ``line_index`` points into ``Board.lines``.
    """

    text: str
    checked: bool = False
    column: str = ""
    column_kind: ColumnKind = ColumnKind.OTHER
    line_index: int = -1


class Board(BaseModel):
    """A whole board. ``lines`` is the source of truth; columns and cards are views on it."""

    bom: bool = False
    lines: list[BoardLine] = Field(default_factory=list)


class BoardOptions(BaseModel):
    """How ``plan_board`` turns a SPEC and its progress into cards."""

    column_mapping: ColumnMapping = ColumnMapping.SEQUENTIAL
    include_steps: bool = False
    layout: Layout = Layout.PER_SPEC
    add_preparatory_tasks: bool = False
    add_validation_tasks: bool = False
    # The REVIEW gate (``core.board.review``): on for every board, not only those with a REVIEW
    # column.
    review_gate: bool = False


class SpecInput(BaseModel):
    """One SPEC and its progress log (None: no log yet), as ``plan_board`` consumes them.

    ``name`` is the SPEC name used as card prefix on the single root board (``[name] Task 1: …``);
    None means the spec's descriptor.
    """

    spec: Spec
    progress: Progress | None = None
    name: str | None = None
