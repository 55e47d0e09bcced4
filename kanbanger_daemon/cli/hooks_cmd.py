"""`hooks install|uninstall`: the git post-commit hook (see team/hooks.py)."""

from __future__ import annotations

import argparse

from kanbanger_daemon.errors import ConfigError
from kanbanger_daemon.service.units import daemon_command
from kanbanger_daemon.settings import load_settings
from kanbanger_daemon.team import hooks


def cmd_hooks(args: argparse.Namespace) -> int:
    if args.action == "uninstall":
        for line in hooks.uninstall(args.root):
            print(line)
        return 0
    try:
        settings = load_settings(args.root, config=args.config)
        ready, specs_dir = settings.github_enabled, settings.specs_dir
    except ConfigError:
        ready, specs_dir = False, "SPECs"
    for line in hooks.install(args.root, daemon_command(), specs_dir=specs_dir):
        print(line)
    if not ready:
        # The hook would print "sync needs GITHUB_TOKEN…" after every commit until then.
        print("note: this workspace has no GitHub settings yet: run `kanbanger-daemon setup`")
    return 0
