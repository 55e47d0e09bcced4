"""Running one GraphQL document against the fake's schema, with GitHub-shaped errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLAbstractType,
    GraphQLError,
    GraphQLSchema,
    build_schema,
    execute,
)

from ._mutations import MUTATIONS, position_items
from ._resolvers import RESOLVERS, Info, RequestContext, type_name
from ._state import FakeError, iso

_ALL_RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    **RESOLVERS,
    **{("Mutation", name): resolve for name, resolve in MUTATIONS.items()},
    ("UpdateProjectV2ItemPositionPayload", "items"): position_items,
}
_ABSTRACT_TYPES = ("Node", "Actor", "ProjectV2FieldConfiguration", "ProjectV2ItemContent",
                   "ProjectV2ItemFieldValue")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


@cache
def subset_schema() -> GraphQLSchema:
    """The fake's schema, built once per process from github_subset.graphql."""
    text = resources.files(__package__).joinpath("github_subset.graphql").read_text("utf-8")
    schema = build_schema(text)
    for name in _ABSTRACT_TYPES:
        abstract = schema.get_type(name)
        assert isinstance(abstract, GraphQLAbstractType)
        abstract.resolve_type = type_name
    return schema


def field_resolver(source: Any, info: Info, **args: Any) -> Any:
    """Explicit resolvers first, else attributes of the state objects or keys of dicts.

    `nameWithOwner` reads `name_with_owner`, `dataType` reads `data_type`; `…At` timestamps
    (epoch floats in the state) become GitHub's ISO strings.
    """
    explicit = _ALL_RESOLVERS.get((info.parent_type.name, info.field_name))
    if explicit is not None:
        return explicit(source, info, **args)
    if isinstance(source, dict):
        return source.get(info.field_name)
    value = getattr(source, _snake(info.field_name), None)
    if info.field_name.endswith("At") and isinstance(value, float | int):
        return iso(value)
    return value


@cache
def _snake(name: str) -> str:
    return _CAMEL.sub("_", name).lower()


def run(document: DocumentNode, variables: dict[str, Any] | None, operation_name: str | None,
        context: RequestContext) -> ExecutionResult:
    """Execute an already validated document (synchronously: no resolver is async)."""
    result = execute(subset_schema(), document, variable_values=variables,
                     operation_name=operation_name, context_value=context,
                     field_resolver=field_resolver)
    assert isinstance(result, ExecutionResult)
    return result


def format_error(error: GraphQLError) -> dict[str, Any]:
    """GitHub's error shape: `type` (when known) and `path` beside `message`, `locations`."""
    formatted: dict[str, Any] = {}
    original = error.original_error
    if isinstance(original, FakeError) and original.error_type:
        formatted["type"] = original.error_type
    if error.path is not None:
        formatted["path"] = list(error.path)
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column}
                                  for loc in error.locations]
    formatted["message"] = original.message if isinstance(original, FakeError) else error.message
    return formatted
