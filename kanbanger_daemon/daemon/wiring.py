"""``kanbanger-daemon run``: the real reconcile (local, then pull/push) wired into a Daemon."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from pathlib import Path

from kanbanger_daemon.boards.board_memory import BoardMemory
from kanbanger_daemon.boards.own_writes import OwnWrites
from kanbanger_daemon.boards.reconcile import LocalResult
from kanbanger_daemon.boards.workspace import BoardKey
from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions
from kanbanger_daemon.daemon.triggers import Run, Trigger
from kanbanger_daemon.github import ExpectedCaller
from kanbanger_daemon.models.status import GitHubStatus, ReconcileResult
from kanbanger_daemon.settings import Settings
from kanbanger_daemon.sync.pusher import BoardPusher

LOCAL_ONLY_NOTE = (
    "local-only: no GitHub settings (GITHUB_TOKEN, GITHUB_REPO, GITHUB_PROJECT_NUMBER); "
    "boards are kept up to date, nothing is pushed"
)
# (board, its local result, the expected caller its push sends as) -> remote operations
PushFn = Callable[[BoardKey, LocalResult, ExpectedCaller | None], Awaitable[int]]
PullFn = Callable[[BoardKey], Awaitable[bool]]


@dataclasses.dataclass(frozen=True)
class BoardFiles:
    """What this process knows of the boards it reads and writes: one of each per daemon,
    shared by its reconciles (local and pull) and its event router."""

    memory: BoardMemory = dataclasses.field(default_factory=BoardMemory)
    own_writes: OwnWrites = dataclasses.field(default_factory=OwnWrites)


def main_run(
    root: Path,
    settings: Settings,
    *,
    pusher: BoardPusher | None = None,
    options: RuntimeOptions | None = None,
) -> int:
    """``kanbanger-daemon run``: the daemon, pushing (and pulling) through ``pusher`` when given,
    else local-only, run until SIGTERM/SIGINT.

    Raises :class:`~kanbanger_daemon.errors.LockError` if another daemon serves ``root``.
    """

    async def serve() -> int:
        if pusher is None:
            return await wire_daemon(root, settings, options=options).run()
        daemon = wire_github_daemon(root, settings, pusher, options=options)
        # A revoked token must show in `status` even while no board changes (no push to fail).
        check = asyncio.create_task(pusher.verify_token(), name="token-check")
        try:
            return await daemon.run()
        finally:
            check.cancel()
            await asyncio.gather(check, return_exceptions=True)
            await pusher.aclose()

    return asyncio.run(serve())


def wire_github_daemon(
    root: Path, settings: Settings, pusher: BoardPusher, *, options: RuntimeOptions | None = None
) -> Daemon:
    """The daemon of a workspace with GitHub settings: push, two-way pull, targets in status."""
    from kanbanger_daemon.boards.workspace import find_boards
    from kanbanger_daemon.sync.pull import Puller

    absolute, layout = root.absolute(), settings.effective_layout
    files = BoardFiles()
    puller = Puller(pusher, settings, lambda: find_boards(absolute, settings.specs_dir, layout),
                    memory=files.memory, own_writes=files.own_writes)
    return wire_daemon(root, settings, push=pusher.push_ops, pull=puller,
                       target_of=pusher.describe_target, github_status=pusher.status,
                       expect=pusher.expecting, options=options, files=files)


def _runtime_options(settings: Settings, options: RuntimeOptions | None, *, pushes: bool,
                     pulls: bool, github_status: Callable[[], GitHubStatus] | None
                     ) -> RuntimeOptions:
    """The caller's options (never changed) with what the wiring adds: notes, polls, status."""
    opts = options or RuntimeOptions()
    notes = list(opts.notes)
    if not pushes:
        notes.append(LOCAL_ONLY_NOTE)
    poll_interval = (opts.poll_interval_s or settings.poll_interval) if pulls else None
    if poll_interval is not None:
        notes.append(f"two-way sync: GitHub is polled every {poll_interval:g} s; its changes "
                     "land in _kanban.md")
    return dataclasses.replace(opts, notes=notes, poll_interval_s=poll_interval,
                               github_status=opts.github_status or github_status)


def wire_daemon(
    root: Path,
    settings: Settings,
    *,
    push: PushFn | None = None,
    pull: PullFn | None = None,
    target_of: Callable[[BoardKey], str] | None = None,
    github_status: Callable[[], GitHubStatus] | None = None,
    expect: Callable[[], AbstractContextManager[ExpectedCaller]] | None = None,
    options: RuntimeOptions | None = None,
    files: BoardFiles | None = None,
) -> Daemon:
    """The real pieces of ``kanbanger-daemon run`` wired into a :class:`Daemon`.

    ``push(key, local_result, caller)`` sends a board to GitHub and returns the number of remote
    operations; without it (or without GitHub settings) the daemon runs local-only.
    ``pull(key)`` takes GitHub's changes into the board (two-way sync), before the board's
    reconcile, every ``poll_interval``, and says whether the board needs that reconcile.
    ``target_of(key)`` names where a board goes (shown by ``status``). ``expect()`` is entered
    around a board's reconcile and push, and the handle it yields is the push's ``caller``, so
    that boards reconciled at the same time share their mutation documents (see
    ``BoardPusher.expecting``). ``files``: what the daemon knows of its boards (shared with
    ``pull``).
    """
    from kanbanger_daemon.boards.reconcile import reconcile_local
    from kanbanger_daemon.boards.workspace import board_for_path, find_boards

    layout = settings.effective_layout
    root = root.absolute()
    files = files or BoardFiles()
    if not settings.github_enabled:
        push = None
    pull = pull if push is not None and settings.two_way else None
    opts = _runtime_options(settings, options, pushes=push is not None,
                            pulls=pull is not None, github_status=github_status)

    async def reconcile(key: BoardKey, run: Run) -> ReconcileResult:
        if pull is not None and run.polled:
            # Takes GitHub's changes into the board before it is planned; when the project
            # shows exactly what was last synced and nothing else woke the board, stop here.
            needed = await pull(key)
            if not needed and run.trigger is Trigger.POLL:
                return ReconcileResult(target=target_of(key) if target_of else None)
        expected: AbstractContextManager[ExpectedCaller | None] = (
            expect() if expect is not None else contextlib.nullcontext())
        with expected as caller:
            local = await asyncio.to_thread(reconcile_local, root, key, settings,
                                            memory=files.memory, own_writes=files.own_writes)
            remote_ops = await push(key, local, caller) if push is not None else 0
        return _result(local, remote_ops, "local-only" if push is None
                       else target_of(key) if target_of else None)

    return Daemon(
        root,
        settings,
        reconcile=reconcile,
        discover=lambda: find_boards(root, settings.specs_dir, layout),
        board_for_path=lambda path: board_for_path(root, path, settings.specs_dir, layout),
        own_writes=files.own_writes,
        options=opts,
    )


def _result(local: LocalResult, remote_ops: int, target: str | None) -> ReconcileResult:
    # A SPEC that cannot be read fails its board's reconcile, after the rest was pushed.
    error = local.errors[0] if local.errors else None
    return ReconcileResult(
        ok=error is None, wrote_board=local.written, remote_ops=remote_ops,
        metrics=local.metrics(), target=target, notes=[str(d) for d in local.warnings],
        error=error.message if error else None, error_file=error.file if error else None,
        error_line=error.line if error else None)
