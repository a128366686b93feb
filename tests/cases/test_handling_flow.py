"""Handling services: the standard flow, joint review, return, countersign, transfer, decisions."""

from __future__ import annotations

import pytest

from tests.cases.factories import make_item
from tests.cases.test_handling_helpers import make_case, make_staff, only_open, open_steps, pos
from yiwang.calendar.selectors import clock_for_object
from yiwang.cases import handling
from yiwang.cases.models import CaseNotice, CaseStatus, Decision, StepStatus
from yiwang.core.audit import AuditEvent  # type: ignore[attr-defined]
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(county):
    return make_staff(county)


@pytest.fixture
def standard_item(county):
    return make_item(name="食品经营许可", department=county.civil_affairs, promised=10, statutory=20)


def _case(county, version, applicant=None, **kw):
    return make_case(version=version, division=county.county, department=county.civil_affairs,
                     applicant=applicant, **kw)


def test_steps_sync_creates_review_step_with_clock(county, staff, standard_item):
    case = _case(county, standard_item)
    review = only_open(case)
    assert (review.step_kind, review.role, review.department, review.division) == (
        "review", "reviewer", county.civil_affairs, county.county)
    clock = clock_for_object(review, purpose=handling.STEP_CLOCK_PURPOSE)
    assert clock is not None and clock.budget == 10
    assert AuditEvent.objects.filter(action="case.step_ready", object_id=str(review.pk)).exists()
    # idempotent: the same ready task is not created twice
    from yiwang.workflow import engine
    assert handling.steps_sync(case=case, ready=engine.ready(standard_item.process, case.workflow_state)) == []


def test_standard_flow_review_decide_complete(county, staff, standard_item, applicant):
    case = _case(county, standard_item, applicant)
    review = only_open(case)
    assert list(handling.inbox_for_position(position=pos(staff.reviewer))) == [review]
    assert not handling.inbox_for_position(position=pos(staff.approver)).exists()

    handling.step_claim(step=review, actor=staff.reviewer, position=pos(staff.reviewer))
    # claimed: gone from the colleague's inbox
    assert not handling.inbox_for_position(position=pos(staff.reviewer2)).exists()
    handling.step_complete(step=review, opinion="材料齐全，符合条件", actor=staff.reviewer,
                           position=pos(staff.reviewer))
    review.refresh_from_db()
    assert review.status == StepStatus.COMPLETED and review.completed_by == staff.reviewer
    assert clock_for_object(review, purpose=handling.STEP_CLOCK_PURPOSE).stopped_at is not None

    decide = only_open(case)
    assert decide.step_kind == "decide"
    assert list(handling.inbox_for_position(position=pos(staff.approver))) == [decide]
    handling.step_complete(step=decide, opinion="同意", decision="grant", actor=staff.approver,
                           position=pos(staff.approver))
    case.refresh_from_db()
    assert (case.status, case.decision) == (CaseStatus.GRANTED, Decision.GRANT)
    notice = CaseNotice.objects.get(case=case, kind="grant")
    assert "六十日" in notice.context["rights"] and "六个月" in notice.context["rights"]

    complete = only_open(case)
    assert complete.step_kind == "complete" and complete.role == "window_clerk"
    clerk = _county_clerk(county)
    assert list(handling.inbox_for_position(position=pos(clerk))) == [complete]
    handling.step_complete(step=complete, opinion="已送达", actor=clerk, position=pos(clerk))
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED and case.completed_at is not None
    assert handling.handling_clock(case).stopped_at is not None
    assert open_steps(case) == []
    assert case.events.filter(kind="completed").exists()


def _county_clerk(county):
    from tests.conftest import make_position, make_user

    user = make_user("county_clerk")
    make_position(user, "window_clerk", county.county, county.civil_affairs)
    return user


