"""Two-way sync's pure half: which GitHub changes a board takes, and the board they make."""

from __future__ import annotations

from kanbanger_daemon.core.board.format import board_cards, parse_board, render_board
from kanbanger_daemon.core.sync.desired import desired_cards
from kanbanger_daemon.core.sync.markers import marker_for_key, with_tag
from kanbanger_daemon.core.sync.pull_edits import (
    EditKind,
    RemoteEdit,
    apply_remote_edits,
    find_remote_edits,
    survivors,
)
from kanbanger_daemon.models.github import RemoteItem
from kanbanger_daemon.models.sync import CardState, SyncState

KEY = "SPECs/site"
GEN = "Task 1: Build (SPEC: spec_site.md)"
BOARD = f"""# Site

## TODO
*   [ ] {GEN}
*   [ ] Buy domain

## DOING

## DONE
*   [x] Old thing
"""
COLUMNS = {"Todo": "TODO", "In Progress": "DOING", "Done": "DONE"}


def keys() -> dict[str, str]:
    return {c.title: c.key for c in desired_cards(parse_board(BOARD), KEY)}


def synced(status: str = "Todo") -> SyncState:
    """The state after a push of BOARD: every card synced in its column."""
    cards = {}
    for n, (title, key) in enumerate(keys().items()):
        column = "Done" if title == "Old thing" else status if title == GEN else "Todo"
        cards[key] = CardState(item_id=f"I{n}", title=title, status=column,
                               synced_status=column, synced_title=title)
    return SyncState(project_id="P", cards=cards, people_items=[])


def item(title: str, status: str | None, *, n: int | None = None, tagged: bool = True,
         archived: bool = False, remote_title: str | None = None) -> RemoteItem:
    k = keys()
    index = list(k).index(title) if n is None else n
    body = marker_for_key(k[title]) if title in k else None
    if tagged and body is not None:
        body = with_tag(body, status, remote_title or title)
    return RemoteItem(item_id=f"I{index}", content_id=f"D{index}", title=remote_title or title,
                      body=body, status_name=status, is_archived=archived)


def listing(**changes: RemoteItem) -> list[RemoteItem]:
    base = {"gen": item(GEN, "Todo"), "hand": item("Buy domain", "Todo"),
            "old": item("Old thing", "Done")}
    base.update(changes)
    return list(base.values())


def find(
    remote: list[RemoteItem], state: SyncState | None = None, *, new: bool = False
) -> list[RemoteEdit]:
    return find_remote_edits(parse_board(BOARD), KEY, state or synced(), remote, COLUMNS,
                             take_new_drafts=new)


def test_an_unchanged_project_means_no_edit() -> None:
    assert find(listing()) == []


def test_a_move_on_github_is_taken_and_marked_as_a_persons_when_the_tag_disagrees() -> None:
    moved = RemoteItem(**{**item("Buy domain", "Todo").model_dump(), "status_name": "Done"})
    edits = find(listing(hand=moved))
    assert [(e.kind, e.title, e.column, e.by_person) for e in edits] == [
        (EditKind.MOVE, "Buy domain", "DONE", True)
    ]
    assert edits[0].after_title is None  # listed before Old thing: first in GitHub's Done
    later = find([item("Old thing", "Done"), item(GEN, "Todo"), moved])
    assert later[0].after_title == "Old thing"


def test_a_move_another_workspace_tagged_is_not_a_persons() -> None:
    edits = find(listing(gen=item(GEN, "In Progress")))
    assert [(e.kind, e.column, e.by_person) for e in edits] == [(EditKind.MOVE, "DOING", False)]


def test_a_card_the_board_moved_since_the_last_sync_is_not_pulled_back() -> None:
    state = synced(status="Done")  # the board shows TODO: changed here since the last push
    assert find(listing(gen=item(GEN, "In Progress")), state) == []


def test_retitles_are_taken_for_hand_written_cards_only() -> None:
    renamed = item("Buy domain", "Todo", remote_title="Buy the domain", tagged=False)
    edits = find(listing(hand=renamed,
                         gen=item(GEN, "Todo", remote_title="scribbled", tagged=False)))
    assert [(e.kind, e.title, e.new_title) for e in edits] == [
        (EditKind.RETITLE, "Buy domain", "Buy the domain")
    ]


