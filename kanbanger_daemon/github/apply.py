"""Applying a remote plan: kind by kind, in batches, the sync state saved after every batch.

``PushRun`` holds the mutable bits of one push (state, where it is saved, what went wrong).
Creates are recorded as *pending* before they are sent, so a lost reply or a crash ends in
adoption by marker, never in a second create.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

from kanbanger_daemon.core.listing import absorb_listing
from kanbanger_daemon.core.markers import marker_for_key
from kanbanger_daemon.errors import NotFoundError
from kanbanger_daemon.github.fields import field_id, value_input
from kanbanger_daemon.github.state import save_state
from kanbanger_daemon.models.remote import (
    ClientStats,
    DraftSpec,
    MutationResult,
    ProjectInfo,
    RemoteItem,
)
from kanbanger_daemon.models.sync import (
    CardState,
    OpKind,
    PendingCreate,
    RemoteOp,
    RemotePlan,
    SyncState,
)

CREATE_CHUNK = 25  # one create document per chunk: the state is saved after each
OTHER_CHUNK = 50


class SyncClient(Protocol):
    """The part of ``GitHubClient`` the sync engine uses."""

    @property
    def stats(self) -> ClientStats: ...

    async def list_items(
        self, project_id: str, *, status_field: str = "Status", value_fields: Sequence[str] = ()
    ) -> list[RemoteItem]: ...

    async def create_drafts(
        self, project_id: str, drafts: Sequence[DraftSpec]
    ) -> list[MutationResult]: ...

    async def set_field_values(
        self, project_id: str, changes: Sequence[tuple[str, str, dict[str, Any]]]
    ) -> list[MutationResult]: ...

    async def update_drafts(
        self, changes: Sequence[tuple[str, str, str]]
    ) -> list[MutationResult]: ...

    async def archive_items(
        self, project_id: str, item_ids: Sequence[str]
    ) -> list[MutationResult]: ...

    async def unarchive_items(
        self, project_id: str, item_ids: Sequence[str]
    ) -> list[MutationResult]: ...

    async def move_items(
        self, project_id: str, moves: Sequence[tuple[str, str | None]]
    ) -> list[MutationResult]: ...

    async def ensure_status_options(
        self, project: ProjectInfo, wanted: Sequence[str]
    ) -> ProjectInfo: ...


T = TypeVar("T")


def _chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class PushRun:
    """The mutable bits of one push: state, where it is saved, what went wrong."""

    def __init__(
        self,
        client: SyncClient,
        project: ProjectInfo,
        board_key: str,
        state: SyncState,
        state_path: Path,
    ) -> None:
        self.client = client
        self.project = project
        self.board_key = board_key
        self.state = state
        self.path = state_path
        self.errors: list[str] = []
        self.applied: dict[str, int] = {}
        self.clean = True  # every op of the round confirmed
        self.saved: SyncState | None = None

    def save(self) -> None:
        """Persist the state unless it is exactly what was last written (fsyncs are not free)."""
        if self.state != self.saved:
            save_state(self.path, self.state)
            self.saved = self.state.model_copy(deep=True)

    def card(self, key: str, item_id: str | None) -> CardState:
        """The state entry of ``key``, pointing at ``item_id`` (created when missing)."""
        card = self.state.cards.get(key)
        if card is None or (item_id and card.item_id != item_id):
            card = CardState(item_id=item_id)
            self.state.cards[key] = card
        return card

    def note(self, op: RemoteOp, result: MutationResult) -> bool:
        if result.ok:
            self.applied[op.kind.value] = self.applied.get(op.kind.value, 0) + 1
            return True
        self.clean = False
        self.errors.append(f"{op.kind.value} {op.title!r}: {result.error}")
        return False

    def absorb_listing(
        self, remote: Sequence[RemoteItem], patience: int, settled_before: float
    ) -> None:
        self.state = absorb_listing(self.state, remote, self.board_key, patience, settled_before)


async def apply_plan(push: PushRun, plan: RemotePlan, now: float) -> None:
    """Apply ``plan`` kind by kind; the state is saved after every confirmed batch."""
    for key in plan.forgotten:
        push.state.cards.pop(key, None)
        push.state.pending.pop(key, None)
    if plan.waiting:
        push.clean = False
    for key, item_id in plan.adopted.items():
        push.card(key, item_id)
    await _apply_updates(push, plan.of_kind(OpKind.ADOPT) + plan.of_kind(OpKind.UPDATE))
    await _apply_archiving(push, plan.of_kind(OpKind.UNARCHIVE), archive=False)
    await _apply_archiving(push, plan.of_kind(OpKind.ARCHIVE), archive=True)
    await _apply_creates(push, plan.of_kind(OpKind.CREATE), now)
    await _apply_values(push, plan.of_kind(OpKind.STATUS) + plan.of_kind(OpKind.FIELD))
    await _apply_moves(push, plan.of_kind(OpKind.MOVE))


async def _apply_updates(push: PushRun, ops: Sequence[RemoteOp]) -> None:
    for chunk in _chunks([op for op in ops if op.draft_id], OTHER_CHUNK):
        results = await push.client.update_drafts(
            [(op.draft_id or "", op.title or "", op.body or "") for op in chunk]
        )
        for op, result in zip(chunk, results, strict=True):
            if push.note(op, result):
                card = push.card(op.key, op.item_id)
                card.draft_id = op.draft_id
                card.title = op.title or ""
                card.synced_title = card.title
                card.body = op.body if op.body != marker_for_key(op.key) else None
        push.save()


async def _apply_archiving(push: PushRun, ops: Sequence[RemoteOp], *, archive: bool) -> None:
    for chunk in _chunks([op for op in ops if op.item_id], OTHER_CHUNK):
        ids = [op.item_id or "" for op in chunk]
        project_id = push.project.project_id
        results = await (
            push.client.archive_items(project_id, ids)
            if archive
            else push.client.unarchive_items(project_id, ids)
        )
        for op, result in zip(chunk, results, strict=True):
            known = push.state.cards.get(op.key)
            is_ours = known is not None and known.item_id == op.item_id
            if not result.ok and isinstance(result.error, NotFoundError):
                if is_ours:  # deleted by a person: nothing to (un)archive; created anew if wanted
                    del push.state.cards[op.key]
                    push.clean = push.clean and archive
                continue
            if push.note(op, result) and is_ours and known is not None:
                known.archived = archive
        push.save()


async def _apply_creates(push: PushRun, ops: Sequence[RemoteOp], now: float) -> None:
    for chunk in _chunks(ops, CREATE_CHUNK):
        # Recorded before sending: whatever happens next, the key is never created blindly again.
        for op in chunk:
            push.state.pending[op.key] = PendingCreate(title=op.title or "", sent_at=now)
        push.save()
        drafts = [DraftSpec(key=op.key, title=op.title or "", body=op.body or "") for op in chunk]
        results = await push.client.create_drafts(push.project.project_id, drafts)
        for op, result in zip(chunk, results, strict=True):
            if result.ok and result.item_id:
                push.note(op, result)
                push.state.pending.pop(op.key, None)
                push.state.cards[op.key] = CardState(
                    item_id=result.item_id,
                    draft_id=result.content_id,
                    title=op.title or "",
                    synced_title=op.title or "",
                    body=op.body,
                    listed=False,
                )
            elif result.ambiguous:
                push.clean = False
                push.errors.append(f"create {op.title!r}: reply lost; will adopt by marker")
            else:
                push.note(op, result)
                push.state.pending.pop(op.key, None)  # refused: it was not created
        push.save()


def _value_change(project: ProjectInfo, op: RemoteOp) -> tuple[str, dict[str, Any]] | None:
    """(field id, value input) of a STATUS or FIELD op; None when its field is unknown."""
    if op.kind == OpKind.STATUS:
        return project.status_field.id, {"singleSelectOptionId": op.option_id or ""}
    found = field_id(project, op.field_name or "")
    if found is None or op.value is None:
        return None
    return found, value_input(op.value)


async def _apply_values(push: PushRun, ops: Sequence[RemoteOp]) -> None:
    """Statuses, then optional field values: one mutation, so they share documents."""
    ready: list[tuple[RemoteOp, str, tuple[str, dict[str, Any]]]] = []
    for op in ops:
        item_id = op.item_id or _known_id(push, op.key)
        change = _value_change(push.project, op)
        if item_id is None:
            push.clean = False  # its create is not confirmed yet
        elif change is None:  # another round would not make the field appear
            push.errors.append(f"field {op.field_name!r} of {op.title!r}: no such field")
        else:
            ready.append((op, item_id, change))
    for chunk in _chunks(ready, OTHER_CHUNK):
        results = await push.client.set_field_values(
            push.project.project_id, [(i, field, value) for _op, i, (field, value) in chunk]
        )
        for (op, item_id, _change), result in zip(chunk, results, strict=True):
            if not push.note(op, result):
                continue
            card = push.card(op.key, item_id)
            if op.kind == OpKind.STATUS:
                card.status, card.option_id = op.option_name, op.option_id
                card.synced_status = op.option_name
            elif op.field_name is not None and op.value is not None:
                card.values[op.field_name] = op.value
                card.synced_values[op.field_name] = op.value
        push.save()


async def _apply_moves(push: PushRun, ops: Sequence[RemoteOp]) -> None:
    ready: list[tuple[RemoteOp, str, str | None]] = []
    for op in ops:
        item_id = op.item_id or _known_id(push, op.key)
        after_id = op.after_id or (_known_id(push, op.after_key) if op.after_key else None)
        if item_id is None or (op.after_key is not None and after_id is None):
            push.clean = False
            break  # later moves are placed relative to this one: leave them to the next round
        ready.append((op, item_id, after_id))
    for chunk in _chunks(ready, OTHER_CHUNK):
        results = await push.client.move_items(
            push.project.project_id, [(i, a) for _op, i, a in chunk]
        )
        for (op, _i, _a), result in zip(chunk, results, strict=True):
            push.note(op, result)


def _known_id(push: PushRun, key: str) -> str | None:
    card = push.state.cards.get(key)
    return card.item_id if card else None
