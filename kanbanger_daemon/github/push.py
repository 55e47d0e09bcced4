"""push_board: make a GitHub project show one board, without duplicates and without losing changes.

One push is a few rounds of: snapshot (a full listing, or the state when it is trusted) ->
``plan_remote`` (pure) -> apply the plan by kind, persisting ``.kanban.json`` after every
confirmed batch. Creates are recorded as *pending* in the state before they are sent, so a lost
reply or a crash ends in adoption of the item by its body marker, never in a second create.

Request budget: an unchanged board (same fingerprint as the last confirmed push) costs nothing;
a change planned from a trusted state costs only its mutation documents; otherwise one listing
plus the mutation documents. Optional field values (cards with ``values``) share the Status
documents and are read by the same listing; without them nothing here changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import structlog

from kanbanger_daemon.core.markers import marker_for_key, parse_marker_key
from kanbanger_daemon.core.remote_plan import (
    DEFAULT_ADOPT_PATIENCE,
    fingerprint,
    keeper_of,
    marker_key_of,
    observe_listing,
    plan_remote,
    trusted_snapshot,
)
from kanbanger_daemon.errors import KanbangerError, NotFoundError, RetryableError
from kanbanger_daemon.github.fields import field_id, matched_values, value_input
from kanbanger_daemon.github.options import match_status_option
from kanbanger_daemon.github.state import load_state, save_state
from kanbanger_daemon.models.remote import (
    ClientStats,
    DraftSpec,
    MutationResult,
    ProjectInfo,
    RemoteItem,
)
from kanbanger_daemon.models.sync import (
    CardState,
    DesiredCard,
    OpKind,
    PendingCreate,
    PushResult,
    RemoteOp,
    RemotePlan,
    StatusChoice,
    StatusOptionMap,
    SyncState,
)

log = structlog.get_logger(__name__)

CREATE_CHUNK = 25  # one create document per chunk: the state is saved after each
OTHER_CHUNK = 50
DEFAULT_MAX_ROUNDS = 6
# GitHub gives up on a request after about 10 s; a create not listed after this long never ran.
DEFAULT_SETTLE_SECONDS = 30.0


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


def status_option_map(project: ProjectInfo, desired: Sequence[DesiredCard]) -> StatusOptionMap:
    """Each board column -> its Status option (by name first, then by the column's kind)."""
    out: StatusOptionMap = {}
    options = project.status_field.options
    for card in desired:
        if card.column in out:
            continue
        option = match_status_option(card.column, options) or match_status_option(
            card.column_kind.value, options
        )
        if option is not None:
            out[card.column] = StatusChoice(option_id=option.id, name=option.name)
    return out


T = TypeVar("T")


def _chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class _Push:
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


def absorb_listing(
    state: SyncState,
    remote: Sequence[RemoteItem],
    board_key: str,
    patience: int = DEFAULT_ADOPT_PATIENCE,
    settled_before: float | None = None,
) -> SyncState:
    """The state brought up to date with what a full listing shows of our items."""
    state = observe_listing(state, remote, board_key, settled_before=settled_before)
    groups: dict[str, list[RemoteItem]] = {}
    for item in remote:
        key = marker_key_of(item.body, board_key, state)
        if key is not None:
            groups.setdefault(key, []).append(item)
    if state.people_items is None:  # two-way sync takes in only drafts added later
        state.people_items = [i.item_id for i in remote if not parse_marker_key(i.body)]
    by_id = {item.item_id: item for item in remote}
    for key, card in list(state.cards.items()):
        if card.foreign and key not in groups and card.item_id in by_id:
            state.cards[key] = _card_from(key, by_id[card.item_id], card)
    for key, group in groups.items():
        known = state.cards.get(key)
        item = keeper_of(group, known.item_id if known else None)
        state.cards[key] = _card_from(key, item, known)
        state.pending.pop(key, None)
    for key, card in list(state.cards.items()):
        gone = key not in groups and card.unseen >= patience
        if gone and (card.archived or not card.item_id):
            del state.cards[key]
    return state


def _card_from(key: str, item: RemoteItem, known: CardState | None) -> CardState:
    body = item.body if item.body != marker_for_key(key) else None
    same = known is not None and known.item_id == item.item_id
    return CardState(
        item_id=item.item_id,
        draft_id=item.content_id,
        title=item.title or "",
        status=item.status_name,
        option_id=item.status_option_id,
        position=known.position if known else 0,
        archived=item.is_archived,
        body=body,
        synced_status=known.synced_status if known and same else None,
        synced_title=known.synced_title if known and same else None,
        foreign=bool(known and same and known.foreign),
        # A listing that did not read the optional fields (two-way sync's poll) proves nothing
        # about them: what was known is kept.
        values=dict(item.field_values if item.field_values is not None
                    else known.values if known and same else {}),
        synced_values=dict(known.synced_values) if known and same else {},
    )


async def push_board(
    client: SyncClient,
    project: ProjectInfo,
    board_key: str,
    desired: Sequence[DesiredCard],
    state_path: Path,
    *,
    dry_run: bool = False,
    force: bool = False,
    max_rounds: int = DEFAULT_MAX_ROUNDS,
    adopt_patience: int = DEFAULT_ADOPT_PATIENCE,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    clock: Callable[[], float] = time.time,
) -> PushResult:
    """Make ``project`` show ``desired`` for ``board_key``; the state lives at ``state_path``.

    ``dry_run`` lists the project and returns the plan without sending any mutation. ``force``
    ignores the fingerprint and the trusted state (a periodic full rescan). A create whose reply
    was lost is sent again only once ``settle_seconds`` (by ``clock``) have passed and
    ``adopt_patience`` listings did not show it. Retryable faults end
    the round and the next round starts from a fresh listing; permanent ones are raised after the
    state is saved.
    """
    state, aside = load_state(state_path, set_aside=not dry_run)
    if aside is not None:
        log.warning("sync.state.corrupt", path=str(state_path), kept_as=str(aside))
    state = _for_this_board(state, project, board_key)
    start = client.stats.http_requests
    digest = fingerprint(project.project_id, board_key, desired)
    if not force and state.complete and state.fingerprint == digest:
        return PushResult(
            board_key=board_key,
            plan=RemotePlan(board_key=board_key),
            dry_run=dry_run,
            in_sync=True,
            skipped=True,
            state_recovered=str(aside) if aside else None,
        )
    options = status_option_map(project, desired)
    push = _Push(client, project, board_key, state, state_path)
    desired, value_fields, field_errors = matched_values(project, desired, keep_missing=dry_run)
    push.errors.extend(field_errors)
    missing = sorted({c.column for c in desired if c.column not in options})
    if missing and not dry_run:
        try:
            push.project = await client.ensure_status_options(project, missing)
            options = status_option_map(push.project, desired)
        except KanbangerError as exc:
            push.errors.append(f"Status options {missing} could not be added: {exc}")
    plan = RemotePlan(board_key=board_key)
    rounds = 0
    for rounds in range(1, max_rounds + 1):
        trusted = rounds == 1 and not force and not dry_run and state.complete and not state.pending
        if trusted:
            remote = trusted_snapshot(push.state)
        else:
            try:
                remote = await client.list_items(
                    project.project_id,
                    status_field=push.project.status_field.name,
                    value_fields=value_fields,
                )
            except RetryableError as exc:
                push.errors.append(f"listing failed: {exc}")
                continue
            push.absorb_listing(remote, adopt_patience, clock() - settle_seconds)
        plan = plan_remote(
            desired,
            push.state,
            remote,
            options,
            board_key=board_key,
            adopt_patience=adopt_patience,
            now=clock(),
            settle_seconds=settle_seconds,
        )
        if dry_run:
            break
        _note_agreed(push.state, plan)
        if (
            plan.waiting
            and not plan.ops
            and _only_unsettled(push.state, plan, clock() - settle_seconds)
        ):
            push.save()  # keeps the count of listings that missed the lost creates
            break  # waiting for lost creates to settle: listing again right now proves nothing
        if plan.is_empty:
            _finish(push, desired, digest)
            return _result(push, plan, start, rounds, in_sync=True, aside=aside)
        push.clean = True
        push.state.complete = False
        push.state.fingerprint = None
        push.save()
        try:
            await _apply(push, plan, clock())
        except RetryableError as exc:
            push.clean = False
            push.errors.append(str(exc))
        finally:
            push.save()
        # An unarchived item comes back where it was: check the order with a fresh listing.
        verify = bool(plan.of_kind(OpKind.UNARCHIVE))
        if push.clean and not plan.waiting and not verify:
            _finish(push, desired, digest)
            return _result(push, plan, start, rounds, in_sync=True, aside=aside)
    in_sync = dry_run and plan.is_empty
    return _result(push, plan, start, rounds, in_sync=in_sync, aside=aside, dry_run=dry_run)


def _note_agreed(state: SyncState, plan: RemotePlan) -> None:
    """Cards whose item shows what the board wants are synced at those values."""
    for key, (status, title) in plan.agreed.items():
        card = state.cards.get(key)
        if card is not None:
            card.synced_status, card.synced_title = status, title
    for key, values in plan.agreed_values.items():
        card = state.cards.get(key)
        if card is not None:
            card.synced_values.update(values)


def _only_unsettled(state: SyncState, plan: RemotePlan, settled_before: float) -> bool:
    """True when every waiting key is a lost create GitHub may still be running."""
    return all(
        key in state.pending and state.pending[key].sent_at > settled_before for key in plan.waiting
    )


def _for_this_board(state: SyncState, project: ProjectInfo, board_key: str) -> SyncState:
    """Forget what the state says of another project or board (kanbanger's tasks are kept)."""
    if state.project_id not in (None, project.project_id):
        state = SyncState(tasks={}, board_key=board_key)
    elif state.board_key not in (None, board_key):
        state = state.model_copy(
            update={"cards": {}, "pending": {}, "complete": False, "fingerprint": None}
        )
    return state.model_copy(
        update={
            "project_id": project.project_id,
            "repo_node_id": project.repo_id,
            "board_key": board_key,
        }
    )


def _finish(push: _Push, desired: Sequence[DesiredCard], digest: str) -> None:
    for card in desired:
        if card.key in push.state.cards:
            push.state.cards[card.key].position = card.position
    push.state.fingerprint = digest
    push.state.complete = True
    push.save()


def _result(
    push: _Push,
    plan: RemotePlan,
    start: int,
    rounds: int,
    *,
    in_sync: bool,
    aside: Path | None,
    dry_run: bool = False,
) -> PushResult:
    return PushResult(
        board_key=push.board_key,
        plan=plan,
        dry_run=dry_run,
        in_sync=in_sync,
        requests=push.client.stats.http_requests - start,
        rounds=rounds,
        applied=dict(push.applied),
        errors=list(push.errors),
        state_recovered=str(aside) if aside else None,
    )


async def _apply(push: _Push, plan: RemotePlan, now: float) -> None:
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


async def _apply_updates(push: _Push, ops: Sequence[RemoteOp]) -> None:
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


async def _apply_archiving(push: _Push, ops: Sequence[RemoteOp], *, archive: bool) -> None:
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
            if archive and not result.ok and isinstance(result.error, NotFoundError):
                if is_ours:  # deleted by a person: nothing left to archive
                    del push.state.cards[op.key]
                continue
            if push.note(op, result) and is_ours and known is not None:
                known.archived = archive
        push.save()


async def _apply_creates(push: _Push, ops: Sequence[RemoteOp], now: float) -> None:
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


async def _apply_values(push: _Push, ops: Sequence[RemoteOp]) -> None:
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


async def _apply_moves(push: _Push, ops: Sequence[RemoteOp]) -> None:
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


def _known_id(push: _Push, key: str) -> str | None:
    card = push.state.cards.get(key)
    return card.item_id if card else None
