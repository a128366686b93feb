"""Validation of BPMN 2.0 files (流程校验) before they may be bound to a service item.

SpiffWorkflow runs whatever a BPMN file says, including Python scripts. Only files that pass
:func:`validate_bpmn` may be used. The rules:

1. **Safe XML.** At most 1 MB; parsed by lxml with entity resolution, DTD loading and network
   access switched off; any ``<!DOCTYPE>`` is refused (no XXE, no entity bombs).
2. **BPMN.** The root is ``bpmn:definitions``, with exactly one executable ``bpmn:process``.
3. **Allowed elements only** (whitelist): ``startEvent``, ``endEvent`` (optionally with
   ``terminateEventDefinition``), ``userTask``, ``manualTask``, ``exclusiveGateway``,
   ``parallelGateway``, ``sequenceFlow`` (with ``conditionExpression``), ``laneSet``/``lane``,
   plus ``documentation``, ``textAnnotation``/``association``, ``incoming``/``outgoing`` and
   ``extensionElements`` holding only ``spiffworkflow:properties``. Pools
   (``collaboration``/``participant``) and diagram information (``bpmndi``) are allowed.
   Everything else is refused — notably ``scriptTask``, ``serviceTask``, ``businessRuleTask``,
   ``callActivity``, ``subProcess``, timers and messages, and Spiff's ``preScript``/``postScript``.
   Timers are not needed: time limits live in the clock ledger, not in the diagram.
4. **Roles.** Every user or manual task maps to a staff role, through its ``role`` property or
   the name of its lane (a :class:`~yiwang.org.roles.Role` value such as ``reviewer`` or its
   Chinese label such as ``审查人员``). Other properties are checked: ``step_kind``, ``level``,
   ``step_days`` (1–365), ``risk_level`` (1–3).
5. **Flows.** One start event, at least one end event, every flow's ends exist, every node is
   connected. Conditions only on flows leaving an exclusive gateway; each non-default outgoing
   flow of a branching exclusive gateway has one, checked by
   :func:`yiwang.workflow.conditions.check_condition` against the allowed case fields.
6. **Engine.** The file parses in SpiffWorkflow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from yiwang.org.roles import STAFF_ROLES, Role
from yiwang.workflow.bpmn_xml import (  # noqa: F401 - MAX_BPMN_BYTES and safe_parser are part of this API
    BPMN_NS,
    BPMNDI_NS,
    MAX_BPMN_BYTES,
    ROLE_BY_LABEL,
    SPIFF_NS,
    parse_xml,
    safe_parser,
)
from yiwang.workflow.conditions import DEFAULT_CASE_FIELDS, ConditionError, check_condition
from yiwang.workflow.engine import parse_spec

STEP_KINDS = frozenset({"accept", "review", "joint_review", "decide", "complete", "preliminary", "agent_collect"})
ITEM_DEPARTMENT_MARKERS = frozenset({"$item"})  # "the service item's own department"
LEVELS = frozenset({"county", "township", "village"})
USER_TASK_TAGS = frozenset({"userTask", "manualTask"})
FLOW_NODE_TAGS = frozenset({"startEvent", "endEvent", "exclusiveGateway", "parallelGateway"}) | USER_TASK_TAGS
# BPMN elements allowed anywhere inside the process (besides the flow nodes above).
PROCESS_CHILD_TAGS = FLOW_NODE_TAGS | {"sequenceFlow", "laneSet", "documentation", "extensionElements",
                                      "textAnnotation", "association"}
INNER_TAGS = frozenset({"incoming", "outgoing", "documentation", "extensionElements", "conditionExpression",
                        "lane", "flowNodeRef", "text", "terminateEventDefinition", "childLaneSet"})
FORBIDDEN_CODES = {
    "scriptTask": "script_forbidden",
    "script": "script_forbidden",
    "preScript": "script_forbidden",
    "postScript": "script_forbidden",
    "serviceTask": "service_forbidden",
    "businessRuleTask": "service_forbidden",
    "sendTask": "service_forbidden",
    "receiveTask": "service_forbidden",
    "callActivity": "call_forbidden",
    "subProcess": "call_forbidden",
    "adHocSubProcess": "call_forbidden",
    "transaction": "call_forbidden",
}


@dataclass(frozen=True)
class ValidationIssue:
    code: str
    message: str
    element_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _local(element: etree._Element) -> tuple[str | None, str]:
    tag = element.tag
    if not isinstance(tag, str):
        return None, ""
    qname = etree.QName(tag)
    return qname.namespace, qname.localname


def task_properties(element: etree._Element) -> dict[str, str]:
    props: dict[str, str] = {}
    for prop in element.iterfind(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property"):
        name = prop.get("name")
        if name:
            props[name] = prop.get("value", "")
    return props


def lane_names(process: etree._Element) -> dict[str, str]:
    """Flow node id → the name of its (innermost) lane."""
    lanes: dict[str, str] = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        for ref in lane.iterfind(f"{{{BPMN_NS}}}flowNodeRef"):
            if ref.text:
                lanes[ref.text.strip()] = (lane.get("name") or "").strip()
    return lanes


def role_for(props: dict[str, str], lane: str | None) -> str | None:
    """The role a task maps to: its ``role`` property, else its lane's name (value or label)."""
    if props.get("role"):
        return props["role"].strip()
    if lane:
        return ROLE_BY_LABEL.get(lane, lane)
    return None


