"""`kanbanger-daemon mcp` driven by the MCP SDK's own client over stdio, against the fake GitHub.

The server is spawned as `python -m kanbanger_daemon mcp --root …` (what `.mcp.json` starts),
with no daemon running: its `sync` tool pushes once from the server. The workspace is gated
(`KANBANGER_REVIEW_GATE=true`), so a completed task waits in REVIEW for a person.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.mcp import Calls, columns, mcp_session, server_env  # skips without the extra

pytestmark = [pytest.mark.timeout(120),
              pytest.mark.fake_github(status_options=("Todo", "In Progress", "Review", "Done"))]
TOOLS = {"list_boards", "get_board", "spec_status", "approve_done", "reject_review", "sync",
         "doctor", "add_task", "move_task"}
DESIGN = "Task 1: Design (SPEC: spec_website.md)"
BUILD = "Task 2: Build (SPEC: spec_website.md)"


def on_github(fake: FakeGitHub) -> dict[str, tuple[str | None, str]]:
    """`Task 1` (or a hand card's title) -> (Status, full title) of every live item."""
    return {item.title.split(":")[0]: (item.status, item.title)
            for item in fake.items(include_archived=False)}


def finish_build(folder: Path, *, rerun_design: bool = False) -> None:
    log = folder / "progress_website.json"
    doc = json.loads(log.read_text())
    doc["tasks"][1]["status"] = "completed"
    if rerun_design:  # the executor starts task 1 again, and a step falls back to its backup
        doc["tasks"][0]["status"] = "in_progress"
        doc["tasks"][0]["steps"][1]["method_used"] = "backup_1"
    log.write_text(json.dumps(doc))


async def test_every_tool_and_the_gate_over_stdio(
    ws: Path, tmp_path: Path, fake: FakeGitHub
) -> None:
    board = ws / "SPECs" / "website" / "_kanban.md"
    env = server_env(tmp_path, fake, KANBANGER_REVIEW_GATE="true")
    async with mcp_session(ws, env) as client:
        call = Calls(client)
        assert {t.name for t in (await client.list_tools()).tools} >= TOOLS
        first = await call.ok("sync")
        assert first["via"].startswith("one-shot") and first["http_requests"] > 0
        assert on_github(fake)["Task 1"] == ("Review", DESIGN)

        listed = {b["board"]: b for b in await call.ok("list_boards")}
        site = listed["SPECs/website"]
        assert (site["goes_to"], site["review_gate"], site["awaiting_review"]) == (
            "octo/specs#1", True, 1)
        assert site["columns"] == {"BACKLOG": 0, "TODO": 1, "DOING": 1, "REVIEW": 1, "DONE": 0}
        view = await call.ok("get_board", spec="website")
        review = next(c for c in view["columns"] if c["name"] == "REVIEW")["cards"]
        assert review[0]["task"] == "Task 1" and review[0]["github"]["status"] == "Review"
        design = next(i for i in fake.items() if i.title == DESIGN)
        assert review[0]["github"]["url"] == (
            f"{fake.project_url()}?pane=issue&itemId={design.database_id}")
        status = await call.ok("spec_status", spec="SPECs/website")
        assert status["specs"][0]["tasks"]["completed"] == 1
        assert status["specs"][0]["next_tasks"][0] == {
            "task": "Task 2", "title": "Build", "status": "in_progress"}
        assert status["awaiting_review"] == [DESIGN]

        # The gate: DONE only from REVIEW.
        before = board.read_bytes()
        refusal = await call.refused("approve_done", spec="website", task="2")
        assert "is in DOING, not REVIEW" in refusal and board.read_bytes() == before
        approved = await call.ok("approve_done", spec="website", task="Task 1")
        assert approved["column"] == "DONE" and "call sync()" in approved["push"]
        assert columns(board)["DONE"] == [f"[x] {DESIGN}"]
        await call.ok("sync")
        assert on_github(fake)["Task 1"] == ("Done", DESIGN)

        doctor = await call.ok("doctor")
        assert {c["name"]: c["ok"] for c in doctor["checks"]}["token-valid"] is True
        resources = {str(r.uri) for r in (await client.list_resources()).resources}
        assert resources >= {"kanban://boards", "kanban://status"}
        markdown = (await client.read_resource("kanban://board/website")).contents[0]
        assert getattr(markdown, "text", None) == board.read_text("utf-8")
        state = (await client.read_resource("kanban://status")).contents[0]
        assert json.loads(getattr(state, "text", ""))["daemon"]["health"] == "not running"
        prompt = await client.get_prompt("review_gate")
        assert "approve_done" in getattr(prompt.messages[0].content, "text", "")
    assert all(fake.token not in text for text in call.seen)


async def test_approval_stands_and_a_rejection_does_not_bounce_back(
    ws: Path, tmp_path: Path, fake: FakeGitHub
) -> None:
    folder = ws / "SPECs" / "website"
    board = folder / "_kanban.md"
    env = server_env(tmp_path, fake, KANBANGER_REVIEW_GATE="true")
    async with mcp_session(ws, env) as client:
        call = Calls(client)
        await call.ok("sync")
        await call.ok("approve_done", spec="website", task="1")
        # New progress for the approved task (and the next one finishes): the approval stands.
        finish_build(folder, rerun_design=True)
        await call.ok("sync")
        design = f"{DESIGN} (used Backup #1)"
        assert columns(board)["DONE"] == [f"[x] {design}"]
        assert columns(board)["REVIEW"] == [f"[ ] {BUILD}"]
        assert on_github(fake)["Task 1"] == ("Done", design)

        rejected = await call.ok("reject_review", spec="website", task="2",
                                 reason="the opening hours are missing")
        noted = f"{BUILD} [REJECTED: the opening hours are missing]"
        assert (rejected["column"], rejected["card"]) == ("DOING", noted)
        for _ in range(2):  # pushed, and the next reconcile leaves it where the person put it
            await call.ok("sync")
            assert columns(board)["DOING"] == [f"[ ] {noted}"]
            assert on_github(fake)["Task 2"] == ("In Progress", noted)
            (build,) = [i for i in fake.items() if i.title == noted]
            assert "**Rejected in review:** the opening hours are missing" in build.body
        refusal = await call.refused("reject_review", spec="website", task="2", reason="again")
        assert "is in DOING, not REVIEW" in refusal


async def test_hand_written_cards_are_added_and_moved_and_generated_ones_are_not(
    ws: Path, tmp_path: Path, fake: FakeGitHub
) -> None:
    board = ws / "SPECs" / "website" / "_kanban.md"
    env = server_env(tmp_path, fake, KANBANGER_REVIEW_GATE="true")
    async with mcp_session(ws, env) as client:
        call = Calls(client)
        await call.ok("sync")
        added = await call.ok("add_task", spec="website", text="Print the flyers")
        assert added["column"] == "TODO"
        moved = await call.ok("move_task", spec="website", task="flyers", column="In Progress")
        assert moved["column"] == "DOING"
        assert "comes from its SPEC" in await call.refused(
            "move_task", spec="website", task="3", column="DOING")
        assert "gates DONE" in await call.refused(
            "move_task", spec="website", task="Print the flyers", column="DONE")
        assert "reads as a generated card" in await call.refused(
            "add_task", spec="website", text="Task 7: Extra (SPEC: spec_website.md)")
        assert "no board or SPEC by that name" in await call.refused(
            "get_board", spec="nonesuch")
        await call.ok("sync")
    assert columns(board)["DOING"] == [f"[ ] {BUILD}", "[ ] Print the flyers"]
    assert on_github(fake)["Print the flyers"] == ("In Progress", "Print the flyers")
