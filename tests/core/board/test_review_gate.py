"""The REVIEW gate on a board, as a person reviewing work sees it (plan_board rules).

Approvals and rejections are a person's moves: the next progress change must not undo them.
"""

from __future__ import annotations

from kanbanger_daemon.core.board.format import render_board
from kanbanger_daemon.core.board.review import rejection_note, rejection_of
from kanbanger_daemon.models.spec import Status
from tests.helpers.plans import columns, plan, progress, spec

CARD = "Task 1: A (SPEC: spec_analysis.md)"
GATED = "# A\n\n## TODO\n\n## DOING\n\n## REVIEW\n\n## DONE\n"


def moved(board: str, text: str, column: str, *, checked: bool = False) -> str:
    """``board`` with the card line holding ``text`` moved to the top of ``column``."""
    lines = [line for line in board.splitlines(keepends=True) if text not in line]
    at = lines.index(f"## {column}\n") + 1
    lines.insert(at, f"*   [{'x' if checked else ' '}] {text}\n")
    return "".join(lines)


def test_the_review_gate_setting_sends_finished_work_to_a_review_column() -> None:
    board = plan(spec("A", "B"), progress(t1=Status.COMPLETED), review_gate=True)
    assert columns(board) == {"TODO": ["Task 2: B (SPEC: spec_analysis.md)"], "REVIEW": [CARD]}
    assert "## DOING\n\n## REVIEW\n" in render_board(board)  # REVIEW sits before DONE


def test_without_the_gate_finished_work_goes_straight_to_done() -> None:
    assert columns(plan(spec("A"), progress(t1=Status.COMPLETED))) == {"DONE": [f"[x] {CARD}"]}


def test_an_approval_stands_when_progress_changes_again() -> None:
    board = render_board(plan(spec("A"), progress(t1=Status.COMPLETED), GATED))
    approved = moved(board, CARD, "DONE", checked=True)
    # The log is rewritten: the task reports a backup, then is even started again.
    again = plan(spec("A"), progress(t1=(Status.COMPLETED, 1)), approved)
    assert columns(again) == {"DONE": [f"[x] {CARD} (used Backup #1)"]}
    rerun = plan(spec("A"), progress(t1=Status.IN_PROGRESS), render_board(again))
    assert columns(rerun) == {"DONE": [f"[x] {CARD}"]}


def test_a_rejected_card_stays_out_of_review_while_progress_is_unchanged() -> None:
    board = render_board(plan(spec("A"), progress(t1=Status.COMPLETED), GATED))
    rejected = moved(board, CARD, "DOING").replace(CARD, f"{CARD} [REJECTED: no tests]")
    again = plan(spec("A"), progress(t1=(Status.COMPLETED, 2)), rejected)
    assert columns(again) == {"DOING": [f"{CARD} (used Backup #2) [REJECTED: no tests]"]}
    assert render_board(plan(spec("A"), progress(t1=(Status.COMPLETED, 2)),
                             render_board(again))) == render_board(again)


def test_rework_clears_the_rejection_and_the_next_completion_is_reviewed_again() -> None:
    board = render_board(plan(spec("A"), progress(t1=Status.COMPLETED), GATED))
    rejected = moved(board, CARD, "DOING").replace(CARD, f"{CARD} [REJECTED: no tests]")
    working = plan(spec("A"), progress(t1=Status.IN_PROGRESS), rejected)
    assert columns(working) == {"DOING": [CARD]}
    done_again = plan(spec("A"), progress(t1=Status.COMPLETED), render_board(working))
    assert columns(done_again) == {"REVIEW": [CARD]}


def test_a_rejected_card_a_person_moves_to_done_is_approved_and_loses_the_note() -> None:
    board = render_board(plan(spec("A"), progress(t1=Status.COMPLETED), GATED))
    rejected = moved(board, CARD, "DONE").replace(CARD, f"{CARD} [REJECTED: no tests]")
    assert columns(plan(spec("A"), progress(t1=Status.COMPLETED), rejected)) == {
        "DONE": [f"[x] {CARD}"]}


def test_rejection_notes_read_back_and_reasons_stay_on_one_line() -> None:
    note = rejection_note("  needs [real]\n tests\x07 ")
    assert note == "[REJECTED: needs (real) tests]"
    assert rejection_of(f"{CARD} {note}") == "needs (real) tests"
    assert rejection_of(CARD) is None
