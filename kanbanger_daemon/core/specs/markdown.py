"""SPEC / SPECLet markdown → goal, tasks, steps and SPECLets (one scan, line by line). Pure.

Internal to :mod:`kanbanger_daemon.core.specs.parse`, whose docstring lists the forms
understood; call :func:`kanbanger_daemon.core.specs.parse.parse_spec`, not this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kanbanger_daemon.core.specs.markdown_lines import (
    atx_heading,
    clean_title,
    critical_word,
    dependency_ids,
    fence_closes,
    fence_open,
    is_rule,
    list_item,
    matched_id,
    plain_text,
    step_match,
)
from kanbanger_daemon.models.spec import Diagnostic, Speclet, Step, Task

_SEP = r"\s*(?:[:.)\-\u2013\u2014]\s*(?P<title>.*))?$"
# A letter id needs a space or ``#`` before it: ``Task A:`` is a task, ``**Tasks:**`` a label.
_TASK = re.compile(
    r"(?i)^task\s*#?\s*(?:\[\s*(?P<bid>[\w.\-]{1,40})\s*\]|(?P<id>\d+(?:\.\d+)*[a-z]?)"
    r"|(?<=[\s#])(?P<letter>[A-Z])(?=\s*[:.)\-\u2013\u2014]))" + _SEP
)
_STEP = re.compile(
    r"(?i)^step\s*#?\s*(?:\[\s*(?P<bid>[\w.\-]{1,40})\s*\]|(?P<id>\d+(?:\.\d+)*[a-z]?))" + _SEP
)
_SPECLET = re.compile(
    r"(?i)^speclet\s*(?:\[\s*(?P<bid>[\w.\-]{1,60})\s*\]|(?P<id>\d[\w.\-]{0,59}))" + _SEP
)
_ATTRIBUTE = re.compile(
    r"^(?:\*\*|__)?(?P<key>[A-Za-z][A-Za-z _\-\[\]#0-9()]{0,40}?)\s*"
    r"(?::\s*(?:\*\*|__)|(?:\*\*|__)\s*:|:)\s*(?P<value>.*)$"
)
_BOLD_GOAL = re.compile(r"^\*\*Goal\s*:?\s*\*\*\s*:?\s*(?P<goal>.+)$")
_DEPENDS = re.compile(r"(?i)\*\*\s*(?:dependencies|depends[ _]on)\s*:?\s*\*\*\s*:?(?P<v>[^|]*)")
_SPECLET_ID_FIELD = re.compile(r"(?i)\*\*\s*speclet[ _]id\s*:?\s*\*\*\s*:?\s*(?P<v>[\w.\-]+)")
_NUMBERED_HEADING = re.compile(r"^(?P<id>\d{1,6})[.):]\s+(?P<title>\S.*)$")
_GOAL_HEADING = re.compile(r"(?i)^\W*(?:the\s+)?goal(?:\s+statement)?\s*(?::|$)")
_TASKS_SECTION = re.compile(r"(?i)^(?:tasks|tasks\s+(?:and|&)\s+steps)\s*:?$")

_CRITICAL_SUFFIXES = (("(non-critical)", False), ("(not critical)", False),
                      ("(noncritical)", False), ("(critical)", True))


@dataclass
class _Section:
    """An open heading section: what it is and the level that ends it."""

    level: int
    candidates: list[Task] = field(default_factory=list)
    saw_task_heading: bool = False


class MarkdownReader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.diagnostics: list[Diagnostic] = []
        self.title: str | None = None
        self.goal: str | None = None
        self.goal_lines: list[str] | None = None  # collecting the paragraph under a Goal heading
        self.tasks: list[Task] = []
        self.speclets: list[Speclet] = []
        self.speclet_id_field: str | None = None
        self.task_keys: set[tuple[str | None, str]] = set()
        self.task: Task | None = None
        self.task_level = 0
        self.step: Step | None = None
        self.step_indent = -1  # -1: a heading step (its details need no indent)
        self.detail_indent: int | None = None  # indent of the step's detail bullets
        self.step_level = 0
        self.speclet: Speclet | None = None
        self.speclet_level = 0
        self.speclet_deps_open = False
        self.tasks_section: _Section | None = None

    def warn(self, line: int, message: str) -> None:
        self.diagnostics.append(
            Diagnostic(file=self.file, line=line, message=message, severity="warning")
        )

    # -- the scan ---------------------------------------------------------------------------

    def read(self, text: str) -> None:
        fence: str | None = None
        in_comment = False
        for number, raw in enumerate(text.split("\n"), start=1):
            line = raw.rstrip("\r")
            stripped = line.strip()
            if fence is not None:
                if fence_closes(stripped, fence):
                    fence = None
                continue
            if in_comment:
                in_comment = "-->" not in line
                continue
            if not stripped or (self.goal_lines and is_rule(stripped)):
                self.end_goal_paragraph(final=False)
                continue
            opened = fence_open(stripped)
            if opened is not None:
                fence = opened
                self.end_goal_paragraph(final=True)
                continue
            if stripped.startswith("<!--"):
                in_comment = "-->" not in stripped[4:]
                continue
            heading = atx_heading(stripped) if len(line) - len(line.lstrip()) <= 3 else None
            if heading is not None:
                self.on_heading(heading[0], heading[1], number)
            else:
                self.on_body(line, stripped, number)
        self.end_goal_paragraph(final=True)
        self.end_tasks_section()

    def end_goal_paragraph(self, *, final: bool) -> None:
        """Finish the Goal paragraph; blank lines right under the heading do not end it."""
        if self.goal_lines:
            self.goal = " ".join(self.goal_lines)
            self.goal_lines = None
        elif final:
            self.goal_lines = None

    def end_tasks_section(self) -> None:
        section, self.tasks_section = self.tasks_section, None
        if section is not None and not section.saw_task_heading:
            for task in section.candidates:
                self.add_task(task, task.line or 0)

    # -- headings ---------------------------------------------------------------------------

    def on_heading(self, level: int, text: str, number: int) -> None:
        self.end_goal_paragraph(final=True)
        plain = plain_text(text)
        is_goal = _GOAL_HEADING.match(plain[:60]) is not None
        if self.tasks_section is not None and level <= self.tasks_section.level:
            self.end_tasks_section()
        if self.speclet is not None and level <= self.speclet_level:
            self.speclet = None
        speclet = _SPECLET.match(plain)
        task = _TASK.match(plain)
        step = _STEP.match(plain)
        section = self.tasks_section
        if task is None and section is not None and level > section.level:
            task = _NUMBERED_HEADING.match(plain)  # "### 1. Setup" under a "## Tasks" heading
        if speclet is not None:
            self.start_speclet(speclet, level, number)
        elif task is not None and "completion gate" not in plain.lower():
            self.start_task(task, level, number)
        elif step is not None and self.task is not None:
            self.start_step(matched_id(step), step.group("title"), number, indent=-1)
            self.step_level = level
        else:
            if self.task is not None and level <= self.task_level:
                self.task = None
            if self.step is not None and (self.step_indent >= 0 or level <= self.step_level):
                self.step = None
            if is_goal and self.goal is None:
                inline = plain.split(":", 1)[1].strip() if ":" in plain else ""
                if inline:
                    self.goal = inline
                else:
                    self.goal_lines = []
            elif _TASKS_SECTION.match(plain[:40]):
                self.tasks_section = _Section(level=level)
        if level == 1 and self.title is None and not is_goal:
            self.title = re.sub(r"(?i)^spec\s*:\s*", "", plain) or None

    def start_speclet(self, match: re.Match[str], level: int, number: int) -> None:
        self.task = None
        self.step = None
        speclet_id = matched_id(match)
        title = clean_title(match.group("title"))
        existing = next((s for s in self.speclets if s.id == speclet_id), None)
        if existing is not None:  # an overview section, then the SPECLet's own section
            self.speclet = existing
            self.speclet_deps_open = not existing.depends_on
            existing.title = existing.title or title
        else:
            self.speclet = Speclet(id=speclet_id, title=title)
            self.speclets.append(self.speclet)
            self.speclet_deps_open = True
        self.speclet_level = level

    def start_task(self, match: re.Match[str], level: int, number: int) -> None:
        if self.tasks_section is not None:
            self.tasks_section.saw_task_heading = True
        self.step = None
        self.speclet_deps_open = False
        speclet_id = self.speclet.id if self.speclet is not None else None
        task = Task(id=matched_id(match), title=clean_title(match.group("title")),
                    speclet=speclet_id, line=number)
        self.task = task if self.add_task(task, number) else None
        self.task_level = level

    def add_task(self, task: Task, number: int) -> bool:
        key = (task.speclet, task.id)
        if key in self.task_keys:
            self.warn(number, f"task {task.id} appears twice; this one is ignored")
            return False
        self.task_keys.add(key)
        self.tasks.append(task)
        return True

    def start_step(self, step_id: str, title: str | None, number: int, indent: int) -> None:
        assert self.task is not None
        title = clean_title(title)
        critical: bool | None = None
        lowered = title.lower()
        for suffix, value in _CRITICAL_SUFFIXES:
            if lowered.endswith(suffix):
                title, critical = title[: -len(suffix)].rstrip(), value
                break
        self.step = Step(id=step_id, title=title, critical=critical, line=number)
        self.task.steps.append(self.step)
        self.step_indent = indent
        self.detail_indent = None

    # -- body lines -------------------------------------------------------------------------

    def on_body(self, line: str, stripped: str, number: int) -> None:
        if self.goal_lines is not None:
            item = list_item(stripped)
            self.goal_lines.append(item[2] if item is not None else stripped)
            return
        if "**" in stripped[:200]:
            self.on_fields(stripped, number)
        item = list_item(line)
        if item is None:
            self.on_paragraph(line, stripped, number)
        else:
            self.on_list_item(item[0], item[1], item[2], number)

    def on_fields(self, stripped: str, number: int) -> None:
        """Goal, SPECLet id and dependency fields, wherever they are written."""
        item = list_item(stripped)
        bare = item[2] if item is not None else stripped
        if self.goal is None:
            goal = _BOLD_GOAL.match(bare)
            if goal is not None:
                self.goal = goal.group("goal").strip()
        if self.speclet_id_field is None:
            found = _SPECLET_ID_FIELD.search(stripped[:300])
            if found is not None:
                self.speclet_id_field = found.group("v")
        if self.speclet_deps_open and self.speclet is not None:
            deps = _DEPENDS.search(stripped[:500])
            if deps is not None:
                self.speclet.depends_on = dependency_ids(deps.group("v"))
                self.speclet_deps_open = False

    def on_paragraph(self, line: str, stripped: str, number: int) -> None:
        bold_line = stripped.startswith("**") and stripped.endswith("**")
        match = _TASK.match(plain_text(stripped)) if bold_line else None
        if match is not None:
            self.start_task(match, 7, number)  # a line all in bold: deeper than any heading
            return
        step = step_match(stripped) if self.task is not None else None
        if step is not None:  # "Step 1.1: text" written as a plain line
            indent = len(line) - len(line.lstrip())
            self.start_step(matched_id(step), step.group("title"), number, indent=indent)
            return
        if self.step is None:
            return
        if self.step_indent < 0 or len(line) - len(line.lstrip()) > self.step_indent:
            self.apply_detail(stripped, number)
        else:
            self.step = None

    def on_list_item(self, indent: int, numbered: str | None, text: str, number: int) -> None:
        step = step_match(text)
        if step is not None and self.task is not None:
            self.start_step(matched_id(step), step.group("title"), number, indent=indent)
            return
        if self.step is not None and (self.step_indent < 0 or indent > self.step_indent):
            if self.detail_indent is None:
                self.detail_indent = indent
            if indent <= self.detail_indent + 1:  # deeper bullets are a detail's own content
                self.apply_detail(text, number)
            return
        if self.step is not None and indent <= self.step_indent:
            self.step = None
        section = self.tasks_section
        if section is not None and numbered is not None and indent <= 3 and self.task is None:
            title = clean_title(text)
            if title:
                speclet_id = self.speclet.id if self.speclet is not None else None
                section.candidates.append(
                    Task(id=numbered, title=title, speclet=speclet_id, line=number)
                )

    def apply_detail(self, text: str, number: int) -> None:
        assert self.step is not None
        match = _ATTRIBUTE.match(text[:2000])
        if match is None:
            return
        key = re.sub(r"\(.*?\)|[\[\]#0-9()]+", " ", match.group("key").lower()).replace("_", " ")
        key = " ".join(key.split())
        value = match.group("value").replace("**", "").strip()
        if key in ("primary method", "primary"):
            self.step.primary_method = self.step.primary_method or value
        elif key in ("backup", "backup method", "fallback"):
            self.step.backups.append(value)
        elif key in ("expected output", "output"):
            self.step.expected_output = self.step.expected_output or value
        elif key in ("critical", "critical flag"):
            flag = critical_word(value)
            if flag is None:
                self.warn(number, f"step {self.step.id}: cannot read critical value {value!r}")
            elif self.step.critical is None:
                self.step.critical = flag
        elif key == "mode":
            self.step.mode = self.step.mode or value.split("(", 1)[0].strip() or None
