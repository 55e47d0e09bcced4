"""The token, checked: before any request (``check_token``), by its documented prefix
(``token_kind``), and by the scopes GitHub reports for it (``check_scopes``, at preflight)."""

from __future__ import annotations

from kanbanger_daemon.errors import AuthError, ScopeError, register_secret

TOKEN_PREFIXES = (
    ("github_pat_", "fine-grained"),
    ("ghp_", "classic"),
    ("gho_", "oauth"),
    ("ghu_", "app-user"),
    ("ghs_", "app-installation"),
    ("ghr_", "app-refresh"),
)


def check_token(token: str) -> None:
    """Register the token as a secret, and refuse one no request could go out with."""
    register_secret(token)
    if not token or token != token.strip() or not token.isascii() or not token.isprintable():
        # Said before any request, and without quoting the value.
        raise AuthError(
            "GITHUB_TOKEN is empty or has spaces, line breaks or non-ASCII characters: "
            "paste the token again without them."
        )


def token_kind(token: str) -> str:
    """What kind of GitHub token this is, from its documented prefix."""
    for prefix, kind in TOKEN_PREFIXES:
        if token.startswith(prefix):
            return kind
    return "unknown"


def check_scopes(kind: str, scopes: tuple[str, ...] | None) -> ScopeError | None:
    """Explain, in one sentence, why this token cannot manage a Projects V2 board (or None)."""
    if scopes is None:
        if kind == "fine-grained":
            return ScopeError(
                "This is a fine-grained personal access token, which cannot manage user-owned "
                "Projects V2 boards and reports no scopes: create a classic token with the "
                "`project` scope (plus `repo` for private repositories) and set GITHUB_TOKEN."
            )
        if kind in ("app-installation", "app-user", "app-refresh"):
            return ScopeError(
                "This is a GitHub App token, which reports no OAuth scopes and cannot manage "
                "user-owned Projects V2 boards: use a classic token with the `project` scope "
                "(or `gh auth token` after `gh auth refresh -s project`)."
            )
        return ScopeError(
            "GitHub did not report the token's scopes (no x-oauth-scopes header): use a classic "
            "token with the `project` scope so that the daemon can check it."
        )
    if "project" not in scopes:
        have = ", ".join(scopes) or "none"
        return ScopeError(
            f"The token lacks the `project` scope (it has: {have}): run "
            "`gh auth refresh -s project` or create a classic token with `project` and `repo`."
        )
    return None
