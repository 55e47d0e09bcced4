"""Driving `kanbanger-daemon mcp` with the MCP SDK's own client over stdio, as Claude Code does."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.fake_github import github_env

mcp_client = pytest.importorskip("mcp.client.stdio", reason="the mcp extra is not installed")
from mcp import Client  # noqa: E402


def server_env(home: Path, fake: FakeGitHub, **extra: str) -> dict[str, str]:
    """What the server gets (over the SDK's safe default environment): the fake as GitHub."""
    return {"HOME": str(home), **github_env(fake), "KANBANGER_STATUS_UPDATES": "false", **extra}


@asynccontextmanager
async def mcp_session(root: Path, env: dict[str, str]) -> AsyncIterator[Client]:
    params = mcp_client.StdioServerParameters(
        command=sys.executable, args=["-m", "kanbanger_daemon", "mcp", "--root", str(root)],
        env=env, cwd=str(root))
    async with Client(params, cache=None) as client:
        yield client


class Calls:
    """Tool calls that keep every text the server returned (to look for the token later)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.seen: list[str] = []

    async def ok(self, name: str, **args: Any) -> Any:
        result = await self.client.call_tool(name, args)
        text = " ".join(getattr(block, "text", "") for block in result.content)
        self.seen.append(text)
        assert not result.is_error, f"{name}: {text}"
        content = result.structured_content
        assert content is not None
        return content.get("result", content)

    async def refused(self, name: str, **args: Any) -> str:
        result = await self.client.call_tool(name, args)
        text = " ".join(getattr(block, "text", "") for block in result.content)
        self.seen.append(text)
        assert result.is_error, f"{name} was not refused: {text}"
        return text


def columns(board: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    column = ""
    for line in board.read_text("utf-8").splitlines():
        if line.startswith("## "):
            column = line[3:]
        elif line.startswith("*   ["):
            out.setdefault(column, []).append(line[4:])
    return out
