"""The local half of a reconcile: read a board's inputs, plan, write ``_kanban.md`` safely.

Level-triggered: everything is read afresh from disk; no event content is trusted. Reads are
guarded (size cap, symlinks that leave the workspace, files changing while read). A board that
reads empty, missing or undecodable where it held cards is not planned from until it settles
(see :mod:`~kanbanger_daemon.boards.board_memory`), and the write is a compare-and-swap that
checks the board again after the swap (:func:`~kanbanger_daemon.boards.atomic.
replace_if_unchanged`): a person's save is never written over. Used by the daemon and by the
one-shot commands alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kanbanger_daemon.boards.atomic import FileIdentity, Snapshot, replace_if_unchanged
from kanbanger_daemon.boards.board_lock import board_lock
from kanbanger_daemon.boards.board_memory import BoardMemory
from kanbanger_daemon.boards.own_writes import OwnWrites
from kanbanger_daemon.boards.workspace import (
    ROOT_KEY,
    BoardKey,
    board_path,
    folders_of_board,
)
from kanbanger_daemon.core.board.format import folder_title, parse_board, render_board
from kanbanger_daemon.core.board.plan import plan_board
from kanbanger_daemon.core.insight.metrics import metrics_report, spec_metrics
from kanbanger_daemon.core.specs.decode import MAX_INPUT_BYTES, decode_text
from kanbanger_daemon.core.specs.files import classify, companion_names, pairs_with
from kanbanger_daemon.core.specs.parse import parse_spec
from kanbanger_daemon.core.specs.progress import parse_progress
from kanbanger_daemon.core.specs.progress_join import spec_input
from kanbanger_daemon.errors import FileChangedError, InputError
from kanbanger_daemon.models import Board, Diagnostic, Layout, Progress, Spec
from kanbanger_daemon.models.board import SpecInput
from kanbanger_daemon.settings import Settings

_CAS_ATTEMPTS = 3
_SETTLE_READS = 3


@dataclass
class LocalResult:
    """What a local reconcile did. ``text`` is the board as it now stands (or would).

    ``spec_paths[i]`` is where ``inputs[i]``'s SPEC lives, relative to the workspace root.
    """

    key: BoardKey
    path: Path
    board: Board
    text: str
    written: bool
    warnings: list[Diagnostic] = field(default_factory=list)
    inputs: list[SpecInput] = field(default_factory=list)
    spec_paths: list[str] = field(default_factory=list)
    # SPEC folders left out of this board because they cannot be read (the single root board
    # is written from every SPEC that can be; the failing ones keep their cards as they were).
    errors: list[Diagnostic] = field(default_factory=list)

    def metrics(self) -> list[dict[str, object]]:
        """The metrics of each SPEC the board shows, as of its log's latest timestamp (the
        ``metrics`` of a board in ``status --json`` and ``sync --json``)."""
        return [
            {"path": path, **metrics_report(spec_metrics(item.spec, item.progress),
                                            per_task=False)}
            for path, item in zip(self.spec_paths, self.inputs, strict=True)
        ]


def _display(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def read_guarded(path: Path, root: Path) -> bytes:
    """Read a workspace file, refusing what could hurt: escapes, loops, huge or moving files."""
    return read_guarded_snapshot(path, root).data


def read_guarded_snapshot(path: Path, root: Path) -> Snapshot:
    """:func:`read_guarded`, with the file's identity as read (to check it is unchanged later)."""
    shown = _display(path, root)
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError:
        raise InputError("file not found (removed while being read?)", file=shown) from None
    except (RuntimeError, OSError) as exc:  # symlink loop
        raise InputError(f"cannot resolve path: {exc.__class__.__name__}", file=shown) from None
    if not real.is_relative_to(root.resolve()):
        raise InputError("symlink points outside the workspace; not followed", file=shown)
    try:
        before = real.stat()
        if before.st_size > MAX_INPUT_BYTES:
            raise InputError(
                f"file is {before.st_size} bytes, over the {MAX_INPUT_BYTES}-byte limit",
                file=shown,
            )
        with real.open("rb") as fh:
            data = fh.read(MAX_INPUT_BYTES + 1)
        after = real.stat()
    except FileNotFoundError:
        raise InputError("file removed while being read", file=shown) from None
    except IsADirectoryError:
        raise InputError("expected a file, found a folder", file=shown) from None
    except PermissionError:
        raise InputError("permission denied", file=shown) from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"file grew over the {MAX_INPUT_BYTES}-byte limit", file=shown)
    if (before.st_mtime_ns, before.st_size) != (after.st_mtime_ns, after.st_size):
        raise FileChangedError("file changed while being read; will read again", file=shown)
    return Snapshot(data, FileIdentity.of(after))


