"""A workspace as it really is: every SPEC folder of the shared corpus (TOOLSPECs included), plus a
SPEC still being written (no tasks yet), a folder holding only a progress log, a README beside the
specs, and one SPEC that cannot be read. One bad SPEC must never stop the rest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from kanbanger_daemon.cli import main
from kanbanger_daemon.core.specs.files import classify
from kanbanger_daemon.testing import FakeGitHub
from tests.helpers.fake_github import point_at_fake

BROKEN = "SPECs/broken/spec_broken.md"


def _spec_folders(corpus: Path) -> list[Path]:
    spec_engine = corpus / "spec_engine"
    return sorted({
        p.parent for p in spec_engine.rglob("*.md")
        if classify(p.name)[0] in ("spec", "speclet") and "_templates" not in p.parts
    })


def _build(corpus: Path, root: Path) -> None:
    specs = root / "SPECs"
    for folder in _spec_folders(corpus):
        rel = folder.relative_to(corpus / "spec_engine")
        parts = rel.parts[1:] if rel.parts[0] in ("SPECs", "__SPEC_Engine") else rel.parts
        shutil.copytree(folder, specs.joinpath(*parts))
    (specs / "README.md").write_text("# Our SPECs\n\nRun them with Spec_Engine.\n")
    draft = specs / "ATATGTGG" / "spec_fart_test"
    draft.mkdir(parents=True)
    (draft / "spec_fart_test.md").write_text("# Fart test\n\n## Goal\nTry it.\n\n## Tasks\n\n")
    lone = specs / "troubleshooting_2026-11-30"
    lone.mkdir()
    (lone / "progress_Troubleshoot.json").write_text(json.dumps(
        {"tasks": [{"task_id": 1, "status": "completed"}]}))
    broken = root / BROKEN
    broken.parent.mkdir()
    broken.write_bytes(b"# Broken\n## Task 1: caf\xe9 \xff\n")


def _expected_task_titles(corpus: Path) -> int:
    """Tasks the readable SPECs have, counted with the parser the daemon uses."""
    from kanbanger_daemon.core.specs.parse import parse_spec

    total = 0
    for folder in _spec_folders(corpus):
        for path in folder.iterdir():
            if classify(path.name)[0] in ("spec", "speclet"):
                spec = parse_spec(path.read_text(encoding="utf-8"), file=path.name)
                total += sum(1 for t in spec.tasks if t.title.strip())
    return total


@pytest.fixture
def workspace(corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              fake: FakeGitHub) -> Path:
    root = tmp_path / "ws"
    _build(corpus_dir, root)
    point_at_fake(monkeypatch, tmp_path, fake)
    return root


def _sync(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any], str]:
    code = main(["sync", "--json", "--root", str(root)])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, json.loads(out.out), out.err


def test_one_unreadable_spec_fails_only_itself_and_everything_else_is_pushed(
    workspace: Path, fake: FakeGitHub, corpus_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc, _ = _sync(workspace, capsys)
    assert code == 1
    failing = [b for b in doc["boards"] if b.get("error")]
    assert [b["board"] for b in failing] == ["SPECs/broken"]
    assert BROKEN in failing[0]["error"] and ":2:" in failing[0]["error"]
    boards = {b["board"] for b in doc["boards"]}
    assert "SPECs/troubleshooting_2026-11-30" not in boards  # a progress log alone: no board
    assert not (workspace / "SPECs/troubleshooting_2026-11-30/_kanban.md").exists()
    assert not (workspace / "SPECs/broken/_kanban.md").exists()
    assert {"SPECs/_TOOLSPECs/WTF", "SPECs/_TOOLSPECs/Dev_Analysis"} <= boards  # <Name>_SPEC.md

    titles = [item.title for item in fake.items(1, include_archived=False)]
    assert len(titles) == len(set(titles)) == _expected_task_titles(corpus_dir)
    assert any("(SPEC: WTF_SPEC.md)" in t for t in titles)
    assert not any("(untitled)" in t or "Task s:" in t for t in titles)

    draft = next(b for b in doc["boards"] if b["board"] == "SPECs/ATATGTGG/spec_fart_test")
    assert "error" not in draft and draft["in_sync"]
    assert any("no tasks yet" in n for n in draft["notes"])
    assert (workspace / "SPECs/ATATGTGG/spec_fart_test/_kanban.md").is_file()

    fake.reset_counters()
    code, doc, _ = _sync(workspace, capsys)
    assert code == 1 and doc["http_requests"] == 0
    assert [b["board"] for b in doc["boards"] if b.get("error")] == ["SPECs/broken"]


def test_without_the_broken_spec_the_whole_tree_syncs_clean(
    workspace: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(workspace / "SPECs" / "broken")
    code, doc, _ = _sync(workspace, capsys)
    assert code == 0 and doc["failed"] == 0
    fake.reset_counters()
    code, doc, _ = _sync(workspace, capsys)
    assert code == 0 and doc["http_requests"] == 0


def test_single_layout_writes_the_root_board_from_every_readable_spec(
    workspace: Path, fake: FakeGitHub, corpus_dir: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KANBANGER_LAYOUT", "single")
    code, doc, _ = _sync(workspace, capsys)
    assert code == 1
    (root_board,) = doc["boards"]
    assert any(BROKEN in e for e in root_board["input_errors"])
    board = (workspace / "_kanban.md").read_text()
    assert board.count("*   [") == _expected_task_titles(corpus_dir)
    assert len(fake.items(1, include_archived=False)) == _expected_task_titles(corpus_dir)

    # Once the SPEC is mended, its cards join the board and the command succeeds.
    (workspace / BROKEN).write_text("# Broken\n## Task 1: mended\n")
    code, doc, _ = _sync(workspace, capsys)
    assert code == 0
    assert "Task 1: mended" in (workspace / "_kanban.md").read_text()
