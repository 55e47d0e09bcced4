"""Changes to a project in the fake GitHub, as later queries see them: the client's batched
mutations (creates, status, title, archive, position, status options, custom fields) and what a
person does by hand (moves, renames, deletes, more repositories and projects). Queries and the
handling of requests are in ``test_fake_github_queries``."""

from __future__ import annotations

from typing import Any

import pytest

from kanbanger_daemon.testing import FakeGitHub, render_project
from tests.helpers.graphql_documents import DISCOVERY, list_items, send


def _create(fake: FakeGitHub, *titles: str) -> list[str]:
    reply = send(fake, *[("addProjectV2DraftIssue",
                          {"projectId": fake.project_id(), "title": t, "body": f"body {t}"})
                         for t in titles])
    assert "errors" not in reply
    return [reply["data"][f"m{n}"]["projectItem"]["id"] for n in range(len(titles))]


def test_batched_creates_add_drafts_at_the_bottom(fake: FakeGitHub) -> None:
    fake.person_add_draft("Existing")
    ids = _create(fake, "A", "B", "C")
    assert [(i.title, i.body) for i in fake.items()] == [
        ("Existing", ""), ("A", "body A"), ("B", "body B"), ("C", "body C")]
    assert [i.id for i in fake.items()][1:] == ids
    counters = fake.counters
    assert counters.creates == 3 and counters.mutation_documents == 1
    assert counters.mutations == {"addProjectV2DraftIssue": 3}


def test_the_project_url_and_item_database_ids_give_addresses_on_github_com(
        fake: FakeGitHub) -> None:
    reply = fake.graphql(DISCOVERY, {"owner": "octo", "name": "specs", "number": 1}).json()
    url = reply["data"]["repository"]["projectV2"]["url"]
    assert url == fake.project_url() == "https://github.com/users/octo/projects/1"
    fake.person_add_draft("by a person")
    made = send(fake, ("addProjectV2DraftIssue", {"projectId": fake.project_id(), "title": "A"}),
                ("addProjectV2DraftIssue", {"projectId": fake.project_id(), "title": "B"}))
    created = [made["data"][f"m{n}"]["projectItem"]["fullDatabaseId"] for n in (0, 1)]
    listed = [node["fullDatabaseId"] for node in list_items(fake)]
    # A BigInt is a string; ids grow as items are added; a listing shows the same ids.
    assert all(isinstance(i, str) and i.isdigit() for i in listed)
    assert listed[1:] == created and sorted(listed, key=int) == listed
    assert [i.database_id for i in fake.items()] == listed


def test_status_title_archive_unarchive_and_status_update(fake: FakeGitHub) -> None:
    [item] = _create(fake, "A")
    project, field = fake.project_id(), fake.status_field_id()
    doing = next(o.id for o in fake.status_options() if o.name == "In Progress")
    reply = send(fake, ("updateProjectV2ItemFieldValue", {
        "projectId": project, "itemId": item, "fieldId": field,
        "value": {"singleSelectOptionId": doing}}),
        ("updateProjectV2DraftIssue", {"draftIssueId": fake.item(item).content_id,
                                       "title": "A renamed"}),
        ("createProjectV2StatusUpdate", {"projectId": project, "status": "ON_TRACK",
                                         "body": "all good"}))
    assert "errors" not in reply
    assert reply["data"]["m1"]["draftIssue"]["title"] == "A renamed"
    assert reply["data"]["m2"]["statusUpdate"]["status"] == "ON_TRACK"
    assert (fake.item(item).status, fake.item(item).title) == ("In Progress", "A renamed")
    assert fake.status_updates() == [("ON_TRACK", "all good")]
    send(fake, ("archiveProjectV2Item", {"projectId": project, "itemId": item}))
    assert fake.item(item).archived
    send(fake, ("unarchiveProjectV2Item", {"projectId": project, "itemId": item}))
    assert not fake.item(item).archived


