"""The workflow runtime adapter (流程引擎适配层) over SpiffWorkflow 3.2.

Nothing outside this module sees a SpiffWorkflow object. Callers pass a
:class:`~yiwang.workflow.models.ProcessDefinition` and a case's serialized state (a JSON-able
dict) and get back a new state plus :class:`StepInfo` records for the ready user tasks.

* **Spec once, state per case.** The spec is parsed once per definition and cached in-process,
  keyed by ``(definition id, sha256)``; it is rebuilt from ``ProcessDefinition.spec_json`` (the
  serialized spec) when available, else from the XML. A case's state is the workflow serialized
  *without* ``spec`` and ``subprocess_specs``; restoring it binds the cached spec object.
* **No eval.** Gateway conditions run through :mod:`yiwang.workflow.conditions`, a small
  interpreter over the validated syntax; script execution is refused outright.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.utils.translation import gettext as _
from lxml import etree
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_VERSION
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from yiwang.core.errors import Conflict, InvalidInput, NotFound
from yiwang.workflow.bpmn_xml import ROLE_BY_LABEL, parse_xml
from yiwang.workflow.conditions import ConditionError, evaluate_condition

if TYPE_CHECKING:
    from SpiffWorkflow.task import Task

    from yiwang.workflow.models import ProcessDefinition

# SpiffWorkflow logs every state change at INFO; that is noise and costs time per step.
logging.getLogger("spiff").setLevel(logging.WARNING)

STATE_VERSION_KEY = "serializer_version"
USER_TASK_CLASSES = ("UserTask", "ManualTask")


class _SafeEnvironment(BasePythonScriptEngineEnvironment):
    """Conditions through the whitelisted interpreter; scripts never run."""

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict | None = None) -> Any:
        return evaluate_condition(expression, context)

    def execute(self, script: str, context: dict[str, Any], external_context: dict | None = None) -> bool:
        raise ConditionError("script_forbidden", "scripts are not allowed")

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise ConditionError("service_forbidden", "service tasks are not allowed")


SCRIPT_ENGINE = PythonScriptEngine(environment=_SafeEnvironment())
_REGISTRY = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
SERIALIZER = BpmnWorkflowSerializer(_REGISTRY)
_WORKFLOW_CONVERTER_NAME = "BpmnWorkflow"


@dataclass(frozen=True)
class StepInfo:
    """A ready user task, engine-agnostic (待办环节)."""

    task_id: str  # SpiffWorkflow task uuid as str
    spec_name: str  # BPMN element id
    name: str  # human name, e.g. 审查
    role: str
    department: str | None  # department code or "$item"
    level: str | None
    step_kind: str
    step_days: int | None
    risk_level: int | None


@dataclass(frozen=True)
class _Compiled:
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, Any]
    steps: dict[str, dict[str, Any]]  # spec name → properties (for StepInfo)
    condition_names: frozenset[str]


_cache: dict[tuple[int | None, str], _Compiled] = {}
_cache_lock = threading.Lock()


# --- parsing ------------------------------------------------------------------------------


def parse_spec(root: etree._Element, process_id: str) -> tuple[BpmnProcessSpec, dict[str, Any]]:
    """Parse an already safely-parsed BPMN tree into a SpiffWorkflow spec."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_xml(root)
    spec = parser.get_spec(process_id)
    subprocess_specs = parser.get_subprocess_specs(process_id)
    return spec, subprocess_specs


def spec_to_json(spec: BpmnProcessSpec, subprocess_specs: Mapping[str, Any]) -> dict[str, Any]:
    """The serialized spec, for ``ProcessDefinition.spec_json``."""
    return {
        STATE_VERSION_KEY: SERIALIZER_VERSION,
        "spec": SERIALIZER.to_dict(spec),
        "subprocess_specs": {name: SERIALIZER.to_dict(s) for name, s in subprocess_specs.items()},
    }


def _spec_from_json(spec_json: Mapping[str, Any]) -> tuple[BpmnProcessSpec, dict[str, Any]]:
    import copy

    data = copy.deepcopy(dict(spec_json))  # restoring mutates the dict
    spec = SERIALIZER.from_dict(data["spec"])
    subprocess_specs = {name: SERIALIZER.from_dict(s) for name, s in data.get("subprocess_specs", {}).items()}
    return spec, subprocess_specs


