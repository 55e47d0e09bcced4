"""The fake GitHub's SDL is a strict subset of GitHub's real public schema.

Every type, field, argument, input field, enum value, union member and interface the fake
declares exists in ../shared/github/schema.graphql with the same type; no argument or input field
that GitHub requires is missing. So a document the fake accepts is one GitHub accepts too.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    parse,
    validate,
)
from graphql.pyutils import Undefined

from kanbanger_daemon.testing._execute import subset_schema
from tests.helpers.graphql_documents import DISCOVERY, ITEMS, PAYLOADS, batch


def _declared_types(schema: GraphQLSchema) -> dict[str, GraphQLNamedType]:
    return {name: t for name, t in schema.type_map.items() if not name.startswith("__")}


def _differences(fake: GraphQLNamedType, real: GraphQLNamedType) -> list[str]:
    name = fake.name
    if type(fake) is not type(real):
        return [f"{name}: a {type(fake).__name__} here, a {type(real).__name__} on GitHub"]
    problems: list[str] = []
    if isinstance(fake, GraphQLObjectType | GraphQLInterfaceType):
        assert isinstance(real, GraphQLObjectType | GraphQLInterfaceType)
        extra = {i.name for i in fake.interfaces} - {i.name for i in real.interfaces}
        problems += [f"{name} implements {i}, GitHub's does not" for i in sorted(extra)]
        for field_name, fld in fake.fields.items():
            real_field = real.fields.get(field_name)
            if real_field is None:
                problems.append(f"{name}.{field_name} does not exist on GitHub")
                continue
            if str(fld.type) != str(real_field.type):
                problems.append(f"{name}.{field_name}: {fld.type} here, {real_field.type} there")
            problems += _argument_differences(f"{name}.{field_name}", fld.args, real_field.args)
    elif isinstance(fake, GraphQLInputObjectType):
        assert isinstance(real, GraphQLInputObjectType)
        problems += _argument_differences(name, fake.fields, real.fields)
    elif isinstance(fake, GraphQLUnionType):
        assert isinstance(real, GraphQLUnionType)
        extra = {t.name for t in fake.types} - {t.name for t in real.types}
        problems += [f"union {name} has {t}, GitHub's does not" for t in sorted(extra)]
    elif isinstance(fake, GraphQLEnumType):
        assert isinstance(real, GraphQLEnumType)
        extra = set(fake.values) - set(real.values)
        problems += [f"enum {name} has {v}, GitHub's does not" for v in sorted(extra)]
    else:
        assert isinstance(fake, GraphQLScalarType)
    return problems


def _argument_differences(owner: str, fake: dict[str, Any], real: dict[str, Any]) -> list[str]:
    problems = []
    for arg_name, arg in fake.items():
        real_arg = real.get(arg_name)
        if real_arg is None:
            problems.append(f"{owner}({arg_name}) does not exist on GitHub")
        elif str(arg.type) != str(real_arg.type):
            problems.append(f"{owner}({arg_name}): {arg.type} here, {real_arg.type} there")
    for arg_name, real_arg in real.items():
        required = isinstance(real_arg.type, GraphQLNonNull) and real_arg.default_value is Undefined
        if required and arg_name not in fake:
            problems.append(f"{owner}({arg_name}) is required on GitHub but missing here")
    return problems


def test_every_declared_type_field_and_argument_exists_on_github(
        github_schema: GraphQLSchema) -> None:
    real_types = _declared_types(github_schema)
    problems: list[str] = []
    fake_types = _declared_types(subset_schema())
    for name, fake_type in fake_types.items():
        real_type = real_types.get(name)
        if real_type is None:
            problems.append(f"type {name} does not exist on GitHub")
        else:
            problems += _differences(fake_type, real_type)
    assert problems == []
    # Enough of Projects V2 is served for the client's documents (see graphql_contract.md).
    for needed in ("ProjectV2", "ProjectV2Item", "DraftIssue", "ProjectV2SingleSelectField",
                   "ProjectV2ItemFieldSingleSelectValue", "UpdateProjectV2FieldInput"):
        assert needed in fake_types


def test_the_check_notices_a_field_github_does_not_have(github_schema: GraphQLSchema) -> None:
    bogus = build_schema("type Query { viewer: User! }  type User { login: Int! secret: String }")
    user = bogus.get_type("User")
    real_user = github_schema.get_type("User")
    assert user is not None and real_user is not None
    assert _differences(user, real_user) == [
        "User.login: Int! here, String! there", "User.secret does not exist on GitHub"]
    bogus = build_schema("type Query { a: Int }  input AddProjectV2DraftIssueInput { "
                         "projectId: ID! body: Int }")
    add, real_add = (s.get_type("AddProjectV2DraftIssueInput") for s in (bogus, github_schema))
    assert add is not None and real_add is not None
    assert _differences(add, real_add) == [
        "AddProjectV2DraftIssueInput(body): Int here, String there",
        "AddProjectV2DraftIssueInput(title) is required on GitHub but missing here"]


def test_the_contract_documents_validate_against_both_schemas(
        github_schema: GraphQLSchema) -> None:
    documents = [DISCOVERY, ITEMS, "query { viewer { login } rateLimit { limit remaining "
                 "resetAt cost } }"]
    documents += [batch((name, {}))[0] for name in PAYLOADS]
    documents.append(batch(("addProjectV2DraftIssue", {}), ("addProjectV2DraftIssue", {}))[0])
    for document in documents:
        assert validate(github_schema, parse(document)) == [], document
        assert validate(subset_schema(), parse(document)) == [], document
