"""GitHubClient against a scripted in-memory GitHub (httpx.MockTransport)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from kanbanger_daemon.errors import (
    AuthError,
    ConfigError,
    GraphQLValidationError,
    NotFoundError,
    PermanentError,
    ScopeError,
    TransientError,
)
from kanbanger_daemon.github import DraftSpec, GitHubClient
from tests.helpers.clock import FakeClock
from tests.helpers.mini_github import TOKEN, MiniGitHub, make_client


@pytest.fixture
async def client(github: MiniGitHub, clock: FakeClock) -> AsyncIterator[GitHubClient]:
    async with make_client(github, clock) as c:
        yield c


def drafts(n: int, prefix: str = "card") -> list[DraftSpec]:
    return [
        DraftSpec(key=f"{prefix}-{i}", title=f"{prefix} {i}", body=f"body {i}") for i in range(n)
    ]


# --- preflight ------------------------------------------------------------------------------


async def test_preflight_reports_login_and_scopes(client: GitHubClient) -> None:
    result = await client.preflight()
    assert result.login == "octo"
    assert result.scopes == ("repo", "project")
    assert result.token_kind == "classic"


async def test_preflight_explains_a_missing_project_scope(
    client: GitHubClient, github: MiniGitHub
) -> None:
    github.scopes = "repo, read:org"
    with pytest.raises(ScopeError) as info:
        await client.preflight()
    assert "`project` scope" in info.value.message
    assert "repo, read:org" in info.value.message
    assert info.value.message.count(". ") == 0  # one sentence


async def test_preflight_explains_a_fine_grained_token(
    github: MiniGitHub, clock: FakeClock
) -> None:
    github.token = "github_pat_11ABCDEFG0123456789_abcdefghijklmnop"
    github.scopes = None
    async with make_client(github, clock, token=github.token) as c:
        with pytest.raises(ScopeError, match=r"fine-grained personal access token.*classic token"):
            await c.preflight()


async def test_preflight_bad_token_is_an_auth_error_without_retry(
    github: MiniGitHub, clock: FakeClock
) -> None:
    async with make_client(github, clock, token="ghp_wrongwrongwrong") as c:
        with pytest.raises(AuthError, match="401"):
            await c.preflight()
    assert len(github.sent) == 1


# --- discovery and listing ------------------------------------------------------------------


async def test_discover_finds_status_field_and_caches(
    client: GitHubClient, github: MiniGitHub
) -> None:
    project = await client.discover("octo/repo", 1)
    assert project.project_id == "PVT_kwProject1"
    assert project.repo_id == "R_repo"
    assert [o.name for o in project.status_field.options] == ["Todo", "In Progress", "Done"]
    assert project.status_field.options[2].description == "finished"
    await client.discover("octo/repo", 1)
    assert len(github.sent) == 1  # cached
    await client.discover("octo/repo", 1, refresh=True)
    assert len(github.sent) == 2


async def test_discover_names_linked_projects_when_the_number_is_wrong(
    client: GitHubClient,
) -> None:
    with pytest.raises(NotFoundError, match=r"Project #7 is not linked.*#1 'Board'"):
        await client.discover("octo/repo", 7)


async def test_discover_unknown_repo_and_bad_repo_string(client: GitHubClient) -> None:
    with pytest.raises(NotFoundError, match="octo/nope was not found"):
        await client.discover("octo/nope", 1)
    with pytest.raises(NotFoundError, match="owner/name"):
        await client.discover("just-a-name", 1)


async def test_list_items_pages_by_100_and_flags_archived(
    client: GitHubClient, github: MiniGitHub
) -> None:
    for i in range(230):
        github.apply("addProjectV2DraftIssue", {"title": f"t{i}", "body": ""})
    github.items[5].archived = True
    github.items[6].status = "aaaa0002"
    items = await client.list_items("PVT_kwProject1")
    assert [i.title for i in items] == [f"t{i}" for i in range(230)]
    assert [s.variables["first"] for s in github.sent] == [100, 100, 100]
    assert items[5].is_archived and not items[4].is_archived
    assert (items[6].status_option_id, items[6].status_name) == ("aaaa0002", "In Progress")
    assert items[0].content_id is not None and items[0].content_id.startswith("DI_")


async def test_list_items_halves_the_page_after_a_502(
    client: GitHubClient, github: MiniGitHub
) -> None:
    for i in range(60):
        github.apply("addProjectV2DraftIssue", {"title": f"t{i}", "body": ""})
    github.script.append(httpx.Response(502, text="<html>Bad gateway</html>"))
    github.script.append(httpx.ReadTimeout("slow"))
    items = await client.list_items("PVT_kwProject1")
    assert len(items) == 60
    assert [s.variables["first"] for s in github.sent] == [100, 50, 25, 25, 25]


async def test_list_items_gives_up_after_max_attempts(github: MiniGitHub, clock: FakeClock) -> None:
    github.script.extend(httpx.Response(503, text="down") for _ in range(10))
    async with make_client(github, clock, max_attempts=4) as c:
        with pytest.raises(TransientError, match="503"):
            await c.list_items("PVT_kwProject1")
        assert c.stats.retries == 3
    assert len(github.sent) == 4


async def test_transient_query_fault_is_retried_with_growing_jittered_waits(
    client: GitHubClient, github: MiniGitHub, clock: FakeClock
) -> None:
    wrong = {
        "data": None,
        "errors": [{"message": "Something went wrong while executing your query."}],
    }
    github.script.extend([github.reply(wrong), github.reply(wrong), httpx.ConnectError("refused")])
    project = await client.discover("octo/repo", 1)
    assert project.number == 1
    assert len(github.sent) == 4
    assert len(clock.sleeps) == 3
    assert 0.5 <= clock.sleeps[0] <= 1.0 and 1.0 <= clock.sleeps[1] <= 2.0
    assert 2.0 <= clock.sleeps[2] <= 4.0


async def test_validation_error_is_permanent_and_not_retried(
    client: GitHubClient, github: MiniGitHub
) -> None:
    invalid = {"errors": [{"message": "Field 'nope' doesn't exist on type 'Query'"}]}
    github.script.append(github.reply(invalid))
    with pytest.raises(GraphQLValidationError, match="doesn't exist"):
        await client.discover("octo/repo", 1)
    assert len(github.sent) == 1


# --- mutations ------------------------------------------------------------------------------


async def test_creates_go_25_per_document_and_alone(
    client: GitHubClient, github: MiniGitHub
) -> None:
    results = await client.create_drafts("PVT_kwProject1", drafts(60))
    assert [r.key for r in results] == [f"card-{i}" for i in range(60)]
    assert all(r.ok and r.item_id and r.content_id for r in results)
    docs = github.mutation_documents()
    assert [len(d.variables) for d in docs] == [25, 25, 10]
    assert all(d.document.count("addProjectV2DraftIssue") == len(d.variables) for d in docs)
    assert [it.title for it in github.items] == [f"card {i}" for i in range(60)]
    assert client.stats.creates == 60 and client.stats.mutation_documents == 3


async def test_other_mutations_go_50_per_document(client: GitHubClient, github: MiniGitHub) -> None:
    created = await client.create_drafts("PVT_kwProject1", drafts(120))
    changes = [(r.item_id or "", "aaaa0003") for r in created]
    results = await client.set_statuses("PVT_kwProject1", "PVTSSF_status", changes)
    assert all(r.ok for r in results)
    assert [
        len(d.variables) for d in github.mutation_documents("updateProjectV2ItemFieldValue")
    ] == [
        50,
        50,
        20,
    ]
    assert all(it.status == "aaaa0003" for it in github.items)


async def test_partial_failure_is_reported_per_alias(
    client: GitHubClient, github: MiniGitHub
) -> None:
    github.fail_titles["card 3"] = {"type": "FORBIDDEN", "message": "Resource not accessible"}
    results = await client.create_drafts("PVT_kwProject1", drafts(6))
    assert [r.ok for r in results] == [True, True, True, False, True, True]
    bad = results[3]
    assert isinstance(bad.error, PermanentError) and not bad.ambiguous
    assert "Resource not accessible" in str(bad.error)
    assert len(github.mutation_documents()) == 1  # no retry of a permanent error
    assert len(github.items) == 5


async def test_missing_item_fails_only_its_alias(client: GitHubClient, github: MiniGitHub) -> None:
    created = await client.create_drafts("PVT_kwProject1", drafts(3))
    ids = [r.item_id or "" for r in created]
    results = await client.archive_items("PVT_kwProject1", [ids[0], "PVTI_gone", ids[2]])
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, NotFoundError)
    assert [it.archived for it in github.items] == [True, False, True]


async def test_lost_reply_after_create_is_ambiguous_and_not_replayed(
    client: GitHubClient, github: MiniGitHub
) -> None:
    github.script.append(("apply", httpx.ReadTimeout("reply lost")))
    results = await client.create_drafts("PVT_kwProject1", drafts(4))
    assert all(r.ambiguous and not r.ok for r in results)
    assert "adopt" in str(results[0].error)
    assert len(github.mutation_documents()) == 1
    assert len(github.items) == 4  # created once, never twice


async def test_502_after_create_halves_later_create_documents(
    client: GitHubClient, github: MiniGitHub
) -> None:
    github.script.append(("apply", httpx.Response(502, text="<html>502</html>")))
    results = await client.create_drafts("PVT_kwProject1", drafts(50))
    assert [r.ambiguous for r in results] == [True] * 25 + [False] * 25
    assert all(r.ok for r in results[25:])
    assert [len(d.variables) for d in github.mutation_documents()] == [25, 12, 12, 1]
    assert len(github.items) == 50


async def test_create_refused_before_sending_is_retried(
    client: GitHubClient, github: MiniGitHub
) -> None:
    github.script.append(httpx.ConnectError("connection refused"))
    results = await client.create_drafts("PVT_kwProject1", drafts(3))
    assert all(r.ok and not r.ambiguous for r in results)
    assert len(github.items) == 3
    assert client.stats.retries == 1


async def test_idempotent_batch_is_retried_after_a_lost_reply(
    client: GitHubClient, github: MiniGitHub
) -> None:
    created = await client.create_drafts("PVT_kwProject1", drafts(2))
    github.script.append(("apply", httpx.RemoteProtocolError("reset")))
    changes = [(r.item_id or "", "aaaa0002") for r in created]
    results = await client.set_statuses("PVT_kwProject1", "PVTSSF_status", changes)
    assert all(r.ok for r in results)
    assert len(github.mutation_documents("updateProjectV2ItemFieldValue")) == 2


async def test_idempotent_batch_is_split_after_a_timeout(
    client: GitHubClient, github: MiniGitHub
) -> None:
    created = await client.create_drafts("PVT_kwProject1", drafts(40))
    github.script.append(httpx.ReadTimeout("too big"))
    ids = [r.item_id or "" for r in created]
    results = await client.archive_items("PVT_kwProject1", ids)
    assert [r.key for r in results] == ids and all(r.ok for r in results)
    sizes = [len(d.variables) for d in github.mutation_documents("archiveProjectV2Item")]
    assert sizes == [40, 25, 15]
    assert all(it.archived for it in github.items)


async def test_alias_refused_as_too_quick_is_retried_after_a_pause(
    client: GitHubClient, github: MiniGitHub, clock: FakeClock
) -> None:
    github.fail_titles["card 2"] = {"message": "was submitted too quickly"}
    first = client.create_drafts("PVT_kwProject1", drafts(4))
    # The refusal lasts for one document only: clear it once it was seen.
    original = github.mutate

    def mutate_once(query: str, variables: dict[str, object]) -> dict[str, object]:
        out = original(query, variables)
        github.fail_titles.clear()
        return out

    github.mutate = mutate_once  # type: ignore[method-assign]
    results = await first
    assert all(r.ok for r in results)
    assert [it.title for it in github.items] == ["card 0", "card 1", "card 3", "card 2"]
    docs = github.mutation_documents()
    assert [len(d.variables) for d in docs] == [4, 1]
    assert docs[1].at - docs[0].at >= 60.0  # secondary limit without retry-after: 60 s


async def test_update_unarchive_and_move(client: GitHubClient, github: MiniGitHub) -> None:
    created = await client.create_drafts("PVT_kwProject1", drafts(3))
    a, b, c = (r.item_id or "" for r in created)
    draft_b = created[1].content_id or ""
    assert (await client.update_drafts([(draft_b, "renamed", "new body")]))[0].ok
    assert github.items[1].title == "renamed" and github.items[1].body == "new body"
    await client.archive_items("PVT_kwProject1", [a])
    assert (await client.unarchive_items("PVT_kwProject1", [a]))[0].ok
    assert not github.items[0].archived
    moved = await client.move_items("PVT_kwProject1", [(c, None), (a, b)])
    assert all(m.ok for m in moved)
    assert [it.id for it in github.items] == [c, b, a]


# --- status options -------------------------------------------------------------------------


async def test_adding_status_options_resends_existing_ids_and_keeps_card_statuses(
    client: GitHubClient, github: MiniGitHub
) -> None:
    project = await client.discover("octo/repo", 1)
    created = await client.create_drafts("PVT_kwProject1", drafts(3))
    await client.set_statuses(
        project.project_id, project.status_field.id, [(created[0].item_id or "", "aaaa0002")]
    )
    updated = await client.ensure_status_options(project, ["TODO", "DOING", "REVIEW", "BLOCKED"])
    names = [o.name for o in updated.status_field.options]
    assert names == ["Todo", "In Progress", "Done", "In Review", "Blocked"]
    assert [o.id for o in updated.status_field.options[:3]] == ["aaaa0001", "aaaa0002", "aaaa0003"]
    sent = github.mutation_documents("updateProjectV2Field")[0].variables["i0"]
    assert [o.get("id") for o in sent["singleSelectOptions"]] == [
        "aaaa0001",
        "aaaa0002",
        "aaaa0003",
        None,
        None,
    ]
    assert github.items[0].status == "aaaa0002"
    # Asking again changes nothing and sends nothing.
    before = len(github.sent)
    assert await client.ensure_status_options(updated, ["In Review", "doing"]) == updated
    assert len(github.sent) == before


async def test_status_options_that_lose_ids_raise_and_restore_by_name(
    client: GitHubClient, github: MiniGitHub
) -> None:
    github.keep_option_ids = False
    project = await client.discover("octo/repo", 1)
    created = await client.create_drafts("PVT_kwProject1", drafts(2))
    await client.set_statuses(
        project.project_id, project.status_field.id, [(created[1].item_id or "", "aaaa0003")]
    )
    with pytest.raises(PermanentError, match="did not keep the existing Status option ids"):
        await client.ensure_status_options(project, ["REVIEW"])
    done = next(o["id"] for o in github.options if o["name"] == "Done")
    assert github.items[1].status == done  # given back by name


@pytest.mark.parametrize("token", ["", "ghp_abc\n", " ghp_abc", "ghp_é_token"])
def test_an_unusable_token_is_refused_before_any_request(token: str) -> None:
    with pytest.raises(AuthError, match="GITHUB_TOKEN is empty or has spaces") as info:
        GitHubClient(token=token)
    assert token.strip() == "" or token.strip() not in info.value.message


@pytest.mark.parametrize("url", ["api.github.com/graphql", "ftp://x/graphql", "https://", ""])
def test_a_bad_endpoint_is_a_config_error_naming_the_setting(url: str) -> None:
    with pytest.raises(ConfigError, match="GITHUB_GRAPHQL_URL"):
        GitHubClient(token=TOKEN, url=url)


async def test_a_call_is_sent_at_most_max_attempts_times_however_it_fails(
    github: MiniGitHub, clock: FakeClock
) -> None:
    """One retry policy per request: failures of the whole document and of the call alone
    count against the same attempts."""
    github.script.extend(httpx.Response(503, text="down") for _ in range(2))
    went_wrong = {"data": {"m0": None}, "errors": [{
        "message": "Something went wrong while executing your query. Please try again.",
        "path": ["m0"]}]}
    github.script.extend(github.reply(went_wrong) for _ in range(10))
    async with make_client(github, clock, max_attempts=4) as c:
        [result] = await c.set_statuses("PVT_kwProject1", "PVTSSF_status", [("PVTI_1", "a1")])
        assert not result.ok and c.stats.retries == 3
    assert len(github.mutation_documents()) == 4
