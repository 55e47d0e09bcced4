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

from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.clock import FakeClock
from tests.helpers.fake_github import point_at_fake
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

