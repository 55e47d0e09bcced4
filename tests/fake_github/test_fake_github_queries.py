"""The fake GitHub answers queries like GitHub (discovery, items page by page, not-found paths)
and handles requests like it: headers, tokens and scopes, invalid and malformed requests,
async clients, and a stop that joins every thread. Mutations are in
``test_fake_github_mutations``."""

from __future__ import annotations

import threading

import httpx
import pytest

from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.graphql_documents import DISCOVERY, ITEMS, list_items, send


def test_discovery_finds_repository_projects_and_status_options(fake: FakeGitHub) -> None:
    reply = fake.graphql(DISCOVERY, {"owner": "octo", "name": "specs", "number": 1})
    assert reply.status_code == 200
    repo = reply.json()["data"]["repository"]
    assert repo["nameWithOwner"] == "octo/specs" and repo["id"].startswith("R_")
    assert repo["projectsV2"]["nodes"] == [
        {"id": fake.project_id(), "number": 1, "title": "Specs"}]
    project = repo["projectV2"]
    assert project["id"].startswith("PVT_kw")
    status = next(f for f in project["fields"]["nodes"] if f["name"] == "Status")
    assert status["dataType"] == "SINGLE_SELECT" and status["id"].startswith("PVTSSF_")
    assert [o["name"] for o in status["options"]] == ["Todo", "In Progress", "Done"]
    assert all(len(o["id"]) == 8 and int(o["id"], 16) >= 0 for o in status["options"])
    title = next(f for f in project["fields"]["nodes"] if f["name"] == "Title")
    assert title["dataType"] == "TITLE" and "options" not in title
    assert reply.json()["data"]["rateLimit"]["limit"] == 5000


def test_every_reply_carries_github_headers(fake: FakeGitHub) -> None:
    reply = fake.graphql("query { viewer { login } }")
    assert reply.json() == {"data": {"viewer": {"login": "octo"}}}
    headers = reply.headers
    assert headers["x-oauth-scopes"] == "repo, project"
    assert headers["x-ratelimit-resource"] == "graphql"
    assert int(headers["x-ratelimit-limit"]) == 5000
    assert int(headers["x-ratelimit-remaining"]) == 4999
    assert int(headers["x-ratelimit-used"]) == 1
    assert int(headers["x-ratelimit-reset"]) > 1_700_000_000


def test_wrong_token_is_401_bad_credentials_and_token_scheme_is_accepted(
        fake: FakeGitHub) -> None:
    reply = fake.graphql("query { viewer { login } }", token="ghp_wrong")
    assert reply.status_code == 401
    assert reply.json()["message"] == "Bad credentials"
    ok = httpx.post(fake.url, json={"query": "{ viewer { login } }"},
                    headers={"Authorization": f"token {fake.token}"})
    assert ok.status_code == 200 and ok.json()["data"]["viewer"]["login"] == "octo"


def test_requests_log_never_holds_the_authorization_header(fake: FakeGitHub) -> None:
    fake.graphql("query { viewer { login } }")
    log = fake.requests_log
    assert len(log) == 1 and log[0].body["query"] == "query { viewer { login } }"
    assert fake.token not in repr(log)
    assert "authorization" not in {k.lower() for k in log[0].headers}


def test_unknown_repository_and_project_are_not_found_with_path(fake: FakeGitHub) -> None:
    reply = fake.graphql(DISCOVERY, {"owner": "octo", "name": "nope", "number": 1}).json()
    assert reply["data"] == {"repository": None, "rateLimit": reply["data"]["rateLimit"]}
    assert reply["errors"][0]["type"] == "NOT_FOUND"
    assert reply["errors"][0]["path"] == ["repository"]
    reply = fake.graphql(DISCOVERY, {"owner": "octo", "name": "specs", "number": 7}).json()
    assert reply["errors"][0]["type"] == "NOT_FOUND"
    assert reply["errors"][0]["path"] == ["repository", "projectV2"]


def test_a_second_linked_project_is_discoverable(fake: FakeGitHub) -> None:
    fake.add_project(2, "Other", ("Backlog", "Doing"), link_to="specs")
    reply = fake.graphql(DISCOVERY, {"owner": "octo", "name": "specs", "number": 2}).json()
    repo = reply["data"]["repository"]
    assert [p["number"] for p in repo["projectsV2"]["nodes"]] == [1, 2]
    status = next(f for f in repo["projectV2"]["fields"]["nodes"] if f["name"] == "Status")
    assert [o["name"] for o in status["options"]] == ["Backlog", "Doing"]


def test_missing_project_scope_is_insufficient_scopes() -> None:
    with FakeGitHub(scopes=("repo",)) as fake:
        reply = fake.graphql(DISCOVERY, {"owner": "octo", "name": "specs", "number": 1})
        assert reply.headers["x-oauth-scopes"] == "repo"
        assert reply.json()["errors"][0]["type"] == "INSUFFICIENT_SCOPES"
    with FakeGitHub(scopes=None) as fake:  # a fine-grained token: no scopes header
        reply = fake.graphql("query { viewer { login } }")
        assert "x-oauth-scopes" not in reply.headers


def test_invalid_document_is_rejected_without_data(fake: FakeGitHub) -> None:
    reply = fake.graphql("query { viewer { nope } }").json()
    assert "data" not in reply and "nope" in reply["errors"][0]["message"]
    assert fake.counters.documents == 0


