"""``.kanban.json``: kanbanger-compatible, atomic, and a corrupt file never blocks a sync."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kanbanger_daemon.errors import StateError, register_secret
from kanbanger_daemon.models.sync import CardState, SyncState
from kanbanger_daemon.sync.state_file import load_state, save_state, state_path_for


def test_missing_file_is_an_empty_state(tmp_path: Path) -> None:
    state, aside = load_state(tmp_path / ".kanban.json")
    assert state == SyncState() and aside is None


def test_state_round_trips_and_carries_kanbanger_fields(tmp_path: Path) -> None:
    path = state_path_for(tmp_path / "_kanban.md")
    assert path == tmp_path / ".kanban.json"
    state = SyncState(
        repo_node_id="R_1",
        project_id="PVT_1",
        board_key="b",
        cards={
            "b/spec.md#1": CardState(
                item_id="PVTI_1",
                draft_id="DI_1",
                title="Task 1",
                status="Todo",
                option_id="aaaa0001",
            )
        },
        fingerprint="f",
        complete=True,
    )
    save_state(path, state)
    data = json.loads(path.read_text())
    for field in ("schema_version", "repo_node_id", "project_id", "board_key", "tasks"):
        assert field in data
    assert data["tasks"] == {"Task 1": {"item_id": "PVTI_1", "status": "Todo"}}
    loaded, aside = load_state(path)
    assert aside is None
    assert loaded.cards == state.cards and loaded.fingerprint == "f" and loaded.complete
    assert list(tmp_path.iterdir()) == [path]  # no temp file left behind


def test_a_kanbanger_written_file_loads_with_its_tasks_and_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / ".kanban.json"
    path.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "repo_node_id": "R_1",
                "project_id": "PVT_1",
                "board_key": "abc",
                "tasks": {"Task 1: X": {"item_id": "PVTI_9", "status": "Todo", "extra": 1}},
                "kanbanger_only": {"keep": True},
            }
        )
    )
    state, aside = load_state(path)
    assert aside is None
    assert state.tasks["Task 1: X"].item_id == "PVTI_9"
    save_state(path, state)
    data = json.loads(path.read_text())
    assert data["kanbanger_only"] == {"keep": True}
    assert data["tasks"]["Task 1: X"]["item_id"] == "PVTI_9"


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b'{"cards": 5}', b"\xff\xfe\x00"])
def test_corrupt_file_is_kept_aside_and_an_empty_state_returned(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / ".kanban.json"
    (tmp_path / ".kanban.json.corrupt-1").write_bytes(b"older")
    path.write_bytes(content)
    state, aside = load_state(path)
    assert state == SyncState()
    assert aside == tmp_path / ".kanban.json.corrupt-2"
    assert aside.read_bytes() == content and not path.exists()


def test_unwritable_folder_raises_state_error(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="cannot write"):
        save_state(tmp_path / "missing" / ".kanban.json", SyncState())


def test_a_registered_secret_is_never_written(tmp_path: Path) -> None:
    token = "ghp_stateSecretNeverWritten0001"
    register_secret(token)
    path = tmp_path / ".kanban.json"
    with pytest.raises(StateError) as info:
        save_state(path, SyncState(board_key=token))
    assert token not in str(info.value)
    assert not path.exists()


def test_a_dry_run_leaves_a_corrupt_file_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / ".kanban.json"
    path.write_bytes(b"{broken")
    state, where = load_state(path, set_aside=False)
    assert state == SyncState() and where == path
    assert path.read_bytes() == b"{broken"
