"""SPEC / SPECLet markdown (+ ``parameters_<d>.toml``) → :class:`Spec`. Pure; never raises.

Forms understood (DESIGN §4, the shared corpus, Spec_Engine's templates):

* goal: a ``Goal`` heading (any level) and the paragraph under it, ``# Goal: text``, or a
  ``**Goal:** text`` line; the first one wins;
* tasks: headings ``Task 1: Name``, ``Task [1]: Name``, ``Task [0]:``, ``Task #2 - Name``,
  ``Task A:`` at any level (a leading emoji such as ``✅`` is ignored), or a line all in bold
  ``**Task 1: Name**``; a task runs until the next heading of its level or above. A heading that
  says "Completion Gate" is not a task, and list items never are (bridging lists such as
  ``- Task [1] → ...``), except under a ``Tasks`` heading whose section has no ``Task`` heading:
  there ``### 1. Setup`` headings or a numbered list (``1. Build the canvas``) are the tasks;
* steps: headings ``Step 1.1: Name`` / ``Step [1]: Name`` inside a task, bullets (or plain
  lines) ``- **Step [1]:** text`` / ``- **Step 1.1:** text``, and compact ones
  ``- Step 1.1: text (critical)``; details as bullets under the step (indented under a bullet
  step; bullets nested deeper than the first detail are its content, not details):
  ``**Primary method:**``, ``**Backup [n]:**``, ``**Expected output:**``,
  ``**Critical:** true|false``, ``**Mode:**``; the first value wins, backups accumulate;
* SPECLets: a ``SPECLet [id]: Title`` / ``SPEClet 2: Title`` heading; tasks below it (deeper
  headings) belong to it; ``**Depends On:** [...]`` / ``**Dependencies:** [0]`` lines give its
  dependencies. A ``speclet_<d>.md`` file always yields one SPECLet (id from its heading, its
  ``**SPEClet ID:**`` line, or its descriptor);
* fenced code (``` or ~~~, closed or not) and HTML comments are skipped entirely.

``parameters_<d>.toml`` is joined by task id (``[[tasks]]``, or ``[[speclets.tasks]]`` by SPECLet
and task id; steps by id, or by position when the two files number steps differently but have
as many) and only fills what the markdown lacks: critical flags (``critical_flag``/``critical``),
backups (``[[...backups]]``, ``backup_1 = ...``, ``backup_methods``), expected outputs, modes,
titles, SPECLet dependencies (names of SPECLets are turned into their ids). Disagreements
become warnings; invalid TOML is an error naming the parameters file and line, and the
markdown is still used.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field

from kanbanger_daemon.core.files import base_name, classify
from kanbanger_daemon.core.progress import capped
from kanbanger_daemon.errors import InputError
from kanbanger_daemon.models.spec import Diagnostic, Spec, Speclet, Step, Task

MAX_INPUT_BYTES = 5 * 1024 * 1024
"""Largest spec/parameters/progress file the daemon reads (5 MiB). The filesystem edge checks
the size before reading; ``decode_text`` and the parsers refuse anything longer as well."""

_SEP = r"\s*(?:[:.)\-\u2013\u2014]\s*(?P<title>.*))?$"
_TASK = re.compile(
    r"(?i)^task\s*#?\s*(?:\[\s*(?P<bid>[\w.\-]{1,40})\s*\]|(?P<id>\d+(?:\.\d+)*[a-z]?)"
    r"|(?P<letter>[A-Z])(?=\s*[:.)\-\u2013\u2014]))" + _SEP
)
_STEP = re.compile(
    r"(?i)^step\s*#?\s*(?:\[\s*(?P<bid>[\w.\-]{1,40})\s*\]|(?P<id>\d+(?:\.\d+)*[a-z]?))" + _SEP
)
_SPECLET = re.compile(
    r"(?i)^speclet\s*(?:\[\s*(?P<bid>[\w.\-]{1,60})\s*\]|(?P<id>\d[\w.\-]{0,59}))" + _SEP
)
_BOLD_STEP = re.compile(
    r"(?i)^\*\*step\s*#?\s*(?:\[\s*(?P<bid>[\w.\-]{1,40})\s*\]|(?P<id>\d+(?:\.\d+)*[a-z]?))"
    r"\s*[:.)\-\u2013\u2014]?\s*\*\*\s*[:.)\-\u2013\u2014]?\s*(?P<title>.*)$"
)
_COMPACT_STEP = re.compile(
    r"(?i)^step\s*#?\s*(?:\[\s*(?P<bid>[\w.\-]{1,40})\s*\]|(?P<id>\d+(?:\.\d+)*[a-z]?))"
    r"\s*[:.)\-\u2013\u2014]\s*(?P<title>.+)$"
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
_DEP_TOKEN = re.compile(r"^[\w.\-]{1,60}$")

_CRITICAL_SUFFIXES = (("(non-critical)", False), ("(not critical)", False),
                      ("(noncritical)", False), ("(critical)", True))
_TRUE_WORDS = frozenset({"true", "yes", "y", "critical", "1"})
_FALSE_WORDS = frozenset({"false", "no", "n", "non-critical", "noncritical", "0", "optional"})


# ---------------------------------------------------------------------------------------------
# bytes → str


def decode_text(data: bytes, *, file: str) -> str:
    """UTF-8 (a BOM is allowed and dropped) → str, or :class:`InputError` naming the file.

    Refused: more than ``MAX_INPUT_BYTES``, UTF-16/32 text, binary content (a NUL byte), bytes
    that are not UTF-8 (the error gives the byte offset and line).
    """
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"too large: {len(data)} bytes (limit {MAX_INPUT_BYTES})", file=file)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("UTF-16/32 text is not supported: save the file as UTF-8", file=file)
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise InputError(f"binary content (NUL byte at byte offset {nul})", file=file, line=line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise InputError(
            f"not UTF-8: byte 0x{bad} at byte offset {exc.start}", file=file, line=line
        ) from None


# ---------------------------------------------------------------------------------------------
# line helpers (no regex where a long line could make one slow)


def _heading(stripped: str) -> tuple[int, str] | None:
    """``"## Task 1 ##"`` → ``(2, "Task 1")``; None when the line is not an ATX heading."""
    level = len(stripped) - len(stripped.lstrip("#"))
    if not 1 <= level <= 6:
        return None
    rest = stripped[level:]
    if rest and rest[0] not in " \t":
        return None
    text = rest.strip()
    closed = text.rstrip("#")
    if closed != text and (not closed or closed[-1] in " \t"):
        text = closed.rstrip()
    return (level, text)


def _fence_open(stripped: str) -> str | None:
    """The fence marker (e.g. ``"````"``) a line opens, or None."""
    char = stripped[:1]
    if char not in ("`", "~"):
        return None
    run = len(stripped) - len(stripped.lstrip(char))
    if run < 3 or (char == "`" and "`" in stripped[run:]):
        return None
    return char * run


def _fence_closes(stripped: str, fence: str) -> bool:
    return stripped.startswith(fence) and not stripped.lstrip(fence[0]).strip()


def _list_item(line: str) -> tuple[int, str | None, str] | None:
    """``(indent, number or None, text)`` of a list item line, checkbox removed; else None."""
    rest = line.lstrip(" \t")
    indent = len(line) - len(rest)
    number: str | None = None
    if rest[:1] in ("-", "*", "+") and rest[1:2] in (" ", "\t"):
        text = rest[2:].strip()
    else:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        if not 1 <= digits <= 9 or rest[digits : digits + 1] not in (".", ")"):
            return None
        if rest[digits + 1 : digits + 2] not in (" ", "\t"):
            return None
        text, number = rest[digits + 2 :].strip(), str(int(rest[:digits]))
    if text[:3].lower() in ("[ ]", "[x]"):
        text = text[3:].strip()
    return (indent, number, text)


def _is_rule(stripped: str) -> bool:
    """A thematic break (``---``, ``***``, ``___``)."""
    return len(stripped) >= 3 and not stripped.strip("-*_ \t")


def _plain(text: str) -> str:
    """Heading text without emphasis, code markers or leading symbols (``✅ Task 1``)."""
    text = text.replace("**", "").replace("__", "").replace("`", "").strip()
    return text.lstrip("".join(c for c in text[:8] if not (c.isalnum() or c in "[_"))).strip()


def _matched_id(match: re.Match[str]) -> str:
    groups = match.groupdict()
    return next(g for g in (groups.get("bid"), groups.get("id"), groups.get("letter")) if g)


def _step_match(text: str) -> re.Match[str] | None:
    """``**Step [1]:** text`` or ``Step 1.1: text`` (a list item's or a line's text)."""
    if text.startswith("**"):
        return _BOLD_STEP.match(text)
    return _COMPACT_STEP.match(text) if text[:4].lower() == "step" else None


def _clean_title(text: str | None) -> str:
    return (text or "").replace("**", "").strip().rstrip(":").strip()


def _critical_word(value: str) -> bool | None:
    word = value.replace("*", "").strip().split(" ", 1)[0].strip("().,;").lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


def _dependencies(value: str) -> list[str]:
    """``"[0]"``, ``"`["a", "b"]`"``, ``"None (Foundation)"``, ``"SPEClet 0, 1"`` → ids."""
    value = value.replace("`", "").strip()
    if "[" in value and "]" in value:
        value = value[value.index("[") + 1 : value.index("]")] if value.index("[") < value.index(
            "]") else ""
    else:
        value = value.split("(", 1)[0]
    found: list[str] = []
    for token in re.split(r",|\band\b", value):
        token = token.strip().strip("'\"").strip()
        token = re.sub(r"(?i)^speclets?\s+", "", token)
        if token.lower() in ("", "none", "n/a", "-") or not _DEP_TOKEN.match(token):
            continue
        found.append(token)
    return found


# ---------------------------------------------------------------------------------------------
# markdown reader


@dataclass
class _Section:
    """An open heading section: what it is and the level that ends it."""

    level: int
    candidates: list[Task] = field(default_factory=list)
    saw_task_heading: bool = False


class _MarkdownReader:
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
                if _fence_closes(stripped, fence):
                    fence = None
                continue
            if in_comment:
                in_comment = "-->" not in line
                continue
            if not stripped or (self.goal_lines and _is_rule(stripped)):
                self.end_goal_paragraph(final=False)
                continue
            opened = _fence_open(stripped)
            if opened is not None:
                fence = opened
                self.end_goal_paragraph(final=True)
                continue
            if stripped.startswith("<!--"):
                in_comment = "-->" not in stripped[4:]
                continue
            heading = _heading(stripped) if len(line) - len(line.lstrip()) <= 3 else None
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
        plain = _plain(text)
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
            self.start_step(_matched_id(step), step.group("title"), number, indent=-1)
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
        speclet_id = _matched_id(match)
        title = _clean_title(match.group("title"))
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
        task = Task(id=_matched_id(match), title=_clean_title(match.group("title")),
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
        title = _clean_title(title)
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
            item = _list_item(stripped)
            self.goal_lines.append(item[2] if item is not None else stripped)
            return
        if "**" in stripped[:200]:
            self.on_fields(stripped, number)
        item = _list_item(line)
        if item is None:
            self.on_paragraph(line, stripped, number)
        else:
            self.on_list_item(item[0], item[1], item[2], number)

    def on_fields(self, stripped: str, number: int) -> None:
        """Goal, SPECLet id and dependency fields, wherever they are written."""
        item = _list_item(stripped)
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
                self.speclet.depends_on = _dependencies(deps.group("v"))
                self.speclet_deps_open = False

    def on_paragraph(self, line: str, stripped: str, number: int) -> None:
        bold_line = stripped.startswith("**") and stripped.endswith("**")
        match = _TASK.match(_plain(stripped)) if bold_line else None
        if match is not None:
            self.start_task(match, 7, number)  # a line all in bold: deeper than any heading
            return
        step = _step_match(stripped) if self.task is not None else None
        if step is not None:  # "Step 1.1: text" written as a plain line
            indent = len(line) - len(line.lstrip())
            self.start_step(_matched_id(step), step.group("title"), number, indent=indent)
            return
        if self.step is None:
            return
        if self.step_indent < 0 or len(line) - len(line.lstrip()) > self.step_indent:
            self.apply_detail(stripped, number)
        else:
            self.step = None

    def on_list_item(self, indent: int, numbered: str | None, text: str, number: int) -> None:
        step = _step_match(text)
        if step is not None and self.task is not None:
            self.start_step(_matched_id(step), step.group("title"), number, indent=indent)
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
            title = _clean_title(text)
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
            flag = _critical_word(value)
            if flag is None:
                self.warn(number, f"step {self.step.id}: cannot read critical value {value!r}")
            elif self.step.critical is None:
                self.step.critical = flag
        elif key == "mode":
            self.step.mode = self.step.mode or value.split("(", 1)[0].strip() or None


# ---------------------------------------------------------------------------------------------
# parameters TOML join


def _toml_id(value: object) -> str | None:
    """A TOML id as the markdown writes it: ``1`` → ``"1"``, ``"task_1"`` → ``"1"``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        text = value.strip()[:60]
        match = re.match(r"(?i)^(?:task|step)[\s_\-]*(\d+)$", text)
        return match.group(1) if match else text
    return None