def test_opinion_required_and_deny_needs_reasons(county, staff, standard_item):
    case = _case(county, standard_item)
    review = only_open(case)
    with pytest.raises(InvalidInput) as exc:
        handling.step_complete(step=review, opinion="  ", actor=staff.reviewer, position=pos(staff.reviewer))
    assert exc.value.code == "opinion_required"
    handling.step_complete(step=review, opinion="不符合条件", actor=staff.reviewer, position=pos(staff.reviewer))
    decide = only_open(case)
    with pytest.raises(InvalidInput) as exc:
        handling.step_complete(step=decide, opinion="不同意", decision="deny", actor=staff.approver,
                               position=pos(staff.approver))
    assert exc.value.code == "deny_reasons_required"
    with pytest.raises(InvalidInput):  # no decision at all
        handling.step_complete(step=decide, opinion="同意", actor=staff.approver, position=pos(staff.approver))
    handling.step_complete(step=decide, opinion="不同意", decision="deny", reasons="经营场所不符合卫生要求",
                           actor=staff.approver, position=pos(staff.approver))
    case.refresh_from_db()
    assert (case.status, case.decision, case.decision_reason) == ("denied", "deny", "经营场所不符合卫生要求")
    notice = CaseNotice.objects.get(case=case, kind="deny")
    assert notice.context["reasons"] == "经营场所不符合卫生要求"
    assert "行政复议" in notice.context["rights"] and "行政诉讼" in notice.context["rights"]
    # a denied case still goes through 办结
    assert only_open(case).step_kind == "complete"


def test_reviewer_cannot_decide_and_wrong_department_cannot_act(county, staff, standard_item):
    case = _case(county, standard_item)
    review = only_open(case)
    with pytest.raises(NotFound):  # other department's reviewer: not in scope
        handling.step_claim(step=review, actor=staff.nrp_reviewer, position=pos(staff.nrp_reviewer))
    with pytest.raises(PermissionDenied):  # actor must hold the position
        handling.step_claim(step=review, actor=staff.reviewer2, position=pos(staff.reviewer))
    handling.step_complete(step=review, opinion="同意", actor=staff.reviewer, position=pos(staff.reviewer))
    decide = only_open(case)
    with pytest.raises(PermissionDenied):  # a reviewer may not decide (决定)
        handling.step_complete(step=decide, opinion="同意", decision="grant", actor=staff.reviewer,
                               position=pos(staff.reviewer))


def test_claim_conflict_and_sequential_double_complete(county, staff, standard_item):
    case = _case(county, standard_item)
    review = only_open(case)
    handling.step_claim(step=review, actor=staff.reviewer, position=pos(staff.reviewer))
    with pytest.raises(Conflict) as exc:
        handling.step_claim(step=review, actor=staff.reviewer2, position=pos(staff.reviewer2))
    assert exc.value.code == "step_claimed_by_other"
    handling.step_complete(step=review, opinion="同意", actor=staff.reviewer, position=pos(staff.reviewer))
    with pytest.raises(Conflict) as exc:
        handling.step_complete(step=review, opinion="同意", actor=staff.reviewer, position=pos(staff.reviewer))
    assert exc.value.message == "该环节已由他人办理"


def test_stale_version_is_a_conflict(county, staff, standard_item):
    case = _case(county, standard_item)
    version_seen = case.lock_version
    review = only_open(case)
    handling.step_claim(step=review, actor=staff.reviewer, position=pos(staff.reviewer))  # bumps the version
    with pytest.raises(Conflict) as exc:
        handling.step_complete(step=review, opinion="同意", actor=staff.reviewer, position=pos(staff.reviewer),
                               expected_version=version_seen)
    assert exc.value.code == "stale_version"
    review.refresh_from_db()
    assert review.status == StepStatus.CLAIMED
    case.refresh_from_db()
    handling.step_complete(step=review, opinion="同意", actor=staff.reviewer, position=pos(staff.reviewer),
                           expected_version=case.lock_version)


def test_return_from_decide_to_review(county, staff, standard_item):
    case = _case(county, standard_item)
    review = only_open(case)
    handling.step_complete(step=review, opinion="同意", actor=staff.reviewer, position=pos(staff.reviewer))
    decide = only_open(case)
    with pytest.raises(InvalidInput):
        handling.step_return(step=decide, reason="", actor=staff.approver, position=pos(staff.approver))
    handling.step_return(step=decide, reason="请补充现场核查记录", actor=staff.approver, position=pos(staff.approver))
    decide.refresh_from_db()
    assert decide.status == StepStatus.RETURNED and decide.opinion == "请补充现场核查记录"
    again = only_open(case)
    assert again.spec_name == "review" and again.pk != review.pk and again.status == StepStatus.READY
    assert clock_for_object(again, purpose=handling.STEP_CLOCK_PURPOSE) is not None
    assert handling.inbox_for_position(position=pos(staff.reviewer)).filter(pk=again.pk).exists()
    # the process goes on normally afterwards
    handling.step_complete(step=again, opinion="已补充核查", actor=staff.reviewer, position=pos(staff.reviewer))
    assert only_open(case).step_kind == "decide"


