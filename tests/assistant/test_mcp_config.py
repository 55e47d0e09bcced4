"""`.mcp.json` for Claude Code: `mcp print-config` / `mcp install`, secrets only as `${VAR:-}`."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from kanbanger_daemon.cli import main
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.fake_github import point_at_fake
from tests.helpers.mcp import Calls, mcp_session
from tests.helpers.paths import EXAMPLES

PLACEHOLDERS = {"GITHUB_TOKEN": "${GITHUB_TOKEN:-}", "GITHUB_REPO": "${GITHUB_REPO:-}",
                "GITHUB_PROJECT_NUMBER": "${GITHUB_PROJECT_NUMBER:-}"}


def test_install_merges_our_server_and_writes_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_" + "s3cr3t" * 6)
    root = tmp_path / "ws"
    root.mkdir()
    theirs = {"command": "kanbanger-mcp", "args": [], "env": {"GITHUB_TOKEN": "${GITHUB_TOKEN:-}"}}
    (root / ".mcp.json").write_text(json.dumps({"mcpServers": {"kanbanger": theirs}}))
    assert main(["mcp", "install", "--root", str(root)]) == 0
    assert "added kanbanger-daemon" in capsys.readouterr().out
    assert main(["mcp", "install", "--root", str(root)]) == 0
    assert "updated kanbanger-daemon" in capsys.readouterr().out
    text = (root / ".mcp.json").read_text()
    servers = json.loads(text)["mcpServers"]
    assert servers["kanbanger"] == theirs
    ours = servers["kanbanger-daemon"]
    assert ours["args"][-3:] == ["mcp", "--root", str(root)] and ours["env"] == PLACEHOLDERS
    assert "s3cr3t" not in text
    assert main(["mcp", "print-config", "--root", str(root)]) == 0
    assert json.loads(capsys.readouterr().out)["mcpServers"]["kanbanger-daemon"] == ours


def test_a_broken_mcp_json_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".mcp.json").write_text("{ not json")
    assert main(["mcp", "install", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert ".mcp.json" in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / ".mcp.json").read_text() == "{ not json"


async def test_empty_placeholders_leave_the_workspace_env_in_charge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeGitHub
) -> None:
    """Claude Code turns an unset ${GITHUB_TOKEN:-} into an empty value: the .env still counts."""
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    point_at_fake(monkeypatch, tmp_path, fake)
    env_file = root / ".env"
    env_file.write_text(f"GITHUB_TOKEN={fake.token}\nGITHUB_REPO=octo/specs\n"
                        "GITHUB_PROJECT_NUMBER=1\n")
    os.chmod(env_file, 0o600)
    env = {"HOME": str(tmp_path), "GITHUB_GRAPHQL_URL": fake.url,
           "KANBANGER_MUTATION_INTERVAL_S": "0", **{name: "" for name in PLACEHOLDERS}}
    async with mcp_session(root, env) as client:
        call = Calls(client)
        boards = await call.ok("list_boards")
        assert {b["goes_to"] for b in boards} == {"octo/specs#1"}
        assert (await call.ok("sync"))["http_requests"] > 0
    assert any(item.title.startswith("Task 1: Design") for item in fake.items())


def test_without_the_mcp_extra_the_command_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [n for n in sys.modules if n.startswith(("mcp.", "kanbanger_daemon.assistant"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "mcp", None)  # as if the SDK were not installed
    assert main(["mcp", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "pip install 'kanbanger-daemon[mcp]'" in err and "Traceback" not in err
