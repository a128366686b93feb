"""Default process templates (默认流程模板), written as BPMN 2.0 XML with diagram information.

Most service items need no drawing: they bind one of these. Every user task carries
``spiffworkflow:properties``:

``role``        one of :class:`yiwang.org.roles.Role` (required);
``step_kind``   ``accept``, ``review``, ``joint_review``, ``decide``, ``complete``,
                ``preliminary`` or ``agent_collect`` — the business hook the cases app runs;
``department``  a department code, or ``$item`` for the service item's own department;
``level``       ``county``, ``township`` or ``village`` (default: the case's handling level);
``step_days``   the step's working-day limit;
``risk_level``  1–3 (electronic supervision risk point).

Tasks also sit in lanes named after their role, so a BPMN modeller shows who does what.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from yiwang.workflow.layout import compute_layout

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"

TEMPLATE_KINDS = ("standard", "township_county", "joint", "village_agent")

ITEM_DEPARTMENT = "$item"


@dataclass
class _Node:
    id: str
    kind: str  # BPMN element local name
    name: str = ""
    props: dict[str, str] = field(default_factory=dict)
    default_flow: str | None = None


@dataclass
class _Flow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None


@dataclass
class ProcessBuilder:
    """A tiny BPMN writer: add nodes and flows, then :meth:`to_xml`."""

    process_id: str
    name: str
    nodes: list[_Node] = field(default_factory=list)
    flows: list[_Flow] = field(default_factory=list)

    def event(self, node_id: str, kind: str, name: str = "") -> str:
        self.nodes.append(_Node(node_id, kind, name))
        return node_id

    def user_task(self, node_id: str, name: str, **props: str | int | None) -> str:
        clean = {k: str(v) for k, v in props.items() if v is not None}
        self.nodes.append(_Node(node_id, "userTask", name, clean))
        return node_id

    def gateway(self, node_id: str, kind: str, name: str = "") -> str:
        self.nodes.append(_Node(node_id, kind, name))
        return node_id

    def flow(self, source: str, target: str, *, name: str = "", condition: str | None = None,
             default: bool = False) -> str:
        flow_id = f"Flow_{source}_{target}"
        self.flows.append(_Flow(flow_id, source, target, name, condition))
        if default:
            for node in self.nodes:
                if node.id == source:
                    node.default_flow = flow_id
        return flow_id

    def chain(self, *node_ids: str) -> None:
        for source, target in zip(node_ids, node_ids[1:], strict=False):
            self.flow(source, target)

    def to_xml(self) -> str:
        incoming: dict[str, list[str]] = {n.id: [] for n in self.nodes}
        outgoing: dict[str, list[str]] = {n.id: [] for n in self.nodes}
        for f in self.flows:
            outgoing[f.source].append(f.id)
            incoming[f.target].append(f.id)
        lanes: dict[str, list[str]] = {}
        for node in self.nodes:
            if node.kind == "userTask":
                lanes.setdefault(node.props["role"], []).append(node.id)
        out: list[str] = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:bpmndi="{BPMNDI_NS}" xmlns:dc="{DC_NS}" '
            f'xmlns:di="{DI_NS}" xmlns:spiffworkflow="{SPIFF_NS}" id="Definitions_{self.process_id}" '
            'targetNamespace="https://yiwang.example/bpmn" exporter="yiwang" exporterVersion="1">',
            f'  <bpmn:process id="{self.process_id}" name={quoteattr(self.name)} isExecutable="true">',
        ]
        if lanes:
            out.append(f'    <bpmn:laneSet id="LaneSet_{self.process_id}">')
            for role, members in lanes.items():
                out.append(f'      <bpmn:lane id="Lane_{role}" name="{role}">')
                out.extend(f"        <bpmn:flowNodeRef>{m}</bpmn:flowNodeRef>" for m in members)
                out.append("      </bpmn:lane>")
            out.append("    </bpmn:laneSet>")
        for node in self.nodes:
            attrs = f' id="{node.id}"'
            if node.name:
                attrs += f" name={quoteattr(node.name)}"
            if node.default_flow:
                attrs += f' default="{node.default_flow}"'
            out.append(f"    <bpmn:{node.kind}{attrs}>")
            if node.props:
                out.append("      <bpmn:extensionElements>")
                out.append("        <spiffworkflow:properties>")
                for key, value in node.props.items():
                    out.append(f'          <spiffworkflow:property name="{key}" value={quoteattr(value)} />')
                out.append("        </spiffworkflow:properties>")
                out.append("      </bpmn:extensionElements>")
            out.extend(f"      <bpmn:incoming>{f}</bpmn:incoming>" for f in incoming[node.id])
            out.extend(f"      <bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing[node.id])
            out.append(f"    </bpmn:{node.kind}>")
        for f in self.flows:
            attrs = f' id="{f.id}" sourceRef="{f.source}" targetRef="{f.target}"'
            if f.name:
                attrs += f" name={quoteattr(f.name)}"
            if f.condition:
                out.append(f"    <bpmn:sequenceFlow{attrs}>")
                out.append(f"      <bpmn:conditionExpression>{escape(f.condition)}</bpmn:conditionExpression>")
                out.append("    </bpmn:sequenceFlow>")
            else:
                out.append(f"    <bpmn:sequenceFlow{attrs} />")
        out.append("  </bpmn:process>")
        layout = compute_layout([(n.id, n.kind) for n in self.nodes], [(f.id, f.source, f.target) for f in self.flows])
        out.append(f'  <bpmndi:BPMNDiagram id="Diagram_{self.process_id}">')
        out.append(f'    <bpmndi:BPMNPlane id="Plane_{self.process_id}" bpmnElement="{self.process_id}">')
        for node in self.nodes:
            b = layout.shapes[node.id]
            out.append(f'      <bpmndi:BPMNShape id="{node.id}_di" bpmnElement="{node.id}">')
            out.append(f'        <dc:Bounds x="{b.x:g}" y="{b.y:g}" width="{b.width:g}" height="{b.height:g}" />')
            out.append("      </bpmndi:BPMNShape>")
        for f in self.flows:
            out.append(f'      <bpmndi:BPMNEdge id="{f.id}_di" bpmnElement="{f.id}">')
            out.extend(f'        <di:waypoint x="{x:g}" y="{y:g}" />' for x, y in layout.edges[f.id])
            out.append("      </bpmndi:BPMNEdge>")
        out.append("    </bpmndi:BPMNPlane>")
        out.append("  </bpmndi:BPMNDiagram>")
        out.append("</bpmn:definitions>")
        return "\n".join(out) + "\n"


def _safe_id(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", text)
    return cleaned or "dept"


def standard(name: str = "标准流程") -> str:
    """受理 → 审查 → 决定 → 办结."""
    b = ProcessBuilder("Process_standard", name)
    b.event("start", "startEvent", "申请")
    b.user_task("accept", "受理", role="window_clerk", step_kind="accept", step_days=1, risk_level=1)
    b.user_task("review", "审查", role="reviewer", step_kind="review", department=ITEM_DEPARTMENT,
                step_days=10, risk_level=2)
    b.user_task("decide", "决定", role="approver", step_kind="decide", department=ITEM_DEPARTMENT,
                step_days=5, risk_level=3)
    b.user_task("complete", "办结", role="window_clerk", step_kind="complete", step_days=1, risk_level=1)
    b.event("end", "endEvent", "结束")
    b.chain("start", "accept", "review", "decide", "complete", "end")
    return b.to_xml()


def township_county(name: str = "乡镇初审、县级决定") -> str:
    """乡镇初审 → (通过) 县级审查 → 县级决定 → 办结; (不通过) → 办结 (不予)."""
    b = ProcessBuilder("Process_township_county", name)
    b.event("start", "startEvent", "申请")
    b.user_task("preliminary", "乡镇初审", role="reviewer", step_kind="preliminary", level="township",
                step_days=5, risk_level=2)
    b.gateway("gw_preliminary", "exclusiveGateway", "初审通过？")
    b.user_task("county_review", "县级审查", role="reviewer", step_kind="review", department=ITEM_DEPARTMENT,
                level="county", step_days=10, risk_level=2)
    b.user_task("county_decide", "县级决定", role="approver", step_kind="decide", department=ITEM_DEPARTMENT,
                level="county", step_days=5, risk_level=3)
    b.gateway("gw_merge", "exclusiveGateway")
    b.user_task("complete", "办结", role="window_clerk", step_kind="complete", level="township",
                step_days=1, risk_level=1)
    b.event("end", "endEvent", "结束")
    b.chain("start", "preliminary", "gw_preliminary")
    b.flow("gw_preliminary", "county_review", name="通过", condition="preliminary_passed == True")
    b.flow("gw_preliminary", "gw_merge", name="不通过", default=True)
    b.chain("county_review", "county_decide", "gw_merge", "complete", "end")
    return b.to_xml()


def joint(departments: list[str], name: str = "多部门联审", department_names: dict[str, str] | None = None) -> str:
    """受理 → 并行分支 → 每个部门一个联审 → 汇合 → 决定 → 办结."""
    codes = list(dict.fromkeys(d for d in departments if d))
    if not codes:
        raise ValueError("joint review needs at least one department")
    names = department_names or {}
    b = ProcessBuilder("Process_joint", name)
    b.event("start", "startEvent", "申请")
    b.user_task("accept", "受理", role="window_clerk", step_kind="accept", step_days=1, risk_level=1)
    b.gateway("gw_split", "parallelGateway", "联审")
    review_ids = []
    used: set[str] = set()
    for code in codes:
        node_id = f"joint_review_{_safe_id(code)}"
        while node_id in used:
            node_id += "_"
        used.add(node_id)
        label = names.get(code) or code
        review_ids.append(b.user_task(node_id, f"联审：{label}", role="reviewer", step_kind="joint_review",
                                      department=code, step_days=10, risk_level=2))
    b.gateway("gw_join", "parallelGateway", "汇合")
    b.user_task("decide", "决定", role="approver", step_kind="decide", department=ITEM_DEPARTMENT,
                step_days=5, risk_level=3)
    b.user_task("complete", "办结", role="window_clerk", step_kind="complete", step_days=1, risk_level=1)
    b.event("end", "endEvent", "结束")
    b.chain("start", "accept", "gw_split")
    for review in review_ids:
        b.flow("gw_split", review)
        b.flow(review, "gw_join")
    b.chain("gw_join", "decide", "complete", "end")
    return b.to_xml()


def village_agent(name: str = "村级代办、乡镇办理") -> str:
    """村级代办 → 乡镇受理 → 乡镇审核 → 办结 (e.g. 高龄津贴)."""
    b = ProcessBuilder("Process_village_agent", name)
    b.event("start", "startEvent", "申请")
    b.user_task("agent_collect", "村级代办", role="village_agent", step_kind="agent_collect", level="village",
                step_days=2, risk_level=1)
    b.user_task("accept", "乡镇受理", role="window_clerk", step_kind="accept", level="township",
                step_days=1, risk_level=1)
    b.user_task("decide", "乡镇审核", role="department_head", step_kind="decide", level="township",
                step_days=5, risk_level=3)
    b.user_task("complete", "办结", role="window_clerk", step_kind="complete", level="township",
                step_days=1, risk_level=1)
    b.event("end", "endEvent", "结束")
    b.chain("start", "agent_collect", "accept", "decide", "complete", "end")
    return b.to_xml()


def render_template(kind: str, *, name: str | None = None, departments: list[str] | None = None,
                    department_names: dict[str, str] | None = None) -> str:
    """The BPMN XML of template ``kind``; raises ``ValueError`` for an unknown kind."""
    if kind == "standard":
        return standard(name or "标准流程")
    if kind == "township_county":
        return township_county(name or "乡镇初审、县级决定")
    if kind == "joint":
        return joint(departments or [], name or "多部门联审", department_names)
    if kind == "village_agent":
        return village_agent(name or "村级代办、乡镇办理")
    raise ValueError(f"unknown process template: {kind}")
