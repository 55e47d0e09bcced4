"""A GitHub project as a text board, grouped by Status (the `demo` command shows it)."""

from __future__ import annotations

from ._fake import FakeGitHub


def render_project(fake: FakeGitHub, number: int | None = None, *,
                   include_archived: bool = False) -> str:
    """Columns in Status-option order, then "No Status"; items in project order."""
    items = fake.items(number, include_archived=True)
    archived = sum(1 for i in items if i.archived)
    shown = [i for i in items if include_archived or not i.archived]
    columns = [o.name for o in fake.status_options(number)]
    lines = [f"GitHub project #{items[0].project_number if items else number or ''}: "
             f"{len(shown)} item(s)" + (f", {archived} archived" if archived else "")]
    for column in [*columns, None]:
        in_column = [i for i in shown if i.status == column]
        if column is None and not in_column:
            continue
        lines.append(f"== {column or 'No Status'} ({len(in_column)})")
        lines.extend(f"   - {i.title}" + (" [archived]" if i.archived else "")
                     for i in in_column)
    return "\n".join(lines) + "\n"
