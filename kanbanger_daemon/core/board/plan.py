"""``plan_board``: the board a SPEC and its progress call for, as a minimal edit of the current one.

Rules (DESIGN.md §5), in the words a user would use:

- Generated cards are task cards ``Task 1: Data Collection (SPEC: spec_analysis.md)``; on the
  single root board they start with the SPEC name: ``[analysis] Task 1: …``.
- A card is moved only when progress says where it belongs:
  pending / no progress → stays where it is (a new one enters TODO, in SPEC order);
  in_progress → DOING; completed → DONE and checked, or REVIEW (unchecked) when the board is
  gated (a REVIEW column, or the ``review_gate`` option): only a person puts it in DONE, where
  it then stays, and a ``[REJECTED: …]`` note holds a card out of REVIEW (``core.board.review``);
  blocked, or failed → DOING with ``[BLOCKED]`` (failed after every backup also gets
  ``(backups exhausted)``), or the BLOCKED column under the execution-state mapping (created if
  missing) or whenever the board already has a BLOCKED column;
  skipped → DONE, left unchecked, with ``[SKIPPED]``: nothing is left to do, but it was not done.
- ``(used Backup #n)`` is appended when progress says a backup was used (task level, else the
  highest backup any of its steps used).
- A generated card whose task left the SPEC leaves the board; a renamed task keeps its card and
  its place (identity is SPEC file + task id, see ``core.board.cards``); duplicates of a
  generated card are removed (first one kept).
- Hand-written cards (no identity, or the identity of a SPEC that is not an input here) are never
  removed, rewritten or moved. Every other line (comments, blank lines, unknown text, line
  endings, BOM, missing final newline) is kept; the only blank lines we add or drop are the ones
  that keep a column we filled or emptied readable.
- A card placed in a column goes after the generated card just before it in SPEC order if that
  card is in the column, else before the first later one, else at the bottom of the column.
- Mappings: sequential (default) as above. Hierarchical: every task is a parent followed by its
  step cards (``Step 1.2: …``, placed by the step's own progress), and a SPEC with SPECLets gets
  a ``SPECLet n: …`` parent card before its tasks, whose column follows its tasks (all done →
  done, any blocked → blocked, any started → DOING) and which waits in BACKLOG marked
  ``[WAITING on …]`` while a SPECLet it depends on is not complete. With any mapping, a task
  without progress whose SPECLet waits like that sits in BACKLOG with the same note (the master
  board); a dependency that no input describes is unknown and holds nothing back.
  Execution-state: the column mirrors the log — like sequential, but blocked work goes to a
  BLOCKED column and a task the log calls pending goes back to TODO (no log: stays).
  ``include_steps`` adds step cards under their task with any mapping.

Running the planner on its own output changes nothing.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from kanbanger_daemon.core.board.cards import Wanted, card_identity, wanted_cards
from kanbanger_daemon.core.board.format import (
    board_cards,
    card_line,
    column_kind,
    heading_name,
    new_board,
    reclassify,
    render_board,
)
from kanbanger_daemon.core.board.review import rejection_note, rejection_of
from kanbanger_daemon.models.board import (
    Board,
    BoardLine,
    BoardOptions,
    ColumnKind,
    ColumnMapping,
    SpecInput,
)

# Where a missing column is created, relative to the others.
_COLUMN_RANK = {
    ColumnKind.BACKLOG: 0,
    ColumnKind.TODO: 1,
    ColumnKind.DOING: 2,
    ColumnKind.BLOCKED: 3,
    ColumnKind.REVIEW: 4,
    ColumnKind.DONE: 5,
}


def _is_blank(line: BoardLine) -> bool:
    return not line.text.strip()


def _dominant_eol(lines: Sequence[BoardLine]) -> str:
    counts = Counter(line.eol for line in lines if line.eol)
    return counts.most_common(1)[0][0] if counts else "\n"


def _rewrite_card(raw: str, text: str, checked: bool | None) -> str:
    """Replace a card line's text (and checkbox) keeping its own spacing and indentation."""
    lead = raw[: len(raw) - len(raw.lstrip())]
    trail = raw[len(raw.rstrip()) :]
    body = raw.strip()  # "*<ws>[c]<ws>text"
    box = body.index("[")
    after_box = body[box + 3 :]
    gap = after_box[: len(after_box) - len(after_box.lstrip())]
    mark = body[box + 1]
    if checked is not None and (mark.lower() == "x") != checked:
        mark = "x" if checked else " "
    return f"{lead}{body[: box + 1]}{mark}]{gap}{text}{trail}"


