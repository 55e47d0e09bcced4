"""FakeGitHub: the public face of the fake server (set-up, inspection, acting as a person)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import httpx

from ._faults import FaultDice, Faults
from ._gateway import Gateway, LoggedRequest, Reply, Tally
from ._http import HttpServer
from ._state import Item, Project, World

DEFAULT_TOKEN = "ghp_fake0KANBANGERdaemonTESTtoken000000"  # 40 chars, like a classic PAT


@dataclass(frozen=True)
class FakeItem:
    """A project item as a test sees it (a snapshot)."""

    id: str
    content_id: str
    title: str
    body: str
    status: str | None  # the Status option's name, None when unset
    status_option_id: str | None
    archived: bool
    position: int  # 0-based place in the project's order (archived items included)
    project_number: int
    # Other fields' values by field name: text, number, or the option's name.
    values: dict[str, str | float] = field(default_factory=dict)
    database_id: str = ""  # `fullDatabaseId`: the `itemId` of its address on github.com


@dataclass(frozen=True)
class FakeOption:
    id: str
    name: str
    color: str
    description: str


@dataclass(frozen=True)
class FakeCounters:
    requests: int = 0  # HTTP requests, whatever became of them
    documents: int = 0  # GraphQL documents that parsed and validated
    queries: int = 0
    mutation_documents: int = 0
    mutations: dict[str, int] = field(default_factory=dict)  # by field name, per alias run
    creates: int = 0
    rate_limit_refusals: int = 0  # primary + secondary, injected or enforced
    faults: dict[str, int] = field(default_factory=dict)  # injected, by kind


class FakeGitHub:
    """A GitHub GraphQL API for Projects V2 on 127.0.0.1, in a background thread.

    Use as a context manager or with start()/stop(). `url` is the endpoint to give a client.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        owner: str = "octo",
        repo: str = "specs",
        project_number: int = 1,
        project_title: str = "Specs",
        status_options: Iterable[str] = ("Todo", "In Progress", "Done"),
        scopes: Iterable[str] | None = ("repo", "project"),
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        latency: float = 0.0,
        enforce_creation_limits: bool = False,
        rate_limit_points: int = 5000,
        faults: Faults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._world = World(owner, clock)
        self._repo = self._world.add_repository(repo)
        self._default_project = project_number
        self._world.add_project(project_number, project_title, status_options)
        self._repo.project_numbers.append(project_number)
        self._stopping = threading.Event()
        self._sleep = sleep
        self._latency = latency
        self._gateway = Gateway(
            self._world, token=token, scopes=tuple(scopes) if scopes is not None else None,
            clock=clock, dice=FaultDice(faults or Faults()), points=rate_limit_points,
            enforce_creation_limits=enforce_creation_limits, wait=self._stopping.wait,
        )
        self._host, self._port = host, port
        self._http: HttpServer | None = None
        self._client: httpx.Client | None = None  # for graphql(), made on first use
        self.token = token
        self.owner = owner
        self.repo = repo

    # ---- life cycle --------------------------------------------------------------------------

    def start(self) -> Self:
        if self._http is None:
            self._stopping.clear()
            self._http = HttpServer(self._handle, self._host, self._port)
            self._http.start()
        return self

    def stop(self) -> None:
        """Stop serving and join every thread the server started."""
        if self._http is not None:
            self._stopping.set()  # ends slow replies at once
            self._http.stop()
            self._http = None
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._http is None:
            raise RuntimeError("FakeGitHub is not started")
        host, port = self._http.address
        return f"http://{host}:{port}/graphql"

    def graphql(self, query: str, variables: dict[str, Any] | None = None, *,
                token: str | None = None, timeout: float = 5.0) -> httpx.Response:
        """POST one document over real HTTP, as a client would (a convenience for tests)."""
        url = self.url
        with self._gateway.lock:
            if self._client is None:  # one client: building one costs ~20 ms (SSL context)
                self._client = httpx.Client()
            client = self._client
        return client.post(url, json={"query": query, "variables": variables or {}},
                           headers={"Authorization": f"bearer {token or self.token}"},
                           timeout=timeout)

    def _handle(self, method: str, path: str, headers: dict[str, str], raw: bytes
                ) -> Reply | None:
        if self._latency > 0:
            self._sleep(self._latency)
        return self._gateway.handle(method, path, headers, raw)

    # ---- configuration -----------------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        return self._gateway.dice.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        with self._gateway.lock:
            self._gateway.dice = FaultDice(faults)

    @property
    def enforce_creation_limits(self) -> bool:
        return self._gateway.enforce_creation_limits

    @enforce_creation_limits.setter
    def enforce_creation_limits(self, value: bool) -> None:
        with self._gateway.lock:
            self._gateway.enforce_creation_limits = value

    @property
    def creates_alone(self) -> bool:
        """Refuse a document that mixes creates with other mutations (off by default: GitHub
        runs the mutation fields of a document one after the other, whatever their kinds)."""
        return self._gateway.creates_alone

    @creates_alone.setter
    def creates_alone(self, value: bool) -> None:
        with self._gateway.lock:
            self._gateway.creates_alone = value

    @property
    def scopes(self) -> tuple[str, ...] | None:
        return self._gateway.scopes

    @scopes.setter
    def scopes(self, scopes: Iterable[str] | None) -> None:
        with self._gateway.lock:
            self._gateway.scopes = tuple(scopes) if scopes is not None else None

    def add_repository(self, name: str) -> str:
        """Another repository of the owner; returns its node id."""
        with self._gateway.lock:
            return self._world.add_repository(name).id

    def add_project(self, number: int, title: str | None = None,
                    status_options: Iterable[str] = ("Todo", "In Progress", "Done"),
                    *, link_to: str | None = None) -> str:
        """A new project of the owner (linked to `link_to` repo if given); returns its id."""
        with self._gateway.lock:
            project = self._world.add_project(number, title or f"Project {number}",
                                              status_options)
        if link_to is not None:
            self.link_project(number, link_to)
        return project.id

    def link_project(self, number: int, repo: str | None = None) -> None:
        with self._gateway.lock:
            target = self._world.repositories[f"{self.owner}/{repo or self.repo}".lower()]
            if number not in self._world.projects:
                raise KeyError(f"no project #{number}")
            if number not in target.project_numbers:
                target.project_numbers.append(number)

    def unlink_project(self, number: int, repo: str | None = None) -> None:
        """The repository no longer lists the project (e.g. to show "no linked project")."""
        with self._gateway.lock:
            target = self._world.repositories[f"{self.owner}/{repo or self.repo}".lower()]
            if number in target.project_numbers:
                target.project_numbers.remove(number)

    # ---- inspection --------------------------------------------------------------------------

    def project_id(self, number: int | None = None) -> str:
        with self._gateway.lock:
            return self._project(number).id

    def project_url(self, number: int | None = None) -> str:
        """The project's `url`: where a person opens it on github.com."""
        with self._gateway.lock:
            return self._project(number).url

    def status_field_id(self, number: int | None = None) -> str:
        with self._gateway.lock:
            return self._project(number).status_field.id

    def items(self, project_number: int | None = None, include_archived: bool = True
              ) -> list[FakeItem]:
        with self._gateway.lock:
            project = self._project(project_number)
            return [_snapshot(project, item, position)
                    for position, item in enumerate(project.items)
                    if include_archived or not item.archived]

    def item(self, item_id: str) -> FakeItem:
        with self._gateway.lock:
            found = self._world.item(item_id)
            project = self._world.projects[found.project_number]
            return _snapshot(project, found, project.items.index(found))

    def status_options(self, number: int | None = None) -> list[FakeOption]:
        with self._gateway.lock:
            return [FakeOption(o.id, o.name, o.color, o.description)
                    for o in self._project(number).status_field.options or ()]

    def fields(self, number: int | None = None) -> dict[str, str]:
        """Every field of the project: name -> dataType (TITLE, SINGLE_SELECT, TEXT, …)."""
        with self._gateway.lock:
            return {f.name: f.data_type for f in self._project(number).fields}

    def status_updates(self, number: int | None = None) -> list[tuple[str | None, str | None]]:
        """(status, body) of each createProjectV2StatusUpdate, oldest first."""
        with self._gateway.lock:
            return [(u.status, u.body) for u in self._project(number).status_updates]

    @property
    def counters(self) -> FakeCounters:
        with self._gateway.lock:
            tally = self._gateway.tally
            return FakeCounters(
                tally.requests, tally.documents, tally.queries, tally.mutation_documents,
                dict(tally.mutations), tally.creates, tally.rate_limit_refusals,
                dict(tally.faults),
            )

    def reset_counters(self) -> None:
        with self._gateway.lock:
            self._gateway.tally = Tally()
            self._gateway.log.clear()

    @property
    def requests_log(self) -> list[LoggedRequest]:
        """Every request received (Authorization header removed), oldest first."""
        with self._gateway.lock:
            return list(self._gateway.log)

    # ---- a person editing the board on github.com -------------------------------------------

    def person_move(self, item_id: str, status_name: str | None) -> None:
        with self._gateway.lock:
            item = self._world.item(item_id)
            project = self._world.projects[item.project_number]
            self._world.set_status(project, item, self._option_id(project, status_name))

    def person_rename(self, item_id: str, title: str) -> None:
        with self._gateway.lock:
            self._world.update_draft(self._world.item(item_id), title, None)

    def person_edit_body(self, item_id: str, body: str) -> None:
        with self._gateway.lock:
            self._world.update_draft(self._world.item(item_id), None, body)

    def person_archive(self, item_id: str) -> None:
        with self._gateway.lock:
            self._world.set_archived(self._world.item(item_id), True)

    def person_unarchive(self, item_id: str) -> None:
        with self._gateway.lock:
            self._world.set_archived(self._world.item(item_id), False)

    def person_delete(self, item_id: str) -> None:
        with self._gateway.lock:
            item = self._world.item(item_id)
            self._world.delete(self._world.projects[item.project_number], item)

    def person_add_draft(self, title: str, status_name: str | None = None, body: str = "",
                         project_number: int | None = None) -> str:
        """A draft added by hand (at the bottom); returns the new item's id."""
        with self._gateway.lock:
            project = self._project(project_number)
            item = self._world.add_draft(project, title, body)
            if status_name is not None:
                self._world.set_status(project, item, self._option_id(project, status_name))
            return item.id

    def person_move_after(self, item_id: str, after_id: str | None) -> None:
        """Drag an item below another (None: to the top)."""
        with self._gateway.lock:
            item = self._world.item(item_id)
            self._world.move_after(self._world.projects[item.project_number], item, after_id)

    def person_set_options(self, names: Iterable[str], project_number: int | None = None
                           ) -> None:
        """Edit the Status options in the UI: kept names keep their ids, new names get new
        ids, removed options disappear and their items lose their Status."""
        with self._gateway.lock:
            status = self._project(project_number).status_field
            self._world.set_option_names(status, list(names))

    # ---- helpers -----------------------------------------------------------------------------

    def _project(self, number: int | None) -> Project:
        wanted = self._default_project if number is None else number
        try:
            return self._world.projects[wanted]
        except KeyError:
            raise KeyError(f"no project #{wanted}") from None

    @staticmethod
    def _option_id(project: Project, status_name: str | None) -> str | None:
        if status_name is None:
            return None
        for option in project.status_field.options or ():
            if option.name == status_name:
                return option.id
        raise KeyError(f"no Status option named {status_name!r} in project #{project.number}")


def _snapshot(project: Project, item: Item, position: int) -> FakeItem:
    option = project.status_field.option(item.status_option_id)
    values: dict[str, str | float] = {}
    for fld in project.other_fields:
        if fld.id in item.values:
            chosen = fld.option(str(item.values[fld.id])) if fld.options is not None else None
            values[fld.name] = chosen.name if chosen else item.values[fld.id]
    return FakeItem(
        id=item.id, content_id=item.content.id, title=item.content.title,
        body=item.content.body, status=option.name if option else None,
        status_option_id=item.status_option_id, archived=item.archived, position=position,
        project_number=project.number, values=values, database_id=str(item.database_id),
    )