def _read_text(path: Path, root: Path) -> str:
    return decode_text(read_guarded(path, root), file=_display(path, root))


def _first_error(diagnostics: Sequence[Diagnostic]) -> Diagnostic | None:
    return next((d for d in diagnostics if d.severity == "error"), None)


def _raise_if_error(diagnostics: Sequence[Diagnostic]) -> None:
    error = _first_error(diagnostics)
    if error is not None:
        raise InputError(error.message, file=error.file, line=error.line)


def load_folder(root: Path, folder: Path) -> tuple[list[SpecInput], list[Diagnostic]]:
    """Parse every SPEC of ``folder`` with its parameters and progress log.

    An error in any input raises InputError (the caller keeps the last good board);
    warnings are returned.
    """
    names = sorted(p.name for p in folder.iterdir() if p.is_file() or p.is_symlink())
    warnings: list[Diagnostic] = []
    progress_by_spec: dict[str, Progress] = {}
    for name in names:
        if classify(name)[0] != "progress":
            continue
        owner = pairs_with(name, names)
        shown = _display(folder / name, root)
        progress = parse_progress(_read_text(folder / name, root), file=shown)
        _raise_if_error(progress.diagnostics)
        warnings.extend(progress.diagnostics)
        if owner is not None and progress.is_spec_progress:
            progress_by_spec[owner] = progress
        # A log whose SPEC is not here (a TOOLSPEC run's troubleshooting folder) feeds no board.
    inputs: list[SpecInput] = []
    for name in names:
        if classify(name)[0] not in ("spec", "speclet"):
            continue
        params_name = (companion_names(name) or ('',))[0]
        params_path = folder / params_name
        params = _read_text(params_path, root) if params_name in names else None
        spec: Spec = parse_spec(
            _read_text(folder / name, root),
            file=name,
            parameters=params,
            parameters_file=_display(params_path, root) if params is not None else None,
        )
        spec_shown = _display(folder / name, root)
        fixed = [d.model_copy(update={"file": spec_shown}) if d.file == name else d
                 for d in spec.diagnostics]
        _raise_if_error(fixed)
        warnings.extend(fixed)
        item = spec_input(spec, progress_by_spec.get(name))
        if item.progress is not None:  # what only the SPEC and its log together can tell
            warnings.extend(item.progress.diagnostics[len(progress_by_spec[name].diagnostics):])
        inputs.append(item)
    return inputs, warnings


def board_title(key: BoardKey, inputs: Sequence[SpecInput], layout: Layout) -> str:
    """The ``# Title`` of a new board (an existing board keeps whatever title it has)."""
    if (key == ROOT_KEY and layout is Layout.SINGLE) or not inputs:
        return "SPECs Kanban"
    if len(inputs) > 1:  # a SPEC split into SPECLets: name the board after its folder
        return folder_title(key.rsplit("/", 1)[-1])
    first = inputs[0].spec
    return first.title or first.descriptor


def _enrich_new_board(
    root: Path, key: BoardKey, inputs: Sequence[SpecInput], planned: Board, settings: Settings,
    title: str, warnings: list[Diagnostic],
) -> Board:
    """Enrichment runs once, when a board is created: afterwards its cards are the user's."""
    options = settings.board_options()
    wanted = options.add_preparatory_tasks or options.add_validation_tasks
    llm = settings.enrich_command if settings.enrich_with_llm else None
    if not (wanted or llm) or (key == ROOT_KEY and options.layout is Layout.SINGLE):
        return planned  # the root board aggregates many folders: enrich per-SPEC boards only
    from kanbanger_daemon.boards.enrich_runner import enrich_new_board_blocking
    from kanbanger_daemon.core.insight.enrich import apply_enrichment, enrichment_cards

    folder = board_path(root, key).parent
    board = planned
    for item in inputs:
        text = _read_text(folder / item.spec.file, root)
        if len(inputs) == 1:
            outcome = enrich_new_board_blocking(
                item, text, board, options, title=title, command=llm,
                timeout_s=settings.enrich_timeout_s, cwd=folder,
            )
            if outcome.error:
                warnings.append(Diagnostic(file=_display(folder / item.spec.file, root),
                                           message=f"enrichment: {outcome.error}",
                                           severity="warning"))
            return outcome.board
        board = apply_enrichment(board, enrichment_cards(text, item.spec, options))
    return board


def _read_board_once(
    path: Path, root: Path
) -> tuple[Snapshot | None, Board | None, InputError | None]:
    """The board file's bytes and board (None, None: no file), or why it cannot be decoded."""
    if not path.exists() and not path.is_symlink():
        return None, None, None
    snapshot = read_guarded_snapshot(path, root)
    try:
        return snapshot, parse_board(decode_text(snapshot.data, file=_display(path, root))), None
    except InputError as exc:
        return snapshot, None, exc


