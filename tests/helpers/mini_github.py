"""A small scripted GitHub behind httpx.MockTransport, for client tests that need exact faults.

It keeps a project in memory and answers the client's documents by their shape (the real
GraphQL execution is the job of kanbanger_daemon.testing.FakeGitHub). ``script`` lets a test say
what happens to the next requests: a canned reply (nothing applied), an exception before GitHub
sees the request, or "apply, then lose the reply".
"""

from __future__ import annotations

import itertools
import json
import random
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx

from kanbanger_daemon.github import GitHubClient
from tests.helpers.clock import FakeClock

TOKEN = "ghp_SuperSecretTokenValue1234567890abcd"
RESET_AT = 1_700_003_600


@dataclass
class Item:
    id: str
    draft_id: str
    title: str
    body: str
    status: str | None = None
    archived: bool = False


@dataclass
class Sent:
    document: str
    variables: dict[str, Any]
    headers: dict[str, str]
    at: float


# One scripted step: a reply instead of executing, an exception before executing, or
# ("apply", exception_or_response) to execute and then lose/replace the reply.
Step = httpx.Response | Exception | tuple[str, httpx.Response | Exception]


@dataclass
class MiniGitHub:
    clock: FakeClock
    token: str = TOKEN
    scopes: str | None = "repo, project"
    keep_option_ids: bool = True
    items: list[Item] = field(default_factory=list)
    options: list[dict[str, str]] = field(
        default_factory=lambda: [
            {"id": "aaaa0001", "name": "Todo", "color": "GREEN", "description": ""},
            {"id": "aaaa0002", "name": "In Progress", "color": "YELLOW", "description": ""},
            {"id": "aaaa0003", "name": "Done", "color": "PURPLE", "description": "finished"},
        ]
    )
    script: deque[Step] = field(default_factory=deque)
    sent: list[Sent] = field(default_factory=list)
    fail_titles: dict[str, dict[str, Any]] = field(default_factory=dict)  # per-alias errors
    remaining: int = 4999
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    # --- replies ----------------------------------------------------------------------------

    def headers(self) -> dict[str, str]:
        h = {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(RESET_AT),
            "x-ratelimit-used": str(5000 - self.remaining),
            "x-ratelimit-resource": "graphql",
        }
        if self.scopes is not None:
            h["x-oauth-scopes"] = self.scopes
        return h

    def reply(self, payload: dict[str, Any], status: int = 200) -> httpx.Response:
        return httpx.Response(status, json=payload, headers=self.headers())

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.sent.append(
            Sent(body["query"], body.get("variables") or {}, dict(request.headers), self.clock.now)
        )
        if request.headers.get("authorization") != f"bearer {self.token}":
            return httpx.Response(401, json={"message": "Bad credentials"}, headers=self.headers())
        if self.script:
            step = self.script.popleft()
            if isinstance(step, tuple):
                self.execute(body["query"], body.get("variables") or {})
                step = step[1]
            if isinstance(step, Exception):
                raise step
            return step
        return self.reply(self.execute(body["query"], body.get("variables") or {}))

    # --- execution by document shape --------------------------------------------------------

    def execute(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        if query.lstrip().startswith("mutation"):
            return self.mutate(query, variables)
        if "viewer" in query:
            return {"data": {"viewer": {"login": "octo"}, "rateLimit": None}}
        if "repository(" in query:
            return {"data": {"repository": self.repository(variables), "rateLimit": None}}
        return {"data": {"node": self.items_page(variables), "rateLimit": None}}

    def repository(self, variables: dict[str, Any]) -> dict[str, Any] | None:
        if variables["name"] != "repo":
            return None
        project = None
        if variables["number"] == 1:
            project = {
                "id": "PVT_kwProject1",
                "number": 1,
                "title": "Board",
                "fields": {
                    "nodes": [
                        {"id": "PVTF_title", "name": "Title", "dataType": "TITLE"},
                        {
                            "id": "PVTSSF_status",
                            "name": "Status",
                            "dataType": "SINGLE_SELECT",
                            "options": self.options,
                        },
                    ]
                },
            }
        return {
            "id": "R_repo",
            "nameWithOwner": "octo/repo",
            "projectsV2": {"nodes": [{"id": "PVT_kwProject1", "number": 1, "title": "Board"}]},
            "projectV2": project,
        }

    def items_page(self, variables: dict[str, Any]) -> dict[str, Any]:
        first = int(variables["first"])
        start = int(variables["after"] or 0)
        chunk = self.items[start : start + first]
        names = {o["id"]: o["name"] for o in self.options}
        nodes = [
            {
                "id": it.id,
                "isArchived": it.archived,
                "type": "DRAFT_ISSUE",
                "content": {"id": it.draft_id, "title": it.title, "body": it.body},
                "fieldValueByName": (
                    {"optionId": it.status, "name": names.get(it.status, "?")}
                    if it.status
                    else None
                ),
            }
            for it in chunk
        ]
        end = start + len(chunk)
        return {
            "items": {
                "pageInfo": {"hasNextPage": end < len(self.items), "endCursor": str(end)},
                "nodes": nodes,
            }
        }

    def find(self, item_id: str) -> Item | None:
        return next((it for it in self.items if it.id == item_id), None)

    def mutate(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        calls = re.findall(r"(m\d+): (\w+)\(input: \$(i\d+)\)", query)
        data: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        for alias, name, var in calls:
            value = variables[var]
            title = value.get("title")
            if title in self.fail_titles:
                data[alias] = None
                errors.append({**self.fail_titles[title], "path": [alias]})
                continue
            try:
                data[alias] = self.apply(name, value)
            except KeyError:
                data[alias] = None
                errors.append(
                    {"type": "NOT_FOUND", "path": [alias], "message": "Could not resolve node"}
                )
        return {"data": data, **({"errors": errors} if errors else {})}

    def apply(self, name: str, value: dict[str, Any]) -> dict[str, Any]:
        if name == "addProjectV2DraftIssue":
            n = next(self._ids)
            item = Item(f"PVTI_lA{n:04d}", f"DI_lA{n:04d}", value["title"], value.get("body", ""))
            self.items.append(item)
            return {"projectItem": {"id": item.id, "content": {"id": item.draft_id}}}
        if name == "updateProjectV2Field":
            new = []
            for opt in value["singleSelectOptions"]:
                oid = opt.get("id") if self.keep_option_ids else None
                new.append({**opt, "id": oid or f"{next(self._ids):08x}"})
            self.options = new
            ids = {o["id"] for o in new}
            for it in self.items:
                if it.status not in ids:
                    it.status = None
            return {"projectV2Field": {"id": value["fieldId"], "options": new}}
        if name == "updateProjectV2DraftIssue":
            item = next(it for it in self.items if it.draft_id == value["draftIssueId"])
            item.title = value.get("title") or item.title
            item.body = value["body"] if value.get("body") is not None else item.body
            return {"draftIssue": {"id": item.draft_id, "title": item.title, "body": item.body}}
        found = self.find(value["itemId"])
        if found is None:
            raise KeyError(value["itemId"])
        if name == "updateProjectV2ItemFieldValue":
            found.status = value["value"]["singleSelectOptionId"]
            content = {"id": found.draft_id, "body": found.body}
            return {"projectV2Item": {"id": found.id, "content": content}}
        if name in ("archiveProjectV2Item", "unarchiveProjectV2Item"):
            found.archived = name == "archiveProjectV2Item"
            return {"item": {"id": found.id}}
        if name == "updateProjectV2ItemPosition":
            self.items.remove(found)
            after = self.find(value["afterId"]) if value.get("afterId") else None
            self.items.insert(self.items.index(after) + 1 if after else 0, found)
            return {"items": {"nodes": [{"id": found.id}]}}
        raise AssertionError(f"unexpected mutation {name}")

    # --- helpers for assertions -------------------------------------------------------------

    def mutation_documents(self, name: str | None = None) -> list[Sent]:
        return [
            s
            for s in self.sent
            if s.document.startswith("mutation") and (name is None or name in s.document)
        ]


def make_client(github: MiniGitHub, clock: FakeClock, *, seed: int = 7,
                **kwargs: Any) -> GitHubClient:
    """A GitHubClient that talks to ``github`` (no network) on ``clock``, its retries jittered
    by ``random.Random(seed)``; ``kwargs`` go to the client (the token defaults to TOKEN)."""
    return GitHubClient(
        token=kwargs.pop("token", TOKEN),
        url="https://github.test/graphql",
        transport=github.transport(),
        clock=clock.monotonic,
        wall_clock=clock.wall,
        sleep=clock.sleep,
        rng=random.Random(seed),
        **kwargs,
    )
