"""One HTTP request to the fake GitHub, from bytes in to a reply out (no sockets here).

Order, as on GitHub: credentials, JSON, GraphQL parse and validation, then (per document) the
injected faults, the rate limits, the add+other check, execution, and a possibly lost reply.
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    parse,
    validate,
)

from ._execute import format_error, run, subset_schema
from ._faults import FaultDice
from ._limits import CreationWindow, PrimaryBudget
from ._resolvers import CREATE_MUTATIONS, SOMETHING_WENT_WRONG, RequestContext
from ._state import World, iso

SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {rid}."
)
DOCS_URL = "https://docs.github.com/graphql"
BAD_GATEWAY_HTML = (
    b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>"
    b"<p>We didn't receive a timely response from the upstream server.</p></body></html>\n"
)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


DROP = None  # the connection is closed without any reply (a reset)


@dataclass
class LoggedRequest:
    """One request as received, without its Authorization header."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any  # the parsed JSON body, or the raw text when it was not JSON
    status: int | None = None  # None: no reply was sent (connection reset)


@dataclass
class Tally:
    requests: int = 0
    documents: int = 0
    queries: int = 0
    mutation_documents: int = 0
    mutations: Counter[str] = field(default_factory=Counter)
    creates: int = 0
    rate_limit_refusals: int = 0
    faults: Counter[str] = field(default_factory=Counter)


