"""Board enrichment (off by default): extra cards a SPEC implies beyond its tasks. Pure.

Deterministic rules (DESIGN/issue #6), each switched by the guide's setting:

- ``add_preparatory_tasks`` — one ``Prepare: …`` card per item of the spec's Components section
  and of its Software Stack (the Technology Stack list when there is one), at the top of TODO:
  they come before the first task;
- ``add_validation_tasks`` — one ``Validate: …`` card per criterion of Verification / Definition
  of Complete, and one ``Document: …`` card, in BACKLOG: they wait until the tasks are done.

The cards end with ``(SPEC: file)`` but do not start ``Task n:``, so the planner treats them as
hand-written: once on the board they are the user's (never moved, rewritten or removed).
``apply_enrichment`` adds only cards not already there, so it is safe to call again.

LLM enrichment (the ``enrich.command`` program) is ``core.insight.enrich_command``; it reads the
same SPEC sections (``spec_section_items``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kanbanger_daemon.core.board.cards import one_line, safe_file
from kanbanger_daemon.core.board.format import (
    board_cards,
    board_columns,
    card_line,
    card_parts,
    reclassify,
)
from kanbanger_daemon.core.specs.markdown_lines import fence_closes, fence_open
from kanbanger_daemon.models.board import Board, BoardLine, BoardOptions, ColumnKind
from kanbanger_daemon.models.spec import Spec

MAX_CARDS_PER_RULE = 12
"""Items turned into cards per rule; the rest are summed up in one last card."""
MAX_ITEM_CHARS = 140

# ---------------------------------------------------------------------------------------------
# Reading sections of the raw spec markdown (the Spec model does not carry them).
# ---------------------------------------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*\S)\s*$")
_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[A-Z]\.)\s+")
_CHECKBOX = re.compile(r"^\[[ xX]\]\s*")
_PLACEHOLDER = re.compile(r"^(?:[^:]{1,60}:\s*)?\[[^\]]*\]\.?$")


@dataclass(frozen=True)
class _Line:
    kind: str  # "heading" | "item"
    level: int
    text: str


def _norm_title(raw: str) -> str:
    text = re.sub(r"[*_`]", "", raw).strip()
    return _NUMBERING.sub("", text).rstrip(":").strip().lower()


def _outline(text: str) -> list[_Line]:
    """Headings and list items of a markdown text, outside code fences."""
    found: list[_Line] = []
    fence: str | None = None
    for line in text.splitlines():
        if fence is not None:
            if fence_closes(line.strip(), fence):
                fence = None
            continue
        fence = fence_open(line.strip())
        if fence is not None:
            continue
        heading = _HEADING.match(line)
        if heading:
            found.append(_Line("heading", len(heading.group(1)), _norm_title(heading.group(2))))
            continue
        item = _ITEM.match(line)
        if item:
            found.append(_Line("item", 0, item.group(1)))
    return found


def _item_text(raw: str) -> str | None:
    """A list item as card text; None for group labels (``**Quality:**``), placeholders
    (``Language: [Python/…]``) and TOML examples."""
    text = one_line(re.sub(r"\*\*|__", "", _CHECKBOX.sub("", raw.strip())))
    if not text or text.endswith(":") or _PLACEHOLDER.match(text):
        return None
    if text.startswith("`") and " = " in text:
        return None
    if len(text) > MAX_ITEM_CHARS:
        text = text[: MAX_ITEM_CHARS - 1].rstrip() + "…"
    return text


def _sections(outline: list[_Line], wanted: Callable[[str], bool]) -> list[tuple[int, int]]:
    """``[start, end)`` ranges of the outline under each heading ``wanted`` accepts; a match
    nested in a section already taken is part of it, not a second section."""
    ranges: list[tuple[int, int]] = []
    index = 0
    while index < len(outline):
        line = outline[index]
        if line.kind == "heading" and wanted(line.text):
            end = index + 1
            while end < len(outline) and not (
                outline[end].kind == "heading" and outline[end].level <= line.level
            ):
                end += 1
            ranges.append((index, end))
            index = end
        else:
            index += 1
    return ranges


def _items(outline: list[_Line], start: int, end: int) -> list[str]:
    texts = (_item_text(line.text) for line in outline[start:end] if line.kind == "item")
    return [t for t in texts if t]


def _starts(*prefixes: str) -> Callable[[str], bool]:
    return lambda title: title.startswith(prefixes)


_COMPONENTS = _starts("components", "key components", "system components", "core components",
                      "main components")
_STACK = _starts("software stack", "technology stack", "tech stack")
_VERIFICATION = _starts("verification", "definition of complete", "definition of done")


def _stack_items(outline: list[_Line], start: int, end: int) -> list[str]:
    """The Technology Stack list of a Software Stack section when it has one (its other
    subsections are requirements, not things to set up), else the section's own items."""
    level = outline[start].level
    subsections = _sections(outline[start + 1 : end], lambda t: "stack" in t or "technolog" in t)
    if subsections:
        base = start + 1
        return [t for s, e in subsections for t in _items(outline, base + s, base + e)]
    own_end = next((i for i in range(start + 1, end)
                    if outline[i].kind == "heading" and outline[i].level > level), end)
    return _items(outline, start + 1, own_end)


