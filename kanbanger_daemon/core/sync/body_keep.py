"""Whose text a draft's body holds: the daemon's own lines, and everything else. PURE.

GitHub replaces a draft's body whole, so every write of ours (the marker, the sync tag, a
review note) sends a body built from the one the daemon last read, and a push does not read the
project first (one moved card = one request). Text someone wrote in the body since that read is
replaced by the write. The document that writes a body also reads it just before the write
(``sync.draft_write``); when what it read differs from what the write was built from in more
than the daemon's own lines, that body is kept as the card's ``lost_body`` and the next push
writes it back with our lines (``core.sync.push_plan``).
"""

from __future__ import annotations

from kanbanger_daemon.core.sync.body_note import with_review_note
from kanbanger_daemon.core.sync.markers import without_marker_and_tag


def others_text(body: str | None) -> str:
    """What of ``body`` is not the daemon's: without the marker, the sync tag and the
    review-note block, with ``\\n`` line ends and no blank space at either end."""
    text = with_review_note(without_marker_and_tag(body), None)
    return text.replace("\r\n", "\n").strip()


def lost_by_write(built_from: str | None, replaced: str | None) -> bool:
    """True when a write built from ``built_from`` replaced ``replaced`` (None: not known) and so
    lost text someone wrote meanwhile: the two differ in more than the daemon's own lines."""
    return replaced is not None and others_text(replaced) != others_text(built_from)
