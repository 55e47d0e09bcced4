"""Command line entry points. Heavy imports live inside commands so `status` answers fast."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kanbanger_daemon import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kanbanger-daemon")
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_subparsers(dest="command")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    return 0


def spec_to_kanban() -> int:
    return main(["generate", *sys.argv[1:]])


def sync_spec_progress() -> int:
    return main(["progress", *sys.argv[1:]])


def spec_retrospective() -> int:
    return main(["retrospective", *sys.argv[1:]])
