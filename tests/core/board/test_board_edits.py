"""The edits an assistant asks for (core.board.edits), on the board a person reads."""

from __future__ import annotations

import pytest

from kanbanger_daemon.core.board.edits import (
    add_hand_card,
    approve,
    find_card,
    move_hand_card,
    reject,
)
from kanbanger_daemon.core.board.format import parse_board, render_board
from kanbanger_daemon.errors import BoardEditError

BOARD = (
    "# Site\n\n## TODO\n\n*   [ ] Task 3: Launch (SPEC: spec_website.md)\n\n"
    "## DOING\n\n*   [ ] Task 2: Build (SPEC: spec_website.md)\n\n"
    "## REVIEW\n\n*   [ ] Task 1: Design (SPEC: spec_website.md)\n\n## DONE\n"
)


def test_approve_moves_a_review_card_to_done_checked() -> None:
    after = render_board(approve(parse_board(BOARD), "Task 1"))
    assert after.endswith(
        "## REVIEW\n\n## DONE\n\n*   [x] Task 1: Design (SPEC: spec_website.md)\n")


def test_approve_and_reject_refuse_a_card_that_is_not_in_review() -> None:
    with pytest.raises(BoardEditError, match=r"is in DOING, not REVIEW"):
        approve(parse_board(BOARD), "2")
    with pytest.raises(BoardEditError, match=r"is in TODO, not REVIEW"):
        reject(parse_board(BOARD), "3", "not yet")


def test_reject_moves_the_card_to_doing_with_its_reason() -> None:
    after = render_board(reject(parse_board(BOARD), "1", "no [mobile] layout"))
    assert ("## DOING\n\n*   [ ] Task 2: Build (SPEC: spec_website.md)\n*   [ ] Task 1: Design "
            "(SPEC: spec_website.md) [REJECTED: no (mobile) layout]\n\n## REVIEW\n\n## DONE\n"
            ) in after
    with pytest.raises(BoardEditError, match="say why"):
        reject(parse_board(BOARD), "1", "  ")


def test_hand_cards_are_added_and_moved_but_generated_ones_are_not() -> None:
    added = add_hand_card(parse_board(BOARD), "Order  the\nflyers", "todo")
    assert "*   [ ] Task 3: Launch (SPEC: spec_website.md)\n*   [ ] Order the flyers\n" in \
        render_board(added)
    moved = render_board(move_hand_card(added, "flyers", "In Progress"))
    assert "*   [ ] Task 2: Build (SPEC: spec_website.md)\n*   [ ] Order the flyers\n" in moved
    with pytest.raises(BoardEditError, match="already on the board, in TODO"):
        add_hand_card(added, "Order the flyers")
    with pytest.raises(BoardEditError, match="comes from its SPEC"):
        move_hand_card(added, "2", "TODO")
    with pytest.raises(BoardEditError, match="reads as a generated card"):
        add_hand_card(added, "Task 9: Sneak (SPEC: spec_website.md)")


def test_the_gate_keeps_hand_cards_out_of_done_too() -> None:
    added = add_hand_card(parse_board(BOARD), "Order the flyers")
    with pytest.raises(BoardEditError, match="gates DONE"):
        move_hand_card(added, "Order the flyers", "DONE")
    ungated = parse_board(BOARD.replace("## REVIEW\n\n*   [ ] Task 1: Design (SPEC: "
                                        "spec_website.md)\n\n", ""))
    done = move_hand_card(add_hand_card(ungated, "Order the flyers"), "flyers", "done")
    assert render_board(done).endswith("## DONE\n\n*   [x] Order the flyers\n")


def test_a_card_is_named_by_id_kind_spec_or_text() -> None:
    board = parse_board(BOARD + "\n*   [ ] Task 1: Other (SPEC: spec_other.md)\n")
    with pytest.raises(BoardEditError, match="matches 2 cards"):
        find_card(board, "1")
    assert find_card(board, "Task [1]", spec_file="spec_other.md").text.startswith("Task 1: Other")
    with pytest.raises(BoardEditError, match="no card matches"):
        find_card(board, "Step 1.1")