def test_countersign_blocks_completion_until_done(county, staff, standard_item):
    case = _case(county, standard_item)
    review = only_open(case)
    child = handling.step_countersign(step=review, role="reviewer", department=staff.eco, division=None,
                                      reason="涉及环保事项，请生态环境分局会签", actor=staff.reviewer,
                                      position=pos(staff.reviewer))
    assert child.parent == review and child.task_id == "" and child.department == staff.eco
    assert list(handling.inbox_for_position(position=pos(staff.eco_reviewer))) == [child]
    with pytest.raises(Conflict) as exc:
        handling.step_complete(step=review, opinion="同意", actor=staff.reviewer, position=pos(staff.reviewer))
    assert exc.value.code == "countersign_open"
    with pytest.raises(InvalidInput):  # countersign must be a handling role
        handling.step_countersign(step=review, role="citizen", department=None, division=None, reason="x",
                                  actor=staff.reviewer, position=pos(staff.reviewer))
    handling.step_complete(step=child, opinion="无环保意见", actor=staff.eco_reviewer,
                           position=pos(staff.eco_reviewer))
    child.refresh_from_db()
    assert child.status == StepStatus.COMPLETED
    assert only_open(case) == review  # the countersign did not advance the workflow
    handling.step_complete(step=review, opinion="同意", actor=staff.reviewer, position=pos(staff.reviewer))
    assert only_open(case).step_kind == "decide"


def test_transfer_to_colleague(county, staff, standard_item, django_capture_on_commit_callbacks):
    case = _case(county, standard_item)
    review = only_open(case)
    with pytest.raises(InvalidInput):  # another department's reviewer is not a valid target
        handling.step_transfer(step=review, to_position=pos(staff.nrp_reviewer), reason="x",
                               actor=staff.reviewer, position=pos(staff.reviewer))
    with pytest.raises(InvalidInput):  # another role
        handling.step_transfer(step=review, to_position=pos(staff.approver), reason="x",
                               actor=staff.reviewer, position=pos(staff.reviewer))
    with django_capture_on_commit_callbacks(execute=True):
        handling.step_transfer(step=review, to_position=pos(staff.reviewer2), reason="休假",
                               actor=staff.reviewer, position=pos(staff.reviewer))
    review.refresh_from_db()
    assert review.assignee == staff.reviewer2 and review.status == StepStatus.CLAIMED
    assert review.data["transfers"][0]["reason"] == "休假"
    assert list(handling.inbox_for_position(position=pos(staff.reviewer2))) == [review]
    assert not handling.inbox_for_position(position=pos(staff.reviewer)).exists()
    with pytest.raises(Conflict):
        handling.step_complete(step=review, opinion="同意", actor=staff.reviewer, position=pos(staff.reviewer))
    handling.step_complete(step=review, opinion="同意", actor=staff.reviewer2, position=pos(staff.reviewer2))
    from yiwang.notify.models import Message
    assert Message.objects.filter(recipient=staff.reviewer2, channel="inbox").exists()


def test_joint_review_parallel_departments(county, staff):
    version = make_item(name="建设工程规划许可", department=county.civil_affairs, kind="joint",
                        joint_departments=[staff.nrp, staff.housing, staff.eco], promised=20, statutory=45)
    case = _case(county, version)
    steps = open_steps(case)
    assert sorted(s.department.code for s in steps) == ["D-ECO", "D-HOUSING", "D-NRP"]
    assert all(s.step_kind == "joint_review" for s in steps)
    for step in steps:  # each its own step clock
        assert clock_for_object(step, purpose=handling.STEP_CLOCK_PURPOSE).budget == 10
    by_dept = {s.department.code: s for s in steps}
    for user, code in ((staff.nrp_reviewer, "D-NRP"), (staff.housing_reviewer, "D-HOUSING"),
                       (staff.eco_reviewer, "D-ECO")):
        assert list(handling.inbox_for_position(position=pos(user))) == [by_dept[code]]
    assert not handling.inbox_for_position(position=pos(staff.reviewer)).exists()
    assert not handling.inbox_for_position(position=pos(staff.approver)).exists()

    handling.step_complete(step=by_dept["D-NRP"], opinion="符合规划", actor=staff.nrp_reviewer,
                           position=pos(staff.nrp_reviewer))
    handling.step_complete(step=by_dept["D-HOUSING"], opinion="同意", actor=staff.housing_reviewer,
                           position=pos(staff.housing_reviewer))
    assert not handling.inbox_for_position(position=pos(staff.approver)).exists()  # decision waits for all
    assert [s.department.code for s in open_steps(case)] == ["D-ECO"]
    handling.step_complete(step=by_dept["D-ECO"], opinion="同意", actor=staff.eco_reviewer,
                           position=pos(staff.eco_reviewer))
    decide = only_open(case)
    assert decide.step_kind == "decide" and decide.department == county.civil_affairs
    assert list(handling.inbox_for_position(position=pos(staff.approver))) == [decide]
    # the joint departments' reviewers may open the case in the console
    assert handling.case_get_for_handling(position=pos(staff.eco_reviewer), pk=case.pk) == case


