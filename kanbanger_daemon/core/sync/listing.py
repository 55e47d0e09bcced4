"""What a full listing of a project tells the sync state about our items, and the listing the
state stands in for when it is trusted (planning without a listing). PURE."""

from __future__ import annotations

from collections.abc import Sequence

from kanbanger_daemon.core.sync.item_match import keeper_of, marker_key_of
from kanbanger_daemon.core.sync.markers import marker_for_key, parse_marker_key
from kanbanger_daemon.core.sync.push_plan import DEFAULT_ADOPT_PATIENCE
from kanbanger_daemon.models.github import RemoteItem
from kanbanger_daemon.models.sync import CardState, SyncState


def observe_listing(
    state: SyncState,
    remote: Sequence[RemoteItem],
    board_key: str,
    *,
    settled_before: float | None = None,
) -> SyncState:
    """The state after a full listing: count, per card, how many listings in a row missed it.

    A lost create counts only listings made once it settled (sent before ``settled_before``): a
    listing made while GitHub may still be running the request proves nothing.
    """
    seen_ids = {item.item_id for item in remote}
    seen_keys = {k for k in (marker_key_of(i, board_key, state) for i in remote) if k}
    cards = {
        key: card.model_copy(update={"unseen": 0 if _seen else card.unseen + 1,
                                     "listed": card.listed or _seen})
        for key, card in state.cards.items()
        for _seen in [card.item_id in seen_ids or key in seen_keys]
    }
    pending = {
        key: p.model_copy(update={"unseen": p.unseen + int(settled)})
        for key, p in state.pending.items()
        if key not in seen_keys
        for settled in [settled_before is None or p.sent_at <= settled_before]
    }
    return state.model_copy(update={"cards": cards, "pending": pending})


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
        key = marker_key_of(item, board_key, state)
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
        # Text our last write replaced is still to be written back while the item shows that
        # write; an item edited since shows its editor's latest text, which stands.
        lost_body=known.lost_body if known and same and body == known.body else None,
        synced_status=known.synced_status if known and same else None,
        synced_title=known.synced_title if known and same else None,
        foreign=bool(known and same and known.foreign),
        # A listing that did not read the optional fields (two-way sync's poll) proves nothing
        # about them: what was known is kept.
        values=dict(item.field_values if item.field_values is not None
                    else known.values if known and same else {}),
        synced_values=dict(known.synced_values) if known and same else {},
        database_id=item.database_id or (known.database_id if known and same else None),
    )


def trusted_snapshot(state: SyncState) -> list[RemoteItem]:
    """Our items as the state last confirmed them, in project order (planning without a listing)."""
    ordered = sorted(
        (card.position, key, card) for key, card in state.cards.items() if card.item_id
    )
    return [
        RemoteItem(
            item_id=card.item_id or "",
            is_archived=card.archived,
            content_id=card.draft_id,
            title=card.title,
            body=card.body if card.body is not None else marker_for_key(key),
            status_option_id=card.option_id,
            status_name=card.status,
            field_values=dict(card.values),
            database_id=card.database_id,
        )
        for _pos, key, card in ordered
    ]
