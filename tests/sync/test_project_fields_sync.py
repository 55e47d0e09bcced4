"""`sync` with ``project_fields`` against the fake GitHub: the fields `Backups used` and `SPEC`
are created once, every generated card shows its values, and only changed values are sent."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from kanbanger_daemon.cli import main
from kanbanger_daemon.testing import FakeGitHub, FakeItem
from tests.helpers.fake_github import point_at_fake
from tests.helpers.paths import EXAMPLES

SET_VALUE = "updateProjectV2ItemFieldValue"


pytestmark = pytest.mark.fake_github(second_project="Fields")


def workspace(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(EXAMPLES, root)
    return root


@pytest.fixture
def env(tmp_path: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KANBANGER_PROJECT_FIELDS", raising=False)
    point_at_fake(monkeypatch, tmp_path, fake)


def sync(root: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    fake.reset_counters()
    code = main(["sync", "--json", "--root", str(root)])
    out = capsys.readouterr()
    assert code == 0 and "Traceback" not in out.err
    doc: dict[str, Any] = json.loads(out.out)
    assert all(board["errors"] == [] for board in doc["boards"])
    return doc


def by_title(fake: FakeGitHub, number: int) -> dict[str, FakeItem]:
    return {i.title: i for i in fake.items(number)}


def use_a_backup(root: Path) -> None:
    """Task 2 of the website SPEC falls back to its first backup."""
    path = root / "SPECs" / "website" / "progress_website.json"
    log = json.loads(path.read_text())
    log["tasks"][1]["steps"][0]["method_used"] = "backup_1"
    path.write_text(json.dumps(log))


@pytest.mark.usefixtures("env")
def test_fields_cost_one_request_more_and_nothing_while_off(
    tmp_path: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same workspace synced to project 1 with the option off, to project 2 with it on."""
    plain = workspace(tmp_path, "plain")
    off = sync(plain, fake, capsys)
    off_documents = fake.counters.mutation_documents
    assert off["http_requests"] == fake.counters.requests
    assert "Backups used" not in fake.fields(1)
    assert all(i.values == {} for i in fake.items(1))
    assert not any("fieldValueByName(name: $field0)" in str(r.body)
                   for r in fake.requests_log)

    monkeypatch.setenv("KANBANGER_PROJECT_FIELDS", "true")
    monkeypatch.setenv("GITHUB_PROJECT_NUMBER", "2")
    fields = workspace(tmp_path, "fields")
    on = sync(fields, fake, capsys)
    # One more document: both fields created together. The values ride with the Statuses.
    assert on["http_requests"] == off["http_requests"] + 1
    assert fake.counters.mutation_documents == off_documents + 1
    assert fake.counters.mutations["createProjectV2Field"] == 2
    assert {k: v for k, v in fake.fields(2).items() if k in ("Backups used", "SPEC")} == {
        "Backups used": "NUMBER", "SPEC": "TEXT"}
    items = by_title(fake, 2)
    assert items["Task 2: Build (SPEC: spec_website.md)"].values == {
        "Backups used": 0.0, "SPEC": "spec_website.md"}
    assert items["Task 1: Data Collection (SPEC: spec_data_pipeline.md)"].values == {
        "Backups used": 0.0, "SPEC": "spec_data_pipeline.md"}
    assert all(set(i.values) == {"Backups used", "SPEC"} for i in items.values())

    # Turned off again: the values stay as they are and nothing is sent (the changed
    # fingerprint costs each board's discovery, once).
    monkeypatch.setenv("KANBANGER_PROJECT_FIELDS", "false")
    sync(fields, fake, capsys)
    assert fake.counters.mutation_documents == 0
    assert by_title(fake, 2) == items
    assert sync(fields, fake, capsys)["http_requests"] == 0


@pytest.mark.usefixtures("env")
def test_a_backup_updates_only_that_cards_value_and_no_change_costs_nothing(
    tmp_path: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KANBANGER_PROJECT_FIELDS", "1")
    root = workspace(tmp_path, "ws")
    sync(root, fake, capsys)
    before = {i.id: i.values for i in fake.items(1)}
    again = sync(root, fake, capsys)
    assert again["http_requests"] == 0 and fake.counters.requests == 0

    use_a_backup(root)
    changed = sync(root, fake, capsys)
    assert fake.counters.mutations[SET_VALUE] == 1  # no Status moved: the one field value
    assert "createProjectV2Field" not in fake.counters.mutations
    build = by_title(fake, 1)["Task 2: Build (SPEC: spec_website.md) (used Backup #1)"]
    assert build.values == {"Backups used": 1.0, "SPEC": "spec_website.md"}
    after = {i.id: i.values for i in fake.items(1)}
    assert {k for k in after if after[k] != before[k]} == {build.id}
    # discovery, then one document: the card's new title, its value, the project status update
    assert changed["http_requests"] == 2
    assert sync(root, fake, capsys)["http_requests"] == 0


@pytest.mark.usefixtures("env")
def test_hand_written_cards_get_no_values(
    tmp_path: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KANBANGER_PROJECT_FIELDS", "1")
    root = workspace(tmp_path, "ws")
    sync(root, fake, capsys)
    board = root / "SPECs" / "website" / "_kanban.md"
    board.write_text(board.read_text().replace("## TODO\n", "## TODO\n*   [ ] Call the printer\n"))
    sync(root, fake, capsys)
    assert by_title(fake, 1)["Call the printer"].values == {}
    assert fake.counters.mutations.get(SET_VALUE) == 1  # its Status only


@pytest.mark.usefixtures("env")
def test_dry_run_shows_the_values_and_creates_nothing(
    tmp_path: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KANBANGER_PROJECT_FIELDS", "1")
    root = workspace(tmp_path, "ws")
    sync(root, fake, capsys)
    use_a_backup(root)
    fake.reset_counters()
    code = main(["sync", "--dry-run", "--root", str(root)])
    out = capsys.readouterr().out
    assert code == 0
    assert ('~ field     "Task 2: Build (SPEC: spec_website.md) (used Backup #1)": '
            "Backups used 0 -> 1") in out
    assert fake.counters.mutation_documents == 0
