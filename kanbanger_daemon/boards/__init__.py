"""The local edge: which boards a workspace has, a SPEC folder read safely, ``_kanban.md`` planned
(by ``core``) and written without ever overwriting a person's save. Used by the daemon and by the
one-shot commands alike."""
