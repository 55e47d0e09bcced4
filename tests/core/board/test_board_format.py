"""The board format: byte-exact round trip, columns and cards read as kanbanger reads them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kanbanger_daemon.core.board.format import (
    board_cards,
    board_columns,
    board_id,
    board_title,
    column_kind,
    new_board,
    parse_board,
    render_board,
)
from kanbanger_daemon.models.board import ColumnKind

# Text made of the pieces that matter to the format, so that hypothesis finds the odd cases.
_PIECES = st.sampled_from(
    [
        "\n", "\r\n", "\r", "\ufeff", " ", "\t", "\x0c", "\x85", "\u2028", "#", "## ", "##",
        "### ", "# ", "*", "*   ", "[ ]", "[x]", "[X]", "[", "]", "TODO", "DONE", "REVIEW",
        "BLOCKED", "In Progress", "1. ", "<!-- kanbanger:board-id: 0123456789abcdef -->",
        "<!--", "-->", "x", "é", "Task 1: a (SPEC: spec_a.md)",
    ]
)
board_like_text = st.lists(st.one_of(_PIECES, st.text(max_size=5)), max_size=40).map("".join)


@given(st.text())
@settings(derandomize=True, max_examples=300)
def test_any_text_round_trips_byte_exactly(text: str) -> None:
    assert render_board(parse_board(text)) == text


@given(board_like_text)
@settings(derandomize=True, max_examples=500)
def test_board_like_text_round_trips_and_reading_never_raises(text: str) -> None:
    board = parse_board(text)
    assert render_board(board) == text
    board_cards(board)
    board_title(board)
    board_id(board)


@st.composite
def structured_boards(draw: st.DrawFn) -> str:
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    parts: list[str] = []
    if draw(st.booleans()):
        parts.append("\ufeff")
    parts.append(f"# {draw(st.text(min_size=1, max_size=10).map(' '.join))}{eol}")
    if draw(st.booleans()):
        parts.append(f"<!-- kanbanger:board-id: {'ab' * 16} -->{eol}")
    for name in draw(st.lists(st.sampled_from(
        ["BACKLOG", "TODO", "To Do", "DOING", "In Progress", "REVIEW", "BLOCKED", "DONE",
         "Completed", "2. Ideas", "Notes"]), max_size=7)):
        parts.append(f"{eol}## {name}{eol}")
        for text in draw(st.lists(st.text(min_size=1, max_size=15), max_size=4)):
            box = draw(st.sampled_from([" ", "x", "X"]))
            parts.append(f"{draw(st.sampled_from(['*   ', '* ', '  * ']))}[{box}] {text}{eol}")
        if draw(st.booleans()):
            parts.append(f"<!-- a comment -->{eol}")
    text = "".join(parts)
    return text[: -len(eol)] if draw(st.booleans()) else text


@given(structured_boards())
@settings(derandomize=True, max_examples=300)
def test_structured_boards_round_trip(text: str) -> None:
    assert render_board(parse_board(text)) == text


def test_reads_title_marker_columns_and_cards() -> None:
    text = (
        "# My Board\r\n<!-- kanbanger:board-id: 0123456789abcdef0123456789abcdef -->\r\n\r\n"
        "## BACKLOG\r\n*   [ ] idea\r\n\r\n## 2. In Progress\r\n* [X] started\r\n"
        "<!-- keep me -->\r\n## Parking lot\r\n*   [ ] later"
    )
    board = parse_board(text)
    assert board_title(board) == "My Board"
    assert board_id(board) == "0123456789abcdef0123456789abcdef"
    cards = [(c.column, c.column_kind, c.text, c.checked) for c in board_cards(board)]
    assert cards == [
        ("BACKLOG", ColumnKind.BACKLOG, "idea", False),
        ("In Progress", ColumnKind.DOING, "started", True),
        ("Parking lot", ColumnKind.OTHER, "later", False),
    ]
    assert [(name, kind) for name, kind, _ in board_columns(board)] == [
        ("BACKLOG", ColumnKind.BACKLOG), ("In Progress", ColumnKind.DOING),
        ("Parking lot", ColumnKind.OTHER),
    ]
    assert render_board(board) == text


def test_a_card_before_any_column_is_not_a_card_like_kanbanger() -> None:
    board = parse_board("# B\n*   [ ] floating\n## TODO\n*   [ ] real\n")
    assert [c.text for c in board_cards(board)] == ["real"]


def test_ambiguous_headings_follow_kanbanger_rule_order() -> None:
    assert column_kind("DONE (TODO later)") is ColumnKind.TODO
    assert column_kind("Review done") is ColumnKind.REVIEW
    assert column_kind("Backlog todo") is ColumnKind.BACKLOG
    assert column_kind("Blocked review") is ColumnKind.REVIEW
    assert column_kind("Blocked") is ColumnKind.BLOCKED
    assert column_kind("complete") is ColumnKind.DONE
    assert column_kind("Ideas") is ColumnKind.OTHER


def test_a_heading_behind_a_bom_is_not_a_column_like_kanbanger() -> None:
    board = parse_board("\ufeff## TODO\n*   [ ] x\n## DONE\n*   [x] y\n")
    assert board.bom
    assert [c.text for c in board_cards(board)] == ["y"]


def test_title_behind_a_bom_is_found() -> None:
    assert board_title(parse_board("\ufeff# Hello\n## TODO\n")) == "Hello"


def test_new_board_is_kanbanger_style() -> None:
    assert render_board(new_board("Analysis")) == (
        "# Analysis\n\n## BACKLOG\n\n## TODO\n\n## DOING\n\n## DONE\n"
    )
    review = new_board("A", with_review=True)
    assert [k for _, k, _ in board_columns(review)] == [
        ColumnKind.BACKLOG, ColumnKind.TODO, ColumnKind.DOING, ColumnKind.REVIEW, ColumnKind.DONE
    ]
