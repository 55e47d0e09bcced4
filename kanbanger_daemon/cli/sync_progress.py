"""What `sync` shows while it works: a first sync of many cards waits minutes on GitHub's
creation limit, and a silent terminal reads as a hang.

On a terminal: one status line, rewritten in place (changes sent, documents, and what it waits
for and how long), cleared when the command prints its result. Elsewhere (a log, the git hook's
output): once the work turns long (a wait of seconds), one line per wait and per document; a
quick sync prints nothing extra. Everything goes to stderr, so stdout keeps the plan (and
``--json``) alone.
"""

from __future__ import annotations

from typing import TextIO

from kanbanger_daemon.core.board.text import terminal_safe


class SyncProgress:
    def __init__(self, stream: TextIO, *, tty: bool) -> None:
        self._stream = stream
        self._tty = tty
        self.documents = 0
        self.changes = 0
        self.creates = 0
        self._shown = False
        self._long = False  # a wait of seconds was seen: from then on every document is told

    def sent(self, mutations: int, creates: int) -> None:
        self.documents += 1
        self.changes += mutations
        self.creates += creates
        if self._tty:
            self._line(f"sync: {self.changes} changes sent ({self.creates} new cards) "
                       f"in {self.documents} documents")
        elif self._long:
            self._print(f"sync: document {self.documents}: {mutations} changes "
                        f"({creates} new cards); {self.changes} sent so far")

    def waiting(self, seconds: float, why: str) -> None:
        self._long = True
        text = f"sync: {self.changes} changes sent; waiting {seconds:.0f} s for {why}"
        if self._tty:
            self._line(text)
        else:
            self._print(text)

    def done(self) -> None:
        """Leave the terminal's line clean for what the command prints next."""
        if self._tty and self._shown:
            self._stream.write("\r\x1b[2K")
            self._stream.flush()
            self._shown = False

    def _line(self, text: str) -> None:
        self._stream.write("\r\x1b[2K" + terminal_safe(text))
        self._stream.flush()
        self._shown = True

    def _print(self, text: str) -> None:
        self._stream.write(terminal_safe(text) + "\n")
        self._stream.flush()
