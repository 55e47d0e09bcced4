"""The scripted GitHub of tests.helpers.mini_github, itself: it must answer as the client
tests expect, or they would test nothing."""

from __future__ import annotations

from tests.helpers.mini_github import MiniGitHub


def test_mini_github_answers_by_shape(github: MiniGitHub) -> None:
    """The scripted mock itself: a create appears in the next listing (guards the helpers)."""
    github.apply("addProjectV2DraftIssue", {"title": "A", "body": "b"})
    page = github.items_page({"first": 10, "after": None})
    assert [n["content"]["title"] for n in page["items"]["nodes"]] == ["A"]
