"""What a pull records in the sync state (``core.sync.pull_record``), judged by what the next
pull and the push that follows do with it: an edit taken in is not taken again nor undone,
another workspace's overruled value keeps polls quiet, a draft is offered once, a crash between
the state and the board write never makes a second item."""

from __future__ import annotations

from dataclasses import dataclass

from kanbanger_daemon.core.board.format import board_cards, parse_board
from kanbanger_daemon.core.sync.desired import desired_cards
from kanbanger_daemon.core.sync.listing import absorb_listing, trusted_snapshot
from kanbanger_daemon.core.sync.markers import marker_for_key, with_tag
from kanbanger_daemon.core.sync.pull_edits import (
    EditKind,
    RemoteEdit,
    apply_remote_edits,
    find_remote_edits,
    survivors,
)
from kanbanger_daemon.core.sync.pull_record import (
    bind_taken_drafts,
    listing_view,
    record_kept_edits,
    record_left_values,
    record_people_items,
    replan_from_listing,
)
from kanbanger_daemon.core.sync.push_plan import plan_remote
from kanbanger_daemon.models.board import Board
from kanbanger_daemon.models.github import RemoteItem
from kanbanger_daemon.models.sync import CardState, DesiredCard, OpKind, StatusChoice, SyncState

KEY = "SPECs/shop"
ME, OTHER = "wsme", "wsother"  # workspace ids: [0-9a-z]+
BOARD = """# Shop

## TODO
*   [ ] Order shelves
*   [ ] Paint the door

## DOING

## DONE
*   [x] Sign the lease
"""
STATUS_OF = {"TODO": "Todo", "DOING": "In Progress", "DONE": "Done"}
OPTIONS = {column: StatusChoice(option_id=f"opt-{status}", name=status)
           for column, status in STATUS_OF.items()}
COLUMN_OF = {status: column for column, status in STATUS_OF.items()}


def pushed(board_text: str = BOARD) -> tuple[SyncState, list[RemoteItem]]:
    """The state and the project right after this workspace pushed ``board_text``."""
    remote: list[RemoteItem] = []
    cards: dict[str, CardState] = {}
    for n, card in enumerate(desired_cards(parse_board(board_text), KEY)):
        status = STATUS_OF[card.column]
        remote.append(RemoteItem(
            item_id=f"I{n}", content_id=f"D{n}", title=card.title, status_name=status,
            status_option_id=OPTIONS[card.column].option_id,
            body=with_tag(marker_for_key(card.key), status, card.title, ME)))
        cards[card.key] = CardState(item_id=f"I{n}", synced_status=status,
                                    synced_title=card.title)
    state = SyncState(project_id="P", workspace_id=ME, cards=cards, people_items=[],
                      complete=True, fingerprint="after the push")
    return absorb_listing(state, remote, KEY), remote


def changed(remote: list[RemoteItem], which: str, **update: object) -> list[RemoteItem]:
    """The project with the item titled ``which`` changed on GitHub (``status`` sets both the
    Status name and its option)."""
    if "status" in update:
        status = str(update.pop("status"))
        update |= {"status_name": status,
                   "status_option_id": OPTIONS[COLUMN_OF[status]].option_id}
    return [item.model_copy(update=update) if item.title == which else item for item in remote]


def draft(title: str, status: str, item_id: str = "NEW") -> RemoteItem:
    """A draft a person added on GitHub: no marker."""
    return RemoteItem(item_id=item_id, content_id=f"D{item_id}", title=title, body="",
                      status_name=status, status_option_id=OPTIONS[COLUMN_OF[status]].option_id)


def columns(board: Board) -> dict[str, str]:
    return {card.text: card.column for card in board_cards(board)}


@dataclass
class Pulled:
    board: Board
    final: list[DesiredCard]
    state: SyncState
    edits: list[RemoteEdit]
    kept: list[RemoteEdit]

    def next_pull(self, remote: list[RemoteItem]) -> list[RemoteEdit]:
        return find_remote_edits(self.board, KEY, self.state, remote, COLUMN_OF,
                                 take_new_drafts=True)

    def next_push_ops(self) -> list[tuple[OpKind, str | None]]:
        """What the push that follows sends (planned from the state, as it does after a pull
        that left the state complete)."""
        plan = plan_remote(self.final, self.state, trusted_snapshot(self.state), OPTIONS,
                           board_key=KEY)
        return [(op.kind, op.title) for op in plan.ops]


