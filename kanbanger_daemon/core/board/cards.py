"""Card texts the daemon generates, and the stable identity read back from them.

A generated card reads (prefix only on the single root board, notes only when progress says so)::

    [analysis] Task 1: Data Collection (SPEC: spec_analysis.md) [BLOCKED] (used Backup #1)
    Step 1.2: Clean the data (SPEC: spec_analysis.md)
    SPECLet 2: Define (SPEC: spec_analysis.md) [WAITING on 0, 1]

Its identity is ``spec_analysis.md#1`` (``#1.2`` for a step, ``#speclet:2`` for a SPECLet),
with ``analysis/`` in front when prefixed. The identity ignores the title and the notes, so a
renamed or blocked task keeps its card (and its GitHub item); text a person appends after the
SPEC reference does not make it a second card either (the next plan rewrites the text). A card
that does not start ``[prefix] Kind id: … (SPEC: file)`` is hand-written: its identity is None.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from kanbanger_daemon.core.board.text import without_controls
from kanbanger_daemon.models.board import BoardOptions, ColumnKind, ColumnMapping, Layout, SpecInput
from kanbanger_daemon.models.spec import Spec, Speclet, Status, Task, TaskProgress

_ID_UNSAFE = re.compile(r"[\s:()\[\]#/]+")
_FILE_UNSAFE = re.compile(r"[\s()\[\]#/]+")
_PREFIX_UNSAFE = re.compile(r"[\s\[\]/#]+")

_IDENTITY_RE = re.compile(
    r"^(?:\[(?P<prefix>[^\[\]\s/#]+)\]\s+)?"
    r"(?P<kind>Task|Step|SPECLet)\s+(?P<id>[^\s:()\[\]#/]+):\s"
    # The last SPEC reference counts; whatever follows it (our notes, or words a person added)
    # does not change whose card it is, so that editing a card never duplicates it.
    r".*\(SPEC:\s(?P<file>[^\s()\[\]#/]+)\)"
)

BLOCKED_NOTE = "[BLOCKED]"
SKIPPED_NOTE = "[SKIPPED]"
EXHAUSTED_NOTE = "(backups exhausted)"


def one_line(text: str) -> str:
    """Collapse every run of whitespace (newlines included) to one space: a card is one line."""
    return " ".join(text.split())


def safe_id(raw: str) -> str:
    """An id as it can stand in a card text and be read back unambiguously."""
    return _ID_UNSAFE.sub("_", without_controls(raw).strip()) or "_"


def safe_file(raw: str) -> str:
    return _FILE_UNSAFE.sub("_", without_controls(raw).strip()) or "_"


def safe_prefix(raw: str) -> str:
    return _PREFIX_UNSAFE.sub("_", without_controls(raw).strip()) or "_"


def backup_note(number: int) -> str:
    return f"(used Backup #{number})"


def waiting_note(dependencies: Sequence[str]) -> str:
    return f"[WAITING on {', '.join(safe_id(d) for d in dependencies)}]"


def generated_card_text(
    kind: str,
    item_id: str,
    title: str,
    spec_file: str,
    *,
    prefix: str | None = None,
    notes: Sequence[str] = (),
) -> str:
    """The text of a generated card. ``kind`` is ``Task``, ``Step`` or ``SPECLet``."""
    head = f"[{safe_prefix(prefix)}] " if prefix is not None else ""
    name = one_line(without_controls(title)) or "(untitled)"
    tail = "".join(f" {note}" for note in notes)
    return f"{head}{kind} {safe_id(item_id)}: {name} (SPEC: {safe_file(spec_file)}){tail}"


def identity_of(
    kind: str, item_id: str, spec_file: str, *, prefix: str | None = None
) -> str:
    """The identity ``generated_card_text`` with the same arguments reads back as."""
    head = f"{safe_prefix(prefix)}/" if prefix is not None else ""
    local = f"speclet:{safe_id(item_id)}" if kind == "SPECLet" else safe_id(item_id)
    return f"{head}{safe_file(spec_file)}#{local}"


def card_identity(text: str) -> str | None:
    """The stable key of a generated card, from its text; None for a hand-written card."""
    match = _IDENTITY_RE.match(one_line(text))
    if not match:
        return None
    return identity_of(
        match.group("kind"), match.group("id"), match.group("file"), prefix=match.group("prefix")
    )


def hand_card_key(text: str, occurrence: int) -> str:
    """A key for a hand-written card: a hash of its text plus which same-text card it is (0-based).

    Hand cards have no identity of their own; two cards with the same text are told apart by
    their order on the board.
    """
    digest = hashlib.sha256(one_line(text).encode("utf-8")).hexdigest()[:16]
    return f"hand:{digest}:{occurrence}"


# ---------------------------------------------------------------------------------------------
# Which generated cards a set of SPECs calls for (consumed by core.board.plan.plan_board).
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Wanted:
    """A generated card the SPECs call for.

    ``target`` None: stay where it is (a new card enters TODO); ``checked`` None: leave the box as
    it is; ``review_gate``: finished work that waits in REVIEW when the board has that column.
    """

    identity: str
    text: str
    target: ColumnKind | None
    checked: bool | None
    review_gate: bool = False


_PLACEMENT: dict[Status | None, tuple[ColumnKind | None, bool | None, bool]] = {
    None: (None, None, False),
    Status.PENDING: (None, None, False),
    Status.IN_PROGRESS: (ColumnKind.DOING, False, False),
    Status.COMPLETED: (ColumnKind.DONE, True, True),
    Status.BLOCKED: (ColumnKind.BLOCKED, False, False),
    Status.FAILED: (ColumnKind.BLOCKED, False, False),
    Status.SKIPPED: (ColumnKind.DONE, False, False),
}


def _status_notes(status: Status | None, backup: int | None, exhausted: bool) -> list[str]:
    notes: list[str] = []
    if status in (Status.BLOCKED, Status.FAILED):
        notes.append(BLOCKED_NOTE)
    if status is Status.FAILED and exhausted:
        notes.append(EXHAUSTED_NOTE)
    if status is Status.SKIPPED:
        notes.append(SKIPPED_NOTE)
    if backup is not None and backup > 0:
        notes.append(backup_note(backup))
    return notes


def _task_backup(progress: TaskProgress) -> int | None:
    if progress.backup_used is not None:
        return progress.backup_used
    used = [s.backup_used for s in progress.steps if s.backup_used is not None]
    return max(used) if used else None


def step_full_id(task_id: str, step_id: str) -> str:
    """``1.2`` for step ``2`` (or ``1.2``) of task ``1``."""
    return step_id if step_id.startswith(f"{task_id}.") else f"{task_id}.{step_id}"


def _derived_status(statuses: Sequence[Status | None]) -> Status | None:
    """The status of a parent (SPECLet) from its tasks'."""
    if statuses and all(s in (Status.COMPLETED, Status.SKIPPED) for s in statuses):
        return Status.COMPLETED
    if any(s in (Status.BLOCKED, Status.FAILED) for s in statuses):
        return Status.BLOCKED
    if any(s in (Status.IN_PROGRESS, Status.COMPLETED) for s in statuses):
        return Status.IN_PROGRESS
    return None


