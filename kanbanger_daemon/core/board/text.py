"""Text that reaches a board, a GitHub title or a terminal. PURE.

A title comes from files anyone may write (a SPEC, a board, a GitHub item). Control characters
(ESC sequences, BEL, other C0 and C1 codes) in it would ring, recolour or rewrite a person's
terminal, so they are dropped from what we write and escaped in what we print. Text put in a
draft's markdown body is escaped as well, so that it shows as written.
"""

from __future__ import annotations

import re

GITHUB_TITLE_MAX = 256
"""GitHub refuses a draft issue title longer than this (``Title is too long``)."""

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What could format, link, start HTML or a comment, or end one, inside a line of GitHub markdown.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_~<>&|\[\]!])")
_SPEC_REFERENCE = " (SPEC: "
_ELLIPSIS = "…"


def without_controls(text: str) -> str:
    """``text`` with every control character but tab and newline dropped."""
    return _CONTROLS.sub("", text)


def terminal_safe(text: str) -> str:
    """``text`` as a terminal may show it: control characters written out (``\\x1b``)."""
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def markdown_inline(text: str) -> str:
    """``text`` as one line of a GitHub markdown body that shows it as written: no control
    characters, whitespace collapsed, markdown and HTML punctuation backslash-escaped (so it
    cannot format, hide text in an HTML comment, or forge or end one of our hidden markers)."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(without_controls(text).split()))


def github_title(text: str, limit: int = GITHUB_TITLE_MAX) -> str:
    """A card text as GitHub can hold it: no control characters, at most ``limit`` characters.

    A longer text is cut on a word boundary, with ``…``. A generated card keeps its
    ``(SPEC: …)`` reference and the notes after it, so the item still says whose card it is;
    only its title is shortened. The board keeps the full text.
    """
    text = " ".join(without_controls(text).split())
    if len(text) <= limit:
        return text
    cut = text.rfind(_SPEC_REFERENCE)
    tail = text[cut:] if cut > 0 and len(text) - cut <= limit // 2 else ""
    head = text[: len(text) - len(tail)]
    room = limit - len(tail) - len(_ELLIPSIS)
    shortened = head[:room]
    if " " in shortened and not head[room : room + 1].isspace():
        shortened = shortened[: shortened.rfind(" ")]
    return f"{shortened.rstrip()}{_ELLIPSIS}{tail}"
