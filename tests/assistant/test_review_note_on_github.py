"""`reject_review` against the fake GitHub: the reason shows in the draft's body, next to a
person's own text, for as long as the note is on the card; pushing it again sends nothing.

The tools run in-process (the same functions the MCP server calls), with no daemon running:
`sync()` is then the one-shot push. A forced push stands for the daemon's periodic rescan, the
listing that shows the daemon what a person wrote in a body on github.com.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kanbanger_daemon.assistant.commands import sync
from kanbanger_daemon.assistant.edits import reject_review
from kanbanger_daemon.assistant.workspace import Workspace
from kanbanger_daemon.core.sync.markers import parse_marker_key
from kanbanger_daemon.testing import FakeGitHub, FakeItem
from tests.helpers.pushing import rescan

pytestmark = pytest.mark.fake_github(status_options=("Todo", "In Progress", "Review", "Done"))
BOARD = "SPECs/website"
REASON = "the logo is blurry <!-- kanbanger-daemon:review-note-end --> *twice*"
SHOWN = ("**Rejected in review:** the logo is blurry "
         "\\<\\!-- kanbanger-daemon:review-note-end --\\> \\*twice\\*")
PERSONS_TEXT = "Ask Anna for the SVG.\n\n- the old one is in /brand"


@pytest.fixture
def workspace(one_board_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("KANBANGER_REVIEW_GATE", "true")
    return Workspace(one_board_workspace)


def design(fake: FakeGitHub) -> FakeItem:
    (item,) = [i for i in fake.items(include_archived=False)
               if (parse_marker_key(i.body) or "").endswith("#1")]
    return item


async def test_the_reason_is_in_the_body_beside_a_persons_text_until_the_note_goes(
    workspace: Workspace, fake: FakeGitHub
) -> None:
    await sync(workspace)
    fake.person_edit_body(design(fake).id, f"{PERSONS_TEXT}\n\n{design(fake).body}")
    await rescan(workspace.root, BOARD)

    rejected = reject_review(workspace, "website", "1", REASON)
    assert rejected["column"] == "DOING"
    first = await sync(workspace)
    # A one-shot sync discovers the project, then sends title, body and Status in one document.
    assert first["http_requests"] == 2
    body = design(fake).body
    assert body.startswith(f"{PERSONS_TEXT}\n\n") and SHOWN in body
    assert design(fake).status == "In Progress"

    fake.reset_counters()
    again = await sync(workspace)
    assert again["http_requests"] == 0 and fake.counters.requests == 0
    assert design(fake).body == body

    # The executor starts the task again: the note leaves the card, and the reason the body.
    log = workspace.root / BOARD / "progress_website.json"
    doc = json.loads(log.read_text())
    doc["tasks"][0]["status"] = "in_progress"
    log.write_text(json.dumps(doc))
    await sync(workspace)
    cleared = design(fake).body
    assert "Rejected in review" not in cleared and "logo" not in cleared
    assert cleared.startswith(f"{PERSONS_TEXT}\n\n") and parse_marker_key(cleared)


async def test_text_a_person_wrote_since_the_last_listing_is_kept_by_a_rejection(
    workspace: Workspace, fake: FakeGitHub
) -> None:
    await sync(workspace)
    fake.person_edit_body(design(fake).id, f"{PERSONS_TEXT}\n\n{design(fake).body}")
    # No listing in between: the one-shot sync pushes from its saved state.
    reject_review(workspace, "website", "1", REASON)
    result = await sync(workspace)
    body = design(fake).body
    assert body.startswith(f"{PERSONS_TEXT}\n\n") and SHOWN in body
    assert design(fake).status == "In Progress"
    # Discovery, the document that showed the text it replaced, a listing, the document that
    # put it back.
    assert result["http_requests"] == 4
