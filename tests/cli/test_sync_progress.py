"""What `sync` shows on stderr while it works (cli.sync_progress)."""

from __future__ import annotations

import io

from kanbanger_daemon.cli.sync_progress import SyncProgress


def test_a_quick_sync_shows_nothing_extra_off_a_terminal() -> None:
    out = io.StringIO()
    progress = SyncProgress(out, tty=False)
    progress.sent(3, 0)
    progress.done()
    assert out.getvalue() == ""


def test_a_long_sync_says_what_it_waits_for_then_each_document() -> None:
    out = io.StringIO()
    progress = SyncProgress(out, tty=False)
    progress.sent(25, 25)
    progress.waiting(58.7, "GitHub's creation limit (60/min, 400/h)")
    progress.sent(25, 25)
    assert out.getvalue().splitlines() == [
        "sync: 25 changes sent; waiting 59 s for GitHub's creation limit (60/min, 400/h)",
        "sync: document 2: 25 changes (25 new cards); 50 sent so far",
    ]


def test_on_a_terminal_one_line_is_rewritten_and_cleared_at_the_end() -> None:
    out = io.StringIO()
    progress = SyncProgress(out, tty=True)
    progress.sent(25, 25)
    progress.waiting(30, "GitHub's creation limit (60/min, 400/h)")
    progress.done()
    text = out.getvalue()
    assert "\n" not in text
    assert text.count("\r\x1b[2K") == 3  # two updates, then the clearing
    assert "waiting 30 s for GitHub's creation limit" in text
