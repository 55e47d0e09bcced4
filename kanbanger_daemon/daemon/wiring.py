"""``kanbanger-daemon run``: the real reconcile (local, then pull/push) wired into a Daemon."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from pathlib import Path

from kanbanger_daemon.boards.reconcile import LocalResult
from kanbanger_daemon.boards.workspace import BoardKey
from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions, reconcile_trigger
from kanbanger_daemon.models.status import GitHubStatus, ReconcileResult
from kanbanger_daemon.settings import Settings
from kanbanger_daemon.sync.pusher import BoardPusher

LOCAL_ONLY_NOTE = (
    "local-only: no GitHub settings (GITHUB_TOKEN, GITHUB_REPO, GITHUB_PROJECT_NUMBER); "
    "boards are kept up to date, nothing is pushed"
)


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
    puller = Puller(pusher, settings, lambda: find_boards(absolute, settings.specs_dir, layout))
    return wire_daemon(root, settings, push=pusher.push_ops, pull=puller,
                       target_of=pusher.describe_target, github_status=pusher.status,
                       expect=pusher.expecting, options=options)


def wire_daemon(
    root: Path,
    settings: Settings,
    *,
    push: Callable[[BoardKey, LocalResult], Awaitable[int]] | None = None,
    pull: Callable[[BoardKey], Awaitable[bool]] | None = None,
    target_of: Callable[[BoardKey], str] | None = None,
    github_status: Callable[[], GitHubStatus] | None = None,
    expect: Callable[[], AbstractContextManager[None]] | None = None,
    options: RuntimeOptions | None = None,
) -> Daemon:
    """The real pieces of ``kanbanger-daemon run`` wired into a :class:`Daemon`.

    ``push(key, local_result)`` sends a board to GitHub and returns the number of remote
    operations; without it (or without GitHub settings) the daemon runs local-only.
    ``pull(key)`` takes GitHub's changes into the board (two-way sync), before the board's
    reconcile, every ``poll_interval``, and says whether the board needs that reconcile.
    ``target_of(key)`` names where a board goes (shown by ``status``). ``expect()`` is entered
    around a board's reconcile and push, so that boards reconciled at the same time share their
    mutation documents (see ``BoardPusher.expecting``).
    """
    from kanbanger_daemon.boards.reconcile import reconcile_local
    from kanbanger_daemon.boards.workspace import board_for_path, find_boards

    layout = settings.effective_layout
    root = root.absolute()
    opts = options or RuntimeOptions()
    opts.github_status = opts.github_status or github_status
    if push is None or not settings.github_enabled:
        push = None
        opts.notes = [*opts.notes, LOCAL_ONLY_NOTE]

    polls: set[BoardKey] = set()
    if push is not None and pull is not None and settings.two_way:
        opts.on_poll = polls.add
        opts.poll_interval_s = opts.poll_interval_s or settings.poll_interval
        opts.notes = [*opts.notes, f"two-way sync: GitHub is polled every "
                      f"{opts.poll_interval_s:g} s; its changes land in _kanban.md"]

    async def reconcile(key: BoardKey) -> ReconcileResult:
        if pull is not None and key in polls:
            polls.discard(key)
            # Takes GitHub's changes into the board before it is planned; when the project
            # shows exactly what was last synced and nothing else woke the board, stop here.
            needed = await pull(key)
            if not needed and reconcile_trigger.get() == "poll":
                return ReconcileResult(target=target_of(key) if target_of else None)
        with expect() if expect is not None else contextlib.nullcontext():
            local = await asyncio.to_thread(reconcile_local, root, key, settings)
            remote_ops = await push(key, local) if push is not None else 0
        target = "local-only" if push is None else target_of(key) if target_of else None
        # A SPEC that cannot be read fails its board's reconcile, after the rest was pushed.
        error = local.errors[0] if local.errors else None
        return ReconcileResult(
            ok=error is None, wrote_board=local.written, remote_ops=remote_ops,
            metrics=local.metrics(), target=target, notes=[str(d) for d in local.warnings],
            error=error.message if error else None, error_file=error.file if error else None,
            error_line=error.line if error else None)

    return Daemon(
        root,
        settings,
        reconcile=reconcile,
        discover=lambda: find_boards(root, settings.specs_dir, layout),
        board_for_path=lambda path: board_for_path(root, path, settings.specs_dir, layout),
        options=opts,
    )
