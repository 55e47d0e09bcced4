"""The REVIEW gate: finished work waits for a person before it counts as DONE. PURE.

A board is gated when it has a REVIEW column, or when the ``review_gate`` setting is on (the
column is then created). On a gated board, in the words a reviewer would use:

- a task the progress log calls completed goes to REVIEW, unchecked, never straight to DONE;
- only a person puts a card in DONE: ``approve_done`` over MCP, editing ``_kanban.md``, or
  moving the card on GitHub. Once there it stays, whatever the log says later (its notes still
  follow the log), so an approval survives the next progress change;
- a person rejects a card by moving it out of REVIEW with a ``[REJECTED: reason]`` note
  (``reject_review`` over MCP writes both). While the log still calls the task completed, the
  card stays where the person put it and keeps the note, so it does not bounce back to REVIEW.
  As soon as the log says anything else (the task was started again, is blocked, …) the note
  is dropped and the card follows the log; the next completion sends it to REVIEW again. A
  rework that is logged as completed without ever being logged as started leaves the card
  where it is: move it back to REVIEW (or drop the note) by hand.

Rejecting by moving a card on GitHub without the note does not hold: progress is the authority
for the column of a task it knows, and the next push puts the card back in REVIEW.
"""

from __future__ import annotations

import re

from kanbanger_daemon.core.board.cards import one_line
from kanbanger_daemon.core.board.text import without_controls

REJECTED_PREFIX = "[REJECTED:"
MAX_REASON = 120
_NOTE_RE = re.compile(r"\s*\[REJECTED:\s*([^\[\]]*?)\s*\]")


def clean_reason(reason: str) -> str:
    """A reason as it can stand in a card: one line, no brackets, at most ``MAX_REASON``."""
    text = one_line(without_controls(reason)).replace("[", "(").replace("]", ")")
    if len(text) > MAX_REASON:
        text = text[: MAX_REASON - 1].rstrip() + "…"
    return text


def rejection_note(reason: str) -> str:
    return f"{REJECTED_PREFIX} {clean_reason(reason)}]"


def rejection_of(text: str) -> str | None:
    """The reason of the last ``[REJECTED: …]`` note of a card text, or None."""
    found = _NOTE_RE.findall(text)
    return found[-1] if found else None


def without_rejection(text: str) -> str:
    """A card text with every ``[REJECTED: …]`` note removed."""
    return _NOTE_RE.sub("", text).strip()
