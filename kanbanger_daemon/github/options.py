"""The safe way to add missing Status options (matching them to columns is core's:
``core.sync.status_options``).

GitHub replaces the whole option list on ``updateProjectV2Field``; an option sent without its
``id`` is a new option, and every card that had the old one loses its Status. So adding options
means resending every existing option with its id, colour and description, then checking that
no card lost its value. ``add_missing_options`` drives a client.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import structlog

from kanbanger_daemon.core.sync.status_options import (
    column_kind_of,
    missing_option_names,
    normalise,
)
from kanbanger_daemon.errors import GraphQLValidationError, PermanentError
from kanbanger_daemon.github.sender import ExpectedCaller
from kanbanger_daemon.models.github import (
    MutationResult,
    ProjectInfo,
    RemoteItem,
    StatusField,
    StatusOption,
)

log = structlog.get_logger(__name__)

NEW_OPTION_COLORS: dict[str, str] = {
    "BACKLOG": "GRAY",
    "TODO": "GREEN",
    "DOING": "YELLOW",
    "REVIEW": "BLUE",
    "BLOCKED": "RED",
    "DONE": "PURPLE",
}


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


def parse_options(raw: Any) -> tuple[StatusOption, ...]:
    """``options { id name color description }`` as GitHub returns them."""
    return tuple(
        StatusOption(
            id=str(o["id"]),
            name=str(o["name"]),
            color=str(o.get("color") or "GRAY"),
            description=str(o.get("description") or ""),
        )
        for o in raw or []
        if isinstance(o, dict) and o.get("id") is not None and o.get("name") is not None
    )


class OptionsClient(Protocol):
    """What adding options needs from the client."""

    async def list_items(
        self, project_id: str, *, status_field: str = "Status"
    ) -> list[RemoteItem]: ...

    async def set_statuses(
        self, project_id: str, field_id: str, changes: Sequence[tuple[str, str]], *,
        caller: ExpectedCaller | None = None,
    ) -> list[MutationResult]: ...

    async def replace_status_options(
        self, field_id: str, options: Sequence[dict[str, Any]]
    ) -> tuple[StatusOption, ...]: ...


async def add_missing_options(
    client: OptionsClient, project: ProjectInfo, wanted: Sequence[str], *,
    caller: ExpectedCaller | None = None,
) -> ProjectInfo:
    """Add the wanted columns that have no option, keeping every existing id and card value.

    Returns ``project`` itself when nothing is missing (no request at all). ``caller``: the
    expected caller this is done for (see ``DocumentQueue.expecting``).
    """
    field = project.status_field
    missing = missing_option_names(wanted, field.options)
    if not missing:
        return project
    names = ", ".join(missing)
    before = await client.list_items(project.project_id, status_field=field.name)
    had = {i.item_id: i.status_option_id for i in before if i.status_option_id}
    try:
        kept = await client.replace_status_options(field.id, option_inputs(field.options, missing))
    except GraphQLValidationError as exc:
        raise PermanentError(
            f"GitHub did not accept the Status options with their ids, so adding {names} could "
            f"wipe every card's Status; nothing was changed: add them on github.com ({exc})."
        ) from exc
    updated = project.model_copy(
        update={"status_field": StatusField(id=field.id, name=field.name, options=kept)}
    )
    after = await client.list_items(project.project_id, status_field=field.name)
    now = {i.item_id: i.status_option_id for i in after}
    lost_cards = [item for item, option in had.items() if now.get(item) != option]
    if lost_options(field.options, kept) or lost_cards:
        restored = await _restore_by_name(client, updated, had, field.options, lost_cards,
                                          caller)
        raise PermanentError(
            f"GitHub did not keep the existing Status option ids while adding {names}: "
            f"{len(lost_cards)} cards lost their Status and {restored} were given it back by "
            "option name; add options on github.com instead."
        )
    log.info("github.status_options.added", options=missing)
    return updated


async def _restore_by_name(
    client: OptionsClient,
    project: ProjectInfo,
    had: dict[str, str],
    old: Sequence[StatusOption],
    lost_cards: Sequence[str],
    caller: ExpectedCaller | None,
) -> int:
    """Best effort after an id loss: give each card the new option with its old option's name."""
    old_names = {o.id: normalise(o.name) for o in old}
    new_by_name = {normalise(o.name): o.id for o in project.status_field.options}
    changes = [
        (item, new_by_name[old_names[had[item]]])
        for item in lost_cards
        if had[item] in old_names and old_names[had[item]] in new_by_name
    ]
    if not changes:
        return 0
    results = await client.set_statuses(project.project_id, project.status_field.id, changes,
                                        caller=caller)
    return sum(r.ok for r in results)
