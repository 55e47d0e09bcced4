"""Each injected fault behaves as specified, never corrupts state, and is reproducible by seed."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import httpx
import pytest

from kanbanger_daemon.testing import FAULT_KINDS, FakeGitHub, Faults
from tests.helpers.graphql_documents import VIEWER
from tests.helpers.waiting import wait_for

ITEM_TITLES = """query($p: ID!) { node(id: $p) { ... on ProjectV2 {
  items(first: 100) { nodes { content { ... on DraftIssue { title } } } } } } }"""
CREATE = """mutation($i0: AddProjectV2DraftIssueInput!) {
  m0: addProjectV2DraftIssue(input: $i0) { projectItem { id } } }"""
ARCHIVE_THREE = """mutation($i0: ArchiveProjectV2ItemInput!, $i1: ArchiveProjectV2ItemInput!,
  $i2: ArchiveProjectV2ItemInput!) {
  m0: archiveProjectV2Item(input: $i0) { item { id } }
  m1: archiveProjectV2Item(input: $i1) { item { id } }
  m2: archiveProjectV2Item(input: $i2) { item { id } } }"""


def create(fake: FakeGitHub, title: str, timeout: float = 5.0) -> httpx.Response:
    return fake.graphql(CREATE, {"i0": {"projectId": fake.project_id(), "title": title}},
                        timeout=timeout)


def titles_seen(fake: FakeGitHub) -> list[str]:
    reply = fake.graphql(ITEM_TITLES, {"p": fake.project_id()}).json()
    return [n["content"]["title"] for n in reply["data"]["node"]["items"]["nodes"]]


def test_http_502_has_an_html_body_and_applies_nothing(fake: FakeGitHub) -> None:
    fake.faults = Faults(seed=1, http_502=1.0)
    reply = create(fake, "A")
    assert reply.status_code == 502 and reply.headers["content-type"].startswith("text/html")
    assert "502 Bad Gateway" in reply.text
    assert fake.items() == [] and fake.counters.faults == {"http_502": 1}


def test_http_504_applies_nothing(fake: FakeGitHub) -> None:
    fake.faults = Faults(seed=1, http_504=1.0)
    reply = create(fake, "A")
    assert reply.status_code == 504 and "in time" in reply.json()["message"]
    assert fake.items() == []


def test_connection_reset_sends_no_reply_and_applies_nothing(fake: FakeGitHub) -> None:
    fake.faults = Faults(seed=1, connection_reset=1.0)
    with pytest.raises(httpx.TransportError):
        create(fake, "A")
    assert fake.items() == [] and fake.counters.faults == {"connection_reset": 1}
    assert fake.requests_log[-1].status is None
    fake.faults = Faults()
    assert create(fake, "B").status_code == 200  # the server itself is fine


def test_slow_reply_outlasts_the_client_timeout_but_the_mutation_still_happens(
        fake: FakeGitHub) -> None:
    fake.faults = Faults(seed=1, slow_reply=1.0, slow_seconds=0.3)
    with pytest.raises(httpx.ReadTimeout):  # no answer within 0.1 s
        create(fake, "A", timeout=0.1)
    wait_for(lambda: [i.title for i in fake.items()] == ["A"], 5.0,  # applied, as GitHub would
             "the slow create to be applied")
    assert fake.counters.faults == {"slow_reply": 1}


def test_something_went_wrong_is_200_with_github_message(fake: FakeGitHub) -> None:
    fake.faults = Faults(seed=1, something_went_wrong=1.0)
    reply = create(fake, "A")
    assert reply.status_code == 200
    assert reply.json()["errors"][0]["message"].startswith(
        "Something went wrong while executing your query")
    assert fake.items() == []


def test_secondary_rate_limit_is_403_with_retry_after(fake: FakeGitHub) -> None:
    fake.faults = Faults(seed=1, secondary_rate_limit=1.0, secondary_retry_after=7)
    reply = create(fake, "A")
    assert reply.status_code == 403 and reply.headers["retry-after"] == "7"
    assert "secondary rate limit" in reply.json()["message"]
    assert fake.items() == [] and fake.counters.rate_limit_refusals == 1


def test_primary_rate_limit_says_rate_limited_with_reset(fake: FakeGitHub) -> None:
    fake.faults = Faults(seed=1, primary_rate_limit=1.0, primary_reset_after=30)
    before = time.time()
    reply = create(fake, "A")
    assert reply.status_code == 200
    assert reply.headers["x-ratelimit-remaining"] == "0"
    assert before + 29 <= int(reply.headers["x-ratelimit-reset"]) <= time.time() + 32
    assert reply.json()["errors"][0]["type"] == "RATE_LIMITED"
    assert fake.items() == []
    fake.faults = Faults(seed=1, primary_rate_limit=1.0, primary_status=403)
    assert create(fake, "A").status_code == 403


def test_lost_reply_applies_the_mutation_and_loses_the_answer(fake: FakeGitHub) -> None:
    fake.faults = Faults(seed=3, lost_reply=1.0)
    outcomes = set()
    for n in range(6):
        try:
            outcomes.add(create(fake, f"T{n}").status_code)
        except httpx.TransportError:
            outcomes.add(0)  # connection dropped
    assert outcomes == {0, 502}  # both ways of losing a reply occur
    assert [i.title for i in fake.items()] == [f"T{n}" for n in range(6)]
    assert fake.counters.faults == {"lost_reply": 6}
    assert fake.graphql(VIEWER).status_code == 200  # queries' replies are never lost


def test_invisible_new_item_is_missing_from_the_next_listings(fake: FakeGitHub) -> None:
    fake.faults = Faults(seed=1, invisible_new_item=1.0, invisible_for_queries=2)
    assert create(fake, "A").status_code == 200
    assert [i.title for i in fake.items()] == ["A"]  # it exists...
    assert titles_seen(fake) == []  # ...but the first two listings do not show it
    assert titles_seen(fake) == []
    assert titles_seen(fake) == ["A"]
    assert fake.counters.faults == {"invisible_new_item": 1}


def test_partial_failure_fails_one_alias_and_applies_the_others(fake: FakeGitHub) -> None:
    ids = [fake.person_add_draft(t) for t in "ABC"]
    fake.faults = Faults(seed=5, partial_failure=1.0)
    project = fake.project_id()
    reply = fake.graphql(ARCHIVE_THREE, {f"i{n}": {"projectId": project, "itemId": item}
                                         for n, item in enumerate(ids)}).json()
    [error] = reply["errors"]
    failed = error["path"][0]
    assert error["message"].startswith("Something went wrong")
    assert reply["data"][failed] is None
    archived = [i.archived for i in fake.items()]
    assert archived.count(False) == 1 and not archived[int(failed[1:])]
    assert fake.counters.faults == {"partial_failure": 1}


def _fault_sequence(seed: int) -> list[Any]:
    with FakeGitHub(faults=Faults(seed=seed, http_502=0.3, something_went_wrong=0.3)) as fake:
        return [fake.graphql(VIEWER).status_code for _ in range(20)]


def test_a_seed_reproduces_the_same_faults() -> None:
    first, again, other = _fault_sequence(42), _fault_sequence(42), _fault_sequence(43)
    assert first == again and first != other
    assert 502 in first and 200 in first


def test_faults_come_after_credentials(fake: FakeGitHub) -> None:
    fake.faults = Faults(seed=1, http_502=1.0)
    assert fake.graphql(VIEWER, token="ghp_wrong").status_code == 401
    assert fake.counters.faults == {}


def test_every_kind_together_never_corrupts_state() -> None:
    faults = dataclasses.replace(Faults.everything(0.2, seed=9), slow_seconds=0.01)
    with FakeGitHub(faults=faults) as fake:
        applied = 0
        for n in range(30):
            try:
                reply = create(fake, f"T{n}")
            except httpx.TransportError:
                continue
            if reply.status_code == 200 and (reply.json().get("data") or {}).get("m0"):
                applied += 1
        titles = [i.title for i in fake.items()]
        assert len(titles) == len(set(titles))  # no create applied twice
        assert applied <= len(titles) <= 30  # a lost reply may hide a success, never invent one
        assert set(fake.counters.faults) <= set(FAULT_KINDS)


def test_fault_probabilities_are_checked() -> None:
    with pytest.raises(ValueError, match="probability"):
        Faults(http_502=1.5)