def _check_elements(process: etree._Element, issues: list[ValidationIssue]) -> None:
    for element in process.iter():
        ns, name = _local(element)
        if element is process or not name:
            continue
        element_id = element.get("id") or (element.getparent().get("id") if element.getparent() is not None
                                           else None)
        if name in FORBIDDEN_CODES:
            issues.append(ValidationIssue(FORBIDDEN_CODES[name], _("不允许的元素：{name}").format(name=name),
                                          element_id))
            continue
        parent = element.getparent()
        parent_ns, parent_name = _local(parent) if parent is not None else (None, "")
        if ns == BPMN_NS:
            allowed = PROCESS_CHILD_TAGS if parent is process else INNER_TAGS
            if name not in allowed:
                issues.append(ValidationIssue("element_forbidden", _("不允许的元素：{name}").format(name=name),
                                              element_id))
        elif ns == SPIFF_NS:
            ok = (name == "properties" and parent_name == "extensionElements") or (
                name == "property" and parent_name == "properties" and parent_ns == SPIFF_NS)
            if not ok:
                issues.append(ValidationIssue("extension_forbidden",
                                              _("不允许的扩展元素：{name}").format(name=name), element_id))
        else:
            issues.append(ValidationIssue("extension_forbidden", _("不允许的扩展元素：{name}").format(name=name),
                                          element_id))


def _check_tasks(process: etree._Element, issues: list[ValidationIssue]) -> None:
    lanes = lane_names(process)
    staff = {str(r) for r in STAFF_ROLES}
    for element in process:
        _ns, name = _local(element)
        if name not in USER_TASK_TAGS:
            continue
        element_id = element.get("id")
        props = task_properties(element)
        role = role_for(props, lanes.get(element_id or ""))
        if not role:
            issues.append(ValidationIssue("task_unmapped", _("用户任务未映射到角色（缺少 role 属性或泳道）"),
                                          element_id))
        elif role not in {str(r) for r in Role}:
            issues.append(ValidationIssue("role_unknown", _("未知角色：{role}").format(role=role), element_id))
        elif role not in staff:
            issues.append(ValidationIssue("role_not_staff", _("流程任务只能由工作人员角色办理：{role}").format(
                role=role), element_id))
        if "step_kind" in props and props["step_kind"] not in STEP_KINDS:
            issues.append(ValidationIssue("step_kind_unknown", _("未知环节类型：{kind}").format(
                kind=props["step_kind"]), element_id))
        if props.get("level") and props["level"] not in LEVELS:
            issues.append(ValidationIssue("level_unknown", _("未知层级：{level}").format(level=props["level"]),
                                          element_id))
        for key, low, high in (("step_days", 1, 365), ("risk_level", 1, 3)):
            if props.get(key):
                try:
                    value = int(props[key])
                except ValueError:
                    value = low - 1
                if not low <= value <= high:
                    issues.append(ValidationIssue(f"{key}_invalid", _("属性 {key} 应为 {low}–{high} 的整数").format(
                        key=key, low=low, high=high), element_id))
        if not (element.get("name") or "").strip():
            issues.append(ValidationIssue("task_unnamed", _("用户任务缺少名称"), element_id))


