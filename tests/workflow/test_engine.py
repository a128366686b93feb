"""The runtime adapter: templates run to the end, joint review, gateways, return, state storage."""

from __future__ import annotations

import json

import pytest

from tests.workflow.conftest import roundtrip, run_all
from yiwang.core.errors import Conflict, InvalidInput, NotFound
from yiwang.workflow import engine
from yiwang.workflow.models import ProcessStatus

pytestmark = pytest.mark.django_db


def test_standard_runs_in_order(make_definition):
    definition = make_definition("standard")
    assert run_all(definition) == ["accept", "review", "decide", "complete"]


def test_standard_step_properties(make_definition):
    definition = make_definition("standard")
    state, steps = engine.start(definition, {})
    assert len(steps) == 1
    accept = steps[0]
    assert (accept.name, accept.role, accept.step_kind, accept.step_days, accept.risk_level) == (
        "受理", "window_clerk", "accept", 1, 1)
    state, steps, finished = engine.complete(definition, state, accept.task_id, {})
    assert not finished
    review = steps[0]
    assert (review.name, review.role, review.department, review.step_kind, review.step_days) == (
        "审查", "reviewer", "$item", "review", 10)


def test_village_agent_runs(make_definition):
    definition = make_definition("village_agent")
    state, steps = engine.start(definition, {})
    assert steps[0].role == "village_agent" and steps[0].level == "village"
    assert run_all(definition) == ["agent_collect", "accept", "decide", "complete"]
    decide = next(s for s in engine.spec_steps(definition) if s["spec_name"] == "decide")
    assert decide["role"] == "department_head" and decide["level"] == "township"


def test_township_county_branches_on_data(make_definition):
    definition = make_definition("township_county")
    passed = run_all(definition, step_data={"preliminary": {"preliminary_passed": True}})
    assert passed == ["preliminary", "county_review", "county_decide", "complete"]
    refused = run_all(definition, step_data={"preliminary": {"preliminary_passed": False}})
    assert refused == ["preliminary", "complete"]
    missing = run_all(definition)  # the field never set: the default (refusal) branch
    assert missing == ["preliminary", "complete"]


def test_joint_review_runs_departments_in_parallel(make_definition, county):
    codes = ["D-APPROVAL", "D-CIVIL", "D-CIVIL-A"]
    definition = make_definition("joint", codes)
    state, steps = engine.start(definition, {})
    state, steps, _ = engine.complete(definition, roundtrip(state), steps[0].task_id, {})
    assert sorted(s.department for s in steps) == sorted(codes)
    assert {s.step_kind for s in steps} == {"joint_review"}
    assert "莒南县民政局" in {s.name.split("：")[1] for s in steps}
    by_dept = {s.department: s for s in steps}
    state, steps, _ = engine.complete(definition, roundtrip(state), by_dept["D-CIVIL"].task_id, {})
    assert sorted(s.department for s in steps) == ["D-APPROVAL", "D-CIVIL-A"]
    state, steps, _ = engine.complete(definition, roundtrip(state), by_dept["D-APPROVAL"].task_id, {})
    assert [s.department for s in steps] == ["D-CIVIL-A"]
    assert "decide" not in {s.spec_name for s in steps}
    state, steps, finished = engine.complete(definition, roundtrip(state), by_dept["D-CIVIL-A"].task_id, {})
    assert [s.spec_name for s in steps] == ["decide"] and not finished
    assert [s.spec_name for s in engine.ready(definition, roundtrip(state))] == ["decide"]


def test_joint_requires_departments(make_definition):
    with pytest.raises(InvalidInput):
        make_definition("joint", [])


def test_joint_unknown_department_is_refused(make_definition, county):
    with pytest.raises(InvalidInput) as info:
        make_definition("joint", ["D-APPROVAL", "NO-SUCH"])
    assert "department_unknown" in json.dumps(info.value.details)