@dataclass
class _Editor:
    """Lines being edited, with the identity of every generated card line kept alongside.

    Look-ups are cached so that planning stays about linear: columns are shifted on a card
    insert and recomputed after anything else; the identity index is rebuilt after an edit (only
    cards already on the board are looked up); and ``_tail`` remembers, for the column that was
    filled last, its generated card with the highest SPEC order, so that a run of new cards
    arriving in SPEC order is appended without rescanning the column.
    """

    lines: list[BoardLine]
    idents: list[str | None]
    eol: str
    _columns: list[tuple[ColumnKind, int, int]] | None = None
    _where: dict[str, int] | None = None
    _edits: int = 0
    _tail: tuple[int, int, int, int] | None = None  # (edits, column head, max order, its row)

    def _moved(self, index: int, delta: int, heading: bool) -> None:
        """Keep the caches right after a line was inserted (+1) at or removed (-1) from index."""
        self._where = None
        self._edits += 1
        columns, tail = self._columns, self._tail
        self._columns = self._tail = None
        if heading:
            return

        def shift(row: int) -> int:
            return row + (row >= index) if delta > 0 else row - (row > index)

        if columns is not None:
            self._columns = [(kind, shift(head), shift(end)) for kind, head, end in columns]
        if tail is not None and tail[0] == self._edits - 1 and not (delta < 0 and tail[3] == index):
            self._tail = (self._edits, shift(tail[1]), tail[2], shift(tail[3]))

    def columns(self) -> list[tuple[ColumnKind, int, int]]:
        """``(kind, heading index, end index)`` of every column."""
        if self._columns is None:
            heads = [i for i, line in enumerate(self.lines) if line.kind == "heading"]
            ends = [*heads[1:], len(self.lines)] if heads else []
            self._columns = [
                (column_kind(heading_name(self.lines[h].text) or ""), h, e)
                for h, e in zip(heads, ends, strict=True)
            ]
        return self._columns

    def column_of(self, index: int) -> ColumnKind:
        columns = self.columns()
        at = bisect_right([head for _, head, _ in columns], index) - 1
        if at >= 0 and columns[at][1] < index < columns[at][2]:
            return columns[at][0]
        return ColumnKind.OTHER

    def find(self, identity: str) -> int | None:
        if self._where is None:
            self._where = {}
            for index, ident in enumerate(self.idents):
                if ident is not None:
                    self._where.setdefault(ident, index)
        return self._where.get(identity)

    def insert(self, index: int, line: BoardLine, identity: str | None = None) -> None:
        self.lines.insert(index, line)
        self.idents.insert(index, identity)
        self._moved(index, +1, line.kind == "heading")

    def _delete(self, index: int) -> None:
        line = self.lines.pop(index)
        del self.idents[index]
        self._moved(index, -1, line.kind == "heading")

    def remove(self, index: int) -> None:
        self._delete(index)
        # Removing the only card between two blank lines would leave a double blank line.
        if 0 < index < len(self.lines) and _is_blank(self.lines[index - 1]) and _is_blank(
            self.lines[index]
        ):
            self._delete(index)

    def ensure_column(self, kind: ColumnKind) -> tuple[int, int]:
        """The first column of ``kind``, created (``## KIND``) where it belongs if missing."""
        for k, head, end in self.columns():
            if k == kind:
                return head, end
        rank = _COLUMN_RANK.get(kind, len(_COLUMN_RANK))
        later = [h for k, h, _ in self.columns() if _COLUMN_RANK.get(k, -1) > rank]
        heading = BoardLine(text=f"## {kind.value}", eol=self.eol, kind="heading")
        if later and later[0] > 0:  # just before the first column that comes after it
            self.insert(later[0], BoardLine(text="", eol=self.eol))
            self.insert(later[0], heading)
        elif later:  # before a heading on the very first line, where a BOM may sit
            self.insert(0, BoardLine(text="", eol=self.eol))
            self.insert(0, heading)
            self.insert(0, BoardLine(text="", eol=self.eol))
        else:  # at the end
            if self.lines and not _is_blank(self.lines[-1]):
                self.insert(len(self.lines), BoardLine(text="", eol=self.eol))
            self.insert(len(self.lines), heading)
        return self.ensure_column(kind)

    def place(self, kind: ColumnKind, text: str, checked: bool, identity: str,
              order: dict[str, int]) -> None:
        """Insert a generated card into the first column of ``kind`` at its SPEC-order place."""
        head, end = self.ensure_column(kind)
        mine = order[identity]
        line = BoardLine(text=card_line(text, checked=checked), eol=self.eol, kind="card")
        tail = self._tail
        if tail is not None and tail[:2] == (self._edits, head) and mine > tail[2]:
            # Every generated card of this column comes before us: go after the last of them.
            self._insert_card(tail[3] + 1, line, identity, head, mine)
            return
        last_card = best_before = first_after = top_row = -1
        best_order = top_order = -1
        for i in range(head + 1, end):
            if self.lines[i].kind != "card":
                continue
            last_card = i
            theirs = order.get(self.idents[i] or "", -1)  # hand cards: -1, they do not count
            if best_order < theirs < mine:
                best_before, best_order = i, theirs
            elif theirs > mine and first_after < 0:
                first_after = i
            if theirs > top_order:
                top_row, top_order = i, theirs
        if best_before >= 0:
            at = best_before + 1
        elif first_after >= 0:
            at = first_after
        elif last_card >= 0:
            at = last_card + 1
        else:
            at = head + 1
            if at < end and _is_blank(self.lines[at]):
                at += 1
            elif at == len(self.lines):  # an empty last column: keep a blank under its heading
                self.insert(at, BoardLine(text="", eol=self.eol))
                at += 1
            self.insert(at, line, identity)
            nxt = at + 1
            if nxt < len(self.lines) and self.lines[nxt].kind == "heading":
                self.insert(nxt, BoardLine(text="", eol=self.eol))
            self._tail = (self._edits, head, mine, at)
            return
        if top_order > mine:
            self.insert(at, line, identity)
            self._tail = (self._edits, head, top_order, top_row + (at <= top_row))
        else:
            self._insert_card(at, line, identity, head, mine)

    def _insert_card(self, at: int, line: BoardLine, identity: str, head: int, mine: int) -> None:
        """Insert a card that now has the highest SPEC order of its column."""
        self.insert(at, line, identity)
        self._tail = (self._edits, head, mine, at)


