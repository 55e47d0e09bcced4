"""Applying a remote plan: one document per round, the sync state saved after every document.

A round's first document holds every change that needs no other's result, in this order:
unarchives (an archived item takes no other change), Statuses (what people look at), positions,
draft titles and bodies, other field values, archives; then the first chunk of creates. Only what
needs a new item's id waits: the new items' Statuses, field values and positions go in the next
document, with the next chunk of creates, and so on. Documents are shared with the other boards
pushing through the same client at the same time (``github.sender``).

``PushRun`` holds the mutable bits of one push (state, where it is saved, what went wrong) and
the expected caller its documents come from (``GitHubClient.expecting``), if any.
Creates are recorded as *pending* before they are sent, so a lost reply or a crash ends in
adoption by marker, never in a second create.

A draft's body is written whole, built from the body last read (``RemoteOp.old_body``), so each
body write is preceded in its document by a call that reads the body as it stands right before
the write: GitHub runs a document's mutation fields one after the other, each with its payload,
before the next (GraphQL spec, "Normal and Serial Execution"; graphql-ruby, which GitHub runs,
since rmosolgo/graphql-ruby#2097). That call is the card's Status change when the card moves
(it goes first: no extra call), else the title half of the update, sent before the body half.
When the body read holds text the write was not built from (``core.sync.body_keep``), the
write replaced it: the card keeps it as ``lost_body``, saved with the document's results, and
the push's next round writes it back with our lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import structlog

from kanbanger_daemon.core.sync.body_keep import lost_by_write
from kanbanger_daemon.core.sync.listing import absorb_listing
from kanbanger_daemon.core.sync.markers import marker_for_key
from kanbanger_daemon.core.sync.project_fields import field_id
from kanbanger_daemon.errors import NotFoundError
from kanbanger_daemon.github import ExpectedCaller, Mutation, calls, value_input
from kanbanger_daemon.models.github import (
    ClientStats,
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
from kanbanger_daemon.sync.state_file import save_state

log = structlog.get_logger(__name__)


class SyncClient(Protocol):
    """The part of ``GitHubClient`` the sync engine uses."""

    @property
    def stats(self) -> ClientStats: ...

    @property
    def create_chunk(self) -> int: ...

    async def list_items(
        self, project_id: str, *, status_field: str = "Status", value_fields: Sequence[str] = ()
    ) -> list[RemoteItem]: ...

    async def mutate(self, mutations: Sequence[Mutation], *,
                     caller: ExpectedCaller | None = None) -> list[MutationResult]: ...

    async def ensure_status_options(
        self, project: ProjectInfo, wanted: Sequence[str], *,
        caller: ExpectedCaller | None = None,
    ) -> ProjectInfo: ...


class PushRun:
    """The mutable bits of one push: state, where it is saved, what went wrong."""

    def __init__(
        self,
        client: SyncClient,
        project: ProjectInfo,
        board_key: str,
        state: SyncState,
        state_path: Path,
        caller: ExpectedCaller | None = None,
    ) -> None:
        self.client = client
        self.caller = caller
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

    def known_id(self, key: str | None) -> str | None:
        card = self.state.cards.get(key) if key is not None else None
        return card.item_id if card else None

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


@dataclass(frozen=True)
class _Step:
    """One call of a round's document and how its result is recorded."""

    mutation: Mutation
    record: Callable[[MutationResult], None]