def spec_section_items(text: str) -> dict[str, list[str]]:
    """Items of the sections enrichment reads: ``components``, ``stack``, ``verification``
    (Verification and Definition of Complete together), each de-duplicated in order."""
    outline = _outline(text)
    found: dict[str, list[str]] = {"components": [], "stack": [], "verification": []}
    for start, end in _sections(outline, _COMPONENTS):
        found["components"] += _items(outline, start + 1, end)
    for start, end in _sections(outline, _STACK):
        found["stack"] += _stack_items(outline, start, end)
    for start, end in _sections(outline, _VERIFICATION):
        found["verification"] += _items(outline, start + 1, end)
    return {key: _unique(items) for key, items in found.items()}


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    kept: list[str] = []
    for item in items:
        if item.lower() not in seen:
            seen.add(item.lower())
            kept.append(item)
    return kept


# ---------------------------------------------------------------------------------------------
# Deterministic enrichment.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrichmentCard:
    """A card to add: its text, its column, and at the top of it or at the bottom."""

    text: str
    column: ColumnKind
    at_top: bool
    rule: str  # "preparatory" | "validation" | "documentation"


def _capped(verb: str, items: Sequence[str], what: str, ref: str) -> list[str]:
    texts = [f"{verb}: {item} {ref}" for item in items[:MAX_CARDS_PER_RULE]]
    if len(items) > MAX_CARDS_PER_RULE:
        texts.append(f"{verb}: the {len(items) - MAX_CARDS_PER_RULE} other {what} {ref}")
    return texts


def enrichment_cards(spec_text: str, spec: Spec, options: BoardOptions) -> list[EnrichmentCard]:
    """The cards the deterministic rules add for ``spec`` (``spec_text``: its raw markdown)."""
    if not (options.add_preparatory_tasks or options.add_validation_tasks):
        return []
    items = spec_section_items(spec_text)
    ref = f"(SPEC: {safe_file(spec.file)})"
    cards: list[EnrichmentCard] = []
    if options.add_preparatory_tasks:
        prep = [*items["components"], *(f"set up {i}" for i in items["stack"])]
        cards += [EnrichmentCard(t, ColumnKind.TODO, True, "preparatory")
                  for t in _capped("Prepare", prep, "components and stack items", ref)]
    if options.add_validation_tasks:
        checks = items["verification"]
        cards += [EnrichmentCard(t, ColumnKind.BACKLOG, False, "validation")
                  for t in _capped("Validate", checks, "completion criteria", ref)]
        name = one_line(spec.title or spec.descriptor) or "the SPEC"
        cards.append(EnrichmentCard(
            f"Document: {name}: what was built, how to run it, what changed {ref}",
            ColumnKind.BACKLOG, False, "documentation"))
    return cards


_RANK = {ColumnKind.BACKLOG: 0, ColumnKind.TODO: 1, ColumnKind.DOING: 2, ColumnKind.BLOCKED: 3,
         ColumnKind.REVIEW: 4, ColumnKind.DONE: 5}


def _column_span(lines: list[BoardLine], kind: ColumnKind) -> tuple[int, int] | int:
    """``(heading row, end row)`` of the first column of ``kind`` (end: next heading or EOF);
    if there is none, the row where it belongs (before the first column that comes later)."""
    columns = board_columns(reclassify(Board(lines=lines)))
    for n, (_, column_kind, row) in enumerate(columns):
        if column_kind is kind:
            end = columns[n + 1][2] if n + 1 < len(columns) else len(lines)
            return row, end
    later = [row for _, k, row in columns if _RANK.get(k, -1) > _RANK[kind]]
    return later[0] if later else len(lines)


def _insert(lines: list[BoardLine], kind: ColumnKind, texts: list[str], at_top: bool) -> None:
    eol = next((line.eol for line in lines if line.eol), "\n")
    span = _column_span(lines, kind)
    if isinstance(span, int):  # no such column: create it where it belongs, kanbanger style
        row = span
        if row > 0 and not lines[row - 1].eol:
            lines[row - 1].eol = eol
        block = [BoardLine(text=f"## {kind.value}", eol=eol), BoardLine(text="", eol=eol)]
        if row > 0 and lines[row - 1].text.strip():
            block.insert(0, BoardLine(text="", eol=eol))
        lines[row:row] = block
        head = row + len(block) - 2
        span = (head, head + 2)
    head, end = span
    card_rows = [r for r in range(head + 1, end) if _is_card(lines[r].text)]
    if card_rows:
        at = card_rows[0] if at_top else card_rows[-1] + 1
    else:
        at = head + 1
        while at < end and not lines[at].text.strip():
            at += 1
    new = [BoardLine(text=card_line(t), eol=eol) for t in texts]
    if at < len(lines) and not card_rows and lines[at].text.strip():
        new.append(BoardLine(text="", eol=eol))  # an empty column was followed by a heading
    if at > 0 and not lines[at - 1].eol:
        lines[at - 1].eol = eol
    lines[at:at] = new


def _is_card(text: str) -> bool:
    return card_parts(text) is not None


def apply_enrichment(board: Board, cards: Sequence[EnrichmentCard]) -> Board:
    """``board`` with every card of ``cards`` not already on it (same text) added."""
    present = {one_line(c.text).lower() for c in board_cards(board)}
    todo = [c for c in cards if one_line(c.text).lower() not in present]
    if not todo:
        return board
    lines = [line.model_copy() for line in reclassify(board).lines]
    groups: dict[tuple[ColumnKind, bool], list[str]] = {}
    for card in todo:
        groups.setdefault((card.column, card.at_top), []).append(card.text)
    for (kind, at_top), texts in groups.items():
        _insert(lines, kind, texts, at_top)
    return reclassify(Board(bom=board.bom, lines=lines))