def test_partial_failure_in_a_batch_applies_the_good_aliases(fake: FakeGitHub) -> None:
    [item] = _create(fake, "A")
    project, field = fake.project_id(), fake.status_field_id()
    done = next(o.id for o in fake.status_options() if o.name == "Done")
    reply = send(fake,
                 ("archiveProjectV2Item", {"projectId": project, "itemId": "PVTI_missing"}),
                 ("updateProjectV2ItemFieldValue", {
                     "projectId": project, "itemId": item, "fieldId": field,
                     "value": {"singleSelectOptionId": done}}))
    assert reply["data"]["m0"] is None and reply["data"]["m1"]["projectV2Item"]["id"] == item
    [error] = reply["errors"]
    assert error["path"] == ["m0"] and error["type"] == "NOT_FOUND"
    assert fake.item(item).status == "Done"


def test_unknown_option_id_is_refused(fake: FakeGitHub) -> None:
    [item] = _create(fake, "A")
    reply = send(fake, ("updateProjectV2ItemFieldValue", {
        "projectId": fake.project_id(), "itemId": item, "fieldId": fake.status_field_id(),
        "value": {"singleSelectOptionId": "deadbeef"}}))
    assert reply["errors"][0]["path"] == ["m0"] and fake.item(item).status is None


def test_create_and_other_mutations_in_one_document_run_in_order(fake: FakeGitHub) -> None:
    [item] = _create(fake, "A")
    reply = send(fake,
                 ("archiveProjectV2Item", {"projectId": fake.project_id(), "itemId": item}),
                 ("addProjectV2DraftIssue", {"projectId": fake.project_id(), "title": "B"}))
    assert set(reply["data"]) == {"m0", "m1"} and "errors" not in reply
    assert [i.title for i in fake.items()] == ["A", "B"] and fake.item(item).archived


def test_each_payload_shows_the_state_between_the_mutations_before_and_after_it(
        fake: FakeGitHub) -> None:
    """GitHub runs a document's mutation fields one after the other, each with its payload,
    before the next: a payload shows a draft's body as it was right before a later write."""
    [item] = _create(fake, "A")
    draft = fake.item(item).content_id
    fake.person_edit_body(item, "a person's text")
    doing = next(o.id for o in fake.status_options() if o.name == "In Progress")
    reply = send(fake, ("updateProjectV2ItemFieldValue", {
        "projectId": fake.project_id(), "itemId": item, "fieldId": fake.status_field_id(),
        "value": {"singleSelectOptionId": doing}}),
        ("updateProjectV2DraftIssue", {"draftIssueId": draft, "title": "A, renamed"}),
        ("updateProjectV2DraftIssue", {"draftIssueId": draft, "body": "ours"}),
        ("updateProjectV2DraftIssue", {"draftIssueId": draft, "title": "A, again"}))
    assert "errors" not in reply
    data = reply["data"]
    assert data["m0"]["projectV2Item"]["content"] == {"id": draft, "body": "a person's text"}
    assert data["m1"]["draftIssue"] == {"id": draft, "title": "A, renamed",
                                        "body": "a person's text"}
    assert data["m2"]["draftIssue"]["body"] == "ours"
    assert data["m3"]["draftIssue"] == {"id": draft, "title": "A, again", "body": "ours"}
    assert (fake.item(item).title, fake.item(item).body) == ("A, again", "ours")


def test_a_fake_that_wants_creates_alone_rejects_a_mixed_document(fake: FakeGitHub) -> None:
    fake.creates_alone = True
    [item] = _create(fake, "A")
    reply = send(fake,
                 ("addProjectV2DraftIssue", {"projectId": fake.project_id(), "title": "B"}),
                 ("archiveProjectV2Item", {"projectId": fake.project_id(), "itemId": item}))
    assert reply["data"] is None and reply["errors"][0]["type"] == "UNPROCESSABLE"
    assert [i.title for i in fake.items()] == ["A"] and not fake.item(item).archived