def test_joint_return_cancels_parallel_branches(county, staff):
    version = make_item(name="建设工程规划许可", department=county.civil_affairs, kind="joint",
                        joint_departments=[staff.nrp, staff.housing], promised=20, statutory=45)
    case = _case(county, version)
    steps = {s.department.code: s for s in open_steps(case)}
    handling.step_complete(step=steps["D-NRP"], opinion="同意", actor=staff.nrp_reviewer,
                           position=pos(staff.nrp_reviewer))
    handling.step_complete(step=steps["D-HOUSING"], opinion="同意", actor=staff.housing_reviewer,
                           position=pos(staff.housing_reviewer))
    decide = only_open(case)
    handling.step_return(step=decide, reason="住建意见不明确", target_spec_name=steps["D-HOUSING"].spec_name,
                         actor=staff.approver, position=pos(staff.approver))
    again = only_open(case)
    assert again.department.code == "D-HOUSING" and again.status == StepStatus.READY


def test_township_steps_are_invisible_to_township_b(county, staff, clerk_a, clerk_b):
    version = make_item(name="高龄津贴申请", department=county.civil_affairs, levels=["township"],
                        item_type="benefit")
    case = make_case(version=version, division=county.township_a, department=county.civil_affairs_a)
    review = only_open(case)
    assert list(handling.inbox_for_position(position=pos(staff.township_reviewer))) == [review]
    handling.step_complete(step=review, opinion="同意", actor=staff.township_reviewer,
                           position=pos(staff.township_reviewer))
    decide = only_open(case)
    handling.step_complete(step=decide, opinion="同意", decision="grant", actor=staff.township_approver,
                           position=pos(staff.township_approver))
    complete = only_open(case)
    assert list(handling.inbox_for_position(position=pos(clerk_a))) == [complete]
    assert not handling.inbox_for_position(position=pos(clerk_b)).exists()
    with pytest.raises(NotFound):
        handling.step_claim(step=complete, actor=clerk_b, position=pos(clerk_b))
    with pytest.raises(NotFound):
        handling.case_get_for_handling(position=pos(clerk_b), pk=case.pk)
    handling.step_claim(step=complete, actor=clerk_a, position=pos(clerk_a))


def test_accepted_case_end_to_end_with_licence(county, staff, clerk_a, applicant, django_capture_on_commit_callbacks):
    """Through the cases-core acceptance (which calls steps_sync) to a granted licence and 办结."""
    from tests.cases.factories import make_accepted_case
    from yiwang.licences.models import Licence

    version = make_item(name="食品经营许可", department=county.civil_affairs, levels=["township"])
    type(version).objects.filter(pk=version.pk).update(result_type="licence")
    version.refresh_from_db()
    case = make_accepted_case(clerk=clerk_a, version=version, applicant=applicant)
    review = only_open(case)
    assert review.step_kind == "review" and review.department == county.civil_affairs_a
    handling.step_complete(step=review, opinion="同意", actor=staff.township_reviewer,
                           position=pos(staff.township_reviewer))
    with django_capture_on_commit_callbacks(execute=True):
        handling.step_complete(step=only_open(case), opinion="同意", decision="grant",
                               actor=staff.township_approver, position=pos(staff.township_approver))
    licence = Licence.objects.get(case=case)
    notice = CaseNotice.objects.get(case=case, kind="grant")
    assert notice.context["licence_number"] == licence.number
    from yiwang.notify.models import Message
    assert Message.objects.filter(recipient=applicant, channel="sms").exists()
    handling.step_complete(step=only_open(case), opinion="已送达", actor=clerk_a, position=pos(clerk_a))
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    assert handling.case_time_clocks(case) == []  # promised and statutory clocks both stopped
