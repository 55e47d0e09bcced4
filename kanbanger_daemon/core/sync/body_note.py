"""The rejection reason in a draft's body: a block between two hidden markers. PURE.

A card a person rejected in review carries a ``[REJECTED: reason]`` note on the board
(``core.board.review``); its item's body on GitHub shows the reason too::

    <!-- kanbanger-daemon:review-note -->
    **Rejected in review:** the opening hours are missing
    <!-- kanbanger-daemon:review-note-end -->

The block is the daemon's: it is written while the note is on the card, put back if someone
edits it away, and taken out with the note. Everything else in the body (a person's text, the
card marker and sync tag of ``core.sync.markers``) is left exactly as it is. The reason is
markdown-escaped (``core.board.text.markdown_inline``), so it shows as written and cannot end
the block or forge a marker.
"""

from __future__ import annotations

import re

from kanbanger_daemon.core.board.text import markdown_inline

_START = "<!-- kanbanger-daemon:review-note -->"
_END = "<!-- kanbanger-daemon:review-note-end -->"
_LABEL = "**Rejected in review:**"
# The block with the blank line(s) before it: a block taken out leaves the body as it was
# before the block was appended.
_BLOCK_RE = re.compile(rf"(\n*){re.escape(_START)}.*?{re.escape(_END)}", re.DOTALL)


def render_review_note(reason: str) -> str:
    """The block that shows ``reason`` in a body."""
    return f"{_START}\n{_LABEL} {markdown_inline(reason)}\n{_END}"


def review_note_of(body: str | None) -> str | None:
    """The review-note block of ``body`` as it stands (None: there is none)."""
    match = _BLOCK_RE.search(body or "")
    return None if match is None else match.group(0).lstrip("\n")


def with_review_note(body: str | None, reason: str | None) -> str:
    """``body`` showing ``reason`` in its review-note block (None: showing none).

    A block already there is replaced in place; a new one goes at the end, after a blank line;
    one no longer wanted is taken out with the blank line before it. Idempotent.
    """
    text = body or ""
    if reason is None:
        return _BLOCK_RE.sub("", text, count=1)
    block = render_review_note(reason)
    if _BLOCK_RE.search(text):
        return _BLOCK_RE.sub(lambda m: f"{m.group(1)}{block}", text, count=1)
    return f"{text}\n\n{block}" if text else block
