"""Query resolvers of the fake GitHub, pagination, and the per-document context."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from graphql import GraphQLAbstractType, GraphQLResolveInfo

from ._state import (
    DraftIssue,
    FakeError,
    Field,
    Item,
    Option,
    Project,
    Repository,
    StatusUpdate,
    Viewer,
    World,
)

MAX_PAGE = 100
CREATE_MUTATIONS = frozenset({"addProjectV2DraftIssue"})
SOMETHING_WENT_WRONG = (
    "Something went wrong while executing your query. Please include `{code}` when reporting "
    "this issue."
)


@dataclass
class SingleSelectValue:
    """An item's value of a single select field (`ProjectV2ItemFieldSingleSelectValue`)."""

    item: Item
    field: Field
    option: Option

    @property
    def id(self) -> str:
        return f"PVTFSV_{self.item.id.removeprefix('PVTI_')}{self.field.id[-4:]}"

    option_id = property(lambda self: self.option.id)
    name = property(lambda self: self.option.name)
    color = property(lambda self: self.option.color)
    description = property(lambda self: self.option.description)
    updated_at = property(lambda self: self.item.updated_at)


@dataclass
class TextValue:
    """`ProjectV2ItemFieldTextValue`."""

    item: Item
    field: Field
    text: str

    @property
    def id(self) -> str:
        return f"PVTFTV_{self.item.id.removeprefix('PVTI_')}{self.field.id[-4:]}"

    updated_at = property(lambda self: self.item.updated_at)


@dataclass
class NumberValue:
    """`ProjectV2ItemFieldNumberValue`."""

    item: Item
    field: Field
    number: float

    @property
    def id(self) -> str:
        return f"PVTFNV_{self.item.id.removeprefix('PVTI_')}{self.field.id[-4:]}"

    updated_at = property(lambda self: self.item.updated_at)


FieldValue = SingleSelectValue | TextValue | NumberValue


def field_value(project: Project, item: Item, fld: Field) -> FieldValue | None:
    """The item's value of one field, as GitHub presents it (None when unset)."""
    if fld is project.status_field:
        option = fld.option(item.status_option_id)
        return SingleSelectValue(item, fld, option) if option else None
    value = item.values.get(fld.id)
    if value is None:
        return None
    if fld.options is not None:
        option = fld.option(str(value))
        return SingleSelectValue(item, fld, option) if option else None
    if fld.data_type == "NUMBER":
        return NumberValue(item, fld, float(value))
    return TextValue(item, fld, str(value))


@dataclass
class RequestContext:
    """What resolvers of one document may see and do."""

    world: World
    scopes: frozenset[str] | None  # None: a fine-grained token (no x-oauth-scopes)
    rate_limit: dict[str, Any]
    failing_alias: str | None = None  # a partial_failure fault picked this alias
    hide_new_item: Callable[[], int] = lambda: 0  # > 0: queries a new item stays invisible
    count_fault: Callable[[str], None] = lambda kind: None
    count_mutation: Callable[[str], None] = lambda name: None  # every alias run, by name
    count_create: Callable[[], None] = lambda: None  # every item actually created
    projects_read: set[int] = field(default_factory=set)


def type_name(value: Any, info: Info, abstract: GraphQLAbstractType) -> str:
    if isinstance(value, Field):
        return "ProjectV2SingleSelectField" if value.options is not None else "ProjectV2Field"
    names: dict[type, str] = {
        Project: "ProjectV2", Item: "ProjectV2Item", DraftIssue: "DraftIssue",
        Repository: "Repository", Viewer: "User", StatusUpdate: "ProjectV2StatusUpdate",
        SingleSelectValue: "ProjectV2ItemFieldSingleSelectValue",
        TextValue: "ProjectV2ItemFieldTextValue", NumberValue: "ProjectV2ItemFieldNumberValue",
    }
    return names[type(value)]


# ---- pagination ------------------------------------------------------------------------------


def _cursor(index: int, node_id: str) -> str:
    return base64.b64encode(f"cursor:v2:{index}:{node_id}".encode()).decode()


def _start_after(cursor: str | None, ids: list[str]) -> int:
    """Index of the first node after `cursor`; robust to nodes moved or deleted meanwhile."""
    if cursor is None:
        return 0
    try:
        _, _, index, node_id = base64.b64decode(cursor).decode().split(":", 3)
        position = int(index)
    except ValueError as exc:
        raise FakeError(f"`{cursor}` does not appear to be a valid cursor.",
                        "INVALID_CURSOR_ARGUMENTS") from exc
    return ids.index(node_id) + 1 if node_id in ids else min(position + 1, len(ids))


