"""Which boards a workspace has, and which board a changed file feeds.

A board is named by its ``BoardKey``: the folder that holds its ``_kanban.md``, relative to the
workspace root, in posix form ("SPECs/x/spec_y"), or "." for the single root board.
Per-SPEC layout: one board per folder that holds a ``spec_*.md`` or ``speclet_*.md``; all the
SPEC files of that folder (a SPEC and its SPECLets) share the folder's board.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from kanbanger_daemon.core.specs.files import classify
from kanbanger_daemon.models import Layout

BoardKey = str
BOARD_FILE = "_kanban.md"
RETROSPECTIVE_FILE = "_retrospective.md"
ROOT_KEY: BoardKey = "."
STATE_DIR = ".kanbanger"
_SPEC_KINDS = ("spec", "speclet")
_FEEDING_KINDS = ("spec", "speclet", "parameters", "progress", "board")


def board_path(root: Path, key: BoardKey) -> Path:
    return (root if key == ROOT_KEY else root / key) / BOARD_FILE


def key_for_folder(root: Path, folder: Path) -> BoardKey | None:
    try:
        rel = folder.relative_to(root)
    except ValueError:
        return None
    return rel.as_posix() or ROOT_KEY


def _walk_spec_folders(specs_root: Path) -> Iterator[Path]:
    # os.walk does not follow symlinked folders, so a symlink loop cannot trap the scan.
    for dirpath, dirnames, filenames in os.walk(specs_root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if any(classify(name)[0] in _SPEC_KINDS for name in filenames):
            yield Path(dirpath)


def spec_folders(root: Path, specs_dir: str) -> list[Path]:
    """Every folder under ``root/specs_dir`` holding a SPEC, in a stable order."""
    specs_root = root / specs_dir
    if not specs_root.is_dir():
        return []
    return sorted(_walk_spec_folders(specs_root))


def find_boards(root: Path, specs_dir: str, layout: Layout) -> list[BoardKey]:
    folders = spec_folders(root, specs_dir)
    if layout is Layout.SINGLE:
        return [ROOT_KEY] if folders else []
    keys = (key_for_folder(root, f) for f in folders)
    return [k for k in keys if k is not None]


def folders_of_board(root: Path, key: BoardKey, specs_dir: str, layout: Layout) -> list[Path]:
    """The SPEC folders whose files make up the board ``key``."""
    if key == ROOT_KEY and layout is Layout.SINGLE:
        return spec_folders(root, specs_dir)
    return [root if key == ROOT_KEY else root / key]


def board_for_path(root: Path, path: Path, specs_dir: str, layout: Layout) -> BoardKey | None:
    """The board a changed file feeds, or None when the file feeds no board."""
    name = path.name
    if layout is Layout.SINGLE and name == BOARD_FILE and path.parent == root:
        return ROOT_KEY
    try:
        rel = path.relative_to(root / specs_dir)
    except ValueError:
        return None
    if rel.parts and any(part.startswith(".") for part in rel.parts[:-1]):
        return None
    kind, _ = classify(name)
    if kind not in _FEEDING_KINDS and name != ".env":
        return None
    if layout is Layout.SINGLE:
        return None if kind == "board" else ROOT_KEY
    return key_for_folder(root, path.parent)
