"""`inspect PATH [--json]`: what the daemon understood of a spec, progress or board file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kanbanger_daemon.boards.reconcile import read_guarded
from kanbanger_daemon.core.board.format import board_cards, parse_board
from kanbanger_daemon.core.board.format import board_title as title_of_board
from kanbanger_daemon.core.board.text import terminal_safe
from kanbanger_daemon.core.insight.inspect import (
    NOT_OURS,
    kind_by_content,
    parameters_report,
    progress_report,
    spec_report,
)
from kanbanger_daemon.core.specs.decode import decode_text
from kanbanger_daemon.core.specs.files import classify, companion_names, pairs_with
from kanbanger_daemon.core.specs.parameters import parameters_spec
from kanbanger_daemon.core.specs.parse import parse_spec
from kanbanger_daemon.core.specs.progress import parse_progress
from kanbanger_daemon.core.specs.progress_join import join_progress
from kanbanger_daemon.errors import InputError
from kanbanger_daemon.models import Spec


def _root_for(path: Path, root: Path) -> Path:
    return root if path.is_relative_to(root) else path.parent


def _read(path: Path, root: Path) -> str:
    return decode_text(read_guarded(path, root), file=str(path))


def _parsed_spec(path: Path, root: Path) -> Spec:
    params = path.parent / (companion_names(path.name) or ('',))[0]
    params_text = _read(params, root) if params.is_file() else None
    return parse_spec(_read(path, root), file=path.name, parameters=params_text,
                      parameters_file=params.name if params_text is not None else None)


def _spec(path: Path, root: Path) -> dict[str, Any]:
    return spec_report(_parsed_spec(path, root))


def _progress(path: Path, root: Path) -> dict[str, Any]:
    progress = parse_progress(_read(path, root), file=path.name)
    owner = pairs_with(path.name, [p.name for p in path.parent.iterdir()])
    if owner is not None and progress.is_spec_progress:  # as the board reads it
        progress = join_progress(_parsed_spec(path.parent / owner, root), progress)
    return progress_report(progress, owner)


def _parameters(path: Path, root: Path) -> dict[str, Any]:
    _, descriptor = classify(path.name)
    spec = parameters_spec(_read(path, root), file=path.name, descriptor=descriptor or "")
    return parameters_report(spec)


def _other(path: Path) -> dict[str, Any]:
    return {"kind": "other", "file": str(path), "errors": [f"{path}: {NOT_OURS}"]}


def _by_content(path: Path, root: Path) -> dict[str, Any]:
    """A markdown file whose name says nothing: a spec, a board or neither, by what it holds."""
    text = _read(path, root)
    spec = parse_spec(text, file=path.name)
    kind = kind_by_content(spec, text)
    if kind == "spec":
        return spec_report(spec)
    return _board(path, root) if kind == "board" else _other(path)


def _board(path: Path, root: Path) -> dict[str, Any]:
    board = parse_board(_read(path, root))
    columns: dict[str, list[dict[str, Any]]] = {}
    for card in board_cards(board):
        columns.setdefault(card.column, []).append(
            {"text": card.text, "checked": card.checked, "kind": card.column_kind.value}
        )
    return {"kind": "board", "title": title_of_board(board), "columns": columns, "errors": []}


def _parameters_lines(report: dict[str, Any]) -> list[str]:
    lines = [] if report.get("tasks") else ["  no [[tasks]]"]
    for task in report.get("tasks", []):
        critical = sum(1 for step in task["steps"] if step["critical"])
        lines.append(f"  Task {task['id']}: {task['title']} "
                     f"({len(task['steps'])} steps, {critical} critical)")
    for speclet in report.get("speclets", []):
        depends = ", ".join(speclet["depends_on"]) or "-"
        lines.append(f"  SPECLet {speclet['id']}: {speclet['title']} (depends on: {depends})")
    return lines


def _human(report: dict[str, Any]) -> str:
    if report["kind"] == "other":
        return terminal_safe("\n".join(report["errors"])) + "\n"
    lines = [f"{report['kind']}: {report.get('file', '')}".rstrip(": ")]
    if report["kind"] == "spec":
        lines.append(f"goal: {report.get('goal') or '-'}")
        for task in report.get("tasks", []):
            lines.append(f"  Task {task['id']}: {task['title']} ({len(task['steps'])} steps)")
    elif report["kind"] == "parameters":
        lines.extend(_parameters_lines(report))
    elif report["kind"] == "progress":
        lines.append(f"pairs with: {report.get('pairs_with') or '-'}")
        for task_id, info in report.get("tasks", {}).items():
            lines.append(f"  task {task_id}: {info['status']} (raw: {info['raw']})")
    else:
        for column, cards in report.get("columns", {}).items():
            lines.append(f"  {column}: {len(cards)} cards")
    lines.extend(f"error: {e}" for e in report.get("errors", []))
    lines.extend(f"warning: {w}" for w in report.get("warnings", []))
    lines.extend(f"note: {n}" for n in report.get("notes", []))
    return terminal_safe("\n".join(lines)) + "\n"


def cmd_inspect(args: argparse.Namespace) -> int:
    path: Path = args.target.absolute()
    root = _root_for(path, args.root)
    kind, _ = classify(path.name)
    try:
        if kind in ("spec", "speclet"):
            report = _spec(path, root)
        elif kind == "progress":
            report = _progress(path, root)
        elif kind == "parameters":
            report = _parameters(path, root)
        elif kind == "board":
            report = _board(path, root)
        elif path.suffix.lower() == ".md":
            report = _by_content(path, root)
        else:
            report = _other(path)
    except InputError as exc:
        report = {"kind": kind, "file": str(path), "errors": [str(exc)]}
    if args.json:
        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(_human(report))
    return 1 if report.get("errors") else 0
