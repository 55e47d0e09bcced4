"""Every GraphQL document the client can send: constants, or built from constants by a function.

All inputs travel as variables (never interpolated into the text), so a title can hold any
character and GitHub caches one document shape per batch size. ``all_documents()`` lists every
variant, so a test can validate each against GitHub's published schema.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

RATE_LIMIT_SELECTION = "rateLimit { limit remaining resetAt cost }"

PREFLIGHT = "query Preflight { viewer { login } " + RATE_LIMIT_SELECTION + " }"

DISCOVERY = (
    "query Discover($owner: String!, $name: String!, $number: Int!) {"
    " repository(owner: $owner, name: $name) { id nameWithOwner"
    " projectsV2(first: 20) { nodes { id number title } }"
    " projectV2(number: $number) { id number title url"
    " fields(first: 50) { nodes {"
    " ... on ProjectV2SingleSelectField { id name dataType options { id name color description } }"
    " ... on ProjectV2Field { id name dataType } } } } } " + RATE_LIMIT_SELECTION + " }"
)

# How many optional project fields a listing can read besides Status (``project_fields``).
MAX_VALUE_FIELDS = 2
_VALUE_SELECTION = (
    "... on ProjectV2ItemFieldNumberValue { number } ... on ProjectV2ItemFieldTextValue { text }"
)


def value_alias(index: int) -> str:
    """The alias of the ``index``-th optional field's value in an items page."""
    return f"value{index}"


def value_variable(index: int) -> str:
    return f"field{index}"


def items_page(value_fields: int = 0) -> str:
    """The items page, reading the values of ``value_fields`` more fields by name (aliases
    ``value0``…, names in ``$field0``…). With none it is exactly ``ITEMS_PAGE``."""
    params = "".join(f", ${value_variable(i)}: String!" for i in range(value_fields))
    values = "".join(
        f" {value_alias(i)}: fieldValueByName(name: ${value_variable(i)}) {{ {_VALUE_SELECTION} }}"
        for i in range(value_fields)
    )
    return (
        f"query Items($projectId: ID!, $first: Int!, $after: String, $statusField: String!{params})"
        " { node(id: $projectId) { ... on ProjectV2 { items(first: $first, after: $after) {"
        " pageInfo { hasNextPage endCursor }"
        " nodes { id fullDatabaseId isArchived type"
        " content { ... on DraftIssue { id title body } }"
        " fieldValueByName(name: $statusField) {"
        f" ... on ProjectV2ItemFieldSingleSelectValue {{ optionId name }} }}{values} }} }} }} }} "
        + RATE_LIMIT_SELECTION
        + " }"
    )


ITEMS_PAGE = items_page()


@dataclass(frozen=True)
class MutationKind:
    """One mutation field: how to call it, what to select, and whether replaying it is safe."""

    field: str
    input_type: str
    selection: str
    creates_content: bool = False  # counts against the creation budget; never replayed blindly
    # Whether it takes a place of the (smaller) create batch in a document; by default, what
    # creates content does.
    sized_as_create: bool | None = None

    @property
    def in_create_batch(self) -> bool:
        return self.creates_content if self.sized_as_create is None else self.sized_as_create


