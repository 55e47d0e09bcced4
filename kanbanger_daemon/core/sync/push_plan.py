"""plan_remote: what to change on a GitHub project so that it shows one board. PURE.

Level-triggered: the plan depends only on (desired cards, sync state, remote snapshot), never on
what happened before. Our items are recognised by the hidden body marker (``core.sync.markers``);
items without it belong to people and are never touched, items with another board's key are that
board's business. The engine sends a plan in one document, in this order: unarchive, status,
move, adopt/update, field values, archive, then creates; what names a new item (its status,
values, place) goes in the next document (``sync.apply``).

The desired cards come from ``core.sync.desired``, which listed item is which card from
``core.sync.item_match``, their order on the project from ``core.sync.order``, the printed plan
from ``core.sync.plan_text``.

Optional project fields (the ``project_fields`` setting): ``core.sync.desired.card_field_values``
gives each generated card the values it should show (``Backups used`` on task cards, ``SPEC``
on every generated card; hand-written cards get none) and the plan sets only those that differ
from what the item shows, by the same rule as a Status (see ``_plan_existing``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kanbanger_daemon.core.sync.body_note import review_note_of, with_review_note
from kanbanger_daemon.core.sync.item_match import (
    ListedItems,
    item_for_card,
    kanbanger_candidates,
    match_listing,
)
from kanbanger_daemon.core.sync.markers import (
    marker_for_key,
    tag_agrees,
    with_marker,
    with_tag,
    written_by,
)
from kanbanger_daemon.core.sync.order import plan_moves
from kanbanger_daemon.models.github import RemoteItem
from kanbanger_daemon.models.sync import (
    CardState,
    DesiredCard,
    FieldValue,
    OpKind,
    RemoteOp,
    RemotePlan,
    StatusChoice,
    SyncState,
)

DEFAULT_ADOPT_PATIENCE = 3

def plan_remote(
    desired: Sequence[DesiredCard],
    state: SyncState,
    remote: Sequence[RemoteItem],
    options: Mapping[str, StatusChoice],
    *,
    board_key: str,
    adopt_patience: int = DEFAULT_ADOPT_PATIENCE,
    now: float = 0.0,
    settle_seconds: float = 0.0,
) -> RemotePlan:
    """The operations that make ``remote`` show ``desired`` (see the module docstring).

    A create whose reply was lost is given up (and sent again) only after ``adopt_patience``
    listings missed it AND ``settle_seconds`` have passed since it was sent (``now``): GitHub
    may apply a request after the client stopped waiting for it.

    Steps: archive the duplicates of our items; per card, keep its item (update, adopt,
    unarchive), wait for a create that may have happened, or create it; archive what the board
    no longer has; name the created items (Status, field values); move items into board order.
    """
    plan = RemotePlan(board_key=board_key)
    wanted: dict[str, DesiredCard] = {}
    for card in desired:
        wanted.setdefault(card.key, card)
    plan.unmapped_columns = sorted({c.column for c in wanted.values() if c.column not in options})
    listed = match_listing(remote, state, board_key)
    plan.ops += [_op(OpKind.ARCHIVE, key, dup, reason="duplicate")
                 for key, dup in listed.duplicates]
    settled_before = now - settle_seconds
    kanbanger = kanbanger_candidates(state)
    unarchived: set[str] = set()
    created: list[str] = []
    for key, card in wanted.items():
        item, adopting = item_for_card(key, card, state, listed, wanted, kanbanger)
        if item is None and _should_wait(key, state, adopt_patience, settled_before):
            plan.waiting.append(key)
        elif item is None:
            plan.ops.append(_create_op(key, card, options.get(card.column), state.workspace_id))
            created.append(key)
        else:
            listed.claimed.add(item.item_id)
            known = state.cards.get(key)
            _plan_existing(plan, key, card, item, known, options.get(card.column),
                           adopting=adopting, me=state.workspace_id)
            _plan_values(plan, key, card, item, known)
            if item.is_archived:
                plan.ops.append(_op(OpKind.UNARCHIVE, key, item, title=card.title))
                unarchived.add(item.item_id)
    _plan_removals(plan, wanted, listed, state)
    _plan_forgetting(plan, wanted, listed, state, adopt_patience, settled_before)
    for key in created:
        plan.ops += _naming_ops(key, wanted[key], options.get(wanted[key].column))
    plan_moves(plan, wanted, listed.keepers, remote, unarchived, created)
    return plan


def _create_op(key: str, card: DesiredCard, choice: StatusChoice | None, me: str | None
               ) -> RemoteOp:
    return RemoteOp(
        kind=OpKind.CREATE,
        key=key,
        title=card.title,
        body=with_review_note(
            with_tag(marker_for_key(key), choice.name if choice else None, card.title, me),
            card.rejection),
        option_id=choice.option_id if choice else None,
        option_name=choice.name if choice else None,
    )


def _naming_ops(key: str, card: DesiredCard, choice: StatusChoice | None) -> list[RemoteOp]:
    """The Status and field values of an item created in this plan (sent in the next
    document: only then is its id known)."""
    ops: list[RemoteOp] = []
    if choice is not None:
        ops.append(RemoteOp(kind=OpKind.STATUS, key=key, title=card.title,
                            option_id=choice.option_id, option_name=choice.name))
    ops += [RemoteOp(kind=OpKind.FIELD, key=key, title=card.title, field_name=name, value=value)
            for name, value in card.values.items()]
    return ops


@dataclass(frozen=True)
class _Shown:
    """What an item we keep is to show after this plan, and the value this workspace last
    synced for each one that differs (None: never synced here, or the item already shows the
    board's value)."""

    title: str
    base_title: str | None
    status: str | None
    set_status: bool
    base_status: str | None


def _plan_existing(
    plan: RemotePlan,
    key: str,
    card: DesiredCard,
    item: RemoteItem,
    known: CardState | None,
    choice: StatusChoice | None,
    *,
    adopting: bool,
    me: str | None,
) -> None:
    """Title, body and Status of an item we keep. The rule for a value that differs:

    push the board's value when this workspace never synced the card, when the board changed it
    since this workspace's last push, or when a person changed it on GitHub (the item's sync tag
    disagrees), or when the item shows an old write of this workspace (``me``) that GitHub
    applied late; otherwise another workspace set it (its tag agrees) and it is left alone, so a
    clone lacking another machine's progress never moves that machine's cards back.
    """
    same_item = known is not None and known.item_id == item.item_id
    shown = _what_to_show(plan, key, card, item, known if same_item else None, choice,
                          adopting=adopting, me=me)
    # The tag written with a change names the Status the item will show: the board's when it is
    # set (or already shown), the item's own when another workspace's is left in place.
    if key in plan.left and (shown.base_title is None or shown.base_status is None):
        plan.baseline[key] = (choice.name if shown.base_status is None and choice else None,
                              card.title if shown.base_title is None else None)
    shows_board = choice is not None and item.status_option_id == choice.option_id
    if choice is not None and shows_board and (item.title or "") == card.title:
        plan.agreed[key] = (choice.name, card.title)  # the item already shows what we want
    if adopting or not same_item:
        plan.adopted[key] = item.item_id
    lost_body = known.lost_body if same_item and known is not None else None
    _plan_item_ops(plan, key, card, item, choice, shown, adopting=adopting, me=me,
                   lost_body=lost_body)


def _what_to_show(
    plan: RemotePlan,
    key: str,
    card: DesiredCard,
    item: RemoteItem,
    synced: CardState | None,
    choice: StatusChoice | None,
    *,
    adopting: bool,
    me: str | None,
) -> _Shown:
    """The title and Status the item is to show, by the rule of ``_plan_existing`` (``synced``:
    the state's entry when it is this very item). A value another workspace set is left in
    place and the card noted in ``plan.left``."""
    remote_title = item.title or ""
    status_tagged, title_tagged = tag_agrees(item.body, item.status_name, remote_title, me=me)
    # A clone that never synced a card (fresh, or its state lost) takes what another workspace
    # set as its starting point: it pushes only its own later changes, never its stale view.
    title, base_title = card.title, None
    if remote_title != card.title and not adopting:
        base_title = synced.synced_title if synced else None
        if title_tagged and base_title in (card.title, None):
            title = remote_title
            plan.left.append(key)
    status, set_status, base_status = item.status_name, False, None
    if choice is not None and item.status_option_id != choice.option_id:
        base_status = synced.synced_status if synced else None
        if status_tagged and base_status in (choice.name, None) and not adopting:
            if key not in plan.left:
                plan.left.append(key)
        else:
            status, set_status = choice.name, True
    elif choice is not None:
        status = choice.name
    return _Shown(title, base_title, status, set_status, base_status)


def _plan_item_ops(
    plan: RemotePlan,
    key: str,
    card: DesiredCard,
    item: RemoteItem,
    choice: StatusChoice | None,
    shown: _Shown,
    *,
    adopting: bool,
    me: str | None,
    lost_body: str | None,
) -> None:
    """The draft update (title, body with marker, tag and review note) and the Status change,
    if any. Our lines go into the body the item shows, or into ``lost_body``: text someone
    wrote that our last write to the draft replaced (``core.sync.body_keep``), written back."""
    base = item.body if lost_body is None else lost_body
    body = with_tag(with_marker(base, key), shown.status, shown.title, me)
    if shown.title == card.title:
        # The rejection reason goes with the title it belongs to: a title another workspace
        # set, left in place, keeps the reason that workspace gave it.
        body = with_review_note(body, card.rejection)
    # The tag is written with every change we make (never on its own: an untagged item whose
    # values agree costs nothing; should it change later, it counts as a person's change).
    changes_draft = (adopting or shown.title != (item.title or "")
                     or (shown.set_status and body != item.body)
                     or review_note_of(body) != review_note_of(item.body)
                     or (lost_body is not None and body != item.body))
    if item.content_id is not None and changes_draft:
        kind = OpKind.ADOPT if adopting else OpKind.UPDATE
        plan.ops.append(_op(kind, key, item, title=shown.title, body=body, old_title=item.title,
                            old_body=item.body))
    if shown.set_status and choice is not None:
        plan.ops.append(_op(OpKind.STATUS, key, item, title=card.title,
                            option_id=choice.option_id, option_name=choice.name,
                            old_title=item.status_name))


def _plan_values(
    plan: RemotePlan, key: str, card: DesiredCard, item: RemoteItem, known: CardState | None
) -> None:
    """The optional field values of an item we keep, by the rule of ``_plan_existing``: a value
    the item does not show is set unless this workspace already pushed (or accepted) that very
    value and something else changed it since (another workspace with more progress, most
    likely): the next change of the figure here is pushed again. A cleared value is restored."""
    shown = item.field_values or {}
    same_item = known is not None and known.item_id == item.item_id
    agreed: dict[str, FieldValue] = {}
    for name, value in card.values.items():
        current = shown.get(name)
        if current == value:
            agreed[name] = value
            continue
        base = known.synced_values.get(name) if same_item and known else None
        if base == value and current is not None:
            if key not in plan.left:
                plan.left.append(key)
            continue
        plan.ops.append(
            RemoteOp(kind=OpKind.FIELD, key=key, item_id=item.item_id, draft_id=item.content_id,
                     title=card.title, field_name=name, value=value, old_value=current)
        )
    if agreed:
        plan.agreed_values[key] = agreed


def _op(kind: OpKind, key: str, item: RemoteItem, **fields: str | None) -> RemoteOp:
    values: dict[str, str | None] = {"title": item.title, **fields}
    return RemoteOp(kind=kind, key=key, item_id=item.item_id, draft_id=item.content_id, **values)


def _should_wait(key: str, state: SyncState, patience: int, settled_before: float) -> bool:
    """True while an item for ``key`` may exist without being listed yet."""
    pending = state.pending.get(key)
    if pending is not None and (pending.unseen < patience or pending.sent_at > settled_before):
        return True
    known = state.cards.get(key)
    # An item GitHub confirmed creating but no listing has shown yet is slow to appear, not
    # gone (nobody can delete what they never saw): it gets twice the patience.
    # An archived item that a listing misses (slow to reappear after an unarchive that GitHub
    # refused while it was not visible) waits as well: creating it again would duplicate it.
    limit = patience if known is None or known.listed else 2 * patience
    return bool(known and known.item_id and known.unseen < limit)


def _plan_removals(
    plan: RemotePlan, wanted: Mapping[str, DesiredCard], listed: ListedItems, state: SyncState
) -> None:
    """Archive the items of cards the board no longer has, when they are this workspace's."""
    for key, item in listed.keepers.items():
        if key in wanted or item.is_archived or item.item_id in listed.renamed:
            continue
        known = state.cards.get(key)
        synced_here = known is not None and known.item_id == item.item_id and (
            known.synced_title is not None)
        if synced_here or written_by(item.body, state.workspace_id):
            plan.ops.append(_op(OpKind.ARCHIVE, key, item, reason="removed from the board"))
        else:
            # Another workspace made it (a card added there that this clone's board does not
            # have yet): not this workspace's to remove.
            plan.left.append(key)
    for key, known in state.cards.items():
        if key in wanted or key in listed.keepers or not known.item_id or known.archived:
            continue
        if known.item_id in listed.by_id:
            continue  # listed, but its marker is gone: a person's now; leave it alone
        # Not listed (not visible yet, or deleted by a person): archive by id; "not found" is fine.
        plan.ops.append(
            RemoteOp(
                kind=OpKind.ARCHIVE,
                key=key,
                item_id=known.item_id,
                draft_id=known.draft_id,
                title=known.title,
                reason="removed from the board",
            )
        )


def _plan_forgetting(
    plan: RemotePlan,
    wanted: Mapping[str, DesiredCard],
    listed: ListedItems,
    state: SyncState,
    patience: int,
    settled_before: float,
) -> None:
    """The entries of cards the board no longer has that the state may drop: lost creates
    given up on (else still awaited) and archived items no longer listed."""
    for key, pending in state.pending.items():
        if key in wanted or key in listed.keepers:
            continue
        if pending.unseen < patience or pending.sent_at > settled_before:
            plan.waiting.append(key)
        else:
            plan.forgotten.append(key)
    for key, known in state.cards.items():
        gone = known.archived and known.item_id not in listed.by_id
        if key not in wanted and key not in listed.keepers and gone:
            plan.forgotten.append(key)
