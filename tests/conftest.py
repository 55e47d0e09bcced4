"""The suite's shared fixtures (plain helpers are in tests/helpers/). `../shared/` (corpus,
GitHub schema) is optional: tests that need it skip."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import structlog
from graphql import GraphQLSchema, build_schema

from kanbanger_daemon.github import GitHubClient, ProjectInfo
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.clock import FakeClock
from tests.helpers.fake_github import point_at_fake
from tests.helpers.mini_github import MiniGitHub
from tests.helpers.paths import CORPUS, REAL_XDG, SCHEMA_PATH, copy_examples

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


@pytest.fixture(scope="session")
def github_schema() -> GraphQLSchema:
    """GitHub's public GraphQL schema, which every document we send must validate against."""
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"GitHub's schema is absent ({SCHEMA_PATH}); validating documents needs it")
    schema = build_schema(SCHEMA_PATH.read_text("utf-8"), assume_valid_sdl=True)
    schema._validation_errors = []  # see ../shared/github/README.md
    return schema


@pytest.fixture
def clock() -> FakeClock:
    """A clock that moves only when someone sleeps on it (or the test moves it)."""
    return FakeClock()


@pytest.fixture
def github(clock: FakeClock) -> MiniGitHub:
    """A scripted in-memory GitHub on ``clock``, for client tests that need exact faults."""
    return MiniGitHub(clock)


@pytest.fixture
def fake(request: pytest.FixtureRequest, clock: FakeClock) -> Iterator[FakeGitHub]:
    """A fake GitHub on 127.0.0.1: octo/specs, its project 1 with Todo/In Progress/Done.

    A module (``pytestmark``) or a test sets it up otherwise with
    ``@pytest.mark.fake_github(...)``: FakeGitHub's own keyword arguments, plus
    ``on_clock=True`` (the server reads the test's ``clock``) and ``second_project="Title"``
    (a project #2 with Todo/In Progress/Done, linked to octo/specs).
    """
    marker = request.node.get_closest_marker("fake_github")
    options = dict(marker.kwargs) if marker else {}
    second_project = options.pop("second_project", None)
    if options.pop("on_clock", False):
        options["clock"] = clock.wall
    with FakeGitHub(**options) as gh:
        if second_project is not None:
            gh.add_project(2, second_project, link_to="specs")
        yield gh


@pytest.fixture
async def client(fake: FakeGitHub, clock: FakeClock) -> AsyncIterator[GitHubClient]:
    """A GitHubClient on ``fake`` that sleeps on ``clock`` (mark the fake ``on_clock`` too)."""
    async with GitHubClient(token=fake.token, url=fake.url, clock=clock.wall,
                            wall_clock=clock.wall, sleep=clock.sleep, timeout=5.0) as gh:
        yield gh


@pytest.fixture
async def project(client: GitHubClient, fake: FakeGitHub) -> ProjectInfo:
    """The fake's project 1, as ``client`` discovers it."""
    return await client.discover(f"{fake.owner}/{fake.repo}", 1)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A copy of examples/ at ``tmp_path/ws``, with its boards `SPECs/website` and
    `SPECs/ACGTACGT/spec_data_pipeline` (a module that needs more set-up defines its own)."""
    return copy_examples(tmp_path / "ws")


@pytest.fixture
def one_board_workspace(tmp_path: Path, fake: FakeGitHub,
                        monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of examples/ with its one `SPECs/website` board (so it takes in new drafts),
    pushing to ``fake`` without project status updates."""
    point_at_fake(monkeypatch, tmp_path, fake)
    monkeypatch.setenv("KANBANGER_STATUS_UPDATES", "false")
    root = copy_examples(tmp_path / "ws")
    shutil.rmtree(root / "SPECs" / "ACGTACGT")
    return root


@pytest.fixture
def clones(tmp_path: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
           ) -> tuple[Path, Path]:
    """Two copies of examples/ (two machines' clones of one workspace), pushing to ``fake``."""
    point_at_fake(monkeypatch, tmp_path, fake)
    return copy_examples(tmp_path / "machine-a"), copy_examples(tmp_path / "machine-b")


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
def server_threads_joined() -> Iterator[None]:
    """Stricter than no_leaked_threads, for the fake server's own tests: every server a test
    starts is stopped, and stopping joins all of its threads (no thread is left at all)."""
    before = set(threading.enumerate())
    yield
    assert set(threading.enumerate()) - before == set()


@pytest.fixture
async def no_leaked_tasks() -> AsyncIterator[None]:
    """Fails an async test that leaves an asyncio task behind."""
    before = asyncio.all_tasks()
    yield
    leaked = {t for t in asyncio.all_tasks() - before if t is not asyncio.current_task()}
    assert not leaked, f"tasks leaked: {leaked}"