def _as_int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _flow_order(spec: BpmnProcessSpec) -> list[tuple[str, Any]]:
    """Task specs breadth-first from the start, so step lists follow the process (a stored
    spec_json may come back with its keys reordered, e.g. from PostgreSQL ``jsonb``)."""
    seen: dict[str, Any] = {}
    queue = [spec.start] if spec.start is not None else []
    while queue:
        task_spec = queue.pop(0)
        if task_spec.name in seen:
            continue
        seen[task_spec.name] = task_spec
        queue.extend(task_spec.outputs)
    for name, task_spec in sorted(spec.task_specs.items()):
        seen.setdefault(name, task_spec)
    return list(seen.items())


def _step_properties(spec: BpmnProcessSpec) -> dict[str, dict[str, Any]]:
    steps: dict[str, dict[str, Any]] = {}
    for name, task_spec in _flow_order(spec):
        if type(task_spec).__name__ not in USER_TASK_CLASSES:
            continue
        props = dict((getattr(task_spec, "extensions", None) or {}).get("properties", {}))
        lane = getattr(task_spec, "lane", None)
        role = props.get("role") or (ROLE_BY_LABEL.get(lane, lane) if lane else "") or ""
        steps[name] = {
            "spec_name": name,
            "name": getattr(task_spec, "bpmn_name", None) or name,
            "role": role.strip(),
            "department": props.get("department") or None,
            "level": props.get("level") or None,
            "step_kind": props.get("step_kind") or "review",
            "step_days": _as_int(props.get("step_days")),
            "risk_level": _as_int(props.get("risk_level")),
            "properties": props,
        }
    return steps


def _condition_names(spec: BpmnProcessSpec) -> frozenset[str]:
    import ast

    names: set[str] = set()
    for task_spec in spec.task_specs.values():
        for condition in (getattr(task_spec, "cond_task_specs", None) or []):
            expression = condition[0] if isinstance(condition, tuple | list) else None
            if isinstance(expression, str):
                try:
                    tree = ast.parse(expression, mode="eval")
                except SyntaxError:
                    continue
                names.update(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))
    return frozenset(names)


def _compile(definition: ProcessDefinition) -> _Compiled:
    key = (definition.pk, definition.sha256)
    compiled = _cache.get(key)
    if compiled is not None:
        return compiled
    with _cache_lock:
        compiled = _cache.get(key)
        if compiled is not None:
            return compiled
        spec = subprocess_specs = None
        if definition.spec_json:
            try:
                spec, subprocess_specs = _spec_from_json(definition.spec_json)
            except Exception:  # noqa: BLE001 - an old or damaged serialization: parse the XML again
                spec = None
        if spec is None:
            spec, subprocess_specs = parse_spec(parse_xml(definition.bpmn_xml), definition.process_id)
        compiled = _Compiled(spec=spec, subprocess_specs=subprocess_specs or {}, steps=_step_properties(spec),
                             condition_names=_condition_names(spec))
        if definition.pk is not None:
            _cache[key] = compiled
        return compiled


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


# --- state (de)serialization --------------------------------------------------------------


