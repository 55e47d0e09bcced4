"""Linux inotify limits: the daemon watches every folder under ``SPECs/``, one watch each."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC_DIR = Path("/proc/sys/fs/inotify")
# Room for editors, IDEs and other watchers on the same account.
HEADROOM = 1024


@dataclass(frozen=True)
class InotifyLimits:
    max_user_watches: int
    max_user_instances: int
    max_queued_events: int


def read_limits(proc_dir: Path = PROC_DIR) -> InotifyLimits | None:
    """The current limits, or None where there is no inotify (macOS, a locked-down /proc)."""
    try:
        values = [int((proc_dir / name).read_text("ascii").strip()) for name in
                  ("max_user_watches", "max_user_instances", "max_queued_events")]
    except (OSError, ValueError):
        return None
    return InotifyLimits(*values)


def folders_to_watch(specs_root: Path) -> int:
    """How many folders a recursive watch of ``specs_root`` needs (0 when it does not exist)."""
    if not specs_root.is_dir():
        return 0
    count = 0
    for _dirpath, dirnames, _files in os.walk(specs_root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        count += 1
    return count


def watches_problem(limits: InotifyLimits, needed: int) -> str | None:
    """Why ``needed`` watches may not fit (None when they do, with room to spare)."""
    if needed + HEADROOM > limits.max_user_watches:
        return (f"{needed} folders to watch but fs.inotify.max_user_watches is "
                f"{limits.max_user_watches}")
    if limits.max_user_instances < 8:
        return f"fs.inotify.max_user_instances is only {limits.max_user_instances}"
    return None


def raise_command(needed: int) -> str:
    target = max(524288, 2 * (needed + HEADROOM))
    return (f"echo fs.inotify.max_user_watches={target} | sudo tee "
            "/etc/sysctl.d/90-kanbanger.conf && sudo sysctl --system")