def test_item_position_orders_items(fake: FakeGitHub) -> None:
    a, b, c = _create(fake, "A", "B", "C")
    project = fake.project_id()
    reply = send(fake, ("updateProjectV2ItemPosition",
                        {"projectId": project, "itemId": c, "afterId": a}))
    assert reply["data"]["m0"]["items"]["nodes"] == [{"id": a}]
    assert [i.title for i in fake.items()] == ["A", "C", "B"]
    send(fake, ("updateProjectV2ItemPosition", {"projectId": project, "itemId": b}))
    assert [(i.title, i.position) for i in fake.items()] == [("B", 0), ("A", 1), ("C", 2)]


def _resend_options(fake: FakeGitHub, with_ids: bool, extra: str) -> dict[str, Any]:
    options: list[dict[str, Any]] = [
        {"name": o.name, "color": o.color, "description": o.description,
         **({"id": o.id} if with_ids else {})} for o in fake.status_options()]
    options.append({"name": extra, "color": "RED", "description": ""})
    return send(fake, ("updateProjectV2Field", {"fieldId": fake.status_field_id(),
                                                "singleSelectOptions": options}))


def test_adding_an_option_with_existing_ids_keeps_every_status(fake: FakeGitHub) -> None:
    a = fake.person_add_draft("A", "In Progress")
    before = {o.name: o.id for o in fake.status_options()}
    reply = _resend_options(fake, with_ids=True, extra="Blocked")
    options = reply["data"]["m0"]["projectV2Field"]["options"]
    assert [o["name"] for o in options] == ["Todo", "In Progress", "Done", "Blocked"]
    assert {o.name: o.id for o in fake.status_options()}.items() >= before.items()
    assert fake.item(a).status == "In Progress"


def test_the_option_id_hazard_resending_without_ids_clears_statuses(fake: FakeGitHub) -> None:
    a = fake.person_add_draft("A", "In Progress")
    b = fake.person_add_draft("B", "Done")
    before = {o.name: o.id for o in fake.status_options()}
    _resend_options(fake, with_ids=False, extra="Blocked")
    after = {o.name: o.id for o in fake.status_options()}
    assert set(after) == {"Todo", "In Progress", "Done", "Blocked"}
    assert all(after[name] != before[name] for name in before)  # every option got a new id
    assert fake.item(a).status is None and fake.item(b).status is None  # GitHub's hazard


def test_person_actions_change_what_queries_see(fake: FakeGitHub) -> None:
    a = fake.person_add_draft("A", "Todo", body="hello")
    b = fake.person_add_draft("B")
    fake.person_move(a, "Done")
    fake.person_rename(b, "B2")
    assert fake.item(b).title == "B2"
    fake.person_archive(b)
    c = fake.person_add_draft("C", "In Progress")
    fake.person_delete(c)
    nodes = list_items(fake)
    assert [(n["content"]["title"], n["isArchived"], (n["fieldValueByName"] or {}).get("name"))
            for n in nodes] == [("A", False, "Done"), ("B2", True, None)]
    assert nodes[0]["content"]["body"] == "hello"
    fake.person_set_options(["Todo", "Done", "Blocked"])  # In Progress removed by hand
    assert [o.name for o in fake.status_options()] == ["Todo", "Done", "Blocked"]
    assert fake.item(a).status == "Done"  # kept names keep their ids
    with pytest.raises(KeyError):
        fake.person_move(a, "In Progress")


def test_render_project_groups_items_by_status(fake: FakeGitHub) -> None:
    fake.person_add_draft("Write spec", "Done")
    fake.person_add_draft("Ship it", "In Progress")
    fake.person_add_draft("Loose end")
    fake.person_archive(fake.person_add_draft("Old", "Todo"))
    board = render_project(fake, 1)
    assert board.splitlines() == [
        "GitHub project #1: 3 item(s), 1 archived",
        "== Todo (0)", "== In Progress (1)", "   - Ship it", "== Done (1)", "   - Write spec",
        "== No Status (1)", "   - Loose end"]


