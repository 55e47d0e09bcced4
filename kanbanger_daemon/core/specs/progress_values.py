"""One value of a progress-log entry, read leniently: ids as the SPEC writes them, backup
numbers, counts, text, and the entries of a JSON list or object. Pure; used by
:mod:`.progress`."""

from __future__ import annotations

import re
from typing import Any

from kanbanger_daemon.core.specs.statuses import normalise_status

_ID_NUMBER = re.compile(r"(?i)^(?:task|step|speclet)?[\s_\-#\[]*(\d+(?:[._]\d+)*)\]?$")
_ID_SPECLET_TASK = re.compile(r"(?i)^task[\s_\-]*(\w+?)[\-_.](\d+)$")


def id_text(value: object) -> str | None:
    """A JSON id as a string as written: ``1`` → ``"1"``, ``1.0`` → ``"1"``, ``" 2 "`` → ``"2"``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()[:200]
    return None


def normalise_id(value: object, speclet_id: str | None) -> str | None:
    """Task/step id: prefixes (``task_1``, ``Task 1``, ``step_1_2``) dropped so ids join."""
    text = id_text(value)
    if text is None:
        return None
    if speclet_id is not None:
        # SPECLet 3's own log may write its task 1 as "task-3-1".
        match = _ID_SPECLET_TASK.match(text)
        if match and match.group(1) == speclet_id:
            return match.group(2)
    match = _ID_NUMBER.match(text)
    if match:
        return match.group(1).replace("_", ".")
    return text


def same_step(spec_step_id: str, log_step_id: str) -> bool:
    """Whether a spec step id and a progress-log step id name the same step of one task.

    Logs number steps within their task (``1``) where the markdown may write ``1.1`` or ``[1]``,
    so the last component decides when the two are written differently.
    """
    if spec_step_id == log_step_id:
        return True
    return spec_step_id.rsplit(".", 1)[-1] == log_step_id.rsplit(".", 1)[-1]


_BACKUP_NUMBER = re.compile(r"(?i)backup[\s_\-\[#(]*(\d+)")


def backup_number(value: object) -> int | None:
    """``"backup_1"``, ``"backup[2]"``, ``"Backup #1"``, ``2`` → the backup number; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str):
        match = _BACKUP_NUMBER.search(value[:200])
        if match:
            number = int(match.group(1)[:6])
            return number if number > 0 else None
        if value.strip().lower() == "backup":
            return 1
    return None


def attempt_count(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, list | dict):
        return len(value)
    return 0


def first_value(entry: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in entry and entry[key] is not None:
            return entry[key]
    return None


def text_value(value: object) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)[:1000]


def count_value(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def entries_of(value: object) -> list[tuple[str | None, dict[str, Any]]]:
    """Dict entries of a JSON list or object, each with its key (None in a list).

    In an object a bare string is a status: ``{"task_1": "completed"}``.
    """
    if isinstance(value, list):
        return [(None, v) for v in value if isinstance(v, dict)]
    if isinstance(value, dict):
        return [
            (str(k), v if isinstance(v, dict) else {"status": v})
            for k, v in value.items()
            if isinstance(v, dict) or (isinstance(v, str) and normalise_status(v) is not None)
        ]
    return []