def test_return_to_previous_and_from_decide_to_review(make_definition):
    definition = make_definition("standard")
    state, steps = engine.start(definition, {})
    state, steps, _ = engine.complete(definition, state, steps[0].task_id, {})  # accept
    state, steps, _ = engine.complete(definition, state, steps[0].task_id, {"review_passed": True})  # review
    assert steps[0].spec_name == "decide"
    state, steps = engine.return_to(definition, roundtrip(state), steps[0].task_id)
    assert [s.spec_name for s in steps] == ["review"]
    assert [c["spec_name"] for c in engine.completed_steps(definition, state)] == ["accept"]
    state, steps, _ = engine.complete(definition, roundtrip(state), steps[0].task_id, {})
    assert [s.spec_name for s in steps] == ["decide"]
    # from decide back to accept, by name
    state, steps = engine.return_to(definition, roundtrip(state), steps[0].task_id, "accept")
    assert [s.spec_name for s in steps] == ["accept"]
    assert engine.completed_steps(definition, state) == []


def test_return_to_needs_an_earlier_step(make_definition):
    definition = make_definition("standard")
    state, steps = engine.start(definition, {})
    with pytest.raises(InvalidInput):
        engine.return_to(definition, state, steps[0].task_id)
    state, steps, _ = engine.complete(definition, state, steps[0].task_id, {})
    with pytest.raises(InvalidInput):
        engine.return_to(definition, state, steps[0].task_id, "decide")  # not behind us


def test_completed_steps_in_order(make_definition):
    definition = make_definition("standard")
    state, steps = engine.start(definition, {})
    for _ in range(2):
        state, steps, _ = engine.complete(definition, state, steps[0].task_id, {})
    done = engine.completed_steps(definition, state)
    assert [(d["spec_name"], d["name"], d["order"]) for d in done] == [("accept", "受理", 1), ("review", "审查", 2)]


def test_completing_twice_conflicts(make_definition):
    definition = make_definition("standard")
    state, steps = engine.start(definition, {})
    accept = steps[0]
    new_state, _, _ = engine.complete(definition, state, accept.task_id, {})
    with pytest.raises(Conflict):
        engine.complete(definition, new_state, accept.task_id, {})


def test_unknown_task_and_bad_state(make_definition):
    definition = make_definition("standard")
    state, _ = engine.start(definition, {})
    with pytest.raises(NotFound):
        engine.complete(definition, state, "not-a-uuid", {})
    with pytest.raises(NotFound):
        engine.complete(definition, state, "00000000-0000-0000-0000-000000000000", {})
    with pytest.raises(InvalidInput):
        engine.ready(definition, {"garbage": True})


def test_state_carries_data_but_not_spec(make_definition):
    definition = make_definition("standard")
    state, steps = engine.start(definition, {"amount": 5, "applicant_kind": "citizen"})
    assert "spec" not in state and "subprocess_specs" not in state
    assert len(json.dumps(state)) < 15_000
    state, steps, _ = engine.complete(definition, roundtrip(state), steps[0].task_id, {"review_passed": True})
    assert "spec" not in state
    assert '"amount": 5' in json.dumps(state)


def test_spec_is_cached_and_restored_from_spec_json(make_definition):
    definition = make_definition("standard")
    assert definition.spec_json and "spec" in definition.spec_json
    engine.clear_cache()
    definition.bpmn_xml = "<not-xml"  # the serialized spec is enough
    state, steps = engine.start(definition, {})
    assert steps[0].spec_name == "accept"


def test_unusable_definition_cannot_start(make_definition):
    definition = make_definition("standard")
    definition.status = ProcessStatus.INVALID
    with pytest.raises(Conflict):
        engine.start(definition, {})


def test_state_is_the_library_format_without_spec(make_definition):
    """Put the spec back and SpiffWorkflow's own deserializer reads our state: nothing else is missing."""
    import copy

    from SpiffWorkflow.util.task import TaskState

    definition = make_definition("standard")
    state, steps = engine.start(definition, {"amount": 2})
    state, steps, _ = engine.complete(definition, state, steps[0].task_id, {"review_passed": True})
    full = copy.deepcopy(state)
    full.update(copy.deepcopy(definition.spec_json))
    workflow = engine.SERIALIZER.deserialize_json(json.dumps(full))
    ready = [t.task_spec.name for t in workflow.get_tasks() if t.state == TaskState.READY and t.task_spec.manual]
    assert ready == ["review"]
    assert workflow.data.get("amount") == 2 or workflow.task_tree.data.get("amount") == 2
