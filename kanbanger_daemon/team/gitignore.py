"""The workspace's ``.gitignore``: machine-local files stay out of git, boards stay in.

``_kanban.md`` is the shared board (committed); ``.env`` holds the token, ``.kanban.json`` is one
machine's sync state and ``.kanbanger/`` its daemon files, so each clone keeps its own.
"""

from __future__ import annotations

from pathlib import Path

from kanbanger_daemon.boards.atomic import write_atomic

GITIGNORE = ".gitignore"
REQUIRED_ENTRIES: tuple[str, ...] = (".env", ".kanban.json", ".kanbanger/")
BOARD_FILE = "_kanban.md"
_HEADER = "# kanbanger-daemon: machine-local files (the _kanban.md boards stay tracked)"


def _patterns(text: str) -> set[str]:
    out: set[str] = set()
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            # "/.env", ".env" and "**/.env" all cover a workspace-root .env for our purpose.
            out.add(line.removeprefix("**/").removeprefix("/").rstrip("/"))
    return out


def missing_entries(root: Path) -> list[str]:
    """Required entries the workspace ``.gitignore`` does not have yet (all when absent)."""
    path = root / GITIGNORE
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        text = ""
    have = _patterns(text)
    return [e for e in REQUIRED_ENTRIES if e.rstrip("/") not in have]


def ignores_board(root: Path) -> bool:
    """True when ``.gitignore`` names ``_kanban.md`` itself: the shared board would vanish."""
    try:
        text = (root / GITIGNORE).read_text("utf-8")
    except FileNotFoundError:
        return False
    return BOARD_FILE in _patterns(text)


def add_missing_entries(root: Path) -> list[str]:
    """Append the missing entries (keeping every existing byte); returns what was added.

    Writes nothing when nothing is missing, so running it twice leaves the file untouched.
    The file is written whole and durably (``write_atomic``), with the mode a plain save would
    leave (an existing file keeps its own; a new one as the umask says); a ``.gitignore`` that
    is a link stays one, and the file it points to is updated.
    """
    missing = missing_entries(root)
    if not missing:
        return []
    path = root / GITIGNORE
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        current = b""
    newline = b"\r\n" if b"\r\n" in current else b"\n"
    block = newline.join(line.encode("utf-8") for line in (_HEADER, *missing)) + newline
    if current and not current.endswith(b"\n"):
        current += newline
    separator = newline if current.strip() else b""
    write_atomic(path.resolve(), current + separator + block, private=False)
    return missing
