"""Batch documents, per-alias resolution and batch sizing, without any network."""

from __future__ import annotations

from kanbanger_daemon.errors import NotFoundError, SecondaryRateLimitError, TransientError
from kanbanger_daemon.github import queries
from kanbanger_daemon.github.batching import (
    BatchSizer,
    Call,
    CallState,
    build_batch,
    resolve_batch,
)
from kanbanger_daemon.github.failures import Failure, Reply

CALLS = [Call(f"k{i}", {"projectId": "P", "itemId": f"I{i}"}) for i in range(3)]


def test_build_batch_uses_one_alias_and_variable_per_call() -> None:
    document, variables = build_batch(queries.ARCHIVE_ITEM, CALLS)
    assert document.startswith("mutation($i0: ArchiveProjectV2ItemInput!, $i1:")
    assert "m2: archiveProjectV2Item(input: $i2)" in document
    assert variables == {"i0": CALLS[0].input, "i1": CALLS[1].input, "i2": CALLS[2].input}


def test_resolution_per_alias() -> None:
    reply = Reply(
        data={"m0": {"item": {"id": "I0"}}, "m1": None, "m2": None},
        field_errors={
            "m1": Failure(NotFoundError("gone")),
            "m2": Failure(SecondaryRateLimitError("too quickly")),
        },
    )
    states = [o.state for o in resolve_batch(queries.ARCHIVE_ITEM, CALLS, reply)]
    assert states == [CallState.OK, CallState.FAILED, CallState.RETRY]


def test_a_create_with_an_unknown_fate_is_ambiguous_but_an_archive_is_retried() -> None:
    lost = Reply(None, failure=Failure(TransientError("502"), maybe_applied=True, shrink=True))
    creates = [Call("a", {"title": "A"})]
    assert resolve_batch(queries.ADD_DRAFT, creates, lost)[0].state is CallState.AMBIGUOUS
    assert resolve_batch(queries.ARCHIVE_ITEM, CALLS[:1], lost)[0].state is CallState.RETRY


def test_null_without_error_is_treated_as_maybe_applied() -> None:
    odd = Reply(data={"m0": None})
    outcome = resolve_batch(queries.ADD_DRAFT, [Call("a", {"title": "A"})], odd)[0]
    assert outcome.state is CallState.AMBIGUOUS


def test_ids_come_from_every_payload_shape() -> None:
    create = Reply(data={"m0": {"projectItem": {"id": "PVTI_1", "content": {"id": "DI_1"}}}})
    out = resolve_batch(queries.ADD_DRAFT, [Call("a", {})], create)[0]
    assert (out.item_id, out.content_id) == ("PVTI_1", "DI_1")
    move = Reply(data={"m0": {"items": {"nodes": [{"id": "PVTI_2"}]}}})
    assert resolve_batch(queries.MOVE_ITEM, [Call("b", {})], move)[0].item_id == "PVTI_2"
    draft = Reply(data={"m0": {"draftIssue": {"id": "DI_3", "title": "x"}}})
    assert resolve_batch(queries.UPDATE_DRAFT, [Call("c", {})], draft)[0].content_id == "DI_3"


def test_sizer_halves_to_one_and_regrows_after_clean_documents() -> None:
    sizer = BatchSizer(create_size=25, other_size=50)
    assert [sizer.shrink(queries.ADD_DRAFT) for _ in range(5)] == [12, 6, 3, 1, 1]
    assert sizer.size(queries.ARCHIVE_ITEM) == 50  # creates and others are sized apart
    for _ in range(BatchSizer.GROW_AFTER):
        sizer.note_clean(queries.ADD_DRAFT)
    assert sizer.size(queries.ADD_DRAFT) == 2


def test_a_project_status_update_rides_with_a_full_chunk_of_creates() -> None:
    from kanbanger_daemon.github.batching import Mutation

    sizer = BatchSizer(create_size=25, other_size=50)
    update = Mutation(queries.CREATE_STATUS_UPDATE, Call("P", {"projectId": "P", "body": "b"}))
    drafts = [Mutation(queries.ADD_DRAFT, Call(f"d{i}", {})) for i in range(30)]
    assert sizer.fits([update, *drafts]) == 26  # the update and the first 25 creates
    statuses = [Mutation(queries.SET_FIELD_VALUE, Call(f"s{i}", {})) for i in range(60)]
    assert sizer.fits([*statuses[:50], *drafts]) == 75
    assert sizer.fits(statuses) == 50
