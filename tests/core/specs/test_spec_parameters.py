"""parameters_<d>.toml joined to the markdown by task id: it fills gaps, never overrides."""

from __future__ import annotations

from kanbanger_daemon.core.specs.parse import parse_spec

MARKDOWN = (
    "# Spec: S\n## Goal\nG\n"
    "## Task 1: Collect\n- Step 1.1: Gather\n- Step 1.2: Clean (critical)\n"
    "## Task 2:\n- Step 2.1: Model\n"
)

PARAMETERS = """
[[tasks]]
id = 1
description = "Collect"
  [[tasks.steps]]
  id = 1
  critical_flag = true
  expected_output = "Raw files"
  mode = "silent"
    [[tasks.steps.backups]]
    id = 1
    description = "Ask a colleague"
  [[tasks.steps]]
  id = 2
  critical_flag = false

[[tasks]]
id = 2
description = "Analysis"
  [[tasks.steps]]
  id = 1
  critical = true
  backup_2 = "Second fallback"
  backup_1 = "First fallback"
"""


def test_parameters_fill_what_the_markdown_lacks() -> None:
    spec = parse_spec(MARKDOWN, file="spec_s.md", parameters=PARAMETERS,
                      parameters_file="parameters_s.toml")
    gather, clean = spec.tasks[0].steps
    assert (gather.critical, gather.backups, gather.expected_output, gather.mode) == (
        True, ["Ask a colleague"], "Raw files", "silent",
    )
    assert spec.tasks[1].title == "Analysis"  # the heading had none
    (model,) = spec.tasks[1].steps
    assert (model.critical, model.backups) == (True, ["First fallback", "Second fallback"])
    # The markdown wins a disagreement, and says so.
    assert clean.critical is True
    (warning,) = [d for d in spec.diagnostics if d.severity == "warning"]
    assert warning.file == "parameters_s.toml"
    assert "task 1 step 1.2" in warning.message and "markdown wins" in warning.message


def test_steps_numbered_differently_join_by_position() -> None:
    markdown = "## Task [1]: T\n- **Step [1]:** a\n- **Step [2]:** b\n"
    parameters = (
        "[[tasks]]\nid = 1\n[[tasks.steps]]\nid = 0\ncritical = false\n"
        "[[tasks.steps]]\nid = 1\ncritical = true\n"
    )
    spec = parse_spec(markdown, file="spec_t.md", parameters=parameters)
    assert [s.critical for s in spec.tasks[0].steps] == [False, True]
    assert spec.diagnostics == []


def test_invalid_toml_is_an_error_naming_the_file_and_line_and_markdown_is_still_used() -> None:
    spec = parse_spec(MARKDOWN, file="spec_s.md", parameters="[[tasks]]\nid = 1\ncritical = \n",
                      parameters_file="parameters_s.toml")
    (error,) = [d for d in spec.diagnostics if d.severity == "error"]
    assert (error.file, error.line) == ("parameters_s.toml", 3)
    assert "invalid TOML" in error.message
    assert [t.id for t in spec.tasks] == ["1", "2"]
    assert spec.tasks[0].steps[0].critical is None


def test_parameters_file_name_defaults_from_the_descriptor() -> None:
    spec = parse_spec(MARKDOWN, file="spec_s.md", parameters="x = [")
    assert spec.diagnostics[0].file == "parameters_s.toml"


def test_unmatched_ids_on_either_side_are_warnings() -> None:
    parameters = "[[tasks]]\nid = 1\n[[tasks]]\nid = 9\n"
    spec = parse_spec(MARKDOWN, file="spec_s.md", parameters=parameters)
    messages = sorted(d.message for d in spec.diagnostics)
    assert messages == [
        "[[tasks]] id 9 has no task in the markdown; ignored",
        "task 2 has no title: it gets no card until it has one",
        "task 2 of the markdown has no [[tasks]] entry",
    ]


