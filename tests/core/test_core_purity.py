"""The core plans; it never reads or writes. import-linter forbids I/O modules there (pyproject);
builtins need no import, so this test looks for the ones that do I/O."""

from __future__ import annotations

import ast

from tests.helpers.paths import PROJECT_ROOT

CORE = PROJECT_ROOT / "kanbanger_daemon" / "core"
IO_BUILTINS = {"open", "print", "input", "exec", "eval", "__import__", "breakpoint"}


def test_no_module_of_the_core_calls_an_io_builtin() -> None:
    found = []
    for path in sorted(CORE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in IO_BUILTINS):
                found.append(f"{path.relative_to(CORE)}:{node.lineno}: {node.func.id}()")
    assert found == []