def connection(nodes: list[Any], first: int | None, after: str | None, name: str
               ) -> dict[str, Any]:
    if first is None:
        raise FakeError(
            f"You must provide a `first` or `last` value to properly paginate the `{name}` "
            "connection.", "MISSING_PAGINATION_BOUNDARIES",
        )
    if first > MAX_PAGE:
        raise FakeError(
            f"Requesting {first} records on the `{name}` connection exceeds the `first` limit "
            f"of {MAX_PAGE} records.", "EXCESSIVE_PAGINATION",
        )
    if first < 0:
        raise FakeError("`first` on a connection cannot be less than zero.", "UNPROCESSABLE")
    ids = [n.id for n in nodes]
    start = _start_after(after, ids)
    page = list(enumerate(nodes))[start:start + first]
    edges = [{"cursor": _cursor(i, n.id), "node": n} for i, n in page]
    return {
        "edges": edges,
        "nodes": [n for _, n in page],
        "totalCount": len(nodes),
        "pageInfo": {
            "hasNextPage": start + len(page) < len(nodes),
            "hasPreviousPage": start > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


# ---- queries ---------------------------------------------------------------------------------


Info: TypeAlias = "GraphQLResolveInfo[RequestContext]"


def _ctx(info: Info) -> RequestContext:
    return info.context


def _need_scope(info: Info, *, write: bool) -> None:
    scopes = _ctx(info).scopes
    if scopes is None or "project" in scopes or (not write and "read:project" in scopes):
        return
    needed = "['project']" if write else "['read:project']"
    raise FakeError(
        f"Your token has not been granted the required scopes to execute this query. The "
        f"'{info.field_name}' field requires one of the following scopes: {needed}, but your "
        f"token has only been granted the: {sorted(scopes)} scopes. Please modify your token's "
        "scopes at: https://github.com/settings/tokens.", "INSUFFICIENT_SCOPES",
    )


def _repository(_: None, info: Info, owner: str, name: str, **__: Any
                ) -> Repository:
    repo = _ctx(info).world.repositories.get(f"{owner}/{name}".lower())
    if repo is None:
        raise FakeError(f"Could not resolve to a Repository with the name '{owner}/{name}'.",
                        "NOT_FOUND")
    return repo


def _node(_: None, info: Info, id: str) -> object:
    found = _ctx(info).world.node(id)
    if found is None:
        raise FakeError(f"Could not resolve to a node with the global id of '{id}'.",
                        "NOT_FOUND")
    if isinstance(found, Project | Item | Field | DraftIssue | StatusUpdate):
        _need_scope(info, write=False)
    return found


def _repo_projects(repo: Repository, info: Info, first: int | None = None,
                   after: str | None = None) -> dict[str, Any]:
    _need_scope(info, write=False)
    world = _ctx(info).world
    return connection([world.projects[n] for n in repo.project_numbers], first, after,
                      "projectsV2")


def _repo_project(repo: Repository, info: Info, number: int) -> Project:
    _need_scope(info, write=False)
    if number not in repo.project_numbers:
        raise FakeError(f"Could not resolve to a ProjectV2 with the number {number}.",
                        "NOT_FOUND")
    return _ctx(info).world.projects[number]


def _project_items(project: Project, info: Info, first: int | None = None,
                   after: str | None = None) -> dict[str, Any]:
    _ctx(info).projects_read.add(project.number)
    visible = [i for i in project.items if i.invisible_for <= 0]
    return connection(visible, first, after, "items")


def _project_fields(project: Project, info: Info, first: int | None = None,
                    after: str | None = None) -> dict[str, Any]:
    return connection(project.fields, first, after, "fields")


def _project_field(project: Project, info: Info, name: str) -> Field | None:
    return next((f for f in project.fields if f.name.lower() == name.lower()), None)


def _options(fld: Field, info: Info, names: list[str] | None = None
             ) -> list[Option]:
    options = fld.options or []
    if names is None:
        return options
    wanted = {n.lower() for n in names}
    return [o for o in options if o.name.lower() in wanted]


def _field_value(item: Item, info: Info, name: str) -> FieldValue | None:
    project = _ctx(info).world.projects[item.project_number]
    fld = next((f for f in project.fields if f.name.lower() == name.lower()), None)
    return field_value(project, item, fld) if fld is not None else None


def _rate_limit(_: None, info: Info, **__: Any) -> dict[str, Any]:
    return _ctx(info).rate_limit


def _project_of(obj: Item | Field | StatusUpdate, info: Info) -> Project:
    return _ctx(info).world.projects[obj.project_number]


RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("Query", "viewer"): lambda _, info: _ctx(info).world.viewer,
    ("Query", "rateLimit"): _rate_limit,
    ("Query", "repository"): _repository,
    ("Query", "node"): _node,
    ("Repository", "projectsV2"): _repo_projects,
    ("Repository", "projectV2"): _repo_project,
    ("ProjectV2", "closed"): lambda project, info: False,
    ("ProjectV2", "items"): _project_items,
    ("ProjectV2", "fields"): _project_fields,
    ("ProjectV2", "field"): _project_field,
    ("ProjectV2SingleSelectField", "options"): _options,
    ("ProjectV2SingleSelectField", "project"): _project_of,
    ("ProjectV2Field", "project"): _project_of,
    ("ProjectV2Item", "type"): lambda item, info: "DRAFT_ISSUE",
    ("ProjectV2Item", "isArchived"): lambda item, info: item.archived,
    # A BigInt travels as a string.
    ("ProjectV2Item", "fullDatabaseId"): lambda item, info: str(item.database_id),
    ("ProjectV2Item", "project"): _project_of,
    ("ProjectV2Item", "fieldValueByName"): _field_value,
    ("ProjectV2StatusUpdate", "project"): _project_of,
}

