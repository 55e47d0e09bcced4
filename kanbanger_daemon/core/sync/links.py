"""Where a person opens a card's item on github.com. PURE.

GitHub opens a project item in the project's side pane at
``<project url>?pane=issue&itemId=<the item's database id>``; the project's ``url`` comes from
discovery and the item's ``fullDatabaseId`` from its create's reply or a listing, both kept in
the sync state, so the address is known without a request.
"""

from __future__ import annotations

from urllib.parse import urlencode


def item_url(project_url: str | None, database_id: str | None) -> str | None:
    """The item's address on github.com, or None when either half is not known."""
    if not project_url or not database_id:
        return None
    return f"{project_url}?{urlencode({'pane': 'issue', 'itemId': database_id})}"
