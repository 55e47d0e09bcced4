"""Mutation resolvers of the fake GitHub (the Projects V2 mutations of DESIGN.md §6).

Each checks the token's scope, honours an injected partial failure for its alias, then applies
its change through World, so a failing alias changes nothing and the others still apply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._resolvers import SOMETHING_WENT_WRONG, Info, _ctx, _need_scope, connection
from ._state import FakeError, Field, Item, Project, World


def _begin(info: Info) -> World:
    ctx = _ctx(info)
    _need_scope(info, write=True)
    ctx.count_mutation(info.field_name)
    if ctx.failing_alias is not None and info.path.key == ctx.failing_alias:
        ctx.count_fault("partial_failure")
        raise FakeError(SOMETHING_WENT_WRONG.format(code="F4KE:0001"))
    return ctx.world


_TITLE_MAX = 256  # GitHub: "Title is too long (maximum is 256 characters)"


def _check_title(title: object) -> None:
    if isinstance(title, str) and len(title) > _TITLE_MAX:
        raise FakeError(f"Title is too long (maximum is {_TITLE_MAX} characters)",
                        "UNPROCESSABLE")


def _project_and_item(world: World, data: dict[str, Any]) -> tuple[Project, Item]:
    project = world.project_by_id(data["projectId"])
    return project, world.item_in(project, data["itemId"])


def add_draft(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    world = _begin(info)
    _check_title(input["title"])
    project = world.project_by_id(input["projectId"])
    item = world.add_draft(project, input["title"], input.get("body") or "")
    _ctx(info).count_create()
    hidden_for = _ctx(info).hide_new_item()
    if hidden_for > 0:
        item.invisible_for = hidden_for
    return {"clientMutationId": input.get("clientMutationId"), "projectItem": item}


# Which key of ProjectV2FieldValue each kind of field accepts.
_VALUE_KEYS = {"SINGLE_SELECT": "singleSelectOptionId", "TEXT": "text", "NUMBER": "number"}


def _field_of(project: Project, field_id: str) -> Field:
    found = next((f for f in project.fields if f.id == field_id), None)
    if found is None:
        raise FakeError(f"Could not resolve to a node with the global id of '{field_id}'.",
                        "NOT_FOUND")
    return found


def set_field_value(_: None, info: Info, input: dict[str, Any]
                    ) -> dict[str, Any]:
    world = _begin(info)
    project, item = _project_and_item(world, input)
    fld = _field_of(project, input["fieldId"])
    given = {k: v for k, v in input["value"].items() if v is not None}
    if len(given) != 1:
        raise FakeError("Only 1 value can be updated at a time.", "UNPROCESSABLE")
    [(key, value)] = given.items()
    if _VALUE_KEYS.get(fld.data_type) != key:
        raise FakeError(f"The field '{fld.name}' ({fld.data_type}) does not take a `{key}` "
                        "value.", "UNPROCESSABLE")
    world.set_value(project, item, fld, value)
    return {"clientMutationId": input.get("clientMutationId"), "projectV2Item": item}


def clear_field_value(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    world = _begin(info)
    project, item = _project_and_item(world, input)
    world.set_value(project, item, _field_of(project, input["fieldId"]), None)
    return {"clientMutationId": input.get("clientMutationId"), "projectV2Item": item}


def create_field(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    world = _begin(info)
    project = world.project_by_id(input["projectId"])
    created = world.add_field(project, input["name"], input["dataType"],
                              input.get("singleSelectOptions"))
    return {"clientMutationId": input.get("clientMutationId"), "projectV2Field": created}


def update_draft(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    world = _begin(info)
    _check_title(input.get("title"))
    item = world.item_of_draft(input["draftIssueId"])
    world.update_draft(item, input.get("title"), input.get("body"))
    return {"clientMutationId": input.get("clientMutationId"), "draftIssue": item.content}


def archive(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    world = _begin(info)
    item = _project_and_item(world, input)[1]
    world.set_archived(item, True)
    return {"clientMutationId": input.get("clientMutationId"), "item": item}


def unarchive(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    world = _begin(info)
    item = _project_and_item(world, input)[1]
    world.set_archived(item, False)
    return {"clientMutationId": input.get("clientMutationId"), "item": item}


def delete(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    world = _begin(info)
    project, item = _project_and_item(world, input)
    world.delete(project, item)
    return {"clientMutationId": input.get("clientMutationId"), "deletedItemId": item.id}


def move(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    world = _begin(info)
    project, item = _project_and_item(world, input)
    world.move_after(project, item, input.get("afterId"))
    # The payload's `items(first:)` is a connection over the project's new order.
    return {"clientMutationId": input.get("clientMutationId"), "project": project}


def position_items(payload: dict[str, Any], info: Info, first: int | None = None,
                   after: str | None = None) -> dict[str, Any]:
    project: Project = payload["project"]
    return connection(project.items, first, after, "items")


def update_field(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    world = _begin(info)
    found = world.node(input["fieldId"])
    if not isinstance(found, Field):
        raise FakeError(f"Could not resolve to a node with the global id of "
                        f"'{input['fieldId']}'.", "NOT_FOUND")
    options = input.get("singleSelectOptions")
    if options is not None:
        world.replace_options(found, options)
    if input.get("name"):
        found.name = input["name"]
    return {"clientMutationId": input.get("clientMutationId"), "projectV2Field": found}


def status_update(_: None, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    world = _begin(info)
    project = world.project_by_id(input["projectId"])
    update = world.add_status_update(project, input.get("body"), input.get("status"))
    return {"clientMutationId": input.get("clientMutationId"), "statusUpdate": update}


MUTATIONS: dict[str, Callable[..., Any]] = {
    "addProjectV2DraftIssue": add_draft,
    "updateProjectV2ItemFieldValue": set_field_value,
    "clearProjectV2ItemFieldValue": clear_field_value,
    "createProjectV2Field": create_field,
    "updateProjectV2DraftIssue": update_draft,
    "archiveProjectV2Item": archive,
    "unarchiveProjectV2Item": unarchive,
    "deleteProjectV2Item": delete,
    "updateProjectV2ItemPosition": move,
    "updateProjectV2Field": update_field,
    "createProjectV2StatusUpdate": status_update,
}
