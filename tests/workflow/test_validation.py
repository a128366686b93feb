"""BPMN validation: only safe, mapped, whitelisted processes pass."""

from __future__ import annotations

import pytest

from yiwang.workflow import templates
from yiwang.workflow.conditions import ConditionError, check_condition, evaluate_condition
from yiwang.workflow.validation import validate_bpmn

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="x">'
)


def bpmn(body: str, lanes: str = "") -> str:
    return f'{HEAD}<bpmn:process id="p" isExecutable="true">{lanes}{body}</bpmn:process></bpmn:definitions>'


def task(node_id: str = "t", name: str = "审查", role: str | None = "reviewer", tag: str = "userTask",
         extra: str = "") -> str:
    props = f'<spiffworkflow:property name="role" value="{role}"/>' if role else ""
    ext = f"<bpmn:extensionElements><spiffworkflow:properties>{props}</spiffworkflow:properties>{extra}" \
          "</bpmn:extensionElements>" if (props or extra) else ""
    return f'<bpmn:{tag} id="{node_id}" name="{name}">{ext}</bpmn:{tag}>'


def linear(middle: str, middle_id: str = "t") -> str:
    return bpmn(
        '<bpmn:startEvent id="s"/>' + middle + '<bpmn:endEvent id="e"/>'
        f'<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="{middle_id}"/>'
        f'<bpmn:sequenceFlow id="f2" sourceRef="{middle_id}" targetRef="e"/>'
    )


def gateway(condition: str) -> str:
    return bpmn(
        '<bpmn:startEvent id="s"/>' + task("t") + '<bpmn:exclusiveGateway id="g" default="f4"/>'
        + task("yes", "通过") + '<bpmn:endEvent id="e"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="g"/>'
        f'<bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="yes"><bpmn:conditionExpression>{condition}'
        "</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="f4" sourceRef="g" targetRef="e"/>'
        '<bpmn:sequenceFlow id="f5" sourceRef="yes" targetRef="e"/>'
    )


def codes(xml: str) -> set[str]:
    return {i.code for i in validate_bpmn(xml)}


@pytest.mark.parametrize("kind", templates.TEMPLATE_KINDS)
def test_templates_are_valid(kind):
    xml = templates.render_template(kind, departments=["A", "B"])
    assert validate_bpmn(xml) == []
    assert "bpmndi:BPMNShape" in xml and "bpmndi:BPMNEdge" in xml


def test_minimal_valid_file_and_lane_mapping():
    assert validate_bpmn(linear(task())) == []
    lanes = ('<bpmn:laneSet id="ls"><bpmn:lane id="l1" name="审查人员"><bpmn:flowNodeRef>t</bpmn:flowNodeRef>'
             "</bpmn:lane></bpmn:laneSet>")
    xml = bpmn('<bpmn:startEvent id="s"/>' + task(role=None) + '<bpmn:endEvent id="e"/>'
               '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
               '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>', lanes)
    assert validate_bpmn(xml) == []


def test_rejects_script_task():
    xml = linear('<bpmn:scriptTask id="t" name="x"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>')
    assert "script_forbidden" in codes(xml)


def test_rejects_spiff_pre_script_on_user_task():
    xml = linear(task(extra="<spiffworkflow:preScript>import os</spiffworkflow:preScript>"))
    assert "script_forbidden" in codes(xml)


def test_rejects_service_task_and_call_activity():
    assert "service_forbidden" in codes(linear('<bpmn:serviceTask id="t" name="x"/>'))
    assert "call_forbidden" in codes(linear('<bpmn:callActivity id="t" name="x" calledElement="y"/>'))


def test_rejects_unmapped_lane_and_task_without_role():
    lanes = ('<bpmn:laneSet id="ls"><bpmn:lane id="l1" name=""><bpmn:flowNodeRef>t</bpmn:flowNodeRef>'
             "</bpmn:lane></bpmn:laneSet>")
    xml = bpmn('<bpmn:startEvent id="s"/>' + task(role=None) + '<bpmn:endEvent id="e"/>'
               '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
               '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>', lanes)
    issues = validate_bpmn(xml)
    assert [(i.code, i.element_id) for i in issues] == [("task_unmapped", "t")]
    assert "task_unmapped" in codes(linear(task(role=None)))