def _dump(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The library's workflow serialization (same keys), minus ``spec`` and ``subprocess_specs``.

    Written out here rather than popping the keys afterwards: converting the spec on every
    step would cost a third of the step.
    """
    if workflow.subprocesses:  # never for validated files; keep the library's full path
        state = SERIALIZER.to_dict(workflow)
        state.pop("spec", None)
        state.pop("subprocess_specs", None)
    else:
        convert = _REGISTRY.convert
        state = {
            "data": convert(_REGISTRY.clean(workflow.data)),
            "correlations": workflow.correlations,
            "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
            "success": workflow.success,
            "completed": workflow.completed,
            "tasks": {str(k): convert(v) for k, v in workflow.tasks.items()},
            "root": str(workflow.task_tree.id),
            "subprocesses": {},
            "bpmn_events": convert(workflow.bpmn_events),
            "typename": _WORKFLOW_CONVERTER_NAME,
        }
    state[STATE_VERSION_KEY] = SERIALIZER_VERSION
    return state


def _load(compiled: _Compiled, state: Mapping[str, Any], definition: ProcessDefinition) -> BpmnWorkflow:
    if not isinstance(state, Mapping) or "tasks" not in state or "root" not in state:
        raise InvalidInput(_("流程状态无效"), code="workflow_state_invalid")
    dct = dict(state)
    version = dct.pop(STATE_VERSION_KEY, SERIALIZER_VERSION)
    try:
        if version != SERIALIZER_VERSION:  # an older serializer: take the library's migration path
            import copy

            dct = copy.deepcopy(dct)
            dct.update(spec_to_json(compiled.spec, compiled.subprocess_specs))
            dct[STATE_VERSION_KEY] = version
            SERIALIZER.migrate(dct)
            dct.pop(STATE_VERSION_KEY, None)
            workflow = SERIALIZER.from_dict(dct)
            workflow.script_engine = SCRIPT_ENGINE
            return workflow
        if dct.get("typename") != _WORKFLOW_CONVERTER_NAME or dct.get("subprocesses"):
            raise InvalidInput(_("流程状态无效"), code="workflow_state_invalid")
        workflow = BpmnWorkflow(compiled.spec, compiled.subprocess_specs, script_engine=SCRIPT_ENGINE,
                                deserializing=True)
        workflow.tasks = {UUID(k): _REGISTRY.restore(v, workflow=workflow) for k, v in dct["tasks"].items()}
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        workflow.success = dct["success"]
        workflow.completed = dct.get("completed", False)
        workflow.correlations = dct.get("correlations", {})
        if isinstance(dct.get("last_task"), str):
            workflow.last_task = workflow.tasks.get(UUID(dct["last_task"]))
        workflow.data = _REGISTRY.restore(dct.get("data", {}))
        workflow.bpmn_events = _REGISTRY.restore(dct.get("bpmn_events", []))
        if workflow.task_tree is None:
            raise InvalidInput(_("流程状态无效"), code="workflow_state_invalid")
        return workflow
    except InvalidInput:
        raise
    except (KeyError, ValueError, TypeError, AttributeError, SpiffWorkflowException) as exc:
        raise InvalidInput(_("流程状态无效"), code="workflow_state_invalid",
                           details={"definition": definition.pk, "error": str(exc)[:200]}) from exc


def _step_info(compiled: _Compiled, task: Task) -> StepInfo:
    props = compiled.steps[task.task_spec.name]
    return StepInfo(
        task_id=str(task.id),
        spec_name=props["spec_name"],
        name=props["name"],
        role=props["role"],
        department=props["department"],
        level=props["level"],
        step_kind=props["step_kind"],
        step_days=props["step_days"],
        risk_level=props["risk_level"],
    )


def _ready(compiled: _Compiled, workflow: BpmnWorkflow) -> list[StepInfo]:
    return [_step_info(compiled, t) for t in workflow.get_tasks(state=TaskState.READY, manual=True)
            if t.task_spec.name in compiled.steps]


def _advance(workflow: BpmnWorkflow) -> None:
    try:
        workflow.do_engine_steps()
    except (SpiffWorkflowException, ConditionError) as exc:
        raise InvalidInput(_("流程无法继续：{error}").format(error=str(exc)[:200]), code="workflow_error") from exc


# --- the public API -----------------------------------------------------------------------


def start(definition: ProcessDefinition, data: dict) -> tuple[dict, list[StepInfo]]:
    """Start a case's workflow with ``data``; return its state and the ready user tasks."""
    if not definition.is_usable:
        raise Conflict(_("流程定义未通过校验，不能使用"), code="process_unusable")
    compiled = _compile(definition)
    workflow = BpmnWorkflow(compiled.spec, compiled.subprocess_specs, script_engine=SCRIPT_ENGINE)
    initial = dict.fromkeys(compiled.condition_names)
    initial.update(data or {})
    workflow.data.update(initial)
    start_task = workflow.task_tree
    start_task.data.update(initial)
    _advance(workflow)
    return _dump(workflow), _ready(compiled, workflow)


def ready(definition: ProcessDefinition, state: dict) -> list[StepInfo]:
    compiled = _compile(definition)
    return _ready(compiled, _load(compiled, state, definition))


def _find_task(workflow: BpmnWorkflow, task_id: str) -> Task:
    try:
        uuid = UUID(str(task_id))
    except ValueError as exc:
        raise NotFound(_("环节不存在"), code="workflow_task_not_found") from exc
    task = workflow.tasks.get(uuid)
    if task is None:
        raise NotFound(_("环节不存在"), code="workflow_task_not_found")
    return task


def complete(definition: ProcessDefinition, state: dict, task_id: str, data: dict) -> tuple[dict, list[StepInfo], bool]:
    """Complete the ready user task ``task_id`` with ``data`` merged into it.

    Returns the new state, the ready user tasks and whether the process has finished. Other
    parallel branches (联审) stay ready.
    """
    compiled = _compile(definition)
    workflow = _load(compiled, state, definition)
    task = _find_task(workflow, task_id)
    if task.state != TaskState.READY or task.task_spec.name not in compiled.steps:
        raise Conflict(_("该环节当前不可办理"), code="workflow_task_not_ready",
                       details={"task_id": str(task_id), "state": TaskState.get_name(task.state)})
    if data:
        task.data.update(data)
    try:
        task.run()
    except (SpiffWorkflowException, ConditionError) as exc:
        raise InvalidInput(_("流程无法继续：{error}").format(error=str(exc)[:200]), code="workflow_error") from exc
    _advance(workflow)
    return _dump(workflow), _ready(compiled, workflow), bool(workflow.is_completed())


def _user_ancestors(compiled: _Compiled, task: Task) -> list[Task]:
    """Completed user tasks on the path from ``task`` back to the start, nearest first."""
    found: list[Task] = []
    node = task.parent
    while node is not None:
        if node.task_spec.name in compiled.steps and node.state == TaskState.COMPLETED:
            found.append(node)
        node = node.parent
    return found


def return_to(definition: ProcessDefinition, state: dict, task_id: str,
              target_spec_name: str | None = None) -> tuple[dict, list[StepInfo]]:
    """退回: send the ready task ``task_id`` back to an earlier completed user task.

    The default target is the nearest previous user task on this task's path. Resetting
    removes everything after the target (including other parallel branches started after it)
    and makes the target ready again, with the data it had before it was completed.
    """
    compiled = _compile(definition)
    workflow = _load(compiled, state, definition)
    task = _find_task(workflow, task_id)
    if task.state != TaskState.READY or task.task_spec.name not in compiled.steps:
        raise Conflict(_("该环节当前不可退回"), code="workflow_task_not_ready")
    candidates = _user_ancestors(compiled, task)
    if target_spec_name is not None:
        candidates = [t for t in candidates if t.task_spec.name == target_spec_name]
    if not candidates:
        raise InvalidInput(_("没有可退回的前序环节"), code="workflow_no_return_target",
                           details={"target": target_spec_name})
    target = candidates[0]
    workflow.reset_from_task_id(target.id)
    _advance(workflow)
    return _dump(workflow), _ready(compiled, workflow)


def completed_steps(definition: ProcessDefinition, state: dict) -> list[dict]:
    """Completed user tasks in completion order: ``spec_name``, ``name``, ``order``, ``task_id``."""
    compiled = _compile(definition)
    workflow = _load(compiled, state, definition)
    done = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.name in compiled.steps]
    done.sort(key=lambda t: t.last_state_change)
    return [
        {"spec_name": t.task_spec.name, "name": compiled.steps[t.task_spec.name]["name"], "order": index,
         "task_id": str(t.id)}
        for index, t in enumerate(done, start=1)
    ]


def is_finished(definition: ProcessDefinition, state: dict) -> bool:
    compiled = _compile(definition)
    return bool(_load(compiled, state, definition).is_completed())


def spec_steps(definition: ProcessDefinition) -> list[dict]:
    """Every user task of the definition with its properties, in document-ish order."""
    compiled = _compile(definition)
    return [dict(step) for step in compiled.steps.values()]
