"""Text someone wrote in a draft's body that a write of ours replaced: told apart from our own
lines, and written back by the next plan (with our lines) while the item shows that write."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kanbanger_daemon.core.sync.body_keep import lost_by_write, others_text
from kanbanger_daemon.core.sync.body_note import with_review_note
from kanbanger_daemon.core.sync.listing import absorb_listing
from kanbanger_daemon.core.sync.markers import marker_for_key, parse_tag, with_marker, with_tag
from kanbanger_daemon.core.sync.push_plan import plan_remote
from kanbanger_daemon.models.github import RemoteItem
from kanbanger_daemon.models.sync import CardState, DesiredCard, OpKind, StatusChoice, SyncState

BOARD = "SPECs/site"
KEY = f"{BOARD}/spec_site.md#2"
TITLE = "Task 2: Build"
DOING = StatusChoice(option_id="o2", name="In Progress")
DONE = StatusChoice(option_id="o3", name="Done")
OPTIONS = {"DOING": DOING, "DONE": DONE}
PERSONS_TEXT = "Call Anna first.\r\n\r\n- the door code is 1234"


def ours(text: str, status: str = "In Progress", by: str = "me01",
         reason: str | None = None) -> str:
    """``text`` with the daemon's lines, as a write of ours leaves it."""
    return with_review_note(with_tag(with_marker(text, KEY), status, TITLE, by), reason)


@given(st.text(), st.sampled_from(["Todo", "Done"]), st.sampled_from(["me01", "ot02"]),
       st.one_of(st.none(), st.text(min_size=1)))
def test_our_lines_are_never_someone_elses_text(text: str, status: str, by: str,
                                                reason: str | None) -> None:
    assert others_text(ours(text, status, by, reason)) == others_text(text)
    assert not lost_by_write(ours(text), ours(text, status, by, reason))


def test_a_write_lost_text_only_when_the_body_it_replaced_held_more_than_our_lines() -> None:
    built_from = ours("")
    assert lost_by_write(built_from, ours(PERSONS_TEXT))
    assert lost_by_write(ours(PERSONS_TEXT), ours(""))  # a person's deletion counts too
    assert lost_by_write(ours(PERSONS_TEXT), "")  # ... the marker gone with it
    assert not lost_by_write(built_from, "")  # only our lines gone: nothing of theirs lost
    assert not lost_by_write(built_from, None)  # not read: nothing known
    assert not lost_by_write(built_from, ours("", "Done", "ot02", "a reason"))
    assert not lost_by_write(ours(PERSONS_TEXT), ours(PERSONS_TEXT.replace("\r\n", "\n")))


def item(body: str, status: StatusChoice = DOING) -> RemoteItem:
    return RemoteItem(item_id="PVTI_2", content_id="DI_2", title=TITLE, body=body,
                      status_option_id=status.option_id, status_name=status.name)


def state(body: str | None, lost_body: str | None, status: StatusChoice = DOING) -> SyncState:
    card = CardState(item_id="PVTI_2", draft_id="DI_2", title=TITLE, body=body,
                     status=status.name, option_id=status.option_id, synced_title=TITLE,
                     synced_status=status.name, lost_body=lost_body)
    return SyncState(cards={KEY: card}, workspace_id="me01", complete=True)


def desired(column: str = "DOING") -> list[DesiredCard]:
    return [DesiredCard(key=KEY, title=TITLE, column=column)]


def test_the_next_plan_writes_the_lost_text_back_with_our_lines() -> None:
    written = ours("")
    lost = ours(PERSONS_TEXT, "Todo")  # what the item showed when our write replaced it
    plan = plan_remote(desired(), state(written, lost), [item(written)], OPTIONS,
                       board_key=BOARD)
    (update,) = plan.ops
    assert update.kind is OpKind.UPDATE and update.old_body == written
    assert update.body == ours(PERSONS_TEXT)  # their text, our tag for what the item shows
    # Moved at the same time: the same one write, tagged with the new Status.
    plan = plan_remote(desired("DONE"), state(written, lost), [item(written)], OPTIONS,
                       board_key=BOARD)
    assert [op.kind for op in plan.ops] == [OpKind.UPDATE, OpKind.STATUS]
    assert plan.ops[0].body == ours(PERSONS_TEXT, "Done")
    # Written back already: nothing to do.
    back = ours(PERSONS_TEXT)
    assert plan_remote(desired(), state(back, lost), [item(back)], OPTIONS,
                       board_key=BOARD).ops == []


def test_a_listing_keeps_the_lost_text_while_the_item_shows_our_write_and_drops_it_after() -> None:
    written = ours("")
    lost = ours(PERSONS_TEXT)
    kept = absorb_listing(state(written, lost), [item(written)], BOARD)
    assert kept.cards[KEY].lost_body == lost
    # Someone wrote in the body since our write: their latest text stands.
    edited = ours("written after the daemon's write")
    dropped = absorb_listing(state(written, lost), [item(edited)], BOARD)
    assert dropped.cards[KEY].lost_body is None and dropped.cards[KEY].body == edited
    # A bare marker is kept as None in the state: still the same body.
    bare = marker_for_key(KEY)
    assert absorb_listing(state(None, lost), [item(bare)], BOARD).cards[KEY].lost_body == lost
    assert parse_tag(lost) is not None