def test_rejects_unknown_role_and_public_role():
    assert "role_unknown" in codes(linear(task(role="wizard")))
    lanes = ('<bpmn:laneSet id="ls"><bpmn:lane id="l1" name="财务科"><bpmn:flowNodeRef>t</bpmn:flowNodeRef>'
             "</bpmn:lane></bpmn:laneSet>")
    xml = bpmn('<bpmn:startEvent id="s"/>' + task(role=None) + '<bpmn:endEvent id="e"/>'
               '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
               '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>', lanes)
    assert "role_unknown" in codes(xml)
    assert "role_not_staff" in codes(linear(task(role="citizen")))


def test_good_condition_passes():
    assert validate_bpmn(gateway("preliminary_passed == True and amount &gt;= 3")) == []
    assert validate_bpmn(gateway("applicant_kind in ('citizen', 'enterprise')")) == []


@pytest.mark.parametrize(("condition", "code"), [
    ("__import__('os').system('id')", "condition_call"),
    ("len(decision) &gt; 2", "condition_call"),
    ("decision.upper() == 'X'", "condition_call"),
    ("amount.real &gt; 2", "condition_attribute"),
    ("__builtins__ == 1", "condition_dunder"),
    ("salary &gt; 3", "condition_unknown_field"),
    ("decision[0] == 'g'", "condition_subscript"),
    ("(lambda: 1)() == 1", "condition_call"),
    ("[x for x in (1, 2)] == [1]", "condition_syntax"),
    ("amount ==", "condition_syntax"),
])
def test_rejects_bad_conditions(condition, code):
    assert code in codes(gateway(condition))


def test_rejects_missing_condition_on_branch():
    xml = gateway("review_passed == True").replace("<bpmn:conditionExpression>review_passed == True"
                                                   "</bpmn:conditionExpression>", "")
    assert "condition_missing" in codes(xml)


def test_rejects_malformed_and_non_bpmn_xml():
    assert codes("<bpmn:definitions") == {"xml_invalid"}
    assert codes("") == {"xml_invalid"}
    assert codes('<?xml version="1.0"?><html><body/></html>') == {"not_bpmn"}
    assert codes(HEAD + "</bpmn:definitions>") == {"process_count"}


def test_rejects_xxe_without_reading_files():
    xxe = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           + linear(task(name="&x;"))[len('<?xml version="1.0" encoding="UTF-8"?>'):])
    issues = validate_bpmn(xxe)
    assert [i.code for i in issues] == ["xml_invalid"]
    assert "root:" not in repr(issues)


def test_rejects_billion_laughs():
    bomb = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            "<l>&b;</l>")
    assert codes(bomb) == {"xml_invalid"}


def test_rejects_oversize():
    big = linear(task()) + "<!--" + "x" * (1024 * 1024) + "-->"
    assert codes(big) == {"xml_invalid"}


def test_rejects_bad_properties():
    xml = linear(task(extra="")).replace(
        '<spiffworkflow:property name="role" value="reviewer"/>',
        '<spiffworkflow:property name="role" value="reviewer"/>'
        '<spiffworkflow:property name="step_kind" value="teleport"/>'
        '<spiffworkflow:property name="step_days" value="-2"/>'
        '<spiffworkflow:property name="risk_level" value="9"/>'
        '<spiffworkflow:property name="level" value="planet"/>')
    assert {"step_kind_unknown", "step_days_invalid", "risk_level_invalid", "level_unknown"} <= codes(xml)


def test_rejects_dangling_flows_and_two_starts():
    xml = bpmn('<bpmn:startEvent id="s"/><bpmn:startEvent id="s2"/>' + task() + '<bpmn:endEvent id="e"/>'
               '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
               '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="nowhere"/>')
    assert {"start_count", "flow_dangling", "node_dead_end"} <= codes(xml)


def test_condition_interpreter_never_evals():
    assert evaluate_condition("amount > 3 and decision in ('grant',)", {"amount": 4, "decision": "grant"}) is True
    assert evaluate_condition("amount > 3", {}) is False  # missing field is None, never matches
    assert evaluate_condition("not review_passed", {"review_passed": False}) is True
    with pytest.raises(ConditionError):
        evaluate_condition("__import__('os')", {})
    with pytest.raises(ConditionError):
        check_condition("open('/etc/passwd')")
