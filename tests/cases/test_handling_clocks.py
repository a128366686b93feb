"""Handling clocks: step limits, special procedures (Art. 45) across 春节 2026, extensions (Art. 42)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.cases.factories import make_item
from tests.cases.test_handling_helpers import make_case, make_staff, only_open, open_steps, pos
from tests.conftest import make_position, make_user
from yiwang.calendar.engine import add_workdays, workdays_between
from yiwang.calendar.selectors import clock_for_object
from yiwang.cases import handling
from yiwang.cases.models import CaseNotice, CaseStatus
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(county):
    return make_staff(county)


@pytest.fixture
def standard_item(county):
    return make_item(name="食品经营许可", department=county.civil_affairs, promised=10, statutory=20)

START = date(2026, 2, 2)  # a Monday, two weeks before the 2026 Spring Festival (15–23 Feb)


def _case(county, version, **kw):
    return make_case(version=version, division=county.county, department=county.civil_affairs, **kw)


def test_step_clock_due_date_skips_spring_festival(county, staff, standard_item):
    # 10 working days from Fri 13 Feb 2026: Sat 14 Feb (调休上班), 24–27 Feb, Sat 28 Feb (调休上班), 2–5 Mar.
    case = _case(county, standard_item, today=date(2026, 2, 13))
    clock = clock_for_object(only_open(case), purpose=handling.STEP_CLOCK_PURPOSE)
    assert clock.due_date == date(2026, 3, 5)
    view = handling.clock_view(clock, today=date(2026, 3, 4))
    assert view["remaining"] == 1 and view["status"] in ("yellow", "green")
    assert handling.clock_view(clock, today=date(2026, 3, 6))["status"] == "red"


def test_special_procedure_suspends_across_spring_festival(county, staff, standard_item, applicant):
    case = _case(county, standard_item, applicant=applicant, today=START, budget=20)
    clock = handling.handling_clock(case)
    assert clock.due_date == date(2026, 3, 6)
    review = only_open(case)
    notice = handling.case_special_procedure_start(
        case=case, kind="expert_review", reason="组织专家评审", expected_days=10, actor=staff.reviewer,
        position=pos(staff.reviewer), today=date(2026, 2, 11))
    case.refresh_from_db()
    assert case.status == CaseStatus.SUSPENDED
    assert notice.kind == "special" and notice.context["expected_days"] == 10
    assert notice.context["procedure_label"] == "专家评审"
    assert notice.context["expected_end"] == add_workdays(date(2026, 2, 11), 10).isoformat()
    with pytest.raises(Conflict):  # no step may be completed while the clock is suspended
        handling.step_complete(step=review, opinion="同意", actor=staff.reviewer, position=pos(staff.reviewer))
    with pytest.raises(Conflict):  # and no second special procedure on top
        handling.case_special_procedure_start(case=case, kind="hearing", reason="x", expected_days=5,
                                              actor=staff.reviewer, position=pos(staff.reviewer),
                                              today=date(2026, 2, 12))
    step_clock = clock_for_object(review, purpose=handling.STEP_CLOCK_PURPOSE)
    assert step_clock.suspensions.filter(end__isnull=True).exists()

    handling.case_special_procedure_end(case=case, actor=staff.reviewer, position=pos(staff.reviewer),
                                        result="专家评审通过", today=date(2026, 3, 4))
    case.refresh_from_db()
    clock.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    suspended = workdays_between(date(2026, 2, 11), date(2026, 3, 4))
    assert suspended == 11  # 12–14 Feb, 24–28 Feb, 2–4 Mar; the holiday itself is not a working day
    assert clock.due_date == add_workdays(date(2026, 3, 6), suspended) == date(2026, 3, 23)
    handling.step_complete(step=review, opinion="同意", actor=staff.reviewer, position=pos(staff.reviewer))


def test_special_procedure_checks(county, staff, standard_item, clerk_b):
    case = _case(county, standard_item, today=START)
    kwargs = {"case": case, "reason": "听证", "expected_days": 5, "today": date(2026, 2, 3)}
    with pytest.raises(InvalidInput):
        handling.case_special_procedure_start(kind="picnic", actor=staff.reviewer, position=pos(staff.reviewer),
                                              **kwargs)
    with pytest.raises(InvalidInput):
        handling.case_special_procedure_start(kind="hearing", actor=staff.reviewer, position=pos(staff.reviewer),
                                              **{**kwargs, "expected_days": 0})
    with pytest.raises(NotFound):  # a township B clerk cannot see the county case
        handling.case_special_procedure_start(kind="hearing", actor=clerk_b, position=pos(clerk_b), **kwargs)
    with pytest.raises(Conflict):
        handling.case_special_procedure_end(case=case, actor=staff.reviewer, position=pos(staff.reviewer))


def test_extension_by_department_head_max_ten(county, staff, standard_item, applicant):
    case = _case(county, standard_item, applicant=applicant, today=START, budget=20)
    with pytest.raises(PermissionDenied):  # a reviewer may not extend
        handling.case_extend(case=case, days=5, reason="情况复杂", actor=staff.reviewer,
                             position=pos(staff.reviewer))
    with pytest.raises(NotFound):  # nor another department's head (the case is outside its scope)
        handling.case_extend(case=case, days=5, reason="情况复杂", actor=staff.eco_head,
                             position=pos(staff.eco_head))
    with pytest.raises(InvalidInput):
        handling.case_extend(case=case, days=11, reason="情况复杂", actor=staff.head, position=pos(staff.head))
    with pytest.raises(InvalidInput):
        handling.case_extend(case=case, days=3, reason=" ", actor=staff.head, position=pos(staff.head))
    notice = handling.case_extend(case=case, days=6, reason="需现场核查", actor=staff.head, position=pos(staff.head))
    assert notice.kind == "extension" and notice.context["reason"] == "需现场核查"
    clock = handling.handling_clock(case)
    assert clock.due_date == add_workdays(date(2026, 3, 6), 6)
    assert notice.context["new_due_date"] == clock.due_date.isoformat()
    with pytest.raises(InvalidInput):  # 6 + 5 > 10 in total
        handling.case_extend(case=case, days=5, reason="仍需核查", actor=staff.head, position=pos(staff.head))
    handling.case_extend(case=case, days=4, reason="仍需核查", actor=staff.head, position=pos(staff.head))
    assert CaseNotice.objects.filter(case=case, kind="extension").count() == 2
    assert case.events.filter(kind="extension").count() == 2


def test_extension_joint_review_allows_fifteen(county, staff):
    version = make_item(name="建设工程规划许可", department=county.civil_affairs, kind="joint",
                        joint_departments=[staff.nrp, staff.housing], promised=20, statutory=45)
    case = _case(county, version, today=START)
    assert handling.is_joint(case)
    assert len(open_steps(case)) == 2
    leader = make_user("county_leader", real_name="县领导")
    make_position(leader, "leader", county.county)
    # a department head may not extend joint handling (Art. 42 ¶2: the same-level government's head)
    with pytest.raises(PermissionDenied) as exc:
        handling.case_extend(case=case, days=5, reason="联审复杂", actor=staff.head, position=pos(staff.head))
    assert exc.value.code == "extend_not_government_head"
    with pytest.raises(InvalidInput):
        handling.case_extend(case=case, days=16, reason="联审复杂", actor=leader, position=pos(leader))
    notice = handling.case_extend(case=case, days=15, reason="联审复杂", actor=leader, position=pos(leader))
    assert handling.handling_clock(case).extensions.get().days == 15
    assert handling.handling_clock(case).extensions.get().approver == leader
    assert notice.context["max_days"] == 15


def test_completed_case_cannot_be_extended(county, staff, standard_item):
    case = _case(county, standard_item, today=START)
    type(case).objects.filter(pk=case.pk).update(status=CaseStatus.COMPLETED)
    case.refresh_from_db()
    with pytest.raises(Conflict):
        handling.case_extend(case=case, days=2, reason="x", actor=staff.head, position=pos(staff.head))
