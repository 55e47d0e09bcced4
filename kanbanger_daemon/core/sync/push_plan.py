"""plan_remote: what to change on a GitHub project so that it shows one board. PURE.

Level-triggered: the plan depends only on (desired cards, sync state, remote snapshot), never on
what happened before. Our items are recognised by the hidden body marker (``core.sync.markers``);
items without it belong to people and are never touched, items with another board's key are that
board's business. The engine sends a plan in one document, in this order: unarchive, status,
move, adopt/update, field values, archive, then creates; what names a new item (its status,
values, place) goes in the next document (``sync.apply``).

The desired cards come from ``core.sync.desired``, their order on the project from
``core.sync.order``, the printed plan from ``core.sync.plan_text``.

Optional project fields (the ``project_fields`` setting): ``core.sync.desired.card_field_values``
gives each generated card the values it should show (``Backups used`` on task cards, ``SPEC``
on every generated card; hand-written cards get none) and the plan sets only those that differ
from what the item shows, by the same rule as a Status (see ``_plan_existing``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kanbanger_daemon.core.sync.markers import (
    marker_for_key,
    parse_marker_key,
    split_key,
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

def belongs_to(key: str | None, board_key: str) -> bool:
    return key is not None and split_key(key)[0] == board_key


def marker_key_of(item: RemoteItem, board_key: str, state: SyncState) -> str | None:
    """The key of this board's card that ``item`` is: its marker's, unless a pulled retitle
    moved that very item to a new key (``state.aliases``, by item id); None if not ours."""
    alias = state.aliases.get(item.item_id)
    if alias is not None and belongs_to(alias, board_key):
        return alias
    key = parse_marker_key(item.body)
    return key if key is not None and belongs_to(key, board_key) else None


def keeper_of(group: list[RemoteItem], known_id: str | None) -> RemoteItem:
    """Of several items carrying one marker keep a live one (the one the state knows if it is
    live, else the first live), else the known archived one, else the first: a live item is
    never archived as a "duplicate" of an archived one (clones would flip them forever)."""
    live = [item for item in group if not item.is_archived]
    for item in live or group:
        if item.item_id == known_id:
            return item
    return (live or group)[0]


def _norm_title(title: str) -> str:
    return " ".join(title.split()).casefold()


def _kanbanger_candidates(state: SyncState) -> dict[str, str]:
    """kanbanger's ``tasks`` by normalised title -> item id."""
    out: dict[str, str] = {}
    for title, task in state.tasks.items():
        if task.item_id:
            out.setdefault(_norm_title(title), task.item_id)
    return out


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
    """
    plan = RemotePlan(board_key=board_key)
    wanted: dict[str, DesiredCard] = {}
    for card in desired:
        wanted.setdefault(card.key, card)
    plan.unmapped_columns = sorted({c.column for c in wanted.values() if c.column not in options})

    by_id = {item.item_id: item for item in remote}
    groups: dict[str, list[RemoteItem]] = {}
    for listed in remote:
        marker_key = marker_key_of(listed, board_key, state)
        if marker_key is not None:
            groups.setdefault(marker_key, []).append(listed)

    keepers: dict[str, RemoteItem] = {}
    for key, group in groups.items():
        known_card = state.cards.get(key)
        keeper = keeper_of(group, known_card.item_id if known_card else None)
        keepers[key] = keeper
        for dup in group:
            if dup is not keeper and not dup.is_archived:
                plan.ops.append(_op(OpKind.ARCHIVE, key, dup, reason="duplicate"))

    claimed = {item.item_id for group in groups.values() for item in group}
    renamed: set[str] = set()  # item ids adopted under a new key
    kanbanger = _kanbanger_candidates(state)
    unarchived: set[str] = set()
    created: list[str] = []

    for key, card in wanted.items():
        item: RemoteItem | None = keepers.get(key)
        adopting = False
        if item is None:
            item = _unmarked_candidate(key, card, state, by_id, kanbanger, claimed)
            known = state.cards.get(key)
            # A person's draft the board took in stays unmarked until we change it.
            taken_in = item is not None and known is not None and known.foreign
            adopting = item is not None and not (taken_in and known is not None
                                                 and known.item_id == item.item_id)
        if item is None:
            # A hand-written card retitled on GitHub and taken in by another clone: its item
            # still carries the old key. Adopt it (rewriting the marker), never a second item.
            item = _renamed_candidate(card, keepers, wanted, renamed)
            adopting = item is not None
        if item is None:
            if _should_wait(key, state, adopt_patience, now - settle_seconds):
                plan.waiting.append(key)
                continue
            choice = options.get(card.column)
            plan.ops.append(
                RemoteOp(
                    kind=OpKind.CREATE,
                    key=key,
                    title=card.title,
                    body=with_tag(marker_for_key(key), choice.name if choice else None,
                                  card.title, state.workspace_id),
                    option_id=choice.option_id if choice else None,
                    option_name=choice.name if choice else None,
                )
            )
            created.append(key)
            continue
        claimed.add(item.item_id)
        _plan_existing(plan, key, card, item, state.cards.get(key), options.get(card.column),
                       adopting=adopting, me=state.workspace_id)
        _plan_values(plan, key, card, item, state.cards.get(key))
        if item.is_archived:
            plan.ops.append(_op(OpKind.UNARCHIVE, key, item, title=card.title))
            unarchived.add(item.item_id)

    _plan_removals(plan, wanted, keepers, state, by_id, adopt_patience, now - settle_seconds,
                   renamed=renamed)
    for key in created:
        choice = options.get(wanted[key].column)
        if choice is not None:
            plan.ops.append(
                RemoteOp(
                    kind=OpKind.STATUS,
                    key=key,
                    title=wanted[key].title,
                    option_id=choice.option_id,
                    option_name=choice.name,
                )
            )
        plan.ops.extend(
            RemoteOp(kind=OpKind.FIELD, key=key, title=wanted[key].title, field_name=name,
                     value=value)
            for name, value in wanted[key].values.items()
        )
    plan_moves(plan, wanted, keepers, remote, unarchived, created)
    return plan


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
    remote_title = item.title or ""
    status_tagged, title_tagged = tag_agrees(item.body, item.status_name, remote_title, me=me)
    title = card.title
    # A clone that never synced a card (fresh, or its state lost) takes what another workspace
    # set as its starting point: it pushes only its own later changes, never its stale view.
    base_title: str | None = None
    base_status: str | None = None
    if remote_title != card.title and not adopting:
        base_title = known.synced_title if same_item and known else None
        if title_tagged and base_title in (card.title, None):
            title = remote_title
            plan.left.append(key)
    status = item.status_name
    set_status = False
    if choice is not None and item.status_option_id != choice.option_id:
        base_status = known.synced_status if same_item and known else None
        if status_tagged and base_status in (choice.name, None) and not adopting:
            if key not in plan.left:
                plan.left.append(key)
        else:
            status, set_status = choice.name, True
    elif choice is not None:
        status = choice.name
    # The tag written with a change names the Status the item will show: the board's when it is
    # set (or already shown), the item's own when another workspace's is left in place.
    if key in plan.left and (base_title is None or base_status is None):
        plan.baseline[key] = (choice.name if base_status is None and choice else None,
                              card.title if base_title is None else None)
    shows_board = choice is not None and item.status_option_id == choice.option_id
    if choice is not None and shows_board and remote_title == card.title:
        plan.agreed[key] = (choice.name, card.title)  # the item already shows what we want
    body = with_tag(with_marker(item.body, key), status, title, me)
    if adopting or not same_item:
        plan.adopted[key] = item.item_id
    # The tag is written with every change we make (never on its own: an untagged item whose
    # values agree costs nothing; should it change later, it counts as a person's change).
    changes_draft = adopting or title != remote_title or (set_status and body != item.body)
    if item.content_id is not None and changes_draft:
        kind = OpKind.ADOPT if adopting else OpKind.UPDATE
        plan.ops.append(_op(kind, key, item, title=title, body=body, old_title=item.title))
    if set_status and choice is not None:
        plan.ops.append(
            _op(
                OpKind.STATUS,
                key,
                item,
                title=card.title,
                option_id=choice.option_id,
                option_name=choice.name,
                old_title=item.status_name,
            )
        )


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


def _unmarked_candidate(
    key: str,
    card: DesiredCard,
    state: SyncState,
    by_id: Mapping[str, RemoteItem],
    kanbanger: Mapping[str, str],
    claimed: set[str],
) -> RemoteItem | None:
    """An item without any marker that the state says is this card's (ours or kanbanger's)."""
    known = state.cards.get(key)
    ids = [known.item_id if known else None, kanbanger.get(_norm_title(card.title))]
    for item_id in ids:
        item = by_id.get(item_id or "")
        if item is not None and item.item_id not in claimed and parse_marker_key(item.body) is None:
            return item
    return None


def _renamed_candidate(
    card: DesiredCard, keepers: Mapping[str, RemoteItem], wanted: Mapping[str, DesiredCard],
    renamed: set[str],
) -> RemoteItem | None:
    """A live item of this board whose key the board no longer has and whose title is this
    card's text (the card was retitled on GitHub), or None."""
    for key, item in keepers.items():
        if (key not in wanted and not item.is_archived and item.item_id not in renamed
                and item.title == card.title):
            renamed.add(item.item_id)
            return item
    return None


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
    plan: RemotePlan,
    wanted: Mapping[str, DesiredCard],
    keepers: Mapping[str, RemoteItem],
    state: SyncState,
    by_id: Mapping[str, RemoteItem],
    patience: int,
    settled_before: float,
    *,
    renamed: set[str],
) -> None:
    for key, item in keepers.items():
        if key in wanted or item.is_archived or item.item_id in renamed:
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
        if key in wanted or key in keepers or not known.item_id or known.archived:
            continue
        if known.item_id in by_id:
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
    for key, pending in state.pending.items():
        if key in wanted or key in keepers:
            continue
        if pending.unseen < patience or pending.sent_at > settled_before:
            plan.waiting.append(key)
        else:
            plan.forgotten.append(key)
    for key, known in state.cards.items():
        gone = known.archived and known.item_id not in by_id
        if key not in wanted and key not in keepers and gone:
            plan.forgotten.append(key)


