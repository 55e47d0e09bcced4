"""What `run` says before it starts watching: one line naming the workspace, the boards it
found, where each goes (local-only or owner/repo#N) and whether two-way sync is on; and a
warning, saying where it looked, when the workspace has no SPECs folder."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kanbanger_daemon.boards.workspace import BoardKey, find_boards
from kanbanger_daemon.logging import get_logger
from kanbanger_daemon.settings import Settings

LOCAL_ONLY = "local-only"
# Past this many boards the line counts boards per destination instead of naming each.
_NAMED_BOARDS_MAX = 20

log = get_logger("kanbanger_daemon.daemon")


def startup_fields(
    root: Path, settings: Settings, describe_target: Callable[[BoardKey], str] | None
) -> dict[str, Any]:
    """The start-up line's fields. ``describe_target`` is None for a local-only workspace."""
    boards = find_boards(root, settings.specs_dir, settings.effective_layout)
    goes = {key: describe_target(key) if describe_target else LOCAL_ONLY for key in boards}
    fields: dict[str, Any] = {"workspace": str(root), "boards_found": len(boards)}
    if len(goes) <= _NAMED_BOARDS_MAX:
        fields["boards"] = goes
    else:
        fields["boards_per_destination"] = dict(Counter(goes.values()).most_common())
    on = describe_target is not None and settings.github_enabled and settings.two_way
    fields["two_way"] = "on" if on else "off"
    return fields


def log_startup(
    root: Path, settings: Settings, describe_target: Callable[[BoardKey], str] | None
) -> None:
    specs = root / settings.specs_dir
    if not specs.is_dir():
        log.warning(f"no {settings.specs_dir}/ folder: no board to keep until one appears",
                    looked_in=str(specs),
                    fix="run it in the folder that holds SPECs/, or pass --root PATH")
    log.info("daemon.start", **startup_fields(root, settings, describe_target))
