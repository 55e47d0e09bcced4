"""A rejected card's reason in its draft's body on GitHub: planned once, kept while the note is
on the card, taken out with it, never at the cost of a person's own text in the body."""

from __future__ import annotations

from hashlib import sha256

from kanbanger_daemon.core.board.format import parse_board
from kanbanger_daemon.core.board.text import markdown_inline
from kanbanger_daemon.core.sync.body_note import review_note_of, with_review_note
from kanbanger_daemon.core.sync.desired import desired_cards, fingerprint
from kanbanger_daemon.core.sync.markers import marker_for_key, parse_marker_key, with_tag
from kanbanger_daemon.core.sync.push_plan import plan_remote
from kanbanger_daemon.models.github import RemoteItem
from kanbanger_daemon.models.sync import (
    CardState,
    DesiredCard,
    OpKind,
    RemotePlan,
    StatusChoice,
    SyncState,
)

BOARD = "SPECs/site"
KEY = f"{BOARD}/spec_site.md#2"
TITLE = "Task 2: Build (SPEC: spec_site.md)"
REJECTED = f"{TITLE} [REJECTED: the opening hours are missing]"
OPTIONS = {
    "TODO": StatusChoice(option_id="aaaa0001", name="Todo"),
    "DOING": StatusChoice(option_id="aaaa0002", name="In Progress"),
    "REVIEW": StatusChoice(option_id="aaaa0004", name="Review"),
}
PERSONS_TEXT = "Call Anna first.\n\n  - the door code is 1234  "


def card(title: str = REJECTED, column: str = "DOING") -> DesiredCard:
    board = parse_board(f"# Site\n\n## {column}\n\n*   [ ] {title}\n")
    (desired,) = desired_cards(board, BOARD)
    return desired


def item(title: str, column: str, body: str) -> RemoteItem:
    return RemoteItem(item_id="PVTI_2", content_id="DI_2", title=title, body=body,
                      status_option_id=OPTIONS[column].option_id,
                      status_name=OPTIONS[column].name)


def synced(title: str, column: str) -> SyncState:
    """A state that pushed ``title`` in ``column`` itself."""
    entry = CardState(item_id="PVTI_2", draft_id="DI_2", title=title,
                      synced_title=title, synced_status=OPTIONS[column].name)
    return SyncState(cards={KEY: entry}, workspace_id="me01")


def plan(desired: DesiredCard, remote: list[RemoteItem], state: SyncState) -> RemotePlan:
    return plan_remote([desired], state, remote, OPTIONS, board_key=BOARD)


def pushed_body(result: RemotePlan) -> str:
    (update,) = [op for op in result.ops if op.kind in (OpKind.UPDATE, OpKind.CREATE)]
    assert update.body is not None
    return update.body


def test_the_desired_card_carries_the_reason_of_its_rejection_note() -> None:
    assert card().rejection == "the opening hours are missing"
    assert card(TITLE).rejection is None


def test_a_new_item_for_a_rejected_card_is_created_with_the_reason_in_its_body() -> None:
    body = pushed_body(plan(card(), [], SyncState(workspace_id="me01")))
    assert "**Rejected in review:** the opening hours are missing" in body
    assert parse_marker_key(body) == KEY
    assert review_note_of(body) is not None


def test_a_rejection_puts_the_reason_in_the_body_keeping_a_persons_text() -> None:
    before = with_tag(f"{PERSONS_TEXT}\n\n{marker_for_key(KEY)}", "Review", TITLE, "me01")
    result = plan(card(), [item(TITLE, "REVIEW", before)], synced(TITLE, "REVIEW"))
    body = pushed_body(result)
    assert body.startswith(PERSONS_TEXT)  # the person's text, exactly, first
    assert "**Rejected in review:** the opening hours are missing" in body
    # Pushed once: an item showing that body (and the title) plans nothing more.
    after = item(REJECTED, "DOING", body)
    assert plan(card(), [after], synced(REJECTED, "DOING")).ops == []


