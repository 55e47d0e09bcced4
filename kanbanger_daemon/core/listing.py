"""What a full listing of a project tells the sync state about our items. PURE."""

from __future__ import annotations

from collections.abc import Sequence

from kanbanger_daemon.core.markers import marker_for_key, parse_marker_key
from kanbanger_daemon.core.remote_plan import (
    DEFAULT_ADOPT_PATIENCE,
    keeper_of,
    marker_key_of,
    observe_listing,
)
from kanbanger_daemon.models.remote import RemoteItem
from kanbanger_daemon.models.sync import CardState, SyncState


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
        synced_status=known.synced_status if known and same else None,
        synced_title=known.synced_title if known and same else None,
        foreign=bool(known and same and known.foreign),
        # A listing that did not read the optional fields (two-way sync's poll) proves nothing
        # about them: what was known is kept.
        values=dict(item.field_values if item.field_values is not None
                    else known.values if known and same else {}),
        synced_values=dict(known.synced_values) if known and same else {},
    )
