"""A remote plan as ``terraform plan`` prints it (``+ create``, ``~ update``, ``> move``,
``- archive``). PURE."""

from __future__ import annotations

from kanbanger_daemon.models.sync import FieldValue, OpKind, RemoteOp, RemotePlan

_SYMBOLS = {
    OpKind.CREATE: "+ create   ",
    OpKind.UNARCHIVE: "+ unarchive",
    OpKind.UPDATE: "~ update   ",
    OpKind.ADOPT: "~ adopt    ",
    OpKind.STATUS: "~ status   ",
    OpKind.FIELD: "~ field    ",
    OpKind.MOVE: "> move     ",
    OpKind.ARCHIVE: "- archive  ",
}


def _describe(op: RemoteOp) -> str:
    title = f'"{op.title}"'
    if op.kind == OpKind.CREATE:
        return f"{title} in {op.option_name}" if op.option_name else title
    if op.kind in (OpKind.UPDATE, OpKind.ADOPT) and op.old_title != op.title:
        return f'"{op.old_title}" -> {title}'
    if op.kind == OpKind.STATUS:
        return f"{title}: {op.old_title or '(none)'} -> {op.option_name}"
    if op.kind == OpKind.FIELD:
        return f"{title}: {op.field_name} {_shown(op.old_value)} -> {_shown(op.value)}"
    if op.kind == OpKind.MOVE:
        return f'{title} after "{op.after_title}"' if op.after_title else f"{title} to the top"
    if op.kind == OpKind.ARCHIVE and op.reason:
        return f"{title} ({op.reason})"
    return title


def _shown(value: FieldValue | None) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a count reads "2", not "2.0"
    return repr(value) if isinstance(value, str) else str(value)


def format_plan(plan: RemotePlan) -> str:
    """The plan as ``terraform plan`` would print it, one line per operation, then a summary."""
    created = {op.key for op in plan.of_kind(OpKind.CREATE)}
    # A new card's Status and field values are part of its "+ create" line, not changes of
    # their own.
    shown = [op for op in plan.ops
             if not (op.kind in (OpKind.STATUS, OpKind.FIELD) and op.key in created)]
    lines = [f"{_SYMBOLS[op.kind]} {_describe(op)}" for op in shown]
    lines.extend(f"? waiting  {key} (an item may exist; not listed yet)" for key in plan.waiting)
    lines.extend(f"! no Status option matches column {col!r}" for col in plan.unmapped_columns)
    counts = {kind: sum(1 for op in shown if op.kind == kind) for kind in OpKind}
    creates = counts[OpKind.CREATE]
    updates = (counts[OpKind.UPDATE] + counts[OpKind.ADOPT] + counts[OpKind.STATUS]
               + counts[OpKind.FIELD])
    archives = counts[OpKind.ARCHIVE]
    if not shown:
        lines.append(f"No changes. Board {plan.board_key!r} and the project are in sync.")
    else:
        lines.append(
            f"Plan: {creates} to create, {updates} to update, {counts[OpKind.MOVE]} to move, "
            f"{archives} to archive, {counts[OpKind.UNARCHIVE]} to unarchive."
        )
    return "\n".join(lines) + "\n"


def card_changes(plan: RemotePlan, target: str) -> list[str]:
    """One line per card that appears, moves or leaves on GitHub, as ``run`` logs it:
    ``Task 2: Build (SPEC: spec_website.md) Todo → In Progress · octo/specs#3``."""
    created = {op.key for op in plan.of_kind(OpKind.CREATE)}
    lines = [f"{op.title} new in {op.option_name or '(no Status)'} · {target}"
             for op in plan.of_kind(OpKind.CREATE)]
    lines += [f"{op.title} {op.old_title or '(none)'} → {op.option_name} · {target}"
              for op in plan.of_kind(OpKind.STATUS) if op.key not in created]
    lines += [f"{op.title} archived · {target}" for op in plan.of_kind(OpKind.ARCHIVE)]
    return lines
