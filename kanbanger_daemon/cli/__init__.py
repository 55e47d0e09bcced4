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
}


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", type=Path, default=None,
                   help="workspace root (default: the current directory)")
    p.add_argument("--config", type=Path, default=None, help="TOML config file")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kanbanger-daemon",
        description="Keep Spec_Engine SPEC boards (_kanban.md) and GitHub Projects in sync.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("generate", help="generate/refresh a SPEC's _kanban.md (spec-to-kanban)")
    p.add_argument("target", type=Path, metavar="SPEC_FILE_OR_DIR")
    p.add_argument("--dry-run", action="store_true", help="print the board, write nothing")
    _common(p)

    p = sub.add_parser("progress", help="apply progress to a SPEC's board (sync-spec-progress)")
    p.add_argument("target", type=Path, metavar="SPEC_DIR")
    p.add_argument("--dry-run", action="store_true", help="print the board, write nothing")
    _common(p)

    p = sub.add_parser("retrospective", help="write _retrospective.md (spec-retrospective)")
    p.add_argument("target", type=Path, metavar="SPEC_DIR")
    p.add_argument("--dry-run", action="store_true", help="print it, write nothing")
    _common(p)

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


def _load(command: str) -> Callable[[argparse.Namespace], int]:
    module_name, func_name = _COMMANDS[command].split(":")
    module = importlib.import_module(f"kanbanger_daemon.cli.{module_name}")
    func: Callable[[argparse.Namespace], int] = getattr(module, func_name)
    return func


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if args.root is None:
        args.root = Path.cwd()
    # normpath: "ws/../ws" and "ws/" name one workspace (and one service unit), as systemd does.
    args.root = Path(os.path.normpath(args.root.absolute()))
    if args.command != "status":  # status stays import-light; `run` reconfigures from settings
        from kanbanger_daemon.logging import configure_logging

        configure_logging(level="info", fmt="auto")
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


def spec_to_kanban() -> int:
    return main(["generate", *sys.argv[1:]])


def sync_spec_progress() -> int:
    return main(["progress", *sys.argv[1:]])


def spec_retrospective() -> int:
    return main(["retrospective", *sys.argv[1:]])
