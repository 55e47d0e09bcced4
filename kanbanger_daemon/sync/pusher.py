"""The remote half of a reconcile: push a planned board to its GitHub project.

One ``BoardPusher`` per process holds one ``GitHubClient`` (so pacing and rate-limit pauses
cover every board, and each project is discovered once: the client owns that cache; the ids
survive restarts in ``KnownProjects``). Boards push
concurrently: each plans on its own, and the client sends the changes of the boards being
reconciled at the same time in shared documents (``expecting`` gives the handle a board's push
is handed, ``push_all``). Each board's
target comes from the settings of its SPEC folder, so a SPEC's own ``.env`` or a ``[[boards]]``
entry can send it to another project; it is read again once per push (a change), and cached for
everything else (polls, ``status``). The sync state lives in ``.kanban.json`` beside the board.
With ``project_fields`` on, a push first makes sure the project has the optional fields (created
once, then known from the cached discovery) and gives the cards their values.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from kanbanger_daemon.boards.reconcile import LocalResult
from kanbanger_daemon.boards.workspace import ROOT_KEY, BoardKey
from kanbanger_daemon.core.insight.health import project_health
from kanbanger_daemon.core.sync.desired import (
    PROJECT_FIELDS,
    card_field_values,
    desired_cards,
    fingerprint,
)
from kanbanger_daemon.core.sync.plan_text import card_changes
from kanbanger_daemon.errors import ConfigError, KanbangerError, TransientError
from kanbanger_daemon.github import ExpectedCaller, GitHubClient, PacingConfig, ProjectInfo
from kanbanger_daemon.logging import get_logger
from kanbanger_daemon.models.board import SpecInput
from kanbanger_daemon.models.github import RemoteItem
from kanbanger_daemon.models.status import GitHubStatus
from kanbanger_daemon.models.sync import DesiredCard, PushResult, RemotePlan
from kanbanger_daemon.settings import Settings, load_settings
from kanbanger_daemon.sync.health_poster import HealthPoster
from kanbanger_daemon.sync.known_projects import KnownProjects
from kanbanger_daemon.sync.push import push_board
from kanbanger_daemon.sync.state_file import load_state
from kanbanger_daemon.sync.workspace_id import WorkspaceId

STATE_FILE = ".kanban.json"

log = get_logger(__name__)


def pacing_from(settings: Settings) -> PacingConfig:
    return PacingConfig(
        min_mutation_interval=settings.mutation_interval_s,
        creates_per_minute=settings.creates_per_minute,
        creates_per_hour=settings.creates_per_hour,
        create_batch_size=settings.batch_creates,
        other_batch_size=settings.batch_mutations,
    )


def client_from(settings: Settings) -> GitHubClient:
    # github_endpoint refuses an API URL chosen by a less trusted source than the token.
    token, url = settings.github_endpoint()
    return GitHubClient(
        token=token,
        url=url,
        timeout=settings.request_timeout_s,
        pacing=pacing_from(settings),
    )


@dataclass
class Target:
    repo: str
    project_number: int
    status_field: str
    # How a board is shown, not where it goes: boards that differ only here share a project.
    project_fields: bool = field(default=False, compare=False)


@dataclass
class BoardPusher:
    """Pushes boards of the workspace ``root``; safe to share between concurrent reconciles."""

    root: Path
    settings: Settings
    client: GitHubClient
    config: Path | None = None
    environ: Mapping[str, str] | None = None  # None: the process environment
    last_push_at: float | None = None
    # Wall time: when a push happened (shown by ``status``) and how long a lost create settles.
    wall_clock: Callable[[], float] = time.time
    last_error: str | None = None
    health_delay_s: float | None = 5.0  # daemon: post health this long after the last push
    _health_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _targets: dict[BoardKey, Target | ConfigError] = field(default_factory=dict)
    _inputs: dict[BoardKey, tuple[Target, list[SpecInput]]] = field(default_factory=dict)
    _health_task: asyncio.Task[None] | None = None
    _poster: HealthPoster | None = None
    _ids: WorkspaceId = field(init=False)
    _known: KnownProjects = field(init=False)

    def __post_init__(self) -> None:
        self._ids = WorkspaceId(self.root)
        self._known = KnownProjects(self.root)

    def target_of(self, key: BoardKey, *, fresh: bool = False) -> Target:
        """Where board ``key`` goes, from its SPEC folder's settings: read again when ``fresh``
        (a push: the board changed), else as last read (a ConfigError is cached too)."""
        cached = None if fresh else self._targets.get(key)
        if cached is None:
            try:
                cached = self._read_target(key)
            except ConfigError as exc:
                cached = exc
            self._targets[key] = cached
        if isinstance(cached, ConfigError):
            raise cached
        return cached

    def _read_target(self, key: BoardKey) -> Target:
        settings = self.settings
        if key != ROOT_KEY:
            settings = load_settings(self.root, spec_dir=self.root / key, config=self.config,
                                     environ=self.environ)
        if not settings.github_repo or not settings.github_project_number:
            raise ConfigError(
                "no GitHub target: set GITHUB_REPO and GITHUB_PROJECT_NUMBER",
                key="github_repo",
                source=str(self.root / key / ".env"),
            )
        return Target(settings.github_repo, settings.github_project_number,
                      settings.status_field, project_fields=settings.project_fields)

    def expecting(self) -> AbstractContextManager[ExpectedCaller]:
        """Around a board's whole reconcile: the client's next mutation document waits (briefly)
        for this board's changes, so that boards changed together share it. Hand the handle to
        the board's ``push`` (``caller=``): its changes are the ones awaited."""
        return self.client.expecting()

    def describe_target(self, key: BoardKey) -> str:
        """Where board ``key`` goes, for ``status``: ``owner/repo#N``, or why it goes nowhere."""
        try:
            target = self.target_of(key)
        except ConfigError as exc:
            return f"nowhere: {exc.message}"
        return f"{target.repo}#{target.project_number}"

    @property
    def workspace_id(self) -> str:
        """This workspace's id in the sync tags (``.kanbanger/workspace-id``, made once)."""
        return self._ids.get()

    def saved_workspace_id(self) -> str | None:
        """The id already saved, if any: a dry run plans with it and never makes one."""
        return self._ids.saved()

    def _cached_project_id(self, target: Target) -> str | None:
        return self._known.project_id(target.repo, target.project_number)

    def unchanged_since_last_push(
        self, target: Target, key: BoardKey, desired: list[DesiredCard], state_path: Path
    ) -> bool:
        """True when the last confirmed push already sent exactly this board: no request due.

        Needs the project id without asking GitHub, so discovery results are cached per
        workspace; the periodic rescan (``force``) refreshes them.
        """
        project_id = self._cached_project_id(target)
        if project_id is None or not state_path.is_file():
            return False
        state, aside = load_state(state_path, set_aside=False)  # a dry run moves nothing
        return (
            aside is None
            and state.complete
            and state.project_id == project_id
            and state.board_key == key
            and state.fingerprint == fingerprint(project_id, key, desired)
        )

    async def project(self, target: Target, *, refresh: bool = False, remember: bool = True
                      ) -> ProjectInfo:
        """The target's project as the client discovered it (once, unless ``refresh``)."""
        project = await self.client.discover(target.repo, target.project_number,
                                             status_field=target.status_field, refresh=refresh)
        if remember:  # not in a dry run, which writes nothing
            self._known.remember(target.repo, target.project_number, project.project_id)
        return project

    async def list_items(self, project: ProjectInfo) -> list[RemoteItem]:
        """Every item of ``project`` (two-way sync's poll), one request per 100 items."""
        return await self.client.list_items(
            project.project_id, status_field=project.status_field.name
        )

    async def push(
        self, key: BoardKey, local: LocalResult, *, dry_run: bool = False, force: bool = False,
        caller: ExpectedCaller | None = None,
    ) -> PushResult:
        target = self.target_of(key, fresh=True)
        values = (card_field_values(local.inputs, self.settings.board_options())
                  if target.project_fields else None)
        desired = desired_cards(local.board, key, values)
        state_path = local.path.parent / STATE_FILE
        field_error: str | None = None
        # Boards push concurrently (never one board twice at a time: the work queue sees to
        # that); the client keeps to one request at a time and shares mutation documents.
        if not force and self.unchanged_since_last_push(target, key, desired, state_path):
            return PushResult(board_key=key, plan=RemotePlan(board_key=key), dry_run=dry_run,
                              in_sync=True, skipped=True)
        project = await self.project(target, refresh=force, remember=not dry_run)
        if target.project_fields and not dry_run:
            try:
                project = await self.client.ensure_fields(project, PROJECT_FIELDS,
                                                          caller=caller)
            except KanbangerError as exc:
                # The cards still sync; push_board reports each value it cannot set.
                field_error = f"project fields: {exc}"
        try:
            result = await push_board(self.client, project, key, desired, state_path,
                                      dry_run=dry_run, force=force,
                                      settle_seconds=self.settings.lost_create_settle_s,
                                      clock=self.wall_clock,
                                      workspace_id=(self.saved_workspace_id() if dry_run
                                                    else self.workspace_id),
                                      caller=caller)
        except Exception as exc:
            self.last_error = f"{key}: {exc}"
            raise
        if field_error is not None:
            result.errors.insert(0, field_error)
        if result.errors:
            self.last_error = f"{key}: {result.errors[-1]}"
        elif not dry_run and not result.skipped:
            self.last_push_at = self.wall_clock()
            self.last_error = None
        if not dry_run and result.in_sync:
            self._inputs[key] = (target, list(local.inputs))
            if not result.skipped:
                self._schedule_health()
        return result

    async def push_all(
        self, boards: Sequence[tuple[BoardKey, LocalResult]], *, dry_run: bool = False
    ) -> list[PushResult | KanbangerError]:
        """Push ``boards`` together (``sync``): each is planned on its own, and their changes
        and the projects' status updates go in shared documents. A board's KanbangerError is
        its result."""

        async def one(key: BoardKey, local: LocalResult) -> PushResult | KanbangerError:
            with self.expecting() as caller:
                await asyncio.sleep(0)  # every board is under way before any hands changes in
                try:
                    return await self.push(key, local, dry_run=dry_run, caller=caller)
                except KanbangerError as exc:
                    return exc

        async def health() -> None:
            with self.expecting() as caller:
                await asyncio.sleep(0)
                await self.post_health(self._summarised(boards), caller=caller)

        pushes = asyncio.gather(*(one(key, local) for key, local in boards))
        if dry_run:
            return list(await pushes)
        results, _ = await asyncio.gather(pushes, health())
        return list(results)

    def _summarised(self, boards: Sequence[tuple[BoardKey, LocalResult]]
                    ) -> dict[BoardKey, tuple[Target, list[SpecInput]]]:
        """The SPECs of ``boards`` that go somewhere, by board (for the status updates)."""
        out: dict[BoardKey, tuple[Target, list[SpecInput]]] = {}
        for key, local in boards:
            with contextlib.suppress(ConfigError):
                out[key] = (self.target_of(key), list(local.inputs))
        return out

    # -- project status updates (ON_TRACK / AT_RISK / OFF_TRACK / COMPLETE) ---------------
    def _schedule_health(self) -> None:
        """Debounce: boards arrive one by one (a start-up scan), post once they settle."""
        if not self.settings.status_updates or self.health_delay_s is None:
            return
        if self._health_task is not None and not self._health_task.done():
            self._health_task.cancel()
        self._health_task = asyncio.get_running_loop().create_task(self._delayed_health())

    async def _delayed_health(self) -> None:
        assert self.health_delay_s is not None
        await asyncio.sleep(self.health_delay_s)
        await self.post_health()

    async def post_health(
        self, boards: Mapping[BoardKey, tuple[Target, list[SpecInput]]] | None = None, *,
        caller: ExpectedCaller | None = None,
    ) -> None:
        """Post each project's status update, from every board that goes to it, if it changed
        (``boards``: what to summarise; by default every board pushed so far). ``caller``: the
        expected caller the updates are sent as (see ``expecting``)."""
        if not self.settings.status_updates:
            return
        if self._poster is None:
            self._poster = HealthPoster(self.root, self.client)
        by_target: dict[tuple[str, int], tuple[Target, list[SpecInput]]] = {}
        for target, inputs in (self._inputs if boards is None else boards).values():
            entry = by_target.setdefault((target.repo, target.project_number), (target, []))
            entry[1].extend(inputs)
        for target, inputs in by_target.values():
            known = self._cached_project_id(target)
            if known and self._poster.last_posted(known) == project_health(inputs).fingerprint:
                continue  # nothing new to post: not even a discovery
            async with self._health_lock:
                project = await self.project(target)
                outcome = await self._poster.post_if_changed(project, inputs, caller=caller)
            if outcome.error:
                self.last_error = f"status update: {outcome.error}"

    async def aclose(self) -> None:
        if self._health_task is not None and not self._health_task.done():
            self._health_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._health_task
        await self.client.aclose()

    async def push_ops(self, key: BoardKey, local: LocalResult,
                       caller: ExpectedCaller | None = None) -> int:
        """The daemon's hook: push (as ``caller``, see ``expecting``) and return the number of
        remote operations planned."""
        requests_before = self.client.stats.http_requests
        result = await self.push(key, local, caller=caller)
        if not result.skipped:
            target = self.describe_target(key)
            for line in card_changes(result.plan, target):
                log.info(line, board=key)
            # Boards pushed together share documents: each counts the requests of its push.
            log.info("push.done", board=key, target=target, changes=len(result.plan.ops),
                     http_requests=self.client.stats.http_requests - requests_before,
                     in_sync=result.in_sync)
        if not result.in_sync:
            # Requeued with backoff by the work queue; the next run re-lists and adopts.
            detail = result.errors[-1] if result.errors else "the project did not converge"
            raise TransientError(f"push of {key} incomplete: {detail}")
        return len(result.plan.ops)

    def status(self) -> GitHubStatus:
        stats = self.client.stats
        return GitHubStatus(
            enabled=True,
            last_push_at=self.last_push_at,
            rate_limit_remaining=stats.rate_limit_remaining,
            paused_until=stats.paused_until,
            last_error=self.last_error,
            auth_verified_at=stats.auth_verified_at,
        )

    async def verify_token(self) -> None:
        """Ask GitHub who the token is (the daemon's start; every poll checks it again by
        listing): a revoked token shows in ``status`` even when no board changes."""
        try:
            who = await self.client.preflight()
        except KanbangerError as exc:
            self.last_error = f"token: {exc}"
            log.warning("github.token_rejected", error=str(exc))
        else:
            if self.last_error and self.last_error.startswith("token: "):
                self.last_error = None
            log.info("github.token_ok", login=who.login)
