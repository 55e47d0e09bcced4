"""The one-shot local commands as a user runs them: generate, progress, retrospective, inspect."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kanbanger_daemon.cli import main


def run(ws: Path, *argv: str) -> int:
    return main([*argv, "--root", str(ws)])


def test_generate_writes_the_board_then_leaves_it_alone(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = ws / "SPECs" / "website"
    assert run(ws, "generate", str(folder)) == 0
    board = (folder / "_kanban.md").read_text()
    assert "## DONE\n\n*   [x] Task 1: Design (SPEC: spec_website.md)" in board
    assert "## DOING\n\n*   [ ] Task 2: Build (SPEC: spec_website.md)" in board
    assert "## TODO\n\n*   [ ] Task 3: Launch (SPEC: spec_website.md)" in board
    assert "(written)" in capsys.readouterr().out
    mtime = (folder / "_kanban.md").stat().st_mtime_ns
    assert run(ws, "generate", str(folder / "spec_website.md")) == 0
    assert "(unchanged)" in capsys.readouterr().out
    assert (folder / "_kanban.md").stat().st_mtime_ns == mtime


def test_dry_run_prints_and_writes_nothing(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = ws / "SPECs" / "ACGTACGT" / "spec_data_pipeline"
    assert run(ws, "progress", str(folder), "--dry-run") == 0
    out = capsys.readouterr().out
    assert out.startswith("# Data Pipeline\n")
    assert "*   [ ] Task 4: Publish (SPEC: spec_data_pipeline.md)" in out
    assert not (folder / "_kanban.md").exists()


def test_progress_moves_cards_and_keeps_hand_cards(ws: Path) -> None:
    folder = ws / "SPECs" / "website"
    assert run(ws, "generate", str(folder)) == 0
    board = folder / "_kanban.md"
    board.write_text(board.read_text().replace("## TODO\n", "## TODO\n\n*   [ ] Buy a domain\n"))
    log = json.loads((folder / "progress_website.json").read_text())
    log["tasks"][1]["status"] = "completed"
    log["tasks"].append({"id": 3, "name": "Launch", "status": "in_progress"})
    (folder / "progress_website.json").write_text(json.dumps(log))
    assert run(ws, "progress", str(folder)) == 0
    text = board.read_text()
    assert "*   [ ] Buy a domain" in text
    done = text.split("## DONE")[1]
    assert "Task 2: Build" in done and "Task 1: Design" in done
    assert "Task 3: Launch" in text.split("## DOING")[1].split("## DONE")[0]


def test_truncated_progress_is_a_clear_error_and_the_board_survives(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = ws / "SPECs" / "website"
    assert run(ws, "generate", str(folder)) == 0
    before = (folder / "_kanban.md").read_bytes()
    (folder / "progress_website.json").write_text('{"tasks": [\n  {"id": 1, "status": "comp')
    assert run(ws, "progress", str(folder)) == 1
    err = capsys.readouterr().err
    assert "progress_website.json:2" in err and "Traceback" not in err
    assert (folder / "_kanban.md").read_bytes() == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x00\x01\x02binary\x00", "binary"),
        (b"# Goal\n\xff\xfe not utf-8\n## Task 1: X\n", "UTF-8"),
    ],
)
def test_unusable_spec_bytes_exit_1_naming_the_file(
    ws: Path, capsys: pytest.CaptureFixture[str], content: bytes, expected: str
) -> None:
    folder = ws / "SPECs" / "website"
    (folder / "spec_website.md").write_bytes(content)
    assert run(ws, "generate", str(folder)) == 1
    err = capsys.readouterr().err
    assert "spec_website.md" in err and expected.lower() in err.lower()
    assert "Traceback" not in err
    assert not (folder / "_kanban.md").exists()


def test_a_50_mb_spec_is_refused_quickly(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = ws / "SPECs" / "website"
    with (folder / "spec_website.md").open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    assert run(ws, "generate", str(folder)) == 1
    assert "limit" in capsys.readouterr().err


def test_symlinks_out_of_the_workspace_or_in_a_loop_are_not_followed(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = ws / "SPECs" / "website"
    outside = tmp_path / "secret.md"
    outside.write_text("# Goal\nsteal\n## Task 1: Exfiltrate\n")
    (folder / "spec_website.md").unlink()
    os.symlink(outside, folder / "spec_website.md")
    assert run(ws, "generate", str(folder)) == 1
    assert "outside the workspace" in capsys.readouterr().err
    (folder / "spec_website.md").unlink()
    os.symlink(folder / "spec_loop.md", folder / "spec_website.md")
    os.symlink(folder / "spec_website.md", folder / "spec_loop.md")
    assert run(ws, "generate", str(folder)) == 1
    err = capsys.readouterr().err
    assert "spec_" in err and "Traceback" not in err


def test_empty_folder_is_an_error(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = ws / "SPECs" / "nothing"
    empty.mkdir()
    (empty / "progress_Troubleshoot.json").write_text('{"tasks": []}')
    assert run(ws, "generate", str(empty)) == 1
    err = capsys.readouterr().err
    assert "no SPEC in this folder" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in empty.iterdir()) == ["progress_Troubleshoot.json"]


def test_retrospective_is_a_kanban_board(ws: Path) -> None:
    folder = ws / "SPECs" / "website"
    assert run(ws, "retrospective", str(folder)) == 0
    text = (folder / "_retrospective.md").read_text()
    assert text.startswith("# ")
    assert "*   [x] Task 1: Design" in text
    # Meant to be committed: the umask's mode, like any file a person makes (0644 under 022).
    umask = os.umask(0)
    os.umask(umask)
    assert (folder / "_retrospective.md").stat().st_mode & 0o777 == 0o666 & ~umask


def test_retrospective_of_a_speclet_folder_names_the_whole_folder(
    tmp_path: Path, corpus_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = corpus_dir / "spec_engine" / "SPECs" / "GCATTAGC" / "spec_innovation_dashboard"
    folder = tmp_path / "SPECs" / "spec_innovation_dashboard"
    shutil.copytree(source, folder)
    assert main(["retrospective", str(folder), "--dry-run", "--root", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# Retrospective: Create Innovation Consultancy Dashboard ")
    assert "SPEClet 0" not in text.splitlines()[0]
    lessons = text.split("## Lessons\n\n", 1)[1].splitlines()
    assert lessons and all(line.startswith("- ") for line in lessons if line)
    assert "[ ]" not in text.split("## Lessons", 1)[1]
    (folder / "progress_innovation_dashboard_MASTER.json").unlink()
    assert main(["retrospective", str(folder), "--dry-run", "--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("# Retrospective: innovation dashboard\n")


def test_inspect_json_for_spec_progress_and_board(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = ws / "SPECs" / "ACGTACGT" / "spec_data_pipeline"
    assert run(ws, "inspect", str(folder / "spec_data_pipeline.md"), "--json") == 0
    spec = json.loads(capsys.readouterr().out)
    assert spec["kind"] == "spec"
    assert [t["id"] for t in spec["tasks"]] == ["1", "2", "3", "4"]
    assert spec["tasks"][0]["steps"][0] == {
        "id": "1", "title": "Download the daily exports", "critical": True, "backups": 1
    }
    web = ws / "SPECs" / "website"
    assert run(ws, "inspect", str(web / "progress_website.json"), "--json") == 0
    progress = json.loads(capsys.readouterr().out)
    assert progress["pairs_with"] == "spec_website.md"
    assert progress["tasks"]["2"]["status"] == "in_progress"
    assert run(ws, "generate", str(web)) == 0
    capsys.readouterr()
    assert run(ws, "inspect", str(web / "_kanban.md"), "--json") == 0
    board = json.loads(capsys.readouterr().out)
    assert board["kind"] == "board"
    assert [c["text"] for c in board["columns"]["DONE"]] == [
        "Task 1: Design (SPEC: spec_website.md)"
    ]


def test_inspect_broken_json_exits_1(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = ws / "SPECs" / "website" / "progress_website.json"
    path.write_text("{not json")
    assert run(ws, "inspect", str(path), "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] and "progress_website.json" in report["errors"][0]


def test_console_script_alias_and_bad_usage(ws: Path) -> None:
    exe = Path(sys.executable).parent / "spec-to-kanban"
    if not exe.exists():
        pytest.skip("console scripts not installed (run pip install -e .)")
    folder = ws / "SPECs" / "website"
    done = subprocess.run([str(exe), str(folder), "--root", str(ws)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (folder / "_kanban.md").exists()
    bad = subprocess.run([sys.executable, "-m", "kanbanger_daemon", "generate"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2


def test_inspect_a_readme_is_other_and_exits_1(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = ws / "SPECs" / "README.md"
    readme.write_text("# Our SPECs\n\nOne folder per SPEC.\n\n## Done when\n\nAll shipped.\n")
    assert run(ws, "inspect", str(readme)) == 1
    out = capsys.readouterr().out
    assert out.splitlines() == [f"{readme}: not a SPEC, progress or board file"]
    assert run(ws, "inspect", str(readme), "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert report["kind"] == "other"
    assert report["errors"] == [f"{readme}: not a SPEC, progress or board file"]


def test_inspect_decides_by_content_when_the_name_says_nothing(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = ws / "SPECs" / "plan.md"
    notes.write_text("# Plan\n\n## Task 1: Draft\n\n## Task 2: Review\n")
    assert run(ws, "inspect", str(notes), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["kind"] == "spec"
    assert [t["title"] for t in report["tasks"]] == ["Draft", "Review"]
    board = ws / "SPECs" / "team_board.md"
    board.write_text("# Team\n\n## TODO\n\n*   [ ] Call Bob\n\n## DONE\n")
    assert run(ws, "inspect", str(board), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["kind"] == "board"
    assert [c["text"] for c in report["columns"]["TODO"]] == ["Call Bob"]


def test_inspect_parameters_shows_tasks_criticality_and_dependencies(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = ws / "SPECs" / "ACGTACGT" / "spec_data_pipeline"
    path = folder / "parameters_data_pipeline.toml"
    assert run(ws, "inspect", str(path)) == 0
    out = capsys.readouterr().out
    assert "error" not in out
    assert "Task 1: Data Collection (2 steps, 1 critical)" in out
    assert run(ws, "inspect", str(path), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["kind"] == "parameters"
    assert report["errors"] == [] and report["warnings"] == []
    assert [t["title"] for t in report["tasks"]] == [
        "Data Collection", "Cleaning", "Summary Report", "Publish"]
    assert [s["critical"] for s in report["tasks"][0]["steps"]] == [True, False]
    speclet = folder / "parameters_speclet_0_base.toml"
    speclet.write_text("[dependencies]\nspeclet_dependencies = []\n"
                       "[[tasks]]\nid = 1\ndescription = \"Build\"\n")
    other = folder / "parameters_speclet_1_ui.toml"
    other.write_text("[dependencies]\nspeclet_dependencies = [0]\n"
                     "[[tasks]]\nid = 1\ndescription = \"Draw\"\n")
    assert run(ws, "inspect", str(other), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["speclets"] == [{"id": "1", "title": "speclet_1_ui", "depends_on": ["0"]}]
    assert run(ws, "inspect", str(other)) == 0
    assert "SPECLet 1: speclet_1_ui (depends on: 0)" in capsys.readouterr().out


def test_inspect_shows_a_spec_with_no_tasks_yet_as_a_note_not_an_error(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = ws / "SPECs" / "draft"
    draft.mkdir()
    (draft / "spec_draft.md").write_text("# Draft\n## Goal\nLater\n\n## Tasks\n\n")
    assert run(ws, "inspect", str(draft / "spec_draft.md")) == 0
    out = capsys.readouterr().out
    assert "note: spec_draft.md: no tasks yet" in out and "error" not in out


def test_inspect_of_a_log_reads_it_with_its_spec_and_reports_tasks_the_spec_lacks(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = ws / "SPECs" / "steps"
    folder.mkdir()
    (folder / "spec_steps.md").write_text(
        "# S\n### Task [1]: One\n- **Step [1]:** a\n- **Step [2]:** b\n- **Step [3]:** c\n")
    (folder / "progress_steps.json").write_text(json.dumps([
        {"task_id": 1, "step_id": 1, "status": "completed"},
        {"task_id": 4, "step_id": 1, "status": "completed"}]))
    assert run(ws, "inspect", "--json", str(folder / "progress_steps.json")) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["tasks"]["1"]["status"] == "in_progress"  # 1 step of 3, not done
    assert report["warnings"] == [
        "progress_steps.json: an entry for task 4, which spec_steps.md does not have"]