def pull(board_text: str, state: SyncState, remote: list[RemoteItem], *,
         overruled: bool = False) -> Pulled:
    """One pull's pure steps in ``sync.pull``'s order. ``overruled``: the re-planned board is
    the board as it was (progress puts every card back)."""
    board = parse_board(board_text)
    edits = find_remote_edits(board, KEY, state, remote, COLUMN_OF, take_new_drafts=True)
    state = absorb_listing(state, remote, KEY)
    replan_from_listing(state, remote, KEY)
    if not overruled:
        board = apply_remote_edits(board, edits)
    final = desired_cards(board, KEY)
    kept = survivors(edits, final)
    record_kept_edits(state, kept, final, remote)
    record_left_values(state, edits, kept)
    record_people_items(state, remote, edits, kept)
    return Pulled(board, final, state, edits, kept)


def test_a_move_taken_in_is_not_undone_and_a_second_move_on_github_is_taken_too() -> None:
    state, remote = pushed()
    moved = changed(remote, "Paint the door", status="Done")  # a person: the tag disagrees
    first = pull(BOARD, state, moved)
    assert columns(first.board)["Paint the door"] == "DONE"
    assert first.next_pull(moved) == []
    assert first.next_push_ops() == []  # the push leaves the person's move on GitHub
    again = changed(moved, "Paint the door", status="In Progress")
    assert [(e.kind, e.column) for e in first.next_pull(again)] == [(EditKind.MOVE, "DOING")]


def test_a_retitle_taken_in_keeps_its_item_under_the_new_title() -> None:
    state, remote = pushed()
    retitled = changed(remote, "Order shelves", title="Order oak shelves")
    first = pull(BOARD, state, retitled)
    assert "Order oak shelves" in columns(first.board)
    assert first.next_pull(retitled) == []
    # Neither archived as removed nor created again: the item is the card under its new title.
    assert first.next_push_ops() == []


def test_an_archive_taken_in_is_not_taken_in_again() -> None:
    state, remote = pushed()
    archived = changed(remote, "Sign the lease", is_archived=True)
    board = parse_board(BOARD)
    edits = find_remote_edits(board, KEY, state, archived, COLUMN_OF, take_new_drafts=False)
    assert [e.kind for e in edits] == [EditKind.ARCHIVE]
    final = desired_cards(apply_remote_edits(board, edits), KEY)
    record_kept_edits(state, survivors(edits, final), final, archived)
    assert find_remote_edits(board, KEY, state, archived, COLUMN_OF, take_new_drafts=False) == []


def test_a_persons_draft_taken_in_is_the_cards_item_and_is_not_offered_again() -> None:
    state, remote = pushed()
    with_draft = [*remote, draft("Fix the till", "In Progress")]
    first = pull(BOARD, state, with_draft)
    assert columns(first.board)["Fix the till"] == "DOING"
    assert first.next_pull(with_draft) == []
    assert first.next_push_ops() == []  # no second item; the draft stays unmarked (a person's)


def test_another_workspaces_overruled_move_is_remembered_and_the_next_poll_is_quiet() -> None:
    state, remote = pushed()
    title = "Order shelves"
    other_moved = changed(remote, title, status="Done",
                          body=with_tag(marker_for_key(state_key(state, title)), "Done", title,
                                        OTHER))
    first = pull(BOARD, state, other_moved, overruled=True)
    assert [(e.kind, e.by_person) for e in first.edits] == [(EditKind.MOVE, False)]
    assert first.kept == []
    assert first.next_pull(other_moved) == []  # seen before and overruled: nothing new
    assert first.next_push_ops() == []  # nothing pushed over the other workspace's value


def test_another_workspaces_overruled_retitle_is_remembered_and_the_next_poll_is_quiet() -> None:
    state, remote = pushed()
    title, new = "Paint the door", "Paint the door blue"
    other_retitled = changed(remote, title, title=new,
                             body=with_tag(marker_for_key(state_key(state, title)), "Todo", new,
                                           OTHER))
    first = pull(BOARD, state, other_retitled, overruled=True)
    assert [(e.kind, e.by_person) for e in first.edits] == [(EditKind.RETITLE, False)]
    assert first.next_pull(other_retitled) == []


