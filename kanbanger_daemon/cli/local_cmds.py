"""The guide's one-shot local commands: spec-to-kanban, sync-spec-progress, spec-retrospective.

Each works on one SPEC folder and writes the board beside the SPEC (the guide's behaviour),
whatever the daemon's layout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kanbanger_daemon.boards.atomic import write_atomic
from kanbanger_daemon.boards.board_memory import BoardMemory
from kanbanger_daemon.boards.reconcile import (
    LocalResult,
    load_folder,
    read_guarded,
    reconcile_local,
)
from kanbanger_daemon.boards.workspace import RETROSPECTIVE_FILE, key_for_folder
from kanbanger_daemon.core.insight.retrospective import render_retrospective, retrospective_title
from kanbanger_daemon.core.specs.decode import decode_text
from kanbanger_daemon.core.specs.files import classify, is_master_progress
from kanbanger_daemon.errors import InputError
from kanbanger_daemon.models import Layout
from kanbanger_daemon.settings import load_settings


def spec_folder_of(target: Path) -> Path:
    """A SPEC file's folder, or the folder itself."""
    target = target.absolute()
    if not target.exists():
        raise InputError("no such file or folder", file=str(target))
    return target if target.is_dir() else target.parent


def _require_spec(folder: Path) -> None:
    """Refuse, before anything is written, a folder that holds no SPEC."""
    if not any(classify(p.name)[0] in ("spec", "speclet") for p in folder.iterdir()):
        raise InputError(
            "no SPEC in this folder (spec_<name>.md, speclet_<name>.md or <Name>_SPEC.md)",
            file=str(folder))


def _folder_board(args: argparse.Namespace) -> LocalResult:
    folder = spec_folder_of(args.target)
    _require_spec(folder)
    root: Path = args.root
    key = key_for_folder(root, folder)
    if key is None:  # a SPEC outside the workspace: its parent stands in as the root
        root = folder.parent
        key = key_for_folder(root, folder) or "."
    settings = load_settings(root, spec_dir=folder, config=args.config)
    settings = settings.model_copy(update={"layout": Layout.PER_SPEC,
                                           "kanban_location": "spec_folder"})
    # A command's own memory of boards: what an earlier command of this process saw is not
    # a save in progress now (tests and the assistant run several commands in one process).
    result = reconcile_local(root, key, settings, dry_run=args.dry_run, memory=BoardMemory())
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    return result


def _report(result: LocalResult, *, dry_run: bool, verb: str) -> int:
    if dry_run:
        sys.stdout.write(result.text)
    else:
        state = "written" if result.written else "unchanged"
        print(f"{verb} {result.path} ({state})")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    return _report(_folder_board(args), dry_run=args.dry_run, verb="board")


def cmd_progress(args: argparse.Namespace) -> int:
    return _report(_folder_board(args), dry_run=args.dry_run, verb="progress applied to")


def _master_log(root: Path, folder: Path) -> str | None:
    """The text of the folder's ``progress_<x>_MASTER.json`` (first by name), if readable.

    Only its project name is used, for the title: a log that cannot be read is no error here.
    """
    for path in sorted(folder.iterdir()):
        if is_master_progress(path.name) and path.is_file():
            try:
                return decode_text(read_guarded(path, root), file=str(path))
            except InputError:
                return None
    return None


def cmd_retrospective(args: argparse.Namespace) -> int:
    folder = spec_folder_of(args.target)
    _require_spec(folder)
    root: Path = args.root if key_for_folder(args.root, folder) is not None else folder.parent
    inputs, warnings = load_folder(root, folder)
    for warning in warnings:
        print(warning, file=sys.stderr)
    title = retrospective_title(inputs, folder=folder.name, master=_master_log(root, folder))
    text = render_retrospective(inputs, title=title)
    if args.dry_run:
        sys.stdout.write(text)
        return 0
    path = folder / RETROSPECTIVE_FILE
    write_atomic(path, text.encode("utf-8"), private=False)  # meant to be committed
    print(f"retrospective {path} (written)")
    return 0
