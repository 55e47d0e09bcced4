"""``parameters_<d>.toml`` joined into a parsed :class:`Spec`. Pure.

Internal to :mod:`kanbanger_daemon.core.specs.parse` (its docstring says what the join fills and how
disagreements are reported); call :func:`kanbanger_daemon.core.specs.parse.parse_spec`.
"""

from __future__ import annotations

import re
import tomllib

from kanbanger_daemon.core.specs.decode import MAX_INPUT_BYTES
from kanbanger_daemon.models.spec import Diagnostic, Spec, Speclet, Step, Task


def _toml_id(value: object) -> str | None:
    """A TOML id as the markdown writes it: ``1`` → ``"1"``, ``"task_1"`` → ``"1"``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        text = value.strip()[:60]
        match = re.match(r"(?i)^(?:task|step)[\s_\-]*(\d+)$", text)
        return match.group(1) if match else text
    return None


def _toml_text(entry: dict[str, object], *keys: str) -> str | None:
    for key in keys:
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _toml_backups(entry: dict[str, object]) -> list[str]:
    """``[[tasks.steps.backups]]`` tables, a list of strings, or ``backup_1 = "..."`` keys."""
    backups: list[str] = []
    listed = entry.get("backups")
    if isinstance(listed, list):
        for backup in listed:
            if isinstance(backup, dict):
                text = _toml_text(backup, "description", "method", "name") or "backup"
                backups.append(text)
            elif isinstance(backup, str):
                backups.append(backup)
    for key in ("backup_methods", "backup_options"):
        methods = entry.get(key)
        if isinstance(methods, list):
            backups.extend(m for m in methods if isinstance(m, str))
    numbered = sorted(
        (int(k[7:]), v) for k, v in entry.items()
        if re.fullmatch(r"backup_\d{1,3}", k) and isinstance(v, str)
    )
    backups.extend(v for _, v in numbered)
    return backups


def _tables(value: object) -> list[dict[str, object]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _step_key(step_id: str) -> str:
    return step_id.rsplit(".", 1)[-1]


class _ParametersJoin:
    def __init__(self, spec: Spec, parameters_file: str, *, standalone: bool = False) -> None:
        self.spec = spec
        self.file = parameters_file
        # Standalone: there is no markdown; the parameters are read on their own (inspect).
        self.standalone = standalone

    def warn(self, message: str) -> None:
        self.spec.diagnostics.append(
            Diagnostic(file=self.file, message=message, severity="warning")
        )

    def run(self, text: str) -> None:
        if len(text) > MAX_INPUT_BYTES:
            self.spec.diagnostics.append(Diagnostic(
                file=self.file, message=f"too large: {len(text)} characters; not used"))
            return
        try:
            data = tomllib.loads(text.removeprefix("\ufeff"))
        except tomllib.TOMLDecodeError as exc:
            found = re.search(r"line (\d+)", str(exc))
            line = int(found.group(1)) if found else None
            self.spec.diagnostics.append(Diagnostic(
                file=self.file, line=line, message=f"invalid TOML: {exc}; parameters not used"))
            return
        except RecursionError:
            self.spec.diagnostics.append(Diagnostic(
                file=self.file, message="invalid TOML: nested too deeply; parameters not used"))
            return
        self.join_tasks(_tables(data.get("tasks")))
        self.join_speclet_tasks(_tables(data.get("speclets")))
        self.join_speclets(data)

    def join_tasks(self, tables: list[dict[str, object]]) -> None:
        if not tables:
            return
        by_id: dict[str, dict[str, object]] = {}
        for table in tables:
            task_id = _toml_id(table.get("id"))
            if task_id is None:
                self.warn("a [[tasks]] entry has no id; ignored")
            else:
                by_id.setdefault(task_id, table)
        if not self.spec.tasks:
            if not self.standalone:
                self.warn("the markdown has no tasks; tasks taken from the parameters")
            for task_id, table in by_id.items():
                title = _toml_text(table, "name", "title", "description") or f"Task {task_id}"
                single = self.standalone and len(self.spec.speclets) == 1
                only = self.spec.speclets[0].id if single else None
                self.spec.tasks.append(Task(id=task_id, title=title, speclet=only))
        joined: set[str] = set()
        for task in self.spec.tasks:
            entry = by_id.get(task.id)
            if entry is None:
                self.warn(f"task {task.id} of the markdown has no [[tasks]] entry")
                continue
            joined.add(task.id)
            if not task.title:
                task.title = _toml_text(entry, "name", "title", "description") or task.title
            self.join_steps(task, _tables(entry.get("steps")))
        for task_id in by_id:
            if task_id not in joined:
                self.warn(f"[[tasks]] id {task_id} has no task in the markdown; ignored")

    def join_speclet_tasks(self, speclets: list[dict[str, object]]) -> None:
        """``[[speclets.tasks]]`` tables, joined to the markdown's tasks of the same SPECLet."""
        for speclet in speclets:
            speclet_id = _toml_id(speclet.get("id"))
            for table in _tables(speclet.get("tasks")):
                task_id = _toml_id(table.get("id"))
                if speclet_id is None or task_id is None:
                    continue
                ids = (task_id, f"{speclet_id}.{task_id}")
                if self.standalone:
                    title = _toml_text(table, "name", "title", "description") or f"Task {task_id}"
                    self.spec.tasks.append(Task(id=task_id, title=title, speclet=speclet_id))
                for task in self.spec.tasks:
                    if task.speclet == speclet_id and task.id in ids:
                        if not task.title:
                            task.title = _toml_text(table, "name", "title", "description") or ""
                        self.join_steps(task, _tables(table.get("steps")))

    def join_steps(self, task: Task, tables: list[dict[str, object]]) -> None:
        if not tables:
            return
        if not task.steps:
            for position, table in enumerate(tables, start=1):
                step_id = _toml_id(table.get("id")) or str(position)
                title = _toml_text(table, "name", "title", "description") or f"Step {step_id}"
                task.steps.append(Step(id=step_id, title=title))
        md_keys = [_step_key(s.id) for s in task.steps]
        toml_keys = [_toml_id(t.get("id")) for t in tables]
        if sorted(md_keys) != sorted(k or "" for k in toml_keys) and len(tables) == len(
            task.steps
        ):
            pairs = list(zip(task.steps, tables, strict=True))  # numbered differently: by order
        else:
            by_key = {k: t for k, t in zip(toml_keys, tables, strict=True) if k is not None}
            pairs = [(s, by_key[_step_key(s.id)]) for s in task.steps if _step_key(s.id) in by_key]
            if len(pairs) != len(task.steps) or len(pairs) != len(tables):
                self.warn(f"task {task.id}: steps differ between the markdown and the parameters")
        for step, table in pairs:
            self.fill_step(task, step, table)

    def fill_step(self, task: Task, step: Step, table: dict[str, object]) -> None:
        flag = table.get("critical_flag", table.get("critical"))
        if isinstance(flag, bool):
            if step.critical is None:
                step.critical = flag
            elif step.critical != flag:
                self.warn(
                    f"task {task.id} step {step.id}: critical is {str(step.critical).lower()} in "
                    f"the markdown but {str(flag).lower()} in the parameters; the markdown wins"
                )
        if not step.backups:
            step.backups = _toml_backups(table)
        step.expected_output = step.expected_output or _toml_text(table, "expected_output")
        step.mode = step.mode or _toml_text(table, "mode")
        step.primary_method = step.primary_method or _toml_text(table, "primary_method")
        if not step.title:
            step.title = _toml_text(table, "name", "title", "description") or step.title

    def join_speclets(self, data: dict[str, object]) -> None:
        for table in _tables(data.get("speclets")):
            speclet_id = _toml_id(table.get("id"))
            if speclet_id is None:
                continue
            deps = table.get("depends_on", table.get("dependencies"))
            depends_on = [d for d in (_toml_id(v) for v in deps) if d] if isinstance(
                deps, list) else []
            existing = next((s for s in self.spec.speclets if s.id == speclet_id), None)
            if existing is None:
                title = _toml_text(table, "name", "title", "description") or speclet_id
                self.spec.speclets.append(
                    Speclet(id=speclet_id, title=title, depends_on=depends_on))
            elif not existing.depends_on:
                existing.depends_on = depends_on
        section = data.get("dependencies")
        if len(self.spec.speclets) == 1 and isinstance(section, dict):
            deps = section.get("speclet_dependencies")
            only = self.spec.speclets[0]
            if isinstance(deps, list) and not only.depends_on:
                only.depends_on = [d for d in (_toml_id(v) for v in deps) if d]
        # Dependencies may name a SPECLet ("platform_foundation") whose id is a number.
        ids_by_name = {
            name: speclet_id
            for table in _tables(data.get("speclets"))
            if (name := _toml_text(table, "name")) and (speclet_id := _toml_id(table.get("id")))
        }
        for speclet in self.spec.speclets:
            named = [ids_by_name.get(d, d) for d in speclet.depends_on]
            speclet.depends_on = list(dict.fromkeys(named))


