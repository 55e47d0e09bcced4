"""The input of each project mutation, built in one place (the client's methods and the push's
documents both use these). The key of each call is what its result is reported under."""

from __future__ import annotations

from typing import Any

from kanbanger_daemon.github import queries
from kanbanger_daemon.github.batching import Call, Mutation


def add_draft(project_id: str, key: str, title: str, body: str) -> Mutation:
    """A new draft issue (result key: ``key``)."""
    value = {"projectId": project_id, "title": title, "body": body}
    return Mutation(queries.ADD_DRAFT, Call(key, value))


def set_field_value(project_id: str, item_id: str, field_id: str,
                    value: dict[str, Any]) -> Mutation:
    """One field of an item: ``{"singleSelectOptionId": …}``, ``{"number": …}`` or
    ``{"text": …}`` (result key: the item id)."""
    data = {"projectId": project_id, "itemId": item_id, "fieldId": field_id, "value": value}
    return Mutation(queries.SET_FIELD_VALUE, Call(item_id, data))


def update_draft(draft_id: str, title: str | None, body: str | None) -> Mutation:
    """A draft's title and body; None leaves that one as it is (result key: the draft id)."""
    value = {"draftIssueId": draft_id}
    if title is not None:
        value["title"] = title
    if body is not None:
        value["body"] = body
    return Mutation(queries.UPDATE_DRAFT, Call(draft_id, value))


def archive_item(project_id: str, item_id: str, *, archive: bool = True) -> Mutation:
    kind = queries.ARCHIVE_ITEM if archive else queries.UNARCHIVE_ITEM
    return Mutation(kind, Call(item_id, {"projectId": project_id, "itemId": item_id}))


def move_item(project_id: str, item_id: str, after_id: str | None) -> Mutation:
    """Place an item right after ``after_id`` (None: first)."""
    value = {"projectId": project_id, "itemId": item_id, "afterId": after_id}
    return Mutation(queries.MOVE_ITEM, Call(item_id, value))
