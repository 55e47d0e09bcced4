"""Desired cards, project items and plan_remote calls on one board, for the tests of the push
plan (the board's own plans are in tests.helpers.plans)."""

from __future__ import annotations

from kanbanger_daemon.core.sync.markers import marker_for_key
from kanbanger_daemon.core.sync.push_plan import plan_remote
from kanbanger_daemon.models.github import RemoteItem
from kanbanger_daemon.models.sync import (
    CardState,
    DesiredCard,
    RemoteOp,
    RemotePlan,
    StatusChoice,
    SyncState,
)

BOARD = "specs/analysis/_kanban.md"
# The project's Status options, by the board column each one shows.
OPTIONS = {
    "TODO": StatusChoice(option_id="aaaa0001", name="Todo"),
    "DOING": StatusChoice(option_id="aaaa0002", name="In Progress"),
    "DONE": StatusChoice(option_id="aaaa0003", name="Done"),
}


def card(
    n: int, column: str = "TODO", title: str | None = None, pos: int | None = None
) -> DesiredCard:
    """Card ``n`` of the board ("Task n"), in ``column``, at position ``n`` unless ``pos``."""
    return DesiredCard(
        key=f"{BOARD}/spec.md#{n}",
        title=title or f"Task {n}",
        column=column,
        position=n if pos is None else pos,
    )


def item(
    n: int,
    column: str = "TODO",
    title: str | None = None,
    *,
    archived: bool = False,
    body: str | None = None,
    item_id: str | None = None,
) -> RemoteItem:
    """Card ``n``'s item on the project, in ``column``, its body only the card's marker unless
    ``body`` is given."""
    choice = OPTIONS[column]
    return RemoteItem(
        item_id=item_id or f"PVTI_{n}",
        content_id=f"DI_{n}",
        title=title or f"Task {n}",
        body=body if body is not None else marker_for_key(f"{BOARD}/spec.md#{n}"),
        is_archived=archived,
        status_option_id=choice.option_id,
        status_name=choice.name,
    )


def kinds(plan_ops: list[RemoteOp]) -> list[str]:
    """The operations' kinds, in order: "create", "status", ..."""
    return [str(op.kind) for op in plan_ops]


def plan(
    desired: list[DesiredCard], remote: list[RemoteItem], state: SyncState | None = None
) -> RemotePlan:
    """plan_remote for BOARD with OPTIONS, from an empty state unless ``state``."""
    return plan_remote(desired, state or SyncState(), remote, OPTIONS, board_key=BOARD)


def synced(n: int, column: str, *, title: str | None = None) -> tuple[str, CardState]:
    """A state entry: this workspace last synced card ``n`` in ``column``."""
    return f"{BOARD}/spec.md#{n}", CardState(
        item_id=f"PVTI_{n}", synced_status=OPTIONS[column].name, synced_title=title or f"Task {n}"
    )