@dataclass
class _Builder:
    options: BoardOptions
    wanted: list[Wanted]
    seen: set[str]

    def add(self, kind: str, item_id: str, title: str, file: str, prefix: str | None,
            status: Status | None, notes: list[str], *, target: ColumnKind | None = None) -> None:
        identity = identity_of(kind, item_id, file, prefix=prefix)
        if identity in self.seen:  # a duplicate id in the SPEC: the first one wins
            return
        self.seen.add(identity)
        place, checked, gate = _PLACEMENT[status]
        mirrored = self.options.column_mapping is ColumnMapping.EXECUTION_STATE
        if status is Status.PENDING and mirrored:
            # The execution-state mapping mirrors the log: a task it calls pending is in TODO.
            place, checked = ColumnKind.TODO, False
        if target is not None:
            place, checked, gate = target, False, False
        text = generated_card_text(kind, item_id, title, file, prefix=prefix, notes=notes)
        self.wanted.append(Wanted(identity, text, place, checked, gate))

    def task(self, spec: Spec, task: Task, prefix: str | None,
             progress: TaskProgress | None, waiting: Sequence[str] = ()) -> None:
        if not one_line(task.title):
            return  # a heading still being written: reported by the parser, no card until named
        status = progress.status if progress else None
        notes = (
            _status_notes(status, _task_backup(progress), progress.backups_exhausted)
            if progress
            else []
        )
        if waiting and status in (None, Status.PENDING):
            # Its SPECLet cannot start yet: it waits in BACKLOG, saying on what.
            self.add("Task", task.id, task.title, spec.file, prefix, None,
                     [*notes, waiting_note(waiting)], target=ColumnKind.BACKLOG)
        else:
            self.add("Task", task.id, task.title, spec.file, prefix, status, notes)
        if not (self.options.include_steps
                or self.options.column_mapping is ColumnMapping.HIERARCHICAL):
            return
        step_progress = {s.id: s for s in progress.steps} if progress else {}
        for step in task.steps:
            full = step_full_id(task.id, step.id)
            local = full[len(task.id) + 1 :]
            sp = step_progress.get(step.id) or step_progress.get(full) or step_progress.get(local)
            s_status = sp.status if sp else None
            if s_status is None and status in (Status.COMPLETED, Status.SKIPPED):
                s_status = status  # a finished task's steps are finished too
            s_notes = _status_notes(s_status, sp.backup_used if sp else None, False)
            self.add("Step", full, step.title, spec.file, prefix, s_status, s_notes)


