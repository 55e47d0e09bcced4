"""`hooks install|uninstall`: the git post-commit hook (see team/hooks.py)."""

from __future__ import annotations

import argparse

from kanbanger_daemon.daemon.service import daemon_command
from kanbanger_daemon.errors import ConfigError
from kanbanger_daemon.settings import load_settings
from kanbanger_daemon.team import hooks


def cmd_hooks(args: argparse.Namespace) -> int:
    if args.action == "uninstall":
        for line in hooks.uninstall(args.root):
            print(line)
        return 0
    for line in hooks.install(args.root, daemon_command()):
        print(line)
    try:
        ready = load_settings(args.root, config=args.config).github_enabled
    except ConfigError:
        ready = False
    if not ready:
        # The hook would print "sync needs GITHUB_TOKEN…" after every commit until then.
        print("note: this workspace has no GitHub settings yet: run `kanbanger-daemon setup`")
    return 0