def _fresh_board(current: Board | None, title: str, *, with_review: bool) -> Board:
    if current is None or not render_board(current).strip(" \t\r\n\ufeff"):
        board = new_board(title, with_review=with_review)
        if current is not None and current.bom:
            board.bom = True
        return board
    return reclassify(current)  # a copy, with line kinds right even if built by hand


def _decide(
    want: Wanted, current: ColumnKind | None, current_text: str | None, *, gated: bool,
    blocked_column: bool,
) -> tuple[ColumnKind | None, bool | None, str]:
    """Where a generated card belongs now (None: where it is), its box and its text.

    On a gated board (``core.board.review``) DONE is a person's column: a card there stays, and
    finished work waits in REVIEW unless a person rejected it (its ``[REJECTED: …]`` note holds
    it where it is while the log still calls the task completed).
    """
    target, checked, text = want.target, want.checked, want.text
    if target is ColumnKind.BLOCKED and not blocked_column:
        target = ColumnKind.DOING
    if not gated:
        return target, checked, text
    if current is ColumnKind.DONE:
        return ColumnKind.DONE, checked if want.target is ColumnKind.DONE else None, text
    if not want.review_gate:
        return target, checked, text
    reason = rejection_of(current_text) if current_text is not None else None
    if reason is not None:
        return None, False, f"{text} {rejection_note(reason)}"
    return ColumnKind.REVIEW, False, text


def plan_board(
    inputs: Sequence[SpecInput],
    current: Board | None,
    options: BoardOptions,
    *,
    title: str,
) -> Board:
    """The desired board: ``current`` with its generated cards brought in line with ``inputs``."""
    board = _fresh_board(current, title, with_review=options.review_gate)
    wanted, namespaces = wanted_cards(inputs, options)
    by_identity = {w.identity: w for w in wanted}
    order = {w.identity: n for n, w in enumerate(wanted)}

    idents: list[str | None] = [None] * len(board.lines)
    for card in board_cards(board):
        identity = card_identity(card.text)
        if identity is not None and identity.split("#", 1)[0] in namespaces:
            idents[card.line_index] = identity
    final_newline = not board.lines or board.lines[-1].eol != ""
    editor = _Editor(lines=board.lines, idents=idents, eol=_dominant_eol(board.lines))

    # Generated cards that are no longer wanted, or duplicates, leave.
    first_row: dict[str, int] = {}
    for row, identity in enumerate(editor.idents):
        if identity is not None:
            first_row.setdefault(identity, row)
    for row in reversed(range(len(editor.lines))):  # bottom-up: rows above keep their index
        identity = editor.idents[row]
        if identity is not None and (identity not in by_identity or first_row[identity] != row):
            editor.remove(row)

    kinds = {kind for kind, _, _ in editor.columns()}
    gated = ColumnKind.REVIEW in kinds or options.review_gate
    blocked_column = (
        options.column_mapping is ColumnMapping.EXECUTION_STATE or ColumnKind.BLOCKED in kinds
    )
    present = {identity for identity in editor.idents if identity is not None}
    for want in wanted:
        index = editor.find(want.identity) if want.identity in present else None
        current_kind = editor.column_of(index) if index is not None else None
        target, checked, text = _decide(
            want, current_kind, editor.lines[index].text if index is not None else None,
            gated=gated, blocked_column=blocked_column,
        )
        if index is not None and (target is None or target == current_kind):
            line = editor.lines[index]
            line.text = _rewrite_card(line.text, text, checked)
            continue
        if index is not None:
            editor.remove(index)
        editor.place(target or ColumnKind.TODO, text, bool(checked), want.identity, order)

    _fix_line_endings(editor.lines, final_newline=final_newline, eol=editor.eol)
    return reclassify(board)


def _fix_line_endings(lines: list[BoardLine], *, final_newline: bool, eol: str) -> None:
    """Every line but the last ends with a newline; the last ends as the original file did."""
    for line in lines[:-1]:
        if not line.eol:
            line.eol = eol
    if lines:
        if not final_newline:
            lines[-1].eol = ""
        elif not lines[-1].eol:
            lines[-1].eol = eol
