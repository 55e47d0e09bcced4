"""The board edits a person asks for through an assistant (the MCP tools). PURE.

Each takes a board as read and returns the edited copy, or raises ``BoardEditError`` saying
why the board refuses (one line, naming the card). The caller plans the result as always
(``boards.reconcile.reconcile_local(edit=…)``), under the board's lock, so an edit is checked
against the board as it is at that moment.

- ``approve`` moves a card from REVIEW to DONE (checked); ``reject`` moves it from REVIEW to
  DOING with a ``[REJECTED: reason]`` note (``core.board.review``). Any other column is refused.
- ``add_hand_card`` / ``move_hand_card`` add and move hand-written cards. Generated cards come
  from the SPEC: they are neither added nor moved this way. On a gated board nothing enters
  DONE except by ``approve``.

A card moved or added goes to the bottom of its column, laid out as ``plan_board`` lays cards
out (a blank line under the heading, cards together, a blank line before the next heading).
"""

from __future__ import annotations

import re
from collections import Counter

from kanbanger_daemon.core.board.cards import card_identity, one_line, safe_file, safe_id
from kanbanger_daemon.core.board.format import (
    board_cards,
    board_columns,
    card_line,
    column_kind,
    reclassify,
)
from kanbanger_daemon.core.board.review import clean_reason, rejection_note, without_rejection
from kanbanger_daemon.core.board.text import without_controls
from kanbanger_daemon.errors import BoardEditError
from kanbanger_daemon.models.board import Board, BoardLine, Card, ColumnKind

_QUERY_RE = re.compile(r"^(?:(task|step|speclet)\s*)?\[?([^\s\[\]:]+)\]?:?$", re.IGNORECASE)
_KIND_RE = re.compile(r"^(?:\[[^\]]*\]\s+)?(Task|Step|SPECLet)\s")