def _oddity(snapshot: Snapshot | None, error: InputError | None) -> str | None:
    """Why a board read may be a save caught half-way: missing, empty or undecodable."""
    if snapshot is None:
        return "is missing"
    if error is not None:
        return "cannot be decoded"
    return None if snapshot.data.strip() else "is empty"


def _read_board(
    path: Path, root: Path, memory: BoardMemory
) -> tuple[Snapshot | None, Board | None]:
    """The board to plan from, once it is not a save caught half-way.

    An editor saving in place empties the board for a moment. A board this process saw with
    cards is re-read later: the daemon's reconcile fails as retryable and the key is requeued.
    A process that never saw it (a one-shot command, the daemon's first look) waits briefly.
    """
    for _ in range(_SETTLE_READS):
        snapshot, board, error = _read_board_once(path, root)
        oddity = _oddity(snapshot, error)
        left = (memory.settle_left(path, snapshot.identity if snapshot is not None else None)
                if oddity else 0.0)
        if left <= 0:
            if error is not None:
                raise error
            memory.saw(path, has_content=oddity is None)
            return snapshot, board
        if memory.had_content(path):
            raise FileChangedError(f"board {oddity} where it held cards (a save in progress?);"
                                   " will read it again", file=_display(path, root))
        memory.clock.sleep(left)
    raise FileChangedError("board kept changing while being read", file=_display(path, root))


def _reconcile_local(
    root: Path,
    key: BoardKey,
    settings: Settings,
    *,
    dry_run: bool = False,
    edit: Callable[[Board], Board] | None = None,
    memory: BoardMemory,
    own_writes: OwnWrites | None = None,
) -> LocalResult:
    """``reconcile_local`` once the board's lock is held (or for a dry run)."""
    inputs: list[SpecInput] = []
    spec_paths: list[str] = []
    warnings: list[Diagnostic] = []
    options = settings.board_options()
    errors: list[Diagnostic] = []
    for folder in folders_of_board(root, key, settings.specs_dir, options.layout):
        try:
            found, notes = load_folder(root, folder)
        except InputError as exc:
            if exc.retryable or key != ROOT_KEY or options.layout is not Layout.SINGLE:
                raise  # a per-SPEC board keeps its last good content
            errors.append(Diagnostic(file=exc.file, line=exc.line, message=exc.detail))
            continue
        inputs.extend(found)
        spec_paths.extend(_display(folder / item.spec.file, root) for item in found)
        warnings.extend(notes)
    path = board_path(root, key)
    for _ in range(_CAS_ATTEMPTS):
        before, current = _read_board(path, root, memory)
        if edit is not None and current is not None:
            current = edit(current)
        title = board_title(key, inputs, options.layout)
        desired = plan_board(inputs, current, options, title=title)
        if current is None:
            desired = _enrich_new_board(root, key, inputs, desired, settings, title, warnings)
        text = render_board(desired)
        data = text.encode("utf-8")
        if (before is not None and data == before.data) or dry_run:
            return LocalResult(key, path, desired, text, False, warnings, inputs, spec_paths,
                               errors)
        if own_writes is not None:
            own_writes.record(path, data)
        # Compare-and-swap: a person may have saved the board while we planned; then plan again.
        if replace_if_unchanged(path, data, before):
            memory.saw(path, has_content=bool(data.strip()))
            return LocalResult(key, path, desired, text, True, warnings, inputs, spec_paths,
                               errors)
    raise FileChangedError("board kept changing while being rewritten",
                           file=_display(path, root))


def reconcile_local(
    root: Path,
    key: BoardKey,
    settings: Settings,
    *,
    dry_run: bool = False,
    edit: Callable[[Board], Board] | None = None,
    memory: BoardMemory | None = None,
    own_writes: OwnWrites | None = None,
) -> LocalResult:
    """Bring ``_kanban.md`` of board ``key`` in line with its SPECs and progress logs.

    ``edit`` (two-way sync, MCP tools) changes the board as read before it is planned; the plan
    may undo part of it (progress is the authority for the column of a task it knows).
    ``memory`` is what the calling process saw of the board before (None: nothing, as in a
    one-shot command); ``own_writes`` learns what is written (the daemon's, to know its echoes).
    Unless it is a dry run, the whole read → plan → replace holds the board's ``.kanban.lock``,
    as kanbanger's own writers do (``boards.board_lock``).
    """
    memory = BoardMemory() if memory is None else memory
    if dry_run:
        return _reconcile_local(root, key, settings, dry_run=True, edit=edit, memory=memory)
    with board_lock(board_path(root, key).parent, clock=memory.clock):
        return _reconcile_local(root, key, settings, edit=edit, memory=memory,
                                own_writes=own_writes)
