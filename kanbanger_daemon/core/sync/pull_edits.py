"""Two-way sync: what changed on GitHub, as edits of the local board. PURE.

A listing of the project is compared with what this workspace last synced (``CardState``'s
``synced_status`` / ``synced_title``) and with the local board:

- a card whose Status changed on GitHub while the board kept it in the synced column moves to
  the column of its new Status;
- a hand-written card retitled on GitHub is retitled on the board (generated cards take their
  titles from the SPEC: a remote retitle of one is undone by the next push);
- a card archived on GitHub leaves the board;
- a draft added on GitHub (no marker, never listed before) joins the board in the column of its
  Status, when this board is the only one of the workspace that goes to the project.

A value the board changed since the last sync is not pulled: the local change is pushed instead
(``core.sync.push_plan``). The board is then re-planned from its SPEC and progress as always, so a
generated card whose task has a progress status goes back where progress puts it: progress is
the authority, and the push that follows undoes the remote move (see ``survivors``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from kanbanger_daemon.core.board.cards import card_identity
from kanbanger_daemon.core.board.format import (
    board_cards,
    board_columns,
    card_line,
    card_parts,
    reclassify,
)
from kanbanger_daemon.core.sync.desired import desired_cards
from kanbanger_daemon.core.sync.item_match import marker_key_of
from kanbanger_daemon.core.sync.markers import parse_marker_key, parse_tag, tag_agrees, written_by
from kanbanger_daemon.models.board import Board, BoardLine, ColumnKind
from kanbanger_daemon.models.github import RemoteItem
from kanbanger_daemon.models.sync import DesiredCard, SyncState


class EditKind(StrEnum):
    MOVE = "move"
    RETITLE = "retitle"
    ARCHIVE = "archive"
    ADD = "add"


class RemoteEdit(BaseModel):
    """One change seen on GitHub. ``title`` is the card's text on the board (for ADD: the new
    card's text); ``column`` the column it goes to (MOVE, ADD); ``status`` the item's Status."""

    model_config = ConfigDict(frozen=True)

    kind: EditKind
    key: str  # the card's key (ADD: empty, the card has none yet)
    item_id: str
    title: str
    new_title: str | None = None
    column: str | None = None
    status: str | None = None
    # MOVE, ADD: the card it follows in its column on GitHub (None: the column's first), so the
    # board's column order matches the project's and the next push moves nothing.
    after_title: str | None = None
    by_person: bool = True  # False: another workspace made it (its sync tag agrees)

    def describe(self) -> str:
        if self.kind is EditKind.MOVE:
            return f'"{self.title}" moved to {self.column} on GitHub'
        if self.kind is EditKind.RETITLE:
            return f'"{self.title}" retitled "{self.new_title}" on GitHub'
        if self.kind is EditKind.ARCHIVE:
            return f'"{self.title}" archived on GitHub'
        return f'"{self.title}" added on GitHub in {self.column}'


def _items_by_key(
    remote: Sequence[RemoteItem], board_key: str, state: SyncState
) -> dict[str, RemoteItem]:
    known_ids = {card.item_id: key for key, card in state.cards.items() if card.item_id}
    out: dict[str, RemoteItem] = {}
    for item in remote:
        key = marker_key_of(item, board_key, state) or known_ids.get(item.item_id)
        if key is not None and (key not in out or out[key].is_archived):
            out[key] = item
    return out


def _entry_column(board: Board, column_of_status: Mapping[str, str], status: str | None) -> str:
    if status is not None and status in column_of_status:
        return column_of_status[status]
    columns = board_columns(board)
    todo = [name for name, kind, _ in columns if kind is ColumnKind.TODO]
    return todo[0] if todo else (columns[0][0] if columns else "TODO")


def find_remote_edits(
    board: Board,
    board_key: str,
    state: SyncState,
    remote: Sequence[RemoteItem],
    column_of_status: Mapping[str, str],
    *,
    take_new_drafts: bool,
) -> list[RemoteEdit]:
    """The remote changes the board should take (see the module docstring), in board order.

    ``column_of_status`` maps a Status option name to the board column it stands for.
    """
    status_of_column = {column: status for status, column in column_of_status.items()}
    by_key = _items_by_key(remote, board_key, state)
    cards = desired_cards(board, board_key)
    edits: list[RemoteEdit] = []
    for card in cards:
        known, item = state.cards.get(card.key), by_key.get(card.key)
        if known is None or item is None or known.item_id != item.item_id:
            continue
        if item.is_archived:
            if not known.archived:
                edits.append(RemoteEdit(kind=EditKind.ARCHIVE, key=card.key,
                                        item_id=item.item_id, title=card.title))
            continue
        edits.extend(
            edit for edit in _value_edits(card, item, known.synced_status, known.synced_title,
                                          column_of_status, status_of_column, state.workspace_id)
            # Seen before and overruled by this board's progress: nothing new to take in.
            if not (edit.kind is EditKind.MOVE and edit.status == known.left_status)
            and not (edit.kind is EditKind.RETITLE and edit.new_title == known.left_title)
        )
    if state.people_items is not None:
        seen = set(state.people_items)
        on_board = {card.key for card in cards}
        # Items bound to a card: ours, and people's drafts whose card is on the board (one taken
        # in whose card is missing, because the board write was lost, is offered again).
        bound = {c.item_id for k, c in state.cards.items()
                 if c.item_id and (k in on_board or not c.foreign)}
        for item in remote:
            if item.item_id in seen or item.is_archived or not item.content_id or not item.title:
                continue
            if _new_for_board(item, board_key, state, on_board, bound, take_new_drafts):
                column = _entry_column(board, column_of_status, item.status_name)
                edits.append(RemoteEdit(kind=EditKind.ADD, key="", item_id=item.item_id,
                                        title=" ".join(item.title.split()), column=column,
                                        status=item.status_name))
    title_of = {by_key[c.key].item_id: c.title for c in cards if c.key in by_key}
    return [_placed(edit, remote, title_of) for edit in edits]


def _new_for_board(item: RemoteItem, board_key: str, state: SyncState, on_board: set[str],
                   bound: set[str], take_new_drafts: bool) -> bool:
    """A draft a person added on GitHub (no marker at all; only when this board takes new
    drafts), or a card another clone added to this same board (its marker, a key this board
    lacks and never synced)."""
    if parse_marker_key(item.body) is None:
        # People's drafts are GitHub's to remove (archive them there).
        return take_new_drafts and item.item_id not in bound
    key = marker_key_of(item, board_key, state)
    if key is None or key in on_board:
        return False  # another board's item, or a card this board shows
    known = state.cards.get(key)
    synced_here = known is not None and known.synced_title is not None
    return not synced_here and not written_by(item.body, state.workspace_id)


def _placed(edit: RemoteEdit, remote: Sequence[RemoteItem],
            title_of: Mapping[str, str]) -> RemoteEdit:
    """``edit`` placed after the card GitHub shows before it in its Status column."""
    if edit.kind not in (EditKind.MOVE, EditKind.ADD):
        return edit
    index = next(i for i, item in enumerate(remote) if item.item_id == edit.item_id)
    for item in reversed(remote[:index]):
        if not item.is_archived and item.status_name == edit.status and item.item_id in title_of:
            return edit.model_copy(update={"after_title": title_of[item.item_id]})
    return edit


def _value_edits(
    card: DesiredCard,
    item: RemoteItem,
    synced_status: str | None,
    synced_title: str | None,
    column_of_status: Mapping[str, str],
    status_of_column: Mapping[str, str],
    me: str | None,
) -> list[RemoteEdit]:
    out: list[RemoteEdit] = []
    status_tagged, title_tagged = tag_agrees(item.body, item.status_name, item.title or "")
    tag = parse_tag(item.body)
    # A value this workspace wrote itself and no longer wants is an old request GitHub applied
    # late: not a change to take in (the push that follows repairs it).
    mine = me is not None and tag is not None and tag.by == me
    remote_status = item.status_name
    unchanged_here = status_of_column.get(card.column) == synced_status
    target = column_of_status.get(remote_status or "")
    echo = mine and status_tagged
    if (remote_status != synced_status and unchanged_here and target and target != card.column
            and not echo):
        out.append(RemoteEdit(kind=EditKind.MOVE, key=card.key, item_id=item.item_id,
                              title=card.title, column=target, status=remote_status,
                              by_person=not status_tagged))
    remote_title = " ".join((item.title or "").split())
    hand_written = card_identity(card.title) is None
    if (hand_written and remote_title and remote_title != synced_title
            and card.title == synced_title and remote_title != card.title
            and not (mine and title_tagged)):
        out.append(RemoteEdit(kind=EditKind.RETITLE, key=card.key, item_id=item.item_id,
                              title=card.title, new_title=remote_title,
                              by_person=not title_tagged))
    return out


def _find_card(board: Board, text: str) -> int | None:
    return next((c.line_index for c in board_cards(board) if c.text == text), None)


def _is_blank(line: BoardLine) -> bool:
    return not line.text.strip()


def _slot(board: Board, column: str, after_title: str | None) -> tuple[int, int] | None:
    """``(index, heading index)`` where a card goes in ``column``: right after ``after_title``
    if that card is there, at the top when ``after_title`` is None, else after the column's
    last card."""
    columns = board_columns(board)
    for n, (name, _kind, head) in enumerate(columns):
        if name != column:
            continue
        end = columns[n + 1][2] if n + 1 < len(columns) else len(board.lines)
        cards = [i for i in range(head + 1, end) if board.lines[i].kind == "card"]
        if after_title is None:
            return head + 1, head
        after = [i for i in cards if (card_parts(board.lines[i].text) or (False, ""))[1]
                 == after_title]
        return (after[0] if after else cards[-1] if cards else head) + 1, head
    return None


def _insert_card(board: Board, column: str, after_title: str | None, line: BoardLine) -> None:
    """Insert a pulled card laid out as ``plan_board`` lays out a generated one, so that two
    clones write the same bytes whichever way a card reached them: below the blank line under
    the heading, cards together, a blank line before the next heading."""
    slot = _slot(board, column, after_title)
    if slot is None:
        return
    at, head = slot
    lines = board.lines
    if at == head + 1:
        if at < len(lines) and _is_blank(lines[at]):
            at += 1
        elif at == len(lines):  # an empty last column: keep a blank under its heading
            lines.insert(at, BoardLine(text="", eol=line.eol))
            at += 1
    lines.insert(at, line)
    if at + 1 < len(lines) and lines[at + 1].kind == "heading":
        lines.insert(at + 1, BoardLine(text="", eol=line.eol))


def _remove_card(board: Board, index: int) -> None:
    """Remove a card line; removing the only card between two blank lines would leave a double
    blank line, so one of them goes too (as when ``plan_board`` moves a card)."""
    lines = board.lines
    del lines[index]
    if 0 < index < len(lines) and _is_blank(lines[index - 1]) and _is_blank(lines[index]):
        del lines[index]


def _is_done(board: Board, column: str) -> bool:
    return any(name == column and kind is ColumnKind.DONE for name, kind, _ in board_columns(board))


def apply_remote_edits(board: Board, edits: Sequence[RemoteEdit]) -> Board:
    """``board`` with ``edits`` applied; an edit whose card or column is gone is skipped."""
    out = reclassify(board)
    for edit in edits:
        index = _find_card(out, edit.title) if edit.kind is not EditKind.ADD else None
        if edit.kind is not EditKind.ADD and index is None:
            continue
        if edit.kind is EditKind.RETITLE and index is not None:
            checked = out.lines[index].text.lstrip("*-+ ").startswith("[x")
            eol = out.lines[index].eol
            out.lines[index] = BoardLine(text=card_line(edit.new_title or "", checked=checked),
                                         eol=eol, kind="card")
        elif edit.kind is EditKind.ARCHIVE and index is not None:
            _remove_card(out, index)
        else:
            if _slot(out, edit.column or "", edit.after_title) is None:
                continue  # its column is gone: the card stays where it is
            eol = out.lines[index].eol if index is not None else _eol(out)
            if index is not None:
                _remove_card(out, index)
            line = card_line(edit.title, checked=_is_done(out, edit.column or ""))
            _insert_card(out, edit.column or "", edit.after_title,
                         BoardLine(text=line, eol=eol or "\n", kind="card"))
        out = reclassify(out)
    return out


def _eol(board: Board) -> str:
    return next((line.eol for line in board.lines if line.eol), "\n")


def survivors(
    edits: Sequence[RemoteEdit], final: Sequence[DesiredCard]
) -> list[RemoteEdit]:
    """The edits still visible on the re-planned board ``final`` (progress may undo moves)."""
    by_title = {card.title: card for card in final}
    kept: list[RemoteEdit] = []
    for edit in edits:
        if edit.kind is EditKind.ARCHIVE:
            if edit.key not in {card.key for card in final}:
                kept.append(edit)
        elif edit.kind is EditKind.RETITLE:
            if edit.new_title in by_title:
                kept.append(edit)
        else:
            card = by_title.get(edit.title)
            if card is not None and card.column == edit.column:
                kept.append(edit)
    return kept
