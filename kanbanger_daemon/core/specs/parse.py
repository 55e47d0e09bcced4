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

from kanbanger_daemon.core.specs.decode import MAX_INPUT_BYTES
from kanbanger_daemon.core.specs.diagnostics import capped
from kanbanger_daemon.core.specs.files import base_name, classify
from kanbanger_daemon.core.specs.markdown import MarkdownReader
from kanbanger_daemon.core.specs.parameters import join_parameters
from kanbanger_daemon.models.spec import Diagnostic, Spec, Speclet


def _file_speclet(reader: MarkdownReader, descriptor: str) -> Speclet:
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
    any task yet is a normal state (a SPEC being written): one ``note``, and a board with no
    generated cards. An empty file is an error, so a file caught half-written (truncated by an
    editor's save) never empties a board.
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
    reader = MarkdownReader(spec.file)
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
        join_parameters(spec, parameters, file=params_name)
    if not spec.tasks:
        spec.diagnostics.append(Diagnostic(
            file=spec.file, severity="note",
            message="no tasks yet: the board shows no generated cards until the SPEC has some"))
    for task in spec.tasks:
        if not task.title.strip():
            spec.diagnostics.append(Diagnostic(
                file=spec.file, line=task.line, severity="warning",
                message=f"task {task.id} has no title: it gets no card until it has one"))
