"""The fake GitHub's world: users' projects, their fields, options and items.

Plain objects guarded by the server's lock (the caller holds it). Every change GitHub would make
goes through a method here, so the GraphQL resolvers and the "person on github.com" helpers apply
exactly the same rules (the option-id hazard included).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

# The colours and descriptions GitHub gives a new project's Status options.
DEFAULT_OPTION_LOOK: dict[str, tuple[str, str]] = {
    "todo": ("GREEN", "This item hasn't been started"),
    "in progress": ("YELLOW", "This is actively being worked on"),
    "done": ("PURPLE", "This has been completed"),
}


class FakeError(Exception):
    """An error GitHub would report in `errors[]`, with its `type` (NOT_FOUND, FORBIDDEN, …)."""

    def __init__(self, message: str, error_type: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type


def iso(epoch: float) -> str:
    """GitHub's DateTime format: ISO 8601 in UTC, seconds precision, `Z` suffix."""
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Option:
    id: str
    name: str
    color: str
    description: str


@dataclass
class DraftIssue:
    id: str
    title: str
    body: str
    created_at: float
    updated_at: float


@dataclass
class Field:
    id: str
    name: str
    data_type: str
    project_number: int
    options: list[Option] | None = None  # only for SINGLE_SELECT fields

    def option(self, option_id: str | None) -> Option | None:
        return next((o for o in self.options or () if o.id == option_id), None)


@dataclass
class Item:
    id: str
    project_number: int
    content: DraftIssue
    created_at: float
    updated_at: float
    status_option_id: str | None = None
    # Values of the other (custom) fields by field id: text, number, or an option id.
    values: dict[str, str | float] = field(default_factory=dict)
    archived: bool = False
    # An eventual-consistency fault: hidden from `items` for this many more query documents.
    invisible_for: int = 0
    # The primary key GitHub shows as `fullDatabaseId` and in the item's web address.
    database_id: int = 0


@dataclass
class StatusUpdate:
    id: str
    project_number: int
    body: str | None
    status: str | None
    created_at: float


@dataclass
class Project:
    id: str
    number: int
    title: str
    owner: str
    status_field: Field
    other_fields: list[Field]
    items: list[Item] = field(default_factory=list)  # list order is the board position
    status_updates: list[StatusUpdate] = field(default_factory=list)
    updated_at: float = 0.0

    @property
    def url(self) -> str:
        """Where a person opens the project on github.com (the fake's owner is a user)."""
        return f"https://github.com/users/{self.owner}/projects/{self.number}"

    @property
    def fields(self) -> list[Field]:
        # GitHub lists Title and Assignees before Status, then the rest.
        return [*self.other_fields[:2], self.status_field, *self.other_fields[2:]]


