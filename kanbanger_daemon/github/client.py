"""The GitHub Projects V2 client: preflight, discovery, paged listing, batched paced mutations.

Requests go out through the ``endpoint`` (pacing, classification, rate limits; a query retried
whole by the one ``RetryPolicy``); mutations go through the ``sender``'s document queue, shared
by every caller, which retries them call by call with the same policy. Discovered projects and
changes to their set-up are kept in the ``project_cache``.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any

import httpx
import structlog

from kanbanger_daemon.errors import PermanentError, TransientError
from kanbanger_daemon.github import calls, queries
from kanbanger_daemon.github.auth import check_scopes, token_kind
from kanbanger_daemon.github.batching import (
    BatchSizer,
    Call,
    CallState,
    Mutation,
    resolve_document,
)
from kanbanger_daemon.github.discovery import (
    parse_items_page,
    parse_linked_projects,
    parse_project,
    split_repo,
)
from kanbanger_daemon.github.endpoint import Endpoint, query_failure
from kanbanger_daemon.github.failures import Reply
from kanbanger_daemon.github.fields import add_missing_fields
from kanbanger_daemon.github.options import add_missing_options, parse_options
from kanbanger_daemon.github.pacing import PacingConfig
from kanbanger_daemon.github.project_cache import ProjectCache
from kanbanger_daemon.github.sender import DocumentQueue, ExpectedCaller
from kanbanger_daemon.models.github import (
    ClientStats,
    DraftSpec,
    MutationResult,
    Preflight,
    ProjectInfo,
    RemoteItem,
    StatusOption,
)

DEFAULT_URL = "https://api.github.com/graphql"
log = structlog.get_logger(__name__)


def _unanswered(reply: Reply) -> bool:
    """A one-off mutation (not a create) whose whole document failed and may be sent again."""
    failure = reply.failure
    return failure is not None and failure.retryable and not any(
        isinstance(v, dict) for v in (reply.data or {}).values())


class GitHubClient:
    """Async client for one token and endpoint. Use ``async with`` or call ``aclose()``."""

    def __init__(
        self,
        *,
        token: str,
        url: str = DEFAULT_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        pacing: PacingConfig | None = None,
        max_attempts: int = 8,
    ) -> None:
        self._config = pacing or PacingConfig()
        self._endpoint = Endpoint(
            token=token, url=url, transport=transport, timeout=timeout, clock=clock,
            wall_clock=wall_clock, sleep=sleep, rng=rng, pacing=self._config,
            max_attempts=max_attempts)
        self._token_kind = token_kind(token)
        self._url = url
        self._sizer = BatchSizer(self._config.max_create_batch, self._config.other_batch_size)
        self._queue = DocumentQueue(
            send=lambda mutations: self._send_document(mutations),  # looked up at each call
            sizer=self._sizer,
            ready=self._endpoint.pacer.wait_turn,
            retry=self._endpoint.retry,
            hold_s=self._config.gather_s,
        )
        self._projects = ProjectCache()

    def __repr__(self) -> str:
        return f"GitHubClient(url={self._url!r})"

    async def aclose(self) -> None:
        await self._endpoint.aclose()

    async def __aenter__(self) -> GitHubClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @property
    def pacing(self) -> PacingConfig:
        return self._config

    def give_up_after(self, seconds: float) -> None:
        """For a one-shot command: stop retrying a GitHub that gives no reply at all after
        ``seconds`` (connects time out after a third of it), and fail every later request at
        once with the error in ``unreachable``."""
        self._endpoint.give_up_after(seconds)

    @property
    def unreachable(self) -> TransientError | None:
        """Why the client gave up on GitHub (``give_up_after``); None while it has not."""
        return self._endpoint.unreachable

    @property
    def stats(self) -> ClientStats:
        return self._endpoint.stats

    def listen(self, *, sent: Callable[[int, int], None],
               waiting: Callable[[float, str], None]) -> None:
        """Be told of each mutation document sent (its mutations, of which creates) and of each
        longer wait with its reason: what a command shows while a first sync takes minutes."""
        self._endpoint.listen(sent=sent, waiting=waiting)

    async def _query(
        self, document: str, variables: dict[str, Any], *, shrinkable: bool = False
    ) -> Reply:
        return await self._endpoint.query(document, variables, shrinkable=shrinkable)

    # --- preflight and discovery ------------------------------------------------------------

    async def preflight(self) -> Preflight:
        """Who the token is and whether it may manage projects (ScopeError/AuthError if not)."""
        reply = await self._query(queries.PREFLIGHT, {})
        failure = query_failure(reply)
        if failure is not None:
            raise failure.error
        problem = check_scopes(self._token_kind, reply.scopes)
        if problem is not None:
            raise problem
        data = reply.data or {}
        viewer = data.get("viewer") or {}
        return Preflight(
            login=str(viewer.get("login") or ""),
            scopes=reply.scopes or (),
            token_kind=self._token_kind,
            rate_limit=reply.rate_limit,
        )

    async def discover(
        self,
        repo: str,
        project_number: int,
        *,
        status_field: str = "Status",
        refresh: bool = False,
    ) -> ProjectInfo:
        """Repository → project by number → its Status field and options. Cached for the
        client's life (the one cache: set-up changes made through the client update it);
        callers asking at the same time share one discovery."""
        return await self._projects.get(
            repo, project_number, status_field,
            lambda: self._discover(repo, project_number, status_field), refresh=refresh)

    async def _discover(self, repo: str, project_number: int, status_field: str) -> ProjectInfo:
        owner, name = split_repo(repo)
        reply = await self._query(
            queries.DISCOVERY, {"owner": owner, "name": name, "number": project_number}
        )
        failure = query_failure(reply)
        if failure is not None:
            raise failure.error
        return parse_project(reply.data or {}, repo, project_number, status_field)

    async def linked_projects(self, repo: str) -> list[tuple[int, str]]:
        """(number, title) of the projects linked to ``repo`` (NotFoundError if no such repo):
        what the set-up wizard offers to pick from."""
        owner, name = split_repo(repo)
        # The discovery document lists linked projects; number 0 matches none on purpose.
        reply = await self._query(queries.DISCOVERY, {"owner": owner, "name": name, "number": 0})
        failure = query_failure(reply)
        if failure is not None:
            raise failure.error
        return parse_linked_projects(reply.data or {}, repo)

    async def list_items(
        self, project_id: str, *, status_field: str = "Status", value_fields: Sequence[str] = ()
    ) -> list[RemoteItem]:
        """Every item (archived ones flagged), pages of 100; 50 then 25 after timeouts/502.

        ``value_fields`` names number/text fields whose values to read as well (at most
        ``queries.MAX_VALUE_FIELDS``); without them the page is exactly ``ITEMS_PAGE``.
        """
        if len(value_fields) > queries.MAX_VALUE_FIELDS:
            raise ValueError(f"at most {queries.MAX_VALUE_FIELDS} value fields per listing")
        document = queries.items_page(len(value_fields))
        page_size = self._config.page_size
        after: str | None = None
        items: list[RemoteItem] = []
        while True:
            variables: dict[str, Any] = {
                "projectId": project_id,
                "first": page_size,
                "after": after,
                "statusField": status_field,
            }
            for index, name in enumerate(value_fields):
                variables[queries.value_variable(index)] = name
            shrinkable = page_size > self._config.min_page_size
            reply = await self._query(document, variables, shrinkable=shrinkable)
            failure = query_failure(reply)
            if failure is not None:
                if failure.shrink and shrinkable:
                    page_size = max(self._config.min_page_size, page_size // 2)
                    log.info("github.page.shrink", page_size=page_size)
                    continue
                raise failure.error
            page, has_next, cursor = parse_items_page(reply.data or {}, project_id, value_fields)
            items.extend(page)
            if not has_next or cursor is None:
                return items
            after = cursor

    # --- mutations --------------------------------------------------------------------------

    async def _send_document(self, mutations: list[Mutation]) -> Reply:
        """One mutation document, sent once (the document queue retries its calls)."""
        return await self._endpoint.send_mutations(mutations)

    async def _mutate(
        self, kind: queries.MutationKind, batch: Sequence[Call], caller: ExpectedCaller | None
    ) -> list[MutationResult]:
        """Send ``batch`` in documents; one result per call, in order."""
        return await self._queue.run([Mutation(kind, call) for call in batch], caller=caller)

    async def mutate(self, mutations: Sequence[Mutation], *,
                     caller: ExpectedCaller | None = None) -> list[MutationResult]:
        """Send calls of any kinds, in this order, in as few documents as the batch sizes allow
        (shared with the calls other callers hand in meanwhile); one result per call.

        ``caller`` (here and in every method a push sends mutations through): the expected
        caller these calls come from (see ``expecting``); without it they wait for the expected
        callers."""
        return await self._queue.run(mutations, caller=caller)

    def expecting(self) -> AbstractContextManager[ExpectedCaller]:
        """An expected caller, about to send mutations: the next document waits for it (at most
        ``PacingConfig.gather_s``) until it hands in its calls (``caller=`` the handle yielded
        here) or leaves the block, so that boards changed together share one document."""
        return self._queue.expecting()

    @property
    def create_chunk(self) -> int:
        """How many creates the next document may hold (halved after timeouts)."""
        return self._sizer.size(queries.ADD_DRAFT)

    async def create_drafts(
        self, project_id: str, drafts: Sequence[DraftSpec]
    ) -> list[MutationResult]:
        """Add draft issues; ``key`` of each result is the DraftSpec's key."""
        return await self.mutate(
            [calls.add_draft(project_id, d.key, d.title, d.body) for d in drafts]
        )

    async def set_statuses(
        self, project_id: str, field_id: str, changes: Sequence[tuple[str, str]], *,
        caller: ExpectedCaller | None = None,
    ) -> list[MutationResult]:
        """Set the Status of items: (item_id, option_id). Result keys are item ids."""
        return await self.set_field_values(
            project_id,
            [(item_id, field_id, {"singleSelectOptionId": option_id})
             for item_id, option_id in changes],
            caller=caller,
        )

    async def set_field_values(
        self, project_id: str, changes: Sequence[tuple[str, str, dict[str, Any]]], *,
        caller: ExpectedCaller | None = None,
    ) -> list[MutationResult]:
        """Set field values: (item_id, field_id, value), the value one of
        ``{"singleSelectOptionId": …}``, ``{"number": …}``, ``{"text": …}``. Statuses and other
        fields share documents. Result keys are item ids."""
        return await self.mutate(
            [calls.set_field_value(project_id, item_id, field_id, value)
             for item_id, field_id, value in changes],
            caller=caller,
        )

    async def update_drafts(self, changes: Sequence[tuple[str, str | None, str | None]]
                            ) -> list[MutationResult]:
        """Retitle/rewrite drafts: (draft_issue_id, title, body), None leaving that one as it
        is. Result keys are draft ids."""
        return await self.mutate([calls.update_draft(*change) for change in changes])

    async def archive_items(self, project_id: str, item_ids: Sequence[str]) -> list[MutationResult]:
        return await self.mutate([calls.archive_item(project_id, i) for i in item_ids])

    async def unarchive_items(
        self, project_id: str, item_ids: Sequence[str]
    ) -> list[MutationResult]:
        return await self.mutate(
            [calls.archive_item(project_id, i, archive=False) for i in item_ids]
        )

    async def move_items(
        self, project_id: str, moves: Sequence[tuple[str, str | None]]
    ) -> list[MutationResult]:
        """Place items: (item_id, after_id); after_id None puts the item first. Sent in order."""
        return await self.mutate([calls.move_item(project_id, i, a) for i, a in moves])

    async def post_status_update(
        self, project_id: str, body: str, *, status: str | None = None,
        caller: ExpectedCaller | None = None,
    ) -> MutationResult:
        """Post a project status update (``status``: ON_TRACK, AT_RISK, OFF_TRACK, COMPLETE,
        INACTIVE). Like a create, it is never replayed after a lost reply (``ambiguous``)."""
        value: dict[str, Any] = {"projectId": project_id, "body": body}
        if status is not None:
            value["status"] = status
        results = await self._mutate(queries.CREATE_STATUS_UPDATE, [Call(project_id, value)],
                                     caller)
        return results[0]

    # --- optional project fields ------------------------------------------------------------

    async def create_fields(
        self, project_id: str, fields: Sequence[tuple[str, str]], *,
        caller: ExpectedCaller | None = None,
    ) -> list[MutationResult]:
        """Create project fields: (name, data type: TEXT or NUMBER). Result ``content_id`` is
        the new field's id; a lost reply is ``ambiguous`` (never replayed)."""
        return await self._mutate(queries.CREATE_FIELD, [
            Call(name, {"projectId": project_id, "name": name, "dataType": data_type})
            for name, data_type in fields
        ], caller)

    async def ensure_fields(
        self, project: ProjectInfo, wanted: Sequence[tuple[str, str]], *,
        caller: ExpectedCaller | None = None,
    ) -> ProjectInfo:
        """``project`` with the (name, data type) fields of ``wanted`` it lacks created; the
        discovery cache is updated, so later calls cost nothing (see ``fields``)."""
        return await self._projects.change_setup(
            project, lambda fresh: add_missing_fields(self, fresh, wanted, caller=caller))

    # --- status options ---------------------------------------------------------------------

    async def replace_status_options(
        self, field_id: str, options: Sequence[dict[str, Any]]
    ) -> tuple[StatusOption, ...]:
        """Send a whole new option list for a single-select field; returns what GitHub kept.

        DANGER: an existing option sent without its ``id`` is replaced and every card loses its
        value. Use ``ensure_status_options``, which resends every option with its id.
        """
        call = Mutation(
            queries.UPDATE_FIELD,
            Call(field_id, {"fieldId": field_id, "singleSelectOptions": list(options)}),
        )
        reply = await self._endpoint.retry.run(lambda: self._send_document([call]), _unanswered)
        outcome = resolve_document([call], reply)[0]
        if outcome.state is not CallState.OK:
            error = outcome.failure.error if outcome.failure else None
            raise error or PermanentError("GitHub did not confirm the new Status options")
        payload = (reply.data or {}).get(queries.alias(0)) or {}
        return parse_options((payload.get("projectV2Field") or {}).get("options"))

    async def ensure_status_options(
        self, project: ProjectInfo, wanted: Sequence[str], *,
        caller: ExpectedCaller | None = None,
    ) -> ProjectInfo:
        """Add missing Status options, keeping every existing option (and card value) intact.

        Raises PermanentError when GitHub would not (or did not) keep the existing option ids.
        """
        return await self._projects.change_setup(
            project, lambda fresh: add_missing_options(self, fresh, wanted, caller=caller))
