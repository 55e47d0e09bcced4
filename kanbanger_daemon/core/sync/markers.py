"""The hidden marker a card's draft body carries: ``<!-- kanbanger-daemon:card=<board>/<card> -->``.

The marker is how the daemon recognises its own items on a project after a lost reply, a crash
or a lost state file (adoption instead of a duplicate). Keys are percent-encoded where they would
break the comment or the split: ``%``, whitespace, ``>`` in both parts, and ``/`` in the card
key, so that the board key is everything before the last ``/``.
"""

from __future__ import annotations

import re
from hashlib import sha256
from typing import NamedTuple
from urllib.parse import quote, unquote

_MARKER_RE = re.compile(r"<!-- kanbanger-daemon:card=(\S+) -->")
_BOARD_SAFE = "/#.:_-@+,=~!$&'()*;[]{}|^`\"\\?"
_CARD_SAFE = "#.:_-@+,=~!$&'()*;[]{}|^`\"\\?"


def full_key(board_key: str, card_key: str) -> str:
    """The key of a card across boards: ``<board-key>/<card-key>`` (un-encoded)."""
    return f"{board_key}/{card_key}"


def render_marker(board_key: str, card_key: str) -> str:
    """The comment line to put in a draft body."""
    board = quote(board_key, safe=_BOARD_SAFE)
    card = quote(card_key, safe=_CARD_SAFE)
    return f"<!-- kanbanger-daemon:card={board}/{card} -->"


def split_key(key: str) -> tuple[str, str]:
    """``board/card`` -> (board, card). The card key is what follows the last ``/``."""
    board, _, card = key.rpartition("/")
    return board, card


def marker_for_key(key: str) -> str:
    """The marker of a full key as built by ``full_key``. Card keys must not contain ``/``."""
    board, card = split_key(key)
    return render_marker(board, card)


def parse_marker(body: str | None) -> tuple[str, str] | None:
    """(board key, card key) of the first marker in ``body``, or None when there is none."""
    if not body:
        return None
    match = _MARKER_RE.search(body)
    if match is None:
        return None
    board, sep, card = match.group(1).rpartition("/")
    if not sep or not card:
        return None
    return unquote(board), unquote(card)


def parse_marker_key(body: str | None) -> str | None:
    """The full key ``board/card`` carried by ``body``, or None."""
    parsed = parse_marker(body)
    return None if parsed is None else full_key(*parsed)


def with_marker(body: str | None, key: str) -> str:
    """``body`` carrying exactly the marker of ``key`` (any other marker replaced, text kept)."""
    marker = marker_for_key(key)
    text = body or ""
    if _MARKER_RE.search(text):
        return _MARKER_RE.sub(lambda _m: marker, text, count=1)
    return f"{text.rstrip()}\n\n{marker}" if text.strip() else marker


# The sync tag: what a kanbanger workspace last set on an item, and which workspace (``by``: the
# id in its ``.kanban.json``). Any workspace can then tell a change another workspace made (the tag
# agrees with the item, another writer) from one made by a person on github.com (the tag
# disagrees: a person moves or retitles an item without touching its body) and from a late echo
# of its own (the tag agrees, the writer is itself: GitHub applied an old request after a newer
# one, so the item shows what this workspace no longer wants).
_TAG_RE = re.compile(
    r"<!-- kanbanger-daemon:set status=(\S+) title=([0-9a-f]{8})(?: by=([0-9a-z]+))? -->"
)
_NO_STATUS = "-"


class SyncTag(NamedTuple):
    status: str | None  # Status option name
    title_digest: str
    by: str | None = None  # the writing workspace's id


def title_digest(title: str) -> str:
    return sha256(title.encode()).hexdigest()[:8]


def render_tag(status: str | None, title: str, by: str | None = None) -> str:
    encoded = _NO_STATUS if status is None else quote(status, safe="")
    writer = f" by={by}" if by else ""
    return f"<!-- kanbanger-daemon:set status={encoded} title={title_digest(title)}{writer} -->"


def parse_tag(body: str | None) -> SyncTag | None:
    """The sync tag in ``body``, or None (an item no workspace tagged yet)."""
    match = _TAG_RE.search(body or "")
    if match is None:
        return None
    status = None if match.group(1) == _NO_STATUS else unquote(match.group(1))
    return SyncTag(status=status, title_digest=match.group(2), by=match.group(3))


def written_by(body: str | None, me: str | None) -> bool:
    """True when the item's sync tag names ``me`` as its last writer."""
    tag = parse_tag(body)
    return me is not None and tag is not None and tag.by == me


def tag_agrees(
    body: str | None, status: str | None, title: str, *, me: str | None = None
) -> tuple[bool, bool]:
    """(status agrees, title agrees): whether ANOTHER workspace set what the item shows now.

    A tag written by ``me`` never agrees: what this workspace wrote and no longer wants is an
    echo to repair, not somebody's change to respect.
    """
    tag = parse_tag(body)
    if tag is None or (me is not None and tag.by == me):
        return False, False
    return tag.status == status, tag.title_digest == title_digest(title)


def with_tag(body: str | None, status: str | None, title: str, by: str | None = None) -> str:
    """``body`` carrying exactly the sync tag of (``status``, ``title``, ``by``), after the
    marker."""
    tag = render_tag(status, title, by)
    text = body or ""
    if _TAG_RE.search(text):
        return _TAG_RE.sub(lambda _m: tag, text, count=1)
    match = _MARKER_RE.search(text)
    if match is not None:
        return f"{text[: match.end()]}\n{tag}{text[match.end():]}"
    return f"{text.rstrip()}\n\n{tag}" if text.strip() else tag


def without_marker_and_tag(body: str | None) -> str:
    """``body`` with its marker and sync tag taken out, all else left as it is."""
    return _TAG_RE.sub("", _MARKER_RE.sub("", body or ""))
