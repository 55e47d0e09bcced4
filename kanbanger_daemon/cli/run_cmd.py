"""`run`, `status` and `service`: the long-running service and its health."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kanbanger_daemon.daemon.status import status_main
from kanbanger_daemon.service import units


def cmd_status(args: argparse.Namespace) -> int:
    # Deliberately light: no settings, no network; reads the published status only.
    return status_main(args.root, as_json=args.json, service=_service_of(args.root))


def _service_of(root: Path) -> dict[str, object] | None:
    """This workspace's own service, as ``status`` shows it (None: no name fits this path)."""
    from kanbanger_daemon.errors import KanbangerError
    from kanbanger_daemon.service import manage

    platform = units.default_platform()
    try:
        name = manage.service_name(platform, root)
    except KanbangerError:
        return None
    installed = manage.installed_for(platform, Path.home(), root) is not None
    text = (f"{name} (restart: {manage.start_command(platform, root)})" if installed
            else f"not installed for this workspace (`kanbanger-daemon service install` "
                 f"would add {name})")
    return {"name": name, "installed": installed, "text": text}


def cmd_run(args: argparse.Namespace) -> int:
    from kanbanger_daemon.cli.run_startup import log_startup
    from kanbanger_daemon.daemon.wiring import main_run
    from kanbanger_daemon.logging import configure_logging
    from kanbanger_daemon.settings import load_settings, warn_exposed_token_files
    from kanbanger_daemon.sync.pusher import BoardPusher, client_from

    settings = load_settings(args.root, config=args.config)
    configure_logging(level="debug" if getattr(args, "verbose", False) else settings.log_level,
                      fmt=settings.log_format)
    warn_exposed_token_files(args.root, settings.specs_dir)
    if not settings.github_enabled:
        log_startup(args.root, settings, None)
        return main_run(args.root, settings)
    pusher = BoardPusher(args.root, settings, client_from(settings), config=args.config)
    log_startup(args.root, settings, pusher.describe_target)
    return main_run(args.root, settings, pusher=pusher)


def cmd_service(args: argparse.Namespace) -> int:
    from kanbanger_daemon.service import manage, units

    platform = args.kind or units.default_platform()
    home = Path.home()
    target = units.ServiceTarget(command=units.daemon_command(), root=args.root, home=home)
    if args.action == "print":
        sys.stdout.write(units.render(platform, target))
        return 0
    if args.action == "list":
        return _list_services(platform, home)
    if args.action == "install":
        lines = manage.install(platform, target)
    else:
        lines = manage.uninstall(platform, home, args.root)
    for line in lines:
        print(line)
    return 1 if any(line.startswith("failed") for line in lines) else 0


def _list_services(platform: units.Platform, home: Path) -> int:
    """One line per workspace with a service here: its unit, its path, and whether it runs."""
    from kanbanger_daemon.core.board.text import terminal_safe
    from kanbanger_daemon.daemon.status import read_status
    from kanbanger_daemon.service import manage

    found = manage.installed(platform, home)
    if not found:
        print(f"no kanbanger-daemon service is installed ({platform})")
        return 0
    for item in found:
        health = (read_status(item.root).health if item.root.is_dir()
                  else "workspace folder is gone")
        legacy = " (older single service: reinstall from that workspace)" if item.legacy else ""
        print(terminal_safe(f"{item.name}  {item.root}  {health}{legacy}"))
    return 0
