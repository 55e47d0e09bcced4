"""Diagnostics shared by the spec and progress parsers. Pure."""

from __future__ import annotations

from kanbanger_daemon.models.spec import Diagnostic

MAX_DIAGNOSTICS = 50


def capped(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """At most ``MAX_DIAGNOSTICS`` (errors first), then one line saying how many were left out."""
    if len(diagnostics) <= MAX_DIAGNOSTICS:
        return diagnostics
    ordered = sorted(diagnostics, key=lambda d: d.severity != "error")
    kept, left = ordered[:MAX_DIAGNOSTICS], ordered[MAX_DIAGNOSTICS:]
    severity = "error" if any(d.severity == "error" for d in left) else "warning"
    summary = Diagnostic(file=kept[0].file, message=f"{len(left)} more problems not shown",
                         severity=severity)
    return [*kept, summary]
