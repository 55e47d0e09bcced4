"""The token travels only in the Authorization header: never in bodies, errors, logs or reprs."""

from __future__ import annotations

import logging

import httpx
import pytest

from kanbanger_daemon.errors import KanbangerError
from kanbanger_daemon.github import DraftSpec
from tests.helpers.clock import FakeClock
from tests.helpers.mini_github import TOKEN, MiniGitHub, make_client


async def test_token_never_appears_outside_the_authorization_header(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = FakeClock()
    github = MiniGitHub(clock)
    # Replies that echo the token back, as a misbehaving proxy might.
    echo = {"errors": [{"message": f"token {TOKEN} is not allowed here"}]}
    github.script.extend(
        [
            github.reply(echo),  # preflight: a validation error quoting the token
            httpx.Response(502, text=f"<html>{TOKEN}</html>"),
            httpx.ReadTimeout(f"timeout talking with {TOKEN}"),
        ]
    )
    captured: list[str] = []
    client = make_client(github, clock, seed=1)
    async with client:
        endpoint = client.__dict__["_endpoint"]
        captured += [repr(client), repr(endpoint), str(endpoint.__dict__["_http"])]
        try:
            await client.preflight()
        except KanbangerError as exc:
            captured += [str(exc), repr(exc), repr(exc.args)]
        await client.discover("octo/repo", 1)  # 502 then timeout: retried
        github.script.append(("apply", httpx.RemoteProtocolError(f"reset {TOKEN}")))
        results = await client.create_drafts(
            "PVT_kwProject1", [DraftSpec(key="k", title="t", body="b")]
        )
        captured += [repr(r) for r in results] + [str(r.error) for r in results]
        github.script.append(
            httpx.Response(
                403,
                json={"message": f"secondary rate limit for {TOKEN}"},
                headers={"retry-after": "3"},
            )
        )
        await client.list_items("PVT_kwProject1")  # secondary limit, then fine
        captured += [repr(client.stats), client.stats.model_dump_json()]
        github.token = "ghp_other"  # now the token is refused
        try:
            await client.preflight()
        except KanbangerError as exc:
            captured += [str(exc), repr(exc)]
    out, err = capsys.readouterr()
    captured += [out, err, caplog.text]
    assert results[0].ambiguous  # the scenario really went through the lost-reply path
    assert not github.script  # every scripted fault was served
    for text in captured:
        assert TOKEN not in text
    for sent in github.sent:
        assert TOKEN not in sent.document and TOKEN not in repr(sent.variables)
        assert sent.headers["authorization"] == f"bearer {TOKEN}"
