"""parse_spec on every markdown form a SPEC is written in (small, hand-made inputs)."""

from __future__ import annotations

from kanbanger_daemon.core.specs.parse import parse_spec
from kanbanger_daemon.models.spec import Spec


def _spec(text: str, file: str = "spec_x.md") -> Spec:
    return parse_spec(text, file=file)


def _tasks(spec: Spec) -> list[tuple[str, str]]:
    return [(t.id, t.title) for t in spec.tasks]


def _errors(spec: Spec) -> list[str]:
    return [d.message for d in spec.diagnostics if d.severity == "error"]


def test_the_integration_guides_simple_form() -> None:
    spec = _spec(
        "# Goal\nAnalyse sales data\n\n## Task 1: Data Collection\n### Step 1.1: Gather sources\n"
        "### Step 1.2: Clean rows\n\n## Task 2: Analysis\n### Step 2.1: Fit a model\n"
    )
    assert spec.goal == "Analyse sales data"
    assert _tasks(spec) == [("1", "Data Collection"), ("2", "Analysis")]
    assert [(s.id, s.title) for s in spec.tasks[0].steps] == [
        ("1.1", "Gather sources"), ("1.2", "Clean rows"),
    ]
    assert spec.tasks[0].line == 4
    assert _errors(spec) == []


def test_spec_engine_forms_of_task_headings() -> None:
    spec = _spec(
        "## Goal\nShip it.\n\n## Task [0]: Zero\n### Task 1: One\n### Task [2]: Two\n"
        "#### Task [A]: Letter\n**Task 3: Bold line**\n"
    )
    assert _tasks(spec) == [("0", "Zero"), ("1", "One"), ("2", "Two"), ("A", "Letter"),
                            ("3", "Bold line")]


def test_goal_paragraph_or_bold_line_first_one_wins() -> None:
    assert _spec("## Goal\n\nBuild a\nthing.\n\n**Goal:** other\n### Task 1: T\n").goal == (
        "Build a thing."
    )
    assert _spec("# Spec: S\n\n**Goal:** Build a thing\n### Task 1: T\n").goal == "Build a thing"
    assert _spec("# Goal: Inline\n## Task 1: T\n").goal == "Inline"
    spec = _spec("# Spec: Point of Sale\n## Task 1: T\n")
    assert (spec.title, spec.goal) == ("Point of Sale", None)


def test_bullet_steps_with_their_details() -> None:
    spec = _spec(
        "### Task [1]: Database\n\n"
        "- **Step [1]:** Design schema\n"
        "  - **Primary method:** Draw it\n"
        "  - **Backup [1]:** Copy one\n"
        "  - **Backup [2]:** Ask\n"
        "  - **Expected output:** A diagram\n"
        "  - **Critical:** false (can improve later)\n"
        "  - **Mode:** collaborative (needs a person)\n\n"
        "- **Step 2:** Migrate\n"
        "  - **Critical:** true\n"
        "- **Verification:** all good\n"
        "- **Expected output:** not a step detail\n"
    )
    first, second = spec.tasks[0].steps
    assert (first.id, first.title, first.critical) == ("1", "Design schema", False)
    assert first.backups == ["Copy one", "Ask"]
    assert (first.expected_output, first.mode, first.primary_method) == (
        "A diagram", "collaborative", "Draw it",
    )
    assert (second.id, second.critical, second.expected_output) == ("2", True, None)


def test_heading_steps_take_unindented_details() -> None:
    spec = _spec(
        "## Task [1]: Design\n### Step [1]: Research\n- **Backup [1]:** Look around\n"
        "- **Critical:** true\n**Verification:** ok\n#### Step [1.2]: Deeper\n- Critical: no\n"
    )
    research, deeper = spec.tasks[0].steps
    assert (research.title, research.backups, research.critical) == (
        "Research", ["Look around"], True,
    )
    assert (deeper.id, deeper.critical) == ("1.2", False)