@dataclass
class Repository:
    id: str
    owner: str
    name: str
    project_numbers: list[int] = field(default_factory=list)

    @property
    def name_with_owner(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass
class Viewer:
    id: str
    login: str


class World:
    """Everything the fake GitHub knows. Not thread-safe: the server's lock guards it."""

    def __init__(self, owner: str, clock: Callable[[], float], id_seed: int = 0) -> None:
        self.clock = clock
        self._ids = random.Random(id_seed)  # ids look random but are reproducible
        self._database_ids = itertools.count(100_000_001)  # increasing, as GitHub's are
        self.viewer = Viewer(self._node_id("U_kgDO"), owner)
        self.repositories: dict[str, Repository] = {}
        self.projects: dict[int, Project] = {}

    # ---- ids -------------------------------------------------------------------------------

    def _node_id(self, prefix: str) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return prefix + "".join(self._ids.choice(alphabet) for _ in range(16))

    def new_option_id(self) -> str:
        return f"{self._ids.getrandbits(32):08x}"

    # ---- set-up ----------------------------------------------------------------------------

    def add_repository(self, name: str, owner: str | None = None) -> Repository:
        repo = Repository(self._node_id("R_kgDO"), owner or self.viewer.login, name)
        self.repositories[repo.name_with_owner.lower()] = repo
        return repo

    def add_project(self, number: int, title: str, status_options: Iterable[str]) -> Project:
        if number in self.projects:
            raise ValueError(f"project #{number} already exists")
        now = self.clock()
        status = Field(self._node_id("PVTSSF_lAHO"), "Status", "SINGLE_SELECT", number, [])
        status.options = [self._new_option(name) for name in status_options]
        others = [
            Field(self._node_id("PVTF_lAHO"), name, data_type, number)
            for name, data_type in (
                ("Title", "TITLE"),
                ("Assignees", "ASSIGNEES"),
                ("Labels", "LABELS"),
                ("Linked pull requests", "LINKED_PULL_REQUESTS"),
                ("Milestone", "MILESTONE"),
                ("Repository", "REPOSITORY"),
            )
        ]
        project = Project(
            self._node_id("PVT_kwHO"), number, title, self.viewer.login, status, others,
            updated_at=now,
        )
        self.projects[number] = project
        return project

    def _new_option(self, name: str, color: str | None = None, description: str | None = None
                    ) -> Option:
        look = DEFAULT_OPTION_LOOK.get(name.lower(), ("GRAY", ""))
        return Option(
            self.new_option_id(), name, color or look[0],
            description if description is not None else look[1],
        )

    # ---- lookups ---------------------------------------------------------------------------

    def node(self, node_id: str) -> object | None:
        """Any object by its global node id, as `Query.node` finds it."""
        if node_id == self.viewer.id:
            return self.viewer
        for repo in self.repositories.values():
            if repo.id == node_id:
                return repo
        for project in self.projects.values():
            if project.id == node_id:
                return project
            for fld in project.fields:
                if fld.id == node_id:
                    return fld
            for item in project.items:
                if item.id == node_id:
                    return item
                if item.content.id == node_id:
                    return item.content
            for update in project.status_updates:
                if update.id == node_id:
                    return update
        return None

    def project_by_id(self, project_id: str) -> Project:
        found = self.node(project_id)
        if not isinstance(found, Project):
            raise _not_found(project_id)
        return found

    def item_in(self, project: Project, item_id: str) -> Item:
        item = next((i for i in project.items if i.id == item_id), None)
        if item is None:
            if isinstance(self.node(item_id), Item):
                raise FakeError(
                    f"The item '{item_id}' does not belong to the project.", "NOT_FOUND"
                )
            raise _not_found(item_id)
        return item

    def item_of_draft(self, draft_id: str) -> Item:
        for project in self.projects.values():
            for item in project.items:
                if item.content.id == draft_id:
                    return item
        raise _not_found(draft_id)

    def item(self, item_id: str) -> Item:
        found = self.node(item_id)
        if not isinstance(found, Item):
            raise _not_found(item_id)
        return found

    # ---- changes (shared by mutations and person actions) ---------------------------------

    def add_draft(self, project: Project, title: str, body: str) -> Item:
        if not title.strip():
            raise FakeError("Title can't be blank", "UNPROCESSABLE")
        now = self.clock()
        draft = DraftIssue(self._node_id("DI_lAHO"), title, body, now, now)
        item = Item(self._node_id("PVTI_lAHO"), project.number, draft, now, now,
                    database_id=next(self._database_ids))
        project.items.append(item)  # GitHub adds new items at the bottom
        project.updated_at = now
        return item

    def update_draft(self, item: Item, title: str | None, body: str | None) -> None:
        if title is not None and not title.strip():
            raise FakeError("Title can't be blank", "UNPROCESSABLE")
        if title is not None:
            item.content.title = title
        if body is not None:
            item.content.body = body
        self._touch(item)

    def set_status(self, project: Project, item: Item, option_id: str | None) -> None:
        if option_id is not None and project.status_field.option(option_id) is None:
            raise FakeError(
                f"The single select option Id '{option_id}' does not belong to the field.",
                "UNPROCESSABLE",
            )
        item.status_option_id = option_id
        self._touch(item)

    def add_field(self, project: Project, name: str, data_type: str,
                  options: list[dict[str, str | None]] | None) -> Field:
        """`createProjectV2Field` for TEXT, NUMBER and SINGLE_SELECT (what the fake models)."""
        if not name.strip():
            raise FakeError("Name can't be blank", "UNPROCESSABLE")
        if any(f.name.lower() == name.strip().lower() for f in project.fields):
            raise FakeError("Name has already been taken", "UNPROCESSABLE")
        if data_type not in ("TEXT", "NUMBER", "SINGLE_SELECT"):
            raise FakeError(f"The fake GitHub does not model {data_type} fields.",
                            "UNPROCESSABLE")
        if data_type == "SINGLE_SELECT":
            new = Field(self._node_id("PVTSSF_lAHO"), name.strip(), data_type, project.number, [])
            if options:
                self.replace_options(new, options, project=project)
        else:
            new = Field(self._node_id("PVTF_lAHO"), name.strip(), data_type, project.number)
        project.other_fields.append(new)
        project.updated_at = self.clock()
        return new

    def set_value(self, project: Project, item: Item, field_: Field,
                  value: str | float | None) -> None:
        """Set (or clear, with None) one field of an item: an option id, a text or a number."""
        if field_ is project.status_field:
            self.set_status(project, item, None if value is None else str(value))
            return
        if field_.data_type not in ("TEXT", "NUMBER", "SINGLE_SELECT"):
            raise FakeError(f"The field '{field_.name}' cannot be set by this mutation.",
                            "UNPROCESSABLE")
        if value is None:
            item.values.pop(field_.id, None)
        elif field_.options is not None and field_.option(str(value)) is None:
            raise FakeError(
                f"The single select option Id '{value}' does not belong to the field.",
                "UNPROCESSABLE",
            )
        else:
            item.values[field_.id] = value
        self._touch(item)

    def set_archived(self, item: Item, archived: bool) -> None:
        item.archived = archived
        self._touch(item)

    def delete(self, project: Project, item: Item) -> None:
        project.items.remove(item)
        project.updated_at = self.clock()

    def move_after(self, project: Project, item: Item, after_id: str | None) -> None:
        """`updateProjectV2ItemPosition`: after `after_id`, or to the top when it is None."""
        after = self.item_in(project, after_id) if after_id else None
        if after is item:
            raise FakeError("An item cannot be positioned after itself.", "UNPROCESSABLE")
        project.items.remove(item)
        index = project.items.index(after) + 1 if after else 0
        project.items.insert(index, item)
        self._touch(item)

    def replace_options(self, field_: Field, wanted: list[dict[str, str | None]], *,
                        project: Project | None = None) -> None:
        """GitHub's singleSelectOptions semantics: the list REPLACES the options.

        An option sent with its `id` keeps that id (items keep their value); an option sent
        without one gets a NEW id, and every item whose option disappeared loses its value.
        """
        if field_.options is None:
            raise FakeError("Only single select fields have options.", "UNPROCESSABLE")
        if not wanted:
            return  # "If empty, no changes will be made to the options."
        names = [str(w["name"]).strip().lower() for w in wanted]
        if any(not n for n in names):
            raise FakeError("Option names can't be blank", "UNPROCESSABLE")
        if len(set(names)) != len(names):
            raise FakeError("Options must have unique names", "UNPROCESSABLE")
        new_options: list[Option] = []
        for w in wanted:
            wanted_id = w.get("id")
            if wanted_id and field_.option(wanted_id) is None:
                raise FakeError(
                    f"Could not resolve to a single select option with the id '{wanted_id}'.",
                    "NOT_FOUND",
                )
            new_options.append(Option(
                wanted_id or self.new_option_id(), str(w["name"]),
                str(w.get("color") or "GRAY"), str(w.get("description") or ""),
            ))
        field_.options = new_options
        kept = {o.id for o in new_options}
        project = project or self.projects[field_.project_number]
        for item in project.items:
            if field_ is project.status_field:
                if item.status_option_id is not None and item.status_option_id not in kept:
                    item.status_option_id = None
                    self._touch(item)
            elif field_.id in item.values and item.values[field_.id] not in kept:
                del item.values[field_.id]
                self._touch(item)
        project.updated_at = self.clock()

    def set_option_names(self, field_: Field, names: list[str]) -> None:
        """What a person does in the UI: existing names keep their ids, new ones get new ids."""
        by_name = {o.name: o for o in field_.options or ()}
        wanted: list[dict[str, str | None]] = []
        for name in names:
            old = by_name.get(name)
            look = self._new_option(name) if old is None else old
            wanted.append({"id": old.id if old else None, "name": name,
                           "color": look.color, "description": look.description})
        self.replace_options(field_, wanted)

    def add_status_update(self, project: Project, body: str | None, status: str | None
                          ) -> StatusUpdate:
        update = StatusUpdate(self._node_id("PVTSU_lAHO"), project.number, body, status,
                              self.clock())
        project.status_updates.append(update)
        return update

    def _touch(self, item: Item) -> None:
        now = self.clock()
        item.updated_at = now
        item.content.updated_at = max(item.content.updated_at, now)
        self.projects[item.project_number].updated_at = now


def _not_found(node_id: str) -> FakeError:
    return FakeError(f"Could not resolve to a node with the global id of '{node_id}'.",
                     "NOT_FOUND")