async def apply_plan(push: PushRun, plan: RemotePlan, now: float) -> None:
    """Apply ``plan``: one document, plus one per chunk of creates (see the module docstring)."""
    for key in plan.forgotten:
        push.state.cards.pop(key, None)
        push.state.pending.pop(key, None)
    if plan.waiting:
        push.clean = False
    for key, item_id in plan.adopted.items():
        push.card(key, item_id)
    later = _Later(push, plan)
    # The Statuses of existing items go first in this document: each reads its draft's body.
    moving = {op.key for op in plan.of_kind(OpKind.STATUS) if op.item_id}
    steps = [
        *(_archiving(push, op, archive=False) for op in plan.of_kind(OpKind.UNARCHIVE)),
        *later.ready(OpKind.STATUS),
        *later.ready_moves(),
        *(step for op in plan.of_kind(OpKind.ADOPT) + plan.of_kind(OpKind.UPDATE)
          for step in _update(push, op, later.bodies, read_by_status=op.key in moving)),
        *later.ready(OpKind.FIELD),
        *(_archiving(push, op, archive=True) for op in plan.of_kind(OpKind.ARCHIVE)),
    ]
    creates = plan.of_kind(OpKind.CREATE)
    while True:
        chunk, creates = creates[: push.client.create_chunk], creates[push.client.create_chunk :]
        steps += [_create(push, op, now) for op in chunk]
        ready = [s for s in steps if s is not None]
        if not ready:
            break
        push.save()  # creates are pending in the saved state before they are sent
        results = await push.client.mutate([s.mutation for s in ready], caller=push.caller)
        for step, result in zip(ready, results, strict=True):
            step.record(result)
        push.save()
        steps = [*later.ready(OpKind.STATUS), *later.ready_moves(), *later.ready(OpKind.FIELD)]
    if later.left():
        push.clean = False  # waits for a create that is not confirmed: the next round


class _Later:
    """Statuses, field values and moves: sent once the items they name have ids."""

    def __init__(self, push: PushRun, plan: RemotePlan) -> None:
        self.push = push
        self.values = {kind: plan.of_kind(kind) for kind in (OpKind.STATUS, OpKind.FIELD)}
        self.moves = plan.of_kind(OpKind.MOVE)
        self.bodies = _BodiesRead()

    def ready(self, kind: OpKind) -> list[_Step | None]:
        out: list[_Step | None] = []
        waiting: list[RemoteOp] = []
        for op in self.values[kind]:
            item_id = op.item_id or self.push.known_id(op.key)
            change = _value_change(self.push.project, op)
            if item_id is None:
                waiting.append(op)  # its create is not confirmed yet
            elif change is None:  # another round would not make the field appear
                self.push.errors.append(f"field {op.field_name!r} of {op.title!r}: no such field")
            else:
                out.append(_value(self.push, op, item_id, change, self.bodies))
        self.values[kind] = waiting
        return out

    def ready_moves(self) -> list[_Step | None]:
        """Moves in plan order up to the first whose item or anchor has no id yet: each is
        placed relative to the one before."""
        out: list[_Step | None] = []
        while self.moves:
            op = self.moves[0]
            item_id = op.item_id or self.push.known_id(op.key)
            after_id = op.after_id or self.push.known_id(op.after_key)
            if item_id is None or (op.after_key is not None and after_id is None):
                break
            self.moves.pop(0)
            mutation = calls.move_item(self.push.project.project_id, item_id, after_id)
            out.append(_Step(mutation, self._noter(op)))
        return out

    def _noter(self, op: RemoteOp) -> Callable[[MutationResult], None]:
        def record(result: MutationResult) -> None:
            self.push.note(op, result)

        return record

    def left(self) -> bool:
        return bool(self.moves or any(self.values.values()))


class _BodiesRead:
    """The body each card's draft showed right before this document's write to it, read by a
    call that runs before the write (by card key)."""

    def __init__(self) -> None:
        self._before: dict[str, str] = {}

    def note(self, key: str, result: MutationResult) -> None:
        if result.ok and result.body is not None:
            self._before[key] = result.body

    def lost(self, op: RemoteOp) -> str | None:
        """The body ``op``'s write replaced, when it held text the write was not built from."""
        before = self._before.get(op.key)
        if before == op.body:  # a read that ran after the write (a call sent again)
            return None
        return before if lost_by_write(op.old_body, before) else None


