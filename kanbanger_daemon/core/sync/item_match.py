"""Which listed item is which card of a board. PURE.

An item is this board's when its body marker (``core.sync.markers``) carries one of the board's
keys, or when a pulled retitle moved that very item to a new key (``state.aliases``). Several
items with one marker (clones racing, a lost reply) keep one and lose the others. A card with no
marked item may still have one: an unmarked item the state knows (kanbanger's or ours, its marker
removed), or a live item of this board whose key the board no longer has but whose title is the
card's (a hand-written card retitled on GitHub). ``plan_remote`` (``core.sync.push_plan``) uses
these to decide, per card, whether to update an item, adopt one, or create one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kanbanger_daemon.core.sync.markers import parse_marker_key, split_key
from kanbanger_daemon.models.github import RemoteItem
from kanbanger_daemon.models.sync import DesiredCard, SyncState


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


@dataclass
class ListedItems:
    """A listing as seen by one board's plan.

    ``keepers``: the one item kept per marker key; ``duplicates``: the other live items carrying
    a kept item's marker, by key (to archive); ``claimed``: ids of items already some card's (no
    other card may take them); ``renamed``: ids of marked items taken by a card under a new key.
    """

    by_id: dict[str, RemoteItem]
    keepers: dict[str, RemoteItem]
    duplicates: list[tuple[str, RemoteItem]]
    claimed: set[str]
    renamed: set[str] = field(default_factory=set)


def match_listing(remote: Sequence[RemoteItem], state: SyncState, board_key: str) -> ListedItems:
    """Group the listed items by this board's marker key and keep one item per key."""
    groups: dict[str, list[RemoteItem]] = {}
    for listed in remote:
        marker_key = marker_key_of(listed, board_key, state)
        if marker_key is not None:
            groups.setdefault(marker_key, []).append(listed)
    keepers: dict[str, RemoteItem] = {}
    duplicates: list[tuple[str, RemoteItem]] = []
    for key, group in groups.items():
        known_card = state.cards.get(key)
        keeper = keeper_of(group, known_card.item_id if known_card else None)
        keepers[key] = keeper
        duplicates += [(key, dup) for dup in group if dup is not keeper and not dup.is_archived]
    return ListedItems(
        by_id={item.item_id: item for item in remote},
        keepers=keepers,
        duplicates=duplicates,
        claimed={item.item_id for group in groups.values() for item in group},
    )


def item_for_card(
    key: str,
    card: DesiredCard,
    state: SyncState,
    listed: ListedItems,
    wanted: Mapping[str, DesiredCard],
    kanbanger: Mapping[str, str],
) -> tuple[RemoteItem | None, bool]:
    """The item that is card ``key`` and whether the plan adopts it (writes our marker into
    it), or ``(None, False)`` when no listed item is the card.

    ``kanbanger``: kanbanger's items by normalised title (``kanbanger_candidates``). Marks
    ``listed.renamed`` when it takes a marked item under a new key.
    """
    item = listed.keepers.get(key)
    if item is not None:
        return item, False
    item = _unmarked_candidate(key, card, state, listed, kanbanger)
    if item is not None:
        known = state.cards.get(key)
        # A person's draft the board took in stays unmarked until we change it.
        taken_in = known is not None and known.foreign and known.item_id == item.item_id
        return item, not taken_in
    # A hand-written card retitled on GitHub and taken in by another clone: its item still
    # carries the old key. Adopt it (rewriting the marker), never a second item.
    item = _renamed_candidate(card, listed, wanted)
    return item, item is not None


def norm_title(title: str) -> str:
    return " ".join(title.split()).casefold()


def kanbanger_candidates(state: SyncState) -> dict[str, str]:
    """kanbanger's ``tasks`` by normalised title -> item id."""
    out: dict[str, str] = {}
    for title, task in state.tasks.items():
        if task.item_id:
            out.setdefault(norm_title(title), task.item_id)
    return out


def _unmarked_candidate(
    key: str,
    card: DesiredCard,
    state: SyncState,
    listed: ListedItems,
    kanbanger: Mapping[str, str],
) -> RemoteItem | None:
    """An item without any marker that the state says is this card's (ours or kanbanger's)."""
    known = state.cards.get(key)
    ids = [known.item_id if known else None, kanbanger.get(norm_title(card.title))]
    for item_id in ids:
        item = listed.by_id.get(item_id or "")
        if (item is not None and item.item_id not in listed.claimed
                and parse_marker_key(item.body) is None):
            return item
    return None


def _renamed_candidate(
    card: DesiredCard, listed: ListedItems, wanted: Mapping[str, DesiredCard]
) -> RemoteItem | None:
    """A live item of this board whose key the board no longer has and whose title is this
    card's text (the card was retitled on GitHub), or None."""
    for key, item in listed.keepers.items():
        if (key not in wanted and not item.is_archived and item.item_id not in listed.renamed
                and item.title == card.title):
            listed.renamed.add(item.item_id)
            return item
    return None