def _metadata_speclet(text: str) -> tuple[str | None, str | None]:
    """``[metadata] speclet_id`` / ``speclet_name`` of a SPECLet's parameters, if readable."""
    try:
        meta = tomllib.loads(text.removeprefix("\ufeff")).get("metadata")
    except (tomllib.TOMLDecodeError, RecursionError):
        return None, None
    if not isinstance(meta, dict):
        return None, None
    return _toml_id(meta.get("speclet_id")), _toml_text(meta, "speclet_name", "name")


def parameters_spec(text: str, *, file: str, descriptor: str) -> Spec:
    """What ``parameters_<descriptor>.toml`` says on its own: tasks, steps, SPECLets.

    For ``inspect parameters_x.toml``: no markdown to join, so nothing is reported missing from
    one. ``parameters_speclet_<id>_<name>.toml`` is one SPECLet (id and title from its
    ``[metadata]`` when there, else from the name), so its ``speclet_dependencies`` show.
    """
    spec = Spec(file=file, descriptor=descriptor)
    if descriptor.startswith("speclet_") and len(text) <= MAX_INPUT_BYTES:
        meta_id, meta_name = _metadata_speclet(text)
        speclet_id = meta_id or descriptor.removeprefix("speclet_").split("_", 1)[0]
        spec.speclets.append(Speclet(id=speclet_id, title=meta_name or descriptor))
    _ParametersJoin(spec, file, standalone=True).run(text)
    return spec


def join_parameters(spec: Spec, text: str, *, file: str) -> None:
    """Fill what ``spec``'s markdown lacks from the parameters TOML ``text`` (named ``file``).

    Problems (invalid TOML, ids that do not match) become diagnostics on ``spec``.
    """
    _ParametersJoin(spec, file).run(text)
