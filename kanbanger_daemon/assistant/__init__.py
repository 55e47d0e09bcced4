"""The boards in an AI assistant: ``kanbanger-daemon mcp``, an MCP server over the live boards.

It reads the same files the daemon reads and writes boards through the same path
(``boards.reconcile.reconcile_local``: the board's ``.kanban.lock``, then read → plan →
compare-and-swap replace), so it never fights the daemon or kanbanger's own server, and it
works whether the daemon runs or not. The REVIEW gate (``core.board.review``) makes DONE a
person's move: ``approve_done`` and ``reject_review`` are the assistant's way of letting a
person make it.

Modules: ``workspace`` (which board a name means), ``views`` (what the read tools return),
``edits`` (the board edits), ``commands`` (``sync`` and ``doctor``), ``client_config``
(``.mcp.json``) and ``server`` (the MCP tools, resources and prompt over stdio).
"""
