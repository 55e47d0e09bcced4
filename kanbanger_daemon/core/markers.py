"""The hidden marker a card's draft body carries: ``<!-- kanbanger-daemon:card=<board>/<card> -->``.

The marker is how the daemon recognises its own items on a project after a lost reply, a crash
or a lost state file (adoption instead of a duplicate). Keys are percent-encoded where they would
break the comment or the split: ``%``, whitespace, ``>`` in both parts, and ``/`` in the card
key, so that the board key is everything before the last ``/``.
"""

from __future__ import annotations

import re
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
