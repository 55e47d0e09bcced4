"""Titles from files anyone may write: too long for GitHub, or holding terminal control codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kanbanger_daemon.cli import main
from kanbanger_daemon.core.board.text import GITHUB_TITLE_MAX, github_title, terminal_safe
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.fake_github import point_at_fake

LONG = "Reconcile " + " ".join(f"word{n}" for n in range(80))  # ~500 characters


def test_a_long_title_is_cut_on_a_word_boundary_keeping_the_spec_reference() -> None:
    text = f"Task 1: {LONG} (SPEC: spec_long.md) [BLOCKED]"
    title = github_title(text)
    assert len(title) <= GITHUB_TITLE_MAX
    assert title.endswith("… (SPEC: spec_long.md) [BLOCKED]")
    kept = title.removesuffix("… (SPEC: spec_long.md) [BLOCKED]")
    assert text.startswith(kept) and text[len(kept)] == " "  # cut between two words
    assert github_title("short (SPEC: x.md)") == "short (SPEC: x.md)"
    assert len(github_title("x" * 1000)) == GITHUB_TITLE_MAX


def test_control_characters_are_dropped_from_titles_and_escaped_for_terminals() -> None:
    assert github_title("Task 1: \x1b[31mred\x1b[0m\x07 done") == "Task 1: [31mred[0m done"
    assert terminal_safe("a\x1b[2Jb\tc\nd") == "a\\x1b[2Jb\tc\nd"


@pytest.fixture
def ws(tmp_path: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "ws"
    folder = root / "SPECs" / "long"
    folder.mkdir(parents=True)
    (folder / "spec_long.md").write_text(
        f"# Long\n## Task 1: {LONG}\n## Task 2: Ring \x1b]0;pwned\x07 the \x1b[31mbell\n")
    point_at_fake(monkeypatch, tmp_path, fake)
    return root


def test_sync_pushes_titles_github_accepts_and_the_board_keeps_the_full_text(
    ws: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "--root", str(ws)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    titles = sorted(item.title for item in fake.items(1, include_archived=False))
    assert all(len(t) <= GITHUB_TITLE_MAX for t in titles)
    assert titles[0].startswith("Task 1: Reconcile word0") and titles[0].endswith(
        "… (SPEC: spec_long.md)")
    assert titles[1] == "Task 2: Ring ]0;pwned the [31mbell (SPEC: spec_long.md)"
    board = (ws / "SPECs" / "long" / "_kanban.md").read_text()
    assert LONG in board and "\x1b" not in board and "\x07" not in board

    fake.reset_counters()
    assert main(["sync", "--json", "--root", str(ws)]) == 0
    assert json.loads(capsys.readouterr().out)["http_requests"] == 0


def test_the_fake_refuses_a_title_over_githubs_limit_as_github_does(fake: FakeGitHub) -> None:
    import httpx

    project = fake.project_id(1)
    query = ("mutation($p: ID!, $t: String!) { addProjectV2DraftIssue(input: "
             "{projectId: $p, title: $t}) { projectItem { id } } }")
    reply = httpx.post(fake.url, json={"query": query, "variables": {"p": project, "t": "x" * 257}},
                       headers={"Authorization": f"bearer {fake.token}"}).json()
    assert "Title is too long" in reply["errors"][0]["message"]
    assert fake.items(1) == []