def test_items_page_at_most_100_and_150_items_take_two_pages(fake: FakeGitHub) -> None:
    for n in range(150):
        fake.person_add_draft(f"Task {n}", "Todo" if n % 2 else None)
    fake.reset_counters()
    nodes = list_items(fake)
    assert fake.counters.queries == 2
    assert [n["content"]["title"] for n in nodes] == [f"Task {n}" for n in range(150)]
    assert nodes[1]["fieldValueByName"]["name"] == "Todo" and nodes[0]["fieldValueByName"] is None
    assert all(n["type"] == "DRAFT_ISSUE" and n["id"].startswith("PVTI_") for n in nodes)
    assert all(n["content"]["id"].startswith("DI_") for n in nodes)
    too_many = fake.graphql(ITEMS, {"projectId": fake.project_id(), "first": 101,
                                    "statusField": "Status"}).json()
    assert too_many["errors"][0]["type"] == "EXCESSIVE_PAGINATION"
    assert "101" in too_many["errors"][0]["message"]


def test_archived_items_are_listed_with_is_archived(fake: FakeGitHub) -> None:
    item = fake.person_add_draft("Old", "Done")
    fake.person_archive(item)
    [node] = list_items(fake)
    assert node["isArchived"] is True and node["fieldValueByName"]["name"] == "Done"


async def test_usable_from_async_tests(fake: FakeGitHub) -> None:
    async with httpx.AsyncClient() as client:
        reply = await client.post(fake.url, json={"query": "{ viewer { login } }"},
                                  headers={"Authorization": f"bearer {fake.token}"})
    assert reply.json()["data"]["viewer"]["login"] == "octo"


def test_stop_joins_every_thread_even_with_idle_keep_alive_connections() -> None:
    before = set(threading.enumerate())
    fake = FakeGitHub().start()
    client = httpx.Client(headers={"Authorization": f"bearer {fake.token}"})
    for _ in range(3):  # a keep-alive connection stays open in a handler thread
        assert client.post(fake.url, json={"query": "{ viewer { login } }"}).status_code == 200
    fake.stop()
    client.close()
    assert set(threading.enumerate()) - before == set()
    with pytest.raises(RuntimeError):
        _ = fake.url


def test_unknown_node_is_not_found(fake: FakeGitHub) -> None:
    reply = fake.graphql(ITEMS, {"projectId": "PVT_kwHOnope", "first": 10,
                                 "statusField": "Status"}).json()
    assert reply["data"]["node"] is None
    assert reply["errors"][0]["type"] == "NOT_FOUND" and reply["errors"][0]["path"] == ["node"]


def test_paging_continues_after_the_cursor_even_if_an_earlier_item_is_deleted(
        fake: FakeGitHub) -> None:
    ids = [fake.person_add_draft(f"T{n}") for n in range(5)]
    variables = {"projectId": fake.project_id(), "first": 2, "statusField": "Status"}
    first = fake.graphql(ITEMS, variables).json()["data"]["node"]["items"]
    fake.person_delete(ids[0])
    second = fake.graphql(ITEMS, {**variables, "after": first["pageInfo"]["endCursor"]}
                          ).json()["data"]["node"]["items"]
    assert [n["content"]["title"] for n in second["nodes"]] == ["T2", "T3"]
    missing = fake.graphql("query($p: ID!) { node(id: $p) { ... on ProjectV2 { items { "
                           "nodes { id } } } } }", {"p": fake.project_id()}).json()
    assert missing["errors"][0]["type"] == "MISSING_PAGINATION_BOUNDARIES"


def test_scopes_can_change_at_runtime(fake: FakeGitHub) -> None:
    fake.scopes = ("repo", "read:project")
    reply = fake.graphql(DISCOVERY, {"owner": "octo", "name": "specs", "number": 1}).json()
    assert "errors" not in reply  # reading needs read:project only
    created = send(fake, ("addProjectV2DraftIssue", {"projectId": fake.project_id(),
                                                     "title": "A"}))
    assert created["errors"][0]["type"] == "INSUFFICIENT_SCOPES" and fake.items() == []


def test_a_repository_without_linked_projects(fake: FakeGitHub) -> None:
    fake.unlink_project(1)
    reply = fake.graphql(DISCOVERY, {"owner": "octo", "name": "specs", "number": 1}).json()
    assert reply["data"]["repository"]["projectsV2"]["nodes"] == []
    assert reply["data"]["repository"]["projectV2"] is None
    assert reply["errors"][0]["path"] == ["repository", "projectV2"]


def test_malformed_requests_get_github_like_answers(fake: FakeGitHub) -> None:
    auth = {"Authorization": f"bearer {fake.token}"}
    not_json = httpx.post(fake.url, content=b"{nope", headers=auth)
    assert not_json.status_code == 400 and not_json.json()["message"] == "Problems parsing JSON"
    no_query = httpx.post(fake.url, json={"variables": {}}, headers=auth)
    assert no_query.status_code == 200 and "query attribute" in no_query.json()["errors"][0][
        "message"]
    syntax = httpx.post(fake.url, json={"query": "query {"}, headers=auth).json()
    assert "data" not in syntax and syntax["errors"][0]["locations"]
    elsewhere = httpx.post(fake.url.replace("/graphql", "/user"), json={}, headers=auth)
    assert elsewhere.status_code == 404
    named = httpx.post(fake.url, headers=auth, json={
        "query": "query A { viewer { login } } query B { viewer { id } }",
        "operationName": "B"}).json()
    assert named["data"]["viewer"]["id"].startswith("U_")
    assert fake.counters.documents == 1