def _update(push: PushRun, op: RemoteOp, bodies: _BodiesRead, *, read_by_status: bool
            ) -> list[_Step]:
    """The draft's title and body, with a read of the body right before its write: by the
    card's Status change (``read_by_status``), else by the title, sent on its own first."""
    if not op.draft_id:
        return []

    def record(result: MutationResult) -> None:
        if not push.note(op, result):
            return
        card = push.card(op.key, op.item_id)
        card.draft_id = op.draft_id
        card.title = op.title or ""
        card.synced_title = card.title
        stored = result.body if result.body is not None else op.body  # as GitHub keeps it
        card.body = stored if stored != marker_for_key(op.key) else None
        card.lost_body = bodies.lost(op)
        if card.lost_body is not None:
            push.clean = False  # the next round writes the text back
            log.info("sync.body.overwritten", card=op.key, title=op.title)

    def read(result: MutationResult) -> None:
        if result.ok:
            bodies.note(op.key, result)
        else:
            push.note(op, result)

    if read_by_status:
        # The title only when it changes: one a person set since the last listing stays, and
        # the next listing sees it (and our tag) as a person's edit.
        title = (op.title or "") if op.kind is OpKind.ADOPT or op.title != op.old_title else None
        return [_Step(calls.update_draft(op.draft_id, title, op.body or ""), record)]
    return [_Step(calls.update_draft(op.draft_id, op.title or "", None), read),
            _Step(calls.update_draft(op.draft_id, None, op.body or ""), record)]


def _archiving(push: PushRun, op: RemoteOp, *, archive: bool) -> _Step | None:
    if not op.item_id:
        return None

    def record(result: MutationResult) -> None:
        known = push.state.cards.get(op.key)
        is_ours = known is not None and known.item_id == op.item_id
        if not result.ok and isinstance(result.error, NotFoundError):
            if is_ours:  # deleted by a person: nothing to (un)archive; created anew if wanted
                del push.state.cards[op.key]
                push.clean = push.clean and archive
            return
        if push.note(op, result) and is_ours and known is not None:
            known.archived = archive

    mutation = calls.archive_item(push.project.project_id, op.item_id, archive=archive)
    return _Step(mutation, record)


def _create(push: PushRun, op: RemoteOp, now: float) -> _Step:
    # Recorded before sending: whatever happens next, the key is never created blindly again.
    push.state.pending[op.key] = PendingCreate(title=op.title or "", sent_at=now)

    def record(result: MutationResult) -> None:
        if result.ok and result.item_id:
            push.note(op, result)
            push.state.pending.pop(op.key, None)
            push.state.cards[op.key] = CardState(
                item_id=result.item_id,
                draft_id=result.content_id,
                title=op.title or "",
                synced_title=op.title or "",
                body=result.body if result.body is not None else op.body,
                listed=False,
                database_id=result.database_id,
            )
        elif result.ambiguous:
            push.clean = False
            push.errors.append(f"create {op.title!r}: reply lost; will adopt by marker")
        else:
            push.note(op, result)
            push.state.pending.pop(op.key, None)  # refused: it was not created

    mutation = calls.add_draft(push.project.project_id, op.key, op.title or "", op.body or "")
    return _Step(mutation, record)


def _value_change(project: ProjectInfo, op: RemoteOp) -> tuple[str, dict[str, Any]] | None:
    """(field id, value input) of a STATUS or FIELD op; None when its field is unknown."""
    if op.kind == OpKind.STATUS:
        return project.status_field.id, {"singleSelectOptionId": op.option_id or ""}
    found = field_id(project, op.field_name or "")
    if found is None or op.value is None:
        return None
    return found, value_input(op.value)


def _value(push: PushRun, op: RemoteOp, item_id: str, change: tuple[str, dict[str, Any]],
           bodies: _BodiesRead) -> _Step:
    def record(result: MutationResult) -> None:
        if not push.note(op, result):
            return
        card = push.card(op.key, item_id)
        if op.kind == OpKind.STATUS:
            bodies.note(op.key, result)
            card.status, card.option_id = op.option_name, op.option_id
            card.synced_status = op.option_name
        elif op.field_name is not None and op.value is not None:
            card.values[op.field_name] = op.value
            card.synced_values[op.field_name] = op.value

    field, value = change
    return _Step(calls.set_field_value(push.project.project_id, item_id, field, value), record)
