"""One exception tree for kanbanger-daemon.

Whether an error is worth retrying is a property of its class, decided here and nowhere else::

    KanbangerError                      retryable = False
    ├── ConfigError                     a bad setting: names the key and the file
    │   └── UnknownKeyError             a name no setting has (a typo, mostly)
    ├── InputError                      a SPEC, progress or board file we cannot use
    │   └── FileChangedError            retryable: the file changed while it was read
    │       └── BoardBusyError          another program holds the board's ``.kanban.lock``
    ├── LockError                       another daemon already owns this workspace
    ├── BoardEditError                  an edit asked for (MCP tools) that the board refuses
    ├── StateError                      a sync-state file that cannot be read or written
    └── GitHubError                     anything GitHub said or failed to say
        ├── PermanentError              401, missing scopes, validation, not found: no retry
        │   ├── AuthError
        │   ├── ScopeError
        │   ├── NotFoundError
        │   └── GraphQLValidationError
        └── RetryableError              retryable = True
            ├── TransientError          connect/read errors, 5xx, "Something went wrong"
            ├── RateLimitError          primary limit: pause until ``reset_at``
            ├── SecondaryRateLimitError secondary limit: wait ``retry_after`` (or 60 s, doubling)
            └── AmbiguousMutationError  a mutation may or may not have happened: re-read first

Messages never contain the GitHub token: ``redact()`` is applied to every message at
construction, using the secrets registered with ``register_secret``.
"""

from __future__ import annotations

from typing import ClassVar

# The program's one process-wide registry, on purpose: an exception can be raised anywhere, by
# code that was never handed the settings, and its message must still not carry the token.
# It only grows (a secret once seen stays redacted), so no owner has to pass it around.
_SECRETS: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret so that no exception message can ever carry it."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def redact(text: str) -> str:
    """Replace every registered secret in ``text`` by ``***``."""
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, "***")
    return text


class KanbangerError(Exception):
    """Base of every error the daemon raises on purpose."""

    retryable: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        self.message = redact(message)
        super().__init__(self.message)


class ConfigError(KanbangerError):
    """A setting is missing or invalid."""

    def __init__(self, message: str, *, key: str | None = None, source: str | None = None) -> None:
        self.key = key
        self.source = source
        parts = (f"[{key}]" if key else "", f"in {source}" if source else "")
        where = " ".join(p for p in parts if p)
        super().__init__(f"{message} {where}".strip() if where else message)


class UnknownKeyError(ConfigError):
    """A settings file names a key that no setting has; the message offers the closest one."""


class InputError(KanbangerError):
    """An input file could not be used. ``file`` and ``line`` say where."""

    def __init__(self, message: str, *, file: str, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.detail = redact(message)  # the message without the place (shown apart from it)
        loc = f"{file}:{line}" if line is not None else file
        super().__init__(f"{loc}: {message}")


class FileChangedError(InputError):
    """The file changed while it was being read (or held a torn write): read it again."""

    retryable: ClassVar[bool] = True


class BoardBusyError(FileChangedError):
    """Another program (kanbanger, our MCP server) held ``.kanban.lock`` too long: try again."""


class BoardEditError(KanbangerError):
    """An edit the board does not allow: a card not in REVIEW approved, a generated card moved."""


class LockError(KanbangerError):
    """Another kanbanger-daemon already serves this workspace."""


class StateError(KanbangerError):
    """The sync state file could not be read or written."""


class GitHubError(KanbangerError):
    """Base of every error that comes from talking to GitHub."""


class PermanentError(GitHubError):
    """GitHub refused in a way that will not change by asking again."""


class AuthError(PermanentError):
    """The token is missing, invalid or expired (HTTP 401)."""


class ScopeError(PermanentError):
    """The token lacks a scope the daemon needs (``project``)."""


class NotFoundError(PermanentError):
    """The repository, project or field does not exist or is not visible to the token."""


class GraphQLValidationError(PermanentError):
    """GitHub rejected a document or its variables as invalid."""


class RetryableError(GitHubError):
    """A fault that may pass; the client retries these."""

    retryable: ClassVar[bool] = True


class TransientError(RetryableError):
    """Connection or read errors, 5xx, and GitHub's 'Something went wrong' replies."""


class RateLimitError(RetryableError):
    """The primary rate limit is spent; nothing may be sent before ``reset_at`` (epoch s)."""

    def __init__(self, message: str, *, reset_at: float | None = None) -> None:
        self.reset_at = reset_at
        super().__init__(message)


class SecondaryRateLimitError(RetryableError):
    """A secondary rate limit; wait ``retry_after`` seconds (None: 60 s, doubling)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class AmbiguousMutationError(RetryableError):
    """A mutation was sent and its outcome is unknown: re-read before doing anything again."""
