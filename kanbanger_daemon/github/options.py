"""Board column ↔ Status option matching, and the safe way to add missing options.

GitHub replaces the whole option list on ``updateProjectV2Field``; an option sent without its
``id`` is a new option, and every card that had the old one loses its Status. So adding options
means resending every existing option with its id, colour and description. Pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from kanbanger_daemon.models.remote import StatusOption

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
NEW_OPTION_COLORS: dict[str, str] = {
    "BACKLOG": "GRAY",
    "TODO": "GREEN",
    "DOING": "YELLOW",
    "REVIEW": "BLUE",
    "BLOCKED": "RED",
    "DONE": "PURPLE",
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


def option_inputs(
    existing: Sequence[StatusOption], new_names: Sequence[str]
) -> list[dict[str, Any]]:
    """``ProjectV2SingleSelectFieldOptionInput`` values: every existing option WITH its id, then
    the new ones (no id)."""
    inputs: list[dict[str, Any]] = [
        {"id": o.id, "name": o.name, "color": o.color, "description": o.description}
        for o in existing
    ]
    for name in new_names:
        kind = column_kind_of(name)
        color = NEW_OPTION_COLORS.get(kind, "GRAY") if kind else "GRAY"
        inputs.append({"name": name, "color": color, "description": ""})
    return inputs


def lost_options(
    before: Sequence[StatusOption], after: Sequence[StatusOption]
) -> list[StatusOption]:
    """Options of ``before`` whose id is gone (or now names something else) in ``after``."""
    after_by_id = {o.id: o for o in after}
    return [
        o
        for o in before
        if o.id not in after_by_id or normalise(after_by_id[o.id].name) != normalise(o.name)
    ]
