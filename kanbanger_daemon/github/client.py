"""The GitHub Projects V2 client: preflight, discovery, paged listing, batched paced mutations.

Every request goes through ``_request``: the pacer grants a slot (one request at a time, spacing,
budgets, pauses), ``failures`` classifies the reply. What is safe to retry is retried by one
driver per request, with one policy (``retry``): a query whole, a mutation document call by
call in the document queue (``sender``).
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

from kanbanger_daemon.errors import (
    AuthError,
    ConfigError,
    NotFoundError,
    PermanentError,
    RateLimitError,
    SecondaryRateLimitError,
    TransientError,
    register_secret,
)
from kanbanger_daemon.github import calls, queries
from kanbanger_daemon.github.batching import (
    BatchSizer,
    Call,
    CallState,
    Mutation,
    build_document,
    resolve_document,
)
from kanbanger_daemon.github.discovery import parse_items_page, parse_project, split_repo
from kanbanger_daemon.github.failures import (
    Failure,
    Reply,
    check_scopes,
    classify_response,
    classify_transport_error,
    token_kind,
)
from kanbanger_daemon.github.fields import add_missing_fields
from kanbanger_daemon.github.options import add_missing_options, normalise, parse_options
from kanbanger_daemon.github.pacing import Pacer, PacingConfig
from kanbanger_daemon.github.reachability import Reachability
from kanbanger_daemon.github.retry import RetryPolicy
from kanbanger_daemon.github.sender import DocumentQueue
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


def _query_failure(reply: Reply) -> Failure | None:
    """For a query, any error counts, except a NOT_FOUND the parser explains better."""
    if reply.failure is not None:
        return reply.failure
    for failure in reply.field_errors.values():
        if not isinstance(failure.error, NotFoundError):
            return failure
    return None


def _check_endpoint(token: str, url: str) -> None:
    """Refuse a token or URL no request could go out with, before any request."""
    register_secret(token)
    if not token or token != token.strip() or not token.isascii() or not token.isprintable():
        # Said before any request, and without quoting the value.
        raise AuthError(
            "GITHUB_TOKEN is empty or has spaces, line breaks or non-ASCII characters: "
            "paste the token again without them."
        )
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in ("http", "https") or not url.partition("://")[2].strip("/"):
        raise ConfigError(
            f"the GraphQL endpoint {url!r} is not an http(s) URL "
            "(e.g. https://api.github.com/graphql)",
            key="GITHUB_GRAPHQL_URL",
        )


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
        _check_endpoint(token, url)
        self._token_kind = token_kind(token)
        self._url = url
        self._timeout = timeout
        self._wall_clock = wall_clock
        self._config = pacing or PacingConfig()
        self._clock = clock
        self._pacer = Pacer(self._config, clock=clock, wall_clock=wall_clock, sleep=sleep)
        self._on_sent: Callable[[int, int], None] | None = None
        self._reach = Reachability(url, clock)
        self._sizer = BatchSizer(self._config.max_create_batch, self._config.other_batch_size)
        self._stats = ClientStats()
        self._retry = RetryPolicy(
            max_attempts=max_attempts, base_s=self._config.retry_base,
            max_s=self._config.retry_max, rng=rng or random.Random(), sleep=sleep,
            reach=self._reach, on_retry=self._count_retry)
        self._queue = DocumentQueue(
            send=lambda mutations: self._send_document(mutations),  # looked up at each call
            sizer=self._sizer,
            ready=self._pacer.wait_turn,
            retry=self._retry,
            hold_s=self._config.gather_s,
        )
        self._projects: dict[tuple[str, int, str], ProjectInfo] = {}
        self._discovering: dict[tuple[str, int, str], asyncio.Lock] = {}
        # Adding options or fields reads and rewrites a project's set-up: one at a time, from
        # the freshest copy (boards pushing together may hold an older one).
        self._setup_lock = asyncio.Lock()
        # The token lives only in this header (httpx masks it in reprs).
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={
                "Authorization": f"bearer {token}",
                "Accept": "application/json",
                "User-Agent": "kanbanger-daemon",
            },
        )

    def __repr__(self) -> str:
        return f"GitHubClient(url={self._url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

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
        self._reach.budget_s = seconds
        self._reach.attempt_s = min(self._timeout, seconds / 3)
        self._http.timeout = httpx.Timeout(self._timeout, connect=self._reach.attempt_s)

    @property
    def unreachable(self) -> TransientError | None:
        """Why the client gave up on GitHub (``give_up_after``); None while it has not."""
        return self._reach.gave_up

    @property
    def stats(self) -> ClientStats:
        snapshot = self._stats.model_copy(deep=True)
        snapshot.paused_until = self._pacer.paused_until_wall
        return snapshot

    # --- one request ------------------------------------------------------------------------

    def _count_retry(self) -> None:
        self._stats.retries += 1

    def _observe(self, reply: Reply) -> None:
        """Record rate-limit headers and start the pauses a reply asks for."""
        if not isinstance(reply.failure.error if reply.failure else None,
                          AuthError | TransientError):
            self._stats.auth_verified_at = self._wall_clock()  # GitHub answered as this token
        limit = reply.rate_limit
        if limit is not None:
            self._stats.rate_limit_remaining = limit.remaining
            self._stats.rate_limit_reset = limit.reset_at
        failures = [reply.failure, *reply.field_errors.values()]
        errors = [f.error for f in failures if f is not None]
        primary = next((e for e in errors if isinstance(e, RateLimitError)), None)
        secondary = next((e for e in errors if isinstance(e, SecondaryRateLimitError)), None)
        if primary is not None:
            waited = self._pacer.pause_for_primary(primary.reset_at)
            log.warning("github.rate_limit.primary", pause_s=round(waited, 1))
        elif limit is not None and limit.remaining == 0:
            waited = self._pacer.pause_for_primary(limit.reset_at)
            log.warning("github.rate_limit.spent", pause_s=round(waited, 1))
        if secondary is not None:
            waited = self._pacer.pause_for_secondary(secondary.retry_after)
            log.warning("github.rate_limit.secondary", pause_s=round(waited, 1))
        elif reply.failure is None:
            self._pacer.note_success()

    def listen(self, *, sent: Callable[[int, int], None],
               waiting: Callable[[float, str], None]) -> None:
        """Be told of each mutation document sent (its mutations, of which creates) and of each
        longer wait with its reason: what a command shows while a first sync takes minutes."""
        self._on_sent = sent
        self._pacer.on_wait = waiting

    async def _send_once(
        self,
        document: str,
        variables: dict[str, Any],
        *,
        mutations: Sequence[queries.MutationKind] | None,
    ) -> Reply:
        creates = sum(kind.creates_content for kind in mutations or ())
        async with self._pacer.slot(mutation=mutations is not None, creates=creates):
            self._stats.http_requests += 1
            if mutations is not None:
                self._stats.mutations += len(mutations)
                self._stats.creates += creates
                if self._on_sent is not None:
                    self._on_sent(len(mutations), creates)
                by_name = self._stats.mutations_by_name
                for kind in mutations:
                    by_name[kind.field] = by_name.get(kind.field, 0) + 1
            started = self._clock()
            try:
                response = await self._http.post(
                    self._url, json={"query": document, "variables": variables}
                )
            except httpx.TransportError as exc:
                reply = Reply(None, failure=classify_transport_error(exc, timeout=self._timeout))
                self._reach.unanswered(started)
            else:
                self._reach.answered()
                reply = classify_response(
                    response.status_code,
                    response.headers,
                    response.content,
                    wall_now=self._wall_clock(),
                )
            self._observe(reply)
            return reply

    async def _request(
        self,
        document: str,
        variables: dict[str, Any],
        *,
        mutations: Sequence[queries.MutationKind] | None = None,
    ) -> Reply:
        """Send one document once (retries are the caller's, by ``self._retry``).
        ``mutations``: the kinds of its aliased calls (None: a query)."""
        if self._reach.gave_up is not None:  # a one-shot command gave up on GitHub already
            return Reply(None, failure=Failure(self._reach.gave_up))
        return await self._send_once(document, variables, mutations=mutations)

    async def _query(
        self, document: str, variables: dict[str, Any], *, shrinkable: bool = False
    ) -> Reply:
        def should_retry(reply: Reply) -> bool:
            failure = _query_failure(reply)
            if failure is None or not failure.retryable:
                return False
            return not (failure.shrink and shrinkable)

        self._stats.documents += 1
        self._stats.query_documents += 1
        return await self._retry.run(lambda: self._request(document, variables), should_retry)

    # --- preflight and discovery ------------------------------------------------------------

    async def preflight(self) -> Preflight:
        """Who the token is and whether it may manage projects (ScopeError/AuthError if not)."""
        reply = await self._query(queries.PREFLIGHT, {})
        failure = _query_failure(reply)
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
        key = (repo.strip().lower(), project_number, normalise(status_field))
        async with self._discovering.setdefault(key, asyncio.Lock()):
            if not refresh and key in self._projects:
                return self._projects[key]
            return await self._discover(key, repo, project_number, status_field)

    async def _discover(self, key: tuple[str, int, str], repo: str, project_number: int,
                        status_field: str) -> ProjectInfo:
        owner, name = split_repo(repo)
        reply = await self._query(
            queries.DISCOVERY, {"owner": owner, "name": name, "number": project_number}
        )
        failure = _query_failure(reply)
        if failure is not None:
            raise failure.error
        project = parse_project(reply.data or {}, repo, project_number, status_field)
        self._projects[key] = project
        return project

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
            failure = _query_failure(reply)
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
        document, variables = build_document(mutations)
        self._stats.documents += 1
        self._stats.mutation_documents += 1
        return await self._request(document, variables, mutations=[m.kind for m in mutations])

    async def _mutate(
        self, kind: queries.MutationKind, batch: Sequence[Call]
    ) -> list[MutationResult]:
        """Send ``batch`` in documents; one result per call, in order."""
        return await self._queue.run([Mutation(kind, call) for call in batch])

    async def mutate(self, mutations: Sequence[Mutation]) -> list[MutationResult]:
        """Send calls of any kinds, in this order, in as few documents as the batch sizes allow
        (shared with the calls other callers hand in meanwhile); one result per call."""
        return await self._queue.run(mutations)

    def expecting(self) -> AbstractContextManager[None]:
        """Mark the current task as about to send mutations: the next document waits for it
        (at most ``PacingConfig.gather_s``), so that boards changed together share it."""
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
        self, project_id: str, field_id: str, changes: Sequence[tuple[str, str]]
    ) -> list[MutationResult]:
        """Set the Status of items: (item_id, option_id). Result keys are item ids."""
        return await self.set_field_values(
            project_id,
            [(item_id, field_id, {"singleSelectOptionId": option_id})
             for item_id, option_id in changes],
        )

    async def set_field_values(
        self, project_id: str, changes: Sequence[tuple[str, str, dict[str, Any]]]
    ) -> list[MutationResult]:
        """Set field values: (item_id, field_id, value), the value one of
        ``{"singleSelectOptionId": …}``, ``{"number": …}``, ``{"text": …}``. Statuses and other
        fields share documents. Result keys are item ids."""
        return await self.mutate(
            [calls.set_field_value(project_id, item_id, field_id, value)
             for item_id, field_id, value in changes]
        )

    async def update_drafts(self, changes: Sequence[tuple[str, str, str]]) -> list[MutationResult]:
        """Retitle/rewrite drafts: (draft_issue_id, title, body). Result keys are draft ids."""
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
        self, project_id: str, body: str, *, status: str | None = None
    ) -> MutationResult:
        """Post a project status update (``status``: ON_TRACK, AT_RISK, OFF_TRACK, COMPLETE,
        INACTIVE). Like a create, it is never replayed after a lost reply (``ambiguous``)."""
        value: dict[str, Any] = {"projectId": project_id, "body": body}
        if status is not None:
            value["status"] = status
        results = await self._mutate(queries.CREATE_STATUS_UPDATE, [Call(project_id, value)])
        return results[0]

    # --- optional project fields ------------------------------------------------------------

    async def create_fields(
        self, project_id: str, fields: Sequence[tuple[str, str]]
    ) -> list[MutationResult]:
        """Create project fields: (name, data type: TEXT or NUMBER). Result ``content_id`` is
        the new field's id; a lost reply is ``ambiguous`` (never replayed)."""
        return await self._mutate(queries.CREATE_FIELD, [
            Call(name, {"projectId": project_id, "name": name, "dataType": data_type})
            for name, data_type in fields
        ])

    async def ensure_fields(
        self, project: ProjectInfo, wanted: Sequence[tuple[str, str]]
    ) -> ProjectInfo:
        """``project`` with the (name, data type) fields of ``wanted`` it lacks created; the
        discovery cache is updated, so later calls cost nothing (see ``fields``)."""
        async with self._setup_lock:
            project = self._freshest(project)
            updated = await add_missing_fields(self, project, wanted)
            if updated is not project:
                self._replace_cached(updated)
            return updated

    def _replace_cached(self, updated: ProjectInfo) -> None:
        for key, cached in list(self._projects.items()):
            if cached.project_id == updated.project_id:
                self._projects[key] = updated

    def _freshest(self, project: ProjectInfo) -> ProjectInfo:
        """The cached copy of ``project`` (updated by every change made through this client)."""
        for cached in self._projects.values():
            same_status = cached.status_field.id == project.status_field.id
            if cached.project_id == project.project_id and same_status:
                return cached
        return project

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
        reply = await self._retry.run(lambda: self._send_document([call]), _unanswered)
        outcome = resolve_document([call], reply)[0]
        if outcome.state is not CallState.OK:
            error = outcome.failure.error if outcome.failure else None
            raise error or PermanentError("GitHub did not confirm the new Status options")
        payload = (reply.data or {}).get(queries.alias(0)) or {}
        return parse_options((payload.get("projectV2Field") or {}).get("options"))

    async def ensure_status_options(
        self, project: ProjectInfo, wanted: Sequence[str]
    ) -> ProjectInfo:
        """Add missing Status options, keeping every existing option (and card value) intact.

        Raises PermanentError when GitHub would not (or did not) keep the existing option ids.
        """
        async with self._setup_lock:
            project = self._freshest(project)
            updated = await add_missing_options(self, project, wanted)
            if updated is not project:
                self._replace_cached(updated)
            return updated