def test_compact_steps_with_critical_suffixes() -> None:
    spec = _spec(
        "### Task 1: Parse\n- Step 1.1: Load (critical)\n- Step 1.2: Index (non-critical)\n"
        "* Step 1.3: Search\n- [x] Step 1.4: Done already (Critical)\n"
    )
    assert [(s.id, s.title, s.critical) for s in spec.tasks[0].steps] == [
        ("1.1", "Load", True), ("1.2", "Index", False), ("1.3", "Search", None),
        ("1.4", "Done already", True),
    ]


def test_fenced_code_never_yields_tasks_closed_or_not() -> None:
    spec = _spec(
        "## Task 1: Real\n"
        "```markdown\n### Task [7]: In a fence\n- **Step [1]:** no\n```\n"
        "~~~~\n## Task 8: tilde fence\n~~~\nstill inside\n~~~~\n"
        "````json\n## Task 9: an unclosed fence runs to the end\n```\n## Task 10: still\n"
    )
    assert _tasks(spec) == [("1", "Real")]
    assert spec.tasks[0].steps == []


def test_comments_bridging_lists_and_completion_gates_are_not_tasks() -> None:
    spec = _spec(
        "## Tasks\n### Task [1]: Real\n- Step 1.1: do it\n### Task 1 Completion Gate\n"
        "### Task [2]: Completion Gate\n<!--\n## Task 5: commented out\n-->\n"
        "## Bridging\n- Task [1] → `tasks[id=1]` in TOML\n- Step [1.1] → `steps[id=1]`\n"
        "- Task [1]: Can you explain it?\n1. Task 4: a numbered instruction\n"
    )
    assert _tasks(spec) == [("1", "Real")]
    assert [s.id for s in spec.tasks[0].steps] == ["1.1"]


def test_numbered_list_under_a_tasks_heading_without_task_headings() -> None:
    spec = _spec(
        "# SPEClet 3: Ideate\n**SPEClet ID:** 3 | **Dependencies:** [0]\n## Tasks\n"
        "1. Build canvas\n2. Cluster ideas\n   - nested, not a task\n\n## Completion\n"
        "1. not a task\n", file="speclet_3_ideate.md",
    )
    assert _tasks(spec) == [("1", "Build canvas"), ("2", "Cluster ideas")]
    assert {t.speclet for t in spec.tasks} == {"3"}
    assert [(s.id, s.title, s.depends_on) for s in spec.speclets] == [("3", "Ideate", ["0"])]


def test_speclet_sections_own_their_tasks_and_dependencies() -> None:
    spec = _spec(
        "## SPECLets\n### SPECLet [core]: Core\n**Depends On:** `[]` (none)\n"
        "#### Task [1]: Schema\n#### Task [2]: API\n"
        "### SPECLet [ui]: Interface\n**Depends On:** `[\"core\", \"auth\"]`\n"
        "#### Task [1]: Screens\n"
        "## Plain tasks\n### Task [3]: Outside any SPECLet\n"
    )
    assert [(t.id, t.speclet) for t in spec.tasks] == [
        ("1", "core"), ("2", "core"), ("1", "ui"), ("3", None),
    ]
    assert [(s.id, s.depends_on) for s in spec.speclets] == [
        ("core", []), ("ui", ["core", "auth"]),
    ]


def test_speclet_file_without_heading_id_uses_its_id_line_or_name() -> None:
    with_field = _spec("# Platform\n**SPEClet ID:** 0\n## Task 1: T\n", "speclet_0_platform.md")
    assert [(s.id, s.title) for s in with_field.speclets] == [("0", "Platform")]
    assert with_field.tasks[0].speclet == "0"
    by_name = _spec("# Platform\n## Task 1: T\n", "speclet_4_proto.md")
    assert [s.id for s in by_name.speclets] == ["4"]


def test_dependencies_written_in_words() -> None:
    spec = _spec(
        "# SPEClet 0: Base\n**Dependencies:** None (Foundation)\n## Task 1: T\n"
        "# SPEClet 5: Top\n**Dependencies:** SPEClet 0, 1 and 2\n## Task 1: U\n"
    )
    assert [(s.id, s.depends_on) for s in spec.speclets] == [("0", []), ("5", ["0", "1", "2"])]


