"""Rate limits (with an injected clock), counters, latency and the standalone server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from typing import Any

import httpx

from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.clock import FakeClock
from tests.helpers.graphql_documents import VIEWER

START = 1_800_000_000.0  # 2027-01-15T08:00:00Z


def create_many(fake: FakeGitHub, count: int) -> httpx.Response:
    params = ", ".join(f"$i{n}: AddProjectV2DraftIssueInput!" for n in range(count))
    body = " ".join(f"m{n}: addProjectV2DraftIssue(input: $i{n}) {{ projectItem {{ id }} }}"
                    for n in range(count))
    variables: dict[str, Any] = {f"i{n}": {"projectId": fake.project_id(), "title": f"T{n}"}
                                 for n in range(count)}
    return fake.graphql(f"mutation({params}) {{ {body} }}", variables)


def test_creation_cap_80_a_minute_counts_each_aliased_create() -> None:
    clock = FakeClock(wall_start=START)
    with FakeGitHub(clock=clock.wall, enforce_creation_limits=True) as fake:
        for _ in range(4):
            assert create_many(fake, 20).status_code == 200
        clock.now += 30
        refused = create_many(fake, 1)
        assert refused.status_code == 403
        assert "secondary rate limit" in refused.json()["message"]
        assert refused.headers["retry-after"] == "30"  # when the first creates leave the window
        assert len(fake.items()) == 80 and fake.counters.rate_limit_refusals == 1
        clock.now += 30
        assert create_many(fake, 20).status_code == 200
        assert len(fake.items()) == 100


def test_creation_cap_500_an_hour() -> None:
    clock = FakeClock(wall_start=START)
    with FakeGitHub(clock=clock.wall, enforce_creation_limits=True) as fake:
        for _ in range(25):  # 25 × 20 = 500 creates, 20 a minute
            assert create_many(fake, 20).status_code == 200
            clock.now += 60
        refused = create_many(fake, 1)
        assert refused.status_code == 403
        assert int(refused.headers["retry-after"]) == 3600 - 25 * 60
        clock.now += 3600 - 25 * 60
        assert create_many(fake, 1).status_code == 200
        assert fake.counters.creates == 501


def test_without_enforcement_creates_are_not_capped() -> None:
    with FakeGitHub(clock=FakeClock(wall_start=START).wall) as fake:
        for _ in range(5):
            assert create_many(fake, 20).status_code == 200
        assert fake.counters.rate_limit_refusals == 0 and fake.counters.creates == 100


def test_primary_budget_runs_out_and_resets_after_an_hour() -> None:
    clock = FakeClock(wall_start=START)
    with FakeGitHub(clock=clock.wall, rate_limit_points=3) as fake:
        remaining = [fake.graphql(VIEWER).headers["x-ratelimit-remaining"] for _ in range(3)]
        assert remaining == ["2", "1", "0"]
        spent = fake.graphql(VIEWER)
        assert spent.json()["errors"][0]["type"] == "RATE_LIMITED"
        assert spent.headers["x-ratelimit-remaining"] == "0"
        assert int(spent.headers["x-ratelimit-reset"]) == int(clock.wall()) + 3600
        clock.now += 3600
        assert fake.graphql(VIEWER).json() == {"data": {"viewer": {"login": "octo"}}}


def test_rate_limit_query_reports_the_budget() -> None:
    clock = FakeClock(wall_start=START)
    with FakeGitHub(clock=clock.wall) as fake:
        fake.graphql(VIEWER)
        reply = fake.graphql("query { rateLimit { limit remaining used cost resetAt } }").json()
        assert reply["data"]["rateLimit"] == {
            "limit": 5000, "remaining": 4998, "used": 2, "cost": 1,
            "resetAt": "2027-01-15T09:00:00Z"}  # clock + 1 h


def test_counters_count_requests_documents_and_mutations_by_name() -> None:
    with FakeGitHub() as fake:
        fake.graphql(VIEWER)
        fake.graphql("query { nope }")  # invalid: a request, not a document
        create_many(fake, 3)
        item = fake.items()[0].id
        fake.graphql("mutation($i: ArchiveProjectV2ItemInput!) { m0: archiveProjectV2Item("
                     "input: $i) { item { id } } }",
                     {"i": {"projectId": fake.project_id(), "itemId": item}})
        counters = fake.counters
        assert (counters.requests, counters.documents, counters.queries,
                counters.mutation_documents, counters.creates) == (4, 3, 1, 2, 3)
        assert counters.mutations == {"addProjectV2DraftIssue": 3, "archiveProjectV2Item": 1}
        fake.reset_counters()
        assert fake.counters.requests == 0 and fake.requests_log == []


def test_latency_uses_the_injected_sleep() -> None:
    slept: list[float] = []
    with FakeGitHub(latency=0.1, sleep=slept.append) as fake:
        fake.graphql(VIEWER)
        fake.graphql(VIEWER)
    assert slept == [0.1, 0.1]


def test_standalone_server_prints_url_and_token_and_stops_on_sigterm() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "kanbanger_daemon.testing", "--port", "0"],
        stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        first = json.loads(process.stdout.readline())
        assert first["url"].startswith("http://127.0.0.1:") and first["url"].endswith("/graphql")
        reply = httpx.post(first["url"], json={"query": VIEWER},
                           headers={"Authorization": f"bearer {first['token']}"})
        assert reply.json() == {"data": {"viewer": {"login": "octo"}}}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
