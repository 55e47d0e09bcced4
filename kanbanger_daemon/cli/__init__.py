"""Command line entry points.

The parser lives here; each command lives in a small module imported only when that command
runs, so ``status`` answers fast and a broken optional piece cannot break unrelated commands.
Exit codes: 0 done/in sync, 1 error, 2 bad usage (``status`` has its own LSB-style codes).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kanbanger_daemon import __version__
from kanbanger_daemon.errors import ConfigError, KanbangerError, redact

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2

# command → "module:function" under kanbanger_daemon.cli
_COMMANDS: dict[str, str] = {
    "generate": "local_cmds:cmd_generate",
    "progress": "local_cmds:cmd_progress",
    "retrospective": "local_cmds:cmd_retrospective",
    "inspect": "inspect_cmd:cmd_inspect",
    "sync": "sync_cmd:cmd_sync",
    "run": "run_cmd:cmd_run",
    "status": "run_cmd:cmd_status",
    "service": "run_cmd:cmd_service",
    "demo": "demo_cmd:cmd_demo",
    "setup": "setup_cmd:cmd_setup",
    "doctor": "doctor_cmd:cmd_doctor",
    "hooks": "hooks_cmd:cmd_hooks",
    "mcp": "mcp_cmd:cmd_mcp",
}


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", type=Path, default=None,
                   help="workspace root (default: the current directory)")
    p.add_argument("--config", type=Path, default=None, help="TOML config file")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also log what went well (info lines); `run` then logs debug lines too")


def build_parser(standalone: str | None = None) -> argparse.ArgumentParser:
    """The whole CLI. ``standalone``: the guide name a console script was started as, so that
    its usage and errors say ``spec-to-kanban``, not ``kanbanger-daemon spec-to-kanban``."""
    parser = argparse.ArgumentParser(
        prog="kanbanger-daemon",
        description="Keep Spec_Engine SPEC boards (_kanban.md) and GitHub Projects in sync.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    _guide_commands(sub, standalone)

    p = sub.add_parser("inspect", help="show what the daemon understands of a file")
    p.add_argument("target", type=Path, metavar="PATH")
    p.add_argument("--json", action="store_true", help="print JSON")
    _common(p)

    p = sub.add_parser("sync", help="reconcile every board once and push it to GitHub")
    p.add_argument("--dry-run", action="store_true", help="print the plan, send no mutation")
    p.add_argument("--json", action="store_true", help="print the plan/result as JSON")
    p.add_argument("--all", action="store_true", help="every board (the default; for scripts)")
    p.add_argument("--repo", default=None, help="OWNER/NAME (overrides GITHUB_REPO)")
    p.add_argument("--project", type=int, default=None, help="project number")
    p.add_argument("paths", nargs="*", type=Path, help="only the boards these files feed")
    _common(p)

    p = sub.add_parser("run", help="run the daemon in the foreground (what systemd starts)")
    _common(p)

    p = sub.add_parser("status", help="is the daemon healthy? (exit 0/150/3/4)")
    p.add_argument("--json", action="store_true", help="print JSON")
    _common(p)

    p = sub.add_parser("service", help="install, uninstall, print or list user services "
                                       "(one per workspace)")
    p.add_argument("action", choices=["install", "uninstall", "print", "list"],
                   help="install/uninstall this workspace's service, print its file, or list "
                        "every workspace's")
    p.add_argument("--kind", choices=["systemd", "launchd"], default=None)
    _common(p)

    p = sub.add_parser("demo", help="watch a SPEC run move cards on a local fake GitHub")
    p.add_argument("--steps", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--keep", action="store_true", help="keep the temporary workspace")
    _common(p)
    _team_commands(sub)
    return parser


# command → (integration guide name, what it does, its target's metavar, what --dry-run prints)
_GUIDE_COMMANDS = {
    "generate": ("spec-to-kanban", "generate/refresh a SPEC's _kanban.md", "SPEC_FILE_OR_DIR",
                 "the board"),
    "progress": ("sync-spec-progress", "apply progress to a SPEC's board", "SPEC_DIR",
                 "the board"),
    "retrospective": ("spec-retrospective", "write _retrospective.md", "SPEC_DIR", "it"),
}
# The integration guide's names, each a command of its own (with its own --help).
ALIASES = {alias: command for command, (alias, *_rest) in _GUIDE_COMMANDS.items()}


def _guide_commands(sub: Any, standalone: str | None) -> None:
    for command, (alias, summary, metavar, printed) in _GUIDE_COMMANDS.items():
        for name in (command, alias):
            extra = {"prog": alias} if name == standalone else {}
            about = (f"{summary} (same as `kanbanger-daemon {command}`)" if name == alias
                     else f"{summary} ({alias})")
            listed = f"same as {command}" if name == alias else about
            p = sub.add_parser(name, help=listed, description=about, **extra)
            p.add_argument("target", type=Path, metavar=metavar)
            p.add_argument("--dry-run", action="store_true",
                           help=f"print {printed}, write nothing")
            _common(p)


def _team_commands(sub: Any) -> None:
    p = sub.add_parser("setup", help="set up a workspace: token, repo, project, layout, service")
    p.add_argument("--non-interactive", action="store_true", help="take every answer from flags")
    p.add_argument("--repo", default=None, help="OWNER/NAME")
    p.add_argument("--project", type=int, default=None, help="project number")
    p.add_argument("--layout", choices=["per-spec", "single"], default=None)
    p.add_argument("--add-status-options", action="store_true",
                   help="add missing Status options (keeping existing ones and their ids)")
    p.add_argument("--install-service", action="store_true", help="install the user service")
    _common(p)

    p = sub.add_parser("doctor", help="check everything that can go wrong, with fixes")
    p.add_argument("--no-network", action="store_true", help="skip the GitHub checks")
    p.add_argument("--local-only", action="store_true",
                   help="assert the workspace has no GitHub settings (boards stay local)")
    p.add_argument("--json", action="store_true", help="print JSON")
    _common(p)

    p = sub.add_parser("hooks", help="install or remove the git post-commit hook")
    p.add_argument("action", choices=["install", "uninstall"])
    _common(p)

    p = sub.add_parser("mcp", help="the MCP server over stdio, for AI assistants")
    p.add_argument("action", nargs="?", default="serve",
                   choices=["serve", "install", "print-config"],
                   help="serve (default); install or print-config: the .mcp.json for Claude Code")
    _common(p)


def _load(command: str) -> Callable[[argparse.Namespace], int]:
    module_name, func_name = _COMMANDS[ALIASES.get(command, command)].split(":")
    module = importlib.import_module(f"kanbanger_daemon.cli.{module_name}")
    func: Callable[[argparse.Namespace], int] = getattr(module, func_name)
    return func


def main(argv: Sequence[str] | None = None, *, standalone: str | None = None) -> int:
    parser = build_parser(standalone)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if args.root is None:
        args.root = Path.cwd()
    # normpath: "ws/../ws" and "ws/" name one workspace (and one service unit), as systemd does.
    args.root = Path(os.path.normpath(args.root.absolute()))
    if args.command == "run":  # structured logs; reconfigured from the settings once loaded
        from kanbanger_daemon.logging import configure_logging

        configure_logging(level="info", fmt="auto")
    elif args.command != "status":  # status stays import-light
        from kanbanger_daemon.logging import configure_cli_logging

        configure_cli_logging(verbose=getattr(args, "verbose", False))
    try:
        return _load(args.command)(args)
    except ConfigError as exc:
        print(f"kanbanger-daemon: config error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KanbangerError as exc:
        print(f"kanbanger-daemon: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # last resort: a clear line, never a traceback
        print(f"kanbanger-daemon: internal error: {type(exc).__name__}: {redact(str(exc))}",
              file=sys.stderr)
        return EXIT_ERROR


def _console_script(alias: str) -> int:
    return main([alias, *sys.argv[1:]], standalone=alias)


def spec_to_kanban() -> int:
    return _console_script("spec-to-kanban")


def sync_spec_progress() -> int:
    return _console_script("sync-spec-progress")


def spec_retrospective() -> int:
    return _console_script("spec-retrospective")