def _task_status(item: SpecInput, task: Task) -> Status | None:
    if item.progress is None:
        return None
    tp = item.progress.tasks.get(task.id)
    return tp.status if tp else None


def _speclet_statuses(inputs: Sequence[SpecInput]) -> dict[str, Status | None]:
    """Each SPECLet's status, derived from its tasks across every input."""
    members: dict[str, list[Status | None]] = {}
    for item in inputs:
        only = item.spec.speclets[0].id if len(item.spec.speclets) == 1 else None
        for task in item.spec.tasks:
            owner = task.speclet or only
            if owner is not None:
                members.setdefault(owner, []).append(_task_status(item, task))
    return {sid: _derived_status(statuses) for sid, statuses in members.items()}


def _waiting_on(speclet: Speclet, statuses: dict[str, Status | None]) -> list[str]:
    """The dependencies of a SPECLet that are known here and not complete yet.

    A dependency no input describes (another file's SPECLet on a per-SPEC board) is not known,
    so it does not hold the SPECLet back: only the master board sees every SPECLet.
    """
    return [
        d for d in speclet.depends_on
        if d != speclet.id and d in statuses and statuses[d] is not Status.COMPLETED
    ]


def namespace_of(item: SpecInput, options: BoardOptions) -> tuple[str | None, str]:
    """``(card prefix, identity namespace)`` of one input under ``options``."""
    prefix = (item.name or item.spec.descriptor) if options.layout is Layout.SINGLE else None
    file = safe_file(item.spec.file)
    return prefix, (f"{safe_prefix(prefix)}/{file}" if prefix is not None else file)


def board_namespaces(
    inputs: Sequence[SpecInput], options: BoardOptions
) -> list[tuple[str | None, str]]:
    """Each input's (card prefix, identity namespace) on one board. Two SPECs with the same
    name (same file name in two folders) are numbered, the later ones ``name~2``, … so that
    neither loses its cards; stable for a stable input order."""
    namespaces: set[str] = set()
    out: list[tuple[str | None, str]] = []
    for item in inputs:
        prefix, namespace = namespace_of(item, options)
        if prefix is not None and namespace in namespaces:
            base, n = prefix, 2
            while namespace in namespaces:
                prefix, namespace = namespace_of(
                    item.model_copy(update={"name": f"{base}~{n}"}), options)
                n += 1
        namespaces.add(namespace)
        out.append((prefix, namespace))
    return out


def wanted_cards(
    inputs: Sequence[SpecInput], options: BoardOptions
) -> tuple[list[Wanted], set[str]]:
    """The generated cards, in SPEC order (parents before children), and the identity
    namespaces they live in (cards of other namespaces are not ours to touch)."""
    builder = _Builder(options=options, wanted=[], seen=set())
    hierarchical = options.column_mapping is ColumnMapping.HIERARCHICAL
    speclet_status = _speclet_statuses(inputs)
    named = board_namespaces(inputs, options)
    namespaces = {namespace for _prefix, namespace in named}
    for item, (prefix, _namespace) in zip(inputs, named, strict=True):
        spec = item.spec
        progress = item.progress.tasks if item.progress else {}
        groups: list[tuple[str | None, list[Task]]] = []
        if hierarchical and spec.speclets:
            only = spec.speclets[0].id if len(spec.speclets) == 1 else None
            known = {s.id for s in spec.speclets}
            for speclet in spec.speclets:
                groups.append((speclet.id, [t for t in spec.tasks
                                            if (t.speclet or only) == speclet.id]))
            groups.append((None, [t for t in spec.tasks if (t.speclet or only) not in known]))
        else:
            groups.append((None, list(spec.tasks)))
        titles = {s.id: s for s in spec.speclets}
        only_speclet = spec.speclets[0].id if len(spec.speclets) == 1 else None
        for speclet_id, tasks in groups:
            if speclet_id is not None:
                speclet = titles[speclet_id]
                status = speclet_status.get(speclet_id)
                waiting = _waiting_on(speclet, speclet_status)
                if waiting and status is None:
                    builder.add("SPECLet", speclet_id, speclet.title, spec.file, prefix, None,
                                [waiting_note(waiting)], target=ColumnKind.BACKLOG)
                else:
                    builder.add("SPECLet", speclet_id, speclet.title, spec.file, prefix, status,
                                _status_notes(status, None, False))
            for task in tasks:
                owner = titles.get(task.speclet or only_speclet or "")
                waiting = _waiting_on(owner, speclet_status) if owner else []
                builder.task(spec, task, prefix, progress.get(task.id), waiting)
    return builder.wanted, namespaces