def shown(text: str, limit: int = 80) -> str:
    """A card text short enough for a one-line message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind_of(text: str) -> str:
    match = _KIND_RE.match(text)
    return match.group(1).lower() if match else ""


def _generated_matches(board: Board, task: str, spec_file: str | None) -> list[Card]:
    match = _QUERY_RE.match(one_line(task))
    if match is None:
        return []
    kind = (match.group(1) or "").lower()
    local = safe_id(match.group(2))
    if kind == "speclet":
        local = f"speclet:{local}"
    out: list[Card] = []
    for card in board_cards(board):
        where, _, ident = (card_identity(card.text) or "#").partition("#")
        if ident != local or (spec_file and where.rsplit("/", 1)[-1] != safe_file(spec_file)):
            continue
        if kind in ("", _kind_of(card.text)):
            out.append(card)
    tasks = [c for c in out if _kind_of(c.text) == "task"]
    return tasks if not kind and tasks else out  # "1.2": a task's id before a step's


def find_card(board: Board, task: str, *, spec_file: str | None = None) -> Card:
    """The card ``task`` names: a generated card's id (``1``, ``Task 1``, ``Step 1.2``,
    ``SPECLet 2``) of ``spec_file`` (any SPEC when None), else a hand-written card's text
    (exact, or a part of it that only one card has)."""
    found = _generated_matches(board, task, spec_file)
    if not found:
        query = one_line(task)
        hand = [c for c in board_cards(board) if card_identity(c.text) is None]
        found = [c for c in hand if c.text == query][:1] or [
            c for c in hand if query and query.lower() in c.text.lower()]
    if not found:
        raise BoardEditError(f'no card matches "{shown(task)}" (give a task id such as 1 or '
                             "Step 1.2, or the text of a hand-written card)")
    if len(found) > 1:
        listed = "; ".join(f'"{shown(c.text, 50)}"' for c in found[:4])
        raise BoardEditError(f'"{shown(task)}" matches {len(found)} cards: {listed}; '
                             "name the SPEC or give the whole text")
    return found[0]


def is_gated(board: Board, review_gate: bool) -> bool:
    """Does the board hold finished work in REVIEW (``core.board.review``)?"""
    return review_gate or any(kind is ColumnKind.REVIEW for _, kind, _ in board_columns(board))


def _column(board: Board, name: str) -> tuple[int, str, ColumnKind]:
    """``(ordinal, heading, kind)`` of the column a person means by ``name``: the column with
    that heading, else the first of its kind (``In Progress`` is DOING)."""
    columns = board_columns(board)
    wanted = one_line(name).upper()
    kind = column_kind(wanted)
    for n, (heading, column_role, _index) in enumerate(columns):
        if heading.upper() == wanted:
            return n, heading, column_role
    for n, (heading, column_role, _index) in enumerate(columns):
        if kind is not ColumnKind.OTHER and column_role is kind:
            return n, heading, column_role
    names = ", ".join(c[0] for c in columns) or "none"
    raise BoardEditError(f'the board has no column "{shown(name, 30)}" (its columns: {names})')


def _is_blank(line: BoardLine) -> bool:
    return not line.text.strip()


def _place(board: Board, index: int | None, column: int, text: str, checked: bool) -> Board:
    """``board`` with the card line at ``index`` (None: a new card) at the bottom of the
    ``column``-th column, reading ``text``."""
    out = reclassify(board)
    lines = out.lines
    eols = Counter(line.eol for line in lines if line.eol)
    eol = eols.most_common(1)[0][0] if eols else "\n"
    final_newline = not lines or lines[-1].eol != ""
    if index is not None:
        del lines[index]
        if 0 < index < len(lines) and _is_blank(lines[index - 1]) and _is_blank(lines[index]):
            del lines[index]
    heads = [i for i, line in enumerate(lines) if line.kind == "heading"]
    head = heads[column]
    end = heads[column + 1] if column + 1 < len(heads) else len(lines)
    cards = [i for i in range(head + 1, end) if lines[i].kind == "card"]
    at = cards[-1] + 1 if cards else head + 1
    if not cards:
        if at < len(lines) and _is_blank(lines[at]):
            at += 1
        elif at == len(lines):  # an empty last column: keep a blank line under its heading
            lines.insert(at, BoardLine(text="", eol=eol))
            at += 1
    lines.insert(at, BoardLine(text=card_line(text, checked=checked), eol=eol, kind="card"))
    if at + 1 < len(lines) and lines[at + 1].kind == "heading":
        lines.insert(at + 1, BoardLine(text="", eol=eol))
    for line in lines[:-1]:
        line.eol = line.eol or eol
    lines[-1].eol = eol if final_newline else ""
    return reclassify(out)


def _from_review(board: Board, task: str, spec_file: str | None, verb: str) -> Card:
    card = find_card(board, task, spec_file=spec_file)
    if card.column_kind is not ColumnKind.REVIEW:
        raise BoardEditError(f'"{shown(card.text)}" is in {card.column or "no column"}, not '
                             f"REVIEW: only a card waiting in REVIEW can be {verb}")
    return card


def approve(board: Board, task: str, *, spec_file: str | None = None) -> Board:
    """A person approves the REVIEW card ``task``: it moves to DONE, checked."""
    card = _from_review(board, task, spec_file, "approved")
    done, _heading, _kind = _column(board, ColumnKind.DONE.value)
    return _place(board, card.line_index, done, without_rejection(card.text), True)


def reject(board: Board, task: str, reason: str, *, spec_file: str | None = None) -> Board:
    """A person rejects the REVIEW card ``task``: back to DOING, the reason noted on it."""
    if not clean_reason(reason):
        raise BoardEditError("say why the work is rejected: the reason is kept on the card")
    card = _from_review(board, task, spec_file, "rejected")
    doing, _heading, _kind = _column(board, ColumnKind.DOING.value)
    text = f"{without_rejection(card.text)} {rejection_note(reason)}"
    return _place(board, card.line_index, doing, text, False)


def _gate_refuses(board: Board, kind: ColumnKind, review_gate: bool) -> None:
    if kind is ColumnKind.DONE and is_gated(board, review_gate):
        raise BoardEditError("this board gates DONE on a person's approval: move the card to "
                             "REVIEW, and a person approves it (approve_done)")


def add_hand_card(board: Board, text: str, column: str = "TODO", *,
                  review_gate: bool = False) -> Board:
    """A hand-written card ``text`` at the bottom of ``column``."""
    clean = one_line(without_controls(text))
    if not clean:
        raise BoardEditError("a card needs some text")
    if card_identity(clean) is not None:
        raise BoardEditError(f'"{shown(clean)}" reads as a generated card: cards for tasks '
                             "come from the SPEC, not from add_task")
    taken = next((c for c in board_cards(board) if c.text == clean), None)
    if taken is not None:
        raise BoardEditError(f'"{shown(clean)}" is already on the board, in {taken.column}')
    ordinal, _heading, kind = _column(board, column)
    _gate_refuses(board, kind, review_gate)
    return _place(board, None, ordinal, clean, kind is ColumnKind.DONE)


def move_hand_card(board: Board, task: str, column: str, *, review_gate: bool = False) -> Board:
    """The hand-written card ``task`` moved to the bottom of ``column``."""
    card = find_card(board, task)
    if card_identity(card.text) is not None:
        raise BoardEditError(f'"{shown(card.text)}" comes from its SPEC: its column follows the '
                             "progress log (approve_done and reject_review take it out of "
                             "REVIEW)")
    ordinal, _heading, kind = _column(board, column)
    if kind is not card.column_kind:
        _gate_refuses(board, kind, review_gate)
    return _place(board, card.line_index, ordinal, card.text, kind is ColumnKind.DONE)
