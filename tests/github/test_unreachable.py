"""GitHub unreachable: a one-shot command gives up within 30 s on one clear line; the daemon's
client keeps retrying with backoff. Time is a fake clock (connects that hang advance it)."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import httpx
import pytest

from kanbanger_daemon.cli import main, sync_cmd
from kanbanger_daemon.errors import TransientError
from kanbanger_daemon.github import GitHubClient
from tests.helpers.clock import FakeClock
from tests.helpers.paths import EXAMPLES

TOKEN = "ghp_fake0KANBANGERdaemonTESTtoken000000"


def dead_network(clock: FakeClock, *, hangs: bool) -> tuple[httpx.MockTransport, list[float]]:
    """A transport that never reaches GitHub: refused at once, or a connect that times out
    (the fake clock moves by the client's connect timeout). Records when each attempt began."""
    attempts: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(clock.now)
        if hangs:
            timeout = request.extensions["timeout"]["connect"]
            clock.now += timeout
            raise httpx.ConnectTimeout("timed out", request=request)
        raise httpx.ConnectError("connection refused", request=request)

    return httpx.MockTransport(handler), attempts


@pytest.mark.parametrize("hangs", [False, True], ids=["refused", "connect-hangs"])
async def test_a_one_shot_client_gives_up_within_30_s_then_fails_at_once(hangs: bool) -> None:
    clock = FakeClock()
    start = clock.now
    transport, attempts = dead_network(clock, hangs=hangs)
    async with GitHubClient(token=TOKEN, url="https://github.example/graphql",
                            transport=transport, clock=clock.time, wall_clock=clock.time,
                            sleep=clock.sleep) as client:
        client.give_up_after(25.0)
        with pytest.raises(TransientError, match=r"unreachable at https://github\.example"):
            await client.discover("octo/specs", 1)
        assert clock.now - start <= 30.0 and len(attempts) >= 2
        assert client.unreachable is not None
        tried = len(attempts)
        with pytest.raises(TransientError, match="unreachable"):
            await client.discover("octo/other", 2)  # another board: no new wait
        assert len(attempts) == tried


async def test_the_daemon_client_keeps_retrying_with_backoff() -> None:
    clock = FakeClock()
    start = clock.now
    transport, attempts = dead_network(clock, hangs=False)
    async with GitHubClient(token=TOKEN, url="https://github.example/graphql",
                            transport=transport, clock=clock.time, wall_clock=clock.time,
                            sleep=clock.sleep) as client:
        with pytest.raises(TransientError, match="Could not connect"):
            await client.discover("octo/specs", 1)
        assert len(attempts) == 8 and clock.now - start > 60  # every attempt, backing off
        assert client.unreachable is None


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sync_against_an_unreachable_github_ends_on_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    for name in ("KANBANGER_CONFIG", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    url = f"http://127.0.0.1:{closed_port()}/graphql"
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GITHUB_GRAPHQL_URL", url)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPO", "octo/specs")
    monkeypatch.setenv("GITHUB_PROJECT_NUMBER", "1")
    monkeypatch.setattr(sync_cmd, "UNREACHABLE_AFTER_S", 1.0)  # the test's patience, not 25 s
    assert main(["sync", "--root", str(root)]) == 1
    out = capsys.readouterr()
    assert out.out == ""
    [line] = out.err.splitlines()
    assert line.startswith(f"kanbanger-daemon: error: GitHub is unreachable at {url}")
    assert TOKEN not in out.err
