"""What a file in a SPEC folder is, from its *name* alone, and which files belong together.

Naming rules (Spec_Engine, checked against every file of the shared corpus):

=================================  ===============  ===========================
name                               kind             descriptor
=================================  ===============  ===========================
``spec_<d>.md``                    ``spec``         ``<d>``
``<d>_SPEC.md`` (TOOLSPECs)         ``spec``         ``<d>`` (``WTF_SPEC.md`` → ``WTF``)
``speclet_<d>.md``                 ``speclet``      ``<d>`` (``0_platform``)
``parameters_<d>.toml``            ``parameters``   ``<d>``
``progress_<d>.json``              ``progress``     ``<d>``
``_kanban.md``                     ``board``        None
anything else                      ``other``        None
=================================  ===============  ===========================

Prefixes (and the ``_SPEC.md`` suffix) are exact: ``SPECLET_3_COMPLETION.md`` (a report),
``Spec_template.md``, ``exe_*.md``, editor backups (``spec_x.md~``) are ``other``. Spec_Engine's
TOOLSPECs name their spec ``<Name>_SPEC.md`` and its companions ``parameters_<Name>.toml`` and
``progress_<Name>.json``.

Pairing. A SPECLet's companions carry the whole file stem as their descriptor:
``speclet_0_platform.md`` goes with ``parameters_speclet_0_platform.toml`` and
``progress_speclet_0_platform.json``; ``spec_podcast.md`` goes with ``parameters_podcast.toml``
and ``progress_podcast.json``. So a progress (or parameters) descriptor ``d`` belongs to
``spec_<d>.md`` or, when ``d`` is ``speclet_<rest>``, to ``speclet_<rest>.md``; ``spec_<d>.md`` is
preferred if both exist. ``progress_<x>_MASTER.json`` is the orchestration log of all SPECLets of a
folder (one entry per SPECLet, not per task): it pairs with no single file, and ``pairs_with``
returns None for it (``is_master_progress`` tells it apart).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

FileKind = Literal["spec", "speclet", "parameters", "progress", "board", "other"]

BOARD_NAME = "_kanban.md"

# (prefix, suffix, kind). "speclet_" must be tried before "spec_" would matter; "spec_" does not
# match "speclet_..." anyway because the prefix includes the underscore.
_RULES: tuple[tuple[str, str, FileKind], ...] = (
    ("spec_", ".md", "spec"),
    ("speclet_", ".md", "speclet"),
    ("parameters_", ".toml", "parameters"),
    ("progress_", ".json", "progress"),
)


_TOOLSPEC_SUFFIX = "_SPEC.md"


def base_name(path: str) -> str:
    """The last component of a path written with ``/`` or ``\\`` (pure: no ``os``)."""
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def classify(name: str) -> tuple[FileKind, str | None]:
    """Kind and descriptor of a file *name* (a path is reduced to its last component)."""
    name = base_name(name)
    if name == BOARD_NAME:
        return ("board", None)
    for prefix, suffix, kind in _RULES:
        if name.startswith(prefix) and name.endswith(suffix):
            descriptor = name[len(prefix) : len(name) - len(suffix)]
            if descriptor and descriptor.strip() == descriptor:
                return (kind, descriptor)
    if name.endswith(_TOOLSPEC_SUFFIX) and not name.startswith(("exe_", "parameters_")):
        descriptor = name[: -len(_TOOLSPEC_SUFFIX)]
        if descriptor and descriptor.strip() == descriptor and descriptor[0].isalnum():
            return ("spec", descriptor)
    return ("other", None)


def is_master_progress(name: str) -> bool:
    """True for a SPECLet orchestration log (``progress_innovation_dashboard_MASTER.json``)."""
    kind, descriptor = classify(name)
    return kind == "progress" and descriptor is not None and descriptor.endswith("_MASTER")


def _spec_candidates(descriptor: str) -> list[str]:
    """Spec/speclet file names a parameters or progress descriptor may belong to, best first."""
    names = [f"spec_{descriptor}.md", f"{descriptor}{_TOOLSPEC_SUFFIX}"]
    if descriptor.startswith("speclet_") and len(descriptor) > len("speclet_"):
        names.append(f"{descriptor}.md")
    return names


def pairs_with(progress_name: str, names_in_folder: Iterable[str]) -> str | None:
    """The spec/speclet file (a name from ``names_in_folder``) that a progress log belongs to.

    Decided by descriptor only, never by content. None when the log is not a progress file, is a
    ``_MASTER`` orchestration log, or its spec is not in the folder.
    """
    kind, descriptor = classify(progress_name)
    if kind != "progress" or descriptor is None or is_master_progress(progress_name):
        return None
    return _first_present(_spec_candidates(descriptor), names_in_folder)


def parameters_pairs_with(parameters_name: str, names_in_folder: Iterable[str]) -> str | None:
    """The spec/speclet file a ``parameters_<d>.toml`` belongs to (same rule as progress logs)."""
    kind, descriptor = classify(parameters_name)
    if kind != "parameters" or descriptor is None:
        return None
    return _first_present(_spec_candidates(descriptor), names_in_folder)


def companion_names(spec_name: str) -> tuple[str, str] | None:
    """``(parameters name, progress name)`` for a spec/speclet file, or None for other files."""
    kind, descriptor = classify(spec_name)
    if kind == "spec" and descriptor is not None:
        stem = descriptor
    elif kind == "speclet" and descriptor is not None:
        stem = f"speclet_{descriptor}"
    else:
        return None
    return (f"parameters_{stem}.toml", f"progress_{stem}.json")


def _first_present(candidates: list[str], names_in_folder: Iterable[str]) -> str | None:
    present = {base_name(n) for n in names_in_folder}
    for candidate in candidates:
        if candidate in present:
            return candidate
    return None
