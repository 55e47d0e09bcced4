"""Writing files whole: no reader ever sees half a file, and no person's save is overwritten.

:func:`write_atomic` is the one way this program writes a whole file it owns (sync state, caches,
status, ``.env``, ``.gitignore``, hooks, configs): temp file beside it, fsync, rename, fsync of
the folder, so a crash leaves the old file or the new one, never half of one, and the new one
survives a power cut.

:func:`replace_if_unchanged` is for files people edit too (``_kanban.md``). It writes only if
the file still holds what the new content was planned from, and it checks that again *after*
the swap, where no race can hide:

1. the new bytes go to a temp file beside the target, fsynced, with the target's mode;
2. the target is checked: same inode, mtime, size and bytes as when it was read;
3. temp and target are swapped atomically (``renameat2(RENAME_EXCHANGE)``), so the file that
   was displaced is still at hand under the temp name;
4. the displaced file is checked again. A save that landed between 2 and 3 (an editor's
   rename, or an in-place save, whose truncation shows) is swapped back, and the caller plans
   again from it; otherwise the displaced file is deleted.

What remains, documented rather than hidden:

- an editor whose ``open(O_TRUNC)`` looked the path up before the swap but truncates after the
  check in step 4 (the same system call, a few microseconds), or an editor that keeps the board
  open and rewrites it later through that old descriptor (common editors don't), writes to the
  displaced file, which is deleted;
- where the swap is not available (old libc, NFS, some FUSE file systems) a plain rename is
  used, and a save landing between step 2 and the rename is lost: microseconds, versus the
  milliseconds a plan takes.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from kanbanger_daemon.boards import renames

_UMASK_LOCK = threading.Lock()


@dataclass(frozen=True)
class FileIdentity:
    """What tells one version of a file from another without reading it."""

    ino: int
    mtime_ns: int
    size: int

    @classmethod
    def of(cls, st: os.stat_result) -> FileIdentity:
        return cls(st.st_ino, st.st_mtime_ns, st.st_size)


@dataclass(frozen=True)
class Snapshot:
    """A file's bytes as read, with its identity at that moment."""

    data: bytes
    identity: FileIdentity


def _umask() -> int:
    try:  # Linux ≥ 4.7 shows it without changing it
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:  # elsewhere it can only be read by setting it; the probe is the strict one
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def new_file_mode() -> int:
    """The mode ``open()`` would give a new file: 0o666 less the umask (0o644 under 022)."""
    return 0o666 & ~_umask()


def _mode_for(path: Path, *, private: bool) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)  # an existing file keeps its mode
    except FileNotFoundError:
        return 0o600 if private else new_file_mode()


def _write_temp(path: Path, data: bytes, mode: int) -> tuple[Path, Snapshot]:
    fd, name = tempfile.mkstemp(prefix=".~kanban-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
            written = os.fstat(fh.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
        raise
    return Path(name), Snapshot(data, FileIdentity.of(written))


def write_atomic(path: Path, data: bytes, *, private: bool = True, mode: int | None = None
                 ) -> None:
    """Replace ``path`` by ``data`` whole and durably (file and folder fsynced).

    ``mode`` forces the file's permissions (e.g. 0600 for a secret, 0755 for a hook); without
    it an existing file keeps its mode and a new one is 0600 (``private``) or as the umask says.
    """
    wanted = mode if mode is not None else _mode_for(path, private=private)
    tmp, _ = _write_temp(path, data, wanted)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable; not every platform lets a folder be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse to fsync a folder: the rename stands all the same
    finally:
        os.close(fd)


def holds(path: Path, expected: Snapshot) -> bool:
    """``path`` (symlinks followed) has exactly the identity and bytes of ``expected``."""
    try:
        if FileIdentity.of(os.stat(path)) != expected.identity:
            return False
        with open(path, "rb") as fh:
            return fh.read(len(expected.data) + 1) == expected.data
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return False


def replace_if_unchanged(path: Path, data: bytes, expected: Snapshot | None) -> bool:
    """Write ``data`` to ``path`` if it still holds ``expected`` (None: if it still doesn't
    exist). True if written; False if the file changed and nothing was written: plan again.

    A new file is created as the umask says; an existing one keeps its mode. A write that
    stands is durable, as with :func:`write_atomic`.
    """
    tmp, ours = _write_temp(path, data, _mode_for(path, private=False))
    try:
        written = _swap_in(path, tmp, expected, ours)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)  # the displaced file, ours when swapped back, or an unused temp
    if written:
        fsync_dir(path.parent)
    return written


def _swap_in(path: Path, tmp: Path, expected: Snapshot | None, ours: Snapshot) -> bool:
    if expected is None:
        return _create(tmp, path)
    if not holds(path, expected):
        return False
    if not renames.exchange(tmp, path):
        os.replace(tmp, path)  # no swap here: the small window of the module docstring
        return True
    return _keep_or_restore(path, tmp, expected, ours)


def _create(tmp: Path, path: Path) -> bool:
    """Move ``tmp`` to ``path`` only if nobody created ``path`` in the meantime."""
    try:
        if not renames.rename_noreplace(tmp, path):
            os.link(tmp, path)  # fails, like the rename, if the name exists
        return True
    except FileExistsError:
        return False
    except OSError:  # no hard links here either (some FUSE, FAT): the plain rename
        if os.path.lexists(path):
            return False
        os.replace(tmp, path)
        return True


def _keep_or_restore(path: Path, tmp: Path, expected: Snapshot, ours: Snapshot) -> bool:
    """After the swap ``tmp`` names the displaced file: if it is what we planned from, the
    write stands. If a save raced in, put it back; the caller plans again from it."""
    if holds(tmp, expected):
        return True
    if not renames.exchange(tmp, path):  # it worked a moment ago: cannot happen, but if it did,
        os.replace(tmp, path)  # the person's save goes back all the same
        return False
    if not holds(tmp, ours):
        # Another save reached the board within the microseconds since our swap: it is the
        # newest of the two, and the newest save wins, as it would with no daemon running.
        renames.exchange(tmp, path)
    return False