def test_duplicate_task_is_reported_and_the_first_kept() -> None:
    spec = _spec("## Task 1: First\n## Task 1: Again\n")
    assert _tasks(spec) == [("1", "First")]
    (warning,) = spec.diagnostics
    assert (warning.severity, warning.line) == ("warning", 2)
    assert "task 1 appears twice" in warning.message


def test_unreadable_critical_value_is_a_warning_with_line() -> None:
    spec = _spec("## Task 1: T\n- **Step 1:** s\n  - **Critical:** maybe\n")
    assert spec.tasks[0].steps[0].critical is None
    (warning,) = spec.diagnostics
    assert (warning.severity, warning.line) == ("warning", 3)


def test_crlf_and_bom_are_read_like_plain_text() -> None:
    spec = _spec("\ufeff# Spec: W\r\n## Goal\r\nWin\r\n\r\n## Task 1: T\r\n- Step 1.1: s\r\n")
    assert (spec.title, spec.goal, _tasks(spec)) == ("W", "Win", [("1", "T")])
    assert spec.tasks[0].steps[0].title == "s"


def test_no_tasks_yet_is_a_note_not_an_error() -> None:
    spec = _spec("# Spec: Draft\n## Goal\nSomething\n\n## Tasks\n\n")
    assert _errors(spec) == []
    (note,) = spec.diagnostics
    assert note.severity == "note" and note.message.startswith("no tasks yet")


def test_an_empty_file_is_still_an_error_so_a_truncated_save_never_empties_a_board() -> None:
    assert _errors(_spec("")) == ["empty file"]
    assert _errors(_spec(" \n\n")) == ["empty file"]


def test_descriptor_comes_from_the_file_name() -> None:
    assert _spec("## Task 1: T\n", "some/dir/spec_analysis.md").descriptor == "analysis"
    assert _spec("## Task 1: T\n", "speclet_2_define.md").descriptor == "2_define"
    assert _spec("## Task 1: T\n", "WTF_SPEC.md").descriptor == "WTF"  # a TOOLSPEC


def test_looser_hand_written_forms() -> None:
    spec = _spec(
        "## 🎯 Goal Statement\nDo it\n## Tasks\n### 1. Setup database\n"
        "Step 1.1: Create schema\n  **Critical:** true\nStep 1.2: Seed (non-critical)\n"
        "### ✅ Task #2: Done one\n- **Step #1** - first\n  - **Backup 1 (tool):** use the CLI\n"
        "## ⚠️ SPEClet Notice\n"
    )
    assert spec.goal == "Do it"
    assert _tasks(spec) == [("1", "Setup database"), ("2", "Done one")]
    assert [(s.id, s.title, s.critical) for s in spec.tasks[0].steps] == [
        ("1.1", "Create schema", True), ("1.2", "Seed", False),
    ]
    assert spec.tasks[1].steps[0].backups == ["use the CLI"]
    assert spec.speclets == []


def test_a_task_without_title_is_kept_with_a_warning() -> None:
    spec = _spec("## Task 3:\n- Step 3.1: s\n")
    assert _tasks(spec) == [("3", "")]
    (warning,) = spec.diagnostics
    assert (warning.severity, warning.line, warning.message) == (
        "warning", 1, "task 3 has no title: it gets no card until it has one",
    )


def test_bold_labels_are_never_tasks() -> None:
    spec = _spec(
        "## SPECLet [1]: Setup\n**Tasks:**\n- [1.1] Build\n\n**Task:** see below\n"
        "### Task [1.1]: Build\n### Task A: Lettered\n"
    )
    assert _tasks(spec) == [("1.1", "Build"), ("A", "Lettered")]


def test_bullets_nested_inside_a_detail_are_not_details() -> None:
    spec = _spec(
        "### Task 1: GUI\n#### Step 1.1: Main window\n"
        "- **Primary method:** Use Qt Designer. The window has:\n"
        "  - Mode: a toggle button\n  - Backup: a second button\n"
        "- **Critical:** false (works without it)\n- **Mode:** dynamic\n"
        "- **Verification:**\n  - Critical: true once clicked\n"
    )
    step = spec.tasks[0].steps[0]
    assert (step.critical, step.mode, step.backups) == (False, "dynamic", [])
