"""Names of the per-workspace service: a systemd template instance or a launchd label.

One service per workspace: the systemd unit is the template ``kanbanger-daemon@.service`` with
the workspace path as its instance, escaped exactly as ``systemd-escape --path`` escapes it (so
``systemctl --user status kanbanger-daemon@home-me-ws.service`` names it and systemd hands the
path back as ``%f``); the launchd label carries a short hash of the path.
"""

from __future__ import annotations

import hashlib
import string
from pathlib import Path

from kanbanger_daemon.errors import KanbangerError

UNIT_PREFIX = "kanbanger-daemon"
TEMPLATE_UNIT = f"{UNIT_PREFIX}@.service"
LAUNCHD_PREFIX = "com.kanbanger.daemon"
# systemd refuses longer unit names (UNIT_NAME_MAX - 1).
_UNIT_NAME_MAX = 255
# Characters systemd keeps as they are; any other byte becomes \xNN ("/" becomes "-").
_KEPT = frozenset(string.ascii_letters + string.digits + ":_.")


def systemd_escape_path(path: str) -> str:
    """``systemd-escape --path PATH``: the path simplified, then escaped for a unit name."""
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise ValueError(f"not a normalized path: {path!r}")
    if not parts:
        return "-"
    out: list[str] = []
    for index, char in enumerate("/".join(parts)):
        if char == "/":
            out.append("-")
        elif char in _KEPT and not (index == 0 and char == "."):
            out.append(char)
        else:
            # surrogateescape: a path's undecodable bytes are escaped as the bytes they were.
            out.extend(f"\\x{byte:02x}" for byte in char.encode("utf-8", "surrogateescape"))
    return "".join(out)


def systemd_unescape_path(escaped: str) -> str:
    """The path back from an escaped instance (``systemd-escape --unescape --path``)."""
    if escaped == "-":
        return "/"
    raw = bytearray()
    index = 0
    while index < len(escaped):
        char = escaped[index]
        if escaped.startswith("\\x", index) and len(escaped) >= index + 4:
            raw.append(int(escaped[index + 2:index + 4], 16))
            index += 4
            continue
        raw.extend(b"/" if char == "-" else char.encode("utf-8"))
        index += 1
    return "/" + raw.decode("utf-8", "surrogateescape")


def instance_unit(root: Path) -> str:
    """``kanbanger-daemon@<escaped root>.service``, the unit that serves ``root``."""
    name = f"{UNIT_PREFIX}@{systemd_escape_path(str(root))}.service"
    if len(name) > _UNIT_NAME_MAX:
        raise KanbangerError(f"{root}: the path is too long for a systemd unit name "
                             f"({len(name)} > {_UNIT_NAME_MAX} characters once escaped)")
    return name


def instance_root(unit: str) -> Path | None:
    """The workspace a ``kanbanger-daemon@….service`` unit serves; None for any other name."""
    head, suffix = f"{UNIT_PREFIX}@", ".service"
    if not (unit.startswith(head) and unit.endswith(suffix)) or unit == TEMPLATE_UNIT:
        return None
    return Path(systemd_unescape_path(unit[len(head):-len(suffix)]))


def path_hash(root: Path) -> str:
    """Eight hex digits of the path's SHA-256: short, stable, distinct per workspace."""
    return hashlib.sha256(str(root).encode("utf-8", "surrogateescape")).hexdigest()[:8]


def launchd_label(root: Path) -> str:
    """``com.kanbanger.daemon.<hash>``: the launchd agent that serves ``root``."""
    return f"{LAUNCHD_PREFIX}.{path_hash(root)}"
