"""The planner on arbitrary SPECs, progress logs and boards: idempotent, and hand work is kept."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kanbanger_daemon.core.board.cards import card_identity, wanted_cards
from kanbanger_daemon.core.board.format import board_cards, parse_board, render_board
from kanbanger_daemon.core.board.plan import plan_board
from kanbanger_daemon.models.board import BoardOptions, ColumnMapping, Layout, SpecInput
from kanbanger_daemon.models.spec import (
    Progress,
    Spec,
    Speclet,
    Status,
    Step,
    StepProgress,
    Task,
    TaskProgress,
)

_ids = st.sampled_from(["1", "2", "3", "0", "A", "1.1", "x y", "4:5"])
_titles = st.text(max_size=12)
_status = st.sampled_from(list(Status))


@st.composite
def inputs(draw: st.DrawFn) -> list[SpecInput]:
    out = []
    for _ in range(draw(st.integers(1, 3))):
        speclets = [Speclet(id=sid, title=draw(_titles),
                            depends_on=draw(st.lists(st.sampled_from(["0", "1", "9"]), max_size=2)))
                    for sid in draw(st.lists(st.sampled_from(["0", "1", "2"]), max_size=3,
                                             unique=True))]
        tasks = [Task(id=draw(_ids), title=draw(_titles),
                      speclet=draw(st.sampled_from([None, "0", "1", "5"])),
                      steps=[Step(id=draw(_ids), title=draw(_titles))
                             for _ in range(draw(st.integers(0, 2)))])
                 for _ in range(draw(st.integers(0, 5)))]
        file = draw(st.sampled_from(["spec_a.md", "spec_b.md", "speclet_0_x.md"]))
        spec = Spec(file=file, descriptor=file[5:-3], tasks=tasks, speclets=speclets)
        progress = None
        if draw(st.booleans()):
            progress = Progress(file="p.json", tasks={
                t.id: TaskProgress(
                    id=t.id, status=draw(_status), raw_status="r",
                    backup_used=draw(st.one_of(st.none(), st.integers(0, 3))),
                    backups_exhausted=draw(st.booleans()),
                    steps=[StepProgress(id=s.id, status=draw(_status), raw_status="r",
                                        backup_used=draw(st.one_of(st.none(), st.integers(1, 2))))
                           for s in t.steps if draw(st.booleans())])
                for t in tasks if draw(st.booleans())})
        out.append(SpecInput(spec=spec, progress=progress,
                             name=draw(st.sampled_from([None, "n", "my spec"]))))
    return out


_lines = st.sampled_from([
    "# Board", "## BACKLOG", "## TODO", "## DOING", "## REVIEW", "## BLOCKED", "## DONE",
    "## Notes", "## 2. In Progress", "", "<!-- c -->", "text", "*   [ ] hand", "*   [x] hand",
    "* [ ] Task 1: t (SPEC: spec_a.md)", "*   [x] Task 1: t (SPEC: spec_a.md) [BLOCKED]",
    "*   [ ] Task 2: u (SPEC: spec_b.md)", "*   [ ] [n] Task 1: t (SPEC: spec_a.md)",
    "*   [ ] Task 7: gone (SPEC: spec_a.md)", "*   [ ] Step 1.1: s (SPEC: spec_a.md)",
    "  * [X] Task 3: v (SPEC: spec_a.md)", "*   [ ] SPECLet 1: z (SPEC: spec_a.md)",
])


@st.composite
def boards(draw: st.DrawFn) -> str:
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = eol.join(draw(st.lists(_lines, max_size=14)))
    if draw(st.booleans()):
        text += eol
    return ("\ufeff" if draw(st.booleans()) else "") + text


_options = st.builds(BoardOptions, column_mapping=st.sampled_from(list(ColumnMapping)),
                     include_steps=st.booleans(), layout=st.sampled_from(list(Layout)))


@given(inputs(), boards(), _options)
@settings(derandomize=True, max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
def test_planning_twice_changes_nothing(
    specs: list[SpecInput], start: str, options: BoardOptions
) -> None:
    once = plan_board(specs, parse_board(start), options, title="T")
    twice = plan_board(specs, once, options, title="T")
    assert twice == once
    assert render_board(twice) == render_board(once)


@given(inputs(), boards(), _options)
@settings(derandomize=True, max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
def test_hand_cards_and_other_lines_are_kept_in_order(
    specs: list[SpecInput], start: str, options: BoardOptions
) -> None:
    before = parse_board(start)
    after = plan_board(specs, before, options, title="T")
    if not start.strip(" \t\r\n\ufeff"):
        return  # an empty file becomes a fresh board
    ours = {c.line_index for c in board_cards(before) if card_identity(c.text) is not None}
    kept_before = [line.text for n, line in enumerate(before.lines)
                   if n not in ours and line.text.strip()]
    kept_after = [line.text for line in after.lines if line.text.strip()]
    # Every non-generated, non-blank line survives verbatim and in the same order.
    it = iter(kept_after)
    assert all(any(text == other for other in it) for text in kept_before)
    assert after.bom == before.bom
    last = len(before.lines) - 1
    if before.lines[last].eol == "" and last not in ours and before.lines[last].text.strip():
        assert after.lines[-1].eol == "", "a file without a final newline keeps that shape"


@given(inputs(), _options)
@settings(derandomize=True, max_examples=200, deadline=None)
def test_every_wanted_card_is_on_the_board_once(
    specs: list[SpecInput], options: BoardOptions
) -> None:
    board = plan_board(specs, None, options, title="T")
    identities = [card_identity(c.text) for c in board_cards(board)]
    assert None not in identities
    assert len(identities) == len(set(identities))


@given(inputs(), _options)
@settings(derandomize=True, max_examples=200, deadline=None)
def test_cards_of_a_column_are_in_spec_order_on_a_fresh_board(
    specs: list[SpecInput], options: BoardOptions
) -> None:
    board = plan_board(specs, None, options, title="T")
    order = {w.identity: n for n, w in enumerate(wanted_cards(specs, options)[0])}
    by_column: dict[str, list[int]] = {}
    for card in board_cards(board):
        identity = card_identity(card.text)
        assert identity is not None
        by_column.setdefault(card.column, []).append(order[identity])
    for orders in by_column.values():
        assert orders == sorted(orders)
