"""`sync`: reconcile every board once (regenerate, then push). Like `terraform apply`/`plan`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from kanbanger_daemon.core.plan_text import format_plan
from kanbanger_daemon.core.text import terminal_safe
from kanbanger_daemon.daemon.board_memory import BoardMemory
from kanbanger_daemon.daemon.local import reconcile_local
from kanbanger_daemon.daemon.remote import BoardPusher, client_from
from kanbanger_daemon.daemon.workspace import BoardKey, board_for_path, find_boards
from kanbanger_daemon.errors import KanbangerError
from kanbanger_daemon.settings import Settings, load_settings, warn_exposed_token_files


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
    failed = 0
    memory = BoardMemory()  # this command's own (see local_cmds._folder_board)
    try:
        for key in _boards(args, settings):
            report: dict[str, Any] = {"board": key}
            reports.append(report)
            try:
                local = await asyncio.to_thread(
                    reconcile_local, args.root, key, settings, dry_run=args.dry_run,
                    memory=memory)
                report["board_written"] = local.written
                report["metrics"] = local.metrics()
                result = await pusher.push(key, local, dry_run=args.dry_run)
            except KanbangerError as exc:
                report["error"] = str(exc)
                failed += 1
                continue
            report["plan"] = [op.model_dump(mode="json", exclude_none=True)
                              for op in result.plan.ops]
            report["plan_text"] = format_plan(result.plan)
            report["in_sync"] = result.in_sync
            report["skipped"] = result.skipped
            report["errors"] = result.errors
            # SPECs left out of the (single root) board: pushed without them, reported here.
            report["input_errors"] = [str(d) for d in local.errors]
            report["notes"] = [str(d) for d in local.warnings]
            if local.errors or (not args.dry_run and not result.in_sync):
                failed += 1
        if not args.dry_run:
            await pusher.post_health()
    finally:
        requests = pusher.client.stats.http_requests
        await pusher.aclose()
    return reports, failed, requests


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
