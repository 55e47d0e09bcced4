"""``kanbanger-daemon run``: the real reconcile (local, then pull/push) wired into a Daemon."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from kanbanger_daemon.daemon.runtime import Daemon, RuntimeOptions
from kanbanger_daemon.daemon.workspace import BoardKey
from kanbanger_daemon.models.status import GitHubStatus, ReconcileResult
from kanbanger_daemon.settings import Settings

LOCAL_ONLY_NOTE = (
    "local-only: no GitHub settings (GITHUB_TOKEN, GITHUB_REPO, GITHUB_PROJECT_NUMBER); "
    "boards are kept up to date, nothing is pushed"
)


def main_run(
    root: Path,
    settings: Settings,
    *,
    push: Callable[[BoardKey, object], Awaitable[int]] | None = None,
    pull: Callable[[BoardKey], Awaitable[object]] | None = None,
    github_status: Callable[[], GitHubStatus] | None = None,
    options: RuntimeOptions | None = None,
) -> int:
    """``kanbanger-daemon run``: :func:`wire_daemon` run until SIGTERM/SIGINT.

    Raises :class:`~kanbanger_daemon.errors.LockError` if another daemon serves ``root``.
    """

    async def serve() -> int:
        daemon = wire_daemon(root, settings, push=push, pull=pull,
                             github_status=github_status, options=options)
        return await daemon.run()

    return asyncio.run(serve())


def wire_daemon(
    root: Path,
    settings: Settings,
    *,
    push: Callable[[BoardKey, object], Awaitable[int]] | None = None,
    pull: Callable[[BoardKey], Awaitable[object]] | None = None,
    github_status: Callable[[], GitHubStatus] | None = None,
    options: RuntimeOptions | None = None,
) -> Daemon:
    """The real pieces of ``kanbanger-daemon run`` wired into a :class:`Daemon`.

    ``push(key, local_result)`` sends a board to GitHub and returns the number of remote
    operations; without it (or without GitHub settings) the daemon runs local-only.
    ``pull(key)`` takes GitHub's changes into the board (two-way sync), before the board's
    reconcile, every ``poll_interval``.
    """
    from kanbanger_daemon.daemon.local import reconcile_local
    from kanbanger_daemon.daemon.workspace import board_for_path, find_boards

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

    async def reconcile(key: BoardKey) -> ReconcileResult:
        if pull is not None and key in polls:
            polls.discard(key)
            await pull(key)  # takes GitHub's changes into the board before it is planned
        local = await asyncio.to_thread(reconcile_local, root, key, settings)
        remote_ops = await push(key, local) if push is not None else 0
        return ReconcileResult(wrote_board=local.written, remote_ops=remote_ops,
                               metrics=local.metrics())

    return Daemon(
        root,
        settings,
        reconcile=reconcile,
        discover=lambda: find_boards(root, settings.specs_dir, layout),
        board_for_path=lambda path: board_for_path(root, path, settings.specs_dir, layout),
        options=opts,
    )
