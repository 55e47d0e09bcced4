"""For tests that call push_board themselves."""

from __future__ import annotations

# A workspace's id in the sync tags (the daemon makes one per workspace: sync.workspace_id).
WORKSPACE_ID = "feed0001"