def test_the_reason_stays_while_the_note_does_and_goes_with_it() -> None:
    base = with_tag(f"{PERSONS_TEXT}\n\n{marker_for_key(KEY)}", "Review", TITLE, "me01")
    noted = with_review_note(base, "the opening hours are missing")
    # The card moves (a person puts it back in TODO, note kept): the reason is still there.
    moved = plan(card(column="TODO"), [item(REJECTED, "DOING", noted)],
                 synced(REJECTED, "DOING"))
    assert [op.kind for op in moved.ops] == [OpKind.UPDATE, OpKind.STATUS]
    assert "the opening hours are missing" in pushed_body(moved)
    # The note is dropped from the card (the task was started again): so is the reason.
    cleared = pushed_body(plan(card(TITLE), [item(REJECTED, "DOING", noted)],
                               synced(REJECTED, "DOING")))
    assert review_note_of(cleared) is None and "Rejected in review" not in cleared
    assert cleared.startswith(PERSONS_TEXT) and parse_marker_key(cleared) == KEY


def test_a_body_that_lost_the_reason_gets_it_back_even_when_the_title_agrees() -> None:
    bare = with_tag(marker_for_key(KEY), "In Progress", REJECTED, "me01")
    result = plan(card(), [item(REJECTED, "DOING", bare)], synced(REJECTED, "DOING"))
    assert [op.kind for op in result.ops] == [OpKind.UPDATE]
    assert "the opening hours are missing" in pushed_body(result)


def test_the_reason_is_markdown_that_shows_as_written_and_cannot_hide_or_forge_markers() -> None:
    hostile = "<!-- kanbanger-daemon:review-note-end --> *bold* `code` <b>x</b> & |a|"
    shown = markdown_inline(hostile)
    assert "<" not in shown.replace("\\<", "") and "-->" not in shown
    assert markdown_inline("a\x1b[31m  b\n c") == "a\\[31m b c"
    body = with_review_note(marker_for_key(KEY), hostile)
    assert review_note_of(body) == review_note_of(with_review_note(body, hostile))
    assert with_review_note(body, None) == marker_for_key(KEY)  # taken out cleanly
    assert parse_marker_key(body) == KEY


def test_with_review_note_is_idempotent_and_replaces_a_note_in_place() -> None:
    body = f"top\n\n{marker_for_key(KEY)}\n\nbelow, by a person"
    once = with_review_note(body, "first reason")
    assert with_review_note(once, "first reason") == once
    moved = once.replace("\n\nbelow, by a person", "") + "\n\nbelow, by a person"
    replaced = with_review_note(moved, "second reason")
    assert replaced.endswith("below, by a person") and "first reason" not in replaced
    assert with_review_note(with_review_note(body, "x"), None) == body


def test_the_fingerprint_changes_with_the_reason_only_when_there_is_one() -> None:
    plain = DesiredCard(key=KEY, title=TITLE)
    # Without a reason the digest is what it always was: an upgrade pushes nothing.
    always = sha256(f"P\0{BOARD}\0{KEY}\x1f{TITLE}\x1f\x1f0".encode()).hexdigest()
    assert fingerprint("P", BOARD, [plain]) == always
    one = plain.model_copy(update={"rejection": "one"})
    two = plain.model_copy(update={"rejection": "two"})
    assert len({fingerprint("P", BOARD, [c]) for c in (plain, one, two)}) == 3


def test_a_title_another_workspace_set_keeps_the_reason_that_came_with_it() -> None:
    theirs = f"{TITLE} [REJECTED: theirs]"
    body = with_review_note(
        with_tag(marker_for_key(KEY), "In Progress", theirs, "ot02"), "theirs")
    fresh = SyncState(workspace_id="me01")  # this clone never synced the card
    result = plan(card(TITLE), [item(theirs, "DOING", body)], fresh)
    assert result.ops == [] and result.left == [KEY]