class Gateway:
    """Turns requests into replies against a World; callers hold no lock, this class does."""

    def __init__(self, world: World, *, token: str, scopes: tuple[str, ...] | None,
                 clock: Callable[[], float], dice: FaultDice, points: int,
                 enforce_creation_limits: bool, wait: Callable[[float], object]) -> None:
        self.world = world
        self.token = token
        self.scopes = scopes
        self.clock = clock
        self.dice = dice
        self.enforce_creation_limits = enforce_creation_limits
        # GitHub runs a document's mutation fields one after the other, whatever their kinds;
        # True refuses a create mixed with other mutations (a client must cope with a server
        # that does: see ``github.sender``).
        self.creates_alone = False
        self.wait = wait  # a real pause that returns early when the server stops
        self.lock = threading.RLock()
        self.budget = PrimaryBudget(points, clock)
        self.creations = CreationWindow(clock)
        self.tally = Tally()
        self.log: list[LoggedRequest] = []
        self._request_ids = 0

    # ---- replies -----------------------------------------------------------------------------

    def _headers(self, remaining: int | None = None, reset: int | None = None
                 ) -> dict[str, str]:
        self._request_ids += 1
        headers = {
            "content-type": "application/json; charset=utf-8",
            "x-github-request-id": f"F4KE:{self._request_ids:06X}",
            "x-ratelimit-limit": str(self.budget.limit),
            "x-ratelimit-remaining": str(self.budget.remaining if remaining is None
                                         else remaining),
            "x-ratelimit-reset": str(self.budget.reset_at if reset is None else reset),
            "x-ratelimit-used": str(self.budget.used),
            "x-ratelimit-resource": "graphql",
        }
        if self.scopes is not None:  # fine-grained tokens get no x-oauth-scopes header
            headers["x-oauth-scopes"] = ", ".join(self.scopes)
        return headers

    def _json(self, status: int, payload: Any, **extra: str) -> Reply:
        headers = {**self._headers(), **extra}
        return Reply(status, headers, json.dumps(payload).encode())

    def _fault_reply(self, kind: str) -> Reply | None:
        self.tally.faults[kind] += 1
        if kind == "connection_reset":
            return DROP
        if kind == "http_502":
            headers = {**self._headers(), "content-type": "text/html"}
            return Reply(502, headers, BAD_GATEWAY_HTML)
        if kind == "http_504":
            return self._json(504, {"message": "We couldn't respond to your request in time. "
                                    "Sorry about that. Please try resubmitting your request "
                                    "and contact us if the problem persists."})
        if kind == "something_went_wrong":
            return self._json(200, {"data": None, "errors": [
                {"message": SOMETHING_WENT_WRONG.format(code="ABCD:1234")}]})
        if kind == "secondary_rate_limit":
            return self._secondary(self.dice.faults.secondary_retry_after)
        assert kind == "primary_rate_limit"
        return self._primary(math.ceil(self.clock()) + self.dice.faults.primary_reset_after,
                             self.dice.faults.primary_status)

    def _secondary(self, retry_after: float) -> Reply:
        self.tally.rate_limit_refusals += 1
        seconds = str(max(1, math.ceil(retry_after)))
        rid = f"F4KE:{self._request_ids + 1:06X}"
        return self._json(403, {"documentation_url": DOCS_URL + "/overview/rate-limits-and-"
                                "node-limits-for-the-graphql-api#secondary-rate-limits",
                                "message": SECONDARY_MESSAGE.format(rid=rid)},
                          **{"retry-after": seconds})

    def _primary(self, reset_at: int, status: int) -> Reply:
        self.tally.rate_limit_refusals += 1
        headers = {**self._headers(remaining=0, reset=reset_at)}
        body = {"data": None, "errors": [{"type": "RATE_LIMITED", "message":
                "API rate limit already exceeded for user ID 1."}]}
        return Reply(status, headers, json.dumps(body).encode())

    # ---- the request -------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes
               ) -> Reply | None:
        with self.lock:
            self.tally.requests += 1
            entry = LoggedRequest(method, path, {k: v for k, v in headers.items()
                                                 if k.lower() != "authorization"}, None)
            self.log.append(entry)
            reply, plan = self._admit(method, path, headers, raw, entry)
        if plan is not None and plan.slow:
            self.wait(self.dice.faults.slow_seconds)  # outside the lock: tests may inspect
        if plan is not None:
            with self.lock:
                reply = self._execute(plan)
        with self.lock:
            entry.status = reply.status if reply is not None else None
        return reply

    def _admit(self, method: str, path: str, headers: dict[str, str], raw: bytes,
               entry: LoggedRequest) -> tuple[Reply | None, _Plan | None]:
        if method != "POST" or path.rstrip("/") != "/graphql":
            return self._json(404, {"message": "Not Found", "documentation_url": DOCS_URL}), None
        try:
            entry.body = json.loads(raw) if raw else None
        except ValueError:
            entry.body = raw.decode("utf-8", "replace")
        auth = headers.get("authorization", "")
        scheme, _, given = auth.partition(" ")
        if scheme.lower() not in ("bearer", "token") or given.strip() != self.token:
            return self._json(401, {"message": "Bad credentials", "documentation_url": DOCS_URL}
                              ), None
        body = entry.body
        if not isinstance(body, dict):
            return self._json(400, {"message": "Problems parsing JSON",
                                    "documentation_url": DOCS_URL}), None
        query = body.get("query")
        if not isinstance(query, str):
            return self._json(200, {"errors": [{"message": "A query attribute must be "
                                                "specified and must be a string."}]}), None
        try:
            document, problems = _parse_and_validate(query)
        except GraphQLError as exc:
            return self._json(200, {"errors": [format_error(exc)]}), None
        operation = _operation(document.definitions, body.get("operationName"))
        if problems or operation is None:
            errors = [format_error(p) for p in problems] or [
                {"message": "No operation (or the named one) found in the document."}]
            return self._json(200, {"errors": errors}), None
        variables = body.get("variables")
        plan = _Plan(document, variables if isinstance(variables, dict) else None,
                     body.get("operationName"), operation)
        self.tally.documents += 1
        if plan.is_mutation:
            self.tally.mutation_documents += 1
        else:
            self.tally.queries += 1
        fault = self.dice.before_execution(plan.is_mutation)
        if fault == "slow_reply":
            self.tally.faults[fault] += 1
            plan.slow = True
        elif fault is not None:
            return self._fault_reply(fault), None
        return None, plan

    def _execute(self, plan: _Plan) -> Reply | None:
        if self.budget.remaining <= 0:
            return self._primary(self.budget.reset_at, 200)
        creates = sum(1 for name in plan.field_names if name in CREATE_MUTATIONS)
        if self.creates_alone and creates and len(plan.field_names) > creates:
            return self._json(200, {"data": None, "errors": [{
                "type": "UNPROCESSABLE",
                "message": "addProjectV2DraftIssue cannot be combined with other mutations "
                           "in one request; send creates in a document of their own."}]})
        if self.enforce_creation_limits:
            wait = self.creations.admit(creates)
            if wait is not None:
                return self._secondary(wait)
        self.budget.spend(1)
        context = RequestContext(
            self.world, frozenset(self.scopes) if self.scopes is not None else None,
            self._rate_limit_view(),
            failing_alias=self.dice.failing_alias(plan.is_mutation, plan.aliases),
            hide_new_item=self._hide_new_item,
            count_fault=self._count_fault,
            count_mutation=self._count_mutation,
            count_create=self._count_create,
        )
        result = run(plan.document, plan.variables, plan.operation_name, context)
        if not plan.is_mutation:
            self._age_invisible_items(context.projects_read)
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [format_error(e) for e in result.errors]
        lost = self.dice.lost_reply(plan.is_mutation)
        if lost is not None:
            self.tally.faults["lost_reply"] += 1
            return DROP if lost == "connection_reset" else Reply(
                502, {**self._headers(), "content-type": "text/html"}, BAD_GATEWAY_HTML)
        return self._json(200, payload)

    def _rate_limit_view(self) -> dict[str, Any]:
        # Called after this document's point was spent, as GitHub reports it.
        return {"limit": self.budget.limit, "cost": 1, "nodeCount": 0,
                "remaining": self.budget.remaining, "used": self.budget.used,
                "resetAt": iso(self.budget.reset_at)}

    def _hide_new_item(self) -> int:
        hidden_for = self.dice.hide_new_item()
        if hidden_for:
            self.tally.faults["invisible_new_item"] += 1
        return hidden_for

    def _count_fault(self, kind: str) -> None:
        self.tally.faults[kind] += 1

    def _count_mutation(self, name: str) -> None:
        self.tally.mutations[name] += 1

    def _count_create(self) -> None:
        self.tally.creates += 1

    def _age_invisible_items(self, project_numbers: set[int]) -> None:
        for number in project_numbers:
            for item in self.world.projects[number].items:
                if item.invisible_for > 0:
                    item.invisible_for -= 1


@dataclass
class _Plan:
    document: Any
    variables: dict[str, Any] | None
    operation_name: str | None
    operation: OperationDefinitionNode
    slow: bool = False

    @property
    def is_mutation(self) -> bool:
        return self.operation.operation == OperationType.MUTATION

    @property
    def _root_fields(self) -> list[FieldNode]:
        return [s for s in self.operation.selection_set.selections if isinstance(s, FieldNode)]

    @property
    def field_names(self) -> list[str]:
        return [f.name.value for f in self._root_fields]

    @property
    def aliases(self) -> list[str]:
        return [(f.alias or f.name).value for f in self._root_fields]


@lru_cache(maxsize=512)
def _parse_and_validate(query: str) -> tuple[DocumentNode, list[GraphQLError]]:
    """Clients send the same few documents again and again: parse and validate each once."""
    document = parse(query)
    return document, validate(subset_schema(), document)


def _operation(definitions: Any, name: Any) -> OperationDefinitionNode | None:
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    if isinstance(name, str):
        return next((o for o in operations if o.name and o.name.value == name), None)
    return operations[0] if len(operations) == 1 else None