def test_a_persons_move_overruled_is_undone_by_the_push_not_remembered() -> None:
    state, remote = pushed()
    moved = changed(remote, "Order shelves", status="Done")
    first = pull(BOARD, state, moved, overruled=True)
    assert (OpKind.STATUS, "Order shelves") in first.next_push_ops()
    assert [e.kind for e in first.next_pull(moved)] == [EditKind.MOVE]  # until it is undone


def test_a_draft_the_replanned_board_drops_is_offered_once() -> None:
    state, remote = pushed()
    with_draft = [*remote, draft("Task 9: Ship (SPEC: spec_other.md)", "Todo")]
    first = pull(BOARD, state, with_draft, overruled=True)
    assert [e.kind for e in first.edits] == [EditKind.ADD]
    assert first.next_pull(with_draft) == []


def test_the_push_after_a_pull_sees_github_s_order_and_moves_nothing() -> None:
    state, remote = pushed()
    moved = changed(remote, "Paint the door", status="Done")
    # The person dropped it below "Sign the lease" in GitHub's Done column.
    reordered = [item for item in moved if item.title != "Paint the door"] + [
        next(item for item in moved if item.title == "Paint the door")]
    first = pull(BOARD, state, reordered)
    done = [c.text for c in board_cards(first.board) if c.column == "DONE"]
    assert done == ["Sign the lease", "Paint the door"]
    assert first.next_push_ops() == []


def test_a_pull_that_saw_a_change_makes_the_next_push_plan_again() -> None:
    state, remote = pushed()
    missing = [item for item in remote if item.title != "Order shelves"]  # deleted on GitHub?
    before = listing_view(state)
    after = absorb_listing(state.model_copy(deep=True), missing, KEY)
    assert listing_view(after) != before  # not a quiet poll
    replan_from_listing(after, missing, KEY)
    assert after.fingerprint is None  # the push is not skipped as "board unchanged"
    assert after.complete is False  # and it lists the project instead of trusting the state


def test_a_poll_that_sees_the_project_as_it_was_is_quiet() -> None:
    state, remote = pushed()
    assert listing_view(absorb_listing(state.model_copy(deep=True), remote, KEY)) == (
        listing_view(state))


def test_a_draft_taken_in_is_bound_before_the_board_write_so_a_crash_makes_no_second_item(
) -> None:
    as_loaded, remote = pushed()
    with_draft = [*remote, draft("Fix the till", "In Progress")]
    board = parse_board(BOARD)
    edits = find_remote_edits(board, KEY, as_loaded, with_draft, COLUMN_OF,
                              take_new_drafts=True)
    final = desired_cards(apply_remote_edits(board, edits), KEY)
    bound = bind_taken_drafts(as_loaded, survivors(edits, final), final, with_draft)
    assert bound is not None and as_loaded.cards != bound.cards  # a copy; as loaded untouched
    # The board write is lost: the draft is offered again, and once its card is back on the
    # board the push finds it bound (no create).
    assert [e.title for e in find_remote_edits(board, KEY, bound, with_draft, COLUMN_OF,
                                               take_new_drafts=True)] == ["Fix the till"]
    plan = plan_remote(final, bound, with_draft, OPTIONS, board_key=KEY)
    assert not plan.of_kind(OpKind.CREATE)


def test_only_peoples_drafts_are_bound_early() -> None:
    state, remote = pushed()
    other_clone = RemoteItem(item_id="C1", content_id="DC1", title="Count the float",
                             status_name="Todo", status_option_id=OPTIONS["TODO"].option_id,
                             body=marker_for_key(f"{KEY}/hand-written-elsewhere"))
    edit = RemoteEdit(kind=EditKind.ADD, key="", item_id="C1", title="Count the float",
                      column="TODO", status="Todo")
    final = desired_cards(parse_board(BOARD.replace("## DOING",
                                                    "*   [ ] Count the float\n\n## DOING")), KEY)
    assert bind_taken_drafts(state, [edit], final, [*remote, other_clone]) is None


def state_key(state: SyncState, title: str) -> str:
    return next(key for key, card in state.cards.items() if card.title == title)