def _toml_text(entry: dict[str, object], *keys: str) -> str | None:
    for key in keys:
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _toml_backups(entry: dict[str, object]) -> list[str]:
    """``[[tasks.steps.backups]]`` tables, a list of strings, or ``backup_1 = "..."`` keys."""
    backups: list[str] = []
    listed = entry.get("backups")
    if isinstance(listed, list):
        for backup in listed:
            if isinstance(backup, dict):
                text = _toml_text(backup, "description", "method", "name") or "backup"
                backups.append(text)
            elif isinstance(backup, str):
                backups.append(backup)
    for key in ("backup_methods", "backup_options"):
        methods = entry.get(key)
        if isinstance(methods, list):
            backups.extend(m for m in methods if isinstance(m, str))
    numbered = sorted(
        (int(k[7:]), v) for k, v in entry.items()
        if re.fullmatch(r"backup_\d{1,3}", k) and isinstance(v, str)
    )
    backups.extend(v for _, v in numbered)
    return backups


def _tables(value: object) -> list[dict[str, object]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _step_key(step_id: str) -> str:
    return step_id.rsplit(".", 1)[-1]


class _ParametersJoin:
    def __init__(self, spec: Spec, parameters_file: str) -> None:
        self.spec = spec
        self.file = parameters_file

    def warn(self, message: str) -> None:
        self.spec.diagnostics.append(
            Diagnostic(file=self.file, message=message, severity="warning")
        )

    def run(self, text: str) -> None:
        if len(text) > MAX_INPUT_BYTES:
            self.spec.diagnostics.append(Diagnostic(
                file=self.file, message=f"too large: {len(text)} characters; not used"))
            return
        try:
            data = tomllib.loads(text.removeprefix("\ufeff"))
        except tomllib.TOMLDecodeError as exc:
            found = re.search(r"line (\d+)", str(exc))
            line = int(found.group(1)) if found else None
            self.spec.diagnostics.append(Diagnostic(
                file=self.file, line=line, message=f"invalid TOML: {exc}; parameters not used"))
            return
        except RecursionError:
            self.spec.diagnostics.append(Diagnostic(
                file=self.file, message="invalid TOML: nested too deeply; parameters not used"))
            return
        self.join_tasks(_tables(data.get("tasks")))
        self.join_speclet_tasks(_tables(data.get("speclets")))
        self.join_speclets(data)

    def join_tasks(self, tables: list[dict[str, object]]) -> None:
        if not tables:
            return
        by_id: dict[str, dict[str, object]] = {}
        for table in tables:
            task_id = _toml_id(table.get("id"))
            if task_id is None:
                self.warn("a [[tasks]] entry has no id; ignored")
            else:
                by_id.setdefault(task_id, table)
        if not self.spec.tasks:
            self.warn("the markdown has no tasks; tasks taken from the parameters")
            for task_id, table in by_id.items():
                title = _toml_text(table, "name", "title", "description") or f"Task {task_id}"
                self.spec.tasks.append(Task(id=task_id, title=title))
        joined: set[str] = set()
        for task in self.spec.tasks:
            entry = by_id.get(task.id)
            if entry is None:
                self.warn(f"task {task.id} of the markdown has no [[tasks]] entry")
                continue
            joined.add(task.id)
            if not task.title:
                task.title = _toml_text(entry, "name", "title", "description") or task.title
            self.join_steps(task, _tables(entry.get("steps")))
        for task_id in by_id:
            if task_id not in joined:
                self.warn(f"[[tasks]] id {task_id} has no task in the markdown; ignored")

    def join_speclet_tasks(self, speclets: list[dict[str, object]]) -> None:
        """``[[speclets.tasks]]`` tables, joined to the markdown's tasks of the same SPECLet."""
        for speclet in speclets:
            speclet_id = _toml_id(speclet.get("id"))
            for table in _tables(speclet.get("tasks")):
                task_id = _toml_id(table.get("id"))
                if speclet_id is None or task_id is None:
                    continue
                ids = (task_id, f"{speclet_id}.{task_id}")
                for task in self.spec.tasks:
                    if task.speclet == speclet_id and task.id in ids:
                        if not task.title:
                            task.title = _toml_text(table, "name", "title", "description") or ""
                        self.join_steps(task, _tables(table.get("steps")))

    def join_steps(self, task: Task, tables: list[dict[str, object]]) -> None:
        if not tables:
            return
        if not task.steps:
            for position, table in enumerate(tables, start=1):
                step_id = _toml_id(table.get("id")) or str(position)
                title = _toml_text(table, "name", "title", "description") or f"Step {step_id}"
                task.steps.append(Step(id=step_id, title=title))
        md_keys = [_step_key(s.id) for s in task.steps]
        toml_keys = [_toml_id(t.get("id")) for t in tables]
        if sorted(md_keys) != sorted(k or "" for k in toml_keys) and len(tables) == len(
            task.steps
        ):
            pairs = list(zip(task.steps, tables, strict=True))  # numbered differently: by order
        else:
            by_key = {k: t for k, t in zip(toml_keys, tables, strict=True) if k is not None}
            pairs = [(s, by_key[_step_key(s.id)]) for s in task.steps if _step_key(s.id) in by_key]
            if len(pairs) != len(task.steps) or len(pairs) != len(tables):
                self.warn(f"task {task.id}: steps differ between the markdown and the parameters")
        for step, table in pairs:
            self.fill_step(task, step, table)

    def fill_step(self, task: Task, step: Step, table: dict[str, object]) -> None:
        flag = table.get("critical_flag", table.get("critical"))
        if isinstance(flag, bool):
            if step.critical is None:
                step.critical = flag
            elif step.critical != flag:
                self.warn(
                    f"task {task.id} step {step.id}: critical is {str(step.critical).lower()} in "
                    f"the markdown but {str(flag).lower()} in the parameters; the markdown wins"
                )
        if not step.backups:
            step.backups = _toml_backups(table)
        step.expected_output = step.expected_output or _toml_text(table, "expected_output")
        step.mode = step.mode or _toml_text(table, "mode")
        step.primary_method = step.primary_method or _toml_text(table, "primary_method")
        if not step.title:
            step.title = _toml_text(table, "name", "title", "description") or step.title

    def join_speclets(self, data: dict[str, object]) -> None:
        for table in _tables(data.get("speclets")):
            speclet_id = _toml_id(table.get("id"))
            if speclet_id is None:
                continue
            deps = table.get("depends_on", table.get("dependencies"))
            depends_on = [d for d in (_toml_id(v) for v in deps) if d] if isinstance(
                deps, list) else []
            existing = next((s for s in self.spec.speclets if s.id == speclet_id), None)
            if existing is None:
                title = _toml_text(table, "name", "title", "description") or speclet_id
                self.spec.speclets.append(
                    Speclet(id=speclet_id, title=title, depends_on=depends_on))
            elif not existing.depends_on:
                existing.depends_on = depends_on
        section = data.get("dependencies")
        if len(self.spec.speclets) == 1 and isinstance(section, dict):
            deps = section.get("speclet_dependencies")
            only = self.spec.speclets[0]
            if isinstance(deps, list) and not only.depends_on:
                only.depends_on = [d for d in (_toml_id(v) for v in deps) if d]
        # Dependencies may name a SPECLet ("platform_foundation") whose id is a number.
        ids_by_name = {
            name: speclet_id
            for table in _tables(data.get("speclets"))
            if (name := _toml_text(table, "name")) and (speclet_id := _toml_id(table.get("id")))
        }
        for speclet in self.spec.speclets:
            named = [ids_by_name.get(d, d) for d in speclet.depends_on]
            speclet.depends_on = list(dict.fromkeys(named))


# ---------------------------------------------------------------------------------------------
# entry point


def _file_speclet(reader: _MarkdownReader, descriptor: str) -> Speclet:
    """The SPECLet a ``speclet_<d>.md`` file is, when no SPECLet heading said so."""
    speclet_id = reader.speclet_id_field or descriptor.split("_", 1)[0]
    return Speclet(id=speclet_id, title=reader.title or descriptor)


def parse_spec(
    text: str,
    *,
    file: str,
    parameters: str | None = None,
    parameters_file: str | None = None,
) -> Spec:
    """Parse a spec/speclet markdown file, joined with its parameters TOML when given.

    Never raises on any ``str`` input: problems become diagnostics (file + line). A spec without
    any task is an error (a half-written file must not empty a board).
    """
    name = base_name(file)
    kind, descriptor = classify(name)
    spec = Spec(file=file, descriptor=descriptor or name.rsplit(".", 1)[0])
    try:
        _parse_into(spec, text, kind, parameters, parameters_file)
    except Exception as exc:  # last line of defence: the contract is "never raises"
        spec.diagnostics.append(
            Diagnostic(file=file, message=f"could not read the spec: {type(exc).__name__}")
        )
    spec.diagnostics = capped(spec.diagnostics)
    return spec


def _parse_into(
    spec: Spec, text: str, kind: str, parameters: str | None, parameters_file: str | None
) -> None:
    if len(text) > MAX_INPUT_BYTES:
        spec.diagnostics.append(Diagnostic(
            file=spec.file, message=f"too large: {len(text)} characters (limit {MAX_INPUT_BYTES})"))
        return
    if not text.strip():
        spec.diagnostics.append(Diagnostic(file=spec.file, line=1, message="empty file"))
        return
    reader = _MarkdownReader(spec.file)
    reader.read(text.removeprefix("\ufeff"))
    spec.title, spec.goal = reader.title, reader.goal
    spec.tasks, spec.speclets = reader.tasks, reader.speclets
    spec.diagnostics.extend(reader.diagnostics)
    if kind == "speclet" and not spec.speclets:
        spec.speclets.append(_file_speclet(reader, spec.descriptor))
        for task in spec.tasks:
            task.speclet = task.speclet or spec.speclets[0].id
    if parameters is not None:
        params_name = parameters_file or f"parameters_{spec.descriptor}.toml"
        _ParametersJoin(spec, params_name).run(parameters)
    if not spec.tasks:
        spec.diagnostics.append(Diagnostic(file=spec.file, message="no tasks found"))
    for task in spec.tasks:
        if not task.title:
            spec.diagnostics.append(Diagnostic(
                file=spec.file, line=task.line, message=f"task {task.id} has no title",
                severity="warning"))