def _check_flows(process: etree._Element, fields: frozenset[str], issues: list[ValidationIssue]) -> None:
    nodes: dict[str, str] = {}
    for element in process:
        _ns, name = _local(element)
        if name in FLOW_NODE_TAGS:
            node_id = element.get("id")
            if not node_id:
                issues.append(ValidationIssue("id_missing", _("元素缺少 id：{name}").format(name=name)))
                continue
            if node_id in nodes:
                issues.append(ValidationIssue("id_duplicate", _("重复的 id"), node_id))
            nodes[node_id] = name
    starts = [i for i, k in nodes.items() if k == "startEvent"]
    ends = [i for i, k in nodes.items() if k == "endEvent"]
    if len(starts) != 1:
        issues.append(ValidationIssue("start_count", _("流程必须恰有一个开始事件")))
    if not ends:
        issues.append(ValidationIssue("end_missing", _("流程至少需要一个结束事件")))
    incoming: dict[str, int] = dict.fromkeys(nodes, 0)
    outgoing: dict[str, list[etree._Element]] = {n: [] for n in nodes}
    for flow in process.iterfind(f"{{{BPMN_NS}}}sequenceFlow"):
        flow_id = flow.get("id")
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source not in nodes or target not in nodes:
            issues.append(ValidationIssue("flow_dangling", _("顺序流的起点或终点不存在"), flow_id))
            continue
        incoming[target] += 1
        outgoing[source].append(flow)
    for node_id, kind in nodes.items():
        if kind != "startEvent" and incoming[node_id] == 0:
            issues.append(ValidationIssue("node_unreachable", _("该节点没有进入的顺序流"), node_id))
        if kind != "endEvent" and not outgoing[node_id]:
            issues.append(ValidationIssue("node_dead_end", _("该节点没有离开的顺序流"), node_id))
    defaults = {e.get("id"): e.get("default") for e in process if _local(e)[1] == "exclusiveGateway"}
    for node_id, flows in outgoing.items():
        kind = nodes[node_id]
        for flow in flows:
            condition = flow.find(f"{{{BPMN_NS}}}conditionExpression")
            text = (condition.text or "").strip() if condition is not None else ""
            if condition is not None and kind != "exclusiveGateway":
                issues.append(ValidationIssue("condition_misplaced", _("只有排他网关的出口可以带条件"),
                                              flow.get("id")))
                continue
            if kind != "exclusiveGateway" or len(flows) < 2:
                if text:
                    try:
                        check_condition(text, fields)
                    except ConditionError as exc:
                        issues.append(ValidationIssue(exc.code, exc.message, flow.get("id")))
                continue
            if flow.get("id") == defaults.get(node_id):
                if text:
                    issues.append(ValidationIssue("condition_on_default", _("默认顺序流不应带条件"),
                                                  flow.get("id")))
                continue
            if not text:
                issues.append(ValidationIssue("condition_missing", _("排他网关的出口缺少条件"), flow.get("id")))
                continue
            try:
                check_condition(text, fields)
            except ConditionError as exc:
                issues.append(ValidationIssue(exc.code, exc.message, flow.get("id")))
        if kind == "exclusiveGateway" and defaults.get(node_id) and defaults[node_id] not in {
                f.get("id") for f in flows}:
            issues.append(ValidationIssue("default_unknown", _("默认顺序流不是该网关的出口"), node_id))


def _check_engine(root: etree._Element, process_id: str, issues: list[ValidationIssue]) -> None:
    try:
        parse_spec(root, process_id)
    except Exception as exc:  # noqa: BLE001 - any engine complaint is a validation issue
        issues.append(ValidationIssue("engine_parse", _("流程引擎无法解析：{error}").format(error=str(exc)[:300]),
                                      getattr(exc, "id", None)))


def executable_process(root: etree._Element) -> etree._Element | None:
    processes = [p for p in root.iterfind(f"{{{BPMN_NS}}}process") if p.get("isExecutable", "true") == "true"]
    return processes[0] if len(processes) == 1 else None


def validate_bpmn(xml: str | bytes, *, case_fields: Iterable[str] | None = None) -> list[ValidationIssue]:
    """All the problems in a BPMN file; an empty list means it may be used."""
    fields = frozenset(case_fields) if case_fields is not None else DEFAULT_CASE_FIELDS
    try:
        root = parse_xml(xml)
    except ValueError as exc:
        return [ValidationIssue("xml_invalid", str(exc))]
    ns, name = _local(root)
    if ns != BPMN_NS or name != "definitions":
        return [ValidationIssue("not_bpmn", _("不是 BPMN 2.0 文件（根元素应为 bpmn:definitions）"))]
    issues: list[ValidationIssue] = []
    for child in root:
        child_ns, child_name = _local(child)
        if not child_name:
            continue
        if child_ns == BPMN_NS and child_name in {"process", "collaboration", "documentation", "extensionElements"}:
            continue
        if child_ns == BPMNDI_NS and child_name == "BPMNDiagram":
            continue
        code = FORBIDDEN_CODES.get(child_name, "element_forbidden")
        issues.append(ValidationIssue(code, _("不允许的元素：{name}").format(name=child_name), child.get("id")))
    for collaboration in root.iterfind(f"{{{BPMN_NS}}}collaboration"):
        for element in collaboration:
            if _local(element)[1] not in {"participant", "documentation", "textAnnotation", "association"}:
                issues.append(ValidationIssue("element_forbidden", _("不允许的元素：{name}").format(
                    name=_local(element)[1]), element.get("id")))
    processes = list(root.iterfind(f"{{{BPMN_NS}}}process"))
    executable = [p for p in processes if p.get("isExecutable", "true") == "true"]
    if len(processes) != 1 or len(executable) != 1:
        issues.append(ValidationIssue("process_count", _("文件必须恰有一个可执行流程")))
        return issues
    process = executable[0]
    if not process.get("id"):
        issues.append(ValidationIssue("id_missing", _("流程缺少 id")))
        return issues
    _check_elements(process, issues)
    _check_tasks(process, issues)
    _check_flows(process, fields, issues)
    if not any(_local(e)[1] in USER_TASK_TAGS for e in process):
        issues.append(ValidationIssue("no_tasks", _("流程中没有用户任务")))
    if not issues:
        _check_engine(root, process.get("id", ""), issues)
    return issues
