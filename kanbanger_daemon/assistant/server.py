"""``kanbanger-daemon mcp``: the MCP server over stdio — its tools, resources and prompt.

Built on the official SDK's ``MCPServer``. Tools that only read run in the SDK's worker
threads; a refusal or a bad input is a ``ToolError`` with one clear line (the caller sees it,
the server goes on). stdout is the protocol: logs go to stderr.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp_types import ToolAnnotations

from kanbanger_daemon import __version__
from kanbanger_daemon.assistant import commands, edits, views
from kanbanger_daemon.assistant.workspace import Workspace
from kanbanger_daemon.errors import KanbangerError

T = TypeVar("T")
READ = ToolAnnotations(read_only_hint=True)
EDIT = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False)

SPEC_HELP = ("spec: a SPEC's name (website for spec_website.md), a SPEC folder or file, a "
             "board folder or _kanban.md path; empty when the workspace has one board")

REVIEW_GATE_PROMPT = """\
The kanbanger-daemon boards in this workspace are generated from Spec_Engine SPECs and kept live
by their progress logs: a task's card moves TODO → DOING → DONE as the executor logs it. Do not
edit generated cards; read the truth with list_boards, get_board and spec_status.

The REVIEW gate. A board is gated when it has a REVIEW column (or review_gate = true is set).
On a gated board, a task the log calls completed waits in REVIEW, and only a person puts it in
DONE. So:
- When work finishes, call spec_status(spec): it lists what awaits review and the next tasks.
  Show the person the REVIEW cards and what each task produced; never approve on your own.
- When the person approves, call approve_done(spec, task). It refuses a card that is not in
  REVIEW: the gate cannot be skipped from TODO or DOING.
- When the person rejects, call reject_review(spec, task, reason) with their reason, in their
  words. The card goes back to DOING with [REJECTED: reason] and stays there until the log
  shows the task worked on again; its next completion comes back to REVIEW.
- An approval stands: later progress never takes a card out of DONE.
Edits reach GitHub through the running daemon; the tool result says so, or tells you to call
sync(). Hand-written cards (notes, reminders) are yours to add_task and move_task.
Call spec_status again after a run step completes, after sync, or when asked how a SPEC is
going; call doctor when a tool reports a settings or GitHub problem."""


def _call(fn: Callable[..., T], *args: Any) -> T:
    try:
        return fn(*args)
    except KanbangerError as exc:
        raise ToolError(str(exc)) from None


def _read(fn: Callable[..., T], *args: Any) -> T:
    try:
        return fn(*args)
    except KanbangerError as exc:
        raise ResourceError(str(exc)) from None


def build_server(ws: Workspace) -> MCPServer:
    """The server for the workspace ``ws``, with every tool, resource and the prompt."""
    server = MCPServer(name="kanbanger-daemon", version=__version__,
                       instructions=REVIEW_GATE_PROMPT.split("\n\n", 1)[0])
    _read_tools(server, ws)
    _edit_tools(server, ws)
    _resources(server, ws)

    @server.prompt(name="review_gate", title="How the REVIEW gate works")
    def review_gate() -> str:
        """How approvals and rejections work on these boards, and when to call spec_status."""
        return REVIEW_GATE_PROMPT

    return server


def _read_tools(server: MCPServer, ws: Workspace) -> None:
    @server.tool(annotations=READ)
    def list_boards() -> list[dict[str, Any]]:
        """Every board: path, SPECs, where it goes (owner/repo#N or local-only), cards per
        column, whether DONE is gated by REVIEW, health, the daemon's last result, last push."""
        return _call(views.list_boards, ws)

    @server.tool(annotations=READ, description=f"One board's columns and cards (task id, "
                 f"column, checked, notes such as [BLOCKED] or (used Backup #1), what GitHub "
                 f"shows: item id, Status, url to open it on github.com, null when not known). "
                 f"{SPEC_HELP}.")
    def get_board(spec: str) -> dict[str, Any]:
        return _call(views.board_view, ws, spec)

    @server.tool(annotations=READ, description=f"A SPEC's metrics (tasks total/completed/in "
                 f"progress/blocked, velocity, backups, critical failures, time in column), "
                 f"the next tasks to do and the cards awaiting review. {SPEC_HELP}.")
    def spec_status(spec: str) -> dict[str, Any]:
        return _call(views.spec_status, ws, spec)

    @server.tool(annotations=READ)
    def doctor() -> dict[str, Any]:
        """The checks of `kanbanger-daemon doctor` (settings, files, service, GitHub), each
        with its fix."""
        return _call(commands.doctor, ws)

    @server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False,
                                             idempotent_hint=True))
    async def sync() -> dict[str, Any]:
        """Reconcile every board and push it to GitHub now: through the running daemon when
        there is one, else once from here. Returns what each board did (the plan and the
        request count when run from here)."""
        try:
            return await commands.sync(ws)
        except KanbangerError as exc:
            raise ToolError(str(exc)) from None


def _edit_tools(server: MCPServer, ws: Workspace) -> None:
    @server.tool(annotations=EDIT, description=f"A person approves a REVIEW card: it moves to "
                 f"DONE. Refused when the card is not in REVIEW. task: the task id (1, Task 1, "
                 f"Step 1.2) or a hand-written card's text. {SPEC_HELP}.")
    def approve_done(spec: str, task: str) -> dict[str, Any]:
        return _call(edits.approve_done, ws, spec, task)

    @server.tool(annotations=EDIT, description=f"A person rejects a REVIEW card: it goes back "
                 f"to DOING with [REJECTED: reason] on it (on GitHub too: in its title and its "
                 f"draft's body). Refused when the card is not in REVIEW. {SPEC_HELP}.")
    def reject_review(spec: str, task: str, reason: str) -> dict[str, Any]:
        return _call(edits.reject_review, ws, spec, task, reason)

    @server.tool(annotations=EDIT, description=f"Add a hand-written card (a note, a reminder) "
                 f"to a column (default TODO). Cards for tasks come from the SPEC. "
                 f"{SPEC_HELP}.")
    def add_task(spec: str, text: str, column: str = "TODO") -> dict[str, Any]:
        return _call(edits.add_task, ws, spec, text, column)

    @server.tool(annotations=EDIT, description=f"Move a hand-written card to another column "
                 f"(TODO, DOING / In Progress, REVIEW, DONE, …). Generated cards follow their "
                 f"progress log. {SPEC_HELP}.")
    def move_task(spec: str, task: str, column: str) -> dict[str, Any]:
        return _call(edits.move_task, ws, spec, task, column)


def _resources(server: MCPServer, ws: Workspace) -> None:
    @server.resource("kanban://boards", name="boards", mime_type="application/json")
    def boards() -> str:
        """Every board of the workspace (as list_boards)."""
        return json.dumps(_read(views.list_boards, ws), indent=1)

    @server.resource("kanban://board/{spec}", name="board", mime_type="text/markdown")
    def board(spec: str) -> str:
        """A board's _kanban.md as it is now."""
        return _read(views.board_markdown, ws, spec)

    @server.resource("kanban://status", name="status", mime_type="application/json")
    def status() -> str:
        """The daemon's health (as `kanbanger-daemon status`) and every board's summary."""
        return json.dumps(_read(views.status_view, ws), indent=1)


def serve(ws: Workspace) -> None:
    """Run the server on stdin/stdout until the client closes it."""
    build_server(ws).run("stdio")
