"""Board column ↔ GitHub Status option: which option stands for which column.

Pure matching over the project's options, used both ways: a push picks each card's option
(:func:`status_option_map`), a pull reads an item's option back as a column
(:func:`column_of_status`). A column matches an option by name first (case, spaces, ``_`` and
``-`` ignored), then by any usual spelling of its kind (``DOING`` ↔ "In Progress").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kanbanger_daemon.core.board.format import board_columns
from kanbanger_daemon.models.board import Board
from kanbanger_daemon.models.github import ProjectInfo, StatusOption
from kanbanger_daemon.models.sync import DesiredCard, StatusChoice, StatusOptionMap

# Column kind → spellings of the same column on github.com (normalised: see ``normalise``).
# The first spelling of each kind is the name used when the daemon has to add the option.
KIND_SPELLINGS: dict[str, tuple[str, ...]] = {
    "BACKLOG": ("Backlog",),
    "TODO": ("Todo", "To Do", "Ready"),
    "DOING": ("In Progress", "Doing", "Started"),
    "REVIEW": ("In Review", "Review"),
    "BLOCKED": ("Blocked", "On Hold"),
    "DONE": ("Done", "Complete", "Completed", "Closed"),
}


def normalise(name: str) -> str:
    """Case-, space-, underscore- and hyphen-insensitive form of an option or column name."""
    return "".join(ch for ch in name.casefold() if ch not in " \t_-")


_KIND_BY_SPELLING: dict[str, str] = {
    normalise(spelling): kind
    for kind, spellings in KIND_SPELLINGS.items()
    for spelling in (kind, *spellings)
}


def column_kind_of(name: str) -> str | None:
    """The column kind a name stands for (``"in_progress"`` → ``"DOING"``), or None."""
    return _KIND_BY_SPELLING.get(normalise(name))


def match_status_option(
    column_kind_or_name: str, options: Iterable[StatusOption]
) -> StatusOption | None:
    """The option for a column: an exact (normalised) name first, then any spelling of its kind."""
    options = list(options)
    wanted = normalise(column_kind_or_name)
    for option in options:
        if normalise(option.name) == wanted:
            return option
    kind = column_kind_of(column_kind_or_name)
    if kind is None:
        return None
    for spelling in (kind, *KIND_SPELLINGS[kind]):
        for option in options:
            if normalise(option.name) == normalise(spelling):
                return option
    return None


def display_name(column_kind_or_name: str) -> str:
    """The name to give a new option: GitHub's usual spelling for known kinds."""
    kind = column_kind_of(column_kind_or_name)
    return KIND_SPELLINGS[kind][0] if kind else column_kind_or_name.strip()


def missing_option_names(wanted: Sequence[str], options: Sequence[StatusOption]) -> list[str]:
    """Display names of the wanted columns that have no option yet (no duplicates)."""
    missing: list[str] = []
    for name in wanted:
        if match_status_option(name, options) is not None:
            continue
        new = display_name(name)
        if all(normalise(new) != normalise(m) for m in missing):
            missing.append(new)
    return missing


def status_option_map(project: ProjectInfo, desired: Sequence[DesiredCard]) -> StatusOptionMap:
    """Each board column -> its Status option (by name first, then by the column's kind)."""
    out: StatusOptionMap = {}
    options = project.status_field.options
    for card in desired:
        if card.column in out:
            continue
        option = match_status_option(card.column, options) or match_status_option(
            card.column_kind.value, options
        )
        if option is not None:
            out[card.column] = StatusChoice(option_id=option.id, name=option.name)
    return out


def column_of_status(board: Board, project: ProjectInfo) -> dict[str, str]:
    """Status option name -> the first board column it stands for."""
    out: dict[str, str] = {}
    options = project.status_field.options
    for name, kind, _ in board_columns(board):
        option = match_status_option(name, options) or match_status_option(kind.value, options)
        if option is not None:
            out.setdefault(option.name, name)
    return out
