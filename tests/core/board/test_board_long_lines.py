"""A hostile board shape costs no hang: reading a board is linear in its size (issue 10 §4).

A board whose last line was 100,000 characters without a newline took over two minutes to read,
time growing with the square of the line. The budget below is the issue's (1 s for 1 MB), or
five times the time the same content takes with a final newline on a machine slow enough for
that to be more: linear reading takes a few milliseconds either way.
"""

from __future__ import annotations

import time

import pytest

from kanbanger_daemon.core.board.format import board_cards, parse_board, render_board

pytestmark = pytest.mark.timeout(20)  # quadratic reading would take hours: fail, don't hang

HEAD = "# Board\n\n## TODO\n\n*   [ ] a card\n"
MEGABYTE = 1_000_000


def _parse_seconds(text: str) -> float:
    started = time.perf_counter()
    board = parse_board(text)
    elapsed = time.perf_counter() - started
    assert render_board(board) == text
    return elapsed


@pytest.mark.parametrize("last_line", [
    "x" * MEGABYTE,
    "*   [ ] " + "y" * MEGABYTE,
    "## " + "z" * MEGABYTE,
    " " * MEGABYTE,
    "<!-- kanbanger:board-id: " + "a" * MEGABYTE,
], ids=["text", "card", "heading", "spaces", "marker"])
def test_a_megabyte_unterminated_last_line_is_read_in_under_a_second(last_line: str) -> None:
    terminated = _parse_seconds(HEAD + last_line + "\n")
    unterminated = _parse_seconds(HEAD + last_line)
    assert unterminated < max(1.0, 5 * terminated), (
        f"{unterminated:.2f} s for a 1 MB unterminated line ({terminated:.2f} s terminated)")


def test_an_unterminated_last_card_is_still_a_card() -> None:
    board = parse_board(HEAD + "*   [x] last, no newline")
    assert [(c.text, c.checked) for c in board_cards(board)] == [
        ("a card", False), ("last, no newline", True)]
