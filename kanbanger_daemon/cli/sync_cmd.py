"""`sync`: reconcile every board once (regenerate, then push). Like `terraform apply`/`plan`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from kanbanger_daemon.boards.board_memory import BoardMemory
from kanbanger_daemon.boards.reconcile import LocalResult, reconcile_local
from kanbanger_daemon.boards.workspace import BoardKey, board_for_path, find_boards
from kanbanger_daemon.cli.sync_progress import SyncProgress
from kanbanger_daemon.core.board.text import terminal_safe
from kanbanger_daemon.core.sync.plan_text import format_plan
from kanbanger_daemon.errors import KanbangerError
from kanbanger_daemon.models.sync import PushResult
from kanbanger_daemon.settings import Settings, load_settings, warn_exposed_token_files
from kanbanger_daemon.sync.pusher import BoardPusher, client_from

# A person or the git hook (60 s) is waiting: an unreachable GitHub ends the command after this
# long, on one line. The daemon keeps retrying with backoff instead.
UNREACHABLE_AFTER_S = 25.0


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    return {"github_repo": args.repo, "github_project_number": args.project}


def _boards(args: argparse.Namespace, settings: Settings) -> list[BoardKey]:
    layout = settings.effective_layout
    if not args.paths:
        return find_boards(args.root, settings.specs_dir, layout)
    keys = {board_for_path(args.root, p.absolute(), settings.specs_dir, layout)
            for p in args.paths}
    return sorted(k for k in keys if k is not None)


async def _sync(
    args: argparse.Namespace, settings: Settings
) -> tuple[list[dict[str, Any]], int, int]:
    reports: list[dict[str, Any]] = []
    pusher = BoardPusher(args.root, settings, client_from(settings), config=args.config,
                         health_delay_s=None)
    pusher.client.give_up_after(UNREACHABLE_AFTER_S)
    progress = SyncProgress(sys.stderr, tty=sys.stderr.isatty())
    pusher.client.listen(sent=progress.sent, waiting=progress.waiting)
    failed = 0
    memory = BoardMemory()  # this command's own (see local_cmds._folder_board)
    planned: list[tuple[BoardKey, LocalResult]] = []
    try:
        for key in _boards(args, settings):
            report: dict[str, Any] = {"board": key}
            reports.append(report)
            try:
                local = await asyncio.to_thread(
                    reconcile_local, args.root, key, settings, dry_run=args.dry_run,
                    memory=memory)
            except KanbangerError as exc:
                report["error"] = str(exc)
                failed += 1
                continue
            report["board_written"] = local.written
            report["metrics"] = local.metrics()
            # SPECs left out of the (single root) board: pushed without them, reported here.
            report["input_errors"] = [str(d) for d in local.errors]
            report["notes"] = [str(d) for d in local.warnings]
            failed += bool(local.errors)
            planned.append((key, local))
        # Every board is pushed at once: their changes (and the project status updates) go
        # to GitHub in shared documents.
        results = await pusher.push_all(planned, dry_run=args.dry_run)
        if pusher.client.unreachable is not None:
            raise pusher.client.unreachable  # one line for the whole command, not one per board
        by_key = {key: result for (key, _), result in zip(planned, results, strict=True)}
        for report in reports:
            result = by_key.get(report["board"])
            if isinstance(result, KanbangerError):
                report["error"] = str(result)
                failed += 1
            elif result is not None:
                failed += _report_push(report, result, dry_run=args.dry_run)
    finally:
        progress.done()
        requests = pusher.client.stats.http_requests
        await pusher.aclose()
    return reports, failed, requests


def _report_push(report: dict[str, Any], result: PushResult, *, dry_run: bool) -> int:
    """Fill in ``report``; 1 when the board did not end in sync (a failure), else 0."""
    report["plan"] = [op.model_dump(mode="json", exclude_none=True) for op in result.plan.ops]
    report["plan_text"] = format_plan(result.plan)
    report["in_sync"] = result.in_sync
    report["skipped"] = result.skipped
    report["errors"] = result.errors
    return int(not dry_run and not result.in_sync)


def cmd_sync(args: argparse.Namespace) -> int:
    root: Path = args.root
    settings = load_settings(root, config=args.config, flags=_flags(args))
    warn_exposed_token_files(root, settings.specs_dir)
    if not settings.github_enabled:
        print("kanbanger-daemon: error: sync needs GITHUB_TOKEN, GITHUB_REPO and "
              "GITHUB_PROJECT_NUMBER (in the environment, .env or the config file)",
              file=sys.stderr)
        return 1
    reports, failed, requests = asyncio.run(_sync(args, settings))
    if args.json:  # JSON escapes control characters itself
        doc = {"dry_run": args.dry_run, "http_requests": requests, "failed": failed,
               "boards": reports}
        print(json.dumps(doc, indent=2))
    else:
        _print_text(reports, requests)
    return 1 if failed else 0


def _print_text(reports: list[dict[str, Any]], requests: int) -> None:
    """The plan as a person reads it. Titles come from files anyone may write, so control
    characters are written out, never sent to the terminal."""
    lines: list[str] = []
    for report in reports:
        lines.append(f"{report['board']}:")
        if "error" in report:
            lines.append(f"  error: {report['error']}")
            continue
        text = report["plan_text"].rstrip("\n")
        lines.append("  " + (text.replace("\n", "\n  ") if text else "no changes"))
        lines.extend(f"  error: {error}" for error in report["input_errors"])
    lines.append(f"{requests} HTTP requests")
    print(terminal_safe("\n".join(lines)))
