"""Input bytes → text: the one place file contents become ``str``. Pure."""

from __future__ import annotations

from kanbanger_daemon.errors import InputError

MAX_INPUT_BYTES = 5 * 1024 * 1024
"""Largest spec/parameters/progress file the daemon reads (5 MiB). The filesystem edge checks
the size before reading; ``decode_text`` and the parsers refuse anything longer as well."""


def decode_text(data: bytes, *, file: str) -> str:
    """UTF-8 (a BOM is allowed and dropped) → str, or :class:`InputError` naming the file.

    Refused: more than ``MAX_INPUT_BYTES``, UTF-16/32 text, binary content (a NUL byte), bytes
    that are not UTF-8 (the error gives the byte offset and line).
    """
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"too large: {len(data)} bytes (limit {MAX_INPUT_BYTES})", file=file)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("UTF-16/32 text is not supported: save the file as UTF-8", file=file)
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise InputError(f"binary content (NUL byte at byte offset {nul})", file=file, line=line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise InputError(
            f"not UTF-8: byte 0x{bad} at byte offset {exc.start}", file=file, line=line
        ) from None
