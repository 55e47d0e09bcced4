"""The workspace an MCP server serves, and which board (and SPEC) a name given by a person means.

A ``spec`` argument may be a SPEC's descriptor (``website`` for ``spec_website.md``), a SPEC
file name, a SPEC folder or file (relative to the workspace root or absolute), a board key
(``SPECs/website``) or a ``_kanban.md`` path. An empty name means the only board there is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kanbanger_daemon.boards.board_memory import BoardMemory
from kanbanger_daemon.boards.workspace import (
    BoardKey,
    board_path,
    find_boards,
    folders_of_board,
)
from kanbanger_daemon.core.specs.files import classify
from kanbanger_daemon.errors import InputError
from kanbanger_daemon.settings import Settings, load_settings

_SPEC_KINDS = ("spec", "speclet")


@dataclass(frozen=True)
class Workspace:
    """The root an MCP server serves, and the config file it was started with."""

    root: Path
    config: Path | None = None
    # What this server saw of its boards (a save caught half-way is not planned from).
    memory: BoardMemory = field(default_factory=BoardMemory, compare=False)

    def settings(self) -> Settings:
        """The settings as they are now (read on every call: a changed ``.env`` counts)."""
        return load_settings(self.root, config=self.config)

    def shown(self, path: Path) -> str:
        """``path`` relative to the root when it is inside it."""
        try:
            return path.relative_to(self.root).as_posix() or "."
        except ValueError:
            return str(path)


@dataclass(frozen=True)
class BoardRef:
    """One board: its key, its file, and the SPEC files that feed it."""

    key: BoardKey
    path: Path
    specs: tuple[Path, ...]


@dataclass(frozen=True)
class Target:
    """A board a person named, and the SPEC file they named on it (None: all of them)."""

    board: BoardRef
    spec_file: str | None = None


def boards(ws: Workspace, settings: Settings) -> list[BoardRef]:
    """Every board of the workspace, in a stable order."""
    layout = settings.effective_layout
    out: list[BoardRef] = []
    for key in find_boards(ws.root, settings.specs_dir, layout):
        specs = tuple(
            path
            for folder in folders_of_board(ws.root, key, settings.specs_dir, layout)
            for path in sorted(folder.iterdir())
            if classify(path.name)[0] in _SPEC_KINDS
        )
        out.append(BoardRef(key, board_path(ws.root, key), specs))
    return out


def _as_path(ws: Workspace, name: str) -> Path | None:
    path = Path(name).expanduser()
    path = path if path.is_absolute() else ws.root / path
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return None


def _matches(ws: Workspace, board: BoardRef, name: str) -> list[Target]:
    """The ways ``name`` names ``board`` or one of its SPECs."""
    lowered = name.lower()
    path = _as_path(ws, name)
    found: list[Target] = []
    if name in (board.key, ws.shown(board.path)) or path in (board.path.resolve(),
                                                             board.path.parent.resolve()):
        found.append(Target(board))
    for spec in board.specs:
        descriptor = (classify(spec.name)[1] or "").lower()
        if lowered in (descriptor, spec.name.lower()) or path == spec.resolve():
            found.append(Target(board, spec.name))
        elif path == spec.parent.resolve():  # its folder (on the single root board: its own)
            found.append(Target(board, spec.name if _alone(board, spec) else None))
    return found


def _alone(board: BoardRef, spec: Path) -> bool:
    return sum(1 for other in board.specs if other.parent == spec.parent) == 1


def resolve(ws: Workspace, settings: Settings, name: str) -> Target:
    """The board ``name`` means; InputError naming the choices when none or several do."""
    every = boards(ws, settings)
    name = name.strip()
    if not name:
        if len(every) == 1:
            return Target(every[0])
        raise InputError(f"{len(every)} boards here: name one (" + _choices(every) + ")",
                         file=ws.shown(ws.root))
    found = [target for board in every for target in _matches(ws, board, name)]
    unique = {(t.board.key, t.spec_file): t for t in found}
    if len(unique) == 1:
        return next(iter(unique.values()))
    if len({t.board.key for t in found}) == 1:
        return Target(found[0].board)  # a board and its own SPEC: the whole board
    why = "no board or SPEC by that name" if not found else "more than one board by that name"
    raise InputError(f"{why} (boards: {_choices(every)})", file=name)


def _choices(every: list[BoardRef]) -> str:
    names = [f"{b.key} [{', '.join(s.name for s in b.specs)}]" for b in every[:8]]
    return "; ".join(names) + (" …" if len(every) > 8 else "") if names else "none"
