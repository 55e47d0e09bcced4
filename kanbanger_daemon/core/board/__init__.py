"""The board: ``_kanban.md`` read and written byte-exactly, the board a SPEC and its progress
call for, generated cards, the REVIEW gate, the edits a person asks for. Pure."""
