"""The two renames ``os`` lacks: swap two names atomically, and rename without replacing.

Linux has both as ``renameat2`` flags (``RENAME_EXCHANGE``, ``RENAME_NOREPLACE``), macOS as
``renamex_np`` flags (``RENAME_SWAP``, ``RENAME_EXCL``); Python exposes neither, so they are
called through ``ctypes``. Each function answers False when the system or the file system
cannot do it (an old libc, NFS, some FUSE file systems); the caller then falls back to a plain
rename and its known, tiny race.
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys
from collections.abc import Callable
from pathlib import Path

_AT_FDCWD = -100
_LINUX_NOREPLACE, _LINUX_EXCHANGE = 1, 2
_MAC_SWAP, _MAC_EXCL = 0x2, 0x4
# What a system or file system says when it has no such rename.
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM}

_Call = Callable[[bytes, bytes, int], int]


def _load() -> tuple[_Call | None, int, int]:
    """The libc rename call and its (swap, no-replace) flags; no call when libc has none."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None, 0, 0
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        at2 = libc.renameat2
        at2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                        ctypes.c_uint]
        at2.restype = ctypes.c_int

        def linux(src: bytes, dst: bytes, flags: int) -> int:
            return int(at2(_AT_FDCWD, src, _AT_FDCWD, dst, flags))

        return linux, _LINUX_EXCHANGE, _LINUX_NOREPLACE
    if sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        np_ = libc.renamex_np
        np_.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
        np_.restype = ctypes.c_int

        def mac(src: bytes, dst: bytes, flags: int) -> int:
            return int(np_(src, dst, flags))

        return mac, _MAC_SWAP, _MAC_EXCL
    return None, 0, 0


_CALL, _SWAP, _NOREPLACE = _load()


def _rename(src: Path, dst: Path, flags: int) -> bool:
    if _CALL is None:
        return False
    if _CALL(os.fsencode(src), os.fsencode(dst), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), os.fspath(src), None, os.fspath(dst))


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap what the names ``a`` and ``b`` point to (both must exist).

    False when this system or file system cannot; nothing was changed then.
    """
    return _rename(a, b, _SWAP)


def rename_noreplace(src: Path, dst: Path) -> bool:
    """Rename ``src`` to ``dst`` unless ``dst`` exists (then FileExistsError).

    False when this system or file system cannot; nothing was changed then.
    """
    return _rename(src, dst, _NOREPLACE)
