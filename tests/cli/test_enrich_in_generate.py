"""Enrichment through the user's commands: only on a new board, with the guide's switches."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kanbanger_daemon.cli import main
from tests.helpers.enrich_spec import SPEC_MD


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "SPECs" / "till"
    folder.mkdir(parents=True)
    (folder / "spec_till.md").write_text(SPEC_MD)
    for name in ("KANBANGER_CONFIG", "GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_guide_switches_add_cards_once(ws: Path) -> None:
    (ws / ".spec-kanban.config.json").write_text(
        '{"add_preparatory_tasks": true, "add_validation_tasks": true}'
    )
    folder = ws / "SPECs" / "till"
    assert main(["generate", str(folder), "--root", str(ws)]) == 0
    board = (folder / "_kanban.md").read_text()
    assert "Prepare: Receipt printer driver" in board
    assert "Validate: Ring up ten sales and compare the totals" in board
    assert "Task 1: Sales screen (SPEC: spec_till.md)" in board
    # A card the person deletes stays deleted: enrichment runs only when the board is created.
    edited = "\n".join(line for line in board.splitlines() if "Receipt printer" not in line)
    (folder / "_kanban.md").write_text(edited + "\n")
    assert main(["generate", str(folder), "--root", str(ws)]) == 0
    assert "Receipt printer driver" not in (folder / "_kanban.md").read_text()


def test_a_failing_llm_command_falls_back_with_a_warning(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = ws / "llm.py"
    script.write_text("import sys; sys.stdin.read(); print('I cannot do boards.')\n")
    (ws / ".spec-kanban.config.json").write_text(
        '{"enrich_with_llm": true, "add_preparatory_tasks": true}'
    )
    (ws / "config.toml").write_text(
        f'[enrich]\ncommand = "{sys.executable} {script}"\ntimeout_s = 20\n'
    )
    folder = ws / "SPECs" / "till"
    code = main(["generate", str(folder), "--root", str(ws), "--config", str(ws / "config.toml")])
    assert code == 0
    err = capsys.readouterr().err
    assert "enrichment" in err and "spec_till.md" in err
    assert "Prepare: Receipt printer driver" in (folder / "_kanban.md").read_text()
