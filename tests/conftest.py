"""Shared fixtures. `../shared/` (corpus, GitHub schema) is optional: tests that need it skip."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import structlog

from kanbanger_daemon.testing import FakeGitHub

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
SCHEMA_PATH = SHARED / "github" / "schema.graphql"
# A workspace's id in the sync tags, for tests that call push_board themselves (the daemon
# makes one per workspace: sync.workspace_id).
WORKSPACE_ID = "feed0001"

# The user's own home and XDG folders, as they were before any test ran: no test may touch them.
REAL_HOME = Path(os.environ.get("HOME") or Path.home())
REAL_XDG = {name: value for name, value in os.environ.items() if name.startswith("XDG_")}
# Where each XDG base-directory variable points inside a test's private home.
_XDG_UNDER_HOME = {
    "XDG_CONFIG_HOME": ".config", "XDG_DATA_HOME": ".local/share",
    "XDG_STATE_HOME": ".local/state", "XDG_CACHE_HOME": ".cache", "XDG_RUNTIME_DIR": "run",
    "XDG_CONFIG_DIRS": "etc-xdg", "XDG_DATA_DIRS": "usr-share",
}


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory,
                 monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs with HOME and every XDG_* variable in a folder of its own, so that
    nothing a test installs (a systemd unit, a launchd agent, a user config) can land in, or be
    read from, the real user's folders. Tests that need another HOME still set their own."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name in REAL_XDG:
        monkeypatch.setenv(name, str(home / "xdg" / name.lower()))
    for name, relative in _XDG_UNDER_HOME.items():
        monkeypatch.setenv(name, str(home / relative))
    (home / "run").mkdir(mode=0o700)  # systemctl --user finds no bus here: it cannot act
    return home


@pytest.fixture(autouse=True)
def fresh_logging() -> Iterator[None]:
    """A command a test runs configures logging (a one-shot keeps only warnings): that must
    not decide what the next test's daemon logs."""
    yield
    structlog.reset_defaults()


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is absent ({CORPUS}); conformance tests need it")
    return CORPUS


def point_at_fake(monkeypatch: pytest.MonkeyPatch, home: Path, fake: FakeGitHub) -> None:
    """The environment of a workspace that pushes to ``fake`` (octo/specs, project 1, no
    pacing), with ``home`` as HOME so that no user config leaks in."""
    for name in ("KANBANGER_CONFIG", "XDG_CONFIG_HOME", "KANBANGER_GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GITHUB_GRAPHQL_URL", fake.url)
    monkeypatch.setenv("GITHUB_TOKEN", fake.token)
    monkeypatch.setenv("GITHUB_REPO", "octo/specs")
    monkeypatch.setenv("GITHUB_PROJECT_NUMBER", "1")
    monkeypatch.setenv("KANBANGER_MUTATION_INTERVAL_S", "0")


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    """A fake GitHub on 127.0.0.1 (octo/specs, project 1); modules may define their own."""
    with FakeGitHub() as gh:
        yield gh


@pytest.fixture
def one_board_workspace(tmp_path: Path, fake: FakeGitHub,
                        monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of examples/ with its one `SPECs/website` board (so it takes in new drafts),
    pushing to ``fake`` without project status updates."""
    point_at_fake(monkeypatch, tmp_path, fake)
    monkeypatch.setenv("KANBANGER_STATUS_UPDATES", "false")
    root = tmp_path / "ws"
    shutil.copytree(PROJECT_ROOT / "examples", root)
    shutil.rmtree(root / "SPECs" / "ACGTACGT")
    return root


@pytest.fixture
def no_leaked_threads() -> Iterator[None]:
    """Fails a test that leaves a thread running (a daemon must stop all it started)."""
    before = set(threading.enumerate())
    yield
    leaked = [
        t for t in set(threading.enumerate()) - before
        if t.is_alive() and not t.name.startswith("asyncio_")  # the loop's executor, closed with it
    ]
    for thread in leaked:
        thread.join(timeout=5)
    assert not [t for t in leaked if t.is_alive()], f"threads leaked: {leaked}"


@pytest.fixture
async def no_leaked_tasks() -> AsyncIterator[None]:
    """Fails an async test that leaves an asyncio task behind."""
    before = asyncio.all_tasks()
    yield
    leaked = {t for t in asyncio.all_tasks() - before if t is not asyncio.current_task()}
    assert not leaked, f"tasks leaked: {leaked}"


class FakeClock:
    """Monotonic and wall clock that move only when someone sleeps (shared with the fake)."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)
