"""`run`, `status` and `service`: the long-running service and its health."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kanbanger_daemon.daemon.status import status_main


def cmd_status(args: argparse.Namespace) -> int:
    # Deliberately light: no settings, no network; reads the published status only.
    return status_main(args.root, as_json=args.json)


def cmd_run(args: argparse.Namespace) -> int:
    from kanbanger_daemon.daemon.remote import BoardPusher, client_from
    from kanbanger_daemon.daemon.wiring import main_run
    from kanbanger_daemon.logging import configure_logging
    from kanbanger_daemon.settings import load_settings, warn_exposed_token_files

    settings = load_settings(args.root, config=args.config)
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    warn_exposed_token_files(args.root, settings.specs_dir)
    if not settings.github_enabled:
        return main_run(args.root, settings)
    pusher = BoardPusher(args.root, settings, client_from(settings), config=args.config)
    return main_run(args.root, settings, pusher=pusher)


def cmd_service(args: argparse.Namespace) -> int:
    from kanbanger_daemon.daemon import service

    platform = args.kind or service.default_platform()
    target = service.ServiceTarget(
        command=service.daemon_command(), root=args.root, home=Path.home()
    )
    if args.action == "print":
        sys.stdout.write(service.render(platform, target))
        return 0
    if args.action == "install":
        lines = service.install(platform, target)
    else:
        lines = service.uninstall(platform, Path.home())
    for line in lines:
        print(line)
    return 1 if any(line.startswith("failed") for line in lines) else 0