def test_person_drags_items_and_projects_live_in_several_repositories(
        fake: FakeGitHub) -> None:
    fake.person_add_draft("A")
    b = fake.person_add_draft("B")
    fake.person_move_after(b, None)
    assert [i.title for i in fake.items()] == ["B", "A"]
    fake.add_repository("other")
    fake.add_project(3, "Elsewhere")
    fake.link_project(3, "other")
    reply = fake.graphql(DISCOVERY, {"owner": "octo", "name": "other", "number": 3}).json()
    assert reply["data"]["repository"]["projectV2"]["title"] == "Elsewhere"
    reply = fake.graphql(DISCOVERY, {"owner": "octo", "name": "specs", "number": 3}).json()
    assert reply["errors"][0]["type"] == "NOT_FOUND"  # not linked to specs
    fake.person_add_draft("Far", "Done", project_number=3)
    assert [(i.title, i.status) for i in fake.items(3)] == [("Far", "Done")]
    assert [i.title for i in fake.items()] == ["B", "A"]


VALUES = """query($p: ID!) { node(id: $p) { ... on ProjectV2 { items(first: 10) { nodes {
  backups: fieldValueByName(name: "Backups used") {
    ... on ProjectV2ItemFieldNumberValue { number } }
  spec: fieldValueByName(name: "SPEC") { ... on ProjectV2ItemFieldTextValue { text } }
  risk: fieldValueByName(name: "Risk") {
    ... on ProjectV2ItemFieldSingleSelectValue { name optionId } } } } } } }"""


def test_custom_text_number_and_single_select_fields(fake: FakeGitHub) -> None:
    item = fake.person_add_draft("A", "Todo")
    project = fake.project_id()
    reply = send(fake,
                 ("createProjectV2Field", {"projectId": project, "name": "Backups used",
                                           "dataType": "NUMBER"}),
                 ("createProjectV2Field", {"projectId": project, "name": "SPEC",
                                           "dataType": "TEXT"}),
                 ("createProjectV2Field", {"projectId": project, "name": "Risk",
                                           "dataType": "SINGLE_SELECT", "singleSelectOptions": [
                                               {"name": "Low", "color": "GREEN",
                                                "description": ""}]}),
                 ("createProjectV2Field", {"projectId": project, "name": "status",
                                           "dataType": "TEXT"}))
    assert reply["errors"] == [{"type": "UNPROCESSABLE", "path": ["m3"],
                                "locations": reply["errors"][0]["locations"],
                                "message": "Name has already been taken"}]
    number, text, risk = (reply["data"][f"m{n}"]["projectV2Field"] for n in range(3))
    assert number["dataType"] == "NUMBER" and number["id"].startswith("PVTF_")
    assert fake.fields()["Risk"] == "SINGLE_SELECT"
    low = risk["options"][0]["id"]

    def set_value(fld: str, value: dict[str, Any]) -> dict[str, Any]:
        return send(fake, ("updateProjectV2ItemFieldValue", {
            "projectId": project, "itemId": item, "fieldId": fld, "value": value}))

    assert "errors" not in set_value(number["id"], {"number": 2})
    assert "errors" not in set_value(text["id"], {"text": "specs/a"})
    assert "errors" not in set_value(risk["id"], {"singleSelectOptionId": low})
    assert set_value(text["id"], {"number": 3})["errors"][0]["type"] == "UNPROCESSABLE"
    assert set_value(text["id"], {"text": "x", "number": 1})["errors"][0]["message"] == (
        "Only 1 value can be updated at a time.")
    assert fake.item(item).values == {"Backups used": 2.0, "SPEC": "specs/a", "Risk": "Low"}
    assert fake.item(item).status == "Todo"
    [node] = fake.graphql(VALUES, {"p": project}).json()["data"]["node"]["items"]["nodes"]
    assert node == {"backups": {"number": 2.0}, "spec": {"text": "specs/a"},
                    "risk": {"name": "Low", "optionId": low}}
    send(fake, ("clearProjectV2ItemFieldValue", {"projectId": project, "itemId": item,
                                                 "fieldId": text["id"]}),
         ("clearProjectV2ItemFieldValue", {"projectId": project, "itemId": item,
                                           "fieldId": fake.status_field_id()}))
    assert fake.item(item).values == {"Backups used": 2.0, "Risk": "Low"}
    assert fake.item(item).status is None
