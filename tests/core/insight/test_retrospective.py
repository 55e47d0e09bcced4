"""_retrospective.md: what went well, what needed backups, what failed, and lessons."""

from __future__ import annotations

from kanbanger_daemon.core.board.format import board_cards, parse_board
from kanbanger_daemon.core.insight.retrospective import render_retrospective, retrospective_title
from kanbanger_daemon.models.board import ColumnKind, SpecInput
from kanbanger_daemon.models.spec import (
    Progress,
    Spec,
    Status,
    Step,
    StepProgress,
    Task,
    TaskProgress,
)


def _spec() -> Spec:
    return Spec(file="spec_podcast.md", descriptor="podcast", tasks=[
        Task(id="1", title="Research", steps=[Step(id="1", title="Find guests")]),
        Task(id="2", title="Record", steps=[
            Step(id="1", title="Set up mic", backups=["Use the laptop mic", "Use a phone"]),
            Step(id="2", title="Record episode", critical=True)]),
        Task(id="3", title="Publish", steps=[Step(id="1", title="Upload", critical=True)]),
        Task(id="4", title="Promote"),
        Task(id="5", title="Transcribe"),
    ])


def _progress() -> Progress:
    def tp(tid: str, status: Status, steps: list[StepProgress] | None = None,
           exhausted: bool = False) -> TaskProgress:
        return TaskProgress(id=tid, status=status, raw_status=status.value,
                            steps=steps or [], backups_exhausted=exhausted)
    return Progress(file="progress_podcast.json", tasks={
        "1": tp("1", Status.COMPLETED),
        "2": tp("2", Status.COMPLETED, [StepProgress(
            id="1", status=Status.COMPLETED, raw_status="completed", backup_used=2)]),
        "3": tp("3", Status.FAILED, exhausted=True),
        "5": tp("5", Status.BLOCKED),
    })


def test_retrospective_sorts_tasks_and_draws_lessons() -> None:
    text = render_retrospective([SpecInput(spec=_spec(), progress=_progress())], title="Podcast")
    cards = board_cards(parse_board(text))
    by_column: dict[str, list[str]] = {}
    for card in cards:
        by_column.setdefault(card.column, []).append(card.text)
    assert text.startswith("# Retrospective: Podcast\n")
    assert by_column["Done with primary methods"] == ["Task 1: Research"]
    assert by_column["Done with backups"] == [
        "Task 2: Record — Step 2.1 used Backup #2: Use a phone"]
    assert by_column["Failed after all backups"] == ["Task 3: Publish [failed] (backups exhausted)"]
    assert by_column["Still open"] == ["Task 4: Promote [no progress]",
                                       "Task 5: Transcribe [blocked]"]
    assert "Lessons" not in by_column  # lessons are notes, not cards to tick off
    section = text.split("## Lessons\n\n", 1)[1]
    lessons = [line.removeprefix("- ") for line in section.splitlines() if line]
    assert all(line.startswith("- ") for line in section.splitlines() if line)
    assert any("Step 2.1 (Set up mic)" in x and "Backup #2" in x for x in lessons)
    assert any("Task 3: Publish failed with critical steps (Step 3.1)" in x for x in lessons)
    assert any("define no backups" in x for x in lessons)
    assert "1 of 4 steps needed a backup (spec_podcast.md)" in lessons
    # kanbanger sees both "Done …" columns as its Done column, every done card checked.
    done = [c for c in cards if c.column_kind is ColumnKind.DONE]
    assert len(done) == 2
    assert all(c.checked for c in done)


def test_several_specs_are_prefixed() -> None:
    other = Spec(file="spec_blog.md", descriptor="blog", tasks=[Task(id="1", title="Write")])
    text = render_retrospective(
        [SpecInput(spec=_spec(), progress=_progress()), SpecInput(spec=other)], title="All")
    texts = [c.text for c in board_cards(parse_board(text))]
    assert "[podcast] Task 1: Research" in texts
    assert "[blog] Task 1: Write [no progress]" in texts


def test_a_speclet_folder_is_titled_after_the_folder_or_its_master_log() -> None:
    speclets = [
        SpecInput(spec=Spec(file=f"speclet_{n}.md", descriptor=n, title=f"SPEClet {n[0]}: X",
                            tasks=[Task(id="1", title="Build")]))
        for n in ("0_platform", "1_ui")
    ]
    folder = "spec_innovation_dashboard"
    assert retrospective_title(speclets, folder=folder, master=None) == "innovation dashboard"
    one = speclets[:1]
    assert retrospective_title(one, folder=folder, master=None) == "innovation dashboard"
    master = '{"project_goal": "Create the dashboard", "speclets": []}'
    assert retrospective_title(speclets, folder=folder, master=master) == "Create the dashboard"
    named = '{"project_name": "Dashboard", "project_goal": "Create the dashboard"}'
    assert retrospective_title(speclets, folder=folder, master=named) == "Dashboard"
    assert retrospective_title(speclets, folder=folder, master="{broken") == "innovation dashboard"
    spec = [SpecInput(spec=_spec().model_copy(update={"title": "Podcast"}))]
    assert retrospective_title(spec, folder="spec_podcast", master=None) == "Podcast"
