"""``_kanban.md`` ⇄ ``Board``: a byte-exact round trip that reads columns and cards as kanbanger.

How kanbanger reads a board (``sync_kanban.LocalBoard.parse``), which we mirror exactly so that
both tools always agree on what a board holds:

- the file is read in text mode, so ``\\r\\n``, ``\\r`` and ``\\n`` all end a line; each line is
  ``str.strip()``-ed before matching;
- a column heading is ``^##\\s+(?:\\d+\\.\\s+)?(.+)`` (so ``## 2. DOING`` is DOING, ``### x`` is
  not a heading);
- a card is ``^\\*\\s+\\[([ xX])\\]\\s+(.+)`` and only counts once a heading has been seen;
- a heading maps to a column by substring of its upper-cased name, checked IN THIS ORDER:
  BACKLOG, then TO DO / TODO, then DOING / IN PROGRESS, then REVIEW, then DONE / COMPLETE.
  So ``## DONE (TODO)`` is TODO and ``## REVIEW DONE`` is REVIEW. kanbanger has no BLOCKED
  column: it keeps any other heading under its own name. We add BLOCKED only after kanbanger's
  five rules failed (``## BLOCKED REVIEW`` is REVIEW for both tools), everything else is OTHER;
- the file is decoded as plain UTF-8, so a BOM stays glued to the first line: a first line
  behind a BOM is never a heading or a card for kanbanger, and so not for us either. The title
  (``# Title``) is found like kanbanger's board-key insertion does: the first line that starts
  with ``# `` once a BOM is removed.
"""

from __future__ import annotations

import re

from kanbanger_daemon.models.board import Board, BoardLine, Card, ColumnKind

BOM = "\ufeff"

# kanbanger's own patterns (sync_kanban.LocalBoard.parse and kanban_io._BOARD_KEY_RE).
HEADING_RE = re.compile(r"^##\s+(?:\d+\.\s+)?(.+)", re.IGNORECASE)
CARD_RE = re.compile(r"^\*\s+\[([ xX])\]\s+(.+)")
BOARD_KEY_RE = re.compile(r"^\s*<!--\s*kanbanger:board-id:\s*([0-9A-Za-z-]{8,64})\s*-->\s*$")

# A line ending, found by itself: matching "text, then ending" instead restarts the scan at every
# character of a last line that has no ending, which made reading quadratic in that line.
_EOL_RE = re.compile(r"\r\n|\r|\n")

# The style we write: star + 3 spaces, as kanbanger's own boards and tools do.
CARD_PREFIX = "*   "


def column_kind(heading_name: str) -> ColumnKind:
    """The column role of a heading name (text after ``## ``), by kanbanger's substring order."""
    upper = heading_name.upper()
    if "BACKLOG" in upper:
        return ColumnKind.BACKLOG
    if "TO DO" in upper or "TODO" in upper:
        return ColumnKind.TODO
    if "DOING" in upper or "IN PROGRESS" in upper:
        return ColumnKind.DOING
    if "REVIEW" in upper:
        return ColumnKind.REVIEW
    if "DONE" in upper or "COMPLETE" in upper:
        return ColumnKind.DONE
    if "BLOCKED" in upper:
        return ColumnKind.BLOCKED
    return ColumnKind.OTHER


def heading_name(line_text: str) -> str | None:
    """The column name of a heading line as kanbanger reads it, or None if not a heading."""
    match = HEADING_RE.match(line_text.strip())
    return match.group(1).strip() if match else None


def card_parts(line_text: str) -> tuple[bool, str] | None:
    """``(checked, text)`` of a card line as kanbanger reads it, or None if not a card line."""
    match = CARD_RE.match(line_text.strip())
    if not match:
        return None
    return match.group(1).lower() == "x", match.group(2).strip()


def _split_lines(text: str) -> list[BoardLine]:
    lines: list[BoardLine] = []
    start = 0
    for match in _EOL_RE.finditer(text):
        lines.append(BoardLine(text=text[start:match.start()], eol=match.group()))
        start = match.end()
    if start < len(text):
        lines.append(BoardLine(text=text[start:], eol=""))
    return lines


