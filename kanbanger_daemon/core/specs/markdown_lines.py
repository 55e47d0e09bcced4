"""Line-level helpers of the spec markdown reader (:mod:`.markdown`). Pure.

Each looks at one line (or one field value) and says what it is. Plain string operations are
used where a long line could make a regular expression slow.
"""

from __future__ import annotations

import re

_BOLD_STEP = re.compile(
    r"(?i)^\*\*step\s*#?\s*(?:\[\s*(?P<bid>[\w.\-]{1,40})\s*\]|(?P<id>\d+(?:\.\d+)*[a-z]?))"
    r"\s*[:.)\-\u2013\u2014]?\s*\*\*\s*[:.)\-\u2013\u2014]?\s*(?P<title>.*)$"
)
_COMPACT_STEP = re.compile(
    r"(?i)^step\s*#?\s*(?:\[\s*(?P<bid>[\w.\-]{1,40})\s*\]|(?P<id>\d+(?:\.\d+)*[a-z]?))"
    r"\s*[:.)\-\u2013\u2014]\s*(?P<title>.+)$"
)
_DEP_TOKEN = re.compile(r"^[\w.\-]{1,60}$")
_TRUE_WORDS = frozenset({"true", "yes", "y", "critical", "1"})
_FALSE_WORDS = frozenset({"false", "no", "n", "non-critical", "noncritical", "0", "optional"})


def atx_heading(stripped: str) -> tuple[int, str] | None:
    """``"## Task 1 ##"`` → ``(2, "Task 1")``; None when the line is not an ATX heading."""
    level = len(stripped) - len(stripped.lstrip("#"))
    if not 1 <= level <= 6:
        return None
    rest = stripped[level:]
    if rest and rest[0] not in " \t":
        return None
    text = rest.strip()
    closed = text.rstrip("#")
    if closed != text and (not closed or closed[-1] in " \t"):
        text = closed.rstrip()
    return (level, text)


def fence_open(stripped: str) -> str | None:
    """The fence marker (e.g. ``"````"``) a line opens, or None."""
    char = stripped[:1]
    if char not in ("`", "~"):
        return None
    run = len(stripped) - len(stripped.lstrip(char))
    if run < 3 or (char == "`" and "`" in stripped[run:]):
        return None
    return char * run


def fence_closes(stripped: str, fence: str) -> bool:
    return stripped.startswith(fence) and not stripped.lstrip(fence[0]).strip()


def list_item(line: str) -> tuple[int, str | None, str] | None:
    """``(indent, number or None, text)`` of a list item line, checkbox removed; else None."""
    rest = line.lstrip(" \t")
    indent = len(line) - len(rest)
    number: str | None = None
    if rest[:1] in ("-", "*", "+") and rest[1:2] in (" ", "\t"):
        text = rest[2:].strip()
    else:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        if not 1 <= digits <= 9 or rest[digits : digits + 1] not in (".", ")"):
            return None
        if rest[digits + 1 : digits + 2] not in (" ", "\t"):
            return None
        text, number = rest[digits + 2 :].strip(), str(int(rest[:digits]))
    if text[:3].lower() in ("[ ]", "[x]"):
        text = text[3:].strip()
    return (indent, number, text)


def is_rule(stripped: str) -> bool:
    """A thematic break (``---``, ``***``, ``___``)."""
    return len(stripped) >= 3 and not stripped.strip("-*_ \t")


def plain_text(text: str) -> str:
    """Heading text without emphasis, code markers or leading symbols (``✅ Task 1``)."""
    text = text.replace("**", "").replace("__", "").replace("`", "").strip()
    return text.lstrip("".join(c for c in text[:8] if not (c.isalnum() or c in "[_"))).strip()


def matched_id(match: re.Match[str]) -> str:
    groups = match.groupdict()
    return next(g for g in (groups.get("bid"), groups.get("id"), groups.get("letter")) if g)


def step_match(text: str) -> re.Match[str] | None:
    """``**Step [1]:** text`` or ``Step 1.1: text`` (a list item's or a line's text)."""
    if text.startswith("**"):
        return _BOLD_STEP.match(text)
    return _COMPACT_STEP.match(text) if text[:4].lower() == "step" else None


def clean_title(text: str | None) -> str:
    return (text or "").replace("**", "").strip().rstrip(":").strip()


def critical_word(value: str) -> bool | None:
    word = value.replace("*", "").strip().split(" ", 1)[0].strip("().,;").lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


def dependency_ids(value: str) -> list[str]:
    """``"[0]"``, ``"`["a", "b"]`"``, ``"None (Foundation)"``, ``"SPEClet 0, 1"`` → ids."""
    value = value.replace("`", "").strip()
    if "[" in value and "]" in value:
        value = value[value.index("[") + 1 : value.index("]")] if value.index("[") < value.index(
            "]") else ""
    else:
        value = value.split("(", 1)[0]
    found: list[str] = []
    for token in re.split(r",|\band\b", value):
        token = token.strip().strip("'\"").strip()
        token = re.sub(r"(?i)^speclets?\s+", "", token)
        if token.lower() in ("", "none", "n/a", "-") or not _DEP_TOKEN.match(token):
            continue
        found.append(token)
    return found