def test_an_archived_card_leaves_and_a_new_draft_joins_in_its_status_column() -> None:
    draft = RemoteItem(item_id="NEW", content_id="DN", title="Call  the printer", body="",
                       status_name="In Progress")
    seen_before = RemoteItem(item_id="OLD", content_id="DO", title="Person's", body="",
                             status_name="Todo")
    state = synced()
    state.people_items = ["OLD"]
    edits = find([*listing(old=item("Old thing", "Done", archived=True)), seen_before, draft],
                 state, new=True)
    assert [(e.kind, e.title, e.column) for e in edits] == [
        (EditKind.ARCHIVE, "Old thing", None),
        (EditKind.ADD, "Call the printer", "DOING"),
    ]
    assert find([*listing(), draft], state, new=False) == []  # not this board's to take


def test_applied_edits_touch_only_their_lines_and_survivors_tell_what_stayed() -> None:
    moved = RemoteItem(**{**item("Buy domain", "Todo").model_dump(), "status_name": "Done"})
    draft = RemoteItem(item_id="NEW", content_id="DN", title="Call the printer", body="",
                       status_name="In Progress")
    edits = find([*listing(hand=moved), draft], synced(), new=True)
    board = apply_remote_edits(parse_board(BOARD), edits)
    assert render_board(board) == f"""# Site

## TODO
*   [ ] {GEN}

## DOING

*   [ ] Call the printer

## DONE
*   [x] Buy domain
*   [x] Old thing
"""
    final = desired_cards(board, KEY)
    assert survivors(edits, final) == edits
    # Re-planning put the card back (progress said so): that edit did not survive.
    undone = desired_cards(parse_board(BOARD), KEY)
    assert [e.kind for e in survivors(edits, undone)] == []


def test_a_retitle_keeps_the_checkbox_and_an_archive_removes_only_that_card() -> None:
    edits = find(listing(old=item("Old thing", "Done", remote_title="Older thing", tagged=False)))
    board = apply_remote_edits(parse_board(BOARD), edits)
    assert "*   [x] Older thing" in render_board(board)
    gone = apply_remote_edits(parse_board(BOARD),
                              find(listing(hand=item("Buy domain", "Todo", archived=True))))
    assert [c.text for c in board_cards(gone)] == [GEN, "Old thing"]


def test_pulled_cards_take_the_generated_layout() -> None:
    """A card pulled in is laid out as the planner lays out a generated one, so that a clone
    that pulled it and a clone that generated it write the same bytes."""
    generated = ("# Site\n\n## TODO\n\n*   [ ] A\n*   [ ] B\n\n## DOING\n\n"
                 "## DONE\n\n*   [x] C\n")

    def edit(kind: EditKind, title: str, column: str | None = None,
             after: str | None = None) -> RemoteEdit:
        return RemoteEdit(kind=kind, key=title, item_id=title, title=title, column=column,
                          after_title=after)

    board = apply_remote_edits(parse_board(generated), [
        edit(EditKind.MOVE, "B", "DOING"), edit(EditKind.ADD, "D", "DONE", after="C"),
        edit(EditKind.ADD, "E", "BACKLOG")])
    assert render_board(board) == ("# Site\n\n## TODO\n\n*   [ ] A\n\n## DOING\n\n"
                                   "*   [ ] B\n\n## DONE\n\n*   [x] C\n*   [x] D\n")
    emptied = apply_remote_edits(board, [edit(EditKind.MOVE, "A", "DOING"),
                                         edit(EditKind.ARCHIVE, "D")])
    assert render_board(emptied) == ("# Site\n\n## TODO\n\n## DOING\n\n*   [ ] A\n"
                                     "*   [ ] B\n\n## DONE\n\n*   [x] C\n")
    last = apply_remote_edits(parse_board("# Site\n\n## TODO\n\n*   [ ] A\n\n## DONE\n"),
                              [edit(EditKind.MOVE, "A", "DONE")])
    assert render_board(last) == "# Site\n\n## TODO\n\n## DONE\n\n*   [x] A\n"
    nowhere = apply_remote_edits(parse_board(generated), [edit(EditKind.MOVE, "A", "REVIEW")])
    assert render_board(nowhere) == generated  # no such column here: the card stays put