def test_tasks_come_from_the_parameters_when_the_markdown_has_none() -> None:
    spec = parse_spec(
        "# Spec: S\n## Goal\nG\n", file="spec_s.md",
        parameters='[[tasks]]\nid = 1\ndescription = "Only in TOML"\n[[tasks.steps]]\nid = 1\n'
                   'description = "A step"\ncritical_flag = true\n',
    )
    assert [(t.id, t.title) for t in spec.tasks] == [("1", "Only in TOML")]
    assert [(s.id, s.title, s.critical) for s in spec.tasks[0].steps] == [("1", "A step", True)]
    assert [d.severity for d in spec.diagnostics] == ["warning"]


def test_speclet_dependencies_from_the_parameters() -> None:
    spec = parse_spec(
        "### SPECLet [ui]: UI\n#### Task [1]: Screens\n", file="spec_app.md",
        parameters='[[speclets]]\nid = "ui"\ndepends_on = ["core"]\n'
                   '[[speclets]]\nid = "core"\ndepends_on = []\n',
    )
    assert [(s.id, s.depends_on) for s in spec.speclets] == [("ui", ["core"]), ("core", [])]


def test_a_speclet_files_dependencies_section() -> None:
    spec = parse_spec(
        "# SPEClet 4: Proto\n## Task 1: T\n", file="speclet_4_proto.md",
        parameters="[dependencies]\nspeclet_dependencies = [0, 2]\n",
    )
    assert spec.speclets[0].depends_on == ["0", "2"]


def test_toml_of_the_wrong_shape_is_ignored_without_crashing() -> None:
    spec = parse_spec(MARKDOWN, file="spec_s.md",
                      parameters='tasks = "no"\nspeclets = 3\n[dependencies]\nx = 1\n')
    assert [t.id for t in spec.tasks] == ["1", "2"]
    assert [d for d in spec.diagnostics if d.severity == "error"] == []


def test_speclet_nested_tasks_backup_methods_and_dependencies_by_name() -> None:
    # The shape of Spec_Engine's parameters_Dashboard_SPEC_Engine.toml.
    markdown = (
        "## SPECLet Structure\n### SPECLet [1]: Platform\n**Dependencies:** None\n"
        "- Task [1.1]: an overview line, not a task\n"
        "### SPECLet [2]: Frontend\n**Dependencies:** platform_foundation\n"
        "## SPECLet [1]: Platform\n### Task [1.1]: Backend API\n"
        "- **Step [1]:** Init\n- **Step [2]:** Server\n"
        "## SPECLet [2]: Frontend\n### Task [2.1]:\n- **Step [1]:** Vite\n"
    )
    parameters = """
[[speclets]]
id = 1
name = "platform_foundation"
dependencies = []
[[speclets.tasks]]
id = 1
name = "Set up backend API framework"
[[speclets.tasks.steps]]
id = 1
critical = true
[[speclets.tasks.steps]]
id = 2
critical = false
backup_methods = ["A more permissive configuration"]

[[speclets]]
id = 2
name = "frontend_foundation"
dependencies = ["platform_foundation"]
[[speclets.tasks]]
id = 1
name = "Set up React"
[[speclets.tasks.steps]]
id = 1
critical = true
"""
    spec = parse_spec(markdown, file="spec_Dashboard.md", parameters=parameters)
    assert [(t.speclet, t.id, t.title) for t in spec.tasks] == [
        ("1", "1.1", "Backend API"), ("2", "2.1", "Set up React"),
    ]
    init, server = spec.tasks[0].steps
    assert (init.critical, server.critical, server.backups) == (
        True, False, ["A more permissive configuration"],
    )
    assert spec.tasks[1].steps[0].critical is True
    assert [(s.id, s.title, s.depends_on) for s in spec.speclets] == [
        ("1", "Platform", []), ("2", "Frontend", ["1"]),
    ]
    assert spec.diagnostics == []