def _classify(board: Board) -> None:
    """Set every line's ``kind`` from its text and context, exactly as kanbanger would read it."""
    seen_heading = False
    seen_title = False
    for index, line in enumerate(board.lines):
        # kanbanger sees the BOM as part of the first line's text.
        as_read = BOM + line.text if index == 0 and board.bom else line.text
        if heading_name(as_read) is not None:
            line.kind = "heading"
            seen_heading = True
        elif seen_heading and card_parts(as_read) is not None:
            line.kind = "card"
        elif not seen_title and line.text.startswith("# "):
            line.kind = "title"
            seen_title = True
        elif BOARD_KEY_RE.match(as_read):
            line.kind = "marker"
        else:
            line.kind = "other"


def parse_board(text: str) -> Board:
    """Read a board. Never raises: any text is a board (maybe with no columns)."""
    bom = text.startswith(BOM)
    board = Board(bom=bom, lines=_split_lines(text[1:] if bom else text))
    _classify(board)
    return board


def render_board(board: Board) -> str:
    """The exact text of a board: ``render_board(parse_board(t)) == t`` for every ``t``."""
    body = "".join(line.text + line.eol for line in board.lines)
    return BOM + body if board.bom else body


def reclassify(board: Board) -> Board:
    """A fresh, consistently classified copy of an edited board (kinds depend on context)."""
    return parse_board(render_board(board))


def board_cards(board: Board) -> list[Card]:
    """Every card in document order, with its column heading and role."""
    cards: list[Card] = []
    column = ""
    kind = ColumnKind.OTHER
    for index, line in enumerate(board.lines):
        if line.kind == "heading":
            column = heading_name(line.text) or ""
            kind = column_kind(column)
        elif line.kind == "card":
            parts = card_parts(line.text)
            if parts is None:  # kinds are stale: the board was edited without reclassify()
                continue
            checked, text = parts
            cards.append(
                Card(text=text, checked=checked, column=column, column_kind=kind, line_index=index)
            )
    return cards


def board_columns(board: Board) -> list[tuple[str, ColumnKind, int]]:
    """Every column heading in order: ``(name, kind, line_index)``."""
    return [
        (heading_name(line.text) or "", column_kind(heading_name(line.text) or ""), index)
        for index, line in enumerate(board.lines)
        if line.kind == "heading"
    ]


def board_title(board: Board) -> str | None:
    """The text of the ``# Title`` line, if any."""
    for line in board.lines:
        if line.kind == "title":
            return line.text[2:].strip()
    return None


def folder_title(folder: str) -> str:
    """A SPEC folder's name as a title: ``spec_innovation_dashboard`` → ``innovation dashboard``
    (the title of a board, or a retrospective, that covers the whole folder)."""
    return folder.removeprefix("spec_").replace("_", " ").strip() or folder


def board_id(board: Board) -> str | None:
    """kanbanger's board key (``<!-- kanbanger:board-id: … -->``): first marker wins.

    Computed the way ``kanban_io.extract_board_key`` does (over ``str.splitlines`` of the whole
    text), so both tools agree even on odd line separators.
    """
    for line in render_board(board).splitlines():
        match = BOARD_KEY_RE.match(line)
        if match:
            return match.group(1)
    return None


def card_line(text: str, *, checked: bool = False) -> str:
    """A card line in kanbanger's style: ``*   [ ] text``."""
    return f"{CARD_PREFIX}[{'x' if checked else ' '}] {text}"


def new_board(title: str, *, with_review: bool = False) -> Board:
    """A fresh board: ``# Title`` and the standard columns, kanbanger style."""
    columns = ["BACKLOG", "TODO", "DOING", *(["REVIEW"] if with_review else []), "DONE"]
    clean_title = " ".join(title.split()) or "Kanban"
    text = f"# {clean_title}\n" + "".join(f"\n## {name}\n" for name in columns)
    return parse_board(text)
