"""What a pull records in the sync state (``.kanban.json``) about what it saw on GitHub. PURE.

Two-way sync's I/O half (``sync.pull``) lists the project, finds the edits people and other
workspaces made there (``core.sync.pull_edits``) and re-plans the board with them. What it saw is
recorded here, in the state it saves, so that:

- an edit the board took in is synced: the push that follows leaves it alone and the next pull
  does not take it in again (``record_kept_edits``);
- a value another workspace set that this board's progress overrules is remembered: the next
  polls, seeing it again, stay quiet (``record_left_values``);
- every listed item is seen once: a draft the re-planned board dropped is not offered again
  (``record_people_items``);
- the push that follows plans again from the project's real order and contents
  (``replan_from_listing``);
- a person's draft the board takes in is bound to its card before the board is written
  (``bind_taken_drafts``), so that a crash in between never makes a second item for it.

Each function updates the state it is given in place, as the pull builds the one state it saves.
"""

from __future__ import annotations

from collections.abc import Sequence

from kanbanger_daemon.core.sync.item_match import marker_key_of
from kanbanger_daemon.core.sync.markers import parse_marker_key
from kanbanger_daemon.core.sync.pull_edits import EditKind, RemoteEdit
from kanbanger_daemon.models.github import RemoteItem
from kanbanger_daemon.models.sync import CardState, DesiredCard, SyncState

CardView = tuple[object, ...]


def listing_view(state: SyncState) -> dict[str, CardView]:
    """What a listing can change in each card's entry: equal before and after absorbing a
    listing means the poll saw nothing new (it is quiet and writes nothing).

    A card the listing missed counts as a change: it may have been deleted on GitHub, and the
    push that follows (listing again) recreates it once enough listings have missed it.
    """
    return {key: (c.item_id, c.status, c.title, c.archived, c.body, 0 if c.archived else c.unseen)
            for key, c in state.cards.items()}


def record_kept_edits(state: SyncState, kept: Sequence[RemoteEdit], final: Sequence[DesiredCard],
                      remote: Sequence[RemoteItem]) -> None:
    """The edits that stayed on the re-planned board ``final`` are synced: the next push leaves
    them alone. A retitled card keeps its item under its new key; a draft taken in gets an
    entry (``foreign`` when a person made it: it stays unmarked until the board changes it)."""
    by_title = {card.title: card.key for card in final}
    by_id = {item.item_id: item for item in remote}
    for edit in kept:
        card = state.cards.get(edit.key)
        if edit.kind is EditKind.MOVE and card is not None:
            card.synced_status = edit.status
        elif edit.kind is EditKind.ARCHIVE and card is not None:
            card.archived = True
        elif edit.kind is EditKind.RETITLE and card is not None:
            new_key = by_title.get(edit.new_title or "")
            if new_key is not None:
                del state.cards[edit.key]
                card.synced_title = card.title = edit.new_title or ""
                state.cards[new_key] = card
                state.aliases[card.item_id or edit.item_id] = new_key
        elif edit.kind is EditKind.ADD and edit.title in by_title:
            item = by_id[edit.item_id]
            state.cards[by_title[edit.title]] = CardState(
                item_id=item.item_id, draft_id=item.content_id, title=edit.title,
                status=item.status_name, option_id=item.status_option_id, body=item.body,
                synced_status=item.status_name, synced_title=edit.title,
                foreign=parse_marker_key(item.body) is None, database_id=item.database_id,
            )


def record_left_values(state: SyncState, edits: Sequence[RemoteEdit],
                       kept: Sequence[RemoteEdit]) -> None:
    """Another workspace's values this board's progress overrules: remembered, so that the
    next polls, seeing them again, stay quiet (nothing is pushed over them either). A person's
    change the board undid is not remembered: the push that follows undoes it on GitHub."""
    for edit in edits:
        card = state.cards.get(edit.key)
        if edit in kept or edit.by_person or card is None:
            continue
        if edit.kind is EditKind.MOVE:
            card.left_status = edit.status
        elif edit.kind is EditKind.RETITLE:
            card.left_title = edit.new_title


def record_people_items(state: SyncState, remote: Sequence[RemoteItem],
                        edits: Sequence[RemoteEdit], kept: Sequence[RemoteEdit]) -> None:
    """Every item listed now is "seen" except drafts taken in (their state entry tracks them):
    an ADD that the re-planned board drops (a card of a task this clone's SPEC lacks) is
    offered once."""
    taken = {edit.item_id for edit in kept if edit.kind is EditKind.ADD}
    listed_before = set(state.people_items or [])
    known = listed_before | {c.item_id for c in state.cards.values() if c.item_id}
    known -= {edit.item_id for edit in edits if edit.kind is EditKind.ADD} - taken
    state.people_items = [*(state.people_items or []),
                          *(i.item_id for i in remote
                            if i.item_id not in known and i.item_id not in listed_before)]


def record_positions(state: SyncState, remote: Sequence[RemoteItem], board_key: str) -> None:
    """Our cards' positions as GitHub lists them, so that the push that follows (planned from
    the state) sees the project's real order and moves nothing a pull already matched."""
    by_id = {c.item_id: k for k, c in state.cards.items() if c.item_id}
    for index, item in enumerate(remote):
        key = marker_key_of(item, board_key, state) or by_id.get(item.item_id)
        if key is not None and key in state.cards:
            state.cards[key].position = index


def replan_from_listing(state: SyncState, remote: Sequence[RemoteItem], board_key: str) -> None:
    """A listing showed something new: the push that follows plans again from what it showed
    (the state, trusted: no request unless something is to be sent), so a person's move that
    progress overrules or a late echo of an old write of ours is repaired even when the board
    did not change. With a live card missing from the listing, that push lists the project
    rather than trust the state."""
    record_positions(state, remote, board_key)
    if any(c.unseen and not c.archived for c in state.cards.values()):
        state.complete = False  # plan from a listing, not from the state that trusts it
    state.fingerprint = None


def bind_taken_drafts(as_loaded: SyncState, kept: Sequence[RemoteEdit],
                      final: Sequence[DesiredCard], remote: Sequence[RemoteItem]
                      ) -> SyncState | None:
    """A copy of the state as loaded with the people's drafts taken in bound to their cards
    (None: no such draft), to be saved before the board is written: after a crash in between,
    the draft is offered again rather than a second item created for its card."""
    drafts = [e for e in kept if e.kind is EditKind.ADD
              and not parse_marker_key(_body_of(remote, e.item_id))]
    if not drafts:
        return None
    bound = as_loaded.model_copy(deep=True)
    record_kept_edits(bound, drafts, final, remote)
    return bound


def _body_of(remote: Sequence[RemoteItem], item_id: str) -> str | None:
    return next((item.body for item in remote if item.item_id == item_id), None)