# A draft's body is read back wherever a payload can show it: what GitHub stored (the next
# push's starting point), and, from a call that runs before a write to the same draft in one
# document, the body that write replaces (``sync.draft_write``).
_DRAFT_BODY = "content { ... on DraftIssue { id body } }"
ADD_DRAFT = MutationKind(
    "addProjectV2DraftIssue",
    "AddProjectV2DraftIssueInput",
    f"projectItem {{ id fullDatabaseId {_DRAFT_BODY} }}",
    creates_content=True,
)
SET_FIELD_VALUE = MutationKind(
    "updateProjectV2ItemFieldValue",
    "UpdateProjectV2ItemFieldValueInput",
    f"projectV2Item {{ id {_DRAFT_BODY} }}",
)
UPDATE_DRAFT = MutationKind(
    "updateProjectV2DraftIssue", "UpdateProjectV2DraftIssueInput", "draftIssue { id title body }"
)
ARCHIVE_ITEM = MutationKind("archiveProjectV2Item", "ArchiveProjectV2ItemInput", "item { id }")
UNARCHIVE_ITEM = MutationKind(
    "unarchiveProjectV2Item", "UnarchiveProjectV2ItemInput", "item { id }"
)
MOVE_ITEM = MutationKind(
    "updateProjectV2ItemPosition",
    "UpdateProjectV2ItemPositionInput",
    "items(first: 1) { nodes { id } }",
)
UPDATE_FIELD = MutationKind(
    "updateProjectV2Field",
    "UpdateProjectV2FieldInput",
    "projectV2Field { ... on ProjectV2SingleSelectField {"
    " id options { id name color description } } }",
)
CREATE_FIELD = MutationKind(
    "createProjectV2Field",
    "CreateProjectV2FieldInput",
    "projectV2Field { ... on ProjectV2Field { id name dataType } }",
    # Never replayed after a lost reply (a second one would fail: the name is taken); the
    # client reads the project's fields again instead.
    creates_content=True,
)
CREATE_STATUS_UPDATE = MutationKind(
    "createProjectV2StatusUpdate",
    "CreateProjectV2StatusUpdateInput",
    "statusUpdate { id status body }",
    creates_content=True,  # a new status update each time: never replayed blindly
    sized_as_create=False,  # one small entry per project: it rides with a chunk of creates
)

BATCHABLE_KINDS: tuple[MutationKind, ...] = (
    ADD_DRAFT,
    SET_FIELD_VALUE,
    UPDATE_DRAFT,
    ARCHIVE_ITEM,
    UNARCHIVE_ITEM,
    MOVE_ITEM,
    CREATE_FIELD,
)
SINGLE_KINDS: tuple[MutationKind, ...] = (UPDATE_FIELD, CREATE_STATUS_UPDATE)
# The kinds of one push round, in the order they go in its document (``sync.apply``).
PUSH_ORDER: tuple[MutationKind, ...] = (
    UNARCHIVE_ITEM,
    SET_FIELD_VALUE,
    MOVE_ITEM,
    UPDATE_DRAFT,
    ARCHIVE_ITEM,
    ADD_DRAFT,
)


def alias(index: int) -> str:
    return f"m{index}"


def variable(index: int) -> str:
    return f"i{index}"


def batched_mutation(kind: MutationKind, count: int) -> str:
    """``count`` aliased calls of ``kind`` (``m0``…), each with its own input (``$i0``…)."""
    return mutation_document([kind] * count)


def mutation_document(kinds: Sequence[MutationKind]) -> str:
    """One aliased call per entry of ``kinds`` (``m0``…, inputs ``$i0``…), in that order: GitHub
    runs a document's mutation fields one after the other, so the order is the order applied."""
    if not kinds:
        raise ValueError("a mutation document needs at least one call")
    params = ", ".join(f"${variable(i)}: {kind.input_type}!" for i, kind in enumerate(kinds))
    calls = " ".join(
        f"{alias(i)}: {kind.field}(input: ${variable(i)}) {{ {kind.selection} }}"
        for i, kind in enumerate(kinds)
    )
    return f"mutation({params}) {{ {calls} }}"


def all_documents(max_create_batch: int = 25, max_other_batch: int = 50) -> Iterator[str]:
    """Every document the client can send with batches up to the given sizes."""
    yield PREFLIGHT
    yield DISCOVERY
    for value_fields in range(MAX_VALUE_FIELDS + 1):
        yield items_page(value_fields)
    for kind in BATCHABLE_KINDS:
        limit = max_create_batch if kind.creates_content else max_other_batch
        for count in range(1, limit + 1):
            yield batched_mutation(kind, count)
    for kind in SINGLE_KINDS:
        yield batched_mutation(kind, 1)
    # A push round's document mixes kinds (``batching.Mutation``): one of each, in push order.
    yield mutation_document((*PUSH_ORDER, CREATE_STATUS_UPDATE))
