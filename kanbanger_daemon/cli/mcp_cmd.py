"""`mcp`: the MCP server over stdio (`kanbanger-daemon mcp`), or its client configuration.

`mcp print-config` prints the `.mcp.json` for Claude Code; `mcp install` writes it into the
workspace (merged with any servers already there). Secrets appear only as `${VAR:-}`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from kanbanger_daemon.assistant.client_config import (
    client_config,
    drop_empty_placeholders,
    install,
)


def cmd_mcp(args: argparse.Namespace) -> int:
    if args.action == "print-config":
        print(json.dumps(client_config(args.root), indent=2))
        return 0
    if args.action == "install":
        path, replaced = install(args.root)
        print(f"{'updated' if replaced else 'added'} kanbanger-daemon in {path}")
        return 0
    try:
        from kanbanger_daemon.assistant.server import serve
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in ("mcp", "mcp_types"):
            raise
        print("kanbanger-daemon: error: the MCP server needs the mcp extra: "
              "pipx install --force '.[mcp]' from the checkout (installed with pipx), or "
              "pip install 'kanbanger-daemon[mcp]'", file=sys.stderr)
        return 1
    from kanbanger_daemon.assistant.workspace import Workspace

    drop_empty_placeholders(os.environ)
    serve(Workspace(args.root, args.config))
    return 0
