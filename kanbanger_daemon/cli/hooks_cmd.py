"""`hooks install|uninstall`: the git post-commit hook (see team/hooks.py)."""

from __future__ import annotations

import argparse

from kanbanger_daemon.daemon.service import daemon_command
from kanbanger_daemon.team import hooks


def cmd_hooks(args: argparse.Namespace) -> int:
    if args.action == "install":
        done = hooks.install(args.root, daemon_command())
    else:
        done = hooks.uninstall(args.root)
    for line in done:
        print(line)
    return 0
